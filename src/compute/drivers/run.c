/* fork/exec/wait of host tools, stderr captured through a pipe. */
#include "compute/drivers/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void qemu_child_setup(int outfd, int errfd)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	setsid();
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		if (devnull > 2)
			close(devnull);
	}
	if (outfd >= 0 || errfd >= 0)
		dup2(outfd >= 0 ? outfd : errfd, 1);
	if (errfd >= 0)
		dup2(errfd, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

int qemu_run(const char *const argv[], struct api_error *err)
{
	return qemu_run_output(argv, NULL, 0, err);
}

int qemu_run_output(const char *const argv[], char *stdout_buf, size_t stdout_size,
                    struct api_error *err)
{
	int pipefd[2], outfd = -1;
	char outpath[] = "/tmp/stackd-run.XXXXXX";
	if (stdout_buf) {
		/* stdout to an unlinked file, read once the tool is done */
		outfd = mkostemp(outpath, O_CLOEXEC);
		if (outfd < 0)
			return api_fail(err, API_INTERNAL, "mkostemp: %s", strerror(errno));
		unlink(outpath);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		if (outfd >= 0)
			close(outfd);
		return api_fail(err, API_INTERNAL, "pipe: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		if (outfd >= 0)
			close(outfd);
		return api_fail(err, API_INTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		qemu_child_setup(outfd, pipefd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char out[1024];
	size_t len = 0;
	for (;;) {
		char chunk[512];
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* keep the last part: tools put the reason at the end */
		for (ssize_t i = 0; i < n; i++) {
			if (len == sizeof(out) - 1) {
				memmove(out, out + 512, len - 512);
				len -= 512;
			}
			out[len++] = chunk[i];
		}
	}
	close(pipefd[0]);
	out[len] = '\0';
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			if (outfd >= 0)
				close(outfd);
			return api_fail(err, API_INTERNAL, "waitpid: %s", strerror(errno));
		}
	}
	if (outfd >= 0) {
		ssize_t n = pread(outfd, stdout_buf, stdout_size - 1, 0);
		stdout_buf[n > 0 ? n : 0] = '\0';
		close(outfd);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return api_fail(err, API_INTERNAL, "%s failed (%s %d): %s", argv[0],
	                WIFEXITED(status) ? "status" : "signal",
	                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out);
}
