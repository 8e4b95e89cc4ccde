/* UTF-8 validation and encoding. */
#ifndef WR_UTF8_H
#define WR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int wr_utf8_valid(const char *s, size_t n);
/* The same, and no NUL byte: text a line may hold. */
int wr_utf8_text(const char *s, size_t n);
/* Encode code point c (<= 0x10FFFF, not a surrogate) into out; returns bytes written (1-4) or 0. */
int wr_utf8_encode(uint32_t c, char out[4]);
/* Decode one code point at s (n bytes available); returns its length, 0 when invalid. */
int wr_utf8_decode(const char *s, size_t n, uint32_t *c);

/* 1 when s[0..n) holds an ASCII control character (below 0x20, or DEL): never part of an entry or an ID. */
static inline int
wr_utf8_has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

#endif
