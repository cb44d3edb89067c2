/* Bridges, taps, veth pairs and namespaces (see links.h), driven with
 * iproute2. Existence checks first, so re-applying is cheap and safe. */
#include "network/dataplane/links.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "network/dataplane/run.h"

void dp_record_add(const char *state_dir, const char *kind, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", state_dir, kind);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", state_dir, kind, name);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
}

void dp_record_del(const char *state_dir, const char *kind, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", state_dir, kind, name);
	unlink(path);
}

void dp_record_each(const char *state_dir, const char *kind,
                    void (*fn)(void *cls, const char *name), void *cls)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", state_dir, kind);
	DIR *d = opendir(path);
	if (!d)
		return;
	/* Collect first: fn may delete records. */
	char names[1024][64];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024)
		if (e->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%.63s", e->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		fn(cls, names[i]);
}

static int set_addrs(struct api_error *err, const char *nsname, const char *dev,
                     const char *const *addrs, size_t naddrs)
{
	char out[8192];
	char nsopt[300] = "";
	if (nsname)
		snprintf(nsopt, sizeof(nsopt), "-n %s ", nsname);
	if (dp_run(err, NULL, out, sizeof(out), "ip %s-o addr show dev %s", nsopt, dev) != 0)
		return -1;
	/* Remove global addresses not wanted. */
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = strstr(line, " inet ");
		if (!p)
			p = strstr(line, " inet6 ");
		if (!p || strstr(line, "scope link"))
			continue;
		p = strchr(p + 1, ' ') + 1;
		char addr[80];
		if (sscanf(p, "%79s", addr) != 1)
			continue;
		bool wanted = false;
		for (size_t i = 0; i < naddrs; i++)
			if (!strcmp(addrs[i], addr))
				wanted = true;
		struct api_error e2 = {0};
		if (!wanted &&
		    dp_run(&e2, NULL, NULL, 0, "ip %saddr del %s dev %s", nsopt, addr, dev))
			log_warn("msg=\"cannot remove address\" dev=%s addr=%s error=\"%s\"", dev,
			         addr, e2.message);
	}
	for (size_t i = 0; i < naddrs; i++)
		if (dp_run(err, NULL, NULL, 0, "ip %saddr replace %s dev %s", nsopt, addrs[i],
		           dev) != 0)
			return -1;
	return 0;
}

int dp_bridge_ensure(const char *state_dir, const char *name, const char *const *addrs,
                     size_t naddrs, unsigned mtu, struct api_error *err)
{
	if (!dp_link_exists(name)) {
		dp_record_add(state_dir, "links", name);
		if (dp_run(err, NULL, NULL, 0, "ip link add %s mtu %u type bridge forward_delay 0",
		           name, mtu) != 0)
			return -1;
		/* No IPv6 autoconfiguration on tenant bridges: the host has no
		 * business on tenant networks. */
		if (!naddrs)
			dp_run(err, NULL, NULL, 0, "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1",
			       name);
	}
	if (naddrs && set_addrs(err, NULL, name, addrs, naddrs) != 0)
		return -1;
	return dp_run(err, NULL, NULL, 0, "ip link set %s up", name);
}

/* fe:.. for the host side of a guest NIC, as libvirt does, so the bridge
 * never confuses the tap with the guest. */
static void host_mac(const char *mac, char out[18])
{
	snprintf(out, 18, "fe%s", mac + 2);
}

int dp_tap_ensure(const char *state_dir, const char *tap, const char *mac, const char *bridge,
                  unsigned mtu, struct api_error *err)
{
	char hm[18];
	host_mac(mac, hm);
	if (!dp_link_exists(tap)) {
		dp_record_add(state_dir, "links", tap);
		if (dp_run(err, NULL, NULL, 0, "ip tuntap add dev %s mode tap", tap) != 0)
			return -1;
	}
	return dp_run(err, "", NULL, 0, "ip link set %s address %s mtu %u master %s up", tap, hm,
	              mtu, bridge);
}

int dp_netns_ensure(const char *state_dir, const char *name, struct api_error *err)
{
	if (dp_netns_exists(name))
		return 0;
	dp_record_add(state_dir, "netns", name);
	if (dp_run(err, NULL, NULL, 0, "ip netns add %s", name) != 0)
		return -1;
	return dp_run(err, NULL, NULL, 0, "ip -n %s link set lo up", name);
}

int dp_veth_ensure(const char *state_dir, const char *host, const char *peer, const char *nsname,
                   const char *bridge, const char *mac, const char *const *addrs, size_t naddrs,
                   unsigned mtu, struct api_error *err)
{
	if (!dp_link_exists(host)) {
		dp_record_add(state_dir, "links", host);
		if (dp_run(err, NULL, NULL, 0,
		           "ip link add %s mtu %u type veth peer name %s netns %s", host, mtu, peer,
		           nsname) != 0)
			return -1;
	}
	if (dp_run(err, NULL, NULL, 0, "ip link set %s master %s up", host, bridge) != 0 ||
	    dp_run(err, NULL, NULL, 0, "ip -n %s link set %s address %s mtu %u up", nsname, peer,
	           mac, mtu) != 0)
		return -1;
	return set_addrs(err, nsname, peer, addrs, naddrs);
}

void dp_link_delete(const char *state_dir, const char *name)
{
	struct api_error err = {0};
	/* A veth end may vanish by itself (its peer's namespace went). */
	if (dp_link_exists(name) && dp_run(&err, NULL, NULL, 0, "ip link del %s", name) != 0 &&
	    dp_link_exists(name))
		log_warn("msg=\"cannot delete link\" name=%s error=\"%s\"", name, err.message);
	dp_record_del(state_dir, "links", name);
}

void dp_netns_delete(const char *state_dir, const char *name)
{
	struct api_error err = {0};
	if (dp_netns_exists(name) && dp_run(&err, NULL, NULL, 0, "ip netns del %s", name) != 0)
		log_warn("msg=\"cannot delete namespace\" name=%s error=\"%s\"", name, err.message);
	dp_record_del(state_dir, "netns", name);
}
