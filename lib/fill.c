/* Filling batch jobs: N.items and N.keep written, synced, renamed into place, then logged. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fill.h"
#include "json.h"

static FILE *
create_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		wr_die("%s:", path);
	return f;
}

static void
close_file(FILE *f, const char *path)
{
	if (fflush(f) != 0 || fdatasync(fileno(f)) != 0 || fclose(f) != 0)
		wr_die("%s: write error:", path);
}

void
wr_fill_close(struct wr_fill *f)
{
	struct wr_buf a = {0}, b = {0};
	struct wr_job *j = f->job;

	if (!j)
		return;
	f->job = NULL;
	f->made++;
	wr_buf_printf(&f->sizes, "%s%ld (%.1f MB)", f->sizes.len ? ", " : "", f->n, (double)f->bytes / 1e6);
	if (!f->jobs)
		return;
	fputs(f->api->tail, f->items);
	close_file(f->items, wr_jobs_path(f->jobs, j->n, "items.tmp", &a));
	close_file(f->keep, wr_jobs_path(f->jobs, j->n, "keep.tmp", &a));
	if (rename(wr_jobs_path(f->jobs, j->n, "items.tmp", &a), wr_jobs_path(f->jobs, j->n, "items", &b)) != 0 ||
	    rename(wr_jobs_path(f->jobs, j->n, "keep.tmp", &a), wr_jobs_path(f->jobs, j->n, "keep", &b)) != 0)
		wr_die("%s:", b.s);
	j->requests = f->n;
	j->prepared = wr_jobs_clock();
	wr_buf_reset(&j->endpoint);
	wr_buf_add(&j->endpoint, f->key.s, f->key.len);
	wr_buf_adds(&j->api, f->api->name);
	wr_buf_adds(&j->url, f->url);
	wr_buf_reset(&a);
	wr_json_escapes(&a, f->url);
	wr_buf_reset(&b);
	wr_json_escape(&b, f->key.s, f->key.len);
	wr_jobs_log(f->jobs, "{\"job\":%d,\"set\":\"%s\",\"api\":\"%s\",\"url\":%s,\"endpoint\":%s,\"requests\":%ld,"
	    "\"prepared\":%.3f}", j->n, j->set, f->api->name, a.s, b.s, j->requests, j->prepared);
	wr_buf_free(&a);
	wr_buf_free(&b);
}

static void
fill_open(struct wr_fill *f, const char *key, size_t klen)
{
	struct wr_buf p = {0};

	if (!f->jobs) {
		f->job = &f->counted;
		memset(f->counted.set, '0', 16);
		f->counted.set[16] = '\0';
	} else {
		f->job = wr_jobs_add(f->jobs);
		wr_jobs_mark(f->job->set);
		f->items = create_file(wr_jobs_path(f->jobs, f->job->n, "items.tmp", &p));
		f->keep = create_file(wr_jobs_path(f->jobs, f->job->n, "keep.tmp", &p));
		fprintf(f->items, f->api->head, f->job->set);
	}
	f->n = 0;
	f->bytes = 0;
	wr_buf_reset(&f->key);
	wr_buf_add(&f->key, key, klen);
	wr_buf_free(&p);
}

const char *
wr_fill_uid(struct wr_fill *f, const char *key, size_t klen, size_t ilen, char *buf, size_t size)
{
	if (f->job && (f->n >= f->max_requests || f->bytes + (long long)ilen + 8 > f->max_bytes ||
	    f->key.len != klen || memcmp(f->key.s, key, klen) != 0))
		wr_fill_close(f);
	if (!f->job)
		fill_open(f, key, klen);
	snprintf(buf, size, "%s-%ld", f->job->set, f->n);
	return buf;
}

void
wr_fill_add(struct wr_fill *f, const char *item, size_t ilen, const char *keep, size_t klen)
{
	f->bytes += (long long)ilen + 1;
	if (f->jobs) {
		if (f->n > 0)
			fputs(f->api->sep, f->items);
		if (fwrite(item, 1, ilen, f->items) != ilen || fwrite(keep, 1, klen, f->keep) != klen ||
		    putc('\n', f->keep) == EOF)
			wr_die("%s: write error:", f->jobs->dir);
	}
	f->n++;
	f->requests++;
}

void
wr_fill_free(struct wr_fill *f)
{
	wr_buf_free(&f->sizes);
	wr_buf_free(&f->key);
}
