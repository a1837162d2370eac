/*
 * train.c - shards in, a model out: weighted cross-entropy on the target
 * tokens only (Σ w·CE / Σ w over each batch, lib/model)
 *
 * The examples are read back from the shards (checked against their
 * manifest), tokenised, and cut into batches: each epoch shuffles them
 * (seeded), sorts windows of 64 batches' worth by length, so that a batch
 * holds sequences of about one length (little padding), and shuffles the
 * batches. A sequence is prompt + target; position t predicts token t + 1 and
 * carries the example's weight when token t + 1 is part of the target, 0
 * otherwise. With --init the model continues from a checkpoint (its
 * vocabulary and configuration); otherwise the vocabulary is the database's
 * (every math symbol, every assertion label, H1..Hk) plus the specials and
 * any other token of the examples.
 *
 * Augmentation: with probability rename_prob an example's variables are
 * renamed consistently (a random injective map onto variables of the same
 * type), prompt and target alike: the same proof of the same statement up to
 * renaming, which a small model otherwise has to learn once per name.
 *
 * Validation: a share of the examples (train.val_share, at most VAL_MAX), a
 * seeded draw, is held out and never trained on; its loss, Σ w·CE / Σ w
 * over all of them without renaming, goes with the loss curve (progress, and
 * a record in $STP_METRICS at each progress point) and into the summary.
 *
 * Deterministic: the order, the renaming, the weights and the held-out
 * examples depend on the seed only, never on the thread count; nor does the
 * checkpoint depend on when the validation loss is evaluated (forward passes
 * only).
 */
#include <math.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "mm/mm.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "rng.h"
#include "shard.h"
#include "train.h"

/* The held-out examples at most (train.val_share of them, but no more):
 * enough for a steady validation loss, few enough to evaluate often. */
#define VAL_MAX 256

struct example {
	uint32_t off;          /* tokens[off .. off + plen + tlen) */
	uint16_t plen, tlen;
	float weight;
};

struct data {
	int *tokens;
	size_t ntokens, cap;
	struct example *ex;
	size_t n, capex;
	long skipped_long;     /* longer than the context */
	long ntarget;          /* target tokens in all */
};

/* Variables by type, as vocabulary ids, for renaming. */
struct renamer {
	int *type_of;          /* (V) -1, or the variable's type class */
	int **vars;            /* (ntypes) ids of the variables of each class */
	int *nvars;
	int ntypes;
	int *map;              /* (V) scratch */
	int V;
};

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t w[2] = { a, b };
	return rng_seed(w, 2);
}

/* The vocabulary of a new model: specials, the database's symbols and
 * assertion labels and H1..Hk, then the examples' other tokens. */
static struct tokenizer *
build_vocab(const struct mm_db *db, const char *dir, char **files, int nfiles)
{
	struct tok_counter *c = tok_counter_new();
	struct tokenizer *t;
	struct jsonl_in *in;
	struct jsonl_err err;
	struct jsonl_line l;
	json_t *o;
	int r, maxh = 10;

	if (db) {
		for (int32_t i = 0; i < db->nsyms; i++)
			tok_counter_add(c, db->syms[i].name, strlen(db->syms[i].name), 1000000);
		for (int32_t s = 0; s < db->nstmts; s++) {
			const struct mm_stmt *st = &db->stmts[s];
			int ne = 0;
			if (!mm_is_assertion(st) || (st->flags & MM_SYNTAX))
				continue;
			tok_counter_add(c, st->label, strlen(st->label), 1000);
			for (uint32_t k = 0; k < st->nhyps; k++)
				ne += db->frames[st->frame + k].var < 0;
			if (ne > maxh)
				maxh = ne;
		}
		for (int k = 11; k <= maxh; k++) {
			char h[16];
			snprintf(h, sizeof h, "H%d", k);
			tok_counter_add(c, h, strlen(h), 1000);
		}
	}
	(void)dir;
	in = jsonl_in_open(files, nfiles, 0);
	while ((r = jsonl_in_object(in, &l, &o, &err)) != 0) {
		const char *p, *tg;
		if (r < 0 || !o)
			die(err.status, "%s", err.msg);
		if (jsonl_get_str(o, "prompt", 1, &p, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "target", 1, &tg, l.file, l.lineno, &err) < 0)
			die(err.status, "%s", err.msg);
		tok_counter_add_text(c, p);
		tok_counter_add_text(c, tg);
		json_decref(o);
	}
	jsonl_in_close(in);
	t = tokenizer_build(NULL, c, 1);
	tok_counter_free(c);
	return t;
}

