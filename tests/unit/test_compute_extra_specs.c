/* Unit test of flavor extra spec validation (extra_specs.c, Nova 2.86): the
 * table's invariants, each value type with Nova's exact messages, parameter
 * patterns (NUMA node ids, granular groups, capability filters), standard
 * and custom traits / resource classes, and the namespace rule. */
#include <stdlib.h>
#include <string.h>

#include "../../src/compute/extra_specs.h"
#include "check.h"

static struct api_error err;

static bool ok(const char *name, const char *value)
{
	memset(&err, 0, sizeof(err));
	return compute_extra_spec_validate(name, value, &err) == 0;
}

/* Refused with a 400 whose message is exactly `msg`. */
static void refused(const char *name, const char *value, const char *msg)
{
	CHECK(!ok(name, value));
	CHECK(err.status == 400 || err.kind == API_BAD_REQUEST);
	CHECK_STR(err.message, msg);
}

static void table_invariants(void)
{
	for (size_t i = 1; i < compute_xspec_traits_count; i++)
		CHECK(strcmp(compute_xspec_traits[i - 1], compute_xspec_traits[i]) < 0);
	for (size_t i = 1; i < compute_xspec_resource_classes_count; i++)
		CHECK(strcmp(compute_xspec_resource_classes[i - 1],
		             compute_xspec_resource_classes[i]) < 0);
	CHECK(compute_xspec_traits_count > 300);
	CHECK(compute_xspec_resource_classes_count >= 21);
	for (size_t i = 0; i < compute_xspecs_count; i++) {
		const struct compute_xspec *x = &compute_xspecs[i];
		/* a literal name is its own regex: no metacharacters in it */
		if (x->name_re == NULL)
			CHECK(strspn(x->name, "abcdefghijklmnopqrstuvwxyz0123456789_:") ==
			      strlen(x->name));
		else
			CHECK(strchr(x->name, '{') != NULL);
		CHECK((x->pattern == NULL) == (x->pattern_re == NULL));
		CHECK(x->type == XSPEC_STR || (x->pattern == NULL && x->choices == NULL));
		CHECK((x->words == NULL) == (x->nwords == NULL));
		/* every literal row is reachable and takes a value of its type */
		if (x->name_re == NULL) {
			const char *v = x->type == XSPEC_BOOL  ? "true"
			                : x->type == XSPEC_INT ? (x->has_min ? "1" : "-5")
			                : x->choices           ? x->choices[0]
			                : x->pattern           ? NULL
			                                       : "anything at all";
			if (v != NULL && !ok(x->name, v))
				fprintf(stderr, "%s=%s: %s\n", x->name, v, err.message);
			if (v != NULL)
				CHECK(ok(x->name, v));
		}
	}
}

static void integers(void)
{
	CHECK(ok("hw:numa_nodes", "2"));
	CHECK(ok("hw:numa_nodes", " 2\t"));
	CHECK(ok("hw:numa_nodes", "+2"));
	CHECK(ok("hw:numa_nodes", "0002"));
	CHECK(ok("hw:numa_nodes", "1_000"));
	CHECK(ok("quota:cpu_quota", "-1"));
	CHECK(ok("quota:cpu_quota", "99999999999999999999999999"));
	CHECK(ok("quota:cpu_reservation", "-7"));
	refused("hw:numa_nodes", "two", "Validation failed; 'two' is not a valid integer value.");
	refused("hw:numa_nodes", "2.0", "Validation failed; '2.0' is not a valid integer value.");
	refused("hw:numa_nodes", "", "Validation failed; '' is not a valid integer value.");
	refused("hw:numa_nodes", "1__0", "Validation failed; '1__0' is not a valid integer value.");
	refused("hw:numa_nodes", "_1", "Validation failed; '_1' is not a valid integer value.");
	refused("hw:numa_nodes", "1_", "Validation failed; '1_' is not a valid integer value.");
	refused("hw:numa_nodes", "- 1", "Validation failed; '- 1' is not a valid integer value.");
	refused("hw:numa_nodes", "0x10", "Validation failed; '0x10' is not a valid integer value.");
	/* the bound messages print the number as Python's int() made it */
	refused("hw:numa_nodes", "0", "Validation failed; '0' is less than the min value of '1'.");
	refused("hw:numa_nodes", " -000",
	        "Validation failed; '0' is less than the min value of '1'.");
	refused("hw:cpu_sockets", "-3",
	        "Validation failed; '-3' is less than the min value of '1'.");
	refused("hw:redirected_usb_ports", "16",
	        "Validation failed; '16' is greater than the max value of '15'.");
	refused("hw:redirected_usb_ports", "+0_16",
	        "Validation failed; '16' is greater than the max value of '15'.");
	refused("hw:redirected_usb_ports", "123456789012345678901234567890",
	        "Validation failed; '123456789012345678901234567890' is greater than the max "
	        "value of '15'.");
	refused("hw_rng:rate_bytes", "-99999999999999999999",
	        "Validation failed; '-99999999999999999999' is less than the min value of '0'.");
	CHECK(ok("hw:redirected_usb_ports", "15"));
	CHECK(ok("hw:redirected_usb_ports", "0"));
	CHECK(ok("hw:serial_port_count", "0"));
}

