-- Weekly digest editions. An edition is keyed by its period (the local fire time, e.g.
-- 2026-11-30-0800): the primary key makes building it twice impossible, whoever tries. Its snapshot
-- (the articles as they were when it was built) makes every re-render identical. digest_items
-- remembers which articles went out, so an article edited later never comes back.
CREATE TABLE digest_editions (
    edition_key    VARCHAR(32)  NOT NULL PRIMARY KEY,
    number         INTEGER      NULL UNIQUE,
    fire_at        VARCHAR(32)  NOT NULL,
    since          VARCHAR(32)  NOT NULL,
    status         VARCHAR(24)  NOT NULL,
    reason         TEXT         NULL,
    item_count     INTEGER      NOT NULL,
    snapshot_json  TEXT         NULL,
    recipients     INTEGER      NULL,
    built_at       VARCHAR(32)  NOT NULL,
    approved_at    VARCHAR(32)  NULL,
    queued_at      VARCHAR(32)  NULL
);

CREATE INDEX ix_digest_editions_fire_at ON digest_editions (fire_at);

CREATE TABLE digest_items (
    edition_key  VARCHAR(32)  NOT NULL,
    article_id   VARCHAR(200) NOT NULL,
    PRIMARY KEY (edition_key, article_id)
);

CREATE INDEX ix_digest_items_article ON digest_items (article_id);
