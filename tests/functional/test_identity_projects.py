"""Identity: domains and projects (CRUD, filters, tags, hierarchy,
conflicts) through raw HTTP, the openstack CLI and openstacksdk."""
V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def test_project_crud_and_filters(cloud, unique):
    p = create(cloud, "project", {"name": unique, "description": "d", "tags": ["a", "b"],
                                  "color": "blue"})
    assert p["domain_id"] == "default" and p["parent_id"] == "default"
    assert p["enabled"] is True and p["is_domain"] is False
    assert p["tags"] == ["a", "b"] and p["color"] == "blue"
    assert p["links"]["self"].endswith("/identity/v3/projects/" + p["id"])
    r = cloud.request("GET", V3 + "/projects?name=" + unique)
    assert [x["id"] for x in r.json()["projects"]] == [p["id"]]
    r = cloud.request("GET", V3 + "/projects?tags=a")
    assert p["id"] in [x["id"] for x in r.json()["projects"]]
    r = cloud.request("GET", V3 + "/projects?enabled=false")
    assert p["id"] not in [x["id"] for x in r.json()["projects"]]
    r = cloud.request("PATCH", V3 + "/projects/" + p["id"],
                      json={"project": {"enabled": False, "description": "e"}})
    assert r.status_code == 200 and r.json()["project"]["enabled"] is False
    assert r.json()["project"]["description"] == "e"
    r = cloud.request("GET", V3 + "/projects?enabled=false")
    assert p["id"] in [x["id"] for x in r.json()["projects"]]
    assert cloud.request("DELETE", V3 + "/projects/" + p["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/projects/" + p["id"]).status_code == 404
    assert cloud.request("DELETE", V3 + "/projects/" + p["id"]).status_code == 404


def test_project_duplicate_name_is_409(cloud, unique):
    create(cloud, "project", {"name": unique})
    r = cloud.request("POST", V3 + "/projects", json={"project": {"name": unique}})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == 409


def test_project_hierarchy(cloud, unique):
    parent = create(cloud, "project", {"name": unique + "-p"})
    child = create(cloud, "project", {"name": unique + "-c", "parent_id": parent["id"]})
    assert child["parent_id"] == parent["id"]
    r = cloud.request("GET", V3 + "/projects?parent_id=" + parent["id"])
    assert [x["id"] for x in r.json()["projects"]] == [child["id"]]
    # a parent with children cannot be deleted
    assert cloud.request("DELETE", V3 + "/projects/" + parent["id"]).status_code == 403
    assert cloud.request("DELETE", V3 + "/projects/" + child["id"]).status_code == 204
    assert cloud.request("DELETE", V3 + "/projects/" + parent["id"]).status_code == 204


def test_project_tags_routes(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    base = V3 + "/projects/" + p["id"] + "/tags"
    assert cloud.request("PUT", base + "/one").status_code == 201
    assert cloud.request("GET", base + "/one").status_code == 204
    assert cloud.request("GET", base + "/two").status_code == 404
    r = cloud.request("PUT", base, json={"tags": ["x", "y"]})
    assert r.status_code == 200 and r.json()["tags"] == ["x", "y"]
    assert cloud.request("GET", base).json()["tags"] == ["x", "y"]
    assert cloud.request("DELETE", base + "/x").status_code == 204
    assert cloud.request("GET", base).json()["tags"] == ["y"]
    assert cloud.request("DELETE", base).status_code == 204
    assert cloud.request("GET", base).json()["tags"] == []
    assert cloud.request("PUT", base, json={"tags": ["a/b"]}).status_code == 400


def test_domain_crud(cloud, unique):
    d = create(cloud, "domain", {"name": unique, "description": "dd"})
    assert d["enabled"] is True
    r = cloud.request("GET", V3 + "/domains?name=" + unique)
    assert [x["id"] for x in r.json()["domains"]] == [d["id"]]
    p = create(cloud, "project", {"name": "in-" + unique, "domain_id": d["id"]})
    u = create(cloud, "user", {"name": "u-" + unique, "domain_id": d["id"]})
    assert p["domain_id"] == d["id"] and p["parent_id"] == d["id"]
    # enabled domains cannot be deleted
    assert cloud.request("DELETE", V3 + "/domains/" + d["id"]).status_code == 403
    r = cloud.request("PATCH", V3 + "/domains/" + d["id"], json={"domain": {"enabled": False}})
    assert r.status_code == 200 and r.json()["domain"]["enabled"] is False
    assert cloud.request("DELETE", V3 + "/domains/" + d["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/domains/" + d["id"]).status_code == 404
    assert cloud.request("GET", V3 + "/projects/" + p["id"]).status_code == 404
    assert cloud.request("GET", V3 + "/users/" + u["id"]).status_code == 404
    r = cloud.request("POST", V3 + "/domains", json={"domain": {"name": "Default"}})
    assert r.status_code == 409


def test_cli_project_lifecycle(cloud, unique):
    out = cloud.cli("project", "create", "--description", "cli", unique, "-f", "json")
    assert out["name"] == unique and out["description"] == "cli"
    shown = cloud.cli("project", "show", unique, "-f", "json")
    assert shown["id"] == out["id"]
    listed = cloud.cli("project", "list", "-f", "json")
    assert unique in [x["Name"] for x in listed]
    cloud.cli("project", "delete", unique)
    assert cloud.cli("project", "show", unique, check=False).returncode != 0


def test_sdk_projects(cloud, unique):
    conn = cloud.sdk()
    p = conn.identity.create_project(name=unique, description="sdk")
    assert conn.identity.get_project(p.id).name == unique
    assert unique in [x.name for x in conn.identity.projects()]
    conn.identity.update_project(p, description="sdk2")
    assert conn.identity.get_project(p.id).description == "sdk2"
    conn.identity.delete_project(p)
    assert conn.identity.find_project(unique) is None
