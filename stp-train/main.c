/*
 * stp-train - train the model on weighted examples
 *
 * usage: stp-train [-k] [-c CONFIG] -o CHECKPOINT [--init CHECKPOINT] [--db FILE]
 *                  [--shards DIR] [--shards-only] [--steps N] [--epochs X]
 *                  [--seed N] [--replay FILE] [--held-out FILE] [-j N] [FILE...]
 *        stp-train [-c CONFIG] -o CHECKPOINT --from-shards DIR ...
 *
 * In: training examples (JSONL: role, the fields its prompt is built from,
 * target, weight). First writes them, formatted by the prompt functions, as
 * gzip JSONL shards with a manifest (DIR/examples-NNNNN.jsonl.gz,
 * DIR/examples.manifest.json; --shards-only stops there, for an external
 * trainer); then trains on the shards: weighted cross-entropy on the target
 * tokens only, from --init or from scratch, and writes CHECKPOINT
 * (safetensors) atomically. Progress on stderr. With train.backend external
 * a command of the user's trains on the shards instead (external.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "model/model.h"
#include "msg.h"
#include "shard.h"
#include "train.h"

static const char usage_text[] =
	"usage: stp-train [-k] [-c CONFIG] -o CHECKPOINT [--init CHECKPOINT] [--db FILE]\n"
	"                 [--shards DIR] [--shards-only] [--steps N] [--epochs X]\n"
	"                 [--seed N] [--replay FILE] [--held-out FILE] [-j N] [FILE...]\n"
	"       stp-train [-c CONFIG] -o CHECKPOINT --from-shards DIR ...\n"
	"\n"
	"Train the model on weighted examples (JSONL): write them as shards, then train.\n"
	"\n"
	"  -o, --output FILE   the checkpoint to write (safetensors)\n"
	"      --init FILE     continue from this checkpoint (its vocabulary and shape)\n"
	"      --db FILE       Metamath database: the vocabulary of a new model, and the\n"
	"                      variables for renaming (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --shards DIR    where the shards go (default: CHECKPOINT.shards)\n"
	"      --shards-only   write the shards and stop (for an external trainer)\n"
	"      --from-shards DIR  train on a shard set written before (no examples read)\n"
	"      --phase iter    use the train.iter settings (self-play iterations) over train's\n"
	"      --backend B     builtin (the default) or external: the shards go to\n"
	"                      train.external_cmd, run as CMD SHARDS_DIR MANIFEST INIT OUT\n"
	"      --external-cmd CMD  the external trainer (train.external_cmd)\n"
	"      --held-out FILE statements: an example stating one of its `test` statements\n"
	"                      (up to renaming and hypothesis order) is an error (65)\n"
	"      --replay FILE   replayed examples (the SFT set): a random subset, at most\n"
	"                      train.iter.replay_share of the weighted target tokens\n"
	"      --steps N       optimizer steps (overrides train.steps and train.epochs)\n"
	"      --save-every N  a resume point every N steps (train.save_every; 0: none)\n"
	"      --resume        continue from the latest resume point of this same job\n"
	"      --epochs X      passes over the examples (when no steps are set)\n"
	"      --seed N        random seed (train.seed)\n"
	"  -j, --threads N     threads (default: the number of CPUs)\n"
	"  -k, --keep-going    skip a malformed example with a warning, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (sections 'model' and 'train')\n"
	"  -q, --quiet         no progress messages\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

/*
 * The configuration as stp-train reads it: model.* and train.* into the
 * options; train.iter.* into a layer of its own (-1: absent, the value of
 * train.* stays), applied over them with --phase iter only.
 */
struct tconf {
	struct train_opts o;
	struct iter_layer {
		int batch;
		long steps;
		double epochs, lr, lr_min;
		int warmup;
		double rename_prob, replay_share;
		long refresh_every;        /* read by make and pipelines/iteration.sh only */
	} it;
};

static const char *const backends[] = { "builtin", "external", NULL };

