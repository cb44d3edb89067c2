"""Identity: application credentials (secret shown once, roles subset,
expiry, authentication with them, deletion revoking their tokens)."""
import datetime

import requests

V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def ac_auth(cloud, **method):
    body = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": method}}}
    return requests.post(cloud.url + V3 + "/auth/tokens", json=body, timeout=10)


def test_app_cred_lifecycle(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    member = cloud.request("GET", V3 + "/roles?name=member").json()["roles"][0]["id"]
    cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], member))
    tok, _ = cloud.token(unique, "pw", unique)
    base = V3 + "/users/%s/application_credentials" % u["id"]
    r = cloud.request("POST", base, token=tok, json={"application_credential": {
        "name": "ac", "roles": [{"name": "reader"}], "description": "d"}})
    assert r.status_code == 201, r.text
    ac = r.json()["application_credential"]
    assert ac["secret"] and ac["project_id"] == p["id"] and ac["unrestricted"] is False
    assert [x["name"] for x in ac["roles"]] == ["reader"]
    shown = cloud.request("GET", base + "/" + ac["id"], token=tok).json()
    assert "secret" not in shown["application_credential"]
    listed = cloud.request("GET", base, token=tok).json()["application_credentials"]
    assert [x["id"] for x in listed] == [ac["id"]]
    # authenticate by id, then by name + user
    r = ac_auth(cloud, id=ac["id"], secret=ac["secret"])
    assert r.status_code == 201, r.text
    t = r.json()["token"]
    assert t["methods"] == ["application_credential"]
    assert t["project"]["id"] == p["id"] and [x["name"] for x in t["roles"]] == ["reader"]
    assert t["application_credential"]["id"] == ac["id"]
    actok = r.headers["X-Subject-Token"]
    r = ac_auth(cloud, name="ac", user={"id": u["id"]}, secret=ac["secret"])
    assert r.status_code == 201
    assert ac_auth(cloud, id=ac["id"], secret="wrong").status_code == 401
    assert cloud.request("POST", base, token=tok, json={"application_credential": {
        "name": "ac"}}).status_code == 409
    # roles the user lacks are refused
    r = cloud.request("POST", base, token=tok, json={"application_credential": {
        "name": "ac2", "roles": [{"name": "admin"}]}})
    assert r.status_code == 404
    # deleting it revokes the tokens made from it
    assert cloud.request("DELETE", base + "/" + ac["id"], token=tok).status_code == 204
    assert cloud.request("GET", V3 + "/auth/catalog", token=actok).status_code == 401
    assert ac_auth(cloud, id=ac["id"], secret=ac["secret"]).status_code == 401
    assert cloud.request("GET", base + "/" + ac["id"], token=tok).status_code == 404


def test_app_cred_expiry_and_own_secret(cloud, unique):
    past = (datetime.datetime.utcnow() - datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    admin = cloud.request("GET", V3 + "/auth/tokens",
                          headers={"X-Subject-Token": cloud.admin_token}).json()
    uid = admin["token"]["user"]["id"]
    base = V3 + "/users/%s/application_credentials" % uid
    r = cloud.request("POST", base, json={"application_credential": {
        "name": unique, "expires_at": past}})
    assert r.status_code == 400
    future = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S.000000")
    r = cloud.request("POST", base, json={"application_credential": {
        "name": unique, "expires_at": future, "secret": "my-secret", "unrestricted": True}})
    assert r.status_code == 201
    ac = r.json()["application_credential"]
    assert ac["secret"] == "my-secret" and ac["expires_at"].startswith(future[:19])
    assert ac_auth(cloud, id=ac["id"], secret="my-secret").status_code == 201
    # admin cannot create one for somebody else
    other = create(cloud, "user", {"name": unique})
    r = cloud.request("POST", V3 + "/users/%s/application_credentials" % other["id"],
                      json={"application_credential": {"name": "x"}})
    assert r.status_code == 403


def test_cli_application_credential(cloud, unique):
    out = cloud.cli("application", "credential", "create", unique, "-f", "json")
    assert out["secret"]
    listed = cloud.cli("application", "credential", "list", "-f", "json")
    assert unique in [x["Name"] for x in listed]
    cloud.cli("application", "credential", "delete", unique)
