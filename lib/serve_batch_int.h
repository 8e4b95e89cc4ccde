/* What lib/serve_batch*.c share: the job store, its clock and files, and the table each vendor's batch API fills. */
#ifndef WR_SERVE_BATCH_INT_H
#define WR_SERVE_BATCH_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "json.h"
#include "serve_batch.h"
#include "serve_http.h"

#define NEVER UINT64_MAX

#define GEMINI_MODELS "/v1beta/models/"
#define GEMINI_CREATE ":batchGenerateContent"

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

/* Whose batch API a job or call is of; the index of serve_batch.c's table of the APIs. */
enum vendor { V_OPENAI, V_ANTHROPIC, V_GEMINI, V_MISTRAL, V_N };

struct job {
	enum vendor vendor;
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

/* Where a call writes a body that is not kept in memory. */
enum body { B_MEMORY, B_MULTIPART, B_FILE };

struct wr_batch_call {
	const struct wr_serve_dialect *d;
	const struct wr_bat_api *api;
	enum vendor v;
	int op;                      /* one of the shared ops, or one of the vendor's own from OP_VENDOR */
	const char *allow;           /* for OP_BAD: the methods the URL takes */
	char id[128];                /* the object named in the path (Gemini's create: the model) */
	struct wr_buf body;
	int too_big;
	/* a multipart upload, or the body of an Anthropic or Gemini create, goes to a file */
	enum body to;
	size_t limit;                /* of a body that goes to a file */
	struct MHD_PostProcessor *pp;
	int pp_failed;
	int fd;
	char *path;
	size_t bytes;
	char *filename;
	struct wr_buf purpose;
	int write_failed;
};

enum { OP_UNKNOWN, OP_BAD, OP_CREATE, OP_LIST, OP_GET, OP_CANCEL, OP_VENDOR };

/* One vendor's batch API: the steps in which the four differ. */
struct wr_bat_api {
	/* Set b->op, b->allow and b->id from path (get, post, del: the method). */
	void (*route)(struct wr_batch_call *b, int get, int post, int del, const char *path);
	/* Answer a create, a list, and one of the vendor's own ops (NULL: it has none). */
	void (*create)(struct wr_batch_call *b, struct wr_batch_answer *a);
	void (*list)(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a);
	void (*finish)(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a);
	/* An error body in the vendor's shape (code may be NULL). */
	void (*error)(struct wr_buf *out, unsigned status, const char *type, const char *code,
	    const char *msg);
	/* The batch object that get, list and cancel answer; under the lock. */
	void (*json)(struct wr_buf *out, struct job *j);
	/* The status of an ended job, as cancelling it names it. */
	const char *(*status)(const struct state *s);
	/* Name the files of an ended job that has not failed. */
	void (*outputs)(struct job *j, const struct state *s);
	/* Write those files (serve_batch_out.c). */
	int (*write)(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
	const char *bad_method[2];   /* type and code of a method the URL does not take */
	const char *unknown[2];      /* of a URL the API does not have, and of an ID it does not know */
	const char *no_batch[2];     /* the words around the ID it does not know */
	const char *no_file[2];      /* and around the ID of a file it does not know (OpenAI, Mistral) */
	unsigned cancel_ended;       /* HTTP status of cancelling an ended job */
	const char *rate_limited[3]; /* type, code and message of a create that create-429 refuses */
	const char *id_prefix;       /* a job's ID: the prefix, kind and hex digits of wr_bat_make_id, */
	unsigned id_kind;            /* or with 0 digits a UUID of that kind */
	size_t id_digits;
	int operation;               /* Gemini: a batch is an Operation that holds its results */
};

extern const struct wr_bat_api wr_bat_openai, wr_bat_anthropic, wr_bat_gemini, wr_bat_mistral;

/* The store that serve_batch.c owns; wr_bat_lock guards it. */
extern unsigned wr_bat_port;
extern pthread_mutex_t wr_bat_lock;
extern struct file **wr_bat_files;
extern struct job **wr_bat_jobs;
extern size_t wr_bat_nfiles, wr_bat_njobs;
extern unsigned long wr_bat_seq;

/* The clock: where j is now, and whether that is an end. */
void wr_bat_state_now(const struct job *j, struct state *s);
int wr_bat_ended(const struct state *s);
/* A time at ms after j's creation (NEVER: null), in seconds or as Anthropic's RFC 3339. */
void wr_bat_add_time(struct wr_buf *b, const struct job *j, uint64_t at);
void wr_bat_add_rfc3339(struct wr_buf *b, double t);
void wr_bat_add_rfc3339_at(struct wr_buf *b, const struct job *j, uint64_t at);

/* IDs drawn from --seed: prefix and ndigits hex digits, or a UUID (Mistral's). */
void wr_bat_make_id(char *out, size_t size, const char *prefix, uint64_t kind, uint64_t a,
    uint64_t b, size_t ndigits);
void wr_bat_make_uuid(char *out, size_t size, uint64_t kind, uint64_t a, uint64_t b);

/* Answers: JSON, an error in b's vendor's shape, one of the dialect's own. */
void wr_bat_answer_json(struct wr_batch_answer *a, unsigned status, const struct wr_buf *b);
void wr_bat_error(struct wr_batch_answer *a, const struct wr_batch_call *b, unsigned status,
    const char *type, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void wr_bat_derror(struct wr_batch_answer *a, const struct wr_batch_call *b, enum wr_serve_err e,
    const char *message);
/* Mark a with j's fault, if any. */
void wr_bat_job_fault(struct wr_batch_answer *a, const struct job *j);
/* Withhold a if it is the first of step to succeed under --batch-hang. */
void wr_bat_hang(struct wr_batch_answer *a, enum wr_batch_step step);

/* Bodies: b's JSON body into *j, or a create body b wrote to a file mapped and parsed into *j. */
int wr_bat_json_body(struct wr_batch_call *b, struct wr_json *j, struct wr_batch_answer *a);
char *wr_bat_map_body(struct wr_batch_call *b, struct wr_json *j, size_t *len,
    struct wr_batch_answer *a);
/* The string at token t, decoded; NULL unless it is a string. The text of an object at t, or NULL when absent or null. Caller frees. */
char *wr_bat_json_string(const struct wr_json *j, int t);
char *wr_bat_json_object(const struct wr_json *j, int t);
/* A ?NAME= from min to max, or def when absent; -1 when it is not one. */
long wr_bat_num_arg(const struct wr_serve_req *q, const char *name, long def, long min, long max);
/* Split "/PREFIX/ID/SUB" (prefix: its length): copies ID (maybe empty), points *sub at SUB or ""; -1 when it is no such path. */
int wr_bat_split(const char *path, size_t prefix, char *id, size_t size, const char **sub);
/* Route PREFIX, PREFIX/ID and PREFIX/ID/cancel to create or list, get and cancel; SUB, or NULL when path is not of that shape. */
const char *wr_bat_route_jobs(struct wr_batch_call *b, int get, int post, const char *path,
    size_t prefix);
/* A new file for b's upload; its descriptor, or -1. */
int wr_bat_open_upload(struct wr_batch_call *b);

/* Files: the live one called id, a new one in the private directory, a file mapped read-only (caller unmaps). */
struct file *wr_bat_find_file(const char *id);
struct file *wr_bat_new_file(const char *id, const char *filename, const char *purpose);
struct file *wr_bat_job_file(struct job *j, const char *id, const char *filename, const char *purpose);
char *wr_bat_map_file(const char *path, size_t *len);
/* Is f in the Files API's list? Put a job's output file on disk; 0, or -1 with a warning. */
int wr_bat_listed(const struct file *f);
int wr_bat_make_ready(struct file *f);
/* Name j's output files if it has ended. */
void wr_bat_name_outputs(struct job *j, const struct state *s);

/* Jobs: start a job of v (whose lines may be in already), add a line, free one. */
void wr_bat_start_job(struct job *j, enum vendor v, enum wr_batch_fault fault);
void wr_bat_add_line(struct job *j, size_t *cap, const struct line *l);
/* Set l to the string at token id (-1: none) and the object at token body of js, parsed at base. */
void wr_bat_tok_line(struct line *l, const struct wr_json *js, size_t base, int id, int body);
void wr_bat_free_job(struct job *j);
/* Mark the lines of j's create body that d's model cannot answer (path as wr_bat_line_ok's). */
void wr_bat_check_lines(struct job *j, const struct wr_serve_dialect *d, const char *path);
/* Take the lock and find the batch b names; NULL, unlocked and answered 404, when there is none. */
struct job *wr_bat_lock_job(struct wr_batch_call *b, struct wr_batch_answer *a);
/* Under the lock: the fault of this create in *fault; -1 when it is create-429, then unlocked and answered. */
int wr_bat_create_fault(struct wr_batch_call *b, struct wr_batch_answer *a, enum wr_batch_fault *fault);
/* Add j, just made under the lock, and answer it as json writes it. */
void wr_bat_created(struct wr_batch_answer *a, struct job *j,
    void (*json)(struct wr_buf *, struct job *));
/* List OpenAI's or Anthropic's batches. */
void wr_bat_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a);

/*
 * OpenAI's and Mistral's creates from the lock on: start j (its fields filled) on its input file
 * and answer it, or answer the file's 404 or the create-429 and free j. invalid, quota: fault words.
 */
void wr_bat_create_on_input(struct wr_batch_call *b, struct wr_batch_answer *a, struct job *j,
    const char *invalid, const char *quota);

/* Is line i of j answered with an error (a bad body, or --batch-fault errors)? */
int wr_bat_errs(const struct job *j, size_t i);
/* How many of the first k lines of j are answered with an error. */
size_t wr_bat_errors_in(const struct job *j, size_t k);
/* Create path (mode 0600, never an existing file); the descriptor, or -1 with a warning. */
int wr_bat_create_temp(const char *path);
/* Does body, sent to path (Gemini's names the model), parse as a request that d's model answers? Under the batch lock. */
int wr_bat_line_ok(const struct wr_serve_dialect *d, const char *path, const char *body, size_t len);
/*
 * Write the files of an ended job under the batch lock: OpenAI's and Mistral's output and error
 * files (j->out, j->err, those not NULL), Anthropic's results (j->res). 0, or -1 with a warning.
 */
int wr_bat_write_output(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
int wr_bat_write_results(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
/* Gemini's inlined responses of an ended job, joined by commas, to j->res. 0, or -1 with a warning. */
int wr_bat_write_inlined(const struct wr_serve_conf *conf, struct job *j, const struct state *s);
/* Free the answer maker's scratch space. */
void wr_bat_out_free(void);

#endif
