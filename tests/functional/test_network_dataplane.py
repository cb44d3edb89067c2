"""The data plane with real traffic: namespaces stand in for guests (a veth
where the QEMU tap would be), the daemon runs in a namespace of its own and
every packet stays inside namespaces this test made.

One topology for the module: network `dp-net` (10.88.0.0/24) behind router
`dp-r` with its gateway on `public`; security group `dp-sg` (tcp 2222, icmp);
guests g1, g2 in dp-sg, g3 in the default group only."""
import json
import os
import subprocess
import socket
import time

import pytest

from conftest_network import PY, lab, net, sh  # noqa: F401

FAKE_SERVER = "5e7e0000-0000-4000-8000-%012d"


def api(cloud, method, path, **kw):
    r = cloud.request(method, "/network/v2.0" + path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


@pytest.fixture(scope="module")
def topo(lab, net):
    c = net
    t = {}
    t["net"] = api(c, "POST", "/networks", json={"network": {"name": "dp-net"}})["network"]
    t["subnet"] = api(c, "POST", "/subnets", json={"subnet": {
        "network_id": t["net"]["id"], "ip_version": 4, "cidr": "10.88.0.0/24",
        "dns_nameservers": ["10.88.0.1"]}})["subnet"]
    public = api(c, "GET", "/networks?name=public")["networks"][0]
    t["public"] = public
    t["router"] = api(c, "POST", "/routers", json={"router": {
        "name": "dp-r", "external_gateway_info": {"network_id": public["id"]}}})["router"]
    api(c, "PUT", "/routers/%s/add_router_interface" % t["router"]["id"],
        json={"subnet_id": t["subnet"]["id"]})
    t["sg"] = api(c, "POST", "/security-groups", json={"security_group": {"name": "dp-sg"}})[
        "security_group"]
    for rule in ({"protocol": "tcp", "port_range_min": 2222, "port_range_max": 2222},
                 {"protocol": "icmp"}):
        rule.update(direction="ingress", security_group_id=t["sg"]["id"])
        r = api(c, "POST", "/security-group-rules", json={"security_group_rule": rule})
        t.setdefault("rules", []).append(r["security_group_rule"])
    guests = []
    for i, groups in ((1, [t["sg"]["id"]]), (2, [t["sg"]["id"]]), (3, None)):
        body = {"network_id": t["net"]["id"], "device_owner": "compute:nova",
                "device_id": FAKE_SERVER % i, "binding:host_id": "stackd", "name": "g%d" % i}
        if groups:
            body["security_groups"] = groups
        port = api(c, "POST", "/ports", json={"port": body})["port"]
        guests.append(lab.guest(port, t["net"], t["subnet"]))
    t["g"] = guests
    return t


def eventually(fn, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.3)
    return fn()


def test_dhcp_offers_the_port_address_router_dns_and_mtu(topo):
    g1 = topo["g"][0]
    offer = g1.dhcp_offer()
    assert offer is not None, "no DHCP offer"
    assert offer["yiaddr"] == g1.ip
    assert offer["router"] == "10.88.0.1"
    assert offer["dns"] == ["10.88.0.1"]
    assert offer["mtu"] == 1500
    # the subnet has a router: metadata goes through it, no classless route
    assert "classless" not in offer


def test_guests_in_the_group_ping_each_other(topo):
    g1, g2, _ = topo["g"]
    assert eventually(lambda: g1.ping(g2.ip))


def test_tcp_allowed_only_on_the_rule_port(topo):
    g1, g2, _ = topo["g"]
    g2.serve_tcp(2222)
    g2.serve_tcp(2223)
    assert g1.tcp_ok(g2.ip, 2222)
    assert not g1.tcp_ok(g2.ip, 2223)


def test_default_group_admits_only_its_members(topo):
    g1, g2, g3 = topo["g"]
    g3.serve_tcp(2222)
    assert not g1.tcp_ok(g3.ip, 2222)  # g1 is not in the default group
    assert not g1.ping(g3.ip)
    assert g3.tcp_ok(g2.ip, 2222)  # egress of the default group is open


def test_remote_group_rule(net, topo):
    g1, g2, g3 = topo["g"]
    g2.serve_tcp(2224)
    api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "security_group_id": topo["sg"]["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 2224, "port_range_max": 2224, "remote_group_id": topo["sg"]["id"]}})
    assert eventually(lambda: g1.tcp_ok(g2.ip, 2224))
    assert not g3.tcp_ok(g2.ip, 2224)


def test_remote_prefix_rule(net, topo):
    g1, g2, g3 = topo["g"]
    g2.serve_tcp(2225)
    api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "security_group_id": topo["sg"]["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 2225, "port_range_max": 2225, "remote_ip_prefix": g3.ip + "/32"}})
    assert eventually(lambda: g3.tcp_ok(g2.ip, 2225))
    assert not g1.tcp_ok(g2.ip, 2225)


def test_egress_rules_restrict_outgoing_traffic(net, topo):
    g1, g2, _ = topo["g"]
    sg = api(net, "POST", "/security-groups", json={"security_group": {"name": "dp-egress"}})[
        "security_group"]
    for r in sg["security_group_rules"]:
        api(net, "DELETE", "/security-group-rules/" + r["id"])
    api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "security_group_id": sg["id"], "direction": "egress", "protocol": "tcp",
        "port_range_min": 2222, "port_range_max": 2222}})
    api(net, "PUT", "/ports/" + g1.port["id"],
        json={"port": {"security_groups": [topo["sg"]["id"], sg["id"]]}})
    # dp-sg still allows all egress: a rule of any group opens the traffic
    assert eventually(lambda: g1.tcp_ok(g2.ip, 2222))
    api(net, "PUT", "/ports/" + g1.port["id"], json={"port": {"security_groups": [sg["id"]]}})
    assert eventually(lambda: not g1.ping(g2.ip))
    assert g1.tcp_ok(g2.ip, 2222)  # the one egress rule left, replies by conntrack
    api(net, "PUT", "/ports/" + g1.port["id"],
        json={"port": {"security_groups": [topo["sg"]["id"]]}})
    assert eventually(lambda: g1.ping(g2.ip))


