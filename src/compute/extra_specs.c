/* Flavor extra spec validation, as Nova does it from microversion 2.86: a
 * table of the extra specs Nova knows (name or name pattern, value type,
 * enum / format / bounds) and the matcher that checks one key and value
 * against it. Only recognised namespaces are policed: a key whose part
 * before the first ':' is a namespace of the table but that matches no row
 * is refused; keys of other namespaces, and keys without one, pass.
 *
 * The table follows the files of nova/api/validation/extra_specs/ (master, 2026):
 * accel, aggregate_instance_extra_specs, capabilities, hw, hw_rng, hw_video,
 * null, os, pci_passthrough, quota, resources, traits, vmware. Patterns are
 * written twice: as Nova prints them in its messages (Python re) and as the
 * POSIX ERE that matches the same strings (\d becomes [0-9], (?: becomes (). */
#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compute/extra_specs.h"

/* ---- the values' enums, in Nova's order (its messages list them so) ---- */

static const char *const cpu_policies[] = {"dedicated", "shared", "mixed", NULL};
static const char *const cpu_thread_policies[] = {"prefer", "isolate", "require", NULL};
static const char *const emulator_threads_policies[] = {"isolate", "share", NULL};
static const char *const pci_numa_policies[] = {"required", "preferred", "legacy", "socket", NULL};
static const char *const mem_encryption_models[] = {"amd-sev", "amd-sev-es", "amd-sev-snp", NULL};
static const char *const tpm_models[] = {"tpm-tis", "tpm-crb", NULL};
static const char *const tpm_versions[] = {"1.2", "2.0", NULL};
static const char *const tpm_secret_securities[] = {"user", "host", "deployment", NULL};
static const char *const watchdog_actions[] = {"none",  "pause",    "poweroff",
                                               "reset", "disabled", NULL};
static const char *const viommu_models[] = {"intel", "smmuv3", "virtio", "auto", NULL};
static const char *const sound_models[] = {"sb16", "es1370", "pcspk",  "ac97", "ich6",
                                           "ich9", "usb",    "virtio", NULL};
static const char *const usb_models[] = {"none", "nec-xhci", "qemu-xhci", NULL};
static const char *const ephemeral_formats[] = {"plain", "luks", "luksv2", NULL};
static const char *const secure_boot[] = {"disabled", "required", NULL};
static const char *const shares_levels[] = {"custom", "high", "normal", "low", NULL};
static const char *const trait_values[] = {"required", "forbidden", NULL};
static const char *const group_policies[] = {"isolate", "none", NULL};

/* CPU masks ("0-3,^2"): hw:cpu_realtime_mask groups its first caret. */
#define MASK_PY "\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"
#define MASK_RE "\\^?[0-9]+((-[0-9]+)?(,\\^?[0-9]+(-[0-9]+)?)?)*"
#define RT_MASK_PY "(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"
#define RT_MASK_RE "(\\^)?[0-9]+((-[0-9]+)?(,\\^?[0-9]+(-[0-9]+)?)?)*"
/* The optional "{group}" suffix of resources / trait (granular requests). */
#define GROUP_RE "([a-zA-Z0-9_-]{1,64})?"

#define STR(n)                                 \
	{                                      \
		.name = (n), .type = XSPEC_STR \
	}
#define ENUM(n, e)                                             \
	{                                                      \
		.name = (n), .type = XSPEC_STR, .choices = (e) \
	}
#define FORMAT(n, py, re)                                                           \
	{                                                                           \
		.name = (n), .type = XSPEC_STR, .pattern = (py), .pattern_re = (re) \
	}
#define BOOL(n)                                 \
	{                                       \
		.name = (n), .type = XSPEC_BOOL \
	}
#define INT(n)                                 \
	{                                      \
		.name = (n), .type = XSPEC_INT \
	}
#define INT_MIN(n, lo)                                                       \
	{                                                                    \
		.name = (n), .type = XSPEC_INT, .has_min = true, .min = (lo) \
	}
#define INT_RANGE(n, lo, hi)                                                                   \
	{                                                                                      \
		.name = (n), .type = XSPEC_INT, .has_min = true, .min = (lo), .has_max = true, \
		.max = (hi)                                                                    \
	}
