-- /v3/credentials and the EC2 credentials built on them (type 'ec2', blob
-- {"access", "secret", "trust_id"}, id = sha256 of the access key, as
-- Keystone derives it).
CREATE TABLE identity_credentials (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	project_id TEXT REFERENCES identity_projects(id) ON DELETE CASCADE,
	type TEXT NOT NULL,
	blob TEXT NOT NULL,
	extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX identity_credentials_user ON identity_credentials(user_id);
