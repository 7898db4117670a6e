-- Core tables: subscribers, staff and the audit log, volunteers, persistence.
-- Written so PostgreSQL could take them later: plain types, explicit keys, no rowid tricks.

CREATE TABLE subscribers (
    user_id      INTEGER PRIMARY KEY,
    language     TEXT,                       -- chosen: 'id' | 'jv' | NULL (not chosen yet)
    tg_language  TEXT,                       -- Telegram's language_code at last contact
    first_seen   TEXT NOT NULL,              -- ISO-8601 UTC
    last_seen    TEXT NOT NULL,
    subscribed   INTEGER NOT NULL DEFAULT 1, -- wants announcements
    blocked      INTEGER NOT NULL DEFAULT 0, -- blocked the bot / deactivated (403)
    blocked_at   TEXT
);
CREATE INDEX subscribers_audience ON subscribers (subscribed, blocked);

CREATE TABLE staff (
    user_id    INTEGER PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
    added_by   INTEGER,
    added_at   TEXT NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor_id  INTEGER,            -- Telegram user id, or NULL for the command line
    action    TEXT NOT NULL,      -- e.g. 'staff.add', 'broadcast.send', 'status.lookup'
    target    TEXT,
    outcome   TEXT,
    detail    TEXT                -- JSON; never a NIK, not even hashed
);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE volunteers (
    user_id      INTEGER PRIMARY KEY,
    role         TEXT NOT NULL,         -- tksk | pkh | tagana | psm | karang_taruna | lks | other
    region_code  TEXT NOT NULL,         -- Kemendagri kab/kota code, e.g. '3578'
    name         TEXT NOT NULL,
    phone        TEXT,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER
);
CREATE INDEX volunteers_audience ON volunteers (status, role, region_code);

CREATE TABLE ptb_user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE ptb_chat_data (
    chat_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE ptb_conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,   -- JSON list of the conversation key
    state TEXT NOT NULL,   -- JSON of the state
    PRIMARY KEY (name, key)
);
