-- One-time invite links for new staff (https://t.me/<bot>?start=staf_<token>). Only the
-- SHA-256 of the token is kept, so the table cannot be used to build a working link. A link
-- works once (used_at) and until expires_at; who made it and who used it stay accountable.
CREATE TABLE staff_invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  BLOB NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
    region_code TEXT,                     -- operators only; NULL: the whole province
    created_by  INTEGER,                  -- NULL: the command line
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- Questions the bot answered or did not understand, per day (in TIMEZONE), for the staff
-- home. Counted in memory and written behind (a write per answer costs throughput).
CREATE TABLE question_counts (
    day   TEXT NOT NULL,                  -- YYYY-MM-DD in TIMEZONE
    kind  TEXT NOT NULL CHECK (kind IN ('answered', 'not_understood')),
    n     INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
);
