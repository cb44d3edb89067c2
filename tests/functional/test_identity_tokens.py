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
