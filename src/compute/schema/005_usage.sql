-- What os-simple-tenant-usage needs of servers that are gone: a server
-- that was launched leaves a record when its row is deleted (Nova keeps
-- deleted instances with terminated_at; this table is that part of them).
CREATE TABLE compute_usage_terminated (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    flavor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    launched_at TEXT NOT NULL,
    terminated_at TEXT NOT NULL
);
CREATE INDEX compute_usage_terminated_project ON compute_usage_terminated(project_id);
CREATE TRIGGER compute_servers_usage_record AFTER DELETE ON compute_servers
WHEN old.launched_at IS NOT NULL BEGIN
    INSERT OR REPLACE INTO compute_usage_terminated
        (id, name, project_id, flavor, created_at, launched_at, terminated_at)
    VALUES (old.id, old.name, old.project_id, old.flavor, old.created_at, old.launched_at,
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
