/* API keys: kept off the command line, read from the environment or a file, never printed. */
#ifndef WR_KEY_H
#define WR_KEY_H

#include <getopt.h>
#include <stddef.h>

/* What wr_key_arg found wrong with one command-line word. */
enum wr_key_arg {
	WR_KEY_ARG_OK,        /* not a problem (an option spelled in full, an operand, a short option...) */
	WR_KEY_ARG_LOOKALIKE, /* --api-key, --key, --token, --api_key...: a key typed on the command line */
	WR_KEY_ARG_ABBREV,    /* an abbreviation of an option that takes a key file */
	WR_KEY_ARG_UNKNOWN    /* an unknown long option with "=VALUE": getopt would print the value */
};

/*
 * Judge one word of argv against the program's long options; keyfile
 * names the options that take a key file (NULL-terminated, may be empty).
 * A long option whose name, lower-cased without '-' and '_', holds "key",
 * "token", "secret", "passw", "bearer" or "auth" and is not an option of
 * the program spelled in full is a look-alike; so is an abbreviation of an
 * option of such a name. *len gets the length of the name ("--" and
 * "=VALUE" excluded).
 */
enum wr_key_arg wr_key_arg(const char *arg, const struct option *longopts,
    const char *const *keyfile, size_t *len);

/*
 * Check argv before getopt_long sees it: a key look-alike, an abbreviated
 * key-file option or an unknown "--name=VALUE" is a usage error (exit 2)
 * whose message names the option but never its value; how says how the
 * program takes its key ("set $OPENAI_API_KEY or use --api-key-file FILE"),
 * or is NULL for a program that takes none. Stops at "--".
 */
void wr_key_argv(int argc, char *const *argv, const struct option *longopts,
    const char *const *keyfile, const char *how);

/*
 * The key from the first line of file (given to option opt; white space
 * around it trimmed), else from environment variable env; NULL when there
 * is none. Messages about the file never name it: a user may have typed
 * the key itself where the path goes. Exits 2 when the file cannot be
 * read, holds no key or a key with characters a header cannot carry.
 * Once a key is in memory the process is made non-dumpable. Caller frees
 * with wr_key_free.
 */
char *wr_key_read(const char *file, const char *opt, const char *env);
/* Overwrite and free a key from wr_key_read (NULL is fine). */
void wr_key_free(char *key);

/*
 * 1 when the header line h ("Name: value") sends a key: Authorization,
 * Proxy-Authorization, api-key, x-api-key, x-goog-api-key, or extra (the
 * --key-header name; may be NULL).
 */
int wr_key_header(const char *h, const char *extra);

/*
 * Check a header line given on the command line ("Name: value" or
 * "Name;"): NULL when it is one, else the reason, which quotes nothing of
 * it.
 */
const char *wr_header_check(const char *h);
/* Check a header name (no separators, spaces or controls): NULL, or the reason. */
const char *wr_header_name_check(const char *name);

#endif
