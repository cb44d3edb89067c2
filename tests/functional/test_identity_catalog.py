"""Identity: regions, services and endpoints, and the catalog tokens carry
(templates filled with the project id, updates visible at once)."""
V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def test_bootstrap_catalog_has_region_and_identity(cloud):
    regions = cloud.request("GET", V3 + "/regions").json()["regions"]
    assert "RegionOne" in [r["id"] for r in regions]
    svcs = cloud.request("GET", V3 + "/services?type=identity").json()["services"]
    assert len(svcs) == 1 and svcs[0]["name"] == "keystone"
    eps = cloud.request("GET", V3 + "/endpoints?service_id=" + svcs[0]["id"]).json()["endpoints"]
    assert sorted(e["interface"] for e in eps) == ["admin", "internal", "public"]
    assert all(e["region_id"] == "RegionOne" for e in eps)


def test_region_crud(cloud, unique):
    r = create(cloud, "region", {"id": unique, "description": "r"})
    assert r["id"] == unique and r["parent_region_id"] is None
    child = cloud.request("PUT", V3 + "/regions/" + unique + "-c",
                          json={"region": {"parent_region_id": unique}})
    assert child.status_code == 201
    assert cloud.request("DELETE", V3 + "/regions/" + unique).status_code == 403
    r = cloud.request("PATCH", V3 + "/regions/" + unique, json={"region": {"description": "s"}})
    assert r.json()["region"]["description"] == "s"
    assert cloud.request("POST", V3 + "/regions",
                         json={"region": {"id": unique}}).status_code == 409
    assert cloud.request("DELETE", V3 + "/regions/" + unique + "-c").status_code == 204
    assert cloud.request("DELETE", V3 + "/regions/" + unique).status_code == 204
    assert cloud.request("GET", V3 + "/regions/" + unique).status_code == 404


def test_service_endpoint_crud_and_token_catalog(cloud, unique):
    s = create(cloud, "service", {"type": unique, "name": unique, "description": "d"})
    assert s["enabled"] is True
    e = create(cloud, "endpoint", {"service_id": s["id"], "interface": "public",
                                   "region_id": "RegionOne",
                                   "url": "http://example.test/%(project_id)s/x"})
    assert e["region"] == "RegionOne"
    _, body = cloud.token()
    pid = body["token"]["project"]["id"]
    entry = [c for c in body["token"]["catalog"] if c["type"] == unique][0]
    assert entry["endpoints"][0]["url"] == "http://example.test/%s/x" % pid
    cat = cloud.request("GET", V3 + "/auth/catalog").json()["catalog"]
    assert unique in [c["type"] for c in cat]
    r = cloud.request("PATCH", V3 + "/endpoints/" + e["id"],
                      json={"endpoint": {"url": "http://example.test/y"}})
    assert r.status_code == 200 and r.json()["endpoint"]["url"] == "http://example.test/y"
    _, body = cloud.token()
    entry = [c for c in body["token"]["catalog"] if c["type"] == unique][0]
    assert entry["endpoints"][0]["url"] == "http://example.test/y"
    r = cloud.request("PATCH", V3 + "/services/" + s["id"], json={"service": {"enabled": False}})
    assert r.json()["service"]["enabled"] is False
    _, body = cloud.token()
    assert unique not in [c["type"] for c in body["token"]["catalog"]]
    assert cloud.request("GET", V3 + "/endpoints/" + e["id"]).status_code == 200
    assert cloud.request("DELETE", V3 + "/endpoints/" + e["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/endpoints/" + e["id"]).status_code == 404
    assert cloud.request("DELETE", V3 + "/services/" + s["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/services/" + s["id"]).status_code == 404


def test_endpoint_validation(cloud, unique):
    s = create(cloud, "service", {"type": unique})
    for bad in ({"service_id": s["id"], "interface": "sideways", "url": "http://x"},
                {"service_id": "nope", "interface": "public", "url": "http://x"},
                {"service_id": s["id"], "interface": "public"},
                {"service_id": s["id"], "interface": "public", "url": "http://x",
                 "region_id": "Nowhere"}):
        r = cloud.request("POST", V3 + "/endpoints", json={"endpoint": bad})
        assert r.status_code == 400, bad
    assert cloud.request("GET", V3 + "/endpoints?service_id=" + s["id"]).json()["endpoints"] == []


def test_legacy_region_attribute_creates_the_region(cloud, unique):
    s = create(cloud, "service", {"type": unique})
    e = create(cloud, "endpoint", {"service_id": s["id"], "interface": "admin",
                                   "url": "http://x", "region": unique})
    assert e["region_id"] == unique
    assert cloud.request("GET", V3 + "/regions/" + unique).status_code == 200
    # a failed create leaves no region behind
    r = cloud.request("POST", V3 + "/endpoints", json={"endpoint": {
        "service_id": "nope", "interface": "admin", "url": "http://x", "region": unique + "2"}})
    assert r.status_code == 400
    assert cloud.request("GET", V3 + "/regions/" + unique + "2").status_code == 404


def test_cli_catalog_commands(cloud, unique):
    cloud.cli("service", "create", "--name", unique, unique)
    cloud.cli("endpoint", "create", "--region", "RegionOne", unique, "public", "http://h/x")
    eps = cloud.cli("endpoint", "list", "--service", unique, "-f", "json")
    assert [e["URL"] for e in eps] == ["http://h/x"]
    cloud.cli("region", "create", unique)
    assert cloud.cli("region", "show", unique, "-f", "json")["region"] == unique
    cloud.cli("endpoint", "delete", eps[0]["ID"])
    cloud.cli("service", "delete", unique)
    cloud.cli("region", "delete", unique)
