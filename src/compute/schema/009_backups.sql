-- createBackup's images: after each backup of a server and type is
-- uploaded, the ones beyond the newest `rotation` are deleted (Nova's
-- rotation, which lists the server's images of that backup_type).
CREATE TABLE compute_backups (
    id INTEGER PRIMARY KEY,
    image_id TEXT NOT NULL UNIQUE,
    server_id TEXT NOT NULL,
    backup_type TEXT NOT NULL,
    rotation INTEGER NOT NULL
);
CREATE INDEX compute_backups_server ON compute_backups(server_id, backup_type);
