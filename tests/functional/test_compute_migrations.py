"""Migration records on a one-host cloud (fake driver): a resize records
one (migrating, finished, confirmed or reverted) that os-migrations lists
(migration_type from 2.23, uuid and paging from 2.59); cold and live
migration find no other host (Nova's 400s, or from 2.34 a 202 with the
failure in the records) and evacuate is refused while this host's compute
service is up."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import migrations as m21
from tempest.lib.api_schema.response.compute.v2_23 import migrations as m223
from tempest.lib.api_schema.response.compute.v2_59 import migrations as m259

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_microversions import boot


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


def migrations_of(c, sid, mv="2.59"):
    r = c.nova("GET", "/os-migrations?instance_uuid=" + sid, mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["migrations"]


def host_of(c):
    return c.nova("GET", "/os-hypervisors").json()["hypervisors"][0]["hypervisor_hostname"]


def test_resize_records_a_migration(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    assert fake.nova("POST", act, json={"resize": {"flavorRef": "2"}}).status_code == 202
    fake.wait_status(sid, "VERIFY_RESIZE")
    [m] = migrations_of(fake, sid)
    assert m["status"] == "finished" and m["migration_type"] == "resize"
    assert m["source_compute"] == m["dest_compute"] == host_of(fake)
    assert m["old_instance_type_id"] != m["new_instance_type_id"]
    validate(m259.list_migrations, fake.nova("GET", "/os-migrations", mv="2.59"))
    validate(m223.list_migrations, fake.nova("GET", "/os-migrations", mv="2.23"))
    validate(m21.list_migrations, fake.nova("GET", "/os-migrations"))
    assert "migration_type" not in fake.nova("GET", "/os-migrations").json()["migrations"][0]
    assert fake.nova("POST", act, json={"confirmResize": None}).status_code == 204
    assert migrations_of(fake, sid)[0]["status"] == "confirmed"
    assert fake.nova("POST", act, json={"resize": {"flavorRef": "1"}}).status_code == 202
    fake.wait_status(sid, "VERIFY_RESIZE")
    assert fake.nova("POST", act, json={"revertResize": None}).status_code == 202
    fake.wait_status(sid, "ACTIVE")
    got = migrations_of(fake, sid)
    assert [m["status"] for m in got] == ["reverted", "confirmed"]
    assert migrations_of(fake, sid, mv="2.59")[0]["uuid"] != got[1]["uuid"]
    # Filters and paging (2.59).
    assert fake.nova("GET", "/os-migrations?status=reverted&instance_uuid=" + sid,
                     mv="2.59").json()["migrations"][0]["uuid"] == got[0]["uuid"]
    assert fake.nova("GET", "/os-migrations?host=nowhere").json()["migrations"] == []
    page = fake.nova("GET", "/os-migrations?limit=1&instance_uuid=" + sid, mv="2.59").json()
    assert len(page["migrations"]) == 1 and page["migrations_links"][0]["rel"] == "next"
    rest = fake.nova("GET", "/os-migrations?instance_uuid=%s&marker=%s" % (
        sid, page["migrations"][0]["uuid"]), mv="2.59").json()["migrations"]
    assert [m["status"] for m in rest] == ["confirmed"]
    assert fake.nova("GET", "/os-migrations?marker=nope", mv="2.59").status_code == 400
    # The server's own migrations are in-progress live migrations: none.
    path = "/servers/%s/migrations" % sid
    assert fake.nova("GET", path, mv="2.23").json() == {"migrations": []}
    mid = got[0]["id"]
    assert fake.nova("GET", "%s/%d" % (path, mid), mv="2.23").status_code == 404
    r = fake.nova("POST", "%s/%d/action" % (path, mid), mv="2.22",
                  json={"force_complete": None})
    assert r.status_code == 400 and "reverted" in r.json()["badRequest"]["message"]
    assert fake.nova("DELETE", "%s/%d" % (path, mid), mv="2.24").status_code == 400
    assert fake.nova("DELETE", "%s/999999" % path, mv="2.24").status_code == 404
    assert fake.nova("DELETE", "%s/%d" % (path, mid), mv="2.23").status_code == 404
    token, _, _ = make_project(fake, unique)
    assert fake.nova("GET", "/os-migrations", token=token).status_code == 403
    fake.nova("DELETE", "/servers/" + sid)


def test_cold_and_live_migration_find_no_other_host(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    host = host_of(fake)
    token, _, _ = make_project(fake, unique)
    assert fake.nova("POST", act, token=token, json={"migrate": None}).status_code in (403, 404)
    r = fake.nova("POST", act, json={"migrate": None})
    assert r.status_code == 400 and "No valid host" in r.json()["badRequest"]["message"]
    r = fake.nova("POST", act, mv="2.56", json={"migrate": {"host": host}})
    assert r.status_code == 400 and "same one" in r.json()["badRequest"]["message"]
    r = fake.nova("POST", act, mv="2.56", json={"migrate": {"host": "elsewhere"}})
    assert r.status_code == 400 and "could not be found" in r.json()["badRequest"]["message"]
    assert fake.nova("POST", act, mv="2.55", json={"migrate": {"host": host}}).status_code == 400
    [m] = migrations_of(fake, sid)
    assert m["migration_type"] == "migration" and m["status"] == "error"
    # Live: 400 before 2.34, then a 202 and the failure in the records.
    live = {"host": None, "block_migration": False, "disk_over_commit": False}
    r = fake.nova("POST", act, mv="2.24", json={"os-migrateLive": live})
    assert r.status_code == 400 and "No valid host" in r.json()["badRequest"]["message"]
    r = fake.nova("POST", act, mv="2.25", json={"os-migrateLive": live})
    assert r.status_code == 400  # disk_over_commit is gone from 2.25
    r = fake.nova("POST", act, mv="2.34", json={"os-migrateLive": {
        "host": host, "block_migration": "auto", "force": False}})
    assert r.status_code == 202, r.text
    got = migrations_of(fake, sid)
    assert [(m["migration_type"], m["status"]) for m in got][:2] == [
        ("live-migration", "error"), ("live-migration", "error")]
    actions = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()["instanceActions"]
    assert actions[0]["action"] == "live-migration" and "current host" in actions[0]["message"]
    assert fake.wait_status(sid, "ACTIVE")["status"] == "ACTIVE"
    # Stopped: live migration is a state conflict.
    fake.nova("POST", act, json={"os-stop": None})
    fake.wait_status(sid, "SHUTOFF")
    r = fake.nova("POST", act, mv="2.30", json={"os-migrateLive": {
        "host": None, "block_migration": "auto"}})
    assert r.status_code == 409, r.text
    fake.nova("DELETE", "/servers/" + sid)


def test_evacuate_while_the_compute_service_is_up(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    host = host_of(fake)
    r = fake.nova("POST", act, mv="2.29", json={"evacuate": {}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == \
        "Compute service of %s is still in use." % host
    r = fake.nova("POST", act, mv="2.13", json={"evacuate": {"onSharedStorage": False}})
    assert r.status_code == 400 and "still in use" in r.json()["badRequest"]["message"]
    assert fake.nova("POST", act, mv="2.13", json={"evacuate": {}}).status_code == 400
    assert fake.nova("POST", act, mv="2.29", json={"evacuate": {
        "host": "elsewhere"}}).status_code == 404
    r = fake.nova("POST", act, mv="2.29", json={"evacuate": {"host": host, "force": True}})
    assert r.status_code == 400 and "same one" in r.json()["badRequest"]["message"]
    token, _, _ = make_project(fake, unique)
    assert fake.nova("POST", act, token=token, json={"evacuate": {}}).status_code in (403, 404)
    assert migrations_of(fake, sid) == []
    fake.nova("DELETE", "/servers/" + sid)
