/* Nova's security group proxy (os-security-groups, os-security-group-rules
 * below 2.36; GET /servers/{id}/os-security-groups and the server actions
 * addSecurityGroup/removeSecurityGroup at every microversion), answered
 * the way Nova with Neutron answers them: the groups are network's own
 * (net_proxy_*, in-process), so a group made here is the one `openstack
 * security group list` shows. Nova shows ingress rules only, as
 * {ip_protocol, from_port, to_port, ip_range | group}, and makes ingress
 * rules only. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compute/internal.h"
#include "compute/proxy.h"
#include "core/ids.h"
#include "network/network.h"
#include "service.h"

static const char *str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int compute_proxy_net(struct http_request *req, const char *collection, struct net_service **ns,
                      struct api_error *err)
{
	struct compute_svc *svc = req->ctx;
	if (collection && compute_removed_api(req, collection))
		return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
	*ns = net_service_of(svc->env->http);
	if (*ns == NULL)
		return api_fail(err, API_NOT_IMPLEMENTED, "The network service is not running.");
	return 0;
}

/* ---- Nova's view of Neutron's groups ---- */

/* {name, tenant_id} of a rule's remote group, from the groups at hand or
 * looked up as the caller; NULL when the caller cannot see it (Nova then
 * leaves the rule out). */
static json_t *group_data(struct net_service *ns, struct http_request *req, json_t *known,
                          const char *id)
{
	size_t i;
	json_t *g;
	json_array_foreach(known, i, g) if (!strcmp(str_of(g, "id"), id)) return json_pack(
	    "{s:s,s:s}", "name", str_of(g, "name") ? str_of(g, "name") : "", "tenant_id",
	    str_of(g, "project_id") ? str_of(g, "project_id") : "");
	struct api_error ignored;
	if (net_proxy_sg_get(ns, req, id, &g, &ignored) != 0)
		return NULL;
	json_array_append(known, g);
	return json_pack("{s:s,s:s}", "name", str_of(g, "name") ? str_of(g, "name") : "",
	                 "tenant_id", str_of(g, "project_id") ? str_of(g, "project_id") : "");
}

/* A Neutron rule as Nova shows it (new reference); NULL to leave it out. */
static json_t *rule_view(struct net_service *ns, struct http_request *req, json_t *rule,
                         json_t *known)
{
	const char *proto = str_of(rule, "protocol");
	json_t *pmin = json_object_get(rule, "port_range_min");
	json_t *pmax = json_object_get(rule, "port_range_max");
	json_t *from, *to;
	if (proto && (!pmin || json_is_null(pmin)) && (!pmax || json_is_null(pmax))) {
		bool l4 = !strcasecmp(proto, "tcp") || !strcasecmp(proto, "udp");
		from = json_integer(l4 ? 1 : -1);
		to = json_integer(l4 ? 65535 : -1);
	} else {
		from = pmin ? json_incref(pmin) : json_null();
		to = pmax ? json_incref(pmax) : json_null();
	}
	json_t *out = json_pack("{s:s,s:s,s:o,s:o,s:o,s:{},s:{}}", "id", str_of(rule, "id"),
	                        "parent_group_id", str_of(rule, "security_group_id"), "ip_protocol",
	                        proto ? json_string(proto) : json_null(), "from_port", from,
	                        "to_port", to, "group", "ip_range");
	const char *remote = str_of(rule, "remote_group_id");
	if (remote) {
		json_t *gd = group_data(ns, req, known, remote);
		if (!gd) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "group", gd);
	} else {
		const char *cidr = str_of(rule, "remote_ip_prefix");
		json_object_set_new(out, "ip_range",
		                    json_pack("{s:s}", "cidr", cidr && *cidr ? cidr : "0.0.0.0/0"));
	}
	return out;
}

