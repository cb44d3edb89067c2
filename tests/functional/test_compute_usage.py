"""os-simple-tenant-usage with the fake driver: per-project usage computed
from the servers' launched/terminated times and flavors (deleted servers
included), the period's edges, admin index vs project show, Tempest's
schemas and 2.40 paging."""
import datetime
import urllib.parse

import pytest
from tempest.lib import exceptions as tempest_exc
from tempest.lib.services.compute import base_compute_client, tenant_usages_client

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_schemas import clients  # noqa: F401

FMT = "%Y-%m-%dT%H:%M:%S.%f"


@pytest.fixture(autouse=True)
def _reset_microversion():
    yield
    base_compute_client.COMPUTE_MICROVERSION = None


def boot(fake, image, name, token=None, flavor="1"):
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": name, "imageRef": image, "flavorRef": flavor, "networks": "none"}})
    assert r.status_code == 202, r.text
    s = fake.wait_status(r.json()["server"]["id"], "ACTIVE", token=token)
    return s["id"], datetime.datetime.strptime(s["OS-SRV-USG:launched_at"],
                                               "%Y-%m-%dT%H:%M:%SZ")


def q(start, end, **kw):
    kw.update(start=start.strftime(FMT), end=end.strftime(FMT))
    return "?" + urllib.parse.urlencode(kw)


def test_usage_of_running_and_deleted_servers(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "u")
    live, launched = boot(fake, image, unique + "-live", token)
    gone, launched2 = boot(fake, image, unique + "-gone", token, flavor="2")
    fake.nova("DELETE", "/servers/" + gone, token=token)
    fake.wait_status(gone, "DELETED", token=token)
    start = launched - datetime.timedelta(hours=1)
    end = launched + datetime.timedelta(hours=2)
    r = fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (pid, q(start, end)), token=token)
    assert r.status_code == 200, r.text
    u = r.json()["tenant_usage"]
    assert u["tenant_id"] == pid
    assert u["start"] == start.strftime(FMT) and u["stop"] == end.strftime(FMT)
    by_id = {s["instance_id"]: s for s in u["server_usages"]}
    assert set(by_id) == {live, gone}
    s = by_id[live]
    # Running: charged from launch to the end of the period.
    assert s["hours"] == pytest.approx(2.0, abs=1e-6)
    assert (s["flavor"], s["vcpus"], s["memory_mb"], s["local_gb"]) == ("m1.tiny", 1, 512, 1)
    assert s["state"] == "active" and s["ended_at"] is None and s["name"] == unique + "-live"
    assert s["started_at"] == launched.strftime(FMT) and s["uptime"] >= 0
    g = by_id[gone]
    assert g["state"] == "terminated" and g["flavor"] == "m1.small"
    ended = datetime.datetime.strptime(g["ended_at"], FMT)
    started = datetime.datetime.strptime(g["started_at"], FMT)
    assert g["hours"] == pytest.approx((ended - started).total_seconds() / 3600, abs=1e-6)
    assert g["uptime"] == int((ended - started).total_seconds())
    assert u["total_hours"] == pytest.approx(s["hours"] + g["hours"])
    assert u["total_memory_mb_usage"] == pytest.approx(512 * s["hours"] + 2048 * g["hours"])
    assert u["total_vcpus_usage"] == pytest.approx(s["hours"] + g["hours"])
    assert u["total_local_gb_usage"] == pytest.approx(s["hours"] + 20 * g["hours"])
    # A period that ends before the launches, or starts after the deletion.
    early = fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (
        pid, q(launched - datetime.timedelta(days=2), launched - datetime.timedelta(days=1))),
        token=token).json()
    assert early == {"tenant_usage": {}}
    later = fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (
        pid, q(ended + datetime.timedelta(seconds=2), end)), token=token).json()
    assert [x["instance_id"] for x in later["tenant_usage"]["server_usages"]] == [live]
    # A period inside the server's life: charged for the whole period.
    mid = fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (
        pid, q(launched + datetime.timedelta(minutes=30), launched + datetime.timedelta(
            minutes=45))), token=token).json()["tenant_usage"]
    assert mid["total_hours"] == pytest.approx(0.25)
    fake.nova("DELETE", "/servers/" + live, token=token)
    fake.wait_status(live, "DELETED", token=token)


