/*
 * stp-export - a checkpoint as a Hugging Face model directory
 *
 * usage: stp-export [-q] [-c CONFIG] -o DIR CHECKPOINT
 *
 * In: one checkpoint (safetensors, as stp-train writes it). Out: DIR, a
 * directory that transformers loads as LlamaForCausalLM and an inference
 * server (vLLM) serves: config.json, generation_config.json,
 * tokenizer.json, tokenizer_config.json, model.safetensors (lib/model/hf.h
 * says what each holds and where the tokenizer differs from ours). Each
 * file is written under a temporary name and renamed at the end, config.json
 * last; an earlier export in DIR is replaced.
 */
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "model/hf.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"

static const char usage_text[] =
	"usage: stp-export [-q] [-c CONFIG] -o DIR CHECKPOINT\n"
	"\n"
	"Write a checkpoint as a Hugging Face model directory (LlamaForCausalLM): config.json,\n"
	"generation_config.json, tokenizer.json, tokenizer_config.json, model.safetensors.\n"
	"\n"
	"  -o, --output DIR    the directory to write (created; an earlier export in it is\n"
	"                      replaced)\n"
	"  -k, --keep-going    accepted: stp-export reads no records\n"
	"  -c, --config FILE   YAML configuration (checked; stp-export has no settings)\n"
	"  -q, --quiet         no progress message\n"
	"      --print-config  print the effective configuration (YAML; empty) and exit\n";

/* No settings of its own: the empty table still checks the file's sections. */
static const struct config_key export_keys[] = {
	{ NULL },
};

int
main(int argc, char **argv)
{
	const struct model_config *mc;
	struct tokenizer *tok;
	struct model *m;
	struct cli cl;
	char err[512];
	int c, st;

	cli_init(&cl, argc, argv, usage_text);
	config_free(cli_config_apply(&cl, export_keys, NULL));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1)
		cli_option(&cl, c, argv);
	if (cl.print_config)
		cli_print_config(export_keys, NULL);
	if (!cl.out)
		die(EX_USAGE, "no directory to write: give -o DIR; try '%s -h'", msg_prog);
	if (argc - optind != 1)
		die(EX_USAGE, "expected one CHECKPOINT, got %d; try '%s -h'", argc - optind,
		    msg_prog);
	if ((st = model_load(argv[optind], 1, &m, &tok, err, sizeof(err))))
		die(st, "%s", err);
	if ((st = hf_export(m, tok, cl.out, err, sizeof(err))) == EX_DATAERR)
		die(st, "'%s': %s", argv[optind], err);
	else if (st)
		die(st, "%s", err);
	mc = model_config(m);
	progress("%s: LlamaForCausalLM, %d tokens, %d layers, width %d, %d heads, %s", cl.out,
	         mc->vocab, mc->layers, mc->width, mc->heads,
	         mc->tie ? "tied embeddings" : "untied lm_head");
	model_free(m);
	tokenizer_free(tok);
	return 0;
}