/* known: groups already fetched (for remote group names); may grow. */
static json_t *group_view(struct net_service *ns, struct http_request *req, json_t *sg,
                          json_t *known)
{
	json_t *rules = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(sg, "security_group_rules"), i, r)
	{
		const char *dir = str_of(r, "direction");
		if (!dir || strcmp(dir, "ingress"))
			continue;
		json_t *v = rule_view(ns, req, r, known);
		if (v)
			json_array_append_new(rules, v);
	}
	const char *desc = str_of(sg, "description");
	return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", str_of(sg, "id"), "description",
	                 desc ? desc : "", "name", str_of(sg, "name") ? str_of(sg, "name") : "",
	                 "tenant_id", str_of(sg, "project_id") ? str_of(sg, "project_id") : "",
	                 "rules", rules);
}

static int by_tenant_name(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(str_of(x, "tenant_id"), str_of(y, "tenant_id"));
	return c ? c : strcmp(str_of(x, "name"), str_of(y, "name"));
}

/* Nova sorts the groups it answers by (tenant_id, name). */
static json_t *sorted(struct http_request *req, json_t *views)
{
	size_t n = json_array_size(views);
	json_t **v = arena_alloc(req->arena, (n ? n : 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(views, i);
	qsort(v, n, sizeof(*v), by_tenant_name);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	json_decref(views);
	return out;
}

static int validate_id(const char *id, struct api_error *err)
{
	if (!id || !ids_is_uuid(id))
		return api_fail(err, API_BAD_REQUEST, "Security group id should be uuid");
	return 0;
}

/* Nova's name/description check: a string of at most 255 characters. */
static int validate_property(json_t *v, const char *what, struct api_error *err)
{
	if (!json_is_string(v))
		return api_fail(err, API_BAD_REQUEST, "%s is not a string or unicode", what);
	/* oslo's check_string_length counts characters, not bytes. */
	size_t chars = 0;
	for (const unsigned char *c = (const unsigned char *)json_string_value(v); *c; c++)
		chars += (*c & 0xc0) != 0x80;
	if (chars > 255)
		return api_fail(err, API_BAD_REQUEST, "%s has %zu characters, more than 255.", what,
		                chars);
	return 0;
}

/* _from_body: the member object of a non-empty body. */
static int from_body(struct http_request *req, const char *key, json_t **out, struct api_error *err)
{
	json_t *body;
	if (req->body == NULL || req->body_len == 0)
		return api_fail(err, API_BAD_REQUEST, "The request body can't be empty");
	if (http_body_json(req, &body, err) != 0)
		return -1;
	if (!json_is_object(body) || json_object_size(body) == 0)
		return api_fail(err, API_BAD_REQUEST, "The request body can't be empty");
	*out = json_object_get(body, key);
	if (*out == NULL || json_is_null(*out))
		return api_fail(err, API_BAD_REQUEST, "Missing parameter %s", key);
	if (!json_is_object(*out))
		return api_fail(err, API_BAD_REQUEST, "Invalid input for field/attribute %s.", key);
	return 0;
}

/* Nova's non-negative limit/offset query parameters. */
static int query_count(struct http_request *req, const char *name, long long fallback,
                       long long *out, struct api_error *err)
{
	const char *v = http_query(req, name);
	*out = fallback;
	if (v == NULL)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0)
		return api_fail(err, API_BAD_REQUEST,
		                "Invalid input for query parameters %s. Value: %s. '%s' does not "
		                "match '^[0-9]*$'",
		                name, v, v);
	*out = n;
	return 0;
}

COMPUTE_HANDLER(compute_sg_list)
{
	struct net_service *ns;
	json_t *groups;
	long long limit, offset;
	if (compute_proxy_net(req, "os-security-groups", &ns, err) != 0 ||
	    query_count(req, "limit", 1000, &limit, err) != 0 ||
	    query_count(req, "offset", 0, &offset, err) != 0)
		return -1;
	/* Nova's common.limited: 0 or more than osapi_max_limit is the max. */
	if (limit == 0 || limit > 1000)
		limit = 1000;
	bool all = compute_is_admin(req) && http_query_has(req, "all_tenants");
	if (net_proxy_sg_list(ns, req, all, &groups, err) != 0)
		return -1;
	json_t *known = json_deep_copy(groups), *views = json_array();
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		if ((long long)i < offset || (long long)i >= offset + limit)
			continue;
		json_array_append_new(views, group_view(ns, req, g, known));
	}
	json_decref(known);
	http_reply_json(resp, 200, json_pack("{s:o}", "security_groups", sorted(req, views)));
	return 0;
}

