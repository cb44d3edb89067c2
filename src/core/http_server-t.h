/* The server's private state, shared by http.c and router.c only. */
#ifndef STACKD_HTTP_SERVER_T_H
#define STACKD_HTTP_SERVER_T_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/http.h"

#define HTTP_MAX_SERVICES 16

/* A connection handed over by a 101 (http_reply_upgrade). */
struct http_upgrade {
	struct http_server *server;
	http_upgraded fn;
	void *cls;
	void (*free_cls)(void *);
	int fd;
	char *pending;
	size_t npending;
	struct MHD_UpgradeResponseHandle *urh;
	struct http_upgrade *next; /* in server->upgrades */
};

struct http_server {
	struct http_server_options opts;
	const struct http_service *services[HTTP_MAX_SERVICES];
	size_t nservices;
	http_authenticator authenticate;
	void *auth_ctx;
	struct MHD_Daemon *daemon;
	unsigned port;
	atomic_int in_flight;
	pthread_mutex_t upgrades_lock; /* guards upgrades */
	struct http_upgrade *upgrades; /* running upgraded connections */
};

#endif
