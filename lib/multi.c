/* The socket side of the libcurl multi loop: one epoll set for the sockets libcurl asks for, and its timer. */
#include "multi.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"

/*
 * Per fd, what the epoll set holds: W_IN and W_OUT as registered, W_REG when
 * registered at all, W_STALE when libcurl no longer watches it.
 */
enum { W_IN = 1, W_OUT = 2, W_REG = 4, W_STALE = 8 };

static int
on_socket(CURL *e, curl_socket_t fd, int what, void *up, void *sp)
{
	struct wr_multi *w = up;
	struct epoll_event ev;
	int op, want;

	(void)e, (void)sp;
	if (fd < 0)
		return 0;
	if ((size_t)fd >= w->n_watched) {
		size_t n = (size_t)fd + 64;
		w->watched = wr_realloc(w->watched, n);
		memset(w->watched + w->n_watched, 0, n - w->n_watched);
		w->n_watched = n;
	}
	if (what == CURL_POLL_REMOVE) {
		if (w->watched[fd] & W_REG)
			w->watched[fd] |= W_STALE;
		return 0;
	}
	want = (what & CURL_POLL_IN ? W_IN : 0) | (what & CURL_POLL_OUT ? W_OUT : 0);
	/*
	 * Asked again for what it holds: nothing to do. Not so for a stale entry,
	 * whose socket may have been closed behind our back (a resolver's socket
	 * is not closed through on_close): MOD checks, and ADD follows if need be.
	 */
	if (w->watched[fd] == (W_REG | want))
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = (want & W_IN ? EPOLLIN : 0) | (want & W_OUT ? EPOLLOUT : 0);
	ev.data.fd = fd;
	op = w->watched[fd] & W_REG ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	/* A closed fd leaves the set by itself; its number may come back as a new socket. */
	if (epoll_ctl(w->epfd, op, fd, &ev) != 0 &&
	    epoll_ctl(w->epfd, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
		return -1;
	w->watched[fd] = (unsigned char)(W_REG | want);
	return 0;
}

static int
on_timer(CURLM *m, long ms, void *up)
{
	struct wr_multi *w = up;

	(void)m;
	w->timer_due = ms < 0 ? -1 : wr_now() + (double)ms / 1000;
	return 0;
}

/* libcurl closes a socket: the set forgets it with the close; so must watched. */
static int
on_close(void *clientp, curl_socket_t fd)
{
	struct wr_multi *w = clientp;

	if (fd >= 0 && (size_t)fd < w->n_watched)
		w->watched[fd] = 0;
	return close(fd);
}

static void
act(struct wr_multi *w, curl_socket_t fd, int mask)
{
	int still;

	if (curl_multi_socket_action(w->m, fd, mask, &still) != CURLM_OK)
		wr_die("libcurl: the transfer loop failed");
}

/* An event on fd: hand it to libcurl, or drop the fd from the set if libcurl let it go. */
static void
event(struct wr_multi *w, int fd, uint32_t events)
{
	if ((size_t)fd < w->n_watched && (w->watched[fd] & W_STALE)) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		w->watched[fd] = 0;
		return;
	}
	act(w, fd, (events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
	    (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0));
}

void
wr_multi_init(struct wr_multi *w, long maxconnects)
{
	memset(w, 0, sizeof *w);
	w->timer_due = -1;
	if (!(w->m = curl_multi_init()))
		wr_die("libcurl: cannot create a multi handle");
	curl_multi_setopt(w->m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(w->m, CURLMOPT_MAXCONNECTS, maxconnects);
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		wr_die("epoll_create1 failed");
	curl_multi_setopt(w->m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(w->m, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(w->m, CURLMOPT_TIMERDATA, w);
}

void
wr_multi_free(struct wr_multi *w)
{
	curl_multi_cleanup(w->m);
	close(w->epfd);
	free(w->watched);
}

void
wr_multi_easy(struct wr_multi *w, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, w);
}

void
wr_multi_add(struct wr_multi *w, CURL *h)
{
	if (curl_multi_add_handle(w->m, h) != CURLM_OK)
		wr_die("libcurl: cannot add a transfer");
}

void
wr_multi_timeout(struct wr_multi *w, double now)
{
	if (w->timer_due >= 0 && w->timer_due <= now) {
		w->timer_due = -1;
		act(w, CURL_SOCKET_TIMEOUT, 0);
	}
}

int
wr_multi_wait(struct wr_multi *w, double wait, int fd)
{
	struct epoll_event evs[256];
	struct pollfd pfd[2];
	double now = wr_now();
	int i, n, ms, readable = 0;

	if (w->timer_due >= 0 && w->timer_due - now < wait)
		wait = w->timer_due > now ? w->timer_due - now : 0;
	ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;
	if (fd >= 0) {
		/* The input too: poll both, then take the sockets' events without waiting. */
		pfd[0].fd = w->epfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, ms) < 0) {
			if (errno == EINTR)
				return 0;
			wr_die("poll failed");
		}
		readable = (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
		if (!(pfd[0].revents & POLLIN))
			return readable;
		ms = 0;
	}
	if ((n = epoll_wait(w->epfd, evs, (int)(sizeof evs / sizeof evs[0]), ms)) < 0) {
		if (errno == EINTR)
			return readable;
		wr_die("epoll_wait failed");
	}
	for (i = 0; i < n; i++)
		event(w, evs[i].data.fd, evs[i].events);
	return readable;
}
