/* Parsing of the request head a guest sends the metadata server (see
 * md_request.h): the request line, Content-Length and whether the body is
 * chunked, which the server refuses (411): it reads bounded bodies only. */
#include "network/dataplane/md_request.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *head_end(const char *buf, size_t *skip)
{
	const char *crlf = strstr(buf, "\r\n\r\n"), *lf = strstr(buf, "\n\n");
	if (crlf && (!lf || crlf < lf)) {
		*skip = 4;
		return crlf;
	}
	*skip = 2;
	return lf;
}

bool md_request_head_done(const char *buf)
{
	size_t skip;
	return head_end(buf, &skip) != NULL;
}

/* The value of a Content-Length header: digits only, below 2^62. */
static int parse_length(const char *v, const char *end, long long *out)
{
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (v == end || end - v > 18)
		return -1;
	long long n = 0;
	for (; v < end; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

int md_request_parse(const char *buf, size_t len, struct md_request_head *h)
{
	size_t skip;
	const char *end = head_end(buf, &skip);
	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	if (end == NULL || (size_t)(end - buf) + skip > len)
		return 400;
	h->head_len = (size_t)(end - buf) + skip;
	if (sscanf(buf, "%15s %2047s", h->method, h->path) != 2 || h->path[0] != '/')
		return 400;
	const char *line = strchr(buf, '\n');
	while (line && line < end) {
		line++;
		const char *eol = strchr(line, '\n');
		if (eol == NULL || eol > end)
			eol = end;
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		if (colon && (size_t)(colon - line) == 14 &&
		    strncasecmp(line, "Content-Length", 14) == 0) {
			long long n;
			/* two different lengths would be a smuggling attempt */
			if (parse_length(colon + 1, eol, &n) != 0 ||
			    (h->content_length >= 0 && h->content_length != n))
				return 400;
			h->content_length = n;
		} else if (colon && (size_t)(colon - line) == 17 &&
		           strncasecmp(line, "Transfer-Encoding", 17) == 0) {
			h->chunked = true;
		}
		line = eol < end ? eol : NULL;
	}
	return 0;
}

const char *md_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 500:
		return "Internal Server Error";
	default:
		return "Error";
	}
}
