/* Request-lifetime memory: everything a request allocates comes from its
 * arena and is released in one go when the request ends, so handlers have
 * no free() paths. Allocation failure aborts: a daemon that cannot get a
 * few kilobytes has nothing better to do. */
#ifndef STACKD_ARENA_H
#define STACKD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a); /* accepts NULL */

void *arena_alloc(struct arena *a, size_t size);    /* zeroed */
char *arena_strdup(struct arena *a, const char *s); /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Runs fn(arg) when the arena is freed: lets a request own a jansson value,
 * a file descriptor or a statement without a free() path in the handler. */
void arena_defer(struct arena *a, void (*fn)(void *), void *arg);

#endif
