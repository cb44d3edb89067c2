"""Servers with ports (network.h): a NIC per requested network, its address
in `addresses`, the port bound to the server and removed with it; unknown
networks are a 400 that leaves no server and no port behind."""
from conftest_compute import fake, image  # noqa: F401


def test_server_on_a_network_gets_a_port_and_loses_it(fake, image, unique):
    net = fake.cli("network", "create", unique, "-f", "json")
    fake.cli("subnet", "create", "--network", net["id"], "--subnet-range", "10.77.0.0/24",
             unique + "-sn", "-f", "json")
    s = fake.cli("--os-compute-api-version", "2.37", "server", "create", "--image", image,
                 "--flavor", "m1.tiny", "--nic", "net-id=" + net["id"], "--wait", unique,
                 "-f", "json")
    assert s["status"] == "ACTIVE"
    shown = fake.nova("GET", "/servers/" + s["id"]).json()["server"]
    addrs = shown["addresses"][unique]
    assert addrs[0]["addr"].startswith("10.77.0.") and addrs[0]["version"] == 4
    assert addrs[0]["OS-EXT-IPS:type"] == "fixed"
    ports = fake.request("GET", "/network/v2.0/ports?device_id=" + s["id"]).json()["ports"]
    assert len(ports) == 1 and ports[0]["mac_address"] == addrs[0]["OS-EXT-IPS-MAC:mac_addr"]
    ips = fake.nova("GET", "/servers/%s/ips" % s["id"]).json()["addresses"]
    assert ips[unique][0]["addr"] == addrs[0]["addr"]
    fake.cli("server", "delete", "--wait", s["id"])
    assert fake.request("GET", "/network/v2.0/ports?device_id=" + s["id"]).json()["ports"] == []


def test_unknown_network_is_400_and_leaves_nothing(fake, image, unique):
    before = len(fake.nova("GET", "/servers").json()["servers"])
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1",
        "networks": [{"uuid": "3c1ee1a3-8b0f-4c43-9f5e-6a8c0f6a2b11"}]}})
    assert r.status_code == 400, r.text
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": [{"uuid": "x"}]}})
    assert r.status_code == 400 and "network uuid" in r.json()["badRequest"]["message"]
    assert len(fake.nova("GET", "/servers").json()["servers"]) == before


def test_os_interface_attach_list_show_detach(fake, image, unique):
    """Nova's os-interface with the CLI and raw HTTP: a port made on net_id
    (deleted at detach), a user's port (unbound and kept at detach), the
    request errors, and the instance actions."""
    net = fake.cli("network", "create", unique, "-f", "json")
    sub = fake.cli("subnet", "create", "--network", net["id"], "--subnet-range", "10.78.0.0/24",
                   unique + "-sn", "-f", "json")
    s = fake.cli("--os-compute-api-version", "2.37", "server", "create", "--image", image,
                 "--flavor", "m1.tiny", "--nic", "none", "--wait", unique, "-f", "json")
    base = "/servers/%s/os-interface" % s["id"]
    assert fake.nova("GET", base).json() == {"interfaceAttachments": []}

    r = fake.nova("POST", base, json={"interfaceAttachment": {
        "net_id": net["id"], "fixed_ips": [{"ip_address": "10.78.0.50"}]}})
    assert r.status_code == 200, r.text
    made = r.json()["interfaceAttachment"]
    assert made["net_id"] == net["id"] and made["mac_addr"].startswith("fa:16:3e:")
    assert made["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.78.0.50"}]
    assert set(made) == {"port_state", "fixed_ips", "port_id", "net_id", "mac_addr"}
    port = fake.request("GET", "/network/v2.0/ports/" + made["port_id"]).json()["port"]
    assert port["device_id"] == s["id"] and port["device_owner"].startswith("compute:")

    mine = fake.cli("port", "create", "--network", net["id"], unique + "-p", "-f", "json")
    fake.cli("server", "add", "port", s["id"], mine["id"])
    listed = fake.nova("GET", base).json()["interfaceAttachments"]
    assert sorted(a["port_id"] for a in listed) == sorted([made["port_id"], mine["id"]])
    shown = fake.nova("GET", base + "/" + mine["id"]).json()["interfaceAttachment"]
    assert shown["port_id"] == mine["id"] and shown["net_id"] == net["id"]
    addrs = fake.nova("GET", "/servers/" + s["id"]).json()["server"]["addresses"][unique]
    assert {a["addr"] for a in addrs} == {"10.78.0.50", mine["fixed_ips"][0]["ip_address"]}

    # request errors: both ids, fixed_ips without net_id, unknown net and port
    for body, code in (({"net_id": net["id"], "port_id": mine["id"]}, 400),
                       ({"fixed_ips": [{"ip_address": "10.78.0.9"}]}, 400),
                       ({"net_id": "3c1ee1a3-8b0f-4c43-9f5e-6a8c0f6a2b11"}, 400),
                       ({"port_id": "3c1ee1a3-8b0f-4c43-9f5e-6a8c0f6a2b11"}, 404),
                       ({"bogus": 1}, 400)):
        r = fake.nova("POST", base, json={"interfaceAttachment": body})
        assert r.status_code == code, (body, r.text)
    assert fake.nova("GET", base + "/3c1ee1a3-8b0f-4c43-9f5e-6a8c0f6a2b11").status_code == 404
    assert fake.nova("DELETE", base + "/3c1ee1a3-8b0f-4c43-9f5e-6a8c0f6a2b11").status_code == 404
    assert len(fake.nova("GET", base).json()["interfaceAttachments"]) == 2

    # a locked server refuses a member of its project (admins may go on)
    fake.cli("user", "create", "--password", "pw-" + unique, "--project", "admin", unique + "-u")
    fake.cli("role", "add", "--user", unique + "-u", "--project", "admin", "member")
    member = fake.token(unique + "-u", "pw-" + unique, "admin")[0]
    fake.cli("server", "lock", s["id"])
    r = fake.nova("DELETE", base + "/" + made["port_id"], token=member)
    assert r.status_code == 409, r.text
    fake.cli("server", "unlock", s["id"])
    assert fake.nova("DELETE", base + "/" + made["port_id"], token=member).status_code == 202
    # the port network made for the server is gone; the user's is kept, unbound
    assert fake.request("GET", "/network/v2.0/ports/" + made["port_id"]).status_code == 404
    fake.cli("server", "remove", "port", s["id"], mine["id"])
    kept = fake.request("GET", "/network/v2.0/ports/" + mine["id"]).json()["port"]
    assert kept["device_id"] == "" and kept["device_owner"] == ""
    assert fake.nova("GET", base).json() == {"interfaceAttachments": []}
    actions = [a["action"] for a in
               fake.nova("GET", "/servers/%s/os-instance-actions" % s["id"]).json()[
                   "instanceActions"]]
    assert actions.count("attach_interface") == 2 and actions.count("detach_interface") == 2
    fake.cli("server", "delete", "--wait", s["id"])
    fake.cli("port", "delete", mine["id"])


