-- Regional operators: a staff member may be bound to one kab/kota (Kemendagri code, as
-- volunteers.region_code). NULL: the whole province. Administrators always see everything.
-- A display name, so /staf can show people rather than numbers.
ALTER TABLE staff ADD COLUMN region_code TEXT;
ALTER TABLE staff ADD COLUMN name TEXT;
