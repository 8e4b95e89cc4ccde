/* The socket side of the libcurl multi loop: libcurl's own poll of its connections, with the input beside them. */
#include "multi.h"

#include <poll.h>
#include <string.h>

#include "common.h"

/* Let libcurl move every transfer on: send, read, time out, finish. */
static void
perform(struct wr_multi *w)
{
	int still;

	w->added = 0;
	if (curl_multi_perform(w->m, &still) != CURLM_OK)
		wr_die("libcurl: the transfer loop failed");
}

void
wr_multi_init(struct wr_multi *w, long maxconnects)
{
	memset(w, 0, sizeof *w);
	if (!(w->m = curl_multi_init()))
		wr_die("libcurl: cannot create a multi handle");
	curl_multi_setopt(w->m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(w->m, CURLMOPT_MAXCONNECTS, maxconnects);
}

void
wr_multi_free(struct wr_multi *w)
{
	curl_multi_cleanup(w->m);
}

void
wr_multi_add(struct wr_multi *w, CURL *h)
{
	if (curl_multi_add_handle(w->m, h) != CURLM_OK)
		wr_die("libcurl: cannot add a transfer");
	w->added = 1;
}

void
wr_multi_start(struct wr_multi *w)
{
	if (w->added)
		perform(w);
}

int
wr_multi_wait(struct wr_multi *w, double wait, int fd)
{
	struct curl_waitfd in = {fd, CURL_WAIT_POLLIN, 0};
	int ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;

	if (curl_multi_poll(w->m, fd >= 0 ? &in : NULL, fd >= 0 ? 1 : 0, ms, NULL) != CURLM_OK)
		wr_die("libcurl: the transfer loop failed");
	perform(w);
	return fd >= 0 && (in.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}
