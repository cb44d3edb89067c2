"""Image bytes: upload and download with checksums, Range requests, uploads
cut off mid-body (the image stays queued, no file is left), the
glance-direct import, the per-project quota, and a restart in the middle of
an upload."""
import hashlib
import os
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

from conftest import Cloud
from image_util import active_image, create, delete, show, upload


def image_files(cloud):
    d = os.path.join(cloud.data_dir, "images")
    return sorted(f for f in os.listdir(d) if f != "staging")


def test_upload_download_checksums(cloud):
    data = os.urandom(3 * 1024 * 1024 + 7)
    img = create(cloud, disk_format="raw", container_format="bare")
    r = upload(cloud, img["id"], data)
    assert r.status_code == 204 and r.content == b""
    body = show(cloud, img["id"]).json()
    assert body["status"] == "active"
    assert body["size"] == len(data) and body["virtual_size"] == len(data)
    assert body["checksum"] == hashlib.md5(data).hexdigest()
    assert body["os_hash_algo"] == "sha512"
    assert body["os_hash_value"] == hashlib.sha512(data).hexdigest()
    r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"])
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-MD5"] == body["checksum"]
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert int(r.headers["Content-Length"]) == len(data)
    # the bytes sit in one file under the data dir, and go with the image
    path = os.path.join(cloud.data_dir, "images", img["id"])
    assert open(path, "rb").read() == data
    assert delete(cloud, img["id"]).status_code == 204
    assert not os.path.exists(path)


def test_chunked_upload(cloud):
    data = os.urandom(300000)
    img = create(cloud, disk_format="raw", container_format="bare")
    r = upload(cloud, img["id"], (data[i:i + 7000] for i in range(0, len(data), 7000)))
    assert r.status_code == 204, r.text
    assert show(cloud, img["id"]).json()["checksum"] == hashlib.md5(data).hexdigest()


def test_empty_upload(cloud):
    img = create(cloud, disk_format="raw", container_format="bare")
    assert upload(cloud, img["id"], b"").status_code == 204
    body = show(cloud, img["id"]).json()
    assert body["status"] == "active" and body["size"] == 0
    assert body["checksum"] == hashlib.md5(b"").hexdigest()


@pytest.mark.parametrize("rng,status,start,end", [
    ("bytes=0-99", 206, 0, 100),
    ("bytes=1000-", 206, 1000, 10000),
    ("bytes=-50", 206, 9950, 10000),
    ("bytes=9990-20000", 206, 9990, 10000),
    ("bytes=5-5", 206, 5, 6),
    ("bytes=10000-", 416, 0, 0),
    ("bytes=50-10", 416, 0, 0),
    ("bytes=0-1,5-6", 416, 0, 0),
    ("lines=1-2", 416, 0, 0),
])
def test_range_download(cloud, rng, status, start, end):
    data = os.urandom(10000)
    img = active_image(cloud, data=data)
    r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"], headers={"Range": rng})
    assert r.status_code == status, r.text
    if status == 206:
        assert r.content == data[start:end]
        assert r.headers["Content-Range"] == "bytes %d-%d/%d" % (start, end - 1, len(data))
    else:
        assert r.headers["Content-Range"] == "bytes */%d" % len(data)


def test_download_of_queued_image_is_204(cloud):
    img = create(cloud)
    r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"])
    assert r.status_code == 204 and r.content == b""


