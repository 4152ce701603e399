-- What comes back to the bounce mailbox (delivery reports, complaints, mailed unsubscribes) is matched
-- to its message by its Message-ID (the return path's token carries it), and every report applied is
-- recorded. The record keeps a keyed hash of the address, not the address, and the edition, not the
-- message key (which contains the address): erasure removes the rows by that hash.
CREATE INDEX ix_outbox_message_id ON outbox (message_id);

CREATE TABLE bounce_events (
    event_key      VARCHAR(64)  NOT NULL PRIMARY KEY,
    received_at    VARCHAR(32)  NOT NULL,
    kind           VARCHAR(16)  NOT NULL,
    address_hash   VARCHAR(64)  NULL,
    campaign       VARCHAR(200) NULL,
    status_code    VARCHAR(16)  NULL,
    failure_class  VARCHAR(16)  NULL,
    diagnostic     TEXT         NULL,
    outcome        VARCHAR(200) NOT NULL
);

CREATE INDEX ix_bounce_events_address ON bounce_events (address_hash, received_at);
