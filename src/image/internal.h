/* The image service's own model, shared by its files and by no one else:
 * the service state (reached as req->ctx), an image row as the handlers
 * see it, and the functions the files give each other. The C interface
 * other services use is image.h. */
#ifndef STACKD_IMAGE_INTERNAL_H
#define STACKD_IMAGE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/http.h"
#include "identity/identity.h"

struct arena;

/* Glance's limits (image_member_quota, image_tag_quota, image_property_quota). */
#define IMAGE_MAX_MEMBERS 128
#define IMAGE_MAX_TAGS 128
#define IMAGE_MAX_PROPERTIES 128

struct image_svc {
	struct http_service http; /* registered with the server; ctx points here */
	char images_dir[4096];    /* <data dir>/images: one file per active image */
	char staging_dir[4096];   /* <data dir>/images/staging: glance-direct */
	int64_t quota_bytes;      /* per project; <= 0: unlimited */
};

struct image_row {
	const char *id, *name, *status, *visibility, *owner;
	const char *disk_format, *container_format; /* NULL until set */
	int64_t size, virtual_size;                 /* -1: null */
	const char *checksum, *os_hash_algo, *os_hash_value;
	int64_t min_disk, min_ram;
	bool protected_, os_hidden;
	int64_t staged; /* bytes in the staging area, 0 if none */
	const char *created_at, *updated_at;
	json_t *props; /* object of string values; owned by the arena */
	json_t *tags;  /* array of strings; owned by the arena */
};

/* ---- db.c: rows ---- */
/* 0 and *out, or -1 with 404 when no such image exists (no visibility check). */
int image_db_get(struct arena *a, const char *id, struct image_row *out, struct api_error *err);
int image_db_insert(const struct image_row *row, struct api_error *err);
/* Writes every mutable column, properties and tags; bumps updated_at. */
int image_db_update(struct image_row *row, struct api_error *err);
int image_db_delete(const char *id, struct api_error *err);
/* Moves status from `from` to `to`; 1 if it moved, 0 if the image was not in
 * `from` (or is gone), -1 on a database error. */
int image_db_transition(const char *id, const char *from, const char *to, struct api_error *err);
/* Records the data of an upload and marks the image `status`. */
int image_db_set_data(const char *id, const char *from, const char *status, int64_t size,
                      int64_t virtual_size, const char *md5, const char *sha512, int64_t staged,
                      struct api_error *err);
/* Bytes a project holds (active data and staged data). */
int image_db_usage(const char *owner, int64_t *out, struct api_error *err);
/* Ids of every image the caller may see in some list (admin: all). */
int image_db_candidates(struct arena *a, const struct identity_auth *auth, const char ***ids,
                        size_t *n, struct api_error *err);
/* The caller's membership status on the image, or NULL. */
const char *image_db_member_status(struct arena *a, const char *image_id, const char *member);

/* ---- access.c: who sees and changes what ---- */
const char *image_caller_project(const struct identity_auth *auth);
/* Loads an image the caller may see, or -1 with 404 (never 403: other
 * projects must not learn that a private image exists). */
int image_load_visible(struct http_request *req, const char *id, struct image_row *out,
                       struct api_error *err);
bool image_may_see(struct arena *a, const struct identity_auth *auth, const struct image_row *row);
bool image_is_owner(const struct identity_auth *auth, const struct image_row *row);
/* 403 unless the caller owns the image (or is admin). */
int image_require_owner(const struct identity_auth *auth, const struct image_row *row,
                        const char *action, struct api_error *err);

/* ---- view.c: the Glance representation ---- */
json_t *image_to_json(const struct image_row *row);
/* The editable part of a row as a JSON object (base attributes, tags and
 * custom properties side by side), and back. */
json_t *image_edit_doc(const struct image_row *row);
void image_apply_edit_doc(struct arena *a, struct image_row *row, json_t *doc);

/* ---- patch.c: attribute rules and JSON-patch ---- */
/* Checks one attribute as a client may set it; 400 for bad values, 403 for
 * read-only and reserved ones. */
int image_attr_check(const char *name, json_t *value, struct api_error *err);
/* Applies an openstack-images-v2.1-json-patch document to doc (v20: the
 * v2.0 media type's rules). */
int image_patch_apply(json_t *doc, json_t *ops, bool v20, struct api_error *err);

/* ---- images.c ---- */
int image_create(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_show(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_update(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_delete(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_deactivate(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_reactivate(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_tag_add(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_tag_delete(struct http_request *req, struct http_response *resp, struct api_error *err);

/* ---- list.c ---- */
int image_list(struct http_request *req, struct http_response *resp, struct api_error *err);

/* ---- data.c: bytes in and out ---- */
int image_upload(struct http_request *req, struct http_response *resp, struct http_sink *sink,
                 struct api_error *err);
int image_stage(struct http_request *req, struct http_response *resp, struct http_sink *sink,
                struct api_error *err);
int image_download(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_import(struct http_request *req, struct http_response *resp, struct api_error *err);
/* Path of an image's file (of its staged file when staged). */
const char *image_file_path(struct arena *a, const struct image_svc *svc, const char *id,
                            bool staged);
/* Removes an image's files, if any. */
void image_remove_files(const struct image_svc *svc, const char *id);
/* Back to a consistent state after a restart: uploads that were under way
 * go back to queued, temporary files go away. */
int image_recover(const struct image_svc *svc, struct api_error *err);

/* ---- members.c ---- */
int image_member_create(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int image_member_list(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_member_show(struct http_request *req, struct http_response *resp, struct api_error *err);
int image_member_update(struct http_request *req, struct http_response *resp,
                        struct api_error *err);
int image_member_delete(struct http_request *req, struct http_response *resp,
                        struct api_error *err);

/* ---- tasks.c ---- */
int image_task_record(struct http_request *req, const char *image_id, const char *owner,
                      const char *method, bool success, const char *message, struct api_error *err);
int image_tasks(struct http_request *req, struct http_response *resp, struct api_error *err);

/* ---- schemas.c ---- */
int image_schema_show(struct http_request *req, struct http_response *resp, struct api_error *err);

#endif
