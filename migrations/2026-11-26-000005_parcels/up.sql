-- Cadastral parcels (Flurstücke) a plot spans, by their ALKIS identifier (Flurstückskennzeichen,
-- 20 characters: Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4 or `____`, Folge 2 or `__`).
-- Existing plots get an empty list. The application checks each identifier and writes one form
-- only (domain::plot::parcel); the CHECK keeps any other writer to the same shape.
ALTER TABLE plots
    ADD COLUMN parcels text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(parcels) <= 500
               AND array_to_string(parcels, ',') ~ '^([0-9]{14}([0-9]{4}|_{4})([0-9]{2}|_{2})(,|$))*$');

-- Towns search by parcel: `parcels && ARRAY[…]` uses this index.
CREATE INDEX plots_parcels_gin ON plots USING gin (parcels);
