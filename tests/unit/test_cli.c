/*
 * test_cli.c - unit tests for lib/cli.c: the one table of long options
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "unit.h"

/* Every name once, every code once, every code a letter or one of the
 * enum's, and no code of the enum without its row. */
static void
test_table(void)
{
	static char seen[CLI_OPT_END];
	const struct option *a, *b;
	int n = 0;

	for (a = cli_longopts; a->name; a++, n++) {
		CHECK(a->flag == NULL);
		CHECK(a->has_arg == no_argument || a->has_arg == required_argument);
		CHECK((a->val > ' ' && a->val < 127) ||
		      (a->val >= CLI_OPT_VERSION && a->val < CLI_OPT_END));
		for (b = cli_longopts; b != a; b++) {
			if (!CHECK(strcmp(a->name, b->name) != 0))
				printf("# --%s twice\n", a->name);
			/* --output and stp-mmdata's --out are both -o */
			if (a->val != 'o' && !CHECK(a->val != b->val))
				printf("# --%s and --%s share a code\n", a->name, b->name);
		}
		if (a->val >= CLI_OPT_VERSION && a->val < CLI_OPT_END)
			seen[a->val - CLI_OPT_VERSION] = 1;
	}
	CHECK(n > 0);
	for (int c = CLI_OPT_VERSION; c < CLI_OPT_END; c++)
		if (!CHECK(seen[c - CLI_OPT_VERSION]))
			printf("# code %#x has no row\n", c);
}

/* getopt_long over argv (NULL-terminated) with the tool's short options:
 * the codes returned, in order, into codes; their count. */
static int
parse(char **argv, const char *optstring, int *codes, int max)
{
	int argc = 0, c, n = 0;

	while (argv[argc])
		argc++;
	optind = 0;   /* glibc: start again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, cli_longopts, NULL)) != -1 && n < max)
		codes[n++] = c;
	return n;
}

static void
test_codes(void)
{
	char *argv[] = { "t", "--threads", "2", "-j3", "--jobs=4", "--samples", "5", "--out", "x",
		         "--db", "d", "--timeout", "1", "--seed=1", "--seeds", "s", NULL };
	int codes[16], n;

	n = parse(argv, CLI_OPTSTRING "n:j:", codes, 16);
	CHECK_INT_EQ(n, 9);
	CHECK_INT_EQ(codes[0], CLI_THREADS);
	CHECK_INT_EQ(codes[1], 'j');
	CHECK_INT_EQ(codes[2], CLI_JOBS);
	CHECK_INT_EQ(codes[3], 'n');
	CHECK_INT_EQ(codes[4], 'o');
	CHECK_INT_EQ(codes[5], CLI_DB);
	CHECK_INT_EQ(codes[6], CLI_TIMEOUT);
	CHECK_INT_EQ(codes[7], CLI_SEED);
	CHECK_INT_EQ(codes[8], CLI_SEEDS);
}

/* cli_option with a code of the table the tool does not take */
struct foreign {
	char **argv;
	int argc;
};

static void
run_foreign(void *arg)
{
	struct foreign *f = arg;
	struct cli cl;
	int c;

	optind = 0;
	cli_init(&cl, f->argc, f->argv, "usage: t\n");
	while ((c = getopt_long(f->argc, f->argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_SEED: break;
		default: cli_option(&cl, c, f->argv);
		}
	}
}

static void
foreign(char **argv, const char *err)
{
	struct foreign f = { argv, 0 };
	struct unit_child r;

	while (argv[f.argc])
		f.argc++;
	unit_run(run_foreign, &f, &r);
	CHECK_INT_EQ(r.status, 64);
	CHECK_STR_EQ(r.err, err);
	unit_child_free(&r);
}

static void
test_foreign(void)
{
	char *a1[] = { "t", "--seed", "1", "--embed", NULL };
	char *a2[] = { "t", "--model", "m", NULL };
	char *a3[] = { "t", "--model=m", NULL };
	char *a4[] = { "t", "--mod", "m", NULL };
	char *a5[] = { "t", "--embed=x", NULL };
	char *a6[] = { "t", "--seed", NULL };
	char *a7[] = { "t", "--samples", "-q", NULL };

	foreign(a1, "t: unrecognized option '--embed'\ntry 't -h'\n");
	foreign(a2, "t: unrecognized option '--model'\ntry 't -h'\n");
	foreign(a3, "t: unrecognized option '--model=m'\ntry 't -h'\n");
	foreign(a4, "t: unrecognized option '--mod'\ntry 't -h'\n");
	foreign(a5, "t: unrecognized option '--embed=x'\ntry 't -h'\n");
	foreign(a6, "t: option '--seed' needs an argument\ntry 't -h'\n");
	foreign(a7, "t: unrecognized option '--samples'\ntry 't -h'\n");
}

int
main(void)
{
	RUN(test_table);
	RUN(test_codes);
	RUN(test_foreign);
	return unit_done();
}