def test_upload_refusals(cloud):
    img = active_image(cloud)
    r = upload(cloud, img["id"], b"again")
    assert r.status_code == 409
    bare = create(cloud)  # no disk_format / container_format
    assert upload(cloud, bare["id"], b"x").status_code == 400
    typed = create(cloud, disk_format="raw", container_format="bare")
    r = upload(cloud, typed["id"], b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert show(cloud, typed["id"]).json()["status"] == "queued"
    assert upload(cloud, str(uuid.uuid4()), b"x").status_code == 404


def raw_partial_upload(cloud, image_id, declared, send):
    """Sends `send` bytes of a body declared `declared` long, then hangs up."""
    s = socket.create_connection(("127.0.0.1", cloud.port))
    head = ("PUT /image/v2/images/%s/file HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "X-Auth-Token: %s\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\n\r\n" % (image_id, cloud.port, cloud.admin_token, declared))
    s.sendall(head.encode())
    sent = 0
    chunk = os.urandom(65536)
    while sent < send:
        n = min(len(chunk), send - sent)
        s.sendall(chunk[:n])
        sent += n
    time.sleep(0.2)
    s.close()


def wait_status(cloud, image_id, status, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = show(cloud, image_id).json()["status"]
        if got == status:
            return
        time.sleep(0.1)
    raise AssertionError("image %s stayed %s, wanted %s" % (image_id, got, status))


def test_interrupted_upload_leaves_queued(cloud):
    img = create(cloud, disk_format="raw", container_format="bare")
    raw_partial_upload(cloud, img["id"], 8 << 20, 3 << 20)
    wait_status(cloud, img["id"], "queued")
    body = show(cloud, img["id"]).json()
    assert body["size"] is None and body["checksum"] is None
    assert img["id"] not in image_files(cloud)
    assert not [f for f in image_files(cloud) if f.startswith(".tmp-")]
    # the image takes a whole upload afterwards
    data = os.urandom(100000)
    assert upload(cloud, img["id"], data).status_code == 204
    assert show(cloud, img["id"]).json()["checksum"] == hashlib.md5(data).hexdigest()


def test_upload_while_saving_conflicts(cloud):
    img = create(cloud, disk_format="raw", container_format="bare")
    s = socket.create_connection(("127.0.0.1", cloud.port))
    s.sendall(("PUT /image/v2/images/%s/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\n"
               "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
               % (img["id"], cloud.admin_token)).encode() + b"x" * 1000)
    wait_status(cloud, img["id"], "saving")
    assert upload(cloud, img["id"], b"other").status_code == 409
    # deleting during the upload wins; the upload finds its image gone
    assert delete(cloud, img["id"]).status_code == 204
    s.sendall(b"x" * 999000)
    reply = s.recv(4096).decode(errors="replace")
    s.close()
    assert " 410 " in reply.split("\r\n")[0]
    assert not [f for f in image_files(cloud) if img["id"] in f]


def test_stage_and_import(cloud):
    data = os.urandom(200000)
    img = create(cloud, disk_format="raw", container_format="bare")
    base = "/image/v2/images/%s/" % img["id"]
    r = cloud.request("POST", base + "import", json={"method": {"name": "glance-direct"}})
    assert r.status_code == 409  # nothing staged yet
    r = cloud.request("PUT", base + "stage", data=data,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    assert show(cloud, img["id"]).json()["status"] == "uploading"
    r = cloud.request("POST", base + "import", json={"method": {"name": "web-download",
                                                                "uri": "http://x/y"}})
    assert r.status_code == 400 and "outside network" in r.text
    r = cloud.request("POST", base + "import", json={"method": {"name": "copy-image"}})
    assert r.status_code == 400
    r = cloud.request("POST", base + "import", json={"method": {"name": "glance-direct"}})
    assert r.status_code == 202, r.text
    body = show(cloud, img["id"]).json()
    assert body["status"] == "active" and body["size"] == len(data)
    assert body["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert cloud.request("GET", base + "file").content == data
    assert body["stores"] == "file"
    assert not os.listdir(os.path.join(cloud.data_dir, "images", "staging"))
    tasks = cloud.request("GET", base + "tasks").json()["tasks"]
    assert len(tasks) == 1
    assert tasks[0]["status"] == "success" and tasks[0]["type"] == "api_image_import"
    assert tasks[0]["image_id"] == img["id"]
    assert tasks[0]["input"]["import_req"]["method"]["name"] == "glance-direct"


def test_stage_refuses_bad_format(cloud, tmp_path):
    img = create(cloud, disk_format="qcow2", container_format="bare")
    r = cloud.request("PUT", "/image/v2/images/%s/stage" % img["id"], data=os.urandom(5000),
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400
    assert show(cloud, img["id"]).json()["status"] == "queued"


def test_cli_import(cloud, tmp_path, unique):
    f = tmp_path / "d.raw"
    data = os.urandom(50000)
    f.write_bytes(data)
    cloud.cli("image", "create", "--import", "--disk-format", "raw", "--container-format",
              "bare", "--file", str(f), unique)
    shown = cloud.cli("image", "show", unique, "-f", "json")
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(data).hexdigest()


@pytest.fixture(scope="module")
def quota_cloud():
    binary = os.environ.get("STACKD_BIN", os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "build", "stackd"))
    c = Cloud(binary, extra_args=("--image.quota-bytes", "100000"))
    yield c
    c.stop()
    log = c.log()
    assert c.proc.returncode == 0, log[-3000:]
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]


def test_quota(quota_cloud):
    c = quota_cloud
    first = active_image(c, data=os.urandom(60000))
    # refused from Content-Length, before any byte is stored
    img = create(c, disk_format="raw", container_format="bare")
    r = upload(c, img["id"], os.urandom(60000))
    assert r.status_code == 413, r.text
    assert show(c, img["id"]).json()["status"] == "queued"
    # refused mid-stream when no length is announced
    data = os.urandom(60000)
    r = upload(c, img["id"], (data[i:i + 8192] for i in range(0, len(data), 8192)))
    assert r.status_code == 413
    wait_status(c, img["id"], "queued")
    assert not [f for f in image_files(c) if f.startswith(".tmp-")]
    # within what is left, fine; deleting frees the bytes
    assert upload(c, img["id"], os.urandom(30000)).status_code == 204
    third = create(c, disk_format="raw", container_format="bare")
    assert upload(c, third["id"], os.urandom(20000)).status_code == 413
    assert delete(c, first["id"]).status_code == 204
    assert upload(c, third["id"], os.urandom(60000)).status_code == 204


def test_restart_during_upload(tmp_path):
    """stackd killed mid-upload: on restart the image is queued again and
    the temporary file is gone."""
    binary = os.environ.get("STACKD_BIN", os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "build", "stackd"))
    c = Cloud(binary)
    try:
        img = create(c, disk_format="raw", container_format="bare")
        s = socket.create_connection(("127.0.0.1", c.port))
        s.sendall(("PUT /image/v2/images/%s/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\n"
                   "Content-Type: application/octet-stream\r\nContent-Length: 9000000\r\n\r\n"
                   % (img["id"], c.admin_token)).encode() + os.urandom(2000000))
        wait_status(c, img["id"], "saving")
        assert [f for f in image_files(c) if f.startswith(".tmp-")]
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait()
        s.close()
        log = open(c.log_path, "a")
        proc = subprocess.Popen([binary, "serve", "--data-dir", c.data_dir, "--listen",
                                 "127.0.0.1:%d" % c.port, "--admin-password",
                                 c.admin_password], stdout=log, stderr=subprocess.STDOUT)
        c.proc = proc
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(c.url + "/healthcheck", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.time() < deadline and proc.poll() is None, c.log()[-2000:]
            time.sleep(0.1)
        c._admin_token = None
        assert show(c, img["id"]).json()["status"] == "queued"
        assert not [f for f in image_files(c) if f.startswith(".tmp-")]
        assert upload(c, img["id"], b"ok").status_code == 204
    finally:
        c.stop()
    log = c.log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]


def test_range_across_buffer_boundaries(cloud):
    data = os.urandom(5 * 1024 * 1024 + 3)
    img = active_image(cloud, data=data)
    url = "/image/v2/images/%s/file" % img["id"]
    for start, end in [(1048570, 2097160), (0, len(data) - 1), (4194300, len(data) - 1)]:
        r = cloud.request("GET", url, headers={"Range": "bytes=%d-%d" % (start, end)})
        assert r.status_code == 206
        assert r.content == data[start:end + 1]
    # a HEAD carries the headers of the whole file, and no body
    r = cloud.request("HEAD", url)
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data)


def test_empty_image_download(cloud):
    img = active_image(cloud, data=b"")
    url = "/image/v2/images/%s/file" % img["id"]
    r = cloud.request("GET", url)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == 0
    assert r.headers["Content-MD5"] == hashlib.md5(b"").hexdigest()
    r = cloud.request("GET", url, headers={"Range": "bytes=0-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == "bytes */0"


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_download_streams_from_the_file(cloud):
    """A download is sent from the image file, not held in memory: a slow
    reader of 64 MiB leaves stackd's RSS where it was; the bytes keep
    coming when the image is deleted mid-download (the open file keeps
    them); the connection serves the next request afterwards."""
    data = os.urandom(64 << 20)
    img = active_image(cloud, data=data)
    md5 = hashlib.md5(data).hexdigest()
    url = "/image/v2/images/%s/file" % img["id"]
    pid = cloud.proc.pid
    with requests.Session() as s:
        s.headers["X-Auth-Token"] = cloud.admin_token
        base = rss_kb(pid)
        peak = base
        got = hashlib.md5()
        with s.get(cloud.url + url, stream=True, timeout=60) as r:
            assert r.status_code == 200
            assert r.headers["Content-MD5"] == md5
            assert int(r.headers["Content-Length"]) == len(data)
            for i, chunk in enumerate(r.iter_content(1 << 20)):
                got.update(chunk)
                peak = max(peak, rss_kb(pid))
                if i == 4:
                    assert delete(cloud, img["id"]).status_code == 204
                    assert show(cloud, img["id"]).status_code == 404
                time.sleep(0.002)
        assert got.hexdigest() == md5
        assert peak - base < 16 * 1024, "RSS grew by %d kB during a download" % (peak - base)
        assert s.get(cloud.url + "/image/v2/images/" + img["id"]).status_code == 404
    assert not os.path.exists(os.path.join(cloud.data_dir, "images", img["id"]))


def test_range_download_large_offsets(cloud):
    """Single ranges deep into a file, whole-file ranges, and suffix ranges
    come from the file at the right offset."""
    data = os.urandom(9 << 20)
    img = active_image(cloud, data=data)
    url = "/image/v2/images/%s/file" % img["id"]
    for rng, start, end in [("bytes=%d-" % (8 << 20), 8 << 20, len(data)),
                            ("bytes=0-%d" % (len(data) - 1), 0, len(data)),
                            ("bytes=-1", len(data) - 1, len(data)),
                            ("bytes=%d-%d" % ((3 << 20) + 1, (3 << 20) + 1), (3 << 20) + 1,
                             (3 << 20) + 2)]:
        r = cloud.request("GET", url, headers={"Range": rng})
        assert r.status_code == 206, rng
        assert r.content == data[start:end], rng
        assert int(r.headers["Content-Length"]) == end - start
        assert r.headers["Content-Range"] == "bytes %d-%d/%d" % (start, end - 1, len(data))


def threads_of(cloud):
    return len(os.listdir("/proc/%d/task" % cloud.proc.pid))


# Uploads go through a ring of 1 MiB slots (4 of them) to a writer (O_DIRECT,
# 4 KiB aligned, the unaligned end through the page cache) and the two
# digest threads: sizes around each of those edges, sent in odd pieces.
@pytest.mark.parametrize("size", [1, 4095, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1,
                                  4 << 20, (4 << 20) + 4097, (9 << 20) - 1])
def test_upload_digests_of_odd_sizes(cloud, size):
    data = os.urandom(size)
    img = create(cloud, disk_format="raw", container_format="bare")
    r = upload(cloud, img["id"], (data[i:i + 12345] for i in range(0, len(data), 12345)))
    assert r.status_code == 204, r.text
    body = show(cloud, img["id"]).json()
    assert body["status"] == "active" and body["size"] == size
    assert body["checksum"] == hashlib.md5(data).hexdigest()
    assert body["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert open(os.path.join(cloud.data_dir, "images", img["id"]), "rb").read() == data
    r = cloud.request("GET", "/image/v2/images/%s/file" % img["id"])
    assert r.status_code == 200 and r.content == data
    assert delete(cloud, img["id"]).status_code == 204


def test_interrupted_uploads_stop_their_threads(cloud):
    """Cut off after more bytes than the ring holds, and after fewer: the
    image stays queued with no file, the pipeline's threads end, and a
    whole upload afterwards has the right digests."""
    before = threads_of(cloud)
    img = create(cloud, disk_format="raw", container_format="bare")
    for sent in [(13 << 20) + 5, 100000]:
        raw_partial_upload(cloud, img["id"], 32 << 20, sent)
        wait_status(cloud, img["id"], "queued")
        assert not [f for f in image_files(cloud) if img["id"] in f]
    deadline = time.time() + 10
    while threads_of(cloud) > before and time.time() < deadline:
        time.sleep(0.1)
    assert threads_of(cloud) <= before
    body = show(cloud, img["id"]).json()
    assert body["size"] is None and body["checksum"] is None
    data = os.urandom((5 << 20) + 3)
    assert upload(cloud, img["id"], data).status_code == 204
    body = show(cloud, img["id"]).json()
    assert body["checksum"] == hashlib.md5(data).hexdigest()
    assert body["os_hash_value"] == hashlib.sha512(data).hexdigest()
