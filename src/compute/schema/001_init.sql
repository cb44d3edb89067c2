-- Nova's data: flavors, key pairs, servers (with their flavor copied in, as
-- Nova's instance.flavor), per-server actions, quotas.
CREATE TABLE compute_flavors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    vcpus INTEGER NOT NULL,
    ram INTEGER NOT NULL,
    disk INTEGER NOT NULL,
    ephemeral INTEGER NOT NULL DEFAULT 0,
    swap INTEGER NOT NULL DEFAULT 0,
    rxtx_factor REAL NOT NULL DEFAULT 1.0,
    is_public INTEGER NOT NULL DEFAULT 1,
    description TEXT,
    extra_specs TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE TABLE compute_flavor_access (
    flavor_id TEXT NOT NULL REFERENCES compute_flavors(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    PRIMARY KEY (flavor_id, project_id)
);
INSERT INTO compute_flavors (id, name, vcpus, ram, disk, created_at) VALUES
    ('1', 'm1.tiny', 1, 512, 1, strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    ('2', 'm1.small', 1, 2048, 20, strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    ('3', 'm1.medium', 2, 4096, 40, strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    ('4', 'm1.large', 4, 8192, 80, strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    ('5', 'm1.xlarge', 8, 16384, 160, strftime('%Y-%m-%dT%H:%M:%SZ','now'));

CREATE TABLE compute_keypairs (
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);

CREATE TABLE compute_servers (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    image_id TEXT,
    flavor_id TEXT NOT NULL,
    flavor TEXT NOT NULL,           -- JSON: name vcpus ram disk ephemeral swap extra_specs
    key_name TEXT,
    key_data TEXT,
    user_data TEXT,
    config_drive INTEGER NOT NULL DEFAULT 0,
    availability_zone TEXT,
    host TEXT,
    vm_state TEXT NOT NULL,
    task_state TEXT,
    power_state INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    hostname TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0,
    locked_reason TEXT,
    reservation_id TEXT NOT NULL,
    launch_index INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    access_ipv4 TEXT NOT NULL DEFAULT '',
    access_ipv6 TEXT NOT NULL DEFAULT '',
    fault TEXT,                     -- JSON {code, message, details, created}
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    launched_at TEXT
);
CREATE INDEX compute_servers_project ON compute_servers(project_id, seq);
CREATE INDEX compute_servers_host ON compute_servers(host);

CREATE TABLE compute_actions (
    id INTEGER PRIMARY KEY,
    server_id TEXT NOT NULL,
    action TEXT NOT NULL,
    request_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    start_time TEXT NOT NULL,
    finish_time TEXT,
    result TEXT,                    -- NULL while running, 'Success' or 'Error'
    message TEXT
);
CREATE INDEX compute_actions_server ON compute_actions(server_id);

CREATE TABLE compute_quotas (
    project_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    hard_limit INTEGER NOT NULL,
    PRIMARY KEY (project_id, resource)
);
