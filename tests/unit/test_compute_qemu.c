/* Unit tests of the QEMU driver's pure parts: the accelerator decision from
 * host facts and the QEMU command line of a guest. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compute/drivers/configdrive.h"
#include "compute/drivers/kvm_probe.h"
#include "compute/drivers/qemu.h"
#include "compute/drivers/qemu_proc.h"

static int argv_has(const struct qemu_argv *a, const char *opt, const char *val)
{
	for (int i = 0; a->v[i]; i++)
		if (strcmp(a->v[i], opt) == 0 &&
		    (!val || (a->v[i + 1] && strcmp(a->v[i + 1], val) == 0)))
			return 1;
	return 0;
}

static int argv_contains(const struct qemu_argv *a, const char *needle)
{
	for (int i = 0; a->v[i]; i++)
		if (strstr(a->v[i], needle))
			return 1;
	return 0;
}

static void test_decide(void)
{
	struct qemu_accel_choice c;
	struct qemu_host_facts none = {0};
	CHECK(!qemu_accel_decide(&none, &c));
	CHECK(c.accel == QEMU_ACCEL_TCG);
	CHECK(strstr(c.reason, "/dev/kvm") != NULL);

	struct qemu_host_facts noflag = {.dev_kvm = true};
	CHECK(!qemu_accel_decide(&noflag, &c));
	CHECK(strstr(c.reason, "vmx") != NULL);

	/* the machines this was written on: /dev/kvm served by kvm_pvm */
	struct qemu_host_facts pvm = {.dev_kvm = true, .hw_virt = true, .kvm_pvm = true};
	CHECK(!qemu_accel_decide(&pvm, &c));
	CHECK(c.accel == QEMU_ACCEL_TCG);
	CHECK(strstr(c.reason, "kvm_pvm") != NULL);

	struct qemu_host_facts hw = {.dev_kvm = true, .hw_virt = true, .kvm_hw_mod = true};
	CHECK(qemu_accel_decide(&hw, &c)); /* only the timed run can tell */

	struct api_error err = {0};
	CHECK(qemu_accel_probe("tcg", 1000, &c, &err) == 0 && c.accel == QEMU_ACCEL_TCG);
	CHECK(qemu_accel_probe("kvm", 1000, &c, &err) == 0 && c.accel == QEMU_ACCEL_KVM);
	CHECK(qemu_accel_probe("fast", 1000, &c, &err) == -1 && err.kind == API_BAD_REQUEST);
}

static void test_nic_slots(void)
{
	struct qemu_nic nics[3] = {{.slot = QEMU_NIC_SLOT_FIRST},
	                           {.slot = QEMU_NIC_SLOT_FIRST + 2}};
	CHECK(qemu_nic_slot_free(nics, 0) == QEMU_NIC_SLOT_FIRST);
	CHECK(qemu_nic_slot_free(nics, 2) == QEMU_NIC_SLOT_FIRST + 1); /* a detached one's hole */
	nics[2].slot = QEMU_NIC_SLOT_FIRST + 1;
	CHECK(qemu_nic_slot_free(nics, 3) == QEMU_NIC_SLOT_FIRST + 3);
	struct qemu_nic full[QEMU_NIC_SLOT_END - QEMU_NIC_SLOT_FIRST];
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++)
		full[i].slot = QEMU_NIC_SLOT_FIRST + (int)i;
	CHECK(qemu_nic_slot_free(full, sizeof(full) / sizeof(full[0])) == 0);
}

