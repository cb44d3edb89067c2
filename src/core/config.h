/* Configuration: an INI file plus command-line overrides. Every option can
 * be given both ways: `[section] key = value` in the file is
 * `--section.key VALUE` on the command line; options of the [DEFAULT]
 * section are plain `--key VALUE`. Dashes and underscores are the same. */
#ifndef STACKD_CONFIG_H
#define STACKD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct config;

struct config *config_new(void);
void config_free(struct config *cfg); /* accepts NULL */

int config_load_file(struct config *cfg, const char *path, struct api_error *err);
/* Copies section, key and value. A later set of the same key wins. */
void config_set(struct config *cfg, const char *section, const char *key, const char *value);
/* Parses `--key VALUE`, `--key=VALUE`, `--section.key VALUE` from argv
 * starting at argv[first]; stops at the first non-option. */
int config_parse_args(struct config *cfg, int argc, char **argv, int first, struct api_error *err);

const char *config_get(const struct config *cfg, const char *section, const char *key,
                       const char *fallback);
int64_t config_get_int(const struct config *cfg, const char *section, const char *key,
                       int64_t fallback);
bool config_get_bool(const struct config *cfg, const char *section, const char *key, bool fallback);
/* The boolean words of config files and of Nova's API: true/false, yes/no,
 * on/off, 1/0, in any case. 0 and *out set when v is one of them, else -1. */
int config_parse_bool(const char *v, bool *out);

#endif
