/* The error table's lookups. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

int api_error_status(enum api_error_kind kind)
{
	switch (kind) {
#define X(name, status, key, title) \
	case API_##name:            \
		return status;
		API_ERRORS(X)
#undef X
	case API_OK:
		break;
	}
	return 200;
}

const char *api_error_key(enum api_error_kind kind)
{
	switch (kind) {
#define X(name, status, key, title) \
	case API_##name:            \
		return key;
		API_ERRORS(X)
#undef X
	case API_OK:
		break;
	}
	return "ok";
}

const char *api_error_title(enum api_error_kind kind)
{
	switch (kind) {
#define X(name, status, key, title) \
	case API_##name:            \
		return title;
		API_ERRORS(X)
#undef X
	case API_OK:
		break;
	}
	return "OK";
}

enum api_error_kind api_error_kind_of_status(int status)
{
#define X(name, st, key, title) \
	if (status == st)       \
		return API_##name;
	API_ERRORS(X)
#undef X
	return status >= 500 ? API_INTERNAL : API_BAD_REQUEST;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void api_utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq(p);
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

bool api_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq(p);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

static int vfail(struct api_error *err, enum api_error_kind kind, const char *type, const char *fmt,
                 va_list ap)
{
	if (!err)
		return -1;
	err->kind = kind;
	err->status = api_error_status(kind);
	err->type = type;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	/* Messages quote request input (path parameters, names) and may be
	 * truncated mid-character; JSON needs valid UTF-8. */
	api_utf8_sanitize(err->message);
	return -1;
}

int api_fail(struct api_error *err, enum api_error_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, kind, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int api_fail_typed(struct api_error *err, enum api_error_kind kind, const char *type,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, kind, type, fmt, ap);
	va_end(ap);
	return -1;
}
