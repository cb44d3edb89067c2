/* libFuzzer target: client bytes through the websocket relay. The input is
 * written to one end of a socket pair whose other end ws_relay reads as an
 * upgraded client; whatever it forwards lands in a backend socket pair.
 * ws_frame_parse's invariants are asserted on the raw input first. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/websocket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_frame f;
	int r = ws_frame_parse(data, size, &f);
	assert(r >= -1 && r <= 1);
	if (r == 1) {
		assert(f.header_len >= 2 && f.header_len <= 14 && f.header_len <= size);
		assert(f.opcode < WS_CLOSE || (f.fin && f.length <= 125));
	}
	int c[2], b[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c) != 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, b) != 0) {
		close(c[0]);
		close(c[1]);
		return 0;
	}
	/* Big enough buffers that the relay never blocks on this input. */
	int sz = 1 << 20;
	setsockopt(b[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(c[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	shutdown(c[0], SHUT_WR); /* the client has said everything: pending */
	ws_relay(c[1], (const char *)data, size, b[1]);
	close(c[0]);
	close(c[1]);
	close(b[0]);
	return 0;
}
