"""Identity: the policy blob store (/v3/policies) and OAuth1 consumers
(/v3/OS-OAUTH1/consumers; the OAuth1 flow is 501)."""
V3 = "/identity/v3"


def test_policy_crud(cloud, unique):
    r = cloud.request("POST", V3 + "/policies", json={"policy": {"type": unique, "blob": "{}"}})
    assert r.status_code == 201
    p = r.json()["policy"]
    assert p["type"] == unique and p["blob"] == "{}"
    listed = cloud.request("GET", V3 + "/policies?type=" + unique).json()["policies"]
    assert [x["id"] for x in listed] == [p["id"]]
    r = cloud.request("PATCH", V3 + "/policies/" + p["id"], json={"policy": {"type": "t2"}})
    assert r.json()["policy"]["type"] == "t2"
    assert cloud.request("GET", V3 + "/policies/" + p["id"]).json()["policy"]["blob"] == "{}"
    assert cloud.request("POST", V3 + "/policies",
                         json={"policy": {"type": "x"}}).status_code == 400
    assert cloud.request("DELETE", V3 + "/policies/" + p["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/policies/" + p["id"]).status_code == 404


def test_consumer_crud(cloud, unique):
    r = cloud.request("POST", V3 + "/OS-OAUTH1/consumers",
                      json={"consumer": {"description": unique}})
    assert r.status_code == 201
    c = r.json()["consumer"]
    assert c["secret"] and c["description"] == unique
    got = cloud.request("GET", V3 + "/OS-OAUTH1/consumers/" + c["id"]).json()["consumer"]
    assert "secret" not in got and got["links"] == c["links"]
    r = cloud.request("PATCH", V3 + "/OS-OAUTH1/consumers/" + c["id"],
                      json={"consumer": {"description": "d2"}})
    assert r.json()["consumer"]["description"] == "d2"
    ids = [x["id"] for x in cloud.request("GET", V3 + "/OS-OAUTH1/consumers").json()["consumers"]]
    assert c["id"] in ids
    assert cloud.request("DELETE", V3 + "/OS-OAUTH1/consumers/" + c["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/OS-OAUTH1/consumers/" + c["id"]).status_code == 404
    assert cloud.request("POST", V3 + "/OS-OAUTH1/request_token").status_code == 501


def test_endpoint_group_crud(cloud, unique):
    base = V3 + "/OS-EP-FILTER/endpoint_groups"
    r = cloud.request("POST", base, json={"endpoint_group": {
        "name": unique, "description": "d", "filters": {"interface": "public"}}})
    assert r.status_code == 201, r.text
    g = r.json()["endpoint_group"]
    assert g["filters"] == {"interface": "public"}
    assert cloud.request("HEAD", base + "/" + g["id"]).status_code == 200
    r = cloud.request("PATCH", base + "/" + g["id"], json={"endpoint_group": {
        "filters": {"service_id": "s"}, "name": unique + "2"}})
    assert r.json()["endpoint_group"]["filters"] == {"service_id": "s"}
    assert [x["id"] for x in cloud.request("GET", base).json()["endpoint_groups"]] == [g["id"]]
    for bad in ({"name": "x", "filters": {"colour": "red"}}, {"name": "x", "filters": "f"},
                {"name": "x"}):
        assert cloud.request("POST", base, json={"endpoint_group": bad}).status_code == 400
    assert cloud.request("DELETE", base + "/" + g["id"]).status_code == 204
    assert cloud.request("HEAD", base + "/" + g["id"]).status_code == 404
    assert cloud.request("GET", V3 + "/OS-EP-FILTER/projects/x/endpoints").status_code == 501
