"""Identity: bootstrap, version discovery and tokens (issue, validate,
check, revoke), through the CLI and raw HTTP."""
import os
import stat

import requests


def test_bootstrap_writes_private_clouds_yaml(cloud):
    for name in ("clouds.yaml", "admin-openrc"):
        path = os.path.join(cloud.data_dir, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = open(os.path.join(cloud.data_dir, "clouds.yaml")).read()
    assert "auth_url: %s/identity/v3" % cloud.url in text
    assert cloud.admin_password in text


def test_cli_token_issue(cloud):
    out = cloud.cli("token", "issue", "-f", "json")
    assert out["id"] and out["project_id"] and out["user_id"]


def test_version_discovery(cloud):
    r = requests.get(cloud.url + "/identity", timeout=5)
    assert r.status_code == 300
    v = r.json()["versions"]["values"][0]
    assert v["id"] == "v3.14" and v["status"] == "stable"
    assert v["links"][0]["href"] == cloud.url + "/identity/v3/"
    r = requests.get(cloud.url + "/identity/v3", timeout=5)
    assert r.status_code == 200
    assert r.json()["version"]["media-types"][0]["type"] == \
        "application/vnd.openstack.identity-v3+json"


def test_token_body_shape(cloud):
    tok, body = cloud.token()
    t = body["token"]
    assert t["methods"] == ["password"]
    assert t["user"]["name"] == "admin" and t["user"]["domain"]["id"] == "default"
    assert t["project"]["name"] == "admin"
    assert {r["name"] for r in t["roles"]} == {"admin", "member", "reader"}
    assert t["expires_at"].endswith("Z") and t["issued_at"].endswith("Z")
    assert len(t["audit_ids"]) == 1
    types = {s["type"] for s in t["catalog"]}
    assert "identity" in types
    ident = [s for s in t["catalog"] if s["type"] == "identity"][0]
    assert {e["interface"] for e in ident["endpoints"]} == {"public", "internal", "admin"}
    assert all(e["url"] == cloud.url + "/identity" for e in ident["endpoints"])


def test_validate_check_revoke(cloud):
    tok, _ = cloud.token()
    hdr = {"X-Subject-Token": tok}
    r = cloud.request("GET", "/identity/v3/auth/tokens", headers=dict(hdr))
    assert r.status_code == 200 and r.headers["X-Subject-Token"] == tok
    assert "catalog" in r.json()["token"]
    r = cloud.request("GET", "/identity/v3/auth/tokens?nocatalog", headers=dict(hdr))
    assert "catalog" not in r.json()["token"]
    assert cloud.request("HEAD", "/identity/v3/auth/tokens", headers=dict(hdr)).status_code == 200
    assert cloud.request("DELETE", "/identity/v3/auth/tokens",
                         headers=dict(hdr)).status_code == 204
    assert cloud.request("GET", "/identity/v3/auth/tokens",
                         headers=dict(hdr)).status_code == 404
    r = cloud.request("GET", "/identity/v3/auth/catalog", token=tok)
    assert r.status_code == 401


def test_bad_tokens_are_401_with_www_authenticate(cloud):
    for tok in ("garbage", "A" * 300, "", "x" * 5000):
        r = requests.get(cloud.url + "/identity/v3/auth/catalog",
                         headers={"X-Auth-Token": tok}, timeout=5)
        assert r.status_code in (401, 431, 400), tok
        if r.status_code == 401:
            assert r.headers["WWW-Authenticate"] == 'Keystone uri="%s/identity"' % cloud.url
            assert r.json()["error"]["code"] == 401
    r = requests.get(cloud.url + "/identity/v3/auth/catalog", timeout=5)
    assert r.status_code == 401


def test_wrong_password_is_401(cloud):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": "nope"}}}}}
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", json=body, timeout=10)
    assert r.status_code == 401
    body["auth"]["identity"]["password"]["user"]["name"] = "nobody"
    r2 = requests.post(cloud.url + "/identity/v3/auth/tokens", json=body, timeout=10)
    assert r2.status_code == 401 and r2.json() == r.json()


def password_ident(user_id, password):
    return {"methods": ["password"], "password": {"user": {"id": user_id,
                                                           "password": password}}}


def new_member(cloud, unique, role="member"):
    p = cloud.request("POST", "/identity/v3/projects",
                      json={"project": {"name": unique}}).json()["project"]
    u = cloud.request("POST", "/identity/v3/users",
                      json={"user": {"name": unique, "password": "pw"}}).json()["user"]
    rid = cloud.request("GET", "/identity/v3/roles?name=" + role).json()["roles"][0]["id"]
    cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], rid))
    return p, u


