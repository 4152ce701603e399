-- An administrator's decision to send an edition that the compliance gate held: who, when, why and
-- which checks failed. Null for every edition that passed its checks (or never reached them).
ALTER TABLE digest_editions ADD COLUMN compliance_override TEXT NULL;
