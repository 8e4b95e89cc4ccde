/* Unit tests for lib/fold.c: case folding and entry keys. */
#include <string.h>

#include "fold.h"
#include "unit.h"

static const struct { const char *in, *fold, *key; } cases[] = {
	{"Catch-22", "catch-22", "CATCH22"},
	{"ÉCOLE", "école", "ECOLE"},
	{"Straße", "straße", "STRASSE"},
	{"ΑΘΗΝΑ", "αθηνα", "ΑΘΗΝΑ"},
	{"МОСКВА Ёж", "москва ёж", "МОСКВАЁж"},
	{"ŁÓDŹ", "łódź", "LODZ"},
	{"Ÿ", "ÿ", "Y"},
	{"a\xff" "B", "a\xff" "b", "AB"},
	{"!?", "!?", ""},
};

int
main(void)
{
	struct wr_buf b = {0};
	size_t i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = wr_fold_case(cases[i].in, strlen(cases[i].in), &b);
		CHECK(n == strlen(cases[i].fold) && memcmp(b.s, cases[i].fold, n) == 0, "fold %s: %.*s",
		    cases[i].in, (int)n, b.s);
		n = wr_fold_key(cases[i].in, strlen(cases[i].in), &b);
		CHECK(n == strlen(cases[i].key) && (n == 0 || memcmp(b.s, cases[i].key, n) == 0), "key %s: %.*s",
		    cases[i].in, (int)n, n ? b.s : "");
	}
	wr_buf_free(&b);
	return unit_done();
}
