/* One RTM_GETLINK request for one device and its IFLA_STATS64 answer. */
#include "compute/drivers/link_stats.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_answer(const char *buf, size_t len, struct link_stats *out)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, len);
	     h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			return e->error ? e->error : -EPROTO;
		}
		if (h->nlmsg_type != RTM_NEWLINK)
			continue;
		const struct ifinfomsg *ifi = NLMSG_DATA(h);
		int alen = (int)IFLA_PAYLOAD(h);
		for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen);
		     a = RTA_NEXT(a, alen)) {
			if (a->rta_type != IFLA_STATS64 ||
			    RTA_PAYLOAD(a) < sizeof(struct rtnl_link_stats64))
				continue;
			struct rtnl_link_stats64 s;
			memcpy(&s, RTA_DATA(a), sizeof(s)); /* attributes are only 4-aligned */
			*out = (struct link_stats){
			    .rx_bytes = s.rx_bytes,
			    .rx_packets = s.rx_packets,
			    .rx_errors = s.rx_errors,
			    .rx_dropped = s.rx_dropped,
			    .tx_bytes = s.tx_bytes,
			    .tx_packets = s.tx_packets,
			    .tx_errors = s.tx_errors,
			    .tx_dropped = s.tx_dropped,
			};
			return 0;
		}
	}
	return -ENODATA;
}

int link_stats_read(const char *name, struct link_stats *out, struct api_error *err)
{
	unsigned index = if_nametoindex(name);
	if (index == 0)
		return api_fail(err, API_NOT_FOUND, "no network device %s", name);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return api_fail(err, API_INTERNAL, "netlink socket: %s", strerror(errno));
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
	    .h = {.nlmsg_len = sizeof(req),
	          .nlmsg_type = RTM_GETLINK,
	          .nlmsg_flags = NLM_F_REQUEST,
	          .nlmsg_seq = 1},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)index},
	};
	char buf[16384];
	ssize_t n = -1;
	if (send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req))
		n = recv(fd, buf, sizeof(buf), 0);
	int saved = errno;
	close(fd);
	if (n <= 0)
		return api_fail(err, API_INTERNAL, "netlink RTM_GETLINK %s: %s", name,
		                n < 0 ? strerror(saved) : "no answer");
	int rc = parse_answer(buf, (size_t)n, out);
	if (rc == -ENODEV)
		return api_fail(err, API_NOT_FOUND, "no network device %s", name);
	if (rc != 0)
		return api_fail(err, API_INTERNAL, "netlink RTM_GETLINK %s: %s", name,
		                strerror(-rc));
	return 0;
}