/* Answers 200 with the view of the one group sg. */
static void reply_group(struct net_service *ns, struct http_request *req, json_t *sg,
                        struct http_response *resp)
{
	json_t *known = json_pack("[O]", sg);
	http_reply_json(resp, 200,
	                json_pack("{s:o}", "security_group", group_view(ns, req, sg, known)));
	json_decref(known);
}

/* The name and description of a create or update body, checked as Nova
 * does; each is NULL when absent. They point into in. */
static int name_and_description(json_t *in, const char **name, const char **desc,
                                struct api_error *err)
{
	json_t *n = json_object_get(in, "name"), *d = json_object_get(in, "description");
	if (validate_property(n, "name", err) != 0 || validate_property(d, "description", err) != 0)
		return -1;
	*name = json_string_value(n);
	*desc = json_string_value(d);
	return 0;
}

COMPUTE_HANDLER(compute_sg_show)
{
	struct net_service *ns;
	json_t *sg;
	const char *id = http_param(req, "id");
	if (compute_proxy_net(req, "os-security-groups", &ns, err) != 0 ||
	    validate_id(id, err) != 0 || net_proxy_sg_get(ns, req, id, &sg, err) != 0)
		return -1;
	reply_group(ns, req, sg, resp);
	return 0;
}

COMPUTE_HANDLER(compute_sg_create)
{
	struct net_service *ns;
	json_t *in, *sg;
	if (compute_proxy_net(req, "os-security-groups", &ns, err) != 0 ||
	    from_body(req, "security_group", &in, err) != 0)
		return -1;
	const char *name, *desc;
	if (name_and_description(in, &name, &desc, err) != 0)
		return -1;
	if (net_proxy_sg_create(ns, req, name, desc, &sg, err) != 0) {
		/* Nova: Neutron's 409 (over quota, "default") is a 403. */
		if (err->status == 409)
			err->kind = API_FORBIDDEN, err->status = 403;
		return -1;
	}
	reply_group(ns, req, sg, resp);
	return 0;
}

COMPUTE_HANDLER(compute_sg_update)
{
	struct net_service *ns;
	json_t *in, *sg;
	const char *id = http_param(req, "id");
	if (compute_proxy_net(req, "os-security-groups", &ns, err) != 0 ||
	    validate_id(id, err) != 0 || net_proxy_sg_get(ns, req, id, &sg, err) != 0 ||
	    from_body(req, "security_group", &in, err) != 0)
		return -1;
	const char *name, *desc;
	if (name_and_description(in, &name, &desc, err) != 0)
		return -1;
	if (net_proxy_sg_update(ns, req, id, name, desc, &sg, err) != 0) {
		if (err->status == 409)
			err->kind = API_BAD_REQUEST, err->status = 400;
		return -1;
	}
	reply_group(ns, req, sg, resp);
	return 0;
}

COMPUTE_HANDLER(compute_sg_delete)
{
	struct net_service *ns;
	json_t *sg;
	const char *id = http_param(req, "id");
	if (compute_proxy_net(req, "os-security-groups", &ns, err) != 0 ||
	    validate_id(id, err) != 0 || net_proxy_sg_get(ns, req, id, &sg, err) != 0)
		return -1;
	if (net_proxy_sg_delete(ns, req, id, err) != 0) {
		/* Nova: Neutron's 409 (in use, the default group) is a 400. */
		if (err->status == 409)
			err->kind = API_BAD_REQUEST, err->status = 400;
		return -1;
	}
	http_reply_empty(resp, 202);
	return 0;
}

/* ---- rules ---- */

/* A port or ICMP type/code: an integer or a string of one (Python int()). */
static int port_of(json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		while (*s == ' ')
			s++;
		*out = strtoll(s, &end, 10);
		while (*end == ' ')
			end++;
		return *s && !*end ? 0 : -1;
	}
	return -1;
}

