/* Batch lines split, and the -b and -r files of wr-parse read into a set of entries by custom_id. */
#include "loaders.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "line.h"
#include "utf8.h"

long
wr_batch_split(const char *line, size_t len, size_t *idlen, struct wr_entries *e)
{
	const char *p, *tab, *end = line + len;
	long full = 0;

	e->n = 0;
	tab = memchr(line, '\t', len);
	if (!tab || tab == line)
		return -1;
	*idlen = (size_t)(tab - line);
	for (p = tab + 1; p <= end; p = tab + 1) {
		if (!(tab = memchr(p, '\t', (size_t)(end - p))))
			tab = end;
		full += tab > p;
		/* wr_entries_add, without a call per entry: wr-prompt splits every line of its input here. */
		if (e->n == e->cap) {
			wr_entries_add(e, p, (size_t)(tab - p));
			continue;
		}
		e->s[e->n] = p;
		e->len[e->n++] = (size_t)(tab - p);
	}
	return full;
}

void
wr_load_batches(struct wr_reqset *set, const char *path, size_t max, long *bad)
{
	struct wr_reader r;
	struct wr_entries e = {0};
	enum wr_line_status st;
	char *line;
	size_t len, idlen, i;
	long full;
	int added;

	wr_reader_open(&r, path, max);
	while ((st = wr_reader_text(&r, &line, &len, bad)) == WR_LINE_OK) {
		if ((len = wr_chomp_cr(line, len)) == 0)
			continue;
		/* "ID<TAB>" alone has no entries at all. */
		if ((full = wr_batch_split(line, len, &idlen, &e)) < 0 || (e.n == 1 && full == 0)) {
			wr_warn_at(r.name, r.lineno, WR_BATCH_NOT);
			(*bad)++;
			continue;
		}
		for (i = 0; i < e.n && !wr_utf8_has_control(e.s[i], e.len[i]); i++)
			;
		if ((size_t)full < e.n || i < e.n || wr_utf8_has_control(line, idlen)) {
			wr_warn_at(r.name, r.lineno, "empty entry or control character, line skipped");
			(*bad)++;
			continue;
		}
		wr_reqset_add(set, line, idlen, e.s, e.len, e.n, &added);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
	wr_entries_free(&e);
}

void
wr_load_requests(struct wr_reqset *set, const char *path, size_t max, long *bad)
{
	struct wr_reader r;
	struct wr_result res;
	struct wr_entries e = {0};
	enum wr_line_status st;
	char *line;
	size_t len;
	const char *why;
	int added, told = 0;

	wr_result_init(&res);
	wr_reader_open(&r, path, max);
	while ((st = wr_reader_text(&r, &line, &len, bad)) == WR_LINE_OK) {
		if ((len = wr_chomp_cr(line, len)) == 0)
			continue;
		if (wr_result_parse(&res, line, len, &why) != 0) {
			wr_warn_at(r.name, r.lineno, "%s, line skipped", why);
			(*bad)++;
			continue;
		}
		if (res.entries < 0) {
			/* wr-prompt --strict output: say it once per file. */
			if (!told++)
				wr_warn_at(r.name, r.lineno, "no \"entries\" (a --strict request file? give its batch "
				    "file with -b); such lines are skipped");
			(*bad)++;
			continue;
		}
		if (wr_result_entries(&res, &e, &why) != 0) {
			wr_warn_at(r.name, r.lineno, "%s: %s, line skipped", res.id.s, why);
			(*bad)++;
			continue;
		}
		wr_reqset_add(set, res.id.s, res.id.len, e.s, e.len, e.n, &added);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
	wr_result_free(&res);
	wr_entries_free(&e);
}
