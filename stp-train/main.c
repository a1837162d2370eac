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
 * (safetensors) atomically. Progress on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "model/model.h"
#include "msg.h"
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
	OPT_INIT = 256, OPT_DB, OPT_SHARDS, OPT_SHARDS_ONLY, OPT_STEPS, OPT_EPOCHS, OPT_SEED,
	OPT_FROM_SHARDS, OPT_PHASE, OPT_REPLAY, OPT_HELDOUT, OPT_RESUME, OPT_SAVE_EVERY,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "threads", required_argument, NULL, 'j' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "shards", required_argument, NULL, OPT_SHARDS },
	{ "shards-only", no_argument, NULL, OPT_SHARDS_ONLY },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "held-out", required_argument, NULL, OPT_HELDOUT },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "save-every", required_argument, NULL, OPT_SAVE_EVERY },
	{ "epochs", required_argument, NULL, OPT_EPOCHS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "from-shards", required_argument, NULL, OPT_FROM_SHARDS },
	{ "phase", required_argument, NULL, OPT_PHASE },
	{ NULL, 0, NULL, 0 },
};

static const char *const model_keys[] = {
	"width", "layers", "heads", "hidden", "ctx", "tie", NULL,
};
static const char *const train_keys[] = {
	"batch", "steps", "epochs", "lr", "lr_min", "warmup", "weight_decay", "clip", "seed",
	"threads", "rename_prob", "log_every", "shard_bytes", "iter", "save_every", "val_share",
	NULL,
};
static const char *const iter_keys[] = {
	"batch", "steps", "epochs", "lr", "lr_min", "warmup", "rename_prob", "replay_share",
	"refresh_every", NULL,
};

/* train.iter.*: the settings of the self-play iterations' training (--phase
 * iter), over those of train.* (the supervised start). */
static void
apply_phase(struct train_opts *o, struct config *c)
{
	long v;
	double d;

	config_check_keys(c, "train.iter", iter_keys);
	if (config_int(c, "train.iter.batch", &v, 1, 65536))
		o->batch = (int)v;
	if (config_int(c, "train.iter.steps", &v, 0, 1L << 40))
		o->steps = v;
	if (config_double(c, "train.iter.epochs", &d, 0, 1e9)) {
		o->epochs = d;
		if (!config_int(c, "train.iter.steps", &v, 0, 1L << 40))
			o->steps = 0;
	}
	if (config_double(c, "train.iter.lr", &d, 0, 10))
		o->lr = d;
	if (config_double(c, "train.iter.lr_min", &d, 0, 10))
		o->lr_min = d;
	if (config_int(c, "train.iter.warmup", &v, 0, 1L << 30))
		o->warmup = (int)v;
	if (config_double(c, "train.iter.rename_prob", &d, 0, 1))
		o->rename_prob = d;
	if (config_double(c, "train.iter.replay_share", &d, 0, 1))
		o->replay_share = d;
}

static void
apply_config(struct train_opts *o, const char *path, int phase_iter)
{
	struct config *c = config_load(path);
	long v;
	double d;
	int b;

	config_check_sections(c);
	config_check_keys(c, "model", model_keys);
	config_check_keys(c, "train", train_keys);
	if (config_int(c, "model.width", &v, 8, 8192))
		o->width = (int)v;
	if (config_int(c, "model.layers", &v, 1, 256))
		o->layers = (int)v;
	if (config_int(c, "model.heads", &v, 1, 1024))
		o->heads = (int)v;
	if (config_int(c, "model.hidden", &v, 8, 65536))
		o->hidden = (int)v;
	if (config_int(c, "model.ctx", &v, 8, 65536))
		o->ctx = (int)v;
	if (config_bool(c, "model.tie", &b))
		o->tie = b;
	if (config_int(c, "train.batch", &v, 1, 65536))
		o->batch = (int)v;
	if (config_int(c, "train.steps", &v, 0, 1L << 40))
		o->steps = v;
	if (config_double(c, "train.epochs", &d, 0, 1e9))
		o->epochs = d;
	if (config_double(c, "train.lr", &d, 0, 10))
		o->lr = d;
	if (config_double(c, "train.lr_min", &d, 0, 10))
		o->lr_min = d;
	if (config_int(c, "train.warmup", &v, 0, 1L << 30))
		o->warmup = (int)v;
	if (config_double(c, "train.weight_decay", &d, 0, 10))
		o->weight_decay = d;
	if (config_double(c, "train.clip", &d, 0, 1e9))
		o->clip = d;
	if (config_int(c, "train.seed", &v, 0, 1L << 62))
		o->seed = (uint64_t)v;
	if (config_int(c, "train.threads", &v, 1, 1024))
		o->threads = (int)v;
	if (config_double(c, "train.rename_prob", &d, 0, 1))
		o->rename_prob = d;
	if (config_int(c, "train.log_every", &v, 0, 1L << 40))
		o->log_every = v;
	if (config_int(c, "train.save_every", &v, 0, 1L << 40))
		o->save_every = v;
	if (config_double(c, "train.val_share", &d, 0, 1))
		o->val_share = d;
	if (config_int(c, "train.shard_bytes", &v, 0, 1L << 40))
		o->shard_bytes = (size_t)v;
	if (phase_iter)
		apply_phase(o, c);
	/* the model's shape as configured, checked here where the keys are
	 * known (vocab is the database's, known later: any size passes) */
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
	config_free(c);
}

