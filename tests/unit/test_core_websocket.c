/* The RFC 6455 pieces of core/websocket.c: the accept key, the frame
 * header codec (every length form, every refusal), masking at an offset,
 * and the relay over socket pairs (data both ways, ping, close). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "core/websocket.h"

static void test_accept_key(void)
{
	char out[29];
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455, 1.3 */
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_parse(void)
{
	struct ws_frame f;
	const uint8_t small[] = {0x82, 0x85, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'};
	CHECK(ws_frame_parse(small, 0, &f) == 0);
	CHECK(ws_frame_parse(small, 1, &f) == 0);
	CHECK(ws_frame_parse(small, 5, &f) == 0); /* mask incomplete */
	CHECK(ws_frame_parse(small, 6, &f) == 1);
	CHECK(f.fin && f.opcode == WS_BINARY && f.masked && f.length == 5 && f.header_len == 6);
	CHECK(f.mask[0] == 1 && f.mask[3] == 4);

	const uint8_t mid[] = {0x01, 0x7e, 0x01, 0x00};
	CHECK(ws_frame_parse(mid, 3, &f) == 0);
	CHECK(ws_frame_parse(mid, 4, &f) == 1);
	CHECK(!f.fin && f.opcode == WS_TEXT && !f.masked && f.length == 256 && f.header_len == 4);

	uint8_t big[10] = {0x80, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0};
	CHECK(ws_frame_parse(big, 9, &f) == 0);
	CHECK(ws_frame_parse(big, 10, &f) == 1);
	CHECK(f.opcode == WS_CONTINUATION && f.length == (1ull << 32) && f.header_len == 10);
	big[2] = 0x80; /* the most significant bit must be 0 */
	CHECK(ws_frame_parse(big, 10, &f) == -1);

	const uint8_t rsv[] = {0xc2, 0x00};
	CHECK(ws_frame_parse(rsv, 2, &f) == -1);
	const uint8_t opcode3[] = {0x83, 0x00};
	CHECK(ws_frame_parse(opcode3, 2, &f) == -1);
	const uint8_t opcode_b[] = {0x8b, 0x00};
	CHECK(ws_frame_parse(opcode_b, 2, &f) == -1);
	const uint8_t frag_ping[] = {0x09, 0x00};
	CHECK(ws_frame_parse(frag_ping, 2, &f) == -1);
	const uint8_t long_close[] = {0x88, 0x7e, 0x00, 0x7e};
	CHECK(ws_frame_parse(long_close, 4, &f) == -1);
	const uint8_t ping[] = {0x89, 0x7d};
	CHECK(ws_frame_parse(ping, 2, &f) == 1 && f.length == 125);
}

static void test_header_roundtrip(void)
{
	const uint64_t lens[] = {0, 1, 125, 126, 65535, 65536, 1ull << 40};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t h[10];
		size_t n = ws_frame_header(h, WS_BINARY, lens[i]);
		CHECK(n == (lens[i] < 126 ? 2u : lens[i] <= 65535 ? 4u : 10u));
		struct ws_frame f;
		CHECK(ws_frame_parse(h, n, &f) == 1);
		CHECK(f.fin && f.opcode == WS_BINARY && !f.masked);
		CHECK(f.length == lens[i] && f.header_len == n);
	}
}

static void test_mask(void)
{
	const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
	uint8_t hello[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58}; /* RFC 6455, 5.7 */
	ws_mask(hello, 2, key, 0);
	ws_mask(hello + 2, 3, key, 2); /* in two pieces */
	CHECK(memcmp(hello, "Hello", 5) == 0);
}

/* ---- the relay ---- */

struct relay_args {
	int client, backend, code;
	const char *pending;
	size_t npending;
};

static void *relay_thread(void *p)
{
	struct relay_args *a = p;
	a->code = ws_relay(a->client, a->pending, a->npending, a->backend);
	return NULL;
}

static void send_masked(int fd, enum ws_opcode op, const char *data, size_t len)
{
	uint8_t h[14];
	size_t n = ws_frame_header(h, op, len);
	h[1] |= 0x80;
	const uint8_t key[4] = {9, 8, 7, 6};
	memcpy(h + n, key, 4);
	uint8_t *body = malloc(len + 1);
	memcpy(body, data, len);
	ws_mask(body, len, key, 0);
	CHECK(write(fd, h, n + 4) == (ssize_t)(n + 4));
	CHECK(write(fd, body, len) == (ssize_t)len);
	free(body);
}

static size_t read_n(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void test_relay(void)
{
	int c[2], b[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	/* the client's first frame came with its handshake */
	uint8_t first[16];
	size_t n = ws_frame_header(first, WS_BINARY, 2);
	first[1] |= 0x80;
	memset(first + n, 0, 4); /* a zero mask */
	memcpy(first + n + 4, "hi", 2);
	struct relay_args a = {
	    .client = c[1], .backend = b[1], .pending = (const char *)first, .npending = n + 6};
	pthread_t t;
	pthread_create(&t, NULL, relay_thread, &a);
	uint8_t buf[256];
	CHECK(read_n(b[0], buf, 2) == 2 && memcmp(buf, "hi", 2) == 0);
	/* client to backend: a text frame passes as bytes too */
	send_masked(c[0], WS_TEXT, "ab", 2);
	buf[0] = 0;
	CHECK(read_n(b[0], buf, 2) == 2 && memcmp(buf, "ab", 2) == 0);
	/* backend to client: one binary frame */
	CHECK(write(b[0], "login:", 6) == 6);
	CHECK(read_n(c[0], buf, 8) == 8);
	CHECK(buf[0] == 0x82 && buf[1] == 6 && memcmp(buf + 2, "login:", 6) == 0);
	/* ping: pong with the same payload */
	send_masked(c[0], WS_PING, "p1", 2);
	CHECK(read_n(c[0], buf, 4) == 4);
	CHECK(buf[0] == 0x8a && buf[1] == 2 && memcmp(buf + 2, "p1", 2) == 0);
	/* close: answered with a close, the relay ends */
	send_masked(c[0], WS_CLOSE, "\x03\xe8", 2);
	CHECK(read_n(c[0], buf, 4) == 4);
	CHECK(buf[0] == 0x88 && buf[1] == 2 && buf[2] == 0x03 && buf[3] == 0xe8);
	shutdown(c[0], SHUT_WR);
	pthread_join(t, NULL);
	CHECK(a.code == WS_CLOSE_NORMAL);
	CHECK(read(b[0], buf, 1) == 0); /* the relay closed the backend */
	close(c[0]);
	close(c[1]);
	close(b[0]);

	/* an unmasked client frame is a protocol error (1002) */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	struct relay_args e = {.client = c[1], .backend = b[1]};
	pthread_create(&t, NULL, relay_thread, &e);
	CHECK(write(c[0], "\x82\x01x", 3) == 3);
	CHECK(read_n(c[0], buf, 4) == 4);
	CHECK(buf[0] == 0x88 && buf[2] == 0x03 && buf[3] == 0xea);
	shutdown(c[0], SHUT_WR);
	pthread_join(t, NULL);
	CHECK(e.code == WS_CLOSE_PROTOCOL);
	close(c[0]);
	close(c[1]);
	close(b[0]);
}

int main(void)
{
	test_accept_key();
	test_parse();
	test_header_roundtrip();
	test_mask();
	test_relay();
	return check_done("test_core_websocket");
}