/* The sections 'model' and 'train' (docs/stp.yaml.5.scd). */
#define T(f) CONFIG_FIELD(struct tconf, o.f)
#define I(f) CONFIG_FIELD(struct tconf, it.f), .has_unset = 1, .unset_value = -1
static const struct config_key train_keys[] = {
	{ "model.width", CONFIG_INT, T(width), .min = 8, .max = 8192 },
	{ "model.layers", CONFIG_INT, T(layers), .min = 1, .max = 256 },
	/* unset (0): width / 32, and 8 width / 3 rounded up to a multiple of 32 */
	{ "model.heads", CONFIG_INT, T(heads), .min = 1, .max = 1024, .has_unset = 1,
	  .unset_value = 0 },
	{ "model.hidden", CONFIG_INT, T(hidden), .min = 8, .max = 65536, .has_unset = 1,
	  .unset_value = 0 },
	{ "model.ctx", CONFIG_INT, T(ctx), .min = 8, .max = 65536 },
	{ "model.tie", CONFIG_BOOL, T(tie) },
	{ "train.batch", CONFIG_INT, T(batch), .min = 1, .max = 65536 },
	{ "train.steps", CONFIG_INT, T(steps), .min = 0, .max = 1L << 40 },
	{ "train.epochs", CONFIG_NUM, T(epochs), .min = 0, .max = 1e9 },
	{ "train.lr", CONFIG_NUM, T(lr), .min = 0, .max = 10 },
	{ "train.lr_min", CONFIG_NUM, T(lr_min), .min = 0, .max = 10 },
	{ "train.warmup", CONFIG_INT, T(warmup), .min = 0, .max = 1L << 30 },
	{ "train.weight_decay", CONFIG_NUM, T(weight_decay), .min = 0, .max = 10 },
	{ "train.clip", CONFIG_NUM, T(clip), .min = 0, .max = 1e9 },
	{ "train.seed", CONFIG_INT, T(seed), .min = 0, .max = 1L << 62 },
	{ "train.threads", CONFIG_INT, T(threads), .min = 1, .max = 1024 },
	{ "train.rename_prob", CONFIG_NUM, T(rename_prob), .min = 0, .max = 1 },
	{ "train.log_every", CONFIG_INT, T(log_every), .min = 0, .max = 1L << 40 },
	{ "train.shard_bytes", CONFIG_INT, T(shard_bytes), .min = 0, .max = 1L << 40 },
	{ "train.save_every", CONFIG_INT, T(save_every), .min = 0, .max = 1L << 40 },
	{ "train.val_share", CONFIG_NUM, T(val_share), .min = 0, .max = 1 },
	{ "train.backend", CONFIG_ENUM, T(external), .names = backends },
	{ "train.external_cmd", CONFIG_STR, T(external_cmd) },
	{ "train.iter.batch", CONFIG_INT, I(batch), .min = 1, .max = 65536 },
	{ "train.iter.steps", CONFIG_INT, I(steps), .min = 0, .max = 1L << 40 },
	{ "train.iter.epochs", CONFIG_NUM, I(epochs), .min = 0, .max = 1e9 },
	{ "train.iter.lr", CONFIG_NUM, I(lr), .min = 0, .max = 10 },
	{ "train.iter.lr_min", CONFIG_NUM, I(lr_min), .min = 0, .max = 10 },
	{ "train.iter.warmup", CONFIG_INT, I(warmup), .min = 0, .max = 1L << 30 },
	{ "train.iter.rename_prob", CONFIG_NUM, I(rename_prob), .min = 0, .max = 1 },
	{ "train.iter.replay_share", CONFIG_NUM, I(replay_share), .min = 0, .max = 1 },
	{ "train.iter.refresh_every", CONFIG_INT, I(refresh_every), .min = 0, .max = 1L << 30 },
	{ NULL },
};
#undef T
#undef I

/* train.iter.* over train.* (--phase iter): a key given there replaces
 * train's; epochs given without steps resets the steps to 0, so that the
 * epochs rule. */
static void
apply_phase(struct train_opts *o, const struct iter_layer *it)
{
	if (it->batch >= 0)
		o->batch = it->batch;
	if (it->steps >= 0)
		o->steps = it->steps;
	if (it->epochs >= 0) {
		o->epochs = it->epochs;
		if (it->steps < 0)
			o->steps = 0;
	}
	if (it->lr >= 0)
		o->lr = it->lr;
	if (it->lr_min >= 0)
		o->lr_min = it->lr_min;
	if (it->warmup >= 0)
		o->warmup = it->warmup;
	if (it->rename_prob >= 0)
		o->rename_prob = it->rename_prob;
	if (it->replay_share >= 0)
		o->replay_share = it->replay_share;
}

/* The model's shape as configured, checked here where the keys are known
 * (vocab is the database's, known later: any size passes); dies with 78 at
 * the key at fault. */
static void
check_shape(const struct train_opts *o, struct config *c)
{
	struct model_config mc = model_config_default(1000, o->width, o->layers, o->ctx);
	const char *why, *key = NULL;

	if (o->heads)
		mc.heads = o->heads;
	if (o->hidden)
		mc.hidden = o->hidden;
	if ((why = model_config_check(&mc))) {
		if (strstr(why, "head"))
			key = o->heads ? "model.heads" : "model.width";
		else if (strncmp(why, "ctx", 3) == 0)
			key = "model.ctx";
		else if (strncmp(why, "layers", 6) == 0)
			key = "model.layers";
		else if (strncmp(why, "hidden", 6) == 0)
			key = "model.hidden";
		else
			key = "model.width";
		config_die_at(c, key, "%s", why);
	}
}

static const char *const phases[] = { "sft", "iter", NULL };

