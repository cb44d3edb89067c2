"""Network benchmarks (see bench/README.md, section "network").

Runs a stackd with its data plane in a namespace of its own (the functional
tests' Lab), namespaces standing in for guests, and measures:
  1. the floor: latency (ping) and throughput (iperf3) between two namespaces
     on a plain Linux bridge;
  2. the same between two "guests" on one stackd network, with port security
     on and 1,000 security group rules loaded on a 100-port network;
  3. the time to apply 1,000 security group rules (one bulk request, applied
     to the kernel before the answer) and one more rule on top of them;
  4. the time from associating a floating IP to the first TCP answer of the
     guest through it (the stand-in for "first SSH answer").
Usage: /usr/bin/python3 bench/network/bench.py [STACKD_BIN]"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))
from conftest_network import Lab, sh  # noqa: E402

RESULTS = {}


def api(c, method, path, **kw):
    r = c.request(method, "/network/v2.0" + path, timeout=300, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


def ping_ms(ns, ip, n=200):
    out = sh("ip netns exec %s ping -q -c %d -i 0.005 %s" % (ns, n, ip)).stdout
    m = re.search(r"= [\d.]+/([\d.]+)/", out)
    return float(m.group(1))


def iperf_gbps(server_ns, client_ns, ip, seconds=5):
    srv = subprocess.Popen(["ip", "netns", "exec", server_ns, "iperf3", "-s", "-1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        out = sh("ip netns exec %s iperf3 -J -t %d -c %s" % (client_ns, seconds, ip),
                 timeout=seconds + 30).stdout
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9
    finally:
        srv.kill()
        srv.wait()


def floor():
    ns = "sdnfl%d" % os.getpid()
    a, b = ns + "a", ns + "b"
    try:
        for n in (ns, a, b):
            sh("ip netns add " + n)
        sh("ip -n %s link add br0 type bridge" % ns)
        sh("ip -n %s link set br0 up" % ns)
        for i, n in ((1, a), (2, b)):
            sh("ip -n %s link add v%d type veth peer name eth0 netns %s" % (ns, i, n))
            sh("ip -n %s link set v%d master br0 up" % (ns, i))
            sh("ip -n %s addr add 10.254.0.%d/24 dev eth0" % (n, i))
            sh("ip -n %s link set eth0 up" % n)
            sh("ip -n %s link set lo up" % n)
        time.sleep(1)
        RESULTS["floor_ping_ms"] = ping_ms(a, "10.254.0.2")
        RESULTS["floor_gbps"] = iperf_gbps(b, a, "10.254.0.2")
    finally:
        for n in (a, b, ns):
            sh("ip netns del " + n, check=False)


def through_stackd(binary):
    lab = Lab(binary)
    try:
        lab.netns.enter()
        c = lab.cloud
        net = api(c, "POST", "/networks", json={"network": {"name": "bench"}})["network"]
        sub = api(c, "POST", "/subnets", json={"subnet": {
            "network_id": net["id"], "ip_version": 4, "cidr": "10.250.0.0/22"}})["subnet"]
        public = api(c, "GET", "/networks?name=public")["networks"][0]
        router = api(c, "POST", "/routers", json={"router": {
            "name": "bench", "external_gateway_info": {"network_id": public["id"]}}})["router"]
        api(c, "PUT", "/routers/%s/add_router_interface" % router["id"],
            json={"subnet_id": sub["id"]})
        sg = api(c, "POST", "/security-groups", json={"security_group": {
            "name": "bench"}})["security_group"]
        default = api(c, "GET", "/security-groups?name=default")["security_groups"][0]
        t0 = time.time()
        ports = api(c, "POST", "/ports", json={"ports": [{
            "network_id": net["id"], "device_owner": "compute:nova",
            "device_id": "be0c0000-0000-4000-8000-%012d" % i, "binding:host_id": "stackd",
            "security_groups": [sg["id"], default["id"]]} for i in range(100)]})["ports"]
        RESULTS["create_100_ports_s"] = time.time() - t0
        api(c, "PUT", "/quotas/" + sg["project_id"], json={"quota": {
            "security_group_rule": 5000, "port": 1000}})
        rules = [{"security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp",
                  "port_range_min": 10000 + i, "port_range_max": 10000 + i,
                  "remote_ip_prefix": "10.%d.%d.0/24" % (i // 250, i % 250)}
                 for i in range(1000)]
        t0 = time.time()
        api(c, "POST", "/security-group-rules", json={"security_group_rules": rules})
        RESULTS["apply_1000_rules_bulk_s"] = time.time() - t0
        t0 = time.time()
        api(c, "POST", "/security-group-rules", json={"security_group_rule": {
            "security_group_id": sg["id"], "direction": "ingress", "protocol": "udp",
            "port_range_min": 53, "port_range_max": 53}})
        RESULTS["one_more_rule_with_1000_s"] = time.time() - t0
        RESULTS["nft_rules_loaded"] = sh("nft list table inet stackd_sg").stdout.count("accept")
        g1 = lab.guest(ports[0], net, sub)
        g2 = lab.guest(ports[1], net, sub)
        time.sleep(1)
        RESULTS["guests_ping_ms"] = ping_ms(g1.ns, g2.ip)
        RESULTS["guests_gbps"] = iperf_gbps(g2.ns, g1.ns, g2.ip)
        # floating IP: associate, then connect until the guest answers
        g1.serve_tcp(2222)
        api(c, "POST", "/security-group-rules", json={"security_group_rule": {
            "security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp",
            "port_range_min": 2222, "port_range_max": 2222}})
        fip = api(c, "POST", "/floatingips", json={"floatingip": {
            "floating_network_id": public["id"]}})["floatingip"]
        import socket
        t0 = time.time()
        api(c, "PUT", "/floatingips/" + fip["id"], json={"floatingip": {
            "port_id": g1.port["id"]}})
        while time.time() - t0 < 30:
            try:
                s = socket.create_connection((fip["floating_ip_address"], 2222), timeout=0.2)
                if s.recv(8):
                    break
            except OSError:
                time.sleep(0.01)
        RESULTS["fip_associate_to_first_answer_s"] = time.time() - t0
    finally:
        lab.netns.leave()
        lab.close()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "stackd")
    floor()
    through_stackd(binary)
    for k, v in RESULTS.items():
        print("%-36s %s" % (k, round(v, 3) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