static void
load_data(struct data *d, const struct tokenizer *tok, char **files, int nfiles, int ctx)
{
	struct jsonl_in *in = jsonl_in_open(files, nfiles, 0);
	struct jsonl_err err;
	struct jsonl_line l;
	json_t *o;
	int r;

	memset(d, 0, sizeof *d);
	while ((r = jsonl_in_object(in, &l, &o, &err)) != 0) {
		const char *p, *tg;
		double w;
		int *pi = NULL, *ti = NULL, np = 0, nt = 0;
		char *unk = NULL;

		if (r < 0)
			die(err.status, "%s", err.msg);
		if (!o || jsonl_get_str(o, "prompt", 1, &p, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "target", 1, &tg, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_num(o, "weight", 1, &w, l.file, l.lineno, &err) < 0) {
			json_decref(o); /* nothing left behind for the leak checker */
			die(EX_DATAERR, "%s", err.msg);
		}
		if (tokenizer_encode(tok, p, &pi, &np, &unk) < 0 ||
		    tokenizer_encode(tok, tg, &ti, &nt, &unk) < 0) {
			json_decref(o); /* unk is its own copy */
			free(pi);
			free(ti);
			die(EX_DATAERR, "%s:%ld: token '%s' is not in the model's vocabulary", l.file,
			    l.lineno, unk);
		}
		if (np + nt > ctx + 1 || np < 1 || nt < 1 || np > 65535 || nt > 65535) {
			d->skipped_long++;
		} else {
			xgrow(&d->tokens, &d->cap, d->ntokens + (size_t)(np + nt), sizeof *d->tokens);
			xgrow(&d->ex, &d->capex, d->n + 1, sizeof *d->ex);
			d->ex[d->n].off = (uint32_t)d->ntokens;
			d->ex[d->n].plen = (uint16_t)np;
			d->ex[d->n].tlen = (uint16_t)nt;
			d->ex[d->n].weight = (float)w;
			memcpy(d->tokens + d->ntokens, pi, (size_t)np * sizeof *pi);
			memcpy(d->tokens + d->ntokens + np, ti, (size_t)nt * sizeof *ti);
			d->ntokens += (size_t)(np + nt);
			d->ntarget += nt;
			d->n++;
		}
		free(pi);
		free(ti);
		json_decref(o);
	}
	jsonl_in_close(in);
}

/* Hold out floor(share · n) examples, at most VAL_MAX, a draw seeded by
 * seed: v gets them, d keeps the rest, both in their order (v shares d's
 * tokens: free d's alone). Holding out every example is an error. */
static void
split_val(struct data *d, struct data *v, double share, uint64_t seed)
{
	size_t k = (size_t)floor(share * (double)d->n + 1e-9), nt = 0;   /* 0.29 · 100 is 29 */
	uint32_t *idx;
	char *held;
	struct rng r;

	memset(v, 0, sizeof *v);
	if (k > VAL_MAX)
		k = VAL_MAX;
	if (k == 0)
		return;
	if (k >= d->n)
		die(EX_DATAERR, "no examples to train on: all %zu are held out for the validation "
		    "loss (train.val_share %g)", d->n, share);
	/* the first k of a seeded partial Fisher-Yates shuffle */
	idx = xmalloc(d->n * sizeof *idx);
	held = xcalloc(d->n, 1);
	for (size_t i = 0; i < d->n; i++)
		idx[i] = (uint32_t)i;
	rng_init(&r, mix(seed, 0x76616cULL));
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)(rng_next(&r) % (d->n - i));
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		held[idx[i]] = 1;
	}
	v->tokens = d->tokens;
	v->ntokens = d->ntokens;
	v->ex = xmalloc(k * sizeof *v->ex);
	for (size_t i = 0; i < d->n; i++) {
		if (held[i]) {
			v->ex[v->n++] = d->ex[i];
			v->ntarget += d->ex[i].tlen;
		} else {
			d->ex[nt++] = d->ex[i];
		}
	}
	d->n = nt;
	d->ntarget -= v->ntarget;
	free(idx);
	free(held);
}