#define CAP(c) STR("capabilities:" c)
#define CAP_FILTER(c)                                                               \
	{                                                                           \
		.name = "capabilities:" c "{filter}",                               \
		.name_re = "capabilities:" c "(:[A-Za-z0-9_]+)*", .type = XSPEC_STR \
	}
#define QUOTA_SET(k)                                                     \
	INT_MIN("quota:" k "_limit", 0), INT("quota:" k "_reservation"), \
	    ENUM("quota:" k "_shares_level", shares_levels),             \
	    INT_MIN("quota:" k "_shares_share", 0)

const struct compute_xspec compute_xspecs[] = {
    /* accel.py */
    STR("accel:device_profile"),
    /* aggregate_instance_extra_specs.py: any value (the filter's operators) */
    {.name = "aggregate_instance_extra_specs:{key}",
     .name_re = "aggregate_instance_extra_specs:.+",
     .type = XSPEC_STR},
    /* capabilities.py: any value (ComputeCapabilitiesFilter's operators) */
    CAP("id"),
    CAP("uuid"),
    CAP("service_id"),
    CAP("host"),
    CAP("vcpus"),
    CAP("memory_mb"),
    CAP("local_gb"),
    CAP("vcpus_used"),
    CAP("memory_mb_used"),
    CAP("local_gb_used"),
    CAP("hypervisor_type"),
    CAP("hypervisor_version"),
    CAP("hypervisor_hostname"),
    CAP("free_ram_mb"),
    CAP("free_disk_gb"),
    CAP("current_workload"),
    CAP("running_vms"),
    CAP("disk_available_least"),
    CAP("host_ip"),
    CAP("mapped"),
    CAP("cpu_allocation_ratio"),
    CAP("ram_allocation_ratio"),
    CAP("disk_allocation_ratio"),
    CAP("total_usable_ram_mb"),
    CAP("total_usable_disk_gb"),
    CAP("disk_mb_used"),
    CAP("free_disk_mb"),
    CAP("vcpus_total"),
    CAP("num_instances"),
    CAP("num_io_ops"),
    CAP("failed_builds"),
    CAP("aggregates"),
    CAP("cell_uuid"),
    CAP("updated"),
    CAP_FILTER("cpu_info"),
    CAP_FILTER("metrics"),
    CAP_FILTER("stats"),
    CAP_FILTER("numa_topology"),
    CAP_FILTER("supported_hv_specs"),
    CAP_FILTER("pci_device_pools"),
    CAP_FILTER("nodename"),
    CAP_FILTER("pci_stats"),
    CAP_FILTER("supported_instances"),
    CAP_FILTER("limits"),
    CAP_FILTER("instances"),
    /* hw.py: realtime, hypervisor id, CPU policies */
    BOOL("hw:cpu_realtime"),
    FORMAT("hw:cpu_realtime_mask", RT_MASK_PY, RT_MASK_RE),
    BOOL("hw:hide_hypervisor_id"),
    ENUM("hw:cpu_policy", cpu_policies),
    ENUM("hw:cpu_thread_policy", cpu_thread_policies),
    ENUM("hw:emulator_threads_policy", emulator_threads_policies),
    FORMAT("hw:cpu_dedicated_mask", MASK_PY, MASK_RE),
    /* hw.py: memory pages, NUMA (Nova leaves the '.' of the name unescaped) */
    FORMAT("hw:mem_page_size", "(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)",
           "(large|small|any|[0-9]+([kKMGT]i?)?(b|bit|B)?)"),
    BOOL("hw:locked_memory"),
    INT_MIN("hw:numa_nodes", 1),
    {.name = "hw:numa_cpus.{num}",
     .name_re = "hw:numa_cpus.[0-9]+",
     .type = XSPEC_STR,
     .pattern = MASK_PY,
     .pattern_re = MASK_RE},
    {.name = "hw:numa_mem.{num}",
     .name_re = "hw:numa_mem.[0-9]+",
     .type = XSPEC_INT,
     .has_min = true,
     .min = 1},
    ENUM("hw:pci_numa_affinity_policy", pci_numa_policies),
    /* hw.py: CPU topology */
    INT_MIN("hw:cpu_sockets", 1),
    INT_MIN("hw:cpu_cores", 1),
    INT_MIN("hw:cpu_threads", 1),
    INT_MIN("hw:cpu_max_sockets", 1),
    INT_MIN("hw:cpu_max_cores", 1),
    INT_MIN("hw:cpu_max_threads", 1),
    /* hw.py: feature flags */
    BOOL("hw:boot_menu"),
    BOOL("hw:vif_multiqueue_enabled"),
    BOOL("hw:mem_encryption"),
    ENUM("hw:mem_encryption_model", mem_encryption_models),
    FORMAT("hw:pmem", "([a-zA-Z0-9_]+(,)?)+", "([a-zA-Z0-9_]+(,)?)+"),
    BOOL("hw:pmu"),
    INT_MIN("hw:serial_port_count", 0),
    ENUM("hw:tpm_model", tpm_models),
    ENUM("hw:tpm_version", tpm_versions),
    ENUM("hw:tpm_secret_security", tpm_secret_securities),
    ENUM("hw:watchdog_action", watchdog_actions),
    ENUM("hw:viommu_model", viommu_models),
    BOOL("hw:virtio_packed_ring"),
    ENUM("hw:sound_model", sound_models),
    ENUM("hw:usb_model", usb_models),
    INT_RANGE("hw:redirected_usb_ports", 0, 15),
    /* hw.py: ephemeral encryption */
    BOOL("hw:ephemeral_encryption"),
    ENUM("hw:ephemeral_encryption_format", ephemeral_formats),
    /* hw_rng.py, hw_video.py */
    BOOL("hw_rng:allowed"),
    INT_MIN("hw_rng:rate_bytes", 0),
    INT_MIN("hw_rng:rate_period", 0),
    INT_MIN("hw_video:ram_max_mb", 0),
    /* null.py: keys without a namespace */
    BOOL("hide_hypervisor_id"),
    ENUM("group_policy", group_policies),
    /* os.py */
    ENUM("os:secure_boot", secure_boot),
    /* pci_passthrough.py: "alias:count[, alias:count...]" */
    FORMAT("pci_passthrough:alias", "[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*",
           "[^:]+:[0-9]+([[:space:]]*,[[:space:]]*[^:]+:[0-9]+)*"),
    /* quota.py */
    QUOTA_SET("cpu"),
    QUOTA_SET("memory"),
    QUOTA_SET("disk_io"),
    QUOTA_SET("vif"),
    INT_MIN("quota:cpu_shares", 0),
    INT_MIN("quota:cpu_period", 0),
    INT("quota:cpu_quota"),
    INT_MIN("quota:disk_read_bytes_sec", 0),
    INT_MIN("quota:disk_read_iops_sec", 0),
    INT_MIN("quota:disk_write_bytes_sec", 0),
    INT_MIN("quota:disk_write_iops_sec", 0),
    INT_MIN("quota:disk_total_bytes_sec", 0),
    INT_MIN("quota:disk_total_iops_sec", 0),
    INT_MIN("quota:vif_inbound_average", 0),
    INT_MIN("quota:vif_inbound_peak", 0),
    INT_MIN("quota:vif_inbound_burst", 0),
    INT_MIN("quota:vif_outbound_average", 0),
    INT_MIN("quota:vif_outbound_peak", 0),
    INT_MIN("quota:vif_outbound_burst", 0),
    /* resources.py: standard classes (os-resource-classes) and CUSTOM_* */
    {.name = "resources{group}:{resource_class}",
     .name_re = "resources" GROUP_RE ":[A-Z0-9_]+",
     .words = compute_xspec_resource_classes,
     .nwords = &compute_xspec_resource_classes_count,
     .type = XSPEC_INT},
    {.name = "resources{group}:CUSTOM_{resource}",
     .name_re = "resources" GROUP_RE ":CUSTOM_[A-Z0-9_]+",
     .type = XSPEC_INT},
    /* traits.py: standard traits (os-traits) and CUSTOM_* */
    {.name = "trait{group}:{trait}",
     .name_re = "trait" GROUP_RE ":[A-Z0-9_]+",
     .words = compute_xspec_traits,
     .nwords = &compute_xspec_traits_count,
     .type = XSPEC_STR,
     .choices = trait_values},
    {.name = "trait{group}:CUSTOM_{trait}",
     .name_re = "trait" GROUP_RE ":CUSTOM_[A-Z0-9_]+",
     .type = XSPEC_STR,
     .choices = trait_values},
    /* vmware.py */
    STR("vmware:hw_version"),
    STR("vmware:storage_policy"),
};
const size_t compute_xspecs_count = sizeof(compute_xspecs) / sizeof(compute_xspecs[0]);

