"""Identity: /v3/credentials and EC2 credentials (ids derived from the
access key, owners only), through raw HTTP and the CLI."""
import hashlib
import json

V3 = "/identity/v3"


def create(cloud, kind, body):
    r = cloud.request("POST", V3 + "/" + kind + "s", json={kind: body})
    assert r.status_code == 201, r.text
    return r.json()[kind]


def member(cloud, unique):
    p = create(cloud, "project", {"name": unique})
    u = create(cloud, "user", {"name": unique, "password": "pw"})
    rid = cloud.request("GET", V3 + "/roles?name=member").json()["roles"][0]["id"]
    cloud.request("PUT", V3 + "/projects/%s/users/%s/roles/%s" % (p["id"], u["id"], rid))
    return p, u, cloud.token(unique, "pw", unique)[0]


def test_credential_crud(cloud, unique):
    p, u, _ = member(cloud, unique)
    blob = json.dumps({"access": unique, "secret": "s"})
    c = create(cloud, "credential", {"user_id": u["id"], "project_id": p["id"], "type": "ec2",
                                     "blob": blob})
    assert c["id"] == hashlib.sha256(unique.encode()).hexdigest()
    assert json.loads(c["blob"])["access"] == unique
    r = cloud.request("PATCH", V3 + "/credentials/" + c["id"],
                      json={"credential": {"blob": json.dumps({"access": "a2", "secret": "s2"})}})
    assert r.status_code == 200 and json.loads(r.json()["credential"]["blob"])["secret"] == "s2"
    listed = cloud.request("GET", V3 + "/credentials?user_id=" + u["id"]).json()["credentials"]
    assert [x["id"] for x in listed] == [c["id"]]
    r = cloud.request("POST", V3 + "/credentials", json={"credential": {
        "user_id": u["id"], "type": "ec2", "blob": "not json", "project_id": p["id"]}})
    assert r.status_code == 400
    assert cloud.request("DELETE", V3 + "/credentials/" + c["id"]).status_code == 204
    assert cloud.request("GET", V3 + "/credentials/" + c["id"]).status_code == 404


def test_credentials_are_private_to_their_user(cloud, unique):
    p, u, tok = member(cloud, unique)
    _, other, other_tok = member(cloud, unique + "o")
    c = create(cloud, "credential", {"user_id": u["id"], "type": "totp", "blob": "seed"})
    assert cloud.request("GET", V3 + "/credentials/" + c["id"], token=tok).status_code == 200
    assert cloud.request("GET", V3 + "/credentials/" + c["id"],
                         token=other_tok).status_code == 403
    r = cloud.request("GET", V3 + "/credentials", token=other_tok)
    assert c["id"] not in [x["id"] for x in r.json()["credentials"]]
    r = cloud.request("POST", V3 + "/credentials", token=other_tok, json={"credential": {
        "user_id": u["id"], "type": "totp", "blob": "x"}})
    assert r.status_code == 403


def test_ec2_credentials(cloud, unique):
    p, u, tok = member(cloud, unique)
    base = V3 + "/users/%s/credentials/OS-EC2" % u["id"]
    r = cloud.request("POST", base, token=tok, json={"tenant_id": p["id"]})
    assert r.status_code == 201, r.text
    c = r.json()["credential"]
    assert c["tenant_id"] == p["id"] and c["access"] and c["secret"] and c["trust_id"] is None
    got = cloud.request("GET", base + "/" + c["access"], token=tok).json()["credential"]
    assert got["secret"] == c["secret"]
    listed = cloud.request("GET", base, token=tok).json()["credentials"]
    assert [x["access"] for x in listed] == [c["access"]]
    cred_id = hashlib.sha256(c["access"].encode()).hexdigest()
    assert cloud.request("GET", V3 + "/credentials/" + cred_id).json()["credential"]["type"] == "ec2"
    _, _, other_tok = member(cloud, unique + "o")
    assert cloud.request("GET", base, token=other_tok).status_code == 403
    assert cloud.request("DELETE", base + "/" + c["access"], token=tok).status_code == 204
    assert cloud.request("GET", base + "/" + c["access"], token=tok).status_code == 404


def test_cli_ec2_credentials(cloud, unique):
    out = cloud.cli("ec2", "credentials", "create", "-f", "json")
    assert out["access"] and out["secret"]
    listed = cloud.cli("ec2", "credentials", "list", "-f", "json")
    assert out["access"] in [x["Access"] for x in listed]
    cloud.cli("ec2", "credentials", "delete", out["access"])
