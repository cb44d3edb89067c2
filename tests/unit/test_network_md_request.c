/* Unit test of the metadata server's request head parsing (md_request.c):
 * the request line, Content-Length (one, digits only), Transfer-Encoding,
 * where the body starts, and heads that are not whole. */
#include <string.h>

#include "../../src/network/dataplane/md_request.h"
#include "check.h"

static int parse(const char *s, struct md_request_head *h)
{
	return md_request_parse(s, strlen(s), h);
}

int main(void)
{
	struct md_request_head h;
	const char *get = "GET /openstack/latest/meta_data.json HTTP/1.1\r\nHost: x\r\n\r\n";
	CHECK(md_request_head_done(get));
	CHECK(parse(get, &h) == 0);
	CHECK_STR(h.method, "GET");
	CHECK_STR(h.path, "/openstack/latest/meta_data.json");
	CHECK(h.content_length == -1 && !h.chunked && h.head_len == strlen(get));

	const char *post = "POST /openstack/latest/password HTTP/1.1\r\nHost: x\r\n"
	                   "content-length:  12 \r\n\r\nabcdefghijkl";
	CHECK(parse(post, &h) == 0);
	CHECK_STR(h.method, "POST");
	CHECK(h.content_length == 12);
	CHECK_STR(post + h.head_len, "abcdefghijkl");

	/* bare LF line ends, as some clients send */
	const char *lf = "POST /p HTTP/1.0\nContent-Length: 3\n\nxyz";
	CHECK(parse(lf, &h) == 0 && h.content_length == 3);
	CHECK_STR(lf + h.head_len, "xyz");

	CHECK(parse("POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &h) == 0 &&
	      h.chunked);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", &h) == 0 &&
	      h.content_length == 5000);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &h) == 0 &&
	      h.content_length == 0);
	/* a header whose name only starts like Content-Length is another one */
	CHECK(parse("GET /p HTTP/1.1\r\nContent-Lengthy: 9\r\n\r\n", &h) == 0 &&
	      h.content_length == -1);

	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &h) == 400);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", &h) == 400);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: \r\n\r\n", &h) == 400);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", &h) == 400);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &h) ==
	      400);
	CHECK(parse("POST /p HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", &h) ==
	      0);
	CHECK(parse("GET\r\n\r\n", &h) == 400);
	CHECK(parse("GET nopath HTTP/1.1\r\n\r\n", &h) == 400);
	CHECK(!md_request_head_done("GET / HTTP/1.1\r\nHost: x\r\n"));
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &h) == 400);

	CHECK_STR(md_reason(409), "Conflict");
	CHECK_STR(md_reason(411), "Length Required");
	CHECK_STR(md_reason(299), "Error");
	return check_done("test_network_md_request");
}
