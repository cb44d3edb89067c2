/* Pure logic of the compute API: microversions, status mapping, scheduler
 * filters and weights, key fingerprints (see logic.h). */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compute/logic.h"

static int mv_parse(const char *s, int *minor, struct api_error *err)
{
	while (*s == ' ')
		s++;
	if (strcasecmp(s, "latest") == 0) {
		*minor = COMPUTE_MV_MAX;
		return 0;
	}
	char *end;
	if (!isdigit((unsigned char)*s))
		goto bad;
	long major = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		goto bad;
	long mi = strtol(end + 1, &end, 10);
	while (*end == ' ')
		end++;
	if (*end != '\0' || mi > 100000)
		goto bad;
	if (major != 2 || mi < COMPUTE_MV_MIN || mi > COMPUTE_MV_MAX)
		return api_fail(err, API_NOT_ACCEPTABLE,
		                "Version %ld.%ld is not supported by the API. Minimum is 2.%d and "
		                "maximum is 2.%d.",
		                major, mi, COMPUTE_MV_MIN, COMPUTE_MV_MAX);
	*minor = (int)mi;
	return 0;
bad:
	return api_fail(err, API_BAD_REQUEST,
	                "API Version String %s is of invalid format. Must be of format "
	                "MajorNum.MinorNum.",
	                s);
}

int compute_mv_negotiate(const char *openstack_api_version, const char *nova_api_version,
                         int *minor, struct api_error *err)
{
	/* "OpenStack-API-Version: compute 2.37[, volume 3.1]" */
	if (openstack_api_version != NULL) {
		const char *p = openstack_api_version;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			const char *item = p;
			while (*p && *p != ',')
				p++;
			size_t n = (size_t)(p - item);
			if (n > 8 && strncasecmp(item, "compute ", 8) == 0) {
				char buf[64];
				if (n >= sizeof(buf))
					n = sizeof(buf) - 1;
				memcpy(buf, item + 8, n - 8);
				buf[n - 8] = '\0';
				return mv_parse(buf, minor, err);
			}
		}
	}
	if (nova_api_version != NULL)
		return mv_parse(nova_api_version, minor, err);
	*minor = COMPUTE_MV_MIN;
	return 0;
}

static bool prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

static bool eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

const char *compute_status(const char *vm, const char *task)
{
	if (eq(vm, "active")) {
		if (eq(task, "rebooting") || eq(task, "reboot_pending") ||
		    eq(task, "reboot_started"))
			return "REBOOT";
		if (eq(task, "rebooting_hard") || eq(task, "reboot_pending_hard") ||
		    eq(task, "reboot_started_hard"))
			return "HARD_REBOOT";
		if (eq(task, "updating_password"))
			return "PASSWORD";
		if (prefix(task, "rebuild"))
			return "REBUILD";
		if (eq(task, "migrating"))
			return "MIGRATING";
		if (prefix(task, "resize_") && !eq(task, "resize_reverting"))
			return "RESIZE";
		return "ACTIVE";
	}
	if (eq(vm, "building"))
		return "BUILD";
	if (eq(vm, "stopped")) {
		if (prefix(task, "resize_"))
			return "RESIZE";
		if (prefix(task, "rebuild"))
			return "REBUILD";
		return "SHUTOFF";
	}
	if (eq(vm, "resized"))
		return eq(task, "resize_reverting") ? "REVERT_RESIZE" : "VERIFY_RESIZE";
	if (eq(vm, "paused"))
		return eq(task, "migrating") ? "MIGRATING" : "PAUSED";
	if (eq(vm, "suspended"))
		return "SUSPENDED";
	if (eq(vm, "rescued"))
		return "RESCUE";
	if (eq(vm, "error"))
		return prefix(task, "rebuild") ? "REBUILD" : "ERROR";
	if (eq(vm, "deleted"))
		return "DELETED";
	if (eq(vm, "soft-delete"))
		return "SOFT_DELETED";
	if (eq(vm, "shelved"))
		return "SHELVED";
	if (eq(vm, "shelved_offloaded"))
		return "SHELVED_OFFLOADED";
	return "UNKNOWN";
}

