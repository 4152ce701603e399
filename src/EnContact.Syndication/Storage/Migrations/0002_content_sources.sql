-- What the content-folder source knows about each file: which article it feeds and the hash of
-- the bytes last ingested (an unchanged file is then skipped without parsing), plus the files
-- that could not be ingested and why (served at GET /api/ingestion/problems).
CREATE TABLE source_files (
    path         VARCHAR(1000) NOT NULL PRIMARY KEY,
    article_id   VARCHAR(100)  NOT NULL,
    file_hash    CHAR(64)      NOT NULL,
    size_bytes   BIGINT        NOT NULL,
    ingested_at  VARCHAR(32)   NOT NULL
);

CREATE INDEX ix_source_files_article ON source_files (article_id);

CREATE TABLE ingestion_problems (
    source         VARCHAR(1000) NOT NULL PRIMARY KEY,
    line           INTEGER       NULL,
    reason         TEXT          NOT NULL,
    file_hash      CHAR(64)      NULL,
    first_seen_at  VARCHAR(32)   NOT NULL,
    last_seen_at   VARCHAR(32)   NOT NULL
);
