/* Answers of the metadata service (169.254.169.254, served by network's
 * metadata server, which finds the server and asks here): the OpenStack
 * tree (meta_data.json, user_data, network_data.json, vendor data) and the
 * EC2 tree (meta-data/..., user-data), from the server's row and ports. */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "compute/drivers/configdrive.h"
#include "compute/internal.h"
#include "core/arena.h"
#include "network/network.h"
#include "service.h"

static const char OS_VERSIONS[] = "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n"
                                  "2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\nlatest";
static const char EC2_VERSIONS[] = "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n"
                                   "2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest";

static void text(struct arena *a, const char *s, size_t n, int *status, char **body, size_t *len,
                 const char **ctype, const char *type)
{
	*status = 200;
	*body = arena_strndup(a, s, n);
	*len = n;
	*ctype = type;
}

static void json_answer(struct arena *a, json_t *v, int *status, char **body, size_t *len,
                        const char **ctype)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	text(a, s ? s : "{}", s ? strlen(s) : 2, status, body, len, ctype, "application/json");
	free(s);
}

static int user_data(struct arena *a, const struct compute_server *s, int *status, char **body,
                     size_t *len, const char **ctype)
{
	if (s->user_data == NULL) {
		*status = 404;
		return 0;
	}
	size_t n = strlen(s->user_data);
	char *clean = arena_alloc(a, n + 1);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (s->user_data[i] != '\n' && s->user_data[i] != '\r' && s->user_data[i] != ' ')
			clean[m++] = s->user_data[i];
	unsigned char *out = arena_alloc(a, m + 4);
	int l = m ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)m) : 0;
	if (l > 0 && clean[m - 1] == '=')
		l -= clean[m - 2] == '=' ? 2 : 1;
	*status = 200;
	*body = (char *)out;
	*len = l > 0 ? (size_t)l : 0;
	*ctype = "application/octet-stream";
	return 0;
}

/* Walks the EC2 meta-data object: a directory lists its keys (sub-trees
 * with a trailing '/'), a leaf answers its value. */
static void ec2_walk(struct arena *a, json_t *v, const char *rest, int *status, char **body,
                     size_t *len, const char **ctype)
{
	char *path = arena_strdup(a, rest);
	char *save = NULL;
	for (char *seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!json_is_object(v) || (v = json_object_get(v, seg)) == NULL) {
			*status = 404;
			return;
		}
	}
	if (json_is_object(v)) {
		char *out = arena_strdup(a, "");
		const char *k;
		json_t *sub;
		json_object_foreach(v, k, sub) out = arena_printf(
		    a, "%s%s%s%s", out, *out ? "\n" : "", k, json_is_object(sub) ? "/" : "");
		text(a, out, strlen(out), status, body, len, ctype, "text/plain");
	} else if (json_is_array(v)) {
		char *out = arena_strdup(a, "");
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) out =
		    arena_printf(a, "%s%s%s", out, i ? "\n" : "",
		                 json_string_value(x) ? json_string_value(x) : "");
		text(a, out, strlen(out), status, body, len, ctype, "text/plain");
	} else if (json_is_string(v)) {
		text(a, json_string_value(v), strlen(json_string_value(v)), status, body, len,
		     ctype, "text/plain");
	} else {
		char *s = arena_printf(a, "%lld", (long long)json_integer_value(v));
		text(a, s, strlen(s), status, body, len, ctype, "text/plain");
	}
}

/* Whether version (a segment of /openstack/<version>/...) is one Nova
 * knows, at least `since` ("latest" is the newest). */
static bool os_version_since(const char *version, size_t n, const char *since)
{
	if (n == 6 && !strncmp(version, "latest", 6))
		return true;
	for (const char *v = OS_VERSIONS; *v; v += strcspn(v, "\n"), v += *v == '\n') {
		if (strcspn(v, "\n") == n && !strncmp(v, version, n))
			return strncmp(version, since, n) >= 0;
	}
	return false;
}

/* "/openstack/<version>/password" (trailing slashes already gone): the
 * only path a guest may POST to. */
static bool is_password(const char *p)
{
	if (strncmp(p, "/openstack/", 11))
		return false;
	const char *file = strchr(p + 11, '/');
	return file && !strcmp(file, "/password");
}

