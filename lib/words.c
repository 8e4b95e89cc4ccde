/* Word-list records: "entry", "entry;score" or "entry<TAB>score". */
#include "words.h"

#include <string.h>

int
wr_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *
wr_trim(char *s, size_t *n)
{
	while (*n && wr_isspace(*s)) {
		s++;
		(*n)--;
	}
	while (*n && wr_isspace(s[*n - 1]))
		(*n)--;
	s[*n] = '\0';
	return s;
}

int
wr_word_split(char *line, size_t len, char **entry, size_t *elen, char **score)
{
	size_t i, n;
	char *s;

	/* Leading white space is trimmed, but TAB still separates a score. */
	while (len && line[len - 1] != '\t' && wr_isspace(line[len - 1]))
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\r'); i++)
		;
	line += i;
	len -= i;
	if (len == 0 || line[0] == '#')
		return 1;
	*score = NULL;
	for (i = 0; i < len; i++)
		if (line[i] == ';' || line[i] == '\t')
			break;
	if (i < len) {
		n = len - i - 1;
		*score = wr_trim(line + i + 1, &n);
	}
	n = i;
	s = wr_trim(line, &n);
	if (n == 0)
		return 2;
	*entry = s;
	*elen = n;
	return 0;
}
