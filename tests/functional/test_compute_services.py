"""os-services PUT on the one host (fake driver): disable/enable (the
scheduler's ComputeFilter then refuses the host), a disabled reason, forced
down (2.11) which also lets evacuate through to a scheduler that finds no
other host; the 2.53 form by service uuid."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_11 import services as s211
from tempest.lib.api_schema.response.compute.v2_53 import services as s253

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_microversions import boot


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


def the_service(c, mv="2.11"):
    return c.nova("GET", "/os-services?binary=nova-compute", mv=mv).json()["services"][0]


def test_disable_enable_and_force_down_before_2_53(fake, image, unique):
    host = the_service(fake)["host"]
    body = {"host": host, "binary": "nova-compute"}
    r = fake.nova("PUT", "/os-services/disable-log-reason", mv="2.11",
                  json=dict(body, disabled_reason="maintenance"))
    validate(s211.disable_log_reason, r)
    assert r.json()["service"]["status"] == "disabled"
    svc = the_service(fake)
    assert svc["status"] == "disabled" and svc["disabled_reason"] == "maintenance"
    hyp = fake.nova("GET", "/os-hypervisors/detail").json()["hypervisors"][0]
    assert hyp["status"] == "disabled" and hyp["service"]["disabled_reason"] == "maintenance"
    # The scheduler skips a disabled host.
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 202
    s = fake.wait_status(r.json()["server"]["id"], "ERROR")
    assert "No valid host" in s["fault"]["message"]
    fake.nova("DELETE", "/servers/" + s["id"])
    r = fake.nova("PUT", "/os-services/enable", mv="2.11", json=body)
    validate(s211.enable_disable_service, r)
    assert the_service(fake)["status"] == "enabled"
    assert the_service(fake)["disabled_reason"] is None
    r = fake.nova("PUT", "/os-services/force-down", mv="2.11", json=dict(body, forced_down=True))
    validate(s211.update_forced_down, r)
    svc = the_service(fake)
    assert svc["forced_down"] is True and svc["state"] == "down"
    r = fake.nova("PUT", "/os-services/force-down", mv="2.11", json=dict(body, forced_down=False))
    assert r.status_code == 200 and the_service(fake)["state"] == "up"
    assert fake.nova("PUT", "/os-services/force-down", mv="2.10",
                     json=dict(body, forced_down=True)).status_code == 404
    assert fake.nova("PUT", "/os-services/disable", mv="2.11",
                     json={"host": "nowhere", "binary": "nova-compute"}).status_code == 404
    # Only nova-compute services can be updated (Nova's 400, the binary
    # checked before the host), here at 2.1 and 2.11 as well.
    for binary in ("nova-scheduler", "nova-conductor", "nova-api"):
        for mv in ("2.1", "2.11"):
            r = fake.nova("PUT", "/os-services/disable", mv=mv,
                          json={"host": "nowhere", "binary": binary})
            assert r.status_code == 400, r.text
            assert "Only nova-compute services can be updated" in r.text
    token, _, _ = make_project(fake, unique)
    assert fake.nova("PUT", "/os-services/disable", token=token, json=body).status_code == 403


def test_update_by_uuid_from_2_53_and_evacuate_when_forced_down(fake, image, unique):
    svc = the_service(fake, mv="2.53")
    path = "/os-services/" + svc["id"]
    r = fake.nova("PUT", path, mv="2.53", json={"status": "disabled",
                                                "disabled_reason": "upgrade"})
    validate(s253.update_service, r)
    assert r.json()["service"]["status"] == "disabled"
    assert r.json()["service"]["disabled_reason"] == "upgrade"
    assert fake.nova("PUT", path, mv="2.53", json={}).status_code == 400
    assert fake.nova("PUT", path, mv="2.53", json={"status": "enabled",
                                                   "disabled_reason": "x"}).status_code == 400
    assert fake.nova("PUT", path, mv="2.53", json={"status": "off"}).status_code == 400
    assert fake.nova("PUT", "/os-services/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                     mv="2.53", json={"status": "enabled"}).status_code == 404
    r = fake.nova("PUT", path, mv="2.53", json={"status": "enabled"})
    assert r.status_code == 200 and r.json()["service"]["disabled_reason"] is None
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    assert fake.nova("POST", act, mv="2.29", json={"evacuate": {}}).status_code == 400
    r = fake.nova("PUT", path, mv="2.53", json={"forced_down": True})
    assert r.status_code == 200 and r.json()["service"]["state"] == "down"
    r = fake.nova("POST", act, mv="2.29", json={"evacuate": {}})
    assert r.status_code == 200 and r.text == "", r.text
    r = fake.nova("POST", act, mv="2.13", json={"evacuate": {"onSharedStorage": False,
                                                            "adminPass": "given"}})
    assert r.status_code == 200 and r.json() == {"adminPass": "given"}
    migs = fake.nova("GET", "/os-migrations?instance_uuid=" + sid, mv="2.23").json()[
        "migrations"]
    assert [(m["migration_type"], m["status"]) for m in migs] == [
        ("evacuation", "error"), ("evacuation", "error")]
    assert fake.nova("GET", "/servers/" + sid).json()["server"]["status"] == "ACTIVE"
    r = fake.nova("PUT", path, mv="2.53", json={"forced_down": False})
    assert r.status_code == 200 and r.json()["service"]["state"] == "up"
    fake.nova("DELETE", "/servers/" + sid)
