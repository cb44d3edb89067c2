/* The table of hypervisor drivers and the choice of the default. The QEMU
 * driver is linked in when drivers/qemu_driver.c defines compute_driver_qemu
 * (a weak reference here, so this file builds without it). */
#include <string.h>

#include "compute/driver.h"

extern const struct compute_driver compute_driver_qemu __attribute__((weak));

const struct compute_driver *compute_driver_find(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "fake") == 0)
		return &compute_driver_fake;
	if (strcmp(name, "qemu") == 0 && &compute_driver_qemu != NULL)
		return &compute_driver_qemu;
	return NULL;
}

const char *compute_driver_default(void)
{
	return &compute_driver_qemu != NULL ? "qemu" : "fake";
}
