/* wr-prompt: batches in, OpenAI Batch API request lines out. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "line.h"
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
static const char default_system[] =
    "You rate candidate entries for American-style crossword puzzles by their quality as fill.\n"
    "Scale:\n"
    "5 = lively and familiar: a word, phrase or name most solvers know and enjoy seeing.\n"
    "4 = solid and familiar, nothing wrong with it.\n"
    "3 = acceptable but plain, or known to only some solvers.\n"
    "2 = weak: obscure, crosswordese, an awkward partial phrase, an odd plural or inflection, "
    "or an abbreviation few know.\n"
    "1 = bad: not a real word or phrase, a misspelling, a random string, or offensive.\n"
    "Answer with exactly one line per entry, in the order given, in the form entry;score: the entry "
    "copied exactly as given, a semicolon, and a whole number from 1 to 5. Write nothing else: no "
    "heading, no numbering, no explanation.";

static const char default_template[] = "Entries ({{count}}):\n\n{{entries}}";

static const char *model;
static char *system_msg, *template;
static int strict, quiet;
static struct wr_buf extra;      /* ",\"key\":value" for every -o */
static struct wr_buf sysjson;    /* the escaped system message */
static long n_requests, n_bad;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-q] [--strict] [-m MODEL] [-o KEY=JSON]... [-s FILE] [-t FILE] [FILE...]\n"
	    "  -m, --model MODEL    model name (default $WR_MODEL)\n"
	    "  -o, --option KEY=JSON add \"KEY\": JSON to every request body; repeatable\n"
	    "  -s, --system FILE    system message (an empty file: no system message)\n"
	    "  -t, --template FILE  user message template ({{entries}}, {{count}}, {{id}})\n"
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

static void
prompt(const char *path)
{
	static const char **ent;
	static size_t *elen;
	static struct wr_buf out, user;
	struct wr_reader r;
	char *line, *p, *tab, *end;
	size_t len, n, i;
	enum wr_line_status st;

	if (!ent) {
		ent = wr_malloc(MAX_ENTRIES * sizeof *ent);
		elen = wr_malloc(MAX_ENTRIES * sizeof *elen);
	}
	wr_reader_open(&r, path, LINE_MAX_BYTES);
	while ((st = wr_reader_text(&r, &line, &len, &n_bad)) == WR_LINE_OK) {
		len = wr_chomp_cr(line, len);
		if (len == 0)
			continue;
		tab = memchr(line, '\t', len);
		if (!tab || !hexid(line, (size_t)(tab - line))) {
			wr_warn_at(r.name, r.lineno, "not a batch (ID<TAB>entry...), line skipped");
			n_bad++;
			continue;
		}
		*tab = '\0';
		end = line + len;
		n = 0;
		for (p = tab + 1; p <= end && n < MAX_ENTRIES; p = tab + 1) {
			tab = memchr(p, '\t', (size_t)(end - p));
			if (!tab)
				tab = end;
			ent[n] = p;
			elen[n] = (size_t)(tab - p);
			if (elen[n])
				n++;
		}
		if (n == 0 || p <= end) {
			wr_warn_at(r.name, r.lineno, n ? "more than %d entries, line skipped" :
			    "batch with no entries, line skipped", MAX_ENTRIES);
			n_bad++;
			continue;
		}
		wr_buf_reset(&user);
		wr_tmpl_render(&user, template, line, ent, elen, n);
		wr_buf_reset(&out);
		wr_buf_adds(&out, "{\"custom_id\":\"");
		wr_buf_adds(&out, line);
		wr_buf_adds(&out, "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":");
		wr_json_escapes(&out, model);
		wr_buf_adds(&out, ",\"messages\":[");
		if (sysjson.len) {
			wr_buf_adds(&out, "{\"role\":\"system\",\"content\":");
			wr_buf_add(&out, sysjson.s, sysjson.len);
			wr_buf_adds(&out, "},");
		}
		wr_buf_adds(&out, "{\"role\":\"user\",\"content\":");
		wr_json_escape(&out, user.s, user.len);
		wr_buf_adds(&out, "}]");
		if (extra.len)
			wr_buf_add(&out, extra.s, extra.len);
		wr_buf_addc(&out, '}');
		if (!strict) {
			wr_buf_adds(&out, ",\"entries\":[");
			for (i = 0; i < n; i++) {
				if (i)
					wr_buf_addc(&out, ',');
				wr_json_escape(&out, ent[i], elen[i]);
			}
			wr_buf_addc(&out, ']');
		}
		wr_buf_adds(&out, "}\n");
		fwrite(out.s, 1, out.len, stdout);
		n_requests++;
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
}

int
main(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"model", required_argument, NULL, 'm'},
		{"option", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"system", required_argument, NULL, 's'},
		{"template", required_argument, NULL, 't'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *bad, *sys_path = NULL, *tmpl_path = NULL;
	size_t badlen;
	int c, i;

	wr_setprog(argv[0]);
	model = getenv("WR_MODEL");
	while ((c = getopt_long(argc, argv, "hm:o:qs:t:", longopts, NULL)) != -1) {
		switch (c) {
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
		case 's':
			sys_path = optarg;
			break;
		case 't':
			tmpl_path = optarg;
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
	if (!model || !*model)
		wr_die("no model: give -m MODEL or set WR_MODEL");

	system_msg = sys_path ? read_text(sys_path, "system message") : wr_strdup(default_system);
	template = tmpl_path ? read_text(tmpl_path, "template") : wr_strdup(default_template);
	if (wr_tmpl_check(template, &bad, &badlen))
		wr_die("%s: unknown placeholder %.*s (known: {{entries}}, {{count}}, {{id}})",
		    tmpl_path, (int)badlen, bad);
	if (!strstr(template, "{{entries}}"))
		wr_die("%s: template has no {{entries}}", tmpl_path);
	if (*system_msg)
		wr_json_escapes(&sysjson, system_msg);

	wr_stdout_lines();
	if (argc == 0)
		prompt("-");
	for (i = 0; i < argc; i++)
		prompt(argv[i]);
	if (!quiet)
		fprintf(stderr, "%s: %ld requests, %ld bad lines\n", wr_prog, n_requests, n_bad);
	free(system_msg);
	free(template);
	wr_buf_free(&extra);
	wr_buf_free(&sysjson);
	if (wr_fshut(stdout, "stdout"))
		return WR_EXIT_USAGE;
	return n_bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
