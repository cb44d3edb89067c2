/* /v2.0/security-groups and /v2.0/security-group-rules: groups with their
 * rules, the per-project "default" group made on first use (egress open,
 * ingress only from members of the same group), rule validation as
 * Neutron does it (protocols by name or number, port ranges, ICMP
 * type/code, remote prefix or group, duplicates). The data plane turns
 * them into nftables rules (dataplane/nft.c). */
#include <stdlib.h>
#include <string.h>

#include "network/api.h"
#include "network/handlers.h"
#include "network/quota.h"

static const struct net_field sg_fields[] = {
    {"name", 's', false, false},     {"description", 's', false, false},
    {"stateful", 'b', false, false}, {"tags", 'a', true, false},
    {NULL, 0, false, false},
};

static const struct net_field rule_fields[] = {
    {"security_group_id", 's', true, false},
    {"direction", 's', true, false},
    {"ethertype", 's', true, false},
    {"protocol", '*', true, false},
    {"port_range_min", '*', true, false},
    {"port_range_max", '*', true, false},
    {"remote_ip_prefix", 'S', true, false},
    {"remote_group_id", 'S', true, false},
    {"remote_address_group_id", 'S', true, false},
    {"description", 's', true, false},
    {NULL, 0, false, false},
};

static json_t *rule_doc(const char *sg, const char *project, const char *direction,
                        const char *ethertype, const char *remote_group)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "security_group_id", sg,
	                      "direction", direction, "ethertype", ethertype, "protocol",
	                      "port_range_min", "port_range_max", "remote_ip_prefix",
	                      "remote_group_id", "remote_address_group_id", "normalized_cidr");
	if (remote_group)
		json_object_set_new(r, "remote_group_id", json_string(remote_group));
	net_stamp_new(r, project);
	return r;
}

static int put_rule(json_t *r, struct api_error *err)
{
	int rc = net_obj_put("security_group_rule", r, err);
	json_decref(r);
	return rc;
}

int net_sg_create_doc(const char *project, const char *name, const char *description,
                      bool is_default, json_t **out, struct api_error *err)
{
	json_t *sg = json_pack("{s:s,s:s,s:b,s:b}", "name", name, "description", description,
	                       "stateful", 1, "shared", 0);
	net_stamp_new(sg, project);
	const char *id = net_str(sg, "id");
	if (net_obj_put("security_group", sg, err) != 0 ||
	    put_rule(rule_doc(id, project, "egress", "IPv4", NULL), err) != 0 ||
	    put_rule(rule_doc(id, project, "egress", "IPv6", NULL), err) != 0 ||
	    (is_default && (put_rule(rule_doc(id, project, "ingress", "IPv4", id), err) != 0 ||
	                    put_rule(rule_doc(id, project, "ingress", "IPv6", id), err) != 0))) {
		json_decref(sg);
		return -1;
	}
	*out = sg;
	return 0;
}

int net_default_sg(const char *project_id, char out[37], struct api_error *err)
{
	struct arena *a = arena_new();
	json_t *all;
	int rc = -1;
	if (net_obj_list(a, "security_group", &all, err) != 0)
		goto out;
	size_t i;
	json_t *sg;
	json_array_foreach(all, i, sg)
	{
		if (!strcmp(net_str(sg, "project_id"), project_id) &&
		    !strcmp(net_str(sg, "name"), "default")) {
			snprintf(out, 37, "%s", net_str(sg, "id"));
			rc = 0;
			goto out;
		}
	}
	json_t *created;
	if (net_sg_create_doc(project_id, "default", "Default security group", true, &created,
	                      err) != 0)
		goto out;
	snprintf(out, 37, "%s", net_str(created, "id"));
	json_decref(created);
	rc = 0;
out:
	arena_free(a);
	return rc;
}

int net_sg_ensure_default(struct http_request *req, struct api_error *err)
{
	const char *project = net_caller_project(req);
	char id[37];
	if (!*project)
		return 0;
	if (db_begin(err) != 0)
		return -1;
	if (net_default_sg(project, id, err) != 0) {
		db_rollback();
		return -1;
	}
	return db_commit(err);
}

