/* Entry keys: letters and digits only, ASCII upper-cased, common Latin accents folded. */
#include "fold.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* U+00C0..U+017F: what each letter folds to; "" for the two signs (× ÷). */
static const char *const latin[] = {
	/* U+00C0 À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï */
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	/* U+00D0 Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß */
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "SS",
	/* U+00E0 à á â ã ä å æ ç è é ê ë ì í î ï */
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	/* U+00F0 ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ */
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "Y",
	/* U+0100 Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď */
	"A", "A", "A", "A", "A", "A", "C", "C", "C", "C", "C", "C", "C", "C", "D", "D",
	/* U+0110 Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě Ĝ ĝ Ğ ğ */
	"D", "D", "E", "E", "E", "E", "E", "E", "E", "E", "E", "E", "G", "G", "G", "G",
	/* U+0120 Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ Ĩ ĩ Ī ī Ĭ ĭ Į į */
	"G", "G", "G", "G", "H", "H", "H", "H", "I", "I", "I", "I", "I", "I", "I", "I",
	/* U+0130 İ ı Ĳ ĳ Ĵ ĵ Ķ ķ ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ */
	"I", "I", "IJ", "IJ", "J", "J", "K", "K", "K", "L", "L", "L", "L", "L", "L", "L",
	/* U+0140 ŀ Ł ł Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ Ō ō Ŏ ŏ */
	"L", "L", "L", "N", "N", "N", "N", "N", "N", "N", "N", "N", "O", "O", "O", "O",
	/* U+0150 Ő ő Œ œ Ŕ ŕ Ŗ ŗ Ř ř Ś ś Ŝ ŝ Ş ş */
	"O", "O", "OE", "OE", "R", "R", "R", "R", "R", "R", "S", "S", "S", "S", "S", "S",
	/* U+0160 Š š Ţ ţ Ť ť Ŧ ŧ Ũ ũ Ū ū Ŭ ŭ Ů ů */
	"S", "S", "T", "T", "T", "T", "T", "T", "U", "U", "U", "U", "U", "U", "U", "U",
	/* U+0170 Ű ű Ų ų Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ */
	"U", "U", "U", "U", "W", "W", "Y", "Y", "Y", "Z", "Z", "Z", "Z", "Z", "Z", "S",
};

/*
 * Blocks of characters that are never part of an entry: Latin-1 controls and
 * symbols, modifier letters and combining marks (a decomposed é keys like a
 * precomposed one), punctuation, symbols, emoji, private use, specials.
 */
static const struct { uint32_t lo, hi; } dropped[] = {
	{0x0080, 0x00BF}, {0x02B0, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
	{0x2000, 0x2BFF}, {0x2E00, 0x2E7F}, {0x3000, 0x303F}, {0xE000, 0xF8FF},
	{0xFE00, 0xFE2F}, {0xFE30, 0xFE6F}, {0xFEFF, 0xFEFF}, {0xFFF0, 0xFFFF},
	{0x1F000, 0x1FAFF}, {0xE0000, 0xE01EF}, {0xF0000, 0x10FFFF},
};

static int
is_dropped(uint32_t c)
{
	size_t i;

	for (i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		if (c >= dropped[i].lo && c <= dropped[i].hi)
			return 1;
	return 0;
}

size_t
wr_fold_key(const char *str, size_t n, struct wr_buf *key)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	uint32_t c;
	int k;

	wr_buf_reset(key);
	wr_buf_grow(key, n);
	while (i < n) {
		if (s[i] < 0x80) {
			unsigned char a = s[i++];
			if (a >= 'a' && a <= 'z')
				key->s[key->len++] = (char)(a - 'a' + 'A');
			else if ((a >= 'A' && a <= 'Z') || (a >= '0' && a <= '9'))
				key->s[key->len++] = (char)a;
			continue;
		}
		if (!(k = wr_utf8_decode(str + i, n - i, &c))) {
			i++;
			continue;
		}
		if (c >= 0xC0 && c <= 0x17F)
			wr_buf_adds(key, latin[c - 0xC0]);
		else if (c == 0x218 || c == 0x219)  /* Ș ș */
			wr_buf_addc(key, 'S');
		else if (c == 0x21A || c == 0x21B)  /* Ț ț */
			wr_buf_addc(key, 'T');
		else if (!is_dropped(c))
			wr_buf_add(key, str + i, (size_t)k);
		i += (size_t)k;
	}
	if (key->s)
		key->s[key->len] = '\0';
	return key->len;
}

/* Simple lower-casing of Latin, Greek and Cyrillic capitals. */
static uint32_t
lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c == 0x178)
		return 0xFF;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;
	return c;
}

size_t
wr_fold_case(const char *s, size_t n, struct wr_buf *out)
{
	size_t i = 0;
	uint32_t c;
	char u[4];
	int k;

	wr_buf_reset(out);
	wr_buf_grow(out, n);
	while (i < n) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x80) {
			out->s[out->len++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			i++;
			continue;
		}
		k = wr_utf8_decode(s + i, n - i, &c);
		if (!k) {
			out->s[out->len++] = (char)b;
			i++;
			continue;
		}
		i += (size_t)k;
		/* Each lower-case letter above takes as many bytes as its capital. */
		k = wr_utf8_encode(lower(c), u);
		memcpy(out->s + out->len, u, (size_t)k);
		out->len += (size_t)k;
	}
	out->s[out->len] = '\0';
	return out->len;
}
