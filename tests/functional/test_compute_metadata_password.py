"""A guest leaves its encrypted password with the metadata service, as
cloudbase-init does on Nova: POST /openstack/<version>/password from the
guest, read back with GET /servers/{id}/os-server-password (the SDK),
cleared with DELETE, after which the guest may POST again.

The server is a real one made through the API (fake compute driver, see
conftest_network.LAB_ARGS); its port's guest is a namespace of the network
lab, behind router `pw-r`, reaching 169.254.169.254 as a guest would."""
import time

import pytest

from conftest_network import lab, net, sh  # noqa: F401

MD = "169.254.169.254"
PASSWORD = "q0ZhKJ3vT1vI5Yw0b3B4Z2Q=" * 10  # base64, as nova get-password expects

# Sends one raw request from the guest and prints the status line's code,
# then the body (so that malformed requests can be sent too); with "split",
# the head and the body go 0.3 s apart.
RAW = r'''
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
req = sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1")
if sys.argv[3] == "split":
    head, _, body = req.partition(b"\r\n\r\n")
    s.sendall(head + b"\r\n\r\n")
    time.sleep(0.3)
    req = body
s.sendall(req)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
head, _, body = data.partition(b"\r\n\r\n")
sys.stdout.write(head.split(b" ")[1].decode() + "\n" + body.decode())
'''


