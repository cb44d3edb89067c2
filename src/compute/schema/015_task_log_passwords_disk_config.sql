-- Nova's task_log (os-instance_usage_audit_log): one row per host and
-- audit period, written by the periodic instance usage audit when
-- [compute] instance_usage_audit is on.
CREATE TABLE compute_task_log (
    task_name TEXT NOT NULL,
    host TEXT NOT NULL,
    period_beginning TEXT NOT NULL,  -- "YYYY-MM-DD HH:MM:SS", UTC
    period_ending TEXT NOT NULL,
    state TEXT NOT NULL,             -- RUNNING, DONE
    task_items INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_name, host, period_beginning, period_ending)
);
-- The encrypted password a guest left with the metadata service
-- (os-server-password; Nova keeps it in the instance's system_metadata).
CREATE TABLE compute_server_passwords (
    server_id TEXT PRIMARY KEY,
    password TEXT NOT NULL
);
CREATE TRIGGER compute_servers_password_gone AFTER DELETE ON compute_servers BEGIN
    DELETE FROM compute_server_passwords WHERE server_id = old.id;
END;
-- OS-DCF:diskConfig: AUTO (1) or MANUAL (0).
ALTER TABLE compute_servers ADD COLUMN auto_disk_config INTEGER NOT NULL DEFAULT 0;
