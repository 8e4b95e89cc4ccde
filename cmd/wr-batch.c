/* wr-batch: word lists in, batches of entries with stable IDs out. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "hash.h"
#include "line.h"
#include "words.h"

#define LINE_MAX_BYTES 1024

static size_t per_batch = 50;
static int quiet;
static struct wr_map seen, skip;
static long n_entries, n_batches, n_dups, n_skipped, n_bad;

/* The batch being filled: entries are copies owned by the map arena. */
static const char **cur;
static size_t *curlen, ncur;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-q] [-n N] [-x FILE]... [FILE...]\n"
	    "  -n, --size N       entries per batch (default 50)\n"
	    "  -x, --exclude FILE skip entries present (first field) in FILE; repeatable\n"
	    "  -q, --quiet        no summary on stderr\n"
	    "  -h, --help         this help\n"
	    "      --version      print the version\n", wr_prog);
	exit(status);
}

static void
flush_batch(void)
{
	char id[17];
	size_t i;

	if (!ncur)
		return;
	wr_id_hex(wr_batch_id(cur, curlen, ncur), id);
	fputs(id, stdout);
	for (i = 0; i < ncur; i++) {
		putchar('\t');
		fwrite(cur[i], 1, curlen[i], stdout);
	}
	putchar('\n');
	n_batches++;
	ncur = 0;
}

/* A usable entry: no control characters (TAB and ';' were split off already). */
static int
entry_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Read one word list; call fn for each good entry. */
static void
read_list(const char *path, void (*fn)(const char *, size_t, struct wr_reader *))
{
	struct wr_reader r;
	char *line, *entry, *score;
	size_t len, elen;
	enum wr_line_status st;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	while ((st = wr_reader_text(&r, &line, &len, &n_bad)) == WR_LINE_OK) {
		switch (wr_word_split(line, len, &entry, &elen, &score)) {
		case 1:
			continue;
		case 2:
			wr_warn_at(r.name, r.lineno, "score with no entry, line skipped");
			n_bad++;
			continue;
		}
		if (!entry_ok(entry, elen)) {
			wr_warn_at(r.name, r.lineno, "control character in entry, line skipped");
			n_bad++;
			continue;
		}
		fn(entry, elen, &r);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
}

static void
add_skip(const char *entry, size_t len, struct wr_reader *r)
{
	(void)r;
	wr_map_put(&skip, entry, len, 0, NULL);
}

static void
add_entry(const char *entry, size_t len, struct wr_reader *r)
{
	int added;

	(void)r;
	if (wr_map_get(&skip, entry, len)) {
		n_skipped++;
		return;
	}
	wr_map_put(&seen, entry, len, 0, &added);
	if (!added) {
		n_dups++;
		return;
	}
	/* The map's copy of the entry lives as long as the map: the batch borrows it. */
	cur[ncur] = wr_map_key(&seen, entry, len);
	curlen[ncur] = len;
	ncur++;
	n_entries++;
	if (ncur == per_batch)
		flush_batch();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"exclude", required_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{"quiet", no_argument, NULL, 'q'},
		{"size", required_argument, NULL, 'n'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, i;

	wr_setprog(argv[0]);
	wr_map_init(&seen);
	wr_map_init(&skip);
	while ((c = getopt_long(argc, argv, "hn:qx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'n':
			per_batch = (size_t)wr_strtonum(optarg, 1, 100000, "-n");
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			wr_print_version();
		case 'x':
			read_list(optarg, add_skip);
			break;
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	wr_stdout_lines();
	cur = wr_malloc(per_batch * sizeof *cur);
	curlen = wr_malloc(per_batch * sizeof *curlen);
	if (argc == 0)
		read_list("-", add_entry);
	for (i = 0; i < argc; i++)
		read_list(argv[i], add_entry);
	flush_batch();

	if (!quiet)
		fprintf(stderr, "%s: %ld entries in %ld batches; %ld duplicates, %ld excluded, %ld bad lines\n",
		    wr_prog, n_entries, n_batches, n_dups, n_skipped, n_bad);
	free(cur);
	free(curlen);
	wr_map_free(&seen);
	wr_map_free(&skip);
	if (wr_fshut(stdout, "stdout"))
		return WR_EXIT_USAGE;
	return n_bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
