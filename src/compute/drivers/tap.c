/* Tap devices through iproute2: `ip tuntap add`, `ip link set master/up`. */
#include "compute/drivers/tap.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "compute/drivers/run.h"

/* By ioctl in this thread's network namespace, not /sys/class/net: sysfs
 * shows the namespace it was mounted in, which is not ours when stackd was
 * started by a process that only called setns (no `ip netns exec` remount). */
bool qemu_link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

int qemu_tap_plug(const struct qemu_nic *nic, struct api_error *err)
{
	char mtu[16];
	if (!nic->tap || !*nic->tap || strlen(nic->tap) >= IFNAMSIZ)
		return api_fail(err, API_BAD_REQUEST, "bad tap device name");
	if (!qemu_link_exists(nic->tap)) {
		const char *add[] = {"ip", "tuntap", "add", "dev", nic->tap, "mode", "tap", NULL};
		if (qemu_run(add, err) < 0)
			return -1;
	}
	if (nic->bridge && *nic->bridge) {
		const char *master[] = {"ip",     "link",   "set",       "dev",
		                        nic->tap, "master", nic->bridge, NULL};
		if (qemu_run(master, err) < 0)
			return -1;
	}
	if (nic->mtu > 0) {
		snprintf(mtu, sizeof(mtu), "%d", nic->mtu);
		const char *setmtu[] = {"ip", "link", "set", "dev", nic->tap, "mtu", mtu, NULL};
		if (qemu_run(setmtu, err) < 0)
			return -1;
	}
	const char *up[] = {"ip", "link", "set", "dev", nic->tap, "up", NULL};
	return qemu_run(up, err);
}

void qemu_tap_unplug(const char *tap)
{
	if (!tap || !*tap || !qemu_link_exists(tap))
		return;
	struct api_error ignored = {0};
	const char *del[] = {"ip", "link", "del", "dev", tap, NULL};
	qemu_run(del, &ignored);
}
