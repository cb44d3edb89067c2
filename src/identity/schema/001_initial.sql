-- Keystone v3's data: domains, projects, users, groups, roles and their
-- assignments, the catalog (regions, services, endpoints), application
-- credentials and token revocation events.
CREATE TABLE identity_domains (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE identity_projects (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	domain_id TEXT NOT NULL REFERENCES identity_domains(id),
	parent_id TEXT REFERENCES identity_projects(id),
	description TEXT NOT NULL DEFAULT '',
	enabled INTEGER NOT NULL DEFAULT 1,
	extra TEXT NOT NULL DEFAULT '{}',
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	UNIQUE (domain_id, name)
);

CREATE TABLE identity_project_tags (
	project_id TEXT NOT NULL REFERENCES identity_projects(id) ON DELETE CASCADE,
	tag TEXT NOT NULL,
	PRIMARY KEY (project_id, tag)
);

CREATE TABLE identity_users (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	domain_id TEXT NOT NULL REFERENCES identity_domains(id),
	enabled INTEGER NOT NULL DEFAULT 1,
	default_project_id TEXT,
	password_hash TEXT,
	password_changed_at REAL,
	extra TEXT NOT NULL DEFAULT '{}',
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	UNIQUE (domain_id, name)
);

CREATE TABLE identity_groups (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	domain_id TEXT NOT NULL REFERENCES identity_domains(id),
	description TEXT NOT NULL DEFAULT '',
	UNIQUE (domain_id, name)
);

CREATE TABLE identity_group_members (
	group_id TEXT NOT NULL REFERENCES identity_groups(id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX identity_group_members_user ON identity_group_members(user_id);

-- domain_id '' is a global role (Keystone's '<<null>>'), so UNIQUE holds.
CREATE TABLE identity_roles (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	domain_id TEXT NOT NULL DEFAULT '',
	description TEXT,
	extra TEXT NOT NULL DEFAULT '{}',
	UNIQUE (domain_id, name)
);

CREATE TABLE identity_implied_roles (
	prior_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
	implied_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
	PRIMARY KEY (prior_role_id, implied_role_id)
);

-- type: UserProject, GroupProject, UserDomain, GroupDomain, UserSystem,
-- GroupSystem; target_id is 'system' for the system scope.
CREATE TABLE identity_assignments (
	type TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	target_id TEXT NOT NULL,
	role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
	inherited INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (type, actor_id, target_id, role_id, inherited)
);
CREATE INDEX identity_assignments_actor ON identity_assignments(actor_id, target_id);
CREATE INDEX identity_assignments_target ON identity_assignments(target_id);

CREATE TABLE identity_regions (
	id TEXT PRIMARY KEY,
	description TEXT NOT NULL DEFAULT '',
	parent_region_id TEXT REFERENCES identity_regions(id),
	extra TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE identity_services (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	name TEXT,
	description TEXT,
	enabled INTEGER NOT NULL DEFAULT 1,
	extra TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE identity_endpoints (
	id TEXT PRIMARY KEY,
	service_id TEXT NOT NULL REFERENCES identity_services(id) ON DELETE CASCADE,
	interface TEXT NOT NULL,
	region_id TEXT REFERENCES identity_regions(id),
	url TEXT NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1,
	extra TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE identity_app_creds (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	project_id TEXT NOT NULL REFERENCES identity_projects(id) ON DELETE CASCADE,
	secret_hash TEXT NOT NULL,
	description TEXT,
	expires_at REAL,
	unrestricted INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, name)
);

CREATE TABLE identity_app_cred_roles (
	app_cred_id TEXT NOT NULL REFERENCES identity_app_creds(id) ON DELETE CASCADE,
	role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
	PRIMARY KEY (app_cred_id, role_id)
);

-- A token matches an event when every non-NULL field equals the token's and
-- the token was issued at or before issued_before (Keystone's model).
CREATE TABLE identity_revocations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	audit_id TEXT,
	user_id TEXT,
	project_id TEXT,
	domain_id TEXT,
	role_id TEXT,
	app_cred_id TEXT,
	issued_before REAL NOT NULL,
	revoked_at REAL NOT NULL
);
