-- The flavor a resized server had before, until the resize is confirmed or
-- reverted (Nova's instance.old_flavor).
ALTER TABLE compute_servers ADD COLUMN old_flavor TEXT;
