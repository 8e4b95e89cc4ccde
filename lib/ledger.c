/* The -o result file: locked, a torn last line repaired, what it already answers read back. */
#include "ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "line.h"
#include "query.h"

#define LEDGER_LINE_MAX ((size_t)1 << 30) /* longest result line read back */
#define REQUEST_LINE_MAX (16u << 20)      /* as wr-query reads them */

/* Cut a last line left short by a killed run: it is no result, and a re-run writes it anew. */
static void
repair_torn(const char *path, int fd, off_t size)
{
	char buf[65536];
	off_t pos = size, keep = 0;
	ssize_t n, i;

	while (pos > 0) {
		size_t want = pos > (off_t)sizeof buf ? sizeof buf : (size_t)pos;
		if ((n = pread(fd, buf, want, pos - (off_t)want)) != (ssize_t)want)
			wr_die("%s: read error:", path);
		if (pos == size && buf[want - 1] == '\n')
			return;
		for (i = n - 1; i >= 0; i--)
			if (buf[i] == '\n')
				break;
		if (i >= 0) {
			keep = pos - (off_t)want + i + 1;
			break;
		}
		pos -= (off_t)want;
	}
	if (ftruncate(fd, keep) != 0)
		wr_die("%s: cannot truncate:", path);
	wr_warn("%s: removed a torn last line (%lld bytes) left by an interrupted run", path,
	    (long long)(size - keep));
}

/* The next whole line r reads (a cut one is passed over): 0, or -1 at the end; a read error dies. */
static int
next_line(struct wr_reader *r, char **s, size_t *len)
{
	enum wr_line_status ls;

	while ((ls = wr_reader_next(r, s, len)) != WR_LINE_EOF) {
		if (ls == WR_LINE_ERR)
			wr_die("%s: read error:", r->name);
		if (ls == WR_LINE_OK)
			return 0;
	}
	return -1;
}

/* Remember every custom_id that succeeded in the result lines of fd, read from its start. */
static void
read_done(struct wr_ledger *l, int fd)
{
	struct wr_reader r;
	struct wr_buf id = {0};
	uint64_t hash;
	size_t *v;
	char *s;
	size_t len;
	int k, added;

	wr_reader_fd(&r, fd, l->path, LEDGER_LINE_MAX);
	r.owned = 0;
	while (next_line(&r, &s, &len) == 0) {
		wr_buf_reset(&id);
		k = wr_result_succeeded(&l->json, s, len, &id, &hash);
		if (k < 0 && !wr_blank(s, len))
			wr_warn_at(l->path, r.lineno, "not a result line, ignored");
		if (k <= 0)
			continue;
		/* The last success is the one that counts: a --replace run appends after the old ones. */
		v = wr_map_put(&l->done, id.s ? id.s : "", id.len, (size_t)hash, &added);
		*v = (size_t)hash;
		if (hash)
			l->hashed++;
	}
	wr_reader_close(&r);
	wr_buf_free(&id);
}

static void
init(struct wr_ledger *l, const char *path)
{
	memset(l, 0, sizeof *l);
	l->path = path;
	l->fd = -1;
	wr_map_init(&l->done);
	wr_json_init(&l->json);
}

/*
 * Open path for appending (creating it), lock it against a second writer,
 * cut a torn last line left by a killed run, and read every custom_id that
 * succeeded there. A path that is not a regular file (a FIFO, /dev/stdout)
 * is only opened: nothing to resume. Exits 2 on any failure.
 */
static void
wr_ledger_open(struct wr_ledger *l, const char *path)
{
	struct stat st;

	init(l, path);
	if ((l->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0 || fstat(l->fd, &st) != 0)
		wr_die("%s:", path);
	if (!S_ISREG(st.st_mode))
		return;
	if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			wr_die("%s: another process is writing it", path);
		wr_die("%s: cannot lock:", path);
	}
	l->active = 1;
	if (st.st_size == 0)
		return;
	repair_torn(path, l->fd, st.st_size);
	if (lseek(l->fd, 0, SEEK_SET) != 0)
		wr_die("%s:", path);
	read_done(l, l->fd);
}