int
main(int argc, char **argv)
{
	struct train_opts o;
	const char *config = NULL, *from_shards = NULL, *phase = NULL;
	char *dir;
	int c, status;

	msg_init(argv[0]);
	memset(&o, 0, sizeof o);
	o.db = default_db();
	o.shard_bytes = 64u << 20;
	o.width = 128;
	o.layers = 3;
	o.ctx = 256;
	o.tie = 1;
	o.batch = 32;
	o.epochs = 1;
	o.lr = 3e-3;
	o.lr_min = 3e-4;
	o.warmup = 100;
	o.weight_decay = 0.1;
	o.clip = 1.0;
	o.seed = 1;
	o.threads = ncpus();
	o.rename_prob = 0;
	o.replay_share = 1;
	o.val_share = 0.02;

	config = cli_config(argc, argv);
	for (int i = 1; i < argc; i++)
		if (i + 1 < argc && strcmp(argv[i], "--phase") == 0)
			phase = argv[i + 1];
	if (phase && strcmp(phase, "sft") != 0 && strcmp(phase, "iter") != 0)
		die(EX_USAGE, "--phase: expected \"sft\" or \"iter\", got '%s'", phase);
	if (config)
		apply_config(&o, config, phase && strcmp(phase, "iter") == 0);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:kc:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'j': o.threads = (int)cli_long("-j", optarg, 1, 1024); break;
		case 'k': o.keep_going = 1; break;
		case 'c': break;
		case 'q': msg_verbosity = 0; break;
		case 'h': usage(0); break;
		case OPT_INIT: o.init = optarg; break;
		case OPT_DB: o.db = optarg; break;
		case OPT_SHARDS: o.shards = optarg; break;
		case OPT_SHARDS_ONLY: o.shards_only = 1; break;
		case OPT_STEPS: o.steps = cli_long("--steps", optarg, 1, 1L << 40); break;
		case OPT_EPOCHS:
			o.epochs = cli_double("--epochs", optarg, 1e-9, 1e9);
			o.steps = 0;
			break;
		case OPT_SEED: o.seed = (uint64_t)cli_long("--seed", optarg, 0, 1L << 62); break;
		case OPT_FROM_SHARDS: from_shards = optarg; break;
		case OPT_PHASE: break;   /* read above */
		case OPT_HELDOUT: o.held_out = optarg; break;
		case OPT_RESUME: o.resume = 1; break;
		case OPT_SAVE_EVERY: o.save_every = cli_long("--save-every", optarg, 0, 1L << 40); break;
		case OPT_REPLAY:
			if (o.nreplay == 8)
				die(EX_USAGE, "--replay: at most 8 files");
			o.replay[o.nreplay++] = optarg;
			break;
		case 'V': cli_version(); break;
		default: cli_bad_option(argv, c);
		}
	}
	o.files = argv + optind;
	o.nfiles = argc - optind;
	if (!o.out && !(o.shards_only && o.shards))
		die(EX_USAGE, "no checkpoint to write: give -o FILE (or --shards-only --shards DIR)");

	if (from_shards) {
		/* train on an existing shard set (checked against its manifest) */
		if (o.nfiles || o.nreplay || o.shards_only)
			die(EX_USAGE, "--from-shards takes no example files and no --shards-only");
		status = train_run(&o, from_shards);
		close_stdout();
		return status;
	}
	dir = o.shards ? xstrdup(o.shards) : xasprintf("%s.shards", o.out);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		die(EX_CANTCREAT, "cannot create '%s':", dir);
	status = examples_to_shards(&o, dir);
	/* with -k, bad examples were skipped: train on the rest, still exit 65 */
	if ((status == 0 || (o.keep_going && status == EX_DATAERR)) && !o.shards_only) {
		int st = train_run(&o, dir);
		if (st)
			status = st;
	}
	free(dir);
	close_stdout();
	return status;
}
