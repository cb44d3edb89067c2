/* The forker thread: calls run on one long-lived thread, in turn, and a
 * child with PR_SET_PDEATHSIG forked through it outlives the short-lived
 * thread that asked for it (the HTTP connection thread's case). */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/forker.h"

static void note_thread(void *arg)
{
	*(pthread_t *)arg = pthread_self();
}

struct forked {
	pid_t pid;
};

static void fork_sleeper(void *arg)
{
	struct forked *f = arg;
	f->pid = fork();
	if (f->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
}

static void *short_lived(void *arg)
{
	forker_call(fork_sleeper, arg);
	return NULL;
}

/* Counts calls; a second caller must wait for the first to return. */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int running, max_running, calls;

static void count_call(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&count_lock);
	running++;
	if (running > max_running)
		max_running = running;
	pthread_mutex_unlock(&count_lock);
	usleep(2000);
	pthread_mutex_lock(&count_lock);
	running--;
	calls++;
	pthread_mutex_unlock(&count_lock);
}

static void *many_calls(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++)
		forker_call(count_call, NULL);
	return NULL;
}

int main(void)
{
	pthread_t a = pthread_self(), b = pthread_self();
	forker_call(note_thread, &a);
	forker_call(note_thread, &b);
	CHECK(!pthread_equal(a, pthread_self()));
	CHECK(pthread_equal(a, b));

	struct forked f = {.pid = -1};
	pthread_t t;
	CHECK(pthread_create(&t, NULL, short_lived, &f) == 0);
	pthread_join(t, NULL);
	CHECK(f.pid > 0);
	/* Had the short-lived thread forked it, SIGKILL would have come as
	 * that thread ended. */
	usleep(200 * 1000);
	int status = 0;
	CHECK(waitpid(f.pid, &status, WNOHANG) == 0);
	if (f.pid > 0) {
		kill(f.pid, SIGKILL);
		CHECK(waitpid(f.pid, &status, 0) == f.pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}

	pthread_t callers[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&callers[i], NULL, many_calls, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(callers[i], NULL);
	CHECK(calls == 80);
	CHECK(max_running == 1);
	return check_done("test_core_forker");
}
