-- OS-EP-FILTER endpoint groups: a name and filters (service_id, region_id,
-- interface) over the endpoints. Associating them with projects (which
-- would narrow those projects' catalogs) is not implemented (501).
CREATE TABLE identity_endpoint_groups (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT,
	filters TEXT NOT NULL DEFAULT '{}'
);
