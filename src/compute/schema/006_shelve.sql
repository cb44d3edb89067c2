-- Shelving: the snapshot a shelved server is kept as (deleted on unshelve
-- or with the server) and when it was shelved (for shelved_offload_time).
ALTER TABLE compute_servers ADD COLUMN shelved_image_id TEXT;
ALTER TABLE compute_servers ADD COLUMN shelved_at TEXT;
CREATE INDEX compute_servers_vm_state ON compute_servers(vm_state);