static void booleans(void)
{
	const char *yes[] = {"1", "t", "true",  "True", "ON", "y",  "Yes",   " yes ",
	                     "0", "f", "FALSE", "off",  "n",  "No", "\tno\n"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(ok("hw:cpu_realtime", yes[i]));
	refused("hw:cpu_realtime", "maybe",
	        "Validation failed; 'maybe' is not a valid boolean-like value.");
	refused("hw:mem_encryption", "2",
	        "Validation failed; '2' is not a valid boolean-like value.");
	refused("hw:mem_encryption", "",
	        "Validation failed; '' is not a valid boolean-like value.");
	refused("hide_hypervisor_id", "nope",
	        "Validation failed; 'nope' is not a valid boolean-like value.");
}

static void enums(void)
{
	CHECK(ok("hw:cpu_policy", "dedicated"));
	CHECK(ok("hw:cpu_policy", "mixed"));
	refused("hw:cpu_policy", "Dedicated",
	        "Validation failed; 'Dedicated' is not one of: dedicated, shared, mixed.");
	refused("hw:watchdog_action", "explode",
	        "Validation failed; 'explode' is not one of: none, pause, poweroff, reset, "
	        "disabled.");
	refused("hw:tpm_version", "2", "Validation failed; '2' is not one of: 1.2, 2.0.");
	CHECK(ok("hw:tpm_version", "2.0"));
	refused("group_policy", "any", "Validation failed; 'any' is not one of: isolate, none.");
	refused("os:secure_boot", "optional",
	        "Validation failed; 'optional' is not one of: disabled, required.");
	refused("quota:vif_shares_level", "max",
	        "Validation failed; 'max' is not one of: custom, high, normal, low.");
	refused("hw:sound_model", "gus",
	        "Validation failed; 'gus' is not one of: sb16, es1370, pcspk, ac97, ich6, ich9, "
	        "usb, virtio.");
}

static void formats(void)
{
	const char *mask = "\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*";
	const char *good[] = {"0", "0-3", "0-3,^2", "^0,1-3", "0,1,2,3", "10-20,^15,30"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(ok("hw:cpu_dedicated_mask", good[i]));
		CHECK(ok("hw:cpu_realtime_mask", good[i]));
		CHECK(ok("hw:numa_cpus.0", good[i]));
	}
	char msg[256];
	const char *bad[] = {"", "a", "0-", "0,,1", "0-3 ", "^"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "Validation failed; '%s' is not of the format '%s'.",
		         bad[i], mask);
		refused("hw:cpu_dedicated_mask", bad[i], msg);
		refused("hw:numa_cpus.12", bad[i], msg);
	}
	refused("hw:cpu_realtime_mask", "x",
	        "Validation failed; 'x' is not of the format "
	        "'(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'.");
	const char *pages[] = {"large", "small", "any",    "2048", "2MB",
	                       "1GiB",  "4k",    "2Mibit", "1TB"};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		CHECK(ok("hw:mem_page_size", pages[i]));
	refused("hw:mem_page_size", "huge",
	        "Validation failed; 'huge' is not of the format "
	        "'(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'.");
	refused("hw:mem_page_size", "2 MB",
	        "Validation failed; '2 MB' is not of the format "
	        "'(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'.");
	CHECK(ok("hw:pmem", "SMALL,LARGE"));
	CHECK(ok("hw:pmem", "one,"));
	refused("hw:pmem", ",one",
	        "Validation failed; ',one' is not of the format '([a-zA-Z0-9_]+(,)?)+'.");
	CHECK(ok("pci_passthrough:alias", "a1:2"));
	CHECK(ok("pci_passthrough:alias", "a1:2, b-2:1 ,c:10"));
	refused("pci_passthrough:alias", "a1",
	        "Validation failed; 'a1' is not of the format "
	        "'[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*'.");
	refused("pci_passthrough:alias", "a1:x",
	        "Validation failed; 'a1:x' is not of the format "
	        "'[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*'.");
	CHECK(ok("hw:numa_mem.1", "512"));
	refused("hw:numa_mem.1", "0", "Validation failed; '0' is less than the min value of '1'.");
}

