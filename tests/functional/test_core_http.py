"""The HTTP contract every service shares: health, metrics, request ids,
error bodies for unknown routes and methods, keep-alive, body limits,
chunked request bodies."""
import http.client
import json
import re

import requests


def test_healthcheck_is_public_and_ok(cloud):
    r = requests.get(cloud.url + "/healthcheck", timeout=5)
    assert r.status_code == 200
    assert r.text == "OK"


def test_every_response_has_a_request_id(cloud):
    for path in ("/healthcheck", "/no/such/thing", "/identity/v3"):
        r = requests.get(cloud.url + path, timeout=5)
        assert re.fullmatch(r"req-[0-9a-f-]{36}", r.headers["X-Openstack-Request-Id"]), path


def test_request_ids_differ(cloud):
    a = requests.get(cloud.url + "/healthcheck", timeout=5).headers["X-Openstack-Request-Id"]
    b = requests.get(cloud.url + "/healthcheck", timeout=5).headers["X-Openstack-Request-Id"]
    assert a != b


def test_unknown_route_is_404_with_json_body(cloud):
    r = requests.get(cloud.url + "/no/such/thing", timeout=5)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == 404


def test_wrong_method_is_405(cloud):
    r = requests.delete(cloud.url + "/healthcheck", timeout=5)
    assert r.status_code == 405
    assert r.json()["error"]["code"] == 405


def test_metrics_count_requests_by_service_method_status(cloud):
    requests.get(cloud.url + "/no/such/thing", timeout=5)
    text = requests.get(cloud.url + "/metrics", timeout=5).text
    assert "# TYPE stackd_http_requests_total counter" in text
    assert re.search(r'stackd_http_requests_total\{service="ops",method="GET",status="404"\} \d+',
                     text)
    assert 'stackd_http_request_duration_seconds_bucket{service="ops",le="+Inf"}' in text


def test_keep_alive_serves_several_requests_on_one_connection(cloud):
    conn = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=5)
    for path in ("/healthcheck", "/no/such/thing", "/healthcheck"):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.getheader("Connection") != "close"
    sock = conn.sock
    conn.request("GET", "/healthcheck")
    conn.getresponse().read()
    assert conn.sock is sock
    conn.close()


def test_body_over_the_limit_is_413_and_connection_closed(cloud):
    body = b"{" + b" " * (2 << 20) + b"}"
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", data=body,
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413


def test_chunked_request_body_is_accepted(cloud):
    def chunks():
        body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": "admin", "domain": {"id": "default"},
                     "password": cloud.admin_password}}}}}).encode()
        for i in range(0, len(body), 7):
            yield body[i:i + 7]
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", data=chunks(),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.headers.get("X-Subject-Token")


def test_malformed_json_is_400(cloud):
    r = requests.post(cloud.url + "/identity/v3/auth/tokens", data=b"{not json",
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 400
