/* NIC hot-plug (see qemu.h): netdev_add + device_add, device_del until the
 * guest lets the device go, then netdev_del. Device ids are "nic-<tap>" and
 * netdev ids "nd-<tap>", as qemu_proc.c names the NICs it boots with. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compute/drivers/qemu.h"
#include "compute/drivers/qemu_guest.h"
#include "compute/drivers/qemu_proc.h"
#include "compute/drivers/tap.h"
#include "core/log.h"

static bool suspended(struct qemu_driver *d, const char *uuid)
{
	char path[4096];
	qemu_guest_file(d, uuid, QEMU_SUSPEND, path, sizeof(path));
	return access(path, F_OK) == 0;
}

static int find_nic(const struct qemu_rec *r, const char *tap)
{
	for (size_t i = 0; i < r->g.nnics; i++)
		if (r->nics[i].tap && !strcmp(r->nics[i].tap, tap))
			return (int)i;
	return -1;
}

static int hot_plug(struct qemu_driver *d, const char *uuid, const struct qemu_nic *nic,
                    struct api_error *err)
{
	char nd[32], dev[32];
	snprintf(nd, sizeof(nd), "nd-%s", nic->tap);
	snprintf(dev, sizeof(dev), "nic-%s", nic->tap);
	json_t *net = json_pack("{ss ss ss ss ss}", "type", "tap", "id", nd, "ifname", nic->tap,
	                        "script", "no", "downscript", "no");
	int rc = qemu_guest_qmp(d, uuid, "netdev_add", net, NULL, err);
	json_decref(net);
	if (rc < 0)
		return -1;
	json_t *device =
	    json_pack("{ss ss ss}", "driver", "virtio-net-pci", "id", dev, "netdev", nd);
	if (nic->mac && *nic->mac)
		json_object_set_new(device, "mac", json_string(nic->mac));
	if (nic->slot > 0)
		json_object_set_new(device, "addr", json_sprintf("0x%x", nic->slot));
	rc = qemu_guest_qmp(d, uuid, "device_add", device, NULL, err);
	json_decref(device);
	if (rc < 0) {
		struct api_error ignored = {0};
		json_t *args = json_pack("{ss}", "id", nd);
		qemu_guest_qmp(d, uuid, "netdev_del", args, NULL, &ignored);
		json_decref(args);
	}
	return rc;
}

int qemu_guest_attach_nic(struct qemu_driver *d, const char *uuid, const struct qemu_nic *nic,
                          struct api_error *err)
{
	struct qemu_rec r = {0};
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	if (!nic->tap || !*nic->tap || strlen(nic->tap) > 15 || strpbrk(nic->tap, ",=/ "))
		return api_fail(err, API_BAD_REQUEST, "bad tap device name");
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	if (find_nic(&r, nic->tap) >= 0) {
		rc = 0; /* already there: attaching is idempotent */
		goto out;
	}
	if (r.g.nnics >= QEMU_MAX_NICS) {
		api_fail(err, API_CONFLICT, "the guest has %d NICs already", QEMU_MAX_NICS);
		goto out;
	}
	if (suspended(d, uuid)) {
		api_fail(err, API_CONFLICT, "cannot change the NICs of a suspended guest");
		goto out;
	}
	struct qemu_nic plug = *nic;
	plug.slot = qemu_nic_slot_free(r.nics, r.g.nnics);
	if (plug.bridge && !qemu_link_exists(plug.bridge))
		plug.bridge = NULL;
	if (!qemu_link_exists(nic->tap) && qemu_tap_plug(&plug, err) < 0)
		goto out;
	if (qemu_proc_pid(r.dir, uuid) && hot_plug(d, uuid, &plug, err) < 0)
		goto out;
	r.nics[r.g.nnics] = *nic;
	r.nics[r.g.nnics++].slot = plug.slot;
	if (qemu_rec_save(d, &r.g, err) < 0)
		goto out;
	log_info("event=nic_attached uuid=%s tap=%s", uuid, nic->tap);
	rc = 0;
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}

/* Whether the device is still among QEMU's user-created devices. */
static int device_present(struct qemu_driver *d, const char *uuid, const char *dev, bool *present,
                          struct api_error *err)
{
	json_t *ret = NULL, *args = json_pack("{ss}", "path", "/machine/peripheral");
	int rc = qemu_guest_qmp(d, uuid, "qom-list", args, &ret, err);
	json_decref(args);
	if (rc < 0)
		return -1;
	size_t i;
	json_t *p;
	*present = false;
	json_array_foreach(ret, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		if (name && !strcmp(name, dev))
			*present = true;
	}
	json_decref(ret);
	return 0;
}

static int hot_unplug(struct qemu_driver *d, const char *uuid, const char *tap, int timeout_s,
                      struct api_error *err)
{
	char nd[32], dev[32];
	snprintf(nd, sizeof(nd), "nd-%s", tap);
	snprintf(dev, sizeof(dev), "nic-%s", tap);
	bool present = false;
	if (device_present(d, uuid, dev, &present, err) < 0)
		return -1;
	if (present) {
		json_t *args = json_pack("{ss}", "id", dev);
		int rc = qemu_guest_qmp(d, uuid, "device_del", args, NULL, err);
		json_decref(args);
		if (rc < 0)
			return -1;
		/* The guest ejects the device when its ACPI handler runs:
		 * seconds under TCG, never if it ignores the request. */
		struct timespec pause = {.tv_nsec = 200 * 1000 * 1000};
		for (int waited = 0; present && waited < timeout_s * 5; waited++) {
			nanosleep(&pause, NULL);
			if (device_present(d, uuid, dev, &present, err) < 0)
				return -1;
		}
		if (present)
			return api_fail(err, API_CONFLICT,
			                "the guest did not release device %s within %d s", dev,
			                timeout_s);
	}
	struct api_error ignored = {0}; /* a guest booted without it has no netdev */
	json_t *args = json_pack("{ss}", "id", nd);
	qemu_guest_qmp(d, uuid, "netdev_del", args, NULL, &ignored);
	json_decref(args);
	return 0;
}

int qemu_guest_detach_nic(struct qemu_driver *d, const char *uuid, const char *tap, int timeout_s,
                          struct api_error *err)
{
	struct qemu_rec r = {0};
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	int i = find_nic(&r, tap);
	if (i < 0) {
		rc = 0;
		goto out;
	}
	if (suspended(d, uuid)) {
		api_fail(err, API_CONFLICT, "cannot change the NICs of a suspended guest");
		goto out;
	}
	if (qemu_proc_pid(r.dir, uuid) && hot_unplug(d, uuid, tap, timeout_s, err) < 0)
		goto out;
	memmove(&r.nics[i], &r.nics[i + 1], (r.g.nnics - (size_t)i - 1) * sizeof(r.nics[0]));
	r.g.nnics--;
	if (qemu_rec_save(d, &r.g, err) < 0)
		goto out;
	log_info("event=nic_detached uuid=%s tap=%s", uuid, tap);
	rc = 0;
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}
