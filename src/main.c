/* stackd's command line: `serve` runs every service on one port;
 * `version` prints the version. Options come from --config FILE and the
 * command line (see core/config.h), the command line winning. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/log.h"
#include "network/dataplane/dp.h"
#include "service.h"

#define STACKD_VERSION "0.1.0"

static void usage(FILE *f)
{
	fputs("usage: stackd serve [--data-dir DIR] [--listen HOST:PORT] [--admin-password PW]\n"
	      "                    [--public-url URL] [--config FILE] [--SECTION.KEY VALUE ...]\n"
	      "       stackd cleanup --data-dir DIR\n"
	      "       stackd version\n",
	      f);
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* "127.0.0.1:5000", "[::1]:5000", "localhost:5000" */
static int parse_listen(const char *listen, char *host, size_t hostlen, unsigned *port)
{
	const char *colon;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':')
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(close - listen - 1), listen + 1);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(colon - listen), listen);
	}
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int serve(int argc, char **argv)
{
	struct api_error err = {0};
	struct config *cfg = config_new();
	struct config *args = config_new();
	struct http_server *http = NULL;
	void *states[32] = {0};
	size_t started = 0;
	int rc = 1;

	if (config_parse_args(args, argc, argv, 2, &err) != 0) {
		fprintf(stderr, "stackd: %s\n", err.message);
		usage(stderr);
		goto out;
	}
	const char *config_file = config_get(args, "default", "config", NULL);
	if (config_file && config_load_file(cfg, config_file, &err) != 0) {
		fprintf(stderr, "stackd: %s\n", err.message);
		goto out;
	}
	if (config_parse_args(cfg, argc, argv, 2, &err) != 0)
		goto out;
	if (config_get_bool(cfg, "default", "debug", false))
		log_set_level(LOG_DEBUG);

	const char *data_dir_opt = config_get(cfg, "default", "data_dir", "./var");
	if (mkdir_p(data_dir_opt) != 0) {
		fprintf(stderr, "stackd: cannot create data dir %s: %s\n", data_dir_opt,
		        strerror(errno));
		goto out;
	}
	char data_dir[PATH_MAX];
	if (!realpath(data_dir_opt, data_dir)) {
		fprintf(stderr, "stackd: %s: %s\n", data_dir_opt, strerror(errno));
		goto out;
	}
	chmod(data_dir, 0700);

	const char *listen = config_get(cfg, "default", "listen", "127.0.0.1:5000");
	char host[256];
	unsigned port;
	if (parse_listen(listen, host, sizeof(host), &port) != 0) {
		fprintf(stderr, "stackd: --listen wants HOST:PORT, not '%s'\n", listen);
		goto out;
	}
	char public_url[512];
	const char *pub = config_get(cfg, "default", "public_url", NULL);
	if (pub)
		snprintf(public_url, sizeof(public_url), "%s", pub);
	else if (strchr(host, ':'))
		snprintf(public_url, sizeof(public_url), "http://[%s]:%u", host, port);
	else
		snprintf(public_url, sizeof(public_url), "http://%s:%u", host, port);
	size_t plen = strlen(public_url);
	while (plen > 0 && public_url[plen - 1] == '/')
		public_url[--plen] = '\0';

	if (sodium_init() < 0) {
		fprintf(stderr, "stackd: libsodium failed to initialize\n");
		goto out;
	}
	/* Signals are taken by sigwait below; every thread started from here
	 * on inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	char db_path[PATH_MAX + 16];
	snprintf(db_path, sizeof(db_path), "%s/stackd.db", data_dir);
	if (db_open(db_path, &err) != 0) {
		fprintf(stderr, "stackd: %s\n", err.message);
		goto out;
	}

	struct http_server_options opts = {
	    .max_connections =
	        (unsigned)config_get_int(cfg, "default", "http_max_connections", 1000),
	    .max_body = (size_t)config_get_int(cfg, "default", "max_body_bytes", 1 << 20),
	    .timeout_seconds = (unsigned)config_get_int(cfg, "default", "http_timeout", 120),
	};
	http = http_server_new(&opts);
	struct stackd_env env = {
	    .cfg = cfg,
	    .data_dir = data_dir,
	    .public_url = public_url,
	    .http = http,
	    .modules = stackd_modules,
	};
	for (size_t i = 0; stackd_modules[i]; i++) {
		if (stackd_modules[i]->start(&env, &states[i], &err) != 0) {
			fprintf(stderr, "stackd: %s: %s\n", stackd_modules[i]->name, err.message);
			goto stop;
		}
		started = i + 1;
	}
	if (http_server_start(http, host, port, &err) != 0) {
		fprintf(stderr, "stackd: %s\n", err.message);
		goto stop;
	}
	log_info("msg=\"stackd ready\" listen=%s:%u public_url=%s data_dir=%s version=%s", host,
	         http_server_port(http), public_url, data_dir, STACKD_VERSION);

	int sig = 0;
	sigwait(&sigs, &sig);
	log_info("msg=\"shutting down\" signal=%d", sig);
	http_server_stop(http, (unsigned)config_get_int(cfg, "default", "shutdown_grace", 10));
	rc = 0;
stop:
	while (started > 0) {
		started--;
		stackd_modules[started]->stop(states[started]);
	}
	http_server_free(http);
	db_close_thread();
out:
	config_free(args);
	config_free(cfg);
	return rc;
}

/* Removes every kernel object and process the data dir's services made
 * (run it in the network namespace the daemon ran in). */
static int cleanup(int argc, char **argv)
{
	struct api_error err = {0};
	struct config *args = config_new();
	int rc = 1;
	if (config_parse_args(args, argc, argv, 2, &err) != 0) {
		fprintf(stderr, "stackd: %s\n", err.message);
		goto out;
	}
	const char *dir = config_get(args, "default", "data_dir", NULL);
	char data_dir[PATH_MAX];
	if (!dir || !realpath(dir, data_dir)) {
		fprintf(stderr,
		        "stackd cleanup: --data-dir DIR (an existing directory) is required\n");
		goto out;
	}
	if (net_dp_cleanup(data_dir, &err) != 0) {
		fprintf(stderr, "stackd cleanup: %s\n", err.message);
		goto out;
	}
	rc = 0;
out:
	config_free(args);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if (!strcmp(argv[1], "cleanup"))
		return cleanup(argc, argv);
	if (!strcmp(argv[1], "version")) {
		printf("stackd %s\n", STACKD_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
