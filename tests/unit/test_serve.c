/* Unit tests for lib/lexicon.c and lib/serve*.c: scores, request parsing, answer shapes, faults, dialects, limits. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "lexicon.h"
#include "serve.h"
#include "serve_limit.h"

static int cases, failed;

static void
check(int ok, const char *what, const char *detail)
{
	cases++;
	if (!ok) {
		failed++;
		fprintf(stderr, "FAIL: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	}
}

static void
check_str(const char *what, const char *got, const char *want)
{
	char detail[4096];

	snprintf(detail, sizeof detail, "got \"%s\", want \"%s\"", got, want);
	check(strcmp(got, want) == 0, what, detail);
}

static void
test_lexicon(void)
{
	static const struct { const char *entry; int size; } t[] = {
		{"cat", 10}, {"CAT", 10}, {"Cat", 10}, {"dog", 10},
		{"cream", 20},            /* CRLF list */
		{"quixotic", 35}, {"zymurgy", 60}, {"syzygy", 70}, {"abidingness", 95},
		{"Paris", 50}, {"paris", 50}, {"PARIS", 50},   /* folded: the smallest size wins */
		{"Atatürk", 50}, {"ATATüRK", 50}, {"atatÜrk", 0}, /* only ASCII is folded */
		{"NASA", 40}, {"nasa", 40}, {"don't", 10},
		{"ice cream", 20}, {"ice-cream", 20}, {"hot  dog", 20}, {"cat zymurgy dog", 60},
		{"ice xyzzyq", 0}, {"xyzzyq", 0}, {"colour", 0}, /* british lists are not read */
		{" ", 0}, {"", 0}, {"-", 0}, {"ca", 0}, {"cats", 0},
	};
	struct wr_lexicon lx;
	size_t i;
	char detail[256];
	int got;

	wr_lexicon_load(&lx, "tests/fixtures/serve-scowl");
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		got = wr_lexicon_size(&lx, t[i].entry, strlen(t[i].entry));
		snprintf(detail, sizeof detail, "\"%s\": got %d, want %d", t[i].entry, got, t[i].size);
		check(got == t[i].size, "lexicon size", detail);
	}
	check(lx.files == 9, "lexicon reads english-* and american-* lists only", NULL);
	wr_lexicon_add(&lx, "Petrichor", 9, 80);
	check(wr_lexicon_size(&lx, "petrichor", 9) == 80, "lexicon add", NULL);
	wr_lexicon_add(&lx, "petrichor", 9, 55);
	check(wr_lexicon_size(&lx, "PETRICHOR", 9) == 55, "lexicon add keeps the smallest size", NULL);
	check(wr_lexicon_score(&lx, "cat", 3) == 5, "score of a common word", NULL);
	wr_lexicon_free(&lx);

	{
		static const int sizes[][2] = {
			{0, 1}, {10, 5}, {20, 5}, {35, 4}, {40, 4}, {50, 3}, {55, 3}, {60, 3},
			{70, 2}, {80, 2}, {95, 2},
		};
		for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			snprintf(detail, sizeof detail, "size %d", sizes[i][0]);
			check(wr_lexicon_score_of(sizes[i][0]) == sizes[i][1], "score of size", detail);
		}
	}
}

