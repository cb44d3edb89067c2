"""x509 key pairs (2.2): a generated one is a self-signed client certificate
with its key as a PKCS#12 bundle, an imported one a PEM certificate; the
fingerprint is the certificate's SHA-1 as openssl prints it."""
import base64
import subprocess

from conftest_compute import fake  # noqa: F401


def openssl_fingerprint(pem):
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha1"], input=pem,
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].lower()


def test_generated_x509_key_pair(fake, unique, tmp_path):
    r = fake.nova("POST", "/os-keypairs", mv="2.2",
                  json={"keypair": {"name": unique, "type": "x509"}})
    assert r.status_code == 201, r.text
    kp = r.json()["keypair"]
    assert kp["type"] == "x509" and kp["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    assert kp["fingerprint"] == openssl_fingerprint(kp["public_key"])
    text = subprocess.run(["openssl", "x509", "-noout", "-text"], input=kp["public_key"],
                          capture_output=True, text=True, check=True).stdout
    assert "TLS Web Client Authentication" in text and "@localhost" in text
    # the private half: a PKCS#12 bundle with an empty password holding the key
    p12 = tmp_path / "k.p12"
    p12.write_bytes(base64.b64decode(kp["private_key"]))
    out = subprocess.run(["openssl", "pkcs12", "-in", str(p12), "-passin", "pass:", "-nodes"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "PRIVATE KEY" in out.stdout, out.stderr
    shown = fake.nova("GET", "/os-keypairs/" + unique, mv="2.2").json()["keypair"]
    assert shown["type"] == "x509" and shown["fingerprint"] == kp["fingerprint"]
    listed = fake.nova("GET", "/os-keypairs", mv="2.2").json()["keypairs"]
    assert [k["keypair"]["type"] for k in listed if k["keypair"]["name"] == unique] == ["x509"]


def test_imported_x509_certificate(fake, unique, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1",
                    "-subj", "/CN=" + unique, "-keyout", str(tmp_path / "k"),
                    "-out", str(tmp_path / "c.pem")], check=True, capture_output=True)
    pem = (tmp_path / "c.pem").read_text()
    r = fake.nova("POST", "/os-keypairs", mv="2.2", json={"keypair": {
        "name": unique, "type": "x509", "public_key": pem}})
    assert r.status_code == 201, r.text
    assert r.json()["keypair"]["fingerprint"] == openssl_fingerprint(pem)
    assert "private_key" not in r.json()["keypair"]
    r = fake.nova("POST", "/os-keypairs", mv="2.2", json={"keypair": {
        "name": unique + "-bad", "type": "x509", "public_key": "ssh-rsa AAAA nope"}})
    assert r.status_code == 400 and "X509" in r.text