/* Variables of the database by type ($f typecode), as vocabulary ids. */
static void
renamer_init(struct renamer *rn, const struct mm_db *db, const struct tokenizer *tok)
{
	mm_sym types[64];

	memset(rn, 0, sizeof *rn);
	rn->V = tokenizer_size(tok);
	rn->type_of = xmalloc((size_t)rn->V * sizeof *rn->type_of);
	rn->map = xmalloc((size_t)rn->V * sizeof *rn->map);
	for (int i = 0; i < rn->V; i++)
		rn->type_of[i] = -1;
	if (!db)
		return;
	for (int32_t v = 0; v < db->nsyms; v++) {
		int32_t f = db->syms[v].global_f;
		mm_sym tc;
		int id, k;
		if (db->symkind[v] != MM_VAR || f < 0)
			continue;
		id = tokenizer_id(tok, db->syms[v].name, strlen(db->syms[v].name));
		if (id < 0)
			continue;
		tc = db->pool[db->stmts[f].expr];
		for (k = 0; k < rn->ntypes && types[k] != tc; k++)
			;
		if (k == rn->ntypes) {
			if (k == 64)
				continue;
			types[k] = tc;
			rn->ntypes++;
			rn->vars = xreallocarray(rn->vars, (size_t)rn->ntypes, sizeof *rn->vars);
			rn->nvars = xreallocarray(rn->nvars, (size_t)rn->ntypes, sizeof *rn->nvars);
			rn->vars[k] = NULL;
			rn->nvars[k] = 0;
		}
		rn->vars[k] = xreallocarray(rn->vars[k], (size_t)rn->nvars[k] + 1, sizeof **rn->vars);
		rn->vars[k][rn->nvars[k]++] = id;
		rn->type_of[id] = k;
	}
}

static void
renamer_free(struct renamer *rn)
{
	for (int k = 0; k < rn->ntypes; k++)
		free(rn->vars[k]);
	free(rn->vars);
	free(rn->nvars);
	free(rn->type_of);
	free(rn->map);
}

/* Rename the variables of seq[0..n) in place: each variable of a class maps
 * to a distinct variable of the same class, drawn with r. */
static void
rename_vars(struct renamer *rn, int *seq, int n, struct rng *r)
{
	for (int k = 0; k < rn->ntypes; k++) {
		int nv = rn->nvars[k];
		int *perm;
		if (nv < 2)
			continue;
		/* a random permutation of the class (Fisher-Yates) */
		perm = xmalloc((size_t)nv * sizeof *perm);
		for (int i = 0; i < nv; i++)
			perm[i] = rn->vars[k][i];
		for (int i = nv - 1; i > 0; i--) {
			int j = (int)(rng_next(r) % (uint64_t)(i + 1)), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int i = 0; i < nv; i++)
			rn->map[rn->vars[k][i]] = perm[i];
		for (int i = 0; i < n; i++)
			if (seq[i] >= 0 && seq[i] < rn->V && rn->type_of[seq[i]] == k)
				seq[i] = rn->map[seq[i]];
		free(perm);
	}
}

