/*
 * mutants - mutate mm-pc's human proofs, to check stp-verify against metamath.exe
 *
 * usage: mutants [-s SEED] [-n COUNT] [-t COUNT] [-p N] [--db FILE] [--proofs FILE]
 *                -o DIR
 *
 * Reads a Metamath database (default data/mm-pc/pc.mm) and its human proofs as
 * attempt records (default data/mm-pc/proofs.jsonl: statement fields, "proof"
 * in steps format and "rpn" beside it), picks contexts at random and writes
 * into DIR (which must exist):
 *
 *   attempts.jsonl  attempt records for stp-verify, each with a unique "id",
 *                   "mutation" (its kind), "of" (the original's id),
 *                   "mm_file" and "mm_label" (where metamath.exe sees it)
 *   index.tsv       one line per record, in the same order: id, kind,
 *                   mm file, mm label (tab-separated)
 *   originals.jsonl every human proof as an attempt record in rpn format
 *   ctx-NNN.mm      one database per context: the database cut just before
 *                   the context's label, "$}" for every block open there (so
 *                   that earlier assertions and outermost $f hypotheses stay
 *                   available and local hypotheses do not), then each mutant
 *                   of that context as
 *                     ${ mutN.1 $e HYP $. ... mutN $p STATEMENT $= PROOF $. $}
 *                   with Hi renamed mutN.i: metamath.exe checks it with
 *                   exactly the candidate semantics of stp-verify
 *
 * Kinds of the rpn mutants (format "rpn": a normal proof, or a compressed one
 * for the compressed-* kinds):
 *   control         the human proof unchanged
 *   label-random    one assertion step replaced by a random assertion
 *                   before the context
 *   label-near      ... by a nearby one with the same number of $f and $e
 *                   hypotheses (a $f step by another outermost $f)
 *   label-same      ... by an assertion with the same hypotheses and
 *                   conclusion (when there is one: these stay correct)
 *   label-late      ... by an assertion at or after the context
 *   step-delete     one step deleted
 *   step-dup        one step duplicated
 *   step-swap       two steps swapped
 *   stmt-symbol     a symbol of the statement replaced by another one
 *                   declared before the context (variable by variable,
 *                   constant by constant)
 *   stmt-late       ... by a symbol declared after the context (metamath.exe
 *                   then finds it undeclared)
 *   stmt-subexpr    two sub-expressions of the statement swapped
 *   hyp-symbol      a symbol of a hypothesis replaced
 *   hyp-swap        H1 and H2 swapped in the proof (>= 2 hypotheses)
 *   hyp-order       H1 and H2 swapped in "hyps" and in the proof: correct
 *   hyp-drop        one hypothesis dropped, the later ones renumbered
 *   rename-var      a variable renamed everywhere, its $f step too: correct
 *   subst           a compound expression substituted for a variable
 *                   everywhere, its syntax proof for the $f step: correct
 *   compressed      the proof in compressed form (with Z back-references);
 *                   compressed-hyp-order, -rename, -subst: those mutants
 *                   compressed (correct); compressed-number: one number
 *                   changed; compressed-z: a Z deleted or added;
 *                   compressed-list: two labels of the list swapped;
 *                   compressed-list-mand: a mandatory hypothesis added to
 *                   the list; compressed-stale: H1 and H2 swapped in "hyps"
 *                   after compressing (the letters number them wrongly);
 *                   compressed-list-dup: a label listed twice;
 *                   compressed-letter: one letter inserted, deleted or
 *                   replaced (A-Z or '?')
 *   step-unknown    a step replaced by '?' (an incomplete proof)
 *   label-hidden    a step replaced by an $e or $f of an inner block
 *                   before the context (not available to the candidate),
 *                   often the context's own $e
 *   stmt-syntax     the statement "wff X" for a sub-expression X, proved by
 *                   its syntax proof: a documented difference (metamath.exe
 *                   accepts it; stp-verify proves only provable statements)
 *   hyp-malformed   an extra hypothesis, unused and not well formed: a
 *                   documented difference (metamath.exe accepts the proof;
 *                   stp-verify rejects a malformed statement or hypothesis)
 * Kinds of the steps mutants (format "steps"), kept only when our expander
 * expands them (metamath.exe is then given that expansion): steps-control,
 * steps-label, steps-delete, steps-dup, steps-swap, steps-hyp-swap,
 * steps-hyp-order, steps-stmt-symbol, steps-rename-var.
 *
 * Deterministic: the same seed and inputs give byte-identical output.
 *
 *   -s, --seed N         random seed (default 1)
 *   -n, --count N        rpn mutants, controls included (default 600)
 *   -t, --steps N        steps mutants (default 150)
 *   -p, --per-context N  rpn mutants per context (default 12)
 *       --db FILE        the database (default data/mm-pc/pc.mm)
 *       --proofs FILE    the human proofs (default data/mm-pc/proofs.jsonl)
 *   -o, --out DIR        where to write (required)
 *   -h, --help           this help
 *
 * A test tool (tests/mutants.bats), built with make into
 * build/FLAVOUR/tests/tools/mutants.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/steps.h"

static const char usage_text[] =
	"usage: mutants [-s SEED] [-n COUNT] [-t COUNT] [-p N] [--db FILE] [--proofs FILE]\n"
	"               -o DIR\n"
	"\n"
	"Mutants of mm-pc's human proofs as attempt records (DIR/attempts.jsonl,\n"
	"DIR/index.tsv) and as Metamath databases for metamath.exe (DIR/ctx-NNN.mm).\n"
	"\n"
	"  -s, --seed N         random seed (default 1)\n"
	"  -n, --count N        rpn mutants, controls included (default 600)\n"
	"  -t, --steps N        steps mutants our expander expands (default 150)\n"
	"  -p, --per-context N  rpn mutants per context (default 12)\n"
	"      --db FILE        the database (default data/mm-pc/pc.mm)\n"
	"      --proofs FILE    the human proofs (default data/mm-pc/proofs.jsonl)\n"
	"  -o, --out DIR        where to write (required)\n"
	"  -h, --help           this help\n";

/* ---- memory: every string made here lives until the end (one list) */

static char **kept;
static size_t nkept, capkept;

static char *
keep(char *s)
{
	xgrow(&kept, &capkept, nkept + 1, sizeof *kept);
	kept[nkept++] = s;
	return s;
}

static void
kept_free(void)
{
	for (size_t i = 0; i < nkept; i++)
		free(kept[i]);
	free(kept);
}

/* ---- random numbers: splitmix64, so that a seed means the same everywhere */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. */
static size_t
rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

/* ---- token lists: arrays of borrowed strings (database names, kept text) */

struct tl {
	const char **v;
	size_t n, cap;
};

static void
tl_push(struct tl *t, const char *s)
{
	xgrow(&t->v, &t->cap, t->n + 1, sizeof *t->v);
	t->v[t->n++] = s;
}

static void
tl_free(struct tl *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Split text at white space; the tokens are kept strings. */
static void
tl_split(struct tl *t, const char *text)
{
	const char *p = text;

	t->n = 0;
	for (;;) {
		const char *s;
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && !is_space(*p))
			p++;
		tl_push(t, keep(xstrndup(s, (size_t)(p - s))));
	}
}

static void
tl_copy(struct tl *dst, const struct tl *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		tl_push(dst, src->v[i]);
}

/* Scratch buffers for text that is only compared or parsed. */
#define NSCRATCH 3
static char *scratch[NSCRATCH];
static size_t capscratch[NSCRATCH];

/* The tokens joined by single spaces, in scratch buffer k (valid until its
 * next use). */
static char *
tl_text(const struct tl *t, int k)
{
	size_t n = 1;
	char *p;

	for (size_t i = 0; i < t->n; i++)
		n += strlen(t->v[i]) + 1;
	xgrow(&scratch[k], &capscratch[k], n, 1);
	p = scratch[k];
	for (size_t i = 0; i < t->n; i++) {
		size_t len = strlen(t->v[i]);
		if (i)
			*p++ = ' ';
		memcpy(p, t->v[i], len);
		p += len;
	}
	*p = '\0';
	return scratch[k];
}

/* The same as a kept string. */
static char *
tl_join(const struct tl *t)
{
	return keep(xstrdup(tl_text(t, 0)));
}

static void
tl_delete(struct tl *t, size_t i)
{
	memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof *t->v);
	t->n--;
}

static void
tl_insert(struct tl *t, size_t i, const char *s)
{
	xgrow(&t->v, &t->cap, t->n + 1, sizeof *t->v);
	memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof *t->v);
	t->v[i] = s;
	t->n++;
}

/* A hypothesis reference as this tool writes them, "H" and a number
 * 1..9999: the number, else 0. */
