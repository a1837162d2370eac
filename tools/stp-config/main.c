/*
 * stp-config - print one setting of a configuration file
 *
 * usage: stp-config -c CONFIG [--default VALUE] KEY
 *
 * Prints the scalar at KEY (dotted: train.iter.refresh_every) as written,
 * or VALUE when the key is absent (exit 0), or nothing and exit 1 when it is
 * absent and no default is given. For make, which decides by configuration
 * what a stage runs (the periodic re-training of the iterations).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "msg.h"

static const char usage_text[] =
	"usage: stp-config -c CONFIG [--default VALUE] KEY\n"
	"\n"
	"Print the setting KEY (dotted, e.g. train.iter.refresh_every) of CONFIG.\n"
	"\n"
	"  -c, --config FILE    the YAML configuration\n"
	"      --default VALUE  printed when KEY is absent (else exit 1)\n"
	"  -h, --help           this help\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "default", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *dflt = NULL, *v;
	struct config *c;
	int ch, found;

	msg_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': dflt = optarg; break;
		case 'h': fputs(usage_text, stdout); close_stdout(); return 0;
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (!path || optind != argc - 1) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	c = config_load(path);
	found = config_str(c, argv[optind], &v);
	if (found)
		printf("%s\n", v);
	else if (dflt)
		printf("%s\n", dflt);
	config_free(c);
	close_stdout();
	return found || dflt ? 0 : 1;
}
