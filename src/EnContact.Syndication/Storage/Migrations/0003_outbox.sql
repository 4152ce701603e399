-- The delivery engine's durable state: one row per message (the outbox), message bodies shared by
-- every recipient of an edition, the addresses never to mail again, and per-edition controls.
CREATE TABLE outbox_bodies (
    body_key    CHAR(64)     NOT NULL PRIMARY KEY,
    subject     TEXT         NOT NULL,
    text_body   TEXT         NOT NULL,
    html_body   TEXT         NOT NULL,
    created_at  VARCHAR(32)  NOT NULL
);

CREATE TABLE outbox (
    message_key      VARCHAR(600) NOT NULL PRIMARY KEY,
    campaign         VARCHAR(200) NOT NULL,
    kind             VARCHAR(16)  NOT NULL,
    priority         INTEGER      NOT NULL,
    recipient        VARCHAR(320) NOT NULL,
    recipient_name   VARCHAR(200) NULL,
    body_key         CHAR(64)     NOT NULL,
    variables_json   TEXT         NOT NULL,
    unsubscribe_url  TEXT         NULL,
    message_id       VARCHAR(200) NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    attempts         INTEGER      NOT NULL,
    next_attempt_at  VARCHAR(32)  NOT NULL,
    lease_until      VARCHAR(32)  NULL,
    leased_by        VARCHAR(100) NULL,
    last_error       TEXT         NULL,
    smtp_reply       TEXT         NULL,
    created_at       VARCHAR(32)  NOT NULL,
    sent_at          VARCHAR(32)  NULL
);

CREATE INDEX ix_outbox_due ON outbox (status, priority, next_attempt_at);
CREATE INDEX ix_outbox_campaign ON outbox (campaign, status);

CREATE TABLE suppressions (
    address     VARCHAR(320) NOT NULL PRIMARY KEY,
    reason      TEXT         NOT NULL,
    created_at  VARCHAR(32)  NOT NULL
);

CREATE TABLE campaigns (
    campaign    VARCHAR(200) NOT NULL PRIMARY KEY,
    state       VARCHAR(16)  NOT NULL,
    reason      TEXT         NULL,
    changed_at  VARCHAR(32)  NOT NULL
);