def test_device_tags_on_networks_by_microversion(fake, image, unique):
    """Nova takes `tag` in networks at 2.32-2.36 and from 2.42 (400 at
    2.31 and 2.37-2.41); a tagged NIC is kept for meta_data.json's
    `devices` (read here from the database: the fake driver has no guest
    to ask the metadata service) and forgotten with the server."""
    import sqlite3
    import os
    net = fake.cli("network", "create", unique, "-f", "json")
    fake.cli("subnet", "create", "--network", net["id"], "--subnet-range", "10.79.0.0/24",
             unique + "-sn", "-f", "json")

    def create(mv):
        return fake.nova("POST", "/servers", mv=mv, json={"server": {
            "name": unique, "imageRef": image, "flavorRef": "1",
            "networks": [{"uuid": net["id"], "tag": "data-nic"}]}})

    for mv in ("2.31", "2.37", "2.41"):
        r = create(mv)
        assert r.status_code == 400 and "tag" in r.json()["badRequest"]["message"], (mv, r.text)
    sids = []
    for mv in ("2.32", "2.42"):
        r = create(mv)
        assert r.status_code == 202, (mv, r.text)
        sids.append(r.json()["server"]["id"])
        fake.wait_status(sids[-1], "ACTIVE")
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(fake.data_dir, "stackd.db"), uri=True)
    rows = db.execute("SELECT server_id, mac, tag FROM compute_device_tags").fetchall()
    for sid in sids:
        mac = fake.nova("GET", "/servers/" + sid).json()["server"]["addresses"][unique][0][
            "OS-EXT-IPS-MAC:mac_addr"]
        assert (sid, mac, "data-nic") in rows
    for sid in sids:
        fake.nova("DELETE", "/servers/" + sid)
        fake.wait_status(sid, "DELETED")
    left = db.execute("SELECT count(*) FROM compute_device_tags WHERE server_id IN (?, ?)",
                      sids).fetchone()[0]
    assert left == 0
    db.close()


def test_tagged_interface_attach_from_2_49(fake, image, unique):
    """os-interface attach takes `tag` from 2.49 (400 before); the tag is
    kept for meta_data.json's `devices` until the port is detached."""
    import sqlite3
    import os
    net = fake.cli("network", "create", unique, "-f", "json")
    fake.cli("subnet", "create", "--network", net["id"], "--subnet-range", "10.80.0.0/24",
             unique + "-sn", "-f", "json")
    s = fake.cli("--os-compute-api-version", "2.37", "server", "create", "--image", image,
                 "--flavor", "m1.tiny", "--nic", "none", "--wait", unique, "-f", "json")
    base = "/servers/%s/os-interface" % s["id"]
    body = {"interfaceAttachment": {"net_id": net["id"], "tag": "hot"}}
    assert fake.nova("POST", base, mv="2.48", json=body).status_code == 400
    r = fake.nova("POST", base, mv="2.49", json=body)
    assert r.status_code == 200, r.text
    port = r.json()["interfaceAttachment"]["port_id"]
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(fake.data_dir, "stackd.db"), uri=True)

    def tags():
        return db.execute("SELECT port_id, tag FROM compute_device_tags WHERE server_id = ?",
                          (s["id"],)).fetchall()

    assert tags() == [(port, "hot")]
    assert fake.nova("DELETE", base + "/" + port).status_code == 202
    assert tags() == []
    db.close()
    fake.cli("server", "delete", "--wait", s["id"])
