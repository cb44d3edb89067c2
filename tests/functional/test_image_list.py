"""GET /v2/images: every filter, sorting (sort_key/sort_dir and sort=),
limit/marker paging with the `next` link, and bad parameters. Each test
tags its images uniquely and filters on that tag, so the session's other
images do not interfere."""
import os
import uuid

import pytest

from image_util import active_image, create, list_ids, patch


@pytest.fixture
def tagged(cloud):
    tag = "t" + uuid.uuid4().hex[:10]
    imgs = {
        "a": active_image(cloud, name="alpha", tags=[tag], data=os.urandom(1000),
                          os_distro="debian", min_ram=128),
        "c": create(cloud, name="gamma", tags=[tag], disk_format="qcow2",
                    container_format="ovf", protected=True),
    }
    imgs["b"] = active_image(cloud, name="beta", tags=[tag, "extra"], data=os.urandom(5000),
                             os_distro="ubuntu", visibility="private")
    yield tag, imgs
    patch(cloud, imgs["c"]["id"], [{"op": "replace", "path": "/protected", "value": False}])


def names(cloud, **params):
    r = cloud.request("GET", "/image/v2/images", params=params)
    assert r.status_code == 200, r.text
    return [i["name"] for i in r.json()["images"]]


def test_list_shape(cloud, tagged):
    tag, _ = tagged
    r = cloud.request("GET", "/image/v2/images", params={"tag": tag})
    body = r.json()
    assert body["schema"] == "/v2/schemas/images"
    assert body["first"].startswith("/v2/images")
    assert "next" not in body
    assert len(body["images"]) == 3


@pytest.mark.parametrize("params,expected", [
    ({"name": "alpha"}, ["alpha"]),
    ({"name": "in:alpha,gamma"}, ["alpha", "gamma"]),
    ({"status": "queued"}, ["gamma"]),
    ({"status": "active"}, ["alpha", "beta"]),
    ({"visibility": "private"}, ["beta"]),
    ({"visibility": "shared"}, ["alpha", "gamma"]),
    ({"disk_format": "qcow2"}, ["gamma"]),
    ({"container_format": "bare"}, ["alpha", "beta"]),
    ({"size_min": "2000"}, ["beta"]),
    ({"size_max": "2000"}, ["alpha"]),
    ({"size_min": "500", "size_max": "6000"}, ["alpha", "beta"]),
    ({"protected": "true"}, ["gamma"]),
    ({"protected": "False"}, ["alpha", "beta"]),
    ({"os_distro": "ubuntu"}, ["beta"]),
    ({"min_ram": "128"}, ["alpha"]),
    ({"tag": "extra"}, ["beta"]),
    ({"created_at": "gt:2000-01-01T00:00:00Z"}, ["alpha", "beta", "gamma"]),
    ({"updated_at": "lt:2000-01-01T00:00:00Z"}, []),
])
def test_filters(cloud, tagged, params, expected):
    tag, _ = tagged
    params = dict(params)
    params["tag"] = [tag, params["tag"]] if "tag" in params else tag  # every tag must match
    assert sorted(names(cloud, **params)) == expected


def test_owner_and_id_filters(cloud, tagged):
    tag, imgs = tagged
    owner = imgs["a"]["owner"]
    assert len(names(cloud, tag=tag, owner=owner)) == 3
    assert names(cloud, tag=tag, owner="nobody") == []
    assert names(cloud, tag=tag, id=imgs["c"]["id"]) == ["gamma"]


def test_hidden_images(cloud, tagged):
    tag, imgs = tagged
    patch(cloud, imgs["a"]["id"], [{"op": "replace", "path": "/os_hidden", "value": True}])
    assert sorted(names(cloud, tag=tag)) == ["beta", "gamma"]
    assert names(cloud, tag=tag, os_hidden="true") == ["alpha"]


def test_sorting(cloud, tagged):
    tag, _ = tagged
    assert names(cloud, tag=tag, sort_key="name", sort_dir="asc") == ["alpha", "beta", "gamma"]
    assert names(cloud, tag=tag, sort_key="name", sort_dir="desc") == ["gamma", "beta", "alpha"]
    assert names(cloud, tag=tag, sort="name:desc") == ["gamma", "beta", "alpha"]
    # size: the queued image has none and sorts first ascending
    assert names(cloud, tag=tag, sort="size:asc,name:asc") == ["gamma", "alpha", "beta"]
    assert names(cloud, tag=tag, sort="status:asc,name:desc") == ["beta", "alpha", "gamma"]
    # default: newest first, ties broken by id (times have one-second steps)
    r = cloud.request("GET", "/image/v2/images", params={"tag": tag}).json()["images"]
    assert r == sorted(r, key=lambda i: (i["created_at"], i["id"]), reverse=True)


def test_paging(cloud, tagged):
    tag, _ = tagged
    r = cloud.request("GET", "/image/v2/images",
                      params={"tag": tag, "limit": 2, "sort": "name:asc"})
    body = r.json()
    assert [i["name"] for i in body["images"]] == ["alpha", "beta"]
    assert "marker=" in body["next"]
    r = cloud.request("GET", "/image" + body["next"])
    body = r.json()
    assert [i["name"] for i in body["images"]] == ["gamma"]
    assert "next" not in body
    # the SDK follows the links the same way
    conn = cloud.sdk()
    got = [i.name for i in conn.image.images(tag=tag, sort="name:asc", limit=1)]
    assert got == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("params", [
    {"limit": "x"}, {"limit": "-1"}, {"sort_key": "password"}, {"sort_dir": "up"},
    {"sort": "name:sideways"}, {"sort": "name", "sort_key": "size"},
    {"visibility": "everyone"}, {"member_status": "maybe"}, {"protected": "perhaps"},
    {"size_min": "big"}, {"marker": str(uuid.uuid4())}, {"created_at": "gt:yesterday"},
])
def test_bad_parameters(cloud, params):
    r = cloud.request("GET", "/image/v2/images", params=params)
    assert r.status_code == 400, r.text


def test_cli_list_filters(cloud, tagged):
    tag, _ = tagged
    out = cloud.cli("image", "list", "--tag", tag, "--status", "active", "--sort", "name:asc",
                    "-f", "json")
    assert [i["Name"] for i in out] == ["alpha", "beta"]
    out = cloud.cli("image", "list", "--tag", tag, "--private", "-f", "json")
    assert [i["Name"] for i in out] == ["beta"]
    out = cloud.cli("image", "list", "--tag", tag, "--property", "os_distro=debian",
                    "-f", "json")
    assert [i["Name"] for i in out] == ["alpha"]


def test_many_images_page_through(cloud):
    tag = "many" + uuid.uuid4().hex[:6]
    made = {create(cloud, name="m%02d" % i, tags=[tag])["id"] for i in range(30)}
    seen, marker = [], None
    while True:
        params = {"tag": tag, "limit": 7}
        if marker:
            params["marker"] = marker
        page = list_ids(cloud, **params)
        if not page:
            break
        seen += page
        marker = page[-1]
    assert len(seen) == 30 and set(seen) == made
