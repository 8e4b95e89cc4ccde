/* wr-serve: a local model speaking OpenAI, Anthropic and Gemini that rates entries from SCOWL, with faults on demand. */
#include <getopt.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "hash.h"
#include "key.h"
#include "lexicon.h"
#include "serve.h"
#include "serve_http.h"

enum {
	OPT_BATCH_FAULT = 256, OPT_BATCH_HANG, OPT_BATCH_TIME, OPT_DROP, OPT_FAIL_429, OPT_FAIL_500, OPT_FILTER, OPT_GARBLE, OPT_KEY_FILE,
	OPT_LATENCY, OPT_LIMIT_BURST, OPT_LIMIT_RETRY_AFTER, OPT_LOG, OPT_MAX_BODY, OPT_MAX_INFLIGHT, OPT_OVERLOAD,
	OPT_PARTIAL, OPT_REFUSE, OPT_REFUSE_ENTRY, OPT_RETRY_AFTER, OPT_RPM, OPT_SEED, OPT_STYLE,
	OPT_THREADS, OPT_TPM, OPT_TRUNCATE, OPT_VERSION
};

static int quiet;
static struct wr_serve_conf conf = {
	.port = 8080,
	.seed = 1,
	.style = WR_STYLE_PLAIN,
	.retry_after = 1,
	.max_body = 1 << 20,
	.burst = 1,
	.batch_ms = 1000,
};
static struct wr_batch_fault_use batch_faults[64];
static struct wr_lexicon lex;
static struct wr_map refuse;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-q] [-p PORT] [--latency MS] [--seed N] [--style STYLE] [--key-file FILE]\n"
	    "          [--fail-500 RATE] [--fail-429 RATE] [--retry-after SEC] [--refuse RATE]\n"
	    "          [--filter RATE] [--truncate RATE] [--garble RATE] [--partial RATE] [--drop RATE]\n"
	    "          [--refuse-entry ENTRY]... [--log FILE] [--max-body BYTES] [--threads N]\n"
	    "          [--overload RATE] [--rpm N] [--tpm N] [--limit-burst SEC] [--limit-retry-after]\n"
	    "          [--max-inflight N] [--batch-time MS] [--batch-fault KIND[:N]]...\n"
	    "          [--batch-hang STEP]...\n"
	    "  Dialects: OpenAI POST /v1/chat/completions, Anthropic POST /v1/messages,\n"
	    "  Gemini POST /v1beta/models/MODEL:generateContent; GET /v1/models, /v1beta/models.\n"
	    "  Batch APIs: OpenAI /v1/files and /v1/batches, Anthropic /v1/messages/batches,\n"
	    "  Gemini /v1beta/models/MODEL:batchGenerateContent and /v1beta/batches,\n"
	    "  Mistral /v1/batch/jobs (on OpenAI's files).\n"
	    "  -p, --port PORT           listen on 127.0.0.1:PORT (default 8080; 0 picks one and prints it)\n"
	    "      --latency MS          wait MS milliseconds before each answer (default 0)\n"
	    "      --seed N              seed of the fault draws and of --style mix (default 1)\n"
	    "      --style STYLE         answer shape: plain, colon, dash, tab, numbered, bold, table,\n"
	    "                            json-array, json-object, fenced or mix (default plain)\n"
	    "      --key-file FILE       require the key in FILE (Bearer, x-api-key or x-goog-api-key)\n"
	    "                            (default: the key in $WR_SERVE_KEY, if set)\n"
	    "      --fail-500 RATE       answer HTTP 500 to a fraction RATE (0 to 1) of the requests\n"
	    "      --fail-429 RATE       answer HTTP 429 with Retry-After\n"
	    "      --retry-after SEC     the Retry-After of --fail-429 answers (default 1)\n"
	    "      --overload RATE       answer overloaded: 529 (Anthropic), 503 (OpenAI, Gemini)\n"
	    "      --max-inflight N      make at most N answers at once; overloaded beyond (a queue\n"
	    "                            of its own, as vLLM's or llama.cpp's)\n"
	    "      --refuse RATE         refuse to rate (refusal, stop_reason refusal, finishReason SAFETY)\n"
	    "      --filter RATE         no content: content_filter, refusal, Gemini promptFeedback block\n"
	    "      --truncate RATE       cut the answer in the middle of a line (finish_reason length)\n"
	    "      --garble RATE         send a body that is not valid JSON\n"
	    "      --partial RATE        send less than the announced Content-Length, then close\n"
	    "      --drop RATE           close the connection without an answer\n"
	    "      --refuse-entry ENTRY  refuse every request that holds ENTRY; repeatable\n"
	    "      --rpm N               allow N requests a minute (token bucket; 429 beyond)\n"
	    "      --tpm N               allow N tokens a minute (body bytes/4 + max tokens)\n"
	    "      --limit-burst SEC     seconds' worth of the limits a bucket holds (default 1)\n"
	    "      --limit-retry-after   Retry-After on OpenAI's and Gemini's limit 429s too\n"
	    "      --batch-time MS       a batch job ends MS milliseconds after it is created\n"
	    "                            (default 1000; the first tenth validating)\n"
	    "      --batch-fault KIND[:N]  the next N jobs created (default 1) get fault KIND:\n"
	    "                            invalid, expire, errors, cancel, create-429 or quota;\n"
	    "                            repeatable, used in the order given\n"
	    "      --batch-hang STEP     carry out the first upload, create, retrieve or content\n"
	    "                            request, then withhold its answer for 60 s; repeatable\n"
	    "      --log FILE            append a line per request: STATUS FAULT N entries\n"
	    "      --max-body BYTES      answer 413 to larger request bodies (default 1048576)\n"
	    "      --threads N           worker threads (default: the number of CPUs)\n"
	    "  -q, --quiet               no startup and summary lines on stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", wr_prog);
	exit(status);
}

