-- PostgreSQL words for 0006_confirmation_requests.sql (string_agg for group_concat); same tables.
-- Each subscription request for an address that is not subscribed is kept with its own one-time
-- nonce (the one in its confirmation link) and its own choices: the link that is used confirms the
-- choices of the request that sent it, so nobody can rewrite a pending subscription by asking again.
-- Using one link, unsubscribing or erasing removes every request of the subscriber.
CREATE TABLE confirmation_requests (
    subscriber_id   CHAR(32)     NOT NULL,
    nonce           CHAR(16)     NOT NULL,
    name            VARCHAR(200) NULL,
    all_sections    INTEGER      NOT NULL,
    sections        TEXT         NOT NULL,
    consent_source  VARCHAR(200) NOT NULL,
    created_at      VARCHAR(32)  NOT NULL,
    PRIMARY KEY (subscriber_id, nonce)
);

-- Links already mailed keep working, with the settings they were sent with.
INSERT INTO confirmation_requests (subscriber_id, nonce, name, all_sections, sections, consent_source, created_at)
SELECT s.subscriber_id, s.confirm_nonce, s.name, s.all_sections,
       COALESCE((SELECT string_agg(x.section, chr(10)) FROM subscriber_sections x WHERE x.subscriber_id = s.subscriber_id), ''),
       COALESCE(s.consent_source, 'web form'), COALESCE(s.confirm_sent_at, s.updated_at)
FROM subscribers s
WHERE s.confirm_nonce IS NOT NULL;

ALTER TABLE subscribers DROP COLUMN confirm_nonce;