json_t *net_sg_view(struct arena *a, json_t *sg, json_t *all_rules)
{
	json_t *v = net_own(a, json_deep_copy(sg));
	json_t *rules = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(all_rules, i,
	                   r) if (!strcmp(net_str(r, "security_group_id"), net_str(sg, "id")))
	    json_array_append(rules, r);
	json_object_set_new(v, "security_group_rules", rules);
	return v;
}

NET_HANDLER(net_sgs_list)
{
	json_t *all, *rules;
	if (net_sg_ensure_default(req, err) != 0 ||
	    net_obj_list(req->arena, "security_group", &all, err) != 0 ||
	    net_obj_list(req->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *sg;
	json_array_foreach(all, i, sg) if (net_visible(req, "security_group", sg))
	    json_array_append(vis, net_sg_view(req->arena, sg, rules));
	return net_reply_list(req, resp, "security_groups", vis, err);
}

NET_HANDLER(net_sgs_create)
{
	struct net_service *ns = net_of(req);
	json_t *in, *rules;
	if (net_body(req, "security_group", &in, err) != 0)
		return -1;
	const char *project;
	if (net_new_project(req, in, &project, err) != 0)
		return -1;
	json_t *tmp = net_own(req->arena, json_object());
	if (net_apply_fields(req, tmp, in, sg_fields, true, "security_group", err) != 0)
		return -1;
	const char *name = net_str(tmp, "name") ? net_str(tmp, "name") : "";
	if (!strcmp(name, "default"))
		return api_fail_typed(err, API_CONFLICT, "SecurityGroupDefaultAlreadyExists",
		                      "Default security group already exists.");
	if (db_begin(err) != 0)
		return -1;
	char def[37];
	json_t *sg;
	if (net_default_sg(project, def, err) != 0 ||
	    net_quota_check(ns, project, NET_Q_SECURITY_GROUP, 1, err) != 0 ||
	    net_sg_create_doc(project, name,
	                      net_str(tmp, "description") ? net_str(tmp, "description") : "", false,
	                      &sg, err) != 0) {
		db_rollback();
		return -1;
	}
	net_own(req->arena, sg);
	if (json_object_get(tmp, "tags") || json_object_get(tmp, "stateful")) {
		json_object_update(sg, tmp);
		json_object_set_new(sg, "name", json_string(name));
		if (net_obj_put("security_group", sg, err) != 0) {
			db_rollback();
			return -1;
		}
	}
	if (db_commit(err) != 0 ||
	    net_obj_list(req->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	net_reply_one(req, resp, 201, "security_group", net_sg_view(req->arena, sg, rules));
	return 0;
}

NET_HANDLER(net_sgs_show)
{
	json_t *sg, *rules;
	if (net_get_visible(req, "security_group", http_param(req, "id"), &sg, err) != 0 ||
	    net_obj_list(req->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "security_group", net_sg_view(req->arena, sg, rules));
	return 0;
}

int net_sg_update_doc(struct http_request *req, json_t *sg, json_t *in, struct api_error *err)
{
	const char *new_name = net_str(in, "name");
	if (new_name && !strcmp(net_str(sg, "name"), "default") && strcmp(new_name, "default"))
		return api_fail_typed(err, API_CONFLICT, "SecurityGroupCannotUpdateDefault",
		                      "Updating default security group not allowed.");
	if (new_name && !strcmp(new_name, "default") && strcmp(net_str(sg, "name"), "default"))
		return api_fail_typed(err, API_CONFLICT, "SecurityGroupDefaultAlreadyExists",
		                      "Default security group already exists.");
	if (net_apply_fields(req, sg, in, sg_fields, false, "security_group", err) != 0)
		return -1;
	net_stamp_update(sg);
	return net_obj_put("security_group", sg, err);
}

NET_HANDLER(net_sgs_update)
{
	json_t *in, *sg, *rules;
	if (net_body(req, "security_group", &in, err) != 0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "security_group", http_param(req, "id"), &sg, err) != 0 ||
	    net_if_match(req, sg, err) != 0 || net_sg_update_doc(req, sg, in, err) != 0 ||
	    db_commit(err) != 0)
		goto fail;
	if (net_obj_list(req->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "security_group", net_sg_view(req->arena, sg, rules));
	return 0;
fail:
	db_rollback();
	return -1;
}

int net_sg_delete_doc(struct http_request *req, json_t *sg, struct api_error *err)
{
	const char *id = net_str(sg, "id");
	json_t *ports, *rules;
	if (net_obj_list(req->arena, "port", &ports, err) != 0 ||
	    net_obj_list(req->arena, "security_group_rule", &rules, err) != 0)
		return -1;
	if (!strcmp(net_str(sg, "name"), "default") && !net_is_admin(req))
		return api_fail_typed(err, API_CONFLICT, "SecurityGroupCannotRemoveDefault",
		                      "Insufficient rights for removing default security group.");
	size_t i, j;
	json_t *p, *g;
	json_array_foreach(ports, i, p) json_array_foreach(
	    json_object_get(p, "security_groups"), j,
	    g) if (!strcmp(json_string_value(g),
	                   id)) return api_fail_typed(err, API_CONFLICT, "SecurityGroupInUse",
	                                              "Security Group %s in use.", id);
	/* Its rules go with it, and so do the rules of other groups that name
	 * it as their remote group (Neutron's ON DELETE CASCADE). */
	json_array_foreach(rules, i, g)
	{
		const char *owner = net_str(g, "security_group_id");
		const char *remote = net_str(g, "remote_group_id");
		if ((!strcmp(owner, id) || (remote && !strcmp(remote, id))) &&
		    net_obj_delete("security_group_rule", net_str(g, "id"), err) != 0)
			return -1;
	}
	return net_obj_delete("security_group", id, err);
}

NET_HANDLER(net_sgs_delete)
{
	json_t *sg;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "security_group", http_param(req, "id"), &sg, err) != 0 ||
	    net_sg_delete_doc(req, sg, err) != 0 || db_commit(err) != 0) {
		db_rollback();
		return -1;
	}
	net_dp_security_changed(net_of(req));
	http_reply_empty(resp, 204);
	return 0;
}

/* ---- rules ---- */

struct proto_name {
	const char *name;
	int number;
};

static const struct proto_name protocols[] = {
    {"icmp", 1},      {"igmp", 2},        {"tcp", 6},         {"egp", 8},
    {"udp", 17},      {"ipv6-encap", 41}, {"ipv6-route", 43}, {"ipv6-frag", 44},
    {"rsvp", 46},     {"gre", 47},        {"esp", 50},        {"ah", 51},
    {"icmpv6", 58},   {"ipv6-icmp", 58},  {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
    {"ospf", 89},     {"pgm", 113},       {"vrrp", 112},      {"sctp", 132},
    {"udplite", 136}, {"dccp", 33},
};

/* Normalizes protocol to a lowercase name or a number string; "any",
 * null, "" mean every protocol (stored as null). */
static int parse_protocol(json_t *v, json_t **out, int *number, struct api_error *err)
{
	*number = -1;
	if (!v || json_is_null(v)) {
		*out = json_null();
		return 0;
	}
	char buf[32];
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	} else if (json_is_string(v)) {
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	} else {
		goto bad;
	}
	for (char *c = buf; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (!*buf || !strcmp(buf, "any")) {
		*out = json_null();
		return 0;
	}
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcmp(protocols[i].name, buf)) {
			*number = protocols[i].number;
			*out = json_string(buf);
			return 0;
		}
	char *end;
	long n = strtol(buf, &end, 10);
	if (*end || n < 0 || n > 255)
		goto bad;
	*number = (int)n;
	*out = json_string(buf);
	return 0;
bad:
	return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupRuleInvalidProtocol",
	                      "Security group rule protocol %s not supported. Only protocol values "
	                      "[None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'icmp', 'icmpv6', 'igmp', "
	                      "'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', 'ipv6-opts', "
	                      "'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', "
	                      "'udplite', 'vrrp'] and integer representations [0 to 255] are "
	                      "supported.",
	                      json_is_string(v) ? json_string_value(v) : "(value)");
}

static int parse_port(json_t *v, const char *field, json_t **out, struct api_error *err)
{
	if (!v || json_is_null(v)) {
		*out = json_null();
		return 0;
	}
	long long n;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && *json_string_value(v)) {
		char *end;
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			goto bad;
	} else {
		goto bad;
	}
	*out = json_integer(n);
	return 0;
bad:
	return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
	                      "Invalid input for %s. Reason: not an integer.", field);
}

