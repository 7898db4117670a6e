-- Volunteer reminders: what to send to whom and when, every occurrence claimed exactly once,
-- and what happened to each recipient.

-- When the volunteer was told the staff's decision (NULL: not yet; the bot's sync job tells
-- volunteers approved or rejected from the command line).
ALTER TABLE volunteers ADD COLUMN notified_at TEXT;

CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    text         TEXT NOT NULL,
    role         TEXT,                -- NULL: every role
    region_code  TEXT,                -- NULL: every kab/kota
    kind         TEXT NOT NULL CHECK (kind IN ('once', 'cron')),
    at           TEXT,                -- once: ISO-8601 UTC
    cron         TEXT,                -- cron: 5-field crontab in TIMEZONE (day names, not numbers)
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled', 'done')),
    created_at   TEXT NOT NULL,
    created_by   INTEGER,             -- NULL: the command line
    cancelled_at TEXT,
    cancelled_by INTEGER,
    CHECK ((kind = 'once' AND at IS NOT NULL) OR (kind = 'cron' AND cron IS NOT NULL))
);
CREATE INDEX reminders_status ON reminders (status);

-- One row per occurrence: inserting it claims the occurrence (UNIQUE), before anything is sent.
CREATE TABLE reminder_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    reminder_id  INTEGER NOT NULL REFERENCES reminders (id),
    occurrence   TEXT NOT NULL,       -- ISO-8601 UTC, the scheduled time
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'missed')),
    claimed_at   TEXT NOT NULL,
    finished_at  TEXT,
    UNIQUE (reminder_id, occurrence)
);
CREATE INDEX reminder_runs_status ON reminder_runs (status);

-- One row per recipient of a run: pending -> sending -> sent | blocked | failed; sent -> done.
CREATE TABLE reminder_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER NOT NULL REFERENCES reminder_runs (id),
    user_id       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'done', 'blocked', 'failed')),
    reason        TEXT,               -- blocked | not_started | deactivated | interrupted | ...
    message_id    INTEGER,
    sent_at       TEXT,
    done_at       TEXT,
    snooze_until  TEXT,               -- ISO-8601 UTC: send again then (job snooze:<id>)
    snoozes       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, user_id)
);
CREATE INDEX reminder_deliveries_user ON reminder_deliveries (user_id, status);
CREATE INDEX reminder_deliveries_snooze ON reminder_deliveries (snooze_until);
