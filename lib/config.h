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
#include <stdio.h>

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

/*
 * Key tables. A tool declares its settings once, as a table of keys bound
 * to the fields of its options struct, ending with { NULL }:
 *
 *     static const struct config_key keys[] = {
 *         { "verify.jobs", CONFIG_INT, CONFIG_FIELD(struct verify_opts, jobs),
 *           .min = 1, .max = 1024 },
 *         { NULL },
 *     };
 *
 * config_apply() reads every key of the table that the file sets into its
 * field, after checking the sections and the keys of the sections the table
 * names (so the table is the list of known keys too); config_print() writes
 * the fields back as YAML: the tool's effective configuration, once its
 * flags have been applied over the file's values (--print-config). The same
 * table thus reads, checks and prints; docs/stp.yaml.5.scd documents it.
 */
enum config_type {
	CONFIG_INT,    /* a whole number in [min, max]: an int, or a 64-bit integer (size 8) */
	CONFIG_NUM,    /* a number in [min, max]: a double */
	CONFIG_BOOL,   /* true or false: an int, 1 or 0 */
	CONFIG_STR,    /* a string: a const char * (NULL: unset; the value read is a copy) */
	CONFIG_ENUM,   /* one of names: an int, its index in names */
	CONFIG_LIST,   /* a list of strings: a const char ** (NULL: unset; NULL-terminated
	                * copies), its length a size_t at off_n */
};

struct config_key {
	const char *key;            /* dotted: "verify.jobs"; NULL ends a table */
	enum config_type type;
	size_t off, size;           /* the field in the options struct (CONFIG_FIELD) */
	double min, max;            /* CONFIG_INT, CONFIG_NUM: the range */
	const char *const *names;   /* CONFIG_ENUM: the values, NULL-terminated */
	size_t off_n;               /* CONFIG_LIST: offsetof() its length */
	int has_unset;              /* CONFIG_INT, CONFIG_NUM: the field may hold unset_value, */
	double unset_value;         /* which means "unset" (a computed default): printed ~ */
};

#define CONFIG_FIELD(type, field) \
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)

/*
 * Check the sections (config_check_sections) and, for every section the
 * table's keys are in, that section's keys against the table's; then store
 * each key the file sets into its field of opts. Errors die with 78 as the
 * typed getters do; an enum value that is not one of its names says which
 * it expected. A NULL c is an empty configuration.
 */
void config_apply(struct config *c, const struct config_key *keys, void *opts);

/* Keep p (malloc'd) for the life of the process, as config_apply keeps its
 * copies: for a string made from a setting that the options hold. Returns p. */
void *config_keep(void *p);

/*
 * Write the keys' fields of opts as YAML to fp, in the table's order, nested
 * by section (keys of one section must be contiguous): a value that reads
 * back as itself through config_apply(); an unset string, list or number is
 * ~ (null: the built-in default applies). Returns 0, or -1 on a write error.
 */
int config_print(FILE *fp, const struct config_key *keys, const void *opts);

/*
 * Every key the file sets, as YAML to fp, in the file's order (stp-config
 * --print-config): scalars as written (quoted ones quoted), lists in flow
 * style. Returns 0, or -1 on a write error.
 */
int config_dump(const struct config *c, FILE *fp);

/* The index of s in names (NULL-terminated), or -1. */
int config_enum_index(const char *const *names, const char *s);

/* "a, b or c" from names, into buf (size n); returns buf. */
char *config_enum_list(const char *const *names, char *buf, size_t n);

#endif