static int
hyp_num(const char *s)
{
	int k = 0;

	if (s[0] != 'H' || s[1] < '1' || s[1] > '9' || strlen(s) > 5)
		return 0;
	for (const char *p = s + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		k = k * 10 + (*p - '0');
	}
	return k;
}

static const char *
hyp_name(int k)
{
	return keep(xasprintf("H%d", k));
}

/* ---- the inputs */

struct orig {
	char *id, *context, *statement, *steps, *rpn;
	char **hyps;
	size_t nhyps;
	int32_t ctx;
	/* the same as tokens, made on first use */
	int split;
	struct tl tstmt, tsteps, trpn, *thyps;
};

struct mutant {
	const char *kind;
	const struct orig *o;
	char *statement;       /* kept */
	const char **hyps;     /* (nhyps) kept strings */
	size_t nhyps;
	char *proof;           /* as in the record (kept) */
	int steps;             /* format steps (else rpn) */
	char *rpn;             /* the normal proof metamath.exe checks, Hi names (kept) */
	int num;               /* mutN */
};

static struct mm_db *db;
static struct mms_grammar *gram;
static struct mms_expander *expander;
static char *dbtext;           /* the database file as read */
static size_t dbtextlen;

static struct orig *origs;
static size_t norigs, caporigs;

static char *
jstr(json_t *o, const char *key, const char *file, long line)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		die(EX_DATAERR, "%s:%ld: field '%s': expected a string", file, line, key);
	return xstrdup(json_string_value(v));
}

static void
read_proofs(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;

	if (!f)
		die(EX_NOINPUT, "cannot open '%s':", path);
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *o, *h, *x;
		struct orig *r;
		size_t i;

		lineno++;
		o = json_loads(line, 0, &jerr);
		if (!json_is_object(o))
			die(EX_DATAERR, "%s:%ld: %s", path, lineno, o ? "expected an object" : jerr.text);
		xgrow(&origs, &caporigs, norigs + 1, sizeof *origs);
		r = &origs[norigs++];
		memset(r, 0, sizeof *r);
		r->id = jstr(o, "id", path, lineno);
		r->context = jstr(o, "context", path, lineno);
		r->statement = jstr(o, "statement", path, lineno);
		r->steps = jstr(o, "proof", path, lineno);
		r->rpn = jstr(o, "rpn", path, lineno);
		h = json_object_get(o, "hyps");
		if (!json_is_array(h))
			die(EX_DATAERR, "%s:%ld: field 'hyps': expected an array", path, lineno);
		r->nhyps = json_array_size(h);
		r->hyps = xcalloc(r->nhyps + 1, sizeof *r->hyps);
		json_array_foreach(h, i, x) {
			if (!json_is_string(x))
				die(EX_DATAERR, "%s:%ld: field 'hyps': expected strings", path, lineno);
			r->hyps[i] = xstrdup(json_string_value(x));
		}
		r->ctx = mm_db_label(db, r->context, strlen(r->context));
		if (r->ctx < 0 || !mm_is_assertion(&db->stmts[r->ctx]))
			die(EX_DATAERR, "%s:%ld: context '%s' is not an assertion", path, lineno,
			    r->context);
		json_decref(o);
	}
	if (ferror(f))
		die(EX_IOERR, "read error on '%s':", path);
	free(line);
	fclose(f);
	if (norigs == 0)
		die(EX_DATAERR, "%s: no proofs", path);
}

static void
orig_free(struct orig *r)
{
	free(r->id);
	free(r->context);
	free(r->statement);
	free(r->steps);
	free(r->rpn);
	for (size_t i = 0; i < r->nhyps; i++)
		free(r->hyps[i]);
	free(r->hyps);
	tl_free(&r->tstmt);
	tl_free(&r->tsteps);
	tl_free(&r->trpn);
	for (size_t i = 0; r->split && i < r->nhyps; i++)
		tl_free(&r->thyps[i]);
	free(r->thyps);
}

static void
read_db_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n;

	if (!f)
		die(EX_NOINPUT, "cannot open '%s':", path);
	dbtext = xmalloc(cap);
	while ((n = fread(dbtext + dbtextlen, 1, cap - dbtextlen, f)) > 0) {
		dbtextlen += n;
		if (dbtextlen == cap)
			dbtext = xrealloc(dbtext, cap *= 2);
	}
	if (ferror(f))
		die(EX_IOERR, "read error on '%s':", path);
	fclose(f);
}

/* ---- the database: what a context may use */

static int
is_assertion(int32_t s)
{
	return mm_is_assertion(&db->stmts[s]);
}

static int
is_syntax(int32_t s)
{
	return (db->stmts[s].flags & MM_SYNTAX) != 0;
}

/* The number of $e hypotheses in assertion s's frame. */
static uint32_t
ness(int32_t s)
{
	const struct mm_stmt *st = &db->stmts[s];
	uint32_t k = 0;

	for (uint32_t i = 0; i < st->nhyps; i++)
		if (db->frames[st->frame + i].var < 0)
			k++;
	return k;
}

/* Do assertions a and b have the same frame and conclusion (so that one
 * stands for the other in any proof)? */
static int
same_assertion(int32_t a, int32_t b)
{
	const struct mm_stmt *x = &db->stmts[a], *y = &db->stmts[b];

	if (x->len != y->len || x->nhyps != y->nhyps ||
	    memcmp(db->pool + x->expr, db->pool + y->expr, x->len * sizeof(mm_sym)) != 0)
		return 0;
	for (uint32_t i = 0; i < x->nhyps; i++) {
		const struct mm_hyp *p = &db->frames[x->frame + i], *q = &db->frames[y->frame + i];
		if (p->var != q->var || p->type != q->type || p->len != q->len ||
		    memcmp(db->pool + p->expr, db->pool + q->expr, p->len * sizeof(mm_sym)) != 0)
			return 0;
	}
	return 1;
}

/* Symbols a candidate in context ctx may write: variables with an outermost
 * $f before it, constants declared before it; and those it may not. */
struct symsets {
	struct tl vars, consts, late;
};

static void
symsets_make(struct symsets *ss, int32_t ctx)
{
	ss->vars.n = ss->consts.n = ss->late.n = 0;
	for (mm_sym s = 0; s < db->nsyms; s++) {
		const struct mm_symbol *y = &db->syms[s];
		if (y->decl > ctx)
			tl_push(&ss->late, y->name);
		else if (y->kind == MM_CONST)
			tl_push(&ss->consts, y->name);
		else if (y->global_f >= 0 && y->global_f < ctx)
			tl_push(&ss->vars, y->name);
	}
}

static mm_sym
sym_of(const char *name)
{
	return mm_db_sym(db, name, strlen(name));
}

static int32_t
label_of(const char *name)
{
	return mm_db_label(db, name, strlen(name));
}

/* ---- rpn mutations: each changes the mutant in w (statement, hypotheses
 * and proof as tokens, copied from the original) and returns 1, or returns
 * 0 when it does not apply (w is then thrown away) */

struct mstate {
	const struct orig *o;
	struct tl stmt, proof, *hyps;  /* the mutant, as tokens */
	size_t nhyps;
	struct symsets ss;
	struct tl pool;                /* scratch list of candidates */
};

/* A random step of the proof that is an assertion (or, unless
 * assertion_only, a $f hypothesis), mostly a lemma rather than a syntax
 * step; -1 if none turns up. */
static long
pick_step(const struct mstate *w, int assertion_only)
{
	for (int tries = 0; tries < 64; tries++) {
		size_t i = rng_below(w->proof.n);
		int32_t s = label_of(w->proof.v[i]);
		if (hyp_num(w->proof.v[i]))
			continue;
		if (s < 0)
			continue;
		if (assertion_only && !is_assertion(s))
			continue;
		/* prefer the proof's own lemmas to its syntax steps */
		if (is_assertion(s) && is_syntax(s) && rng_below(3) != 0)
			continue;
		return (long)i;
	}
	return -1;
}

