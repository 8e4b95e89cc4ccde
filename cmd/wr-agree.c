/* wr-agree: how far rating files and scored lists agree, or calibrate one onto another's scale. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agree.h"
#include "common.h"
#include "key.h"
#include "line.h"
#include "merge.h"

#define BAR_WIDTH 40

struct input {
	const char *path;
	double lo, hi;
	struct wr_merge *m;
	size_t n;              /* distinct keys */
	const char **key;      /* sorted bytewise, borrowed from m */
	size_t *klen;
	double *v;             /* each key's mean score, on the input's own scale */
};

/* One of the entries the inputs disagree on most: its spread, key and scores. */
struct worst {
	double spread;
	const char *key;
	size_t klen;
	double *v;             /* per input; NAN where the input lacks the entry */
};

static struct input *inputs;
static size_t ninputs;
static int quiet, exact, calibrate;
static struct wr_progress progress;
static struct wr_merge_counts counts = {.progress = &progress};
static size_t top_n = 10;

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-eq] [-n N] [--calibrate] [[-s LO:HI] FILE ...]\n"
	    "  -e, --exact         compare entries byte for byte, without folding\n"
	    "  -n, --top N         show the N entries the inputs disagree on most\n"
	    "                      (default 10)\n"
	    "      --calibrate     write the first file's entries with their scores\n"
	    "                      mapped onto the last file's scale by quantiles\n"
	    "  -s, --scale LO:HI   scale of the files named after it (default 1:5)\n"
	    "  -q, --quiet         no progress or summary on stderr\n"
	    "  -h, --help          this help\n"
	    "      --version       print the version\n", wr_prog);
	exit(status);
}

static void
add_input(const char *path, double lo, double hi)
{
	wr_input_open(path);
	inputs = wr_realloc(inputs, (ninputs + 1) * sizeof *inputs);
	memset(&inputs[ninputs], 0, sizeof *inputs);
	inputs[ninputs].path = path;
	inputs[ninputs].lo = lo;
	inputs[ninputs].hi = hi;
	ninputs++;
}

static void
read_input(struct input *in, int spelling)
{
	struct wr_merge_item it;
	size_t i;

	in->m = wr_merge_new(WR_MERGE_MEAN, spelling);
	if (exact)
		wr_merge_exact(in->m);
	wr_merge_read(in->m, in->path, in->lo, in->hi, in->lo, in->hi, 0, &counts);

	in->n = wr_merge_sort(in->m);
	in->key = wr_malloc((in->n ? in->n : 1) * sizeof *in->key);
	in->klen = wr_malloc((in->n ? in->n : 1) * sizeof *in->klen);
	in->v = wr_malloc((in->n ? in->n : 1) * sizeof *in->v);
	for (i = 0; i < in->n; i++) {
		wr_merge_get(in->m, i, &it);
		in->key[i] = it.key;
		in->klen[i] = it.keylen;
		in->v[i] = it.score;
	}
}

/* Bytewise key order, shorter first on a common prefix: wr_merge_sort's order. */
static int
keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : alen < blen ? -1 : alen > blen;
}

static double
to100(const struct input *in, double v)
{
	return (v - in->lo) * 100 / (in->hi - in->lo);
}

/* v with up to `decimals` decimals, trailing zeros dropped; in a static buffer per slot. */
static const char *
num(double v, int decimals, int slot)
{
	static char buf[4][64];
	int k = wr_score_format(buf[slot], sizeof buf[slot], v, decimals);

	if (k < 0 || (size_t)k >= sizeof buf[slot])
		wr_die("%g: cannot format", v);
	return buf[slot];
}

static void
print_corr(const char *name, double r)
{
	if (isnan(r))
		printf("  %-15s -\n", name);
	else
		printf("  %-15s %.4f\n", name, fabs(r) < 0.00005 ? 0.0 : r);
}

