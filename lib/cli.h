/*
 * cli.h - the command line, the same in every tool
 *
 * Every tool: -h (usage on stdout, exit 0), --version, -c/--config FILE
 * anywhere on the line (also --config=FILE; a file that cannot be opened is
 * 66), -o, -k, -q; a bad or unknown option is one line and "try 'PROG -h'"
 * on stderr, exit 64. Numbers given to flags are checked here, one way.
 */
#ifndef STP_CLI_H
#define STP_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "config.h"
#include "jsonl.h"

/*
 * The options every tool has, parsed the same way everywhere:
 *   -c, --config FILE   the YAML configuration (stp.yaml(5)), read before the
 *                       other flags so that they override it
 *   -o, --output FILE   the output (NULL: standard output); a name ending in
 *                       .gz is written gzip-compressed (out_open, lib/atomic.h)
 *   -k, --keep-going    a malformed record is skipped with a warning, the
 *                       rest goes on, and the exit status is 65 at the end
 *   -q, --quiet         no progress messages
 *   -h, --help          the usage on standard output (the tool's, then -h
 *                       and --version, printed here), exit 0
 *       --version       the name and version, exit 0
 *       --print-config  the effective configuration as YAML, exit 0
 *
 * The long options of all the tools are one table, cli_longopts: a name is
 * one option everywhere, with one code and one has_arg. A tool passes its
 * short options (CLI_OPTSTRING first) and cli_longopts to getopt_long,
 * handles in its switch the codes of the options it takes (the letter of
 * those with a short form, else CLI_<NAME>), and hands every other code to
 * cli_option(): a long option of another tool is unknown here, as an
 * unknown option is.
 */
struct cli {
	const char *usage;     /* the help text (-h) */
	const char *config;    /* -c: the configuration file, or NULL */
	const char *out;       /* -o, or NULL */
	int keep_going;        /* -k */
	int print_config;      /* --print-config */
	long nbad;             /* malformed records skipped so far (-k) */
};

/*
 * The codes of cli_longopts, one a name. A long option with a short form
 * has its letter as its code, so that one case takes both: -c, -o (and
 * stp-mmdata's --out), -k, -q, -h, -n (--samples), -K (--ks). Not -j: it
 * is --threads in some tools and --jobs in stp-verify, and a tool takes
 * only its own name, so those two have codes here and the tool a case for
 * 'j' and one for its name.
 */
enum {
	CLI_OPT_VERSION = 0x180, CLI_OPT_PRINT_CONFIG,
	CLI_API_KEY_ENV, CLI_BACKEND, CLI_BACKOFF, CLI_CACHE, CLI_CHECK_DB, CLI_CHOICES,
	CLI_CONCURRENCY, CLI_CONJECTURE_STATS, CLI_DATASET, CLI_DB, CLI_DEFAULT, CLI_EMBED,
	CLI_ENDPOINT, CLI_EPOCHS, CLI_EXTERNAL_CMD, CLI_FILTER, CLI_FINAL, CLI_FORMAT,
	CLI_FROM_SHARDS, CLI_HARD, CLI_HEADER, CLI_HELD_OUT, CLI_INIT, CLI_INIT_STATE,
	CLI_ISABELLE_ADDRESS, CLI_ISABELLE_PASSWORD, CLI_ISABELLE_SESSION,
	CLI_ISABELLE_START_TIMEOUT, CLI_ITER, CLI_JOBS, CLI_K_CONJECTURE, CLI_K_OPEN,
	CLI_K_REPROVE, CLI_LABELS, CLI_LEAN_CMD, CLI_LEAN_HEADER_TIMEOUT, CLI_LEAN_LEMMAS,
	CLI_LEAN_MEM, CLI_LEAN_PROJECT, CLI_LEAN_PROMPT, CLI_LEMMA_CAP, CLI_MAX, CLI_MAX_STEPS,
	CLI_MAX_TOKENS, CLI_MODEL, CLI_NAME, CLI_NO_CONSTRAIN, CLI_NO_PREFILTER, CLI_PHASE,
	CLI_PREV_STATS, CLI_PREVIOUS, CLI_REPLAY, CLI_RESUME, CLI_RETRIES, CLI_SAVE_EVERY,
	CLI_SEED, CLI_SEEDS, CLI_SELECT, CLI_SET_MM, CLI_SFT, CLI_SHARDS, CLI_SHARDS_ONLY,
	CLI_SPLIT, CLI_STATE, CLI_STATE_OUT, CLI_STATEMENTS, CLI_STATS, CLI_STEPS, CLI_STOP,
	CLI_TEMPERATURE, CLI_THREADS, CLI_TIMEOUT, CLI_TOP_P, CLI_UNPROVED_ONLY, CLI_WALL_TIME,
	CLI_WINDOW,
	CLI_OPT_END   /* after the last */
};

