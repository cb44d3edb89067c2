"""Identity: bad input gets a clear Keystone-style 4xx and changes
nothing: malformed JSON, wrong types, missing and unknown fields, long
names, oversized bodies, unknown routes, wrong methods, bad tokens."""
import pytest
import requests

V3 = "/identity/v3"


def count(cloud, kind):
    return len(cloud.request("GET", V3 + "/" + kind).json()[kind])


def assert_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == status and err["title"] and err["message"]


BAD_BODIES = [
    ("projects", b"{not json"),
    ("projects", b""),
    ("projects", b"[]"),
    ("projects", b'{"project": "x"}'),
    ("projects", b'{"project": {"name": 5}}'),
    ("projects", b'{"project": {}}'),
    ("projects", b'{"project": {"name": "ok", "enabled": "yes"}}'),
    ("projects", b'{"project": {"name": "   "}}'),
    ("projects", b'{"project": {"name": "ok", "tags": "x"}}'),
    ("projects", b'{"project": {"name": "ok", "is_domain": true}}'),
    ("users", b'{"user": {"name": "ok", "password": 5}}'),
    ("groups", b'{"group": {"name": 7}}'),
    ("domains", b'{"domain": {"name": "ok", "enabled": "True"}}'),
    ("endpoints", b'{"endpoint": {"interface": "public", "url": "http://x", "enabled": "True"}}'),
    ("roles", b'{"role": {"description": "no name"}}'),
    ("services", b'{"service": {"name": "no type"}}'),
    ("regions", b'{"region": {"parent_region_id": "nowhere"}}'),
]


@pytest.mark.parametrize("kind,body", BAD_BODIES, ids=[b.decode() or "empty"
                                                       for _, b in BAD_BODIES])
def test_bad_bodies_are_400_and_change_nothing(cloud, kind, body):
    before = count(cloud, kind)
    r = cloud.request("POST", V3 + "/" + kind, data=body,
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400)
    assert count(cloud, kind) == before


def test_unknown_references_are_404_as_in_keystone(cloud):
    for kind, body in (("users", {"user": {"name": "ok", "default_project_id": "nope"}}),
                       ("users", {"user": {"name": "ok", "domain_id": "nope"}}),
                       ("projects", {"project": {"name": "ok", "domain_id": "nope"}}),
                       ("groups", {"group": {"name": "ok", "domain_id": "nope"}})):
        before = count(cloud, kind)
        assert_error(cloud.request("POST", V3 + "/" + kind, json=body), 404)
        assert count(cloud, kind) == before


def test_unknown_attributes(cloud, unique):
    """Keystone keeps unknown attributes of most resources and refuses them
    where its schema says so (application credentials)."""
    r = cloud.request("POST", V3 + "/projects", json={"project": {"name": unique, "x": 1}})
    assert r.status_code == 201 and r.json()["project"]["x"] == 1
    r = cloud.request("POST", V3 + "/groups", json={"group": {"name": unique, "x": 1}})
    assert r.status_code == 201
    tok = cloud.request("GET", V3 + "/auth/tokens",
                        headers={"X-Subject-Token": cloud.admin_token}).json()
    uid = tok["token"]["user"]["id"]
    r = cloud.request("POST", V3 + "/users/%s/application_credentials" % uid,
                      json={"application_credential": {"name": unique, "x": 1}})
    assert_error(r, 400)
    assert "'x' was unexpected" in r.json()["error"]["message"]


def test_names_over_255_characters(cloud):
    for kind in ("project", "user", "group", "role", "domain"):
        r = cloud.request("POST", V3 + "/%ss" % kind, json={kind: {"name": "n" * 256}})
        assert_error(r, 400)
        assert "too long" in r.json()["error"]["message"]
    # projects and domains: 64 characters, as Keystone's schema says
    for kind in ("project", "domain"):
        r = cloud.request("POST", V3 + "/%ss" % kind, json={kind: {"name": "n" * 65}})
        assert_error(r, 400)
    r = cloud.request("POST", V3 + "/projects", json={"project": {"name": "é" * 64}})
    assert r.status_code == 201
    cloud.request("DELETE", V3 + "/projects/" + r.json()["project"]["id"])
    r = cloud.request("POST", V3 + "/users", json={"user": {"name": "é" * 255}})
    assert r.status_code == 201
    cloud.request("DELETE", V3 + "/users/" + r.json()["user"]["id"])


