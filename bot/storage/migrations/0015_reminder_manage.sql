-- Reminders staff manage in the chat (issue 15): a Javanese text, an end date, pause and
-- resume, edits. A paused reminder keeps status 'active' (its CHECK cannot change in SQLite)
-- with paused_at set: it has no job and nothing of it is due.
ALTER TABLE reminders ADD COLUMN text_jv TEXT;     -- NULL: Javanese speakers get `text`
ALTER TABLE reminders ADD COLUMN ends_on TEXT;     -- last local day (YYYY-MM-DD, TIMEZONE) it
                                                   -- may be sent; NULL: no end
ALTER TABLE reminders ADD COLUMN paused_at TEXT;   -- ISO-8601 UTC while paused, else NULL
ALTER TABLE reminders ADD COLUMN due_from TEXT;    -- occurrences before this instant are never
                                                   -- due (set on resume and on a schedule edit)
ALTER TABLE reminders ADD COLUMN updated_at TEXT;
ALTER TABLE reminders ADD COLUMN updated_by INTEGER;
CREATE INDEX reminders_region ON reminders (region_code);