static void
test_parse(void)
{
	static const struct { const char *body, *entries, *why; long max_tokens; } t[] = {
		{"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Rate:\\n\\ncat\\nice cream\"}]}",
		    "cat|ice cream", NULL, 0},
		/* no blank line: every line */
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"cat\\ndog\"}]}", "cat|dog", NULL, 0},
		/* CRLF, white space, a final newline */
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"a\\r\\n\\r\\n  cat \\r\\n\\tdog\\r\\n\"}]}",
		    "cat|dog", NULL, 0},
		/* a blank last line leaves nothing after it */
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"a\\n\\ncat\\n\\n\"}]}", "", NULL, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"a\\n\\ncat\\n \"}]}", "", NULL, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"a\\n \\nb\\n\\ncat\"}]}", "cat", NULL, 0},
		/* the last user message counts */
		{"{\"messages\":[{\"role\":\"system\",\"content\":\"s\\n\\nx\"},{\"role\":\"user\",\"content\":\"a\\n\\nold\"},"
		    "{\"role\":\"assistant\",\"content\":\"old;1\"},{\"role\":\"user\",\"content\":\"a\\n\\nnew\"}]}",
		    "new", NULL, 0},
		/* content parts */
		{"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Rate:\\n\"},"
		    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},{\"type\":\"text\",\"text\":\"\\ncat\\ndog\"}]}]}",
		    "cat|dog", NULL, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"Rate:\\n\\n\"}]}", "", NULL, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\n\\ncat\"}],\"max_tokens\":7}", "cat", NULL, 7},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\n\\ncat\"}],\"max_tokens\":7,"
		    "\"max_completion_tokens\":9}", "cat", NULL, 9},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\n\\ncat\"}],\"stream\":false}", "cat", NULL, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\n\\ncat\"}],\"max_tokens\":0}", NULL,
		    "max_tokens must be a positive integer.", 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\n\\ncat\"}],\"stream\":true}", NULL,
		    "wr-serve does not stream; leave out \"stream\": true.", 0},
		{"{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", NULL,
		    "messages must include a user message.", 0},
		{"{\"model\":\"m\"}", NULL, "messages must be an array.", 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":7}]}", NULL,
		    "message content must be a string or an array of text parts.", 0},
		{"{\"messages\":[", NULL, "We could not parse the JSON body of your request.", 0},
		{"[1]", NULL, "We could not parse the JSON body of your request.", 0},
		{"", NULL, "We could not parse the JSON body of your request.", 0},
	};
	struct wr_chat c;
	struct wr_buf got = {0};
	const char *why;
	size_t i, k;
	int r;

	wr_chat_init(&c);
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		why = NULL;
		r = wr_chat_parse(&c, t[i].body, strlen(t[i].body), &why);
		if (t[i].why) {
			check(r == -1, "parse fails", t[i].body);
			check_str("parse reason", why ? why : "(null)", t[i].why);
			continue;
		}
		check(r == 0, "parse succeeds", why);
		wr_buf_reset(&got);
		wr_buf_add(&got, "", 0);
		for (k = 0; r == 0 && k < c.n; k++) {
			if (k)
				wr_buf_addc(&got, '|');
			wr_buf_add(&got, c.entries[k], c.lens[k]);
		}
		check_str("entries", got.s, t[i].entries);
		check(c.max_tokens == t[i].max_tokens, "max_tokens", t[i].body);
	}
	wr_chat_parse(&c, t[0].body, strlen(t[0].body), &why);
	check_str("model", c.model.s, "m");
	check(c.prompt_bytes == strlen("Rate:\n\ncat\nice cream"), "prompt bytes", NULL);
	wr_chat_parse(&c, t[1].body, strlen(t[1].body), &why);
	check_str("model default", c.model.s, "wr-serve");
	wr_chat_parse(&c, t[6].body, strlen(t[6].body), &why);
	check(c.prompt_bytes == 4 + 6 + 6, "prompt bytes count system and user messages", NULL);
	wr_chat_free(&c);
	wr_buf_free(&got);
}

static void
test_styles(void)
{
	static const char *const entries[] = {"cat", "ice cream", "a|b \"q\""};
	static const size_t lens[] = {3, 9, 7};
	static const int scores[] = {5, 4, 1};
	static const struct { const char *style, *want; } t[] = {
		{"plain", "cat;5\nice cream;4\na|b \"q\";1"},
		{"colon", "cat: 5\nice cream: 4\na|b \"q\": 1"},
		{"dash", "cat - 5\nice cream - 4\na|b \"q\" - 1"},
		{"tab", "cat\t5\nice cream\t4\na|b \"q\"\t1"},
		{"numbered", "1. cat \xe2\x80\x94 5\n2. ice cream \xe2\x80\x94 4\n3. a|b \"q\" \xe2\x80\x94 1"},
		{"bold", "**cat**: 5\n**ice cream**: 4\n**a|b \"q\"**: 1"},
		{"table", "| Entry | Score |\n|-------|-------|\n| cat | 5 |\n| ice cream | 4 |\n| a\\|b \"q\" | 1 |"},
		{"json-array", "[\n  {\"entry\": \"cat\", \"score\": 5},\n  {\"entry\": \"ice cream\", \"score\": 4},\n"
		    "  {\"entry\": \"a|b \\\"q\\\"\", \"score\": 1}\n]"},
		{"json-object", "{\n  \"cat\": 5,\n  \"ice cream\": 4,\n  \"a|b \\\"q\\\"\": 1\n}"},
		{"fenced", "Here are the ratings:\n\n```text\ncat;5\nice cream;4\na|b \"q\";1\n```\n\n"
		    "Let me know if you would like any of them rated again."},
	};
	struct wr_buf out = {0};
	size_t i;
	int s, seen[WR_NSTYLES] = {0};
	uint64_t h;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		s = wr_style_parse(t[i].style);
		check(s >= 0 && strcmp(wr_style_name(s), t[i].style) == 0, "style name", t[i].style);
		wr_buf_reset(&out);
		wr_answer_text(&out, s, entries, lens, scores, 3);
		check_str(t[i].style, out.s, t[i].want);
	}
	check(wr_style_parse("mix") == WR_STYLE_MIX, "mix is a style", NULL);
	check(wr_style_parse("Plain") == -1, "unknown style", NULL);
	wr_buf_reset(&out);
	wr_answer_text(&out, WR_STYLE_JSON_ARRAY, entries, lens, scores, 0);
	check_str("no entries", out.s, "There are no entries to rate.");
	for (h = 0; h < 200; h++) {
		s = wr_style_pick(WR_STYLE_MIX, 1, h);
		check(s >= 0 && s < WR_NSTYLES, "mix picks a style", NULL);
		seen[s]++;
		check(s == wr_style_pick(WR_STYLE_MIX, 1, h), "mix is deterministic", NULL);
	}
	for (s = 0; s < WR_NSTYLES; s++)
		check(seen[s] > 0, "mix picks every style", wr_style_name(s));
	check(wr_style_pick(WR_STYLE_TABLE, 1, 42) == WR_STYLE_TABLE, "a fixed style stays", NULL);
	wr_buf_free(&out);
}

