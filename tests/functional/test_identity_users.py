"""Identity: users (CRUD, filters, password change and its token
revocation), groups and membership."""
import requests

V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def member_of(cloud, unique):
    p = create(cloud, "project", {"name": unique + "-p"})
    u = create(cloud, "user", {"name": unique, "password": "pw1-" + unique,
                               "default_project_id": p["id"], "email": "x@example.com"})
    role = cloud.request("GET", V3 + "/roles?name=member").json()["roles"][0]
    r = cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"],
                                                                        role["id"]))
    assert r.status_code == 204
    return p, u


def test_user_crud_and_filters(cloud, unique):
    u = create(cloud, "user", {"name": unique, "password": "secret", "description": "dd"})
    assert u["domain_id"] == "default" and u["enabled"] is True
    assert u["password_expires_at"] is None and u["description"] == "dd"
    assert "password" not in u
    r = cloud.request("GET", V3 + "/users?name=" + unique)
    assert [x["id"] for x in r.json()["users"]] == [u["id"]]
    r = cloud.request("GET", V3 + "/users?domain_id=default")
    assert u["id"] in [x["id"] for x in r.json()["users"]]
    r = cloud.request("PATCH", V3 + "/users/" + u["id"], json={"user": {"enabled": False}})
    assert r.json()["user"]["enabled"] is False
    r = cloud.request("GET", V3 + "/users?enabled=false")
    assert u["id"] in [x["id"] for x in r.json()["users"]]
    assert cloud.request("POST", V3 + "/users", json={"user": {"name": unique}}).status_code == 409
    assert cloud.request("DELETE", V3 + "/users/" + u["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/users/" + u["id"]).status_code == 404


def test_default_project_scopes_token(cloud, unique):
    p, u = member_of(cloud, unique)
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": u["id"], "password": "pw1-" + unique}}}}}
    r = requests.post(cloud.url + V3 + "/auth/tokens", json=body, timeout=10)
    assert r.status_code == 201
    assert r.json()["token"]["project"]["id"] == p["id"]
    r = cloud.request("GET", V3 + "/users/%s/projects" % u["id"])
    assert [x["id"] for x in r.json()["projects"]] == [p["id"]]


def test_password_change_revokes_tokens(cloud, unique):
    p, u = member_of(cloud, unique)
    tok, _ = cloud.token(unique, "pw1-" + unique, p["name"])
    assert cloud.request("GET", V3 + "/users/" + u["id"], token=tok).status_code == 200
    body = {"user": {"original_password": "wrong", "password": "pw2"}}
    r = requests.post(cloud.url + V3 + "/users/%s/password" % u["id"], json=body, timeout=10)
    assert r.status_code == 401
    body["user"]["original_password"] = "pw1-" + unique
    r = requests.post(cloud.url + V3 + "/users/%s/password" % u["id"], json=body, timeout=10)
    assert r.status_code == 204
    assert cloud.request("GET", V3 + "/users/" + u["id"], token=tok).status_code == 401
    tok2, _ = cloud.token(unique, "pw2", p["name"])
    assert cloud.request("GET", V3 + "/users/" + u["id"], token=tok2).status_code == 200


def test_admin_sets_password_and_disables(cloud, unique):
    p, u = member_of(cloud, unique)
    tok, _ = cloud.token(unique, "pw1-" + unique, p["name"])
    r = cloud.request("PATCH", V3 + "/users/" + u["id"], json={"user": {"password": "pw3"}})
    assert r.status_code == 200
    assert cloud.request("GET", V3 + "/auth/catalog", token=tok).status_code == 401
    tok, _ = cloud.token(unique, "pw3", p["name"])
    cloud.request("PATCH", V3 + "/users/" + u["id"], json={"user": {"enabled": False}})
    assert cloud.request("GET", V3 + "/auth/catalog", token=tok).status_code == 401
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": u["id"], "password": "pw3"}}}}}
    assert requests.post(cloud.url + V3 + "/auth/tokens", json=body,
                         timeout=10).status_code == 401


def test_groups_and_membership(cloud, unique):
    g = create(cloud, "group", {"name": unique, "description": "g"})
    u = create(cloud, "user", {"name": unique})
    base = V3 + "/groups/%s/users/%s" % (g["id"], u["id"])
    assert cloud.request("HEAD", base).status_code == 404
    assert cloud.request("PUT", base).status_code == 204
    assert cloud.request("HEAD", base).status_code == 204
    r = cloud.request("GET", V3 + "/groups/%s/users" % g["id"])
    assert [x["id"] for x in r.json()["users"]] == [u["id"]]
    r = cloud.request("GET", V3 + "/users/%s/groups" % u["id"])
    assert [x["id"] for x in r.json()["groups"]] == [g["id"]]
    r = cloud.request("GET", V3 + "/groups?name=" + unique)
    assert [x["id"] for x in r.json()["groups"]] == [g["id"]]
    r = cloud.request("PATCH", V3 + "/groups/" + g["id"], json={"group": {"description": "h"}})
    assert r.json()["group"]["description"] == "h"
    assert cloud.request("GET", V3 + "/groups/" + g["id"]).json()["group"]["name"] == unique
    assert cloud.request("DELETE", base).status_code == 204
    assert cloud.request("DELETE", base).status_code == 404
    assert cloud.request("POST", V3 + "/groups",
                         json={"group": {"name": unique}}).status_code == 409
    assert cloud.request("DELETE", V3 + "/groups/" + g["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/groups/" + g["id"]).status_code == 404


def test_group_role_gives_token_roles(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    g = create(cloud, "group", {"name": unique})
    cloud.request("PUT", V3 + "/groups/%s/users/%s" % (g["id"], u["id"]))
    reader = cloud.request("GET", V3 + "/roles?name=reader").json()["roles"][0]
    r = cloud.request("PUT", V3 + "/projects/%s/groups/%s/roles/%s" % (p["id"], g["id"],
                                                                         reader["id"]))
    assert r.status_code == 204
    _, body = cloud.token(unique, "pw", unique)
    assert [x["name"] for x in body["token"]["roles"]] == ["reader"]


def test_cli_user_and_group(cloud, unique):
    cloud.cli("user", "create", "--password", "pw", unique)
    cloud.cli("group", "create", unique)
    cloud.cli("group", "add", "user", unique, unique)
    out = cloud.cli("group", "contains", "user", unique, unique)
    assert out == "%s in group %s" % (unique, unique)
    users = cloud.cli("user", "list", "--group", unique, "-f", "json")
    assert [x["Name"] for x in users] == [unique]
    cloud.cli("user", "set", "--email", "a@b.c", unique)
    assert cloud.cli("user", "show", unique, "-f", "json")["email"] == "a@b.c"
    cloud.cli("user", "delete", unique)
    cloud.cli("group", "delete", unique)
