-- OS-DCF:diskConfig: AUTO (1) or MANUAL (0), per server.
ALTER TABLE compute_servers ADD COLUMN auto_disk_config INTEGER NOT NULL DEFAULT 0;
