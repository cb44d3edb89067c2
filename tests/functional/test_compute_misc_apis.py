"""Nova APIs around the servers, on the fake driver: the image proxy
(/images and image metadata below 2.36, through the image service in the
same daemon), os-hosts (below 2.43), the os-hypervisors search, servers and
uptime routes, os-instance_usage_audit_log, os-server-external-events,
os-server-password and GET /servers/{id}/ips/{network}. Bodies are checked
against Tempest's schemas."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import images as images_schema

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_microversions import boot


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    if "response_body" in schema:
        jsonschema.Draft4Validator(schema["response_body"],
                                   format_checker=jsonschema.FormatChecker()).validate(r.json())


def snapshot(c, server_id, name, token=None):
    r = c.nova("POST", "/servers/%s/action" % server_id, token=token,
               json={"createImage": {"name": name, "metadata": {"k": "v"}}})
    assert r.status_code == 202, r.text
    iid = r.headers["Location"].rsplit("/", 1)[1]
    for _ in range(400):
        r = c.nova("GET", "/images/" + iid, token=token)
        if r.json()["image"]["status"] == "ACTIVE":
            return r.json()["image"]
        import time
        time.sleep(0.05)
    raise AssertionError(r.text)


def test_images_list_show_filters_and_snapshot_link(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("GET", "/images", token=token)
    validate(images_schema.list_images, r)
    assert image in [i["id"] for i in r.json()["images"]]
    r = fake.nova("GET", "/images/detail", token=token)
    validate(images_schema.list_images_details, r)
    r = fake.nova("GET", "/images/" + image, token=token)
    validate(images_schema.get_image, r)
    im = r.json()["image"]
    assert im["status"] == "ACTIVE" and im["progress"] == 100
    assert im["OS-EXT-IMG-SIZE:size"] == 1 << 20 and im["minDisk"] == 0 and "server" not in im
    assert [link["rel"] for link in im["links"]] == ["self", "bookmark", "alternate"]

    sid = boot(fake, image, unique, token=token)["id"]
    snap = snapshot(fake, sid, unique + "-snap", token=token)
    assert snap["server"]["id"] == sid and snap["metadata"]["image_type"] == "snapshot"
    assert snap["metadata"]["k"] == "v"
    # Filters: server (id or URL), type, status, name, changes-since, limit.
    for q in ("server=" + sid, "server=http://x/servers/" + sid, "type=snapshot",
              "status=ACTIVE", "name=" + unique + "-snap",
              "changes-since=" + snap["updated"]):
        ids = [i["id"] for i in fake.nova("GET", "/images?" + q, token=token).json()["images"]]
        assert snap["id"] in ids, q
    ids = [i["id"] for i in fake.nova("GET", "/images/detail?type=snapshot",
                                      token=token).json()["images"]]
    assert image not in ids
    assert fake.nova("GET", "/images?status=SAVING", token=token).json()["images"] == []
    r = fake.nova("GET", "/images?limit=1", token=token)
    validate(images_schema.list_images, r)
    assert len(r.json()["images"]) == 1 and r.json()["images_links"][0]["rel"] == "next"
    first = r.json()["images"][0]["id"]
    r = fake.nova("GET", "/images?limit=1&marker=" + first, token=token)
    assert r.status_code == 200 and r.json()["images"][0]["id"] != first
    assert fake.nova("GET", "/images?marker=nope", token=token).status_code == 400
    assert fake.nova("GET", "/images?limit=x", token=token).status_code == 400
    # From 2.36 the proxy is gone.
    assert fake.nova("GET", "/images/" + image, token=token, mv="2.36").status_code == 404

    # Delete: another project's image is 404 to it, the public one 403.
    other, _, _ = make_project(fake, unique + "o")
    assert fake.nova("DELETE", "/images/" + snap["id"], token=other).status_code == 404
    r = fake.nova("DELETE", "/images/" + image, token=other)
    assert r.status_code == 403, r.text
    r = fake.nova("DELETE", "/images/" + snap["id"], token=token)
    validate(images_schema.delete, r)
    assert fake.nova("GET", "/images/" + snap["id"], token=token).status_code == 404
    assert fake.request("GET", "/image/v2/images/" + snap["id"]).status_code == 404
    for bad in ("", "-1", "!@#$%^&*()", "a" * 37, snap["id"]):
        r = fake.nova("DELETE", "/images/" + bad, token=token)
        assert r.status_code == 404, (bad, r.text)
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_image_metadata(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.request("POST", "/image/v2/images", token=token, json={
        "name": unique, "disk_format": "raw", "container_format": "bare",
        "os_distro": "value1"})
    iid = r.json()["id"]
    path = "/images/%s/metadata" % iid
    r = fake.nova("GET", path, token=token)
    validate(images_schema.image_metadata, r)
    assert r.json()["metadata"] == {"os_distro": "value1"}
    r = fake.nova("POST", path, token=token, json={"metadata": {"a": "1", "os_distro": "v2"}})
    validate(images_schema.image_metadata, r)
    assert r.json()["metadata"] == {"a": "1", "os_distro": "v2"}
    r = fake.nova("PUT", path, token=token, json={"metadata": {"b": "2"}})
    validate(images_schema.image_metadata, r)
    assert fake.nova("GET", path, token=token).json()["metadata"] == {"b": "2"}
    # Glance sees the same properties.
    assert fake.request("GET", "/image/v2/images/" + iid, token=token).json()["b"] == "2"
    r = fake.nova("PUT", path + "/c", token=token, json={"meta": {"c": "3"}})
    validate(images_schema.image_meta_item, r)
    assert r.json() == {"meta": {"c": "3"}}
    r = fake.nova("GET", path + "/c", token=token)
    validate(images_schema.image_meta_item, r)
    assert fake.nova("PUT", path + "/c", token=token,
                     json={"meta": {"d": "3"}}).status_code == 400
    assert fake.nova("PUT", path + "/c", token=token,
                     json={"meta": {"c": "3", "d": "4"}}).status_code == 400
    assert fake.nova("POST", path, token=token, json={"metadata": {"k": 1}}).status_code == 400
    assert fake.nova("POST", path, token=token, json={"meta": {}}).status_code == 400
    r = fake.nova("DELETE", path + "/c", token=token)
    assert r.status_code == 204
    assert fake.nova("GET", path + "/c", token=token).status_code == 404
    assert fake.nova("DELETE", path + "/c", token=token).status_code == 404
    r = fake.nova("POST", path, token=token,
                  json={"metadata": {"k%d" % i: "v" for i in range(130)}})
    assert r.status_code == 403, r.text
    # Another project sees nothing; the public image's metadata is not its own.
    other, _, _ = make_project(fake, unique + "o")
    assert fake.nova("GET", path, token=other).status_code == 404
    assert fake.nova("POST", "/images/%s/metadata" % image, token=other,
                     json={"metadata": {"x": "y"}}).status_code == 403
    for m, p, body in (("GET", path, None), ("POST", path, {"metadata": {}}),
                       ("PUT", path, {"metadata": {}}), ("GET", path + "/b", None),
                       ("PUT", path + "/b", {"meta": {"b": "1"}}), ("DELETE", path + "/b", None)):
        nid = "/images/00000000-0000-4000-8000-000000000000/metadata"
        r = fake.nova(m, p.replace("/images/%s/metadata" % iid, nid), token=token, json=body)
        assert r.status_code == 404, (m, p, r.text)


def test_os_hosts_below_2_43(fake, image, unique):
    from tempest.lib.api_schema.response.compute.v2_1 import hosts as hs
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("GET", "/os-hosts")
    validate(hs.list_hosts, r)
    hosts = r.json()["hosts"]
    services = {h["service"]: h for h in hosts}
    assert set(services) == {"compute", "scheduler", "conductor"}, hosts
    name, zone = services["compute"]["host_name"], services["compute"]["zone"]
    assert services["scheduler"]["zone"] == "internal"
    assert fake.nova("GET", "/os-hosts?zone=" + zone).json()["hosts"] == [services["compute"]]
    assert len(fake.nova("GET", "/os-hosts?zone=").json()["hosts"]) == 3
    assert fake.nova("GET", "/os-hosts?zone=xxx").json()["hosts"] == []
    sid = boot(fake, image, unique, token=token)["id"]
    r = fake.nova("GET", "/os-hosts/" + name)
    validate(hs.get_host_detail, r)
    res = [x["resource"] for x in r.json()["host"]]
    assert [x["project"] for x in res[:3]] == ["(total)", "(used_now)", "(used_max)"]
    mine = [x for x in res if x["project"] == pid][0]
    assert mine["cpu"] == 1 and mine["memory_mb"] == 512 and mine["host"] == name
    assert fake.nova("GET", "/os-hosts/nonexistent").status_code == 404
    # Disabled compute services are not listed.
    svc = fake.nova("GET", "/os-services?binary=nova-compute").json()["services"][0]
    body = {"host": svc["host"], "binary": "nova-compute"}
    assert fake.nova("PUT", "/os-services/disable", json=body).status_code == 200
    assert "compute" not in [h["service"] for h in fake.nova("GET", "/os-hosts").json()["hosts"]]
    assert fake.nova("PUT", "/os-services/enable", json=body).status_code == 200
    # Updates and power actions: libvirt's 501; bad bodies 400, unknown hosts 404.
    p = "/os-hosts/" + name
    assert fake.nova("PUT", p, json={"status": "enable"}).status_code == 501
    assert fake.nova("PUT", p, json={"maintenance_mode": "disable"}).status_code == 501
    for bad in ({"status": "invalid"}, {"maintenance_mode": "invalid"},
                {"status": None, "maintenance_mode": None}, {"x": "enable"}):
        assert fake.nova("PUT", p, json=bad).status_code == 400, bad
    assert fake.nova("PUT", p, json={}).json() == {"host": name}
    assert fake.nova("PUT", "/os-hosts/nonexistent", json={"status": "enable"}).status_code == 404
    for action in ("reboot", "shutdown", "startup"):
        assert fake.nova("GET", "%s/%s" % (p, action)).status_code == 501
        assert fake.nova("GET", "/os-hosts/nonexistent/" + action).status_code == 404
        assert fake.nova("GET", "%s/%s" % (p, action), token=token).status_code == 403
    for path in ("/os-hosts", p):
        assert fake.nova("GET", path, token=token).status_code == 403
        assert fake.nova("GET", path, mv="2.43").status_code == 404
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_services_list_scheduler_and_conductor(fake):
    from tempest.lib.api_schema.response.compute.v2_11 import services as s211
    r = fake.nova("GET", "/os-services", mv="2.11")
    validate(s211.list_services, r)
    binaries = {s["binary"]: s for s in r.json()["services"]}
    assert set(binaries) == {"nova-scheduler", "nova-conductor", "nova-compute"}
    assert binaries["nova-conductor"]["zone"] == "internal"
    sched = fake.nova("GET", "/os-services?binary=nova-scheduler", mv="2.53").json()
    sid = sched["services"][0]["id"]
    r = fake.nova("PUT", "/os-services/" + sid, mv="2.53", json={"status": "disabled"})
    assert r.status_code == 400 and "Only nova-compute" in r.text


def test_hypervisor_search_servers_uptime(fake, image, unique):
    from tempest.lib.api_schema.response.compute.v2_1 import hypervisors as hv
    from tempest.lib.api_schema.response.compute.v2_53 import hypervisors as hv53
    token, pid, _ = make_project(fake, unique)
    hyp = fake.nova("GET", "/os-hypervisors").json()["hypervisors"][0]
    name = hyp["hypervisor_hostname"]
    r = fake.nova("GET", "/os-hypervisors/%s/uptime" % hyp["id"])
    validate(hv.get_hypervisor_uptime, r)
    assert " up " in r.json()["hypervisor"]["uptime"]
    assert fake.nova("GET", "/os-hypervisors/999/uptime").status_code == 404
    assert fake.nova("GET", "/os-hypervisors/%s/uptime" % hyp["id"],
                     token=token).status_code == 403
    r = fake.nova("GET", "/os-hypervisors/%s/search" % name[1:3])
    validate(hv.list_search_hypervisors, r)
    assert r.json()["hypervisors"][0]["hypervisor_hostname"] == name
    assert "servers" not in r.json()["hypervisors"][0]
    assert fake.nova("GET", "/os-hypervisors/nomatch-x/search").status_code == 404
    assert fake.nova("GET", "/os-hypervisors/nomatch-x/servers").status_code == 404
    assert fake.nova("GET", "/os-hypervisors/%s/search" % name,
                     token=token).status_code == 403
    sid = boot(fake, image, unique, token=token)["id"]
    r = fake.nova("GET", "/os-hypervisors/%s/servers" % name)
    validate(hv.get_hypervisors_servers, r)
    assert {"name": unique, "uuid": sid} in r.json()["hypervisors"][0]["servers"]
    assert fake.nova("GET", "/os-hypervisors/%s/servers" % name, mv="2.53").status_code == 404
    # 2.53: query parameters instead.
    r = fake.nova("GET", "/os-hypervisors?with_servers=true&hypervisor_hostname_pattern=" + name,
                  mv="2.53")
    validate(hv53.list_search_hypervisors, r)
    assert {"name": unique, "uuid": sid} in r.json()["hypervisors"][0]["servers"]
    r = fake.nova("GET", "/os-hypervisors/detail?with_servers=1", mv="2.53")
    validate(hv53.list_hypervisors_detail, r)
    uuid = r.json()["hypervisors"][0]["id"]
    r = fake.nova("GET", "/os-hypervisors/%s?with_servers=yes" % uuid, mv="2.53")
    validate(hv53.get_hypervisor, r)
    assert r.json()["hypervisor"]["servers"][0]["uuid"]
    for q in ("with_servers=maybe", "foo=1", "hypervisor_hostname_pattern=x&limit=1"):
        assert fake.nova("GET", "/os-hypervisors?" + q, mv="2.53").status_code == 400, q
    assert fake.nova("GET", "/os-hypervisors?hypervisor_hostname_pattern=nomatch-x",
                     mv="2.53").status_code == 404
    assert fake.nova("GET", "/os-hypervisors/1", mv="2.53").status_code == 400
    assert fake.nova("GET", "/os-hypervisors/%s/uptime" % uuid, mv="2.53").status_code == 200
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_network_quotas_until_2_36_and_classes_until_2_50(fake, unique):
    _, pid, _ = make_project(fake, unique)
    path = "/os-quota-sets/" + pid
    qs = fake.nova("GET", path).json()["quota_set"]
    assert qs["floating_ips"] == 10 and qs["fixed_ips"] == -1
    assert qs["security_groups"] == 10 and qs["security_group_rules"] == 20
    r = fake.nova("PUT", path, json={"quota_set": {
        "floating_ips": 20, "fixed_ips": 10, "security_groups": 20,
        "security_group_rules": 20, "instances": 20, "force": True}})
    assert r.status_code == 200, r.text
    assert r.json()["quota_set"]["floating_ips"] == 20
    assert fake.nova("GET", path).json()["quota_set"]["fixed_ips"] == 10
    lim = fake.nova("GET", "/limits?tenant_id=" + pid).json()["limits"]["absolute"]
    assert lim["maxTotalFloatingIps"] == 20 and lim["maxSecurityGroups"] == 20
    assert fake.nova("PUT", path, json={"quota_set": {"networks": 1}}).status_code == 400
    # From 2.36 they are gone, and refused.
    assert "floating_ips" not in fake.nova("GET", path, mv="2.36").json()["quota_set"]
    assert "floating_ips" not in fake.nova("GET", path + "/detail",
                                           mv="2.36").json()["quota_set"]
    assert fake.nova("PUT", path, mv="2.36",
                     json={"quota_set": {"floating_ips": 1}}).status_code == 400
    lim = fake.nova("GET", "/limits", mv="2.36").json()["limits"]["absolute"]
    assert "maxTotalFloatingIps" not in lim and "totalSecurityGroupsUsed" not in lim
    # Quota classes: stored and shown below 2.50.
    cls = "/os-quota-class-sets/" + unique
    r = fake.nova("PUT", cls, json={"quota_class_set": {"floating_ips": 110, "cores": 120}})
    assert r.status_code == 200 and r.json()["quota_class_set"]["floating_ips"] == 110
    assert fake.nova("GET", cls).json()["quota_class_set"]["floating_ips"] == 110
    assert "floating_ips" not in fake.nova("GET", cls, mv="2.50").json()["quota_class_set"]
    assert fake.nova("PUT", cls, mv="2.50",
                     json={"quota_class_set": {"floating_ips": 1}}).status_code == 400


def test_server_list_status_and_tenant_filters(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)["id"]
    for tok in (token, None):
        r = fake.nova("GET", "/servers?status=non_existing_status", token=tok)
        assert r.status_code == 200 and r.json() == {"servers": []}, r.text
        assert fake.nova("GET", "/servers?status=non_existing_status", token=tok,
                         mv="2.38").status_code == 400
    # tenant_id without all_tenants: the caller's own project.
    names = [s["name"] for s in fake.nova("GET", "/servers/detail?tenant_id=" + pid).json()[
        "servers"]]
    assert unique not in names
    r = fake.nova("GET", "/servers/detail?all_tenants=&tenant_id=" + pid)
    assert [s["id"] for s in r.json()["servers"]] == [sid]
    assert sid in [s["id"] for s in fake.nova("GET", "/servers?all_tenants=1").json()["servers"]]
    assert sid not in [s["id"] for s in fake.nova("GET", "/servers?all_tenants=0").json()[
        "servers"]]
    assert fake.nova("GET", "/servers?all_tenants=maybe").status_code == 400
    assert fake.nova("GET", "/servers?all_tenants=1", token=token).status_code == 403
    assert [s["id"] for s in fake.nova("GET", "/servers?tenant_id=x",
                                       token=token).json()["servers"]] == [sid]
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_ips_by_network_and_server_password(fake, image, unique):
    from tempest.lib.api_schema.response.compute.v2_1 import servers as ss
    token, pid, _ = make_project(fake, unique)
    r = fake.request("POST", "/network/v2.0/networks", token=token,
                     json={"network": {"name": unique + "-net"}})
    assert r.status_code == 201, r.text
    net = r.json()["network"]["id"]
    r = fake.request("POST", "/network/v2.0/subnets", token=token, json={"subnet": {
        "network_id": net, "cidr": "10.77.0.0/24", "ip_version": 4}})
    assert r.status_code == 201, r.text
    sid = boot(fake, image, unique, token=token, networks=[{"uuid": net}])["id"]
    r = fake.nova("GET", "/servers/%s/ips/%s-net" % (sid, unique), token=token)
    validate(ss.list_addresses_by_network, r)
    assert r.json()[unique + "-net"][0]["addr"].startswith("10.77.0.")
    assert r.json()[unique + "-net"][0]["version"] == 4
    r = fake.nova("GET", "/servers/%s/ips/nonexistent" % sid, token=token)
    assert r.status_code == 404
    assert fake.nova("GET", "/servers/00000000-0000-4000-8000-000000000000/ips/x",
                     token=token).status_code == 404
    # os-server-password: empty until a guest leaves one; DELETE clears.
    r = fake.nova("GET", "/servers/%s/os-server-password" % sid, token=token)
    validate(ss.show_password, r)
    assert r.json() == {"password": ""}
    r = fake.nova("DELETE", "/servers/%s/os-server-password" % sid, token=token)
    validate(ss.server_actions_delete_password, r)
    other, _, _ = make_project(fake, unique + "o")
    assert fake.nova("GET", "/servers/%s/os-server-password" % sid,
                     token=other).status_code == 404
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_server_external_events(fake, image, unique):
    from tempest.lib.api_schema.response.compute.v2_1 import server_external_events as se
    token, pid, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)["id"]
    r = fake.nova("POST", "/os-server-external-events", json={"events": [
        {"name": "network-changed", "server_uuid": sid}]})
    validate(se.create, r)
    assert r.json()["events"] == [{"name": "network-changed", "server_uuid": sid,
                                   "status": "completed", "code": 200}]
    missing = "00000000-0000-4000-8000-000000000000"
    r = fake.nova("POST", "/os-server-external-events", json={"events": [
        {"name": "network-vif-plugged", "server_uuid": sid, "tag": "port"},
        {"name": "network-vif-deleted", "server_uuid": missing}]})
    assert r.status_code == 207, r.text
    codes = [(e["code"], e["status"]) for e in r.json()["events"]]
    assert codes == [(200, "completed"), (404, "failed")]
    assert r.json()["events"][0]["tag"] == "port"
    # volume-extended from 2.51 only, with a tag.
    ev = {"events": [{"name": "volume-extended", "server_uuid": sid}]}
    assert fake.nova("POST", "/os-server-external-events", json=ev).status_code == 400
    r = fake.nova("POST", "/os-server-external-events", json=ev, mv="2.51")
    assert r.status_code == 207 and r.json()["events"][0]["code"] == 400
    # A shelved-offloaded server has no host: 422.
    assert fake.nova("POST", "/servers/%s/action" % sid, token=token,
                     json={"shelve": None}).status_code == 202
    fake.wait_status(sid, "SHELVED_OFFLOADED", token=token)
    r = fake.nova("POST", "/os-server-external-events", json={"events": [
        {"name": "network-changed", "server_uuid": sid}]})
    assert r.status_code == 207 and r.json()["events"][0]["code"] == 422
    for bad in ({"events": []}, {"events": [{"name": "x", "server_uuid": sid}]},
                {"events": [{"name": "network-changed", "server_uuid": "nope"}]},
                {"events": [{"name": "network-changed", "server_uuid": sid, "x": 1}]},
                {"events": [{"name": "network-changed", "server_uuid": sid,
                             "status": "done"}]}, {}):
        assert fake.nova("POST", "/os-server-external-events",
                         json=bad).status_code == 400, bad
    assert fake.nova("POST", "/os-server-external-events", token=token, json={"events": [
        {"name": "network-changed", "server_uuid": sid}]}).status_code == 403
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_instance_usage_audit_log(fake, unique):
    import datetime
    from tempest.lib.api_schema.response.compute.v2_1 import \
        instance_usage_audit_logs as ia
    r = fake.nova("GET", "/os-instance_usage_audit_log")
    validate(ia.list_instance_usage_audit_log, r)
    log = r.json()["instance_usage_audit_logs"]
    now = datetime.datetime.utcnow()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert log["period_ending"] == str(first)
    # The audit is off by default (Nova's instance_usage_audit): not run.
    assert log["num_hosts"] == 1 and log["num_hosts_not_run"] == 1 and log["log"] == {}
    assert log["overall_status"] == "0 of 1 hosts done. 0 errors."
    r = fake.nova("GET", "/os-instance_usage_audit_log/2026-03-01 00:00:00")
    validate(ia.get_instance_usage_audit_log, r)
    log = r.json()["instance_usage_audit_log"]
    assert (log["period_beginning"], log["period_ending"]) == (
        "2026-01-01 00:00:00", "2026-02-01 00:00:00")
    r = fake.nova("GET", "/os-instance_usage_audit_log/2026-03-01 00:00:00.5")
    assert r.json()["instance_usage_audit_log"]["period_ending"] == "2026-03-01 00:00:00"
    for bad in ("invalid_time", "2026-03-01", "2026-03-01 00:00:00.x"):
        assert fake.nova("GET", "/os-instance_usage_audit_log/" + bad).status_code == 400
    token, _, _ = make_project(fake, unique)
    assert fake.nova("GET", "/os-instance_usage_audit_log", token=token).status_code == 403


def test_instance_usage_audit_runs_when_enabled():
    import os
    import shutil
    import time
    from conftest import ROOT
    from conftest_compute import FakeCloud
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake",
                                      "--compute.instance_usage_audit", "true",
                                      "--compute.instance_usage_audit_period", "hour"])
    try:
        deadline = time.time() + 10
        while True:
            log = c.nova("GET", "/os-instance_usage_audit_log").json()[
                "instance_usage_audit_logs"]
            if log["num_hosts_done"] == 1:
                break
            assert time.time() < deadline, log
            time.sleep(0.2)
        assert log["overall_status"] == "ALL hosts done. 0 errors."
        assert log["hosts_not_run"] == [] and log["num_hosts_not_run"] == 0
        (host, entry), = log["log"].items()
        assert entry["state"] == "DONE" and entry["instances"] == 0
        assert entry["message"].startswith("Instance usage audit ran for host %s, 0 instances"
                                           % host)
    finally:
        c.stop()
        shutil.rmtree(c.data_dir, ignore_errors=True)


def test_x509_keypairs(fake, unique, tmp_path):
    import base64
    import hashlib
    import subprocess
    from tempest.lib.api_schema.response.compute.v2_2 import keypairs as kp22
    token, pid, uid = make_project(fake, unique)
    r = fake.nova("POST", "/os-keypairs", token=token, mv="2.2",
                  json={"keypair": {"name": unique, "type": "x509"}})
    validate(kp22.create_keypair, r)
    k = r.json()["keypair"]
    assert k["type"] == "x509" and k["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    (tmp_path / "c.pem").write_text(k["public_key"])
    text = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c.pem"), "-noout",
                           "-text"], capture_output=True, text=True, check=True).stdout
    assert "CN = %s" % uid in text or "CN=%s" % uid in text
    assert "TLS Web Client Authentication" in text
    der = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c.pem"), "-outform", "DER"],
                         capture_output=True, check=True).stdout
    sha1 = hashlib.sha1(der).hexdigest()
    assert k["fingerprint"] == ":".join(sha1[i:i + 2] for i in range(0, 40, 2))
    # The private key: a PKCS#12 bundle with an empty password.
    (tmp_path / "k.p12").write_bytes(base64.b64decode(k["private_key"]))
    subprocess.run(["openssl", "pkcs12", "-in", str(tmp_path / "k.p12"), "-passin", "pass:",
                    "-nodes", "-out", str(tmp_path / "all.pem")], check=True,
                   capture_output=True)
    assert "PRIVATE KEY" in (tmp_path / "all.pem").read_text()
    r = fake.nova("GET", "/os-keypairs/" + unique, token=token, mv="2.2")
    validate(kp22.get_keypair, r)
    assert r.json()["keypair"]["type"] == "x509"
    # Import a certificate.
    r = fake.nova("POST", "/os-keypairs", token=token, mv="2.2", json={"keypair": {
        "name": unique + "i", "type": "x509", "public_key": k["public_key"]}})
    assert r.status_code == 201 and r.json()["keypair"]["fingerprint"] == k["fingerprint"]
    assert "private_key" not in r.json()["keypair"]
    r = fake.nova("POST", "/os-keypairs", token=token, mv="2.2", json={"keypair": {
        "name": unique + "b", "type": "x509", "public_key": "not a certificate"}})
    assert r.status_code == 400, r.text


def test_delete_services_until_restart():
    import os
    import shutil
    from conftest import ROOT
    from conftest_compute import FakeCloud
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake"])
    try:
        r = c.request("POST", "/image/v2/images", json={
            "name": "t", "disk_format": "raw", "container_format": "bare"})
        img = r.json()["id"]
        c.request("PUT", "/image/v2/images/%s/file" % img, data=b"\0" * 4096,
                  headers={"Content-Type": "application/octet-stream"})
        svcs = {s["binary"]: s for s in c.nova("GET", "/os-services", mv="2.53").json()[
            "services"]}
        assert c.nova("DELETE", "/os-services/nope", mv="2.53").status_code == 400
        assert c.nova("DELETE", "/os-services/x").status_code == 400
        assert c.nova("DELETE", "/os-services/99").status_code == 404
        r = c.nova("DELETE", "/os-services/" + svcs["nova-scheduler"]["id"], mv="2.53")
        assert r.status_code == 204, r.text
        assert c.nova("DELETE", "/os-services/" + svcs["nova-scheduler"]["id"],
                      mv="2.53").status_code == 404
        binaries = [s["binary"] for s in c.nova("GET", "/os-services").json()["services"]]
        assert binaries == ["nova-conductor", "nova-compute"]
        host = svcs["nova-compute"]["host"]
        r = c.nova("POST", "/os-aggregates", json={"aggregate": {"name": "agg"}})
        agg = r.json()["aggregate"]["id"]
        c.nova("POST", "/os-aggregates/%s/action" % agg, json={"add_host": {"host": host}})
        sid = boot(c, img, "s1")["id"]
        r = c.nova("DELETE", "/os-services/1")
        assert r.status_code == 409 and "hosting instances" in r.text
        c.nova("DELETE", "/servers/" + sid)
        c.wait_status(sid, "DELETED")
        assert c.nova("DELETE", "/os-services/1").status_code == 204
        assert [s["binary"] for s in c.nova("GET", "/os-services").json()["services"]] == [
            "nova-conductor"]
        assert c.nova("GET", "/os-hypervisors").json() == {"hypervisors": []}
        assert c.nova("GET", "/os-hypervisors/statistics").json()[
            "hypervisor_statistics"]["count"] == 0
        assert c.nova("GET", "/os-hosts/" + host).status_code == 404
        assert c.nova("GET", "/os-aggregates/%s" % agg).json()["aggregate"]["hosts"] == []
        r = c.nova("POST", "/servers", mv="2.37", json={"server": {
            "name": "s2", "imageRef": img, "flavorRef": "1", "networks": "none"}})
        assert "No valid host" in c.wait_status(r.json()["server"]["id"], "ERROR")[
            "fault"]["message"]
        c.nova("DELETE", "/servers/" + r.json()["server"]["id"])
        # The services register again when the daemon starts.
        c.restart()
        binaries = [s["binary"] for s in c.nova("GET", "/os-services").json()["services"]]
        assert binaries == ["nova-scheduler", "nova-conductor", "nova-compute"]
        assert len(c.nova("GET", "/os-hypervisors").json()["hypervisors"]) == 1
    finally:
        c.stop()
        shutil.rmtree(c.data_dir, ignore_errors=True)


def test_snapshot_metadata_wins_and_min_ram_inherited(fake, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.request("POST", "/image/v2/images", token=token, json={
        "name": unique, "disk_format": "raw", "container_format": "bare", "min_ram": 256})
    img = r.json()["id"]
    fake.request("PUT", "/image/v2/images/%s/file" % img, token=token, data=b"\0" * 4096,
                 headers={"Content-Type": "application/octet-stream"})
    sid = boot(fake, img, unique, token=token)["id"]
    r = fake.nova("POST", "/servers/%s/action" % sid, token=token,
                  json={"createImage": {"name": unique + "-s",
                                        "metadata": {"image_type": "test"}}})
    iid = r.headers["Location"].rsplit("/", 1)[1]
    im = fake.nova("GET", "/images/" + iid, token=token).json()["image"]
    assert im["metadata"]["image_type"] == "test" and im["minRam"] == 256
    fake.nova("DELETE", "/servers/" + sid, token=token)


def test_disk_config(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
        "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    sid = r.json()["server"]["id"]
    assert fake.wait_status(sid, "ACTIVE", token=token)["OS-DCF:diskConfig"] == "AUTO"
    r = fake.nova("PUT", "/servers/" + sid, token=token,
                  json={"server": {"OS-DCF:diskConfig": "MANUAL"}})
    assert r.status_code == 200 and r.json()["server"]["OS-DCF:diskConfig"] == "MANUAL"
    r = fake.nova("POST", "/servers/%s/action" % sid, token=token,
                  json={"rebuild": {"imageRef": image, "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 202 and r.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    fake.wait_status(sid, "ACTIVE", token=token)
    r = fake.nova("POST", "/servers/%s/action" % sid, token=token,
                  json={"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "MANUAL"}})
    assert r.status_code == 202, r.text
    s = fake.wait_status(sid, "VERIFY_RESIZE", token=token)
    assert s["OS-DCF:diskConfig"] == "MANUAL"
    for bad in ({"server": {"OS-DCF:diskConfig": "auto"}},):
        assert fake.nova("PUT", "/servers/" + sid, token=token, json=bad).status_code == 400
    # An image that disables it refuses AUTO; its "true" is the default.
    r = fake.request("POST", "/image/v2/images", token=token, json={
        "name": unique, "disk_format": "raw", "container_format": "bare",
        "auto_disk_config": "disabled"})
    off = r.json()["id"]
    fake.request("PUT", "/image/v2/images/%s/file" % off, token=token, data=b"\0" * 4096,
                 headers={"Content-Type": "application/octet-stream"})
    r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
        "name": unique, "imageRef": off, "flavorRef": "1", "networks": "none",
        "OS-DCF:diskConfig": "AUTO"}})
    assert r.status_code == 400 and "automatic disk resize disabled" in r.text
    r = fake.request("POST", "/image/v2/images", token=token, json={
        "name": unique + "2", "disk_format": "raw", "container_format": "bare",
        "auto_disk_config": "true"})
    on = r.json()["id"]
    fake.request("PUT", "/image/v2/images/%s/file" % on, token=token, data=b"\0" * 4096,
                 headers={"Content-Type": "application/octet-stream"})
    s2 = boot(fake, on, unique + "2", token=token)
    assert fake.nova("GET", "/servers/" + s2["id"], token=token).json()["server"][
        "OS-DCF:diskConfig"] == "AUTO"
    for i in (sid, s2["id"]):
        fake.nova("DELETE", "/servers/" + i, token=token)


def test_hypervisor_with_servers_empty_list_from_2_75():
    import os
    import shutil
    from conftest import ROOT
    from conftest_compute import FakeCloud
    binary = os.environ.get("STACKD_BIN", os.path.join(ROOT, "build", "stackd"))
    c = FakeCloud(binary, extra_args=["--compute.driver", "fake"])
    try:
        h = c.nova("GET", "/os-hypervisors?with_servers=1", mv="2.74").json()["hypervisors"][0]
        assert "servers" not in h
        h = c.nova("GET", "/os-hypervisors?with_servers=1", mv="2.75").json()["hypervisors"][0]
        assert h["servers"] == []
        assert "servers" not in c.nova("GET", "/os-hypervisors", mv="2.75").json()[
            "hypervisors"][0]
    finally:
        c.stop()
        shutil.rmtree(c.data_dir, ignore_errors=True)