/* ---- compiled patterns: built once, kept for the life of the process ---- */

#define MAX_NAMESPACES 32

static struct {
	regex_t *name_re;  /* per row, valid where the row has name_re */
	regex_t *value_re; /* per row, valid where the row has pattern_re */
	regex_t ns[MAX_NAMESPACES];
	size_t nns;
	int rc;
} compiled;
static pthread_once_t compiled_once = PTHREAD_ONCE_INIT;

static int compile_full(regex_t *re, const char *ere, size_t len)
{
	/* Python's re.fullmatch: anchor both ends (POSIX picks the longest
	 * match, so an anchored alternation cannot stop early). */
	char buf[512];
	if ((size_t)snprintf(buf, sizeof(buf), "^(%.*s)$", (int)len, ere) >= sizeof(buf))
		return -1;
	return regcomp(re, buf, REG_EXTENDED | REG_NOSUB) == 0 ? 0 : -1;
}

/* Nova's namespaces: every row's name pattern up to its first ':'. */
static void add_namespace(const char *pattern, char (*seen)[128])
{
	const char *colon = strchr(pattern, ':');
	if (colon == NULL)
		return;
	size_t len = (size_t)(colon - pattern);
	for (size_t i = 0; i < compiled.nns; i++)
		if (strlen(seen[i]) == len && strncmp(seen[i], pattern, len) == 0)
			return;
	assert(compiled.nns < MAX_NAMESPACES && len < 128);
	if (compiled.nns >= MAX_NAMESPACES || len >= 128 ||
	    compile_full(&compiled.ns[compiled.nns], pattern, len) != 0) {
		compiled.rc = -1;
		return;
	}
	memcpy(seen[compiled.nns], pattern, len);
	seen[compiled.nns][len] = '\0';
	compiled.nns++;
}