#define CLI_OPTSTRING ":c:o:kqh"

/* Every long option of every tool, once; ends with a row of zeros. */
extern const struct option cli_longopts[];

/* Start: msg_init(argv[0]) (messages begin with the program's base name),
 * cl->config from cli_config(), getopt's own messages off. */
void cli_init(struct cli *cl, int argc, char **argv, const char *usage);

/* The configuration file (cl->config; none: an empty one) read into opts by
 * the key table keys (config_apply: its sections checked, its values over
 * the built-in defaults). Returned for a tool that reads more of it; the
 * caller frees it with config_free(). */
struct config *cli_config_apply(const struct cli *cl, const struct config_key *keys,
                                void *opts);

/* --print-config: the keys' fields of opts as YAML on standard output
 * (config_print), then exit 0, or 74 on a write error. */
void cli_print_config(const struct config_key *keys, const void *opts)
	__attribute__((noreturn));

/* A code the tool's own switch does not take: a common option (-h and
 * --version exit here), else one line naming the option and "try 'PROG -h'"
 * on stderr, exit 64: an unknown option ('?'), a missing argument (':'), a
 * long option of another tool (cli_longopts; "unrecognized option", as an
 * unknown one, but "needs an argument" when it is last without one). */
void cli_option(struct cli *cl, int c, char **argv);

/*
 * A malformed record: without -k, die with status and the message; with
 * -k, warn "MESSAGE (skipped)" and count it. cli_skip() does the same for a
 * reader's or a field accessor's error (its status, EX_DATAERR when 0).
 */
void cli_bad_record(struct cli *cl, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_skip(struct cli *cl, const struct jsonl_err *err);

/* The exit status at the end: 0, or after skipping records (-k) "N
 * malformed records skipped" and 65. */
int cli_status(const struct cli *cl);

/* A flag's value among names (NULL-terminated): its index, or die 64:
 * "--backend: expected builtin or openai, got 'gpu'". */
int cli_enum(const char *flag, const char *s, const char *const *names);

/* A whole number from min to max for flag, or die 64:
 * "-n: expected a whole number from 1 to 100000, got 'x'". */
long cli_long(const char *flag, const char *s, long min, long max);
/* A number from min to max (finite) for flag, or die 64. */
double cli_double(const char *flag, const char *s, double min, double max);

/*
 * The configuration file named on the line: the last of "-c FILE",
 * "--config FILE", "--config=FILE", wherever it stands (tools read the file
 * before parsing the rest, so that flags override it). NULL when none. A
 * -c without its FILE is left to getopt's error. A file that cannot be
 * opened dies with 66 here, before anything else complains.
 */
const char *cli_config(int argc, char **argv);

/* Print "PROG VERSION" (the git description at build time) and exit 0. */
void cli_version(void) __attribute__((noreturn));

/* The version string (STP_VERSION at build time, "unknown" without). */
const char *cli_version_string(void);

#endif
