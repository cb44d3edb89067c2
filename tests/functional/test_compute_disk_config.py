"""OS-DCF:diskConfig: AUTO or MANUAL on create, update, rebuild and resize,
kept per server; an image with auto_disk_config=disabled refuses AUTO and
a server without the parameter inherits the image's boolean; the fixes of
Tempest's tenant_id and is_public semantics."""
from conftest_compute import fake, image, make_project  # noqa: F401


def disk_config(c, sid):
    return c.nova("GET", "/servers/" + sid).json()["server"]["OS-DCF:diskConfig"]


def test_disk_config_through_the_life_of_a_server(fake, image, unique):
    body = {"name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            "OS-DCF:diskConfig": "AUTO"}
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": body})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "AUTO", r.text
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE")
    assert disk_config(fake, sid) == "AUTO"
    r = fake.nova("PUT", "/servers/" + sid, json={"server": {"OS-DCF:diskConfig": "MANUAL"}})
    assert r.status_code == 200 and disk_config(fake, sid) == "MANUAL"
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"rebuild": {
        "imageRef": image, "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    fake.wait_status(sid, "ACTIVE")
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"resize": {
        "flavorRef": "2", "OS-DCF:diskConfig": "MANUAL"}})
    assert r.status_code == 202, r.text
    fake.wait_status(sid, "VERIFY_RESIZE")
    assert disk_config(fake, sid) == "MANUAL"
    r = fake.nova("POST", "/servers/%s/action" % sid, json={"resize": {
        "flavorRef": "1", "OS-DCF:diskConfig": "SOMETIMES"}})
    assert r.status_code == 400
    r = fake.nova("POST", "/servers", mv="2.37",
                  json={"server": dict(body, **{"OS-DCF:diskConfig": "auto"})})
    assert r.status_code == 400 and "['AUTO', 'MANUAL']" in r.text


def test_image_property_auto_disk_config(fake, unique):
    ids = {}
    for value in ("disabled", "True"):
        r = fake.request("POST", "/image/v2/images", json={
            "name": unique + value, "disk_format": "raw", "container_format": "bare",
            "auto_disk_config": value})
        iid = r.json()["id"]
        fake.request("PUT", "/image/v2/images/%s/file" % iid, data=b"\0" * 65536,
                     headers={"Content-Type": "application/octet-stream"})
        ids[value] = iid
    body = {"name": unique, "imageRef": ids["disabled"], "flavorRef": "1",
            "networks": "none", "OS-DCF:diskConfig": "AUTO"}
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": body})
    assert r.status_code == 400 and "has automatic disk resize disabled" in r.text
    del body["OS-DCF:diskConfig"]
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": body})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "MANUAL"
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": dict(
        body, imageRef=ids["True"])})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "AUTO"


def test_tenant_id_needs_all_tenants_and_is_public_strings(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid = r.json()["server"]["id"]

    def ids(query):
        r = fake.nova("GET", "/servers?" + query)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["servers"]]
    assert sid not in ids("tenant_id=" + pid)  # ignored without all_tenants
    assert ids("all_tenants&tenant_id=" + pid) == [sid]
    assert ids("all_tenants=1&project_id=" + pid) == [sid]
    assert sid not in ids("all_tenants=false&tenant_id=" + pid)
    assert fake.nova("GET", "/servers?all_tenants=maybe").status_code == 400
    r = fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique, "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": False}})
    for value in ("f", "false", "no", "0", "FALSE", "None"):
        names = [f["name"] for f in fake.nova("GET", "/flavors?is_public=" + value).json()[
            "flavors"]]
        assert unique in names, value
    for value in ("t", "true", "yes", "1"):
        names = [f["name"] for f in fake.nova("GET", "/flavors?is_public=" + value).json()[
            "flavors"]]
        assert unique not in names and "m1.tiny" in names, value
    assert fake.nova("GET", "/flavors?is_public=perhaps").status_code == 400
