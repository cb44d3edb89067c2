/* radvd per router (see ra.h). */
#include "network/dataplane/ra.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/dataplane/run.h"

static json_t *subnet_of(json_t *subnets, const char *id)
{
	size_t i;
	json_t *s;
	json_array_foreach(subnets, i, s) if (!strcmp(net_str(s, "id"), id)) return s;
	return NULL;
}

char *dp_ra_conf(const char *router_id, json_t *ports, json_t *subnets, unsigned mtu)
{
	char *text = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&text, &len);
	json_t *p, *fx;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner"), *dev = net_str(p, "device_id");
		if (!own || !dev || strcmp(own, "network:router_interface") ||
		    strcmp(dev, router_id))
			continue;
		char qr[16];
		net_dp_names(net_str(p, "id"), "qr-", qr);
		bool open = false, managed = false, other = false;
		char prefixes[2048] = "";
		size_t pl = 0;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, fx)
		{
			json_t *s = subnet_of(subnets, net_str(fx, "subnet_id"));
			const char *mode = s ? net_str(s, "ipv6_ra_mode") : NULL;
			if (!mode || json_integer_value(json_object_get(s, "ip_version")) != 6)
				continue;
			bool stateful = !strcmp(mode, "dhcpv6-stateful");
			bool stateless = !strcmp(mode, "dhcpv6-stateless");
			managed |= stateful;
			other |= stateful || stateless;
			open = true;
			pl += (size_t)snprintf(
			    prefixes + pl, pl < sizeof(prefixes) ? sizeof(prefixes) - pl : 0,
			    "\tprefix %s {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous %s;\n\t};\n",
			    net_str(s, "cidr"), stateful ? "off" : "on");
		}
		if (!open)
			continue;
		/* Neutron's radvd intervals; guests that ask (RS) are answered at once. */
		fprintf(f,
		        "interface %s {\n\tAdvSendAdvert on;\n\tMinRtrAdvInterval 30;\n"
		        "\tMaxRtrAdvInterval 100;\n\tAdvLinkMTU %u;\n\tAdvManagedFlag %s;\n"
		        "\tAdvOtherConfigFlag %s;\n%s};\n",
		        qr, mtu, managed ? "on" : "off", other ? "on" : "off", prefixes);
	}
	fclose(f);
	return text;
}

static void ra_dir(const char *state_dir, const char *router_id, char *out, size_t n)
{
	snprintf(out, n, "%s/ra/%s", state_dir, router_id);
}

static void stop(const char *dir, const char *router_id)
{
	char pidf[4300];
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	pid_t pid = dp_pidfile_alive(pidf, router_id);
	if (pid > 0) {
		kill(pid, SIGTERM);
		dp_reap(pid);
		for (int i = 0; i < 50 && dp_pidfile_alive(pidf, router_id); i++)
			usleep(20000);
	}
	unlink(pidf);
}

void dp_ra_remove(const char *state_dir, const char *router_id)
{
	char dir[4200], path[4300];
	ra_dir(state_dir, router_id, dir, sizeof(dir));
	stop(dir, router_id);
	const char *files[] = {"conf", "log", "radvd.pid"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 65536);
	if (buf)
		(void)!fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

int dp_ra_sync(struct net_service *ns, const char *router_id, json_t *ports, json_t *subnets,
               struct api_error *err)
{
	char *conf = dp_ra_conf(router_id, ports, subnets, ns->cfg.mtu);
	if (!conf)
		return api_fail(err, API_INTERNAL, "out of memory");
	char dir[4200], path[4300], tmp[4310], pidf[4300], logp[4300];
	int rc = -1;
	ra_dir(ns->state_dir, router_id, dir, sizeof(dir));
	if (!*conf) {
		dp_ra_remove(ns->state_dir, router_id);
		rc = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ra", ns->state_dir);
	mkdir(path, 0700);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	char *old = read_all(path);
	bool same = old && !strcmp(old, conf);
	free(old);
	if (same && dp_pidfile_alive(pidf, router_id) > 0) {
		rc = 0;
		goto out;
	}
	stop(dir, router_id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(conf, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		api_fail(err, API_INTERNAL, "cannot write %s", path);
		goto out;
	}
	snprintf(logp, sizeof(logp), "%s/log", dir);
	/* radvd's own pid file apart from ours: it locks it. */
	rc = dp_spawn_child(err, logp, pidf,
	                    "ip netns exec qrouter-%s radvd -n -m stderr -C %s -p %s/radvd.pid",
	                    router_id, path, dir);
	if (rc == 0)
		log_info("msg=\"radvd started\" router=%s", router_id);
out:
	free(conf);
	return rc;
}
