-- Inquiries (leads, issue 18 point 1): an investor's request about given plots or a
-- requirement profile, routed to the municipality owning the plots (one inquiry per town) or,
-- for a profile, to the region's admins (`municipality_id` NULL); the staff pipeline with its
-- history; personal data in the `contact_*` columns, `message` and the notes only, so that
-- anonymising (retention, erasure) clears exactly those and keeps the figures.

CREATE SEQUENCE inquiry_submissions;

CREATE TABLE inquiries (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One submission about plots of several towns makes one inquiry per town, sharing this.
    submission           bigint NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('plots', 'profile')),
    -- NULL: a requirement profile, for the region's admins.
    municipality_id      bigint REFERENCES municipalities (id) ON DELETE SET NULL,
    plot_ids             bigint[] NOT NULL DEFAULT '{}',
    -- The requirement profile (no personal data; `domain::inquiry::Profile`).
    profile              jsonb,
    -- Where the form was: profile, embed, kiosk or api.
    source               text NOT NULL DEFAULT 'api',
    -- Personal data (cleared by anonymising).
    message              text,
    contact_name         text,
    contact_company      text,
    contact_email        text,
    contact_phone        text,
    language             text NOT NULL CHECK (language IN ('de', 'en')),
    consent_version      text NOT NULL,
    consent_at           timestamptz NOT NULL,
    -- The pipeline.
    status               text NOT NULL DEFAULT 'new'
                         CHECK (status IN ('new', 'answered', 'viewing', 'offer', 'won', 'lost')),
    lost_reason          text,
    assignee_id          bigint REFERENCES users (id) ON DELETE SET NULL,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    first_response_at    timestamptz,
    closed_at            timestamptz,
    staff_notified_at    timestamptz,
    confirmation_sent_at timestamptz,
    anonymised_at        timestamptz,
    CHECK ((status = 'lost') = (lost_reason IS NOT NULL))
);
CREATE INDEX inquiries_municipality ON inquiries (municipality_id, created_at DESC);
CREATE INDEX inquiries_created ON inquiries (created_at DESC);
-- Export and erasure find a person by address, whatever its case.
CREATE INDEX inquiries_email ON inquiries (lower(contact_email)) WHERE contact_email IS NOT NULL;

-- Notes of staff (personal data: they may quote the inquirer), and every change.
CREATE TABLE inquiry_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inquiry_id  bigint NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    actor       text NOT NULL,
    -- created, status, assignee, note, shortlist_sent, anonymised
    action      text NOT NULL,
    -- What changed, e.g. {"status": ["new", "answered"]}; a note's text under "note".
    changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX inquiry_history_inquiry ON inquiry_history (inquiry_id, id);
