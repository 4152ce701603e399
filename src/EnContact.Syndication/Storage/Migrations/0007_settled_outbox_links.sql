-- A settled message no longer needs its personal values: they held live confirm, preferences and
-- unsubscribe links. Messages settled before this release lose them now, as later ones do on settling.
UPDATE outbox SET variables_json = '{}', unsubscribe_url = NULL
WHERE status IN ('sent', 'failed', 'suppressed', 'cancelled');