static double
rate(const char *s, const char *opt)
{
	double v = wr_strtod(s, opt);

	if (v < 0 || v > 1)
		wr_die("%s %s: not a rate between 0 and 1", opt, s);
	return v;
}

/* A positive number for a limit. */
static double
limit(const char *s, const char *opt)
{
	double v = wr_strtod(s, opt);

	if (!(v > 0) || v > 1e12)
		wr_die("%s %s: not a positive number", opt, s);
	return v;
}

/* --batch-fault KIND[:N] */
static void
batch_fault(const char *arg)
{
	const char *colon = strchr(arg, ':');
	char kind[32];
	int k;

	snprintf(kind, sizeof kind, "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	if ((k = wr_batch_fault_parse(kind)) < 0)
		wr_die("--batch-fault %s: unknown fault (invalid, expire, errors, cancel, create-429, "
		    "quota)", arg);
	if (conf.nbatch_faults == sizeof batch_faults / sizeof *batch_faults)
		wr_die("--batch-fault %s: too many faults", arg);
	batch_faults[conf.nbatch_faults].kind = (enum wr_batch_fault)k;
	batch_faults[conf.nbatch_faults].n = colon ?
	    (unsigned long)wr_strtonum(colon + 1, 1, 1000000, "--batch-fault") : 1;
	conf.batch_faults = batch_faults;
	conf.nbatch_faults++;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batch-fault", required_argument, NULL, OPT_BATCH_FAULT},
		{"batch-hang", required_argument, NULL, OPT_BATCH_HANG},
		{"batch-time", required_argument, NULL, OPT_BATCH_TIME},
		{"drop", required_argument, NULL, OPT_DROP},
		{"fail-429", required_argument, NULL, OPT_FAIL_429},
		{"fail-500", required_argument, NULL, OPT_FAIL_500},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"garble", required_argument, NULL, OPT_GARBLE},
		{"help", no_argument, NULL, 'h'},
		{"key-file", required_argument, NULL, OPT_KEY_FILE},
		{"latency", required_argument, NULL, OPT_LATENCY},
		{"limit-burst", required_argument, NULL, OPT_LIMIT_BURST},
		{"limit-retry-after", no_argument, NULL, OPT_LIMIT_RETRY_AFTER},
		{"log", required_argument, NULL, OPT_LOG},
		{"max-body", required_argument, NULL, OPT_MAX_BODY},
		{"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
		{"overload", required_argument, NULL, OPT_OVERLOAD},
		{"partial", required_argument, NULL, OPT_PARTIAL},
		{"port", required_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"refuse", required_argument, NULL, OPT_REFUSE},
		{"refuse-entry", required_argument, NULL, OPT_REFUSE_ENTRY},
		{"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
		{"rpm", required_argument, NULL, OPT_RPM},
		{"seed", required_argument, NULL, OPT_SEED},
		{"style", required_argument, NULL, OPT_STYLE},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"tpm", required_argument, NULL, OPT_TPM},
		{"truncate", required_argument, NULL, OPT_TRUNCATE},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	static const char *const keyfile_opts[] = {"key-file", NULL};
	const char *key_file = NULL, *log_file = NULL, *dir;
	struct wr_serve_stats st;
	sigset_t sigs;
	unsigned port;
	long cpus;
	int c, sig;
	char *key;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, keyfile_opts, "set $WR_SERVE_KEY or use --key-file FILE");
	wr_map_init(&refuse);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	conf.threads = cpus > 0 ? (unsigned)(cpus < 256 ? cpus : 256) : 1;
	while ((c = getopt_long(argc, argv, "hp:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'p':
			conf.port = (unsigned)wr_strtonum(optarg, 0, 65535, "-p");
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_BATCH_FAULT:
			batch_fault(optarg);
			break;
		case OPT_BATCH_HANG:
			if ((c = wr_batch_step_parse(optarg)) < 0)
				wr_die("--batch-hang %s: unknown step (upload, create, retrieve, content)",
				    optarg);
			conf.batch_hang[c] = 1;
			break;
		case OPT_BATCH_TIME:
			conf.batch_ms = (unsigned long)wr_strtonum(optarg, 0, 86400000, "--batch-time");
			break;
		case OPT_DROP:
			conf.rates[WR_FAULT_DROP] = rate(optarg, "--drop");
			break;
		case OPT_FAIL_429:
			conf.rates[WR_FAULT_429] = rate(optarg, "--fail-429");
			break;
		case OPT_FAIL_500:
			conf.rates[WR_FAULT_500] = rate(optarg, "--fail-500");
			break;
		case OPT_FILTER:
			conf.rates[WR_FAULT_FILTER] = rate(optarg, "--filter");
			break;
		case OPT_GARBLE:
			conf.rates[WR_FAULT_GARBLE] = rate(optarg, "--garble");
			break;
		case OPT_KEY_FILE:
			key_file = optarg;
			break;
		case OPT_LATENCY:
			conf.latency_ms = (unsigned long)wr_strtonum(optarg, 0, 3600000, "--latency");
			break;
		case OPT_LIMIT_BURST:
			conf.burst = limit(optarg, "--limit-burst");
			break;
		case OPT_LIMIT_RETRY_AFTER:
			conf.limit_retry_after = 1;
			break;
		case OPT_MAX_INFLIGHT:
			conf.max_inflight = (unsigned long)wr_strtonum(optarg, 1, 1000000, "--max-inflight");
			break;
		case OPT_OVERLOAD:
			conf.rates[WR_FAULT_OVERLOAD] = rate(optarg, "--overload");
			break;
		case OPT_RPM:
			conf.rpm = limit(optarg, "--rpm");
			break;
		case OPT_TPM:
			conf.tpm = limit(optarg, "--tpm");
			break;
		case OPT_LOG:
			log_file = optarg;
			break;
		case OPT_MAX_BODY:
			conf.max_body = (size_t)wr_strtonum(optarg, 1, 1 << 30, "--max-body");
			break;
		case OPT_PARTIAL:
			conf.rates[WR_FAULT_PARTIAL] = rate(optarg, "--partial");
			break;
		case OPT_REFUSE:
			conf.rates[WR_FAULT_REFUSE] = rate(optarg, "--refuse");
			break;
		case OPT_REFUSE_ENTRY:
			wr_map_put(&refuse, optarg, strlen(optarg), 0, NULL);
			break;
		case OPT_RETRY_AFTER:
			conf.retry_after = (unsigned long)wr_strtonum(optarg, 0, 86400, "--retry-after");
			break;
		case OPT_SEED:
			conf.seed = (uint64_t)wr_strtonum(optarg, 0, INT64_MAX, "--seed");
			break;
		case OPT_STYLE:
			if ((conf.style = wr_style_parse(optarg)) < 0)
				wr_die("--style %s: unknown style (plain, colon, dash, tab, numbered, bold, "
				    "table, json-array, json-object, fenced, mix)", optarg);
			break;
		case OPT_THREADS:
			conf.threads = (unsigned)wr_strtonum(optarg, 1, 1024, "--threads");
			break;
		case OPT_TRUNCATE:
			conf.rates[WR_FAULT_TRUNCATE] = rate(optarg, "--truncate");
			break;
		case OPT_VERSION:
			wr_print_version();
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, WR_EXIT_USAGE);

	/* Everything that can fail is read before the port is announced. */
	key = wr_key_read(key_file, "--key-file", "WR_SERVE_KEY");
	conf.key = key;
	if (log_file && !(conf.log = fopen(log_file, "ae")))
		wr_die("%s:", log_file);
	dir = getenv("WR_SCOWL_DIR");
	wr_lexicon_load(&lex, dir && *dir ? dir : WR_SCOWL_DIR);
	conf.lex = &lex;
	conf.refuse = &refuse;

	/* Worker threads inherit this mask, so the signals reach sigwait below only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	port = wr_serve_start(&conf);
	if (conf.port == 0) {
		printf("%u\n", port);
		if (wr_fshut(stdout, "stdout"))
			exit(WR_EXIT_USAGE);
	}
	if (!quiet)
		fprintf(stderr, "%s: serving http://127.0.0.1:%u/v1 (%zu words, %u threads)\n",
		    wr_prog, port, lex.count, conf.threads);
	while (sigwait(&sigs, &sig) != 0)
		;
	wr_serve_stop(&st);
	if (!quiet && (conf.rpm > 0 || conf.tpm > 0))
		fprintf(stderr, "%s: %lu requests, %lu ok, %lu errors, %lu entries, %lu rate-limited\n",
		    wr_prog, st.requests, st.ok, st.errors, st.entries, st.rate_limited);
	else if (!quiet)
		fprintf(stderr, "%s: %lu requests, %lu ok, %lu errors, %lu entries\n",
		    wr_prog, st.requests, st.ok, st.errors, st.entries);
	if (conf.log && fclose(conf.log))
		wr_warn("%s:", log_file);
	wr_lexicon_free(&lex);
	wr_map_free(&refuse);
	wr_key_free(key);
	if (wr_fshut(stdout, "stdout"))
		return WR_EXIT_USAGE;
	return WR_EXIT_OK;
}
