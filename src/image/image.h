/* What other services (compute above all) may ask of the image service,
 * without reading its tables: look an image up as a caller would see it,
 * find the file that holds its bytes, and store a new image from a local
 * file (a server snapshot). Every function takes the daemon's env (the
 * data dir and the [image] options) and is safe from any thread. */
#ifndef STACKD_IMAGE_H
#define STACKD_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct arena;
struct identity_auth;
struct stackd_env;

struct image_info {
	const char *id, *name; /* name may be NULL */
	const char *status;    /* queued saving active deactivated killed ... */
	const char *visibility, *owner;
	const char *disk_format, *container_format; /* NULL until set */
	int64_t size, virtual_size;                 /* -1 when unknown */
	int64_t min_disk, min_ram;                  /* GiB, MiB */
	const char *checksum;                       /* MD5 hex, or NULL */
	bool protected_;
	/* Absolute path of the image's bytes: set only while the image is
	 * active (or deactivated); read it, never write or move it. */
	const char *path;
	/* Custom properties (hw_disk_bus, os_distro, ...): an object of
	 * string values, owned by the arena. */
	json_t *properties;
	const char *created_at, *updated_at; /* ISO 8601, UTC */
};

/* Looks up an image as the caller sees it: auth NULL means the cloud
 * itself (no visibility check); otherwise an image the caller may not see
 * is a 404, as the API answers. Strings live in arena a. */
int image_lookup(const struct stackd_env *env, struct arena *a, const struct identity_auth *auth,
                 const char *id, struct image_info *out, struct api_error *err);

struct image_create_args {
	const char *name;
	const char *owner;            /* project id; required */
	const char *disk_format;      /* required: "qcow2", "raw", ... */
	const char *container_format; /* NULL: "bare" */
	const char *visibility;       /* NULL: "private" */
	int64_t min_disk, min_ram;
	json_t *properties; /* string values; may be NULL; not stolen */
};

/* Creates a queued image with no data yet (status "queued"), so that an
 * API answering at once (Nova's createImage) can return its id. */
int image_create_queued(const struct stackd_env *env, struct arena *a,
                        const struct image_create_args *args, struct image_info *out,
                        struct api_error *err);

/* Fills a queued image with the bytes of the file at src_path (copied,
 * hashed and format-checked as an upload is; the source is left alone),
 * then marks it active. On failure the image goes back to queued. The
 * project's quota applies (413). Blocking: run it from a worker. */
int image_upload_from_file(const struct stackd_env *env, struct arena *a, const char *id,
                           const char *src_path, struct api_error *err);

/* Both of the above in one call: the snapshot image, active on success;
 * on failure no image is left behind. */
int image_create_from_file(const struct stackd_env *env, struct arena *a,
                           const struct image_create_args *args, const char *src_path,
                           struct image_info *out, struct api_error *err);

/* Deletes an image and its bytes whatever its state (the cloud's own
 * clean-up of a failed snapshot; no policy check). */
int image_remove(const struct stackd_env *env, const char *id, struct api_error *err);

/* Every image the caller sees in Glance's default list (not hidden;
 * community images only its own; images shared with it once accepted,
 * all of them for admins), newest first (created_at, then id, both
 * descending). *out lives in arena a. */
int image_list_visible(const struct stackd_env *env, struct arena *a,
                       const struct identity_auth *auth, struct image_info **out, size_t *n,
                       struct api_error *err);

/* Deletes an image as the caller would through the API: 404 if it may not
 * see it, 403 unless it owns it (or is admin) or when it is protected. */
int image_delete_as(const struct stackd_env *env, struct arena *a, const struct identity_auth *auth,
                    const char *id, struct api_error *err);

/* Replaces the custom properties of an image by props (an object of
 * string values) as the caller: 404 unseen, 403 unless owner or admin or
 * for a reserved or read-only name. */
int image_set_properties(const struct stackd_env *env, struct arena *a,
                         const struct identity_auth *auth, const char *id, json_t *props,
                         struct api_error *err);

#endif
