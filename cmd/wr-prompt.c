/* wr-prompt: batches in, OpenAI Batch API request lines out. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "examples.h"
#include "hash.h"
#include "json.h"
#include "key.h"
#include "line.h"
#include "loaders.h"
#include "tmpl.h"
#include "utf8.h"

#define LINE_MAX_BYTES (1u << 20)
#define FILE_MAX_BYTES (1u << 20)
#define MAX_ENTRIES 100000

/*
 * The instructions live in the system message and never change between
 * requests, and the entries come last in the user message, so that prompt
 * caching (OpenAI, DeepSeek, vLLM prefix caching) applies to every request.
 */
static const char default_scale[] =
    "You rate candidate entries for American-style crossword puzzles by their quality as fill.\n"
    "Scale:\n"
    "5 = lively and familiar: a word, phrase or name most solvers know and enjoy seeing.\n"
    "4 = solid and familiar, nothing wrong with it.\n"
    "3 = acceptable but plain, or known to only some solvers.\n"
    "2 = weak: obscure, crosswordese, an awkward partial phrase, an odd plural or inflection, "
    "or an abbreviation few know.\n"
    "1 = bad: not a real word or phrase, a misspelling, a random string, or offensive.\n";
static const char default_examples[] = "Examples of entries and their scores on this scale:\n{{examples}}\n";
static const char default_lines[] =
    "Answer with exactly one line per entry, in the order given, in the form entry;score: the entry "
    "copied exactly as given, a semicolon, and a whole number from 1 to 5. Write nothing else: no "
    "heading, no numbering, no explanation.";
static const char default_json[] =
    "Answer with one JSON object {\"ratings\":[...]} holding one item {\"entry\":...,\"score\":...} "
    "per entry, in the order given: the entry copied exactly as given, and a whole number from 1 to 5. "
    "Write nothing else: no heading, no explanation.";

static const char default_template[] = "Entries ({{count}}):\n\n{{entries}}";

static const char *model;
static char *system_msg, *template;
static int strict, quiet, schema, logprobs = -1;
static int lo = 1, hi = 5;       /* -r: the rating range */
static const char *opts[256];    /* the -o arguments, to find their keys */
static int nopts;
static struct wr_buf extra;      /* ",\"key\":value" for every -o */
static struct wr_buf sysjson;    /* the escaped system message */
static long n_requests, n_bad;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-q] [--schema] [--strict] [--logprobs[=N]] [-e FILE [--examples-scale LO:HI]]\n"
	    "       [-m MODEL] [-o KEY=JSON]... [-r LO:HI] [-s FILE] [-t FILE] [FILE...]\n"
	    "  -e, --examples FILE  scored list (entry;score or entry<TAB>score) to take examples from\n"
	    "      --examples-scale LO:HI  scale of the -e list (default: the rating range)\n"
	    "      --logprobs[=N]   ask for the top N (0-20, default 5) alternatives of every token\n"
	    "  -m, --model MODEL    model name (default $WR_MODEL)\n"
	    "  -o, --option KEY=JSON add \"KEY\": JSON to every request body; repeatable\n"
	    "  -r, --range LO:HI    rating range, whole numbers (default 1:5)\n"
	    "  -s, --system FILE    system message (an empty file: no system message; {{examples}})\n"
	    "  -t, --template FILE  user message template ({{entries}}, {{count}}, {{id}})\n"
	    "      --schema         ask for a JSON object of entry/score pairs (structured output)\n"
	    "      --strict         leave out the \"entries\" field (for upload to the OpenAI Batch API)\n"
	    "  -q, --quiet          no summary on stderr\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n", wr_prog);
	exit(status);
}

