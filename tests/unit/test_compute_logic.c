/* Unit tests of the compute API's pure logic: microversion negotiation,
 * Nova's status mapping, the scheduler's filters and key fingerprints. */
#include "../../src/compute/logic.h"
#include "check.h"

static void test_microversions(void)
{
	struct api_error err;
	int mv = 0;
	CHECK(compute_mv_negotiate(NULL, NULL, &mv, &err) == 0 && mv == 1);
	CHECK(compute_mv_negotiate(NULL, "2.37", &mv, &err) == 0 && mv == 37);
	CHECK(compute_mv_negotiate("compute 2.47", "2.37", &mv, &err) == 0 && mv == 47);
	CHECK(compute_mv_negotiate("volume 3.1, compute 2.5", NULL, &mv, &err) == 0 && mv == 5);
	CHECK(compute_mv_negotiate("volume 3.1", "2.3", &mv, &err) == 0 && mv == 3);
	CHECK(compute_mv_negotiate(NULL, "latest", &mv, &err) == 0 && mv == COMPUTE_MV_MAX);
	CHECK(compute_mv_negotiate("compute latest", NULL, &mv, &err) == 0 && mv == COMPUTE_MV_MAX);
	CHECK(compute_mv_negotiate(NULL, "2.999", &mv, &err) == -1 &&
	      err.kind == API_NOT_ACCEPTABLE);
	CHECK(compute_mv_negotiate(NULL, "3.0", &mv, &err) == -1 && err.kind == API_NOT_ACCEPTABLE);
	CHECK(compute_mv_negotiate(NULL, "2.0", &mv, &err) == -1 && err.kind == API_NOT_ACCEPTABLE);
	CHECK(compute_mv_negotiate(NULL, "2", &mv, &err) == -1 && err.kind == API_BAD_REQUEST);
	CHECK(compute_mv_negotiate(NULL, "2.x", &mv, &err) == -1 && err.kind == API_BAD_REQUEST);
	CHECK(compute_mv_negotiate(NULL, "abc", &mv, &err) == -1 && err.kind == API_BAD_REQUEST);
	CHECK(compute_mv_negotiate("compute 2.1.1", NULL, &mv, &err) == -1 &&
	      err.kind == API_BAD_REQUEST);
}

static void test_status(void)
{
	CHECK_STR(compute_status("active", NULL), "ACTIVE");
	CHECK_STR(compute_status("building", "spawning"), "BUILD");
	CHECK_STR(compute_status("active", "rebooting"), "REBOOT");
	CHECK_STR(compute_status("active", "reboot_started_hard"), "HARD_REBOOT");
	CHECK_STR(compute_status("active", "rebuild_spawning"), "REBUILD");
	CHECK_STR(compute_status("active", "resize_migrating"), "RESIZE");
	CHECK_STR(compute_status("active", "powering-off"), "ACTIVE");
	CHECK_STR(compute_status("stopped", NULL), "SHUTOFF");
	CHECK_STR(compute_status("stopped", "powering-on"), "SHUTOFF");
	CHECK_STR(compute_status("resized", NULL), "VERIFY_RESIZE");
	CHECK_STR(compute_status("resized", "resize_reverting"), "REVERT_RESIZE");
	CHECK_STR(compute_status("paused", NULL), "PAUSED");
	CHECK_STR(compute_status("suspended", NULL), "SUSPENDED");
	CHECK_STR(compute_status("rescued", NULL), "RESCUE");
	CHECK_STR(compute_status("error", NULL), "ERROR");
	CHECK_STR(compute_status("error", "rebuilding"), "REBUILD");
	CHECK_STR(compute_status("shelved_offloaded", NULL), "SHELVED_OFFLOADED");
	CHECK_STR(compute_status("soft-delete", NULL), "SOFT_DELETED");
	CHECK_STR(compute_status_vm_state("shutoff"), "stopped");
	CHECK(compute_status_vm_state("NOPE") == NULL);
}

