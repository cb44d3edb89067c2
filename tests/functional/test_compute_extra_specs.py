"""Flavor extra specs validation (Nova microversion 2.86): from 2.86 POST
/flavors/{id}/os-extra_specs and PUT .../os-extra_specs/{key} refuse values
that do not fit a spec Nova knows, and unknown keys in Nova's namespaces,
with Nova's messages; other keys pass; below 2.86 nothing is checked. The
2.86 tests skip while the cloud advertises a lower maximum."""
import uuid

import pytest

from conftest_compute import fake  # noqa: F401

MV = "2.86"


def max_microversion(cloud):
    r = cloud.request("GET", "/compute/v2.1/", token=False)
    assert r.status_code == 200, r.text
    major, minor = r.json()["version"]["version"].split(".")
    return int(major), int(minor)


@pytest.fixture
def at_286(fake):
    if max_microversion(fake) < (2, 86):
        pytest.skip("the cloud's max microversion is below 2.86")
    return fake


@pytest.fixture
def flavor(fake):
    name = "xspecs-" + uuid.uuid4().hex[:8]
    r = fake.nova("POST", "/flavors", json={"flavor": {
        "name": name, "ram": 64, "vcpus": 1, "disk": 0}})
    assert r.status_code == 200, r.text
    fid = r.json()["flavor"]["id"]
    yield fid
    fake.nova("DELETE", "/flavors/" + fid)


def specs_of(cloud, fid):
    r = cloud.nova("GET", "/flavors/%s/os-extra_specs" % fid)
    assert r.status_code == 200, r.text
    return r.json()["extra_specs"]


def bad_request(r, message):
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["message"] == message, r.text


def test_below_286_nothing_is_validated(fake, flavor):
    wild = {"hw:cpu_policy": "bogus", "hw:numa_nodes": "0", "hw:no_such_thing": "1",
            "trait:NOT_A_TRAIT": "maybe", "resources:VCPU": "many"}
    for mv in (None, "2.1", "2.75"):
        r = fake.nova("POST", "/flavors/%s/os-extra_specs" % flavor, mv=mv,
                      json={"extra_specs": wild})
        assert r.status_code == 200, (mv, r.text)
        assert r.json()["extra_specs"] == wild
        r = fake.nova("PUT", "/flavors/%s/os-extra_specs/hw:cpu_policy" % flavor, mv=mv,
                      json={"hw:cpu_policy": "also-bogus"})
        assert r.status_code == 200 and r.json() == {"hw:cpu_policy": "also-bogus"}, r.text
    assert specs_of(fake, flavor)["hw:cpu_policy"] == "also-bogus"


def test_body_is_checked_before_the_flavor(fake):
    # Nova validates the body first: a bad body on a missing flavor is a 400
    r = fake.nova("POST", "/flavors/no-such-flavor/os-extra_specs",
                  json={"extra_specs": {"bad/key": "x"}})
    assert r.status_code == 400, r.text
    r = fake.nova("POST", "/flavors/no-such-flavor/os-extra_specs",
                  json={"extra_specs": {"good": "x"}})
    assert r.status_code == 404, r.text
    r = fake.nova("PUT", "/flavors/no-such-flavor/os-extra_specs/a", json={"b": "x"})
    bad_request(r, "Request body and URI mismatch")


