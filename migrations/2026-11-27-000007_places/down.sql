DROP TABLE place_history;
DROP FUNCTION place_history_append_only();
ALTER TABLE estates
    DROP CONSTRAINT estates_deleted_not_published,
    DROP CONSTRAINT estates_net_within_gross,
    DROP COLUMN published, DROP COLUMN gross_area_m2, DROP COLUMN net_area_m2,
    DROP COLUMN zoning_summary, DROP COLUMN bplan_name, DROP COLUMN bplan_number,
    DROP COLUMN bplan_legal_date, DROP COLUMN bplan_url, DROP COLUMN motorway_junction,
    DROP COLUMN dist_motorway_km, DROP COLUMN rail_station, DROP COLUMN dist_rail_station_km,
    DROP COLUMN port, DROP COLUMN dist_port_km, DROP COLUMN airport, DROP COLUMN dist_airport_km,
    DROP COLUMN broadband_mbit, DROP COLUMN fibre, DROP COLUMN grw_area,
    DROP COLUMN contact_name, DROP COLUMN contact_phone, DROP COLUMN contact_email,
    DROP COLUMN version, DROP COLUMN deleted_at;
ALTER TABLE municipalities
    DROP COLUMN contact_website, DROP COLUMN description_de, DROP COLUMN description_en,
    DROP COLUMN outline_display, DROP COLUMN version, DROP COLUMN deleted_at;
ALTER TABLE regions
    DROP COLUMN logo_url, DROP COLUMN contact_name, DROP COLUMN contact_phone,
    DROP COLUMN contact_email, DROP COLUMN website, DROP COLUMN version, DROP COLUMN deleted_at;
