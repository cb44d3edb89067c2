"""Image resource through the API: version discovery, create/show/update/
delete, tags, deactivate/reactivate, protected images, schemas, info
documents, and the errors Glance answers for bad input."""
import io
import uuid

import pytest

from image_util import PATCH_CT, active_image, create, delete, patch, show, upload


def test_version_discovery(cloud):
    r = cloud.request("GET", "/image", token=False)
    assert r.status_code == 300
    versions = r.json()["versions"]
    assert versions[0]["status"] == "CURRENT"
    assert versions[0]["links"][0]["href"].endswith("/image/v2/")
    assert {"v2.0", "v2.16"} <= {v["id"] for v in versions}
    r = cloud.request("GET", "/image/versions", token=False)
    assert r.status_code == 200 and r.json()["versions"] == versions


def test_needs_a_token(cloud):
    r = cloud.request("GET", "/image/v2/images", token=False)
    assert r.status_code == 401


def test_create_show_defaults(cloud):
    img = create(cloud, name="defaults", os_distro="debian", tags=["a", "b", "a"])
    assert img["status"] == "queued"
    assert img["visibility"] == "shared"
    assert img["protected"] is False and img["os_hidden"] is False
    assert img["size"] is None and img["checksum"] is None and img["virtual_size"] is None
    assert img["disk_format"] is None and img["container_format"] is None
    assert img["min_disk"] == 0 and img["min_ram"] == 0
    assert img["os_distro"] == "debian"
    assert sorted(img["tags"]) == ["a", "b"]
    assert img["self"] == "/v2/images/" + img["id"]
    assert img["file"] == "/v2/images/%s/file" % img["id"]
    assert img["schema"] == "/v2/schemas/image"
    assert img["created_at"].endswith("Z")
    r = show(cloud, img["id"])
    assert r.status_code == 200 and r.json()["id"] == img["id"]


def test_create_with_id_and_conflict(cloud):
    image_id = str(uuid.uuid4())
    img = create(cloud, id=image_id, disk_format="qcow2", container_format="bare")
    assert img["id"] == image_id
    r = cloud.request("POST", "/image/v2/images", json={"id": image_id})
    assert r.status_code == 409


@pytest.mark.parametrize("body,status", [
    ({"disk_format": "qcow3"}, 400),
    ({"container_format": "zip"}, 400),
    ({"visibility": "everyone"}, 400),
    ({"min_ram": "512"}, 400),
    ({"min_disk": -1}, 400),
    ({"protected": "yes"}, 400),
    ({"name": "x" * 256}, 400),
    ({"custom": 5}, 400),
    ({"id": "not-a-uuid"}, 400),
    ({"status": "active"}, 403),
    ({"size": 5}, 403),
    ({"checksum": "abc"}, 403),
    ({"os_glance_foo": "x"}, 403),
])
def test_create_refuses(cloud, body, status):
    r = cloud.request("POST", "/image/v2/images", json=body)
    assert r.status_code == status, r.text
    assert "message" in r.text


