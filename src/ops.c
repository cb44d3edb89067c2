/* Operator endpoints outside any OpenStack service: /healthcheck and
 * /metrics. The daemon listens only once every service started, so being
 * able to answer /healthcheck means every service is ready. */
#include <string.h>

#include "core/arena.h"
#include "core/metrics.h"
#include "service.h"

static int get_health(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)req;
	(void)err;
	http_reply_text(resp, 200, "text/plain", "OK", 2);
	return 0;
}

static int get_metrics(struct http_request *req, struct http_response *resp, struct api_error *err)
{
	(void)err;
	size_t len;
	char *text = metrics_render(req->arena, &len);
	http_reply_text(resp, 200, "text/plain; version=0.0.4", text, len);
	return 0;
}

static const struct http_route routes[] = {
    {"GET", "/healthcheck", get_health, NULL, NULL},
    {"GET", "/metrics", get_metrics, NULL, NULL},
};

static struct http_service service = {
    .name = "ops",
    .prefix = "",
    .routes = routes,
    .nroutes = sizeof(routes) / sizeof(routes[0]),
};

static int ops_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	*state = NULL;
	return http_server_add_service(env->http, &service, err);
}

static void ops_stop(void *state)
{
	(void)state;
}

const struct service_module ops_module = {
    .name = "ops",
    .start = ops_start,
    .stop = ops_stop,
};
