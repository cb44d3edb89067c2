"""Host aggregates (os-aggregates) with the fake driver: CRUD, hosts and
metadata as Nova shows them (Tempest's client validates each body), and an
aggregate's availability zone becoming the host's zone in
os-availability-zone, os-services and the scheduler's zone check."""
import pytest
from tempest.lib import exceptions as tempest_exc
from tempest.lib.services.compute import (aggregates_client, availability_zone_client,
                                          base_compute_client)

from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_schemas import clients  # noqa: F401


@pytest.fixture(autouse=True)
def _reset_microversion():
    yield
    base_compute_client.COMPUTE_MICROVERSION = None


def tempest(cloud, mv, cls_mod, cls):
    base_compute_client.COMPUTE_MICROVERSION = mv
    ap = clients(cloud, mv)["servers"].auth_provider
    return getattr(cls_mod, cls)(ap, "compute", "RegionOne")


def host_name(fake):
    return fake.nova("GET", "/os-services").json()["services"][0]["host"]


def zones(fake):
    return [z["zoneName"] for z in fake.nova("GET", "/os-availability-zone").json()[
        "availabilityZoneInfo"]]


@pytest.mark.parametrize("mv", ["2.1", "2.41", "2.60"])
def test_crud_hosts_metadata_validate_against_tempest(fake, mv, unique):
    ac = tempest(fake, mv, aggregates_client, "AggregatesClient")
    host = host_name(fake)
    a = ac.create_aggregate(name=unique)["aggregate"]
    assert a["availability_zone"] is None and a["deleted"] is False
    assert ("uuid" in a) == (mv != "2.1")
    aid = a["id"]
    shown = ac.show_aggregate(aid)["aggregate"]
    assert shown["hosts"] == [] and shown["metadata"] == {}
    assert aid in [x["id"] for x in ac.list_aggregates()["aggregates"]]
    u = ac.update_aggregate(aid, name=unique + "-r")["aggregate"]
    assert u["name"] == unique + "-r" and u["updated_at"]
    m = ac.set_metadata(aid, metadata={"ssd": "true", "gpu": "no"})["aggregate"]
    assert m["metadata"] == {"ssd": "true", "gpu": "no"}
    m = ac.set_metadata(aid, metadata={"gpu": None})["aggregate"]
    assert m["metadata"] == {"ssd": "true"}
    h = ac.add_host(aid, host=host)["aggregate"]
    assert h["hosts"] == [host]
    with pytest.raises(tempest_exc.Conflict):
        ac.add_host(aid, host=host)
    with pytest.raises(tempest_exc.BadRequest):
        ac.delete_aggregate(aid)
    h = ac.remove_host(aid, host=host)["aggregate"]
    assert h["hosts"] == []
    ac.delete_aggregate(aid)
    with pytest.raises(tempest_exc.NotFound):
        ac.show_aggregate(aid)


def test_bad_input_and_policy(fake, unique):
    r = fake.nova("POST", "/os-aggregates", json={"aggregate": {"name": unique}})
    assert r.status_code == 200, r.text
    aid = r.json()["aggregate"]["id"]
    url = "/os-aggregates/%d" % aid
    # Surrounding white space is dropped (Nova's normalize_name), so this is a duplicate.
    r = fake.nova("POST", "/os-aggregates", json={"aggregate": {"name": " %s " % unique}})
    assert r.status_code == 409 and "already exists" in r.text
    for body in ({"aggregate": {"name": "   "}}, {"aggregate": {}},
                 {"aggregate": {"name": "x", "availability_zone": "a:b"}},
                 {"aggregate": {"name": "x", "color": "red"}},
                 {"aggregate": {"name": "x" * 256}}):
        r = fake.nova("POST", "/os-aggregates", json=body)
        assert r.status_code == 400, (body, r.text)
    assert fake.nova("PUT", url, json={"aggregate": {}}).status_code == 400
    assert fake.nova("GET", "/os-aggregates/abc").status_code == 400
    assert fake.nova("GET", "/os-aggregates/999999").status_code == 404
    r = fake.nova("POST", url + "/action", json={"add_host": {"host": "elsewhere"}})
    assert r.status_code == 404 and "Compute host elsewhere could not be found." in r.text
    r = fake.nova("POST", url + "/action", json={"remove_host": {"host": "elsewhere"}})
    assert r.status_code == 404
    r = fake.nova("POST", url + "/action", json={"set_metadata": {"metadata": {"k": 1}}})
    assert r.status_code == 400
    r = fake.nova("POST", url + "/action", json={"explode": {}})
    assert r.status_code == 400
    token, _, _ = make_project(fake, unique + "p")
    assert fake.nova("GET", "/os-aggregates", token=token).status_code == 403
    assert fake.nova("POST", "/os-aggregates", token=token,
                     json={"aggregate": {"name": unique + "m"}}).status_code == 403
    assert fake.nova("DELETE", url).status_code == 200
    assert fake.nova("DELETE", url).status_code == 404


