-- Remote console tokens (Nova's console_auth_tokens): the token itself is
-- never stored, only its SHA-256 (hex), so a copy of the database does not
-- open consoles. A row lives until it expires (pruned when tokens are
-- issued) or its server is deleted; it outlives a restart of stackd.
CREATE TABLE compute_console_tokens (
    token_hash TEXT PRIMARY KEY,          -- SHA-256 of the token, 64 hex digits
    instance_uuid TEXT NOT NULL,
    console_type TEXT NOT NULL,           -- Nova's type: "serial", "novnc"
    kind TEXT NOT NULL,                   -- the driver's console: "serial", "vnc"
    host TEXT NOT NULL,                   -- the compute host at issue
    internal_access_path TEXT NOT NULL,   -- the driver's console socket
    created_at REAL NOT NULL,             -- Unix seconds
    expires REAL NOT NULL                 -- Unix seconds
);
CREATE INDEX compute_console_tokens_expires ON compute_console_tokens (expires);
CREATE INDEX compute_console_tokens_instance ON compute_console_tokens (instance_uuid);
CREATE TRIGGER compute_servers_console_tokens_gone AFTER DELETE ON compute_servers BEGIN
    DELETE FROM compute_console_tokens WHERE instance_uuid = old.id;
END;
