-- Host aggregates (os-aggregates). An aggregate's availability zone is its
-- metadata key availability_zone, as in Nova; a host in an aggregate with
-- one is in that zone.
CREATE TABLE compute_aggregates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE TABLE compute_aggregate_hosts (
    aggregate_id INTEGER NOT NULL REFERENCES compute_aggregates(id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    PRIMARY KEY (aggregate_id, host)
);
CREATE INDEX compute_aggregate_hosts_host ON compute_aggregate_hosts(host);
