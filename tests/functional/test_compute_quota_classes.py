"""os-quota-class-sets (admins): the "default" class's limits are every
project's defaults (os-quota-sets defaults, limits, the create checks);
other classes are kept and shown. Fields by microversion: network ones
until 2.50, server groups from 2.50, injected_* until 2.57."""
import jsonschema
from tempest.lib.api_schema.response.compute.v2_1 import quota_classes as q21
from tempest.lib.api_schema.response.compute.v2_50 import quota_classes as q250
from tempest.lib.api_schema.response.compute.v2_57 import quota_classes as q257

from conftest_compute import fake, image, make_project  # noqa: F401


def validate(schema, r):
    assert r.status_code in schema["status_code"], r.text
    jsonschema.Draft4Validator(schema["response_body"]).validate(r.json())


def test_quota_classes_by_microversion(fake, unique):
    for mv, schema in (("2.1", q21), ("2.50", q250), ("2.57", q257)):
        validate(schema.get_quota_class_set, fake.nova("GET", "/os-quota-class-sets/" + unique,
                                                       mv=mv))
    shown = fake.nova("GET", "/os-quota-class-sets/" + unique, mv="2.49").json()[
        "quota_class_set"]
    assert "server_groups" not in shown and shown["floating_ips"] == 10
    shown = fake.nova("GET", "/os-quota-class-sets/" + unique, mv="2.50").json()[
        "quota_class_set"]
    assert shown["server_groups"] == 10 and "floating_ips" not in shown
    r = fake.nova("PUT", "/os-quota-class-sets/" + unique, mv="2.50",
                  json={"quota_class_set": {"instances": 7, "server_groups": 3}})
    validate(q250.update_quota_class_set, r)
    assert r.json()["quota_class_set"]["instances"] == 7
    assert fake.nova("GET", "/os-quota-class-sets/" + unique, mv="2.50").json()[
        "quota_class_set"]["server_groups"] == 3
    assert fake.nova("PUT", "/os-quota-class-sets/" + unique, mv="2.50", json={
        "quota_class_set": {"floating_ips": 1}}).status_code == 400
    assert fake.nova("PUT", "/os-quota-class-sets/" + unique, mv="2.49", json={
        "quota_class_set": {"floating_ips": 1}}).status_code == 200
    assert fake.nova("PUT", "/os-quota-class-sets/" + unique, mv="2.57", json={
        "quota_class_set": {"injected_files": 1}}).status_code == 400
    assert fake.nova("PUT", "/os-quota-class-sets/" + unique, json={
        "quota_class_set": {"cores": -2}}).status_code == 400
    token, pid, _ = make_project(fake, unique)
    assert fake.nova("GET", "/os-quota-class-sets/default", token=token).status_code == 403
    # A non-default class changes nobody's defaults.
    assert fake.nova("GET", "/os-quota-sets/%s/defaults" % pid).json()[
        "quota_set"]["instances"] == 10


def test_the_default_class_is_every_projects_default(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("PUT", "/os-quota-class-sets/default",
                  json={"quota_class_set": {"instances": 1}})
    assert r.status_code == 200, r.text
    try:
        assert fake.nova("GET", "/os-quota-sets/%s/defaults" % pid).json()[
            "quota_set"]["instances"] == 1
        assert fake.nova("GET", "/os-quota-sets/" + pid, token=token).json()[
            "quota_set"]["instances"] == 1
        assert fake.nova("GET", "/limits", token=token).json()["limits"]["absolute"][
            "maxTotalInstances"] == 1
        r = fake.nova("POST", "/servers", token=token, mv="2.37", json={"server": {
            "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none",
            "min_count": 2}})
        assert r.status_code == 403, r.text
    finally:
        fake.nova("PUT", "/os-quota-class-sets/default",
                  json={"quota_class_set": {"instances": 10}})
