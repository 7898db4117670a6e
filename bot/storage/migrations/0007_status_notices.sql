-- Status change notifications carry what the person needs (ux review D5): the channel, the
-- office's note, and which NIK (masked, as shown in the chat: 3578********0002). The NIK hash
-- lets the notification's "show my records" button list the records without the NIK typed
-- again, for as long as the person still watches that NIK.
ALTER TABLE status_watches ADD COLUMN nik_masked TEXT;
ALTER TABLE status_notifications ADD COLUMN lembaga_penyalur TEXT;
ALTER TABLE status_notifications ADD COLUMN keterangan TEXT;
ALTER TABLE status_notifications ADD COLUMN nik_hash BLOB;
ALTER TABLE status_notifications ADD COLUMN nik_masked TEXT;