static void compile_table(void)
{
	static char seen[MAX_NAMESPACES][128];
	compiled.name_re = calloc(compute_xspecs_count, sizeof(regex_t));
	compiled.value_re = calloc(compute_xspecs_count, sizeof(regex_t));
	if (compiled.name_re == NULL || compiled.value_re == NULL) {
		compiled.rc = -1;
		return;
	}
	for (size_t i = 0; i < compute_xspecs_count; i++) {
		const struct compute_xspec *x = &compute_xspecs[i];
		if (x->name_re &&
		    compile_full(&compiled.name_re[i], x->name_re, strlen(x->name_re)) != 0)
			compiled.rc = -1;
		if (x->pattern_re &&
		    compile_full(&compiled.value_re[i], x->pattern_re, strlen(x->pattern_re)) != 0)
			compiled.rc = -1;
		add_namespace(x->name_re ? x->name_re : x->name, seen);
	}
}

/* ---- value checks, each answering Nova's message ---- */

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Python's str.isspace() over ASCII: what int() and strip() skip. */
static bool py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Python's int(str): blanks, a sign, digits with single '_' between them.
 * Writes the number as Python would print it into canon; *v is clamped to
 * +-LLONG_MAX when there are more digits than a long long holds. */
static int py_int(const char *s, char *canon, size_t ncanon, long long *v)
{
	const char *p = s;
	while (py_space(*p))
		p++;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -1;
	char digits[256];
	size_t n = 0;
	for (;;) {
		if (isdigit((unsigned char)*p)) {
			if (!(n == 0 && *p == '0')) /* leading zeros go */
				digits[n++] = *p;
			p++;
			if (n >= sizeof(digits) - 1)
				return -1; /* longer than any stored value */
		} else if (*p == '_' && isdigit((unsigned char)p[1])) {
			p++;
		} else
			break;
	}
	while (py_space(*p))
		p++;
	if (*p != '\0')
		return -1;
	if (n == 0)
		digits[n++] = '0', neg = false;
	digits[n] = '\0';
	snprintf(canon, ncanon, "%s%s", neg ? "-" : "", digits);
	if (n > 18)
		*v = neg ? -__LONG_LONG_MAX__ : __LONG_LONG_MAX__;
	else
		*v = neg ? -strtoll(digits, NULL, 10) : strtoll(digits, NULL, 10);
	return 0;
}

