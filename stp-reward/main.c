/*
 * stp-reward - rewards: training examples, the new state, stats
 *
 * usage: stp-reward --state FILE --iter N --statements FILE [--seeds FILE] [-k]
 *                   [--model CKPT] [--previous VERDICTS]... [--prev-stats FILE]
 *                   [--conjecture-stats FILE] [--seed N] [-j N] [-c CONFIG]
 *                   -o EXAMPLES --state-out FILE --stats FILE VERDICTS...
 *        stp-reward --init-state --statements FILE -o STATE
 *        stp-reward --final [--sft EXAMPLES] [-k] [-c CONFIG] -o EXAMPLES VERDICTS...
 *
 * docs/algorithm.md, step 5, on this iteration's verdicts (files: they are
 * read twice):
 *   - pass rate P = correct / attempts per statement and conjecture;
 *   - conjecturer examples: conjectures with 0 < P <= reward.conj_pass_max
 *     (1/4), one each: an example of the seed's lemma when a correct proof
 *     uses it (the trivial lemma "" counts as used), else, with
 *     reward.relabel_trivial (on), of the trivial lemma (the official
 *     code's rule); the elegance filter drops, within each lemma's group of
 *     m, the floor(reward.elegance_drop m) (20%) lowest E = shortest correct
 *     proof / conjecture (statement and hypotheses), in characters (equal E:
 *     the earlier conjecture first); Wasserstein reweighting (lib/wmatch)
 *     against the statements still unproved after this iteration, with the
 *     model's embeddings, gives the weights (cap reward.w_cap = 4; matching
 *     weights from the statements' "weight"; a conjecture of weight 0 gets
 *     no example);
 *   - prover examples: the distinct correct proofs of the last
 *     reward.window (3) iterations (this one and the first window - 1
 *     --previous files) whose statement or conjecture has
 *     P <= reward.prover_pass_max (1/2), P pooled over those iterations
 *     (reward.pooled_pass; off: P in the proof's own iteration); weight
 *     exp(-reward.len_coef len - reward.time_coef verify_seconds) / (its
 *     statement's distinct proofs so chosen), len in characters of the proof,
 *     verify_seconds = verify_ms / 1000 (0.001 and 0.01); each written once,
 *     from the first window file that selects it;
 *   - the new state (best pass rate, proved, first iteration, counts);
 *   - stats (JSON): cumulative pass rate per split, conjecture counts, the
 *     conjectures' pass-rate histogram, proofs and tokens generated so far
 *     (this iteration's attempts and gen_tokens added to --prev-stats'), and
 *     the budget: this iteration's proofs per category of input (open
 *     unproved, open train, conjectures valid / not valid / not judged,
 *     re-proved), with their pass rates, and the running totals.
 * --final: the final re-training set: the SFT examples first, then every
 * correct proof whose conjecture had P <= 1/4 in its file or whose dataset
 * statement was proved at any P, at most reward.final_max_proofs (16)
 * distinct ones per statement (a random subset, reward.final_pick: random;
 * or the shortest), weight exp(-0.001 len), in the order of the files.
 * Each VERDICTS file is one iteration.
 * --init-state: iteration 0's state from the statements (test left out).
 * A verdict of the held-out split ("split":"test") is never an example.
 *
 * Memory grows with the distinct statements (and by about 70 bytes with
 * each distinct correct proof: its key in two hash sets), not with the
 * records: verdicts are scanned twice (lib/jscan) rather than held.
 * Deterministic: the same inputs, configuration and seed give the same bytes.
 * Bad records exit 65 naming file:line and the field (docs/exit-status.md);
 * with -k a malformed verdict is skipped with a warning, the outputs are
 * written from the rest, and the exit status is 65 at the end.
 * The rules are in rules.c (one function each, as docs/algorithm.md names
 * them), the stats in stats.c, the tallies in tally.c; this file reads,
 * writes and wires them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "backend/openai.h"
#include "cli.h"
#include "config.h"
#include "embed.h"
#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "reward.h"
#include "state.h"

static const char usage_text[] =
	"usage: stp-reward --state FILE --iter N --statements FILE [--seeds FILE] [-k]\n"
	"                  [--model CKPT] [--previous VERDICTS]... [--prev-stats FILE]\n"
	"                  [--conjecture-stats FILE] [--seed N] [-j N] [-c CONFIG]\n"
	"                  -o EXAMPLES --state-out FILE --stats FILE VERDICTS...\n"
	"       stp-reward --init-state --statements FILE -o STATE\n"
	"       stp-reward --final [--sft EXAMPLES] [-k] [-c CONFIG] -o EXAMPLES VERDICTS...\n"
	"\n"
	"Rewards of one iteration's verdicts: training examples, the new state, stats.\n"
	"\n"
	"      --state FILE          the state before this iteration\n"
	"      --iter N              this iteration\n"
	"      --statements FILE     the dataset statements (Wasserstein targets; --init-state)\n"
	"      --seeds FILE          this iteration's seeds (for conjecturer examples)\n"
	"      --model CKPT          the model whose embeddings the Wasserstein step uses\n"
	"      --backend B           builtin (the default: --model is loaded) or openai (its\n"
	"                            embeddings from the server of the section 'openai', the\n"
	"                            served model named by openai.model from --model)\n"
	"      --previous VERDICTS   an earlier iteration's verdicts, newest first (replay)\n"
	"      --prev-stats FILE     the previous iteration's stats (running totals)\n"
	"      --conjecture-stats F  stp-conjecture's counts, copied into the stats\n"
	"      --state-out FILE      write the new state\n"
	"      --stats FILE          write the stats (JSON)\n"
	"      --final               the final re-training set\n"
	"      --sft EXAMPLES        --final: the SFT examples, written first\n"
	"      --init-state          iteration 0's state from --statements\n"
	"      --seed N              random seed (default 1)\n"
	"  -j, --threads N           threads (default: the number of CPUs)\n"
	"  -o, --output FILE         write the examples to FILE (atomically; gzip if it ends\n"
	"                            in .gz)\n"
	"  -k, --keep-going          skip a malformed verdict with a warning, exit 65 at the end\n"
	"  -c, --config FILE         YAML configuration (sections 'reward' and 'openai')\n"
	"  -q, --quiet               no progress messages\n"
	"      --print-config        print the effective configuration (YAML) and exit\n";

/* ---- prover examples: the second pass (rules.c has the first) */

