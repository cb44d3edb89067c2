/* Unit test of the metadata answers (metadata.c) from a server row in a
 * scratch database: the OpenStack tree, user_data decoding, the EC2 tree,
 * and 404s for unknown servers and paths. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/compute/internal.h"
#include "../../src/core/arena.h"
#include "../../src/core/db.h"
#include "../../src/network/network.h"
#include "check.h"

extern const struct db_migration compute_migrations[];
extern const size_t compute_migrations_count;

static const char SERVER[] =
    "INSERT INTO compute_servers (id, seq, name, project_id, user_id, image_id, flavor_id,"
    " flavor, key_name, key_data, user_data, vm_state, hostname, reservation_id, metadata,"
    " availability_zone, created_at, updated_at) VALUES ('11111111-2222-4333-8444-555555555555',"
    " 1, 'web one', 'p1', 'u1', 'img', '1', '{\"name\":\"m1.tiny\",\"vcpus\":1}', 'k1',"
    " 'ssh-ed25519 AAAA test', 'IyEvYmluL3NoCmVjaG8gaGkK', 'active', 'web-one', 'r-1',"
    " '{\"role\":\"web\"}', 'nova', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";

static int send_req(const char *id, const char *method, const char *path, const char *data,
                    size_t dlen, char **body, size_t *len, struct arena *a)
{
	struct compute_svc svc;
	memset(&svc, 0, sizeof(svc));
	int status = 0;
	const char *ctype = NULL;
	*body = NULL;
	*len = 0;
	struct net_md_request rq = {method, path, data, dlen};
	if (compute_metadata_answer(&svc, id, &rq, a, &status, body, len, &ctype) != 0)
		return -1;
	return status;
}

/* /openstack/<version>/: what Nova lists for that version, in its order
 * (the server has user data); an unknown version is 404. */
static void listings(const char *id, struct arena *a)
{
	char *body;
	size_t len;
	CHECK(send_req(id, "GET", "/openstack/latest/", NULL, 0, &body, &len, a) == 200);
	CHECK_STR(body, "meta_data.json\nuser_data\npassword\nvendor_data.json\n"
	                "network_data.json\nvendor_data2.json");
	CHECK(send_req(id, "GET", "/openstack/2012-08-10", NULL, 0, &body, &len, a) == 200);
	CHECK_STR(body, "meta_data.json\nuser_data");
	CHECK(send_req(id, "GET", "/openstack/2013-10-17", NULL, 0, &body, &len, a) == 200);
	CHECK_STR(body, "meta_data.json\nuser_data\npassword\nvendor_data.json");
	CHECK(send_req(id, "GET", "/openstack/2016-06-30", NULL, 0, &body, &len, a) == 200);
	CHECK_STR(body, "meta_data.json\nuser_data\npassword\nvendor_data.json\n"
	                "network_data.json");
	CHECK(send_req(id, "GET", "/openstack/2099-01-01/", NULL, 0, &body, &len, a) == 404);
}

/* The guest's password: POST once (409 after), 400 above 1020 bytes or for
 * other methods, only from 2013-04-04; POST elsewhere is 405. */
static void password(const char *id, struct arena *a)
{
	char *body;
	size_t len;
	const char *pw = "c2VjcmV0LWVuY3J5cHRlZA==";
	char big[1021];
	memset(big, 'x', sizeof(big));
	CHECK(send_req(id, "GET", "/openstack/latest/password", NULL, 0, &body, &len, a) == 200);
	CHECK(len == 0);
	CHECK(send_req(id, "POST", "/openstack/latest/password", big, 1021, &body, &len, a) == 400);
	CHECK(send_req(id, "POST", "/openstack/latest/password", "a\0b", 3, &body, &len, a) == 400);
	CHECK(send_req(id, "POST", "/openstack/2012-08-10/password", pw, strlen(pw), &body, &len,
	               a) == 404);
	CHECK(send_req(id, "POST", "/openstack/2099-01-01/password", pw, strlen(pw), &body, &len,
	               a) == 404);
	CHECK(send_req(id, "POST", "/openstack/latest/meta_data.json", pw, strlen(pw), &body, &len,
	               a) == 405);
	CHECK(send_req(id, "PUT", "/openstack/latest/password", pw, strlen(pw), &body, &len, a) ==
	      400);
	CHECK(send_req(id, "POST", "/openstack/2013-04-04/password/", pw, strlen(pw), &body, &len,
	               a) == 200);
	CHECK(send_req(id, "POST", "/openstack/latest/password", "other", 5, &body, &len, a) ==
	      409);
	CHECK(send_req(id, "GET", "/openstack/2013-04-04/password", NULL, 0, &body, &len, a) ==
	      200);
	CHECK(len == strlen(pw) && memcmp(body, pw, len) == 0);
	CHECK_STR(compute_server_password(a, id), pw);
	/* the API's DELETE; then the guest may set one again, of 1020 bytes */
	struct api_error err;
	CHECK(db_exec("DELETE FROM compute_server_passwords", &err) == 0);
	CHECK(send_req(id, "POST", "/openstack/latest/password", big, 1020, &body, &len, a) == 200);
	CHECK(strlen(compute_server_password(a, id)) == 1020);
	CHECK(compute_server_password_set("99999999-2222-4333-8444-555555555555", "x", 1, &err) ==
	      0);
}

