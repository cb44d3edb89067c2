-- Server groups (os-server-groups): a scheduling policy and its members.
-- A member row goes with its server (trigger) or its group (cascade).
CREATE TABLE compute_server_groups (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    policy TEXT NOT NULL,           -- affinity anti-affinity soft-affinity soft-anti-affinity
    rules TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX compute_server_groups_project ON compute_server_groups(project_id, seq);
CREATE TABLE compute_server_group_members (
    group_id TEXT NOT NULL REFERENCES compute_server_groups(id) ON DELETE CASCADE,
    server_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (group_id, server_id)
);
CREATE INDEX compute_server_group_members_server ON compute_server_group_members(server_id);
CREATE TRIGGER compute_servers_leave_groups AFTER DELETE ON compute_servers BEGIN
    DELETE FROM compute_server_group_members WHERE server_id = old.id;
END;
