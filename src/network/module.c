/* The network service module: configuration, start (migrations, routes,
 * the bootstrap external network, the data plane's full re-sync and the
 * metadata server) and stop, Neutron's error body and policy hook. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "identity/identity.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/handlers.h"
#include "network/quota.h"
#include "service.h"

extern const struct db_migration network_migrations[];
extern const size_t network_migrations_count;

static const struct catalog_entry net_catalog[] = {
    {"network", "neutron", "/network"},
};

static const char *neutron_type_of(const struct api_error *err)
{
	if (err->type)
		return err->type;
	switch (err->status) {
	case 400:
		return "HTTPBadRequest";
	case 401:
		return "HTTPUnauthorized";
	case 403:
		return "HTTPForbidden";
	case 404:
		return "HTTPNotFound";
	case 405:
		return "HTTPMethodNotAllowed";
	case 409:
		return "HTTPConflict";
	case 412:
		return "HTTPPreconditionFailed";
	case 413:
		return "HTTPRequestEntityTooLarge";
	case 501:
		return "HTTPNotImplemented";
	default:
		return err->status >= 500 ? "HTTPInternalServerError" : "HTTPBadRequest";
	}
}

static void net_render_error(struct http_request *req, struct http_response *resp,
                             const struct api_error *err)
{
	(void)req;
	json_t *body = json_pack("{s:{s:s,s:s,s:s}}", "NeutronError", "type", neutron_type_of(err),
	                         "message", err->message, "detail", "");
	http_reply_json(resp, err->status, body);
}

static int net_authorize(struct http_request *req, const char *rule, struct api_error *err)
{
	const struct identity_auth *auth = identity_auth_of(req);
	if (!auth)
		return api_fail(err, API_UNAUTHORIZED, "Authentication required");
	if (!strcmp(rule, "admin") && !net_is_admin(req))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "This operation requires the admin role.");
	if (!auth->project_id && !net_is_admin(req))
		return api_fail_typed(err, API_FORBIDDEN, "PolicyNotAuthorized",
		                      "A project-scoped token is required.");
	return 0;
}

static void cfg_str(const struct config *cfg, const char *key, const char *fallback, char *out,
                    size_t len)
{
	snprintf(out, len, "%s", config_get(cfg, "network", key, fallback));
}

/* Whether this process runs in a namespace made with `ip netns add` (a
 * file of /run/netns): the data plane stays off otherwise unless asked for,
 * so that a plain `stackd serve` (other services' tests) never touches
 * the host's interfaces. */
static bool in_named_netns(void)
{
	struct stat self, st;
	if (stat("/proc/self/ns/net", &self) != 0)
		return false;
	DIR *d = opendir("/run/netns");
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char path[300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (stat(path, &st) == 0 && st.st_ino == self.st_ino && st.st_dev == self.st_dev)
			found = true;
	}
	closedir(d);
	return found;
}

static void load_config(struct net_service *ns, const struct config *cfg)
{
	struct net_config *c = &ns->cfg;
	cfg_str(cfg, "mac_base", "fa:16:3e:00:00:00", c->mac_base, sizeof(c->mac_base));
	cfg_str(cfg, "public_cidr", "172.24.4.0/24", c->public_cidr, sizeof(c->public_cidr));
	cfg_str(cfg, "public_gateway", "172.24.4.1", c->public_gateway, sizeof(c->public_gateway));
	cfg_str(cfg, "public_pool_start", "172.24.4.2", c->public_pool_start,
	        sizeof(c->public_pool_start));
	cfg_str(cfg, "public_pool_end", "172.24.4.254", c->public_pool_end,
	        sizeof(c->public_pool_end));
	cfg_str(cfg, "public_bridge", "br-ex", c->public_bridge, sizeof(c->public_bridge));
	cfg_str(cfg, "physical_network", "public", c->physical_network,
	        sizeof(c->physical_network));
	cfg_str(cfg, "public_network_name", "public", c->public_network_name,
	        sizeof(c->public_network_name));
	cfg_str(cfg, "dns_domain", "openstacklocal.", c->dns_domain, sizeof(c->dns_domain));
	c->mtu = (unsigned)config_get_int(cfg, "network", "mtu", 1500);
	const char *dp = config_get(cfg, "network", "dataplane", "auto");
	if (!strcmp(dp, "auto"))
		c->dataplane = in_named_netns();
	else
		c->dataplane = config_get_bool(cfg, "network", "dataplane", false);
	c->forward_external = config_get_bool(cfg, "network", "forward_external", false);
	net_quota_defaults(cfg, c->quota);
}

struct net_service *net_service_of(struct http_server *http)
{
	const struct http_route *route;
	struct http_kv params[HTTP_MAX_PARAMS];
	size_t nparams;
	bool mismatch;
	const char *subpath;
	struct arena *a = arena_new();
	const struct http_service *svc = http_route_lookup(http, a, "GET", "/network/", &route,
	                                                   params, &nparams, &mismatch, &subpath);
	arena_free(a);
	if (!svc || strcmp(svc->name, "network"))
		return NULL;
	return svc->ctx;
}

void net_metadata_register(struct net_service *ns, net_metadata_fn fn, void *cls)
{
	pthread_mutex_lock(&ns->md_lock);
	ns->md_fn = fn;
	ns->md_cls = cls;
	pthread_mutex_unlock(&ns->md_lock);
}

static int net_start(const struct stackd_env *env, void **state, struct api_error *err)
{
	*state = NULL;
	if (db_migrate("network", network_migrations, network_migrations_count, err) != 0)
		return -1;
	struct net_service *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return api_fail(err, API_INTERNAL, "out of memory");
	ns->env = env;
	pthread_mutex_init(&ns->dp_lock, NULL);
	pthread_mutex_init(&ns->md_lock, NULL);
	load_config(ns, env->cfg);
	snprintf(ns->state_dir, sizeof(ns->state_dir), "%s/network", env->data_dir);
	if (mkdir(ns->state_dir, 0700) != 0 && errno != EEXIST) {
		api_fail(err, API_INTERNAL, "cannot create %s: %s", ns->state_dir, strerror(errno));
		goto fail;
	}
	ns->http = (struct http_service){
	    .name = "network",
	    .prefix = "/network",
	    .routes = net_routes,
	    .nroutes = net_nroutes,
	    .ctx = ns,
	    .render_error = net_render_error,
	    .authorize = net_authorize,
	};
	if (net_bootstrap(ns, err) != 0)
		goto fail;
	if (ns->cfg.dataplane && net_dp_start(ns, err) != 0)
		goto fail;
	if (http_server_add_service(env->http, &ns->http, err) != 0)
		goto fail;
	log_info("msg=\"network ready\" dataplane=%s public=%s bridge=%s",
	         ns->cfg.dataplane ? "on" : "off", ns->cfg.public_cidr, ns->cfg.public_bridge);
	*state = ns;
	return 0;
fail:
	net_dp_stop(ns);
	free(ns);
	return -1;
}

static void net_stop(void *state)
{
	struct net_service *ns = state;
	if (!ns)
		return;
	net_dp_stop(ns);
	pthread_mutex_destroy(&ns->dp_lock);
	pthread_mutex_destroy(&ns->md_lock);
	free(ns);
}

const struct service_module network_module = {
    .name = "network",
    .catalog = net_catalog,
    .ncatalog = sizeof(net_catalog) / sizeof(net_catalog[0]),
    .start = net_start,
    .stop = net_stop,
};