def test_removing_the_icmp_rule_blocks_ping(net, topo):
    g1, g2, _ = topo["g"]
    icmp = [r for r in topo["rules"] if r["protocol"] == "icmp"][0]
    api(net, "DELETE", "/security-group-rules/" + icmp["id"])
    assert eventually(lambda: not g1.ping(g2.ip))
    r = api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "security_group_id": topo["sg"]["id"], "direction": "ingress", "protocol": "icmp"}})
    topo["rules"].append(r["security_group_rule"])
    assert eventually(lambda: g1.ping(g2.ip))


def test_anti_spoofing_drops_a_forged_source(topo):
    g1, g2, _ = topo["g"]
    g1.run("ip addr add 10.88.0.250/24 dev eth0", check=True)
    try:
        assert not g1.run("ping -c 1 -W 2 -I 10.88.0.250 %s" % g2.ip).returncode == 0
        assert g1.ping(g2.ip)
    finally:
        g1.run("ip addr del 10.88.0.250/24 dev eth0")


def test_port_security_off_lets_everything_through(net, topo):
    _, g2, g3 = topo["g"]
    g3.serve_tcp(2226)
    assert not g2.tcp_ok(g3.ip, 2226)
    api(net, "PUT", "/ports/" + g3.port["id"],
        json={"port": {"security_groups": [], "port_security_enabled": False}})
    assert eventually(lambda: g2.tcp_ok(g3.ip, 2226))
    default = api(net, "GET", "/security-groups?name=default")["security_groups"][0]
    api(net, "PUT", "/ports/" + g3.port["id"],
        json={"port": {"port_security_enabled": True, "security_groups": [default["id"]]}})
    assert eventually(lambda: not g2.tcp_ok(g3.ip, 2226))


