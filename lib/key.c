/* API keys: kept off the command line, read from the environment or a file, never printed. */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define KEY_FILE_MAX 65536

/* Does the option name n[0..len), folded, look like it carries a secret? */
static int
keyish(const char *n, size_t len)
{
	static const char *const words[] = {"key", "token", "secret", "passw", "bearer", "auth"};
	char f[64];
	size_t i, k = 0;

	for (i = 0; i < len && k < sizeof f - 1; i++)
		if (n[i] != '-' && n[i] != '_')
			f[k++] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] - 'A' + 'a' : n[i]);
	f[k] = '\0';
	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (strstr(f, words[i]))
			return 1;
	return 0;
}

static int
listed(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

enum wr_key_arg
wr_key_arg(const char *arg, const struct option *longopts, const char *const *keyfile, size_t *len)
{
	const struct option *o;
	const char *name;
	size_t n;
	int prefix_of = 0, prefix_key = 0, prefix_keyish = 0;

	*len = 0;
	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return WR_KEY_ARG_OK;
	name = arg + 2;
	n = strcspn(name, "=");
	*len = n;
	for (o = longopts; o->name; o++) {
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
			return WR_KEY_ARG_OK;
		if (strncmp(o->name, name, n) == 0) {
			prefix_of++;
			prefix_key |= listed(o->name, keyfile);
			prefix_keyish |= keyish(o->name, strlen(o->name));
		}
	}
	if (prefix_key)
		return WR_KEY_ARG_ABBREV;
	if (keyish(name, n) || prefix_keyish)
		return WR_KEY_ARG_LOOKALIKE;
	if (prefix_of == 0 && name[n] == '=')
		return WR_KEY_ARG_UNKNOWN;
	return WR_KEY_ARG_OK;
}

void
wr_key_argv(int argc, char *const *argv, const struct option *longopts, const char *const *keyfile,
    const char *how)
{
	size_t n;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		switch (wr_key_arg(argv[i], longopts, keyfile, &n)) {
		case WR_KEY_ARG_OK:
			break;
		case WR_KEY_ARG_ABBREV:
		case WR_KEY_ARG_LOOKALIKE:
			/* Spelled in full or not at all: the word after it may be the key itself. */
			if (how)
				wr_warn("--%.*s: not an option; keys are never given on the command line, "
				    "where ps and shell history show them: %s", (int)n, argv[i] + 2, how);
			else
				wr_warn("--%.*s: not an option; %s takes no key, and keys are never given on "
				    "the command line", (int)n, argv[i] + 2, wr_prog);
			exit(WR_EXIT_USAGE);
		case WR_KEY_ARG_UNKNOWN:
			wr_warn("unrecognized option '--%.*s' (try --help)", (int)n, argv[i] + 2);
			exit(WR_EXIT_USAGE);
		}
	}
}

/* The file's contents, or exit 2 with a message that does not name it. */
static char *
slurp_secret(const char *path, const char *opt)
{
	struct wr_buf b = {0};
	struct stat st;
	char tmp[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		wr_die("the key file given to %s cannot be read:", opt);
	/* Like ssh: a key others can read is no secret. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		wr_warn("the key file given to %s is readable by others", opt);
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			wr_die("the key file given to %s cannot be read:", opt);
		}
		if (b.len + (size_t)n > KEY_FILE_MAX)
			wr_die("the key file given to %s is larger than %d bytes", opt, KEY_FILE_MAX);
		wr_buf_add(&b, tmp, (size_t)n);
	}
	explicit_bzero(tmp, sizeof tmp);
	close(fd);
	wr_buf_add(&b, "", 0);
	return b.s;
}

char *
wr_key_read(const char *file, const char *opt, const char *env)
{
	char *raw, *k, *end, *key;
	const char *v;

	if (file)
		raw = slurp_secret(file, opt);
	else if (env && (v = getenv(env)) && *v)
		raw = wr_strdup(v);
	else
		return NULL;
	/*
	 * From here on the key is in memory: no core dump, no ptrace attach or
	 * /proc/PID/mem, environ and maps for other processes of the same user.
	 */
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		wr_warn("prctl PR_SET_DUMPABLE:");
	k = raw + strspn(raw, " \t\r\n");
	end = k + strcspn(k, "\n");
	while (end > k && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	if (*k == '\0') {
		wr_key_free(raw);
		if (file)
			wr_die("the key file given to %s has no key on its first line", opt);
		return NULL;
	}
	for (v = k; *v; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f) {
			wr_key_free(raw);
			if (file)
				wr_die("the key in the file given to %s holds a character that cannot go in a header",
				    opt);
			wr_die("the key in $%s holds a character that cannot go in a header", env);
		}
	key = wr_strdup(k);
	wr_key_free(raw);
	return key;
}

void
wr_key_free(char *key)
{
	if (!key)
		return;
	explicit_bzero(key, strlen(key));
	free(key);
}

int
wr_key_header(const char *h, const char *extra)
{
	static const char *const keyed[] = {"Authorization", "Proxy-Authorization", "api-key", "x-api-key",
		"x-goog-api-key"};
	size_t i, n = strcspn(h, ":;");

	for (i = 0; i < sizeof keyed / sizeof *keyed; i++)
		if (strlen(keyed[i]) == n && strncasecmp(h, keyed[i], n) == 0)
			return 1;
	return extra && strlen(extra) == n && strncasecmp(h, extra, n) == 0;
}

const char *
wr_header_check(const char *h)
{
	const char *c = strpbrk(h, ":;"), *p;

	if (!c || c == h)
		return "expected 'Name: value'";
	for (p = h; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return "a header holds a control character";
	for (p = h; p < c; p++)
		if (*p == ' ' || *p == '\t')
			return "expected 'Name: value'";
	return NULL;
}

const char *
wr_header_name_check(const char *name)
{
	const char *p;

	if (!*name)
		return "empty header name";
	for (p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr(":;\"(),/<>=?@[\\]{}", *p))
			return "not a header name";
	return NULL;
}
