-- Nova's migration records (os-migrations): a resize's (same host here),
-- and the cold/live migrations this one-host cloud refuses (status error),
-- with the flavors' row ids as Nova's instance_type ids.
CREATE TABLE compute_migrations (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    server_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    migration_type TEXT NOT NULL,   -- resize, migration, live-migration
    status TEXT NOT NULL,
    source_compute TEXT,
    dest_compute TEXT,
    old_flavor_rowid INTEGER,
    new_flavor_rowid INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX compute_migrations_server ON compute_migrations(server_id);
