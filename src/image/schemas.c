/* The JSON schemas Glance publishes at /v2/schemas/{image,images,member,
 * members}: glanceclient reads them to tell base attributes from custom
 * properties and to validate what it sends. Built from one table of the
 * attributes this service implements. */
#include <string.h>

#include "image/internal.h"

#define UUID_PATTERN \
	"^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

struct attr {
	const char *name;
	const char *type; /* "string", "integer", "boolean", "array" */
	bool nullable;    /* type becomes ["null", type] */
	bool read_only;
	int max_length;       /* 0: none */
	const char *pattern;  /* or NULL */
	const char *enum_csv; /* comma-separated, or NULL */
	bool enum_null;       /* null is one of the enum values */
	const char *description;
};

static const struct attr image_attrs[] = {
    {"id", "string", false, false, 0, UUID_PATTERN, NULL, false, "An identifier for the image"},
    {"name", "string", true, false, 255, NULL, NULL, false, "Descriptive name for the image"},
    {"status", "string", false, true, 0, NULL,
     "queued,saving,active,killed,deleted,uploading,importing,pending_delete,deactivated", false,
     "Status of the image"},
    {"visibility", "string", false, false, 0, NULL, "public,private,community,shared", false,
     "Scope of image accessibility"},
    {"protected", "boolean", false, false, 0, NULL, NULL, false,
     "If true, image will not be deletable."},
    {"os_hidden", "boolean", false, false, 0, NULL, NULL, false,
     "If true, image will not appear in default image list response."},
    {"checksum", "string", true, true, 32, NULL, NULL, false, "md5 hash of image contents."},
    {"os_hash_algo", "string", true, true, 64, NULL, NULL, false,
     "Algorithm to calculate the os_hash_value"},
    {"os_hash_value", "string", true, true, 128, NULL, NULL, false,
     "Hexdigest of the image contents using the algorithm specified by the os_hash_algo"},
    {"owner", "string", true, false, 255, NULL, NULL, false, "Owner of the image"},
    {"size", "integer", true, true, 0, NULL, NULL, false, "Size of image file in bytes"},
    {"virtual_size", "integer", true, true, 0, NULL, NULL, false, "Virtual size of image in bytes"},
    {"container_format", "string", true, false, 0, NULL,
     "ami,ari,aki,bare,ovf,ova,docker,compressed", true, "Format of the container"},
    {"disk_format", "string", true, false, 0, NULL,
     "ami,ari,aki,vhd,vhdx,vmdk,raw,qcow2,vdi,iso,ploop", true, "Format of the disk"},
    {"created_at", "string", false, true, 0, NULL, NULL, false,
     "Date and time of image registration"},
    {"updated_at", "string", false, true, 0, NULL, NULL, false,
     "Date and time of the last image modification"},
    {"tags", "array", false, false, 0, NULL, NULL, false, "List of strings related to the image"},
    {"direct_url", "string", false, true, 0, NULL, NULL, false,
     "URL to access the image file kept in external store"},
    {"min_ram", "integer", false, false, 0, NULL, NULL, false,
     "Amount of ram (in MB) required to boot image."},
    {"min_disk", "integer", false, false, 0, NULL, NULL, false,
     "Amount of disk space (in GB) required to boot image."},
    {"self", "string", false, true, 0, NULL, NULL, false, "An image self url"},
    {"file", "string", false, true, 0, NULL, NULL, false, "An image file url"},
    {"schema", "string", false, true, 0, NULL, NULL, false, "An image schema url"},
};

/* Custom properties Glance's schema describes (not base attributes). */
static const struct attr image_extra_attrs[] = {
    {"kernel_id", "string", true, false, 0, UUID_PATTERN, NULL, false,
     "ID of image stored in Glance that should be used as the kernel when booting an "
     "AMI-style image."},
    {"ramdisk_id", "string", true, false, 0, UUID_PATTERN, NULL, false,
     "ID of image stored in Glance that should be used as the ramdisk when booting an "
     "AMI-style image."},
    {"instance_uuid", "string", false, false, 0, NULL, NULL, false,
     "Metadata which can be used to record which instance this image is associated with."},
    {"architecture", "string", false, false, 0, NULL, NULL, false, "Operating system architecture"},
    {"os_distro", "string", false, false, 0, NULL, NULL, false,
     "Common name of operating system distribution"},
    {"os_version", "string", false, false, 0, NULL, NULL, false,
     "Operating system version as specified by the distributor"},
};