def host_server(port):
    """A TCP server in the daemon's namespace (the host side of br-ex) that
    answers with the peer address it sees."""
    code = ("import socket\ns=socket.socket();s.setsockopt(1,2,1);s.bind(('172.24.4.1',%d))\n"
            "s.listen(8)\nwhile True:\n c,a=s.accept();c.sendall(a[0].encode());c.close()\n" % port)
    p = subprocess.Popen([PY, "-c", code])
    time.sleep(0.3)
    return p


def test_guest_reaches_outside_through_snat(net, topo):
    g1 = topo["g"][0]
    router = api(net, "GET", "/routers/" + topo["router"]["id"])["router"]
    gw_ip = router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"]
    assert g1.ping("172.24.4.1")
    srv = host_server(4001)
    try:
        code = ("import socket\ns=socket.create_connection(('172.24.4.1',4001),timeout=3)\n"
                "print(s.recv(64).decode())\n")
        out = g1.py(code)
        assert out.stdout.strip() == gw_ip
    finally:
        srv.kill()
        srv.wait()


def tcp_from_host(ip, port, timeout=2):
    import socket
    try:
        s = socket.create_connection((ip, port), timeout=timeout)
        data = s.recv(16)
        s.close()
        return bool(data)
    except OSError:
        return False


def test_floating_ip_dnat_snat_and_detach(net, topo):
    g1, g2, _ = topo["g"]
    g1.serve_tcp(2222)
    fip = api(net, "POST", "/floatingips", json={"floatingip": {
        "floating_network_id": topo["public"]["id"], "port_id": g1.port["id"]}})["floatingip"]
    addr = fip["floating_ip_address"]
    assert fip["fixed_ip_address"] == g1.ip and fip["router_id"] == topo["router"]["id"]
    assert eventually(lambda: tcp_from_host(addr, 2222))
    # outgoing traffic of g1 leaves with its floating address
    srv = host_server(4002)
    try:
        out = g1.py("import socket\ns=socket.create_connection(('172.24.4.1',4002),timeout=3)\n"
                    "print(s.recv(64).decode())\n")
        assert out.stdout.strip() == addr
    finally:
        srv.kill()
        srv.wait()
    api(net, "PUT", "/floatingips/" + fip["id"], json={"floatingip": {"port_id": None}})
    assert eventually(lambda: not tcp_from_host(addr, 2222, timeout=1))
    api(net, "PUT", "/floatingips/" + fip["id"], json={"floatingip": {"port_id": g2.port["id"]}})
    g2.serve_tcp(2222)
    assert eventually(lambda: tcp_from_host(addr, 2222))
    topo["fip"] = fip


def echo_session(addr, port):
    """An open TCP connection to an echo server, or None."""
    try:
        s = socket.create_connection((addr, port), timeout=2)
        s.sendall(b"a")
        if s.recv(8) == b"a":
            return s
        s.close()
    except OSError:
        pass
    return None


def still_talks(s):
    try:
        s.sendall(b"b")
        s.settimeout(2)
        return s.recv(8) == b"b"
    except OSError:
        return False


def test_disassociating_a_floating_ip_cuts_its_open_connections(net, topo):
    """Neutron's L3 agent deletes the conntrack entries of a floating IP it
    removes: an open session must not outlive the association."""
    g1 = topo["g"][0]
    rule = api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": 2224,
        "port_range_max": 2224, "security_group_id": topo["sg"]["id"]}})["security_group_rule"]
    g1.serve_echo(2224)
    fip = api(net, "POST", "/floatingips", json={"floatingip": {
        "floating_network_id": topo["public"]["id"], "port_id": g1.port["id"]}})["floatingip"]
    addr = fip["floating_ip_address"]
    s = None
    end = time.time() + 10
    while not s and time.time() < end:
        s = echo_session(addr, 2224)
    assert s, "no session through the floating IP"
    assert still_talks(s)
    api(net, "PUT", "/floatingips/" + fip["id"], json={"floatingip": {"port_id": None}})
    assert not still_talks(s)
    s.close()
    api(net, "DELETE", "/floatingips/" + fip["id"])
    api(net, "DELETE", "/security-group-rules/" + rule["id"])