static int
cmp_len(const void *a, const void *b, void *arg)
{
	const struct data *d = arg;
	const struct example *x = &d->ex[*(const uint32_t *)a], *y = &d->ex[*(const uint32_t *)b];
	int lx = x->plen + x->tlen, ly = y->plen + y->tlen;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static void
shuffle_u32(uint32_t *v, size_t n, struct rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng_next(r) % i);
		uint32_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* The batches of one epoch: order[] gets the example indices, batch b is
 * order[b * B .. (b + 1) * B) (the last may be short). */
static void
epoch_order(const struct data *d, uint32_t *order, int B, uint64_t seed, long epoch)
{
	struct rng r;
	size_t win = (size_t)B * 64, nb;
	uint32_t *bidx, *tmp;

	rng_init(&r, mix(seed, (uint64_t)epoch));
	for (size_t i = 0; i < d->n; i++)
		order[i] = (uint32_t)i;
	shuffle_u32(order, d->n, &r);
	for (size_t s = 0; s < d->n; s += win)
		qsort_r(order + s, d->n - s < win ? d->n - s : win, sizeof *order, cmp_len,
		        (void *)d);
	/* shuffle whole batches, so that lengths do not come in waves */
	nb = (d->n + (size_t)B - 1) / (size_t)B;
	bidx = xmalloc((nb + 1) * sizeof *bidx);
	tmp = xmalloc((d->n + 1) * sizeof *tmp);
	for (size_t b = 0; b < nb; b++)
		bidx[b] = (uint32_t)b;
	shuffle_u32(bidx, nb, &r);
	{
		size_t k = 0;
		for (size_t b = 0; b < nb; b++)
			for (size_t i = (size_t)bidx[b] * (size_t)B;
			     i < ((size_t)bidx[b] + 1) * (size_t)B && i < d->n; i++)
				tmp[k++] = order[i];
	}
	memcpy(order, tmp, d->n * sizeof *order);
	free(tmp);
	free(bidx);
}

/* Rows 0..nb-1 of a batch from the examples idx[0..nb) of d: tokens (nb, T),
 * targets and weights as model_forward takes them (the example's weight on
 * target positions, 0 on the prompt and the padding), T the longest
 * sequence - 1. With rn, an example is renamed with probability rename_prob,
 * drawn from (seed, epoch, its index). Returns T; adds the positions filled
 * to *ntok. */
static int
batch_fill(const struct data *d, const uint32_t *idx, int nb, struct renamer *rn,
           double rename_prob, uint64_t seed, long epoch, int *tokens, int *targets,
           float *weights, double *ntok)
{
	int T = 1;

	for (int b = 0; b < nb; b++) {
		const struct example *e = &d->ex[idx[b]];
		if (e->plen + e->tlen - 1 > T)
			T = e->plen + e->tlen - 1;
	}
	for (int b = 0; b < nb; b++) {
		uint32_t i = idx[b];
		const struct example *e = &d->ex[i];
		int len = e->plen + e->tlen, *seq = tokens + (size_t)b * (size_t)T;
		int tmp[65536 + 1];
		struct rng r;

		memcpy(tmp, d->tokens + e->off, (size_t)len * sizeof *tmp);
		rng_init(&r, mix(mix(seed, (uint64_t)epoch), (uint64_t)i));
		if (rn && rename_prob > 0 && rng_float(&r) < rename_prob)
			rename_vars(rn, tmp, len, &r);
		for (int t = 0; t < T; t++) {
			size_t k = (size_t)b * (size_t)T + (size_t)t;
			if (t < len - 1) {
				seq[t] = tmp[t];
				targets[k] = tmp[t + 1];
				weights[k] = t + 1 >= e->plen ? e->weight : 0.0f;
			} else {
				seq[t] = 0;   /* <pad> */
				targets[k] = 0;
				weights[k] = 0.0f;
			}
		}
		*ntok += len - 1;
	}
	return T;
}

/* The validation loss: Σ w·CE / Σ w over the held-out examples v, in
 * batches of B in their order, not renamed; -1 when every weight is 0. The
 * buffers are the training's; the model's parameters are not touched. */
static double
val_loss(struct model *m, const struct data *v, int B, int *tokens, int *targets,
         float *weights)
{
	double sum = 0, sumw = 0, unused = 0;
	uint32_t *idx = xmalloc((size_t)B * sizeof *idx);

	for (size_t s = 0; s < v->n; s += (size_t)B) {
		int nb = (int)(v->n - s < (size_t)B ? v->n - s : (size_t)B), T;
		double w = 0;
		for (int b = 0; b < nb; b++)
			idx[b] = (uint32_t)(s + (size_t)b);
		T = batch_fill(v, idx, nb, NULL, 0, 0, 0, tokens, targets, weights, &unused);
		for (size_t k = 0; k < (size_t)nb * (size_t)T; k++)
			w += weights[k];
		if (w > 0) {
			sum += w * model_forward(m, tokens, targets, weights, nb, T);
			sumw += w;
		}
	}
	free(idx);
	return sumw > 0 ? sum / sumw : -1;
}

static void
fmt_time(double s, char buf[32])
{
	long t = s < 0 ? 0 : (long)(s + 0.5);
	snprintf(buf, 32, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

/* ---- resuming (--resume): every train.save_every steps the model and the
 * optimizer's state go to OUT.resume-JOB-STEP.safetensors and .state, JOB
 * the hash of what decides the training (the shards' manifest, the
 * settings, the starting checkpoint), so that a state is never taken up by
 * another job; a rerun with --resume continues from the latest complete
 * pair and ends with the same bytes as a run never stopped. */

static uint64_t
file_hash(const char *path, uint64_t h)
{
	FILE *f = fopen(path, "rb");
	char buf[1 << 16];
	size_t k;

	if (!f)
		return h ^ 0x6e6f6e65ULL;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		h = hash64_seed(buf, k, h);
	fclose(f);
	return h;
}

/* "OUT.resume-JOB" (malloc'd). */
static char *
resume_base(const struct train_opts *o, const char *dir, long steps)
{
	char *man = xasprintf("%s/examples.manifest.json", dir), *set, hex[17];
	uint64_t h = file_hash(man, 0);

	set = xasprintf("%ld %d %.17g %.17g %.17g %d %.17g %.17g %llu %.17g %d %d %d %d %d %d "
	                "%.17g",
	                steps, o->batch, o->epochs, o->lr, o->lr_min, o->warmup, o->weight_decay,
	                o->clip, (unsigned long long)o->seed, o->rename_prob, o->width, o->layers,
	                o->heads, o->hidden, o->ctx, o->tie, o->val_share);
	h = hash64_seed(set, strlen(set), h);
	if (o->init)
		h = file_hash(o->init, h);
	hash64_hex(h, hex);
	free(man);
	free(set);
	return xasprintf("%s.resume-%s", o->out, hex);
}

/* The latest step s with both BASE-s.safetensors and BASE-s.state, or -1. */
static long
resume_latest(const char *base)
{
	const char *slash = strrchr(base, '/');
	char *dir = slash ? xstrndup(base, (size_t)(slash - base)) : xstrdup(".");
	const char *name = slash ? slash + 1 : base;
	size_t nl = strlen(name);
	long best = -1;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		char *end, *other;
		long st;
		struct stat sb;
		if (strncmp(de->d_name, name, nl) != 0 || de->d_name[nl] != '-')
			continue;
		st = strtol(de->d_name + nl + 1, &end, 10);
		if (end == de->d_name + nl + 1 || strcmp(end, ".safetensors") != 0 || st <= best)
			continue;
		other = xasprintf("%s-%ld.state", base, st);
		if (stat(other, &sb) == 0)
			best = st;
		free(other);
	}
	if (d)
		closedir(d);
	free(dir);
	return best;
}

/* Remove BASE-*.safetensors and BASE-*.state but the pair of step keep. */
static void
resume_prune(const char *base, long keep)
{
	const char *slash = strrchr(base, '/');
	char *dir = slash ? xstrndup(base, (size_t)(slash - base)) : xstrdup(".");
	const char *name = slash ? slash + 1 : base;
	size_t nl = strlen(name);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		char *end, *path;
		long st;
		if (strncmp(de->d_name, name, nl) != 0 || de->d_name[nl] != '-')
			continue;
		st = strtol(de->d_name + nl + 1, &end, 10);
		if (end == de->d_name + nl + 1 || st == keep ||
		    (strcmp(end, ".safetensors") != 0 && strcmp(end, ".state") != 0))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		unlink(path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
}

int
train_run(const struct train_opts *o, const char *dir)
{
	struct tokenizer *tok = NULL;
	struct model *m = NULL;
	struct mm_db *db = NULL;
	struct renamer rn;
	struct data d, v;
	char err[1024], **files, vsum[80] = "";
	int nfiles, B = o->batch, T, ctx;
	long steps, step = 0, epoch = 0, start = 0;
	char *rbase = NULL;
	size_t pos = 0;
	uint32_t *order;
	int *tokens, *targets;
	float *weights;
	double t0 = now_seconds(), last = t0, loss_sum = 0, toks = 0, last_loss = 0;
	double val = -1, val_secs = 0;   /* the last validation loss; seconds spent on it */
	long loss_n = 0;

	files = shard_list(dir, "examples", &nfiles, err, sizeof err);
	if (!files)
		die(EX_DATAERR, "%s/%s", dir, err);
	if (o->db) {
		int io = 0;
		db = mm_db_load(o->db, err, sizeof err, &io);
		if (!db)
			die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
	}
	if (o->init) {
		int st = model_load(o->init, o->threads, &m, &tok, err, sizeof err);
		if (st)
			die(st, "%s", err);
	} else {
		struct model_config cfg;
		const char *bad;
		tok = build_vocab(db, dir, files, nfiles);
		cfg = model_config_default(tokenizer_size(tok), o->width, o->layers, o->ctx);
		if (o->heads)
			cfg.heads = o->heads;
		if (o->hidden)
			cfg.hidden = o->hidden;
		cfg.tie = o->tie;
		bad = model_config_check(&cfg);
		if (bad)
			die(EX_CONFIG, "model configuration: %s", bad);
		m = model_new(&cfg, mix(o->seed, 0x6d6f64656cULL), o->threads);
	}
	ctx = model_config(m)->ctx;
	load_data(&d, tok, files, nfiles, ctx);
	if (d.skipped_long)
		warn("%ld example%s longer than the context (%d tokens) skipped", d.skipped_long,
		     d.skipped_long == 1 ? "" : "s", ctx);
	if (d.n == 0)
		die(EX_DATAERR, "no examples to train on");
	split_val(&d, &v, o->val_share, o->seed);
	renamer_init(&rn, db, tok);

	steps = o->steps;
	if (steps <= 0)
		steps = (long)ceil(o->epochs * (double)d.n / (double)B);
	if (steps < 1)
		steps = 1;
	{
		struct model_opt *opt = model_optimizer(m);
		opt->lr = (float)o->lr;
		opt->lr_min = (float)o->lr_min;
		opt->warmup = o->warmup;
		opt->steps = (int)steps;
		opt->weight_decay = (float)o->weight_decay;
		opt->clip = (float)o->clip;
	}
	progress("training: %zu examples (%ld target tokens), %zu held out for the validation "
	         "loss, %zu parameters, %ld steps of %d, %d thread%s", d.n, d.ntarget, v.n,
	         model_config_nparams(model_config(m)), steps, B, model_threads(m),
	         model_threads(m) == 1 ? "" : "s");

	order = xmalloc((d.n + 1) * sizeof *order);
	tokens = xmalloc((size_t)B * (size_t)ctx * sizeof *tokens);
	targets = xmalloc((size_t)B * (size_t)ctx * sizeof *targets);
	weights = xmalloc((size_t)B * (size_t)ctx * sizeof *weights);
	rbase = o->save_every > 0 || o->resume ? resume_base(o, dir, steps) : NULL;
	if (o->resume && resume_latest(rbase) > 0) {
		/* the model and the optimizer where a stopped run left them; the
		 * batches of the steps before replayed (not trained on) */
		char *mp;
		start = resume_latest(rbase);
		mp = xasprintf("%s-%ld.safetensors", rbase, start);
		char *sp = xasprintf("%s-%ld.state", rbase, start);
		struct model *m2;
		struct tokenizer *t2;
		struct model_opt keep = *model_optimizer(m);
		int st, at = 0;
		if ((st = model_load(mp, o->threads, &m2, &t2, err, sizeof err)))
			die(st, "%s", err);
		if ((st = model_load_state(m2, sp, &at, err, sizeof err)))
			die(st, "%s", err);
		if (at != start)
			die(EX_DATAERR, "'%s': the state of step %d, the name says %ld", sp, at, start);
		model_free(m);
		tokenizer_free(tok);
		m = m2;
		tok = t2;
		*model_optimizer(m) = keep;
		for (step = 0; step < start; step++) {
			if (pos >= d.n) {
				epoch++;
				pos = 0;
			}
			pos += d.n - pos < (size_t)B ? d.n - pos : (size_t)B;
		}
		progress("resuming at step %ld of %ld (%s)", start, steps, mp);
		free(mp);
		free(sp);
	}
	epoch_order(&d, order, B, o->seed, epoch);

	for (step = start; step < steps; step++) {
		int nb = 0;
		float loss, lr;
		size_t first = pos;

		if (pos >= d.n) {
			epoch++;
			epoch_order(&d, order, B, o->seed, epoch);
			pos = first = 0;
		}
		nb = (int)(d.n - pos < (size_t)B ? d.n - pos : (size_t)B);
		T = batch_fill(&d, order + pos, nb, &rn, o->rename_prob, o->seed, epoch, tokens,
		               targets, weights, &toks);
		pos += (size_t)nb;
		(void)first;

		model_zero_grad(m);
		loss = model_forward(m, tokens, targets, weights, nb, T);
		/* a loss that is not finite would make every weight NaN: stop
		 * before the update, and write no checkpoint */
		if (!isfinite(loss))
			die(EX_SOFTWARE, "step %ld: the loss is not finite (%g): no checkpoint written "
			    "(a learning rate too high, or a model that is already broken)", step + 1,
			    (double)loss);
		model_backward(m);
		lr = model_lr(model_optimizer(m), (int)step);
		model_update(m, lr, (int)step + 1);
		loss_sum += loss;
		loss_n++;
		if (o->save_every > 0 && (step + 1) % o->save_every == 0 && step + 1 < steps) {
			/* the state first: a model without its state is never taken */
			char *sp = xasprintf("%s-%ld.state", rbase, step + 1);
			char *mp = xasprintf("%s-%ld.safetensors", rbase, step + 1);
			model_save_state(m, (int)step + 1, sp);
			model_save(m, tok, mp);
			resume_prune(rbase, step + 1);
			free(sp);
			free(mp);
		}
		/* the summary's loss: a moving average of the last few dozen steps */
		last_loss = step == 0 ? loss : 0.95 * last_loss + 0.05 * loss;

		/* a point of the loss curve, with the validation loss: on stderr
		 * without -q, a record in $STP_METRICS when set */
		if ((msg_verbosity >= 1 || metrics_enabled()) &&
		    ((o->log_every > 0 && (step + 1) % o->log_every == 0) ||
		     (o->log_every <= 0 && now_seconds() - last >= 10) || step + 1 == steps)) {
			double now = now_seconds(), el, tps;
			char e1[32], e2[32], vs[40] = "";
			if (v.n) {
				val = val_loss(m, &v, B, tokens, targets, weights);
				val_secs += now_seconds() - now;
				now = now_seconds();
				if (val >= 0)
					snprintf(vs, sizeof vs, "  val %.4f", val);
			}
			el = now - t0;
			tps = toks / (el - val_secs > 0 ? el - val_secs : el);
			fmt_time(el, e1);
			fmt_time((el - val_secs) / (double)(step + 1 - start) *
			         (double)(steps - step - 1), e2);
			if (msg_verbosity >= 1)
				progress("step %ld/%ld  loss %.4f%s  lr %.2e  %.0f tokens/s  "
				         "elapsed %s  left %s", step + 1, steps,
				         loss_sum / (double)loss_n, vs, lr, tps, e1, e2);
			metrics_num("step", (double)(step + 1));
			metrics_num("loss", loss_sum / (double)loss_n);
			if (val >= 0)
				metrics_num("val_loss", val);
			metrics_num("lr", lr);
			metrics_num("tokens_per_s", floor(tps + 0.5));
			metrics_record();
			loss_sum = 0;
			loss_n = 0;
			last = now;
		}
	}

	model_save(m, tok, o->out);
	if (rbase) {
		resume_prune(rbase, -1);
		free(rbase);
	}
	metrics_num("steps", (double)steps);
	metrics_num("examples", (double)d.n);
	metrics_num("loss", last_loss);
	if (v.n)
		metrics_num("val_examples", (double)v.n);
	if (val >= 0) {
		metrics_num("val_loss", val);
		snprintf(vsum, sizeof vsum, ", validation loss %.4f (%zu examples)", val, v.n);
	}
	metrics_done("wrote %s (%ld steps, %ld epochs and a part), loss %.4f (moving average)%s",
	             o->out, steps, epoch, last_loss, vsum);
	free(order);
	free(tokens);
	free(targets);
	free(weights);
	free(d.tokens);
	free(d.ex);
	free(v.ex);
	renamer_free(&rn);
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	model_free(m);
	tokenizer_free(tok);
	mm_db_free(db);
	return 0;
}