static void
test_cuts(void)
{
	static const struct { const char *s; const char *want; } t[] = {
		{"cat;5", "ca"},
		{"cat;5\nice cream;4\nxyzzyq;1", "cat;5\nice c"},
		{"a;1\nb;2", "a"},
		{"x", "x"},
		{"\xc3\xa9\xc3\xa9;5", "\xc3\xa9"},
		{"\xc3\xa9;5", "\xc3\xa9"},
		{"", ""},
	};
	char detail[256];
	size_t i, n;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		n = wr_mid_line(t[i].s, strlen(t[i].s));
		snprintf(detail, sizeof detail, "\"%s\" cut to \"%.*s\"", t[i].s, (int)n, t[i].s);
		check(n == strlen(t[i].want) && memcmp(t[i].s, t[i].want, n) == 0, "mid-line cut", detail);
	}
	check(wr_utf8_cut("a\xc3\xa9z", 2) == 1, "utf-8 cut backs off a continuation byte", NULL);
	check(wr_utf8_cut("a\xc3\xa9z", 3) == 3, "utf-8 cut at a boundary stays", NULL);
	check(wr_tokens(0) == 0 && wr_tokens(1) == 1 && wr_tokens(4) == 1 && wr_tokens(5) == 2,
	    "tokens are ceil(bytes / 4)", NULL);
}

static void
test_faults(void)
{
	double rates[WR_NFAULTS] = {0};
	int hits = 0, f, counts[WR_NFAULTS] = {0};
	uint64_t k;

	for (k = 0; k < 100; k++)
		check(wr_fault_pick(rates, 1, 12345, k) == WR_FAULT_NONE, "no rates, no faults", NULL);
	rates[WR_FAULT_429] = 1;
	for (k = 0; k < 100; k++)
		check(wr_fault_pick(rates, 1, 12345, k) == WR_FAULT_429, "rate 1 always", NULL);
	rates[WR_FAULT_429] = 0.5;
	for (k = 0; k < 1000; k++) {
		f = wr_fault_pick(rates, 7, 99, k);
		hits += f == WR_FAULT_429;
		check(f == (int)wr_fault_pick(rates, 7, 99, k), "faults are deterministic", NULL);
	}
	check(hits > 400 && hits < 600, "rate 0.5 is about half", NULL);
	/* Rates are consecutive slices of one draw: 0.25 each gives a quarter each. */
	for (f = WR_FAULT_DROP; f <= WR_FAULT_TRUNCATE; f++)
		rates[f] = f <= WR_FAULT_500 ? 0.25 : 0;
	rates[WR_FAULT_TRUNCATE] = 0.25;
	for (k = 0; k < 4000; k++)
		counts[wr_fault_pick(rates, 3, 5, k)]++;
	check(counts[WR_FAULT_DROP] > 850 && counts[WR_FAULT_DROP] < 1150, "slice drop", NULL);
	check(counts[WR_FAULT_PARTIAL] > 850 && counts[WR_FAULT_PARTIAL] < 1150, "slice partial", NULL);
	check(counts[WR_FAULT_500] > 850 && counts[WR_FAULT_500] < 1150, "slice 500", NULL);
	check(counts[WR_FAULT_TRUNCATE] > 850 && counts[WR_FAULT_TRUNCATE] < 1150, "slice truncate", NULL);
	check(counts[WR_FAULT_NONE] == 0, "slices cover everything", NULL);
	check_str("fault name", wr_fault_name(WR_FAULT_429), "fail-429");
	check_str("no fault name", wr_fault_name(WR_FAULT_NONE), "-");
}

