/* First start of a cloud (keystone-manage bootstrap plus what DevStack
 * adds): the Default domain, the admin and service projects, the admin
 * user, the admin > member > reader roles and ResellerAdmin, RegionOne and
 * a catalog entry per service module. Every start adds the catalog entries
 * of modules added since and refreshes their URLs, and writes clouds.yaml
 * and admin-openrc when the admin password is known. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/log.h"
#include "identity/internal.h"

static const char SQL_HAS_DEFAULT[] = "SELECT 1 FROM identity_domains WHERE id = 'default'";
static const char SQL_ADD_DOMAIN[] =
    "INSERT INTO identity_domains(id, name, description) VALUES('default', 'Default', "
    "'The default domain')";
static const char SQL_ADD_PROJECT[] =
    "INSERT INTO identity_projects(id, name, domain_id, description) VALUES(?, ?, "
    "'default', ?)";
static const char SQL_ADD_ROLE[] = "INSERT INTO identity_roles(id, name) VALUES(?, ?)";
static const char SQL_ADD_IMPLIED[] =
    "INSERT INTO identity_implied_roles(prior_role_id, implied_role_id) VALUES(?, ?)";
static const char SQL_ADD_USER[] =
    "INSERT INTO identity_users(id, name, domain_id, password_hash, password_changed_at, "
    "default_project_id) VALUES(?, 'admin', 'default', ?, ?, ?)";
static const char SQL_ADD_ASSIGNMENT[] =
    "INSERT INTO identity_assignments(type, actor_id, target_id, role_id) VALUES(?, ?, ?, ?)";
static const char SQL_ADD_REGION[] =
    "INSERT OR IGNORE INTO identity_regions(id, description) VALUES('RegionOne', '')";
static const char SQL_ADMIN[] =
    "SELECT id, password_hash FROM identity_users WHERE name = 'admin' AND domain_id = "
    "'default'";
static const char SQL_SET_PASSWORD[] =
    "UPDATE identity_users SET password_hash = ?, password_changed_at = ? WHERE id = ?";
static const char SQL_SERVICE_BY_TYPE[] =
    "SELECT id FROM identity_services WHERE type = ? ORDER BY rowid LIMIT 1";
static const char SQL_ADD_SERVICE[] =
    "INSERT INTO identity_services(id, type, name, description) VALUES(?, ?, ?, ?)";
static const char SQL_ENDPOINT[] =
    "SELECT id, url FROM identity_endpoints WHERE service_id = ? AND interface = ? AND "
    "region_id = 'RegionOne' ORDER BY rowid LIMIT 1";
static const char SQL_ADD_ENDPOINT[] =
    "INSERT INTO identity_endpoints(id, service_id, interface, region_id, url) VALUES(?, ?, "
    "?, 'RegionOne', ?)";
static const char SQL_SET_ENDPOINT_URL[] = "UPDATE identity_endpoints SET url = ? WHERE id = ?";

static int exec_bound(const char *sql, const char *const *args, size_t n, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(sql, err);
	if (!q)
		return -1;
	for (size_t i = 0; i < n; i++)
		db_bind_text(q, (int)i + 1, args[i]);
	return db_exec_stmt(q, err);
}

#define EXEC(sql, ...)                                      \
	exec_bound(sql, (const char *const[]){__VA_ARGS__}, \
	           sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), err)

static int create_cloud(const char *hash, struct api_error *err)
{
	char admin_p[33], service_p[33], user[33], r_admin[33], r_member[33], r_reader[33],
	    r_reseller[33];
	ids_hex32(admin_p);
	ids_hex32(service_p);
	ids_hex32(user);
	ids_hex32(r_admin);
	ids_hex32(r_member);
	ids_hex32(r_reader);
	ids_hex32(r_reseller);
	if (db_exec(SQL_ADD_DOMAIN, err) != 0 ||
	    EXEC(SQL_ADD_PROJECT, admin_p, "admin",
	         "Bootstrap project for initializing the cloud.") != 0 ||
	    EXEC(SQL_ADD_PROJECT, service_p, "service", "Project for the services.") != 0 ||
	    EXEC(SQL_ADD_ROLE, r_admin, "admin") != 0 ||
	    EXEC(SQL_ADD_ROLE, r_member, "member") != 0 ||
	    EXEC(SQL_ADD_ROLE, r_reader, "reader") != 0 ||
	    EXEC(SQL_ADD_ROLE, r_reseller, "ResellerAdmin") != 0 ||
	    EXEC(SQL_ADD_IMPLIED, r_admin, r_member) != 0 ||
	    EXEC(SQL_ADD_IMPLIED, r_member, r_reader) != 0)
		return -1;
	sqlite3_stmt *q = db_stmt(SQL_ADD_USER, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, user);
	db_bind_text(q, 2, hash);
	sqlite3_bind_double(q, 3, ids_now());
	db_bind_text(q, 4, admin_p);
	if (db_exec_stmt(q, err) != 0)
		return -1;
	if (EXEC(SQL_ADD_ASSIGNMENT, "UserProject", user, admin_p, r_admin) != 0 ||
	    EXEC(SQL_ADD_ASSIGNMENT, "UserSystem", user, "system", r_admin) != 0 ||
	    db_exec(SQL_ADD_REGION, err) != 0)
		return -1;
	log_info("msg=\"identity bootstrapped\" admin_project=%s admin_user=%s", admin_p, user);
	return 0;
}

/* Later starts given --admin-password: make it the admin's password. */
static int reset_password(const char *password, struct api_error *err)
{
	sqlite3_stmt *q = db_stmt(SQL_ADMIN, err);
	if (!q)
		return -1;
	char id[64] = "", hash[crypto_pwhash_STRBYTES] = "";
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%s", db_column_text(q, 0));
		const char *h = db_column_text(q, 1);
		snprintf(hash, sizeof(hash), "%s", h ? h : "");
	}
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!*id || identity_password_verify(hash, password))
		return 0;
	if (identity_password_hash(password, hash, err) != 0)
		return -1;
	q = db_stmt(SQL_SET_PASSWORD, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, hash);
	sqlite3_bind_double(q, 2, ids_now());
	db_bind_text(q, 3, id);
	return db_exec_stmt(q, err);
}

