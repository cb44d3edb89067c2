"""Remote consoles: the legacy console actions (2.1-2.5), remote-consoles
(2.6, mks from 2.8), os-console-auth-tokens (2.31) and the serial console
proxy (a websocket under /compute/serial/). The error codes per microversion
with the fake driver (a driver without consoles: Nova's 501), then a real
QEMU guest's serial console driven through the websocket the CLI's URL
points at."""
import base64
import glob
import hashlib
import os
import re
import socket
import sqlite3
import time
import urllib.parse

import jsonschema
import pytest
import requests
import websocket
from tempest.lib.api_schema.response.compute.v2_1 import servers as schema21
from tempest.lib.api_schema.response.compute.v2_6 import servers as schema26

from conftest_compute import fake, image  # noqa: F401
from conftest_qemu import guest_image, qcloud, wait_until  # noqa: F401


def boot(c, image, name):
    r = c.nova("POST", "/servers", mv="2.37", json={"server": {
        "name": name, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    assert r.status_code == 202, r.text
    c.wait_status(r.json()["server"]["id"], "ACTIVE")
    return r.json()["server"]["id"]


def act(c, sid, body, mv):
    return c.nova("POST", "/servers/%s/action" % sid, mv=mv, json=body)


def remote(c, sid, protocol, type_, mv):
    return c.nova("POST", "/servers/%s/remote-consoles" % sid, mv=mv,
                  json={"remote_console": {"protocol": protocol, "type": type_}})


def token_rows(c, cols):
    """The rows of the console token table (read-only, beside stackd)."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(c.data_dir, "stackd.db"), uri=True)
    try:
        return db.execute("SELECT %s FROM compute_console_tokens" % cols).fetchall()
    finally:
        db.close()


def bad(r, code, text):
    assert r.status_code == code, r.text
    assert text in r.text, r.text


# ---- the API with the fake driver ------------------------------------------

def test_legacy_console_actions_below_2_6(fake, image, unique):
    sid = boot(fake, image, unique)
    # the types this cloud has, on a driver without remote consoles: 501
    for action, type_ in (("os-getVNCConsole", "novnc"), ("os-getSerialConsole", "serial")):
        bad(act(fake, sid, {action: {"type": type_}}, "2.1"), 501,
            "The requested functionality is not supported.")
    # disabled as in Nova's defaults: 400 naming the type
    bad(act(fake, sid, {"os-getSPICEConsole": {"type": "spice-html5"}}, "2.5"), 400,
        "Unavailable console type spice-html5.")
    bad(act(fake, sid, {"os-getRDPConsole": {"type": "rdp-html5"}}, "2.5"), 400,
        "Unavailable console type rdp-html5.")
    bad(act(fake, sid, {"os-getVNCConsole": {"type": "xvpvnc"}}, "2.1"), 400,
        "Invalid console type xvpvnc")
    # schema: type required, from the action's enum, nothing else
    bad(act(fake, sid, {"os-getVNCConsole": {}}, "2.1"), 400, "'type' is a required property")
    bad(act(fake, sid, {"os-getSerialConsole": {"type": "novnc"}}, "2.1"), 400,
        "is not one of ['serial']")
    bad(act(fake, sid, {"os-getVNCConsole": {"type": "novnc", "x": 1}}, "2.1"), 400, "x")
    # gone at 2.6
    for action, type_ in (("os-getVNCConsole", "novnc"), ("os-getSPICEConsole", "spice-html5"),
                          ("os-getRDPConsole", "rdp-html5"), ("os-getSerialConsole", "serial")):
        assert act(fake, sid, {action: {"type": type_}}, "2.6").status_code == 404
    # another project's server is not found
    r = act(fake, "00000000-0000-4000-8000-000000000000",
            {"os-getSerialConsole": {"type": "serial"}}, "2.1")
    assert r.status_code == 404
    fake.nova("DELETE", "/servers/" + sid)


def test_remote_consoles_from_2_6_and_mks_from_2_8(fake, image, unique):
    sid = boot(fake, image, unique)
    assert remote(fake, sid, "serial", "serial", "2.5").status_code == 404
    bad(remote(fake, sid, "vnc", "novnc", "2.6"), 501, "not supported")
    bad(remote(fake, sid, "serial", "serial", "2.6"), 501, "not supported")
    bad(remote(fake, sid, "spice", "spice-html5", "2.6"), 400,
        "Unavailable console type spice-html5.")
    bad(remote(fake, sid, "rdp", "rdp-html5", "2.7"), 400, "Unavailable console type rdp-html5.")
    # the manager checks the type against the protocol
    bad(remote(fake, sid, "serial", "novnc", "2.6"), 400, "Invalid console type novnc")
    bad(remote(fake, sid, "vnc", "xvpvnc", "2.6"), 400, "Invalid console type xvpvnc")
    # mks is no protocol before 2.8, then disabled (Nova's [mks] enabled=False)
    bad(remote(fake, sid, "mks", "webmks", "2.7"), 400, "is not one of")
    bad(remote(fake, sid, "mks", "webmks", "2.8"), 400, "Unavailable console type webmks.")
    bad(remote(fake, sid, "vnc", "webmks", "2.6"), 400, "is not one of")
    r = fake.nova("POST", "/servers/%s/remote-consoles" % sid, mv="2.6",
                  json={"remote_console": {"protocol": "serial"}})
    assert r.status_code == 400, r.text
    r = fake.nova("POST", "/servers/%s/remote-consoles" % sid, mv="2.6",
                  json={"remote_console": {"protocol": "serial", "type": "serial", "x": 1}})
    assert r.status_code == 400, r.text
    assert fake.nova("POST", "/servers/%s/remote-consoles" % sid, mv="2.6",
                     json={"console": {}}).status_code == 400
    fake.nova("DELETE", "/servers/" + sid)


def test_console_auth_tokens_unknown_and_admin_only(fake, unique):
    for mv in ("2.1", "2.30", "2.31", "2.60"):
        r = fake.nova("GET", "/os-console-auth-tokens/" + unique, mv=mv)
        bad(r, 404, "Token not found")
    from conftest_compute import make_project
    token, _, _ = make_project(fake, unique)
    r = fake.nova("GET", "/os-console-auth-tokens/" + unique, token=token, mv="2.31")
    assert r.status_code == 403, r.text


def test_the_proxy_wants_a_websocket_and_a_token(fake):
    r = fake.request("GET", "/compute/serial/?token=nope", token=False)
    assert r.status_code == 400, r.text
    url = fake.url.replace("http://", "ws://") + "/compute/serial/?token=nope"
    ws = websocket.create_connection(url, subprotocols=["binary"], timeout=10)
    assert ws.getsubprotocol() == "binary"
    # as Nova's proxy: closed, nothing said (Tempest's bad token test)
    op, frame = ws.recv_data_frame(True)
    assert op == websocket.ABNF.OPCODE_CLOSE and frame.data == b""
    ws.close()
    # a client that wants another subprotocol is refused at the handshake
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(url, subprotocols=["base64"], timeout=10)


def test_websocket_handshake_by_hand(fake):
    """RFC 6455's example key and its accept value, a bad version (426)."""
    host, port = "127.0.0.1", int(urllib.parse.urlparse(fake.url).port)

    def handshake(extra):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(("GET /compute/serial/?token=x HTTP/1.1\r\nHost: %s:%d\r\n"
                   "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n%s\r\n"
                   % (host, port, extra)).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return s, data

    s, data = handshake("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n")
    assert data.startswith(b"HTTP/1.1 101"), data
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in data
    # the server's close frame: unmasked, empty; then the end
    rest = data.split(b"\r\n\r\n", 1)[1]
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    assert rest == b"\x88\x00", rest
    s.close()
    s, data = handshake("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 8\r\n")
    assert data.startswith(b"HTTP/1.1 426"), data
    assert b"Sec-WebSocket-Version: 13" in data
    s.close()
    s, data = handshake("Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n")
    assert data.startswith(b"HTTP/1.1 400"), data
    s.close()


# ---- a real guest's serial console -----------------------------------------

NOVA = {"OpenStack-API-Version": "compute 2.37"}


@pytest.fixture(scope="module")
def guest(qcloud):  # noqa: F811
    """A booted tiny guest (its serial port has a shell after Enter)."""
    c = qcloud
    img = c.cli("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
                "--file", guest_image(), "ctiny", "-f", "json")
    flv = c.cli("flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1",
                "csmall", "-f", "json")
    r = c.request("POST", "/compute/v2.1/servers", headers=NOVA, json={"server": {
        "name": "console-guest", "imageRef": img["id"], "flavorRef": flv["id"],
        "networks": "none"}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]

    def output():
        r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid,
                      json={"os-getConsoleOutput": {}})
        return r.json().get("output", "") if r.status_code == 200 else ""

    wait_until(lambda: "tiny guest ready" in output(), 180, what="the guest to boot")
    yield {"cloud": c, "id": sid, "output": output}
    c.request("DELETE", "/compute/v2.1/servers/" + sid)


def read_until(ws, pattern, timeout=30):
    """Reads binary frames until pattern (a regex) shows; returns the text."""
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        ws.settimeout(max(0.1, deadline - time.time()))
        try:
            op, data = ws.recv_data(True)
        except websocket.WebSocketTimeoutException:
            break
        assert op == websocket.ABNF.OPCODE_BINARY, (op, data)
        text += data.decode(errors="replace")
        if re.search(pattern, text):
            return text
    raise AssertionError("no %r on the console, got %r" % (pattern, text[-500:]))


def shell(ws):
    """Presses Enter until the guest's shell prompt answers."""
    for _ in range(10):
        ws.send_binary(b"\r")
        try:
            return read_until(ws, r"/ # ", timeout=3)
        except AssertionError:
            continue
    raise AssertionError("no shell prompt on the serial console")


def test_serial_console_with_the_cli_and_a_websocket(guest, unique):
    c, sid = guest["cloud"], guest["id"]
    out = c.cli("--os-compute-api-version", "2.6", "console", "url", "show", "--serial", sid,
                "-f", "json")
    url = out["url"]
    assert out["type"] == "serial"
    base = c.url.replace("http://", "ws://")
    assert url.startswith(base + "/compute/serial/?token="), url
    ws = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
    assert ws.getsubprotocol() == "binary"
    shell(ws)
    ws.send_binary(("echo console-%s-$((6*7))\r" % unique).encode())
    read_until(ws, "console-%s-42" % unique)
    # a big frame (past 64 KiB, 16-bit and 64-bit lengths) gets through whole
    ws.send_binary(b": " + b"x" * 70000 + b"\r")
    ws.send_binary(b"echo after-$((2*21))\r")
    read_until(ws, "after-42", timeout=60)
    ws.ping(b"hello")
    ws.close()
    # what went through the socket is in the console log too
    wait_until(lambda: "console-%s-42" % unique in guest["output"](), 10, what="the log")
    # the CLI at its default microversion (2.1) uses the legacy action
    out = c.cli("console", "url", "show", "--serial", sid, "-f", "json")
    assert out["type"] == "serial" and out["url"].startswith(base + "/compute/serial/?token=")
    # legacy action below 2.6, same kind of URL
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid,
                  headers={"X-OpenStack-Nova-API-Version": "2.1"},
                  json={"os-getSerialConsole": {"type": "serial"}})
    assert r.status_code == 200, r.text
    jsonschema.Draft4Validator(schema21.get_vnc_console["response_body"]).validate(r.json())
    assert r.json()["console"]["url"].startswith(base + "/compute/serial/?token=")
    r = c.request("POST", "/compute/v2.1/servers/%s/remote-consoles" % sid,
                  headers={"X-OpenStack-Nova-API-Version": "2.6"},
                  json={"remote_console": {"protocol": "serial", "type": "serial"}})
    assert r.status_code == 200, r.text
    jsonschema.Draft4Validator(schema26.get_remote_consoles["response_body"]).validate(r.json())


def test_novnc_page_and_rfb_through_the_proxy(guest, unique):
    """As Tempest's test_novnc: the page is noVNC's, its path parameter is
    the websocket, which speaks RFB with security type None."""
    from tempest.common import compute as tempest_compute
    c, sid = guest["cloud"], guest["id"]
    out = c.cli("--os-compute-api-version", "2.6", "console", "url", "show", "--novnc", sid,
                "-f", "json")
    url = out["url"]
    assert out["type"] == "novnc"
    assert url.startswith(c.url + "/compute/vnc/vnc_lite.html?path="), url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and "noVNC" in r.text and "<script" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    # the page's own scripts come along
    assert requests.get(c.url + "/compute/vnc/core/rfb.js", timeout=10).status_code == 200
    for path in ("/compute/vnc/../../../etc/passwd", "/compute/vnc/%2e%2e/x",
                 "/compute/vnc/nope.html"):
        assert requests.get(c.url + path, timeout=10).status_code == 404, path
    ws = tempest_compute.create_websocket(url)
    assert ws.response.startswith(b"HTTP/1.1 101 Switching Protocols"), ws.response
    assert b"upgrade: websocket" in ws.response.lower()
    version = ws.receive_frame()
    assert version.startswith(b"RFB 003."), version
    ws.send_frame(version)
    types = ws.receive_frame()
    assert 1 in types[1:1 + types[0]], types  # None
    ws.send_frame(bytes((1,)))
    assert ws.receive_frame() == b"\0\0\0\0"
    ws.send_frame(bytes((1,)))  # shared
    init = ws.receive_frame()
    assert len(init) > 24 and len(init) == int.from_bytes(init[20:24], "big") + 24
    assert sid.encode() in init[24:]  # QEMU names the desktop after the guest
    ws.close()
    # Tempest's test_novnc_bad_token: the proxy closes, sending no data
    ws = tempest_compute.create_websocket(url.replace("token%3D", "token%3Dbad"))
    assert ws.response.startswith(b"HTTP/1.1 101"), ws.response
    assert not ws.receive_frame()
    ws.close()
    # a serial token does not open the VNC proxy (nor the other way round)
    r = c.request("POST", "/compute/v2.1/servers/%s/remote-consoles" % sid,
                  headers={"X-OpenStack-Nova-API-Version": "2.6"},
                  json={"remote_console": {"protocol": "serial", "type": "serial"}})
    token = r.json()["remote_console"]["url"].split("token=")[1]
    wsurl = c.url.replace("http://", "ws://") + "/compute/vnc/websockify?token=" + token
    w = websocket.create_connection(wsurl, subprotocols=["binary"], timeout=10)
    op, frame = w.recv_data_frame(True)
    assert op == websocket.ABNF.OPCODE_CLOSE and frame.data == b""
    w.close()


def test_console_tokens_reuse_expiry_restart_and_auth_tokens_api(guest, unique):
    c, sid = guest["cloud"], guest["id"]

    def new_url():
        r = c.request("POST", "/compute/v2.1/servers/%s/remote-consoles" % sid,
                      headers={"X-OpenStack-Nova-API-Version": "2.6"},
                      json={"remote_console": {"protocol": "serial", "type": "serial"}})
        assert r.status_code == 200, r.text
        return r.json()["remote_console"]["url"]

    def refused(url):
        ws = websocket.create_connection(url, subprotocols=["binary"], timeout=10)
        op, frame = ws.recv_data_frame(True)
        ws.close()
        return op == websocket.ABNF.OPCODE_CLOSE and frame.data == b""

    url = new_url()
    token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]
    # as Nova's: a token serves any number of connections until it expires
    for _ in range(2):
        ws = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
        shell(ws)
        ws.close()
    assert refused(url.replace(token, token[:-4] + "0000"))
    # os-console-auth-tokens: every type from 2.31, only rdp below
    r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + token,
                  headers={"X-OpenStack-Nova-API-Version": "2.31"})
    assert r.status_code == 200, r.text
    body = r.json()["console"]
    assert set(body) == {"instance_uuid", "host", "port", "internal_access_path"}
    assert body["instance_uuid"] == sid
    assert body["internal_access_path"].endswith("/%s/serial.sock" % sid)
    r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + token,
                  headers={"X-OpenStack-Nova-API-Version": "2.30"})
    bad(r, 401, "not accessible")
    # kept as Nova's console_auth_tokens: by the token's SHA-256, never the token
    rows = token_rows(c, "token_hash, instance_uuid, console_type, expires")
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert [r for r in rows if r[0] == digest][0][1:3] == (sid, "serial")
    for path in glob.glob(os.path.join(c.data_dir, "stackd.db*")):  # with the WAL
        assert token.encode() not in open(path, "rb").read(), path
    # a short token_ttl: a new token expires; the tokens outlive a restart;
    # a session open while stackd stops is ended, and stackd exits cleanly
    live = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
    shell(live)
    c.extra_args += ["--compute.console_token_ttl", "2"]
    try:
        c.stop()
        assert c.proc.returncode == 0, c.log()[-3000:]
        c.restart()
        assert c.log().count("event=console_closed") >= 3
        # what the guest said before is still readable; then the end
        closed = False
        for _ in range(1000):
            try:
                op, _ = live.recv_data(True)
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                closed = True
                break
            if op == websocket.ABNF.OPCODE_CLOSE:
                closed = True
                break
        assert closed
        live.close()
        # the token from before the restart still answers and opens the console
        r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + token,
                      headers={"X-OpenStack-Nova-API-Version": "2.31"})
        assert r.status_code == 200, r.text
        assert r.json()["console"] == body
        ws = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
        shell(ws)
        ws.close()
        assert refused(url.replace(token, token[:-4] + "0000"))
        url = new_url()
        ws = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
        shell(ws)
        ws.close()
        time.sleep(2.5)
        assert refused(url)
        short = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]
        r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + short,
                      headers={"X-OpenStack-Nova-API-Version": "2.31"})
        assert r.status_code == 404, r.text
        # expired tokens are pruned when the next one is issued
        new_url()
        hashes = [r[0] for r in token_rows(c, "token_hash")]
        assert hashlib.sha256(short.encode()).hexdigest() not in hashes
        assert digest in hashes
        # an expired token stays expired across a restart
        c.restart()
        r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + short,
                      headers={"X-OpenStack-Nova-API-Version": "2.31"})
        assert r.status_code == 404, r.text
        assert refused(url)
    finally:
        del c.extra_args[-2:]
        c.restart()