/* Append "key": to a growable buffer. */
static void
put_key(const char *key, char **b, size_t *n, size_t *cap)
{
	jscan_put_string(key, strlen(key), b, n, cap);
	xgrow(b, cap, *n + 1, 1);
	(*b)[(*n)++] = ':';
}

static void
put_raw(const char *s, size_t len, char **b, size_t *n, size_t *cap)
{
	xgrow(b, cap, *n + len, 1);
	memcpy(*b + *n, s, len);
	*n += len;
}

/*
 * Second pass over window file f: write its claimed (and, for --final,
 * chosen) proofs as prover examples
 *   {"role":"prover","id":..,"statement":..,"hyps":[..],"target":PROOF,"weight":W}
 * W: prover_weight(), for --final final_weight() (rules.c). Returns how many.
 */
static long
write_proofs(FILE *fp, const struct ropts *o, struct wfile *w, int f, struct claims *cs,
             const struct tallies *idc, int final)
{
	struct jsonl_in *in = jsonl_in_open(w[f].files, w[f].nfiles, 0);
	struct jsonl_err err;
	struct jscan js;
	struct jsonl_line l;
	size_t n = 0, cap = 0;
	char *b = NULL;
	long nout = 0;
	int r;

	jscan_init(&js);
	while ((r = jsonl_in_read(in, &l, &err)) != 0) {
		const char *id, *proof, *stmt, **hyps = NULL;
		size_t idlen, plen, slen, nhyps = 0;
		int ok, hh;
		double ms = 0, wgt, chars;
		struct claim *c;
		struct verdict v;
		char num[40];
		/* with -k, what tallies_read skipped (and said) is skipped again */
		if (r < 0 || (o->cl->keep_going &&
		              verdict_scan(&js, l.text, l.len, l.file, l.lineno, &v, &err) < 0)) {
			if (o->cl->keep_going)
				continue;
			die(err.status, "%s", err.msg);
		}
		if (jscan_object(&js, l.text, l.len, l.file, l.lineno, &err) < 0 ||
		    rscan_bool(&js, "ok", 1, &ok, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		if (!ok)
			continue;
		if (jscan_str(&js, "id", 1, &id, &idlen, l.file, l.lineno, &err) < 0 ||
		    jscan_str(&js, "proof", 1, &proof, &plen, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		c = claims_find(cs, proof_key(id, proof, plen), 0);
		if (!c || c->file != f || c->done || (final && !c->chosen))
			continue;
		c->done = 1;
		if (jscan_str(&js, "statement", 1, &stmt, &slen, l.file, l.lineno, &err) < 0 ||
		    (hh = jscan_strarray(&js, "hyps", 0, &hyps, &nhyps, l.file, l.lineno, &err)) < 0 ||
		    rscan_num(&js, "verify_ms", 0, &ms, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		chars = (double)utf8_chars(proof, plen);
		if (final) {
			wgt = final_weight(o, chars);
		} else {
			const struct tally *t = tallies_get(idc, id);
			wgt = prover_weight(o, chars, ms, t ? t->nproofs : 1);
		}
		n = 0;
		put_raw("{\"role\":\"prover\",", 17, &b, &n, &cap);
		put_key("id", &b, &n, &cap);
		jscan_put_string(id, idlen, &b, &n, &cap);
		put_raw(",", 1, &b, &n, &cap);
		put_key("statement", &b, &n, &cap);
		jscan_put_string(stmt, slen, &b, &n, &cap);
		if (hh > 0) {
			put_raw(",", 1, &b, &n, &cap);
			put_key("hyps", &b, &n, &cap);
			put_raw("[", 1, &b, &n, &cap);
			for (size_t i = 0; i < nhyps; i++) {
				if (i)
					put_raw(",", 1, &b, &n, &cap);
				jscan_put_string(hyps[i], strlen(hyps[i]), &b, &n, &cap);
			}
			put_raw("]", 1, &b, &n, &cap);
		}
		put_raw(",", 1, &b, &n, &cap);
		put_key("target", &b, &n, &cap);
		jscan_put_string(proof, plen, &b, &n, &cap);
		put_raw(",", 1, &b, &n, &cap);
		put_key("weight", &b, &n, &cap);
		put_raw(num, jsonl_format_real(wgt, num), &b, &n, &cap);
		put_raw("}\n", 2, &b, &n, &cap);
		if (fwrite(b, 1, n, fp) != n)
			die(EX_IOERR, "write error:");
		nout++;
	}
	free(b);
	jscan_release(&js);
	jsonl_in_close(in);
	return nout;
}

/* ---- conjecturer examples */

/* The model's embedding of a statement record (embed.h), every hypothesis
 * counted. */
static void
embed_rec(struct model *m, struct tokenizer *tok, const json_t *rec, float *out)
{
	json_t *h = json_object_get(rec, "hyps");
	size_t nh = h ? json_array_size(h) : 0;
	const char **hv = xmalloc((nh ? nh : 1) * sizeof *hv);
	struct pstmt ps = { json_string_value(json_object_get(rec, "statement")), hv, nh };
	char *unk;

	for (size_t i = 0; i < nh; i++)
		hv[i] = json_string_value(json_array_get(h, i));
	if (embed_statement(m, tok, &ps, out, &unk) < 0)
		die(EX_DATAERR, "statement '%s': token '%s' is not in the model's vocabulary",
		    json_string_value(json_object_get(rec, "id")), unk);
	free(hv);
}

struct seedmap {
	json_t **rec;
	size_t n, cap;
	struct hindex index;   /* by the hash of id */
};

static const char *
seed_id(const struct seedmap *sm, size_t i)
{
	return json_string_value(json_object_get(sm->rec[i], "id"));
}

static uint64_t
seed_rehash(const void *ctx, size_t i)
{
	return hash64_str(seed_id(ctx, i));
}

static void
seeds_load(struct seedmap *sm, const char *path)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	const char *id;
	json_t *o;
	int r;

	memset(sm, 0, sizeof *sm);
	while ((r = jsonl_in_object(in, &l, &o, &err)) != 0) {
		const char *sv;
		json_t *av;
		if (r < 0)
			die(err.status, "%s", err.msg);
		/* what a conjecturer example takes from its seed */
		if (!o || jsonl_get_str(o, "id", 1, &id, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "statement", 1, &sv, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_strarray(o, "hyps", 0, &av, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "proof", 1, &sv, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "lemma_statement", 0, &sv, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_strarray(o, "lemma_hyps", 0, &av, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		xgrow(&sm->rec, &sm->cap, sm->n + 1, sizeof *sm->rec);
		sm->rec[sm->n] = o;
		hindex_add(&sm->index, hash64_str(id), seed_rehash, sm);
		sm->n++;
	}
	jsonl_in_close(in);
}

static json_t *
seeds_get(const struct seedmap *sm, const char *id)
{
	size_t at;

	for (size_t i = hindex_first(&sm->index, hash64_str(id), &at); i;
	     i = hindex_next(&sm->index, &at))
		if (strcmp(seed_id(sm, i - 1), id) == 0)
			return sm->rec[i - 1];
	return NULL;
}

/* obj[key] = v (a new reference) when v is present and not null, else dflt
 * (consumed either way). */
static void
set_or(json_t *obj, const char *key, json_t *v, json_t *dflt)
{
	if (v && !json_is_null(v)) {
		json_object_set(obj, key, v);
		json_decref(dflt);
	} else {
		json_object_set_new(obj, key, dflt);
	}
}

/* The embeddings of recs[0..n) with the built-in model: a malloc'd (n, *C)
 * matrix. */
static float *
embed_builtin(const struct ropts *o, json_t *const *recs, size_t n, int *C)
{
	struct model *m;
	struct tokenizer *tok;
	char err[1024];
	int stt;
	float *E;

	stt = model_load(o->model, o->threads, &m, &tok, err, sizeof err);
	if (stt)
		die(stt, "%s", err);
	*C = model_config(m)->width;
	E = xmalloc((n ? n : 1) * (size_t)*C * sizeof *E);
	for (size_t i = 0; i < n; i++)
		embed_rec(m, tok, recs[i], E + i * (size_t)*C);
	model_free(m);
	tokenizer_free(tok);
	return E;
}

/* The same from the server (reward.backend openai): each record's prover
 * prompt, as stp-prove --backend openai --embed embeds it, through
 * /v1/embeddings, or the hashed fallback where the server has none. */
static float *
embed_remote(const struct ropts *o, json_t *const *recs, size_t n, int *C)
{
	struct config *cf = config_load(o->cl->config);
	struct oai_config cfg;
	struct oai_cli cli;
	struct pbuf b = { NULL, 0, 0 };
	char **texts = xcalloc(n ? n : 1, sizeof *texts), err[1024];
	float *E;
	int fallback, st;

	oai_cli_init(&cli);
	oai_config_setup(&cfg, cf, &cli, o->model, NULL, 1, 1.0, 1.0, o->seed);
	for (size_t i = 0; i < n; i++) {
		const char *sys = json_string_value(json_object_get(recs[i], "system"));
		const char *stmt = json_string_value(json_object_get(recs[i], "statement"));
		pbuf_reset(&b);
		if (sys && strcmp(sys, "lean") == 0) {
			const char *ctx = json_string_value(json_object_get(recs[i], "context"));
			prompt_lean_prover(&b, PROMPT_LEAN_NON_COT, ctx ? ctx : "", stmt ? stmt : "");
		} else {
			json_t *h = json_object_get(recs[i], "hyps");
			size_t nh = json_array_size(h);
			const char **hv = xcalloc(nh + 1, sizeof *hv);
			struct pstmt ps = { stmt ? stmt : "", hv, nh };
			for (size_t k = 0; k < nh; k++)
				hv[k] = json_string_value(json_array_get(h, k));
			prompt_mm_prover(&b, &ps);
			free(hv);
		}
		texts[i] = xstrdup(b.s);
	}
	st = oai_embed_all(&cfg, (const char *const *)texts, n, 256, &E, C, &fallback, err,
	                   sizeof err);
	if (st)
		die(st, "%s", err);
	if (fallback)
		warn("the server has no /v1/embeddings: the Wasserstein step matches by hashed "
		     "tokens instead (a lexical similarity, not the model's)");
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	pbuf_free(&b);
	config_free(cf);
	return E;
}

/* The Wasserstein reweighting of cj[0..ncj) (rules.c) against the dataset
 * statements still unproved, with the model's embeddings; the statements'
 * "weight" is their matching weight (default 1). */
static void
wasserstein(const struct ropts *o, const struct state *st, struct conj *cj, size_t ncj)
{
	json_t **ys = NULL, **recs;
	float *E;
	size_t ny = 0, capy = 0;
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	int r, C;
	float *X, *Y;
	int *k;
	double *w;

	if (!o->model)
		die(EX_USAGE, "Wasserstein reweighting needs --model (or reward.wasserstein: false)");
	in = jsonl_in_open1(o->statements);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		const char *id;
		struct sstate *s;
		if (r < 0)
			die(jerr.status, "%s", jerr.msg);
		if (!rec || jsonl_get_str(rec, "id", 1, &id, l.file, l.lineno, &jerr) < 0)
			die(EX_DATAERR, "%s", jerr.msg);
		s = state_get(st, id);
		if (s && !s->proved) {
			xgrow(&ys, &capy, ny + 1, sizeof *ys);
			ys[ny++] = rec;
		} else {
			json_decref(rec);
		}
	}
	jsonl_in_close(in);
	/* the conjectures' embeddings, then the statements' */
	recs = xmalloc((ncj + ny) * sizeof *recs);
	for (size_t i = 0; i < ncj; i++)
		recs[i] = cj[i].rec;
	for (size_t i = 0; i < ny; i++)
		recs[ncj + i] = ys[i];
	E = o->openai ? embed_remote(o, recs, ncj + ny, &C) : embed_builtin(o, recs, ncj + ny, &C);
	free(recs);
	X = E;
	Y = E + ncj * (size_t)C;
	k = xmalloc((ny + 1) * sizeof *k);
	w = xmalloc(ncj * sizeof *w);
	for (size_t i = 0; i < ny; i++) {
		json_t *wj = json_object_get(ys[i], "weight");
		k[i] = json_is_number(wj) && json_number_value(wj) >= 1 ?
		       (int)json_number_value(wj) : 1;
	}
	if (ny) {
		wasserstein_weights(o, X, ncj, Y, ny, C, k, w);
		for (size_t i = 0; i < ncj; i++)
			cj[i].w = w[i];
	} else {
		warn("no unproved dataset statement left: conjectures keep weight 1");
	}
	for (size_t i = 0; i < ny; i++)
		json_decref(ys[i]);
	free(ys);
	free(E);
	free(k);
	free(w);
}

/* Conjecturer examples of this iteration into fp; returns how many (and the
 * counts of candidates and survivors through *ncand, *nelegant). */
static long
conjecturer_examples(const struct ropts *o, struct tallies *ts, const struct state *st,
                     FILE *fp, long *ncand, long *nelegant, long *nrelabel)
{
	struct conj *cj = NULL;
	size_t ncj = 0, capcj = 0;
	struct seedmap sm;
	long nout = 0;

	*ncand = *nelegant = *nrelabel = 0;
	for (size_t i = 0; i < ts->n; i++) {
		struct tally *t = &ts->t[i];
		const char *lemma;
		struct jsonl_err err;
		json_t *rec;
		int relabel;
		if (!conjecturer_select(o, t, &relabel))
			continue;
		if (!(rec = jsonl_parse(t->line, strlen(t->line), t->file, t->lineno, &err)))
			die(EX_DATAERR, "%s", err.msg);
		lemma = relabel ? "" : json_string_value(json_object_get(rec, "lemma"));
		*nrelabel += relabel;
		xgrow(&cj, &capcj, ncj + 1, sizeof *cj);
		cj[ncj].t = t;
		cj[ncj].rec = rec;
		cj[ncj].lemma = lemma ? lemma : "";
		cj[ncj].e = elegance(t, rec);
		cj[ncj].order = i;
		cj[ncj].w = 1;
		cj[ncj].keep = 1;
		cj[ncj].relabel = relabel;
		ncj++;
	}
	*ncand = (long)ncj;
	elegance_drop(o, cj, ncj);
	{
		size_t k = 0;
		for (size_t i = 0; i < ncj; i++) {
			if (cj[i].keep)
				cj[k++] = cj[i];
			else
				json_decref(cj[i].rec);
		}
		ncj = k;
	}
	*nelegant = (long)ncj;
	if (ncj == 0) {
		free(cj);
		return 0;
	}
	if (o->wasserstein)
		wasserstein(o, st, cj, ncj);

	if (o->seeds)
		seeds_load(&sm, o->seeds);
	else
		memset(&sm, 0, sizeof sm);
	for (size_t i = 0; i < ncj; i++) {
		const json_t *rec = cj[i].rec;
		const char *sid = json_string_value(json_object_get(rec, "seed"));
		json_t *seed = sid ? seeds_get(&sm, sid) : NULL, *e;
		if (!seed)
			die(EX_DATAERR, "%s:%ld: conjecture '%s': %s%s%s is not in %s", cj[i].t->file,
			    cj[i].t->lineno, cj[i].t->id, sid ? "its seed '" : "field 'seed': missing",
			    sid ? sid : "", sid ? "'" : "", o->seeds ? o->seeds : "(no --seeds)");
		if (cj[i].w <= 0)
			continue;
		e = json_object();
		json_object_set_new(e, "role", json_string("conjecturer"));
		json_object_set(e, "id", json_object_get(rec, "id"));
		json_object_set_new(e, "lemma", json_string(cj[i].lemma));
		if (cj[i].relabel) {
			json_object_set_new(e, "lemma_statement", json_string(""));
			json_object_set_new(e, "lemma_hyps", json_array());
		} else {
			set_or(e, "lemma_statement", json_object_get(seed, "lemma_statement"),
			       json_string(""));
			set_or(e, "lemma_hyps", json_object_get(seed, "lemma_hyps"), json_array());
		}
		json_object_set(e, "theorem", json_object_get(seed, "statement"));
		set_or(e, "theorem_hyps", json_object_get(seed, "hyps"), json_array());
		json_object_set(e, "theorem_proof", json_object_get(seed, "proof"));
		json_object_set(e, "target", json_object_get(rec, "statement"));
		set_or(e, "target_hyps", json_object_get(rec, "hyps"), json_array());
		json_object_set_new(e, "weight", json_real(cj[i].w));
		jsonl_emit(fp, e);
		nout++;
	}
	for (size_t i = 0; i < ncj; i++)
		json_decref(cj[i].rec);
	for (size_t i = 0; i < sm.n; i++)
		json_decref(sm.rec[i]);
	free(sm.rec);
	hindex_free(&sm.index);
	free(cj);
	return nout;
}

/* ---- the modes */

static int
reward_run(struct ropts *o, char **files, int nfiles)
{
	struct wfile w[1 + 8];
	struct tallies *ts = &w[0].ts, idc, pooled;
	struct claims cs;
	struct state st;
	struct out out, sout, tout;
	long nprover = 0, nconj, ncand, nelegant, nrelabel;
	int nw = 1;

	memset(w, 0, sizeof w);
	w[0].files = files;
	w[0].nfiles = nfiles;
	tallies_read(ts, files, nfiles, o->cl);
	state_load(&st, o->state);
	new_state(&st, ts, o->iter);

	/* prover examples: the window of iterations, this one first */
	for (; nw < prover_window(o); nw++) {
		w[nw].files = (char **)&o->previous[nw - 1];
		w[nw].nfiles = 1;
		tallies_read(&w[nw].ts, w[nw].files, 1, o->cl);
	}
	memset(&cs, 0, sizeof cs);
	memset(&idc, 0, sizeof idc);
	if (o->pooled_pass) {
		pool_tallies(&pooled, w, nw);
		o->pooled = &pooled;
	}
	claim_proofs(&cs, &idc, w, nw, prover_select, o, NULL, NULL);
	if (o->pooled_pass) {
		tallies_free(&pooled);
		o->pooled = NULL;
	}
	for (int f = 1; f < nw; f++)
		tallies_free(&w[f].ts);
	out_open(&out, o->out);
	for (int f = 0; f < nw; f++)
		nprover += write_proofs(out.fp, o, w, f, &cs, &idc, 0);
	free(cs.c);
	tallies_free(&idc);
	nconj = conjecturer_examples(o, ts, &st, out.fp, &ncand, &nelegant, &nrelabel);
	/* three outputs, one unit: each written and checked first, then all
	 * renamed into place (a failure while writing leaves none) */
	out_finish(&out);
	out_open(&sout, o->state_out);
	state_write_fp(&st, sout.fp);
	out_finish(&sout);
	write_stats(o, ts, &st, nprover, nconj, ncand, nelegant, nrelabel, &tout);
	out_publish(&out);
	out_publish(&sout);
	out_publish(&tout);
	metrics_num("attempts", (double)ts->attempts);
	metrics_num("correct", (double)ts->correct);
	metrics_num("prover_examples", (double)nprover);
	metrics_num("conjecturer_examples", (double)nconj);
	metrics_done("iteration %ld: %ld attempts, %ld correct; %ld prover and %ld conjecturer examples",
	         o->iter, ts->attempts, ts->correct, nprover, nconj);
	tallies_free(ts);
	state_free(&st);
	return 0;
}

static int
final_run(struct ropts *o, char **files, int nfiles)
{
	struct wfile *w = xcalloc((size_t)nfiles, sizeof *w);
	struct tallies idc;
	struct claims cs;
	struct cand_proof *cands = NULL;
	size_t ncands = 0;
	struct out out;
	long nsft = 0, nout = 0;

	/* each file is one iteration's verdicts: P is per file */
	for (int f = 0; f < nfiles; f++) {
		w[f].files = &files[f];
		w[f].nfiles = 1;
		tallies_read(&w[f].ts, w[f].files, 1, o->cl);
	}
	memset(&cs, 0, sizeof cs);
	memset(&idc, 0, sizeof idc);
	claim_proofs(&cs, &idc, w, nfiles, final_select, o, &cands, &ncands);
	for (int f = 0; f < nfiles; f++)
		tallies_free(&w[f].ts);
	final_pick(o, cands, ncands, &cs);
	free(cands);

	out_open(&out, o->out);
	if (o->sft) {
		struct jsonl_in *in = jsonl_in_open1(o->sft);
		struct jsonl_err err;
		struct jsonl_line l;
		int r;
		while ((r = jsonl_in_read(in, &l, &err)) != 0) {
			if (r < 0)
				die(err.status, "%s", err.msg);
			if (fwrite(l.text, 1, l.len, out.fp) != l.len || putc('\n', out.fp) == EOF)
				die(EX_IOERR, "write error:");
			nsft++;
		}
		jsonl_in_close(in);
	}
	/* the proofs, in the order of the files */
	for (int f = 0; f < nfiles; f++)
		nout += write_proofs(out.fp, o, w, f, &cs, &idc, 1);
	out_close(&out);
	metrics_num("sft_examples", (double)nsft);
	metrics_num("proofs", (double)nout);
	metrics_done("final set: %ld SFT examples, %ld proofs", nsft, nout);
	free(cs.c);
	tallies_free(&idc);
	free(w);
	return 0;
}

static const char *const final_picks[] = { "shortest", "random", NULL };

static const char *const backends[] = { "builtin", "openai", NULL };

/* The section 'reward' (docs/stp.yaml.5.scd), bound to the options. */
#define R(f) CONFIG_FIELD(struct ropts, f)
static const struct config_key reward_keys[] = {
	{ "reward.conj_pass_max", CONFIG_NUM, R(conj_pass_max), .min = 0, .max = 1 },
	{ "reward.prover_pass_max", CONFIG_NUM, R(prover_pass_max), .min = 0, .max = 1 },
	{ "reward.elegance_drop", CONFIG_NUM, R(elegance_drop), .min = 0, .max = 1 },
	{ "reward.w_cap", CONFIG_NUM, R(w_cap), .min = 0, .max = 1e9 },
	{ "reward.len_coef", CONFIG_NUM, R(len_coef), .min = 0, .max = 1e3 },
	{ "reward.time_coef", CONFIG_NUM, R(time_coef), .min = 0, .max = 1e3 },
	{ "reward.window", CONFIG_INT, R(window), .min = 1, .max = 8 },
	{ "reward.final_max_proofs", CONFIG_INT, R(final_max_proofs), .min = 1, .max = 1 << 20 },
	{ "reward.wasserstein", CONFIG_BOOL, R(wasserstein) },
	{ "reward.seed", CONFIG_INT, R(seed), .min = 0, .max = 1L << 62 },
	{ "reward.pooled_pass", CONFIG_BOOL, R(pooled_pass) },
	{ "reward.relabel_trivial", CONFIG_BOOL, R(relabel_trivial) },
	{ "reward.final_pick", CONFIG_ENUM, R(final_random), .names = final_picks },
	{ "reward.backend", CONFIG_ENUM, R(openai), .names = backends },
	{ NULL },
};
#undef R

int
main(int argc, char **argv)
{
	struct ropts o;
	struct cli cl;
	struct config *cf;
	int c, status;

	cli_init(&cl, argc, argv, usage_text);
	memset(&o, 0, sizeof o);
	o.cl = &cl;
	o.iter = -1;
	o.seed = 1;
	o.threads = ncpus();
	o.conj_pass_max = 0.25;
	o.prover_pass_max = 0.5;
	o.elegance_drop = 0.2;
	o.w_cap = 4;
	o.len_coef = 0.001;
	o.time_coef = 0.01;
	o.window = 3;
	o.final_max_proofs = 16;
	o.wasserstein = 1;
	o.pooled_pass = 1;
	o.relabel_trivial = 1;
	o.final_random = 1;
	cf = cli_config_apply(&cl, reward_keys, &o);
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING "j:", cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_STATE: o.state = optarg; break;
		case CLI_ITER: o.iter = cli_long("--iter", optarg, 0, 1L << 30); break;
		case CLI_STATEMENTS: o.statements = optarg; break;
		case CLI_SEEDS: o.seeds = optarg; break;
		case CLI_MODEL: o.model = optarg; break;
		case CLI_PREVIOUS:
			if (o.nprevious == 8)
				die(EX_USAGE, "--previous: at most 8");
			o.previous[o.nprevious++] = optarg;
			break;
		case CLI_PREV_STATS: o.prev_stats = optarg; break;
		case CLI_CONJECTURE_STATS: o.conj_stats = optarg; break;
		case CLI_STATE_OUT: o.state_out = optarg; break;
		case CLI_STATS: o.stats = optarg; break;
		case CLI_FINAL: o.final = 1; break;
		case CLI_INIT_STATE: o.init_state = 1; break;
		case CLI_SFT: o.sft = optarg; break;
		case CLI_SEED: o.seed = (uint64_t)cli_long("--seed", optarg, 0, 1L << 62); break;
		case 'j':
		case CLI_THREADS: o.threads = (int)cli_long("-j", optarg, 1, 1024); break;
		case CLI_BACKEND: o.openai = cli_enum("--backend", optarg, backends); break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	o.out = cl.out;
	if (cl.print_config) {
		struct oai_cli ocli;
		oai_cli_init(&ocli);
		oai_print_config(reward_keys, &o, NULL, NULL, cf, &ocli, o.model);
	}
	config_free(cf);   /* embed_remote() reads it again for 'openai' */
	if (o.init_state) {
		struct state st;
		if (!o.statements)
			die(EX_USAGE, "--init-state needs --statements FILE");
		state_from_statements(&st, o.statements);
		state_write(&st, o.out);
		state_free(&st);
		return 0;
	}
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			die(EX_USAGE, "verdicts are read twice: give files, not stdin");
	if (optind == argc)
		die(EX_USAGE, "no verdict files");
	if (o.final) {
		status = final_run(&o, argv + optind, argc - optind);
	} else {
		if (!o.state || !o.statements || !o.state_out || !o.stats || o.iter < 0)
			die(EX_USAGE, "give --state, --statements, --iter, --state-out, --stats and -o");
		status = reward_run(&o, argv + optind, argc - optind);
	}
	return status ? status : cli_status(&cl);
}