static void
test_completion(void)
{
	static const char body[] =
	    "{\"model\":\"gpt-x\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Rate:\\n\\ncat\\nice cream\"}]}";
	static const int scores[] = {5, 4};
	struct wr_chat c;
	struct wr_buf out = {0}, text = {0};
	struct wr_reply r = {"chatcmpl-1", 7, WR_STYLE_PLAIN, WR_FAULT_NONE};
	const char *why;

	wr_chat_init(&c);
	wr_chat_parse(&c, body, sizeof body - 1, &why);
	wr_completion_json(&out, &c, scores, &r, &text);
	check_str("completion cut by max_tokens", out.s,
	    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"gpt-x\","
	    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"cat;5\\nic\","
	    "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"length\"}],"
	    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7},"
	    "\"system_fingerprint\":\"wr-serve\"}");
	c.max_tokens = 0;
	r.fault = WR_FAULT_REFUSE_ENTRY;
	wr_buf_reset(&out);
	wr_completion_json(&out, &c, scores, &r, &text);
	check_str("refusal", out.s,
	    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"gpt-x\","
	    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
	    "\"refusal\":\"I'm sorry, but I can't help with rating these entries.\"},\"logprobs\":null,"
	    "\"finish_reason\":\"stop\"}],"
	    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":14,\"total_tokens\":19},"
	    "\"system_fingerprint\":\"wr-serve\"}");
	wr_buf_reset(&out);
	wr_error_json(&out, "No \"key\".", "invalid_request_error", NULL);
	check_str("error json", out.s,
	    "{\"error\":{\"message\":\"No \\\"key\\\".\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
	wr_chat_free(&c);
	wr_buf_free(&out);
	wr_buf_free(&text);
}

/* A request with no headers or query arguments but those in hdrs ("name", "value", ...). */
static const char *const *hdrs;

static const char *
lookup(const struct wr_serve_req *q, const char *name)
{
	size_t i;

	(void)q;
	for (i = 0; hdrs && hdrs[i]; i += 2)
		if (strcasecmp(hdrs[i], name) == 0)
			return hdrs[i + 1];
	return NULL;
}

static struct wr_serve_req
req(const char *method, const char *path, const char *const *h)
{
	hdrs = h;
	return (struct wr_serve_req){method, path, lookup, lookup, NULL};
}

