-- Device tags (2.32, 2.42 on create's networks; 2.49 on os-interface): a
-- tagged NIC of a server, for the `devices` of its meta_data.json.
CREATE TABLE compute_device_tags (
    server_id TEXT NOT NULL,
    port_id TEXT NOT NULL,
    mac TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (server_id, port_id)
);
CREATE TRIGGER compute_servers_device_tags AFTER DELETE ON compute_servers BEGIN
    DELETE FROM compute_device_tags WHERE server_id = old.id;
END;
