/* One thread that lives as long as the process, for fork()s whose children
 * must end with stackd. PR_SET_PDEATHSIG fires when the *thread* that forked
 * the child ends, not the process, and an HTTP request runs on its
 * connection's thread, which ends with the connection: a child forked there
 * would be killed moments after the request that started it. */
#ifndef STACKD_FORKER_H
#define STACKD_FORKER_H

/* Runs fn(arg) on the forker thread (started on first use) and returns once
 * it has returned. fn must not call forker_call itself. Calls from
 * several threads run one at a time, in turn. */
void forker_call(void (*fn)(void *arg), void *arg);

#endif
