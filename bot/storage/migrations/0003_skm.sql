-- SKM (PermenPANRB 14/2017): survey drafts, responses with answers by unsur code, and the
-- rejected repeats (one response per person per unit per quarter).

-- A survey in progress, written at every step so a restart or a crash resumes where it was.
-- data: JSON {"unit": "PSTW-PSR", "service": "info", "U1": 3, ..., "gender": "P", ...}.
CREATE TABLE skm_drafts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    step        TEXT NOT NULL,          -- the step now asked: unit | service | U1..U9 | <field> | suggestion
    data        TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'submitted', 'cancelled', 'rejected', 'expired')),
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX skm_drafts_one_open ON skm_drafts (user_id) WHERE status = 'open';

CREATE TABLE skm_responses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,     -- Telegram user id, only for the one-per-period rule
    unit_code     TEXT NOT NULL,
    period        TEXT NOT NULL,        -- quarter in TIMEZONE, e.g. '2026-Q4'
    month         TEXT NOT NULL,        -- month in TIMEZONE, e.g. '2026-11'
    submitted_at  TEXT NOT NULL,        -- ISO-8601 UTC
    service       TEXT NOT NULL,
    gender        TEXT,
    age           TEXT,
    education     TEXT,
    occupation    TEXT,
    respondent    TEXT NOT NULL DEFAULT '{}',  -- JSON of every respondent field (content may add some)
    suggestion    TEXT,                 -- as written by the resident; escape when showing it
    language      TEXT,
    draft_id      INTEGER,
    UNIQUE (user_id, unit_code, period)
);
CREATE INDEX skm_responses_period ON skm_responses (period, unit_code);
CREATE INDEX skm_responses_month ON skm_responses (month, unit_code);

CREATE TABLE skm_answers (
    response_id  INTEGER NOT NULL REFERENCES skm_responses (id) ON DELETE CASCADE,
    unsur        TEXT NOT NULL CHECK (unsur IN ('U1','U2','U3','U4','U5','U6','U7','U8','U9')),
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    PRIMARY KEY (response_id, unsur)
);

CREATE TABLE skm_repeats (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    unit_code  TEXT NOT NULL,
    period     TEXT NOT NULL,
    month      TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX skm_repeats_period ON skm_repeats (period, unit_code);