def test_stopped_guest_and_deleted_server(guest, unique):
    c, sid = guest["cloud"], guest["id"]
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, json={"os-stop": None})
    assert r.status_code == 202, r.text
    wait_until(lambda: c.request("GET", "/compute/v2.1/servers/" + sid).json()["server"]
               ["status"] == "SHUTOFF", 90, what="SHUTOFF")
    # as the libvirt driver: a URL for a stopped guest, whose proxy then fails
    r = c.request("POST", "/compute/v2.1/servers/%s/remote-consoles" % sid,
                  headers={"X-OpenStack-Nova-API-Version": "2.6"},
                  json={"remote_console": {"protocol": "serial", "type": "serial"}})
    assert r.status_code == 200, r.text
    url = r.json()["remote_console"]["url"]
    ws = websocket.create_connection(url, subprotocols=["binary"], timeout=10)
    op, frame = ws.recv_data_frame(True)
    assert op == websocket.ABNF.OPCODE_CLOSE and frame.data == b""
    ws.close()
    r = c.request("POST", "/compute/v2.1/servers/%s/action" % sid, json={"os-start": None})
    assert r.status_code == 202, r.text
    wait_until(lambda: guest["output"]().count("tiny guest ready") >= 2, 180,
               what="the second boot")
    ws = websocket.create_connection(url, subprotocols=["binary"], timeout=30)
    shell(ws)
    ws.close()
    # the server's tokens go with it
    token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]
    r = c.request("DELETE", "/compute/v2.1/servers/" + sid)
    assert r.status_code == 204
    wait_until(lambda: c.request("GET", "/compute/v2.1/servers/" + sid).status_code == 404,
               60, what="the server to go")
    r = c.request("GET", "/compute/v2.1/os-console-auth-tokens/" + token,
                  headers={"X-OpenStack-Nova-API-Version": "2.31"})
    assert r.status_code == 404, r.text
    # its rows are gone from the table, not just hidden
    assert not [r for r in token_rows(c, "instance_uuid") if r[0] == sid]
