"""Who may touch what: container ACLs across two projects (read, write,
public read and listings), TempURLs (three digests, expiry, inline and
filename), account and container quotas."""
import base64
import hashlib
import hmac
import time

import requests

from conftest_object import other, swift  # noqa: F401


def test_acl_across_projects(swift, other, cloud, unique):  # noqa: F811
    c = unique
    assert swift.req("PUT", "/" + c).status_code == 201
    swift.req("PUT", "/%s/doc" % c, data=b"secret")
    # the other project's user: no grant yet
    assert cloud.request("GET", swift.path + "/%s/doc" % c, token=other.token).status_code == 403
    # and cannot touch the account itself
    assert cloud.request("GET", swift.path, token=other.token).status_code == 403
    # read grant for the other project (any user)
    swift.req("POST", "/" + c, headers={"X-Container-Read": "%s:*" % other.project_id})
    r = cloud.request("GET", swift.path + "/%s/doc" % c, token=other.token)
    assert r.status_code == 200 and r.content == b"secret"
    assert cloud.request("GET", swift.path + "/" + c, token=other.token).status_code == 200
    assert cloud.request("PUT", swift.path + "/%s/x" % c, token=other.token,
                         data=b"x").status_code == 403
    # write grant for that user by id
    swift.req("POST", "/" + c, headers={"X-Container-Write": "*:%s" % other.user_id})
    assert cloud.request("PUT", swift.path + "/%s/x" % c, token=other.token,
                         data=b"from other").status_code == 201
    assert swift.req("GET", "/%s/x" % c).content == b"from other"
    assert cloud.request("DELETE", swift.path + "/%s/x" % c,
                         token=other.token).status_code == 204
    # anonymous: 401 until public
    assert cloud.request("GET", swift.path + "/%s/doc" % c, token=False).status_code == 401
    swift.req("POST", "/" + c, headers={"X-Container-Read": ".r:*"})
    assert cloud.request("GET", swift.path + "/%s/doc" % c, token=False).content == b"secret"
    assert cloud.request("GET", swift.path + "/" + c, token=False).status_code == 401
    swift.req("POST", "/" + c, headers={"X-Container-Read": ".r:*,.rlistings"})
    r = cloud.request("GET", swift.path + "/" + c, token=False)
    assert r.status_code == 200 and r.text == "doc\n"
    assert cloud.request("PUT", swift.path + "/%s/y" % c, token=False,
                         data=b"y").status_code == 401
    # a write ACL cannot hold referrers
    assert swift.req("POST", "/" + c, headers={"X-Container-Write": ".r:*"}).status_code == 400
    # only the owner changes the container
    assert cloud.request("POST", swift.path + "/" + c, token=other.token,
                         headers={"X-Container-Read": ""}).status_code == 403


def tempurl(key, method, expires, path, digest="sha256"):
    mac = hmac.new(key.encode(), ("%s\n%d\n%s" % (method, expires, path)).encode(),
                   getattr(hashlib, digest))
    return mac.hexdigest()


def test_tempurl(swift, cloud, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    swift.req("PUT", "/%s/dir/file.bin" % c, data=b"temp data")
    key = "k-" + unique
    assert swift.req("POST", headers={"X-Account-Meta-Temp-URL-Key": key}).status_code == 204
    path = swift.path + "/%s/dir/file.bin" % c
    exp = int(time.time()) + 60
    for digest in ("sha1", "sha256", "sha512"):
        sig = tempurl(key, "GET", exp, path, digest)
        r = requests.get(cloud.url + path, params={"temp_url_sig": sig,
                                                   "temp_url_expires": exp}, timeout=10)
        assert r.status_code == 200 and r.content == b"temp data", digest
        assert r.headers["Content-Disposition"] == 'attachment; filename="file.bin"'
    # the "<digest>:<base64>" form
    raw = hmac.new(key.encode(), ("GET\n%d\n%s" % (exp, path)).encode(), hashlib.sha512).digest()
    sig = "sha512:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    r = requests.get(cloud.url + path, params={"temp_url_sig": sig, "temp_url_expires": exp,
                                               "inline": ""}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Disposition"] == "inline"
    sig = tempurl(key, "GET", exp, path)
    r = requests.get(cloud.url + path, params={"temp_url_sig": sig, "temp_url_expires": exp,
                                               "filename": "x.txt"}, timeout=10)
    assert r.headers["Content-Disposition"] == 'attachment; filename="x.txt"'
    # HEAD with a GET signature
    r = requests.head(cloud.url + path, params={"temp_url_sig": sig, "temp_url_expires": exp},
                      timeout=10)
    assert r.status_code == 200 and r.headers["Content-Length"] == "9"
    # wrong method, wrong signature, expired: 401
    r = requests.put(cloud.url + path, params={"temp_url_sig": sig, "temp_url_expires": exp},
                     data=b"x", timeout=10)
    assert r.status_code == 401
    r = requests.get(cloud.url + path, params={"temp_url_sig": "0" * 64,
                                               "temp_url_expires": exp}, timeout=10)
    assert r.status_code == 401
    old = int(time.time()) - 1
    r = requests.get(cloud.url + path, params={"temp_url_sig": tempurl(key, "GET", old, path),
                                               "temp_url_expires": old}, timeout=10)
    assert r.status_code == 401
    # a signed URL is judged by its signature even with a valid token (Swift's
    # tempurl runs before auth): expired is still 401
    r = requests.get(cloud.url + path, params={"temp_url_sig": tempurl(key, "GET", old, path),
                                               "temp_url_expires": old},
                     headers={"X-Auth-Token": swift.token}, timeout=10)
    assert r.status_code == 401
    # a PUT signature uploads; the path signed without our /object-store prefix works too
    short = path[len("/object-store"):]
    psig = tempurl(key, "PUT", exp, short)
    r = requests.put(cloud.url + path, params={"temp_url_sig": psig, "temp_url_expires": exp},
                     data=b"replaced", timeout=10)
    assert r.status_code == 201
    assert swift.req("GET", "/%s/dir/file.bin" % c).content == b"replaced"
    # a container key
    swift.req("POST", "/" + c, headers={"X-Container-Meta-Temp-URL-Key": "ckey"})
    sig = tempurl("ckey", "GET", exp, path, "sha1")
    r = requests.get(cloud.url + path, params={"temp_url_sig": sig, "temp_url_expires": exp},
                     timeout=10)
    assert r.status_code == 200
    swift.req("POST", headers={"X-Remove-Account-Meta-Temp-URL-Key": "x"})


