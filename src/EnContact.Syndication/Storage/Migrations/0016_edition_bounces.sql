-- A message the relay accepted can bounce days later. An edition counts, among its failed messages,
-- those that bounced after the relay accepted them; one that bounces after the edition finished moves
-- from its sent count to its failed count. Editions finished before are counted again from the outbox
-- when it still holds every message of theirs (no reader of theirs erased since); otherwise they keep
-- their counts and learn how many of their messages the outbox now says bounced.
ALTER TABLE digest_editions ADD COLUMN bounced_count INTEGER NULL;

UPDATE digest_editions SET
    sent_count = (SELECT COUNT(*) FROM outbox o WHERE o.campaign = 'digest-' || digest_editions.edition_key AND o.status = 'sent'),
    failed_count = (SELECT COUNT(*) FROM outbox o WHERE o.campaign = 'digest-' || digest_editions.edition_key AND o.status = 'failed'),
    bounced_count = (SELECT COUNT(*) FROM outbox o
                     WHERE o.campaign = 'digest-' || digest_editions.edition_key AND o.status = 'failed' AND o.sent_at IS NOT NULL)
WHERE sent_count IS NOT NULL
  AND sent_count + failed_count + suppressed_count + cancelled_count =
      (SELECT COUNT(*) FROM outbox o
       WHERE o.campaign = 'digest-' || digest_editions.edition_key AND o.status IN ('sent', 'failed', 'suppressed', 'cancelled'));

UPDATE digest_editions SET
    bounced_count = (SELECT COUNT(*) FROM outbox o
                     WHERE o.campaign = 'digest-' || digest_editions.edition_key AND o.status = 'failed' AND o.sent_at IS NOT NULL)
WHERE sent_count IS NOT NULL AND bounced_count IS NULL;

UPDATE digest_editions SET status = 'sent-with-failures' WHERE status = 'sent' AND failed_count > 0;
