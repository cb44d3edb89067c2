"""FormPost: browser forms (multipart/form-data) POSTed to a container or an
object prefix, signed with a Temp-URL key, upload their files as objects."""
import base64
import hashlib
import hmac
import os
import time
from urllib.parse import parse_qs, urlparse

import requests

from conftest_object import swift  # noqa: F401


def sign(key, path, redirect="", max_size=1 << 20, max_count=10, expires=None,
         digest="sha256"):
    expires = expires or int(time.time()) + 600
    body = "%s\n%s\n%s\n%s\n%s" % (path, redirect, max_size, max_count, expires)
    sig = hmac.new(key.encode(), body.encode(), getattr(hashlib, digest)).hexdigest()
    return sig, expires


def form(fields, files, boundary="----stackdform"):
    """The multipart body: fields first, then (name, filename, type, data)."""
    out = b""
    for k, v in fields.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                % (boundary, k, v)).encode()
    for name, filename, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                % (boundary, name, filename)).encode()
        if ctype:
            out += ("Content-Type: %s\r\n" % ctype).encode()
        out += b"\r\n" + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=%s" % boundary


def post(cloud, path, body, ctype):
    return requests.post(cloud.url + path, data=body, headers={"Content-Type": ctype},
                         timeout=30)


def setup_key(swift, unique):  # noqa: F811
    key = "fp-" + unique
    assert swift.req("PUT", "/" + unique).status_code == 201
    assert swift.req("POST", headers={"X-Account-Meta-Temp-URL-Key": key}).status_code == 204
    return key


def test_formpost_uploads_files(swift, cloud, unique):  # noqa: F811
    key = setup_key(swift, unique)
    path = swift.path + "/%s/up/" % unique
    sig, exp = sign(key, path)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig, "redirect": ""},
                       [("file1", "a.txt", "text/plain", b"first file"),
                        ("file2", "b.bin", None, b"\x00\x01second")])
    r = post(cloud, path, body, ctype)
    assert r.status_code == 201, r.text
    assert r.text == "201 Created" and r.headers["Content-Type"].startswith("text/plain")
    a = swift.req("GET", "/%s/up/a.txt" % unique)
    assert a.status_code == 200 and a.content == b"first file"
    assert a.headers["Content-Type"] == "text/plain"
    assert a.headers["ETag"] == hashlib.md5(b"first file").hexdigest()
    assert swift.req("GET", "/%s/up/b.bin" % unique).content == b"\x00\x01second"


def test_formpost_redirect_and_expiry_headers(swift, cloud, unique):  # noqa: F811
    key = setup_key(swift, unique)
    # signed without the /object-store prefix, as a client given /v1/... would
    path = swift.path + "/%s" % unique
    redirect = "https://example.invalid/done?x=1"
    sig, exp = sign(key, path[len("/object-store"):], redirect=redirect, max_size=100,
                    max_count=1, digest="sha1")
    body, ctype = form({"redirect": redirect, "max_file_size": 100, "max_file_count": 1,
                        "expires": exp, "signature": sig, "x_delete_after": 300},
                       [("f", "doc.html", "text/html", b"<p>hi</p>")])
    r = requests.post(cloud.url + path, data=body, headers={"Content-Type": ctype},
                      allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text
    loc = urlparse(r.headers["Location"])
    assert loc.netloc == "example.invalid"
    assert parse_qs(loc.query) == {"x": ["1"], "status": ["201"]}
    h = swift.req("HEAD", "/%s/doc.html" % unique)
    assert h.status_code == 200
    assert abs(int(h.headers["X-Delete-At"]) - (time.time() + 300)) < 30


def test_formpost_refusals(swift, cloud, unique):  # noqa: F811
    key = setup_key(swift, unique)
    path = swift.path + "/%s/p-" % unique
    files = [("f", "x", None, b"data")]
    # expired
    sig, exp = sign(key, path, expires=int(time.time()) - 1)
    body, ctype = form({"max_file_size": 100, "max_file_count": 1, "expires": exp,
                        "signature": sig}, files)
    r = post(cloud, path, body, ctype)
    assert r.status_code == 401 and "FormPost: Form Expired" in r.text
    # wrong key
    sig, exp = sign("not-the-key", path)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    r = post(cloud, path, body, ctype)
    assert r.status_code == 401 and "FormPost: Invalid Signature" in r.text
    # signed for another path
    sig, exp = sign(key, swift.path + "/%s/other" % unique)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    assert post(cloud, path, body, ctype).status_code == 401
    # a file larger than max_file_size: nothing is stored
    sig, exp = sign(key, path, max_size=3)
    body, ctype = form({"max_file_size": 3, "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    r = post(cloud, path, body, ctype)
    assert r.status_code == 400 and "FormPost: max_file_size exceeded" in r.text
    assert swift.req("HEAD", "/%s/p-x" % unique).status_code == 404
    # more files than max_file_count: the first is stored
    sig, exp = sign(key, path, max_count=1)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 1, "expires": exp,
                        "signature": sig}, [("f", "one", None, b"1"), ("g", "two", None, b"2")])
    r = post(cloud, path, body, ctype)
    assert r.status_code == 400 and r.text == "400 Bad Request\r\nFormPost: Max File Count Exceeded"
    assert swift.req("GET", "/%s/p-one" % unique).content == b"1"
    assert swift.req("HEAD", "/%s/p-two" % unique).status_code == 404
    # no file at all
    sig, exp = sign(key, path)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig}, [])
    r = post(cloud, path, body, ctype)
    assert r.status_code == 400 and "FormPost: No Files To Process" in r.text
    # a non-integer max_file_size
    body, ctype = form({"max_file_size": "lots", "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    r = post(cloud, path, body, ctype)
    assert r.status_code == 400 and "max_file_size not an integer" in r.text
    # a container that does not exist: the upload's 404
    p2 = swift.path + "/%s-none/" % unique
    sig, exp = sign(key, p2)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    assert post(cloud, p2, body, ctype).status_code == 404
    # a form posted to the account: nothing to sign for
    sig, exp = sign(key, swift.path)
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig}, files)
    r = post(cloud, swift.path, body, ctype)
    assert r.status_code == 401 and "FormPost: Invalid Signature" in r.text
    # no boundary at all in the body
    r = post(cloud, path, b"just text", ctype)
    assert r.status_code == 400 and "FormPost" in r.text
    # a redirect that would split the Location header
    sig, exp = sign(key, path, redirect="http://x/\r\nSet-Cookie: a=b")
    body, ctype = form({"redirect": "http://x/\r\nSet-Cookie: a=b", "max_file_size": 1 << 20,
                        "max_file_count": 10, "expires": exp, "signature": sig}, files)
    r = post(cloud, path, body, ctype)
    assert r.status_code == 400 and "Set-Cookie" not in r.headers
    # an ordinary POST on the container still sets metadata
    r = swift.req("POST", "/" + unique, headers={"X-Container-Meta-Color": "red"})
    assert r.status_code == 204
    assert swift.req("HEAD", "/" + unique).headers["X-Container-Meta-Color"] == "red"


