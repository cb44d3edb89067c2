-- What an admin set on a host's nova-compute service (PUT os-services):
-- disabled (the scheduler skips the host), its reason, forced_down.
CREATE TABLE compute_service_state (
    host TEXT PRIMARY KEY,
    disabled INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    forced_down INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT
);
