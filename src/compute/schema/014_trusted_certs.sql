-- Trusted image certificate ids of a server (2.63: create, rebuild, views).
CREATE TABLE compute_trusted_certs (
    server_id TEXT PRIMARY KEY REFERENCES compute_servers(id) ON DELETE CASCADE,
    ids TEXT NOT NULL -- JSON array of strings
);
