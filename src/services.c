/* The services built into stackd, in start order. */
#include "service.h"

extern const struct service_module ops_module;
extern const struct service_module identity_module;
extern const struct service_module network_module;
extern const struct service_module image_module;
extern const struct service_module object_module;
extern const struct service_module compute_module;

/* One module a line (clang-format would pack them): fewer merge conflicts. */
/* clang-format off */
const struct service_module *const stackd_modules[] = {
    &ops_module,
    &identity_module,
    &network_module,
    &image_module,
    &object_module,
    &compute_module,
    NULL,
};
/* clang-format on */