static bool is_icmp(int number)
{
	return number == 1 || number == 58;
}

/* The project's rule quota against the rules of the request's view. */
static int net_rule_quota(struct net_service *ns, json_t *rules, const char *project,
                          struct api_error *err)
{
	long long limit;
	bool set;
	if (net_quota_get(project, "security_group_rule", &limit, &set, err) != 0)
		return -1;
	if (!set)
		limit = ns->cfg.quota[NET_Q_SECURITY_GROUP_RULE];
	if (limit < 0)
		return 0;
	long long used = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r)
	{
		const char *p = net_str(r, "project_id");
		if (p && !strcmp(p, project))
			used++;
	}
	if (used + 1 > limit)
		return api_fail_typed(err, API_CONFLICT, "OverQuota",
		                      "Quota exceeded for resources: ['security_group_rule'].");
	return 0;
}

/* For duplicate detection a prefix of everything is no prefix. */
static json_t *any_as_null(json_t *v)
{
	if (!v || (json_is_string(v) && (!strcmp(json_string_value(v), "0.0.0.0/0") ||
	                                 !strcmp(json_string_value(v), "::/0"))))
		return json_null();
	return v;
}

/* rules: every rule, loaded once per request and kept current by the
 * caller (a bulk create checks duplicates and quota against it). */
