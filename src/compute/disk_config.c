/* OS-DCF:diskConfig (AUTO or MANUAL) on create, rebuild, resize and update,
 * kept per server and shown in its views. An image whose auto_disk_config
 * property is "disabled" refuses AUTO; without the parameter a server
 * inherits the property's boolean. As in Nova's libvirt driver today, AUTO
 * changes nothing in the guest: the root disk is grown to the flavor's
 * size either way, its partitions are the guest's business. */
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "core/db.h"
#include "image/image.h"

static const char SQL_SET[] = "UPDATE compute_servers SET auto_disk_config = ? WHERE id = ?";

int compute_disk_config_parse(json_t *obj, int *out, struct api_error *err)
{
	json_t *v = json_object_get(obj, "OS-DCF:diskConfig");
	*out = -1;
	if (v == NULL)
		return 0;
	const char *s = json_string_value(v);
	if (s && strcmp(s, "AUTO") == 0)
		*out = 1;
	else if (s && strcmp(s, "MANUAL") == 0)
		*out = 0;
	else
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for field/attribute OS-DCF:diskConfig. Value: %s. "
		                "'%s' is not one of ['AUTO', 'MANUAL']",
		                s ? s : "(not a string)", s ? s : "");
	return 0;
}

int compute_disk_config_for_image(const struct image_info *img, int want, int *out,
                                  struct api_error *err)
{
	const char *prop =
	    img->properties
	        ? json_string_value(json_object_get(img->properties, "auto_disk_config"))
	        : NULL;
	bool disabled = prop && strcasecmp(prop, "disabled") == 0;
	if (disabled && want == 1)
		return api_fail(err, API_BAD_REQUEST,
		                "Requested image %s has automatic disk resize disabled.", img->id);
	bool inherited = false;
	if (want < 0 && prop && !compute_bool_string(prop, &inherited))
		inherited = false;
	*out = want >= 0 ? want : inherited;
	return 0;
}

int compute_disk_config_store(const char *server_id, int value, struct api_error *err)
{
	sqlite3_stmt *st = db_stmt(SQL_SET, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, value == 1);
	db_bind_text(st, 2, server_id);
	return db_exec_stmt(st, err);
}
