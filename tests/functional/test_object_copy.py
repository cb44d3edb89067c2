"""Server-side copies across accounts: COPY with Destination-Account and PUT
with X-Copy-From-Account, allowed when the caller may read the source and
write the destination (owner or container ACLs)."""
import os
import subprocess

from conftest_object import other, swift  # noqa: F401


def test_copy_to_another_account(swift, other, cloud, unique):  # noqa: F811
    # the other project (a plain member) copies from its account into the
    # admin's: it needs a write grant there
    c = unique
    assert other.req("PUT", "/" + c).status_code == 201
    assert other.req("PUT", "/%s/obj" % c, data=b"cross",
                     headers={"X-Object-Meta-Kind": "x"}).status_code == 201
    assert swift.req("PUT", "/" + c + "-in").status_code == 201
    dest = {"Destination": "/%s-in/copied" % c,
            "Destination-Account": "AUTH_%s" % swift.project_id}
    assert other.req("COPY", "/%s/obj" % c, headers=dest).status_code == 403
    swift.req("POST", "/%s-in" % c, headers={"X-Container-Write": "%s:*" % other.project_id})
    r = other.req("COPY", "/%s/obj" % c, headers=dest)
    assert r.status_code == 201, r.text
    assert r.headers["X-Copied-From-Account"] == "AUTH_%s" % other.project_id
    assert r.headers["X-Copied-From"] == "%s/obj" % c
    got = swift.req("GET", "/%s-in/copied" % c)
    assert got.content == b"cross" and got.headers["X-Object-Meta-Kind"] == "x"
    # a container the grant does not cover
    bad = dict(dest, Destination="/elsewhere/copied")
    assert other.req("COPY", "/%s/obj" % c, headers=bad).status_code == 403
    # malformed accounts
    for acct in ("AUTH_a/b", "", "noprefix"):
        r = other.req("COPY", "/%s/obj" % c, headers=dict(dest, **{"Destination-Account": acct}))
        assert r.status_code == 412, acct
    # the account's own name is a same-account copy
    r = other.req("COPY", "/%s/obj" % c, headers={"Destination": "/%s/same" % c,
                                                  "Destination-Account": "AUTH_" +
                                                  other.project_id})
    assert r.status_code == 201 and other.req("GET", "/%s/same" % c).content == b"cross"


def test_put_copy_from_another_account(swift, other, unique):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    swift.req("PUT", "/%s/src" % c, data=b"from A")
    other.req("PUT", "/" + c)
    hdrs = {"X-Copy-From": "/%s/src" % c, "X-Copy-From-Account": "AUTH_%s" % swift.project_id}
    # no read grant yet
    assert other.req("PUT", "/%s/dst" % c, headers=hdrs).status_code == 403
    swift.req("POST", "/" + c, headers={"X-Container-Read": "%s:*" % other.project_id})
    r = other.req("PUT", "/%s/dst" % c, headers=hdrs)
    assert r.status_code == 201, r.text
    assert r.headers["X-Copied-From-Account"] == "AUTH_%s" % swift.project_id
    assert other.req("GET", "/%s/dst" % c).content == b"from A"
    # a missing source
    r = other.req("PUT", "/%s/dst2" % c, headers=dict(hdrs, **{"X-Copy-From": "/%s/nope" % c}))
    assert r.status_code == 404
    assert other.req("PUT", "/%s/dst3" % c, headers=dict(
        hdrs, **{"X-Copy-From-Account": "AUTH_"})).status_code == 412


def test_swift_cli_copy_across_accounts(swift, other, unique, tmp_path):  # noqa: F811
    c = unique
    swift.req("PUT", "/" + c)
    swift.req("PUT", "/%s/cli" % c, data=b"via cli")
    other.req("PUT", "/" + c, headers={"X-Container-Write": "%s:*" % swift.project_id})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ST_"))}
    env.update(OS_AUTH_TOKEN=swift.token, OS_STORAGE_URL=swift.url)
    p = subprocess.run(["swift", "copy", c, "cli", "--destination", "/%s/cli-copy" % c,
                        "-H", "Destination-Account:AUTH_%s" % other.project_id],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert other.req("GET", "/%s/cli-copy" % c).content == b"via cli"
