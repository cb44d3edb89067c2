/* Disks of a guest: the per-host image cache (each image converted once),
 * the root disk as a qcow2 overlay on it (no image data copied), blank
 * ephemeral and swap disks, and disk snapshots. */
#ifndef STACKD_COMPUTE_DISKS_H
#define STACKD_COMPUTE_DISKS_H

#include <stddef.h>

#include "core/error.h"

/* Virtual size of a disk image in bytes (any format qemu-img knows). */
int qemu_disk_size(const char *path, long long *bytes, struct api_error *err);

/* Makes sure cache_dir/<key>.qcow2 holds the image at src (converted from
 * any format qemu-img reads), converting it once however many servers ask at
 * the same time; out gets the cached file's path. */
int qemu_image_cache(const char *cache_dir, const char *key, const char *src, char *out,
                     size_t outsz, struct api_error *err);

/* A qcow2 overlay at path on backing, grown to size_gb (0: the backing
 * image's size). A backing image larger than size_gb is refused. */
int qemu_disk_overlay(const char *backing, const char *path, long long size_gb,
                      struct api_error *err);

/* A blank qcow2 disk of size_gb. */
int qemu_disk_blank(const char *path, long long size_gb, struct api_error *err);

/* A raw swap disk of size_mb, formatted with mkswap. */
int qemu_disk_swap(const char *path, long long size_mb, struct api_error *err);

/* A standalone qcow2 copy of disk (its backing chain flattened) at dest;
 * force_share reads a disk that a running (paused) QEMU holds. */
int qemu_disk_flatten(const char *disk, const char *dest, int force_share, struct api_error *err);

#endif
