"""Identity: roles, implied roles, grants on projects, domains and the
system (user and group, OS-INHERIT) and GET /v3/role_assignments."""
import requests

V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def role_id(cloud, name):
    return cloud.request("GET", V3 + "/roles?name=" + name).json()["roles"][0]["id"]


def test_bootstrap_roles_and_inferences(cloud):
    names = {r["name"] for r in cloud.request("GET", V3 + "/roles").json()["roles"]}
    assert {"admin", "member", "reader", "ResellerAdmin"} <= names
    infs = cloud.request("GET", V3 + "/role_inferences").json()["role_inferences"]
    pairs = {(i["prior_role"]["name"], j["name"]) for i in infs for j in i["implies"]}
    assert ("admin", "member") in pairs and ("member", "reader") in pairs


def test_role_crud(cloud, unique):
    r = create(cloud, "role", {"name": unique, "description": "x"})
    assert r["domain_id"] is None and r["description"] == "x"
    assert cloud.request("GET", V3 + "/roles/" + r["id"]).json()["role"]["name"] == unique
    up = cloud.request("PATCH", V3 + "/roles/" + r["id"], json={"role": {"name": unique + "2"}})
    assert up.status_code == 200 and up.json()["role"]["name"] == unique + "2"
    assert cloud.request("POST", V3 + "/roles",
                         json={"role": {"name": "member"}}).status_code == 409
    d = create(cloud, "domain", {"name": unique})
    dr = create(cloud, "role", {"name": "member", "domain_id": d["id"]})
    listed = cloud.request("GET", V3 + "/roles?domain_id=" + d["id"]).json()["roles"]
    assert [x["id"] for x in listed] == [dr["id"]]
    assert cloud.request("DELETE", V3 + "/roles/" + r["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/roles/" + r["id"]).status_code == 404


def test_implied_roles(cloud, unique):
    a = create(cloud, "role", {"name": unique + "a"})
    b = create(cloud, "role", {"name": unique + "b"})
    path = V3 + "/roles/%s/implies/%s" % (a["id"], b["id"])
    assert cloud.request("HEAD", path).status_code == 404
    r = cloud.request("PUT", path)
    assert r.status_code == 201
    assert r.json()["role_inference"]["implies"]["id"] == b["id"]
    assert cloud.request("HEAD", path).status_code == 204
    assert cloud.request("GET", path).json()["role_inference"]["prior_role"]["id"] == a["id"]
    r = cloud.request("GET", V3 + "/roles/%s/implies" % a["id"])
    assert [x["id"] for x in r.json()["role_inference"]["implies"]] == [b["id"]]
    # a project grant of a gives b too
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], a["id"]))
    _, body = cloud.token(unique, "pw", unique)
    assert {x["name"] for x in body["token"]["roles"]} == {unique + "a", unique + "b"}
    assert cloud.request("DELETE", path).status_code == 204
    assert cloud.request("GET", path).status_code == 404
    admin = role_id(cloud, "admin")
    r = cloud.request("PUT", V3 + "/roles/%s/implies/%s" % (a["id"], admin))
    assert r.status_code == 403


def test_project_grants_user_and_group(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique})
    g = create(cloud, "group", {"name": unique})
    member = role_id(cloud, "member")
    for actor, aid in (("users", u["id"]), ("groups", g["id"])):
        base = V3 + "/projects/%s/%s/%s/roles" % (p["id"], actor, aid)
        assert cloud.request("HEAD", base + "/" + member).status_code == 404
        assert cloud.request("PUT", base + "/" + member).status_code == 204
        assert cloud.request("HEAD", base + "/" + member).status_code == 204
        assert [x["name"] for x in cloud.request("GET", base).json()["roles"]] == ["member"]
        assert cloud.request("DELETE", base + "/" + member).status_code == 204
        assert cloud.request("GET", base).json()["roles"] == []
    assert cloud.request("PUT", V3 + "/projects/%s/users/nope/roles/%s" %
                         (p["id"], member)).status_code == 404
    assert cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/nope" %
                         (p["id"], u["id"])).status_code == 404


