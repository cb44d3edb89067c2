"""Object storage fixtures: the admin's storage URL, a second project with
its own user (made through the identity API as the admin), helpers for raw
Swift requests."""
import os

import pytest


class Swift:
    def __init__(self, cloud, token, project_id):
        self.cloud = cloud
        self.token = token
        self.project_id = project_id
        self.path = "/object-store/v1/AUTH_%s" % project_id
        self.url = cloud.url + self.path

    def req(self, method, sub="", token=None, **kw):
        path = self.path + sub
        return self.cloud.request(method, path, token=self.token if token is None else token, **kw)


@pytest.fixture(scope="session")
def swift(cloud):
    token, body = cloud.token()
    return Swift(cloud, token, body["token"]["project"]["id"])


def _ok(r, *codes):
    assert r.status_code in codes, (r.status_code, r.text)
    return r


@pytest.fixture(scope="session")
def other(cloud):
    """A second project with a member user: (Swift handle, user id, project name)."""
    name = "objother" + os.urandom(3).hex()
    pw = "pw-" + os.urandom(6).hex()
    p = _ok(cloud.request("POST", "/identity/v3/projects",
                          json={"project": {"name": name, "domain_id": "default"}}), 201)
    pid = p.json()["project"]["id"]
    u = _ok(cloud.request("POST", "/identity/v3/users",
                          json={"user": {"name": name, "password": pw, "domain_id": "default",
                                         "default_project_id": pid}}), 201)
    uid = u.json()["user"]["id"]
    roles = _ok(cloud.request("GET", "/identity/v3/roles?name=member"), 200).json()["roles"]
    _ok(cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s"
                      % (pid, uid, roles[0]["id"])), 204)
    token, _ = cloud.token(name, pw, name)
    s = Swift(cloud, token, pid)
    s.user_id = uid
    s.username = name
    s.password = pw
    return s