void
wr_ledger_peek(struct wr_ledger *l, const char *path)
{
	int fd;

	init(l, path);
	l->active = 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			wr_die("%s:", path);
		return;
	}
	read_done(l, fd);
	close(fd);
}

void
wr_ledger_free(struct wr_ledger *l)
{
	wr_map_free(&l->done);
	wr_json_free(&l->json);
}

enum wr_ledger_state
wr_ledger_state(const struct wr_ledger *l, const char *id, size_t len, uint64_t hash)
{
	const size_t *v;

	if (!l->active || !(v = wr_map_get(&l->done, id, len)))
		return WR_LEDGER_NEW;
	return *v == 0 || *v == (size_t)hash ? WR_LEDGER_DONE : WR_LEDGER_CHANGED;
}

/* A descriptor for a file nobody else sees, removed when closed. */
static int
anonymous_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	snprintf(path, sizeof path, "%s/wr-query.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		wr_die("%s: cannot make a temporary file:", dir);
	unlink(path);
	return fd;
}

/* Copy all of fd into a new anonymous file; returns it, at its start. */
static int
spool(int fd, const char *name)
{
	char buf[65536];
	ssize_t n;
	int t = anonymous_file();

	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			wr_die("%s: read error:", name);
		}
		if (wr_write_lines(t, buf, (size_t)n) != 0)
			wr_die("temporary file: write error:");
	}
	if (lseek(t, 0, SEEK_SET) != 0)
		wr_die("temporary file:");
	return t;
}

/*
 * Read every request line of the n inputs (before anything is sent), and
 * put the custom_id of each one whose state is CHANGED into changed with
 * its new hash; returns how many there are. An input that is not a regular
 * file is copied to an unlinked temporary file on the way, and fds[i] is
 * replaced by it, so the run reads it again from the start; a regular file
 * is read again from where it stood. Only needed when l->hashed > 0.
 */
