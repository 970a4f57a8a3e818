-- Reminder mails (`gewerbeflaechen reminders send`): the freshness digest of a municipality by
-- e-mail to its staff, in each person's language, at most once per period per person and town.

-- The language of mails to this person (reminders now, inquiries and alerts later).
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en'));

-- One row per digest the SMTP server accepted. A send that failed writes nothing, so the next
-- run tries again; the unique key makes a second run on the same day (or a concurrent one)
-- unable to record, and so to count, the same digest twice. The address is not stored: it is
-- the account's, and leaves with it (ON DELETE CASCADE).
CREATE TABLE reminder_mails (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id               bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    municipality_id       bigint NOT NULL REFERENCES municipalities (id) ON DELETE CASCADE,
    -- The day in Germany the digest is for.
    sent_on               date NOT NULL,
    sent_at               timestamptz NOT NULL DEFAULT now(),
    language              text NOT NULL CHECK (language IN ('de', 'en')),
    stale_count           integer NOT NULL,
    never_confirmed_count integer NOT NULL,
    incomplete_count      integer NOT NULL,
    UNIQUE (user_id, municipality_id, sent_on)
);
-- "When did this person last get this town's digest": the key's prefix serves it.
