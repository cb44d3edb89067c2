/* Versioned writes (Swift's versioned_writes middleware). With
 * X-History-Location on a container, an object about to be replaced or
 * deleted is first copied into the archive container as
 * "<3 hex digits of the name's length><name>/<timestamp>". With
 * X-Versions-Location (stack mode) the same happens on overwrite, and a
 * DELETE restores the newest archived version instead of removing it. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "object/internal.h"

static const char SQL_NEWEST[] =
    "SELECT name FROM object_objects WHERE account = ?1 AND container = ?2 AND name >= ?3 AND "
    "name < ?4 ORDER BY name DESC LIMIT 1";

/* Copies a row's data file as it is (a manifest stays a manifest). */
static int copy_row(struct arena *a, struct object_svc *svc, const struct object_row *src,
                    const char *container, const char *name, struct api_error *err)
{
	const char *path = object_store_path(a, svc, src->file);
	struct stat sb;
	if (stat(path, &sb) != 0)
		return 0; /* gone meanwhile: nothing to keep */
	struct object_piece piece = {.path = path, .length = (uint64_t)sb.st_size};
	int fd;
	char *tmp;
	if (object_store_tmp(a, svc, &fd, &tmp, err) != 0)
		return -1;
	struct object_row row = *src;
	row.container = container;
	row.name = name;
	row.modified = object_now();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		abort();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	int rc = object_copy_pieces(&piece, 1, fd, md, err);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex = arena_alloc(a, 2 * EVP_MAX_MD_SIZE + 1);
	EVP_DigestFinal_ex(md, d, &n);
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	row.data_md5 = hex;
	if (rc != 0 || object_store_commit(a, svc, fd, tmp, &row, err) != 0) {
		object_store_discard(fd, tmp);
		return -1;
	}
	close(fd);
	return 0;
}

static const char *location(json_t *cmeta, bool *stack)
{
	const char *h = json_string_value(json_object_get(cmeta, "X-History-Location"));
	const char *v = json_string_value(json_object_get(cmeta, "X-Versions-Location"));
	*stack = !h && v;
	return h ? h : v;
}

int object_versions_archive(struct arena *a, struct object_target *t, json_t *cmeta,
                            struct api_error *err)
{
	bool stack;
	const char *loc = location(cmeta, &stack);
	struct object_row row;
	struct object_container arch;
	struct api_error none;
	if (!loc || !*loc ||
	    object_db_get(a, t->account, t->container, t->object, &row, &none) != 0)
		return 0;
	if (object_db_container(a, t->account, loc, &arch, &none) != 0)
		return api_fail(err, API_PRECONDITION_FAILED,
		                "The versions container %s does not exist.", loc);
	const char *name =
	    arena_printf(a, "%03zx%s/%.5f", strlen(t->object), t->object, row.modified);
	return copy_row(a, t->svc, &row, loc, name, err);
}

int object_versions_restore(struct arena *a, struct object_target *t, json_t *cmeta,
                            struct api_error *err)
{
	bool stack;
	const char *loc = location(cmeta, &stack);
	if (!loc || !*loc || !stack)
		return 0;
	const char *prefix = arena_printf(a, "%03zx%s/", strlen(t->object), t->object);
	sqlite3_stmt *st = db_stmt(SQL_NEWEST, err);
	if (!st)
		return -1;
	db_bind_text(st, 1, t->account);
	db_bind_text(st, 2, loc);
	db_bind_text(st, 3, prefix);
	db_bind_text(st, 4, arena_printf(a, "%s\xff", prefix));
	int rc = db_step(st, err);
	const char *newest = rc == SQLITE_ROW ? arena_strdup(a, db_column_text(st, 0)) : NULL;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!newest)
		return 0;
	struct object_row old;
	if (object_db_get(a, t->account, loc, newest, &old, err) != 0 ||
	    copy_row(a, t->svc, &old, t->container, t->object, err) != 0 ||
	    object_store_delete(a, t->svc, &old, err) != 0)
		return -1;
	return 1;
}