const char *compute_status_vm_state(const char *status)
{
	static const struct {
		const char *status, *vm;
	} map[] = {
	    {"ACTIVE", "active"},         {"BUILD", "building"},
	    {"SHUTOFF", "stopped"},       {"VERIFY_RESIZE", "resized"},
	    {"PAUSED", "paused"},         {"SUSPENDED", "suspended"},
	    {"RESCUE", "rescued"},        {"ERROR", "error"},
	    {"DELETED", "deleted"},       {"SOFT_DELETED", "soft-delete"},
	    {"SHELVED", "shelved"},       {"SHELVED_OFFLOADED", "shelved_offloaded"},
	    {"REBOOT", "active"},         {"HARD_REBOOT", "active"},
	    {"REBUILD", "active"},        {"RESIZE", "active"},
	    {"REVERT_RESIZE", "resized"}, {"MIGRATING", "active"},
	};
	for (size_t i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(status, map[i].status) == 0)
			return map[i].vm;
	return NULL;
}

int compute_sched_filter(const struct compute_host *h, const struct compute_usage *u,
                         const struct compute_demand *d, char *reason, size_t len)
{
	if (!h->enabled) {
		snprintf(reason, len, "ComputeFilter: the compute service is disabled");
		return -1;
	}
	if (d->zone != NULL && d->zone[0] != '\0' && strcmp(d->zone, h->zone) != 0) {
		snprintf(reason, len, "AvailabilityZoneFilter: host is in zone %s, not %s", h->zone,
		         d->zone);
		return -1;
	}
	if (d->arch != NULL && d->arch[0] != '\0' && strcmp(d->arch, h->arch) != 0) {
		snprintf(reason, len,
		         "ImagePropertiesFilter: image needs architecture %s, host is %s", d->arch,
		         h->arch);
		return -1;
	}
	/* Anti-affinity: at most one member per host (or the group's
	 * max_server_per_host, 2.64), counting the ones this request places;
	 * affinity: members elsewhere would refuse this host, and with one
	 * host there is no elsewhere. */
	long long per_host = d->group_max_per_host > 0 ? d->group_max_per_host : 1;
	if (d->group_policy != NULL && strcmp(d->group_policy, "anti-affinity") == 0 &&
	    d->group_on_host + d->count > per_host) {
		snprintf(reason, len,
		         "ServerGroupAntiAffinityFilter: anti-affinity group %s has %lld member(s) "
		         "on this host, %d more asked, at most %lld per host",
		         d->group_id ? d->group_id : "?", d->group_on_host, d->count, per_host);
		return -1;
	}
	long long ram_cap = (long long)((double)h->ram_mb * h->ram_ratio) - h->reserved_ram_mb;
	long long ram_free = ram_cap - u->ram_mb;
	if (d->ram_mb * d->count > ram_free) {
		snprintf(reason, len,
		         "RamFilter: needs %lld MB RAM (%d x %lld), %lld MB free of %lld MB",
		         d->ram_mb * d->count, d->count, d->ram_mb, ram_free < 0 ? 0 : ram_free,
		         ram_cap);
		return -1;
	}
	long long cpu_cap = (long long)((double)h->vcpus * h->cpu_ratio);
	long long cpu_free = cpu_cap - u->vcpus;
	if ((long long)d->vcpus * d->count > cpu_free) {
		snprintf(reason, len, "CoreFilter: needs %lld vCPUs (%d x %d), %lld free of %lld",
		         (long long)d->vcpus * d->count, d->count, d->vcpus,
		         cpu_free < 0 ? 0 : cpu_free, cpu_cap);
		return -1;
	}
	long long disk_cap = (long long)((double)h->disk_gb * h->disk_ratio) - h->reserved_disk_gb;
	long long disk_free = disk_cap - u->disk_gb;
	if (d->disk_gb * d->count > disk_free) {
		snprintf(reason, len,
		         "DiskFilter: needs %lld GB disk (%d x %lld), %lld GB free of %lld GB",
		         d->disk_gb * d->count, d->count, d->disk_gb, disk_free < 0 ? 0 : disk_free,
		         disk_cap);
		return -1;
	}
	return 0;
}

