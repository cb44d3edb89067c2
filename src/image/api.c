/* The C interface of image.h, on the same tables, files and checks as the
 * HTTP API: other services never see the image service's internals. */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "image/ingest.h"
#include "image/internal.h"
#include "service.h"

static void svc_of(const struct stackd_env *env, struct image_svc *svc)
{
	memset(svc, 0, sizeof(*svc));
	snprintf(svc->images_dir, sizeof(svc->images_dir), "%s/images", env->data_dir);
	snprintf(svc->staging_dir, sizeof(svc->staging_dir), "%s/images/staging", env->data_dir);
	svc->quota_bytes = config_get_int(env->cfg, "image", "quota_bytes", 0);
}

static void fill_info(struct arena *a, const struct image_svc *svc, const struct image_row *row,
                      struct image_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = row->id;
	out->name = row->name;
	out->status = row->status;
	out->visibility = row->visibility;
	out->owner = row->owner;
	out->disk_format = row->disk_format;
	out->container_format = row->container_format;
	out->size = row->size;
	out->virtual_size = row->virtual_size;
	out->min_disk = row->min_disk;
	out->min_ram = row->min_ram;
	out->checksum = row->checksum;
	out->protected_ = row->protected_;
	out->properties = row->props;
	out->created_at = row->created_at;
	out->updated_at = row->updated_at;
	if (!strcmp(row->status, "active") || !strcmp(row->status, "deactivated"))
		out->path = image_file_path(a, svc, row->id, false);
}

int image_lookup(const struct stackd_env *env, struct arena *a, const struct identity_auth *auth,
                 const char *id, struct image_info *out, struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	struct image_row row;
	if (image_db_get(a, id, &row, err) != 0)
		return -1;
	if (auth && !image_may_see(a, auth, &row))
		return api_fail(err, API_NOT_FOUND, "No image found with ID %s", id);
	fill_info(a, &svc, &row, out);
	return 0;
}

static void decref(void *p)
{
	json_decref(p);
}

int image_create_queued(const struct stackd_env *env, struct arena *a,
                        const struct image_create_args *args, struct image_info *out,
                        struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	if (!args->owner)
		return api_fail(err, API_BAD_REQUEST, "An image needs an owner.");
	json_t *doc = json_object();
	arena_defer(a, decref, doc);
	if (args->properties) {
		const char *key;
		json_t *v;
		json_object_foreach(args->properties, key, v)
		{
			if (image_attr_check(key, v, err) != 0)
				return -1;
			json_object_set(doc, key, v);
		}
	}
	json_t *base =
	    json_pack("{s:s?,s:s,s:s,s:I,s:I}", "name", args->name, "disk_format",
	              args->disk_format ? args->disk_format : "", "container_format",
	              args->container_format ? args->container_format : "bare", "min_disk",
	              (json_int_t)args->min_disk, "min_ram", (json_int_t)args->min_ram);
	arena_defer(a, decref, base);
	json_object_set_new(base, "visibility",
	                    json_string(args->visibility ? args->visibility : "private"));
	const char *key;
	json_t *v;
	json_object_foreach(base, key, v)
	{
		if (image_attr_check(key, v, err) != 0)
			return -1;
		json_object_set(doc, key, v);
	}
	json_object_set_new(doc, "owner", json_string(args->owner));
	json_object_set_new(doc, "tags", json_array());

	char now[21], *uuid = arena_alloc(a, 37);
	ids_time_iso(time(NULL), now);
	ids_uuid4(uuid);
	struct image_row row = {
	    .id = uuid,
	    .status = "queued",
	    .visibility = "private",
	    .owner = args->owner,
	    .size = -1,
	    .virtual_size = -1,
	    .created_at = now,
	    .updated_at = now,
	};
	image_apply_edit_doc(a, &row, doc);
	if (image_db_insert(&row, err) != 0)
		return -1;
	if (image_db_get(a, uuid, &row, err) != 0)
		return -1;
	fill_info(a, &svc, &row, out);
	return 0;
}

static int copy_in(struct image_ingest *ing, int fd, struct api_error *err)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK);
	if (!buf)
		abort();
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = api_fail(err, API_INTERNAL, "Cannot read the source file: %s",
			              strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((rc = image_ingest_write(ing, buf, (size_t)n, err)) != 0)
			break;
	}
	free(buf);
	return rc;
}

int image_upload_from_file(const struct stackd_env *env, struct arena *a, const char *id,
                           const char *src_path, struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	struct image_row row;
	/* In the arena: image_ingest_open leaves its clean-up to the arena. */
	struct image_ingest *ing = arena_alloc(a, sizeof(*ing));
	ing->fd = -1;
	int src = -1, rc = -1;
	bool busy = false;
	if (image_db_get(a, id, &row, err) != 0)
		return -1;
	int64_t limit = -1;
	if (svc.quota_bytes > 0) {
		int64_t used;
		if (image_db_usage(row.owner, &used, err) != 0)
			return -1;
		limit = used >= svc.quota_bytes ? 0 : svc.quota_bytes - used;
	}
	int moved = image_db_transition(id, "queued", "saving", err);
	if (moved <= 0)
		return moved < 0 ? -1
		                 : api_fail(err, API_CONFLICT,
		                            "Image status transition from %s to saving is not "
		                            "allowed",
		                            row.status);
	busy = true;
	src = open(src_path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		api_fail(err, API_INTERNAL, "Cannot open %s: %s", src_path, strerror(errno));
		goto out;
	}
	if (image_ingest_open(a, svc.images_dir, id, limit, ing, err) != 0 ||
	    copy_in(ing, src, err) != 0 || image_ingest_close(ing, row.disk_format, err) != 0)
		goto out;
	const char *path = image_file_path(a, &svc, id, false);
	if (image_ingest_place(ing, path, err) != 0)
		goto out;
	moved = image_db_set_data(id, "saving", "active", (int64_t)ing->written,
	                          ing->inspect.virtual_size, ing->md5, ing->sha512, 0, err);
	if (moved <= 0) {
		unlink(path);
		if (!moved)
			api_fail(err, API_GONE, "Image %s was deleted while its data was stored.",
			         id);
		goto out;
	}
	busy = false;
	rc = 0;
out:
	if (src >= 0)
		close(src);
	image_ingest_discard(ing);
	if (busy)
		image_db_transition(id, "saving", "queued", &(struct api_error){0});
	return rc;
}

