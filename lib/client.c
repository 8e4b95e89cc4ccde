/* The provider a client talks to: URLs, dialect, key and headers (wr-query and wr-submit). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "client.h"
#include "common.h"
#include "http.h"
#include "key.h"

static void
add(struct wr_client *c, const char *h)
{
	struct curl_slist *l = curl_slist_append(c->headers, h);

	if (!l)
		wr_die("out of memory");
	c->headers = l;
}

void
wr_client_header(struct wr_client *c, const char *h)
{
	const char *why = wr_header_check(h);

	if (why)
		wr_die("-H %.*s: %s", (int)strcspn(h, " \t:;"), h, why);
	add(c, h);
}

void
wr_client_url(struct wr_client *c, const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		struct wr_buf shown = {0};
		wr_http_redact(&shown, url);
		wr_die("-u %s: not an http:// or https:// URL", shown.s);
	}
	c->urls = wr_realloc(c->urls, (size_t)(c->n_urls + 1) * sizeof *c->urls);
	c->urls[c->n_urls++] = url;
}

void
wr_client_key_header(struct wr_client *c, const char *name)
{
	const char *why = wr_header_name_check(name);

	if (why)
		wr_die("--key-header %s: %s", name, why);
	c->key_header = name;
}

int
wr_client_option(struct wr_client *c, int opt, const char *arg)
{
	switch (opt) {
	case 'H':
		wr_client_header(c, arg);
		break;
	case 'u':
		wr_client_url(c, arg);
		break;
	case WR_CLIENT_OPT_KEYFILE:
		c->key_file = arg;
		break;
	case WR_CLIENT_OPT_CACERT:
		c->cacert = arg;
		break;
	case WR_CLIENT_OPT_KEYHDR:
		wr_client_key_header(c, arg);
		break;
	case WR_CLIENT_OPT_PRICE:
		wr_price_arg("--price ", arg, &c->price);
		c->have_price = 1;
		break;
	case WR_CLIENT_OPT_RATE_WAIT:
		c->rate_wait = wr_strtod_in(arg, "--rate-wait", 0, 1e7);
		break;
	case WR_CLIENT_OPT_TIMEOUT:
		c->timeout_s = wr_strtod(arg, "--timeout");
		if (c->timeout_s <= 0 || c->timeout_s > 1e7)
			wr_die("--timeout %s: must be above 0 and at most 10000000", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

int
wr_client_has_header(const struct wr_client *c, const char *name)
{
	const struct curl_slist *l;
	size_t n = strlen(name);

	for (l = c->headers; l; l = l->next)
		if (strncasecmp(l->data, name, n) == 0 && (l->data[n] == ':' || l->data[n] == ';'))
			return 1;
	return 0;
}

/* 1 when a header of the name of header line h ("Name: value") was given. */
static int
has_header_line(const struct wr_client *c, const char *h)
{
	char name[64];
	size_t n = strcspn(h, ":");

	if (n >= sizeof name)
		return 0;
	memcpy(name, h, n);
	name[n] = '\0';
	return wr_client_has_header(c, name);
}

/* The URL for messages, without user information (a static buffer per call site is enough). */
static const char *
shown(struct wr_buf *b, const char *url)
{
	wr_buf_reset(b);
	wr_http_redact(b, url);
	return b->s;
}

void
wr_client_choose(struct wr_client *c)
{
	static const struct { const char *vendor, *env; } vendors[] = {
		{"openai", "OPENAI_API_KEY"}, {"anthropic", "ANTHROPIC_API_KEY"}, {"google", "GEMINI_API_KEY"},
	};
	struct wr_buf s1 = {0}, s2 = {0};
	const struct curl_slist *l;
	const char *env, *vendor = NULL, *v;
	const struct wr_dialect *d;
	size_t k;
	int i, by = -1;

	for (l = c->headers; l; l = l->next)
		if (wr_key_header(l->data, c->key_header))
			wr_die("-H %.*s: a key on the command line is visible to other users; "
			    "give it in $OPENAI_API_KEY or --api-key-file (and --key-header NAME "
			    "for a header other than Authorization)", (int)strcspn(l->data, ":;"), l->data);
	c->api_given = c->api != NULL;
	if (c->n_urls == 0) {
		if (!c->api || c->api == &wr_dialect_openai)
			wr_client_url(c, (env = getenv("OPENAI_BASE_URL")) && *env ? env : wr_dialect_openai.base_url);
		else
			wr_client_url(c, c->api->base_url);
	}
	for (i = 0; i < c->n_urls; i++) {
		d = wr_dialect_infer(c->urls[i]);
		if (!c->api)
			c->api = d;
		else if (!c->api_given && d != c->api)
			wr_die("-u %s speaks %s and -u %s speaks %s: give --api", shown(&s1, c->urls[by]),
			    c->api->name, shown(&s2, c->urls[i]), d->name);
		if (by < 0)
			by = i;
		if ((v = wr_dialect_vendor(c->urls[i])) == NULL)
			continue;
		if (vendor && strcmp(vendor, v) != 0)
			wr_die("-u %s and -u %s are hosts of two vendors: a key of one is never sent to the other",
			    shown(&s1, c->urls[0]), shown(&s2, c->urls[i]));
		vendor = v;
	}
	c->key_env = c->api->key_env;
	for (k = 0; vendor && k < sizeof vendors / sizeof *vendors; k++)
		if (strcmp(vendor, vendors[k].vendor) == 0)
			c->key_env = vendors[k].env;
	wr_buf_free(&s1);
	wr_buf_free(&s2);
	if (c->cacert && access(c->cacert, R_OK) != 0)
		wr_die("%s:", c->cacert);
	c->have_price = wr_price_env(&c->price, c->have_price);
}

void
wr_client_headers(struct wr_client *c, int json)
{
	const char *const *h;
	struct wr_buf hdr = {0};
	char *key;

	if (json && !wr_client_has_header(c, "Content-Type"))
		add(c, "Content-Type: application/json");
	if (!wr_client_has_header(c, "Expect"))
		add(c, "Expect:");
	for (h = c->api->headers; *h; h++)
		if (!has_header_line(c, *h))
			add(c, *h);
	if (!(key = wr_key_read(c->key_file, "--api-key-file", c->key_env)))
		return;
	if (c->key_header) {
		wr_buf_adds(&hdr, c->key_header);
		wr_buf_adds(&hdr, ": ");
	} else {
		wr_buf_adds(&hdr, c->api->key_header);
		wr_buf_adds(&hdr, ": ");
		wr_buf_adds(&hdr, c->api->key_prefix);
	}
	wr_buf_adds(&hdr, key);
	add(c, hdr.s);
	explicit_bzero(hdr.s, hdr.len);
	wr_buf_free(&hdr);
	wr_key_free(key);
}

void
wr_client_free(struct wr_client *c)
{
	curl_slist_free_all(c->headers);
	free(c->urls);
	memset(c, 0, sizeof *c);
}
