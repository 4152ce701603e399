-- Nothing to change on SQLite: its CHAR(n) columns are text with the same comparison as any
-- parameter. PostgreSQL's are fixed-width bpchar, see 0012_varchar_keys.postgresql.sql.
SELECT 1;
