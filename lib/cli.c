/*
 * cli.c - the command line, the same in every tool (see cli.h)
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msg.h"

#ifndef STP_VERSION
#define STP_VERSION "unknown"
#endif

/* The long options of every tool, each once (cli.h): the common ones, then
 * the others by name. A name has one has_arg wherever it is taken. */
#define R required_argument
#define N no_argument
const struct option cli_longopts[] = {
	{ "config", R, NULL, 'c' },
	{ "output", R, NULL, 'o' },
	{ "keep-going", N, NULL, 'k' },
	{ "quiet", N, NULL, 'q' },
	{ "help", N, NULL, 'h' },
	{ "version", N, NULL, CLI_OPT_VERSION },
	{ "print-config", N, NULL, CLI_OPT_PRINT_CONFIG },
	{ "api-key-env", R, NULL, CLI_API_KEY_ENV },
	{ "backend", R, NULL, CLI_BACKEND },
	{ "backoff", R, NULL, CLI_BACKOFF },
	{ "cache", R, NULL, CLI_CACHE },
	{ "check-db", R, NULL, CLI_CHECK_DB },
	{ "choices", R, NULL, CLI_CHOICES },
	{ "concurrency", R, NULL, CLI_CONCURRENCY },
	{ "conjecture-stats", R, NULL, CLI_CONJECTURE_STATS },
	{ "dataset", R, NULL, CLI_DATASET },
	{ "db", R, NULL, CLI_DB },
	{ "default", R, NULL, CLI_DEFAULT },
	{ "embed", N, NULL, CLI_EMBED },
	{ "endpoint", R, NULL, CLI_ENDPOINT },
	{ "epochs", R, NULL, CLI_EPOCHS },
	{ "external-cmd", R, NULL, CLI_EXTERNAL_CMD },
	{ "filter", N, NULL, CLI_FILTER },
	{ "final", N, NULL, CLI_FINAL },
	{ "format", R, NULL, CLI_FORMAT },
	{ "from-shards", R, NULL, CLI_FROM_SHARDS },
	{ "hard", R, NULL, CLI_HARD },
	{ "header", R, NULL, CLI_HEADER },
	{ "held-out", R, NULL, CLI_HELD_OUT },
	{ "init", R, NULL, CLI_INIT },
	{ "init-state", N, NULL, CLI_INIT_STATE },
	{ "isabelle-address", R, NULL, CLI_ISABELLE_ADDRESS },
	{ "isabelle-password", R, NULL, CLI_ISABELLE_PASSWORD },
	{ "isabelle-session", R, NULL, CLI_ISABELLE_SESSION },
	{ "isabelle-start-timeout", R, NULL, CLI_ISABELLE_START_TIMEOUT },
	{ "iter", R, NULL, CLI_ITER },
	{ "jobs", R, NULL, CLI_JOBS },
	{ "k-conjecture", R, NULL, CLI_K_CONJECTURE },
	{ "k-open", R, NULL, CLI_K_OPEN },
	{ "k-reprove", R, NULL, CLI_K_REPROVE },
	{ "ks", R, NULL, 'K' },
	{ "labels", N, NULL, CLI_LABELS },
	{ "lean-cmd", R, NULL, CLI_LEAN_CMD },
	{ "lean-header-timeout", R, NULL, CLI_LEAN_HEADER_TIMEOUT },
	{ "lean-lemmas", R, NULL, CLI_LEAN_LEMMAS },
	{ "lean-mem", R, NULL, CLI_LEAN_MEM },
	{ "lean-project", R, NULL, CLI_LEAN_PROJECT },
	{ "lean-prompt", R, NULL, CLI_LEAN_PROMPT },
	{ "lemma-cap", R, NULL, CLI_LEMMA_CAP },
	{ "max", R, NULL, CLI_MAX },
	{ "max-steps", R, NULL, CLI_MAX_STEPS },
	{ "max-tokens", R, NULL, CLI_MAX_TOKENS },
	{ "model", R, NULL, CLI_MODEL },
	{ "name", R, NULL, CLI_NAME },
	{ "no-constrain", N, NULL, CLI_NO_CONSTRAIN },
	{ "no-prefilter", N, NULL, CLI_NO_PREFILTER },
	{ "out", R, NULL, 'o' },
	{ "phase", R, NULL, CLI_PHASE },
	{ "prev-stats", R, NULL, CLI_PREV_STATS },
	{ "previous", R, NULL, CLI_PREVIOUS },
	{ "replay", R, NULL, CLI_REPLAY },
	{ "resume", N, NULL, CLI_RESUME },
	{ "retries", R, NULL, CLI_RETRIES },
	{ "samples", R, NULL, 'n' },
	{ "save-every", R, NULL, CLI_SAVE_EVERY },
	{ "seed", R, NULL, CLI_SEED },
	{ "seeds", R, NULL, CLI_SEEDS },
	{ "select", N, NULL, CLI_SELECT },
	{ "set-mm", R, NULL, CLI_SET_MM },
	{ "sft", R, NULL, CLI_SFT },
	{ "shards", R, NULL, CLI_SHARDS },
	{ "shards-only", N, NULL, CLI_SHARDS_ONLY },
	{ "split", R, NULL, CLI_SPLIT },
	{ "state", R, NULL, CLI_STATE },
	{ "state-out", R, NULL, CLI_STATE_OUT },
	{ "statements", R, NULL, CLI_STATEMENTS },
	{ "stats", R, NULL, CLI_STATS },
	{ "steps", R, NULL, CLI_STEPS },
	{ "stop", R, NULL, CLI_STOP },
	{ "temperature", R, NULL, CLI_TEMPERATURE },
	{ "threads", R, NULL, CLI_THREADS },
	{ "timeout", R, NULL, CLI_TIMEOUT },
	{ "top-p", R, NULL, CLI_TOP_P },
	{ "unproved-only", N, NULL, CLI_UNPROVED_ONLY },
	{ "wall-time", N, NULL, CLI_WALL_TIME },
	{ "window", R, NULL, CLI_WINDOW },
	{ NULL, 0, NULL, 0 },
};
#undef R
#undef N