static void test_argv(void)
{
	struct qemu_nic nics[] = {
	    {.tap = "tq12345678-ab", .mac = "fa:16:3e:00:00:01", .slot = QEMU_NIC_SLOT_FIRST + 1}};
	struct qemu_guest g = {.uuid = "0b6e3a2c-1111-4222-8333-944455556666",
	                       .name = "web",
	                       .dir = "/var/lib/stackd/compute/instances/x",
	                       .vcpus = 2,
	                       .ram_mb = 512,
	                       .accel = QEMU_ACCEL_TCG,
	                       .machine = "pc",
	                       .tb_size_mb = 32,
	                       .config_drive = true,
	                       .swap = true,
	                       .nics = nics,
	                       .nnics = 1};
	struct qemu_argv a;
	struct api_error err = {0};
	CHECK(qemu_proc_argv("qemu-system-x86_64", &g, &a, &err) == 0);
	CHECK_STR(a.v[0], "qemu-system-x86_64");
	CHECK(argv_has(&a, "-uuid", g.uuid));
	CHECK(argv_has(&a, "-m", "512"));
	CHECK(argv_has(&a, "-smp", "2"));
	CHECK(argv_has(&a, "-accel", "tcg,tb-size=32"));
	CHECK(!argv_has(&a, "-cpu", NULL)); /* -cpu host aborts without real KVM */
	CHECK(argv_has(&a, "-daemonize", NULL));
	CHECK(argv_contains(&a, "product=OpenStack Nova"));
	CHECK(argv_contains(&a, "ifname=tq12345678-ab,script=no,downscript=no"));
	CHECK(argv_contains(&a, "mac=fa:16:3e:00:00:01,addr=0x9"));
	/* fixed PCI slots: the root disk at 4, the config drive at 7 */
	CHECK(argv_contains(&a, "virtio-blk-pci,drive=root,addr=0x4,bootindex=0"));
	CHECK(argv_contains(&a, "virtio-blk-pci,drive=config,addr=0x7"));
	CHECK(argv_contains(&a, "disk.config,if=none,id=config,format=raw"));
	CHECK(argv_contains(&a, "disk.swap"));
	CHECK(!argv_contains(&a, "disk.eph0"));
	CHECK(!argv_has(&a, "-incoming", NULL));
	CHECK(a.v[a.n] == NULL);
	qemu_argv_free(&a);

	g.accel = QEMU_ACCEL_KVM;
	g.incoming = true;
	g.nnics = 0;
	CHECK(qemu_proc_argv("qemu-system-x86_64", &g, &a, &err) == 0);
	CHECK(argv_has(&a, "-accel", "kvm"));
	CHECK(argv_has(&a, "-cpu", "host"));
	CHECK(argv_contains(&a, "exec:cat '/var/lib/stackd/compute/instances/x/suspend.state'"));
	qemu_argv_free(&a);

	/* a path QEMU's option syntax would misread is refused, not mangled */
	g.dir = "/var/lib/a,b";
	CHECK(qemu_proc_argv("qemu-system-x86_64", &g, &a, &err) == -1);
	qemu_argv_free(&a);
	g.dir = "/x";
	struct qemu_nic bad[] = {{.tap = "tap,script=/bin/evil"}};
	g.nics = bad;
	g.nnics = 1;
	CHECK(qemu_proc_argv("qemu-system-x86_64", &g, &a, &err) == -1);
	qemu_argv_free(&a);
}

static const struct qemu_cd_file *find_file(const struct qemu_cd_file *f, size_t n,
                                            const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].path, path) == 0)
			return &f[i];
	return NULL;
}

static void test_configdrive_layout(void)
{
	json_t *meta = json_pack("{ss ss ss ss sI s{ss}}", "uuid", "0b6e3a2c-1111", "name", "web",
	                         "hostname", "web", "availability_zone", "nova", "launch_index",
	                         (json_int_t)0, "public_keys", "k1", "ssh-ed25519 AAAA k1");
	json_t *net = json_pack("{s[] s[] s[]}", "links", "networks", "services");
	struct qemu_cd_file *f = NULL;
	size_t n = 0;
	struct api_error err = {0};
	CHECK(qemu_configdrive_files(meta, "#!/bin/sh\n", 10, net, "m1.tiny", &f, &n, &err) == 0);
	const struct qemu_cd_file *md = find_file(f, n, "openstack/latest/meta_data.json");
	CHECK(md && strstr(md->data, "\"hostname\":\"web\""));
	CHECK(find_file(f, n, "openstack/2012-08-10/meta_data.json") != NULL);
	CHECK(find_file(f, n, "openstack/2012-08-10/network_data.json") == NULL);
	CHECK(find_file(f, n, "openstack/2015-10-15/network_data.json") != NULL);
	CHECK(find_file(f, n, "openstack/latest/vendor_data2.json") != NULL);
	const struct qemu_cd_file *ud = find_file(f, n, "openstack/latest/user_data");
	CHECK(ud && ud->len == 10 && memcmp(ud->data, "#!/bin/sh\n", 10) == 0);
	const struct qemu_cd_file *ec2 = find_file(f, n, "ec2/latest/meta-data.json");
	CHECK(ec2 && strstr(ec2->data, "\"openssh-key\":\"ssh-ed25519 AAAA k1\""));
	CHECK(ec2 && strstr(ec2->data, "\"instance-type\":\"m1.tiny\""));
	CHECK(find_file(f, n, "ec2/2009-04-04/user-data") != NULL);
	qemu_configdrive_files_free(f, n);
	/* no user_data: no user_data files */
	CHECK(qemu_configdrive_files(meta, NULL, 0, NULL, NULL, &f, &n, &err) == 0);
	CHECK(find_file(f, n, "openstack/latest/user_data") == NULL);
	CHECK(find_file(f, n, "openstack/latest/network_data.json") != NULL);
	qemu_configdrive_files_free(f, n);
	json_decref(meta);
	json_decref(net);
}

int main(void)
{
	test_configdrive_layout();
	test_decide();
	test_argv();
	test_nic_slots();
	return check_done("test_compute_qemu");
}