def test_unscoped_then_rescope(cloud, unique):
    p, u = new_member(cloud, unique)
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", timeout=10,
                      json={"auth": {"identity": password_ident(u["id"], "pw")}})
    assert r.status_code == 201
    t = r.json()["token"]
    assert "project" not in t and "catalog" not in t and "roles" not in t
    unscoped = r.headers["X-Subject-Token"]
    r = cloud.request("GET", "/identity/v3/auth/projects", token=unscoped)
    assert [x["id"] for x in r.json()["projects"]] == [p["id"]]
    assert cloud.request("GET", "/identity/v3/auth/catalog", token=unscoped).status_code == 403
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"name": unique, "domain": {"name": "Default"}}}}})
    assert r.status_code == 201, r.text
    t2 = r.json()["token"]
    assert t2["project"]["id"] == p["id"]
    assert set(t2["methods"]) == {"token", "password"}
    assert t2["audit_ids"][1] == t["audit_ids"][0]
    assert t2["expires_at"] <= t["expires_at"]
    # revoking the rescoped token leaves the original valid
    tok2 = r.headers["X-Subject-Token"]
    assert cloud.request("DELETE", "/identity/v3/auth/tokens",
                         headers={"X-Subject-Token": tok2}).status_code == 204
    assert cloud.request("GET", "/identity/v3/auth/projects", token=unscoped).status_code == 200


def test_scope_to_project_without_role_is_401(cloud, unique):
    p, u = new_member(cloud, unique)
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", timeout=10, json={"auth": {
        "identity": password_ident(u["id"], "pw"), "scope": {"project": {"name": "admin",
                                                                          "domain": {"id": "default"}}}}})
    assert r.status_code == 401
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", timeout=10, json={"auth": {
        "identity": password_ident(u["id"], "pw"), "scope": {"project": {"id": "nope"}}}})
    assert r.status_code == 401


def test_user_sees_own_token_not_others(cloud, unique):
    p, u = new_member(cloud, unique)
    mine, _ = cloud.token(unique, "pw", unique)
    r = cloud.request("GET", "/identity/v3/auth/tokens", token=mine,
                      headers={"X-Subject-Token": mine})
    assert r.status_code == 200
    r = cloud.request("GET", "/identity/v3/auth/tokens", token=mine,
                      headers={"X-Subject-Token": cloud.admin_token})
    assert r.status_code == 403
    r = cloud.request("HEAD", "/identity/v3/auth/tokens", token=mine,
                      headers={"X-Subject-Token": "garbage"})
    assert r.status_code == 404


def test_token_of_removed_role_or_deleted_project_fails(cloud, unique):
    p, u = new_member(cloud, unique)
    tok, _ = cloud.token(unique, "pw", unique)
    assert cloud.request("GET", "/identity/v3/auth/catalog", token=tok).status_code == 200
    rid = cloud.request("GET", "/identity/v3/roles?name=member").json()["roles"][0]["id"]
    cloud.request("DELETE", "/identity/v3/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], rid))
    assert cloud.request("GET", "/identity/v3/auth/catalog", token=tok).status_code == 401
    cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], rid))
    tok, _ = cloud.token(unique, "pw", unique)
    cloud.request("DELETE", "/identity/v3/projects/" + p["id"])
    assert cloud.request("GET", "/identity/v3/auth/catalog", token=tok).status_code == 401


def test_short_token_lifetime_expires(tmp_path):
    """A daemon with [token] expiration = 1: tokens fail once expired."""
    import conftest
    import time as _time
    c = conftest.Cloud(os.environ.get("STACKD_BIN", os.path.join(conftest.ROOT, "build",
                                                                  "stackd")),
                       extra_args=("--token.expiration", "1"))
    try:
        tok, body = c.token()
        assert c.request("GET", "/identity/v3/auth/catalog", token=tok).status_code == 200
        _time.sleep(1.2)
        assert c.request("GET", "/identity/v3/auth/catalog", token=tok).status_code == 401
        r = c.request("GET", "/identity/v3/auth/tokens", token=c.token()[0],
                      headers={"X-Subject-Token": tok})
        assert r.status_code == 404
    finally:
        c.stop()


def test_restart_keeps_tokens_and_catalog(tmp_path):
    """Tokens survive a restart (the key is in the data dir); the catalog
    follows a new public URL and regains entries that went missing."""
    import conftest
    binary = os.environ.get("STACKD_BIN", os.path.join(conftest.ROOT, "build", "stackd"))
    c = conftest.Cloud(binary)
    tok, _ = c.token()
    # a catalog entry that went missing is added back on the next start
    svc = c.request("GET", "/identity/v3/services?type=identity").json()["services"][0]
    assert c.request("DELETE", "/identity/v3/services/" + svc["id"]).status_code == 204
    c.stop()
    c2 = conftest.Cloud.__new__(conftest.Cloud)
    c2.__dict__.update(c.__dict__)
    import subprocess
    c2.port = conftest.free_port()
    c2.url = "http://127.0.0.1:%d" % c2.port
    c2._log = open(c2.log_path, "a")
    c2.proc = subprocess.Popen([binary, "serve", "--data-dir", c.data_dir, "--listen",
                                "127.0.0.1:%d" % c2.port], stdout=c2._log,
                               stderr=subprocess.STDOUT)
    try:
        import time as _time
        for _ in range(100):
            try:
                if requests.get(c2.url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                _time.sleep(0.05)
        r = c2.request("GET", "/identity/v3/auth/catalog", token=tok)
        assert r.status_code == 200
        ident = [s for s in r.json()["catalog"] if s["type"] == "identity"][0]
        assert len(ident["endpoints"]) == 3
        assert ident["endpoints"][0]["url"] == c2.url + "/identity"
        assert "generated admin password" not in open(c.log_path).read()
    finally:
        c2.stop()
