-- The sending pace as the sending process last adapted it: the relay's own (domain '') and each
-- recipient domain's that has a limit or was throttled, so that 'delivery status' in another process
-- can say how fast mail goes and why.
CREATE TABLE sending_pace (
    relay            VARCHAR(200)     NOT NULL,
    domain           VARCHAR(253)     NOT NULL,
    rate             DOUBLE PRECISION NULL,
    ceiling          DOUBLE PRECISION NULL,
    max_concurrent   INTEGER          NOT NULL,
    since            VARCHAR(32)      NOT NULL,
    last_throttle    TEXT             NULL,
    last_throttle_at VARCHAR(32)      NULL,
    throttles        BIGINT           NOT NULL,
    updated_at       VARCHAR(32)      NOT NULL,
    PRIMARY KEY (relay, domain)
);