static void
report_input(size_t i)
{
	const struct input *in = &inputs[i];
	struct wr_hist h;
	char label[WR_HIST_MAX][140];
	size_t k, j, lw = 0, cw = 1, max = 0, bar, d, mode_n;
	double sum = 0, mode;
	int w;

	for (k = 0; k < in->n; k++)
		sum += in->v[k];
	printf("input %zu: %s\n", i + 1, in->path);
	printf("  entries %zu, scale %s:%s", in->n, num(in->lo, 6, 0), num(in->hi, 6, 1));
	if (in->n)
		printf(", mean %s (%s on 0:100)", num(sum / (double)in->n, 2, 0),
		    num(to100(in, sum / (double)in->n), 2, 1));
	putchar('\n');
	/* The resolution of the file: scores on a few steps tie many entries. */
	if (in->n && (d = wr_distinct(in->v, in->n, &mode, &mode_n)) > 0)
		printf("  distinct values %zu; the most shared, %s, by %zu entr%s (%s%%)\n", d, num(mode, 2, 0),
		    mode_n, mode_n == 1 ? "y" : "ies", num(100.0 * (double)mode_n / (double)in->n, 1, 1));
	wr_hist_build(&h, in->v, in->n, in->lo, in->hi);
	for (k = 0; k < h.nb; k++) {
		if (h.distinct)
			snprintf(label[k], sizeof label[k], "%s", num(h.edge[k], 2, 0));
		else
			snprintf(label[k], sizeof label[k], "[%s,%s%c", num(h.edge[k], 2, 0),
			    num(h.edge[k + 1], 2, 1), k == h.nb - 1 ? ']' : ')');
		if (strlen(label[k]) > lw)
			lw = strlen(label[k]);
		if (h.count[k] > max)
			max = h.count[k];
	}
	for (w = snprintf(NULL, 0, "%zu", max); w > 1; w--)
		cw++;
	for (k = 0; k < h.nb; k++) {
		printf("  %-*s %*zu ", (int)lw, label[k], (int)cw, h.count[k]);
		/* Bars proportional to the largest count, rounded; any count shows. */
		bar = max ? (h.count[k] * BAR_WIDTH * 2 + max) / (max * 2) : 0;
		if (bar == 0 && h.count[k])
			bar = 1;
		for (j = 0; j < bar; j++)
			putchar('#');
		putchar('\n');
	}
}

/* The entries a and b share (both sorted by key): their scores into x and y, in order; how many. */
static size_t
join(const struct input *a, const struct input *b, double *x, double *y)
{
	size_t p = 0, q = 0, n = 0;
	int c;

	while (p < a->n && q < b->n) {
		c = keycmp(a->key[p], a->klen[p], b->key[q], b->klen[q]);
		if (c < 0)
			p++;
		else if (c > 0)
			q++;
		else {
			x[n] = a->v[p++];
			y[n++] = b->v[q++];
		}
	}
	return n;
}

static void
report_pair(size_t i, size_t j, double *x, double *y)
{
	const struct input *a = &inputs[i], *b = &inputs[j];
	size_t p, n = join(a, b, x, y), same = 0;
	double mad = 0, spa = a->hi - a->lo, spb = b->hi - b->lo;

	printf("\npair %zu %zu: %zu shared entries\n", i + 1, j + 1, n);
	for (p = 0; p < n; p++) {
		double mapped = a->lo + (y[p] - b->lo) * spa / spb;
		if (wr_score_round(x[p], 0) == wr_score_round(mapped, 0))
			same++;
		mad += fabs(to100(a, x[p]) - to100(b, y[p]));
	}
	if (n == 0) {
		printf("  %-15s -\n  %-15s -\n", "exact match", "mean abs diff");
	} else {
		printf("  %-15s %zu of %zu (%s%%) on %s:%s\n", "exact match", same, n,
		    num((double)same * 100 / (double)n, 1, 0), num(a->lo, 6, 1), num(a->hi, 6, 2));
		printf("  %-15s %s on 0:100\n", "mean abs diff", num(mad / (double)n, 2, 0));
	}
	print_corr("spearman", wr_spearman(x, y, n));
	print_corr("kendall tau-b", wr_kendall_b(x, y, n));
}

/* Heap order: a is a better place to drop than b (smaller spread, or a later key). */
static int
weaker(const struct worst *a, const struct worst *b)
{
	if (a->spread != b->spread)
		return a->spread < b->spread;
	return keycmp(a->key, a->klen, b->key, b->klen) > 0;
}

static void
sift_down(struct worst **h, size_t n, size_t i)
{
	size_t c;
	struct worst *t;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && weaker(h[c + 1], h[c]))
			c++;
		if (!weaker(h[c], h[i]))
			break;
		t = h[c];
		h[c] = h[i];
		h[i] = t;
	}
}