static void
test_dialects(void)
{
	static const char *const version[] = {"anthropic-version", "2023-06-01", NULL};
	static const char *const keys[] = {"x-api-key", "A", "x-goog-api-key", "G",
	    "Authorization", "Bearer  B", NULL};
	static const char *const bearer[] = {"Authorization", "Bearer B", NULL};
	static const char *const qkey[] = {"key", "Q", NULL};
	static const int scores[] = {5, 1};
	const char *allow = NULL, *why;
	struct wr_serve_req q;
	struct wr_chat c;
	struct wr_buf out = {0}, text = {0};
	struct wr_reply r = {"abc", 7, WR_STYLE_PLAIN, WR_FAULT_NONE};
	static const char abody[] = "{\"model\":\"claude\",\"max_tokens\":50,\"system\":[{\"type\":\"text\","
	    "\"text\":\"sys\"}],\"messages\":[{\"role\":\"user\",\"content\":\"old\"},{\"role\":\"assistant\","
	    "\"content\":\"x\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Rate:\\n\\ncat\\n"
	    "xyzzyq\"},{\"type\":\"image\",\"source\":{}}]}]}";
	static const char gbody[] = "{\"systemInstruction\":{\"parts\":[{\"text\":\"sys\"}]},\"contents\":["
	    "{\"role\":\"user\",\"parts\":[{\"text\":\"Rate:\\n\\ncat\\nxyzzyq\"}]}],"
	    "\"generationConfig\":{\"maxOutputTokens\":1,\"temperature\":0}}";

	q = req("POST", "/v1/chat/completions", NULL);
	check(wr_serve_openai.route(&q, &allow) == WR_EP_GENERATE, "openai route", NULL);
	q = req("GET", "/v1/chat/completions", NULL);
	check(wr_serve_openai.route(&q, &allow) == WR_EP_BAD_METHOD && strcmp(allow, "POST") == 0,
	    "openai wrong method", NULL);
	q = req("GET", "/v1/models", NULL);
	check(wr_serve_anthropic.route(&q, &allow) == WR_EP_NONE, "models without version", NULL);
	q = req("GET", "/v1/models", version);
	check(wr_serve_anthropic.route(&q, &allow) == WR_EP_MODELS, "models with version", NULL);
	q = req("POST", "/v1/messages", NULL);
	check(wr_serve_anthropic.route(&q, &allow) == WR_EP_GENERATE, "anthropic route", NULL);
	check(wr_serve_anthropic.check(&q) != NULL, "anthropic-version required", NULL);
	q = req("POST", "/v1beta/models/gemini-2.0-flash:generateContent", NULL);
	check(wr_serve_gemini.route(&q, &allow) == WR_EP_GENERATE, "gemini route", NULL);
	q = req("POST", "/v1beta/models/g:streamGenerateContent", NULL);
	check(wr_serve_gemini.route(&q, &allow) == WR_EP_UNKNOWN, "gemini streaming unknown", NULL);
	q = req("POST", "/v1beta/models/:generateContent", NULL);
	check(wr_serve_gemini.route(&q, &allow) == WR_EP_UNKNOWN, "gemini no model", NULL);
	q = req("GET", "/v1beta/models/g", NULL);
	check(wr_serve_gemini.route(&q, &allow) == WR_EP_MODEL, "gemini one model", NULL);
	q = req("POST", "/v1/messages", NULL);
	check(wr_serve_gemini.route(&q, &allow) == WR_EP_NONE, "gemini leaves /v1", NULL);

	q = req("POST", "/", keys);
	check_str("anthropic key", wr_serve_anthropic.key(&q), "A");
	check_str("gemini key", wr_serve_gemini.key(&q), "G");
	check_str("openai key", wr_serve_openai.key(&q), "B");
	q = req("POST", "/", bearer);
	check_str("anthropic bearer", wr_serve_anthropic.key(&q), "B");
	q = req("POST", "/", qkey);
	check_str("gemini ?key=", wr_serve_gemini.key(&q), "Q");

	wr_chat_init(&c);
	q = req("POST", "/v1/messages", version);
	check(wr_serve_anthropic.parse(&c, &q, abody, sizeof abody - 1, &why) == 0, "anthropic parse", NULL);
	check(c.n == 2 && c.max_tokens == 50 && c.prompt_bytes == 3 + 3 + 17, "anthropic entries", NULL);
	check_str("anthropic model", c.model.s, "claude");
	wr_serve_anthropic.answer(&out, &c, scores, &r, &text);
	check_str("anthropic answer", out.s, "{\"id\":\"msg_abc\",\"type\":\"message\",\"role\":\"assistant\","
	    "\"model\":\"claude\",\"content\":[{\"type\":\"text\",\"text\":\"cat;5\\nxyzzyq;1\"}],"
	    "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":6,"
	    "\"output_tokens\":4}}");
	why = "{\"model\":\"m\",\"messages\":[]}";
	check(wr_serve_anthropic.parse(&c, &q, why, strlen(why), &why) == -1 &&
	    strstr(why, "max_tokens"), "anthropic max_tokens required", why);
	check(wr_serve_anthropic.parse(&c, &q, "{\"model\":", 9, &why) == -1 && why == wr_chat_bad_json,
	    "anthropic bad JSON", NULL);
	wr_buf_reset(&out);
	check(wr_serve_anthropic.error(&out, WR_ERR_OVERLOAD, NULL) == 529, "anthropic 529", NULL);
	check_str("anthropic overload", out.s,
	    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
	    "\"message\":\"Overloaded (wr-serve fault injection)\"}}");

	q = req("POST", "/v1beta/models/gem:generateContent", NULL);
	check(wr_serve_gemini.parse(&c, &q, gbody, sizeof gbody - 1, &why) == 0, "gemini parse", NULL);
	check(c.n == 2 && c.max_tokens == 1 && c.prompt_bytes == 3 + 17, "gemini entries", NULL);
	check_str("gemini model from the path", c.model.s, "gem");
	wr_buf_reset(&out);
	wr_serve_gemini.answer(&out, &c, scores, &r, &text);
	check_str("gemini cut answer", out.s, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"cat;\"}],"
	    "\"role\":\"model\"},\"finishReason\":\"MAX_TOKENS\",\"index\":0}],\"usageMetadata\":"
	    "{\"promptTokenCount\":5,\"candidatesTokenCount\":1,\"totalTokenCount\":6},"
	    "\"modelVersion\":\"gem\",\"responseId\":\"abc\"}");
	r.fault = WR_FAULT_FILTER;
	wr_buf_reset(&out);
	wr_serve_gemini.answer(&out, &c, scores, &r, &text);
	check(strncmp(out.s, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"", 41) == 0 &&
	    !strstr(out.s, "candidates"), "gemini filter blocks the prompt", out.s);
	why = "{\"contents\":[{\"role\":\"bot\",\"parts\":[]}]}";
	check(wr_serve_gemini.parse(&c, &q, why, strlen(why), &why) == -1,
	    "gemini bad role", NULL);
	wr_buf_reset(&out);
	check(wr_serve_gemini.error(&out, WR_ERR_BAD_KEY, NULL) == 400 && strstr(out.s, "API_KEY_INVALID"),
	    "gemini wrong key", out.s);
	wr_chat_free(&c);
	wr_buf_free(&out);
	wr_buf_free(&text);
}