int net_sg_rule_create_doc(struct http_request *req, json_t *in, json_t *rules, json_t **out,
                           struct api_error *err)
{
	json_t *tmp = net_own(req->arena, json_object());
	if (net_apply_fields(req, tmp, in, rule_fields, true, "security_group_rule", err) != 0)
		return -1;
	const char *sgid = net_str(tmp, "security_group_id");
	const char *dir = net_str(tmp, "direction");
	const char *eth = net_str(tmp, "ethertype") ? net_str(tmp, "ethertype") : "IPv4";
	json_t *sg;
	if (!sgid)
		return api_fail_typed(err, API_BAD_REQUEST, "HTTPBadRequest",
		                      "Failed to parse request. Required attribute "
		                      "'security_group_id' not specified");
	if (!dir || (strcmp(dir, "ingress") && strcmp(dir, "egress")))
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for direction. Reason: '%s' is not in "
		                      "['ingress', 'egress'].",
		                      dir ? dir : "None");
	if (strcmp(eth, "IPv4") && strcmp(eth, "IPv6"))
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for ethertype. Reason: '%s' is not in ['IPv4', "
		    "'IPv6'].",
		    eth);
	if (net_get_owned(req, "security_group", sgid, &sg, err) != 0)
		return -1;
	json_t *proto = NULL, *pmin = NULL, *pmax = NULL;
	int number;
	if (parse_protocol(json_object_get(tmp, "protocol"), &proto, &number, err) != 0)
		return -1;
	net_own(req->arena, proto);
	if (parse_port(json_object_get(tmp, "port_range_min"), "port_range_min", &pmin, err) != 0)
		return -1;
	net_own(req->arena, pmin);
	if (parse_port(json_object_get(tmp, "port_range_max"), "port_range_max", &pmax, err) != 0)
		return -1;
	net_own(req->arena, pmax);
	if (number == 1 && !strcmp(eth, "IPv6")) {
		proto = net_own(req->arena, json_string("ipv6-icmp"));
		number = 58;
	}
	bool has_min = !json_is_null(pmin), has_max = !json_is_null(pmax);
	if ((has_min || has_max) && number < 0)
		return api_fail_typed(err, API_BAD_REQUEST,
		                      "SecurityGroupProtocolRequiredWithPorts",
		                      "Must also specify protocol if port range is given.");
	if (number == 6 || number == 17 || number == 132 || number == 33 || number == 136) {
		if (has_min != has_max && !has_min)
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupInvalidPortRange",
			                      "For TCP/UDP protocols, port_range_min must be <= "
			                      "port_range_max");
		long long lo = has_min ? json_integer_value(pmin) : 0;
		long long hi = has_max ? json_integer_value(pmax) : lo;
		if (has_min && !has_max) {
			pmax = pmin;
			hi = lo;
		}
		if (has_min && (lo < 1 || lo > 65535 || hi < 1 || hi > 65535))
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupInvalidPortValue",
			                      "Invalid value for port %lld.",
			                      lo < 1 || lo > 65535 ? lo : hi);
		if (has_min && lo > hi)
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupInvalidPortRange",
			                      "For TCP/UDP protocols, port_range_min must be <= "
			                      "port_range_max");
	} else if (is_icmp(number)) {
		if (has_min && (json_integer_value(pmin) < 0 || json_integer_value(pmin) > 255))
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupInvalidIcmpValue",
			                      "Invalid value for ICMP type %lld.",
			                      (long long)json_integer_value(pmin));
		if (has_max && (json_integer_value(pmax) < 0 || json_integer_value(pmax) > 255))
			return api_fail_typed(err, API_BAD_REQUEST, "SecurityGroupInvalidIcmpValue",
			                      "Invalid value for ICMP code %lld.",
			                      (long long)json_integer_value(pmax));
		if (has_max && !has_min)
			return api_fail_typed(
			    err, API_BAD_REQUEST, "SecurityGroupMissingIcmpType",
			    "ICMP code (port-range-max) %lld is provided but ICMP type "
			    "(port-range-min) is missing.",
			    (long long)json_integer_value(pmax));
	} else if (has_min || has_max) {
		return api_fail_typed(
		    err, API_BAD_REQUEST, "InvalidInput",
		    "Invalid input for operation: port range is only valid for TCP, "
		    "UDP, SCTP, DCCP, UDP-Lite and ICMP.");
	}
	const char *prefix = net_str(tmp, "remote_ip_prefix");
	const char *rgroup = net_str(tmp, "remote_group_id");
	if (prefix && rgroup)
		return api_fail_typed(err, API_BAD_REQUEST, "InvalidInput",
		                      "Invalid input for operation: Only remote_ip_prefix or "
		                      "remote_group_id may be provided.");
	json_t *normalized = json_null();
	if (prefix) {
		struct net_cidr c;
		int v;
		net_u128 x;
		char buf[64];
		if (net_cidr_parse(prefix, false, &c) != 0) {
			if (net_ip_parse(prefix, &v, &x) != 0)
				return api_fail_typed(
				    err, API_BAD_REQUEST, "InvalidInput",
				    "Invalid input for remote_ip_prefix. Reason: '%s' is "
				    "not a valid IP subnet.",
				    prefix);
			c = (struct net_cidr){v, x, v == 4 ? 32 : 128};
		}
		if ((c.version == 4) != !strcmp(eth, "IPv4"))
			return api_fail_typed(
			    err, API_BAD_REQUEST, "SecurityGroupRuleParameterConflict",
			    "Conflicting value ethertype %s for CIDR %s", eth, prefix);
		net_cidr_format(&c, buf, sizeof(buf));
		normalized = json_string(buf);
	}
	if (rgroup) {
		json_t *rg;
		if (net_get_visible(req, "security_group", rgroup, &rg, err) != 0)
			return -1;
	}
	json_t *r = net_own(req->arena, json_object());
	json_object_set_new(r, "security_group_id", json_string(sgid));
	json_object_set_new(r, "direction", json_string(dir));
	json_object_set_new(r, "ethertype", json_string(eth));
	json_object_set(r, "protocol", proto);
	json_object_set(r, "port_range_min", pmin);
	json_object_set(r, "port_range_max", pmax);
	json_object_set_new(r, "remote_ip_prefix", prefix ? json_string(prefix) : json_null());
	json_object_set_new(r, "normalized_cidr", normalized);
	json_object_set_new(r, "remote_group_id", rgroup ? json_string(rgroup) : json_null());
	json_object_set_new(r, "remote_address_group_id", json_null());
	if (net_str(tmp, "description"))
		json_object_set(r, "description", json_object_get(tmp, "description"));
	/* Same rule twice is a conflict. */
	static const char *const same[] = {"security_group_id", "direction",       "ethertype",
	                                   "protocol",          "port_range_min",  "port_range_max",
	                                   "normalized_cidr",   "remote_group_id", NULL};
	size_t i;
	json_t *o;
	json_array_foreach(rules, i, o)
	{
		bool eq = true;
		for (size_t k = 0; same[k] && eq; k++) {
			json_t *a = json_object_get(o, same[k]), *b = json_object_get(r, same[k]);
			eq = json_equal(any_as_null(a), any_as_null(b));
		}
		if (eq)
			return api_fail_typed(err, API_CONFLICT, "SecurityGroupRuleExists",
			                      "Security group rule already exists. Rule id is %s.",
			                      net_str(o, "id"));
	}
	net_stamp_new(r, net_str(sg, "project_id"));
	if (net_rule_quota(net_of(req), rules, net_str(sg, "project_id"), err) != 0 ||
	    net_obj_put("security_group_rule", r, err) != 0)
		return -1;
	json_array_append(rules, r);
	/* A rule change is a change of its group. */
	net_stamp_update(sg);
	if (net_obj_put("security_group", sg, err) != 0)
		return -1;
	*out = r;
	return 0;
}

