/* The floor for a large object GET over loopback: the smallest HTTP server
 * that sends one file, built by bench/object/getfloor.sh. Any request on
 * 127.0.0.1:PORT gets the whole file (Connection: close), sent one of three
 * ways, so their cold-cache rates can be set next to stackd's (MHD's sendfile
 * path) and dd's:
 *   sendfile  sendfile(2) of CHUNK bytes a call, FADV_SEQUENTIAL (what
 *             libmicrohttpd does for http_reply_fd, with CHUNK 128 KiB)
 *   willneed  the same, plus POSIX_FADV_WILLNEED kept 32 MiB ahead
 *   copy      pread(2) of CHUNK bytes into a buffer, then write(2)
 * usage: sendfile_floor FILE PORT CHUNK MODE REQUESTS */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOOKAHEAD ((off_t)32 << 20)

enum mode { SENDFILE, WILLNEED, COPY };

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void serve(int c, const char *path, size_t chunk, enum mode mode, char *buf)
{
	char req[4096];
	if (read(c, req, sizeof(req)) <= 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		perror(path);
		exit(1);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	char head[256];
	int hl = snprintf(head, sizeof(head),
	                  "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n",
	                  (long long)sb.st_size);
	if (write_all(c, head, (size_t)hl) != 0)
		goto out;
	off_t off = 0, advised = 0;
	while (off < sb.st_size) {
		if (mode == WILLNEED && advised < sb.st_size && off + LOOKAHEAD / 2 >= advised) {
			posix_fadvise(fd, advised, LOOKAHEAD, POSIX_FADV_WILLNEED);
			advised += LOOKAHEAD;
		}
		if (mode == COPY) {
			ssize_t r = pread(fd, buf, chunk, off);
			if (r <= 0 || write_all(c, buf, (size_t)r) != 0)
				break;
			off += r;
		} else if (sendfile(c, fd, &off, chunk) <= 0) {
			break;
		}
	}
out:
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s FILE PORT CHUNK sendfile|willneed|copy REQUESTS\n",
		        argv[0]);
		return 2;
	}
	size_t chunk = strtoul(argv[3], NULL, 0);
	enum mode mode = !strcmp(argv[4], "copy")       ? COPY
	                 : !strcmp(argv[4], "willneed") ? WILLNEED
	                                                : SENDFILE;
	int n = atoi(argv[5]), one = 1;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 4) != 0) {
		perror("bind");
		return 1;
	}
	char *buf = malloc(chunk);
	if (!buf)
		return 1;
	for (int i = 0; i < n; i++) {
		int c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		serve(c, argv[1], chunk, mode, buf);
		close(c);
	}
	free(buf);
	return 0;
}