static int
mut_label(struct mstate *w, const char *how)
{
	long i = pick_step(w, strcmp(how, "near") != 0);
	int32_t s, ctx = w->o->ctx, r = -1;

	if (i < 0)
		return 0;
	s = label_of(w->proof.v[i]);
	w->pool.n = 0;
	if (strcmp(how, "random") == 0) {
		for (int tries = 0; tries < 1000 && r < 0; tries++) {
			int32_t c = (int32_t)rng_below((size_t)ctx);
			if (is_assertion(c) && c != s)
				r = c;
		}
	} else if (strcmp(how, "near") == 0) {
		if (db->stmts[s].kind == MM_F) {
			for (int32_t c = 0; c < ctx; c++)
				if (c != s && db->stmts[c].kind == MM_F && (db->stmts[c].flags & MM_GLOBAL) &&
				    db->pool[db->stmts[c].expr] == db->pool[db->stmts[s].expr])
					tl_push(&w->pool, db->stmts[c].label);
		} else {
			uint32_t e = ness(s);
			for (int32_t c = s - 60; c < s + 60 && c < ctx; c++)
				if (c >= 0 && c != s && is_assertion(c) &&
				    db->stmts[c].nhyps == db->stmts[s].nhyps && ness(c) == e &&
				    is_syntax(c) == is_syntax(s))
					tl_push(&w->pool, db->stmts[c].label);
		}
	} else if (strcmp(how, "same") == 0) {
		for (int32_t c = 0; c < ctx; c++)
			if (c != s && is_assertion(c) && same_assertion(c, s))
				tl_push(&w->pool, db->stmts[c].label);
		if (w->pool.n == 0) {
			/* another step, perhaps: look at every assertion step once */
			for (size_t k = 0; k < w->proof.n && w->pool.n == 0; k++) {
				int32_t t = label_of(w->proof.v[k]);
				if (t < 0 || !is_assertion(t) || is_syntax(t))
					continue;
				for (int32_t c = 0; c < ctx; c++)
					if (c != t && is_assertion(c) && same_assertion(c, t))
						tl_push(&w->pool, db->stmts[c].label);
				if (w->pool.n)
					i = (long)k;
			}
		}
	} else {   /* late */
		int32_t c0 = ctx, n = db->nstmts - ctx;
		uint32_t e = ness(s);
		/* the context itself sometimes; else one of the same shape if possible */
		if (rng_below(4) == 0)
			r = ctx;
		for (int32_t c = c0; r < 0 && c < c0 + n && w->pool.n < 200; c++)
			if (is_assertion(c) && db->stmts[c].nhyps == db->stmts[s].nhyps && ness(c) == e)
				tl_push(&w->pool, db->stmts[c].label);
		if (r < 0 && w->pool.n == 0)
			r = ctx;
	}
	if (r >= 0) {
		w->proof.v[i] = db->stmts[r].label;
		return 1;
	}
	if (w->pool.n == 0)
		return 0;
	w->proof.v[i] = w->pool.v[rng_below(w->pool.n)];
	return 1;
}

static int mut_label_random(struct mstate *w) { return mut_label(w, "random"); }
static int mut_label_near(struct mstate *w) { return mut_label(w, "near"); }
static int mut_label_same(struct mstate *w) { return mut_label(w, "same"); }
static int mut_label_late(struct mstate *w) { return mut_label(w, "late"); }

static int
mut_step_delete(struct mstate *w)
{
	if (w->proof.n < 2)
		return 0;
	tl_delete(&w->proof, rng_below(w->proof.n));
	return 1;
}

static int
mut_step_dup(struct mstate *w)
{
	size_t i = rng_below(w->proof.n);

	tl_insert(&w->proof, i, w->proof.v[i]);
	return 1;
}

static int
mut_step_swap(struct mstate *w)
{
	size_t i, j;
	const char *t;

	if (w->proof.n < 2)
		return 0;
	i = rng_below(w->proof.n);
	/* a neighbour half of the time: the swaps most likely to stay valid */
	if (rng_below(2))
		j = i + 1 < w->proof.n ? i + 1 : i - 1;
	else
		j = rng_below(w->proof.n);
	if (strcmp(w->proof.v[i], w->proof.v[j]) == 0)
		return 0;
	t = w->proof.v[i];
	w->proof.v[i] = w->proof.v[j];
	w->proof.v[j] = t;
	return 1;
}

/* A step replaced by '?': an incomplete proof. */
static int
mut_step_unknown(struct mstate *w)
{
	w->proof.v[rng_below(w->proof.n)] = "?";
	return 1;
}

/* A step replaced by a hypothesis that is not available to the candidate:
 * an $e or $f of an inner block before the context (out of scope there). */
static int
mut_label_hidden(struct mstate *w)
{
	size_t i = rng_below(w->proof.n);
	int32_t ctx = w->o->ctx;
	const struct mm_stmt *cs = &db->stmts[ctx];

	/* half of the time the context's own $e hypotheses (its "syl.1") */
	if (rng_below(2))
		for (uint32_t k = 0; k < cs->nhyps; k++) {
			const struct mm_hyp *h = &db->frames[cs->frame + k];
			if (h->var < 0 && rng_below(2)) {
				w->proof.v[i] = db->stmts[h->stmt].label;
				return 1;
			}
		}
	for (int tries = 0; tries < 4000; tries++) {
		int32_t c = (int32_t)rng_below((size_t)ctx);
		const struct mm_stmt *st = &db->stmts[c];
		if ((st->kind == MM_E || st->kind == MM_F) && !(st->flags & MM_GLOBAL)) {
			w->proof.v[i] = st->label;
			return 1;
		}
	}
	return 0;
}

/* Replace one symbol of e (not the typecode) by another of the same kind
 * from the sets, or by a late symbol. */
static int
replace_symbol(struct mstate *w, struct tl *e, int late)
{
	size_t i;
	const char *old, *nu;
	const struct tl *set;

	if (e->n < 2)
		return 0;
	i = 1 + rng_below(e->n - 1);
	old = e->v[i];
	if (late)
		set = &w->ss.late;
	else
		set = db->syms[sym_of(old)].kind == MM_VAR ? &w->ss.vars : &w->ss.consts;
	if (set->n == 0 || (set->n == 1 && strcmp(set->v[0], old) == 0))
		return 0;
	do
		nu = set->v[rng_below(set->n)];
	while (strcmp(nu, old) == 0);
	e->v[i] = nu;
	return 1;
}

static int mut_stmt_symbol(struct mstate *w) { return replace_symbol(w, &w->stmt, 0); }
static int mut_stmt_late(struct mstate *w) { return replace_symbol(w, &w->stmt, 1); }

static int
mut_hyp_symbol(struct mstate *w)
{
	if (w->nhyps == 0)
		return 0;
	return replace_symbol(w, &w->hyps[rng_below(w->nhyps)], 0);
}

/* The end of the sub-expression of e that starts at i: a variable, or a
 * balanced "( ... )"; 0 if there is none at i. */
static size_t
subexpr_end(const struct tl *e, size_t i)
{
	int depth = 0;

	if (strcmp(e->v[i], "(") != 0) {
		mm_sym s = sym_of(e->v[i]);
		return s >= 0 && db->syms[s].kind == MM_VAR ? i + 1 : 0;
	}
	for (size_t k = i; k < e->n; k++) {
		if (strcmp(e->v[k], "(") == 0)
			depth++;
		else if (strcmp(e->v[k], ")") == 0 && --depth == 0)
			return k + 1;
	}
	return 0;
}

static int
mut_stmt_subexpr(struct mstate *w)
{
	struct tl *e = &w->stmt, out = { 0 };

	if (e->n < 3)
		return 0;
	for (int tries = 0; tries < 50; tries++) {
		size_t a = 1 + rng_below(e->n - 1), b = 1 + rng_below(e->n - 1), ae, be, k;
		if (a > b) {
			size_t t = a;
			a = b;
			b = t;
		}
		ae = subexpr_end(e, a);
		be = subexpr_end(e, b);
		if (!ae || !be || ae > b)
			continue;   /* not two disjoint sub-expressions */
		if (ae - a == be - b) {
			for (k = 0; k < ae - a && strcmp(e->v[a + k], e->v[b + k]) == 0; k++)
				;
			if (k == ae - a)
				continue;   /* the same text */
		}
		for (k = 0; k < a; k++)
			tl_push(&out, e->v[k]);
		for (k = b; k < be; k++)
			tl_push(&out, e->v[k]);
		for (k = ae; k < b; k++)
			tl_push(&out, e->v[k]);
		for (k = a; k < ae; k++)
			tl_push(&out, e->v[k]);
		for (k = be; k < e->n; k++)
			tl_push(&out, e->v[k]);
		tl_copy(e, &out);
		tl_free(&out);
		return 1;
	}
	return 0;
}

/* Swap Hi and Hj tokens of a proof. */
static void
swap_hyp_refs(struct tl *p, int i, int j)
{
	for (size_t k = 0; k < p->n; k++) {
		int h = hyp_num(p->v[k]);
		if (h == i)
			p->v[k] = hyp_name(j);
		else if (h == j)
			p->v[k] = hyp_name(i);
	}
}

static int
mut_hyp_swap(struct mstate *w)
{
	if (w->nhyps < 2)
		return 0;
	swap_hyp_refs(&w->proof, 1, 2);
	return 1;
}