static int check_int(const struct compute_xspec *x, const char *value, struct api_error *err)
{
	char canon[260];
	long long v;
	if (py_int(value, canon, sizeof(canon), &v) != 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Validation failed; '%s' is not a valid integer value.", value);
	if (x->has_max && v > x->max)
		return api_fail(err, API_BAD_REQUEST,
		                "Validation failed; '%s' is greater than the max value of '%lld'.",
		                canon, x->max);
	if (x->has_min && v < x->min)
		return api_fail(err, API_BAD_REQUEST,
		                "Validation failed; '%s' is less than the min value of '%lld'.",
		                canon, x->min);
	return 0;
}

/* oslo_utils.strutils.bool_from_string(value, strict=True) */
static int check_bool(const char *value, struct api_error *err)
{
	static const char *const words[] = {"1", "t", "true",  "on",  "y", "yes",
	                                    "0", "f", "false", "off", "n", "no"};
	const char *b = value, *e = value + strlen(value);
	while (b < e && py_space(*b))
		b++;
	while (e > b && py_space(e[-1]))
		e--;
	size_t len = (size_t)(e - b);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && strncasecmp(words[i], b, len) == 0)
			return 0;
	return api_fail(err, API_BAD_REQUEST,
	                "Validation failed; '%s' is not a valid boolean-like value.", value);
}

static int check_str(const struct compute_xspec *x, size_t row, const char *value,
                     struct api_error *err)
{
	if (x->pattern != NULL) {
		if (regexec(&compiled.value_re[row], value, 0, NULL, 0) != 0)
			return api_fail(err, API_BAD_REQUEST,
			                "Validation failed; '%s' is not of the format '%s'.", value,
			                x->pattern);
		return 0;
	}
	if (x->choices == NULL)
		return 0;
	char list[256] = "";
	size_t used = 0;
	for (const char *const *c = x->choices; *c; c++) {
		if (strcmp(*c, value) == 0)
			return 0;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
		                         c == x->choices ? "" : ", ", *c);
		assert(used < sizeof(list));
	}
	return api_fail(err, API_BAD_REQUEST, "Validation failed; '%s' is not one of: %s.", value,
	                list);
}

static bool row_matches(const struct compute_xspec *x, size_t row, const char *name)
{
	if (x->name_re == NULL)
		return strcmp(x->name, name) == 0;
	if (regexec(&compiled.name_re[row], name, 0, NULL, 0) != 0)
		return false;
	if (x->words == NULL)
		return true;
	const char *word = strchr(name, ':') + 1; /* the pattern has a ':' */
	return bsearch(word, x->words, *x->nwords, sizeof(*x->words), cmp_word) != NULL;
}

int compute_extra_spec_validate(const char *name, const char *value, struct api_error *err)
{
	pthread_once(&compiled_once, compile_table);
	if (compiled.rc != 0)
		return api_fail(err, API_INTERNAL, "extra spec table failed to compile");
	for (size_t i = 0; i < compute_xspecs_count; i++) {
		const struct compute_xspec *x = &compute_xspecs[i];
		if (!row_matches(x, i, name))
			continue;
		switch (x->type) {
		case XSPEC_INT:
			return check_int(x, value, err);
		case XSPEC_BOOL:
			return check_bool(value, err);
		case XSPEC_STR:
			return check_str(x, i, value, err);
		}
	}
	const char *colon = strchr(name, ':');
	if (colon == NULL)
		return 0;
	char ns[256];
	size_t len = (size_t)(colon - name);
	if (len >= sizeof(ns))
		return 0; /* longer than any namespace pattern can match */
	memcpy(ns, name, len);
	ns[len] = '\0';
	for (size_t i = 0; i < compiled.nns; i++)
		if (regexec(&compiled.ns[i], ns, 0, NULL, 0) == 0)
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Validation failed; extra spec '%s' does not appear to be a "
			    "valid extra spec.",
			    name);
	return 0;
}
