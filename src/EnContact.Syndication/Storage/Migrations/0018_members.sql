-- Paying members, a list the paywall owns and keeps in sync through the admin API (no payment is
-- handled here). external_id is the paywall's id. A revoked member keeps its row (revoked_at set):
-- the paywall may send it again, and the desk can still say who it was. address is lower-cased.
--
-- The private feed URL carries a token = base64url(HMAC-SHA256(Members:FeedTokenSecret, feed_nonce)).
-- Only the nonce and the SHA-256 of the token are kept: a copy of the database alone gives no
-- working URL, and rotating the nonce stops the old URL at once. token_key_id names the secret the
-- hash was made with (a keyed fingerprint, not the secret), so that a new secret re-hashes every row.
CREATE TABLE members (
    external_id      VARCHAR(200) NOT NULL PRIMARY KEY,
    address          VARCHAR(320) NOT NULL,
    name             VARCHAR(200) NULL,
    expires_at       VARCHAR(32)  NULL,
    revoked_at       VARCHAR(32)  NULL,
    feed_nonce       VARCHAR(64)  NOT NULL,
    feed_token_hash  VARCHAR(64)  NOT NULL,
    token_key_id     VARCHAR(16)  NOT NULL,
    created_at       VARCHAR(32)  NOT NULL,
    updated_at       VARCHAR(32)  NOT NULL
);

CREATE UNIQUE INDEX ux_members_feed_token_hash ON members (feed_token_hash);
CREATE INDEX ix_members_address ON members (address);

-- The clients that polled a member's private feeds, to see a URL shared with many people: a keyed
-- hash of the client address (never the address), per member, with the last time it was seen.
-- Rows older than the window (Members:SharingWindow) are deleted.
CREATE TABLE member_clients (
    external_id   VARCHAR(200) NOT NULL,
    client_hash   VARCHAR(64)  NOT NULL,
    first_seen_at VARCHAR(32)  NOT NULL,
    last_seen_at  VARCHAR(32)  NOT NULL,
    PRIMARY KEY (external_id, client_hash)
);

CREATE INDEX ix_member_clients_last_seen ON member_clients (last_seen_at);