def test_create_malformed_json(cloud):
    r = cloud.request("POST", "/image/v2/images", data="{not json",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_show_unknown_is_404(cloud):
    assert show(cloud, str(uuid.uuid4())).status_code == 404


def test_patch(cloud):
    img = create(cloud, name="before", os_distro="x")
    r = patch(cloud, img["id"], [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "remove", "path": "/os_distro"},
        {"op": "replace", "path": "/min_ram", "value": 512},
        {"op": "replace", "path": "/disk_format", "value": "qcow2"},
        {"op": "add", "path": "/tags", "value": ["t1", "t2"]},
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "after" and body["hw_disk_bus"] == "virtio"
    assert "os_distro" not in body and body["min_ram"] == 512
    assert body["disk_format"] == "qcow2" and sorted(body["tags"]) == ["t1", "t2"]
    assert show(cloud, img["id"]).json()["hw_disk_bus"] == "virtio"


@pytest.mark.parametrize("ops,status", [
    ([{"op": "replace", "path": "/status", "value": "active"}], 403),
    ([{"op": "remove", "path": "/name"}], 403),
    ([{"op": "replace", "path": "/nothere", "value": "x"}], 409),
    ([{"op": "remove", "path": "/nothere"}], 409),
    ([{"op": "replace", "path": "/min_disk", "value": "ten"}], 400),
    ([{"op": "move", "path": "/name", "from": "/x"}], 400),
    ({"op": "add"}, 400),
])
def test_patch_refuses(cloud, ops, status):
    img = create(cloud)
    r = patch(cloud, img["id"], ops)
    assert r.status_code == status, r.text
    assert show(cloud, img["id"]).json()["name"] == img["name"]


def test_patch_v20_media_type(cloud):
    """The older media type (what Tempest sends): {"add": "/x"}, and add
    does not overwrite."""
    img = create(cloud)
    ct = "application/openstack-images-v2.0-json-patch"
    r = patch(cloud, img["id"], [{"add": "/k", "value": "1"},
                                 {"replace": "/name", "value": "v20"}], content_type=ct)
    assert r.status_code == 200, r.text
    assert r.json()["k"] == "1" and r.json()["name"] == "v20"
    r = patch(cloud, img["id"], [{"add": "/k", "value": "2"}], content_type=ct)
    assert r.status_code == 409
    r = patch(cloud, img["id"], [{"remove": "/k"}], content_type=ct)
    assert r.status_code == 200 and "k" not in r.json()


def test_images_slash_is_not_the_list(cloud):
    assert cloud.request("GET", "/image/v2/images/").status_code == 404
    assert cloud.request("DELETE", "/image/v2/images/").status_code == 404


def test_patch_needs_patch_media_type(cloud):
    img = create(cloud)
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/name", "value": "x"}],
              content_type="application/json")
    assert r.status_code == 415


def test_formats_frozen_once_active(cloud):
    img = active_image(cloud)
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert r.status_code == 403
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/name", "value": "renamed"}])
    assert r.status_code == 200


def test_publicize_needs_admin_but_admin_may(cloud):
    img = create(cloud, visibility="public")  # the session token is admin's
    assert img["visibility"] == "public"


def test_tags(cloud):
    img = create(cloud)
    base = "/image/v2/images/%s/tags/" % img["id"]
    assert cloud.request("PUT", base + "blue").status_code == 204
    assert cloud.request("PUT", base + "blue").status_code == 204  # idempotent
    assert cloud.request("PUT", base + "green").status_code == 204
    assert sorted(show(cloud, img["id"]).json()["tags"]) == ["blue", "green"]
    assert cloud.request("DELETE", base + "blue").status_code == 204
    assert cloud.request("DELETE", base + "blue").status_code == 404
    assert show(cloud, img["id"]).json()["tags"] == ["green"]


def test_delete_and_protected(cloud):
    img = create(cloud, protected=True)
    r = delete(cloud, img["id"])
    assert r.status_code == 403
    assert show(cloud, img["id"]).status_code == 200
    assert patch(cloud, img["id"], [{"op": "replace", "path": "/protected",
                                     "value": False}]).status_code == 200
    assert delete(cloud, img["id"]).status_code == 204
    assert show(cloud, img["id"]).status_code == 404
    assert delete(cloud, img["id"]).status_code == 404


def test_deactivate_reactivate(cloud):
    queued = create(cloud)
    r = cloud.request("POST", "/image/v2/images/%s/actions/deactivate" % queued["id"])
    assert r.status_code == 403
    img = active_image(cloud)
    act = "/image/v2/images/%s/actions/" % img["id"]
    assert cloud.request("POST", act + "deactivate").status_code == 204
    assert show(cloud, img["id"]).json()["status"] == "deactivated"
    assert cloud.request("POST", act + "deactivate").status_code == 204
    # admin may still download a deactivated image
    assert cloud.request("GET", "/image/v2/images/%s/file" % img["id"]).status_code == 200
    assert cloud.request("POST", act + "reactivate").status_code == 204
    assert show(cloud, img["id"]).json()["status"] == "active"


def test_schemas(cloud):
    image = cloud.request("GET", "/image/v2/schemas/image").json()
    assert image["name"] == "image"
    assert image["additionalProperties"] == {"type": "string"}
    props = image["properties"]
    assert props["status"]["readOnly"] is True
    assert None in props["disk_format"]["enum"] and "qcow2" in props["disk_format"]["enum"]
    assert props["os_distro"]["is_base"] is False
    images = cloud.request("GET", "/image/v2/schemas/images").json()
    assert images["properties"]["images"]["items"]["name"] == "image"
    member = cloud.request("GET", "/image/v2/schemas/member").json()
    assert member["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
    members = cloud.request("GET", "/image/v2/schemas/members").json()
    assert members["properties"]["members"]["items"]["name"] == "member"
    assert cloud.request("GET", "/image/v2/schemas/nothing").status_code == 404


def test_info_documents(cloud):
    r = cloud.request("GET", "/image/v2/info/import")
    assert r.status_code == 200
    assert r.json()["import-methods"]["value"] == ["glance-direct"]
    r = cloud.request("GET", "/image/v2/info/stores")
    assert r.status_code == 200 and r.json()["stores"][0]["default"] is True


def test_unbuilt_parts_answer_501(cloud):
    r = cloud.request("GET", "/image/v2/metadefs/namespaces")
    assert r.status_code == 501 and "not implemented" in r.json()["error"]["message"]
    assert cloud.request("GET", "/image/v2/cache").status_code == 501
    assert cloud.request("PUT", "/image/v2/cache/%s" % uuid.uuid4()).status_code == 501


def test_tasks_of_an_image(cloud):
    img = create(cloud)
    r = cloud.request("GET", "/image/v2/images/%s/tasks" % img["id"])
    assert r.status_code == 200 and r.json() == {"tasks": []}


def test_cli_round_trip(cloud, tmp_path, unique):
    f = tmp_path / "disk.raw"
    f.write_bytes(b"\1" * 10000)
    out = cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
                    "--file", str(f), "--property", "os_distro=cirros", "--min-ram", "64",
                    "--private", unique, "-f", "json")
    assert out["visibility"] == "private"
    shown = cloud.cli("image", "show", unique, "-f", "json")
    assert shown["status"] == "active"
    assert shown["size"] == 10000 and shown["min_ram"] == 64
    assert shown["properties"]["os_distro"] == "cirros"
    cloud.cli("image", "set", "--name", unique + "-2", "--protected", unique)
    assert cloud.cli("image", "show", unique + "-2", "-f", "json")["protected"] is True
    p = cloud.cli("image", "delete", unique + "-2", check=False)
    assert p.returncode != 0
    cloud.cli("image", "set", "--unprotected", unique + "-2")
    cloud.cli("image", "delete", unique + "-2")
    assert cloud.cli("image", "show", unique + "-2", check=False).returncode != 0


def test_sdk_round_trip(cloud, tmp_path, unique):
    conn = cloud.sdk()
    img = conn.image.create_image(name=unique, data=b"\2" * 5000, disk_format="raw",
                                  container_format="bare", visibility="private",
                                  validate_checksum=True)
    img = conn.image.get_image(img.id)
    assert img.status == "active" and img.size == 5000
    conn.image.add_tag(img, "sdk")
    conn.image.update_image(img, name=unique + "-x", stackd_note="yes")
    img = conn.image.get_image(img.id)
    assert img.name == unique + "-x" and "sdk" in img.tags
    assert img.properties.get("stackd_note") == "yes"
    data = conn.image.download_image(img)
    assert data.content == b"\2" * 5000
    conn.image.delete_image(img)
    assert conn.image.find_image(img.id) is None


def test_glanceclient(cloud, tmp_path, unique):
    from glanceclient import Client
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    auth = v3.Password(auth_url=cloud.url + "/identity/v3", username="admin",
                       password=cloud.admin_password, project_name="admin",
                       user_domain_name="Default", project_domain_name="Default")
    glance = Client("2", session=session.Session(auth=auth))
    img = glance.images.create(name=unique, disk_format="raw", container_format="bare",
                               os_distro="alpine")
    glance.images.upload(img.id, io.BytesIO(b"\3" * 3000))
    got = glance.images.get(img.id)
    assert got.status == "active" and got.os_distro == "alpine" and got.size == 3000
    glance.images.update(img.id, remove_props=["os_distro"], min_disk=1)
    got = glance.images.get(img.id)
    assert "os_distro" not in got and got.min_disk == 1
    assert b"".join(glance.images.data(img.id)) == b"\3" * 3000
    glance.images.delete(img.id)