NET_HANDLER(net_sgrs_list)
{
	json_t *all, *groups;
	if (net_sg_ensure_default(req, err) != 0 ||
	    net_obj_list(req->arena, "security_group_rule", &all, err) != 0 ||
	    net_obj_list(req->arena, "security_group", &groups, err) != 0)
		return -1;
	json_t *vis = net_own(req->arena, json_array());
	size_t i;
	json_t *r;
	json_array_foreach(all, i, r) if (net_visible(req, "security_group_rule", r))
	    json_array_append(vis, r);
	return net_reply_list(req, resp, "security_group_rules", vis, err);
}

NET_HANDLER(net_sgrs_create)
{
	json_t *items;
	bool bulk;
	if (net_body_bulk(req, "security_group_rule", "security_group_rules", &items, &bulk, err) !=
	    0)
		return -1;
	if (db_begin(err) != 0)
		return -1;
	json_t *created = net_own(req->arena, json_array());
	json_t *rules;
	if (net_obj_list(req->arena, "security_group_rule", &rules, err) != 0) {
		db_rollback();
		return -1;
	}
	size_t i;
	json_t *in;
	json_array_foreach(items, i, in)
	{
		json_t *r = NULL;
		if (net_sg_rule_create_doc(req, in, rules, &r, err) != 0) {
			db_rollback();
			return -1;
		}
		json_array_append(created, r);
	}
	if (db_commit(err) != 0)
		return -1;
	net_dp_security_changed(net_of(req));
	if (!bulk) {
		net_reply_one(req, resp, 201, "security_group_rule", json_array_get(created, 0));
		return 0;
	}
	http_reply_json(resp, 201, json_pack("{s:O}", "security_group_rules", created));
	return 0;
}

NET_HANDLER(net_sgrs_show)
{
	json_t *r;
	if (net_get_visible(req, "security_group_rule", http_param(req, "id"), &r, err) != 0)
		return -1;
	net_reply_one(req, resp, 200, "security_group_rule", r);
	return 0;
}

NET_HANDLER(net_sgrs_delete)
{
	json_t *r, *sg;
	if (db_begin(err) != 0)
		return -1;
	if (net_get_owned(req, "security_group_rule", http_param(req, "id"), &r, err) != 0 ||
	    net_obj_delete("security_group_rule", net_str(r, "id"), err) != 0)
		goto fail;
	if (net_obj_try(req->arena, "security_group", net_str(r, "security_group_id"), &sg, err) !=
	    0)
		goto fail;
	if (sg) {
		net_stamp_update(sg);
		if (net_obj_put("security_group", sg, err) != 0)
			goto fail;
	}
	if (db_commit(err) != 0)
		goto fail;
	net_dp_security_changed(net_of(req));
	http_reply_empty(resp, 204);
	return 0;
fail:
	db_rollback();
	return -1;
}
