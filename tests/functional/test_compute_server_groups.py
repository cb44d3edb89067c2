"""Server groups (os-server-groups) with the fake driver: CRUD as Nova shows
it per microversion (Tempest's own client validates the bodies), servers
joining a group through os:scheduler_hints, the scheduler honouring the
policy on this one-host cloud, and the two server group quotas."""
import pytest
from tempest.lib import exceptions as tempest_exc
from tempest.lib.services.compute import base_compute_client, server_groups_client

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_schemas import clients  # noqa: F401


def sg_client(cloud, mv):
    base_compute_client.COMPUTE_MICROVERSION = mv
    ap = clients(cloud, mv)["servers"].auth_provider
    return server_groups_client.ServerGroupsClient(ap, "compute", "RegionOne")


@pytest.fixture(autouse=True)
def _reset_microversion():
    yield
    base_compute_client.COMPUTE_MICROVERSION = None


def boot(fake, image, name, group=None, token=None, **extra):
    body = {"server": dict({"name": name, "imageRef": image, "flavorRef": "1",
                            "networks": "none"}, **extra)}
    if group:
        body["os:scheduler_hints"] = {"group": group}
    return fake.nova("POST", "/servers", token=token, mv="2.37", json=body)


@pytest.mark.parametrize("mv", ["2.1", "2.13", "2.15", "2.60"])
def test_crud_validates_against_tempest_schemas(fake, mv, unique):
    sc = sg_client(fake, mv)
    minor = int(mv.split(".")[1])
    policies = ["affinity", "anti-affinity"]
    if minor >= 15:
        policies += ["soft-affinity", "soft-anti-affinity"]
    made = []
    for p in policies:
        g = sc.create_server_group(name="%s-%s" % (unique, p), policies=[p])["server_group"]
        assert g["policies"] == [p] and g["members"] == [] and g["metadata"] == {}
        assert ("project_id" in g) == (minor >= 13)
        made.append(g["id"])
    listed = [g["id"] for g in sc.list_server_groups()["server_groups"]]
    assert set(made) <= set(listed)
    assert sc.show_server_group(made[0])["server_group"]["name"] == unique + "-affinity"
    for gid in made:
        sc.delete_server_group(gid)
    with pytest.raises(tempest_exc.NotFound):
        sc.show_server_group(made[0])


def test_bad_input_and_soft_policies_before_2_15(fake, unique):
    url = "/os-server-groups"
    cases = [
        ("2.1", {"name": unique, "policies": ["soft-affinity"]}, "is not one of"),
        ("2.15", {"name": unique, "policies": ["best-effort"]}, "is not one of"),
        ("2.15", {"name": unique, "policies": ["affinity", "anti-affinity"]}, "one policy"),
        ("2.15", {"name": unique, "policies": []}, "one policy"),
        ("2.15", {"name": unique}, "policies"),
        ("2.15", {"name": " lead", "policies": ["affinity"]}, "name"),
        ("2.15", {"name": "x" * 256, "policies": ["affinity"]}, "name"),
        ("2.15", {"name": unique, "policies": ["affinity"], "policy": "affinity"},
         "policy"),
    ]
    for mv, body, text in cases:
        r = fake.nova("POST", url, mv=mv, json={"server_group": body})
        assert r.status_code == 400, (body, r.text)
        assert text in r.json()["badRequest"]["message"], (body, r.text)
    assert fake.nova("GET", url + "/nope").status_code == 404
    assert fake.nova("DELETE", url + "/7c5b9d5e-0000-4000-8000-000000000000").status_code \
        == 404
    assert fake.nova("GET", url + "?limit=-1").status_code == 400


