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

static int vfail(struct api_error *err, enum api_error_kind kind, const char *type, const char *fmt,
                 va_list ap)
{
	if (!err)
		return -1;
	err->kind = kind;
	err->status = api_error_status(kind);
	err->type = type;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
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
