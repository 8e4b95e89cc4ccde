/* The record of a set of batch jobs: filling jobs, keep lines, the log read back (a torn line ignored). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fill.h"
#include "jobs.h"
#include "unit.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct wr_buf b = {0};
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		wr_buf_add(&b, buf, n);
	fclose(f);
	if (!b.s)
		wr_buf_adds(&b, "");
	return b.s;
}

static void
test_keep_format(void)
{
	struct wr_buf b = {0};

	wr_keep_format(&b, "\"a\\\"b\"", 6, 0xabcULL, 2, ",\"entries\":[\"x\"]", 16);
	CHECK(strcmp(b.s, "{\"custom_id\":\"a\\\"b\",\"body_hash\":\"0000000000000abc\",\"try\":2,\"entries\":[\"x\"]}") == 0,
	    "%s", b.s);
	wr_buf_reset(&b);
	wr_keep_format(&b, NULL, 0, 1, 0, NULL, 0);
	CHECK(strcmp(b.s, "{\"custom_id\":null,\"body_hash\":\"0000000000000001\",\"try\":0}") == 0, "%s", b.s);
	wr_buf_free(&b);
}

/* Three requests, two a job: two jobs with their items, keep lines and log lines; read back. */
static void
test_fill(const char *dir)
{
	static const char *const items[] = {"{\"custom_id\":\"-\",\"body\":1}", "{\"custom_id\":\"-\",\"body\":2}",
		"{\"custom_id\":\"-\",\"body\":3}"};
	struct wr_fill f = {0};
	struct wr_jobs s, again;
	struct wr_buf p = {0}, item = {0}, keep = {0}, want = {0};
	struct wr_keepfile kf;
	struct wr_kept k;
	struct wr_json j;
	struct wr_map held;
	char uid[64], *text;
	size_t i;
	FILE *log;

	wr_jobs_open(&s, dir, 1);
	CHECK(s.n == 0, "a new set is empty");
	f.api = &wr_batch_openai;
	f.jobs = &s;
	f.url = "http://127.0.0.1:9/v1";
	f.max_requests = 2;
	f.max_bytes = 1 << 20;
	for (i = 0; i < 3; i++) {
		char cid[8];
		snprintf(cid, sizeof cid, "\"r%zu\"", i);
		wr_fill_uid(&f, "/v1/chat/completions", 20, strlen(items[i]) + 32, uid, sizeof uid);
		wr_buf_reset(&item);
		CHECK(wr_batch_splice(&wr_batch_openai, &item, items[i], strlen(items[i]), uid) == 0, "splice %zu", i);
		wr_buf_reset(&keep);
		wr_keep_format(&keep, cid, strlen(cid), i + 1, 0, ",\"n\":1", 6);
		wr_fill_add(&f, item.s, item.len, keep.s, keep.len);
	}
	wr_fill_close(&f);
	CHECK(f.made == 2 && f.requests == 3, "made %lu jobs of %lu requests", f.made, f.requests);
	CHECK(strcmp(f.sizes.s, "2 (0.0 MB), 1 (0.0 MB)") == 0, "sizes %s", f.sizes.s);
	CHECK(s.n == 2 && s.v[0]->requests == 2 && s.v[1]->requests == 1, "two jobs recorded");
	/* Job 1's items: its set's uids, one a line. */
	text = slurp(wr_jobs_path(&s, 1, "items", &p));
	wr_buf_printf(&want, "{\"custom_id\":\"%s-0\",\"body\":1}\n{\"custom_id\":\"%s-1\",\"body\":2}\n", s.v[0]->set,
	    s.v[0]->set);
	CHECK(text && strcmp(text, want.s) == 0, "job 1 items: %s", text ? text : "(none)");
	free(text);
	CHECK(access(wr_jobs_path(&s, 1, "items.tmp", &p), F_OK) != 0, "no temporary file left");
	/* Job 2's keep line, taken apart. */
	wr_json_init(&j);
	wr_keep_load(&s, 2, &kf);
	CHECK(kf.n == 1, "job 2 keeps 1 line");
	CHECK(wr_keep_line(&kf, 0, &j, &k) == 0, "keep line parses");
	CHECK(k.cid_len == 4 && memcmp(k.cid, "\"r2\"", 4) == 0, "custom_id");
	CHECK(k.hash == 3 && k.tries == 0, "hash %llu, try %d", (unsigned long long)k.hash, k.tries);
	CHECK(k.extra_len == 6 && memcmp(k.extra, ",\"n\":1", 6) == 0, "extra %.*s", (int)k.extra_len, k.extra);
	CHECK(wr_keep_line(&kf, 1, &j, &k) == -1, "no line 2");
	wr_keep_free(&kf);
	/* The log read back by a second run, with a line torn by a kill at its end. */
	wr_jobs_log(&s, "{\"job\":1,\"file\":\"file-1\"}");
	wr_jobs_log(&s, "{\"job\":1,\"batch\":\"batch_1\"}");
	wr_jobs_log(&s, "{\"job\":2,\"ended\":\"completed\"}");
	wr_buf_reset(&p);
	wr_buf_printf(&p, "%s/log", dir);
	log = fopen(p.s, "a");
	CHECK(log != NULL, "log opens");
	if (log) {
		/* Valid JSON, but no newline: the write was cut before its end. */
		fputs("{\"job\":1,\"ended\":\"completed\"}", log);
		fclose(log);
	}
	wr_jobs_free(&s);
	wr_jobs_open(&again, dir, 0);
	CHECK(again.n == 2, "two jobs read back");
	CHECK(again.n == 2 && strcmp(again.v[0]->batch.s, "batch_1") == 0 && strcmp(again.v[0]->file.s, "file-1") == 0,
	    "job 1's file and batch");
	CHECK(again.n == 2 && !again.v[0]->ended && again.v[1]->ended, "the torn line did not end job 1");
	CHECK(wr_map_get(&again.known, "batch_1", 7) != NULL, "batch_1 is known");
	CHECK(again.n == 2 && strcmp(again.v[0]->api.s, "openai") == 0 &&
	    strcmp(again.v[0]->endpoint.s, "/v1/chat/completions") == 0, "api and endpoint");
	wr_map_init(&held);
	wr_jobs_held(&again, &held);
	CHECK(held.count == 2 && wr_map_get(&held, "r0", 2) && wr_map_get(&held, "r1", 2) && !wr_map_get(&held, "r2", 2),
	    "job 1's requests are held, ended job 2's are not");
	wr_map_free(&held);
	wr_jobs_free(&again);
	wr_json_free(&j);
	wr_fill_free(&f);
	wr_buf_free(&p);
	wr_buf_free(&item);
	wr_buf_free(&keep);
	wr_buf_free(&want);
}

int
main(void)
{
	char dir[] = "/tmp/wr-test-jobs.XXXXXX";
	char cmd[64];

	test_keep_format();
	if (!mkdtemp(dir))
		return 2;
	{
		char sub[64];
		snprintf(sub, sizeof sub, "%s/set.jobs", dir);
		test_fill(sub);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done();
}