def test_groups_are_per_project_and_admin_sees_all(fake, unique):
    token, pid, uid = make_project(fake, unique + "p")
    r = fake.nova("POST", "/os-server-groups", token=token, mv="2.13",
                  json={"server_group": {"name": unique, "policies": ["affinity"]}})
    assert r.status_code == 200, r.text
    g = r.json()["server_group"]
    assert g["project_id"] == pid and g["user_id"] == uid
    admin_groups = [x["id"] for x in fake.nova("GET", "/os-server-groups").json()[
        "server_groups"]]
    assert g["id"] not in admin_groups
    every = [x["id"] for x in fake.nova("GET", "/os-server-groups?all_projects=True").json()[
        "server_groups"]]
    assert g["id"] in every
    # all_projects is an admin's: the member still sees only its own.
    mine = fake.nova("GET", "/os-server-groups?all_projects=1", token=token).json()
    assert [x["id"] for x in mine["server_groups"]] == [g["id"]]
    assert fake.nova("GET", "/os-server-groups/" + g["id"]).status_code == 200
    r = fake.nova("POST", "/os-server-groups",
                  json={"server_group": {"name": unique + "a", "policies": ["affinity"]}})
    other = r.json()["server_group"]["id"]
    assert fake.nova("GET", "/os-server-groups/" + other, token=token).status_code == 404
    assert fake.nova("DELETE", "/os-server-groups/" + other, token=token).status_code == 404
    page = fake.nova("GET", "/os-server-groups?all_projects=1&limit=1&offset=1").json()
    assert len(page["server_groups"]) == 1
    fake.nova("DELETE", "/os-server-groups/" + other)
    assert fake.nova("DELETE", "/os-server-groups/" + g["id"], token=token).status_code == 204


def test_anti_affinity_second_member_has_no_valid_host(fake, image, unique):
    r = fake.nova("POST", "/os-server-groups",
                  json={"server_group": {"name": unique, "policies": ["anti-affinity"]}})
    gid = r.json()["server_group"]["id"]
    r = boot(fake, image, unique + "-1", gid)
    assert r.status_code == 202, r.text
    first = r.json()["server"]["id"]
    fake.wait_status(first, "ACTIVE")
    r = boot(fake, image, unique + "-2", gid)
    assert r.status_code == 202, r.text
    second = r.json()["server"]["id"]
    s = fake.wait_status(second, "ERROR")
    msg = s["fault"]["message"]
    assert msg.startswith("No valid host was found.") and \
        "ServerGroupAntiAffinityFilter" in msg and gid in msg, msg
    g = fake.nova("GET", "/os-server-groups/" + gid).json()["server_group"]
    assert g["members"] == [first, second]
    # Two at once on one host cannot both be placed: all fail, as Nova.
    fake.nova("DELETE", "/servers/" + first)
    fake.nova("DELETE", "/servers/" + second)
    fake.wait_status(first, "DELETED")
    fake.wait_status(second, "DELETED")
    assert fake.nova("GET", "/os-server-groups/" + gid).json()["server_group"][
        "members"] == []
    r = boot(fake, image, unique + "-m", gid, min_count=2, max_count=2,
             return_reservation_id=True)
    rid = r.json()["reservation_id"]
    both = fake.nova("GET", "/servers/detail?reservation_id=" + rid).json()["servers"]
    assert len(both) == 2
    for s in both:
        s = fake.wait_status(s["id"], "ERROR")
        assert "ServerGroupAntiAffinityFilter" in s["fault"]["message"]
        fake.nova("DELETE", "/servers/" + s["id"])
    # Once the host is free of members, one fits again.
    for s in both:
        fake.wait_status(s["id"], "DELETED")
    r = boot(fake, image, unique + "-3", gid)
    third = r.json()["server"]["id"]
    fake.wait_status(third, "ACTIVE")
    # Deleting the group leaves its servers alone.
    assert fake.nova("DELETE", "/os-server-groups/" + gid).status_code == 204
    fake.wait_status(third, "ACTIVE")
    fake.nova("DELETE", "/servers/" + third)
    fake.wait_status(third, "DELETED")


