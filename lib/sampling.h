/*
 * sampling.h - the sampling settings of stp-prove and stp-conjecture: one set
 * of flags, one set of configuration keys (the sections 'prove' and
 * 'conjecture', docs/stp.yaml.5.scd), one reading of them
 *
 * A tool embeds a struct sampling in its options, sets its defaults with
 * sampling_defaults(), puts SAMPLING_KEYS(section, its type, member) in its
 * key table and SAMPLING_OPTSTRING in its short options (its long options
 * are lib/cli's one table, cli_longopts), and reads the line with
 * sampling_next(): the codes it returns are the tool's own, and those its
 * switch does not take go to cli_option().
 */
#ifndef STP_SAMPLING_H
#define STP_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

#include "backend/openai.h"
#include "cli.h"
#include "config.h"

struct sampling {
	const char *model;     /* --model: the checkpoint */
	const char *db;        /* --db: the Metamath database */
	int samples;           /* -n K */
	int max_tokens;        /* new tokens per sample at most */
	int threads;           /* -j */
	double temperature, top_p;
	uint64_t seed;         /* --seed, before the iteration is mixed in */
	long iter;             /* --iter: the records' "iter" (-1: not given) */
	int openai;            /* --backend: 0 builtin, 1 openai */
	const char **stop;     /* SECTION.stop (the openai backend's), or NULL */
	size_t nstop;
};

/* The help lines of --temperature, --top-p, --max-tokens (default MAXTOK, a
 * string) and --seed. */
#define SAMPLING_USAGE(MAXTOK)                                                               \
	"      --temperature T   default 1.0\n"                                                 \
	"      --top-p P         default 1.0\n"                                                 \
	"      --max-tokens N    new tokens per sample at most (default " MAXTOK ")\n"           \
	"      --seed N          random seed (default 1)\n"

/* The help lines of -j, -o, -k; then (after the tool's -c line) from -q to
 * --backend and the openai backend's (OAI_USAGE). */
#define SAMPLING_USAGE_OUTPUT                                                                \
	"  -j, --threads N       threads (default: the number of CPUs)\n"                         \
	"  -o, --output FILE     write to FILE (atomically; gzip if it ends in .gz) instead\n"    \
	"                        of stdout\n"                                                    \
	"  -k, --keep-going      skip a malformed record with a warning, exit 65 at the end\n"
#define SAMPLING_USAGE_TAIL                                                                  \
	"  -q, --quiet           no progress messages\n"                                        \
	"      --print-config    print the effective configuration (YAML) and exit\n"           \
	"      --backend B       builtin (the default: --model is a checkpoint) or openai\n"      \
	OAI_USAGE

/* The short options, for the tool's optstring. */
#define SAMPLING_OPTSTRING "n:j:"

extern const char *const sampling_backends[];   /* "builtin", "openai" */

/* The keys SEC.model ... SEC.stop bound to the struct sampling MEMBER of TYPE. */
#define SAMPLING_KEYS(SEC, TYPE, MEMBER)                                                      \
	{ SEC ".model", CONFIG_STR, CONFIG_FIELD(TYPE, MEMBER.model) },                       \
	{ SEC ".samples", CONFIG_INT, CONFIG_FIELD(TYPE, MEMBER.samples), .min = 1,           \
	  .max = 100000 },                                                                    \
	{ SEC ".temperature", CONFIG_NUM, CONFIG_FIELD(TYPE, MEMBER.temperature), .min = 0,   \
	  .max = 100 },                                                                       \
	{ SEC ".top_p", CONFIG_NUM, CONFIG_FIELD(TYPE, MEMBER.top_p), .min = 0, .max = 1 },   \
	{ SEC ".max_tokens", CONFIG_INT, CONFIG_FIELD(TYPE, MEMBER.max_tokens), .min = 1,     \
	  .max = 65536 },                                                                     \
	{ SEC ".seed", CONFIG_INT, CONFIG_FIELD(TYPE, MEMBER.seed), .min = 0,                 \
	  .max = 1L << 62 },                                                                  \
	{ SEC ".threads", CONFIG_INT, CONFIG_FIELD(TYPE, MEMBER.threads), .min = 1,           \
	  .max = 1024 },                                                                      \
	{ SEC ".backend", CONFIG_ENUM, CONFIG_FIELD(TYPE, MEMBER.openai),                     \
	  .names = sampling_backends },                                                       \
	/* unset: the prompt format's; read by the openai backend */                          \
	{ SEC ".stop", CONFIG_LIST, CONFIG_FIELD(TYPE, MEMBER.stop),                          \
	  .off_n = offsetof(TYPE, MEMBER.nstop) }

/* The defaults: K samples, at most max_tokens new tokens, temperature and
 * top_p 1, seed 1, a thread per CPU, the default database, no --iter. */
void sampling_defaults(struct sampling *s, int samples, int max_tokens);

/* Apply option c (from getopt_long) with its argument: 1 when it is one of
 * the sampling flags (-n, -j, --threads, --model, --db, --temperature,
 * --top-p, --max-tokens, --seed, --iter, --backend), 0 when it is not (dies
 * with 64 on a bad value). */
int sampling_option(struct sampling *s, int c, const char *arg);

/* The next option of the line (getopt_long with CLI_OPTSTRING
 * SAMPLING_OPTSTRING and cli_longopts) that is neither a sampling flag
 * (sampling_option, into *s) nor the openai backend's (oai_cli_parse, into
 * *oc): its code, for the tool's switch; -1 at the end of the options. */
int sampling_next(int argc, char **argv, struct sampling *s, struct oai_cli *oc);

#endif
