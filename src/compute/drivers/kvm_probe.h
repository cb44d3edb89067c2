/* Chooses the accelerator for guests: KVM only when it really runs a guest at
 * speed, otherwise TCG. A /dev/kvm that opens is not enough: on some hosts it
 * is served by a software hypervisor (kvm_pvm) that runs guests ~1000x slower. */
#ifndef STACKD_COMPUTE_KVM_PROBE_H
#define STACKD_COMPUTE_KVM_PROBE_H

#include <stdbool.h>

#include "core/error.h"

enum qemu_accel { QEMU_ACCEL_TCG, QEMU_ACCEL_KVM };

struct qemu_accel_choice {
	enum qemu_accel accel;
	char reason[256]; /* why, for the log and os-hypervisors */
};

/* What the host looks like, gathered by qemu_host_facts (tests fill it). */
struct qemu_host_facts {
	bool dev_kvm;    /* /dev/kvm opens read-write */
	bool hw_virt;    /* vmx or svm in /proc/cpuinfo */
	bool kvm_pvm;    /* the kvm_pvm module is loaded */
	bool kvm_hw_mod; /* kvm_intel or kvm_amd is loaded */
};

void qemu_host_facts(struct qemu_host_facts *facts);

/* Decides from the facts alone; returns true when only a timing run can
 * tell (every fact points at KVM). */
bool qemu_accel_decide(const struct qemu_host_facts *facts, struct qemu_accel_choice *out);

/* mode is "auto", "kvm" or "tcg" ([compute] accel). "auto" gathers the facts
 * and, when they allow KVM, times a tight loop through KVM_RUN against a
 * deadline of deadline_ms. */
int qemu_accel_probe(const char *mode, int deadline_ms, struct qemu_accel_choice *out,
                     struct api_error *err);

const char *qemu_accel_name(enum qemu_accel accel);

#endif
