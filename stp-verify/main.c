/*
 * stp-verify - check proof attempts
 *
 * usage: stp-verify [-k] [-j N] [-c CONFIG] [-o FILE] [--db FILE] [--cache FILE]
 *                   [--max-steps N] [--max-tokens N] [--timeout SEC] [--wall-time]
 *                   [FILE...]
 *        stp-verify --backend lean [-k] [-j N] [-c CONFIG] [-o FILE] [--cache FILE]
 *                   [--timeout SEC] [--lean-cmd CMD] [--lean-project DIR]
 *                   [--lean-mem MB] [--lean-header-timeout SEC] [FILE...]
 *        stp-verify --backend isabelle [-k] [-j N] [-c CONFIG] [-o FILE] [--cache FILE]
 *                   [--timeout SEC] --isabelle-address HOST:PORT [--isabelle-password PW]
 *                   [--isabelle-session NAME] [--isabelle-start-timeout SEC] [FILE...]
 *        stp-verify --check-db FILE [-j N]
 *
 * In: attempt records (JSONL; files or stdin, plain or gzip). Out: the same
 * records, in the same order, with ok, error (when not ok), lemmas, length
 * and verify_ms added. A proof that fails to check is data (exit 0); a
 * malformed record is an error (exit 65) that names FILE:LINE and the field.
 * With --check-db, verify every proof of a Metamath database and report.
 * With --backend lean, a pool of Lean 4 REPL processes checks the proofs
 * (lean.c); with --backend isabelle, sessions of a running Isabelle server
 * (isabelle.c).
 */
#include <errno.h>
#include <stddef.h>
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
	"       stp-verify --backend isabelle [-k] [-j N] [-c CONFIG] [-o FILE] [--cache FILE]\n"
	"                  [--timeout SEC] --isabelle-address HOST:PORT [--isabelle-password PW]\n"
	"                  [--isabelle-session NAME] [--isabelle-start-timeout SEC] [FILE...]\n"
	"       stp-verify --check-db FILE [-j N]\n"
	"\n"
	"Check proof attempts: attempt records in (JSONL), verdicts out, in input order.\n"
	"\n"
	"  -j, --jobs N        worker threads (default: the number of CPUs)\n"
	"  -k, --keep-going    skip a malformed record with a warning, go on, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (section 'verify'); flags override it\n"
	"  -o, --output FILE   write verdicts to FILE (atomically; gzip if it ends in .gz)\n"
	"                      instead of stdout\n"
	"      --db FILE       Metamath database (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --cache FILE    verdict cache: an attempt seen before is not verified again\n"
	"      --max-steps N   limit on a proof's steps after expansion (default 100000)\n"
	"      --max-tokens N  limit on a proof's tokens as written (default 20000)\n"
	"      --timeout SEC   wall-clock limit per attempt (default 10; lean, isabelle: 300)\n"
	"      --wall-time     verify_ms is the measured time, not the deterministic cost\n"
	"      --check-db FILE verify every proof of a database; exit 65 if any fails\n"
	"      --backend NAME  metamath (default), lean, or isabelle\n"
	"      --lean-cmd CMD  starts one Lean REPL, run by /bin/sh -c (default 'lake env repl');\n"
	"                      -j N is the number of REPL processes\n"
	"      --lean-project DIR  the Lake project the REPL runs in (default: $STP_LEAN_PROJECT,\n"
	"                      else .)\n"
	"      --lean-mem MB   memory limit per REPL process group (default 10240; 0: none)\n"
	"      --lean-header-timeout SEC  limit for a header's imports (default 600)\n"
	"      --isabelle-address HOST:PORT  the Isabelle server (`isabelle server` prints it;\n"
	"                      default: $STP_ISABELLE_ADDRESS); -j N is the number of sessions\n"
	"      --isabelle-password PW  its password (default: $STP_ISABELLE_PASSWORD)\n"
	"      --isabelle-session NAME  the logic session to start (default HOL)\n"
	"      --isabelle-start-timeout SEC  limit for a session's start (default 600)\n"
	"  -q, --quiet         no progress messages\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

static const char *const backends[] = { "metamath", "lean", "isabelle", NULL };