/* Nova's CIDR check (netutils.is_valid_cidr): address/prefix. */
static int cidr_parse(const char *cidr, int *version, bool *any_addr, int *prefix)
{
	char addr[64];
	const char *slash = strchr(cidr, '/');
	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return -1;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - cidr), cidr);
	unsigned char buf[16];
	if (inet_pton(AF_INET, addr, buf) == 1)
		*version = 4;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		*version = 6;
	else
		return -1;
	char *end;
	long p = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || p < 0 || p > (*version == 4 ? 32 : 128))
		return -1;
	*prefix = (int)p;
	*any_addr = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
	return 0;
}

/* Nova's rule from the request (_new_ingress_rule), then Neutron's body. */
static int build_rule(json_t *in, const char *parent, const char *group_id, json_t **neutron,
                      json_t **nova, struct api_error *err)
{
	json_t *proto_v = json_object_get(in, "ip_protocol");
	json_t *from_v = json_object_get(in, "from_port"), *to_v = json_object_get(in, "to_port");
	const char *proto = json_is_string(proto_v) ? json_string_value(proto_v) : NULL;
	if (proto_v && !json_is_null(proto_v) && !proto)
		return api_fail(err, API_BAD_REQUEST, "Invalid IP protocol %s.", "(value)");
	if (proto && !*proto)
		proto = NULL;
	bool has_from = from_v && !json_is_null(from_v), has_to = to_v && !json_is_null(to_v);
	long long from = 0, to = 0;
	const char *cidr = NULL;
	if (!group_id) {
		json_t *c = json_object_get(in, "cidr");
		if (c && !json_is_null(c) && !json_is_string(c))
			return api_fail(err, API_BAD_REQUEST, "Invalid cidr.");
		cidr =
		    json_is_string(c) && *json_string_value(c) ? json_string_value(c) : "0.0.0.0/0";
		int version, prefix;
		bool any;
		if (cidr_parse(cidr, &version, &any, &prefix) != 0)
			return api_fail(err, API_BAD_REQUEST, "%s is not a valid IP network.",
			                cidr);
	} else if (proto && !has_from && !has_to) {
		/* A rule from a group opens everything of its protocol. */
		if (!strcasecmp(proto, "icmp")) {
			from = to = -1;
			has_from = has_to = true;
		} else if (!strcasecmp(proto, "tcp") || !strcasecmp(proto, "udp")) {
			from = 1;
			to = 65535;
			has_from = has_to = true;
		}
	}
	bool ports = proto && has_from && has_to;
	if (ports) {
		bool icmp = !strcasecmp(proto, "icmp");
		bool l4 = !strcasecmp(proto, "tcp") || !strcasecmp(proto, "udp");
		if ((from_v && !json_is_null(from_v) && port_of(from_v, &from) != 0) ||
		    (to_v && !json_is_null(to_v) && port_of(to_v, &to) != 0))
			return api_fail(
			    err, API_BAD_REQUEST, "Invalid input received: %s",
			    icmp ? "Type and Code must be integers for ICMP protocol type"
			         : "To and From ports must be integers");
		if (!icmp && !l4)
			return api_fail(err, API_BAD_REQUEST, "Invalid IP protocol %s.", proto);
		if (l4 && from > to)
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid port range %lld:%lld. Former value cannot be "
			                "greater than the later",
			                from, to);
		if (l4 && (from < 1 || to > 65535))
			return api_fail(err, API_BAD_REQUEST,
			                "Invalid port range %lld:%lld. Valid %s ports should be "
			                "between 1-65535",
			                from, to, !strcasecmp(proto, "tcp") ? "TCP" : "UDP");
		if (icmp && (from < -1 || from > 255 || to < -1 || to > 255))
			return api_fail(
			    err, API_BAD_REQUEST,
			    "Invalid port range %lld:%lld. For ICMP, the type:code must "
			    "be valid",
			    from, to);
	} else if (cidr) {
		/* If cidr based filtering, protocol and ports are mandatory. */
		return api_fail(err, API_BAD_REQUEST,
		                "Not enough parameters to build a valid rule.");
	}
	if (cidr) {
		int version, prefix;
		bool any;
		cidr_parse(cidr, &version, &any, &prefix);
		if (!any && prefix == 0)
			return api_fail(err, API_BAD_REQUEST, "Bad prefix for network in cidr %s",
			                cidr);
	}
	*nova = json_pack("{s:s?,s:s?,s:s?}", "protocol", ports ? proto : NULL, "cidr", cidr,
	                  "group_id", group_id);
	*neutron = json_pack("{s:s,s:s,s:s}", "direction", "ingress", "security_group_id", parent,
	                     "ethertype", cidr && strchr(cidr, ':') ? "IPv6" : "IPv4");
	json_object_set_new(*neutron, "protocol", ports ? json_string(proto) : json_null());
	json_object_set_new(*neutron, "remote_ip_prefix", cidr ? json_string(cidr) : json_null());
	json_object_set_new(*neutron, "remote_group_id",
	                    group_id ? json_string(group_id) : json_null());
	if (ports) {
		json_object_set_new(*nova, "from_port", json_integer(from));
		json_object_set_new(*nova, "to_port", json_integer(to));
		if (from != -1)
			json_object_set_new(*neutron, "port_range_min", json_integer(from));
		if (to != -1)
			json_object_set_new(*neutron, "port_range_max", json_integer(to));
	}
	return 0;
}

