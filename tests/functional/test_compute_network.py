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