static void test_scheduler(void)
{
	struct compute_host h = {.name = "h1",
	                         .zone = "nova",
	                         .enabled = true,
	                         .vcpus = 2,
	                         .ram_mb = 4096,
	                         .disk_gb = 100,
	                         .cpu_ratio = 2.0,
	                         .ram_ratio = 1.0,
	                         .disk_ratio = 1.0,
	                         .reserved_ram_mb = 512,
	                         .arch = "x86_64"};
	struct compute_usage u = {.vcpus = 1, .ram_mb = 1024, .disk_gb = 10};
	struct compute_demand d = {.count = 1, .vcpus = 1, .ram_mb = 2048, .disk_gb = 20};
	char why[256];
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == 0);
	d.count = 2; /* 4096 MB needed, 2560 free */
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1);
	CHECK(strstr(why, "RamFilter") && strstr(why, "2560 MB free of 3584 MB"));
	d.count = 1;
	d.vcpus = 4; /* 3 of 4 free */
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "CoreFilter"));
	d.vcpus = 1;
	d.disk_gb = 91;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "DiskFilter"));
	d.disk_gb = 1;
	d.zone = "other";
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "AvailabilityZoneFilter"));
	d.zone = "nova";
	d.arch = "aarch64";
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "ImagePropertiesFilter"));
	d.arch = NULL;
	h.enabled = false;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "ComputeFilter"));
	h.enabled = true;
	CHECK(compute_sched_weight(&h, &u) == 4096 - 512 - 1024);
	/* Server groups: anti-affinity refuses a host with a member (or a
	 * request for two on one host); the soft policies only weigh. */
	d.group_id = "g1";
	d.group_policy = "anti-affinity";
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == 0);
	d.group_on_host = 1;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1 &&
	      strstr(why, "ServerGroupAntiAffinityFilter") && strstr(why, "g1"));
	d.group_on_host = 0;
	d.count = 2;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1);
	d.count = 1;
	/* 2.64's rule max_server_per_host raises the bar */
	d.group_max_per_host = 2;
	d.group_on_host = 1;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == 0);
	d.group_on_host = 2;
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == -1);
	CHECK(strstr(why, "at most 2 per host") != NULL);
	d.group_max_per_host = 0;
	d.group_on_host = 3;
	d.group_policy = "affinity";
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == 0);
	d.group_policy = "soft-anti-affinity";
	CHECK(compute_sched_filter(&h, &u, &d, why, sizeof(why)) == 0);
	CHECK(compute_sched_group_weight(&d) == -3);
	d.group_policy = "soft-affinity";
	CHECK(compute_sched_group_weight(&d) == 3);
	CHECK(compute_group_policy_valid("soft-affinity", 15));
	CHECK(!compute_group_policy_valid("soft-affinity", 14));
	CHECK(compute_group_policy_valid("anti-affinity", 1));
	CHECK(!compute_group_policy_valid("best-effort", 60));
}

static void test_fingerprint(void)
{
	struct api_error err;
	char fp[48];
	CHECK(compute_key_fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdcOQ28ZUNaEsxfAmh3+i8g"
	                              "gNhRY7VtR8yA6vYgEJgx test",
	                              fp, &err) == 0);
	CHECK_STR(fp, "66:e6:ad:28:50:11:9b:67:42:be:8d:65:03:c3:3a:e2");
	/* No comment is fine; a type that does not match the blob is not. */
	CHECK(compute_key_fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdcOQ28ZUNaEsxfAmh3+i8g"
	                              "gNhRY7VtR8yA6vYgEJgx",
	                              fp, &err) == 0);
	CHECK(compute_key_fingerprint("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGdcOQ28ZUNaEsxfAmh3+i8ggNhR"
	                              "Y7VtR8yA6vYgEJgx",
	                              fp, &err) == -1 &&
	      err.kind == API_BAD_REQUEST);
	CHECK(compute_key_fingerprint("not a key", fp, &err) == -1);
	CHECK(compute_key_fingerprint("ssh-rsa !!!!", fp, &err) == -1);
	CHECK(compute_key_fingerprint("", fp, &err) == -1);
	bool b = false;
	CHECK(compute_bool_string("YES", &b) && b);
	CHECK(compute_bool_string("f", &b) && !b);
	CHECK(!compute_bool_string("maybe", &b) && !compute_bool_string("", &b));
	CHECK(compute_keypair_name_valid("my-key_1 2", false));
	CHECK(!compute_keypair_name_valid("my-key_1.2 x@y", false)); /* before 2.92 */
	CHECK(compute_keypair_name_valid("my-key_1.2 x@y", true));
	CHECK(!compute_keypair_name_valid("", true));
	CHECK(!compute_keypair_name_valid(" lead", true));
	CHECK(!compute_keypair_name_valid("a/b", true));
	CHECK(!compute_keypair_name_valid("cl\xc3\xa9", true)); /* ASCII only */
}

int main(void)
{
	test_microversions();
	test_status();
	test_scheduler();
	test_fingerprint();
	return check_done("test_compute_logic");
}