static int
mut_hyp_order(struct mstate *w)
{
	struct tl t;

	if (w->nhyps < 2)
		return 0;
	t = w->hyps[0];
	w->hyps[0] = w->hyps[1];
	w->hyps[1] = t;
	swap_hyp_refs(&w->proof, 1, 2);
	return 1;
}

static int
mut_hyp_drop(struct mstate *w)
{
	size_t d;

	if (w->nhyps == 0)
		return 0;
	d = rng_below(w->nhyps);
	tl_free(&w->hyps[d]);
	memmove(w->hyps + d, w->hyps + d + 1, (w->nhyps - d - 1) * sizeof *w->hyps);
	w->nhyps--;
	memset(&w->hyps[w->nhyps], 0, sizeof *w->hyps);
	/* the later hypotheses keep their text: renumber their references; those
	 * to the dropped one now name its successor (or nothing) */
	for (size_t k = 0; k < w->proof.n; k++) {
		int h = hyp_num(w->proof.v[k]);
		if (h > (int)d + 1)
			w->proof.v[k] = hyp_name(h - 1);
	}
	return 1;
}

/* Rename variable `from` to `to` in the statement, the hypotheses and the
 * tokens of a proof that are that variable, or (rpn) its $f label. */
static void
rename_var(struct mstate *w, const char *from, const char *to, int rpn)
{
	mm_sym a = sym_of(from), b = sym_of(to);
	const char *fa = db->stmts[db->syms[a].global_f].label;
	const char *fb = db->stmts[db->syms[b].global_f].label;

	for (size_t h = 0; h <= w->nhyps; h++) {
		struct tl *e = h == w->nhyps ? &w->stmt : &w->hyps[h];
		for (size_t k = 0; k < e->n; k++)
			if (strcmp(e->v[k], from) == 0)
				e->v[k] = to;
	}
	for (size_t k = 0; k < w->proof.n; k++)
		if (strcmp(w->proof.v[k], rpn ? fa : from) == 0)
			w->proof.v[k] = rpn ? fb : to;
}

static int
rename_any(struct mstate *w, int rpn)
{
	const char *from = NULL, *to;
	mm_sym a, b;

	for (int tries = 0; tries < 20 && !from; tries++) {
		size_t i = rng_below(w->stmt.n);
		mm_sym s = sym_of(w->stmt.v[i]);
		if (s >= 0 && db->syms[s].kind == MM_VAR)
			from = w->stmt.v[i];
	}
	if (!from || w->ss.vars.n < 2)
		return 0;
	do
		to = w->ss.vars.v[rng_below(w->ss.vars.n)];
	while (strcmp(to, from) == 0);
	a = sym_of(from);
	b = sym_of(to);
	/* only within one type (wff for wff): else it is just a wrong statement */
	if (db->pool[db->stmts[db->syms[a].global_f].expr] !=
	    db->pool[db->stmts[db->syms[b].global_f].expr])
		return 0;
	rename_var(w, from, to, rpn);
	return 1;
}

static int mut_rename_var(struct mstate *w) { return rename_any(w, 1); }

/* The syntax proof (labels) of expression e[from..to) of variable type
 * `type` (a grammar type index), in rpn; 0 if it does not parse. */
static int
syntax_rpn(const struct mstate *w, const struct tl *e, size_t from, size_t to, int type,
           struct tl *rpn)
{
	static mm_sym syms[4096];
	static int32_t tree[8192], post[8192];
	struct mms_err err;
	long n;

	if (to - from > sizeof syms / sizeof *syms)
		return 0;
	for (size_t k = from; k < to; k++)
		syms[k - from] = sym_of(e->v[k]);
	n = mms_parse(mms_expander_parser(expander), w->o->ctx, type, syms, (uint32_t)(to - from),
	              tree, sizeof tree / sizeof *tree, &err);
	if (n <= 0)
		return 0;
	mms_tree_rpn(gram, tree, (uint32_t)n, post);
	rpn->n = 0;
	for (long k = 0; k < n; k++)
		tl_push(rpn, db->stmts[post[k]].label);
	return 1;
}

/* Substitute a compound expression (a sub-expression of the statement or
 * of a hypothesis) for a variable of the same type, everywhere: in the
 * statement, the hypotheses and, as its syntax proof, for the variable's $f
 * step. An instance of a correct proof is correct. */
static int
mut_subst(struct mstate *w)
{
	struct tl *src, rpn = { 0 }, out = { 0 };
	const char *from = NULL, *flabel;
	size_t a = 0, e = 0;
	mm_sym v;
	int ok = 0;

	for (int tries = 0; tries < 20 && !from; tries++) {
		size_t i = rng_below(w->stmt.n);
		mm_sym x = sym_of(w->stmt.v[i]);
		if (x >= 0 && db->syms[x].kind == MM_VAR)
			from = w->stmt.v[i];
	}
	if (!from)
		return 0;
	v = sym_of(from);
	flabel = db->stmts[db->syms[v].global_f].label;
	/* the expression: a parenthesised one from the statement or a hypothesis */
	src = w->nhyps && rng_below(2) ? &w->hyps[rng_below(w->nhyps)] : &w->stmt;
	for (int tries = 0; tries < 20 && !ok; tries++) {
		a = 1 + rng_below(src->n > 1 ? src->n - 1 : 1);
		if (a >= src->n || strcmp(src->v[a], "(") != 0 || !(e = subexpr_end(src, a)))
			continue;
		ok = syntax_rpn(w, src, a, e, gram->var_type[v], &rpn);
	}
	if (ok) {
		struct tl expr = { 0 };
		for (size_t k = a; k < e; k++)
			tl_push(&expr, src->v[k]);
		for (size_t h = 0; h <= w->nhyps; h++) {
			struct tl *t = h == w->nhyps ? &w->stmt : &w->hyps[h];
			out.n = 0;
			for (size_t k = 0; k < t->n; k++)
				if (strcmp(t->v[k], from) == 0)
					for (size_t j = 0; j < expr.n; j++)
						tl_push(&out, expr.v[j]);
				else
					tl_push(&out, t->v[k]);
			tl_copy(t, &out);
		}
		out.n = 0;
		for (size_t k = 0; k < w->proof.n; k++)
			if (strcmp(w->proof.v[k], flabel) == 0)
				for (size_t j = 0; j < rpn.n; j++)
					tl_push(&out, rpn.v[j]);
			else
				tl_push(&out, w->proof.v[k]);
		tl_copy(&w->proof, &out);
		tl_free(&expr);
	}
	tl_free(&rpn);
	tl_free(&out);
	return ok;
}

/* The statement becomes "wff X" for a sub-expression X of it, proved by
 * its syntax proof: a correct (if unusual) candidate. */
static int
mut_stmt_syntax(struct mstate *w)
{
	mm_sym wff = sym_of("wff");
	struct tl rpn = { 0 }, out = { 0 };
	int ok = 0;

	if (wff < 0 || mms_type_of(gram, wff) < 0)
		return 0;
	for (int tries = 0; tries < 20 && !ok; tries++) {
		size_t a = 1 + rng_below(w->stmt.n > 1 ? w->stmt.n - 1 : 1), e;
		if (a >= w->stmt.n || !(e = subexpr_end(&w->stmt, a)))
			continue;
		if (!syntax_rpn(w, &w->stmt, a, e, mms_type_of(gram, wff), &rpn))
			continue;
		tl_push(&out, "wff");
		for (size_t k = a; k < e; k++)
			tl_push(&out, w->stmt.v[k]);
		tl_copy(&w->stmt, &out);
		tl_copy(&w->proof, &rpn);
		ok = 1;
	}
	tl_free(&rpn);
	tl_free(&out);
	return ok;
}

/* An extra hypothesis the proof does not use, and that is not a well-formed
 * statement: metamath.exe accepts the proof; stp-verify rejects a malformed
 * statement or hypothesis by design (docs/algorithm.md: malformed conjectures are
 * dropped; a steps proof needs the statement parsed). */
static int
mut_hyp_malformed(struct mstate *w)
{
	struct tl *h;

	if (w->nhyps + 1 > MM_CAND_MAXHYPS)
		return 0;
	w->hyps = xreallocarray(w->hyps, w->nhyps + 2, sizeof *w->hyps);
	h = &w->hyps[w->nhyps++];
	memset(h, 0, sizeof *h);
	memset(&w->hyps[w->nhyps], 0, sizeof *w->hyps);
	/* the statement with its last symbol dropped: "|- ( ph -> ps" */
	tl_copy(h, &w->stmt);
	if (h->n < 3)
		return 0;
	h->n--;
	return 1;
}

