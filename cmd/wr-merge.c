/* wr-merge: ratings and scored lists in, one scored word list out. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "key.h"
#include "line.h"
#include "merge.h"

struct input {
	const char *path;
	double lo, hi;
	int scaled;        /* a -s came before it */
	int base;
};

static struct input *inputs;
static size_t ninputs;
static double to_lo = 0, to_hi = 100, min_score;
static int decimals, tsv, quiet, has_min, exact;
static struct wr_merge *merge;
static struct wr_out out = {.fd = STDOUT_FILENO, .name = "stdout"};
static struct wr_progress progress;
static struct wr_merge_counts counts = {.progress = &progress};
static size_t n_written, n_below;

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-eq] [-a HOW] [-f FORMAT] [-m N] [-t LO:HI] [-B FILE ...]\n"
	    "       [[-s LO:HI] FILE ...]\n"
	    "  -a, --combine HOW   mean, median, min or max of an entry's scores (default mean)\n"
	    "  -e, --exact         compare entries byte for byte, without folding\n"
	    "  -f, --format FORMAT dict (ENTRY;SCORE, the default) or tsv (entry<TAB>score)\n"
	    "  -m, --min N         leave out entries whose score is below N\n"
	    "  -t, --to LO:HI      output scale (default 0:100)\n"
	    "  -B, --base FILE     scored list whose scores win and whose entries are all\n"
	    "                      kept; on the output scale unless a -s precedes it;\n"
	    "                      repeatable\n"
	    "  -s, --scale LO:HI   scale of the files and -B lists named after it\n"
	    "                      (default 1:5)\n"
	    "  -q, --quiet         no progress or summary on stderr\n"
	    "  -h, --help          this help\n"
	    "      --version       print the version\n", wr_prog);
	exit(status);
}

static void
add_input(const char *path, int base, int scaled, double lo, double hi)
{
	wr_input_open(path);
	inputs = wr_realloc(inputs, (ninputs + 1) * sizeof *inputs);
	inputs[ninputs].path = path;
	inputs[ninputs].base = base;
	inputs[ninputs].scaled = scaled;
	inputs[ninputs].lo = lo;
	inputs[ninputs].hi = hi;
	ninputs++;
}

static void
write_list(void)
{
	struct wr_merge_item it;
	char num[64];
	size_t i, n = wr_merge_sort(merge);
	int k;

	for (i = 0; i < n; i++) {
		wr_merge_get(merge, i, &it);
		if (has_min && wr_score_round(it.score, decimals) < min_score) {
			n_below++;
			continue;
		}
		k = wr_score_format(num, sizeof num, it.score, decimals);
		if (k < 0 || (size_t)k >= sizeof num)
			wr_die("score %g: cannot format", it.score);
		if (tsv) {
			wr_buf_add(&out.b, it.entry, it.entrylen);
			wr_buf_addc(&out.b, '\t');
		} else {
			wr_buf_add(&out.b, it.key, it.keylen);
			wr_buf_addc(&out.b, ';');
		}
		wr_buf_add(&out.b, num, (size_t)k);
		wr_buf_addc(&out.b, '\n');
		n_written++;
		wr_out_done(&out);
	}
	wr_out_flush(&out);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"base", required_argument, NULL, 'B'},
		{"combine", required_argument, NULL, 'a'},
		{"exact", no_argument, NULL, 'e'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{"min", required_argument, NULL, 'm'},
		{"quiet", no_argument, NULL, 'q'},
		{"scale", required_argument, NULL, 's'},
		{"to", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	enum wr_merge_how how = WR_MERGE_MEAN;
	double lo = 1, hi = 5;
	size_t i, nfiles = 0;
	int c, scaled = 0;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	/* A leading '-' returns operands in place: -s applies to what follows it. */
	while ((c = getopt_long(argc, argv, "-a:B:ef:hm:qs:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			add_input(optarg, 0, 1, lo, hi);
			nfiles++;
			break;
		case 'a':
			if (strcmp(optarg, "mean") == 0)
				how = WR_MERGE_MEAN;
			else if (strcmp(optarg, "median") == 0)
				how = WR_MERGE_MEDIAN;
			else if (strcmp(optarg, "min") == 0)
				how = WR_MERGE_MIN;
			else if (strcmp(optarg, "max") == 0)
				how = WR_MERGE_MAX;
			else
				wr_die("-a %s: expected mean, median, min or max", optarg);
			break;
		case 'B':
			add_input(optarg, 1, scaled, lo, hi);
			break;
		case 'e':
			exact = 1;
			break;
		case 'f':
			if (strcmp(optarg, "dict") == 0)
				tsv = 0;
			else if (strcmp(optarg, "tsv") == 0)
				tsv = 1;
			else
				wr_die("-f %s: expected dict or tsv", optarg);
			break;
		case 'h':
			usage(stdout, WR_EXIT_OK);
			break;
		case 'm':
			min_score = wr_strtod(optarg, "-m");
			has_min = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			wr_range(optarg, &lo, &hi, "-s");
			scaled = 1;
			break;
		case 't':
			wr_range(optarg, &to_lo, &to_hi, "-t");
			break;
		case 'V':
			wr_print_version();
			break;
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	for (; optind < argc; optind++, nfiles++)
		add_input(argv[optind], 0, 1, lo, hi);
	if (nfiles == 0)
		add_input("-", 0, 1, lo, hi);
	decimals = tsv ? 2 : 0;
	wr_progress_init(&progress, quiet, 10);

	merge = wr_merge_new(how, tsv);
	if (exact)
		wr_merge_exact(merge);
	for (i = 0; i < ninputs; i++) {
		if (inputs[i].base && !inputs[i].scaled) {
			inputs[i].lo = to_lo;
			inputs[i].hi = to_hi;
		}
		wr_merge_read(merge, inputs[i].path, inputs[i].lo, inputs[i].hi, to_lo, to_hi, inputs[i].base, &counts);
	}
	write_list();

	wr_progress_clear(&progress);
	if (!quiet)
		fprintf(stderr, "%s: %zu entries written, %zu below the minimum; %ld scores read, %ld bad lines\n",
		    wr_prog, n_written, n_below, counts.scores, counts.bad);
	wr_merge_free(merge);
	wr_buf_free(&out.b);
	free(inputs);
	if (wr_fshut(stdout, "stdout"))
		return WR_EXIT_USAGE;
	return counts.bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
