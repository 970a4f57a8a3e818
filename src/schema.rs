//! Diesel schema for `migrations/`: the tables and column types, nothing else. Kept by hand in
//! the shape `diesel print-schema` emits, with PostGIS `geometry` declared here (see
//! `sql_types`) because geometries are only ever read and written through PostGIS functions
//! (`ST_AsGeoJSON`, `ST_GeomFromGeoJSON`), never as Rust values.
//!
//! It sits below `domain` (as diesel places it, at `src/schema.rs`): domain types declare how
//! they map onto these columns (`#[diesel(table_name = …)]`), and `db` runs the queries.

pub mod sql_types {
    /// PostGIS `geometry`. All stored geometries are EPSG:4326 MultiPolygons.
    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "geometry"))]
    pub struct Geometry;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Geometry;

    regions (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        description_de -> Nullable<Text>,
        description_en -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        logo_url -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        website -> Nullable<Text>,
        version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Geometry;

    municipalities (id) {
        id -> Int8,
        region_id -> Int8,
        ags -> Text,
        name -> Text,
        outline -> Nullable<Geometry>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        contact_website -> Nullable<Text>,
        description_de -> Nullable<Text>,
        description_en -> Nullable<Text>,
        outline_display -> Nullable<Geometry>,
        version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Geometry;

    estates (id) {
        id -> Int8,
        municipality_id -> Int8,
        name -> Text,
        description_de -> Nullable<Text>,
        description_en -> Nullable<Text>,
        outline -> Nullable<Geometry>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        published -> Bool,
        gross_area_m2 -> Nullable<Int8>,
        net_area_m2 -> Nullable<Int8>,
        zoning_summary -> Nullable<Text>,
        bplan_name -> Nullable<Text>,
        bplan_number -> Nullable<Text>,
        bplan_legal_date -> Nullable<Date>,
        bplan_url -> Nullable<Text>,
        motorway_junction -> Nullable<Text>,
        dist_motorway_km -> Nullable<Float8>,
        rail_station -> Nullable<Text>,
        dist_rail_station_km -> Nullable<Float8>,
        port -> Nullable<Text>,
        dist_port_km -> Nullable<Float8>,
        airport -> Nullable<Text>,
        dist_airport_km -> Nullable<Float8>,
        broadband_mbit -> Nullable<Int4>,
        fibre -> Nullable<Bool>,
        grw_area -> Nullable<Bool>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Geometry;

    plots (id) {
        id -> Int8,
        reference -> Text,
        title_de -> Text,
        title_en -> Nullable<Text>,
        description_de -> Nullable<Text>,
        description_en -> Nullable<Text>,
        municipality_id -> Int8,
        estate_id -> Nullable<Int8>,
        geom -> Geometry,
        area_geodesic_m2 -> Float8,
        area_stated_m2 -> Nullable<Int8>,
        /// Generated: stated area if known, else geodesic. Units: m².
        area_m2 -> Float8,
        status -> Text,
        available_from -> Nullable<Date>,
        zoning -> Text,
        bplan_status -> Text,
        grz -> Nullable<Float8>,
        gfz -> Nullable<Float8>,
        bmz -> Nullable<Float8>,
        max_height_m -> Nullable<Float8>,
        max_storeys -> Nullable<Int2>,
        operation_24h -> Nullable<Bool>,
        servicing -> Text,
        road_access -> Nullable<Bool>,
        heavy_vehicle_access -> Nullable<Bool>,
        water -> Nullable<Bool>,
        sewage -> Nullable<Bool>,
        electricity -> Nullable<Bool>,
        electricity_capacity_kva -> Nullable<Int4>,
        gas -> Nullable<Bool>,
        district_heating -> Nullable<Bool>,
        broadband_mbit -> Nullable<Int4>,
        fibre -> Nullable<Bool>,
        rail_siding -> Bool,
        dist_motorway_km -> Nullable<Float8>,
        dist_rail_station_km -> Nullable<Float8>,
        dist_port_km -> Nullable<Float8>,
        dist_airport_km -> Nullable<Float8>,
        price_on_request -> Bool,
        price_min_ct -> Nullable<Int8>,
        price_max_ct -> Nullable<Int8>,
        servicing_cost_ct -> Nullable<Int8>,
        offer -> Text,
        grw_area -> Bool,
        grw_max_rate_small_pct -> Nullable<Int2>,
        grw_max_rate_medium_pct -> Nullable<Int2>,
        grw_max_rate_large_pct -> Nullable<Int2>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        data_confirmed_on -> Date,
        published -> Bool,
        internal_notes -> Nullable<Text>,
        is_demo -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        owner_name -> Nullable<Text>,
        owner_contact -> Nullable<Text>,
        parcels -> Array<Text>,
        owner_type -> Nullable<Text>,
    }
}

diesel::table! {
    /// Each plot's monitored facts per period (`[valid_from, valid_to)`), written by a trigger.
    plot_states (id) {
        id -> Int8,
        plot_id -> Int8,
        valid_from -> Timestamptz,
        valid_to -> Nullable<Timestamptz>,
        status -> Text,
        published -> Bool,
        deleted -> Bool,
        municipality_id -> Int8,
        estate_id -> Nullable<Int8>,
        zoning -> Text,
        servicing -> Text,
        bplan_status -> Text,
        owner_type -> Nullable<Text>,
        available_from -> Nullable<Date>,
        area_m2 -> Float8,
        price_on_request -> Bool,
        price_min_ct -> Nullable<Int8>,
        price_max_ct -> Nullable<Int8>,
        prev_status -> Nullable<Text>,
        prev_listed -> Bool,
    }
}

diesel::table! {
    reminder_feeds (id) {
        id -> Int8,
        user_id -> Int8,
        name -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Bytea,
        failures -> Int4,
        last_failure_at -> Nullable<Timestamptz>,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        language -> Text,
    }
}

diesel::table! {
    user_municipalities (user_id, municipality_id) {
        user_id -> Int8,
        municipality_id -> Int8,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        kind -> Text,
        name -> Nullable<Text>,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        scopes -> Array<Text>,
    }
}

diesel::table! {
    plot_history (id) {
        id -> Int8,
        plot_id -> Int8,
        version -> Int4,
        action -> Text,
        user_id -> Nullable<Int8>,
        actor -> Text,
        via -> Text,
        changed_at -> Timestamptz,
        changes -> Jsonb,
    }
}

diesel::table! {
    place_history (id) {
        id -> Int8,
        kind -> Text,
        place_id -> Int8,
        version -> Int4,
        action -> Text,
        user_id -> Nullable<Int8>,
        actor -> Text,
        via -> Text,
        changed_at -> Timestamptz,
        changes -> Jsonb,
    }
}

diesel::table! {
    inquiries (id) {
        id -> Int8,
        submission -> Int8,
        kind -> Text,
        municipality_id -> Nullable<Int8>,
        plot_ids -> Array<Int8>,
        profile -> Nullable<Jsonb>,
        source -> Text,
        message -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_company -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        language -> Text,
        consent_version -> Text,
        consent_at -> Timestamptz,
        status -> Text,
        lost_reason -> Nullable<Text>,
        assignee_id -> Nullable<Int8>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        first_response_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        staff_notified_at -> Nullable<Timestamptz>,
        confirmation_sent_at -> Nullable<Timestamptz>,
        anonymised_at -> Nullable<Timestamptz>,
        shortlist_code -> Nullable<Text>,
    }
}

diesel::table! {
    inquiry_history (id) {
        id -> Int8,
        inquiry_id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Int8>,
        actor -> Text,
        action -> Text,
        changes -> Jsonb,
    }
}

diesel::table! {
    shortlists (code) {
        code -> Text,
        plot_ids -> Array<Int8>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
    }
}

diesel::table! {
    media (id) {
        id -> Int8,
        plot_id -> Nullable<Int8>,
        estate_id -> Nullable<Int8>,
        kind -> Text,
        content_hash -> Text,
        content_type -> Text,
        bytes -> Int8,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        caption_de -> Nullable<Text>,
        caption_en -> Nullable<Text>,
        credit -> Nullable<Text>,
        licence -> Nullable<Text>,
        position -> Int4,
        cover -> Bool,
        internal -> Bool,
        inline -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(municipalities -> regions (region_id));
diesel::joinable!(estates -> municipalities (municipality_id));
diesel::joinable!(plots -> municipalities (municipality_id));

diesel::joinable!(user_municipalities -> users (user_id));
diesel::joinable!(user_municipalities -> municipalities (municipality_id));
diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(plot_history -> plots (plot_id));
diesel::joinable!(media -> plots (plot_id));
diesel::joinable!(media -> estates (estate_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    municipalities,
    estates,
    plots,
    users,
    user_municipalities,
    auth_tokens,
    plot_history,
    place_history,
    media
);