/* ---- compressed proofs (the Metamath book, appendix B)
 *
 * A normal proof is read as a tree and written as "( LABELS ) LETTERS":
 * numbers 1..m are the mandatory hypotheses (the outermost $f of the
 * variables of the statement and hypotheses in database order, then
 * H1..Hk), m+1..m+L the label list (the other labels in order of first use),
 * then the steps saved with Z (every subproof of more than one step that
 * occurs again is saved and then referred to). Mutations act on the items.
 */
struct citem {
	char kind;             /* 'M' mandatory, 'L' label list, 'S' saved, 'Z' */
	uint32_t v;            /* 0-based index among its kind */
};

struct cproof {
	struct tl mand, list;
	struct citem *it;
	size_t nit, capit;
	uint32_t nsaved;
	/* the tree */
	uint32_t *arity, *kid0, *kids, *size;   /* (steps) */
	uint64_t *hash;
	int32_t *saved;        /* (steps) saved index of a step's subproof, or -1 */
};

static void
cp_item(struct cproof *cp, char kind, uint32_t v)
{
	xgrow(&cp->it, &cp->capit, cp->nit + 1, sizeof *cp->it);
	cp->it[cp->nit].kind = kind;
	cp->it[cp->nit++].v = v;
}

static uint64_t
mix64(uint64_t h)
{
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 0x12345;

	for (; *s; s++)
		h = mix64(h ^ (unsigned char)*s);
	return h;
}

/* Emit step i (the root of its subproof) as items. */
static void
cp_emit(struct cproof *cp, const struct tl *p, uint32_t i)
{
	const char *lab = p->v[i];
	size_t k;

	if (cp->size[i] > 1) {
		/* the same subproof saved before? */
		for (uint32_t j = 0; j < i; j++)
			if (cp->saved[j] >= 0 && cp->hash[j] == cp->hash[i] &&
			    cp->size[j] == cp->size[i]) {
				cp_item(cp, 'S', (uint32_t)cp->saved[j]);
				return;
			}
	}
	for (uint32_t c = 0; c < cp->arity[i]; c++)
		cp_emit(cp, p, cp->kids[cp->kid0[i] + c]);
	for (k = 0; k < cp->mand.n && strcmp(cp->mand.v[k], lab) != 0; k++)
		;
	if (k < cp->mand.n) {
		cp_item(cp, 'M', (uint32_t)k);
	} else {
		for (k = 0; k < cp->list.n && strcmp(cp->list.v[k], lab) != 0; k++)
			;
		if (k == cp->list.n)
			tl_push(&cp->list, lab);
		cp_item(cp, 'L', (uint32_t)k);
	}
	if (cp->size[i] > 1) {
		/* saved if it occurs again */
		for (uint32_t j = i + 1; j < (uint32_t)p->n; j++)
			if (cp->hash[j] == cp->hash[i] && cp->size[j] == cp->size[i]) {
				cp_item(cp, 'Z', 0);
				cp->saved[i] = (int32_t)cp->nsaved++;
				break;
			}
	}
}

static void
cp_free(struct cproof *cp)
{
	tl_free(&cp->mand);
	tl_free(&cp->list);
	free(cp->it);
	free(cp->arity);
	free(cp->kid0);
	free(cp->kids);
	free(cp->size);
	free(cp->hash);
	free(cp->saved);
	memset(cp, 0, sizeof *cp);
}

/* Read w's normal proof into cp. Returns 0 if it is not a tree of known
 * labels (a mutant). */
static int
cp_read(struct cproof *cp, const struct mstate *w)
{
	const struct tl *p = &w->proof;
	uint32_t *stack, sp = 0, nk = 0;
	int32_t fs[256];
	size_t nf = 0;

	memset(cp, 0, sizeof *cp);
	/* the mandatory hypotheses */
	for (size_t h = 0; h <= w->nhyps; h++) {
		const struct tl *e = h == w->nhyps ? &w->stmt : &w->hyps[h];
		for (size_t k = 1; k < e->n; k++) {
			mm_sym x = sym_of(e->v[k]);
			size_t j;
			if (x < 0 || db->syms[x].kind != MM_VAR || db->syms[x].global_f < 0)
				continue;
			for (j = 0; j < nf && fs[j] != db->syms[x].global_f; j++)
				;
			if (j == nf && nf < 256)
				fs[nf++] = db->syms[x].global_f;
		}
	}
	for (size_t i = 1; i < nf; i++)   /* database order */
		for (size_t j = i; j > 0 && fs[j - 1] > fs[j]; j--) {
			int32_t t = fs[j];
			fs[j] = fs[j - 1];
			fs[j - 1] = t;
		}
	for (size_t i = 0; i < nf; i++)
		tl_push(&cp->mand, db->stmts[fs[i]].label);
	for (size_t h = 0; h < w->nhyps; h++)
		tl_push(&cp->mand, hyp_name((int)h + 1));

	cp->arity = xcalloc(p->n + 1, sizeof *cp->arity);
	cp->kid0 = xcalloc(p->n + 1, sizeof *cp->kid0);
	cp->kids = xcalloc(p->n + 1, sizeof *cp->kids);
	cp->size = xcalloc(p->n + 1, sizeof *cp->size);
	cp->hash = xcalloc(p->n + 1, sizeof *cp->hash);
	cp->saved = xcalloc(p->n + 1, sizeof *cp->saved);
	stack = xcalloc(p->n + 1, sizeof *stack);
	for (size_t i = 0; i < p->n; i++) {
		int32_t s = label_of(p->v[i]);
		uint32_t ar = 0;
		cp->saved[i] = -1;
		if (hyp_num(p->v[i])) {
			ar = 0;
		} else if (s < 0) {
			free(stack);
			return 0;
		} else if (is_assertion(s)) {
			ar = db->stmts[s].nhyps;
		}
		if (ar > sp) {
			free(stack);
			return 0;
		}
		cp->arity[i] = ar;
		cp->kid0[i] = nk;
		cp->size[i] = 1;
		cp->hash[i] = str_hash(p->v[i]);
		/* the children are the top `ar` entries, in order */
		for (uint32_t c = 0; c < ar; c++) {
			uint32_t kid = stack[sp - ar + c];
			cp->kids[nk++] = kid;
			cp->size[i] += cp->size[kid];
			cp->hash[i] = mix64(cp->hash[i] * 31 + cp->hash[kid]);
		}
		sp -= ar;
		stack[sp++] = (uint32_t)i;
	}
	if (sp != 1) {
		free(stack);
		return 0;
	}
	cp_emit(cp, p, stack[0]);
	free(stack);
	return 1;
}

/* Write cp as w's proof: "(", the label list, ")", the letters in chunks
 * of random length (white space may occur anywhere among the letters). */
static void
cp_write(const struct cproof *cp, struct mstate *w)
{
	char *letters = NULL;
	size_t n = 0, cap = 0;
	uint32_t m = (uint32_t)cp->mand.n, l = (uint32_t)cp->list.n;

	w->proof.n = 0;
	tl_push(&w->proof, "(");
	for (size_t i = 0; i < cp->list.n; i++)
		tl_push(&w->proof, cp->list.v[i]);
	tl_push(&w->proof, ")");
	for (size_t i = 0; i < cp->nit; i++) {
		char buf[16];
		size_t k = sizeof buf;
		uint32_t num;
		if (cp->it[i].kind == 'Z') {
			buf[--k] = 'Z';
		} else {
			num = cp->it[i].v + 1 + (cp->it[i].kind == 'L' ? m : 0) +
			      (cp->it[i].kind == 'S' ? m + l : 0);
			buf[--k] = (char)('A' + (num - 1) % 20);
			num = (num - 1) / 20;
			while (num > 0) {
				buf[--k] = (char)('U' + (num - 1) % 5);
				num = (num - 1) / 5;
			}
		}
		xgrow(&letters, &cap, n + sizeof buf + 1, 1);
		memcpy(letters + n, buf + k, sizeof buf - k);
		n += sizeof buf - k;
	}
	for (size_t i = 0; i < n;) {
		size_t len = 1 + rng_below(60);
		if (len > n - i)
			len = n - i;
		tl_push(&w->proof, keep(xstrndup(letters + i, len)));
		i += len;
	}
	free(letters);
}

/* Compress w's proof after the normal-proof mutation `pre` (NULL: none),
 * then apply the item mutation `how` (NULL: none). */