static int ask(const char *id, const char *path, char **body, size_t *len, struct arena *a)
{
	struct compute_svc svc;
	memset(&svc, 0, sizeof(svc));
	int status = 0;
	const char *ctype = NULL;
	*body = NULL;
	*len = 0;
	struct net_md_request rq = {"GET", path, NULL, 0};
	if (compute_metadata_answer(&svc, id, &rq, a, &status, body, len, &ctype) != 0)
		return -1;
	return status;
}

int main(void)
{
	struct api_error err;
	char dir[] = "/tmp/compute-md-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof(path), "%s/db", dir);
	CHECK(db_open(path, &err) == 0);
	CHECK(db_migrate("compute", compute_migrations, compute_migrations_count, &err) == 0);
	CHECK(db_exec(SERVER, &err) == 0);
	struct arena *a = arena_new();
	const char *id = "11111111-2222-4333-8444-555555555555";
	char *body;
	size_t len;
	CHECK(ask(id, "/openstack/latest/meta_data.json", &body, &len, a) == 200);
	json_t *md = json_loadb(body, len, 0, NULL);
	CHECK(md != NULL);
	CHECK_STR(json_string_value(json_object_get(md, "uuid")), id);
	CHECK_STR(json_string_value(json_object_get(md, "hostname")), "web-one");
	CHECK_STR(json_string_value(json_object_get(json_object_get(md, "public_keys"), "k1")),
	          "ssh-ed25519 AAAA test");
	CHECK_STR(json_string_value(json_object_get(json_object_get(md, "meta"), "role")), "web");
	json_decref(md);
	CHECK(ask(id, "/openstack/2013-10-17/user_data", &body, &len, a) == 200);
	CHECK(len == 18 && memcmp(body, "#!/bin/sh\necho hi\n", 18) == 0);
	CHECK(ask(id, "/openstack/latest/vendor_data2.json", &body, &len, a) == 200);
	CHECK(ask(id, "/openstack", &body, &len, a) == 200 && strstr(body, "latest"));
	CHECK(ask(id, "/latest/meta-data/hostname", &body, &len, a) == 200);
	CHECK_STR(body, "web-one");
	CHECK(ask(id, "/2009-04-04/meta-data/public-keys/0/openssh-key", &body, &len, a) == 200);
	CHECK_STR(body, "ssh-ed25519 AAAA test");
	CHECK(ask(id, "/latest/meta-data/", &body, &len, a) == 200 && strstr(body, "instance-id"));
	CHECK(ask(id, "/latest/meta-data/placement/availability-zone", &body, &len, a) == 200);
	CHECK_STR(body, "nova");
	CHECK(ask(id, "/latest/user-data", &body, &len, a) == 200 && len == 18);
	CHECK(ask(id, "/latest/meta-data/nope", &body, &len, a) == 404);
	CHECK(ask(id, "/openstack/latest/nope.json", &body, &len, a) == 404);
	CHECK(ask("99999999-2222-4333-8444-555555555555", "/openstack/latest/meta_data.json", &body,
	          &len, a) == 404);
	listings(id, a);
	password(id, a);
	arena_free(a);
	db_close_thread();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_compute_metadata");
}
