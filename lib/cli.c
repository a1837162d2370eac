/*
 * cli.c - the command line, the same in every tool (see cli.h)
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#ifndef STP_VERSION
#define STP_VERSION "unknown"
#endif

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

void
cli_bad_option(char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		error("option '%s' needs an argument", arg);
	else if (optopt && strncmp(arg, "--", 2) != 0)
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
