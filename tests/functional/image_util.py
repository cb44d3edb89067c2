"""Helpers shared by the image service's functional tests (test_image_*.py).

Raw HTTP against /image/v2 through the session's `cloud`, plus a second and
third project with their own users, made through the identity API as admin.
"""
import os
import uuid

PATCH_CT = "application/openstack-images-v2.1-json-patch"


def create(cloud, token=None, **body):
    body.setdefault("name", "img-" + uuid.uuid4().hex[:8])
    r = cloud.request("POST", "/image/v2/images", token=token, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def show(cloud, image_id, token=None):
    return cloud.request("GET", "/image/v2/images/" + image_id, token=token)


def upload(cloud, image_id, data, token=None, **kw):
    headers = {"Content-Type": "application/octet-stream"}
    headers.update(kw.pop("headers", {}))
    return cloud.request("PUT", "/image/v2/images/%s/file" % image_id, token=token,
                         data=data, headers=headers, **kw)


def patch(cloud, image_id, ops, token=None, content_type=PATCH_CT):
    return cloud.request("PATCH", "/image/v2/images/" + image_id, token=token, json=ops,
                         headers={"Content-Type": content_type})


def delete(cloud, image_id, token=None):
    return cloud.request("DELETE", "/image/v2/images/" + image_id, token=token)


def active_image(cloud, token=None, data=None, **body):
    body.setdefault("disk_format", "raw")
    body.setdefault("container_format", "bare")
    img = create(cloud, token=token, **body)
    r = upload(cloud, img["id"], data if data is not None else os.urandom(4096), token=token)
    assert r.status_code == 204, r.text
    return show(cloud, img["id"], token=token).json()


def list_ids(cloud, token=None, **params):
    # one page holds everything a session makes (the default page is 25)
    params.setdefault("limit", 1000)
    r = cloud.request("GET", "/image/v2/images", token=token, params=params)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["images"]]


class Project:
    """A project with a member user and that user's token."""

    def __init__(self, cloud, name):
        a = cloud.admin_token
        r = cloud.request("POST", "/identity/v3/projects", token=a,
                          json={"project": {"name": name, "domain_id": "default"}})
        assert r.status_code == 201, r.text
        self.id = r.json()["project"]["id"]
        self.name = name
        self.password = "pw-" + uuid.uuid4().hex[:12]
        r = cloud.request("POST", "/identity/v3/users", token=a,
                          json={"user": {"name": name + "-user", "domain_id": "default",
                                         "password": self.password,
                                         "default_project_id": self.id}})
        assert r.status_code == 201, r.text
        self.user_id = r.json()["user"]["id"]
        r = cloud.request("GET", "/identity/v3/roles", token=a, params={"name": "member"})
        assert r.status_code == 200, r.text
        role = r.json()["roles"][0]["id"]
        r = cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s"
                          % (self.id, self.user_id, role), token=a)
        assert r.status_code == 204, r.text
        self.token = cloud.token(name + "-user", self.password, name)[0]
