/* A flat list of (section, key, value); lookups are rare (start-up). */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entry {
	char *section, *key, *value;
};

struct config {
	struct entry *entries;
	size_t count, cap;
};

struct config *config_new(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		abort();
	return cfg;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg);
}

static char *normalized(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		abort();
	for (char *q = p; *q; q++)
		*q = *q == '-' ? '_' : (char)tolower((unsigned char)*q);
	return p;
}

static struct entry *find(const struct config *cfg, const char *section, const char *key)
{
	for (size_t i = cfg->count; i-- > 0;) {
		struct entry *e = &cfg->entries[i];
		if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

void config_set(struct config *cfg, const char *section, const char *key, const char *value)
{
	char *s = normalized(section, strlen(section));
	char *k = normalized(key, strlen(key));
	struct entry *e = find(cfg, s, k);
	if (e) {
		free(s);
		free(k);
		free(e->value);
		e->value = strdup(value);
		if (!e->value)
			abort();
		return;
	}
	if (cfg->count == cfg->cap) {
		cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
		cfg->entries = realloc(cfg->entries, cfg->cap * sizeof(*cfg->entries));
		if (!cfg->entries)
			abort();
	}
	e = &cfg->entries[cfg->count++];
	e->section = s;
	e->key = k;
	e->value = strdup(value);
	if (!e->value)
		abort();
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load_file(struct config *cfg, const char *path, struct api_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return api_fail(err, API_BAD_REQUEST, "cannot open config file %s: %s", path,
		                strerror(errno));
	char line[4096], section[256] = "default";
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || end == s + 1 || (size_t)(end - s - 1) >= sizeof(section)) {
				rc = api_fail(err, API_BAD_REQUEST, "%s:%d: bad section header",
				              path, lineno);
				break;
			}
			*end = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = api_fail(err, API_BAD_REQUEST, "%s:%d: expected key = value", path,
			              lineno);
			break;
		}
		*eq = '\0';
		config_set(cfg, section, trim(s), trim(eq + 1));
	}
	fclose(f);
	return rc;
}

int config_parse_args(struct config *cfg, int argc, char **argv, int first, struct api_error *err)
{
	for (int i = first; i < argc; i++) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			return api_fail(err, API_BAD_REQUEST, "unexpected argument '%s'", arg);
		const char *name = arg + 2, *value = NULL;
		size_t name_len;
		const char *eq = strchr(name, '=');
		if (eq) {
			name_len = (size_t)(eq - name);
			value = eq + 1;
		} else {
			name_len = strlen(name);
			if (i + 1 >= argc)
				return api_fail(err, API_BAD_REQUEST, "option --%s needs a value",
				                name);
			value = argv[++i];
		}
		char *full = strndup(name, name_len);
		if (!full)
			abort();
		char *dot = strchr(full, '.');
		if (dot) {
			*dot = '\0';
			config_set(cfg, full, dot + 1, value);
		} else {
			config_set(cfg, "default", full, value);
		}
		free(full);
	}
	return 0;
}

const char *config_get(const struct config *cfg, const char *section, const char *key,
                       const char *fallback)
{
	char *s = normalized(section, strlen(section));
	char *k = normalized(key, strlen(key));
	struct entry *e = find(cfg, s, k);
	free(s);
	free(k);
	return e ? e->value : fallback;
}

int64_t config_get_int(const struct config *cfg, const char *section, const char *key,
                       int64_t fallback)
{
	const char *v = config_get(cfg, section, key, NULL);
	if (!v || !*v)
		return fallback;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end)
		return fallback;
	return n;
}

bool config_get_bool(const struct config *cfg, const char *section, const char *key, bool fallback)
{
	const char *v = config_get(cfg, section, key, NULL);
	bool b;
	return v && config_parse_bool(v, &b) == 0 ? b : fallback;
}

int config_parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
	    !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}