static int
compress(struct mstate *w, int (*pre)(struct mstate *), const char *how)
{
	struct cproof cp;
	int ok = 1;

	if (pre && !pre(w))
		return 0;
	if (!cp_read(&cp, w)) {
		cp_free(&cp);
		return 0;
	}
	if (!how) {
		/* as it is */
	} else if (strcmp(how, "number") == 0) {
		/* one number refers to another hypothesis, label or saved step */
		size_t i = rng_below(cp.nit);
		uint32_t total = (uint32_t)(cp.mand.n + cp.list.n) + cp.nsaved, num;
		if (cp.it[i].kind == 'Z' || total < 2) {
			ok = 0;
		} else {
			num = (uint32_t)rng_below(total);
			if (num < cp.mand.n) {
				cp.it[i].kind = 'M';
				cp.it[i].v = num;
			} else if (num < cp.mand.n + cp.list.n) {
				cp.it[i].kind = 'L';
				cp.it[i].v = num - (uint32_t)cp.mand.n;
			} else {
				cp.it[i].kind = 'S';
				cp.it[i].v = num - (uint32_t)(cp.mand.n + cp.list.n);
			}
		}
	} else if (strcmp(how, "z") == 0) {
		/* a Z deleted, or one added after a step */
		size_t i = rng_below(cp.nit);
		if (cp.it[i].kind == 'Z') {
			memmove(cp.it + i, cp.it + i + 1, (cp.nit - i - 1) * sizeof *cp.it);
			cp.nit--;
		} else {
			cp_item(&cp, 'Z', 0);
			memmove(cp.it + i + 2, cp.it + i + 1, (cp.nit - i - 2) * sizeof *cp.it);
			cp.it[i + 1].kind = 'Z';
			cp.it[i + 1].v = 0;
		}
	} else if (strcmp(how, "list") == 0) {
		/* two labels of the list swapped */
		if (cp.list.n < 2) {
			ok = 0;
		} else {
			size_t i = rng_below(cp.list.n), j = rng_below(cp.list.n);
			const char *t = cp.list.v[i];
			if (i == j)
				j = (i + 1) % cp.list.n;
			cp.list.v[i] = cp.list.v[j];
			cp.list.v[j] = t;
		}
	} else if (strcmp(how, "list-dup") == 0) {
		/* a label of the list listed twice (the copy at its end, unused) */
		if (cp.list.n == 0)
			ok = 0;
		else
			tl_push(&cp.list, cp.list.v[rng_below(cp.list.n)]);
	} else if (strcmp(how, "list-mand") == 0) {
		/* a mandatory hypothesis in the label list, at its end (unused) */
		if (cp.mand.n == 0)
			ok = 0;
		else
			tl_push(&cp.list, cp.mand.v[rng_below(cp.mand.n)]);
	}
	if (ok)
		cp_write(&cp, w);
	cp_free(&cp);
	if (ok && how && strcmp(how, "letter") == 0) {
		/* one letter inserted, deleted or replaced (A-Z or '?'): numbers
		 * left unfinished, a Z where none may be, an unknown step... */
		static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ?";
		size_t first, i, len;
		char *t;
		for (first = 0; strcmp(w->proof.v[first], ")") != 0; first++)
			;
		first++;
		if (first == w->proof.n)
			return 0;
		i = first + rng_below(w->proof.n - first);
		len = strlen(w->proof.v[i]);
		t = keep(xmalloc(len + 2));
		memcpy(t, w->proof.v[i], len + 1);
		switch (rng_below(3)) {
		case 0: {   /* insert */
			size_t at = rng_below(len + 1);
			memmove(t + at + 1, t + at, len - at + 1);
			t[at] = alphabet[rng_below(sizeof alphabet - 1)];
			break;
		}
		case 1:     /* delete */
			if (len < 2)
				return 0;
			{
				size_t at = rng_below(len);
				memmove(t + at, t + at + 1, len - at);
			}
			break;
		default: {  /* replace */
			size_t at = rng_below(len);
			char c = alphabet[rng_below(sizeof alphabet - 1)];
			if (c == t[at])
				return 0;
			t[at] = c;
		}
		}
		w->proof.v[i] = t;
	}
	return ok;
}

static int mut_compressed(struct mstate *w) { return compress(w, NULL, NULL); }
static int mut_compressed_hyp_order(struct mstate *w) { return compress(w, mut_hyp_order, NULL); }
static int mut_compressed_rename(struct mstate *w) { return compress(w, mut_rename_var, NULL); }
static int mut_compressed_subst(struct mstate *w) { return compress(w, mut_subst, NULL); }
static int mut_compressed_number(struct mstate *w) { return compress(w, NULL, "number"); }
static int mut_compressed_z(struct mstate *w) { return compress(w, NULL, "z"); }
static int mut_compressed_list(struct mstate *w) { return compress(w, NULL, "list"); }
static int mut_compressed_list_mand(struct mstate *w) { return compress(w, NULL, "list-mand"); }
static int mut_compressed_list_dup(struct mstate *w) { return compress(w, NULL, "list-dup"); }
static int mut_compressed_letter(struct mstate *w) { return compress(w, NULL, "letter"); }

/* Compressed, then H1 and H2 swapped in "hyps" only: the letters now number
 * the hypotheses in the wrong order. */
static int
mut_compressed_stale(struct mstate *w)
{
	struct tl t;

	if (w->nhyps < 2 || !compress(w, NULL, NULL))
		return 0;
	t = w->hyps[0];
	w->hyps[0] = w->hyps[1];
	w->hyps[1] = t;
	return 1;
}

struct kind {
	const char *name;
	int (*fn)(struct mstate *);
};

static const struct kind rpn_kinds[] = {
	{ "label-random", mut_label_random },
	{ "label-near", mut_label_near },
	{ "label-same", mut_label_same },
	{ "label-late", mut_label_late },
	{ "step-delete", mut_step_delete },
	{ "step-dup", mut_step_dup },
	{ "step-swap", mut_step_swap },
	{ "stmt-symbol", mut_stmt_symbol },
	{ "stmt-late", mut_stmt_late },
	{ "stmt-subexpr", mut_stmt_subexpr },
	{ "hyp-symbol", mut_hyp_symbol },
	{ "hyp-swap", mut_hyp_swap },
	{ "hyp-order", mut_hyp_order },
	{ "hyp-drop", mut_hyp_drop },
	{ "rename-var", mut_rename_var },
	{ "subst", mut_subst },
	{ "compressed", mut_compressed },
	{ "compressed-hyp-order", mut_compressed_hyp_order },
	{ "compressed-rename", mut_compressed_rename },
	{ "compressed-subst", mut_compressed_subst },
	{ "compressed-number", mut_compressed_number },
	{ "compressed-z", mut_compressed_z },
	{ "compressed-list", mut_compressed_list },
	{ "compressed-list-mand", mut_compressed_list_mand },
	{ "compressed-stale", mut_compressed_stale },
	{ "compressed-list-dup", mut_compressed_list_dup },
	{ "compressed-letter", mut_compressed_letter },
	{ "step-unknown", mut_step_unknown },
	{ "label-hidden", mut_label_hidden },
	{ "stmt-syntax", mut_stmt_syntax },
	{ "hyp-malformed", mut_hyp_malformed },
};
#define NRPN_KINDS (sizeof rpn_kinds / sizeof *rpn_kinds)

/* ---- steps mutations */

/* Could patterns a and b (prefix trees, MMS_PVAR leaves) have a common
 * instance, going by their shapes alone (a variable matches any subtree;
 * repeated variables are not checked)? */
static int
shapes_unify(const int32_t *a, uint32_t na, const int32_t *b, uint32_t nb)
{
	uint32_t i = 0, j = 0;

	while (i < na && j < nb) {
		if (a[i] < 0 || b[j] < 0) {
			i = mms_tree_skip(gram, a, i);
			j = mms_tree_skip(gram, b, j);
		} else if (a[i] != b[j]) {
			return 0;
		} else {
			i++;
			j++;
		}
	}
	return i == na && j == nb;
}

static const char *expand(const struct mstate *w);

static int
steps_label(struct mstate *w)
{
	int32_t ctx = w->o->ctx;

	for (int tries = 0; tries < 64; tries++) {
		size_t i = rng_below(w->proof.n);
		int32_t s = label_of(w->proof.v[i]);
		const struct mms_assert *x;
		if (hyp_num(w->proof.v[i]) || s < 0 || !(x = mms_assert_get(gram, s)) || x->err)
			continue;
		/* the assertions before the context that take as many expressions
		 * and steps (so that the proof still reads as a tree) and whose
		 * conclusion may fit: the first, in a random order, that makes the
		 * proof expand, else any of them */
		w->pool.n = 0;
		for (int32_t c = 0; c < ctx; c++) {
			const struct mms_assert *y = mms_assert_get(gram, c);
			if (c != s && y && !y->err && y->ness == x->ness && y->nwritten == x->nwritten &&
			    shapes_unify(gram->pat + x->concl, x->nconcl, gram->pat + y->concl,
			                 y->nconcl))
				tl_push(&w->pool, db->stmts[c].label);
		}
		if (w->pool.n == 0)
			continue;
		for (size_t k = w->pool.n; k > 1; k--) {
			size_t j = rng_below(k);
			const char *t = w->pool.v[k - 1];
			w->pool.v[k - 1] = w->pool.v[j];
			w->pool.v[j] = t;
		}
		for (size_t k = 0; k < w->pool.n && k < 64; k++) {
			w->proof.v[i] = w->pool.v[k];
			if (expand(w))
				return 1;
		}
		return 1;
	}
	return 0;
}

