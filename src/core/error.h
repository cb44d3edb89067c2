/* The one error convention: a function that can fail returns an int (0 on
 * success, -1 on failure) and fills a struct api_error that the HTTP layer
 * turns into the owning service's error body. The table below is written
 * once; each service maps a kind to its own body shape. */
#ifndef STACKD_ERROR_H
#define STACKD_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

/* X(name, http status, Nova-style key, reason phrase) */
#define API_ERRORS(X)                                                                           \
	X(BAD_REQUEST, 400, "badRequest", "Bad Request")                                        \
	X(UNAUTHORIZED, 401, "unauthorized", "Unauthorized")                                    \
	X(FORBIDDEN, 403, "forbidden", "Forbidden")                                             \
	X(NOT_FOUND, 404, "itemNotFound", "Not Found")                                          \
	X(METHOD_NOT_ALLOWED, 405, "methodNotAllowed", "Method Not Allowed")                    \
	X(NOT_ACCEPTABLE, 406, "notAcceptable", "Not Acceptable")                               \
	X(CONFLICT, 409, "conflictingRequest", "Conflict")                                      \
	X(GONE, 410, "gone", "Gone")                                                            \
	X(LENGTH_REQUIRED, 411, "lengthRequired", "Length Required")                            \
	X(PRECONDITION_FAILED, 412, "preconditionFailed", "Precondition Failed")                \
	X(TOO_LARGE, 413, "overLimit", "Request Entity Too Large")                              \
	X(UNSUPPORTED_MEDIA, 415, "unsupportedMediaType", "Unsupported Media Type")             \
	X(RANGE_NOT_SATISFIABLE, 416, "rangeNotSatisfiable", "Requested Range Not Satisfiable") \
	X(UNPROCESSABLE, 422, "unprocessableEntity", "Unprocessable Entity")                    \
	X(INTERNAL, 500, "computeFault", "Internal Server Error")                               \
	X(NOT_IMPLEMENTED, 501, "notImplemented", "Not Implemented")                            \
	X(UNAVAILABLE, 503, "serviceUnavailable", "Service Unavailable")

enum api_error_kind {
	API_OK = 0,
#define X(name, status, key, title) API_##name,
	API_ERRORS(X)
#undef X
};

struct api_error {
	enum api_error_kind kind;
	int status;
	/* Service-specific type name (Neutron's "NetworkNotFound", ...), or NULL. */
	const char *type;
	char message[512];
};

int api_error_status(enum api_error_kind kind);
const char *api_error_key(enum api_error_kind kind);
const char *api_error_title(enum api_error_kind kind);
enum api_error_kind api_error_kind_of_status(int status);

/* Fills err and returns -1, so a failing path reads `return api_fail(...)`. */
int api_fail(struct api_error *err, enum api_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int api_fail_typed(struct api_error *err, enum api_error_kind kind, const char *type,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Replaces every byte that does not start a valid UTF-8 sequence with
 * '?', in place (api_fail does it to every message). */
void api_utf8_sanitize(char *s);
bool api_utf8_valid(const char *s);

#endif
