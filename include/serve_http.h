/* wr-serve's HTTP side: OpenAI, Anthropic and Gemini endpoints on 127.0.0.1 (libmicrohttpd). */
#ifndef WR_SERVE_HTTP_H
#define WR_SERVE_HTTP_H

#include <stdint.h>
#include <stdio.h>

#include "hash.h"
#include "lexicon.h"
#include "serve.h"
#include "serve_batch.h"

struct wr_serve_conf {
	const struct wr_lexicon *lex;
	unsigned port;                /* 0: the kernel picks one */
	unsigned threads;             /* worker threads */
	unsigned long latency_ms;     /* delay before each answer */
	uint64_t seed;
	int style;                    /* enum wr_style */
	const char *key;              /* required bearer key, or NULL */
	double rates[WR_NFAULTS];     /* fault rates, indexed by enum wr_fault */
	unsigned long retry_after;    /* seconds, for 429 answers */
	const struct wr_map *refuse;  /* entries whose requests are always refused */
	FILE *log;                    /* one line per request, or NULL */
	size_t max_body;              /* larger request bodies get 413 */
	double rpm, tpm;              /* rate limits a minute; 0: none */
	double burst;                 /* seconds' worth a limit's bucket holds */
	int limit_retry_after;        /* Retry-After on every dialect's limit 429s */
	unsigned long max_inflight;   /* answers made at once beyond which it is overloaded; 0: no bound */
	unsigned long batch_ms;       /* a batch job's life, creation to end */
	const struct wr_batch_fault_use *batch_faults;   /* --batch-fault, in order */
	size_t nbatch_faults;
	int batch_hang[WR_NHANG];     /* withhold the first answer of these steps */
};

struct wr_serve_stats {
	unsigned long requests, ok, errors, entries, rate_limited;
};

/*
 * Start serving on 127.0.0.1 with worker threads and return the port.
 * conf and what it points to must outlive the server. Exits 2 when it
 * cannot listen.
 */
unsigned wr_serve_start(const struct wr_serve_conf *conf);
/* Answer the delayed requests at once, stop, and report the counters. */
void wr_serve_stop(struct wr_serve_stats *stats);

#endif
