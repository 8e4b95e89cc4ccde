/* The client's provider: the dialect and key variable a set of URLs and options choose, and the headers sent. */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "unit.h"

struct ccase {
	const char *urls[3];     /* NULL-ended */
	const char *api;         /* --api, or NULL */
	const char *base_env;    /* $OPENAI_BASE_URL, or NULL */
	const char *want_api;
	const char *want_env;
	const char *want_url;    /* the first URL after choosing */
};

static const struct ccase cases[] = {
	{{NULL}, NULL, NULL, "openai", "OPENAI_API_KEY", "https://api.openai.com/v1"},
	{{NULL}, NULL, "http://127.0.0.1:8080/v1", "openai", "OPENAI_API_KEY", "http://127.0.0.1:8080/v1"},
	{{NULL}, "anthropic", "http://127.0.0.1:8080/v1", "anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com/v1"},
	{{NULL}, "gemini", NULL, "gemini", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com/v1beta"},
	{{"https://api.anthropic.com/v1", NULL}, NULL, NULL, "anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com/v1"},
	{{"https://generativelanguage.googleapis.com/v1beta/openai", NULL}, NULL, NULL, "openai", "GEMINI_API_KEY",
	    "https://generativelanguage.googleapis.com/v1beta/openai"},
	/* A local server asked in Anthropic's dialect keeps the dialect's own key variable. */
	{{"http://127.0.0.1:9/v1", NULL}, "anthropic", NULL, "anthropic", "ANTHROPIC_API_KEY", "http://127.0.0.1:9/v1"},
	/* OpenAI's host with --api anthropic: the key is OpenAI's, whatever the dialect. */
	{{"https://api.openai.com/v1", NULL}, "anthropic", NULL, "anthropic", "OPENAI_API_KEY", "https://api.openai.com/v1"},
	{{"http://a:8000/v1", "http://b:8000/v1", NULL}, NULL, NULL, "openai", "OPENAI_API_KEY", "http://a:8000/v1"},
};

/* The headers of c as one string, a line each. */
static void
headers_of(const struct wr_client *c, struct wr_buf *out)
{
	const struct curl_slist *l;

	for (l = c->headers; l; l = l->next) {
		wr_buf_adds(out, l->data);
		wr_buf_addc(out, '\n');
	}
}

int
main(void)
{
	struct wr_buf h = {0};
	size_t k;
	int i;

	for (k = 0; k < sizeof cases / sizeof *cases; k++) {
		const struct ccase *t = &cases[k];
		struct wr_client c = {0};

		if (t->base_env)
			setenv("OPENAI_BASE_URL", t->base_env, 1);
		else
			unsetenv("OPENAI_BASE_URL");
		for (i = 0; t->urls[i]; i++)
			wr_client_url(&c, t->urls[i]);
		c.api = t->api ? wr_dialect_find(t->api) : NULL;
		wr_client_choose(&c);
		CHECK(strcmp(c.api->name, t->want_api) == 0, "case %zu: api %s", k, c.api->name);
		CHECK(strcmp(c.key_env, t->want_env) == 0, "case %zu: key from %s", k, c.key_env);
		CHECK(strcmp(c.urls[0], t->want_url) == 0, "case %zu: url %s", k, c.urls[0]);
		CHECK(c.api_given == (t->api != NULL), "case %zu: api given", k);
		wr_client_free(&c);
	}

	/* The headers: -H first, then Content-Type (unless given), Expect, the dialect's, the key. */
	{
		struct wr_client c = {0};

		setenv("ANTHROPIC_API_KEY", "sk-ant-unit", 1);
		wr_client_url(&c, "http://127.0.0.1:9/v1");
		c.api = wr_dialect_find("anthropic");
		wr_client_header(&c, "X-Trace: 1");
		wr_client_choose(&c);
		wr_client_headers(&c, 1);
		headers_of(&c, &h);
		CHECK(strcmp(h.s, "X-Trace: 1\nContent-Type: application/json\nExpect:\nanthropic-version: 2023-06-01\n"
		    "x-api-key: sk-ant-unit\n") == 0, "anthropic headers:\n%s", h.s);
		CHECK(wr_client_has_header(&c, "content-type") && !wr_client_has_header(&c, "Content"),
		    "has_header is by whole name, any case");
		wr_client_free(&c);
		unsetenv("ANTHROPIC_API_KEY");
	}
	{
		struct wr_client c = {0};

		wr_buf_reset(&h);
		setenv("OPENAI_API_KEY", "sk-unit", 1);
		wr_client_url(&c, "http://127.0.0.1:9/v1");
		wr_client_header(&c, "Content-Type: application/x-ndjson");
		wr_client_key_header(&c, "api-key");
		wr_client_choose(&c);
		wr_client_headers(&c, 1);
		headers_of(&c, &h);
		CHECK(strcmp(h.s, "Content-Type: application/x-ndjson\nExpect:\napi-key: sk-unit\n") == 0,
		    "a given Content-Type and --key-header:\n%s", h.s);
		wr_client_free(&c);
		wr_buf_reset(&h);
		/* No key anywhere: no key header at all. */
		unsetenv("OPENAI_API_KEY");
		wr_client_url(&c, "http://127.0.0.1:9/v1");
		wr_client_choose(&c);
		wr_client_headers(&c, 0);
		headers_of(&c, &h);
		CHECK(strcmp(h.s, "Expect:\n") == 0, "without a key, only Expect:\n%s", h.s);
		wr_client_free(&c);
	}
	/* The shared options through getopt_long: each lands in the client, others are left to the program. */
	{
		static const struct option longopts[] = {WR_CLIENT_LONGOPTS, {"jobs", required_argument, NULL, 'j'},
			{NULL, 0, NULL, 0}};
		char *argv[] = {"prog", "-u", "http://127.0.0.1:9/v1", "--api-key-file=k", "--cacert", "ca.pem",
			"-H", "X-A: 1", "--key-header", "api-key", "--jobs", "3", "--price", "2:8", "--rate-wait", "0",
			"--timeout", "1.5", NULL};
		struct wr_client c = WR_CLIENT_INIT;
		int o, other = 0;

		CHECK(c.timeout_s == 600 && c.rate_wait == 3600 && !c.have_price, "the defaults");
		optind = 1;
		while ((o = getopt_long(18, argv, "H:j:u:", longopts, NULL)) != -1)
			if (!wr_client_option(&c, o, optarg))
				other = o;
		CHECK(other == 'j', "only -j is left to the program (%d)", other);
		CHECK(c.n_urls == 1 && strcmp(c.urls[0], "http://127.0.0.1:9/v1") == 0, "-u");
		CHECK(c.key_file && strcmp(c.key_file, "k") == 0, "--api-key-file");
		CHECK(c.cacert && strcmp(c.cacert, "ca.pem") == 0, "--cacert");
		CHECK(c.key_header && strcmp(c.key_header, "api-key") == 0, "--key-header");
		CHECK(wr_client_has_header(&c, "X-A"), "-H");
		CHECK(c.have_price && c.price.in == 2 && c.price.out == 8, "--price");
		CHECK(c.rate_wait == 0 && c.timeout_s == 1.5, "--rate-wait and --timeout");
		wr_client_free(&c);
	}
	wr_buf_free(&h);
	return unit_done();
}
