-- Import tasks (Glance's api_image_import), listed per image since v2.12.
CREATE TABLE image_tasks (
	id TEXT PRIMARY KEY,
	image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
	type TEXT NOT NULL,
	status TEXT NOT NULL,          -- pending processing success failure
	owner TEXT NOT NULL,
	user_id TEXT,
	request_id TEXT,
	input TEXT NOT NULL,           -- JSON
	message TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	expires_at TEXT
);
CREATE INDEX image_tasks_image ON image_tasks(image_id);