double compute_sched_weight(const struct compute_host *h, const struct compute_usage *u)
{
	return (double)h->ram_mb * h->ram_ratio - (double)h->reserved_ram_mb - (double)u->ram_mb;
}

double compute_sched_group_weight(const struct compute_demand *d)
{
	if (d->group_policy == NULL)
		return 0;
	if (strcmp(d->group_policy, "soft-affinity") == 0)
		return (double)d->group_on_host;
	if (strcmp(d->group_policy, "soft-anti-affinity") == 0)
		return -(double)d->group_on_host;
	return 0;
}

bool compute_group_policy_valid(const char *policy, int mv)
{
	if (policy == NULL)
		return false;
	if (strcmp(policy, "affinity") == 0 || strcmp(policy, "anti-affinity") == 0)
		return true;
	return mv >= 15 &&
	       (strcmp(policy, "soft-affinity") == 0 || strcmp(policy, "soft-anti-affinity") == 0);
}

static const char *const key_types[] = {"ssh-rsa",
                                        "ssh-dss",
                                        "ssh-ed25519",
                                        "ecdsa-sha2-nistp256",
                                        "ecdsa-sha2-nistp384",
                                        "ecdsa-sha2-nistp521",
                                        "sk-ssh-ed25519@openssh.com",
                                        "sk-ecdsa-sha2-nistp256@openssh.com",
                                        NULL};

int compute_key_fingerprint(const char *public_key, char fp[48], struct api_error *err)
{
	char type[64], b64[16384];
	const char *bad = "Keypair data is invalid: failed to generate fingerprint";
	if (public_key == NULL || strlen(public_key) >= sizeof(b64))
		return api_fail(err, API_BAD_REQUEST, "%s", bad);
	while (isspace((unsigned char)*public_key))
		public_key++;
	if (sscanf(public_key, "%63s %16383s", type, b64) != 2)
		return api_fail(err, API_BAD_REQUEST, "%s", bad);
	bool known = false;
	for (size_t i = 0; key_types[i]; i++)
		known = known || strcmp(type, key_types[i]) == 0;
	if (!known)
		return api_fail(err, API_BAD_REQUEST, "%s", bad);
	size_t n = strlen(b64);
	if (n % 4 != 0 || n < 8)
		return api_fail(err, API_BAD_REQUEST, "%s", bad);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)b64[i]) && b64[i] != '+' && b64[i] != '/' &&
		    !(b64[i] == '=' && i >= n - 2))
			return api_fail(err, API_BAD_REQUEST, "%s", bad);
	unsigned char *blob = malloc(n);
	if (blob == NULL)
		return api_fail(err, API_INTERNAL, "out of memory");
	int len = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)n);
	if (len > 0 && b64[n - 1] == '=')
		len -= b64[n - 2] == '=' ? 2 : 1;
	/* The blob starts with the key type as an SSH string. */
	size_t tl = strlen(type);
	if (len < 4 + (int)tl ||
	    ((size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3]) !=
	        tl ||
	    memcmp(blob + 4, type, tl) != 0) {
		free(blob);
		return api_fail(err, API_BAD_REQUEST, "%s", bad);
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_Digest(blob, (size_t)len, md, &mdlen, EVP_md5(), NULL);
	free(blob);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, 4, i + 1 < mdlen ? "%02x:" : "%02x", md[i]);
	return 0;
}

bool compute_keypair_name_valid(const char *name, bool v292)
{
	/* Nova: 1-255 ASCII letters, digits, '_', '-', ' ' (and from 2.92 '@'
	 * and '.'), not starting or ending with a space. */
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c < 0x80 && isalnum(c)) || c == '_' || c == '-' || c == ' ' ||
		          (v292 && (c == '@' || c == '.'));
		if (!ok)
			return false;
	}
	return name[0] != ' ' && name[n - 1] != ' ';
}

bool compute_bool_string(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "true", "on", "y", "yes"};
	static const char *const no[] = {"0", "f", "false", "off", "n", "no"};
	for (size_t i = 0; v && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}