def test_286_accepts_known_specs_and_foreign_keys(at_286, flavor):
    fake = at_286
    good = {"hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "prefer",
            "hw:numa_nodes": "2", "hw:numa_cpus.0": "0-1", "hw:numa_mem.0": "512",
            "hw:mem_page_size": "2MB", "hw:cpu_realtime": "yes",
            "hw:cpu_realtime_mask": "^0", "hw_rng:allowed": "False",
            "quota:disk_read_bytes_sec": "10240", "resources:VCPU": "0",
            "resources1:CUSTOM_GPU": "1", "trait:HW_CPU_X86_AVX2": "required",
            "trait1:CUSTOM_FAST": "forbidden", "group_policy": "isolate",
            "capabilities:cpu_info:arch": "x86_64",
            "aggregate_instance_extra_specs:ssd": "true",
            "pci_passthrough:alias": "a1:2, b1:1", "os:secure_boot": "required",
            # not Nova's namespaces: nobody checks them
            "hyperv:whatever": "x", "stackd:note": "free text", "plain": "anything"}
    r = fake.nova("POST", "/flavors/%s/os-extra_specs" % flavor, mv=MV,
                  json={"extra_specs": good})
    assert r.status_code == 200, r.text
    assert r.json()["extra_specs"] == good
    assert r.headers["X-OpenStack-Nova-API-Version"] == MV
    # numbers are checked as the strings they are stored as
    r = fake.nova("POST", "/flavors/%s/os-extra_specs" % flavor, mv=MV,
                  json={"extra_specs": {"hw:cpu_sockets": 2}})
    assert r.status_code == 200 and r.json()["extra_specs"] == {"hw:cpu_sockets": "2"}
    r = fake.nova("PUT", "/flavors/%s/os-extra_specs/hw:watchdog_action" % flavor, mv=MV,
                  json={"hw:watchdog_action": "reset"})
    assert r.status_code == 200 and r.json() == {"hw:watchdog_action": "reset"}, r.text
    assert specs_of(fake, flavor)["hw:watchdog_action"] == "reset"


@pytest.mark.parametrize("key,value,message", [
    ("hw:cpu_policy", "bogus",
     "Validation failed; 'bogus' is not one of: dedicated, shared, mixed."),
    ("hw:numa_nodes", "0", "Validation failed; '0' is less than the min value of '1'."),
    ("hw:numa_nodes", 0, "Validation failed; '0' is less than the min value of '1'."),
    ("hw:numa_nodes", "two", "Validation failed; 'two' is not a valid integer value."),
    ("hw:redirected_usb_ports", "16",
     "Validation failed; '16' is greater than the max value of '15'."),
    ("hw:cpu_realtime", "perhaps",
     "Validation failed; 'perhaps' is not a valid boolean-like value."),
    ("hw:numa_cpus.0", "0-",
     "Validation failed; '0-' is not of the format '\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'."),
    ("trait:HW_CPU_X86_AVX2", "preferred",
     "Validation failed; 'preferred' is not one of: required, forbidden."),
    ("hw:cpu_polcy", "dedicated",
     "Validation failed; extra spec 'hw:cpu_polcy' does not appear to be a valid extra spec."),
    ("trait:NOT_A_TRAIT", "required",
     "Validation failed; extra spec 'trait:NOT_A_TRAIT' does not appear to be a valid extra "
     "spec."),
    ("resources:NO_SUCH_CLASS", "1",
     "Validation failed; extra spec 'resources:NO_SUCH_CLASS' does not appear to be a valid "
     "extra spec."),
])
def test_286_refuses_bad_specs(at_286, flavor, key, value, message):
    fake = at_286
    before = specs_of(fake, flavor)
    # one bad spec refuses the whole POST: nothing of it is stored
    r = fake.nova("POST", "/flavors/%s/os-extra_specs" % flavor, mv=MV,
                  json={"extra_specs": {"hw:cpu_cores": "1", key: value}})
    bad_request(r, message)
    assert r.headers["X-OpenStack-Nova-API-Version"] == MV
    r = fake.nova("PUT", "/flavors/%s/os-extra_specs/%s" % (flavor, key), mv=MV,
                  json={key: value})
    bad_request(r, message)
    assert specs_of(fake, flavor) == before
    # the same specs are taken below 2.86
    r = fake.nova("PUT", "/flavors/%s/os-extra_specs/%s" % (flavor, key), mv="2.85",
                  json={key: value})
    assert r.status_code == 200, r.text


def test_286_validates_before_looking_up_the_flavor(at_286):
    r = at_286.nova("POST", "/flavors/no-such-flavor/os-extra_specs", mv=MV,
                    json={"extra_specs": {"hw:numa_nodes": "0"}})
    bad_request(r, "Validation failed; '0' is less than the min value of '1'.")
    r = at_286.nova("PUT", "/flavors/no-such-flavor/os-extra_specs/hw:numa_nodes", mv=MV,
                    json={"hw:numa_nodes": "1"})
    assert r.status_code == 404, r.text
