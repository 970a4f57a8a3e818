CREATE OR REPLACE FUNCTION gwf_plot_public(p plots) RETURNS record LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(p.reference, p.title_de, p.title_en, p.description_de, p.description_en,
               p.municipality_id, p.estate_id, p.geom, p.area_geodesic_m2, p.area_stated_m2,
               p.status, p.available_from, p.zoning, p.bplan_status, p.grz, p.gfz, p.bmz,
               p.max_height_m, p.max_storeys, p.operation_24h, p.servicing, p.road_access,
               p.water, p.sewage, p.electricity, p.electricity_capacity_kva, p.gas,
               p.district_heating, p.broadband_mbit, p.fibre, p.rail_siding,
               p.dist_motorway_km, p.dist_rail_station_km, p.dist_port_km, p.dist_airport_km,
               p.price_on_request, p.price_min_ct, p.price_max_ct, p.servicing_cost_ct, p.offer,
               p.grw_area, p.grw_max_rate_small_pct, p.grw_max_rate_medium_pct,
               p.grw_max_rate_large_pct, p.contact_name, p.contact_phone, p.contact_email,
               p.data_confirmed_on, p.parcels, p.owner_type)
$$;

ALTER TABLE plots DROP COLUMN heavy_vehicle_access;
