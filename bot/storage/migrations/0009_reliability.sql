-- Reliability and privacy (issue 17).
-- The update ids lately handled, so an update Telegram delivers again (no timely 200 from the
-- webhook, a crash before getUpdates confirmed it) is dropped before any handler runs.
-- Bounded: rows older than a few days, and all but the newest rows, are pruned.

CREATE TABLE seen_updates (
    update_id   INTEGER PRIMARY KEY,
    seen_at     TEXT NOT NULL             -- ISO-8601 UTC
);
CREATE INDEX seen_updates_at ON seen_updates (seen_at);
