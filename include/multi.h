/* The socket side of the libcurl multi loop: one epoll set for the sockets libcurl asks for, and its timer. */
#ifndef WR_MULTI_H
#define WR_MULTI_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * libcurl tells which sockets to watch and when its next timeout is due;
 * one epoll set holds the sockets, so a wakeup costs the sockets that are
 * ready, not every connection in flight. A socket libcurl stops watching
 * stays in the set until it reports something (then it leaves): a
 * kept-alive connection is let go and taken again for every request, so
 * each request costs one epoll_ctl (MOD) instead of two (DEL, then ADD).
 */
struct wr_multi {
	CURLM *m;
	int epfd;
	unsigned char *watched;   /* per fd: what the set holds (see multi.c) */
	size_t n_watched;
	double timer_due;         /* wr_now() seconds; < 0: no timeout set */
};

/* A multi handle that multiplexes and keeps maxconnects connections. Exits 2 on failure. */
void wr_multi_init(struct wr_multi *w, long maxconnects);
void wr_multi_free(struct wr_multi *w);
/* Set up an easy handle for this loop (the hook that tells it when libcurl closes a socket). */
void wr_multi_easy(struct wr_multi *w, CURL *h);
void wr_multi_add(struct wr_multi *w, CURL *h);
/* Run libcurl's timeout when it is due. */
void wr_multi_timeout(struct wr_multi *w, double now);
/*
 * Wait at most wait seconds (less when libcurl's timer is due sooner) for
 * the sockets, and for fd to be readable when fd >= 0; hand what is ready
 * to libcurl. Returns 1 when fd is readable.
 */
int wr_multi_wait(struct wr_multi *w, double wait, int fd);

#endif