def test_body_over_1_mib_is_413(cloud):
    before = count(cloud, "projects")
    r = cloud.request("POST", V3 + "/projects",
                      data=b'{"project": {"name": "' + b"x" * (1 << 20) + b'"}}',
                      headers={"Content-Type": "application/json"})
    assert_error(r, 413)
    assert count(cloud, "projects") == before


def test_unknown_route_and_wrong_method(cloud):
    assert_error(cloud.request("GET", V3 + "/nothing-here"), 404)
    assert_error(cloud.request("GET", V3 + "/projects/a/b/c/d"), 404)
    assert_error(cloud.request("PUT", V3 + "/projects"), 405)
    assert_error(cloud.request("POST", V3 + "/projects/x"), 405)


def test_missing_resources_are_404(cloud):
    for path in ("/projects/nope", "/users/nope", "/groups/nope", "/roles/nope",
                 "/domains/nope", "/regions/nope", "/services/nope", "/endpoints/nope"):
        r = cloud.request("GET", V3 + path)
        assert_error(r, 404)
        assert "nope" in r.json()["error"]["message"]
        assert_error(cloud.request("DELETE", V3 + path), 404)
        kind = path.split("/")[1][:-1]
        assert_error(cloud.request("PATCH", V3 + path, json={kind: {}}), 404)


BAD_AUTH = [
    {},
    {"auth": {}},
    {"auth": {"identity": {}}},
    {"auth": {"identity": {"methods": []}}},
    {"auth": {"identity": {"methods": "password"}}},
    {"auth": {"identity": {"methods": ["password"]}}},
    {"auth": {"identity": {"methods": ["password"], "password": {}}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin",
                                                                         "password": "x"}}}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": 5,
                                                                         "password": "x"}}}}},
    {"auth": {"identity": {"methods": [5]}}},
    {"auth": {"identity": {"methods": ["token"], "token": {}}}},
]


@pytest.mark.parametrize("body", BAD_AUTH, ids=[str(i) for i in range(len(BAD_AUTH))])
def test_malformed_auth_is_400(cloud, body):
    r = requests.post(cloud.url + V3 + "/auth/tokens", json=body, timeout=10)
    assert_error(r, 400)


def test_unusable_auth_is_401(cloud):
    for body in (
        {"auth": {"identity": {"methods": ["totp"], "totp": {}}}},
        {"auth": {"identity": {"methods": ["token"], "token": {"id": "garbage"}}}},
        {"auth": {"identity": {"methods": ["application_credential"],
                               "application_credential": {"id": "x", "secret": "y"}}}},
    ):
        r = requests.post(cloud.url + V3 + "/auth/tokens", json=body, timeout=10)
        assert_error(r, 401)
        assert r.headers["WWW-Authenticate"] == 'Keystone uri="%s/identity"' % cloud.url


def test_tampered_token_is_401(cloud):
    tok = cloud.admin_token
    for bad in (tok[:-2] + ("AA" if tok[-2:] != "AA" else "BB"), tok[:40], tok + "x",
                "!" * 100, tok.replace(tok[10], "_" if tok[10] != "_" else "-")):
        r = cloud.request("GET", V3 + "/auth/catalog", token=bad)
        assert_error(r, 401)


def test_unimplemented_keystone_apis_are_501(cloud):
    for method, path in (("GET", "/OS-OAUTH1/access_token"), ("GET", "/OS-TRUST/trusts"),
                         ("GET", "/limits"),
                         ("PUT", "/domains/default/config"),
                         ("POST", "/OS-OAUTH1/request_token")):
        r = cloud.request(method, V3 + path)
        assert_error(r, 501)
        r = requests.request(method, cloud.url + V3 + path, timeout=5)
        assert_error(r, 401)


def test_invalid_utf8_in_paths(cloud):
    """Percent-encoded bytes that are not UTF-8 reach messages and ids:
    a clean 4xx, never a crash (found by the fuzzer)."""
    for path in ("/projects/%B7", "/users/%FF%FE", "/roles/%C3", "/regions/%E2%82"):
        r = cloud.request("GET", V3 + path)
        assert_error(r, 404)
        assert "?" in r.json()["error"]["message"]
    assert_error(cloud.request("PUT", V3 + "/regions/%FF", json={"region": {}}), 400)
    pid = cloud.request("GET", V3 + "/projects?name=admin").json()["projects"][0]["id"]
    assert_error(cloud.request("PUT", V3 + "/projects/%s/tags/%%FF" % pid), 400)
    assert cloud.request("GET", "/healthcheck").status_code == 200