long
cli_long(const char *flag, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die(EX_USAGE, "%s: expected a whole number from %ld to %ld, got '%s'", flag, min,
		    max, s);
	return v;
}

double
cli_double(const char *flag, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || !(v >= min && v <= max))
		die(EX_USAGE, "%s: expected a number from %g to %g, got '%s'", flag, min, max, s);
	return v;
}

const char *
cli_config(int argc, char **argv)
{
	const char *path = NULL;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] && argv[i][1] != '-')
			path = argv[i] + 2;   /* -cFILE */
	}
	if (path) {
		if (!(f = fopen(path, "r")))
			die(EX_NOINPUT, "cannot open configuration '%s':", path);
		fclose(f);
	}
	return path;
}

/* getopt_long returned c: '?' or ':' (opterr is 0), or a code of
 * cli_longopts the tool does not take. One line naming the option as it was
 * written, then "try 'PROG -h'"; exit 64. Another tool's option without its
 * argument, last on the line, is ':' ("needs an argument"): getopt_long
 * says so before the tool sees the code. */
static void __attribute__((noreturn))
bad_option(char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	/* another tool's option, its argument the next word: name the option */
	if (c != '?' && c != ':' && optarg && optarg == arg && optind > 1)
		arg = argv[optind - 2];
	if (c == ':')
		error("option '%s' needs an argument", arg);
	else if (c == '?' && optopt && strncmp(arg, "--", 2) != 0)
		error("unrecognized option '-%c'", optopt);
	else
		error("unrecognized option '%s'", arg);
	fprintf(stderr, "try '%s -h'\n", msg_prog);
	exit(EX_USAGE);
}

const char *
cli_version_string(void)
{
	return STP_VERSION;
}

void
cli_version(void)
{
	printf("%s %s\n", msg_prog, STP_VERSION);
	close_stdout();
	exit(0);
}

void
cli_init(struct cli *cl, int argc, char **argv, const char *usage)
{
	msg_init(argv[0]);
	memset(cl, 0, sizeof *cl);
	cl->usage = usage;
	cl->config = cli_config(argc, argv);
	opterr = 0;
}

struct config *
cli_config_apply(const struct cli *cl, const struct config_key *keys, void *opts)
{
	struct config *cf = config_load(cl->config);

	config_apply(cf, keys, opts);
	return cf;
}

void
cli_print_config(const struct config_key *keys, const void *opts)
{
	config_print(stdout, keys, opts);
	close_stdout();   /* dies with 74 on a write error */
	exit(0);
}

/* The usage, then -h and --version, the lines every tool has, their text
 * at the column of the usage's --print-config line (22 without one). */
static void
print_usage(const char *usage)
{
	const char *p = strstr(usage, "      --print-config");
	int col = 22;

	if (p) {
		const char *d = p + strlen("      --print-config");

		while (*d == ' ')
			d++;
		col = (int)(d - p);
	}
	fputs(usage, stdout);
	printf("%-*s%s\n", col, "  -h, --help", "this help");
	printf("%-*s%s\n", col, "      --version", "print the version and exit");
}

void
cli_option(struct cli *cl, int c, char **argv)
{
	switch (c) {
	case 'c': break;   /* read by cli_init */
	case 'o': cl->out = optarg; break;
	case 'k': cl->keep_going = 1; break;
	case 'q': msg_verbosity = 0; break;
	case 'h':
		print_usage(cl->usage);
		close_stdout();
		exit(0);
	case CLI_OPT_VERSION: cli_version(); break;
	case CLI_OPT_PRINT_CONFIG: cl->print_config = 1; break;
	default: bad_option(argv, c);
	}
}

void
cli_bad_record(struct cli *cl, int status, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (!cl->keep_going)
		die(status, "%s", text);
	warn("%s (skipped)", text);
	cl->nbad++;
}

void
cli_skip(struct cli *cl, const struct jsonl_err *err)
{
	cli_bad_record(cl, err->status ? err->status : EX_DATAERR, "%s", err->msg);
}

int
cli_status(const struct cli *cl)
{
	if (!cl->nbad)
		return 0;
	error("%ld malformed record%s skipped", cl->nbad, cl->nbad == 1 ? "" : "s");
	return EX_DATAERR;
}

int
cli_enum(const char *flag, const char *s, const char *const *names)
{
	int i = config_enum_index(names, s);
	char list[256];

	if (i < 0)
		die(EX_USAGE, "%s: expected %s, got '%s'", flag,
		    config_enum_list(names, list, sizeof list), s);
	return i;
}
