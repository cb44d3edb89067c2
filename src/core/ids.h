/* Identifiers and times as OpenStack writes them. */
#ifndef STACKD_IDS_H
#define STACKD_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Random UUID4, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (out: 37 bytes). */
void ids_uuid4(char out[37]);
/* 32 lowercase hex digits, Keystone's id form (out: 33 bytes). */
void ids_hex32(char out[33]);
bool ids_is_uuid(const char *s);

/* "2026-11-22T23:12:27Z" (out: 21 bytes) and with microseconds
 * "2026-11-22T23:12:27.000000Z" (out: 28 bytes). */
void ids_time_iso(time_t t, char out[21]);
void ids_time_iso_us(double t, char out[28]);
/* Parses ISO 8601 (Z, an offset, or none meaning UTC); -1 when invalid. */
int ids_time_parse(const char *s, double *out);
double ids_now(void);

#endif
