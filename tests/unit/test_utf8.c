/* Unit tests for lib/utf8.c: the word-at-a-time scan against a character-at-a-time reference, controls. */
#include <string.h>

#include "unit.h"
#include "utf8.h"

/* What the scan must say: decode one character at a time. */
static int
reference(const char *s, size_t n, int nul_ok)
{
	size_t i = 0;
	uint32_t c;
	int k;

	while (i < n) {
		if (!nul_ok && s[i] == '\0')
			return 0;
		if (!(k = wr_utf8_decode(s + i, n - i, &c)))
			return 0;
		i += (size_t)k;
	}
	return 1;
}

int
main(void)
{
	static const char *const bad[] = {"\0", "\x80", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"};
	static const char *const good[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f"};
	char s[80];
	size_t n, at, k, len;

	/* Every length up to 70, with one odd character at every place. */
	for (n = 0; n <= 70; n++)
		for (at = 0; at <= n; at++) {
			for (k = 0; k < sizeof bad / sizeof *bad + sizeof good / sizeof *good; k++) {
				const char *odd = k < sizeof bad / sizeof *bad ? bad[k] : good[k - sizeof bad / sizeof *bad];
				len = k == 0 ? 1 : strlen(odd);
				memset(s, 'a', sizeof s);
				if (at + len > n)
					continue;
				memcpy(s + at, odd, len);
				CHECK(wr_utf8_valid(s, n) == reference(s, n, 1), "valid: length %zu, odd %zu at %zu", n, k, at);
				CHECK(wr_utf8_text(s, n) == reference(s, n, 0), "text: length %zu, odd %zu at %zu", n, k, at);
			}
		}
	CHECK(wr_utf8_valid("a\0b", 3) && !wr_utf8_text("a\0b", 3), "NUL is valid UTF-8 but not text");
	CHECK(!wr_utf8_has_control("caf\xc3\xa9 ~", 7) && wr_utf8_has_control("a\tb", 3) &&
	    wr_utf8_has_control("\x7f", 1) && wr_utf8_has_control("x\x1f", 2) && !wr_utf8_has_control("", 0),
	    "controls: below 0x20 and DEL");
	return unit_done();
}
