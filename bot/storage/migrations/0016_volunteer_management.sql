-- Volunteers managed in the chat (#15): a kecamatan besides the kab/kota (TKSK work per
-- kecamatan), the reason given with a rejection (told to the volunteer), and 'inactive' for a
-- volunteer the office deactivated (no reminders, no announcements to volunteers; reactivated
-- to 'approved'). SQLite cannot widen a CHECK in place: the table is rebuilt, every row kept.
CREATE TABLE volunteers_new (
    user_id      INTEGER PRIMARY KEY,
    role         TEXT NOT NULL,
    region_code  TEXT NOT NULL,          -- Kemendagri kab/kota code, e.g. '3578'
    kecamatan_code TEXT,                 -- Kemendagri kecamatan code, e.g. '357801'; NULL: none
    name         TEXT NOT NULL,
    phone        TEXT,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected', 'inactive')),
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER,
    notified_at  TEXT,
    reminders_blocked_at TEXT,
    reason_code  TEXT,                   -- a rejection's reason: a preset code or 'other'
    reason_note  TEXT,                   -- what the officer typed for 'other'
    updated_at   TEXT                    -- the volunteer's last change of their own details
);
INSERT INTO volunteers_new (user_id, role, region_code, name, phone, status, requested_at,
                            decided_at, decided_by, notified_at, reminders_blocked_at)
    SELECT user_id, role, region_code, name, phone, status, requested_at, decided_at,
           decided_by, notified_at, reminders_blocked_at FROM volunteers;
DROP TABLE volunteers;
ALTER TABLE volunteers_new RENAME TO volunteers;
CREATE INDEX volunteers_audience ON volunteers (status, role, region_code);
