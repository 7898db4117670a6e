-- The tickets' outbox is sent through the one delivery engine (bot/delivery/engine.py): a row
-- that failed after timeouts may have arrived anyway, as in every other outbox.
ALTER TABLE ticket_outbox ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;