static int
cmp_worst(const void *a, const void *b)
{
	const struct worst *x = *(struct worst *const *)a, *y = *(struct worst *const *)b;

	if (x->spread != y->spread)
		return x->spread > y->spread ? -1 : 1;
	return keycmp(x->key, x->klen, y->key, y->klen);
}

/* Walk all inputs in key order at once; keep the top_n widest spreads in a heap. */
static void
report_worst(void)
{
	struct worst *pool, **heap, *w, *t, *spare;
	double *vals;
	size_t *cur = wr_calloc(ninputs, sizeof *cur), nheap = 0, shared = 0, i, k, have, keys = 0;
	const char *mk;
	size_t ml;
	double lo, hi, s;
	int width = 6;

	/* No more rows than keys: a large -n costs nothing on small inputs. */
	for (i = 0; i < ninputs; i++)
		keys += inputs[i].n;
	if (top_n > keys)
		top_n = keys;
	pool = wr_calloc(top_n + 1, sizeof *pool);
	vals = wr_malloc((top_n + 1) * ninputs * sizeof *vals);
	heap = wr_malloc((top_n + 1) * sizeof *heap);
	for (k = 0; k <= top_n; k++)
		pool[k].v = vals + k * ninputs;
	spare = &pool[0];
	for (;;) {
		mk = NULL;
		ml = 0;
		for (i = 0; i < ninputs; i++)
			if (cur[i] < inputs[i].n && (!mk ||
			    keycmp(inputs[i].key[cur[i]], inputs[i].klen[cur[i]], mk, ml) < 0)) {
				mk = inputs[i].key[cur[i]];
				ml = inputs[i].klen[cur[i]];
			}
		if (!mk)
			break;
		/* The spare record, unused by the heap, takes the candidate. */
		w = spare;
		have = 0;
		lo = INFINITY;
		hi = -INFINITY;
		for (i = 0; i < ninputs; i++) {
			if (cur[i] < inputs[i].n &&
			    keycmp(inputs[i].key[cur[i]], inputs[i].klen[cur[i]], mk, ml) == 0) {
				w->v[i] = inputs[i].v[cur[i]];
				s = to100(&inputs[i], w->v[i]);
				lo = s < lo ? s : lo;
				hi = s > hi ? s : hi;
				have++;
				cur[i]++;
			} else
				w->v[i] = NAN;
		}
		if (have < 2)
			continue;
		shared++;
		/* Rounded, so spreads equal but for binary fuzz tie, and go in key order. */
		w->spread = wr_score_round(hi - lo, 6);
		w->key = mk;
		w->klen = ml;
		if (top_n == 0)
			continue;
		if (nheap < top_n) {
			heap[nheap++] = w;
			spare = &pool[nheap];
			for (k = nheap - 1; k > 0 && weaker(heap[k], heap[(k - 1) / 2]); k = (k - 1) / 2) {
				t = heap[k];
				heap[k] = heap[(k - 1) / 2];
				heap[(k - 1) / 2] = t;
			}
		} else if (weaker(heap[0], w)) {
			spare = heap[0];
			heap[0] = w;
			sift_down(heap, nheap, 0);
		}
	}
	qsort(heap, nheap, sizeof *heap, cmp_worst);
	printf("\nmost disagreement: %zu of %zu entries rated by two or more inputs, spread on 0:100\n",
	    nheap, shared);
	if (nheap) {
		for (k = 0; k < nheap; k++)
			for (i = 0; i < ninputs; i++)
				if (!isnan(heap[k]->v[i]) && (int)strlen(num(heap[k]->v[i], 2, 0)) > width)
					width = (int)strlen(num(heap[k]->v[i], 2, 0));
		printf("  %*s", width, "spread");
		for (i = 0; i < ninputs; i++)
			printf(" %*zu", width, i + 1);
		printf("  entry\n");
		for (k = 0; k < nheap; k++) {
			printf("  %*s", width, num(heap[k]->spread, 2, 0));
			for (i = 0; i < ninputs; i++)
				printf(" %*s", width, isnan(heap[k]->v[i]) ? "-" : num(heap[k]->v[i], 2, 0));
			printf("  %.*s\n", (int)heap[k]->klen, heap[k]->key);
		}
	}
	free(heap);
	free(vals);
	free(pool);
	free(cur);
}

