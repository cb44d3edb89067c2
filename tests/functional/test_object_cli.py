"""The object store through the clients users run: the `openstack` CLI, the
`swift` CLI (python3-swiftclient, given a token and the storage URL from
the catalog) and openstacksdk."""
import hashlib
import os
import subprocess

from conftest_object import swift  # noqa: F401


def test_openstack_cli(cloud, unique, tmp_path):
    c = unique
    assert cloud.cli("container", "create", c, "-f", "json")[0]["container"] == c
    assert c in [x["Name"] for x in cloud.cli("container", "list", "-f", "json")]
    f = tmp_path / "hello.txt"
    f.write_bytes(b"hello world\n")
    os.chdir(tmp_path)
    cloud.cli("object", "create", c, "hello.txt", "-f", "json")
    show = cloud.cli("object", "show", c, "hello.txt", "-f", "json")
    assert show["etag"] == hashlib.md5(b"hello world\n").hexdigest()
    assert show["content-type"] == "text/plain"
    assert int(show["content-length"]) == 12
    cloud.cli("object", "set", "--property", "k=v", c, "hello.txt")
    assert "v" in str(cloud.cli("object", "show", c, "hello.txt", "-f", "json")["properties"])
    cloud.cli("object", "unset", "--property", "k", c, "hello.txt")
    cloud.cli("object", "save", "--file", str(tmp_path / "back"), c, "hello.txt")
    assert (tmp_path / "back").read_bytes() == b"hello world\n"
    cloud.cli("container", "set", "--property", "team=a", c)
    cshow = cloud.cli("container", "show", c, "-f", "json")
    assert cshow["object_count"] in ("1", 1) and "team" in str(cshow["properties"]).lower()
    cloud.cli("object", "store", "account", "set", "--property", "acct=1")
    assert "acct" in str(cloud.cli("object", "store", "account", "show", "-f", "json")).lower()
    cloud.cli("object", "store", "account", "unset", "--property", "acct")
    p = cloud.cli("object", "show", c, "missing", check=False)
    assert p.returncode != 0
    p = cloud.cli("container", "delete", c, check=False)
    assert p.returncode != 0  # not empty
    cloud.cli("container", "delete", "--recursive", c)
    assert c not in [x["Name"] for x in cloud.cli("container", "list", "-f", "json")]


def run_swift(swift, *args, cwd=None):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ST_"))}
    env.update(OS_AUTH_TOKEN=swift.token, OS_STORAGE_URL=swift.url)
    p = subprocess.run(["swift", *args], capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=120)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


def test_swift_cli(swift, unique, tmp_path):  # noqa: F811
    c = unique
    data = os.urandom(3 * 1024 * 1024 + 5)
    (tmp_path / "blob").write_bytes(data)
    run_swift(swift, "post", c, "-r", ".r:*")
    run_swift(swift, "upload", c, "blob", cwd=tmp_path)
    run_swift(swift, "upload", c, "blob", "--object-name", "dlo", "-S", "1048576", cwd=tmp_path)
    run_swift(swift, "upload", c, "blob", "--object-name", "slo", "-S", "1048576", "--use-slo",
              cwd=tmp_path)
    listing = run_swift(swift, "list", c).split()
    assert {"blob", "dlo", "slo"} <= set(listing)
    for name in ("blob", "dlo", "slo"):
        run_swift(swift, "download", c, name, "-o", str(tmp_path / ("got-" + name)))
        assert (tmp_path / ("got-" + name)).read_bytes() == data, name
    stat = run_swift(swift, "stat", c, "slo")
    assert "Manifest" in stat or "Static Large" in stat or "3145733" in stat
    acct = run_swift(swift, "stat")
    assert "Containers" in acct
    assert "Read ACL: .r:*" in run_swift(swift, "stat", c)
    run_swift(swift, "copy", c, "blob", "--destination", "/%s/blob2" % c)
    run_swift(swift, "download", c, "blob2", "-o", str(tmp_path / "got2"))
    assert (tmp_path / "got2").read_bytes() == data
    run_swift(swift, "delete", c, "slo")
    run_swift(swift, "delete", c)
    assert c not in run_swift(swift, "list").split()
    # segments went with their manifests
    assert "%s_segments" % c not in run_swift(swift, "list").split() or \
        run_swift(swift, "list", "%s_segments" % c).strip() == ""


def test_openstacksdk(cloud, unique):
    conn = cloud.sdk()
    c = unique
    conn.object_store.create_container(name=c)
    conn.object_store.upload_object(container=c, name="sdk.bin", data=b"sdk data")
    assert conn.object_store.download_object("sdk.bin", container=c) == b"sdk data"
    names = [o.name for o in conn.object_store.objects(c)]
    assert names == ["sdk.bin"]
    conn.object_store.set_object_metadata("sdk.bin", container=c, fruit="pear")
    obj = conn.object_store.get_object_metadata("sdk.bin", container=c)
    assert obj.metadata.get("fruit") == "pear"
    info = conn.object_store.get_info()
    assert info.swift["max_file_size"] > 0
    conn.object_store.delete_object("sdk.bin", container=c)
    conn.object_store.delete_container(c)
