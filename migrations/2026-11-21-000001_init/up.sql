-- Foundation schema of the Gewerbeflächendatenbank.
-- Geometry: EPSG:4326 (WGS 84 lon/lat), MultiPolygon only; areas in m², distances in km,
-- money in euro cents (never floating point).

-- Needs a superuser (or, since PostgreSQL 13, the database owner when PostGIS is marked
-- trusted, which it is not by default) unless PostGIS is already installed in the database:
-- then this is a no-op and the service's own non-superuser role can run every migration.
-- scripts/lib/db.sh installs it as the superuser before the service (role gwf_app) migrates.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE regions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description_de  text,
    description_en  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE municipalities (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id       bigint NOT NULL REFERENCES regions (id) ON DELETE RESTRICT,
    -- Amtlicher Gemeindeschlüssel: 8 digits, official and unique in Germany.
    ags             text NOT NULL UNIQUE CHECK (ags ~ '^[0-9]{8}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    outline         geometry(MultiPolygon, 4326),
    contact_name    text,
    contact_phone   text,
    contact_email   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX municipalities_region_id_idx ON municipalities (region_id);
CREATE INDEX municipalities_outline_gist ON municipalities USING gist (outline);

CREATE TABLE estates (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id bigint NOT NULL REFERENCES municipalities (id) ON DELETE RESTRICT,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description_de  text,
    description_en  text,
    outline         geometry(MultiPolygon, 4326),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (municipality_id, name),
    -- Target of the composite foreign key below: a plot's estate must lie in the plot's municipality.
    UNIQUE (id, municipality_id)
);
CREATE INDEX estates_outline_gist ON estates USING gist (outline);

CREATE TABLE plots (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference               text NOT NULL UNIQUE CHECK (reference ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    title_de                text NOT NULL CHECK (length(title_de) BETWEEN 1 AND 300),
    title_en                text CHECK (length(title_en) <= 300),
    description_de          text CHECK (length(description_de) <= 20000),
    description_en          text CHECK (length(description_en) <= 20000),
    municipality_id         bigint NOT NULL REFERENCES municipalities (id) ON DELETE RESTRICT,
    estate_id               bigint,
    geom                    geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    -- Units: m². Geodesic (WGS 84 ellipsoid) area of geom, written by the application on every
    -- geometry write; the check keeps any writer honest to 0.1 %.
    area_geodesic_m2        double precision NOT NULL CHECK (area_geodesic_m2 > 0),
    area_stated_m2          bigint CHECK (area_stated_m2 > 0),
    status                  text NOT NULL CHECK (status IN ('available', 'reserved', 'under_negotiation', 'sold', 'planned')),
    available_from          date,
    zoning                  text NOT NULL CHECK (zoning IN ('GI', 'GE', 'GE-e', 'MI', 'MU', 'SO', 'other')),
    bplan_status            text NOT NULL CHECK (bplan_status IN ('in_preparation', 'legally_binding', 'section_34', 'none')),
    grz                     double precision CHECK (grz >= 0 AND grz <= 1),
    gfz                     double precision CHECK (gfz >= 0 AND gfz <= 20),
    bmz                     double precision CHECK (bmz >= 0 AND bmz <= 100),
    max_height_m            double precision CHECK (max_height_m > 0 AND max_height_m <= 500),
    max_storeys             smallint CHECK (max_storeys > 0 AND max_storeys <= 100),
    operation_24h           boolean,
    servicing               text NOT NULL CHECK (servicing IN ('full', 'partial', 'none')),
    road_access             boolean,
    water                   boolean,
    sewage                  boolean,
    electricity             boolean,
    electricity_capacity_kva integer CHECK (electricity_capacity_kva >= 0),
    gas                     boolean,
    district_heating        boolean,
    broadband_mbit          integer CHECK (broadband_mbit >= 0),
    fibre                   boolean,
    rail_siding             boolean NOT NULL DEFAULT false,
    -- Units: km.
    dist_motorway_km        double precision CHECK (dist_motorway_km >= 0),
    dist_rail_station_km    double precision CHECK (dist_rail_station_km >= 0),
    dist_port_km            double precision CHECK (dist_port_km >= 0),
    dist_airport_km         double precision CHECK (dist_airport_km >= 0),
    -- Units: euro cents per m².
    price_on_request        boolean NOT NULL DEFAULT false,
    price_min_ct            bigint CHECK (price_min_ct >= 0),
    price_max_ct            bigint CHECK (price_max_ct >= 0),
    servicing_cost_ct       bigint CHECK (servicing_cost_ct >= 0),
    offer                   text NOT NULL CHECK (offer IN ('sale', 'lease', 'sale_or_lease')),
    grw_area                boolean NOT NULL DEFAULT false,
    grw_max_rate_small_pct  smallint CHECK (grw_max_rate_small_pct BETWEEN 0 AND 100),
    grw_max_rate_medium_pct smallint CHECK (grw_max_rate_medium_pct BETWEEN 0 AND 100),
    grw_max_rate_large_pct  smallint CHECK (grw_max_rate_large_pct BETWEEN 0 AND 100),
    contact_name            text,
    contact_phone           text,
    contact_email           text,
    data_confirmed_on       date NOT NULL,
    published               boolean NOT NULL DEFAULT false,
    internal_notes          text,
    is_demo                 boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    version                 integer NOT NULL DEFAULT 1 CHECK (version >= 1),

    FOREIGN KEY (estate_id, municipality_id) REFERENCES estates (id, municipality_id) ON DELETE RESTRICT,
    CONSTRAINT plots_price_consistent CHECK (
        (price_on_request AND price_min_ct IS NULL AND price_max_ct IS NULL)
        OR (NOT price_on_request AND price_min_ct IS NOT NULL AND (price_max_ct IS NULL OR price_max_ct >= price_min_ct))
    ),
    CONSTRAINT plots_grw_rates_only_in_area CHECK (
        grw_area OR (grw_max_rate_small_pct IS NULL AND grw_max_rate_medium_pct IS NULL AND grw_max_rate_large_pct IS NULL)
    ),
    CONSTRAINT plots_area_geodesic_matches_geom CHECK (
        abs(area_geodesic_m2 - ST_Area(geom::geography)) <= 0.001 * area_geodesic_m2 + 0.01
    )
);
CREATE INDEX plots_geom_gist ON plots USING gist (geom);
CREATE INDEX plots_municipality_id_idx ON plots (municipality_id);
CREATE INDEX plots_estate_id_idx ON plots (estate_id, municipality_id);
CREATE INDEX plots_published_id_idx ON plots (id) WHERE published;
