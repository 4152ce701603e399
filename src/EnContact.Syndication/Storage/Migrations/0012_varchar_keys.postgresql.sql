-- Fixed-width CHAR(n) keys become VARCHAR(n). On PostgreSQL a CHAR(n) column is bpchar, and
-- comparing it with a text parameter (how Npgsql sends every string) compares as text: the
-- column is cast, so its index cannot serve `subscriber_id > @after` or `= ANY(@ids)`, and
-- paging the readers of an edition scanned the table once per page. Every value stored in
-- these columns has exactly the column's width (hex digests, nonces, dates), so nothing changes
-- but the type.
ALTER TABLE articles              ALTER COLUMN content_hash   TYPE VARCHAR(64);
ALTER TABLE source_files          ALTER COLUMN file_hash      TYPE VARCHAR(64);
ALTER TABLE ingestion_problems    ALTER COLUMN file_hash      TYPE VARCHAR(64);
ALTER TABLE outbox_bodies         ALTER COLUMN body_key       TYPE VARCHAR(64);
ALTER TABLE outbox                ALTER COLUMN body_key       TYPE VARCHAR(64);
ALTER TABLE subscribers           ALTER COLUMN subscriber_id  TYPE VARCHAR(32);
ALTER TABLE subscribers           ALTER COLUMN confirm_day    TYPE VARCHAR(10);
ALTER TABLE subscriber_sections   ALTER COLUMN subscriber_id  TYPE VARCHAR(32);
ALTER TABLE suppression_hashes    ALTER COLUMN address_hash   TYPE VARCHAR(64);
ALTER TABLE confirmation_requests ALTER COLUMN subscriber_id  TYPE VARCHAR(32);
ALTER TABLE confirmation_requests ALTER COLUMN nonce          TYPE VARCHAR(16);
ALTER TABLE staff                 ALTER COLUMN security_stamp TYPE VARCHAR(32);
ALTER TABLE desk_imports          ALTER COLUMN import_id      TYPE VARCHAR(32);
