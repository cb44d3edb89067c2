/* OS-DCF:diskConfig: a server's auto_disk_config flag (AUTO or MANUAL),
 * taken on create, update, rebuild and resize, checked against the
 * image's auto_disk_config property ("disabled" refuses AUTO) and, when
 * the request says nothing on create, taken from that property, as Nova.
 * Neither driver resizes the guest's filesystem itself (cloud-init's
 * growpart does in the guest), which is what Nova's libvirt driver leaves
 * to the guest too. */
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/db.h"
#include "image/image.h"

static const char SQL_SET[] = "UPDATE compute_servers SET auto_disk_config = ? WHERE id = ?";

int compute_disk_config_arg(json_t *obj, int *out, struct api_error *err)
{
	json_t *v = json_object_get(obj, "OS-DCF:diskConfig");
	*out = -1;
	if (v == NULL)
		return 0;
	if (json_is_string(v) && strcmp(json_string_value(v), "AUTO") == 0)
		*out = 1;
	else if (json_is_string(v) && strcmp(json_string_value(v), "MANUAL") == 0)
		*out = 0;
	else
		return api_fail(err, API_BAD_REQUEST,
		                "OS-DCF:diskConfig must be either 'MANUAL' or 'AUTO'.");
	return 0;
}

/* oslo's bool_from_string, lenient (anything else is false). */
static bool truthy(const char *s)
{
	bool b = false;
	return compute_bool_string(s, &b) && b;
}

int compute_disk_config_for_image(const struct image_info *img, int requested, bool *out,
                                  struct api_error *err)
{
	const char *prop =
	    img && img->properties
	        ? json_string_value(json_object_get(img->properties, "auto_disk_config"))
	        : NULL;
	if (requested == 1 && prop && strcasecmp(prop, "disabled") == 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Requested image %s has automatic disk resize disabled.", img->id);
	*out = requested >= 0 ? requested == 1 : truthy(prop);
	return 0;
}

int compute_disk_config_set(const char *server_id, bool on, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_SET, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, on);
	db_bind_text(st, 2, server_id);
	return db_exec_stmt(st, err);
}
