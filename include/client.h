/* The provider a client talks to: the URLs of -u, the dialect, the key and the headers of every request. */
#ifndef WR_CLIENT_H
#define WR_CLIENT_H

#include <curl/curl.h>
#include <getopt.h>

#include "dialect.h"
#include "plan.h"

struct wr_client {
	const struct wr_dialect *api;  /* --api, else what the URLs speak (wr_client_choose) */
	int api_given;                 /* --api was given */
	const char **urls;             /* -u in order (borrowed), else the default one */
	int n_urls;
	struct curl_slist *headers;    /* -H, then what wr_client_headers adds */
	const char *key_file;          /* --api-key-file */
	const char *key_header;        /* --key-header */
	const char *key_env;           /* the variable the key comes from */
	const char *cacert;            /* --cacert */
	double timeout_s;              /* --timeout: seconds a call may take */
	double rate_wait;              /* --rate-wait: seconds to wait out 429s and 529s */
	struct wr_price price;         /* --price, else $WR_PRICE (wr_client_choose) */
	int have_price;
};
/* A client before its options: calls time out after 600 s, and 429s are waited out for an hour. */
#define WR_CLIENT_INIT {.timeout_s = 600, .rate_wait = 3600}

/*
 * The options of every program that calls a provider, for its getopt_long
 * table (with "H:u:" in its short options): -H, -u, --api-key-file,
 * --cacert, --key-header, --price, --rate-wait and --timeout. The
 * program's own long options take codes from WR_CLIENT_OPT_END on.
 */
enum {
	WR_CLIENT_OPT_KEYFILE = 256, WR_CLIENT_OPT_CACERT, WR_CLIENT_OPT_KEYHDR, WR_CLIENT_OPT_PRICE,
	WR_CLIENT_OPT_RATE_WAIT, WR_CLIENT_OPT_TIMEOUT, WR_CLIENT_OPT_END
};
#define WR_CLIENT_LONGOPTS \
	{"api-key-file", required_argument, NULL, WR_CLIENT_OPT_KEYFILE}, \
	{"cacert", required_argument, NULL, WR_CLIENT_OPT_CACERT}, \
	{"header", required_argument, NULL, 'H'}, \
	{"key-header", required_argument, NULL, WR_CLIENT_OPT_KEYHDR}, \
	{"price", required_argument, NULL, WR_CLIENT_OPT_PRICE}, \
	{"rate-wait", required_argument, NULL, WR_CLIENT_OPT_RATE_WAIT}, \
	{"timeout", required_argument, NULL, WR_CLIENT_OPT_TIMEOUT}, \
	{"url", required_argument, NULL, 'u'}
/* Take option opt of WR_CLIENT_LONGOPTS with its argument: 1, or 0 when opt is none of them. */
int wr_client_option(struct wr_client *c, int opt, const char *arg);

/* -H HEADER: exits 2, naming the header by its first word only, when it is no 'Name: value'. */
void wr_client_header(struct wr_client *c, const char *h);
/* -u URL: exits 2 when it is no http(s) URL. */
void wr_client_url(struct wr_client *c, const char *url);
/* --key-header NAME: exits 2 when NAME is no header name. */
void wr_client_key_header(struct wr_client *c, const char *name);
/* 1 when a header of this name was given with -H (or added since). */
int wr_client_has_header(const struct wr_client *c, const char *name);

/*
 * After the options: refuse a key given with -H (the command line is
 * visible to other users), choose the dialect (--api, else what the URLs
 * say; two URLs speaking two dialects need --api), add the default URL
 * ($OPENAI_BASE_URL for openai) when -u was not given, and choose the
 * variable the key comes from: the one of the vendor whose hosts -u names
 * (a key of one vendor never goes to another vendor's host), else the
 * dialect's own; without --price, take $WR_PRICE. Exits 2 on any
 * conflict, or when --cacert names no readable file.
 */
void wr_client_choose(struct wr_client *c);
/*
 * Add what every request carries: Content-Type: application/json when json
 * is set and -H gave none, "Expect:" (no 100 Continue round trip), the
 * dialect's fixed headers, and the key (read now; never printed).
 */
void wr_client_headers(struct wr_client *c, int json);
void wr_client_free(struct wr_client *c);

#endif
