-- When each article was first published. From then on its slug (and so its URL in feeds and sent
-- digests) no longer follows its title, and an edit readers can see moves its 'updated'.
-- Rows from before this release count as published at their publication instant when they are
-- published, or deleted after that instant had come (a deleted draft is then counted too: keeping
-- a slug that was never public costs less than changing one that was).
ALTER TABLE articles ADD COLUMN first_published_at VARCHAR(32) NULL;

UPDATE articles SET first_published_at = published_at
WHERE status = 'published' OR (status = 'deleted' AND published_at <= changed_at);
