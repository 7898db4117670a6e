-- Broadcasts and their outbox: one row per recipient, written before anything is sent.
-- An outbox row goes pending -> sending (claimed, committed before the send) -> sent | failed |
-- blocked. Rows found in 'sending' at start were in flight at a crash: they are sent again and
-- flagged possible_duplicate, so the report can say how many people may have it twice.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by          INTEGER NOT NULL,     -- Telegram user id of the operator
    created_at          TEXT NOT NULL,        -- ISO-8601 UTC
    audience            TEXT NOT NULL,        -- JSON: {"kind": ..., "role": ..., "region": ...}
    text_id             TEXT NOT NULL,        -- Indonesian text (or photo caption), plain
    entities_id         TEXT,                 -- JSON list of Telegram message entities
    text_jv             TEXT,                 -- Javanese version, NULL when none was given
    entities_jv         TEXT,
    photo               TEXT,                 -- Telegram file_id of the photo, if any
    status              TEXT NOT NULL DEFAULT 'sending'
                        CHECK (status IN ('sending', 'done', 'cancelled')),
    total               INTEGER NOT NULL,
    finished_at         TEXT,
    report_chat_id      INTEGER,              -- where the progress message lives
    progress_message_id INTEGER,
    restarts            INTEGER NOT NULL DEFAULT 0,
    retries_429         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE broadcast_outbox (
    broadcast_id       INTEGER NOT NULL REFERENCES broadcasts (id),
    user_id            INTEGER NOT NULL,
    language           TEXT NOT NULL,         -- 'id' | 'jv': which version this person gets
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,
    error              TEXT,                  -- a short reason, never message content
    updated_at         TEXT,
    PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_outbox_status ON broadcast_outbox (broadcast_id, status);
