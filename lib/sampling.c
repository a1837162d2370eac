/*
 * sampling.c - the sampling settings of stp-prove and stp-conjecture (see
 * sampling.h)
 */
#include "sampling.h"

#include <string.h>

#include "cli.h"
#include "msg.h"

const char *const sampling_backends[] = { "builtin", "openai", NULL };

void
sampling_defaults(struct sampling *s, int samples, int max_tokens)
{
	memset(s, 0, sizeof *s);
	s->db = default_db();
	s->samples = samples;
	s->max_tokens = max_tokens;
	s->threads = ncpus();
	s->temperature = 1.0;
	s->top_p = 1.0;
	s->seed = 1;
	s->iter = -1;
}

int
sampling_option(struct sampling *s, int c, const char *arg)
{
	switch (c) {
	case 'n': s->samples = (int)cli_long("-n", arg, 1, 100000); break;
	case 'j':
	case CLI_THREADS: s->threads = (int)cli_long("-j", arg, 1, 1024); break;
	case CLI_MODEL: s->model = arg; break;
	case CLI_DB: s->db = arg; break;
	case CLI_TEMPERATURE: s->temperature = cli_double("--temperature", arg, 0, 100); break;
	case CLI_TOP_P: s->top_p = cli_double("--top-p", arg, 0, 1); break;
	case CLI_MAX_TOKENS: s->max_tokens = (int)cli_long("--max-tokens", arg, 1, 65536); break;
	case CLI_SEED: s->seed = (uint64_t)cli_long("--seed", arg, 0, 1L << 62); break;
	case CLI_ITER: s->iter = cli_long("--iter", arg, 0, 1L << 30); break;
	case CLI_BACKEND: s->openai = cli_enum("--backend", arg, sampling_backends); break;
	default: return 0;
	}
	return 1;
}

int
sampling_next(int argc, char **argv, struct sampling *s, struct oai_cli *oc)
{
	int c;

	while ((c = getopt_long(argc, argv, CLI_OPTSTRING SAMPLING_OPTSTRING, cli_longopts,
	                        NULL)) != -1)
		if (!sampling_option(s, c, optarg) && !oai_cli_parse(oc, c, optarg))
			return c;
	return -1;
}
