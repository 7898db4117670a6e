-- SKM in the field: assisted surveys by volunteers, and the population staff set per unit and
-- period (for coverage and the Krejcie-Morgan minimum sample).

-- An assisted response ("Survei dampingan") is entered by an approved volunteer for a
-- beneficiary. Its user_id is minus the draft id (Telegram user ids are positive), so the
-- table's UNIQUE (user_id, unit_code, period) never stops a volunteer's second beneficiary;
-- the one-per-beneficiary rule is the index below on HMAC-SHA256(NIK_HMAC_KEY, NIK).
-- The NIK itself is never stored.
ALTER TABLE skm_responses ADD COLUMN volunteer_id INTEGER;
ALTER TABLE skm_responses ADD COLUMN beneficiary_hash BLOB;
CREATE UNIQUE INDEX skm_responses_one_per_beneficiary
    ON skm_responses (unit_code, period, beneficiary_hash) WHERE beneficiary_hash IS NOT NULL;
CREATE INDEX skm_responses_volunteer ON skm_responses (volunteer_id, submitted_at)
    WHERE volunteer_id IS NOT NULL;

-- A repeat refused for an assisted survey names the volunteer who tried.
ALTER TABLE skm_repeats ADD COLUMN volunteer_id INTEGER;

-- Beneficiaries served by a unit in a period: period is a month '2026-11', a quarter
-- '2026-Q4' or a year '2026', exactly as the report asks for it.
CREATE TABLE skm_populations (
    unit_code   TEXT NOT NULL,
    period      TEXT NOT NULL,
    population  INTEGER NOT NULL CHECK (population > 0),
    set_by      INTEGER,
    set_at      TEXT NOT NULL,
    PRIMARY KEY (unit_code, period)
);