/* The section 'verify' (docs/stp.yaml.5.scd), bound to the options. */
#define V(f) CONFIG_FIELD(struct verify_opts, f)
static const struct config_key verify_keys[] = {
	{ "verify.db", CONFIG_STR, V(db) },
	{ "verify.cache", CONFIG_STR, V(cache) },
	{ "verify.jobs", CONFIG_INT, V(jobs), .min = 1, .max = 1024 },
	{ "verify.max_steps", CONFIG_INT, V(max_steps), .min = 1, .max = 100000000 },
	{ "verify.max_tokens", CONFIG_INT, V(max_tokens), .min = 1, .max = 100000000 },
	{ "verify.max_symbols", CONFIG_INT, V(max_symbols), .min = 1024, .max = 1L << 30 },
	/* unset (0): 10 seconds, 300 with the Lean and Isabelle backends */
	{ "verify.timeout", CONFIG_NUM, V(timeout), .min = 0.001, .max = 86400,
	  .has_unset = 1, .unset_value = 0 },
	{ "verify.wall_time", CONFIG_BOOL, V(wall_time) },
	{ "verify.backend", CONFIG_ENUM, V(backend_id), .names = backends },
	{ "verify.lean_cmd", CONFIG_STR, V(lean_cmd) },
	{ "verify.lean_project", CONFIG_STR, V(lean_project) },
	{ "verify.lean_mem", CONFIG_INT, V(lean_mem_mb), .min = 0, .max = 1L << 30 },
	{ "verify.lean_header_timeout", CONFIG_NUM, V(lean_header_timeout), .min = 0.001,
	  .max = 86400 },
	{ "verify.isabelle_address", CONFIG_STR, V(isabelle_address) },
	{ "verify.isabelle_password", CONFIG_STR, V(isabelle_password) },
	{ "verify.isabelle_session", CONFIG_STR, V(isabelle_session) },
	{ "verify.isabelle_start_timeout", CONFIG_NUM, V(isabelle_start_timeout), .min = 0.001,
	  .max = 86400 },
	{ NULL },
};
#undef V

int
main(int argc, char **argv)
{
	struct verify_opts o;
	struct cli cl;
	const char *check_db = NULL;
	int c;

	cli_init(&cl, argc, argv, usage_text);
	memset(&o, 0, sizeof o);
	o.db = default_db();
	o.jobs = ncpus();
	o.max_steps = 100000;
	o.max_tokens = 20000;
	o.max_symbols = (size_t)1 << 22;
	o.max_symbols_db = (size_t)1 << 26;
	o.timeout = 0;   /* unset: the backend's default, below */
	o.lean_project = getenv("STP_LEAN_PROJECT");
	o.lean_mem_mb = 10240;
	o.lean_header_timeout = 600;
	o.isabelle_session = "HOL";
	o.isabelle_start_timeout = 600;

	/* the configuration first, so that flags override it */
	config_free(cli_config_apply(&cl, verify_keys, &o));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING "j:", cli_longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case CLI_JOBS: o.jobs = (int)cli_long("-j", optarg, 1, 1024); break;
		case CLI_DB: o.db = optarg; break;
		case CLI_CACHE: o.cache = optarg; break;
		case CLI_MAX_STEPS:
			o.max_steps = (uint32_t)cli_long("--max-steps", optarg, 1, 100000000);
			break;
		case CLI_MAX_TOKENS:
			o.max_tokens = (uint32_t)cli_long("--max-tokens", optarg, 1, 100000000);
			break;
		case CLI_TIMEOUT: o.timeout = cli_double("--timeout", optarg, 0.001, 86400); break;
		case CLI_WALL_TIME: o.wall_time = 1; break;
		case CLI_CHECK_DB: check_db = optarg; break;
		case CLI_BACKEND: o.backend_id = cli_enum("--backend", optarg, backends); break;
		case CLI_LEAN_CMD: o.lean_cmd = optarg; break;
		case CLI_LEAN_PROJECT: o.lean_project = optarg; break;
		case CLI_LEAN_MEM: o.lean_mem_mb = cli_long("--lean-mem", optarg, 0, 1L << 30); break;
		case CLI_LEAN_HEADER_TIMEOUT:
			o.lean_header_timeout = cli_double("--lean-header-timeout", optarg, 0.001, 86400);
			break;
		case CLI_ISABELLE_ADDRESS: o.isabelle_address = optarg; break;
		case CLI_ISABELLE_PASSWORD: o.isabelle_password = optarg; break;
		case CLI_ISABELLE_SESSION: o.isabelle_session = optarg; break;
		case CLI_ISABELLE_START_TIMEOUT:
			o.isabelle_start_timeout = cli_double("--isabelle-start-timeout", optarg, 0.001,
			                                      86400);
			break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	o.out = cl.out;
	o.keep_going = cl.keep_going;
	o.backend = backends[o.backend_id];
	/* a Lean or Isabelle proof takes seconds to minutes, not milliseconds */
	o.timeout_set = o.timeout > 0;
	if (!o.timeout_set)
		o.timeout = strcmp(o.backend, "metamath") != 0 ? 300 : 10;
	if (cl.print_config)
		cli_print_config(verify_keys, &o);
	o.files = argv + optind;
	o.nfiles = argc - optind;

	if (check_db && strcmp(o.backend, "metamath") != 0)
		die(EX_USAGE, "--check-db checks a Metamath database: it takes no --backend %s",
		    o.backend);
	if (strcmp(o.backend, "isabelle") == 0)
		return isabelle_run(&o);
	if (strcmp(o.backend, "lean") == 0)
		return lean_run(&o);

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
