/*
 * config.h - YAML configuration through libyaml
 *
 * A configuration file is a YAML mapping, nested at most a few levels:
 *
 *     verify:
 *       jobs: 2
 *       timeout_ms: 1000
 *     model: { layers: 3, width: 128 }
 *
 * Keys are addressed with dots ("verify.jobs"). Scalars and sequences of
 * scalars are supported; anchors, aliases, tags and multiple documents are
 * rejected. Every error names "FILE:LINE:COLUMN" (1-based) and exits with
 * EX_CONFIG (78): a YAML syntax error, a duplicate key, a value of the wrong
 * type or out of range, an unknown key in a section a tool checks.
 *
 * The order of precedence is: built-in default < configuration file <
 * command-line flag. Tools read the file first, then apply their flags.
 */
#ifndef STP_CONFIG_H
#define STP_CONFIG_H

#include <stddef.h>

struct config;  /* opaque */

/* Load path; NULL gives an empty configuration. Cannot open: EX_NOINPUT (66). */
struct config *config_load(const char *path);
void config_free(struct config *c);

/*
 * Typed getters: 1 when present (value stored), 0 when absent (out untouched).
 * A present value of the wrong type or out of [min, max] dies with 78:
 * "FILE:LINE:COL: 'verify.jobs': expected an integer from 1 to 1024".
 */
int config_int(struct config *c, const char *key, long *out, long min, long max);
int config_double(struct config *c, const char *key, double *out, double min, double max);
int config_bool(struct config *c, const char *key, int *out);   /* true/false/yes/no/on/off */
int config_str(struct config *c, const char *key, const char **out);  /* borrowed */
/* A sequence of scalars; *out is a borrowed NULL-terminated array, *n its length. */
int config_strlist(struct config *c, const char *key, const char *const **out, size_t *n);

/*
 * Die with 78 naming the first key under section (e.g. "verify") that is not
 * in known (a NULL-terminated list of the section's sub-keys), so a misspelt
 * setting never passes unnoticed. Sections other tools own are not checked.
 */
void config_check_keys(struct config *c, const char *section, const char *const *known);

/*
 * The top-level sections of stp's configuration (verify, model, train, prove,
 * conjecture, seed, reward, openai): any other (a misspelt "trian:") dies
 * with 78 naming file:line:column. Every tool calls it on the file it
 * loads: one file configures every stage, so each must know them all.
 */
void config_check_sections(struct config *c);

/* Die with 78 at the place of key: "FILE:LINE:COL: 'key': MESSAGE" (or
 * "FILE: MESSAGE" when the key is absent), for a value that is wrong only
 * together with others (heads that do not divide the width). */
void config_die_at(struct config *c, const char *key, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* The file name, for messages ("<none>" without a file). */
const char *config_path(const struct config *c);

#endif
