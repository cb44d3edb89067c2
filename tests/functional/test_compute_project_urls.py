"""Microversion 2.18: every compute URL works with and without the project
id after the version, and a project id other than the token's is Nova's
400 "Malformed request URL"."""
from conftest_compute import fake, image, make_project  # noqa: F401


def test_urls_with_the_project_id_reach_the_same_resources(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    r = fake.nova("POST", "/%s/servers" % pid, token=token, mv="2.37", json={"server": {
        "name": unique, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    fake.wait_status(sid, "ACTIVE", token=token)
    for mv in ("2.1", "2.18", "2.60"):
        with_id = fake.nova("GET", "/%s/servers/%s" % (pid, sid), token=token, mv=mv)
        plain = fake.nova("GET", "/servers/" + sid, token=token, mv=mv)
        assert with_id.status_code == 200, with_id.text
        assert with_id.json()["server"]["id"] == plain.json()["server"]["id"] == sid
    listed = fake.nova("GET", "/%s/servers/detail" % pid, token=token).json()["servers"]
    assert [s["id"] for s in listed] == [sid]
    r = fake.nova("GET", "/%s/flavors/1" % pid, token=token)
    assert r.status_code == 200 and r.json()["flavor"]["name"] == "m1.tiny"
    # parameters after the project id still bind: metadata of this server
    r = fake.nova("PUT", "/%s/servers/%s/metadata/k" % (pid, sid), token=token,
                  json={"meta": {"k": "v"}})
    assert r.status_code == 200, r.text
    assert fake.nova("GET", "/servers/%s/metadata" % sid,
                     token=token).json()["metadata"] == {"k": "v"}
    r = fake.nova("DELETE", "/%s/servers/%s" % (pid, sid), token=token)
    assert r.status_code == 204, r.text


def test_another_projects_id_in_the_url_is_refused(fake, image, unique):
    token, pid, _ = make_project(fake, unique)
    other_token, other_pid, _ = make_project(fake, unique + "-o")
    r = fake.nova("GET", "/%s/servers" % other_pid, token=token)
    assert r.status_code == 400, r.text
    msg = r.json()["badRequest"]["message"]
    assert "Malformed request URL" in msg and other_pid in msg and pid in msg
    # a plain path is never taken for a project id
    assert fake.nova("GET", "/servers/detail", token=token).status_code == 200
    assert fake.nova("GET", "/%s/no-such-api" % pid, token=token).status_code == 501
    # the APIs Nova removed stay 404 behind the project id too
    assert fake.nova("GET", "/%s/os-security-groups" % pid, token=token,
                     mv="2.36").status_code == 404
    # and the nova-network ones Nova answers 410 Gone
    assert fake.nova("GET", "/%s/os-fping" % pid, token=token).status_code == 410