int
main(int argc, char **argv)
{
	struct tconf tc;
	struct train_opts *o = &tc.o;
	struct cli cl;
	struct config *cf;
	const char *from_shards = NULL;
	long steps = -1;
	double epochs = -1;
	int phase_iter = 0;
	char *dir;
	int c, status;

	cli_init(&cl, argc, argv, usage_text);
	memset(&tc, 0, sizeof tc);
	o->db = default_db();
	o->shard_bytes = 64u << 20;
	o->width = 128;
	o->layers = 3;
	o->ctx = 256;
	o->tie = 1;
	o->batch = 32;
	o->epochs = 1;
	o->lr = 3e-3;
	o->lr_min = 3e-4;
	o->warmup = 100;
	o->weight_decay = 0.1;
	o->clip = 1.0;
	o->seed = 1;
	o->threads = ncpus();
	o->rename_prob = 0;
	o->replay_share = 1;
	o->val_share = 0.02;
	tc.it = (struct iter_layer){ -1, -1, -1, -1, -1, -1, -1, -1, -1 };

	cf = cli_config_apply(&cl, train_keys, &tc);
	check_shape(o, cf);
	config_free(cf);
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING "j:", cli_longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case CLI_THREADS: o->threads = (int)cli_long("-j", optarg, 1, 1024); break;
		case CLI_INIT: o->init = optarg; break;
		case CLI_DB: o->db = optarg; break;
		case CLI_SHARDS: o->shards = optarg; break;
		case CLI_SHARDS_ONLY: o->shards_only = 1; break;
		case CLI_STEPS: steps = cli_long("--steps", optarg, 1, 1L << 40); break;
		case CLI_EPOCHS: epochs = cli_double("--epochs", optarg, 1e-9, 1e9); break;
		case CLI_SEED: o->seed = (uint64_t)cli_long("--seed", optarg, 0, 1L << 62); break;
		case CLI_FROM_SHARDS: from_shards = optarg; break;
		case CLI_PHASE: phase_iter = cli_enum("--phase", optarg, phases); break;
		case CLI_BACKEND: o->external = cli_enum("--backend", optarg, backends); break;
		case CLI_EXTERNAL_CMD: o->external_cmd = optarg; break;
		case CLI_HELD_OUT: o->held_out = optarg; break;
		case CLI_RESUME: o->resume = 1; break;
		case CLI_SAVE_EVERY: o->save_every = cli_long("--save-every", optarg, 0, 1L << 40); break;
		case CLI_REPLAY:
			if (o->nreplay == 8)
				die(EX_USAGE, "--replay: at most 8 files");
			o->replay[o->nreplay++] = optarg;
			break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	o->out = cl.out;
	o->keep_going = cl.keep_going;
	if (o->out && strlen(o->out) > 3 && strcmp(o->out + strlen(o->out) - 3, ".gz") == 0)
		die(EX_USAGE, "-o: a checkpoint is not compressed: give a name not ending in .gz");
	/* --epochs and --steps set the phase's own: train.iter's with --phase
	 * iter, train's otherwise; --epochs alone means steps from the epochs */
	if (phase_iter) {
		if (epochs > 0) {
			tc.it.epochs = epochs;
			tc.it.steps = -1;
		}
		if (steps > 0)
			tc.it.steps = steps;
	} else {
		if (epochs > 0) {
			o->epochs = epochs;
			o->steps = 0;
		}
		if (steps > 0)
			o->steps = steps;
	}
	if (cl.print_config)
		cli_print_config(train_keys, &tc);
	if (phase_iter)
		apply_phase(o, &tc.it);
	o->files = argv + optind;
	o->nfiles = argc - optind;
	o->phase_iter = phase_iter;
	o->config = cl.config;
	if (!o->out && !(o->shards_only && o->shards))
		die(EX_USAGE, "no checkpoint to write: give -o FILE (or --shards-only --shards DIR)");

	if (from_shards) {
		/* train on an existing shard set (checked against its manifest) */
		if (o->nfiles || o->nreplay || o->shards_only)
			die(EX_USAGE, "--from-shards takes no example files and no --shards-only");
		if (o->external) {
			char msg[1024];
			if (shard_verify(from_shards, "examples", msg, sizeof msg) < 0)
				die(EX_DATAERR, "%s: %s", from_shards, msg);
			status = train_external(o, from_shards);
		} else {
			status = train_run(o, from_shards);
		}
		close_stdout();
		return status;
	}
	dir = o->shards ? xstrdup(o->shards) : xasprintf("%s.shards", o->out);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		die(EX_CANTCREAT, "cannot create '%s':", dir);
	status = examples_to_shards(o, dir);
	/* with -k, bad examples were skipped: train on the rest, still exit 65 */
	if ((status == 0 || (o->keep_going && status == EX_DATAERR)) && !o->shards_only) {
		int st = o->external ? train_external(o, dir) : train_run(o, dir);
		if (st)
			status = st;
	}
	free(dir);
	close_stdout();
	return status;
}
