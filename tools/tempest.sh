#!/bin/bash
# Runs Debian's Tempest against a fresh stackd (API only: the compute fake
# driver, no network data plane) and prints its summary.
# Usage: tools/tempest.sh REGEX [WORKERS]   e.g. tools/tempest.sh '^tempest\.api\.network'
# Leaves the workspace (tempest.conf, logs, subunit stream) in the printed
# directory. Needs python3-tempest (in `make deps`).
set -eu
regex=${1:?usage: tools/tempest.sh REGEX [WORKERS]}
workers=${2:-2}
cd "$(dirname "$0")/.."
[ -x build/stackd ] || make -s
work=$(mktemp -d /var/tmp/tempest.XXXXXX)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pw=tempest-$RANDOM$RANDOM
build/stackd serve --data-dir "$work/data" --listen "127.0.0.1:$port" --admin-password "$pw" \
	--compute.driver fake >"$work/stackd.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthcheck" >/dev/null && break; sleep 0.1; done
export OS_CLIENT_CONFIG_FILE=$work/data/clouds.yaml OS_CLOUD=stackd
img=$(openstack image create --public --disk-format qcow2 --container-format bare --file build/guest/tiny.qcow2 tempest-img -f value -c id 2>/dev/null ||
	openstack image create --public --disk-format raw --container-format bare tempest-img -f value -c id)
img2=$(openstack image create --public --disk-format raw --container-format bare --file /dev/null tempest-img2 -f value -c id)
pub=$(openstack network show public -f value -c id)
# the newest compute microversion the cloud advertises
mv_max=$(curl -fs "http://127.0.0.1:$port/compute/v2.1" |
	/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["version"]["version"])')
# what Tempest may test: the extensions and object-store features we list
exts=$(openstack extension list --network -f value -c Alias | paste -sd, -)
cd "$work"
tempest init --name "stackd-$(basename "$work")" ws >/dev/null
cat >ws/etc/tempest.conf <<CONF
[DEFAULT]
log_file = tempest.log
[auth]
admin_username = admin
admin_password = $pw
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = true
[identity]
uri_v3 = http://127.0.0.1:$port/identity/v3
auth_version = v3
region = RegionOne
[identity-feature-enabled]
api_v2 = false
[compute]
image_ref = $img
image_ref_alt = $img2
flavor_ref = 1
flavor_ref_alt = 2
min_microversion = 2.1
max_microversion = $mv_max
fixed_network_name =
[compute-feature-enabled]
console_output = true
resize = true
pause = true
suspend = true
rescue = true
shelve = true
snapshot = true
interface_attach = true
change_password = false
live_migration = false
block_migration_for_live_migration = false
cold_migration = false
vnc_console = false
serial_console = false
spice_console = false
[network]
public_network_id = $pub
floating_network_name = public
project_network_cidr = 10.100.0.0/16
[network-feature-enabled]
api_extensions = $exts
ipv6 = true
ipv6_subnet_attributes = true
[validation]
run_validation = false
[service_available]
cinder = false
neutron = true
glance = true
swift = true
nova = true
[object-storage]
reseller_admin_role = ResellerAdmin
[object-storage-feature-enabled]
container_sync = false
discoverable_apis = slo,bulk_delete,bulk_upload,tempurl,account_quotas,container_quotas,versioned_writes,formpost
CONF
cd ws
tempest run --concurrency "$workers" --regex "$regex" >"$work/run.log" 2>&1 || true
grep -E "^ - (Passed|Failed|Skipped)" "$work/run.log" || tail -n 20 "$work/run.log"
echo "workspace: $work"