def api(cloud, method, path, **kw):
    r = cloud.request(method, path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


def raw(guest, request, split=False):
    p = guest.py(RAW, MD, request.encode("unicode_escape").decode("latin-1"),
                 "split" if split else "whole")
    assert p.returncode == 0, p.stderr
    status, _, body = p.stdout.partition("\n")
    return int(status), body


def post(guest, body, path="/openstack/latest/password", method="POST"):
    return raw(guest, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n"
                      "Content-Type: text/plain\r\n\r\n%s" % (method, path, MD, len(body), body))


@pytest.fixture(scope="module")
def server(lab, net):
    c = net
    n = api(c, "POST", "/network/v2.0/networks", json={"network": {"name": "pw-net"}})["network"]
    sn = api(c, "POST", "/network/v2.0/subnets", json={"subnet": {
        "network_id": n["id"], "ip_version": 4, "cidr": "10.91.0.0/24"}})["subnet"]
    public = api(c, "GET", "/network/v2.0/networks?name=public")["networks"][0]
    router = api(c, "POST", "/network/v2.0/routers", json={"router": {
        "name": "pw-r", "external_gateway_info": {"network_id": public["id"]}}})["router"]
    api(c, "PUT", "/network/v2.0/routers/%s/add_router_interface" % router["id"],
        json={"subnet_id": sn["id"]})
    image = api(c, "POST", "/image/v2/images", json={
        "name": "pw-tiny", "disk_format": "raw", "container_format": "bare"})["id"]
    r = c.request("PUT", "/image/v2/images/%s/file" % image, data=b"\0" * 65536,
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    sid = api(c, "POST", "/compute/v2.1/servers", json={"server": {
        "name": "pw-guest", "imageRef": image, "flavorRef": "1",
        "networks": [{"uuid": n["id"]}]}})["server"]["id"]
    deadline = time.time() + 30
    while api(c, "GET", "/compute/v2.1/servers/" + sid)["server"]["status"] != "ACTIVE":
        assert time.time() < deadline, "server not ACTIVE"
        time.sleep(0.1)
    port = api(c, "GET", "/network/v2.0/ports?device_id=" + sid)["ports"][0]
    # binding the port made its tap (for a QEMU that never comes with the
    # fake driver): the guest's veth takes its place
    sh("ip link del tap" + port["id"][:11])
    g = lab.guest(port, n, sn)
    # the router's namespace and its metadata listener come with the sync
    deadline = time.time() + 20
    while g.http_get("http://%s/openstack/latest/meta_data.json" % MD)[0] != 200:
        assert time.time() < deadline, "no metadata answer"
        time.sleep(0.3)
    yield {"id": sid, "guest": g}


def api_password(cloud, sid):
    return cloud.sdk().compute.get_server_password(sid)


def test_guest_posts_its_password_once_and_the_api_reads_and_clears_it(net, server):
    g, sid = server["guest"], server["id"]
    assert g.http_get("http://%s/openstack/latest/password" % MD) == (200, "")
    assert api_password(net, sid) == ""

    assert post(g, PASSWORD) == (200, "")
    assert g.http_get("http://%s/openstack/2013-04-04/password" % MD) == (200, PASSWORD)
    assert api_password(net, sid) == PASSWORD

    # once set, the guest cannot replace it (Nova's 409)
    status, body = post(g, "another")
    assert status == 409 and "already set" in body
    assert api_password(net, sid) == PASSWORD

    # the API forgets it; then the guest may leave a new one
    r = net.request("DELETE", "/compute/v2.1/servers/%s/os-server-password" % sid)
    assert r.status_code == 204, r.text
    assert api_password(net, sid) == ""
    assert g.http_get("http://%s/openstack/latest/password" % MD) == (200, "")
    assert post(g, "second-" + PASSWORD[:100]) == (200, "")
    assert api_password(net, sid) == "second-" + PASSWORD[:100]
    net.request("DELETE", "/compute/v2.1/servers/%s/os-server-password" % sid)

    # a body that comes after its head, in another segment, is waited for
    status, _ = raw(g, "POST /openstack/latest/password HTTP/1.0\r\nContent-Length: %d\r\n"
                       "\r\n%s" % (len(PASSWORD), PASSWORD), split=True)
    assert status == 200
    assert api_password(net, sid) == PASSWORD
    net.request("DELETE", "/compute/v2.1/servers/%s/os-server-password" % sid)


def test_password_size_limit_is_nova_s_four_chunks_of_255(net, server):
    g, sid = server["guest"], server["id"]
    status, body = post(g, "x" * 1021)
    assert status == 400 and "too large" in body
    # above what the metadata server reads at all: refused before compute
    status, body = post(g, "x" * 5000)
    assert status == 400 and "too large" in body
    assert api_password(net, sid) == ""
    assert post(g, "y" * 1020) == (200, "")
    assert api_password(net, sid) == "y" * 1020
    net.request("DELETE", "/compute/v2.1/servers/%s/os-server-password" % sid)


def test_methods_versions_and_framing_the_service_refuses(net, server):
    g, sid = server["guest"], server["id"]
    # Nova: the password path takes GET and POST only (400), and exists
    # from 2013-04-04 (404 for 2012-08-10 and unknown versions)
    status, body = post(g, PASSWORD, method="PUT")
    assert status == 400 and "GET and POST" in body
    assert post(g, PASSWORD, path="/openstack/2012-08-10/password")[0] == 404
    assert post(g, PASSWORD, path="/openstack/1999-01-01/password")[0] == 404
    # nothing else in the tree takes a body
    for path in ("/openstack/latest/meta_data.json", "/openstack/latest/network_data.json",
                 "/latest/meta-data/hostname", "/openstack"):
        assert post(g, "x", path=path)[0] == 405, path
    assert post(g, "x", path="/openstack/latest/meta_data.json", method="DELETE")[0] == 405
    # a POST needs a length: none, or a chunked body, is 411; a bad one 400
    head = "POST /openstack/latest/password HTTP/1.1\r\nHost: %s\r\n" % MD
    assert raw(g, head + "\r\n")[0] == 411
    assert raw(g, head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")[0] == 411
    assert raw(g, head + "Content-Length: -3\r\n\r\nabc")[0] == 400
    # not UTF-8: refused rather than stored
    status, body = raw(g, head + "Content-Length: 2\r\n\r\n\xff\xfe")
    assert status == 400 and "UTF-8" in body
    assert api_password(net, sid) == ""
    # GET still answers as before
    assert g.http_get("http://%s/openstack/latest/meta_data.json" % MD)[0] == 200
