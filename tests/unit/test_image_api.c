/* The C interface other services use (image.h), on a real database and
 * data dir in a temporary directory: a snapshot image from a file, lookups
 * with and without a caller, refusals (format, quota) leaving nothing
 * behind, and removal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "identity/identity.h"
#include "image/image.h"
#include "service.h"

extern const struct db_migration image_migrations[];
extern const size_t image_migrations_count;

static void write_file(const char *path, size_t len, unsigned char fill)
{
	FILE *f = fopen(path, "wb");
	for (size_t i = 0; i < len; i++)
		fputc((int)(fill + i % 251), f);
	fclose(f);
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

int main(void)
{
	char dir[] = "/tmp/test_image_api.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[512], db[512], src[512];
	snprintf(path, sizeof(path), "%s/images", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/images/staging", dir);
	mkdir(path, 0700);
	snprintf(db, sizeof(db), "%s/stackd.db", dir);
	struct api_error err = {0};
	CHECK(db_open(db, &err) == 0);
	CHECK(db_migrate("image", image_migrations, image_migrations_count, &err) == 0);

	struct config *cfg = config_new();
	struct stackd_env env = {.cfg = cfg, .data_dir = dir};
	struct arena *a = arena_new();
	snprintf(src, sizeof(src), "%s/snapshot.raw", dir);
	write_file(src, 3 * 1024 * 1024 + 5, 7);

	/* A snapshot of a server, as compute makes one. */
	json_t *props = json_pack("{s:s,s:s}", "image_type", "snapshot", "hw_disk_bus", "virtio");
	struct image_create_args args = {
	    .name = "snap",
	    .owner = "project-a",
	    .disk_format = "raw",
	    .min_disk = 1,
	    .min_ram = 64,
	    .properties = props,
	};
	struct image_info info;
	CHECK(image_create_from_file(&env, a, &args, src, &info, &err) == 0);
	CHECK_STR(info.status, "active");
	CHECK_STR(info.visibility, "private");
	CHECK_STR(info.container_format, "bare");
	CHECK(info.size == 3 * 1024 * 1024 + 5 && info.virtual_size == info.size);
	CHECK(info.min_disk == 1 && info.min_ram == 64);
	CHECK(info.checksum && strlen(info.checksum) == 32);
	CHECK(info.path && exists(info.path));
	CHECK(exists(src)); /* the source is left alone */
	CHECK_STR(json_string_value(json_object_get(info.properties, "hw_disk_bus")), "virtio");
	const char *id = arena_strdup(a, info.id);

	/* Lookups: as the cloud, as the owner, as another project. */
	struct image_info again;
	CHECK(image_lookup(&env, a, NULL, id, &again, &err) == 0);
	CHECK_STR(again.path, info.path);
	const char *member_roles[] = {"member"};
	struct identity_auth owner = {
	    .project_id = "project-a", .roles = member_roles, .nroles = 1};
	struct identity_auth other = {
	    .project_id = "project-b", .roles = member_roles, .nroles = 1};
	CHECK(image_lookup(&env, a, &owner, id, &again, &err) == 0);
	CHECK(image_lookup(&env, a, &other, id, &again, &err) == -1 && err.kind == API_NOT_FOUND);
	CHECK(image_lookup(&env, a, NULL, "no-such-image", &again, &err) == -1);

	/* The two-step form: queued first (no path), then filled. */
	args.name = "two-step";
	CHECK(image_create_queued(&env, a, &args, &info, &err) == 0);
	CHECK_STR(info.status, "queued");
	CHECK(info.path == NULL && info.size == -1);
	const char *id2 = arena_strdup(a, info.id);
	CHECK(image_upload_from_file(&env, a, id2, src, &err) == 0);
	CHECK(image_lookup(&env, a, NULL, id2, &info, &err) == 0);
	CHECK_STR(info.status, "active");
	/* an active image takes no second upload */
	CHECK(image_upload_from_file(&env, a, id2, src, &err) == -1 && err.kind == API_CONFLICT);

	/* Data that is not the declared format: refused, nothing left. */
	args.name = "liar";
	args.disk_format = "qcow2";
	CHECK(image_create_from_file(&env, a, &args, src, &info, &err) == -1);
	CHECK(err.kind == API_BAD_REQUEST && strstr(err.message, "disk_format is qcow2"));

	/* Bad arguments. */
	args.disk_format = "qcow9";
	CHECK(image_create_queued(&env, a, &args, &info, &err) == -1);
	args.disk_format = "raw";
	args.owner = NULL;
	CHECK(image_create_queued(&env, a, &args, &info, &err) == -1);
	args.owner = "project-a";

	/* The project's quota applies. */
	config_set(cfg, "image", "quota_bytes", "8000000");
	args.name = "over";
	CHECK(image_create_from_file(&env, a, &args, src, &info, &err) == -1);
	CHECK(err.kind == API_TOO_LARGE);
	config_set(cfg, "image", "quota_bytes", "0");

	/* Removal frees the file. */
	CHECK(image_lookup(&env, a, NULL, id, &info, &err) == 0);
	const char *file = arena_strdup(a, info.path);
	CHECK(image_remove(&env, id, &err) == 0);
	CHECK(!exists(file));
	CHECK(image_lookup(&env, a, NULL, id, &info, &err) == -1);
	CHECK(image_remove(&env, id2, &err) == 0);

	/* Nothing but the staging dir is left in the images dir. */
	snprintf(path, sizeof(path), "rmdir %s/images/staging && rmdir %s/images", dir, dir);
	CHECK(system(path) == 0);

	json_decref(props);
	arena_free(a);
	config_free(cfg);
	db_close_thread();
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
	return check_done("test_image_api");
}
