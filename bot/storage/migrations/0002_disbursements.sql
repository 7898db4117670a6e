-- Disbursement status: records imported by staff, looked up by residents with their NIK.
-- A NIK is never stored in clear: nik_hash is HMAC-SHA256(NIK_HMAC_KEY, nik), 32 bytes.
-- The columns of `disbursements` follow the import CSV's order (the benchmark loads the same
-- CSV into this schema with the sqlite3 shell's .import for comparison).

CREATE TABLE disbursements (
    nik_hash          BLOB NOT NULL,
    nama              TEXT NOT NULL,          -- normalised for matching (see services/status.py)
    program           TEXT NOT NULL,
    periode           TEXT NOT NULL,
    status            TEXT NOT NULL,          -- DIPROSES | SIAP SALUR | TERSALUR | GAGAL | DITOLAK
    tanggal           TEXT,                   -- YYYY-MM-DD or NULL
    lembaga_penyalur  TEXT,
    keterangan        TEXT,
    kabupaten         TEXT
);
CREATE UNIQUE INDEX disbursements_key ON disbursements (nik_hash, program, periode);

-- "Tell me when this changes": one row per person and NIK.
CREATE TABLE status_watches (
    user_id    INTEGER NOT NULL,
    nik_hash   BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, nik_hash)
);
CREATE INDEX status_watches_nik ON status_watches (nik_hash);

-- Written by the import (maybe another process), sent by the running bot's drain job.
CREATE TABLE status_notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    program     TEXT NOT NULL,
    periode     TEXT NOT NULL,
    old_status  TEXT,                         -- NULL: a new record
    new_status  TEXT NOT NULL,
    tanggal     TEXT,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     TEXT,
    error       TEXT
);
CREATE INDEX status_notifications_state ON status_notifications (state, id);

-- Rate limits that survive restarts. Lookups by user; failed attempts by NIK (no user id there,
-- so these tables do not tell who asked about which NIK). Old rows are pruned.
CREATE TABLE status_user_attempts (
    user_id INTEGER NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX status_user_attempts_user ON status_user_attempts (user_id, at);
CREATE INDEX status_user_attempts_at ON status_user_attempts (at);

CREATE TABLE status_nik_failures (
    nik_hash BLOB NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX status_nik_failures_nik ON status_nik_failures (nik_hash, at);
CREATE INDEX status_nik_failures_at ON status_nik_failures (at);

-- Imports: one row per file (by content hash). The rows are first loaded into a staging
-- database next to this one (<database>.import-<hash>), then merged here in key order, one
-- transaction per chunk; merged_upto is the checkpoint of that merge.
CREATE TABLE disbursement_imports (
    file_hash   TEXT PRIMARY KEY,             -- SHA-256 of the file's bytes
    merged_upto INTEGER NOT NULL DEFAULT 0,   -- the staged rows merged so far (sorted order)
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    notified    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
