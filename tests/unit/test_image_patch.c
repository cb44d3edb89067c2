/* The openstack-images-v2.1-json-patch rules: add/replace/remove of base
 * attributes and custom properties, read-only and reserved attributes,
 * JSON-pointer escapes, value types, tags as a set. */
#include <string.h>

#include "check.h"
#include "image/internal.h"

static json_t *doc_new(void)
{
	return json_pack("{s:s,s:s,s:b,s:b,s:i,s:i,s:n,s:n,s:s,s:[s],s:s}", "name", "cirros",
	                 "visibility", "private", "protected", 0, "os_hidden", 0, "min_ram", 0,
	                 "min_disk", 0, "disk_format", "container_format", "owner", "p1", "tags",
	                 "a", "os_distro", "cirros");
}

static int patch(json_t *doc, const char *ops_text, struct api_error *err)
{
	json_error_t jerr;
	json_t *ops = json_loads(ops_text, 0, &jerr);
	if (!ops) {
		fprintf(stderr, "bad test JSON: %s\n", jerr.text);
		return -2;
	}
	memset(err, 0, sizeof(*err));
	int rc = image_patch_apply(doc, ops, false, err);
	json_decref(ops);
	return rc;
}

int main(void)
{
	struct api_error err;
	json_t *doc = doc_new();

	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"new\"}]", &err) == 0);
	CHECK_STR(json_string_value(json_object_get(doc, "name")), "new");
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/hw_disk_bus\",\"value\":\"virtio\"}]",
	            &err) == 0);
	CHECK_STR(json_string_value(json_object_get(doc, "hw_disk_bus")), "virtio");
	/* add on an existing property replaces it (v2.1 semantics) */
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/hw_disk_bus\",\"value\":\"scsi\"}]", &err) ==
	      0);
	CHECK_STR(json_string_value(json_object_get(doc, "hw_disk_bus")), "scsi");
	CHECK(patch(doc, "[{\"op\":\"remove\",\"path\":\"/hw_disk_bus\"}]", &err) == 0);
	CHECK(json_object_get(doc, "hw_disk_bus") == NULL);

	/* replace or remove of a missing property: 409 */
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":\"x\"}]", &err) == -1);
	CHECK(err.kind == API_CONFLICT);
	CHECK(patch(doc, "[{\"op\":\"remove\",\"path\":\"/nope\"}]", &err) == -1);
	CHECK(err.kind == API_CONFLICT);
	/* base attributes cannot be removed: 403 */
	CHECK(patch(doc, "[{\"op\":\"remove\",\"path\":\"/name\"}]", &err) == -1);
	CHECK(err.kind == API_FORBIDDEN);
	/* read-only and reserved: 403 */
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"active\"}]",
	            &err) == -1);
	CHECK(err.kind == API_FORBIDDEN);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/checksum\",\"value\":\"x\"}]", &err) == -1);
	CHECK(err.kind == API_FORBIDDEN);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/os_glance_x\",\"value\":\"x\"}]", &err) ==
	      -1);
	CHECK(err.kind == API_FORBIDDEN);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/deleted\",\"value\":\"x\"}]", &err) == -1);
	CHECK(err.kind == API_FORBIDDEN);

	/* types */
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/min_ram\",\"value\":\"512\"}]", &err) ==
	      -1);
	CHECK(err.kind == API_BAD_REQUEST);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/min_ram\",\"value\":-1}]", &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/min_ram\",\"value\":512}]", &err) == 0);
	CHECK(json_integer_value(json_object_get(doc, "min_ram")) == 512);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/protected\",\"value\":\"yes\"}]",
	            &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/protected\",\"value\":true}]", &err) ==
	      0);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/visibility\",\"value\":\"world\"}]",
	            &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/disk_format\",\"value\":\"qcow3\"}]",
	            &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/disk_format\",\"value\":\"qcow2\"}]",
	            &err) == 0);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/custom\",\"value\":5}]", &err) == -1);
	CHECK(err.kind == API_BAD_REQUEST);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":null}]", &err) == 0);
	CHECK(json_is_null(json_object_get(doc, "name")));

	/* JSON pointer escapes: ~1 is '/', ~0 is '~' */
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/a~1b~0c\",\"value\":\"v\"}]", &err) == 0);
	CHECK(json_object_get(doc, "a/b~c") != NULL);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":\"v\"}]", &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"name\",\"value\":\"v\"}]", &err) == -1);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/x~2\",\"value\":\"v\"}]", &err) == -1);

	/* malformed operations */
	CHECK(patch(doc, "[{\"op\":\"move\",\"path\":\"/name\",\"from\":\"/x\"}]", &err) == -1);
	CHECK(err.kind == API_BAD_REQUEST);
	CHECK(patch(doc, "[{\"op\":\"add\",\"path\":\"/x\"}]", &err) == -1);
	CHECK(patch(doc, "{\"op\":\"add\"}", &err) == -1);
	CHECK(patch(doc, "[5]", &err) == -1);

	/* tags: a set */
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/tags\",\"value\":[\"x\",\"y\",\"x\"]}]",
	            &err) == 0);
	CHECK(json_array_size(json_object_get(doc, "tags")) == 2);
	CHECK(patch(doc, "[{\"op\":\"replace\",\"path\":\"/tags\",\"value\":[1]}]", &err) == -1);

	/* operations apply in order; a failure stops the document */
	CHECK(patch(doc,
	            "[{\"op\":\"add\",\"path\":\"/k1\",\"value\":\"1\"},"
	            "{\"op\":\"replace\",\"path\":\"/k1\",\"value\":\"2\"}]",
	            &err) == 0);
	CHECK_STR(json_string_value(json_object_get(doc, "k1")), "2");

	/* the v2.0 media type: {"add": "/x"}; add does not overwrite */
	json_error_t jerr;
	json_t *ops20 = json_loads("[{\"add\":\"/k2\",\"value\":\"a\"},"
	                           "{\"replace\":\"/k2\",\"value\":\"b\"}]",
	                           0, &jerr);
	CHECK(image_patch_apply(doc, ops20, true, &err) == 0);
	CHECK_STR(json_string_value(json_object_get(doc, "k2")), "b");
	CHECK(image_patch_apply(doc, ops20, true, &err) == -1 && err.kind == API_CONFLICT);
	json_decref(ops20);
	ops20 = json_loads("[{\"add\":\"/name\",\"value\":\"n\",\"remove\":\"/x\"}]", 0, &jerr);
	CHECK(image_patch_apply(doc, ops20, true, &err) == -1 && err.kind == API_BAD_REQUEST);
	json_decref(ops20);

	/* attribute checks used by create */
	json_t *x = json_string("x");
	CHECK(image_attr_check("id", x, &err) == -1 && err.kind == API_FORBIDDEN);
	CHECK(image_attr_check("os_distro", x, &err) == 0);
	json_decref(x);

	json_decref(doc);
	return check_done("test_image_patch");
}
