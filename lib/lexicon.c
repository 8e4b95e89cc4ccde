/* SCOWL word lists in a compact folded-spelling table, and entry scores from them. */
#include "lexicon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"

/* No SCOWL word is longer than 60 bytes; longer words are simply unknown. */
#define WORD_MAX 255

/* 8 bytes a word: the table for all of SCOWL stays small enough to build fast. */
struct wr_lexicon_slot {
	uint32_t off;    /* the word is text[off .. off + len) */
	uint8_t len;     /* 0: empty slot */
	uint8_t size;    /* smallest SCOWL size */
	uint16_t tag;    /* high bits of the hash, to skip most compares */
};

static void
fold(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
}

/* The slot holding key, or the empty slot where it would go. */
static struct wr_lexicon_slot *
find(const struct wr_lexicon *lx, const char *key, size_t len, uint64_t h)
{
	size_t mask = lx->cap - 1, i = (size_t)h & mask;
	uint16_t tag = (uint16_t)(h >> 48);
	struct wr_lexicon_slot *s;

	for (;; i = (i + 1) & mask) {
		s = &lx->slots[i];
		if (!s->len || (s->tag == tag && s->len == len &&
		    memcmp(lx->text + s->off, key, len) == 0))
			return s;
	}
}

static void
resize(struct wr_lexicon *lx, size_t cap)
{
	struct wr_lexicon_slot *old = lx->slots, *s;
	size_t oldcap = lx->cap, i;

	lx->slots = wr_calloc(cap, sizeof *lx->slots);
	lx->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (!old[i].len)
			continue;
		s = find(lx, lx->text + old[i].off, old[i].len,
		    XXH3_64bits(lx->text + old[i].off, old[i].len));
		*s = old[i];
	}
	free(old);
}

/* Index the folded word at text[off .. off + len) with hash h; the word must stay in place. */
static void
insert_hashed(struct wr_lexicon *lx, size_t off, size_t len, int size, uint64_t h)
{
	struct wr_lexicon_slot *s;

	s = find(lx, lx->text + off, len, h);
	if (!s->len) {
		s->off = (uint32_t)off;
		s->len = (uint8_t)len;
		s->size = (uint8_t)size;
		s->tag = (uint16_t)(h >> 48);
		lx->count++;
	} else if (size < s->size) {
		s->size = (uint8_t)size;
	}
}

static int
insertable(size_t off, size_t len, int size)
{
	return len > 0 && len <= WORD_MAX && size > 0 && size <= 255 && off <= UINT32_MAX;
}

static void
insert(struct wr_lexicon *lx, size_t off, size_t len, int size)
{
	if (!insertable(off, len, size))
		return;
	if ((lx->count + 1) * 4 > lx->cap * 3)
		resize(lx, lx->cap ? lx->cap * 2 : 1024);
	insert_hashed(lx, off, len, size, XXH3_64bits(lx->text + off, len));
}

/* Make room for n more bytes of text. */
static void
text_grow(struct wr_lexicon *lx, size_t n)
{
	if (lx->tcap - lx->tlen >= n + 1)
		return;
	while (lx->tcap - lx->tlen < n + 1)
		lx->tcap = lx->tcap ? lx->tcap * 2 : 1 << 16;
	lx->text = wr_realloc(lx->text, lx->tcap);
}

void
wr_lexicon_add(struct wr_lexicon *lx, const char *word, size_t len, int size)
{
	if (len == 0 || len > WORD_MAX)
		return;
	text_grow(lx, len);
	memcpy(lx->text + lx->tlen, word, len);
	fold(lx->text + lx->tlen, len);
	insert(lx, lx->tlen, len, size);
	lx->tlen += len;
	lx->lines++;
}

/* The size of a list file name such as "english-words.35", or 0 if it is not one of ours. */
static int
list_size(const char *name)
{
	static const char *const prefix[] = {"english-", "american-"};
	static const char *const kind[] = {"words.", "upper.", "proper-names.",
	    "abbreviations.", "contractions."};
	const char *p = NULL;
	size_t i, n = 0;
	char *end;
	long v;

	for (i = 0; i < sizeof prefix / sizeof *prefix && !p; i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			p = name + strlen(prefix[i]);
	if (!p)
		return 0;
	for (i = 0; i < sizeof kind / sizeof *kind; i++) {
		n = strlen(kind[i]);
		if (strncmp(p, kind[i], n) == 0)
			break;
	}
	if (i == sizeof kind / sizeof *kind)
		return 0;
	p += n;
	if (*p < '0' || *p > '9')
		return 0;
	v = strtol(p, &end, 10);
	return *end == '\0' && v > 0 && v <= 100 ? (int)v : 0;
}

/* Append a whole file to the text. */
static void
read_file(struct wr_lexicon *lx, const char *path)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		wr_die("%s:", path);
	text_grow(lx, (size_t)st.st_size + 1);
	for (;;) {
		text_grow(lx, 65536);
		n = read(fd, lx->text + lx->tlen, lx->tcap - lx->tlen - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			wr_die("%s:", path);
		}
		lx->tlen += (size_t)n;
	}
	close(fd);
	/* A last line without a newline still ends here. */
	lx->text[lx->tlen++] = '\n';
}

