/* Glance's default policy on images: who sees an image (owner, public and
 * community images, members of shared ones, admin) and who changes it
 * (owner or admin). What a caller may not see is a 404, never a 403. */
#include <string.h>

#include "image/internal.h"

const char *image_caller_project(const struct identity_auth *auth)
{
	return auth ? auth->project_id : NULL;
}

bool image_is_owner(const struct identity_auth *auth, const struct image_row *row)
{
	const char *p = image_caller_project(auth);
	return p && row->owner && !strcmp(p, row->owner);
}

bool image_may_see(struct arena *a, const struct identity_auth *auth, const struct image_row *row)
{
	if (identity_auth_is_admin(auth) || image_is_owner(auth, row))
		return true;
	if (!strcmp(row->visibility, "public") || !strcmp(row->visibility, "community"))
		return true;
	if (!strcmp(row->visibility, "shared"))
		return image_db_member_status(a, row->id, image_caller_project(auth)) != NULL;
	return false;
}

int image_load_visible(struct http_request *req, const char *id, struct image_row *out,
                       struct api_error *err)
{
	if (image_db_get(req->arena, id, out, err) != 0)
		return -1;
	if (!image_may_see(req->arena, identity_auth_of(req), out))
		return api_fail(err, API_NOT_FOUND, "No image found with ID %s", id);
	return 0;
}

int image_require_owner(const struct identity_auth *auth, const struct image_row *row,
                        const char *action, struct api_error *err)
{
	if (identity_auth_is_admin(auth) || image_is_owner(auth, row))
		return 0;
	return api_fail(err, API_FORBIDDEN, "You are not permitted to %s image %s.", action,
	                row->id);
}
