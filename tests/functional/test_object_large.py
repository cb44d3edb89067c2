"""Large objects: dynamic (X-Object-Manifest) and static
(multipart-manifest=put|get|delete) manifests, ETag and size validation,
ranges across segments."""
import hashlib
import json

from conftest_object import swift  # noqa: F401


def put_segments(swift, c, prefix, chunks):  # noqa: F811
    out = []
    for i, data in enumerate(chunks):
        name = "%s/%04d" % (prefix, i)
        r = swift.req("PUT", "/%s/%s" % (c, name), data=data)
        assert r.status_code == 201
        out.append({"path": "/%s/%s" % (c, name), "etag": r.headers["ETag"],
                    "size_bytes": len(data)})
    return out


def test_dynamic_large_object(swift, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    chunks = [b"a" * 1000, b"b" * 10, b"c" * 2000]
    put_segments(swift, c, "segs/dlo", chunks)
    r = swift.req("PUT", "/%s/big" % c, data=b"",
                  headers={"X-Object-Manifest": "%s/segs/dlo/" % c})
    assert r.status_code == 201
    whole = b"".join(chunks)
    r = swift.req("GET", "/%s/big" % c)
    assert r.content == whole
    assert r.headers["X-Object-Manifest"] == "%s/segs/dlo/" % c
    etags = "".join(hashlib.md5(x).hexdigest() for x in chunks)
    assert r.headers["ETag"] == '"%s"' % hashlib.md5(etags.encode()).hexdigest()
    h = swift.req("HEAD", "/%s/big" % c)
    assert h.headers["Content-Length"] == str(len(whole))
    r = swift.req("GET", "/%s/big" % c, headers={"Range": "bytes=995-1015"})
    assert r.status_code == 206 and r.content == whole[995:1016]
    # a new segment shows up at once
    swift.req("PUT", "/%s/segs/dlo/0003" % c, data=b"dd")
    assert swift.req("GET", "/%s/big" % c).content == whole + b"dd"


def test_static_large_object(swift, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    chunks = [bytes([i]) * (1000 + i) for i in range(5)]
    manifest = put_segments(swift, c, "segs/slo", chunks)
    r = swift.req("PUT", "/%s/big?multipart-manifest=put" % c, data=json.dumps(manifest))
    assert r.status_code == 201, r.text
    whole = b"".join(chunks)
    etags = "".join(m["etag"] for m in manifest)
    slo_etag = hashlib.md5(etags.encode()).hexdigest()
    assert r.headers["ETag"] == '"%s"' % slo_etag
    r = swift.req("GET", "/%s/big" % c)
    assert r.content == whole
    assert r.headers["X-Static-Large-Object"] == "True"
    assert r.headers["ETag"] == '"%s"' % slo_etag
    assert swift.req("HEAD", "/%s/big" % c).headers["Content-Length"] == str(len(whole))
    # ranges across segment boundaries, single and multiple
    r = swift.req("GET", "/%s/big" % c, headers={"Range": "bytes=990-2010"})
    assert r.status_code == 206 and r.content == whole[990:2011]
    r = swift.req("GET", "/%s/big" % c, headers={"Range": "bytes=0-0,-3"})
    assert r.status_code == 206 and r.headers["Content-Type"].startswith("multipart/byteranges")
    assert whole[-3:] in r.content
    # the listing shows the whole size
    lst = swift.req("GET", "/%s?format=json&prefix=big" % c).json()
    assert lst[0]["bytes"] == len(whole) and lst[0]["hash"] == slo_etag
    # the stored manifest
    r = swift.req("GET", "/%s/big?multipart-manifest=get" % c)
    stored = r.json()
    assert [s["name"] for s in stored] == [m["path"] for m in manifest]
    assert [s["bytes"] for s in stored] == [len(x) for x in chunks]
    # copy makes a plain object of the concatenation
    r = swift.req("PUT", "/%s/copy" % c, headers={"X-Copy-From": "%s/big" % c})
    assert r.status_code == 201
    assert swift.req("GET", "/%s/copy" % c).content == whole
    # delete with its segments
    r = swift.req("DELETE", "/%s/big?multipart-manifest=delete" % c,
                  headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["Number Deleted"] == 6
    assert swift.req("GET", "/%s?format=json&prefix=segs/" % c).json() == []


def test_slo_validation(swift, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    manifest = put_segments(swift, c, "s", [b"x" * 10, b"y" * 10])
    bad = [dict(manifest[0], etag="0" * 32), manifest[1]]
    r = swift.req("PUT", "/%s/m?multipart-manifest=put" % c, data=json.dumps(bad))
    assert r.status_code == 400 and "Etag Mismatch" in r.text
    bad = [manifest[0], dict(manifest[1], size_bytes=11)]
    r = swift.req("PUT", "/%s/m?multipart-manifest=put" % c, data=json.dumps(bad))
    assert r.status_code == 400 and "Size Mismatch" in r.text
    bad = [manifest[0], {"path": "/%s/missing" % c, "etag": None, "size_bytes": None}]
    r = swift.req("PUT", "/%s/m?multipart-manifest=put" % c, data=json.dumps(bad))
    assert r.status_code == 400 and "404 Not Found" in r.text
    r = swift.req("PUT", "/%s/m?multipart-manifest=put" % c, data=b"not json")
    assert r.status_code == 400
    assert swift.req("HEAD", "/%s/m" % c).status_code == 404
    # null etag and size are accepted
    ok = [{"path": m["path"], "etag": None, "size_bytes": None} for m in manifest]
    r = swift.req("PUT", "/%s/m?multipart-manifest=put" % c, data=json.dumps(ok))
    assert r.status_code == 201
    assert swift.req("GET", "/%s/m" % c).content == b"x" * 10 + b"y" * 10


def test_slo_segment_ranges(swift, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    chunks = [b"0123456789", b"abcdefghij", b"KLMNOPQRST"]
    segs = put_segments(swift, c, "rs", chunks)
    manifest = [dict(segs[0], range="2-5"),           # 2345
                dict(segs[1], range="-3"),            # hij
                dict(segs[2], range="7-"),            # RST
                dict(segs[0]),                        # whole
                dict(segs[1], range="0-9")]           # whole, stored without range
    r = swift.req("PUT", "/%s/ranged?multipart-manifest=put" % c, data=json.dumps(manifest))
    assert r.status_code == 201, r.text
    want = b"2345" + b"hij" + b"RST" + chunks[0] + chunks[1]
    parts = ["%s:2-5;" % segs[0]["etag"], "%s:7-9;" % segs[1]["etag"],
             "%s:7-9;" % segs[2]["etag"], segs[0]["etag"], segs[1]["etag"]]
    etag = hashlib.md5("".join(parts).encode()).hexdigest()
    assert r.headers["ETag"] == '"%s"' % etag
    g = swift.req("GET", "/%s/ranged" % c)
    assert g.content == want and g.headers["ETag"] == '"%s"' % etag
    assert int(g.headers["Content-Length"]) == len(want)
    # a Range over the ranged segments
    r = swift.req("GET", "/%s/ranged" % c, headers={"Range": "bytes=3-8"})
    assert r.status_code == 206 and r.content == want[3:9]
    assert r.headers["Content-Range"] == "bytes 3-8/%d" % len(want)
    r = swift.req("GET", "/%s/ranged" % c, headers={"Range": "bytes=1-2,8-12,-4"})
    assert r.status_code == 206
    for piece in (want[1:3], want[8:13], want[-4:]):
        assert piece in r.content
    stored = swift.req("GET", "/%s/ranged?multipart-manifest=get" % c).json()
    assert [s.get("range") for s in stored] == ["2-5", "7-9", "7-9", None, None]
    # a nested SLO taken by range
    sub = [dict(segs[0], range="8-9"), {"path": "/%s/ranged" % c, "range": "0-3"}]
    r = swift.req("PUT", "/%s/nested?multipart-manifest=put" % c, data=json.dumps(sub))
    assert r.status_code == 201, r.text
    assert swift.req("GET", "/%s/nested" % c).content == b"89" + want[0:4]
    # refusals
    for bad, why in (("5-2", "invalid range"), ("a-b", "invalid range"),
                     ("0-1,3-4", "multiple ranges"), ("20-30", "Unsatisfiable Range")):
        r = swift.req("PUT", "/%s/bad?multipart-manifest=put" % c,
                      data=json.dumps([dict(segs[0], range=bad)]))
        assert r.status_code == 400 and why in r.text, (bad, r.text)
