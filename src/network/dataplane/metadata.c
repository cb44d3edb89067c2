/* The metadata server (see metadata.h): one thread polling every
 * namespace's listening socket, answering one request per connection
 * (HTTP/1.0 semantics, Connection: close), with short timeouts so that a
 * guest cannot hold the thread. */
#include "network/dataplane/metadata.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "network/api.h"
#include "network/dataplane/dp.h"
#include "network/dataplane/md_request.h"

#define MD_MAX 1024

struct md_listener {
	int fd;
	bool is_router;
	char id[37];
};

struct net_metadata_server {
	pthread_t thread;
	int wake[2];
	pthread_mutex_t lock;
	struct md_listener l[MD_MAX];
	size_t n;
	/* Listeners removed while the thread may still poll them: it closes
	 * them itself, once it no longer holds a copy. */
	int dead[MD_MAX];
	size_t ndead;
	bool stop;
};

/* A socket bound to 169.254.169.254:80 inside namespace nsname. */
static int open_in_ns(const char *nsname, struct api_error *err)
{
	char path[300];
	snprintf(path, sizeof(path), "/run/netns/%s", nsname);
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	int fd = -1;
	if (self < 0 || target < 0) {
		api_fail(err, API_INTERNAL, "cannot open namespace %s: %s", nsname,
		         strerror(errno));
		goto out;
	}
	if (setns(target, CLONE_NEWNET) != 0) {
		api_fail(err, API_INTERNAL, "setns %s: %s", nsname, strerror(errno));
		goto out;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "169.254.169.254", &sa.sin_addr);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0) {
			api_fail(err, API_INTERNAL, "metadata listener in %s: %s", nsname,
			         strerror(errno));
			close(fd);
			fd = -1;
		}
	} else {
		api_fail(err, API_INTERNAL, "socket: %s", strerror(errno));
	}
	if (setns(self, CLONE_NEWNET) != 0) {
		/* Cannot happen with our own namespace's descriptor; if it
		 * does, this thread must not go on in the wrong namespace. */
		log_error("msg=\"setns back failed\" error=\"%s\"", strerror(errno));
		abort();
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

static void reply(int fd, int status, const char *ctype, const char *body, size_t len)
{
	char head[512];
	const char *reason = md_reason(status);
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, reason, ctype, len);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

/* The network of a source address seen by a router's listener: the
 * attached subnet that contains it. */
static int network_of_router_source(struct arena *a, const char *router_id, const char *src,
                                    const char **network_id)
{
	struct api_error err = {0};
	json_t *ports, *subnets;
	*network_id = NULL;
	if (net_obj_list(a, "port", &ports, &err) != 0 ||
	    net_obj_list(a, "subnet", &subnets, &err) != 0)
		return -1;
	int v;
	net_u128 x;
	if (net_ip_parse(src, &v, &x) != 0)
		return -1;
	size_t i, j, k;
	json_t *p, *f, *s;
	json_array_foreach(ports, i, p)
	{
		const char *own = net_str(p, "device_owner"), *dev = net_str(p, "device_id");
		if (!own || strcmp(own, "network:router_interface") || !dev ||
		    strcmp(dev, router_id))
			continue;
		json_array_foreach(json_object_get(p, "fixed_ips"), j, f)
		    json_array_foreach(subnets, k, s)
		{
			struct net_cidr c;
			if (strcmp(net_str(s, "id"), net_str(f, "subnet_id")) ||
			    net_cidr_parse(net_str(s, "cidr"), false, &c) != 0)
				continue;
			if (net_cidr_contains(&c, v, x)) {
				*network_id = net_str(p, "network_id");
				return 0;
			}
		}
	}
	return -1;
}

static bool is_network_data(const char *path)
{
	const char *p = strstr(path, "/network_data.json");
	return !strncmp(path, "/openstack/", 11) && p && p[18] == '\0';
}

/* A guest gets this long, in all, to send its request (each recv also
 * times out after 2 s): one trickling byte by byte cannot hold the thread. */
#define MD_REQUEST_SECONDS 5

static bool too_slow(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t0->tv_sec > MD_REQUEST_SECONDS;
}

/* The head of one request into buf (NUL-terminated, *len bytes, maybe
 * with the start of the body), then its body when it has one: 0, or the
 * status to answer; -1 when the guest went away or was too slow. */
static int read_request(int fd, char *buf, size_t cap, size_t *len, struct md_request_head *h,
                        char *body, size_t *blen)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*len = 0;
	*blen = 0;
	buf[0] = '\0';
	while (*len < cap - 1 && !too_slow(&t0)) {
		ssize_t r = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (r <= 0)
			return -1;
		*len += (size_t)r;
		buf[*len] = '\0';
		if (md_request_head_done(buf))
			break;
	}
	int st = md_request_parse(buf, *len, h);
	if (st != 0)
		return st;
	if (h->chunked || (h->content_length < 0 && !strcmp(h->method, "POST")))
		return 411;
	if (h->content_length > MD_BODY_MAX)
		return 400;
	size_t want = h->content_length > 0 ? (size_t)h->content_length : 0;
	size_t have = *len - h->head_len;
	if (have > want)
		have = want; /* anything after the body is ignored: one request */
	memcpy(body, buf + h->head_len, have);
	while (have < want) {
		if (too_slow(&t0))
			return -1;
		ssize_t r = recv(fd, body + have, want - have, 0);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	*blen = want;
	return 0;
}

/* An error answered before the body was read: the unread bytes would
 * make close() reset the connection, and the guest could lose the answer
 * with it; so the answer goes, then a bounded read of what is left. */
static void refuse(int fd, int status, const char *msg)
{
	reply(fd, status, "text/plain", msg, strlen(msg));
	shutdown(fd, SHUT_WR);
	struct timeval tv = {0, 200000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char scratch[4096];
	for (int i = 0; i < 16 && recv(fd, scratch, sizeof(scratch), 0) > 0; i++)
		;
}

static void serve(struct net_service *ns, const struct md_listener *l, int fd, const char *src)
{
	char buf[8192], payload[MD_BODY_MAX];
	size_t len, plen;
	struct md_request_head h;
	struct timeval tv = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int st = read_request(fd, buf, sizeof(buf), &len, &h, payload, &plen);
	if (st < 0)
		return;
	if (st == 411) {
		refuse(fd, 411, "length required\n");
		return;
	}
	if (st != 0) {
		refuse(fd, 400,
		       h.content_length > MD_BODY_MAX ? "request is too large\n" : "bad request\n");
		return;
	}
	const char *method = h.method, *path = h.path;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	struct arena *a = arena_new();
	const char *network_id = l->is_router ? NULL : l->id;
	char server[37];
	struct api_error err = {0};
	if (l->is_router)
		network_of_router_source(a, l->id, src, &network_id);
	if (!network_id || net_metadata_lookup(ns, network_id, src, server, &err) != 0) {
		reply(fd, 404, "text/plain", "instance not found\n", 19);
		log_info("msg=\"metadata: no instance\" source=%s path=%s", src, path);
		goto out;
	}
	net_metadata_fn fn;
	void *cls;
	pthread_mutex_lock(&ns->md_lock);
	fn = ns->md_fn;
	cls = ns->md_cls;
	pthread_mutex_unlock(&ns->md_lock);
	int status = fn || get ? 404 : 405;
	char *body = NULL;
	size_t blen = 0;
	const char *ctype = "text/plain";
	struct net_md_request rq = {method, path, plen ? payload : NULL, plen};
	if (fn && fn(cls, server, &rq, a, &status, &body, &blen, &ctype) != 0) {
		reply(fd, 500, "text/plain", "metadata error\n", 15);
		goto out;
	}
	/* network_data.json is network's own: answered here when compute
	 * does not. */
	if (status == 404 && get && is_network_data(path)) {
		struct net_vif *vifs;
		size_t n;
		if (net_server_ports_list(ns, server, a, &vifs, &n, &err) == 0) {
			json_t *nd = net_network_data_merge(vifs, n, a);
			body = json_dumps(nd, JSON_COMPACT);
			arena_defer(a, free, body);
			blen = strlen(body);
			status = 200;
			ctype = "application/json";
		}
	}
	if (!body) {
		body = status == 405 ? "method not allowed\n" : "";
		blen = strlen(body);
	}
	reply(fd, status, ctype, strcmp(method, "HEAD") ? body : "",
	      strcmp(method, "HEAD") ? blen : 0);
	log_info("msg=metadata source=%s server=%s method=%s path=%s status=%d", src, server,
	         method, path, status);
out:
	arena_free(a);
}

static void *md_thread(void *arg)
{
	struct net_service *ns = arg;
	struct net_metadata_server *md = ns->md;
	struct pollfd pf[MD_MAX + 1];
	struct md_listener copy[MD_MAX];
	for (;;) {
		pthread_mutex_lock(&md->lock);
		for (size_t i = 0; i < md->ndead; i++)
			close(md->dead[i]);
		md->ndead = 0;
		bool stop = md->stop;
		size_t n = md->n;
		memcpy(copy, md->l, sizeof(copy[0]) * n);
		pthread_mutex_unlock(&md->lock);
		if (stop)
			break;
		pf[0] = (struct pollfd){md->wake[0], POLLIN, 0};
		for (size_t i = 0; i < n; i++)
			pf[i + 1] = (struct pollfd){copy[i].fd, POLLIN, 0};
		if (poll(pf, n + 1, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			char drain[64];
			(void)!read(md->wake[0], drain, sizeof(drain));
			continue; /* the set may have changed: descriptors may be closed */
		}
		for (size_t i = 0; i < n; i++) {
			if (!(pf[i + 1].revents & POLLIN))
				continue;
			struct sockaddr_in sa;
			socklen_t sl = sizeof(sa);
			int c = accept4(copy[i].fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			char src[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &sa.sin_addr, src, sizeof(src));
			serve(ns, &copy[i], c, src);
			close(c);
		}
	}
	return NULL;
}

int dp_md_start(struct net_service *ns, struct api_error *err)
{
	struct net_metadata_server *md = calloc(1, sizeof(*md));
	if (!md)
		return api_fail(err, API_INTERNAL, "out of memory");
	if (pipe2(md->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(md);
		return api_fail(err, API_INTERNAL, "pipe: %s", strerror(errno));
	}
	pthread_mutex_init(&md->lock, NULL);
	ns->md = md;
	if (pthread_create(&md->thread, NULL, md_thread, ns) != 0) {
		close(md->wake[0]);
		close(md->wake[1]);
		pthread_mutex_destroy(&md->lock);
		free(md);
		ns->md = NULL;
		return api_fail(err, API_INTERNAL, "cannot start the metadata thread");
	}
	return 0;
}

static void wake(struct net_metadata_server *md)
{
	(void)!write(md->wake[1], "x", 1);
}

void dp_md_stop(struct net_service *ns)
{
	struct net_metadata_server *md = ns->md;
	if (!md)
		return;
	pthread_mutex_lock(&md->lock);
	md->stop = true;
	pthread_mutex_unlock(&md->lock);
	wake(md);
	pthread_join(md->thread, NULL);
	for (size_t i = 0; i < md->n; i++)
		close(md->l[i].fd);
	for (size_t i = 0; i < md->ndead; i++)
		close(md->dead[i]);
	close(md->wake[0]);
	close(md->wake[1]);
	pthread_mutex_destroy(&md->lock);
	free(md);
	ns->md = NULL;
}

int dp_md_listen(struct net_service *ns, const char *nsname, const char *id, bool is_router,
                 struct api_error *err)
{
	struct net_metadata_server *md = ns->md;
	if (!md)
		return 0;
	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < md->n; i++)
		if (!strcmp(md->l[i].id, id)) {
			pthread_mutex_unlock(&md->lock);
			return 0;
		}
	pthread_mutex_unlock(&md->lock);
	int fd = open_in_ns(nsname, err);
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&md->lock);
	if (md->n >= MD_MAX) {
		pthread_mutex_unlock(&md->lock);
		close(fd);
		return api_fail(err, API_INTERNAL, "too many metadata listeners");
	}
	md->l[md->n] = (struct md_listener){.fd = fd, .is_router = is_router};
	snprintf(md->l[md->n].id, sizeof(md->l[md->n].id), "%s", id);
	md->n++;
	pthread_mutex_unlock(&md->lock);
	wake(md);
	return 0;
}

void dp_md_unlisten(struct net_service *ns, const char *id)
{
	struct net_metadata_server *md = ns->md;
	if (!md)
		return;
	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < md->n; i++) {
		if (strcmp(md->l[i].id, id))
			continue;
		if (md->ndead < MD_MAX)
			md->dead[md->ndead++] = md->l[i].fd;
		else
			close(md->l[i].fd);
		md->l[i] = md->l[--md->n];
		break;
	}
	pthread_mutex_unlock(&md->lock);
	wake(md);
}