int image_create_from_file(const struct stackd_env *env, struct arena *a,
                           const struct image_create_args *args, const char *src_path,
                           struct image_info *out, struct api_error *err)
{
	if (image_create_queued(env, a, args, out, err) != 0)
		return -1;
	const char *id = out->id;
	if (image_upload_from_file(env, a, id, src_path, err) != 0) {
		image_remove(env, id, &(struct api_error){0});
		return -1;
	}
	return image_lookup(env, a, NULL, id, out, err);
}

int image_remove(const struct stackd_env *env, const char *id, struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	if (image_db_delete(id, err) != 0)
		return -1;
	image_remove_files(&svc, id);
	return 0;
}

/* ---- for compute's image proxy (Nova's /images below 2.36) ---- */

static int newest_first(const void *pa, const void *pb)
{
	const struct image_info *a = pa, *b = pb;
	int c = strcmp(b->created_at, a->created_at);
	return c ? c : strcmp(b->id, a->id);
}

int image_list_visible(const struct stackd_env *env, struct arena *a,
                       const struct identity_auth *auth, struct image_info **out, size_t *n,
                       struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	const char **ids;
	size_t count;
	if (image_db_candidates(a, auth, &ids, &count, err) != 0)
		return -1;
	struct image_info *list = arena_alloc(a, (count + 1) * sizeof(*list));
	size_t kept = 0;
	bool admin = identity_auth_is_admin(auth);
	for (size_t i = 0; i < count; i++) {
		struct image_row row;
		if (image_db_get(a, ids[i], &row, &(struct api_error){0}) != 0)
			continue; /* deleted meanwhile */
		bool owner = image_is_owner(auth, &row);
		/* Glance's default list: no hidden images, community images
		 * only the caller's, others' shared ones once accepted. */
		if (row.os_hidden || (!strcmp(row.visibility, "community") && !owner))
			continue;
		if (!strcmp(row.visibility, "shared") && !owner) {
			const char *ms =
			    image_db_member_status(a, row.id, image_caller_project(auth));
			if (ms ? strcmp(ms, "accepted") != 0 : !admin)
				continue;
		}
		fill_info(a, &svc, &row, &list[kept++]);
	}
	qsort(list, kept, sizeof(*list), newest_first);
	*out = list;
	*n = kept;
	return 0;
}

int image_delete_as(const struct stackd_env *env, struct arena *a, const struct identity_auth *auth,
                    const char *id, struct api_error *err)
{
	struct image_svc svc;
	svc_of(env, &svc);
	struct image_row row;
	if (image_db_get(a, id, &row, err) != 0)
		return -1;
	if (!image_may_see(a, auth, &row))
		return api_fail(err, API_NOT_FOUND, "No image found with ID %s", id);
	if (image_require_owner(auth, &row, "delete", err) != 0)
		return -1;
	if (row.protected_)
		return api_fail(err, API_FORBIDDEN, "Image %s is protected and cannot be deleted.",
		                row.id);
	if (image_db_delete(row.id, err) != 0)
		return -1;
	image_remove_files(&svc, row.id);
	return 0;
}

int image_set_properties(const struct stackd_env *env, struct arena *a,
                         const struct identity_auth *auth, const char *id, json_t *props,
                         struct api_error *err)
{
	/* Names Glance keeps as base attributes cannot be custom properties. */
	static const char *const base[] = {
	    "name",        "visibility",       "protected", "os_hidden", "min_ram", "min_disk",
	    "disk_format", "container_format", "tags",      "owner",     NULL};
	(void)env;
	struct image_row row;
	if (image_db_get(a, id, &row, err) != 0)
		return -1;
	if (!image_may_see(a, auth, &row))
		return api_fail(err, API_NOT_FOUND, "No image found with ID %s", id);
	if (image_require_owner(auth, &row, "modify", err) != 0)
		return -1;
	if (json_object_size(props) > IMAGE_MAX_PROPERTIES)
		return api_fail(err, API_TOO_LARGE, "Maximum number of properties (%d) exceeded.",
		                IMAGE_MAX_PROPERTIES);
	const char *key;
	json_t *v;
	json_object_foreach(props, key, v)
	{
		if (!json_is_string(v))
			return api_fail(err, API_BAD_REQUEST, "Property %s must be a string.", key);
		for (size_t i = 0; base[i]; i++)
			if (!strcmp(base[i], key))
				return api_fail(err, API_FORBIDDEN, "Attribute '%s' is reserved.",
				                key);
		if (image_attr_check(key, v, err) != 0)
			return -1;
	}
	json_t *copy = json_deep_copy(props);
	arena_defer(a, decref, copy);
	row.props = copy;
	return image_db_update(&row, err);
}
