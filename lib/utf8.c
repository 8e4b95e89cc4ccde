/* UTF-8 validation, decoding and encoding. */
#include "utf8.h"

#include <string.h>

int
wr_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	int len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2)
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < (size_t)len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * The one scan behind wr_utf8_valid and wr_utf8_text: every byte of every
 * input line goes through it. 32 bytes at a time while they are ASCII (and,
 * unless nul_ok, not NUL: a zero byte sets a high bit in x | ((x - ones) &
 * ~x)), one test for four words; then a word, then a character at a time.
 */
static inline int
scan(const char *s, size_t n, int nul_ok)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t i = 0;
	uint32_t c;
	int k;

#define FLAGS(x) (nul_ok ? (x) : (x) | (((x) - ones) & ~(x)))
	while (i < n) {
		uint64_t x, y, z, w;
		if (i + 32 <= n) {
			memcpy(&x, s + i, 8);
			memcpy(&y, s + i + 8, 8);
			memcpy(&z, s + i + 16, 8);
			memcpy(&w, s + i + 24, 8);
			if (!((FLAGS(x) | FLAGS(y) | FLAGS(z) | FLAGS(w)) & highs)) {
				i += 32;
				continue;
			}
		}
		if (i + 8 <= n) {
			memcpy(&x, s + i, 8);
			if (!(FLAGS(x) & highs)) {
				i += 8;
				continue;
			}
		} else if (n >= 8) {
			/* The last few bytes, as the word that ends the text (most lines are short). */
			memcpy(&x, s + n - 8, 8);
			if (!(FLAGS(x) & highs))
				return 1;
		} else {
			for (x = 0, k = (int)i; (size_t)k < n; k++)
				x |= FLAGS((uint64_t)(unsigned char)s[k]);
			if (!(x & 0x80))
				return 1;
		}
		if ((unsigned char)s[i] < 0x80) {
			if (!nul_ok && s[i] == '\0')
				return 0;
			i++;
			continue;
		}
		if (!(k = wr_utf8_decode(s + i, n - i, &c)))
			return 0;
		i += (size_t)k;
	}
#undef FLAGS
	return 1;
}

int
wr_utf8_valid(const char *s, size_t n)
{
	return scan(s, n, 1);
}

int
wr_utf8_text(const char *s, size_t n)
{
	return scan(s, n, 0);
}

int
wr_utf8_encode(uint32_t c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c >= 0xD800 && c <= 0xDFFF)
		return 0;
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	if (c <= 0x10FFFF) {
		out[0] = (char)(0xF0 | c >> 18);
		out[1] = (char)(0x80 | (c >> 12 & 0x3F));
		out[2] = (char)(0x80 | (c >> 6 & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		return 4;
	}
	return 0;
}
