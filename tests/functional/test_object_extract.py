"""Bulk extract-archive: a tar (plain, gzip, bzip2) PUT with ?extract-archive
on the account, a container or an object prefix becomes containers and
objects; the 200 answer's body tells what was created and what failed."""
import hashlib
import io
import os
import tarfile

import requests
from swiftclient import client as swiftclient

from conftest_object import other, swift  # noqa: F401


def archive(files, mode="w", fmt=tarfile.GNU_FORMAT, dirs=(), pax=None):
    """A tar in memory from {name: bytes}; pax maps names to pax headers."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=fmt) as tar:
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if pax and name in pax:
                info.pax_headers = pax[name]
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def extract(swift, sub, body, kind="tar", token=None, headers=None):  # noqa: F811
    return swift.req("PUT", sub + "?extract-archive=" + kind, token=token, data=body,
                     headers=headers or {})


def parse_text(text):
    out, errors = {}, []
    lines = text.strip("\n").split("\n")
    i = lines.index("Errors:")
    for line in lines[:i]:
        k, _, v = line.partition(": ")
        out[k] = v.rstrip(":")
    for line in lines[i + 1:]:
        errors.append(line.rsplit(", ", 1))
    out["Errors"] = errors
    return out


def test_extract_tar_on_account(swift, unique):  # noqa: F811
    c1, c2 = unique + "-a", unique + "-b"
    body = archive({"%s/one.txt" % c1: b"one", "%s/sub/two" % c1: b"two",
                    "./%s/three" % c2: b"three", "toplevel": b"ignored"},
                   dirs=[c1, c2, "%s/sub" % c1])
    r = extract(swift, "", body)
    assert r.status_code == 200, r.text
    res = parse_text(r.text)
    assert res["Number Files Created"] == "3" and res["Response Status"] == "201 Created"
    assert res["Errors"] == []
    assert swift.req("GET", "/%s/one.txt" % c1).content == b"one"
    assert swift.req("GET", "/%s/one.txt" % c1).headers["Content-Type"] == "text/plain"
    assert swift.req("GET", "/%s/sub/two" % c1).content == b"two"
    assert swift.req("GET", "/%s/three" % c2).content == b"three"
    names = swift.req("GET", "", params={"format": "json"}).json()
    assert {c1, c2} <= {x["name"] for x in names}


def test_extract_gz_json_metadata_and_long_names(swift, unique):  # noqa: F811
    assert swift.req("PUT", "/" + unique).status_code == 201
    long_name = "d/" + "n" * 180 + ".bin"
    body = archive({"x.json": b"{}", long_name: b"long", "meta": b"m"}, mode="w:gz",
                   fmt=tarfile.PAX_FORMAT,
                   pax={"meta": {"SCHILY.xattr.user.mime_type": "application/x-stackd",
                                 "SCHILY.xattr.user.meta.color": "blue"}})
    r = extract(swift, "/%s/pre" % unique, body, "tar.gz",
                headers={"Accept": "application/json", "X-Object-Meta-Batch": "7",
                         "X-Delete-After": "3600"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    res = r.json()
    assert res == {"Number Files Created": 3, "Response Status": "201 Created",
                   "Response Body": "", "Errors": []}
    h = swift.req("HEAD", "/%s/pre/meta" % unique).headers
    assert h["Content-Type"] == "application/x-stackd"
    assert h["X-Object-Meta-Color"] == "blue" and h["X-Object-Meta-Batch"] == "7"
    assert "X-Delete-At" in h
    assert swift.req("GET", "/%s/pre/%s" % (unique, long_name)).content == b"long"
    assert swift.req("GET", "/%s/pre/x.json" % unique).content == b"{}"


def test_extract_bz2_large_file_gnu_long_name(swift, unique):  # noqa: F811
    data = os.urandom(5 * 1024 * 1024 + 3)
    name = "%s/%s" % (unique, "g" * 150)
    body = archive({name: data, unique + "/empty": b""}, mode="w:bz2")
    r = extract(swift, "", body, "tar.bz2", headers={"Accept": "application/xml"})
    assert r.status_code == 200, r.text
    assert "<number_files_created>2</number_files_created>" in r.text
    assert "<response_status>201 Created</response_status>" in r.text
    h = swift.req("HEAD", "/" + name)
    assert h.headers["ETag"] == hashlib.md5(data).hexdigest()
    assert swift.req("HEAD", "/%s/empty" % unique).headers["Content-Length"] == "0"


def test_extract_failures(swift, other, cloud, unique):  # noqa: F811
    # not an archive
    r = extract(swift, "", b"x" * 2000, headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json()["Response Status"] == "400 Bad Request"
    assert r.json()["Response Body"].startswith("Invalid Tar File")
    r = extract(swift, "", b"not gzip at all", "tar.gz", headers={"Accept": "application/json"})
    assert r.json()["Response Body"].startswith("Invalid Tar File")
    # an archive with only a base-level file
    r = extract(swift, "", archive({"alone": b"x"}), headers={"Accept": "application/json"})
    assert r.json() == {"Number Files Created": 0, "Response Status": "400 Bad Request",
                        "Response Body": "Invalid Tar File: No Valid Files", "Errors": []}
    # a truncated archive: what arrived whole is kept
    body = archive({unique + "/a": b"a" * 100, unique + "/b": b"b" * 5000})
    r = extract(swift, "", body[:2048], headers={"Accept": "application/json"})
    assert r.json()["Response Body"] == "Invalid Tar File: unexpected end of data"
    assert r.json()["Number Files Created"] == 1
    assert swift.req("HEAD", "/%s/b" % unique).status_code == 404
    # an unknown format is refused outright
    assert extract(swift, "", b"", "zip").status_code == 400
    # a project without rights on the account: every file fails
    r = cloud.request("PUT", swift.path + "?extract-archive=tar", token=other.token,
                      data=archive({unique + "-new/x": b"x", unique + "/x": b"x"}),
                      headers={"Accept": "application/json"})
    res = r.json()
    assert res["Response Status"] == "400 Bad Request" and res["Number Files Created"] == 0
    assert res["Errors"] == [["/v1/AUTH_%s/%s-new" % (swift.project_id, unique), "403 Forbidden"],
                             ["%s-new/x" % unique, "403 Forbidden"],
                             ["%s/x" % unique, "403 Forbidden"]]
    # ... until a write ACL opens the existing container to it
    swift.req("POST", "/" + unique, headers={"X-Container-Write": "%s:*" % other.project_id})
    r = cloud.request("PUT", swift.path + "/%s?extract-archive=tar" % unique, token=other.token,
                      data=archive({"in/x": b"x"}), headers={"Accept": "application/json"})
    assert r.json()["Number Files Created"] == 1  # below the URL's container
    assert swift.req("GET", "/%s/in/x" % unique).content == b"x"
    r = cloud.request("PUT", swift.path + "?extract-archive=tar", token=other.token,
                      data=archive({unique + "/acl": b"ok"}),
                      headers={"Accept": "application/json"})
    assert r.json()["Number Files Created"] == 1, r.text
    # anonymous
    r = requests.put(swift.url + "?extract-archive=tar", data=archive({unique + "/y": b"y"}),
                     timeout=10)
    assert r.status_code == 200 and "Response Status: 401 Unauthorized" in r.text
    # over quota
    swift.req("PUT", "/%s-q" % unique, headers={"X-Container-Meta-Quota-Bytes": "3"})
    r = extract(swift, "", archive({unique + "-q/big": b"12345"}),
                headers={"Accept": "application/json"})
    assert r.json()["Errors"] == [["%s-q/big" % unique, "413 Request Entity Too Large"]]


def test_extract_with_swiftclient(swift, unique):  # noqa: F811
    body = archive({"%s/via-client" % unique: b"client"})
    resp = {}
    swiftclient.put_object(swift.url, swift.token, None, None, contents=body,
                           query_string="extract-archive=tar", response_dict=resp,
                           headers={"Accept": "application/json"})
    assert resp["status"] == 200
    assert swift.req("GET", "/%s/via-client" % unique).content == b"client"


def test_bulk_upload_advertised(cloud):
    info = requests.get(cloud.url + "/info", timeout=10).json()
    assert info["bulk_upload"]["max_containers_per_extraction"] == 10000


def test_extract_body_in_tiny_chunks(swift, unique):  # noqa: F811
    """Headers, pax records and data split across any chunk boundary."""
    files = {"%s/%s" % (unique, "p" * 120): os.urandom(1500), "%s/b" % unique: b"b" * 513}
    for mode, kind in (("w", "tar"), ("w:gz", "tar.gz"), ("w:bz2", "tar.bz2")):
        body = archive(files, mode=mode, fmt=tarfile.PAX_FORMAT)

        def chunks():
            for i in range(0, len(body), 13):
                yield body[i:i + 13]
        r = swift.req("PUT", "?extract-archive=" + kind, data=chunks(),
                      headers={"Accept": "application/json"})
        assert r.json()["Number Files Created"] == 2, (kind, r.text)
        for name, data in files.items():
            assert swift.req("GET", "/" + name).content == data, kind
        for name in files:
            swift.req("DELETE", "/" + name)


def test_extract_damaged_archives(swift, unique):  # noqa: F811
    """Randomly damaged archives (fixed seed) answer a 200 with a body that
    parses; the sanitized build reports no memory error."""
    import random
    rnd = random.Random(20261206)
    files = {"%s/%s" % (unique, "d" * 110): b"x" * 700, "%s/e" % unique: b"e" * 1030}
    for mode, kind in (("w", "tar"), ("w:gz", "tar.gz"), ("w:bz2", "tar.bz2")):
        good = archive(files, mode=mode, fmt=tarfile.PAX_FORMAT,
                       pax={"%s/e" % unique: {"SCHILY.xattr.user.meta.k": "v"}})
        for _ in range(60):
            body = bytearray(good)
            for _ in range(rnd.randint(1, 8)):
                body[rnd.randrange(len(body))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                body = body[:rnd.randrange(len(body))]
            r = swift.req("PUT", "?extract-archive=" + kind, data=bytes(body),
                          headers={"Accept": "application/json"})
            assert r.status_code == 200, r.text
            assert r.json()["Response Status"] in ("201 Created", "400 Bad Request"), r.text
