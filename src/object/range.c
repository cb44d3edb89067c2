/* Range and conditional requests as Swift reads them: "bytes=a-b,c-,-n"
 * (bad syntax is ignored and the whole body served, none satisfiable is a
 * 416), and ETag lists of If-Match / If-None-Match. Pure functions. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "object/internal.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool parse_u64(const char **p, uint64_t *out)
{
	if (!isdigit((unsigned char)**p))
		return false;
	uint64_t v = 0;
	while (isdigit((unsigned char)**p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

int object_parse_ranges(const char *header, uint64_t size, struct object_range *out, int max)
{
	const char *p = skip_ws(header);
	if (strncmp(p, "bytes=", 6) != 0)
		return 0;
	p += 6;
	int n = 0, specs = 0;
	for (;;) {
		p = skip_ws(p);
		uint64_t a = 0, b = 0;
		bool has_a = parse_u64(&p, &a), has_b;
		if (*p != '-')
			return 0;
		p++;
		has_b = parse_u64(&p, &b);
		p = skip_ws(p);
		if (*p != ',' && *p != '\0')
			return 0;
		if (!has_a && !has_b)
			return 0;
		if (has_a && has_b && b < a)
			return 0;
		specs++;
		if (specs > 100)
			return 0;
		struct object_range r;
		bool ok;
		if (!has_a) { /* suffix: the last b bytes */
			ok = b > 0 && size > 0;
			r.first = b >= size ? 0 : size - b;
			r.last = size ? size - 1 : 0;
		} else {
			ok = a < size;
			r.first = a;
			r.last = has_b && b < size ? b : (size ? size - 1 : 0);
		}
		if (ok && n < max)
			out[n++] = r;
		if (*p == '\0')
			break;
		p++;
	}
	return n > 0 ? n : -1;
}

bool object_etag_matches(const char *list, const char *etag)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		const char *start = p, *end;
		if (*p == '"') {
			start = ++p;
			end = strchr(p, '"');
			if (!end)
				end = p + strlen(p);
			p = *end ? end + 1 : end;
		} else {
			end = p;
			while (*end && *end != ',' && *end != ' ')
				end++;
			p = end;
		}
		if ((size_t)(end - start) == strlen(etag) && !strncmp(start, etag, strlen(etag)))
			return true;
	}
	return false;
}