static int sync_entry(const struct stackd_env *env, const struct catalog_entry *ce,
                      struct api_error *err)
{
	static const char *const ifaces[] = {"public", "internal", "admin"};
	char sid[33] = "";
	sqlite3_stmt *q = db_stmt(SQL_SERVICE_BY_TYPE, err);
	if (!q)
		return -1;
	db_bind_text(q, 1, ce->type);
	int rc = db_step(q, err);
	if (rc == SQLITE_ROW)
		snprintf(sid, sizeof(sid), "%s", db_column_text(q, 0));
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	if (!*sid) {
		ids_hex32(sid);
		char desc[128];
		snprintf(desc, sizeof(desc), "stackd %s service", ce->type);
		if (EXEC(SQL_ADD_SERVICE, sid, ce->type, ce->name, desc) != 0)
			return -1;
	}
	char url[1024];
	snprintf(url, sizeof(url), "%s%s", env->public_url, ce->url_path);
	for (size_t i = 0; i < 3; i++) {
		char eid[33] = "";
		bool same = false;
		q = db_stmt(SQL_ENDPOINT, err);
		if (!q)
			return -1;
		db_bind_text(q, 1, sid);
		db_bind_text(q, 2, ifaces[i]);
		rc = db_step(q, err);
		if (rc == SQLITE_ROW) {
			snprintf(eid, sizeof(eid), "%s", db_column_text(q, 0));
			same = !strcmp(db_column_text(q, 1), url);
		}
		sqlite3_reset(q);
		if (rc < 0)
			return -1;
		if (!*eid) {
			ids_hex32(eid);
			if (EXEC(SQL_ADD_ENDPOINT, eid, sid, ifaces[i], url) != 0)
				return -1;
		} else if (!same && EXEC(SQL_SET_ENDPOINT_URL, url, eid) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Writes path atomically with mode 0600. */
static int write_private(const char *path, const char *text, struct api_error *err)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return api_fail(err, API_INTERNAL, "cannot create %s: %s", tmp, strerror(errno));
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return api_fail(err, API_INTERNAL, "cannot write %s", path);
	}
	return 0;
}

/* s with each occurrence of c doubled or escaped: YAML single quotes
 * double ', shell single quotes close, escape and reopen. */
static char *quoted(struct arena *a, const char *s, const char *for_quote)
{
	char *out = arena_alloc(a, strlen(s) * 4 + 3);
	char *o = out;
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			strcpy(o, for_quote);
			o += strlen(for_quote);
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

static int write_client_files(struct identity_state *st, const char *password,
                              struct api_error *err)
{
	struct arena *a = arena_new();
	char path[PATH_MAX];
	char *yaml = arena_printf(a,
	                          "clouds:\n"
	                          "  stackd:\n"
	                          "    auth:\n"
	                          "      auth_url: %s/v3\n"
	                          "      username: admin\n"
	                          "      password: %s\n"
	                          "      project_name: admin\n"
	                          "      user_domain_name: Default\n"
	                          "      project_domain_name: Default\n"
	                          "    region_name: RegionOne\n"
	                          "    interface: public\n"
	                          "    identity_api_version: 3\n",
	                          st->auth_url, quoted(a, password, "''"));
	char *rc = arena_printf(a,
	                        "export OS_AUTH_URL=%s/v3\n"
	                        "export OS_IDENTITY_API_VERSION=3\n"
	                        "export OS_USERNAME=admin\n"
	                        "export OS_PASSWORD=%s\n"
	                        "export OS_PROJECT_NAME=admin\n"
	                        "export OS_USER_DOMAIN_NAME=Default\n"
	                        "export OS_PROJECT_DOMAIN_NAME=Default\n"
	                        "export OS_REGION_NAME=RegionOne\n",
	                        st->auth_url, quoted(a, password, "'\\''"));
	snprintf(path, sizeof(path), "%s/clouds.yaml", st->data_dir);
	int ret = write_private(path, yaml, err);
	snprintf(path, sizeof(path), "%s/admin-openrc", st->data_dir);
	if (ret == 0)
		ret = write_private(path, rc, err);
	arena_free(a);
	return ret;
}

int identity_bootstrap(struct identity_state *st, const struct stackd_env *env,
                       struct api_error *err)
{
	const char *given = config_get(env->cfg, "default", "admin_password", NULL);
	char generated[48] = "";
	sqlite3_stmt *q = db_stmt(SQL_HAS_DEFAULT, err);
	if (!q)
		return -1;
	int rc = db_step(q, err);
	sqlite3_reset(q);
	if (rc < 0)
		return -1;
	bool fresh = rc != SQLITE_ROW;
	const char *password = given;
	char hash[crypto_pwhash_STRBYTES];
	if (fresh) {
		if (!password) {
			unsigned char raw[18];
			randombytes_buf(raw, sizeof(raw));
			sodium_bin2base64(generated, sizeof(generated), raw, sizeof(raw),
			                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			password = generated;
		}
		/* Hashed outside the transaction: it takes tens of ms. */
		if (identity_password_hash(password, hash, err) != 0)
			return -1;
	}
	if (db_begin(err) != 0)
		return -1;
	if (fresh && create_cloud(hash, err) != 0)
		goto fail;
	if (!fresh && password && reset_password(password, err) != 0)
		goto fail;
	for (size_t i = 0; env->modules[i]; i++)
		for (size_t j = 0; j < env->modules[i]->ncatalog; j++)
			if (sync_entry(env, &env->modules[i]->catalog[j], err) != 0)
				goto fail;
	if (db_commit(err) != 0)
		return -1;
	if (password && write_client_files(st, password, err) != 0)
		return -1;
	if (*generated) {
		printf("stackd: generated admin password: %s\n", generated);
		fflush(stdout);
		sodium_memzero(generated, sizeof(generated));
	}
	return 0;
fail:
	db_rollback();
	return -1;
}
