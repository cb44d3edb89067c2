/* Tap devices through iproute2: `ip tuntap add`, `ip link set master/up`. */
#include "compute/drivers/tap.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compute/drivers/run.h"

static int tap_exists(const char *tap)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/class/net/%s", tap);
	return stat(path, &st) == 0;
}

int qemu_tap_plug(const struct qemu_nic *nic, struct api_error *err)
{
	char mtu[16];
	if (!nic->tap || !*nic->tap || strlen(nic->tap) >= IFNAMSIZ)
		return api_fail(err, API_BAD_REQUEST, "bad tap device name");
	if (!tap_exists(nic->tap)) {
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
	if (!tap || !*tap || !tap_exists(tap))
		return;
	struct api_error ignored = {0};
	const char *del[] = {"ip", "link", "del", "dev", tap, NULL};
	qemu_run(del, &ignored);
}