static void
test_limits(void)
{
	struct wr_limiter l;
	struct wr_limits v;
	const uint64_t s = 1000000000u;
	int i, paid = 0;

	/* 60 a minute holding 1 s: one request a second. */
	wr_limiter_init(&l, 60, 0, 1, 0);
	check(wr_limiter_on(&l), "limits on", NULL);
	check(wr_limiter_charge(&l, 0, 0, 1, &v) == 0, "first request paid", NULL);
	check(v.b[WR_LIMIT_REQUESTS].remaining == 0 && !v.b[WR_LIMIT_TOKENS].on, "bucket empty", NULL);
	check(wr_limiter_charge(&l, s / 2, 0, 1, &v) == -1 && v.refused == WR_LIMIT_REQUESTS,
	    "second refused", NULL);
	check(v.wait > 0.49 && v.wait < 0.51 && v.b[WR_LIMIT_REQUESTS].reset > 0.49, "half a second to wait",
	    NULL);
	check(wr_limiter_charge(&l, s, 0, 1, &v) == 0, "refilled after a second", NULL);

	/* 600 a minute holding 1 s: 10 at once, then 10 a second. */
	wr_limiter_init(&l, 600, 0, 1, 0);
	for (i = 0; i < 20; i++)
		paid += wr_limiter_charge(&l, 0, 0, 1, &v) == 0;
	check(paid == 10, "a bucket's worth", NULL);
	check(wr_limiter_charge(&l, s / 10, 0, 1, &v) == 0 && wr_limiter_charge(&l, s / 10, 0, 1, &v) == -1,
	    "one more after 100 ms", NULL);

	/* Tokens: all or nothing, a charge over the bucket's size costs a full bucket. */
	wr_limiter_init(&l, 60, 600, 1, 0);
	check(wr_limiter_charge(&l, 0, 4, 1, &v) == 0 && v.b[WR_LIMIT_TOKENS].remaining == 6,
	    "tokens charged", NULL);
	check(wr_limiter_charge(&l, 0, 4, 1, &v) == -1 && v.b[WR_LIMIT_TOKENS].remaining == 6,
	    "a refused request pays nothing", NULL);
	wr_limiter_init(&l, 0, 600, 1, 0);
	check(wr_limiter_charge(&l, 0, 1000, 1, &v) == 0 && v.b[WR_LIMIT_TOKENS].remaining == 0,
	    "capped at the bucket", NULL);
	check(wr_limiter_charge(&l, 0, 1, 0, &v) == 0 && v.b[WR_LIMIT_TOKENS].remaining == 0,
	    "a look charges nothing", NULL);
	wr_limiter_init(&l, 0, 0, 1, 0);
	check(!wr_limiter_on(&l), "no limits", NULL);
}

int
main(void)
{
	test_lexicon();
	test_parse();
	test_styles();
	test_cuts();
	test_faults();
	test_completion();
	test_dialects();
	test_limits();
	if (failed) {
		fprintf(stderr, "%d of %d cases failed\n", failed, cases);
		return 1;
	}
	printf("%d cases\n", cases);
	return 0;
}
