/* WebSocket (RFC 6455) for the console proxies: the opening handshake on
 * top of an HTTP request (http_reply_upgrade), the frame header codec, and
 * a relay that moves bytes between an upgraded client connection and a
 * backend socket (binary frames out, any data frame in). Server side only:
 * client frames must be masked, server frames never are. */
#ifndef STACKD_WEBSOCKET_H
#define STACKD_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct http_request;
struct http_response;

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa,
};

/* Close codes sent by the relay. */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_PROTOCOL 1002
#define WS_CLOSE_POLICY 1008
#define WS_CLOSE_TOO_BIG 1009
#define WS_CLOSE_UNAVAILABLE 1011

/* The largest client frame the relay takes (a console sends keystrokes). */
#define WS_MAX_PAYLOAD (1u << 20)

struct ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t length;   /* payload length */
	size_t header_len; /* bytes of header before the payload */
};

/* Parses the frame header at buf. Returns 1 with *f filled, 0 when more
 * bytes are needed, -1 for a header no server may accept (reserved bits,
 * unknown opcode, fragmented or long control frame, a 64-bit length with
 * its top bit set, non-minimal length encoding is accepted). */
int ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f);
/* Unmasks (or masks) len bytes of payload that start at offset pos of the
 * payload. */
void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t pos);
/* Writes an unmasked, final frame header for a payload of len bytes into
 * out (at most 10 bytes); returns its size. */
size_t ws_frame_header(uint8_t out[10], enum ws_opcode op, uint64_t len);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)),
 * 28 characters and a NUL. */
void ws_accept_key(const char *key, char out[29]);

/* Checks the request is a WebSocket opening handshake (GET, Upgrade:
 * websocket, Connection: upgrade, version 13, a 16-byte key) and fills the
 * 101 response's headers; subprotocol (may be NULL) is chosen when the
 * client offers it. 400 (426 for another version) otherwise. The caller
 * then calls http_reply_upgrade. */
int ws_handshake(struct http_request *req, struct http_response *resp, const char *subprotocol,
                 struct api_error *err);

/* Relays between the upgraded client socket and backend until either side
 * ends or the client closes; pending holds bytes the client sent after its
 * handshake. Closes backend (not client). Returns the close code sent. */
int ws_relay(int client, const char *pending, size_t npending, int backend);
/* Sends a close frame with code and reason (the connection is then over);
 * code 0: an empty close frame (no status code). */
void ws_send_close(int client, int code, const char *reason);
/* Ends the connection gracefully: no more output, and the client's last
 * bytes read (briefly) so that the close frame is not lost to a reset. */
void ws_linger(int client);

#endif