static int
steps_stmt_symbol(struct mstate *w)
{
	/* a variable by a variable: the ones most likely to still expand */
	if (w->stmt.n < 2)
		return 0;
	for (int tries = 0; tries < 20; tries++) {
		size_t i = 1 + rng_below(w->stmt.n - 1);
		mm_sym s = sym_of(w->stmt.v[i]);
		const char *nu;
		if (s < 0 || db->syms[s].kind != MM_VAR || w->ss.vars.n < 2)
			continue;
		do
			nu = w->ss.vars.v[rng_below(w->ss.vars.n)];
		while (strcmp(nu, w->stmt.v[i]) == 0);
		w->stmt.v[i] = nu;
		return 1;
	}
	return 0;
}

static int steps_rename_var(struct mstate *w) { return rename_any(w, 0); }

static const struct kind steps_kinds[] = {
	{ "steps-label", steps_label },
	{ "steps-delete", mut_step_delete },
	{ "steps-dup", mut_step_dup },
	{ "steps-swap", mut_step_swap },
	{ "steps-hyp-swap", mut_hyp_swap },
	{ "steps-hyp-order", mut_hyp_order },
	{ "steps-stmt-symbol", steps_stmt_symbol },
	{ "steps-rename-var", steps_rename_var },
};
#define NSTEPS_KINDS (sizeof steps_kinds / sizeof *steps_kinds)

/* ---- making mutants */

static void
work_start(struct mstate *w, struct orig *o, int steps)
{
	struct orig *r = o;

	if (!r->split) {
		tl_split(&r->tstmt, r->statement);
		tl_split(&r->tsteps, r->steps);
		tl_split(&r->trpn, r->rpn);
		r->thyps = xcalloc(r->nhyps + 1, sizeof *r->thyps);
		for (size_t h = 0; h < r->nhyps; h++)
			tl_split(&r->thyps[h], r->hyps[h]);
		r->split = 1;
	}
	w->o = o;
	tl_copy(&w->stmt, &r->tstmt);
	tl_copy(&w->proof, steps ? &r->tsteps : &r->trpn);
	for (size_t h = 0; h < w->nhyps; h++)
		tl_free(&w->hyps[h]);
	free(w->hyps);
	w->nhyps = o->nhyps;
	w->hyps = xcalloc(o->nhyps + 1, sizeof *w->hyps);
	for (size_t h = 0; h < o->nhyps; h++)
		tl_copy(&w->hyps[h], &r->thyps[h]);
}

static void
work_free(struct mstate *w)
{
	tl_free(&w->stmt);
	tl_free(&w->proof);
	for (size_t h = 0; h < w->nhyps; h++)
		tl_free(&w->hyps[h]);
	free(w->hyps);
	tl_free(&w->ss.vars);
	tl_free(&w->ss.consts);
	tl_free(&w->ss.late);
	tl_free(&w->pool);
}

static struct mutant *muts;
static size_t nmuts, capmuts;

static void
mutant_add(const struct mstate *w, const char *kind, int steps, const char *rpn)
{
	struct mutant *m;

	xgrow(&muts, &capmuts, nmuts + 1, sizeof *muts);
	m = &muts[nmuts++];
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->o = w->o;
	m->statement = tl_join(&w->stmt);
	m->nhyps = w->nhyps;
	m->hyps = xcalloc(w->nhyps + 1, sizeof *m->hyps);
	for (size_t h = 0; h < w->nhyps; h++)
		m->hyps[h] = tl_join(&w->hyps[h]);
	m->proof = tl_join(&w->proof);
	m->steps = steps;
	m->rpn = steps ? keep(xstrdup(rpn)) : m->proof;
}

/* Is the mutant in w the same as one made before for this context (from
 * index `from` on)? */
static int
duplicate(const struct mstate *w, size_t from, int steps)
{
	char *s = tl_text(&w->stmt, 0), *p = tl_text(&w->proof, 1);

	for (size_t i = from; i < nmuts; i++) {
		const struct mutant *m = &muts[i];
		size_t h;
		if (m->steps != steps || m->nhyps != w->nhyps || strcmp(m->statement, s) != 0 ||
		    strcmp(m->proof, p) != 0)
			continue;
		for (h = 0; h < w->nhyps; h++)
			if (strcmp(m->hyps[h], tl_text(&w->hyps[h], 2)) != 0)
				break;
		if (h == w->nhyps)
			return 1;
	}
	return 0;
}

/* Expand the steps proof in w as stp-verify would; on success the rpn text
 * (kept) else NULL. */
static const char *
expand(const struct mstate *w)
{
	static mm_sym buf[1 << 16];
	struct mm_cand c;
	struct mm_result res;
	struct mms_goal goal;
	struct mms_err err;
	const int32_t *refs;
	uint32_t nrefs;
	size_t used = 0;
	const char *out = NULL;
	char *text;

	memset(&c, 0, sizeof c);
	c.context = w->o->ctx;
	if (w->nhyps > MM_CAND_MAXHYPS)
		return NULL;
	for (size_t h = 0; h <= w->nhyps; h++) {
		int n;
		text = tl_text(h == 0 ? &w->stmt : &w->hyps[h - 1], 0);
		n = mm_cand_tokens(db, c.context, text, buf + used, sizeof buf / sizeof *buf - used,
		                   &res);
		if (n < 0)
			return NULL;
		if (h == 0) {
			c.expr = buf;
			c.len = (uint32_t)n;
		} else {
			c.hyp[h - 1] = buf + used;
			c.hyplen[h - 1] = (uint32_t)n;
		}
		used += (size_t)n;
	}
	c.nhyps = (uint32_t)w->nhyps;
	if (mm_cand_init(db, &c, NULL, 0, &res) < 0)
		return NULL;
	if (mms_goal_init(&goal, mms_expander_parser(expander), &c, &err) < 0)
		return NULL;
	text = tl_text(&w->proof, 0);
	if (mms_expand(expander, &goal, text, strlen(text), &refs, &nrefs, &err) == 0)
		out = keep(xstrdup(mms_expander_rpn(expander, NULL)));
	mms_goal_release(&goal);
	return out;
}

static size_t kind_turn;       /* round robin over the kinds, across contexts */

static void
make_context(struct mstate *w, struct orig *o, size_t nrpn, size_t nsteps)
{
	size_t first = nmuts, made;

	symsets_make(&w->ss, o->ctx);
	work_start(w, o, 0);
	mutant_add(w, "control", 0, NULL);
	for (made = 1; made < nrpn; made++) {
		int ok = 0;
		for (size_t k = 0; k < 3 * NRPN_KINDS && !ok; k++) {
			const struct kind *kd = &rpn_kinds[kind_turn++ % NRPN_KINDS];
			work_start(w, o, 0);
			ok = kd->fn(w) && !duplicate(w, first, 0);
			if (ok)
				mutant_add(w, kd->name, 0, NULL);
		}
		if (!ok)
			break;
	}
	if (nsteps == 0)
		return;
	work_start(w, o, 1);
	{
		const char *rpn = expand(w);
		if (!rpn)
			die(EX_DATAERR, "%s: the human proof does not expand", o->id);
		mutant_add(w, "steps-control", 1, rpn);
	}
	/* most random edits of a steps proof do not expand: try each kind
	 * (round robin) many times before moving on to the next */
	for (made = 1; made < nsteps; made++) {
		int ok = 0;
		for (size_t k = 0; k < NSTEPS_KINDS && !ok; k++) {
			const struct kind *kd = &steps_kinds[kind_turn++ % NSTEPS_KINDS];
			for (int tries = 0; tries < 50 && !ok; tries++) {
				const char *rpn;
				work_start(w, o, 1);
				if (!kd->fn(w) || duplicate(w, first, 1))
					continue;
				rpn = expand(w);
				if (rpn) {
					mutant_add(w, kd->name, 1, rpn);
					ok = 1;
				}
			}
		}
		if (!ok)
			break;
	}
}

/* ---- output */

/* Blocks open at byte pos of the database text: "${" minus "$}" outside
 * comments. */
