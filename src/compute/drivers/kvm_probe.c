/* The KVM probe: host facts first (/dev/kvm, vmx/svm, which KVM module), then
 * a timed run of a few million loop iterations in a real-mode vCPU through
 * KVM_RUN, done in a child process so a hypervisor that crawls cannot hold
 * up start-up past the deadline. */
#include "compute/drivers/kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_LOOPS 20000000u

const char *qemu_accel_name(enum qemu_accel accel)
{
	return accel == QEMU_ACCEL_KVM ? "kvm" : "tcg";
}

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

static bool cpu_has_virt(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool found = false;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0)
				found = true;
	}
	fclose(f);
	return found;
}

void qemu_host_facts(struct qemu_host_facts *facts)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	facts->dev_kvm = fd >= 0;
	if (fd >= 0)
		close(fd);
	facts->hw_virt = cpu_has_virt();
	facts->kvm_pvm = module_loaded("kvm_pvm");
	facts->kvm_hw_mod = module_loaded("kvm_intel") || module_loaded("kvm_amd");
}

bool qemu_accel_decide(const struct qemu_host_facts *facts, struct qemu_accel_choice *out)
{
	out->accel = QEMU_ACCEL_TCG;
	if (!facts->dev_kvm) {
		snprintf(out->reason, sizeof(out->reason), "no usable /dev/kvm");
		return false;
	}
	if (!facts->hw_virt) {
		snprintf(out->reason, sizeof(out->reason),
		         "/dev/kvm opens but the CPU shows no vmx/svm flag");
		return false;
	}
	if (facts->kvm_pvm && !facts->kvm_hw_mod) {
		snprintf(out->reason, sizeof(out->reason),
		         "/dev/kvm is served by kvm_pvm (software), not kvm_intel/kvm_amd");
		return false;
	}
	return true;
}

/* Child side: one vCPU in real mode running
 *   mov ecx, PROBE_LOOPS; l: dec ecx; jnz l; hlt
 * exits 0 when it halts normally. */
static int probe_child(void)
{
	const unsigned char code[] = {0x66,
	                              0xb9,
	                              PROBE_LOOPS & 0xff,
	                              (PROBE_LOOPS >> 8) & 0xff,
	                              (PROBE_LOOPS >> 16) & 0xff,
	                              (PROBE_LOOPS >> 24) & 0xff,
	                              0x66,
	                              0x49,
	                              0x75,
	                              0xfc,
	                              0xf4};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return 2;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 3;
	size_t memsz = 0x10000;
	void *mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 4;
	memcpy((char *)mem + 0x1000, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
	    .slot = 0, .guest_phys_addr = 0, .memory_size = memsz, .userspace_addr = (__u64)mem};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return 5;
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return 6;
	int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (runsz <= 0)
		return 7;
	struct kvm_run *run = mmap(NULL, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return 8;
	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return 9;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return 10;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 0x2};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return 11;
	for (int i = 0; i < 100; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			return 12;
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_INTR)
			return 13;
	}
	return 14;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void probe_timed_run(int deadline_ms, struct qemu_accel_choice *out)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t pid = fork();
	if (pid < 0) {
		out->accel = QEMU_ACCEL_TCG;
		snprintf(out->reason, sizeof(out->reason), "cannot fork the KVM probe: %s",
		         strerror(errno));
		return;
	}
	if (pid == 0)
		_exit(probe_child());
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (elapsed_ms(&start) > deadline_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			out->accel = QEMU_ACCEL_TCG;
			snprintf(out->reason, sizeof(out->reason),
			         "KVM_RUN of %u loop iterations missed the %d ms deadline: KVM "
			         "is too slow here",
			         PROBE_LOOPS, deadline_ms);
			return;
		}
		usleep(2000);
	}
	long ms = elapsed_ms(&start);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		out->accel = QEMU_ACCEL_KVM;
		snprintf(out->reason, sizeof(out->reason),
		         "KVM ran %u loop iterations in %ld ms (deadline %d ms)", PROBE_LOOPS, ms,
		         deadline_ms);
	} else {
		out->accel = QEMU_ACCEL_TCG;
		snprintf(out->reason, sizeof(out->reason), "the KVM probe guest failed (status %d)",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	}
}

int qemu_accel_probe(const char *mode, int deadline_ms, struct qemu_accel_choice *out,
                     struct api_error *err)
{
	if (!mode || strcmp(mode, "auto") == 0) {
		struct qemu_host_facts facts;
		qemu_host_facts(&facts);
		if (qemu_accel_decide(&facts, out))
			probe_timed_run(deadline_ms, out);
		return 0;
	}
	if (strcmp(mode, "tcg") == 0) {
		out->accel = QEMU_ACCEL_TCG;
		snprintf(out->reason, sizeof(out->reason), "forced by [compute] accel = tcg");
		return 0;
	}
	if (strcmp(mode, "kvm") == 0) {
		out->accel = QEMU_ACCEL_KVM;
		snprintf(out->reason, sizeof(out->reason), "forced by [compute] accel = kvm");
		return 0;
	}
	return api_fail(err, API_BAD_REQUEST, "[compute] accel must be auto, kvm or tcg, not %s",
	                mode);
}
