/* POST /os-aggregates/{id}/images (2.81): images pre-cached on the hosts of
 * an aggregate, so the first server booted from them copies nothing. On
 * this one-host cloud: when the host is in the aggregate, each image goes
 * into the driver's image cache on a worker, after the 202. As Nova's
 * request (a cast to the computes) it is best effort and not recorded: a
 * restart drops a pre-cache still queued; the next boot caches anyway. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/internal.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/work.h"
#include "image/image.h"
#include "service.h"

struct precache {
	struct compute_svc *svc; /* outlives the queue (compute_stop drains it) */
	char image_id[64];
	char path[4096];
};

static void precache_run(void *arg)
{
	struct precache *p = arg;
	struct api_error err = {0};
	if (p->svc->drv->cache_image(p->svc->drv_state, p->image_id, p->path, &err) != 0)
		log_warn("compute: pre-caching image %s: %s", p->image_id, err.message);
	else
		log_info("event=image_cached image=%s", p->image_id);
	free(p);
}

COMPUTE_HANDLER(compute_aggregate_images)
{
	struct compute_svc *svc = req->ctx;
	if (compute_mv(req) < 81)
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	long long id;
	bool in = false;
	json_t *body, *cache;
	static const char *const allowed[] = {"cache", NULL};
	static const char *const allowed_item[] = {"id", NULL};
	if (compute_aggregate_path_id(req, &id, err) != 0 || http_body_json(req, &body, err) != 0 ||
	    json_only_keys(body, allowed, "", err) != 0 ||
	    json_get_array(body, "cache", true, &cache, err) != 0)
		return -1;
	if (json_array_size(cache) == 0)
		return api_fail(
		    err, API_BAD_REQUEST,
		    "Invalid input for field/attribute cache. Value: []. [] is too short");
	size_t n = json_array_size(cache);
	const char **ids = arena_alloc(req->arena, n * sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(cache, i);
		if (!json_is_object(item) ||
		    json_only_keys(item, allowed_item, "cache", err) != 0 ||
		    json_get_string(item, "id", true, &ids[i], err) != 0)
			return err->kind ? -1
			                 : api_fail(err, API_BAD_REQUEST,
			                            "Invalid input for field/attribute cache.");
		for (size_t k = 0; k < i; k++)
			if (strcmp(ids[k], ids[i]) == 0)
				return api_fail(err, API_BAD_REQUEST,
				                "Duplicate images in request");
	}
	if (compute_aggregate_has_host(req, id, svc->host.name, &in, err) != 0)
		return -1;
	/* Every image must exist before any host is asked (Nova's check). */
	struct image_info *imgs = arena_alloc(req->arena, n * sizeof(*imgs));
	for (size_t i = 0; i < n; i++) {
		struct api_error lookup = {0};
		if (image_lookup(svc->env, req->arena, NULL, ids[i], &imgs[i], &lookup) != 0)
			return api_fail(err, API_BAD_REQUEST, "Image %s could not be found.",
			                ids[i]);
	}
	for (size_t i = 0; in && svc->drv->cache_image && i < n; i++) {
		if (imgs[i].path == NULL) {
			log_warn("compute: image %s has no data to cache (status %s)", ids[i],
			         imgs[i].status);
			continue;
		}
		struct precache *p = calloc(1, sizeof(*p));
		if (p == NULL)
			abort();
		p->svc = svc;
		snprintf(p->image_id, sizeof(p->image_id), "%s", imgs[i].id);
		snprintf(p->path, sizeof(p->path), "%s", imgs[i].path);
		struct api_error qerr = {0};
		if (work_submit(svc->wq, precache_run, p, &qerr) != 0) {
			log_warn("compute: pre-caching image %s: %s", ids[i], qerr.message);
			free(p);
		}
	}
	http_reply_empty(resp, 202);
	return 0;
}
