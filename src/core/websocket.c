/* RFC 6455 for the console proxies: the handshake's checks and
 * Sec-WebSocket-Accept, the frame header codec (kept apart from any I/O so
 * the unit tests and the fuzzer drive it directly), and the relay loop an
 * upgraded connection runs on its own thread. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/http.h"
#include "core/websocket.h"

static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f)
{
	if (len < 2)
		return 0;
	memset(f, 0, sizeof(*f));
	f->fin = (buf[0] & 0x80) != 0;
	if (buf[0] & 0x70)
		return -1; /* no extension was negotiated */
	f->opcode = buf[0] & 0x0f;
	switch (f->opcode) {
	case WS_CONTINUATION:
	case WS_TEXT:
	case WS_BINARY:
		break;
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		if (!f->fin || (buf[1] & 0x7f) > 125)
			return -1;
		break;
	default:
		return -1;
	}
	f->masked = (buf[1] & 0x80) != 0;
	uint64_t n = buf[1] & 0x7f;
	size_t at = 2;
	if (n == 126) {
		if (len < 4)
			return 0;
		n = ((uint64_t)buf[2] << 8) | buf[3];
		at = 4;
	} else if (n == 127) {
		if (len < 10)
			return 0;
		if (buf[2] & 0x80)
			return -1;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = (n << 8) | buf[2 + i];
		at = 10;
	}
	if (f->masked) {
		if (len < at + 4)
			return 0;
		memcpy(f->mask, buf + at, 4);
		at += 4;
	}
	f->length = n;
	f->header_len = at;
	return 1;
}

void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t pos)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= mask[(pos + i) & 3];
}

size_t ws_frame_header(uint8_t out[10], enum ws_opcode op, uint64_t len)
{
	out[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

void ws_accept_key(const char *key, char out[29])
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		abort();
	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, key, strlen(key));
	EVP_DigestUpdate(ctx, WS_GUID, sizeof(WS_GUID) - 1);
	EVP_DigestFinal_ex(ctx, digest, NULL);
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
	out[28] = '\0';
}

/* True when the comma-separated header value list holds token. */
static bool has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(p, token, tl) == 0)
			return true;
		p += n;
	}
	return false;
}

static bool key_valid(const char *key)
{
	/* base64 of 16 bytes: 22 characters and "==" */
	if (!key || strlen(key) != 24 || strcmp(key + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++) {
		char c = key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	return true;
}

int ws_handshake(struct http_request *req, struct http_response *resp, const char *subprotocol,
                 struct api_error *err)
{
	const char *upgrade = http_header(req, "Upgrade");
	const char *connection = http_header(req, "Connection");
	const char *version = http_header(req, "Sec-WebSocket-Version");
	const char *key = http_header(req, "Sec-WebSocket-Key");
	const char *protocols = http_header(req, "Sec-WebSocket-Protocol");
	if (strcmp(req->method, "GET") != 0 || !upgrade || !has_token(upgrade, "websocket") ||
	    !connection || !has_token(connection, "upgrade"))
		return api_fail(err, API_BAD_REQUEST,
		                "This is a WebSocket endpoint: a GET with Upgrade: websocket "
		                "is expected.");
	if (!version || strcmp(version, "13") != 0) {
		http_header_set(resp, "Sec-WebSocket-Version", "13");
		api_fail(err, API_BAD_REQUEST, "Only WebSocket version 13 is supported.");
		err->status = 426;
		return -1;
	}
	if (!key_valid(key))
		return api_fail(err, API_BAD_REQUEST, "Sec-WebSocket-Key is missing or malformed.");
	if (protocols && *protocols) {
		if (!subprotocol || !has_token(protocols, subprotocol))
			return api_fail(err, API_BAD_REQUEST,
			                "The client must support the '%s' subprotocol.",
			                subprotocol ? subprotocol : "(none)");
		http_header_set(resp, "Sec-WebSocket-Protocol", subprotocol);
	}
	char accept[29];
	ws_accept_key(key, accept);
	http_header_set(resp, "Upgrade", "websocket");
	http_header_set(resp, "Connection", "Upgrade");
	http_header_set(resp, "Sec-WebSocket-Accept", accept);
	return 0;
}

/* ---- the relay ---- */

/* Writes everything to fd (non-blocking), waiting at most 30 s for room
 * at a time; gives up at once when watch (-1: none) hangs up, so that a
 * backend that stopped reading (a paused guest) cannot hold a session the
 * server is shutting down. */
static int send_all_watch(int fd, const void *data, size_t len, int watch)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf[2] = {{.fd = fd, .events = POLLOUT}, {.fd = watch}};
			int r = poll(pf, watch >= 0 ? 2 : 1, 30000);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL)))
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_all(int fd, const void *data, size_t len)
{
	return send_all_watch(fd, data, len, -1);
}

static int send_frame(int client, enum ws_opcode op, const void *data, size_t len)
{
	uint8_t hdr[10];
	size_t h = ws_frame_header(hdr, op, len);
	if (send_all(client, hdr, h) != 0)
		return -1;
	return len ? send_all(client, data, len) : 0;
}