static const struct attr member_attrs[] = {
    {"created_at", "string", false, false, 0, NULL, NULL, false,
     "Date and time of image member creation"},
    {"image_id", "string", false, false, 0, UUID_PATTERN, NULL, false,
     "An identifier for the image"},
    {"member_id", "string", false, false, 0, NULL, NULL, false,
     "An identifier for the image member (tenantId)"},
    {"status", "string", false, false, 0, NULL, "pending,accepted,rejected", false,
     "The status of this image member"},
    {"updated_at", "string", false, false, 0, NULL, NULL, false,
     "Date and time of last modification of image member"},
    {"schema", "string", false, true, 0, NULL, NULL, false, "An image member schema url"},
};

static json_t *attr_json(const struct attr *a, bool extra)
{
	json_t *o = json_object();
	if (a->nullable)
		json_object_set_new(o, "type", json_pack("[s,s]", "null", a->type));
	else
		json_object_set_new(o, "type", json_string(a->type));
	json_object_set_new(o, "description", json_string(a->description));
	if (a->read_only)
		json_object_set_new(o, "readOnly", json_true());
	if (a->max_length)
		json_object_set_new(o, "maxLength", json_integer(a->max_length));
	if (a->pattern)
		json_object_set_new(o, "pattern", json_string(a->pattern));
	if (a->enum_csv) {
		json_t *e = json_array();
		if (a->enum_null)
			json_array_append_new(e, json_null());
		const char *p = a->enum_csv;
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			json_array_append_new(e, json_stringn(p, n));
			p += n + (c ? 1 : 0);
		}
		json_object_set_new(o, "enum", e);
	}
	if (!strcmp(a->type, "array"))
		json_object_set_new(o, "items",
		                    json_pack("{s:s,s:i}", "type", "string", "maxLength", 255));
	if (extra)
		json_object_set_new(o, "is_base", json_false());
	return o;
}

static json_t *image_schema(void)
{
	json_t *props = json_object();
	for (size_t i = 0; i < sizeof(image_attrs) / sizeof(image_attrs[0]); i++)
		json_object_set_new(props, image_attrs[i].name, attr_json(&image_attrs[i], false));
	for (size_t i = 0; i < sizeof(image_extra_attrs) / sizeof(image_extra_attrs[0]); i++)
		json_object_set_new(props, image_extra_attrs[i].name,
		                    attr_json(&image_extra_attrs[i], true));
	json_object_set_new(props, "locations",
	                    json_pack("{s:s,s:s,s:{s:s}}", "type", "array", "description",
	                              "A set of URLs to access the image file kept in external "
	                              "store",
	                              "items", "type", "object"));
	return json_pack("{s:s,s:o,s:{s:s},s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "name", "image",
	                 "properties", props, "additionalProperties", "type", "string", "links",
	                 "href", "{self}", "rel", "self", "href", "{file}", "rel", "enclosure",
	                 "href", "{schema}", "rel", "describedby");
}

static json_t *member_schema(void)
{
	json_t *props = json_object();
	for (size_t i = 0; i < sizeof(member_attrs) / sizeof(member_attrs[0]); i++)
		json_object_set_new(props, member_attrs[i].name,
		                    attr_json(&member_attrs[i], false));
	return json_pack("{s:s,s:o}", "name", "member", "properties", props);
}

int image_schema_show(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	const char *name = http_param(req, "schema");
	json_t *body;
	if (!strcmp(name, "image"))
		body = image_schema();
	else if (!strcmp(name, "images"))
		body = json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s},s:{s:s},s:{s:s}},s:[{s:s,s:s},{s:s,s:"
		                 "s},{s:s,s:s}]}",
		                 "name", "images", "properties", "images", "type", "array", "items",
		                 image_schema(), "schema", "type", "string", "first", "type",
		                 "string", "next", "type", "string", "links", "rel", "first",
		                 "href", "{first}", "rel", "next", "href", "{next}", "rel",
		                 "describedby", "href", "{schema}");
	else if (!strcmp(name, "member"))
		body = member_schema();
	else if (!strcmp(name, "members"))
		body = json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s}},s:[{s:s,s:s}]}", "name", "members",
		                 "properties", "members", "type", "array", "items", member_schema(),
		                 "schema", "type", "string", "links", "href", "{schema}", "rel",
		                 "describedby");
	else
		return api_fail(err, API_NOT_FOUND, "No schema named %s.", name);
	http_reply_json(resp, 200, body);
	return 0;
}
