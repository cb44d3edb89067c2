"""Servers as real QEMU guests (`[compute] driver = qemu`), booting the tiny
test guest under TCG inside a network namespace made by the test: boot to
`ready` on the console, power actions seen in the QEMU process, the config
drive read by the guest, disks of the flavor, guests that outlive stackd and
guests killed from outside."""
import base64
import json
import os
import signal
import subprocess
import time

import pytest

from conftest_qemu import guest_image, qcloud, wait_until  # noqa: F401 (fixture)

NOVA = {"OpenStack-API-Version": "compute 2.37"}


@pytest.fixture(scope="module")
def env(qcloud):  # noqa: F811
    """The image and a small flavor every test boots."""
    img = qcloud.cli("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
                     "--file", guest_image(), "qtiny", "-f", "json")
    flv = qcloud.cli("flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1",
                     "qsmall", "-f", "json")
    return {"cloud": qcloud, "image": img["id"], "flavor": flv["id"]}


def server(c, sid):
    r = c.request("GET", "/compute/v2.1/servers/" + sid, headers=NOVA)
    assert r.status_code == 200, r.text
    return r.json()["server"]


def status_is(c, sid, status):
    return server(c, sid)["status"] == status


def console(c, sid, length=None):
    body = {"os-getConsoleOutput": {} if length is None else {"length": length}}
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, json=body)
    assert r.status_code == 200, r.text
    return r.json()["output"]


def ready_count(c, sid):
    return console(c, sid).count("tiny guest ready")


def action(c, sid, body, code=202):
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, json=body, headers=NOVA)
    assert r.status_code == code, r.text
    return r


def create(env, name, wait=True, mv="2.37", **extra):
    c = env["cloud"]
    body = {"name": name, "imageRef": env["image"], "flavorRef": env["flavor"],
            "networks": "none"}
    body.update(extra)
    r = c.request("POST", "/compute/v2.1/servers", json={"server": body},
                  headers={"OpenStack-API-Version": "compute " + mv})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    if wait:
        wait_until(lambda: status_is(c, sid, "ACTIVE") or status_is(c, sid, "ERROR"), 120,
                   what="server %s to leave BUILD" % sid)
        s = server(c, sid)
        assert s["status"] == "ACTIVE", s.get("fault")
    return sid


def delete(c, sid):
    r = c.request("DELETE", "/compute/v2.1/servers/" + sid)
    assert r.status_code == 204, r.text
    wait_until(lambda: c.request("GET", "/compute/v2.1/servers/" + sid).status_code == 404, 60,
               what="server %s to go" % sid)


def test_boot_to_ready_with_the_cli(env, unique):
    c = env["cloud"]
    out = c.cli("--os-compute-api-version", "2.37", "server", "create", "--image", env["image"],
                "--flavor", env["flavor"], "--nic", "none", "--wait", unique, "-f", "json")
    sid = out["id"]
    assert out["status"] == "ACTIVE"
    # `-f json` gives the raw power state (the table shows "Running")
    assert out["OS-EXT-STS:power_state"] in (1, "Running")
    cmd = c.qemu_cmdline(sid)
    assert cmd, "no QEMU process for the server"
    assert b"-uuid" in cmd and sid.encode() in cmd
    assert any(b"product=OpenStack Nova" in a for a in cmd)
    assert any(a.startswith(b"tcg") for a in cmd), cmd  # this host has no real KVM
    assert b"-cpu" not in cmd
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="the guest to print ready")
    log = c.cli("console", "log", "show", "--lines", "3", sid)
    assert "ready" in log and len(log.strip().splitlines()) <= 3
    # the disk is an overlay on the cached image, grown to the flavor's 1 GB
    disk = os.path.join(c.instance_dir(sid), "disk")
    info = subprocess.run(["qemu-img", "info", "-U", "--output=json", disk],
                          capture_output=True, text=True, check=True).stdout
    assert '"virtual-size": 1073741824' in info
    assert "_base" in info  # backing file in the per-host cache
    delete(c, sid)
    assert c.qemu_pid(sid) is None
    assert not os.path.exists(c.instance_dir(sid))


def test_config_drive_key_hostname_and_user_data(env, unique, tmp_path):
    c = env["cloud"]
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    c.cli("keypair", "create", "--public-key", str(key) + ".pub", unique + "-key")
    script = "#!/bin/sh\necho user-data-ran-%s\n" % unique
    sid = create(env, unique + "-cd", config_drive=True, key_name=unique + "-key",
                 user_data=base64.b64encode(script.encode()).decode())
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")
    out = console(c, sid)
    assert "metadata from config-drive" in out
    assert "hostname %s-cd" % unique in out
    assert "user_data exited with 0" in out
    assert os.path.exists(os.path.join(c.instance_dir(sid), "disk.config"))
    delete(c, sid)


