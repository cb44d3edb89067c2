/* GET /extensions and /extensions/{alias}: Nova's frozen list of the v2
 * "extensions" the 2.1 API carries, kept for old clients. Stackd lists the
 * ones whose behaviour it serves (the table below); those it does not
 * (cells, cloudpipe, agents, bare metal, volumes, nova-network's bulk and
 * DNS floating IPs, fping, certificates, per-user quotas, several status
 * values in one server filter, preserve_ephemeral) are left out rather than listed
 * and broken. */
#include <string.h>

#include "compute/internal.h"

static const struct {
	const char *alias, *name, *description;
} extensions[] = {
    {"NMN", "Multinic", "Multiple network support."},
    {"OS-DCF", "DiskConfig", "Disk Management Extension."},
    {"OS-EXT-AZ", "ExtendedAvailabilityZone", "Extended Availability Zone support."},
    {"OS-EXT-IPS", "ExtendedIps", "Adds type parameter to the ip list."},
    {"OS-EXT-IPS-MAC", "ExtendedIpsMac", "Adds mac address parameter to the ip list."},
    {"OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Extended Server Attributes support."},
    {"OS-EXT-STS", "ExtendedStatus", "Extended Status support."},
    {"OS-FLV-DISABLED", "FlavorDisabled", "Support to show the disabled status of a flavor."},
    {"OS-FLV-EXT-DATA", "FlavorExtraData", "Provide additional data for flavors."},
    {"OS-SCH-HNT", "SchedulerHints", "Pass arbitrary key/value pairs to the scheduler."},
    {"OS-SRV-USG", "ServerUsage", "Adds launched_at and terminated_at on Servers."},
    {"os-access-ips", "AccessIPs", "Access IPs support."},
    {"os-admin-actions", "AdminActions", "Enable admin-only server actions."},
    {"os-admin-password", "AdminPassword", "Admin password management support."},
    {"os-aggregates", "Aggregates", "Admin-only aggregate administration."},
    {"os-attach-interfaces", "AttachInterfaces", "Attach interface support."},
    {"os-availability-zone", "AvailabilityZone",
     "1. Add availability_zone to the Create Server API. 2. Add availability zones describing."},
    {"os-block-device-mapping-v2-boot", "BlockDeviceMappingV2Boot",
     "Allow boot with the new BDM data format."},
    {"os-config-drive", "ConfigDrive", "Config Drive Extension."},
    {"os-console-auth-tokens", "ConsoleAuthTokens", "Console token authentication support."},
    {"os-console-output", "ConsoleOutput", "Console log output support, with tailing ability."},
    {"os-consoles", "Consoles", "Interactive Console support."},
    {"os-create-backup", "CreateBackup", "Create a backup of a server."},
    {"os-deferred-delete", "DeferredDelete", "Instance deferred delete."},
    {"os-evacuate", "Evacuate", "Enables server evacuation."},
    {"os-extended-hypervisors", "ExtendedHypervisors", "Extended hypervisors support."},
    {"os-extended-quotas", "ExtendedQuotas",
     "Adds ability for admins to delete quota and optionally force the update Quota command."},
    {"os-extended-rescue-with-image", "ExtendedRescueWithImage",
     "Support to specify image ref to rescue."},
    {"os-extended-services", "ExtendedServices", "Extended services support."},
    {"os-extended-services-delete", "ExtendedServicesDelete",
     "Extended services deletion support."},
    {"os-extended-status", "ExtendedStatus", "Extended Status support."},
    {"os-extended-volumes", "ExtendedVolumes", "Extended Volumes support."},
    {"os-flavor-access", "FlavorAccess", "Flavor access support."},
    {"os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support."},
    {"os-flavor-manage", "FlavorManage", "Flavor create/delete API support."},
    {"os-flavor-rxtx", "FlavorRxtx", "Support to show the rxtx status of a flavor."},
    {"os-flavor-swap", "FlavorSwap", "Support to show the swap status of a flavor."},
    {"os-hosts", "Hosts", "Admin-only host administration."},
    {"os-hypervisor-status", "HypervisorStatus", "Show hypervisor status."},
    {"os-hypervisors", "Hypervisors", "Admin-only hypervisor administration."},
    {"os-instance-actions", "InstanceActions",
     "View a log of actions and events taken on an instance."},
    {"os-keypairs", "Keypairs", "Keypair Support."},
    {"os-lock-server", "LockServer", "Enable lock/unlock server actions."},
    {"os-migrate-server", "MigrateServer", "Enable migrate and live-migrate server actions."},
    {"os-migrations", "Migrations", "Provide data on migrations."},
    {"os-multiple-create", "MultipleCreate",
     "Allow multiple create in the Create Server v2.1 API."},
    {"os-pause-server", "PauseServer", "Enable pause/unpause server actions."},
    {"os-quota-class-sets", "QuotaClasses", "Quota classes management support."},
    {"os-quota-sets", "Quotas", "Quotas management support."},
    {"os-rescue", "Rescue", "Instance rescue mode."},
    {"os-server-diagnostics", "ServerDiagnostics",
     "Allow Admins to view server diagnostics through server action."},
    {"os-server-group-quotas", "ServerGroupQuotas", "Adds quota support to server groups."},
    {"os-server-groups", "ServerGroups", "Server group support."},
    {"os-server-sort-keys", "ServerSortKeys", "Add sorting support in get Server v2 API."},
    {"os-server-start-stop", "ServerStartStop", "Start/Stop instance compute API support."},
    {"os-services", "Services", "Services support."},
    {"os-shelve", "Shelve", "Instance shelve mode."},
    {"os-simple-tenant-usage", "SimpleTenantUsage", "Simple tenant usage extension."},
    {"os-suspend-server", "SuspendServer", "Enable suspend/resume server actions."},
    {"os-used-limits", "UsedLimits", "Provide data on limited resources that are being used."},
    {"os-used-limits-for-admin", "UsedLimitsForAdmin",
     "Provide data to admin on limited resources used by other tenants."},
    {"os-user-data", "UserData", "Add user_data to the Create Server API."},
};

static json_t *extension_json(size_t i)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[]}", "alias", extensions[i].alias, "name",
	                 extensions[i].name, "description", extensions[i].description, "namespace",
	                 "http://docs.openstack.org/compute/ext/fake_xml", "updated",
	                 "2014-12-03T00:00:00Z", "links");
}

COMPUTE_HANDLER(compute_extension_list)
{
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		json_array_append_new(list, extension_json(i));
	http_reply_json(resp, 200, json_pack("{s:o}", "extensions", list));
	return 0;
}

COMPUTE_HANDLER(compute_extension_show)
{
	const char *alias = http_param(req, "alias");
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (strcmp(extensions[i].alias, alias) == 0) {
			http_reply_json(resp, 200,
			                json_pack("{s:o}", "extension", extension_json(i)));
			return 0;
		}
	return api_fail(err, API_NOT_FOUND, "The resource could not be found.");
}
