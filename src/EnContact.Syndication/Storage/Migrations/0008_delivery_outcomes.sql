-- What a settled message ended as, and when: the failure's class (unknown mailbox, full mailbox,
-- policy, content, system, other) for counts per class and the soft-bounce rule, and the settling
-- time for an edition's own sending rate and its recent failure ratio.
ALTER TABLE outbox ADD COLUMN settled_at VARCHAR(32) NULL;
ALTER TABLE outbox ADD COLUMN failure_class VARCHAR(16) NULL;
UPDATE outbox SET settled_at = COALESCE(sent_at, created_at) WHERE status IN ('sent', 'failed', 'suppressed', 'cancelled');
UPDATE outbox SET failure_class = 'mailbox' WHERE status = 'failed' AND last_error LIKE '%5.1.%';
UPDATE outbox SET failure_class = 'other' WHERE status = 'failed' AND failure_class IS NULL;

-- An address's recent editions (the soft-bounce rule), and erasure, look messages up by recipient.
CREATE INDEX ix_outbox_recipient ON outbox (recipient, created_at);

-- The relay as the sending process last saw it, so that 'delivery status' in another process can say
-- whether the relay is down and what it last answered.
CREATE TABLE relay_status (
    relay           VARCHAR(200) NOT NULL PRIMARY KEY,
    state           VARCHAR(16)  NOT NULL,
    state_since     VARCHAR(32)  NOT NULL,
    last_reply      TEXT         NULL,
    last_reply_at   VARCHAR(32)  NULL,
    last_failure    TEXT         NULL,
    last_failure_at VARCHAR(32)  NULL,
    updated_at      VARCHAR(32)  NOT NULL
);

-- An edition ends 'sent' or 'sent-with-failures' (or 'cancelled') when its last message settles, with
-- its counts; 'queued' is now 'sending'. An edition the editor discards keeps its row (and its key in
-- the ledger) but gives its number and articles back to the next edition.
ALTER TABLE digest_editions ADD COLUMN sent_count INTEGER NULL;
ALTER TABLE digest_editions ADD COLUMN failed_count INTEGER NULL;
ALTER TABLE digest_editions ADD COLUMN suppressed_count INTEGER NULL;
ALTER TABLE digest_editions ADD COLUMN cancelled_count INTEGER NULL;
ALTER TABLE digest_editions ADD COLUMN finished_at VARCHAR(32) NULL;
UPDATE digest_editions SET status = 'sending' WHERE status = 'queued';
