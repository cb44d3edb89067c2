-- Swift's index: accounts (one per project, metadata only), containers and
-- objects. Counts and byte totals are sums over object_objects, so they
-- cannot drift from the rows.
CREATE TABLE object_accounts (
    account TEXT PRIMARY KEY,
    meta TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL
);
CREATE TABLE object_containers (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL,
    modified REAL NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE object_objects (
    account TEXT NOT NULL,
    container TEXT NOT NULL,
    name TEXT NOT NULL,
    file TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    modified REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    delete_at INTEGER,
    manifest TEXT,
    slo INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, container, name)
);
