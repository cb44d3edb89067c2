-- Keystone's (deprecated) policy blobs and OAuth1 consumers. The OAuth1
-- token flow itself is not implemented (501); consumers are kept so that
-- their CRUD works. A consumer's secret is shown once and stored hashed.
CREATE TABLE identity_policies (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	blob TEXT NOT NULL,
	extra TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE identity_consumers (
	id TEXT PRIMARY KEY,
	description TEXT,
	secret_hash TEXT NOT NULL,
	extra TEXT NOT NULL DEFAULT '{}'
);
