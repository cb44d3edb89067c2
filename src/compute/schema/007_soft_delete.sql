-- Soft delete ([compute] reclaim_instance_interval): when a server was
-- soft-deleted, for the reclaim.
ALTER TABLE compute_servers ADD COLUMN deleted_at TEXT;
