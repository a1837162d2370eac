/*
 * stp-verify - check proof attempts
 *
 * usage: stp-verify [-k] [-j N] [-c CONFIG] [-o FILE] [--db FILE] [--cache FILE]
 *                   [--max-steps N] [--max-tokens N] [--timeout SEC] [--wall-time]
 *                   [FILE...]
 *        stp-verify --backend lean [-k] [-j N] [-c CONFIG] [-o FILE] [--cache FILE]
 *                   [--timeout SEC] [--lean-cmd CMD] [--lean-project DIR]
 *                   [--lean-mem MB] [--lean-header-timeout SEC] [FILE...]
 *        stp-verify --check-db FILE [-j N]
 *
 * In: attempt records (JSONL; files or stdin, plain or gzip). Out: the same
 * records, in the same order, with ok, error (when not ok), lemmas, length
 * and verify_ms added. A proof that fails to check is data (exit 0); a
 * malformed record is an error (exit 65) that names FILE:LINE and the field.
 * With --check-db, verify every proof of a Metamath database and report.
 * With --backend lean, a pool of Lean 4 REPL processes checks the proofs
 * (lean.c); --backend isabelle is not supported yet (isabelle.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "msg.h"
#include "verify.h"

static const char usage_text[] =
	"usage: stp-verify [-k] [-j N] [-c CONFIG] [-o FILE] [--db FILE] [--cache FILE]\n"
	"                  [--max-steps N] [--max-tokens N] [--timeout SEC] [--wall-time]\n"
	"                  [FILE...]\n"
	"       stp-verify --backend lean [-k] [-j N] [-c CONFIG] [-o FILE] [--cache FILE]\n"
	"                  [--timeout SEC] [--lean-cmd CMD] [--lean-project DIR]\n"
	"                  [--lean-mem MB] [--lean-header-timeout SEC] [FILE...]\n"
	"       stp-verify --check-db FILE [-j N]\n"
	"\n"
	"Check proof attempts: attempt records in (JSONL), verdicts out, in input order.\n"
	"\n"
	"  -j, --jobs N        worker threads (default: the number of CPUs)\n"
	"  -k, --keep-going    skip a malformed record with a warning, go on, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (section 'verify'); flags override it\n"
	"  -o, --output FILE   write verdicts to FILE (atomically) instead of stdout\n"
	"      --db FILE       Metamath database (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --cache FILE    verdict cache: an attempt seen before is not verified again\n"
	"      --max-steps N   limit on a proof's steps after expansion (default 100000)\n"
	"      --max-tokens N  limit on a proof's tokens as written (default 20000)\n"
	"      --timeout SEC   wall-clock limit per attempt (default 10; lean: 300)\n"
	"      --wall-time     verify_ms is the measured time, not the deterministic cost\n"
	"      --check-db FILE verify every proof of a database; exit 65 if any fails\n"
	"      --backend NAME  metamath (default), lean, or isabelle (not supported yet)\n"
	"      --lean-cmd CMD  starts one Lean REPL, run by /bin/sh -c (default 'lake env repl');\n"
	"                      -j N is the number of REPL processes\n"
	"      --lean-project DIR  the Lake project the REPL runs in (default: $STP_LEAN_PROJECT,\n"
	"                      else .)\n"
	"      --lean-mem MB   memory limit per REPL process group (default 10240; 0: none)\n"
	"      --lean-header-timeout SEC  limit for a header's imports (default 600)\n"
	"  -q, --quiet         no progress messages\n"
	"  -h, --help          this help\n"
	"      --version       print the version and exit\n";

static void
usage(int status)
{
	if (status == 0) {
		fputs(usage_text, stdout);
		close_stdout();
		exit(0);
	}
	fputs(usage_text, stderr);
	exit(EX_USAGE);
}

enum {
	OPT_DB = 256, OPT_CACHE, OPT_MAX_STEPS, OPT_MAX_TOKENS, OPT_TIMEOUT, OPT_WALL,
	OPT_CHECK_DB, OPT_BACKEND, OPT_LEAN_CMD, OPT_LEAN_PROJECT, OPT_LEAN_MEM, OPT_LEAN_HDR,
};

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "max-steps", required_argument, NULL, OPT_MAX_STEPS },
	{ "max-tokens", required_argument, NULL, OPT_MAX_TOKENS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "wall-time", no_argument, NULL, OPT_WALL },
	{ "check-db", required_argument, NULL, OPT_CHECK_DB },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "lean-cmd", required_argument, NULL, OPT_LEAN_CMD },
	{ "lean-project", required_argument, NULL, OPT_LEAN_PROJECT },
	{ "lean-mem", required_argument, NULL, OPT_LEAN_MEM },
	{ "lean-header-timeout", required_argument, NULL, OPT_LEAN_HDR },
	{ NULL, 0, NULL, 0 },
};

/* A whole number in [min, max] from a flag, or exit 64. */
static const char *const config_keys[] = {
	"db", "cache", "jobs", "max_steps", "max_tokens", "max_symbols", "timeout",
	"wall_time", "backend", "lean_cmd", "lean_project", "lean_mem", "lean_header_timeout",
	NULL,
};