static size_t
wr_ledger_scan(const struct wr_ledger *l, int *fds, char *const *names, int n, struct wr_map *changed)
{
	struct wr_request rq = {0};
	struct wr_json j;
	struct wr_reader r;
	struct stat st;
	const char *why;
	size_t count = 0, *v;
	off_t at = 0;
	char *s;
	size_t len;
	int i, added, regular;

	wr_json_init(&j);
	for (i = 0; i < n; i++) {
		regular = fstat(fds[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    (at = lseek(fds[i], 0, SEEK_CUR)) >= 0;
		if (!regular) {
			int t = spool(fds[i], names[i]);
			if (fds[i] != STDIN_FILENO)
				close(fds[i]);
			fds[i] = t;
		}
		wr_reader_fd(&r, fds[i], names[i], REQUEST_LINE_MAX);
		r.owned = 0;
		while (next_line(&r, &s, &len) == 0) {
			len = wr_chomp_cr(s, len);
			if (wr_request_parse(&j, s, len, &rq, &why) != 0 ||
			    wr_ledger_state(l, rq.id.s ? rq.id.s : "", rq.id.len, rq.hash) != WR_LEDGER_CHANGED)
				continue;
			v = wr_map_put(changed, rq.id.s, rq.id.len, (size_t)rq.hash, &added);
			if (added)
				count++;
			*v = (size_t)rq.hash;
		}
		wr_reader_close(&r);
		if (lseek(fds[i], regular ? at : 0, SEEK_SET) < 0)
			wr_die("%s:", names[i]);
	}
	wr_request_free(&rq);
	wr_json_free(&j);
	return count;
}

/* Write b to fd in whole lines and empty it. */
static void
put(int fd, struct wr_buf *b, const char *name)
{
	if (b->len && wr_write_lines(fd, b->s, b->len) != 0)
		wr_die("%s: write error:", name);
	wr_buf_reset(b);
}

/*
 * Take the answers to the old bodies out of the way: every line of l whose
 * custom_id is in changed and whose body hash is not the new one is
 * appended to PATH.replaced, and PATH is rewritten without them (a locked
 * temporary file renamed over it, so a kill leaves the old file or the new
 * one). Those custom_ids then count as new. Exits 2 on failure.
 */
static void
wr_ledger_replace(struct wr_ledger *l, const struct wr_map *changed)
{
	struct wr_buf tmp = {0}, old = {0}, keep = {0}, moved = {0}, id = {0};
	struct wr_reader r;
	struct stat st;
	const size_t *v;
	uint64_t hash;
	char *s;
	size_t len;
	int t, o;

	wr_buf_printf(&tmp, "%s.tmp", l->path);
	wr_buf_printf(&old, "%s.replaced", l->path);
	if (fstat(l->fd, &st) != 0)
		wr_die("%s:", l->path);
	if ((o = open(old.s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0)
		wr_die("%s:", old.s);
	/* We hold the lock on the file: a temporary file left by a killed run is stale. */
	unlink(tmp.s);
	if ((t = open(tmp.s, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777)) < 0)
		wr_die("%s:", tmp.s);
	if (flock(t, LOCK_EX | LOCK_NB) != 0)
		wr_die("%s: cannot lock:", tmp.s);
	if (lseek(l->fd, 0, SEEK_SET) != 0)
		wr_die("%s:", l->path);
	wr_reader_fd(&r, l->fd, l->path, LEDGER_LINE_MAX);
	r.owned = 0;
	while (next_line(&r, &s, &len) == 0) {
		wr_buf_reset(&id);
		if (wr_result_succeeded(&l->json, s, len, &id, &hash) >= 0 && id.s &&
		    (v = wr_map_get(changed, id.s, id.len)) && *v != (size_t)hash) {
			wr_buf_add(&moved, s, len);
			wr_buf_addc(&moved, '\n');
			if (moved.len >= WR_OUT_HOLD)
				put(o, &moved, old.s);
			continue;
		}
		wr_buf_add(&keep, s, len);
		wr_buf_addc(&keep, '\n');
		if (keep.len >= WR_OUT_HOLD)
			put(t, &keep, tmp.s);
	}
	wr_reader_close(&r);
	put(o, &moved, old.s);
	put(t, &keep, tmp.s);
	/* The set-aside copies are safe on disk before the file loses them. */
	if (fsync(o) != 0 || close(o) != 0)
		wr_die("%s: write error:", old.s);
	if (fsync(t) != 0)
		wr_die("%s: write error:", tmp.s);
	if (rename(tmp.s, l->path) != 0)
		wr_die("%s: cannot rename to %s:", tmp.s, l->path);
	if (fcntl(t, F_SETFL, O_APPEND) != 0)
		wr_die("%s:", l->path);
	close(l->fd);
	l->fd = t;
	/* Read it again: the answers to the old bodies are gone, so those custom_ids are new. */
	wr_map_free(&l->done);
	wr_map_init(&l->done);
	l->hashed = 0;
	if (lseek(t, 0, SEEK_SET) != 0)
		wr_die("%s:", l->path);
	read_done(l, t);
	if (lseek(t, 0, SEEK_END) < 0)
		wr_die("%s:", l->path);
	wr_buf_free(&tmp);
	wr_buf_free(&old);
	wr_buf_free(&keep);
	wr_buf_free(&moved);
	wr_buf_free(&id);
}

void
wr_ledger_resume(struct wr_ledger *l, const char *path, int *fds, char *const *names, int n, int replace,
    int quiet)
{
	struct wr_map changed;
	size_t k;

	wr_ledger_open(l, path);
	if (!l->hashed)
		return;
	wr_map_init(&changed);
	if ((k = wr_ledger_scan(l, fds, names, n, &changed)) > 0) {
		if (!replace)
			wr_die("%s: %zu request%s answered there for another body under the same custom_id "
			    "(another model, prompt or option); nothing sent: write to another file, or give "
			    "--replace to send %s again and set the old answers aside in %s.replaced", path, k,
			    k == 1 ? " was" : "s were", k == 1 ? "it" : "them", path);
		wr_ledger_replace(l, &changed);
		if (!quiet)
			wr_warn("%s: %zu old answer%s to another body set aside in %s.replaced", path, k,
			    k == 1 ? "" : "s", path);
	}
	wr_map_free(&changed);
}
