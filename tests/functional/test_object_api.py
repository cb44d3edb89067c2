"""Swift v1 through raw HTTP: info, account, containers, objects, names,
listings, ranges, conditional requests, copies, metadata and expiry."""
import hashlib
import http.client
import json
import os
import re
import time
import urllib.parse
from email.utils import formatdate

import requests

from conftest_object import other, swift  # noqa: F401


def q(name):
    return urllib.parse.quote(name, safe="")


def make_container(swift, name, **headers):  # noqa: F811
    r = swift.req("PUT", "/" + q(name), headers=headers)
    assert r.status_code in (201, 202), r.text
    return name


def test_info_at_both_places(cloud):
    for path in ("/info", "/object-store/info"):
        r = requests.get(cloud.url + path, timeout=10)
        assert r.status_code == 200
        info = r.json()
        assert info["swift"]["max_object_name_length"] == 1024
        assert info["swift"]["container_listing_limit"] == 10000
        for cap in ("slo", "bulk_delete", "tempurl", "account_quotas", "container_quotas"):
            assert cap in info


def test_account_head_counts_and_metadata(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    swift.req("PUT", "/%s/a" % c, data=b"12345")
    r = swift.req("HEAD")
    assert r.status_code == 204
    assert int(r.headers["X-Account-Container-Count"]) >= 1
    assert int(r.headers["X-Account-Bytes-Used"]) >= 5
    # Swift's format, which Tempest's header matchers check
    assert re.match(r"^tx[0-9a-f]{21}-[0-9a-f]{10}$", r.headers["X-Trans-Id"]), r.headers
    assert r.headers["X-Openstack-Request-Id"]
    r = swift.req("POST", headers={"X-Account-Meta-Color": "red"})
    assert r.status_code == 204
    assert swift.req("HEAD").headers["X-Account-Meta-Color"] == "red"
    swift.req("POST", headers={"X-Remove-Account-Meta-Color": "x"})
    assert "X-Account-Meta-Color" not in swift.req("HEAD").headers


def test_unauthenticated_and_bad_token(swift, cloud):  # noqa: F811
    r = cloud.request("GET", swift.path, token=False)
    assert r.status_code == 401
    assert "text/html" in r.headers["Content-Type"]
    r = cloud.request("GET", swift.path, token="not-a-token")
    assert r.status_code == 401


def test_container_lifecycle(swift, unique):  # noqa: F811
    r = swift.req("PUT", "/" + unique, headers={"X-Container-Meta-Owner": "me"})
    assert r.status_code == 201
    assert swift.req("PUT", "/" + unique).status_code == 202
    r = swift.req("HEAD", "/" + unique)
    assert r.status_code == 204
    assert r.headers["X-Container-Object-Count"] == "0"
    assert r.headers["X-Container-Meta-Owner"] == "me"
    swift.req("PUT", "/%s/o" % unique, data=b"abc")
    r = swift.req("POST", "/" + unique, headers={"X-Container-Meta-Owner": "",
                                                 "X-Container-Meta-New": "1"})
    assert r.status_code == 204
    r = swift.req("HEAD", "/" + unique)
    assert "X-Container-Meta-Owner" not in r.headers
    assert r.headers["X-Container-Meta-New"] == "1"
    assert r.headers["X-Container-Object-Count"] == "1"
    assert r.headers["X-Container-Bytes-Used"] == "3"
    assert swift.req("DELETE", "/" + unique).status_code == 409
    assert swift.req("DELETE", "/%s/o" % unique).status_code == 204
    assert swift.req("DELETE", "/" + unique).status_code == 204
    r = swift.req("HEAD", "/" + unique)
    assert r.status_code == 404
    r = swift.req("GET", "/" + unique)
    assert r.status_code == 404
    assert r.text == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"


def test_object_put_get_head(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    data = os.urandom(100000)
    md5 = hashlib.md5(data).hexdigest()
    r = swift.req("PUT", "/%s/file.txt" % c, data=data, headers={"X-Object-Meta-Color": "blue"})
    assert r.status_code == 201
    assert r.headers["ETag"] == md5
    r = swift.req("GET", "/%s/file.txt" % c)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["ETag"] == md5
    assert r.headers["Content-Type"] == "text/plain"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["X-Object-Meta-Color"] == "blue"
    assert r.headers["Last-Modified"].endswith("GMT")
    assert float(r.headers["X-Timestamp"]) > 0
    r = swift.req("HEAD", "/%s/file.txt" % c)
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(len(data))
    assert r.content == b""
    # a new PUT replaces the object whole
    swift.req("PUT", "/%s/file.txt" % c, data=b"new", headers={"Content-Type": "x/y"})
    r = swift.req("GET", "/%s/file.txt" % c)
    assert r.content == b"new" and r.headers["Content-Type"] == "x/y"
    assert "X-Object-Meta-Color" not in r.headers
    assert swift.req("GET", "/%s/nope" % c).status_code == 404
    assert swift.req("PUT", "/nocontainer-%s/x" % unique, data=b"x").status_code == 404


def test_etag_mismatch_is_422(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    r = swift.req("PUT", "/%s/o" % c, data=b"hello", headers={"ETag": "0" * 32})
    assert r.status_code == 422
    assert swift.req("HEAD", "/%s/o" % c).status_code == 404
    r = swift.req("PUT", "/%s/o" % c, data=b"hello",
                  headers={"ETag": hashlib.md5(b"hello").hexdigest()})
    assert r.status_code == 201


def raw(cloud, method, path, headers, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=30)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    if body is not None:
        conn.send(body)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def test_length_required_and_chunked(swift, cloud, unique):  # noqa: F811
    c = make_container(swift, unique)
    r, _ = raw(cloud, "PUT", swift.path + "/%s/o" % c, {"X-Auth-Token": swift.token})
    assert r.status == 411
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    r, _ = raw(cloud, "PUT", swift.path + "/%s/chunked" % c,
               {"X-Auth-Token": swift.token, "Transfer-Encoding": "chunked"}, body)
    assert r.status == 201
    assert r.getheader("ETag") == hashlib.md5(b"hello world").hexdigest()
    assert swift.req("GET", "/%s/chunked" % c).content == b"hello world"


def test_names_unicode_dotdot_and_limits(swift, cloud, unique):  # noqa: F811
    c = make_container(swift, unique)
    names = ["../../../etc/passwd", "ü/ñ 文字 ☃", "a/b/../c", "x%y?z#w", "dir/"]
    for n in names:
        r = swift.req("PUT", "/%s/%s" % (c, q(n)), data=n.encode())
        assert r.status_code == 201, (n, r.text)
    for n in names:
        r = swift.req("GET", "/%s/%s" % (c, q(n)))
        assert r.status_code == 200 and r.content == n.encode(), n
    listed = swift.req("GET", "/%s?format=json" % c).json()
    assert sorted(o["name"] for o in listed) == sorted(names)
    # nothing escaped the data dir
    assert not os.path.exists(os.path.join(cloud.data_dir, "etc"))
    assert not os.path.exists(os.path.join(cloud.data_dir, "objects", c))
    r = swift.req("PUT", "/%s/%s" % (c, "n" * 1025), data=b"x")
    assert r.status_code == 400
    assert swift.req("PUT", "/%s/%s" % (c, "n" * 1024), data=b"x").status_code == 201
    r = swift.req("PUT", "/%s/%s" % (c, "%FF%FE"), data=b"x")
    assert r.status_code in (400, 412)
    assert swift.req("PUT", "/" + "c" * 257).status_code == 400


def test_listing_options(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    names = ["a", "b/1", "b/2", "b/c/3", "c", "d"]
    for n in names:
        swift.req("PUT", "/%s/%s" % (c, n), data=n.encode())

    def ls(query, fmt="json"):
        r = swift.req("GET", "/%s?format=%s&%s" % (c, fmt, query))
        assert r.status_code in (200, 204), r.text
        return r

    assert [o["name"] for o in ls("").json()] == names
    assert ls("").json()[0]["bytes"] == 1 and ls("").json()[0]["hash"]
    assert "last_modified" in ls("").json()[0]
    assert [o["name"] for o in ls("prefix=b/").json()] == ["b/1", "b/2", "b/c/3"]
    assert [o.get("name") or o["subdir"] for o in ls("delimiter=/").json()] == \
        ["a", "b/", "c", "d"]
    assert [o.get("name") or o["subdir"] for o in ls("prefix=b/&delimiter=/").json()] == \
        ["b/1", "b/2", "b/c/"]
    assert [o["name"] for o in ls("marker=b/2").json()] == ["b/c/3", "c", "d"]
    assert [o["name"] for o in ls("end_marker=b/2").json()] == ["a", "b/1"]
    assert [o["name"] for o in ls("limit=2").json()] == ["a", "b/1"]
    assert [o["name"] for o in ls("reverse=true&limit=2").json()] == ["d", "c"]
    assert [o.get("name") or o["subdir"] for o in ls("reverse=on&delimiter=/").json()] == \
        ["d", "c", "b/", "a"]
    assert ls("", "plain").text == "a\nb/1\nb/2\nb/c/3\nc\nd\n"
    assert ls("prefix=zzz", "plain").status_code == 204
    xml = ls("prefix=b/&delimiter=/", "xml").text
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<container name="%s">' % c in xml and '<subdir name="b/c/">' in xml
    assert "<name>b/1</name>" in xml
    assert swift.req("GET", "/%s?limit=10001" % c).status_code == 412
    r = swift.req("GET", "?format=json&prefix=" + c)
    entry = [e for e in r.json() if e["name"] == c][0]
    assert entry["count"] == 6 and entry["bytes"] == sum(len(n) for n in names)
    assert swift.req("GET", "", headers={"Accept": "application/json"}).headers[
        "Content-Type"].startswith("application/json")


def test_ranges(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    data = bytes(range(256)) * 40
    swift.req("PUT", "/%s/r" % c, data=data, headers={"Content-Type": "app/x"})
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["Content-Range"] == "bytes 10-19/%d" % len(data)
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=-5"})
    assert r.content == data[-5:]
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=10000-"})
    assert r.content == data[10000:]
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=0-1,100-102,-1"})
    assert r.status_code == 206
    ctype = r.headers["Content-Type"]
    assert ctype.startswith("multipart/byteranges;boundary=")
    boundary = ctype.split("=", 1)[1].encode()
    parts = [p for p in r.content.split(b"--" + boundary) if p.strip(b"\r\n-")]
    got = []
    for p in parts:
        head, body = p.split(b"\r\n\r\n", 1)
        assert b"Content-Range: bytes" in head and b"Content-Type: app/x" in head
        got.append(body.rstrip(b"\r\n") if body.endswith(b"\r\n") else body)
    assert got == [data[0:2], data[100:103], data[-1:]]
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=999999-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == "bytes */%d" % len(data)
    r = swift.req("GET", "/%s/r" % c, headers={"Range": "bytes=garbage"})
    assert r.status_code == 200 and r.content == data


def test_conditional_requests(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    etag = swift.req("PUT", "/%s/o" % c, data=b"cond").headers["ETag"]
    path = "/%s/o" % c
    assert swift.req("GET", path, headers={"If-Match": etag}).status_code == 200
    assert swift.req("GET", path, headers={"If-Match": '"%s"' % etag}).status_code == 200
    assert swift.req("GET", path, headers={"If-Match": "nope"}).status_code == 412
    r = swift.req("GET", path, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.headers["ETag"] == etag
    assert swift.req("GET", path, headers={"If-None-Match": "other"}).status_code == 200
    future = formatdate(time.time() + 3600, usegmt=True)
    past = formatdate(time.time() - 3600, usegmt=True)
    assert swift.req("GET", path, headers={"If-Modified-Since": future}).status_code == 304
    assert swift.req("GET", path, headers={"If-Modified-Since": past}).status_code == 200
    assert swift.req("GET", path, headers={"If-Unmodified-Since": past}).status_code == 412
    assert swift.req("GET", path, headers={"If-Unmodified-Since": future}).status_code == 200
    r = swift.req("PUT", path, data=b"again", headers={"If-None-Match": "*"})
    assert r.status_code == 412
    assert swift.req("PUT", path + "2", data=b"x", headers={"If-None-Match": "*"}).status_code \
        == 201


def test_post_replaces_metadata(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    swift.req("PUT", "/%s/o" % c, data=b"x", headers={"X-Object-Meta-A": "1"})
    r = swift.req("POST", "/%s/o" % c, headers={"X-Object-Meta-B": "2",
                                                "Content-Type": "text/csv"})
    assert r.status_code == 202
    h = swift.req("HEAD", "/%s/o" % c).headers
    assert h["X-Object-Meta-B"] == "2" and "X-Object-Meta-A" not in h
    assert h["Content-Type"] == "text/csv"
    assert swift.req("POST", "/%s/missing" % c).status_code == 404


def test_copy_and_copy_from(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    d = make_container(swift, unique + "-dst")
    swift.req("PUT", "/%s/src" % c, data=b"copy me", headers={"X-Object-Meta-K": "v"})
    r = swift.req("COPY", "/%s/src" % c, headers={"Destination": "%s/viacopy" % d})
    assert r.status_code == 201, r.text
    assert r.headers["X-Copied-From"] == "%s/src" % c
    r = swift.req("PUT", "/%s/viaput" % d, headers={"X-Copy-From": "/%s/src" % c,
                                                   "X-Object-Meta-New": "n"})
    assert r.status_code == 201
    # the answer to a copy carries the new object's metadata (Swift does)
    assert r.headers["X-Object-Meta-K"] == "v" and r.headers["X-Object-Meta-New"] == "n"
    for n in ("viacopy", "viaput"):
        g = swift.req("GET", "/%s/%s" % (d, n))
        assert g.content == b"copy me" and g.headers["X-Object-Meta-K"] == "v"
        assert g.headers["ETag"] == hashlib.md5(b"copy me").hexdigest()
    assert swift.req("COPY", "/%s/src" % c).status_code == 412
    assert swift.req("COPY", "/%s/none" % c, headers={"Destination": "%s/x" % d}).status_code \
        == 404


def test_expiry(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    r = swift.req("PUT", "/%s/soon" % c, data=b"x", headers={"X-Delete-After": "1"})
    assert r.status_code == 201
    at = int(swift.req("HEAD", "/%s/soon" % c).headers["X-Delete-At"])
    assert abs(at - time.time()) < 5
    swift.req("PUT", "/%s/later" % c, data=b"x")
    swift.req("POST", "/%s/later" % c, headers={"X-Delete-At": str(int(time.time()) + 1)})
    assert swift.req("PUT", "/%s/bad" % c, data=b"x",
                     headers={"X-Delete-At": "1"}).status_code == 400
    assert swift.req("PUT", "/%s/bad" % c, data=b"x",
                     headers={"X-Delete-After": "soon"}).status_code == 400
    time.sleep(2.2)
    assert swift.req("GET", "/%s/soon" % c).status_code == 404
    assert swift.req("GET", "/%s/later" % c).status_code == 404
    assert swift.req("GET", "/%s?format=json" % c).json() == []
    assert swift.req("HEAD", "/" + c).headers["X-Container-Object-Count"] == "0"


def test_bulk_delete(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    for n in ("a", "b b", "ü"):
        swift.req("PUT", "/%s/%s" % (c, q(n)), data=b"x")
    body = "\n".join("/%s/%s" % (c, q(n)) for n in ("a", "b b", "ü", "missing"))
    r = swift.req("POST", "?bulk-delete", data=body.encode(),
                  headers={"Accept": "application/json", "Content-Type": "text/plain"})
    assert r.status_code == 200
    out = r.json()
    assert out["Number Deleted"] == 3 and out["Number Not Found"] == 1
    r = swift.req("DELETE", "?bulk-delete", data=("/%s\n" % c).encode(),
                  headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and "Number Deleted: 1" in r.text
    assert swift.req("HEAD", "/" + c).status_code == 404
    # a list over a megabyte (Swift takes 10000 paths of up to 1282 bytes)
    body = "\n".join("/%s/%04d%s" % (c, i, "n" * 1000) for i in range(1500))
    r = swift.req("POST", "?bulk-delete", data=body.encode(),
                  headers={"Accept": "application/json", "Content-Type": "text/plain"})
    assert r.status_code == 200 and r.json()["Number Not Found"] == 1500
    # a container POST's body is small, or a 413 (the connection stays usable)
    with requests.Session() as sess:
        r = sess.post(swift.url + "/" + c, data=b"x" * (2 << 20),
                      headers={"X-Auth-Token": swift.token})
        assert r.status_code == 413
        assert sess.head(swift.url, headers={"X-Auth-Token": swift.token}).status_code == 204


def test_account_put_not_allowed(swift):  # noqa: F811
    assert swift.req("PUT").status_code == 405
    assert json.loads(swift.req("GET", "?format=json").text) is not None


def test_versioned_writes(swift, unique):  # noqa: F811
    arch = make_container(swift, unique + "-v")
    c = make_container(swift, unique, **{"X-Versions-Location": arch})
    for body in (b"one", b"two", b"three"):
        assert swift.req("PUT", "/%s/doc" % c, data=body).status_code == 201
    archived = swift.req("GET", "/%s?format=json" % arch).json()
    assert len(archived) == 2 and all(a["name"].startswith("003doc/") for a in archived)
    assert swift.req("GET", "/%s/doc" % c).content == b"three"
    # stack mode: DELETE brings back the previous version
    assert swift.req("DELETE", "/%s/doc" % c).status_code == 204
    assert swift.req("GET", "/%s/doc" % c).content == b"two"
    assert swift.req("DELETE", "/%s/doc" % c).status_code == 204
    assert swift.req("GET", "/%s/doc" % c).content == b"one"
    assert swift.req("DELETE", "/%s/doc" % c).status_code == 204
    assert swift.req("GET", "/%s/doc" % c).status_code == 404
    # history mode: DELETE archives and removes
    h = make_container(swift, unique + "-h", **{"X-History-Location": arch})
    swift.req("PUT", "/%s/x" % h, data=b"1")
    swift.req("PUT", "/%s/x" % h, data=b"2")
    assert swift.req("DELETE", "/%s/x" % h).status_code == 204
    assert swift.req("GET", "/%s/x" % h).status_code == 404
    kept = [a["name"] for a in swift.req("GET", "/%s?format=json&prefix=001x/" % arch).json()]
    assert len(kept) == 2
    assert sorted(swift.req("GET", "/%s/%s" % (arch, q(k))).content for k in kept) == [b"1", b"2"]
    swift.req("POST", "/" + h, headers={"X-Remove-History-Location": "x"})
    assert "X-History-Location" not in swift.req("HEAD", "/" + h).headers


def test_swift_healthcheck_at_the_service_root(cloud):
    r = requests.get(cloud.url + "/object-store/healthcheck", timeout=10)
    assert r.status_code == 200 and r.text == "OK"


def test_metadata_names_with_underscores_become_hyphens(swift, unique):  # noqa: F811
    # As Swift behind WSGI: X-Container-Meta-a_b is stored as X-Container-Meta-A-B
    c = make_container(swift, unique, **{"X-Container-Meta-test_meta": "v1"})
    assert swift.req("HEAD", "/" + c).headers.get("X-Container-Meta-Test-Meta") == "v1"
    r = swift.req("PUT", "/%s/o" % c, data=b"x", headers={"X-Object-Meta-my_key": "v2"})
    assert r.status_code == 201
    assert swift.req("HEAD", "/%s/o" % c).headers.get("X-Object-Meta-My-Key") == "v2"


def test_post_makes_an_object_a_dynamic_large_object(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    for i, part in enumerate((b"abc", b"def")):
        assert swift.req("PUT", "/%s/seg/%d" % (c, i), data=part).status_code == 201
    assert swift.req("PUT", "/%s/big" % c, data=b"").status_code == 201
    r = swift.req("POST", "/%s/big" % c, headers={"X-Object-Manifest": "%s/seg/" % c})
    assert r.status_code == 202
    r = swift.req("HEAD", "/%s/big" % c)
    assert r.headers["X-Object-Manifest"] == "%s/seg/" % c
    assert r.headers["ETag"].startswith('"') and r.headers["ETag"].endswith('"')
    assert swift.req("GET", "/%s/big" % c).content == b"abcdef"
    assert swift.req("POST", "/%s/big" % c,
                     headers={"X-Object-Manifest": "no-slash"}).status_code == 400
    # an empty value makes it a plain object again
    assert swift.req("POST", "/%s/big" % c, headers={"X-Object-Manifest": ""}).status_code == 202
    r = swift.req("GET", "/%s/big" % c)
    assert "X-Object-Manifest" not in r.headers and r.content == b""


def test_container_with_only_expired_objects_can_be_deleted(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    r = swift.req("PUT", "/%s/o" % c, data=b"x", headers={"X-Delete-After": "1"})
    assert r.status_code == 201
    time.sleep(2.1)
    assert swift.req("GET", "/%s/o" % c).status_code == 404
    # at once, without waiting for the expirer's next round
    assert swift.req("DELETE", "/" + c).status_code == 204


def test_metadata_with_an_empty_value_is_kept(swift, unique):  # noqa: F811
    c = make_container(swift, unique)
    r = swift.req("PUT", "/%s/o" % c, data=b"x", headers={"X-Object-Meta-Blank": ""})
    assert r.status_code == 201
    assert swift.req("GET", "/%s/o" % c).headers.get("X-Object-Meta-Blank") == ""
    # an object POST replaces the metadata: the empty one is set, not removed
    r = swift.req("POST", "/%s/o" % c, headers={"X-Object-Meta-Other": ""})
    h = swift.req("HEAD", "/%s/o" % c).headers
    assert h.get("X-Object-Meta-Other") == "" and "X-Object-Meta-Blank" not in h