def test_index_is_admin_and_per_project(fake, image, unique):
    t1, p1, _ = make_project(fake, unique + "a")
    t2, p2, _ = make_project(fake, unique + "b")
    s1, launched = boot(fake, image, unique + "-1", t1)
    s2, _ = boot(fake, image, unique + "-2", t2)
    start = launched - datetime.timedelta(hours=1)
    end = launched + datetime.timedelta(hours=1)
    r = fake.nova("GET", "/os-simple-tenant-usage" + q(start, end))
    assert r.status_code == 200, r.text
    usages = {u["tenant_id"]: u for u in r.json()["tenant_usages"]}
    assert {p1, p2} <= set(usages)
    assert "server_usages" not in usages[p1]
    r = fake.nova("GET", "/os-simple-tenant-usage" + q(start, end, detailed=1))
    usages = {u["tenant_id"]: u for u in r.json()["tenant_usages"]}
    assert [x["instance_id"] for x in usages[p2]["server_usages"]] == [s2]
    assert fake.nova("GET", "/os-simple-tenant-usage" + q(start, end),
                     token=t1).status_code == 403
    assert fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (p2, q(start, end)),
                     token=t1).status_code == 403
    assert fake.nova("GET", "/os-simple-tenant-usage/%s%s" % (p1, q(start, end))
                     ).status_code == 200
    # An empty project id is no project (Tempest's negative test).
    assert fake.nova("GET", "/os-simple-tenant-usage/" + q(start, end)).status_code == 404
    # Bad periods.
    bad = [q(end, start), "?start=yesterday", "?start=2024-01-01T00:00:00Z",
           "?end=2024-01-01 00:00:00"]
    for query in bad:
        r = fake.nova("GET", "/os-simple-tenant-usage" + query)
        assert r.status_code == 400, (query, r.text)
    for sid, tok in ((s1, t1), (s2, t2)):
        fake.nova("DELETE", "/servers/" + sid, token=tok)
        fake.wait_status(sid, "DELETED", token=tok)


def test_tempest_schemas_and_paging(fake, image, unique):
    token, pid, _ = make_project(fake, unique + "t")
    ids = []
    for i in range(3):
        sid, launched = boot(fake, image, "%s-%d" % (unique, i), token)
        ids.append(sid)
    # Tempest's own period strings: str(datetime) of a utcnow() (which has
    # microseconds; Nova takes the space form only with them).
    start = str(launched - datetime.timedelta(days=1, microseconds=-1234))
    end = str(launched + datetime.timedelta(days=1, microseconds=1234))
    for mv in ("2.1", "2.40", "2.60"):
        base_compute_client.COMPUTE_MICROVERSION = mv
        ap = clients(fake, mv)["servers"].auth_provider
        tc = tenant_usages_client.TenantUsagesClient(ap, "compute", "RegionOne")
        listed = tc.list_tenant_usages(start=start, end=end, detailed="1")["tenant_usages"]
        assert pid in [u["tenant_id"] for u in listed]
        shown = tc.show_tenant_usage(pid, start=start, end=end)["tenant_usage"]
        assert sorted(s["instance_id"] for s in shown["server_usages"]) == sorted(ids)
        with pytest.raises(tempest_exc.BadRequest):
            tc.show_tenant_usage(pid, start=end, end=start)
    # 2.40: limit/marker over servers, with a next link on a full page.
    path = "/os-simple-tenant-usage/%s?%s" % (pid, urllib.parse.urlencode(
        {"start": start, "end": end, "limit": 2}))
    every = fake.nova("GET", path.replace("limit=2", "limit=3"), mv="2.40", token=token).json()
    order = [s["instance_id"] for s in every["tenant_usage"]["server_usages"]]
    assert sorted(order) == sorted(ids)
    page = fake.nova("GET", path, mv="2.40", token=token).json()
    got = [s["instance_id"] for s in page["tenant_usage"]["server_usages"]]
    assert got == order[:2]
    nxt = page["tenant_usage_links"][0]["href"]
    assert "marker=" + order[1] in nxt and "limit=2" in nxt
    rest = fake.nova("GET", nxt.split("/compute/v2.1", 1)[1], mv="2.40", token=token).json()
    assert [s["instance_id"] for s in rest["tenant_usage"]["server_usages"]] == order[2:]
    assert "tenant_usage_links" not in rest
    # Before 2.40 limit is not a parameter: everything comes back.
    old = fake.nova("GET", path, token=token).json()
    assert len(old["tenant_usage"]["server_usages"]) == 3
    assert fake.nova("GET", path + "&marker=nope", mv="2.40", token=token).status_code == 400
    for sid in ids:
        fake.nova("DELETE", "/servers/" + sid, token=token)
    for sid in ids:
        fake.wait_status(sid, "DELETED", token=token)


def test_openstack_usage_cli(fake, image, unique):
    sid, _ = boot(fake, image, unique)
    rows = fake.cli("usage", "list", "-f", "json")
    admin = fake.token()[1]["token"]["project"]["id"]
    mine = [r for r in rows if r.get("Project") in (admin, "admin")]
    # The CLI asks for detailed usage up to tomorrow: a running server is
    # charged to the end of the period, as in Nova.
    assert mine and sid in [s["instance_id"] for s in mine[0]["Servers"]], rows
    assert mine[0]["CPU Hours"] > 23
    shown = fake.cli("usage", "show", "-f", "json")
    assert len(shown["Servers"]) >= 1 and float(shown["CPU Hours"]) > 23, shown
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")
