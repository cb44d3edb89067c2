/* Keystone's token document: {"token": {"methods", "user", "audit_ids",
 * "expires_at", "issued_at", scope, "roles", "catalog", ...}}, the same
 * for a new token and a validated one. */
#include "core/ids.h"
#include "identity/internal.h"

static json_t *methods_json(unsigned methods)
{
	json_t *m = json_array();
	if (methods & IDENTITY_METHOD_TOKEN)
		json_array_append_new(m, json_string("token"));
	if (methods & IDENTITY_METHOD_PASSWORD)
		json_array_append_new(m, json_string("password"));
	if (methods & IDENTITY_METHOD_APP_CRED)
		json_array_append_new(m, json_string("application_credential"));
	return m;
}

json_t *identity_token_body(struct identity_state *st, const struct identity_auth *auth,
                            bool catalog, struct api_error *err)
{
	char issued[28], expires[28];
	ids_time_iso_us(auth->issued_at, issued);
	ids_time_iso_us(auth->expires_at, expires);
	json_t *audit = json_pack("[s]", auth->audit_id);
	if (auth->parent_audit_id)
		json_array_append_new(audit, json_string(auth->parent_audit_id));
	json_t *tok = json_pack("{s:o,s:{s:{s:s,s:s},s:s,s:s,s:n},s:o,s:s,s:s}", "methods",
	                        methods_json(auth->methods), "user", "domain", "id",
	                        auth->user_domain_id, "name", auth->user_domain_name, "id",
	                        auth->user_id, "name", auth->user_name, "password_expires_at",
	                        "audit_ids", audit, "expires_at", expires, "issued_at", issued);
	if (auth->project_id) {
		json_object_set_new(tok, "project",
		                    json_pack("{s:{s:s,s:s},s:s,s:s}", "domain", "id",
		                              auth->project_domain_id, "name",
		                              auth->project_domain_name, "id", auth->project_id,
		                              "name", auth->project_name));
		json_object_set_new(tok, "is_domain", json_false());
	} else if (auth->domain_id) {
		json_object_set_new(
		    tok, "domain",
		    json_pack("{s:s,s:s}", "id", auth->domain_id, "name", auth->domain_name));
	} else if (auth->system) {
		json_object_set_new(tok, "system", json_pack("{s:b}", "all", 1));
	}
	bool scoped = auth->project_id || auth->domain_id || auth->system;
	if (scoped) {
		json_t *roles = json_array();
		for (size_t i = 0; i < auth->nroles; i++)
			json_array_append_new(roles, json_pack("{s:s,s:s}", "id", auth->role_ids[i],
			                                       "name", auth->roles[i]));
		json_object_set_new(tok, "roles", roles);
		if (catalog) {
			json_t *cat = identity_catalog(st, auth->project_id, err);
			if (!cat) {
				json_decref(tok);
				return NULL;
			}
			json_object_set_new(tok, "catalog", cat);
		}
	}
	if (auth->app_cred_id)
		json_object_set_new(tok, "application_credential",
		                    json_pack("{s:s,s:s,s:b}", "id", auth->app_cred_id, "name",
		                              auth->app_cred_name ? auth->app_cred_name : "",
		                              "restricted", !auth->app_cred_unrestricted));
	return json_pack("{s:o}", "token", tok);
}
