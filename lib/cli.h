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

#include <stdint.h>

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

/* getopt_long returned '?' or ':' (call with opterr = 0 set before): one
 * line naming the option, then "try 'PROG -h'"; exit 64. */
void cli_bad_option(char **argv, int c);

/* Print "PROG VERSION" (the git description at build time) and exit 0. */
void cli_version(void);

/* The version string (STP_VERSION at build time, "unknown" without). */
const char *cli_version_string(void);

#endif