/* Settings from the configuration file's 'verify' section. */
static void
apply_config(struct verify_opts *o, const char *path)
{
	struct config *c = config_load(path);
	const char *s;
	long v;
	double d;
	int b;

	config_check_sections(c);
	config_check_keys(c, "verify", config_keys);
	if (config_str(c, "verify.db", &s))
		o->db = xstrdup(s);
	if (config_str(c, "verify.cache", &s))
		o->cache = xstrdup(s);
	if (config_int(c, "verify.jobs", &v, 1, 1024))
		o->jobs = (int)v;
	if (config_int(c, "verify.max_steps", &v, 1, 100000000))
		o->max_steps = (uint32_t)v;
	if (config_int(c, "verify.max_tokens", &v, 1, 100000000))
		o->max_tokens = (uint32_t)v;
	if (config_int(c, "verify.max_symbols", &v, 1024, 1L << 30))
		o->max_symbols = (size_t)v;
	if (config_double(c, "verify.timeout", &d, 0.001, 86400)) {
		o->timeout = d;
		o->timeout_set = 1;
	}
	if (config_bool(c, "verify.wall_time", &b))
		o->wall_time = b;
	if (config_str(c, "verify.backend", &s))
		o->backend = xstrdup(s);
	if (config_str(c, "verify.lean_cmd", &s))
		o->lean_cmd = xstrdup(s);
	if (config_str(c, "verify.lean_project", &s))
		o->lean_project = xstrdup(s);
	if (config_int(c, "verify.lean_mem", &v, 0, 1L << 30))
		o->lean_mem_mb = v;
	if (config_double(c, "verify.lean_header_timeout", &d, 0.001, 86400))
		o->lean_header_timeout = d;
	config_free(c);
}

int
main(int argc, char **argv)
{
	struct verify_opts o;
	const char *check_db = NULL, *config = NULL;
	int c;

	msg_init(argv[0]);
	memset(&o, 0, sizeof o);
	o.db = default_db();
	o.jobs = ncpus();
	o.max_steps = 100000;
	o.max_tokens = 20000;
	o.max_symbols = (size_t)1 << 22;
	o.max_symbols_db = (size_t)1 << 26;
	o.timeout = 10;
	o.backend = "metamath";
	o.lean_project = getenv("STP_LEAN_PROJECT");
	o.lean_mem_mb = 10240;
	o.lean_header_timeout = 600;

	/* the configuration first, so that flags override it */
	config = cli_config(argc, argv);
	if (config)
		apply_config(&o, config);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:kc:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o.jobs = (int)cli_long("-j", optarg, 1, 1024); break;
		case 'k': o.keep_going = 1; break;
		case 'c': break;   /* read above */
		case 'o': o.out = optarg; break;
		case 'q': msg_verbosity = 0; break;
		case 'h': usage(0); break;
		case OPT_DB: o.db = optarg; break;
		case OPT_CACHE: o.cache = optarg; break;
		case OPT_MAX_STEPS:
			o.max_steps = (uint32_t)cli_long("--max-steps", optarg, 1, 100000000);
			break;
		case OPT_MAX_TOKENS:
			o.max_tokens = (uint32_t)cli_long("--max-tokens", optarg, 1, 100000000);
			break;
		case OPT_TIMEOUT:
			o.timeout = cli_double("--timeout", optarg, 0.001, 86400);
			o.timeout_set = 1;
			break;
		case OPT_WALL: o.wall_time = 1; break;
		case OPT_CHECK_DB: check_db = optarg; break;
		case OPT_BACKEND: o.backend = optarg; break;
		case OPT_LEAN_CMD: o.lean_cmd = optarg; break;
		case OPT_LEAN_PROJECT: o.lean_project = optarg; break;
		case OPT_LEAN_MEM: o.lean_mem_mb = cli_long("--lean-mem", optarg, 0, 1L << 30); break;
		case OPT_LEAN_HDR:
			o.lean_header_timeout = cli_double("--lean-header-timeout", optarg, 0.001, 86400);
			break;
		case 'V': cli_version(); break;
		default: cli_bad_option(argv, c);
		}
	}
	o.files = argv + optind;
	o.nfiles = argc - optind;

	if (strcmp(o.backend, "metamath") != 0 && strcmp(o.backend, "lean") != 0 &&
	    strcmp(o.backend, "isabelle") != 0)
		die(EX_USAGE, "--backend: expected metamath, lean or isabelle, got '%s'", o.backend);
	if (check_db && strcmp(o.backend, "metamath") != 0)
		die(EX_USAGE, "--check-db checks a Metamath database: it takes no --backend %s",
		    o.backend);
	if (strcmp(o.backend, "isabelle") == 0)
		return isabelle_run(&o);
	if (strcmp(o.backend, "lean") == 0) {
		/* a Lean proof takes seconds to minutes, not milliseconds */
		if (!o.timeout_set)
			o.timeout = 300;
		return lean_run(&o);
	}

	if (check_db) {
		int status;
		if (o.nfiles)
			die(EX_USAGE, "--check-db takes no input files");
		status = checkdb_run(check_db, &o);
		close_stdout();
		return status;
	}
	return attempts_run(&o);
}
