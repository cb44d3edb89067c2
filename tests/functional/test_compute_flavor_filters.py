"""The flavor list's is_public filter for admins: absent means public
flavors, "none" all, else one of oslo's boolean strings (400 otherwise)."""
from conftest_compute import fake  # noqa: F401


def test_is_public_takes_nova_boolean_strings(fake, unique):
    fake.nova("POST", "/flavors", json={"flavor": {
        "name": unique, "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": False}})
    for value in ("f", "false", "no", "0", "FALSE", "None"):
        names = [f["name"] for f in fake.nova("GET", "/flavors?is_public=" + value).json()[
            "flavors"]]
        assert unique in names, value
    for value in ("t", "true", "yes", "1"):
        names = [f["name"] for f in fake.nova("GET", "/flavors?is_public=" + value).json()[
            "flavors"]]
        assert unique not in names and "m1.tiny" in names, value
    assert fake.nova("GET", "/flavors?is_public=perhaps").status_code == 400