void ws_linger(int client)
{
	/* Closing with unread input makes the kernel send a reset, which
	 * may destroy the close frame before the client reads it: say we are
	 * done, then read what the client still sends, for a moment. */
	shutdown(client, SHUT_WR);
	char buf[4096];
	for (int i = 0; i < 20; i++) {
		struct pollfd pf = {.fd = client, .events = POLLIN};
		if (poll(&pf, 1, 100) < 0 && errno != EINTR)
			return;
		ssize_t n = recv(client, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return;
	}
}

void ws_send_close(int client, int code, const char *reason)
{
	if (code == 0) { /* no status code, no payload */
		send_frame(client, WS_CLOSE, NULL, 0);
		return;
	}
	uint8_t body[125];
	size_t rl = reason ? strlen(reason) : 0;
	if (rl > sizeof(body) - 2)
		rl = sizeof(body) - 2;
	body[0] = (uint8_t)(code >> 8);
	body[1] = (uint8_t)code;
	if (rl)
		memcpy(body + 2, reason, rl);
	send_frame(client, WS_CLOSE, body, rl + 2);
}

/* Everything the client sent is in in[0..*len): acts on the complete
 * parts and keeps the rest. Returns 0 to go on, or a close code. */
static int client_input(int client, int backend, uint8_t *in, size_t *len, struct ws_frame *cur,
                        bool *in_frame, uint64_t *got)
{
	for (;;) {
		if (!*in_frame) {
			int r = ws_frame_parse(in, *len, cur);
			if (r == 0)
				return 0;
			if (r < 0 || !cur->masked)
				return WS_CLOSE_PROTOCOL;
			if (cur->length > WS_MAX_PAYLOAD)
				return WS_CLOSE_TOO_BIG;
			bool control = cur->opcode >= WS_CLOSE;
			if (control && *len < cur->header_len + cur->length)
				return 0; /* a control frame is acted on whole */
			memmove(in, in + cur->header_len, *len - cur->header_len);
			*len -= cur->header_len;
			*in_frame = true;
			*got = 0;
		}
		if (cur->opcode >= WS_CLOSE) {
			size_t n = (size_t)cur->length;
			ws_mask(in, n, cur->mask, 0);
			if (cur->opcode == WS_PING && send_frame(client, WS_PONG, in, n) != 0)
				return WS_CLOSE_NORMAL;
			bool close = cur->opcode == WS_CLOSE;
			memmove(in, in + n, *len - n);
			*len -= n;
			*in_frame = false;
			if (close)
				return WS_CLOSE_NORMAL;
			continue;
		}
		size_t n = (size_t)(cur->length - *got);
		if (n > *len)
			n = *len;
		ws_mask(in, n, cur->mask, *got);
		if (n && send_all_watch(backend, in, n, client) != 0)
			return WS_CLOSE_UNAVAILABLE;
		memmove(in, in + n, *len - n);
		*len -= n;
		*got += n;
		if (*got < cur->length)
			return 0;
		*in_frame = false;
	}
}

int ws_relay(int client, const char *pending, size_t npending, int backend)
{
	enum { IN_CAP = 64 * 1024 };
	static const size_t OUT_MAX = 16 * 1024;
	uint8_t *in = malloc(IN_CAP), *out = malloc(OUT_MAX);
	if (!in || !out)
		abort();
	size_t len = 0;
	struct ws_frame cur;
	bool in_frame = false;
	uint64_t got = 0;
	int code = 0;
	bool sent_close = false;
	int fl = fcntl(client, F_GETFL);
	if (fl >= 0)
		fcntl(client, F_SETFL, fl | O_NONBLOCK);
	fl = fcntl(backend, F_GETFL);
	if (fl >= 0)
		fcntl(backend, F_SETFL, fl | O_NONBLOCK);
	while (npending > 0 && code == 0) {
		size_t n = npending < IN_CAP - len ? npending : IN_CAP - len;
		memcpy(in + len, pending, n);
		len += n;
		pending += n;
		npending -= n;
		code = client_input(client, backend, in, &len, &cur, &in_frame, &got);
	}
	while (code == 0) {
		struct pollfd pf[2] = {{.fd = client, .events = POLLIN},
		                       {.fd = backend, .events = POLLIN}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			code = WS_CLOSE_UNAVAILABLE;
			break;
		}
		if (pf[1].revents) {
			ssize_t n = read(backend, out, OUT_MAX);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				code = WS_CLOSE_NORMAL; /* the console went away */
				ws_send_close(client, code, "the console closed");
				sent_close = true;
				break;
			}
			if (send_frame(client, WS_BINARY, out, (size_t)n) != 0)
				break;
		}
		if (pf[0].revents) {
			if (len == IN_CAP) { /* a control frame cannot be this big */
				code = WS_CLOSE_PROTOCOL;
				break;
			}
			ssize_t n = recv(client, in + len, IN_CAP - len, 0);
			if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			if (n <= 0)
				break; /* gone without a close frame */
			len += (size_t)n;
			code = client_input(client, backend, in, &len, &cur, &in_frame, &got);
		}
	}
	/* A close from the client is answered with the same code; a bad
	 * frame gets its code. */
	if (code != 0 && !sent_close)
		ws_send_close(client, code, code == WS_CLOSE_TOO_BIG ? "frame too big" : "");
	ws_linger(client);
	free(in);
	free(out);
	close(backend);
	return code;
}