static int
depth_at(size_t pos)
{
	const char *p = dbtext, *end = dbtext + pos;
	int depth = 0, comment = 0;

	while (p < end) {
		const char *t;
		while (p < end && is_space(*p))
			p++;
		t = p;
		while (p < end && !is_space(*p))
			p++;
		if (p - t != 2 || t[0] != '$')
			continue;
		if (comment) {
			comment = t[1] != ')';
		} else if (t[1] == '(') {
			comment = 1;
		} else if (t[1] == '{') {
			depth++;
		} else if (t[1] == '}') {
			depth--;
		}
	}
	return depth;
}

/* The proof with Hi renamed LABEL.i. */
static void
put_mm_proof(FILE *f, const char *rpn, const char *label)
{
	struct tl t = { 0 };

	tl_split(&t, rpn);
	for (size_t i = 0; i < t.n; i++) {
		int h = hyp_num(t.v[i]);
		if (h)
			fprintf(f, " %s.%d", label, h);
		else
			fprintf(f, " %s", t.v[i]);
	}
	tl_free(&t);
}

static void
check_close(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f))
		die(EX_IOERR, "write error on '%s':", path);
}

static void
write_all(const char *dir)
{
	char *apath = xasprintf("%s/attempts.jsonl", dir), *ipath = xasprintf("%s/index.tsv", dir);
	FILE *af = fopen(apath, "w"), *xf = fopen(ipath, "w");
	int nfile = 0;

	if (!af || !xf)
		die(EX_IOERR, "cannot create files in '%s':", dir);
	for (size_t i = 0; i < nmuts;) {
		const struct orig *o = muts[i].o;
		size_t j, pos = mm_stmt_pos(db, o->ctx), lablen = strlen(o->context);
		char *fname = xasprintf("ctx-%03d.mm", ++nfile);
		char *path = xasprintf("%s/%s", dir, fname);
		FILE *f = fopen(path, "w");
		int depth;

		if (!f)
			die(EX_IOERR, "cannot create '%s':", path);
		if (db->stmts[o->ctx].file != 0 || pos + lablen > dbtextlen ||
		    memcmp(dbtext + pos, o->context, lablen) != 0)
			die(EX_SOFTWARE, "%s: the label is not at its offset %zu", o->context, pos);
		depth = depth_at(pos);
		fwrite(dbtext, 1, pos, f);
		fprintf(f, "\n$( mutants: the database above is cut before '%s' $)\n", o->context);
		for (int d = 0; d < depth; d++)
			fputs("$}\n", f);
		for (j = i; j < nmuts && muts[j].o == o; j++) {
			struct mutant *m = &muts[j];
			char label[32];
			json_t *r, *h;

			m->num = (int)j + 1;
			snprintf(label, sizeof label, "mut%04d", m->num);
			if (label_of(label) >= 0 || sym_of(label) >= 0)
				die(EX_SOFTWARE, "label '%s' is taken in the database", label);
			fprintf(f, "\n$( %s of %s $)\n${\n", m->kind, o->id);
			for (size_t k = 0; k < m->nhyps; k++)
				fprintf(f, "  %s.%zu $e %s $.\n", label, k + 1, m->hyps[k]);
			fprintf(f, "  %s $p %s $=\n   ", label, m->statement);
			put_mm_proof(f, m->rpn, label);
			fputs(" $.\n$}\n", f);

			r = json_object();
			json_object_set_new(r, "id", json_string(keep(xasprintf("mut/%04d", m->num))));
			json_object_set_new(r, "system", json_string("metamath"));
			json_object_set_new(r, "context", json_string(o->context));
			json_object_set_new(r, "statement", json_string(m->statement));
			h = json_array();
			for (size_t k = 0; k < m->nhyps; k++)
				json_array_append_new(h, json_string(m->hyps[k]));
			json_object_set_new(r, "hyps", h);
			json_object_set_new(r, "proof", json_string(m->proof));
			json_object_set_new(r, "format", json_string(m->steps ? "steps" : "rpn"));
			json_object_set_new(r, "mutation", json_string(m->kind));
			json_object_set_new(r, "of", json_string(o->id));
			json_object_set_new(r, "mm_file", json_string(fname));
			json_object_set_new(r, "mm_label", json_string(label));
			if (json_dumpf(r, af, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
				die(EX_IOERR, "write error on '%s'", apath);
			fputc('\n', af);
			json_decref(r);
			fprintf(xf, "mut/%04d\t%s\t%s\t%s\n", m->num, m->kind, fname, label);
		}
		check_close(f, path);
		free(fname);
		free(path);
		i = j;
	}
	check_close(af, apath);
	check_close(xf, ipath);
	free(apath);
	free(ipath);

	/* every human proof as an rpn attempt */
	apath = xasprintf("%s/originals.jsonl", dir);
	if (!(af = fopen(apath, "w")))
		die(EX_IOERR, "cannot create '%s':", apath);
	for (size_t i = 0; i < norigs; i++) {
		const struct orig *o = &origs[i];
		json_t *r = json_object(), *h = json_array();
		json_object_set_new(r, "id", json_string(o->id));
		json_object_set_new(r, "system", json_string("metamath"));
		json_object_set_new(r, "context", json_string(o->context));
		json_object_set_new(r, "statement", json_string(o->statement));
		for (size_t k = 0; k < o->nhyps; k++)
			json_array_append_new(h, json_string(o->hyps[k]));
		json_object_set_new(r, "hyps", h);
		json_object_set_new(r, "proof", json_string(o->rpn));
		json_object_set_new(r, "format", json_string("rpn"));
		if (json_dumpf(r, af, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
			die(EX_IOERR, "write error on '%s'", apath);
		fputc('\n', af);
		json_decref(r);
	}
	check_close(af, apath);
	free(apath);
}

/* ---- main */

static const struct option longopts[] = {
	{ "seed", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'n' },
	{ "steps", required_argument, NULL, 't' },
	{ "per-context", required_argument, NULL, 'p' },
	{ "db", required_argument, NULL, 'D' },
	{ "proofs", required_argument, NULL, 'P' },
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	const char *dbpath = "data/mm-pc/pc.mm", *proofs = "data/mm-pc/proofs.jsonl";
	const char *out = NULL;
	long seed = 1, count = 600, nsteps = 150, per = 12;
	size_t ncontexts, *order;
	struct mstate w;
	char err[1024];
	int c, io = 0;

	msg_init(argv[0]);
	while ((c = getopt_long(argc, argv, "s:n:t:p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': seed = cli_long("--seed", optarg, 0, 2147483647L); break;
		case 'n': count = cli_long("--count", optarg, 1, 1000000); break;
		case 't': nsteps = cli_long("--steps", optarg, 0, 1000000); break;
		case 'p': per = cli_long("--per-context", optarg, 1, 10000); break;
		case 'D': dbpath = optarg; break;
		case 'P': proofs = optarg; break;
		case 'o': out = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			close_stdout();
			return 0;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (!out || optind != argc) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	rng_state = (uint64_t)seed;

	db = mm_db_load(dbpath, err, sizeof err, &io);
	if (!db)
		die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
	read_db_text(dbpath);
	gram = mms_grammar_new(db);
	expander = mms_expander_new(gram, NULL);
	read_proofs(proofs);

	/* contexts in a random order; each gets `per` rpn mutants and its share
	 * of the steps mutants */
	ncontexts = ((size_t)count + (size_t)per - 1) / (size_t)per;
	if (ncontexts > norigs)
		ncontexts = norigs;
	order = xmalloc(norigs * sizeof *order);
	for (size_t i = 0; i < norigs; i++)
		order[i] = i;
	for (size_t i = norigs; i > 1; i--) {
		size_t j = rng_below(i), t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	memset(&w, 0, sizeof w);
	{
		size_t left = (size_t)count, sleft = (size_t)nsteps;
		for (size_t i = 0; i < ncontexts; i++) {
			size_t n = left / (ncontexts - i), s = sleft / (ncontexts - i), before = nmuts;
			make_context(&w, &origs[order[i]], n, s);
			/* a context that cannot give them all leaves the rest to the others */
			for (size_t k = before; k < nmuts; k++)
				if (muts[k].steps)
					sleft--;
				else
					left--;
		}
	}
	write_all(out);
	progress("%zu mutants of %zu proofs written to %s", nmuts, ncontexts, out);

	work_free(&w);
	free(order);
	for (size_t i = 0; i < nmuts; i++)
		free(muts[i].hyps);
	free(muts);
	for (size_t i = 0; i < norigs; i++)
		orig_free(&origs[i]);
	free(origs);
	mms_expander_free(expander);
	mms_grammar_free(gram);
	mm_db_free(db);
	free(dbtext);
	kept_free();
	for (int k = 0; k < NSCRATCH; k++)
		free(scratch[k]);
	close_stdout();
	return 0;
}