@pytest.mark.parametrize("policy", ["affinity", "soft-affinity", "soft-anti-affinity"])
def test_other_policies_place_every_member(fake, image, unique, policy):
    r = fake.nova("POST", "/os-server-groups", mv="2.15",
                  json={"server_group": {"name": unique, "policies": [policy]}})
    assert r.status_code == 200, r.text
    gid = r.json()["server_group"]["id"]
    ids = []
    for i in range(3):
        r = boot(fake, image, "%s-%d" % (unique, i), gid)
        assert r.status_code == 202, r.text
        ids.append(r.json()["server"]["id"])
    for sid in ids:
        s = fake.wait_status(sid, "ACTIVE")
        assert s["OS-EXT-SRV-ATTR:host"]
    assert fake.nova("GET", "/os-server-groups/" + gid).json()["server_group"][
        "members"] == ids
    for sid in ids:
        fake.nova("DELETE", "/servers/" + sid)
    for sid in ids:
        fake.wait_status(sid, "DELETED")
    fake.nova("DELETE", "/os-server-groups/" + gid)


def test_hints_errors_and_quotas(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "q")
    r = boot(fake, image, unique, "not-a-uuid", token=token)
    assert r.status_code == 400 and "group" in r.json()["badRequest"]["message"]
    missing = "7c5b9d5e-0000-4000-8000-000000000000"
    r = boot(fake, image, unique, missing, token=token)
    assert r.status_code == 400
    assert "Instance group %s could not be found." % missing in r.json()["badRequest"][
        "message"]
    # Another project's group is not there for this one.
    r = fake.nova("POST", "/os-server-groups",
                  json={"server_group": {"name": unique, "policies": ["affinity"]}})
    admins = r.json()["server_group"]["id"]
    assert boot(fake, image, unique, admins, token=token).status_code == 400
    fake.nova("DELETE", "/os-server-groups/" + admins)
    fake.nova("PUT", "/os-quota-sets/" + pid, json={"quota_set": {
        "server_groups": 2, "server_group_members": 2}})
    gids = []
    for i in range(2):
        r = fake.nova("POST", "/os-server-groups", token=token,
                      json={"server_group": {"name": "g%d" % i, "policies": ["affinity"]}})
        assert r.status_code == 200, r.text
        gids.append(r.json()["server_group"]["id"])
    r = fake.nova("POST", "/os-server-groups", token=token,
                  json={"server_group": {"name": "g3", "policies": ["affinity"]}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Quota exceeded, too many server groups."
    limits = fake.nova("GET", "/limits", token=token).json()["limits"]["absolute"]
    assert limits["maxServerGroups"] == 2 and limits["totalServerGroupsUsed"] == 2
    detail = fake.nova("GET", "/os-quota-sets/%s/detail" % pid, token=token).json()
    assert detail["quota_set"]["server_groups"]["in_use"] == 2
    ids = []
    for i in range(2):
        r = boot(fake, image, "%s-%d" % (unique, i), gids[0], token=token)
        assert r.status_code == 202, r.text
        ids.append(r.json()["server"]["id"])
    r = boot(fake, image, unique + "-x", gids[0], token=token)
    assert r.status_code == 403
    assert "Quota exceeded, too many servers in group" in r.json()["forbidden"]["message"]
    assert len(fake.nova("GET", "/servers", token=token).json()["servers"]) == 2
    for sid in ids:
        fake.nova("DELETE", "/servers/" + sid, token=token)
    for sid in ids:
        fake.wait_status(sid, "DELETED", token=token)
    # Members left with their servers: room again.
    r = boot(fake, image, unique + "-y", gids[0], token=token)
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE", token=token)
    fake.nova("DELETE", "/servers/" + sid, token=token)
    fake.wait_status(sid, "DELETED", token=token)
    for gid in gids:
        assert fake.nova("DELETE", "/os-server-groups/" + gid, token=token).status_code == 204
    assert fake.nova("GET", "/limits", token=token).json()["limits"]["absolute"][
        "totalServerGroupsUsed"] == 0
