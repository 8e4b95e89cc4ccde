/* What lib/serve_batch*.c share: a job, its files and its clock (for those files only). */
#ifndef WR_SERVE_BATCH_INT_H
#define WR_SERVE_BATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "serve_batch.h"
#include "serve_http.h"

#define NEVER UINT64_MAX

/* One request line of a job: offsets into the job's mapped input. */
struct line {
	size_t id_off, body_off;
	uint32_t id_len, body_len;   /* id is the JSON text of custom_id (Gemini: metadata.key), quotes included; 0: none */
	unsigned char bad;           /* its body is no request the model can answer */
};

struct job;

struct file {
	char id[40];
	char *filename;
	const char *purpose;
	long created;
	size_t bytes;
	char *path;
	int ready;                   /* its content is on disk */
	int deleted;
	struct job *job;             /* the job whose output or error file it is */
};

/* OpenAI's statuses; Anthropic's processing_status is read off them. */
enum status {
	ST_VALIDATING, ST_FAILED, ST_IN_PROGRESS, ST_FINALIZING, ST_COMPLETED, ST_EXPIRED,
	ST_CANCELLING, ST_CANCELLED
};

/* Whose batch API a job is of. */
enum vendor { V_OPENAI, V_ANTHROPIC, V_GEMINI, V_MISTRAL };

struct job {
	enum vendor vendor;
	int anthropic;               /* vendor == V_ANTHROPIC */
	char id[48];
	unsigned long seq;
	double wall0;                /* creation, on the wall clock */
	uint64_t t0;                 /* creation, in monotonic milliseconds */
	char *input_file_id, *endpoint, *window, *metadata;   /* OpenAI's; metadata as JSON */
	char *model;                 /* Gemini's and Mistral's: the model of every line */
	char *display;               /* Gemini's displayName */
	char *map;                   /* the input: a JSONL file (OpenAI, Mistral), a create body (Anthropic, Gemini) */
	size_t maplen;
	struct line *lines;
	size_t n;
	enum wr_batch_fault fault;
	char *errors;                /* JSON of errors.data when validation fails */
	int cancel;                  /* cancelled by the client at cancel_t (ms after t0) */
	uint64_t cancel_t;
	struct file *out, *err, *res;   /* res: Anthropic's results, Gemini's inlined responses */
	int deleted;
};

/* Where a job is on the clock, e ms after its creation. */
struct state {
	enum status s;
	size_t done;                 /* lines answered (success or error) */
	uint64_t at_progress, at_final, at_cancel, at_end;   /* ms after creation, or NEVER */
};

/* Is line i of j answered with an error (a bad body, or --batch-fault errors)? */
int wr_bat_errs(const struct job *j, size_t i);
/* How many of the first k lines of j are answered with an error. */
size_t wr_bat_errors_in(const struct job *j, size_t k);
/* prefix and ndigits hex digits drawn from seed, a kind and two numbers. */
void wr_bat_id(char *out, size_t size, const char *prefix, uint64_t seed, uint64_t kind,
    uint64_t a, uint64_t b, size_t ndigits);
/* Create path (mode 0600, never an existing file); the descriptor, or -1 with a warning. */
int wr_bat_create_temp(const char *path);
/* Does body, sent to path (Gemini's names the model), parse as a request that d's model answers? Under the batch lock. */
int wr_bat_line_ok(const struct wr_serve_dialect *d, const char *path, const char *body, size_t len);
/*
 * Write the files of an ended job under the batch lock: OpenAI's output and
 * error files (j->out, j->err, those that are not NULL), Anthropic's results
 * (j->res). 0, or -1 with a warning.
 */
int wr_bat_write_output(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
int wr_bat_write_results(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
/* Gemini's inlined responses of an ended job, joined by commas, to j->res. 0, or -1 with a warning. */
int wr_bat_write_inlined(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
/* Free the answer maker's scratch space. */
void wr_bat_out_free(void);

#endif
