"""createBackup (snapshots with image_type backup, rotated per server and
backup_type) and os-resetState (admins set vm_state active or error), with
the fake driver."""
from conftest_compute import fake, image, make_project  # noqa: F401
from test_compute_microversions import boot


def image_of(c, iid):
    return c.request("GET", "/image/v2/images/" + iid)


def backup(c, sid, name, rotation, btype="daily", mv="2.45", token=None):
    r = c.nova("POST", "/servers/%s/action" % sid, mv=mv, token=token, json={
        "createBackup": {"name": name, "backup_type": btype, "rotation": rotation}})
    assert r.status_code == 202, r.text
    return r


def wait_idle(c, sid, status="ACTIVE"):
    return c.wait_status(sid, status)


def test_create_backup_rotates_per_type(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    ids = []
    for i in range(3):
        ids.append(backup(fake, sid, "%s-%d" % (unique, i), 2).json()["image_id"])
        wait_idle(fake, sid)
    weekly = backup(fake, sid, unique + "-w", 1, btype="weekly").json()["image_id"]
    wait_idle(fake, sid)
    assert image_of(fake, ids[0]).status_code == 404  # rotated away
    for iid in ids[1:] + [weekly]:
        img = image_of(fake, iid).json()
        assert img["status"] == "active" and img["instance_uuid"] == sid
        assert img["image_type"] == "backup"
    assert image_of(fake, ids[1]).json()["backup_type"] == "daily"
    # rotation 0 keeps none of the type, the new one included (Nova).
    last = backup(fake, sid, unique + "-z", 0).json()["image_id"]
    wait_idle(fake, sid)
    for iid in ids[1:] + [last]:
        assert image_of(fake, iid).status_code == 404, iid
    assert image_of(fake, weekly).status_code == 200
    # Before 2.45: no body, a Location when rotation > 0.
    r = backup(fake, sid, unique + "-old", 1, btype="old", mv="2.44")
    assert r.text == "" and r.headers["Location"].endswith(
        "/image/v2/images/" + r.headers["Location"].rsplit("/", 1)[1])
    wait_idle(fake, sid)
    actions = fake.nova("GET", "/servers/%s/os-instance-actions" % sid).json()
    assert actions["instanceActions"][0]["action"] == "createBackup"
    fake.request("DELETE", "/image/v2/images/" + weekly)
    fake.request("DELETE", "/image/v2/images/" + r.headers["Location"].rsplit("/", 1)[1])
    fake.nova("DELETE", "/servers/" + sid)


def test_create_backup_bad_input_and_state(fake, image, unique):
    sid = boot(fake, image, unique)["id"]
    act = "/servers/%s/action" % sid
    for body in ({"name": "b", "backup_type": "daily"},
                 {"name": "b", "rotation": 1},
                 {"backup_type": "daily", "rotation": 1},
                 {"name": "b", "backup_type": "daily", "rotation": -1},
                 {"name": "b", "backup_type": "daily", "rotation": "x"}):
        r = fake.nova("POST", act, json={"createBackup": body})
        assert r.status_code == 400, (body, r.text)
    fake.nova("POST", act, json={"os-resetState": {"state": "error"}})
    r = fake.nova("POST", act, json={"createBackup": {
        "name": "b", "backup_type": "daily", "rotation": 1}})
    assert r.status_code == 409, r.text
    fake.nova("DELETE", "/servers/" + sid)


def test_reset_state_for_admins_only(fake, image, unique):
    token, _, _ = make_project(fake, unique)
    sid = boot(fake, image, unique, token=token)["id"]
    act = "/servers/%s/action" % sid
    r = fake.nova("POST", act, token=token, json={"os-resetState": {"state": "error"}})
    assert r.status_code == 403, r.text
    for bad in ({"state": "stopped"}, {}, None):
        r = fake.nova("POST", act, json={"os-resetState": bad})
        assert r.status_code == 400, (bad, r.text)
    assert fake.nova("POST", act, json={"os-resetState": {"state": "error"}}).status_code == 202
    s = fake.nova("GET", "/servers/" + sid).json()["server"]
    assert s["status"] == "ERROR" and s["OS-EXT-STS:task_state"] is None
    assert s["OS-EXT-STS:power_state"] == 1  # the guest is not touched
    # From error a hard reboot brings it back, as in Nova.
    assert fake.nova("POST", act, json={"reboot": {"type": "HARD"}}).status_code == 202
    fake.wait_status(sid, "ACTIVE")
    assert fake.nova("POST", act, json={"os-resetState": {"state": "error"}}).status_code == 202
    assert fake.nova("POST", act, json={"os-resetState": {"state": "active"}}).status_code == 202
    assert fake.nova("GET", "/servers/" + sid).json()["server"]["status"] == "ACTIVE"
    names = [a["action"] for a in fake.nova(
        "GET", "/servers/%s/os-instance-actions" % sid).json()["instanceActions"]]
    assert names[:2] == ["resetState", "resetState"]
    for key in ("addFixedIp", "addFloatingIp"):
        assert fake.nova("POST", act, mv="2.44", json={key: {}}).status_code == 404
        assert fake.nova("POST", act, mv="2.43", json={key: {}}).status_code == 400
    fake.nova("DELETE", "/servers/" + sid)