def test_removing_a_rule_cuts_the_sessions_it_allowed(net, topo):
    """A session g2 -> g1 opened under a rule ends when the rule goes
    (established traffic is accepted before any rule, so without deleting
    its conntrack entries it would go on)."""
    g1, g2, _ = topo["g"]
    rule = api(net, "POST", "/security-group-rules", json={"security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": 2225,
        "port_range_max": 2225, "security_group_id": topo["sg"]["id"]}})["security_group_rule"]
    g1.serve_echo(2225)
    code = ("import socket,sys\ns=socket.create_connection((sys.argv[1],2225),timeout=3)\n"
            "for line in sys.stdin:\n try:\n  s.sendall(b'x');d=s.recv(8)\n"
            "  print('ok' if d==b'x' else 'dead',flush=True)\n"
            " except OSError: print('dead',flush=True)\n")
    client = subprocess.Popen(["ip", "netns", "exec", g2.ns, PY, "-c", code, g1.ip],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        def talk():
            client.stdin.write("\n")
            client.stdin.flush()
            return client.stdout.readline().strip()
        assert talk() == "ok"
        api(net, "PUT", "/ports/" + g2.port["id"], json={"port": {"name": "g2-renamed"}})
        assert talk() == "ok"  # an unrelated change keeps the session
        api(net, "DELETE", "/security-group-rules/" + rule["id"])
        assert talk() == "dead"
    finally:
        client.kill()
        client.wait()


def test_metadata_answers_each_guest_with_its_own_data(topo):
    g1, g2, _ = topo["g"]
    for g in (g1, g2):
        status, body = g.http_get("http://169.254.169.254/openstack/latest/network_data.json")
        assert status == 200, body
        data = json.loads(body)
        assert [link["ethernet_mac_address"] for link in data["links"]] == [g.mac]
        assert data["networks"][0]["ip_address"] == g.ip


def test_metadata_refuses_an_address_no_port_has(topo):
    g1 = topo["g"][0]
    g1.run("ip addr add 10.88.0.251/24 dev eth0", check=True)
    try:
        # the forged source is dropped by anti-spoofing before it gets there
        code = ("import socket,sys\ns=socket.socket();s.bind(('10.88.0.251',0));"
                "s.settimeout(3)\ntry:\n s.connect(('169.254.169.254',80));sys.exit(0)\n"
                "except Exception: sys.exit(1)\n")
        assert g1.py(code).returncode != 0
    finally:
        g1.run("ip addr del 10.88.0.251/24 dev eth0")


def test_isolated_network_gets_metadata_route_and_answers_from_dhcp_namespace(lab, net):
    n = api(net, "POST", "/networks", json={"network": {"name": "dp-isolated"}})["network"]
    s = api(net, "POST", "/subnets", json={"subnet": {
        "network_id": n["id"], "ip_version": 4, "cidr": "10.89.0.0/24"}})["subnet"]
    port = api(net, "POST", "/ports", json={"port": {
        "network_id": n["id"], "device_owner": "compute:nova", "device_id": FAKE_SERVER % 9,
        "port_security_enabled": False}})["port"]
    g = lab.guest(port, n, s)
    offer = g.dhcp_offer()
    assert offer and offer["yiaddr"] == g.ip
    ports = api(net, "GET", "/ports?network_id=%s&device_owner=network:dhcp" % n["id"])["ports"]
    dhcp_ip = ports[0]["fixed_ips"][0]["ip_address"]
    # option 121: 169.254.169.254/32 via the DHCP port, then the default route
    assert offer["classless"][:9] == [32, 169, 254, 169, 254] + [int(x) for x in
                                                                 dhcp_ip.split(".")]
    g.run("ip route add 169.254.169.254/32 via %s" % dhcp_ip, check=True)
    status, body = g.http_get("http://169.254.169.254/openstack/latest/network_data.json")
    assert status == 200 and g.mac in body


DHCP6_SOLICIT = r'''
import socket, struct, sys, os, json
mac = bytes(int(x, 16) for x in sys.argv[1].split(":"))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 546))
ifindex = socket.if_nametoindex("eth0")
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
s.settimeout(2)
xid = os.urandom(3)
duid = struct.pack("!HH", 3, 1) + mac
opts = struct.pack("!HH", 1, len(duid)) + duid
opts += struct.pack("!HHIII", 3, 12, 1, 0, 0)    # IA_NA, IAID 1
opts += struct.pack("!HHH", 8, 2, 0)             # elapsed time
opts += struct.pack("!HHH", 6, 2, 23)            # ORO: DNS servers
msg = b"\x01" + xid + opts
out = {}
for _ in range(5):
    s.sendto(msg, ("ff02::1:2", 547, 0, ifindex))
    try:
        data, _ = s.recvfrom(2048)
    except socket.timeout:
        continue
    if data[0] != 2 or data[1:4] != xid:
        continue
    i = 4
    while i + 4 <= len(data):
        code, ln = struct.unpack("!HH", data[i:i + 4])
        body = data[i + 4:i + 4 + ln]
        if code == 3:                      # IA_NA: IAID, T1, T2, then options
            j = 12
            while j + 4 <= len(body):
                c2, l2 = struct.unpack("!HH", body[j:j + 4])
                if c2 == 5:
                    out["address"] = socket.inet_ntop(socket.AF_INET6, body[j + 4:j + 20])
                j += 4 + l2
        if code == 23:
            out["dns"] = [socket.inet_ntop(socket.AF_INET6, body[k:k + 16])
                          for k in range(0, len(body), 16)]
        i += 4 + ln
    break
print(json.dumps(out))
'''


def v6_guest(lab, net, name, cidr, mode, index):
    """A network with one IPv6 subnet in `mode` (ra and address mode) on the
    topology's router, and a guest with no address of its own: what it
    gets comes from the router's advertisements and DHCPv6."""
    n = api(net, "POST", "/networks", json={"network": {"name": name}})["network"]
    s = api(net, "POST", "/subnets", json={"subnet": {
        "network_id": n["id"], "ip_version": 6, "cidr": cidr, "ipv6_ra_mode": mode,
        "ipv6_address_mode": mode, "dns_nameservers": [cidr.split("/")[0] + "53"]}})["subnet"]
    port = api(net, "POST", "/ports", json={"port": {
        "network_id": n["id"], "device_owner": "compute:nova", "device_id": FAKE_SERVER % index,
        "binding:host_id": "stackd"}})["port"]
    g = lab.guest(port, n, None)
    g.ip6 = port["fixed_ips"][0]["ip_address"]
    return n, s, g


def global_v6(g):
    out = g.run("ip -6 -o addr show dev eth0 scope global").stdout
    return [w.split("/")[0] for w in out.split() if ":" in w and "/" in w]


def test_ipv6_slaac_and_dhcpv6_stateful_through_the_router(lab, net, topo):
    """SLAAC: the router's advertisement gives the guest exactly the EUI-64
    address Neutron put on its port, and a default route to the router;
    DHCPv6 stateful: dnsmasq offers the port's address and the DNS server;
    both guests reach each other through the router (ICMPv6 allowed by the
    default group's egress rules, answers as established)."""
    router = topo["router"]["id"]
    n1, s1, g1 = v6_guest(lab, net, "dp-v6slaac", "fd00:77:1::/64", "slaac", 61)
    n2, s2, g2 = v6_guest(lab, net, "dp-v6dhcp", "fd00:77:2::/64", "dhcpv6-stateful", 62)
    for sub in (s1, s2):
        api(net, "PUT", "/routers/%s/add_router_interface" % router, json={"subnet_id": sub["id"]})
    assert g1.ip6.startswith("fd00:77:1:")
    assert eventually(lambda: g1.ip6 in global_v6(g1), 30), global_v6(g1)
    assert "default via fe80::" in g1.run("ip -6 route").stdout
    # a stateful subnet's router says "managed": no SLAAC address there
    assert eventually(lambda: "default via fe80::" in g2.run("ip -6 route").stdout, 30)
    assert not global_v6(g2)
    # DHCPv6 from the guest's link-local address (once DAD is over)
    assert eventually(lambda: "tentative" not in g2.run("ip -6 addr show dev eth0").stdout, 10)
    got = json.loads(g2.py(DHCP6_SOLICIT, g2.mac, timeout=30).stdout or "{}")
    assert got.get("address") == g2.ip6, got
    assert got.get("dns") == ["fd00:77:2::53"], got
    g2.run("ip -6 addr add %s/64 dev eth0 nodad" % g2.ip6, check=True)
    assert eventually(lambda: g1.run("ping -6 -c 1 -W 2 %s" % g2.ip6).returncode == 0, 15)
    for sub in (s1, s2):
        api(net, "PUT", "/routers/%s/remove_router_interface" % router,
            json={"subnet_id": sub["id"]})
    for g in (g1, g2):
        api(net, "DELETE", "/ports/" + g.port["id"])
        g.delete()
        lab.guests.remove(g)
    for n in (n1, n2):
        api(net, "DELETE", "/networks/" + n["id"])


def test_overlapping_cidrs_in_two_networks_stay_apart(lab, net):
    pairs = []
    for name in ("dp-ova", "dp-ovb"):
        n = api(net, "POST", "/networks", json={"network": {"name": name}})["network"]
        s = api(net, "POST", "/subnets", json={"subnet": {
            "network_id": n["id"], "ip_version": 4, "cidr": "10.91.0.0/24"}})["subnet"]
        guests = []
        for i, ip in enumerate(("10.91.0.10", "10.91.0.11")):
            port = api(net, "POST", "/ports", json={"port": {
                "network_id": n["id"], "device_owner": "compute:nova",
                "device_id": FAKE_SERVER % (20 + len(pairs) * 2 + i),
                "fixed_ips": [{"ip_address": ip}]}})["port"]
            guests.append(lab.guest(port, n, s))
        pairs.append(guests)
    (a1, a2), (b1, b2) = pairs
    a2.serve_tcp(2227)
    assert eventually(lambda: a1.ping(a2.ip) and b1.ping(b2.ip))
    # same addresses, same ports, different networks: each reaches its own
    assert a1.tcp_ok(a2.ip, 2227)
    assert not b1.tcp_ok(b2.ip, 2227)  # nobody listens on b2


def test_restart_keeps_connectivity_and_reapplies_state(lab, net, topo):
    g1, g2, _ = topo["g"]
    addr = topo["fip"]["floating_ip_address"]
    lab.restart()
    assert g1.ping(g2.ip)
    assert eventually(lambda: tcp_from_host(addr, 2222))
    # dnsmasq ends with stackd and is started again with it
    offer = g1.dhcp_offer()
    assert offer and offer["yiaddr"] == g1.ip
    status, _ = g1.http_get("http://169.254.169.254/openstack/latest/network_data.json")
    assert status == 200


def test_cleanup_removes_every_kernel_object_and_process(lab, net, topo):
    c = lab.cloud
    nets = [n["id"] for n in api(c, "GET", "/networks")["networks"]]
    routers = [r["id"] for r in api(c, "GET", "/routers")["routers"]]
    pidfiles = [os.path.join(c.data_dir, "network", "dhcp", i, "pid") for i in nets]
    pids = [int(open(p).read()) for p in pidfiles if os.path.exists(p)]
    assert pids
    c.stop()
    sh("%s cleanup --data-dir %s" % (lab.binary, c.data_dir))
    names = os.listdir("/run/netns")
    for i in nets:
        assert "qdhcp-" + i not in names
    for i in routers:
        assert "qrouter-" + i not in names
    def gone(pid):
        try:
            return "\tZ" in open("/proc/%d/status" % pid).read()  # exited, not reaped yet
        except OSError:
            return True
    for pid in pids:
        assert eventually(lambda: gone(pid), timeout=5)
    links = sh("ip -o link show").stdout
    assert "brq" not in links and "br-ex" not in links
    assert "stackd_sg" not in sh("nft list tables").stdout
    lab.restart()  # the lab's teardown expects a running daemon