def test_aggregate_zone_is_the_hosts_zone(fake, image, unique):
    host = host_name(fake)
    assert zones(fake) == ["nova"]
    azc = tempest(fake, "2.1", availability_zone_client, "AvailabilityZoneClient")
    r = fake.nova("POST", "/os-aggregates",
                  json={"aggregate": {"name": unique, "availability_zone": "az-" + unique}})
    a = r.json()["aggregate"]
    assert a["availability_zone"] == "az-" + unique
    # An aggregate without hosts gives no host a zone.
    assert zones(fake) == ["nova"]
    r = fake.nova("POST", "/os-aggregates/%d/action" % a["id"],
                  json={"add_host": {"host": host}})
    assert r.status_code == 200, r.text
    assert r.json()["aggregate"]["metadata"] == {"availability_zone": "az-" + unique}
    assert zones(fake) == ["az-" + unique]
    detail = azc.list_availability_zones(detail=True)["availabilityZoneInfo"]
    assert detail[0]["zoneName"] == "az-" + unique and host in detail[0]["hosts"]
    assert fake.nova("GET", "/os-services?binary=nova-compute").json()["services"][0][
        "zone"] == "az-" + unique
    # The old zone is gone for the scheduler; the new one places servers.
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
        "availability_zone": "nova"}})
    assert r.status_code == 400 and "availability zone" in r.text
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
        "availability_zone": "az-" + unique}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    s = fake.wait_status(sid, "ACTIVE")
    assert s["OS-EXT-AZ:availability_zone"] == "az-" + unique
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique + "-any", "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid2 = r.json()["server"]["id"]
    assert fake.wait_status(sid2, "ACTIVE")["OS-EXT-AZ:availability_zone"] == "az-" + unique
    # Moving a host that runs servers to another zone is refused, as the
    # empty zone name is.
    r = fake.nova("PUT", "/os-aggregates/%d" % a["id"],
                  json={"aggregate": {"availability_zone": "moved"}})
    assert r.status_code == 400 and "contain instances" in r.text
    # A host cannot be in two zones; a second aggregate of the same zone is fine.
    r = fake.nova("POST", "/os-aggregates",
                  json={"aggregate": {"name": unique + "-2", "availability_zone": "other"}})
    other = r.json()["aggregate"]["id"]
    r = fake.nova("POST", "/os-aggregates/%d/action" % other,
                  json={"add_host": {"host": host}})
    assert r.status_code == 409
    assert "One or more hosts already in availability zone(s)" in r.text
    r = fake.nova("PUT", "/os-aggregates/%d" % other,
                  json={"aggregate": {"availability_zone": "az-" + unique}})
    assert r.status_code == 200, r.text
    r = fake.nova("POST", "/os-aggregates/%d/action" % other,
                  json={"add_host": {"host": host}})
    assert r.status_code == 200, r.text
    r = fake.nova("POST", "/os-aggregates/%d/action" % a["id"],
                  json={"set_metadata": {"metadata": {"availability_zone": None}}})
    assert r.status_code == 400 and "empty named availability zone" in r.text
    for s in (sid, sid2):
        fake.nova("DELETE", "/servers/" + s)
    for s in (sid, sid2):
        fake.wait_status(s, "DELETED")
    for agg in (a["id"], other):
        r = fake.nova("POST", "/os-aggregates/%d/action" % agg,
                      json={"remove_host": {"host": host}})
        assert r.status_code == 200, r.text
        assert fake.nova("DELETE", "/os-aggregates/%d" % agg).status_code == 200
    assert zones(fake) == ["nova"]
    r = fake.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": unique + "-back", "imageRef": image, "flavorRef": "1", "networks": "none"}})
    sid = r.json()["server"]["id"]
    assert fake.wait_status(sid, "ACTIVE")["OS-EXT-AZ:availability_zone"] == "nova"
    fake.nova("DELETE", "/servers/" + sid)
    fake.wait_status(sid, "DELETED")
