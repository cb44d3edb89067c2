"""Identity: Keystone's default policies as a matrix of callers (admin,
member, reader, a member of another project, no token, a bad token) and
routes, asserting 2xx / 401 / 403 for each."""
import pytest
import requests

V3 = "/identity/v3"


@pytest.fixture(scope="module")
def world(cloud):
    """Project A with a member and a reader; project B with a member."""
    tag = "pol" + __import__("os").urandom(3).hex()
    ids = {}

    def post(kind, body):
        r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
        assert r.status_code == 201, r.text
        return r.json()[kind]["id"]

    ids["pa"] = post("project", {"name": tag + "a"})
    ids["pb"] = post("project", {"name": tag + "b"})
    roles = {r["name"]: r["id"] for r in cloud.request("GET", V3 + "/roles").json()["roles"]}
    toks = {}
    for who, proj, role in (("member", "pa", "member"), ("reader", "pa", "reader"),
                            ("other", "pb", "member")):
        uid = post("user", {"name": tag + who, "password": "pw-" + who})
        ids[who] = uid
        cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (ids[proj], uid,
                                                                        roles[role]))
        toks[who] = cloud.token(tag + who, "pw-" + who, tag + proj[1])[0]
    toks["admin"] = cloud.admin_token
    admin = cloud.request("GET", V3 + "/auth/tokens",
                          headers={"X-Subject-Token": cloud.admin_token}).json()
    ids["admin"] = admin["token"]["user"]["id"]
    ids["roles"] = roles
    return ids, toks


def call(cloud, toks, who, method, path, **kw):
    headers = kw.pop("headers", {})
    if who == "none":
        pass
    elif who == "garbage":
        headers["X-Auth-Token"] = "gAAAAAgarbage"
    else:
        headers["X-Auth-Token"] = toks[who]
    return requests.request(method, cloud.url + path, headers=headers, timeout=10, **kw)


# (method, path template, allowed callers besides admin)
READS = [
    ("GET", V3 + "/users", set()),
    ("GET", V3 + "/users/{member}", {"member"}),
    ("GET", V3 + "/users/{member}/projects", {"member"}),
    ("GET", V3 + "/users/{member}/groups", {"member"}),
    ("GET", V3 + "/users/{member}/application_credentials", {"member"}),
    ("GET", V3 + "/projects", set()),
    ("GET", V3 + "/projects/{pa}", {"member", "reader"}),
    ("GET", V3 + "/projects/{pa}/tags", {"member", "reader"}),
    ("GET", V3 + "/projects/{pa}/users/{member}/roles", {"member"}),
    ("GET", V3 + "/role_assignments?user.id={member}", {"member"}),
    ("GET", V3 + "/role_assignments", set()),
    ("GET", V3 + "/domains", set()),
    ("GET", V3 + "/domains/default", {"member", "reader", "other"}),
    ("GET", V3 + "/groups", set()),
    ("GET", V3 + "/roles", set()),
    ("GET", V3 + "/role_inferences", set()),
    ("GET", V3 + "/regions", set()),
    ("GET", V3 + "/services", set()),
    ("GET", V3 + "/endpoints", set()),
    ("GET", V3 + "/auth/catalog", {"member", "reader", "other"}),
    ("GET", V3 + "/auth/projects", {"member", "reader", "other"}),
    ("GET", V3 + "/auth/domains", {"member", "reader", "other"}),
    ("GET", V3 + "/auth/system", {"member", "reader", "other"}),
]

CALLERS = ["admin", "member", "reader", "other", "none", "garbage"]


@pytest.mark.parametrize("method,template,allowed", READS,
                         ids=["%s %s" % (m, t) for m, t, _ in READS])
def test_read_matrix(cloud, world, method, template, allowed):
    ids, toks = world
    path = template.format(**ids)
    for who in CALLERS:
        r = call(cloud, toks, who, method, path)
        if who in ("none", "garbage"):
            assert r.status_code == 401, (who, r.text)
            assert r.headers["WWW-Authenticate"].startswith("Keystone uri=")
        elif who == "admin" or who in allowed:
            assert r.status_code == 200, (who, r.text)
        else:
            assert r.status_code == 403, (who, r.text)
            assert r.json()["error"]["code"] == 403


WRITES = [
    ("POST", V3 + "/projects", {"project": {"name": "x-{pa}"}}),
    ("PATCH", V3 + "/projects/{pa}", {"project": {"description": "x"}}),
    ("DELETE", V3 + "/projects/{pb}", None),
    ("POST", V3 + "/users", {"user": {"name": "x-{pa}"}}),
    ("PATCH", V3 + "/users/{member}", {"user": {"description": "x"}}),
    ("DELETE", V3 + "/users/{other}", None),
    ("POST", V3 + "/groups", {"group": {"name": "x-{pa}"}}),
    ("POST", V3 + "/roles", {"role": {"name": "x-{pa}"}}),
    ("POST", V3 + "/domains", {"domain": {"name": "x-{pa}"}}),
    ("POST", V3 + "/regions", {"region": {"id": "x-{pa}"}}),
    ("POST", V3 + "/services", {"service": {"type": "x-{pa}"}}),
    ("PUT", V3 + "/projects/{pa}/users/{member}/roles/{admin_role}", None),
    ("PUT", V3 + "/projects/{pa}/tags/x", None),
]


@pytest.mark.parametrize("method,template,body", WRITES,
                         ids=["%s %s" % (m, t) for m, t, _ in WRITES])
def test_writes_are_admin_only(cloud, world, method, template, body):
    ids, toks = world
    fmt = dict(ids, admin_role=ids["roles"]["admin"])
    path = template.format(**fmt)
    js = None
    if body is not None:
        import json
        js = json.loads(json.dumps(body).replace("{pa}", ids["pa"]))
    for who in ("none", "garbage", "member", "reader", "other"):
        r = call(cloud, toks, who, method, path, json=js)
        expect = 401 if who in ("none", "garbage") else 403
        assert r.status_code == expect, (who, r.status_code, r.text)
    # nothing changed: the member still has no admin role, pb still exists
    r = cloud.request("GET", V3 + "/projects/{}/users/{}/roles".format(ids["pa"], ids["member"]))
    assert "admin" not in [x["name"] for x in r.json()["roles"]]
    assert cloud.request("GET", V3 + "/projects/" + ids["pb"]).status_code == 200


def test_member_manages_own_app_creds_only(cloud, world):
    ids, toks = world
    base = V3 + "/users/%s/application_credentials"
    r = call(cloud, toks, "member", "POST", base % ids["member"],
             json={"application_credential": {"name": "mine"}})
    assert r.status_code == 201
    acid = r.json()["application_credential"]["id"]
    r = call(cloud, toks, "other", "GET", base % ids["member"] + "/" + acid)
    assert r.status_code == 403
    r = call(cloud, toks, "other", "POST", base % ids["member"],
             json={"application_credential": {"name": "theirs"}})
    assert r.status_code == 403
    r = call(cloud, toks, "member", "DELETE", base % ids["member"] + "/" + acid)
    assert r.status_code == 204


def test_cli_member_cannot_list_users(cloud, world):
    ids, toks = world
    env = cloud.cli_env()
    del env["OS_CLOUD"]
    del env["OS_CLIENT_CONFIG_FILE"]
    env.update(OS_AUTH_URL=cloud.url + "/identity/v3", OS_IDENTITY_API_VERSION="3",
               OS_TOKEN=toks["member"], OS_AUTH_TYPE="token",
               OS_PROJECT_ID=ids["pa"])
    p = cloud.cli("user", "list", check=False, env=env)
    assert p.returncode != 0 and "403" in p.stderr