def test_formpost_container_key_base64_and_large_file(swift, cloud, unique):  # noqa: F811
    assert swift.req("PUT", "/" + unique,
                     headers={"X-Container-Meta-Temp-URL-Key": "ck"}).status_code == 201
    path = swift.path + "/%s/" % unique
    exp = int(time.time()) + 600
    size = 24 * 1024 * 1024 + 7
    raw = hmac.new(b"ck", ("%s\n\n%d\n1\n%d" % (path, size, exp)).encode(),
                   hashlib.sha512).digest()
    sig = "sha512:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    data = os.urandom(size)
    # a boundary that looks like the data's edges
    body, ctype = form({"max_file_size": size, "max_file_count": 1, "expires": exp,
                        "signature": sig}, [("f", "big", "application/x-big", data)],
                       boundary="--b--")
    r = post(cloud, path, body, ctype)
    assert r.status_code == 201, r.text
    h = swift.req("HEAD", "/%s/big" % unique)
    assert int(h.headers["Content-Length"]) == size
    assert h.headers["ETag"] == hashlib.md5(data).hexdigest()
    assert h.headers["Content-Type"] == "application/x-big"


def test_formpost_advertised(cloud):
    info = requests.get(cloud.url + "/info", timeout=10).json()
    assert set(info["formpost"]["allowed_digests"]) == {"sha1", "sha256", "sha512"}


def test_formpost_body_in_tiny_chunks(swift, cloud, unique):  # noqa: F811
    """The parser keeps its place across any split of the body (chunked
    upload, 7 bytes a chunk: boundaries and headers arrive in pieces)."""
    key = setup_key(swift, unique)
    path = swift.path + "/%s/t-" % unique
    sig, exp = sign(key, path, max_count=2)
    data = b"--almost-a-boundary\r\n" + os.urandom(3000) + b"\r\n--"
    body, ctype = form({"max_file_size": 1 << 20, "max_file_count": 2, "expires": exp,
                        "signature": sig},
                       [("a", "one", "text/x-one", data), ("b", "two", None, b"second")])

    def chunks():
        for i in range(0, len(body), 7):
            yield body[i:i + 7]
    r = requests.post(cloud.url + path, data=chunks(), headers={"Content-Type": ctype},
                      timeout=30)
    assert r.status_code == 201, r.text
    got = swift.req("GET", "/%s/t-one" % unique)
    assert got.content == data and got.headers["Content-Type"] == "text/x-one"
    assert swift.req("GET", "/%s/t-two" % unique).content == b"second"


def test_formpost_damaged_forms(swift, cloud, unique):  # noqa: F811
    """Randomly damaged forms (fixed seed) never answer a server error; the
    sanitized build reports no memory error."""
    import random
    rnd = random.Random(20261206)
    key = setup_key(swift, unique)
    path = swift.path + "/%s/r-" % unique
    sig, exp = sign(key, path)
    good, ctype = form({"max_file_size": 1 << 20, "max_file_count": 10, "expires": exp,
                        "signature": sig, "redirect": ""},
                       [("a", "one", "text/plain", b"1" * 300), ("b", "two", None, b"2" * 40)],
                       boundary="xYz")
    for _ in range(150):
        body = bytearray(good)
        for _ in range(rnd.randint(1, 6)):
            body[rnd.randrange(len(body))] = rnd.choice(b"-\r\n\"=;:xYz\x00\xff")
        if rnd.random() < 0.3:
            body = body[:rnd.randrange(len(body))]
        r = requests.post(cloud.url + path, data=bytes(body), headers={"Content-Type": ctype},
                          allow_redirects=False, timeout=30)
        assert r.status_code in (201, 303, 400, 401, 404, 412), (r.status_code, r.text)
        if r.status_code == 303:
            assert "\n" not in r.headers["Location"] and "\r" not in r.headers["Location"]
