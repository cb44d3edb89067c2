"""Visibility and sharing across projects, with Glance's default policy:
three projects with their own users (made through the identity API as
admin). Private images are invisible (404) to others; shared images are
seen by members, listed once accepted; public images are seen by all and
changed by none but the owner; community images are seen but only listed
on request; only admin publicizes; members' statuses are the member's to
set, the member list the owner's to change."""
import os
import uuid

import pytest

from image_util import Project, active_image, create, delete, list_ids, patch, show


@pytest.fixture(scope="module")
def projects(cloud):
    tag = uuid.uuid4().hex[:6]
    return (Project(cloud, "imgp1-" + tag), Project(cloud, "imgp2-" + tag),
            Project(cloud, "imgp3-" + tag))


def members_path(image_id, member=None):
    p = "/image/v2/images/%s/members" % image_id
    return p + "/" + member if member else p


def add_member(cloud, image_id, member, token):
    return cloud.request("POST", members_path(image_id), token=token, json={"member": member})


def set_status(cloud, image_id, member, status, token):
    return cloud.request("PUT", members_path(image_id, member), token=token,
                         json={"status": status})


def test_private_is_invisible_to_others(cloud, projects):
    p1, p2, _ = projects
    img = active_image(cloud, token=p1.token, visibility="private")
    assert img["owner"] == p1.id
    assert show(cloud, img["id"], token=p1.token).status_code == 200
    for method, suffix in [("GET", ""), ("GET", "/file"), ("DELETE", ""),
                           ("GET", "/members"), ("PUT", "/tags/x")]:
        r = cloud.request(method, "/image/v2/images/%s%s" % (img["id"], suffix),
                          token=p2.token)
        assert r.status_code == 404, (method, suffix, r.text)
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/name", "value": "x"}],
              token=p2.token)
    assert r.status_code == 404
    assert img["id"] not in list_ids(cloud, token=p2.token)
    assert img["id"] not in list_ids(cloud, token=p2.token, visibility="all")
    # admin sees every image
    assert show(cloud, img["id"]).status_code == 200
    assert img["id"] in list_ids(cloud, visibility="private", limit=1000)


def test_shared_member_lifecycle(cloud, projects):
    p1, p2, p3 = projects
    img = active_image(cloud, token=p1.token)  # default visibility: shared
    assert img["visibility"] == "shared"
    iid = img["id"]
    # no member yet: invisible to p2
    assert show(cloud, iid, token=p2.token).status_code == 404
    r = add_member(cloud, iid, p2.id, p1.token)
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["status"] == "pending" and m["member_id"] == p2.id and m["image_id"] == iid
    assert m["schema"] == "/v2/schemas/member"
    assert add_member(cloud, iid, p2.id, p1.token).status_code == 409
    assert add_member(cloud, iid, p3.id, p1.token).status_code == 200
    # a pending member sees the image but does not list it by default
    assert show(cloud, iid, token=p2.token).status_code == 200
    assert iid not in list_ids(cloud, token=p2.token)
    assert iid in list_ids(cloud, token=p2.token, member_status="pending")
    assert iid in list_ids(cloud, token=p2.token, visibility="shared", member_status="all")
    # only the member sets its status
    assert set_status(cloud, iid, p2.id, "accepted", p1.token).status_code == 403
    assert set_status(cloud, iid, p3.id, "accepted", p2.token).status_code == 404
    assert set_status(cloud, iid, p2.id, "maybe", p2.token).status_code == 400
    r = set_status(cloud, iid, p2.id, "accepted", p2.token)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert iid in list_ids(cloud, token=p2.token)
    assert iid not in list_ids(cloud, token=p2.token, member_status="pending")
    assert cloud.request("GET", "/image/v2/images/%s/file" % iid,
                         token=p2.token).status_code == 200
    r = set_status(cloud, iid, p2.id, "rejected", p2.token)
    assert r.status_code == 200
    assert iid not in list_ids(cloud, token=p2.token)
    assert iid in list_ids(cloud, token=p2.token, member_status="rejected")
    assert show(cloud, iid, token=p2.token).status_code == 200
    # member lists: the owner sees all, a member only itself
    r = cloud.request("GET", members_path(iid), token=p1.token)
    assert r.status_code == 200 and r.json()["schema"] == "/v2/schemas/members"
    assert sorted(m["member_id"] for m in r.json()["members"]) == sorted([p2.id, p3.id])
    r = cloud.request("GET", members_path(iid), token=p2.token)
    assert [m["member_id"] for m in r.json()["members"]] == [p2.id]
    assert cloud.request("GET", members_path(iid, p3.id), token=p2.token).status_code == 404
    r = cloud.request("GET", members_path(iid, p2.id), token=p2.token)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    # members neither change the image nor its member list
    assert add_member(cloud, iid, p2.id, p2.token).status_code == 403
    assert cloud.request("DELETE", members_path(iid, p3.id), token=p2.token).status_code == 404
    assert cloud.request("DELETE", members_path(iid, p2.id), token=p2.token).status_code == 403
    assert delete(cloud, iid, token=p2.token).status_code == 403
    r = patch(cloud, iid, [{"op": "replace", "path": "/name", "value": "x"}], token=p2.token)
    assert r.status_code == 403
    # the owner removes a member: the image is gone for it
    assert cloud.request("DELETE", members_path(iid, p2.id), token=p1.token).status_code == 204
    assert cloud.request("DELETE", members_path(iid, p2.id), token=p1.token).status_code == 404
    assert show(cloud, iid, token=p2.token).status_code == 404
    # switching to private hides it from the remaining member
    assert show(cloud, iid, token=p3.token).status_code == 200
    patch(cloud, iid, [{"op": "replace", "path": "/visibility", "value": "private"}],
          token=p1.token)
    assert show(cloud, iid, token=p3.token).status_code == 404