/*
 * Index each line of text[from .. tlen) at size; the table must have room
 * for them all. Words go in batches whose slots are fetched ahead: the
 * load is bound by cache misses in the table, not by hashing.
 */
static void
index_lines(struct wr_lexicon *lx, size_t from, int size)
{
	enum { BATCH = 16 };
	struct { size_t off, len; uint64_t h; } b[BATCH];
	char *p = lx->text + from, *end = lx->text + lx->tlen, *nl;
	size_t n, k = 0, i;

	fold(p, (size_t)(end - p));
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (!n)
			continue;
		lx->lines++;
		if (!insertable((size_t)(p - lx->text), n, size))
			continue;
		b[k].off = (size_t)(p - lx->text);
		b[k].len = n;
		b[k].h = XXH3_64bits(p, n);
		__builtin_prefetch(&lx->slots[b[k].h & (lx->cap - 1)]);
		if (++k == BATCH || nl + 1 >= end) {
			for (i = 0; i < k; i++)
				insert_hashed(lx, b[i].off, b[i].len, size, b[i].h);
			k = 0;
		}
	}
	for (i = 0; i < k; i++)
		insert_hashed(lx, b[i].off, b[i].len, size, b[i].h);
}

void
wr_lexicon_load(struct wr_lexicon *lx, const char *dir)
{
	struct wr_buf path = {0};
	struct dirent *de;
	struct { size_t from; int size; } *parts = NULL;
	size_t nparts = 0, i, words;
	DIR *d;
	char *p;
	int size;

	memset(lx, 0, sizeof *lx);
	if (!(d = opendir(dir)))
		wr_die("%s:", dir);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!(size = list_size(de->d_name)))
			continue;
		parts = wr_realloc(parts, (nparts + 1) * sizeof *parts);
		parts[nparts].from = lx->tlen;
		parts[nparts].size = size;
		nparts++;
		wr_buf_reset(&path);
		wr_buf_printf(&path, "%s/%s", dir, de->d_name);
		read_file(lx, path.s);
		lx->files++;
	}
	if (errno)
		wr_die("%s:", dir);
	closedir(d);
	wr_buf_free(&path);
	if (!lx->files)
		wr_die("%s: no SCOWL word lists (english-words.10 ...) found", dir);
	/* Size the table once, from the number of lines: no rehashing while loading. */
	for (p = lx->text, words = 0; (p = memchr(p, '\n', (size_t)(lx->text + lx->tlen - p))); p++)
		words++;
	for (lx->cap = 1024; lx->cap * 3 < words * 4; lx->cap *= 2)
		;
	lx->slots = wr_calloc(lx->cap, sizeof *lx->slots);
	for (i = 0; i < nparts; i++) {
		size_t end = i + 1 < nparts ? parts[i + 1].from : lx->tlen, keep = lx->tlen;
		lx->tlen = end;
		index_lines(lx, parts[i].from, parts[i].size);
		lx->tlen = keep;
	}
	free(parts);
}

void
wr_lexicon_free(struct wr_lexicon *lx)
{
	free(lx->text);
	free(lx->slots);
	memset(lx, 0, sizeof *lx);
}

static int
word_size(const struct wr_lexicon *lx, const char *s, size_t n)
{
	char key[WORD_MAX];
	const struct wr_lexicon_slot *slot;

	if (n == 0 || n > WORD_MAX || !lx->cap)
		return 0;
	memcpy(key, s, n);
	fold(key, n);
	slot = find(lx, key, n, XXH3_64bits(key, n));
	return slot->len ? slot->size : 0;
}

void
wr_lexicon_prefetch(const struct wr_lexicon *lx, const char *entry, size_t len)
{
	char key[WORD_MAX];
	uint64_t h;

	if (len == 0 || len > WORD_MAX || !lx->cap)
		return;
	memcpy(key, entry, len);
	fold(key, len);
	h = XXH3_64bits(key, len);
	__builtin_prefetch(&lx->slots[(size_t)h & (lx->cap - 1)]);
}

int
wr_lexicon_size(const struct wr_lexicon *lx, const char *entry, size_t len)
{
	size_t i = 0, start;
	int size, worst = 0, words = 0;

	if ((size = word_size(lx, entry, len)) != 0)
		return size;
	/* Several words: the rarest one decides, and every one must be known. */
	while (i < len) {
		while (i < len && (entry[i] == ' ' || entry[i] == '-'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && entry[i] != ' ' && entry[i] != '-')
			i++;
		if (!(size = word_size(lx, entry + start, i - start)))
			return 0;
		if (size > worst)
			worst = size;
		words++;
	}
	return words > 1 ? worst : 0;
}

int
wr_lexicon_score_of(int size)
{
	if (size <= 0)
		return 1;
	if (size <= 20)
		return 5;
	if (size <= 40)
		return 4;
	if (size <= 60)
		return 3;
	return 2;
}

int
wr_lexicon_score(const struct wr_lexicon *lx, const char *entry, size_t len)
{
	return wr_lexicon_score_of(wr_lexicon_size(lx, entry, len));
}
