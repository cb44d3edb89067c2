-- Neutron resources as JSON documents (the API body as stored, without the
-- fields computed on read), one row per resource; kind is "network",
-- "subnet", "port", "router", "floatingip", "security_group",
-- "security_group_rule", "subnetpool". Uniqueness that IPAM depends on is
-- kept by the tables below, not by the documents.
CREATE TABLE net_objects (
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	project_id TEXT NOT NULL,
	body TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX net_objects_kind_seq ON net_objects (kind, seq);

-- Every address handed out on a network, never twice.
CREATE TABLE net_ips (
	network_id TEXT NOT NULL,
	subnet_id TEXT NOT NULL,
	ip_address TEXT NOT NULL,
	port_id TEXT NOT NULL,
	PRIMARY KEY (network_id, ip_address)
);
CREATE INDEX net_ips_subnet ON net_ips (subnet_id);
CREATE INDEX net_ips_port ON net_ips (port_id);

-- MAC addresses, unique across the cloud.
CREATE TABLE net_macs (
	mac TEXT PRIMARY KEY,
	port_id TEXT NOT NULL
);

-- Per-project quota overrides; defaults come from the configuration.
CREATE TABLE net_quotas (
	project_id TEXT NOT NULL,
	resource TEXT NOT NULL,
	hard_limit INTEGER NOT NULL,
	PRIMARY KEY (project_id, resource)
);

-- Segmentation ids in use, per network type.
CREATE TABLE net_segments (
	network_type TEXT NOT NULL,
	segmentation_id INTEGER NOT NULL,
	network_id TEXT NOT NULL,
	PRIMARY KEY (network_type, segmentation_id)
);

-- Small key/value state of the service (bootstrap done, ...).
CREATE TABLE net_meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
