/* Rescue and unrescue (see qemu.h). The rescue disk is an overlay on the
 * cached rescue image, like a root disk: no image data is copied. The
 * record's `rescue` flag makes every boot (a reboot while rescued, a
 * restart of stackd) keep the rescue disk first until unrescue. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compute/drivers/qemu.h"
#include "compute/drivers/qemu_guest.h"
#include "core/log.h"

int qemu_guest_rescue(struct qemu_driver *d, const struct qemu_spec *s, struct api_error *err)
{
	struct qemu_rec r = {0};
	char disk[QEMU_PATH_MAX], tmp[QEMU_PATH_MAX + 8];
	int rc = -1;
	if (qemu_check_uuid(s->uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, s->uuid);
	if (qemu_rec_load(d, s->uuid, &r, err) < 0)
		goto out;
	if (qemu_overlay_prepare(d, s, QEMU_DISK_RESCUE, 0, tmp, disk, err) < 0)
		goto out;
	if (qemu_power_off_locked(d, s->uuid, -1, err) < 0) {
		unlink(tmp);
		goto out;
	}
	if (qemu_overlay_commit(tmp, disk, err) < 0)
		goto out;
	r.g.rescue = true;
	if (qemu_rec_save(d, &r.g, err) < 0 || qemu_guest_boot(d, &r.g, err) < 0)
		goto out;
	log_info("event=guest_rescued uuid=%s image=%s", s->uuid, s->image_id);
	rc = 0;
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, s->uuid);
	return rc;
}

int qemu_guest_unrescue(struct qemu_driver *d, const char *uuid, struct api_error *err)
{
	struct qemu_rec r = {0};
	char disk[4096];
	int rc = -1;
	if (qemu_check_uuid(uuid, err) < 0)
		return -1;
	qemu_guest_lock(d, uuid);
	if (qemu_rec_load(d, uuid, &r, err) < 0)
		goto out;
	if (qemu_power_off_locked(d, uuid, 0, err) < 0)
		goto out;
	r.g.rescue = false;
	if (qemu_rec_save(d, &r.g, err) < 0)
		goto out;
	qemu_guest_file(d, uuid, QEMU_DISK_RESCUE, disk, sizeof(disk));
	unlink(disk);
	if (qemu_guest_boot(d, &r.g, err) < 0)
		goto out;
	log_info("event=guest_unrescued uuid=%s", uuid);
	rc = 0;
out:
	qemu_rec_free(&r);
	qemu_guest_unlock(d, uuid);
	return rc;
}