def test_domain_and_system_grants_scope_tokens(cloud, unique):
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    reader = role_id(cloud, "reader")
    base = V3 + "/domains/default/users/%s/roles/%s" % (u["id"], reader)
    assert cloud.request("PUT", base).status_code == 204
    assert cloud.request("HEAD", base).status_code == 204
    r = cloud.request("GET", V3 + "/domains/default/users/%s/roles" % u["id"])
    assert [x["name"] for x in r.json()["roles"]] == ["reader"]
    ident = {"methods": ["password"], "password": {"user": {"id": u["id"], "password": "pw"}}}
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": ident, "scope": {"domain": {"id": "default"}}}})
    assert r.status_code == 201 and r.json()["token"]["domain"]["id"] == "default"
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": ident, "scope": {"system": {"all": True}}}})
    assert r.status_code == 401
    sys_path = V3 + "/system/users/%s/roles/%s" % (u["id"], reader)
    assert cloud.request("PUT", sys_path).status_code == 204
    assert cloud.request("HEAD", sys_path).status_code == 204
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": ident, "scope": {"system": {"all": True}}}})
    assert r.status_code == 201 and r.json()["token"]["system"] == {"all": True}
    tok = r.headers["X-Subject-Token"]
    r = cloud.request("GET", V3 + "/auth/system", token=tok)
    assert r.json()["system"] == [{"all": True}]
    r = cloud.request("GET", V3 + "/auth/domains", token=tok)
    assert [d["id"] for d in r.json()["domains"]] == ["default"]
    assert cloud.request("DELETE", sys_path).status_code == 204
    assert cloud.request("GET", V3 + "/system/users/%s/roles" % u["id"]).json()["roles"] == []


def test_inherited_domain_grant_reaches_projects(cloud, unique):
    d = create(cloud, "domain", {"name": unique})
    p = create(cloud, "project", {"name": unique, "domain_id": d["id"]})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    member = role_id(cloud, "member")
    path = V3 + "/OS-INHERIT/domains/%s/users/%s/roles/%s/inherited_to_projects" % (
        d["id"], u["id"], member)
    assert cloud.request("PUT", path).status_code == 204
    assert cloud.request("HEAD", path).status_code == 204
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": u["id"],
                                                                     "password": "pw"}}},
        "scope": {"project": {"id": p["id"]}}}})
    assert r.status_code == 201
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}
    ra = cloud.request("GET", V3 + "/role_assignments?user.id=%s&effective" % u["id"]).json()
    scopes = {(a["scope"].get("project", {}).get("id"), a["role"]["id"])
              for a in ra["role_assignments"]}
    assert (p["id"], member) in scopes
    assert cloud.request("DELETE", path).status_code == 204


def test_role_assignments_filters_and_names(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique})
    g = create(cloud, "group", {"name": unique})
    cloud.request("PUT", V3 + "/groups/%s/users/%s" % (g["id"], u["id"]))
    member = role_id(cloud, "member")
    cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], member))
    reader = role_id(cloud, "reader")
    cloud.request("PUT", V3 + "/projects/%s/groups/%s/roles/%s" % (p["id"], g["id"], reader))
    r = cloud.request("GET", V3 + "/role_assignments?scope.project.id=" + p["id"])
    got = {(("user" in a) and a["user"]["id"] or a["group"]["id"], a["role"]["id"])
           for a in r.json()["role_assignments"]}
    assert got == {(u["id"], member), (g["id"], reader)}
    r = cloud.request("GET", V3 + "/role_assignments?user.id=%s&include_names=True" % u["id"])
    (a,) = r.json()["role_assignments"]
    assert a["role"]["name"] == "member" and a["user"]["name"] == unique
    assert a["scope"]["project"]["name"] == unique
    assert a["scope"]["project"]["domain"]["name"] == "Default"
    r = cloud.request("GET", V3 + "/role_assignments?user.id=%s&effective" % u["id"])
    roles = {a["role"]["id"] for a in r.json()["role_assignments"]}
    assert roles == {member, reader}
    via_group = [a for a in r.json()["role_assignments"] if "membership" in a["links"]]
    assert via_group and via_group[0]["role"]["id"] == reader
    r = cloud.request("GET", V3 + "/role_assignments?role.id=" + member +
                      "&scope.project.id=" + p["id"])
    assert [a["user"]["id"] for a in r.json()["role_assignments"]] == [u["id"]]
    assert cloud.request("GET", V3 + "/role_assignments?effective&group.id=" +
                         g["id"]).status_code == 400


