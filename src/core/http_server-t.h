/* The server's private state, shared by http.c and router.c only. */
#ifndef STACKD_HTTP_SERVER_T_H
#define STACKD_HTTP_SERVER_T_H

#include <stdatomic.h>

#include "core/http.h"

#define HTTP_MAX_SERVICES 16

struct http_server {
	struct http_server_options opts;
	const struct http_service *services[HTTP_MAX_SERVICES];
	size_t nservices;
	http_authenticator authenticate;
	void *auth_ctx;
	struct MHD_Daemon *daemon;
	unsigned port;
	atomic_int in_flight;
};

#endif
