/* The request head a guest sends the metadata server, parsed (pure: no
 * sockets), and the reason phrases of its answers. */
#ifndef STACKD_NETWORK_DP_MD_REQUEST_H
#define STACKD_NETWORK_DP_MD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/* The largest body the metadata server reads (a password is at most
 * 4 * 255 bytes; compute decides). */
#define MD_BODY_MAX 4096

struct md_request_head {
	char method[16];
	char path[2048];
	long long content_length; /* -1 when absent */
	bool chunked;             /* a Transfer-Encoding header was sent */
	size_t head_len;          /* bytes of the head, blank line included */
};

/* Parses buf[0..len) (NUL-terminated) up to its blank line: 0, or the
 * status to answer (400: malformed head or Content-Length). A head not
 * ended yet is malformed: the caller reads until it is. */
int md_request_parse(const char *buf, size_t len, struct md_request_head *h);
/* Whether buf holds a whole head (a blank line). */
bool md_request_head_done(const char *buf);
const char *md_reason(int status);

#endif