/* Nova's own duplicate check (_rule_exists) over the group's rules as it
 * shows them: protocol, ports, cidr and group must all be equal. */
static const char *rule_exists(json_t *group_rules, json_t *nova)
{
	static const char *const keys[] = {"group_id", "cidr", "from_port", "to_port", "protocol"};
	size_t i;
	json_t *r;
	json_array_foreach(group_rules, i, r)
	{
		const char *dir = str_of(r, "direction");
		if (!dir || strcmp(dir, "ingress"))
			continue;
		/* The rule as Nova's converter sees it. */
		const char *proto = str_of(r, "protocol");
		json_t *pmin = json_object_get(r, "port_range_min");
		json_t *pmax = json_object_get(r, "port_range_max");
		json_t *from, *to;
		if (proto && json_is_null(pmin) && json_is_null(pmax)) {
			bool l4 = !strcasecmp(proto, "tcp") || !strcasecmp(proto, "udp");
			from = json_integer(l4 ? 1 : -1);
			to = json_integer(l4 ? 65535 : -1);
		} else {
			from = json_incref(pmin ? pmin : json_null());
			to = json_incref(pmax ? pmax : json_null());
		}
		const char *prefix = str_of(r, "remote_ip_prefix");
		json_t *conv = json_pack(
		    "{s:o,s:o,s:o,s:s,s:o}", "protocol", proto ? json_string(proto) : json_null(),
		    "from_port", from, "to_port", to, "cidr",
		    prefix && *prefix ? prefix : "0.0.0.0/0", "group_id",
		    str_of(r, "remote_group_id") ? json_string(str_of(r, "remote_group_id"))
		                                 : json_null());
		bool same = true;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && same; k++) {
			json_t *a = json_object_get(conv, keys[k]),
			       *b = json_object_get(nova, keys[k]);
			if (!a)
				a = json_null();
			if (!b)
				b = json_null();
			same = json_equal(a, b);
		}
		json_decref(conv);
		if (same)
			return str_of(r, "id");
	}
	return NULL;
}

