"""Nova APIs around the servers, on the fake driver: the image proxy
(/images and image metadata below 2.36, through the image service in the
same daemon), os-hosts (below 2.43), the os-hypervisors search, servers and
uptime routes, os-instance_usage_audit_log, os-server-external-events,
os-server-password and GET /servers/{id}/ips/{network}. Bodies are checked
against Tempest's schemas."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import images as images_schema

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_microversions import boot


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    if "response_body" in schema:
        jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


def snapshot(c, server_id, name, token=None):
    r = c.nova("POST", "/servers/%s/action" % server_id, token=token,
               json={"createImage": {"name": name, "metadata": {"k": "v"}}})
    assert r.status_code == 202, r.text
    iid = r.headers["Location"].rsplit("/", 1)[1]
    for _ in range(400):
        r = c.nova("GET", "/images/" + iid, token=token)
        if r.json()["image"]["status"] == "ACTIVE":
            return r.json()["image"]
        import time
        time.sleep(0.05)
    raise AssertionError(r.text)


def test_images_list_show_filters_and_snapshot_link(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("GET", "/images", token=token)
    validate(images_schema.list_images, r)
    assert image in [i["id"] for i in r.json()["images"]]
    r = fake.nova("GET", "/images/detail", token=token)
    validate(images_schema.list_images_details, r)
    r = fake.nova("GET", "/images/" + image, token=token)
    validate(images_schema.get_image, r)
    im = r.json()["image"]
    assert im["status"] == "ACTIVE" and im["progress"] == 100
    assert im["OS-EXT-IMG-SIZE:size"] == 1 << 20 and im["minDisk"] == 0 and "server" not in im
    assert [link["rel"] for link in im["links"]] == ["self", "bookmark", "alternate"]

    sid = boot(fake, image, unique, token=token)["id"]
    snap = snapshot(fake, sid, unique + "-snap", token=token)
    assert snap["server"]["id"] == sid and snap["metadata"]["image_type"] == "snapshot"
    assert snap["metadata"]["k"] == "v"
    # Filters: server (id or URL), type, status, name, changes-since, limit.
    for q in ("server=" + sid, "server=http://x/servers/" + sid, "type=snapshot",
              "status=ACTIVE", "name=" + unique + "-snap",
              "changes-since=" + snap["updated"]):
        ids = [i["id"] for i in fake.nova("GET", "/images?" + q, token=token).json()["images"]]
        assert snap["id"] in ids, q
    ids = [i["id"] for i in fake.nova("GET", "/images/detail?type=snapshot",
                                      token=token).json()["images"]]
    assert image not in ids
    assert fake.nova("GET", "/images?status=SAVING", token=token).json()["images"] == []
    r = fake.nova("GET", "/images?limit=1", token=token)
    validate(images_schema.list_images, r)
    assert len(r.json()["images"]) == 1 and r.json()["images_links"][0]["rel"] == "next"
    first = r.json()["images"][0]["id"]
    r = fake.nova("GET", "/images?limit=1&marker=" + first, token=token)
    assert r.status_code == 200 and r.json()["images"][0]["id"] != first
    assert fake.nova("GET", "/images?marker=nope", token=token).status_code == 400
    assert fake.nova("GET", "/images?limit=x", token=token).status_code == 400
    # From 2.36 the proxy is gone.
    assert fake.nova("GET", "/images/" + image, token=token, mv="2.36").status_code == 404

    # Delete: another project's image is 404 to it, the public one 403.
    other, _, _ = make_project(fake, unique + "o")
    assert fake.nova("DELETE", "/images/" + snap["id"], token=other).status_code == 404
    r = fake.nova("DELETE", "/images/" + image, token=other)
    assert r.status_code == 403, r.text
    r = fake.nova("DELETE", "/images/" + snap["id"], token=token)
    validate(images_schema.delete, r)
    assert fake.nova("GET", "/images/" + snap["id"], token=token).status_code == 404
    assert fake.request("GET", "/image/v2/images/" + snap["id"]).status_code == 404
    for bad in ("", "-1", "!@#$%^&*()", "a" * 37, snap["id"]):
        r = fake.nova("DELETE", "/images/" + bad, token=token)
        assert r.status_code == 404, (bad, r.text)
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_image_metadata(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.request("POST", "/image/v2/images", token=token, json={
        "name": unique, "disk_format": "raw", "container_format": "bare",
        "os_distro": "value1"})
    iid = r.json()["id"]
    path = "/images/%s/metadata" % iid
    r = fake.nova("GET", path, token=token)
    validate(images_schema.image_metadata, r)
    assert r.json()["metadata"] == {"os_distro": "value1"}
    r = fake.nova("POST", path, token=token, json={"metadata": {"a": "1", "os_distro": "v2"}})
    validate(images_schema.image_metadata, r)
    assert r.json()["metadata"] == {"a": "1", "os_distro": "v2"}
    r = fake.nova("PUT", path, token=token, json={"metadata": {"b": "2"}})
    validate(images_schema.image_metadata, r)
    assert fake.nova("GET", path, token=token).json()["metadata"] == {"b": "2"}
    # Glance sees the same properties.
    assert fake.request("GET", "/image/v2/images/" + iid, token=token).json()["b"] == "2"
    r = fake.nova("PUT", path + "/c", token=token, json={"meta": {"c": "3"}})
    validate(images_schema.image_meta_item, r)
    assert r.json() == {"meta": {"c": "3"}}
    r = fake.nova("GET", path + "/c", token=token)
    validate(images_schema.image_meta_item, r)
    assert fake.nova("PUT", path + "/c", token=token,
                     json={"meta": {"d": "3"}}).status_code == 400
    assert fake.nova("PUT", path + "/c", token=token,
                     json={"meta": {"c": "3", "d": "4"}}).status_code == 400
    assert fake.nova("POST", path, token=token, json={"metadata": {"k": 1}}).status_code == 400
    assert fake.nova("POST", path, token=token, json={"meta": {}}).status_code == 400
    r = fake.nova("DELETE", path + "/c", token=token)
    assert r.status_code == 204
    assert fake.nova("GET", path + "/c", token=token).status_code == 404
    assert fake.nova("DELETE", path + "/c", token=token).status_code == 404
    r = fake.nova("POST", path, token=token,
                  json={"metadata": {"k%d" % i: "v" for i in range(130)}})
    assert r.status_code == 403, r.text
    # Another project sees nothing; the public image's metadata is not its own.
    other, _, _ = make_project(fake, unique + "o")
    assert fake.nova("GET", path, token=other).status_code == 404
    assert fake.nova("POST", "/images/%s/metadata" % image, token=other,
                     json={"metadata": {"x": "y"}}).status_code == 403
    for m, p, body in (("GET", path, None), ("POST", path, {"metadata": {}}),
                       ("PUT", path, {"metadata": {}}), ("GET", path + "/b", None),
                       ("PUT", path + "/b", {"meta": {"b": "1"}}), ("DELETE", path + "/b", None)):
        nid = "/images/00000000-0000-4000-8000-000000000000/metadata"
        r = fake.nova(m, p.replace("/images/%s/metadata" % iid, nid), token=token, json=body)
        assert r.status_code == 404, (m, p, r.text)