def test_power_actions_reach_the_guest(env, unique):
    c = env["cloud"]
    sid = create(env, unique)
    pid = c.qemu_pid(sid)
    assert pid
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")

    action(c, sid, {"pause": None})
    wait_until(lambda: status_is(c, sid, "PAUSED"), 30, what="PAUSED")
    assert server(c, sid)["OS-EXT-STS:power_state"] == 3
    assert c.qemu_pid(sid) == pid
    action(c, sid, {"unpause": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 30, what="ACTIVE after unpause")

    action(c, sid, {"suspend": None})
    wait_until(lambda: status_is(c, sid, "SUSPENDED"), 60, what="SUSPENDED")
    assert c.qemu_pid(sid) is None  # memory saved to disk, process gone
    action(c, sid, {"resume": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 60, what="ACTIVE after resume")
    assert c.qemu_pid(sid)
    assert ready_count(c, sid) == 1  # resumed, not rebooted

    action(c, sid, {"os-stop": None})
    wait_until(lambda: status_is(c, sid, "SHUTOFF"), 90, what="SHUTOFF")
    assert c.qemu_pid(sid) is None
    assert "shutting down" in console(c, sid)  # an ACPI power-off the guest saw
    action(c, sid, {"os-start": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 60, what="ACTIVE after start")
    wait_until(lambda: ready_count(c, sid) >= 2, 120, what="a second boot")

    action(c, sid, {"reboot": {"type": "HARD"}})
    wait_until(lambda: ready_count(c, sid) >= 3, 120, what="a boot after the hard reboot")
    action(c, sid, {"reboot": {"type": "SOFT"}})
    wait_until(lambda: ready_count(c, sid) >= 4, 180, what="a boot after the soft reboot")
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 60, what="ACTIVE after reboot")
    delete(c, sid)


def test_guest_killed_from_outside_shows_shutoff(env, unique):
    c = env["cloud"]
    sid = create(env, unique)
    pid = c.qemu_pid(sid)
    os.kill(pid, signal.SIGKILL)
    t0 = time.time()
    wait_until(lambda: status_is(c, sid, "SHUTOFF"), 15, interval=0.2, what="SHUTOFF")
    assert time.time() - t0 < 10
    assert server(c, sid)["OS-EXT-STS:power_state"] == 4
    action(c, sid, {"os-start": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 60, what="ACTIVE after start")
    assert c.qemu_pid(sid)
    delete(c, sid)


def test_guests_outlive_a_restart_of_stackd(env, unique):
    c = env["cloud"]
    sid = create(env, unique)
    stopped = create(env, unique + "-off")
    action(c, stopped, {"os-stop": None})
    wait_until(lambda: status_is(c, stopped, "SHUTOFF"), 90, what="SHUTOFF")
    pid = c.qemu_pid(sid)
    c.restart()
    assert c.qemu_pid(sid) == pid, "the guest did not survive the restart"
    assert status_is(c, sid, "ACTIVE")
    assert status_is(c, stopped, "SHUTOFF")
    # re-adopted: power actions still reach it, and its death is noticed
    action(c, sid, {"pause": None})
    wait_until(lambda: status_is(c, sid, "PAUSED"), 30, what="PAUSED after restart")
    action(c, sid, {"unpause": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 30, what="ACTIVE")
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: status_is(c, sid, "SHUTOFF"), 15, interval=0.2, what="SHUTOFF")
    # a guest that died while stackd was down is SHUTOFF after the restart
    action(c, stopped, {"os-start": None})
    wait_until(lambda: status_is(c, stopped, "ACTIVE"), 60, what="ACTIVE")
    c.stop()
    os.kill(c.qemu_pid(stopped), signal.SIGKILL)
    c.restart()
    wait_until(lambda: status_is(c, stopped, "SHUTOFF"), 15, interval=0.2, what="SHUTOFF")
    delete(c, sid)
    delete(c, stopped)


def test_flavor_disks_and_snapshot(env, unique):
    c = env["cloud"]
    flv = c.cli("flavor", "create", "--ram", "256", "--disk", "2", "--ephemeral", "1",
                "--swap", "64", "--vcpus", "1", unique, "-f", "json")
    sid = create(dict(env, flavor=flv["id"]), unique)
    cmd = b" ".join(c.qemu_cmdline(sid))
    assert b"disk.eph0" in cmd and b"disk.swap" in cmd
    d = c.instance_dir(sid)
    for name, size in (("disk", 2 << 30), ("disk.eph0", 1 << 30), ("disk.swap", 64 << 20)):
        info = subprocess.run(["qemu-img", "info", "-U", "--output=json", os.path.join(d, name)],
                              capture_output=True, text=True, check=True).stdout
        assert '"virtual-size": %d' % size in info, (name, info)
    r = action(c, sid, {"createImage": {"name": unique + "-snap"}})
    image_id = r.json()["image_id"] if r.text else r.headers["Location"].rsplit("/", 1)[1]
    wait_until(lambda: c.cli("image", "show", image_id, "-f", "json")["status"] == "active",
               120, what="the snapshot image")
    assert status_is(c, sid, "ACTIVE")
    delete(c, sid)
    # the snapshot boots (its virtual size is the 2 GB disk: the small
    # flavor is rightly refused, as Nova does)
    r = c.request("POST", "/compute/v2.1/servers", headers=NOVA, json={"server": {
        "name": unique + "-x", "imageRef": image_id, "flavorRef": env["flavor"],
        "networks": "none"}})
    assert r.status_code == 400 and "too small" in r.text, r.text
    sid2 = create(dict(env, image=image_id, flavor=flv["id"]), unique + "-2")
    wait_until(lambda: ready_count(c, sid2) >= 1, 120, what="ready from the snapshot")
    delete(c, sid2)


def test_metadata_ssh_through_a_floating_ip_and_nic_hot_plug(env, unique, tmp_path):
    """No config drive: the guest takes its key, hostname and user_data from
    169.254.169.254 (answered in the router's namespace), and the key lets
    us log in through a floating IP (DNAT in the router, port 22 opened by
    a security group rule); then a NIC attached and detached while it runs
    (os-interface, QMP hot-plug) is seen coming and going inside it."""
    c = env["cloud"]
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    c.cli("keypair", "create", "--public-key", str(key) + ".pub", unique + "-key")
    c.cli("network", "create", unique + "-net")
    c.cli("subnet", "create", "--network", unique + "-net", "--subnet-range", "10.79.0.0/24",
          unique + "-sub")
    c.cli("router", "create", unique + "-r")
    c.cli("router", "set", "--external-gateway", "public", unique + "-r")
    c.cli("router", "add", "subnet", unique + "-r", unique + "-sub")
    c.cli("security", "group", "create", unique + "-sg")
    c.cli("security", "group", "rule", "create", "--proto", "tcp", "--dst-port", "22",
          unique + "-sg")
    net_id = c.cli("network", "show", unique + "-net", "-f", "json")["id"]
    script = "#!/bin/sh\necho md-user-data-%s >/tmp/ud\n" % unique
    sid = create(env, unique + "-md", mv="2.42", networks=[{"uuid": net_id, "tag": "data"}],
                 key_name=unique + "-key",
                 security_groups=[{"name": unique + "-sg"}],
                 user_data=base64.b64encode(script.encode()).decode())
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")
    out = console(c, sid)
    assert "metadata from metadata-service openstack, hostname %s-md" % unique in out, out
    assert "user_data exited with 0" in out
    fip = c.cli("floating", "ip", "create", "public", "-f", "json")["floating_ip_address"]
    c.cli("server", "add", "floating", "ip", sid, fip)
    ssh = ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o",
           "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "BatchMode=yes",
           "-o", "LogLevel=ERROR", "root@" + fip, "hostname; cat /tmp/ud"]
    got = wait_until(lambda: subprocess.run(ssh, capture_output=True, text=True).stdout, 60,
                     interval=1, what="ssh through the floating IP")
    assert got.split() == [unique + "-md", "md-user-data-" + unique], got

    # diagnostics (2.48) count the NIC's traffic from the guest's side, as
    # libvirt does: what the guest itself counted lies between two readings
    def nic_counters():
        r = c.request("GET", "/compute/v2.1/servers/%s/diagnostics" % sid,
                      headers={"OpenStack-API-Version": "compute 2.48"})
        assert r.status_code == 200, r.text
        nics = r.json()["nic_details"]
        assert len(nics) == 1 and nics[0]["rx_octets"] > 0 and nics[0]["tx_packets"] > 0, nics
        return nics[0]
    before = nic_counters()
    stats = "cat /sys/class/net/eth0/statistics/rx_bytes /sys/class/net/eth0/statistics/tx_bytes"
    r = subprocess.run(ssh[:-1] + [stats], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    guest_rx, guest_tx = (int(x) for x in r.stdout.split())
    after = nic_counters()
    assert before["tx_octets"] <= guest_tx <= after["tx_octets"], (before, guest_tx, after)
    assert guest_rx <= after["rx_octets"], (guest_rx, after)

    # device tags (2.42, 2.49) carry the PCI address where the guest finds
    # the NIC: the metadata the guest reads names the slot its kernel saw
    def guest_view():
        cmd = ("wget -qO- http://169.254.169.254/openstack/latest/meta_data.json; echo; "
               "for d in /sys/class/net/eth*; do"
               " echo $(cat $d/address) $(readlink -f $d/device/..); done")
        r = subprocess.run(ssh[:-1] + [cmd], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.strip().splitlines()
        devices = json.loads(lines[0])["devices"]
        # a virtio NIC's device is virtioN, whose parent is the PCI function
        pci = {mac: link.split("/")[-1] for mac, link in (ln.split() for ln in lines[1:])}
        return devices, pci
    mac = c.request("GET", "/compute/v2.1/servers/%s/os-interface" % sid).json()[
        "interfaceAttachments"][0]["mac_addr"]
    devices, pci = guest_view()
    assert devices == [{"type": "nic", "bus": "pci", "address": "0000:00:08.0", "mac": mac,
                        "tags": ["data"]}], devices
    assert pci[mac] == "0000:00:08.0", pci

    # os-interface on the running guest: a NIC hot-plugged over QMP appears
    # in the guest and goes away again on detach
    def guest_macs():
        r = subprocess.run(ssh[:-1] + ["cat /sys/class/net/*/address"], capture_output=True,
                           text=True)
        return r.stdout.split() if r.returncode == 0 else None
    c.cli("network", "create", unique + "-net2")
    c.cli("subnet", "create", "--network", unique + "-net2", "--subnet-range", "10.80.0.0/24",
          unique + "-sub2")
    net2 = c.cli("network", "show", unique + "-net2", "-f", "json")["id"]
    r = c.request("POST", "/compute/v2.1/servers/%s/os-interface" % sid,
                  json={"interfaceAttachment": {"net_id": net2, "tag": "hot"}},
                  headers={"OpenStack-API-Version": "compute 2.49"})
    assert r.status_code == 200, r.text
    att = r.json()["interfaceAttachment"]
    wait_until(lambda: att["mac_addr"] in (guest_macs() or []), 60, interval=1,
               what="the hot-plugged NIC in the guest")
    devices, pci = guest_view()
    hot = [d for d in devices if d["tags"] == ["hot"]]
    assert hot == [{"type": "nic", "bus": "pci", "address": "0000:00:09.0",
                    "mac": att["mac_addr"], "tags": ["hot"]}], devices
    assert pci[att["mac_addr"]] == "0000:00:09.0", pci
    assert any(("nic-tap" + att["port_id"][:11]).encode() in a for a in c.qemu_cmdline(sid)) \
        is False  # hot-plugged, not on the command line
    r = c.request("DELETE", "/compute/v2.1/servers/%s/os-interface/%s" % (sid, att["port_id"]))
    assert r.status_code == 202, r.text
    macs = guest_macs()
    assert macs and att["mac_addr"] not in macs, macs
    assert c.request("GET", "/network/v2.0/ports/" + att["port_id"]).status_code == 404
    c.cli("server", "remove", "floating", "ip", sid, fip)
    c.cli("floating", "ip", "delete", fip)
    delete(c, sid)
    c.cli("router", "remove", "subnet", unique + "-r", unique + "-sub")
    c.cli("router", "delete", unique + "-r")
    c.cli("network", "delete", unique + "-net", unique + "-net2")


def test_rescue_boots_the_rescue_image_first_and_unrescue_undoes_it(env, unique):
    c = env["cloud"]
    sid = create(env, unique)
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")
    r = action(c, sid, {"rescue": {}}, code=200)
    assert r.json().get("adminPass")
    wait_until(lambda: status_is(c, sid, "RESCUE"), 120, what="RESCUE")
    cmd = b" ".join(c.qemu_cmdline(sid))
    assert b"disk.rescue,if=none,id=rescue" in cmd
    assert b"drive=rescue,addr=0x3,bootindex=0" in cmd
    assert b"drive=root,addr=0x4,bootindex=1" in cmd
    assert os.path.exists(os.path.join(c.instance_dir(sid), "disk.rescue"))
    wait_until(lambda: ready_count(c, sid) >= 2, 120, what="the rescue system's boot")
    action(c, sid, {"unrescue": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 120, what="ACTIVE after unrescue")
    cmd = b" ".join(c.qemu_cmdline(sid))
    assert b"rescue" not in cmd and b"drive=root,addr=0x4,bootindex=0" in cmd
    assert not os.path.exists(os.path.join(c.instance_dir(sid), "disk.rescue"))
    wait_until(lambda: ready_count(c, sid) >= 3, 120, what="a boot from its own disk")
    delete(c, sid)


def test_shelve_offload_and_unshelve_a_guest(env, unique):
    """Shelving powers the guest off and snapshots its disk, offloading
    (at once: shelved_offload_time 0) ends its QEMU and removes its files;
    unshelve boots a new guest from the snapshot."""
    c = env["cloud"]
    sid = create(env, unique)
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="the guest to be ready")
    action(c, sid, {"shelve": None})
    wait_until(lambda: status_is(c, sid, "SHELVED_OFFLOADED"), 120, interval=0.2,
               what="SHELVED_OFFLOADED")
    assert c.qemu_pid(sid) is None and not os.path.exists(c.instance_dir(sid))
    snaps = c.cli("image", "list", "--name", server(c, sid)["name"] + "-shelved", "-f", "json")
    assert len(snaps) == 1 and snaps[0]["Status"] == "active", snaps
    action(c, sid, {"unshelve": None})
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 120, interval=0.2, what="ACTIVE")
    assert c.qemu_pid(sid) is not None
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready after unshelve")
    assert c.cli("image", "list", "--name", server(c, sid)["name"] + "-shelved",
                 "-f", "json") == []
    delete(c, sid)


def test_rebuild_gives_a_new_root_disk_from_the_image(env, unique):
    c = env["cloud"]
    sid = create(env, unique)
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")
    disk = os.path.join(c.instance_dir(sid), "disk")
    before = os.stat(disk).st_ino
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, headers=NOVA,
                  json={"rebuild": {"imageRef": env["image"], "name": unique + "-re"}})
    assert r.status_code == 202, r.text
    wait_until(lambda: ready_count(c, sid) >= 2, 120, what="a boot of the rebuilt guest")
    wait_until(lambda: status_is(c, sid, "ACTIVE"), 60, what="ACTIVE after rebuild")
    assert os.stat(disk).st_ino != before  # a fresh overlay, renamed into place
    assert not os.path.exists(disk + ".new")
    assert server(c, sid)["name"] == unique + "-re"
    delete(c, sid)


def test_diagnostics_and_crash_dump_over_qmp(env, unique):
    """GET diagnostics (2.48) measures the guest through QMP (vCPU time,
    disk counters, uptime); trigger_crash_dump (2.17) injects an NMI; a
    stopped guest is "shutdown" with nothing measured, and its NMI fails
    the action, not the request."""
    import jsonschema
    from tempest.lib.api_schema.response.compute.v2_48 import servers as schema248
    c = env["cloud"]
    sid = create(env, unique)
    wait_until(lambda: ready_count(c, sid) >= 1, 120, what="ready")
    v248 = {"OpenStack-API-Version": "compute 2.48"}
    r = c.request("GET", "/compute/v2.1/servers/%s/diagnostics" % sid, headers=v248)
    assert r.status_code == 200, r.text
    jsonschema.Draft4Validator(schema248.show_server_diagnostics["response_body"]).validate(
        r.json())
    d = r.json()
    assert d["state"] == "running" and d["num_cpus"] == 1 and d["uptime"] >= 0
    assert d["cpu_details"][0]["time"] > 0
    assert d["num_disks"] >= 1 and d["disk_details"][0]["read_bytes"] > 0
    assert d["memory_details"]["maximum"] == 256 and d["hypervisor"] in ("kvm", "qemu")
    v217 = {"OpenStack-API-Version": "compute 2.17"}
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, headers=v217,
                  json={"trigger_crash_dump": None})
    assert r.status_code == 202, r.text
    acts = c.request("GET", "/compute/v2.1/servers/%s/os-instance-actions" % sid).json()
    first = acts["instanceActions"][0]
    assert first["action"] == "trigger_crash_dump" and first["message"] is None
    action(c, sid, {"os-stop": None})
    wait_until(lambda: status_is(c, sid, "SHUTOFF"), 90, what="SHUTOFF")
    d = c.request("GET", "/compute/v2.1/servers/%s/diagnostics" % sid, headers=v248).json()
    assert d["state"] == "shutdown" and d["uptime"] is None
    assert d["cpu_details"][0]["time"] is None
    delete(c, sid)
