/* Objects the service writes from a stream of its own rather than from a
 * PUT's body: the files of a form post (formpost.c) and the entries of an
 * archive (extract.c). The same steps as a PUT: the data goes to a
 * temporary file with its MD5 computed on the way, then the quotas, the
 * versions archive and the commit (store.c). Memory stays constant. */
#include <assert.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "object/internal.h"

/* Runs when the request ends: a writer neither committed nor aborted (the
 * client went away) leaves no temporary file behind. */
static void writer_cleanup(void *p)
{
	object_writer_abort(p);
}

static void md_free(void *p)
{
	EVP_MD_CTX_free(p);
}

int object_writer_open(struct arena *a, struct object_writer *w, const struct object_target *t,
                       struct api_error *err)
{
	struct object_row old;
	struct api_error none;
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->t = *t;
	if (object_check_names(&w->t, err) != 0 ||
	    object_db_container(a, t->account, t->container, &w->c, err) != 0)
		return -1;
	w->existed = object_db_get(a, t->account, t->container, t->object, &old, &none) == 0;
	w->old_size = w->existed ? old.size : 0;
	w->row.account = w->t.account;
	w->row.container = w->t.container;
	w->row.name = w->t.object;
	w->row.meta = object_meta_parse(a, NULL);
	w->row.content_type = object_guess_type(t->object);
	w->limit = t->svc->max_file_size;
	if (object_store_tmp(a, t->svc, &w->fd, &w->tmp, err) != 0)
		return -1;
	w->md5 = EVP_MD_CTX_new();
	if (!w->md5)
		abort();
	arena_defer(a, md_free, w->md5);
	EVP_DigestInit_ex(w->md5, EVP_md5(), NULL);
	arena_defer(a, writer_cleanup, w);
	return 0;
}

int object_writer_write(struct object_writer *w, const char *data, size_t len,
                        struct api_error *err)
{
	assert(w->fd >= 0);
	w->got += len;
	if ((int64_t)w->got > w->limit)
		return api_fail(err, API_TOO_LARGE, "Your request is too large.");
	EVP_DigestUpdate(w->md5, data, len);
	while (len) {
		ssize_t n = write(w->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return api_fail(err, API_INTERNAL, "cannot write the object: %s",
			                strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int object_writer_commit(struct arena *a, struct object_writer *w, struct api_error *err)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex = arena_alloc(a, 2 * EVP_MAX_MD_SIZE + 1);
	assert(w->fd >= 0);
	EVP_DigestFinal_ex(w->md5, d, &n);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	w->row.etag = hex;
	w->row.data_md5 = hex;
	w->row.size = (int64_t)w->got;
	if (object_quota_check(a, &w->t, w->c.meta, w->row.size - w->old_size, !w->existed, err) !=
	        0 ||
	    (w->existed && object_versions_archive(a, &w->t, w->c.meta, err) != 0))
		return -1;
	w->row.modified = object_now();
	if (object_store_commit(a, w->t.svc, w->fd, w->tmp, &w->row, err) != 0)
		return -1;
	close(w->fd);
	w->fd = -1;
	return 0;
}

void object_writer_abort(struct object_writer *w)
{
	if (!w || w->fd < 0)
		return;
	object_store_discard(w->fd, w->tmp);
	w->fd = -1;
}