int compute_metadata_answer(void *cls, const char *server_id, const struct net_md_request *rq,
                            struct arena *a, int *status, char **body, size_t *len,
                            const char **ctype)
{
	const char *path = rq->path;
	struct compute_svc *svc = cls;
	struct compute_server s;
	struct api_error err;
	*status = 404;
	*body = NULL;
	*len = 0;
	*ctype = "text/plain";
	if (compute_server_read(a, server_id, &s, &err) != 0)
		return err.kind == API_NOT_FOUND ? 0 : -1;
	char *p = arena_strdup(a, path);
	char *q = strchr(p, '?');
	if (q)
		*q = '\0';
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") && !is_password(p)) {
		text(a, "method not allowed\n", 19, status, body, len, ctype, "text/plain");
		*status = 405;
		return 0;
	}
	if (strcmp(p, "/") == 0 || *p == '\0') {
		text(a, EC2_VERSIONS, strlen(EC2_VERSIONS), status, body, len, ctype, "text/plain");
		*body = arena_printf(a, "%s\nopenstack", EC2_VERSIONS);
		*len = strlen(*body);
		return 0;
	}
	if (strcmp(p, "/openstack") == 0) {
		text(a, OS_VERSIONS, strlen(OS_VERSIONS), status, body, len, ctype, "text/plain");
		return 0;
	}
	json_t *meta = compute_meta_data(svc, &s);
	arena_defer(a, (void (*)(void *))json_decref, meta);
	if (strncmp(p, "/openstack/", 11) == 0) {
		const char *file = strchr(p + 11, '/');
		if (file == NULL) {
			/* Nova's listing: what the version has, in Nova's order;
			 * an unknown version is its 404. */
			const char *v = p + 11;
			size_t vn = strlen(v);
			if (!os_version_since(v, vn, "2012-08-10"))
				return 0;
			char *listing = arena_printf(
			    a, "meta_data.json%s%s%s%s%s", s.user_data ? "\nuser_data" : "",
			    os_version_since(v, vn, "2013-04-04") ? "\npassword" : "",
			    os_version_since(v, vn, "2013-10-17") ? "\nvendor_data.json" : "",
			    os_version_since(v, vn, "2015-10-15") ? "\nnetwork_data.json" : "",
			    os_version_since(v, vn, "2016-10-06") ? "\nvendor_data2.json" : "");
			text(a, listing, strlen(listing), status, body, len, ctype, "text/plain");
			return 0;
		}
		file++;
		if (strcmp(file, "meta_data.json") == 0)
			json_answer(a, meta, status, body, len, ctype);
		else if (strcmp(file, "user_data") == 0)
			return user_data(a, &s, status, body, len, ctype);
		else if (strcmp(file, "password") == 0) {
			if (os_version_since(p + 11, (size_t)(file - 1 - (p + 11)), "2013-04-04"))
				return compute_metadata_password(a, s.id, rq, status, body, len,
				                                 ctype);
		} else if (strcmp(file, "vendor_data.json") == 0 ||
		           strcmp(file, "vendor_data2.json") == 0)
			text(a, "{}", 2, status, body, len, ctype, "application/json");
		else if (strcmp(file, "network_data.json") == 0) {
			struct net_service *ns = net_service_of(svc->env->http);
			struct net_vif *vifs = NULL;
			size_t nv = 0;
			if (ns && net_server_ports_list(ns, s.id, a, &vifs, &nv, &err) != 0)
				return -1;
			json_t *nd = net_network_data_merge(vifs, nv, a);
			json_answer(a, nd, status, body, len, ctype);
		}
		return 0;
	}
	/* EC2: /<version>/meta-data/..., /<version>/user-data */
	const char *rest = strchr(p + 1, '/');
	if (rest == NULL) {
		const char *listing = "meta-data/\nuser-data";
		text(a, listing, strlen(listing), status, body, len, ctype, "text/plain");
		return 0;
	}
	if (strcmp(rest, "/user-data") == 0)
		return user_data(a, &s, status, body, len, ctype);
	if (strncmp(rest, "/meta-data", 10) == 0 && (rest[10] == '\0' || rest[10] == '/')) {
		json_t *ec2 =
		    qemu_ec2_metadata(meta, json_string_value(json_object_get(s.flavor, "name")));
		arena_defer(a, (void (*)(void *))json_decref, ec2);
		ec2_walk(a, ec2, rest + 10, status, body, len, ctype);
	}
	return 0;
}
