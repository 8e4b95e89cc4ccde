/* The socket side of the libcurl multi loop: libcurl's own poll of its connections, with the input beside them. */
#ifndef WR_MULTI_H
#define WR_MULTI_H

#include <curl/curl.h>

/*
 * curl_multi_poll watches every connection in flight and the input in one
 * poll(2). It replaced an epoll set fed by libcurl's socket callbacks
 * (186 lines): measured paired on two cores, the poll is 5-9% faster at
 * -j 32 against an instant server and the same at -j 256 against a 200 ms
 * one; only at -j 1024 does the epoll set win, by 2% of wall time.
 */
struct wr_multi {
	CURLM *m;
	int added;   /* transfers were added since libcurl last ran */
};

/* A multi handle that multiplexes and keeps maxconnects connections. Exits 2 on failure. */
void wr_multi_init(struct wr_multi *w, long maxconnects);
void wr_multi_free(struct wr_multi *w);
void wr_multi_add(struct wr_multi *w, CURL *h);
/* Let libcurl start what was added since it last ran, so that it goes out before the next wait. */
void wr_multi_start(struct wr_multi *w);
/*
 * Wait at most wait seconds (less when libcurl has a timeout due sooner)
 * for the connections, and for fd to be readable when fd >= 0; then let
 * libcurl run the transfers. Returns 1 when fd is readable.
 */
int wr_multi_wait(struct wr_multi *w, double wait, int fd);

#endif
