-- Photos and documents of plots and estates (docs/media.md). The files live in the object
-- store (GWF_MEDIA_DIR or S3) under their content hash; these rows hold what they are, who made
-- them and under which licence, and where they stand in the gallery.
CREATE TABLE media (
    id BIGSERIAL PRIMARY KEY,
    plot_id BIGINT REFERENCES plots (id),
    estate_id BIGINT REFERENCES estates (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('photo', 'aerial', 'site_plan', 'bplan', 'document')),
    -- SHA-256 of the uploaded bytes, hex: the objects' names. Identical uploads share them.
    content_hash TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    -- Decided by sniffing the bytes, never taken from the client.
    content_type TEXT NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    bytes BIGINT NOT NULL CHECK (bytes > 0),
    width INTEGER CHECK (width > 0),
    height INTEGER CHECK (height > 0),
    caption_de TEXT CHECK (char_length(caption_de) <= 500),
    caption_en TEXT CHECK (char_length(caption_en) <= 500),
    credit TEXT CHECK (char_length(credit) <= 300),
    licence TEXT CHECK (char_length(licence) <= 200),
    position INTEGER NOT NULL DEFAULT 0,
    cover BOOLEAN NOT NULL DEFAULT false,
    -- Staff only, even on a published plot (e.g. a draft of a purchase contract).
    internal BOOLEAN NOT NULL DEFAULT false,
    -- PDFs are downloads unless this is set.
    inline BOOLEAN NOT NULL DEFAULT false,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ,
    CONSTRAINT media_one_owner CHECK ((plot_id IS NULL) <> (estate_id IS NULL)),
    CONSTRAINT media_images_measured CHECK (
        (content_type = 'application/pdf') = (width IS NULL AND height IS NULL)),
    CONSTRAINT media_cover_is_image CHECK (NOT cover OR content_type <> 'application/pdf')
);

CREATE INDEX media_plot ON media (plot_id, position, id) WHERE deleted_at IS NULL;
CREATE INDEX media_estate ON media (estate_id, position, id) WHERE deleted_at IS NULL;
CREATE INDEX media_hash ON media (content_hash);
CREATE UNIQUE INDEX media_one_cover_per_plot ON media (plot_id)
    WHERE cover AND deleted_at IS NULL AND plot_id IS NOT NULL;
CREATE UNIQUE INDEX media_one_cover_per_estate ON media (estate_id)
    WHERE cover AND deleted_at IS NULL AND estate_id IS NOT NULL;
