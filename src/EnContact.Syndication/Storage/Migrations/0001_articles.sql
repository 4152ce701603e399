-- Articles and the change counter that lets readers ask "what changed since version N".
-- Portable SQL (SQLite today, PostgreSQL later): no AUTOINCREMENT, no engine-specific types.
-- Instants are UTC text in one fixed-width ISO 8601 form, so text order is time order.
CREATE TABLE articles (
    id             VARCHAR(100) NOT NULL PRIMARY KEY,
    slug           VARCHAR(200) NOT NULL,
    title          TEXT         NOT NULL,
    summary        TEXT         NOT NULL,
    content_html   TEXT         NOT NULL,
    authors_json   TEXT         NOT NULL,
    section        VARCHAR(100) NULL,
    issue          VARCHAR(100) NULL,
    tags_json      TEXT         NOT NULL,
    access         VARCHAR(16)  NOT NULL,
    language       VARCHAR(16)  NOT NULL,
    published_at   VARCHAR(32)  NOT NULL,
    updated_at     VARCHAR(32)  NOT NULL,
    canonical_url  TEXT         NOT NULL,
    image_url      TEXT         NULL,
    source         TEXT         NOT NULL,
    content_hash   CHAR(64)     NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    version        BIGINT       NOT NULL,
    created_at     VARCHAR(32)  NOT NULL,
    changed_at     VARCHAR(32)  NOT NULL
);

CREATE INDEX ix_articles_version ON articles (version);
CREATE INDEX ix_articles_status_published ON articles (status, published_at);
CREATE INDEX ix_articles_section_published ON articles (section, published_at);
-- Two live articles may not share a slug: it would give them the same canonical URL.
CREATE UNIQUE INDEX ux_articles_live_slug ON articles (slug) WHERE status <> 'deleted';

CREATE TABLE change_counters (
    name   VARCHAR(50) NOT NULL PRIMARY KEY,
    value  BIGINT      NOT NULL
);

INSERT INTO change_counters (name, value) VALUES ('articles', 0);
