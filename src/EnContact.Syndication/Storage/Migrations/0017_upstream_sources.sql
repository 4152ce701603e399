-- The magazine's CMS feeds read as an article source: per upstream feed, what its last poll
-- learnt (validators for a conditional GET, when to poll next, how many polls failed in a row,
-- whether its archive was back-filled), and per item seen, the article it feeds and the hash
-- of what it said, so an unchanged item writes nothing. Items that leave the feed stay here.
CREATE TABLE upstream_sources (
    name                  VARCHAR(100)  NOT NULL PRIMARY KEY,
    etag                  VARCHAR(1000) NULL,
    last_modified         VARCHAR(100)  NULL,
    last_poll_at          VARCHAR(32)   NULL,
    last_outcome          TEXT          NULL,
    next_poll_at          VARCHAR(32)   NULL,
    consecutive_failures  INTEGER       NOT NULL DEFAULT 0,
    backfilled_at         VARCHAR(32)   NULL
);

CREATE TABLE upstream_items (
    source         VARCHAR(100)  NOT NULL,
    item_key       VARCHAR(1000) NOT NULL,
    article_id     VARCHAR(100)  NOT NULL,
    content_hash   VARCHAR(64)   NOT NULL,
    first_seen_at  VARCHAR(32)   NOT NULL,
    last_seen_at   VARCHAR(32)   NOT NULL,
    PRIMARY KEY (source, item_key)
);

CREATE INDEX ix_upstream_items_article ON upstream_items (article_id);