static void
add_option(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct wr_buf key = {0};
	size_t klen;

	if (!eq || eq == arg)
		wr_die("-o %s: expected KEY=JSON", arg);
	klen = (size_t)(eq - arg);
	if ((klen == 5 && memcmp(arg, "model", 5) == 0) || (klen == 8 && memcmp(arg, "messages", 8) == 0))
		wr_die("-o %s: %.*s is set by wr-prompt (use %s)", arg, (int)klen, arg,
		    klen == 5 ? "-m" : "-s and -t");
	if (!wr_json_valid(eq + 1, strlen(eq + 1)))
		wr_die("-o %s: value is not valid JSON", arg);
	wr_json_escape(&key, arg, klen);
	if (extra.s && strstr(extra.s, key.s)) {
		/* Keys are escaped strings followed by ':', so this finds only keys. */
		wr_buf_addc(&key, ':');
		if (strstr(extra.s, key.s))
			wr_die("-o %s: %.*s given twice", arg, (int)klen, arg);
		key.s[--key.len] = '\0';
	}
	wr_buf_addc(&extra, ',');
	wr_buf_add(&extra, key.s, key.len);
	wr_buf_addc(&extra, ':');
	wr_buf_adds(&extra, eq + 1);
	wr_buf_free(&key);
	if (nopts < (int)(sizeof opts / sizeof *opts))
		opts[nopts++] = arg;
}

static char *
read_text(const char *path, const char *what)
{
	size_t len;
	char *s = wr_slurp(path, FILE_MAX_BYTES, &len);

	if (memchr(s, '\0', len))
		wr_die("%s: %s holds a NUL byte", path, what);
	if (!wr_utf8_valid(s, len))
		wr_die("%s: %s is not valid UTF-8", path, what);
	return s;
}

/* The -o that sets the top-level key, or NULL. */
static const char *
option_for(const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; i < nopts; i++)
		if (strncmp(opts[i], key, n) == 0 && opts[i][n] == '=')
			return opts[i];
	return NULL;
}

/* The fields of --schema and --logprobs, after those of -o. */
static void
add_fields(void)
{
	static const char *const lp[] = {"logprobs", "top_logprobs"};
	const char *o;
	size_t i;

	if (schema) {
		if ((o = option_for("response_format")))
			wr_die("--schema and -o %s both set response_format", o);
		wr_buf_printf(&extra, ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
		    "\"name\":\"ratings\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{"
		    "\"ratings\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		    "\"entry\":{\"type\":\"string\"},\"score\":{\"type\":\"integer\",\"minimum\":%d,\"maximum\":%d}},"
		    "\"required\":[\"entry\",\"score\"],\"additionalProperties\":false}}},"
		    "\"required\":[\"ratings\"],\"additionalProperties\":false}}}", lo, hi);
	}
	if (logprobs >= 0) {
		for (i = 0; i < sizeof lp / sizeof *lp; i++)
			if ((o = option_for(lp[i])))
				wr_die("--logprobs and -o %s both set %s", o, lp[i]);
		wr_buf_printf(&extra, ",\"logprobs\":true,\"top_logprobs\":%d", logprobs);
	}
}

/* -r: whole numbers LO < HI. */
static void
rating_range(const char *arg)
{
	double a, b;

	wr_range(arg, &a, &b, "-r");
	if (a != floor(a) || b != floor(b))
		wr_die("-r %s: the range must be whole numbers", arg);
	if (a < -1000 || b > 1000)
		wr_die("-r %s: the range must lie within -1000:1000", arg);
	lo = (int)a;
	hi = (int)b;
}

/*
 * The system message: the user's (-s), or the default one, which asks for
 * entry;score lines or, with --schema, for the JSON object; with -e, the
 * examples go where {{examples}} is.
 */
static char *
system_message(const char *sys_path, const char *ex_path, double slo, double shi)
{
	struct wr_buf msg = {0}, ex = {0};
	char *text;

	if (sys_path) {
		text = read_text(sys_path, "system message");
	} else {
		wr_buf_adds(&msg, default_scale);
		if (ex_path)
			wr_buf_adds(&msg, default_examples);
		wr_buf_adds(&msg, schema ? default_json : default_lines);
		text = msg.s;
		msg = (struct wr_buf){0};
	}
	if (!ex_path) {
		if (strstr(text, "{{examples}}"))
			wr_die("%s: system message has {{examples}} but no -e FILE gives them", sys_path);
		return text;
	}
	if (!strstr(text, "{{examples}}"))
		wr_die("%s: system message has no {{examples}} for -e %s", sys_path, ex_path);
	if (wr_examples_pick(&ex, ex_path, slo, shi, lo, hi, &n_bad) == 0)
		wr_die("%s: no scored entries to take examples from", ex_path);
	wr_tmpl_subst(&msg, text, "examples", ex.s);
	free(text);
	wr_buf_free(&ex);
	return msg.s;
}