/* Map the first input onto the last one's scale by quantiles over their shared entries. */
static size_t
write_calibrated(size_t *shared)
{
	struct input *a = &inputs[0], *b = &inputs[ninputs - 1];
	struct wr_merge_item it;
	struct wr_qmap q;
	double *x = wr_malloc((a->n ? a->n : 1) * sizeof *x);
	double *y = wr_malloc((a->n ? a->n : 1) * sizeof *y);
	size_t n = join(a, b, x, y), i;

	*shared = n;
	if (n == 0)
		wr_die("%s and %s share no entries: nothing to calibrate on", a->path, b->path);
	wr_qmap_build(&q, x, y, n, a->lo, a->hi, b->lo, b->hi);
	for (i = 0; i < a->n; i++) {
		wr_merge_get(a->m, i, &it);
		if (exact)
			printf("%.*s\t%s\n", (int)it.keylen, it.key, num(wr_qmap_apply(&q, it.score), 2, 0));
		else
			printf("%.*s\t%s\n", (int)it.entrylen, it.entry,
			    num(wr_qmap_apply(&q, it.score), 2, 0));
	}
	wr_qmap_free(&q);
	free(x);
	free(y);
	return a->n;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"calibrate", no_argument, NULL, 'C'},
		{"exact", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{"quiet", no_argument, NULL, 'q'},
		{"scale", required_argument, NULL, 's'},
		{"top", required_argument, NULL, 'n'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	double lo = 1, hi = 5, *x, *y;
	size_t i, j, maxn = 1, shared = 0, written;
	int c;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	/* A leading '-' returns operands in place: -s applies to what follows it. */
	while ((c = getopt_long(argc, argv, "-ehn:qs:", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			add_input(optarg, lo, hi);
			break;
		case 'C':
			calibrate = 1;
			break;
		case 'e':
			exact = 1;
			break;
		case 'h':
			usage(stdout, WR_EXIT_OK);
			break;
		case 'n':
			top_n = (size_t)wr_strtonum(optarg, 0, 1000000, "-n");
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			wr_range(optarg, &lo, &hi, "-s");
			break;
		case 'V':
			wr_print_version();
			break;
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	for (; optind < argc; optind++)
		add_input(argv[optind], lo, hi);
	if (ninputs < 2) {
		wr_warn("two or more files needed, %zu given", ninputs);
		usage(stderr, WR_EXIT_USAGE);
	}
	wr_progress_init(&progress, quiet, 10);
	wr_stdout_lines();

	if (calibrate) {
		/* Only the first and the last file take part. */
		read_input(&inputs[0], !exact);
		read_input(&inputs[ninputs - 1], 0);
		wr_progress_clear(&progress);
		written = write_calibrated(&shared);
		wr_stdout_flush();
		if (!quiet)
			fprintf(stderr, "%s: %zu entries written, calibrated on %zu shared; %ld scores read, %ld bad lines\n",
			    wr_prog, written, shared, counts.scores, counts.bad);
	} else {
		for (i = 0; i < ninputs; i++) {
			read_input(&inputs[i], 0);
			if (inputs[i].n > maxn)
				maxn = inputs[i].n;
		}
		wr_progress_clear(&progress);
		for (i = 0; i < ninputs; i++) {
			if (i)
				putchar('\n');
			report_input(i);
		}
		x = wr_malloc(maxn * sizeof *x);
		y = wr_malloc(maxn * sizeof *y);
		for (i = 0; i < ninputs; i++)
			for (j = i + 1; j < ninputs; j++)
				report_pair(i, j, x, y);
		free(x);
		free(y);
		report_worst();
		wr_stdout_flush();
		if (!quiet)
			fprintf(stderr, "%s: %zu inputs compared; %ld scores read, %ld bad lines\n",
			    wr_prog, ninputs, counts.scores, counts.bad);
	}
	for (i = 0; i < ninputs; i++) {
		wr_merge_free(inputs[i].m);
		free(inputs[i].key);
		free(inputs[i].klen);
		free(inputs[i].v);
	}
	free(inputs);
	if (wr_fshut(stdout, "stdout"))
		return WR_EXIT_USAGE;
	return counts.bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