static void parameters(void)
{
	/* Nova's name regex leaves the '.' of hw:numa_cpus.{num} unescaped */
	CHECK(ok("hw:numa_cpus_0", "0-1"));
	refused(
	    "hw:numa_cpus.x", "0",
	    "Validation failed; extra spec 'hw:numa_cpus.x' does not appear to be a valid extra "
	    "spec.");
	refused("hw:numa_cpus.", "0",
	        "Validation failed; extra spec 'hw:numa_cpus.' does not appear to be a valid extra "
	        "spec.");
	/* resources{group}:{class} */
	CHECK(ok("resources:VCPU", "2"));
	CHECK(ok("resources1:MEMORY_MB", "512"));
	CHECK(ok("resources_my-group:PCPU", "0"));
	CHECK(ok("resources:CUSTOM_MAGIC", "1"));
	CHECK(ok("resourcesX:CUSTOM_MAGIC_2", "-1"));
	refused("resources:VCPU", "two", "Validation failed; 'two' is not a valid integer value.");
	refused("resources:CPU", "1",
	        "Validation failed; extra spec 'resources:CPU' does not appear to be a valid extra "
	        "spec.");
	refused("resources:CUSTOM_", "1",
	        "Validation failed; extra spec 'resources:CUSTOM_' does not appear to be a valid "
	        "extra spec.");
	refused("resources:custom_x", "1",
	        "Validation failed; extra spec 'resources:custom_x' does not appear to be a valid "
	        "extra spec.");
	/* a group longer than 64 characters makes the namespace unknown: anything goes */
	CHECK(
	    ok("resources0123456789012345678901234567890123456789012345678901234567890123456789:X",
	       "x"));
	/* trait{group}:{trait} */
	CHECK(ok("trait:HW_CPU_X86_AVX2", "required"));
	CHECK(ok("trait2:COMPUTE_STATUS_DISABLED", "forbidden"));
	CHECK(ok("trait:CUSTOM_FOO", "required"));
	CHECK(ok("traits:HW_CPU_X86_AVX2", "required")); /* group "s" */
	refused("trait:HW_CPU_X86_AVX2", "preferred",
	        "Validation failed; 'preferred' is not one of: required, forbidden.");
	refused("trait:HW_CPU_X86_NOPE", "required",
	        "Validation failed; extra spec 'trait:HW_CPU_X86_NOPE' does not appear to be a "
	        "valid extra spec.");
	/* capabilities: a fixed list, and filters after some of them */
	CHECK(ok("capabilities:hypervisor_type", "s== QEMU"));
	CHECK(ok("capabilities:cpu_info:arch", "x86_64"));
	CHECK(ok("capabilities:cpu_info:features:avx", "<in> avx"));
	CHECK(ok("capabilities:stats", "x"));
	refused("capabilities:cpu_info:", "x",
	        "Validation failed; extra spec 'capabilities:cpu_info:' does not appear to be a "
	        "valid extra spec.");
	refused("capabilities:host:x", "x",
	        "Validation failed; extra spec 'capabilities:host:x' does not appear to be a valid "
	        "extra spec.");
	refused("capabilities:gpus", "1",
	        "Validation failed; extra spec 'capabilities:gpus' does not appear to be a valid "
	        "extra spec.");
	CHECK(ok("aggregate_instance_extra_specs:ssd", "true"));
	CHECK(ok("aggregate_instance_extra_specs:a:b", "<or> x <or> y"));
	refused("aggregate_instance_extra_specs:", "x",
	        "Validation failed; extra spec 'aggregate_instance_extra_specs:' does not appear "
	        "to be a valid extra spec.");
}

static void namespaces(void)
{
	/* unknown keys in Nova's namespaces are refused... */
	refused("hw:cpu_polcy", "dedicated",
	        "Validation failed; extra spec 'hw:cpu_polcy' does not appear to be a valid extra "
	        "spec.");
	refused("hw:max_cpu_sockets", "2",
	        "Validation failed; extra spec 'hw:max_cpu_sockets' does not appear to be a valid "
	        "extra spec.");
	refused("quota:cpu", "1",
	        "Validation failed; extra spec 'quota:cpu' does not appear to be a valid extra "
	        "spec.");
	refused("os:monitors", "1",
	        "Validation failed; extra spec 'os:monitors' does not appear to be a valid extra "
	        "spec.");
	refused(
	    "vmware:x", "1",
	    "Validation failed; extra spec 'vmware:x' does not appear to be a valid extra spec.");
	refused(
	    "accel:x", "1",
	    "Validation failed; extra spec 'accel:x' does not appear to be a valid extra spec.");
	refused("hw_video:x", "1",
	        "Validation failed; extra spec 'hw_video:x' does not appear to be a valid extra "
	        "spec.");
	refused(
	    "hw_rng:x", "1",
	    "Validation failed; extra spec 'hw_rng:x' does not appear to be a valid extra spec.");
	refused("pci_passthrough:x", "1",
	        "Validation failed; extra spec 'pci_passthrough:x' does not appear to be a valid "
	        "extra spec.");
	/* ...the rest is not Nova's business */
	CHECK(ok("hyperv:anything", "1"));
	CHECK(ok("HW:cpu_policy", "bogus"));
	CHECK(ok("hw_foo:bar", "x"));
	CHECK(ok("my_key", "x"));
	CHECK(ok("", ""));
	CHECK(ok(":", "x"));
	CHECK(ok("hw", "x"));
	CHECK(ok("cpu_arch", "x86_64"));
	CHECK(ok("accel:device_profile", "whatever profile"));
	CHECK(ok("vmware:hw_version", "vmx-13"));
}

int main(void)
{
	table_invariants();
	integers();
	booleans();
	enums();
	formats();
	parameters();
	namespaces();
	return check_done("test_compute_extra_specs");
}