def test_cli_role_commands(cloud, unique):
    cloud.cli("project", "create", unique)
    cloud.cli("user", "create", unique)
    cloud.cli("role", "add", "--project", unique, "--user", unique, "reader")
    out = cloud.cli("role", "assignment", "list", "--user", unique, "--project", unique,
                    "--names", "-f", "json")
    assert [x["Role"] for x in out] == ["reader"]
    cloud.cli("role", "remove", "--project", unique, "--user", unique, "reader")
    out = cloud.cli("role", "assignment", "list", "--user", unique, "-f", "json")
    assert out == []
    cloud.cli("role", "create", unique)
    cloud.cli("implied", "role", "create", unique, "--implied-role", "reader")
    listed = cloud.cli("implied", "role", "list", "-f", "json")
    assert any(x["Prior Role Name"] == unique and x["Implied Role Name"] == "reader"
               for x in listed)
    cloud.cli("role", "delete", unique)


def test_domain_roles_count_only_through_implied_global_roles(cloud, unique):
    d = create(cloud, "domain", {"name": unique})
    drole = create(cloud, "role", {"name": unique, "domain_id": d["id"]})
    reader = role_id(cloud, "reader")
    # global -> domain-specific is refused; domain-specific -> global is fine
    assert cloud.request("PUT", V3 + "/roles/%s/implies/%s" % (reader, drole["id"])
                         ).status_code == 403
    assert cloud.request("PUT", V3 + "/roles/%s/implies/%s" % (drole["id"], reader)
                         ).status_code == 201
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], drole["id"]))
    _, body = cloud.token(unique, "pw", unique)
    assert [x["name"] for x in body["token"]["roles"]] == ["reader"]
    r = cloud.request("GET", V3 + "/role_assignments?effective&user.id=" + u["id"])
    assert [a["role"]["id"] for a in r.json()["role_assignments"]] == [reader]


def test_inherited_project_grant_reaches_subtree(cloud, unique):
    top = create(cloud, "project", {"name": unique})
    leaf = create(cloud, "project", {"name": unique + "-leaf", "parent_id": top["id"]})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    member = role_id(cloud, "member")
    path = V3 + "/OS-INHERIT/projects/%s/users/%s/roles/%s/inherited_to_projects" % (
        top["id"], u["id"], member)
    assert cloud.request("PUT", path).status_code == 204
    q = V3 + "/role_assignments?effective&user.id=%s&scope.project.id=%s" % (u["id"], leaf["id"])
    assert {a["role"]["id"] for a in cloud.request("GET", q).json()["role_assignments"]} == {
        member, role_id(cloud, "reader")}
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": u["id"],
                                                                     "password": "pw"}}},
        "scope": {"project": {"id": leaf["id"]}}}})
    assert r.status_code == 201
    # not on the project that holds the grant itself
    r = requests.post(cloud.url + V3 + "/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": u["id"],
                                                                     "password": "pw"}}},
        "scope": {"project": {"id": top["id"]}}}})
    assert r.status_code == 401
    r = cloud.request("GET", V3 + "/users/%s/projects" % u["id"])
    assert [x["id"] for x in r.json()["projects"]] == [leaf["id"]]
    assert cloud.request("DELETE", path).status_code == 204
    assert cloud.request("GET", q).json()["role_assignments"] == []
    assert cloud.request("GET", V3 + "/users/%s/projects" % u["id"]).json()["projects"] == []
