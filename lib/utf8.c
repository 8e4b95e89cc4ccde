/* UTF-8 validation, decoding and encoding. */
#include "utf8.h"

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

int
wr_utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		/* ASCII fast path, eight bytes at a time. */
		while (i + 8 <= n) {
			const unsigned char *p = (const unsigned char *)s + i;
			if ((p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]) & 0x80)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		int k = wr_utf8_decode(s + i, n - i, &c);
		if (!k)
			return 0;
		i += (size_t)k;
	}
	return 1;
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