def test_container_quotas(swift, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c, headers={"X-Container-Meta-Quota-Bytes": "10",
                                       "X-Container-Meta-Quota-Count": "2"})
    assert swift.req("PUT", "/%s/a" % c, data=b"12345").status_code == 201
    assert swift.req("PUT", "/%s/b" % c, data=b"123456").status_code == 413
    assert swift.req("PUT", "/%s/b" % c, data=b"1").status_code == 201
    assert swift.req("PUT", "/%s/c" % c, data=b"1").status_code == 413
    # overwriting does not count twice
    assert swift.req("PUT", "/%s/a" % c, data=b"123456789").status_code == 201
    assert swift.req("HEAD", "/%s/c" % c).status_code == 404
    assert swift.req("POST", "/" + c,
                     headers={"X-Container-Meta-Quota-Bytes": "lots"}).status_code == 400


def test_a_body_refused_part_way_still_gets_its_413(swift, unique):  # noqa: F811
    """A chunked upload has no length to check first: a quota (checked at
    the end) and an SLO manifest over 8 MiB (refused while it streams) are
    found out with the body. The client must still get the 413 and its
    body (the server reads the rest rather than reset the connection
    under the client's feet), and nothing is stored."""
    c = unique
    swift.req("PUT", "/" + c, headers={"X-Container-Meta-Quota-Bytes": "100000"})

    def chunks(n):
        for _ in range(n):
            yield b"x" * 65536
    r = swift.req("PUT", "/%s/big" % c, data=chunks(64))
    assert r.status_code == 413 and "quota" in r.text.lower(), r.text
    assert swift.req("HEAD", "/%s/big" % c).status_code == 404
    r = swift.req("PUT", "/%s/man?multipart-manifest=put" % c, data=chunks(256))
    assert r.status_code == 413 and "Manifest File" in r.text, r.text
    assert swift.req("HEAD", "/%s/man" % c).status_code == 404
    assert swift.req("PUT", "/%s/small" % c, data=b"ok").status_code == 201


def test_account_quota_needs_reseller_admin(swift, other, cloud):  # noqa: F811
    # a project member may not set its own quota
    r = other.req("POST", headers={"X-Account-Meta-Quota-Bytes": "5"})
    assert r.status_code == 403
    # a ResellerAdmin may
    roles = cloud.request("GET", "/identity/v3/roles?name=ResellerAdmin").json()["roles"]
    uid = cloud.token()[1]["token"]["user"]["id"]
    assert cloud.request("PUT", "/identity/v3/projects/%s/users/%s/roles/%s" % (
        swift.project_id, uid, roles[0]["id"])).status_code == 204
    admin = cloud.token()[0]
    r = cloud.request("POST", other.path, token=admin,
                      headers={"X-Account-Meta-Quota-Bytes": "5"})
    assert r.status_code == 204
    other.req("PUT", "/q")
    assert other.req("PUT", "/q/a", data=b"1234").status_code == 201
    assert other.req("PUT", "/q/b", data=b"12").status_code == 413
    cloud.request("POST", other.path, token=admin, headers={"X-Account-Meta-Quota-Bytes": ""})
    assert other.req("PUT", "/q/b", data=b"12").status_code == 201