static int
hexid(const char *s, size_t n)
{
	size_t i;

	if (n != 16)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Every request line is the same text around the batch: head, ID, mid, the
 * user message (the template's text, escaped once here, around the batch's
 * escaped entries), tail, then the "entries" array. Only the batch's parts
 * are escaped per request.
 */
static struct wr_buf head_after_id;     /* ","method":...,"content":" of the user message */
static struct wr_buf tail;              /* "}]<-o fields>} */
static struct wr_tmpl_part *parts;
static struct wr_buf *part_text;            /* TEXT parts, escaped */
static size_t nparts;

static struct wr_out out = {.fd = STDOUT_FILENO, .name = "stdout"};

static void
compile(void)
{
	size_t i;

	wr_buf_adds(&head_after_id, "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":");
	wr_json_escapes(&head_after_id, model);
	wr_buf_adds(&head_after_id, ",\"messages\":[");
	if (sysjson.len) {
		wr_buf_adds(&head_after_id, "{\"role\":\"system\",\"content\":");
		wr_buf_add(&head_after_id, sysjson.s, sysjson.len);
		wr_buf_adds(&head_after_id, "},");
	}
	wr_buf_adds(&head_after_id, "{\"role\":\"user\",\"content\":\"");
	wr_buf_adds(&tail, "\"}]");
	if (extra.len)
		wr_buf_add(&tail, extra.s, extra.len);
	wr_buf_addc(&tail, '}');
	nparts = wr_tmpl_parts(template, NULL, 0);
	parts = wr_malloc((nparts ? nparts : 1) * sizeof *parts);
	part_text = wr_calloc(nparts ? nparts : 1, sizeof *part_text);
	wr_tmpl_parts(template, parts, nparts);
	for (i = 0; i < nparts; i++)
		if (parts[i].kind == WR_TMPL_TEXT)
			wr_json_escape_in(&part_text[i], parts[i].s, parts[i].len);
}

/* Bytes JSON wants escaped in a string (TAB aside: it separates entries here). */
static unsigned char escaped[256];

/*
 * The batch's entries as they go between quotes: the bytes of the line itself
 * when nothing in it needs escaping (most batches), else escaped copies.
 * Entry i is s[off[i] .. off[i] + len[i]).
 */
struct escd {
	const char *s;
	size_t *off, *len;
};

static void
escape_entries(struct escd *e, const char *line, size_t len, const char *const *ent, const size_t *elen, size_t n)
{
	static struct wr_buf esc;
	static size_t *off, *lens, cap;
	unsigned bad = 0;
	size_t i;

	if (n > cap) {
		cap = n;
		off = wr_realloc(off, n * sizeof *off);
		lens = wr_realloc(lens, n * sizeof *lens);
	}
	e->off = off;
	e->len = lens;
	for (i = 0; i < len; i++)
		bad |= escaped[(unsigned char)line[i]];
	if (!bad) {
		e->s = line;
		for (i = 0; i < n; i++) {
			off[i] = (size_t)(ent[i] - line);
			lens[i] = elen[i];
		}
		return;
	}
	wr_buf_reset(&esc);
	for (i = 0; i < n; i++) {
		off[i] = esc.len;
		wr_json_escape_in(&esc, ent[i], elen[i]);
		lens[i] = esc.len - off[i];
	}
	e->s = esc.s;
}

/* Append the escaped entries to out, sep between them, each in quotes if quote. */
static void
add_entries(const struct escd *e, size_t n, const char *sep, size_t seplen, int quote)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += e->len[i];
	wr_buf_grow(&out.b, total + n * (seplen + 2));
	for (i = 0; i < n; i++) {
		if (i) {
			memcpy(out.b.s + out.b.len, sep, seplen);
			out.b.len += seplen;
		}
		if (quote)
			out.b.s[out.b.len++] = '"';
		memcpy(out.b.s + out.b.len, e->s + e->off[i], e->len[i]);
		out.b.len += e->len[i];
		if (quote)
			out.b.s[out.b.len++] = '"';
	}
	out.b.s[out.b.len] = '\0';
}

/* Append one request line for the batch id with n entries to out. */
static void
request(const char *id, const char *line, size_t len, const char *const *ent, const size_t *elen, size_t n)
{
	struct escd e;
	char num[24];
	size_t k;

	escape_entries(&e, line, len, ent, elen, n);
	wr_buf_add(&out.b, "{\"custom_id\":\"", 14);
	wr_buf_add(&out.b, id, 16);
	wr_buf_add(&out.b, head_after_id.s, head_after_id.len);
	for (k = 0; k < nparts; k++) {
		switch (parts[k].kind) {
		case WR_TMPL_TEXT:
			wr_buf_add(&out.b, part_text[k].s, part_text[k].len);
			break;
		case WR_TMPL_ENTRIES:
			/* One per line: the line breaks are escaped too. */
			add_entries(&e, n, "\\n", 2, 0);
			break;
		case WR_TMPL_COUNT:
			wr_buf_add(&out.b, num, (size_t)snprintf(num, sizeof num, "%zu", n));
			break;
		case WR_TMPL_ID:
			wr_buf_add(&out.b, id, 16);
			break;
		}
	}
	wr_buf_add(&out.b, tail.s, tail.len);
	if (!strict) {
		wr_buf_add(&out.b, ",\"entries\":[", 12);
		add_entries(&e, n, ",", 1, 1);
		wr_buf_addc(&out.b, ']');
	}
	wr_buf_add(&out.b, "}\n", 2);
	n_requests++;
	wr_out_done(&out);
}

/* Is id the batch ID of these entries (wr-batch's XXH64)? */
static int
id_matches(const char *id, const char *const *ent, const size_t *elen, size_t n)
{
	char hex[17];

	wr_id_hex(wr_batch_id(ent, elen, n), hex);
	return memcmp(hex, id, 16) == 0;
}

static void
prompt(const char *path)
{
	static struct wr_entries e;
	struct wr_reader r;
	char *line;
	size_t len, idlen, i, n;
	long full;
	enum wr_line_status st;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	r.before_read = wr_out_before_read;
	r.arg = &out;
	while ((st = wr_reader_text(&r, &line, &len, &n_bad)) == WR_LINE_OK) {
		len = wr_chomp_cr(line, len);
		if (len == 0)
			continue;
		if ((full = wr_batch_split(line, len, &idlen, &e)) < 0 || !hexid(line, idlen)) {
			wr_warn_at(r.name, r.lineno, WR_BATCH_NOT);
			n_bad++;
			continue;
		}
		/* Empty entries are dropped. */
		if ((size_t)full == e.n)
			n = i = e.n > MAX_ENTRIES ? MAX_ENTRIES : e.n;
		else
			for (i = n = 0; i < e.n && n < MAX_ENTRIES; i++)
				if (e.len[i]) {
					e.s[n] = e.s[i];
					e.len[n++] = e.len[i];
				}
		if (n == 0 || i < e.n) {
			wr_warn_at(r.name, r.lineno, n ? "more than %d entries, line skipped" :
			    "batch with no entries, line skipped", MAX_ENTRIES);
			n_bad++;
			continue;
		}
		if (r.partial && !id_matches(line, e.s, e.len, n)) {
			/* Most likely the end of a batch file cut short: its last entry may be cut too. */
			wr_warn_at(r.name, r.lineno, "last line has no newline and its ID does not match its "
			    "entries (cut short?), skipped");
			n_bad++;
			continue;
		}
		request(line, line + idlen + 1, len - idlen - 1, e.s, e.len, n);
	}
	if (st == WR_LINE_ERR) {
		wr_out_flush(&out);
		exit(WR_EXIT_USAGE);
	}
	wr_reader_close(&r);
}

int
main(int argc, char **argv)
{
	enum { OPT_EXSCALE = 256, OPT_LOGPROBS, OPT_SCHEMA, OPT_STRICT, OPT_VERSION };
	static const struct option longopts[] = {
		{"examples", required_argument, NULL, 'e'},
		{"examples-scale", required_argument, NULL, OPT_EXSCALE},
		{"help", no_argument, NULL, 'h'},
		{"logprobs", optional_argument, NULL, OPT_LOGPROBS},
		{"model", required_argument, NULL, 'm'},
		{"option", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"range", required_argument, NULL, 'r'},
		{"schema", no_argument, NULL, OPT_SCHEMA},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"system", required_argument, NULL, 's'},
		{"template", required_argument, NULL, 't'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *bad, *sys_path = NULL, *tmpl_path = NULL, *ex_path = NULL, *ex_scale = NULL;
	double slo, shi;
	size_t badlen;
	int c, i;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	model = getenv("WR_MODEL");
	while ((c = getopt_long(argc, argv, "e:hm:o:qr:s:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			ex_path = optarg;
			break;
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'm':
			model = optarg;
			break;
		case 'o':
			add_option(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			rating_range(optarg);
			break;
		case 's':
			sys_path = optarg;
			break;
		case 't':
			tmpl_path = optarg;
			break;
		case OPT_EXSCALE:
			ex_scale = optarg;
			break;
		case OPT_LOGPROBS:
			logprobs = optarg ? (int)wr_strtonum(optarg, 0, 20, "--logprobs") : 5;
			break;
		case OPT_SCHEMA:
			schema = 1;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_VERSION:
			wr_print_version();
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < argc; i++)
		wr_input_open(argv[i]);
	if (!model || !*model)
		wr_die("no model: give -m MODEL or set WR_MODEL");

	if (ex_path && strcmp(ex_path, "-") == 0) {
		for (i = 0; i < argc && strcmp(argv[i], "-") != 0; i++)
			;
		if (argc == 0 || i < argc)
			wr_die("-e -: the batches are read from standard input too");
	}
	if (ex_scale && !ex_path)
		wr_die("--examples-scale %s: no -e FILE to apply it to", ex_scale);
	if (ex_scale)
		wr_range(ex_scale, &slo, &shi, "--examples-scale");
	else
		slo = lo, shi = hi;
	if (!sys_path && (lo != 1 || hi != 5))
		wr_die("-r %d:%d: the default system message rates from 1 to 5; give one for this range "
		    "with -s FILE", lo, hi);
	add_fields();
	system_msg = system_message(sys_path, ex_path, slo, shi);
	template = tmpl_path ? read_text(tmpl_path, "template") : wr_strdup(default_template);
	if (wr_tmpl_check(template, &bad, &badlen))
		wr_die("%s: unknown placeholder %.*s (known: {{entries}}, {{count}}, {{id}})",
		    tmpl_path, (int)badlen, bad);
	if (!strstr(template, "{{entries}}"))
		wr_die("%s: template has no {{entries}}", tmpl_path);
	if (*system_msg)
		wr_json_escapes(&sysjson, system_msg);

	compile();
	for (c = 0; c < 0x20; c++)
		escaped[c] = c != '\t';
	escaped['"'] = escaped['\\'] = 1;
	if (argc == 0)
		prompt("-");
	for (i = 0; i < argc; i++)
		prompt(argv[i]);
	wr_out_flush(&out);
	if (!quiet)
		fprintf(stderr, "%s: %ld requests, %ld bad lines\n", wr_prog, n_requests, n_bad);
	free(system_msg);
	free(template);
	wr_buf_free(&extra);
	wr_buf_free(&sysjson);
	wr_buf_free(&head_after_id);
	wr_buf_free(&tail);
	wr_buf_free(&out.b);
	for (i = 0; i < (int)nparts; i++)
		wr_buf_free(&part_text[i]);
	free(parts);
	free(part_text);
	return n_bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
