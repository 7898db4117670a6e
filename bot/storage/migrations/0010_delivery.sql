-- Delivery: the engine's own outbox (bot.delivery), and what staff can now do to a broadcast
-- (schedule it, stop it, add the "how to stop" footer).

-- The engine's outbox, for every bulk send that has no table of its own (volunteer decisions,
-- staff notices, ...): one row per recipient, written before anything is sent.
-- pending -> sending (claimed, committed before the send) -> sent | failed | blocked;
-- pending -> cancelled. Rows found in 'sending' at start were in flight at a crash: they are
-- sent again and flagged possible_duplicate.
CREATE TABLE delivery_outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL,         -- who asked: 'volunteer.decision', 'staff.notice'
    ref                TEXT NOT NULL,         -- the sender's own id of the thing sent
    user_id            INTEGER NOT NULL,
    payload            TEXT NOT NULL,         -- JSON, given to the kind's renderer
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked',
                                         'cancelled')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,
    outcome_unknown    INTEGER NOT NULL DEFAULT 0,  -- timeouts: it may have arrived
    reason             TEXT,                  -- a short code, never message content
    message_id         INTEGER,
    created_at         TEXT NOT NULL,
    updated_at         TEXT,
    UNIQUE (kind, ref, user_id)
);
CREATE INDEX delivery_outbox_status ON delivery_outbox (status, id);
CREATE INDEX delivery_outbox_ref ON delivery_outbox (kind, ref);

-- A 403 on a reminder: the volunteer's reminder subscription is blocked until they write again.
ALTER TABLE volunteers ADD COLUMN reminders_blocked_at TEXT;

-- Broadcasts: 'scheduled' (sent at scheduled_at, cancellable until then) and 'cancelled'
-- outbox rows (a stop). SQLite cannot change a CHECK, so both tables are rebuilt.
CREATE TABLE broadcasts_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    audience            TEXT NOT NULL,
    text_id             TEXT NOT NULL,
    entities_id         TEXT,
    text_jv             TEXT,
    entities_jv         TEXT,
    photo               TEXT,
    status              TEXT NOT NULL DEFAULT 'sending'
                        CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled')),
    total               INTEGER NOT NULL,
    finished_at         TEXT,
    report_chat_id      INTEGER,
    progress_message_id INTEGER,
    restarts            INTEGER NOT NULL DEFAULT 0,
    retries_429         INTEGER NOT NULL DEFAULT 0,
    scheduled_at        TEXT,                 -- ISO-8601 UTC; NULL: sent at once
    started_at          TEXT,
    cancelled_at        TEXT,
    cancelled_by        INTEGER,
    footer              INTEGER NOT NULL DEFAULT 0, -- add "type /berhenti to stop" at the end
    paid                INTEGER NOT NULL DEFAULT 0  -- allow_paid_broadcast (PAID_BROADCAST)
);
INSERT INTO broadcasts_new (id, created_by, created_at, audience, text_id, entities_id, text_jv,
    entities_jv, photo, status, total, finished_at, report_chat_id, progress_message_id,
    restarts, retries_429, started_at)
SELECT id, created_by, created_at, audience, text_id, entities_id, text_jv, entities_jv, photo,
    status, total, finished_at, report_chat_id, progress_message_id, restarts, retries_429,
    created_at
FROM broadcasts;

CREATE TABLE broadcast_outbox_new (
    broadcast_id       INTEGER NOT NULL REFERENCES broadcasts_new (id),
    user_id            INTEGER NOT NULL,
    language           TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked',
                                         'cancelled')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,
    outcome_unknown    INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    updated_at         TEXT,
    PRIMARY KEY (broadcast_id, user_id)
);
INSERT INTO broadcast_outbox_new (broadcast_id, user_id, language, status, attempts,
    possible_duplicate, error, updated_at)
SELECT broadcast_id, user_id, language, status, attempts, possible_duplicate, error, updated_at
FROM broadcast_outbox;

DROP TABLE broadcast_outbox;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
ALTER TABLE broadcast_outbox_new RENAME TO broadcast_outbox;
CREATE INDEX broadcast_outbox_status ON broadcast_outbox (broadcast_id, status);
CREATE INDEX broadcasts_status ON broadcasts (status);
