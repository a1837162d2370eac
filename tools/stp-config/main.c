/*
 * stp-config - print one setting of a configuration file
 *
 * usage: stp-config -c CONFIG [--default VALUE] [-o FILE] KEY
 *        stp-config -c CONFIG --print-config [-o FILE]
 *
 * Prints the scalar at KEY (dotted: train.iter.refresh_every) as written,
 * or VALUE when the key is absent (exit 0), or nothing and exit 1 when it is
 * absent and no default is given. For make, which decides by configuration
 * what a stage runs (the periodic re-training of the iterations). With
 * --print-config, every key the file sets instead, as YAML (stp-config has
 * no settings of its own). The file's sections are checked as every tool
 * checks them. -k and -q are accepted and change nothing: there are no
 * records to skip and no progress to report.
 */
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "msg.h"

static const char usage_text[] =
	"usage: stp-config -c CONFIG [--default VALUE] [-o FILE] KEY\n"
	"       stp-config -c CONFIG --print-config [-o FILE]\n"
	"\n"
	"Print the setting KEY (dotted, e.g. train.iter.refresh_every) of CONFIG.\n"
	"\n"
	"  -c, --config FILE    the YAML configuration\n"
	"      --default VALUE  printed when KEY is absent (else exit 1)\n"
	"  -o, --output FILE    write to FILE (atomically; gzip if it ends in .gz) instead\n"
	"                       of stdout\n"
	"  -k, --keep-going     accepted, changes nothing: there are no records to skip\n"
	"  -q, --quiet          accepted, changes nothing: there is no progress to report\n"
	"      --print-config   print every key CONFIG sets (YAML) and exit\n";

int
main(int argc, char **argv)
{
	const char *dflt = NULL, *v;
	struct config *c;
	struct cli cl;
	struct out out;
	int ch, found = 0;

	cli_init(&cl, argc, argv, usage_text);
	while ((ch = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (ch) {
		case CLI_DEFAULT: dflt = optarg; break;
		default:
			cli_option(&cl, ch, argv);
		}
	}
	if (!cl.print_config && (!cl.config || optind != argc - 1))
		die(EX_USAGE, "expected -c CONFIG and one KEY; try '%s -h'", msg_prog);
	if (cl.print_config && optind != argc)
		die(EX_USAGE, "--print-config takes no KEY; try '%s -h'", msg_prog);
	c = config_load(cl.config);
	config_check_sections(c);
	out_open(&out, cl.out);
	if (cl.print_config) {
		if (config_dump(c, out.fp) < 0)
			die(EX_IOERR, "write error:");
		found = 1;
	} else if ((found = config_str(c, argv[optind], &v))) {
		fprintf(out.fp, "%s\n", v);
	} else if (dflt) {
		fprintf(out.fp, "%s\n", dflt);
	}
	out_close(&out);
	config_free(c);
	return found || dflt ? 0 : 1;
}
