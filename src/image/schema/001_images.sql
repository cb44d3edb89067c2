-- Glance v2 images, their custom properties, tags and members.
CREATE TABLE images (
	id TEXT PRIMARY KEY,
	name TEXT,
	status TEXT NOT NULL,          -- queued saving uploading importing active deactivated killed
	visibility TEXT NOT NULL,      -- public private shared community
	owner TEXT NOT NULL,           -- project id
	disk_format TEXT,
	container_format TEXT,
	size INTEGER,
	virtual_size INTEGER,
	checksum TEXT,
	os_hash_algo TEXT,
	os_hash_value TEXT,
	min_disk INTEGER NOT NULL DEFAULT 0,
	min_ram INTEGER NOT NULL DEFAULT 0,
	protected INTEGER NOT NULL DEFAULT 0,
	os_hidden INTEGER NOT NULL DEFAULT 0,
	staged INTEGER NOT NULL DEFAULT 0, -- bytes wait in the staging area (glance-direct)
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX images_owner ON images(owner);

CREATE TABLE image_properties (
	image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (image_id, name)
);

CREATE TABLE image_tags (
	image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
	tag TEXT NOT NULL,
	PRIMARY KEY (image_id, tag)
);

CREATE TABLE image_members (
	image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
	member_id TEXT NOT NULL,
	status TEXT NOT NULL,          -- pending accepted rejected
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (image_id, member_id)
);
CREATE INDEX image_members_member ON image_members(member_id);