def test_members_only_on_shared_images(cloud, projects):
    p1, p2, _ = projects
    img = create(cloud, token=p1.token, visibility="private")
    r = add_member(cloud, img["id"], p2.id, p1.token)
    assert r.status_code == 403 and "shared" in r.text


def test_public_images(cloud, projects):
    p1, p2, p3 = projects
    # only admin publicizes
    r = cloud.request("POST", "/image/v2/images", token=p1.token, json={"visibility": "public"})
    assert r.status_code == 403
    img = active_image(cloud, token=p1.token, data=b"public bytes")
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/visibility", "value": "public"}],
              token=p1.token)
    assert r.status_code == 403
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert r.status_code == 200 and r.json()["visibility"] == "public"
    for p in (p2, p3):
        assert show(cloud, img["id"], token=p.token).status_code == 200
        assert img["id"] in list_ids(cloud, token=p.token)
        assert img["id"] in list_ids(cloud, token=p.token, visibility="public")
        r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"], token=p.token)
        assert r.content == b"public bytes"
        assert delete(cloud, img["id"], token=p.token).status_code == 403
        r = patch(cloud, img["id"], [{"op": "add", "path": "/x", "value": "y"}], token=p.token)
        assert r.status_code == 403
        r = cloud.request("PUT", "/image/v2/images/%s/tags/mine" % img["id"], token=p.token)
        assert r.status_code == 403
        r = cloud.request("POST", "/image/v2/images/%s/actions/deactivate" % img["id"],
                          token=p.token)
        assert r.status_code == 403
    # the owner deactivates: others may no longer download, the owner's
    # project is not admin either
    act = "/image/v2/images/%s/actions/" % img["id"]
    assert cloud.request("POST", act + "deactivate", token=p1.token).status_code == 204
    for p in (p1, p2):
        r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"], token=p.token)
        assert r.status_code == 403
    assert cloud.request("POST", act + "reactivate", token=p1.token).status_code == 204
    assert delete(cloud, img["id"], token=p1.token).status_code == 204


def test_community_images(cloud, projects):
    p1, p2, _ = projects
    img = active_image(cloud, token=p1.token, visibility="community")
    assert img["visibility"] == "community"
    assert show(cloud, img["id"], token=p2.token).status_code == 200
    assert img["id"] not in list_ids(cloud, token=p2.token)
    assert img["id"] in list_ids(cloud, token=p2.token, visibility="community")
    assert img["id"] in list_ids(cloud, token=p1.token)  # the owner lists its own
    assert delete(cloud, img["id"], token=p2.token).status_code == 403


def test_owner_cannot_be_set_to_another_project(cloud, projects):
    p1, p2, _ = projects
    r = cloud.request("POST", "/image/v2/images", token=p1.token, json={"owner": p2.id})
    assert r.status_code == 403
    img = create(cloud, token=p1.token)
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/owner", "value": p2.id}],
              token=p1.token)
    assert r.status_code == 403
    # admin may hand an image over
    r = patch(cloud, img["id"], [{"op": "replace", "path": "/owner", "value": p2.id}])
    assert r.status_code == 200 and r.json()["owner"] == p2.id
    assert show(cloud, img["id"], token=p2.token).status_code == 200


def test_cli_sharing(cloud, projects, tmp_path, unique):
    """The openstack CLI as the owner and as the member project's user."""
    p1, p2, _ = projects
    env1 = cloud.cli_env(OS_CLOUD="", OS_AUTH_URL=cloud.url + "/identity/v3",
                         OS_USERNAME=p1.name + "-user", OS_PASSWORD=p1.password,
                         OS_PROJECT_NAME=p1.name, OS_USER_DOMAIN_NAME="Default",
                         OS_PROJECT_DOMAIN_NAME="Default", OS_IDENTITY_API_VERSION="3")
    env2 = dict(env1, OS_USERNAME=p2.name + "-user", OS_PASSWORD=p2.password,
                OS_PROJECT_NAME=p2.name)
    del env1["OS_CLIENT_CONFIG_FILE"], env2["OS_CLIENT_CONFIG_FILE"]
    f = tmp_path / "d.raw"
    f.write_bytes(os.urandom(2048))
    cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--file", str(f), "--shared", unique, env=env1)
    image_id = cloud.cli("image", "show", unique, "-f", "json", env=env1)["id"]
    cloud.cli("image", "add", "project", unique, p2.id, env=env1)
    cloud.cli("image", "set", "--accept", image_id, env=env2)
    listed = cloud.cli("image", "list", "-f", "json", env=env2)
    assert image_id in [i["ID"] for i in listed]
    members = cloud.cli("image", "member", "list", unique, "-f", "json", env=env1)
    assert [(m["Member ID"], m["Status"]) for m in members] == [(p2.id, "accepted")]
    cloud.cli("image", "remove", "project", unique, p2.id, env=env1)
    assert cloud.cli("image", "show", image_id, check=False, env=env2).returncode != 0
