-- Subscribers of the weekly digest and their consent. An address appears once. A subscriber with
-- all_sections = 1 gets every section, including sections created later; otherwise the rows of
-- subscriber_sections say which. confirm_nonce is set while a confirmation link is outstanding and
-- cleared when it is used, so a link works once. search_key is the address and name lower-cased
-- for every script (SQL engines fold ASCII only), for the admin search.
CREATE TABLE subscribers (
    subscriber_id        CHAR(32)     NOT NULL PRIMARY KEY,
    address              VARCHAR(320) NOT NULL UNIQUE,
    name                 VARCHAR(200) NULL,
    search_key           TEXT         NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    all_sections         INTEGER      NOT NULL,
    consent_at           VARCHAR(32)  NULL,
    consent_source       VARCHAR(200) NULL,
    confirm_nonce        CHAR(16)     NULL,
    confirm_sent_at      VARCHAR(32)  NULL,
    confirm_day          CHAR(10)     NULL,
    confirm_day_count    INTEGER      NOT NULL,
    created_at           VARCHAR(32)  NOT NULL,
    updated_at           VARCHAR(32)  NOT NULL,
    confirmed_at         VARCHAR(32)  NULL,
    unsubscribed_at      VARCHAR(32)  NULL
);

CREATE INDEX ix_subscribers_status ON subscribers (status);

CREATE TABLE subscriber_sections (
    subscriber_id  CHAR(32)     NOT NULL,
    section        VARCHAR(100) NOT NULL,
    PRIMARY KEY (subscriber_id, section)
);

CREATE INDEX ix_subscriber_sections_section ON subscriber_sections (section);

-- What is left of an erased person who must not be mailed again: a hash of the address, no address.
CREATE TABLE suppression_hashes (
    address_hash  CHAR(64)     NOT NULL PRIMARY KEY,
    reason        TEXT         NOT NULL,
    created_at    VARCHAR(32)  NOT NULL
);