COMPUTE_HANDLER(compute_sg_rule_create)
{
	struct net_service *ns;
	json_t *in, *parent, *source = NULL;
	if (compute_proxy_net(req, "os-security-group-rules", &ns, err) != 0 ||
	    from_body(req, "security_group_rule", &in, err) != 0)
		return -1;
	json_t *gid_v = json_object_get(in, "group_id");
	const char *group_id = NULL;
	if (validate_id(str_of(in, "parent_group_id"), err) != 0 ||
	    net_proxy_sg_get(ns, req, str_of(in, "parent_group_id"), &parent, err) != 0)
		return -1;
	if (gid_v && !json_is_null(gid_v)) {
		group_id = str_of(in, "group_id");
		if (validate_id(group_id, err) != 0 ||
		    net_proxy_sg_get(ns, req, group_id, &source, err) != 0)
			return -1;
	}
	json_t *neutron = NULL, *nova = NULL;
	if (build_rule(in, str_of(parent, "id"), group_id, &neutron, &nova, err) != 0)
		return -1;
	const char *dup = rule_exists(json_object_get(parent, "security_group_rules"), nova);
	json_decref(nova);
	if (dup) {
		json_decref(neutron);
		return api_fail(err, API_BAD_REQUEST, "This rule already exists in group %s",
		                str_of(parent, "id"));
	}
	json_t *rule;
	int rc = net_proxy_sg_rule_create(ns, req, neutron, &rule, err);
	json_decref(neutron);
	if (rc != 0) {
		/* Nova: Neutron's 409 (a duplicate, over quota) is a 403. */
		if (err->status == 409)
			err->kind = API_FORBIDDEN, err->status = 403;
		return -1;
	}
	json_t *known = json_array();
	json_array_append(known, parent);
	if (source)
		json_array_append(known, source);
	json_t *view = rule_view(ns, req, rule, known);
	json_decref(known);
	if (!view)
		return api_fail(err, API_NOT_FOUND, "Security group %s not found.", group_id);
	http_reply_json(resp, 200, json_pack("{s:o}", "security_group_rule", view));
	return 0;
}

COMPUTE_HANDLER(compute_sg_rule_delete)
{
	struct net_service *ns;
	json_t *rule, *sg;
	const char *id = http_param(req, "id");
	if (compute_proxy_net(req, "os-security-group-rules", &ns, err) != 0 ||
	    validate_id(id, err) != 0 || net_proxy_sg_rule_get(ns, req, id, &rule, err) != 0 ||
	    net_proxy_sg_get(ns, req, str_of(rule, "security_group_id"), &sg, err) != 0 ||
	    net_proxy_sg_rule_delete(ns, req, id, err) != 0)
		return -1;
	http_reply_empty(resp, 202);
	return 0;
}

/* ---- a server's groups ---- */

COMPUTE_HANDLER(compute_server_sg_list)
{
	struct compute_server s;
	struct net_service *ns;
	json_t *ids;
	if (compute_server_load(req, http_param(req, "server_id"), &s, err) != 0 ||
	    compute_proxy_net(req, NULL, &ns, err) != 0 ||
	    net_server_security_groups(ns, s.id, req->arena, &ids, err) != 0)
		return -1;
	json_t *groups = json_array(), *views = json_array();
	size_t i;
	json_t *g, *sg;
	json_array_foreach(ids, i, g)
	{
		struct api_error ignored;
		if (net_proxy_sg_get(ns, req, str_of(g, "id"), &sg, &ignored) == 0)
			json_array_append(groups, sg);
	}
	json_t *known = json_deep_copy(groups);
	json_array_foreach(groups, i, sg)
	    json_array_append_new(views, group_view(ns, req, sg, known));
	json_decref(known);
	json_decref(groups);
	http_reply_json(resp, 200, json_pack("{s:o}", "security_groups", sorted(req, views)));
	return 0;
}

/* addSecurityGroup / removeSecurityGroup: {"name": group name or id}. */
int compute_server_sg_action(struct http_request *req, const struct compute_server *s, bool add,
                             json_t *arg, struct api_error *err)
{
	struct net_service *ns;
	if (compute_proxy_net(req, NULL, &ns, err) != 0)
		return -1;
	if (!json_is_object(arg))
		return api_fail(err, API_BAD_REQUEST, "Missing parameter dict");
	json_t *name = json_object_get(arg, "name");
	if (!name)
		return api_fail(err, API_BAD_REQUEST, "Security group not specified");
	const char *n = json_is_string(name) ? json_string_value(name) : NULL;
	size_t blank = n ? strspn(n, " \t\r\n\v\f") : 0;
	if (!n || !n[blank])
		return api_fail(err, API_BAD_REQUEST, "Security group name cannot be empty");
	const char *project = compute_project(req);
	if (add)
		return net_server_security_group_add(ns, s->id, project, n, err);
	return net_server_security_group_remove(ns, s->id, project, n, err);
}
