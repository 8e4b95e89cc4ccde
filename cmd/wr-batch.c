/* wr-batch: word lists in, batches of entries with stable IDs out. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "hash.h"
#include "key.h"
#include "line.h"
#include "set.h"
#include "utf8.h"
#include "words.h"

#define LINE_MAX_BYTES 1024
/*
 * Entries are queued where they lie in the reader's buffer and looked up
 * together (see set.h) before the buffer is read into again; output is a
 * struct wr_out (written in 64 KiB, and before each read that may wait).
 */

static size_t per_batch = 50;
static int quiet;
static struct wr_set seen, skip;
static long n_entries, n_batches, n_dups, n_skipped, n_bad;
static unsigned char *verdict;
static size_t verdict_cap;

/* The batch being filled: room for the ID and a TAB, then "entry\n" for each entry. */
static struct wr_buf cur;
static size_t ncur, *sep;         /* sep: where each entry's LF is */
#define HEAD 17

static struct wr_out out = {.fd = STDOUT_FILENO, .name = "stdout"};

/* Bytes that send a line down the slow path: controls, ';', DEL, non-ASCII. */
static unsigned char special[256];

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

/*
 * The entries, each followed by a LF, are exactly the bytes the batch ID
 * hashes; the line is the ID, a TAB, then the same bytes with each LF but
 * the last turned into a TAB.
 */
static void
flush_batch(void)
{
	const char *b = cur.s + HEAD;
	size_t n = cur.len - HEAD, i;

	if (!ncur)
		return;
	wr_id_hex(wr_batch_id_lines(b, n), cur.s);
	cur.s[16] = '\t';
	for (i = 0; i + 1 < ncur; i++)
		cur.s[sep[i]] = '\t';
	wr_buf_add(&out.b, cur.s, cur.len);
	cur.len = HEAD;
	n_batches++;
	ncur = 0;
	wr_out_done(&out);
}

/* Decide the queued entries: excluded, duplicates, or new (into the batch). */
static void
settle(void)
{
	size_t n, i;

	if (seen.nq > verdict_cap) {
		verdict_cap = seen.nq * 2;
		verdict = wr_realloc(verdict, verdict_cap);
	}
	n = wr_set_resolve(&seen, &skip, verdict);

	for (i = 0; i < n; i++) {
		switch (verdict[i]) {
		case WR_SET_EXCLUDED:
			n_skipped++;
			break;
		case WR_SET_SEEN:
			n_dups++;
			break;
		default: {
			size_t len;
			const char *e = wr_set_queued(&seen, i, &len);
			wr_buf_grow(&cur, len + 1);
			memcpy(cur.s + cur.len, e, len);
			cur.len += len;
			sep[ncur] = cur.len;
			cur.s[cur.len++] = '\n';
			n_entries++;
			if (++ncur == per_batch)
				flush_batch();
		}
		}
	}
}

static void
add_entry(const char *entry, size_t len)
{
	wr_set_queue(&seen, entry, len);
}

static void
add_skip(const char *entry, size_t len)
{
	wr_set_queue(&skip, entry, len);
}

/* Decide what is queued: called before the reader's buffer is read into again. */
static void
decide_queued(void (*fn)(const char *, size_t))
{
	if (fn == add_entry)
		settle();
	else
		wr_set_resolve(&skip, NULL, NULL);
}

/* A checked line that is not a bare entry: split off a score, trim, skip comments. */
static void
split_line(const struct wr_reader *r, char *line, size_t len, void (*fn)(const char *, size_t))
{
	char *entry, *score;
	size_t elen;

	switch (wr_word_split(line, len, &entry, &elen, &score)) {
	case 1:
		return;
	case 2:
		wr_warn_at(r->name, r->lineno, "score with no entry, line skipped");
		n_bad++;
		return;
	}
	if (!!wr_utf8_has_control(entry, elen)) {
		wr_warn_at(r->name, r->lineno, "control character in entry, line skipped");
		n_bad++;
		return;
	}
	fn(entry, elen);
}

/*
 * The hot loop, over every complete line buffered: one pass per line finds
 * its end and whether it is a bare entry (printable ASCII, no ';', no space
 * at either end, no '#' first), which is most lines; the rest go through the
 * full checks and split.
 */
static void
scan(struct wr_reader *r, char *p, size_t n, void (*fn)(const char *, size_t))
{
	char *end = p + n;

	while (p < end) {
		const unsigned char *q = (const unsigned char *)p;
		unsigned odd = 0;
		size_t len;

		while (*q != '\n')
			odd |= special[*q++];
		len = (size_t)((const char *)q - p);
		r->lineno++;
		if (!odd && len && len <= LINE_MAX_BYTES && *p != ' ' && *p != '#' && p[len - 1] != ' ')
			fn(p, len);
		else if (wr_reader_check(r, p, len, &n_bad))
			split_line(r, p, len, fn);
		p += len + 1;
	}
}

/*
 * A list in a regular file says how big it is: make room for its entries at
 * once (an entry and its newline average 8 to 12 bytes in the SCOWL lists;
 * guessing low only means the table grows later).
 */
static void
reserve(struct wr_set *set, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		wr_set_reserve(set, set->count + (size_t)st.st_size / 12, set->keys.len + (size_t)st.st_size);
}

/* Read one word list; call fn for each good entry. */
static void
read_list(const char *path, void (*fn)(const char *, size_t))
{
	struct wr_reader r;
	char *line;
	size_t len;
	enum wr_line_status st = WR_LINE_OK;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	if (fn == add_entry) {
		r.before_read = wr_out_before_read;
		r.arg = &out;
		reserve(&seen, r.fd);
	} else
		reserve(&skip, r.fd);
	for (;;) {
		if ((len = wr_reader_take(&r, &line)) != 0) {
			scan(&r, line, len, fn);
			continue;
		}
		/* No whole line buffered: read one the careful way (it reads more). */
		decide_queued(fn);
		if ((st = wr_reader_text(&r, &line, &len, &n_bad)) != WR_LINE_OK)
			break;
		if (wr_reader_check(&r, line, len, &n_bad))
			split_line(&r, line, len, fn);
	}
	decide_queued(fn);
	if (st == WR_LINE_ERR) {
		wr_out_flush(&out);
		exit(WR_EXIT_USAGE);
	}
	wr_reader_close(&r);
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
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	wr_set_init(&seen);
	wr_set_init(&skip);
	for (c = 0; c < 256; c++)
		special[c] = c < 0x20 || c == ';' || c >= 0x7f;
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
	for (i = 0; i < argc; i++)
		wr_input_open(argv[i]);

	sep = wr_malloc(per_batch * sizeof *sep);
	wr_buf_grow(&cur, HEAD);
	cur.len = HEAD;
	if (argc == 0)
		read_list("-", add_entry);
	for (i = 0; i < argc; i++)
		read_list(argv[i], add_entry);
	settle();
	flush_batch();
	wr_out_flush(&out);

	if (!quiet)
		fprintf(stderr, "%s: %ld entries in %ld batches; %ld duplicates, %ld excluded, %ld bad lines\n",
		    wr_prog, n_entries, n_batches, n_dups, n_skipped, n_bad);
	free(verdict);
	free(sep);
	wr_set_free(&seen);
	wr_set_free(&skip);
	wr_buf_free(&out.b);
	wr_buf_free(&cur);
	return n_bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
