-- SKM assisted surveys: the program the beneficiary was served through, and the NIK checks
-- each volunteer makes (for the limit on them).

-- The program (a key of content/programs) an assisted response is about; NULL for a
-- resident's own survey and for an assisted one not about a program.
ALTER TABLE skm_responses ADD COLUMN program TEXT;

-- Every well-formed NIK a volunteer typed for a beneficiary: when, and the outcome
-- ('new', 'repeat' or 'limited'). Never the NIK nor its hash. Rows older than a day are
-- removed as new ones come.
CREATE TABLE skm_nik_checks (
    volunteer_id INTEGER NOT NULL,
    at           TEXT NOT NULL,
    outcome      TEXT NOT NULL
);
CREATE INDEX skm_nik_checks_volunteer ON skm_nik_checks (volunteer_id, at);
CREATE INDEX skm_nik_checks_at ON skm_nik_checks (at);
