/*
 * semantics.c - truth tables for the propositional fragment of a database
 *
 * The design is in semantics.h. Tables are W words, row r of a table being
 * bit r % 64 of word r / 64, variable i true in row r iff bit i of r is set;
 * a statement's row space numbers its hypotheses' variables first, then the
 * goal's, then those of a written run.
 *
 *   trees       two passes: one from the end of the prefix array (children
 *               before parents) classifies each node, finds its children in
 *               body order and numbers its variables (struct nd, compile);
 *               one writes each node's table (exec)
 *   steps       an assertion's $e patterns word by word on a value stack
 *               (peval), their variables the goal's subtrees' tables, each
 *               written formula enumerated as a constant (viable_core)
 *   runs        a parser of the connectives' bodies reads the written
 *               symbols (p_sym: open connectives in struct pframe); the
 *               value sets of what is open are maps of 2x2 tables composed
 *               over the open connectives, so that each candidate symbol
 *               costs O(W) (mms_sem_run, mms_sem_run_next)
 *   self-check  every covered |- assertion when the semantics is built
 */
#include "mmsteps/semantics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define MAXV MMS_SEM_MAXVARS
#define MAXW (1u << (MAXV - 6))   /* words of a table with MAXV variables */
#define MAXWRITTEN 4              /* written formulas enumerated per assertion */
#define SLOT (-1)                 /* an argument's place in a connective's body */

/* connectives; arguments in the order the body writes them */
enum {
	OP_NOT, OP_IMP, OP_BI, OP_OR, OP_AND, OP_OR3, OP_AND3, OP_NAND, OP_XOR, OP_IF,
	OP_HADD, OP_CADD, OP_TRUE, OP_FALSE, NOPS
};

static const struct {
	const char *label;
	unsigned nargs;
} opdef[NOPS] = {
	[OP_NOT] = { "wn", 1 },     /* -. ph */
	[OP_IMP] = { "wi", 2 },     /* ( ph -> ps ) */
	[OP_BI] = { "wb", 2 },      /* ( ph <-> ps ) */
	[OP_OR] = { "wo", 2 },      /* ( ph \/ ps ) */
	[OP_AND] = { "wa", 2 },     /* ( ph /\ ps ) */
	[OP_OR3] = { "w3o", 3 },    /* ( ph \/ ps \/ ch ) */
	[OP_AND3] = { "w3a", 3 },   /* ( ph /\ ps /\ ch ) */
	[OP_NAND] = { "wnan", 2 },  /* ( ph -/\ ps ) */
	[OP_XOR] = { "wxo", 2 },    /* ( ph \/_ ps ) */
	[OP_IF] = { "wif", 3 },     /* if- ( ph , ps , ch ): ps if ph, else ch */
	[OP_HADD] = { "whad", 3 },  /* hadd ( ph , ps , ch ): the sum bit */
	[OP_CADD] = { "wcad", 3 },  /* cadd ( ph , ps , ch ): the carry (majority) */
	[OP_TRUE] = { "wtru", 0 },  /* T. */
	[OP_FALSE] = { "wfal", 0 }, /* F. */
};

static inline uint64_t
apply(int op, uint64_t a, uint64_t b, uint64_t c)
{
	switch (op) {
	case OP_NOT: return ~a;
	case OP_IMP: return ~a | b;
	case OP_BI: return ~(a ^ b);
	case OP_OR: return a | b;
	case OP_AND: return a & b;
	case OP_OR3: return a | b | c;
	case OP_AND3: return a & b & c;
	case OP_NAND: return ~(a & b);
	case OP_XOR: return a ^ b;
	case OP_IF: return (a & b) | (~a & c);
	case OP_HADD: return a ^ b ^ c;
	case OP_CADD: return (a & b) | (a & c) | (b & c);
	case OP_TRUE: return ~0ull;
	default: return 0;
	}
}

/* node classes (struct mms_sem's cls, struct nd's cls) */
#define C_UNKNOWN (-1)
#define C_VAR     NOPS        /* a formula variable ($f of the formula type) */
#define C_LEAF    (NOPS + 1)  /* a pattern variable: a table given by the caller */

/* variable i's column of word wi */
static const uint64_t colmask[6] = {
	0xaaaaaaaaaaaaaaaaull, 0xccccccccccccccccull, 0xf0f0f0f0f0f0f0f0ull,
	0xff00ff00ff00ff00ull, 0xffff0000ffff0000ull, 0xffffffff00000000ull,
};

static inline uint64_t
varword(uint32_t i, uint32_t wi)
{
	if (i < 6)
		return colmask[i];
	return (wi >> (i - 6)) & 1 ? ~0ull : 0;
}

static inline uint32_t
nwords(uint32_t nv)
{
	return nv <= 6 ? 1 : 1u << (nv - 6);
}

/* A connective's body, for the prefix parser: constants, and SLOT for each
 * argument (body order). */
struct body {
	int32_t stmt;
	int op;
	uint32_t len;
	int32_t sym[16];
};

struct mms_sem {
	const struct mms_grammar *g;
	int8_t *cls;           /* (nstmts) OP_*, C_VAR or C_UNKNOWN */
	uint8_t (*perm)[3];    /* (nstmts) a connective's arguments, body order: frame index */
	struct body body[NOPS];
	uint32_t nbody;
	mm_sym wff;            /* the formula typecode, -1 if no connective was found */
	int wfftype;           /* its syntax type index */
	int on;
	uint32_t naxioms, ntheorems;
	uint8_t *trivial;      /* (nasserts) its conclusion implies that some values of
	                          its written variables make every $e hypothesis true:
	                          at a goal that follows, it can always be the step */
	uint8_t *eok;          /* (ahyps) an $e pattern built from connectives only */
	uint32_t *start;       /* (nsyms) the bodies that begin with the symbol */
	char note[320];
};

struct mms_semhyps {
	int state;             /* H_OFF, H_ON, H_CONTRA */
	uint32_t nvars;        /* formula variables usable in the context */
	int tru, fal;          /* T., F. usable there, one symbol each */
	uint32_t neglen;       /* the length of -. x (x one symbol) there, 0: none */
	uint32_t bmin;         /* the shortest body there of any other connective */
	int pure;              /* only the connectives and formula variables can be
	                          written in the context: the prefix parser is exact */
	uint32_t opmask;       /* bodies usable in the context (bit i: s->body[i]) */
	uint32_t h;            /* variables of the hypotheses: numbered 0..h-1 */
	int32_t var[MAXV];     /* their $f statements */
	uint32_t W;            /* words of gam */
	uint64_t *gam;         /* (W) the conjunction of the hypotheses */
};

enum { H_OFF = 0, H_ON, H_CONTRA };

struct nd {
	int8_t cls;
	uint8_t known;         /* its table is computed: no unknown node below it */
	uint8_t var;           /* C_VAR: variable number; C_LEAF: pattern index */
	uint32_t kid[3];       /* a connective's arguments (body order): node positions */
};

/* An open connective of the prefix parser: the bodies it may still be
 * (bit i: s->body[i]; they agree on every symbol read so far), symbols read,
 * its arguments so far (tables: offsets into ptab). */
struct pframe {
	uint32_t ops, pos, nk;
	uint32_t kid[3];
};

struct mms_semwork {
	const struct mms_sem *s;
	int32_t var[MAXV];     /* the row space: variables' $f statements */
	uint32_t nv;
	struct nd *nd;
	size_t capnd;
	uint32_t *stk;
	size_t capstk;
	uint64_t *tab;         /* (n * W) scratch tables */
	size_t captab;
	/* the prepared goal (mms_sem_goal) */
	const int32_t *gt;
	uint32_t gn, gW, gnv;  /* its nodes, words, variables */
	int gok;
	int gent;              /* it follows from the hypotheses */
	uint64_t *gtab;
	size_t capgtab;
	uint8_t *gknown;
	size_t capgknown;
	/* mms_sem_viable's scratch */
	const uint64_t **leafv;
	size_t capleafv;
	uint64_t *ones, *zeros, *base, *cur, *acc, *aux;   /* (capw) each, in wb */
	uint64_t *wb;
	uint32_t capw;
	uint64_t *vt;          /* (MAXV * MAXW) variable columns, for the self-check */
	int32_t gvar[MAXV];    /* the prepared goal's row space */
	/* the prepared run (mms_sem_run): its row space (rnv variables, rW
	 * words), state (RS_*), top frame, whether it is viable as read, and
	 * tables rt: the map of the frames below the top [0, 4), the map of
	 * all of them from the open slot [4, 8) (RS_SLOT, RS_TOP), the rows
	 * where the open formula may be false, true [8], [9] (MAXW each) */
	int rok, rstate, rcur;
	uint32_t rnv, rW;
	int32_t rvar[MAXV];
	uint32_t rnfr, rptab;  /* the run's open frames; ptab's size after reading it */
	uint64_t *pm;          /* (rnfr * 4 rW) when rpm > 0: pm[i] maps frame i's open
	                          argument to the open formula (frames 0..i-1 composed) */
	size_t cappm;
	int rpm;
	struct pframe rtop;
	uint64_t *rt;
	uint32_t *jl;          /* viable_core's lists of $e hypotheses */
	size_t capjl;
	uint64_t *vstk;        /* peval's stack */
	size_t capvstk;
	/* the prefix parser: open connectives, and tables (W words each) */
	struct pframe *fr;
	size_t capfr;
	uint64_t *ptab;
	size_t capptab;
	uint32_t nptab;
};

/* The scratch tables (ones, zeros...) hold at least W words each. Grows
 * them, contents not kept: call it before taking pointers into them. */
static void
wbufs(struct mms_semwork *w, uint32_t W)
{
	uint64_t *b;

	if (W <= w->capw)
		return;
	b = xreallocarray(w->wb, 6 * (size_t)W, sizeof *b);
	w->wb = b;
	w->capw = W;
	w->ones = b;
	w->zeros = b + W;
	w->base = b + 2 * (size_t)W;
	w->cur = b + 3 * (size_t)W;
	w->acc = b + 4 * (size_t)W;
	w->aux = b + 5 * (size_t)W;
	for (uint32_t i = 0; i < W; i++) {
		w->ones[i] = ~0ull;
		w->zeros[i] = 0;
	}
}

/* ---- evaluation */

/* Number variable $f x in the row space: its index, or -1 when full. */
static int
var_index(struct mms_semwork *w, int32_t x)
{
	for (uint32_t i = 0; i < w->nv; i++)
		if (w->var[i] == x)
			return (int)i;
	if (w->nv == MAXV)
		return -1;
	w->var[w->nv] = x;
	return (int)w->nv++;
}

/*
 * Pass 1 over tree t[0..n): classes, children, variables (added to the row
 * space). Pattern leaf k (MMS_PVAR) is known iff k < nleaf and leafv[k] is
 * not NULL. Returns 1, or 0 when the tree has too many variables or is not
 * a tree (then nothing of it is known).
 */
static int
compile(struct mms_semwork *w, const int32_t *t, uint32_t n, const uint64_t *const *leafv,
        uint32_t nleaf)
{
	const struct mms_sem *s = w->s;
	const struct mms_grammar *g = s->g;
	size_t sp = 0;

	xgrow(&w->nd, &w->capnd, (size_t)n + 1, sizeof *w->nd);
	xgrow(&w->stk, &w->capstk, (size_t)n + 1, sizeof *w->stk);
	for (uint32_t i = n; i-- > 0;) {
		int32_t x = t[i];
		struct nd *d = &w->nd[i];
		uint32_t frame[3], ar;
		if (x < 0) {
			uint32_t k = MMS_PVAR_IDX(x);
			d->cls = C_LEAF;
			d->var = (uint8_t)(k < 256 ? k : 255);
			d->known = k < nleaf && k < 256 && leafv[k] != NULL;
			w->stk[sp++] = i;
			continue;
		}
		if (x >= g->db->nstmts)
			return 0;
		ar = g->arity[x];
		if (sp < ar)
			return 0;
		d->cls = s->cls[x];
		d->known = 1;
		if (d->cls == C_VAR) {
			int v = var_index(w, x);
			if (v < 0)
				return 0;
			d->var = (uint8_t)v;
		} else if (d->cls >= 0) {
			/* ar == opdef[cls].nargs <= 3 (mms_sem_new checked) */
			for (uint32_t q = 0; q < ar; q++) {
				frame[q] = w->stk[--sp];
				d->known &= w->nd[frame[q]].known;
			}
			for (uint32_t q = 0; q < ar; q++)
				d->kid[q] = frame[s->perm[x][q]];
		} else {
			sp -= ar;
			d->known = 0;
		}
		w->stk[sp++] = i;
	}
	return sp == 1;
}

/* Pass 2: the table of every known node into out[i * W ..], W words each. */
static void
exec(struct mms_semwork *w, uint32_t n, uint32_t W, const uint64_t *const *leafv,
     uint64_t *out)
{
	wbufs(w, W);
	for (uint32_t i = n; i-- > 0;) {
		const struct nd *d = &w->nd[i];
		uint64_t *o = out + (size_t)i * W;
		if (!d->known)
			continue;
		if (d->cls == C_LEAF) {
			memcpy(o, leafv[d->var], W * sizeof *o);
		} else if (d->cls == C_VAR) {
			for (uint32_t wi = 0; wi < W; wi++)
				o[wi] = varword(d->var, wi);
		} else {
			int op = d->cls;
			unsigned na = opdef[op].nargs;
			const uint64_t *a = na > 0 ? out + (size_t)d->kid[0] * W : w->zeros;
			const uint64_t *b = na > 1 ? out + (size_t)d->kid[1] * W : w->zeros;
			const uint64_t *c = na > 2 ? out + (size_t)d->kid[2] * W : w->zeros;
			for (uint32_t wi = 0; wi < W; wi++)
				o[wi] = apply(op, a[wi], b[wi], c[wi]);
		}
	}
}

/* Evaluate t[0..n) in the current row space (variables of t are added)
 * over W words (0: as many as the row space needs; pattern leaves hold W
 * words): its table is w->tab[0..W). Returns W, or 0 when t is not judged
 * (or its variables need more words than W). */
static uint32_t
eval(struct mms_semwork *w, const int32_t *t, uint32_t n, const uint64_t *const *leafv,
     uint32_t nleaf, uint32_t W)
{
	if (!n || !compile(w, t, n, leafv, nleaf) || !w->nd[0].known)
		return 0;
	if (!W)
		W = nwords(w->nv);
	else if (nwords(w->nv) > W)
		return 0;
	xgrow(&w->tab, &w->captab, (size_t)n * W + 1, sizeof *w->tab);
	exec(w, n, W, leafv, w->tab);
	return W;
}

/* Does h hold only where c does (c over the row space, W words)? */
static int
covers(const struct mms_semhyps *h, const uint64_t *c, uint32_t W)
{
	for (uint32_t wi = 0; wi < W; wi++)
		if (h->gam[wi & (h->W - 1)] & ~c[wi])
			return 0;
	return 1;
}

/* ---- the connectives, and the self-check */

/* Is statement x the connective op, in the shape opdef says: a syntax
 * axiom the parser uses, nargs formula arguments each written once, a
 * formula result? Then its argument order into perm. */
static int
connective(struct mms_sem *s, int32_t x, int op, mm_sym *wff)
{
	const struct mms_grammar *g = s->g;
	const struct mm_db *db = g->db;
	const struct mm_stmt *st = &db->stmts[x];
	const int32_t *hy = mm_stmt_hyps(db, x);
	mm_sym tc = mm_stmt_expr(db, x)[0];
	uint32_t q = 0, seen = 0;
	struct body *b = &s->body[s->nbody];

	if (st->kind != MM_A || !g->in_grammar[x] || g->bodymap[x] < 0 ||
	    g->arity[x] != opdef[op].nargs || st->nhyps != opdef[op].nargs ||
	    st->len - 1 > sizeof b->sym / sizeof *b->sym || st->len < 2)
		return 0;
	if (*wff >= 0 && tc != *wff)
		return 0;
	for (uint32_t k = 0; k < st->nhyps; k++)
		if (db->stmts[hy[k]].kind != MM_F || mm_stmt_expr(db, hy[k])[0] != tc)
			return 0;
	for (uint32_t p = 0; p + 1 < st->len; p++) {
		int16_t f = g->kidmap[g->bodymap[x] + p];
		b->sym[p] = f < 0 ? mm_stmt_expr(db, x)[1 + p] : SLOT;
		if (f < 0)
			continue;
		if (q == opdef[op].nargs || f >= (int16_t)opdef[op].nargs || (seen >> f & 1))
			return 0;
		seen |= 1u << f;
		s->perm[x][q++] = (uint8_t)f;
	}
	if (q != opdef[op].nargs)
		return 0;
	*wff = tc;
	b->stmt = x;
	b->op = op;
	b->len = st->len - 1;
	s->nbody++;
	return 1;
}

/* Is $p s's proof complete (no '?', every label resolved)? */
static int
proof_complete(const struct mm_db *db, int32_t s)
{
	const struct mm_proofsrc *p;

	if (db->stmts[s].proof < 0)
		return 0;
	p = &db->proofs[db->stmts[s].proof];
	if (p->err)
		return 0;
	if (p->compressed)
		return !p->letters || !memchr(p->letters, '?', p->nletters);
	for (uint32_t i = 0; i < p->nrefs; i++)
		if (db->ilist[p->refs + i] < 0)
			return 0;
	return 1;
}

/* Does the conclusion (table c) imply, on every row, that some values of
 * the written variables (columns wv[0..m)) make the $e hypotheses (table e)
 * true? nv variables, W words. */
static int
implies_exists(const uint64_t *c, const uint64_t *e, uint32_t nv, const uint32_t *wv,
               uint32_t m)
{
	uint32_t ymask = 0;

	for (uint32_t q = 0; q < m; q++)
		ymask |= 1u << wv[q];
	for (uint32_t r = 0; r < 1u << nv; r++) {
		uint32_t y = 0, ok = 0;
		if (!(c[r / 64] >> (r % 64) & 1))
			continue;
		do {   /* every value of the written variables, by subsets of ymask */
			uint32_t r2 = (r & ~ymask) | y;
			ok = e[r2 / 64] >> (r2 % 64) & 1;
			y = (y - ymask) & ymask;
		} while (!ok && y);
		if (!ok)
			return 0;
	}
	return 1;
}

/* The self-check of assertion a: -1 when not judged (other syntax, too many
 * variables), 1 when its conclusion follows from its $e hypotheses, 0 not.
 * Also s->trivial[a]. */
static int
check_assert(struct mms_semwork *w, struct mms_sem *s, const struct mms_assert *a)
{
	const struct mms_grammar *g = s->g;
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	const uint64_t *leafv[256];
	uint64_t *gam;
	uint32_t nv = 0, W, wv[MAXWRITTEN], m = 0;
	int trivial = 1;

	if (a->err || a->nhyps > 255 || mms_type_of(g, a->typecode) != s->wfftype)
		return -1;
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (!h[k].ess && h[k].type == s->wfftype)
			nv++;
	if (nv > MAXV)
		return -1;
	W = nwords(nv);
	wbufs(w, W);
	gam = w->acc;
	if (!w->vt)
		w->vt = xmalloc((size_t)MAXV * MAXW * sizeof *w->vt);
	nv = 0;
	for (uint32_t k = 0; k < a->nhyps; k++) {
		leafv[k] = NULL;
		if (!h[k].ess && h[k].written) {
			if (h[k].type == s->wfftype && m < MAXWRITTEN)
				wv[m++] = nv;
			else
				trivial = 0;
		}
		if (h[k].ess || h[k].type != s->wfftype)
			continue;
		for (uint32_t wi = 0; wi < W; wi++)
			w->vt[(size_t)nv * MAXW + wi] = varword(nv, wi);
		leafv[k] = w->vt + (size_t)nv++ * MAXW;
	}
	/* the row space: nv variables, columns given as pattern leaves */
	w->nv = nv;
	for (uint32_t i = 0; i < nv; i++)
		w->var[i] = -1;
	for (uint32_t wi = 0; wi < W; wi++)
		gam[wi] = ~0ull;
	for (uint32_t k = 0; k < a->nhyps; k++) {
		if (!h[k].ess)
			continue;
		if (!eval(w, g->pat + h[k].pat, h[k].npat, leafv, a->nhyps, W))
			return -1;
		for (uint32_t wi = 0; wi < W; wi++)
			gam[wi] &= w->tab[wi];
	}
	if (!eval(w, g->pat + a->concl, a->nconcl, leafv, a->nhyps, W))
		return -1;
	if (trivial && nv <= 12)
		s->trivial[a - g->asserts] = (uint8_t)implies_exists(w->tab, gam, nv, wv, m);
	for (uint32_t wi = 0; wi < W; wi++)
		if (gam[wi] & ~w->tab[wi])
			return 0;
	return 1;
}

struct mms_sem *
mms_sem_new(const struct mms_grammar *g)
{
	const struct mm_db *db = g->db;
	struct mms_sem *s = xcalloc(1, sizeof *s);
	struct mms_semwork *w;
	uint32_t nops = 0;

	s->g = g;
	s->wff = -1;
	s->wfftype = -1;
	s->cls = xmalloc((size_t)db->nstmts + 1);
	s->perm = xcalloc((size_t)db->nstmts + 1, sizeof *s->perm);
	memset(s->cls, C_UNKNOWN, (size_t)db->nstmts + 1);
	for (int32_t x = 0; x < db->nstmts; x++) {
		const char *l = db->stmts[x].label;
		for (int op = 0; op < NOPS; op++)
			if (!strcmp(l, opdef[op].label) && connective(s, x, op, &s->wff)) {
				s->cls[x] = (int8_t)op;
				nops++;
				break;
			}
	}
	if (!nops) {
		snprintf(s->note, sizeof s->note, "semantic filter off: no propositional connective "
		         "(wn, wi, ...) in the database");
		return s;
	}
	s->wfftype = mms_type_of(g, s->wff);
	s->start = xcalloc((size_t)db->nsyms + 1, sizeof *s->start);
	for (uint32_t i = 0; i < s->nbody; i++)
		if (s->body[i].sym[0] >= 0 && s->body[i].sym[0] < db->nsyms)
			s->start[s->body[i].sym[0]] |= 1u << i;
	for (int32_t x = 0; x < db->nstmts; x++)
		if (db->stmts[x].kind == MM_F && mm_stmt_expr(db, x)[0] == s->wff)
			s->cls[x] = C_VAR;
	s->on = 1;
	s->trivial = xcalloc((size_t)g->nasserts + 1, 1);
	{
		size_t nah = 0;
		for (uint32_t ai = 0; ai < g->nasserts; ai++)
			if (g->asserts[ai].hyps + g->asserts[ai].nhyps > nah)
				nah = g->asserts[ai].hyps + g->asserts[ai].nhyps;
		s->eok = xcalloc(nah + 1, 1);
		for (uint32_t ai = 0; ai < g->nasserts; ai++) {
			const struct mms_assert *a = &g->asserts[ai];
			for (uint32_t k = 0; k < a->nhyps && !a->err; k++) {
				const struct mms_ahyp *e = &g->ahyps[a->hyps + k];
				int ok = e->ess;
				for (uint32_t i = 0; i < e->npat && ok; i++) {
					int32_t x = g->pat[e->pat + i];
					ok = x < 0 || (s->cls[x] >= 0 && s->cls[x] < NOPS);
				}
				s->eok[a->hyps + k] = (uint8_t)ok;
			}
		}
	}
	/* the self-check: every |- assertion the truth tables cover */
	w = mms_semwork_new(s);
	for (uint32_t ai = 0; ai < g->nasserts && s->on; ai++) {
		const struct mms_assert *a = &g->asserts[ai];
		const struct mm_stmt *st = &db->stmts[a->stmt];
		int r = check_assert(w, s, a);
		if (r < 0 || (st->kind == MM_P && !proof_complete(db, a->stmt)))
			continue;
		if (st->kind == MM_A)
			s->naxioms++;
		else
			s->ntheorems++;
		if (r == 0) {
			s->on = 0;
			snprintf(s->note, sizeof s->note, "semantic filter off: %s '%.60s' %s under the "
			         "truth tables of the connectives", st->kind == MM_A ? "axiom" : "theorem",
			         st->label, a->ness ? "does not follow from its hypotheses" :
			         "is not a tautology");
		}
	}
	mms_semwork_free(w);
	if (s->on)
		snprintf(s->note, sizeof s->note, "semantic filter on: %u connectives; %u axioms and "
		         "definitions and %u theorems hold under their truth tables", nops,
		         s->naxioms, s->ntheorems);
	return s;
}

void
mms_sem_free(struct mms_sem *s)
{
	if (!s)
		return;
	free(s->cls);
	free(s->perm);
	free(s->trivial);
	free(s->eok);
	free(s->start);
	free(s);
}

int
mms_sem_on(const struct mms_sem *s)
{
	return s->on;
}

const char *
mms_sem_note(const struct mms_sem *s)
{
	return s->note;
}

void
mms_sem_checked(const struct mms_sem *s, uint32_t *naxioms, uint32_t *ntheorems)
{
	if (naxioms)
		*naxioms = s->naxioms;
	if (ntheorems)
		*ntheorems = s->ntheorems;
}

/* ---- scratch */

struct mms_semwork *
mms_semwork_new(const struct mms_sem *s)
{
	struct mms_semwork *w = xcalloc(1, sizeof *w);

	w->s = s;
	wbufs(w, 1);
	return w;
}

void
mms_semwork_free(struct mms_semwork *w)
{
	if (!w)
		return;
	free(w->nd);
	free(w->stk);
	free(w->tab);
	free(w->gtab);
	free(w->gknown);
	free(w->leafv);
	free(w->wb);
	free(w->vt);
	free(w->rt);
	free(w->pm);
	free(w->fr);
	free(w->ptab);
	free(w->jl);
	free(w->vstk);
	free(w);
}

/* ---- a statement's hypotheses */

/* Can the prefix parser read every expression that can be written in
 * context ctx (writable[t]: an expression of type t can be written)? Only
 * formula expressions, built from the connectives, each beginning with a
 * constant. Also the connectives usable there, into *opmask. */
static int
pure_context(const struct mms_sem *s, int32_t ctx, const uint8_t *writable, uint32_t *opmask)
{
	const struct mms_grammar *g = s->g;
	const struct mm_db *db = g->db;

	*opmask = 0;
	for (uint32_t i = 0; i < s->nbody; i++)
		if (s->body[i].stmt < ctx)
			*opmask |= 1u << i;
	if (!writable)
		return 0;
	for (int t = 0; t < g->ntypes; t++)
		if (writable[t] && t != s->wfftype)
			return 0;
	for (int32_t x = 0; x < ctx && x < db->nstmts; x++) {
		const struct mm_stmt *st = &db->stmts[x];
		const int32_t *hy = mm_stmt_hyps(db, x);
		int ok = 1, rt;
		if (st->kind != MM_A || !g->in_grammar[x])
			continue;
		rt = mms_type_of(g, mm_stmt_expr(db, x)[0]);
		if (rt < 0 || !writable[rt])
			continue;
		for (uint32_t k = 0; k < st->nhyps && ok; k++) {
			int at = mms_type_of(g, mm_stmt_expr(db, hy[k])[0]);
			ok = at >= 0 && writable[at];
		}
		if (!ok)
			continue;      /* an argument that cannot be written */
		if (s->cls[x] < 0 || s->cls[x] >= NOPS)
			return 0;
	}
	for (uint32_t i = 0; i < s->nbody; i++)
		if ((*opmask >> i & 1) && s->body[i].sym[0] == SLOT)
			return 0;
	return 1;
}

struct mms_semhyps *
mms_semhyps_new(const struct mms_sem *s, struct mms_semwork *w0, int32_t ctx,
                const uint8_t *writable, uint32_t nvars, const int32_t *const *hyp,
                const uint32_t *len, uint32_t n)
{
	struct mms_semhyps *h = xcalloc(1, sizeof *h);
	struct mms_semwork *w = w0 ? w0 : mms_semwork_new(s);
	uint64_t any = 0;

	h->state = H_OFF;
	h->W = 1;
	h->gam = xmalloc(sizeof *h->gam);
	h->gam[0] = ~0ull;
	if (!s->on)
		goto out;
	h->pure = pure_context(s, ctx, writable, &h->opmask);
	h->nvars = nvars;
	h->bmin = 1u << 16;
	for (uint32_t i = 0; i < s->nbody; i++) {
		const struct body *b = &s->body[i];
		if (!(h->opmask >> i & 1))
			continue;
		if (b->op == OP_NOT)
			h->neglen = b->len;
		else if (b->op == OP_TRUE && b->len == 1)
			h->tru = 1;
		else if (b->op == OP_FALSE && b->len == 1)
			h->fal = 1;
		else if (b->len < h->bmin)
			h->bmin = b->len;
	}
	/* number the variables first: every table is over all of them */
	w->nv = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!compile(w, hyp[i], len[i], NULL, 0) || !w->nd[0].known)
			goto out;
	h->h = w->nv;
	memcpy(h->var, w->var, sizeof h->var);
	h->W = nwords(h->h);
	h->gam = xreallocarray(h->gam, h->W, sizeof *h->gam);
	for (uint32_t wi = 0; wi < h->W; wi++)
		h->gam[wi] = ~0ull;
	for (uint32_t i = 0; i < n; i++) {
		eval(w, hyp[i], len[i], NULL, 0, h->W);
		for (uint32_t wi = 0; wi < h->W; wi++)
			h->gam[wi] &= w->tab[wi];
	}
	for (uint32_t wi = 0; wi < h->W; wi++)
		any |= h->gam[wi];
	h->state = any ? H_ON : H_CONTRA;
out:
	if (!w0)
		mms_semwork_free(w);
	return h;
}

void
mms_semhyps_free(struct mms_semhyps *h)
{
	if (!h)
		return;
	free(h->gam);
	free(h);
}

int
mms_semhyps_active(const struct mms_semhyps *h)
{
	return h->state == H_ON;
}

int
mms_sem_trivial(const struct mms_sem *s, uint32_t ai)
{
	return s->on && s->trivial && ai < s->g->nasserts && s->trivial[ai];
}

uint32_t
mms_semhyps_maxextra(const struct mms_semhyps *h)
{
	if (h->state != H_ON || !h->pure)
		return 0;
	return (h->neglen > h->bmin ? h->neglen : h->bmin) - 1;
}

/* Start a row space with the hypotheses' variables. */
static void
rows_init(struct mms_semwork *w, const struct mms_semhyps *h)
{
	w->nv = h->h;
	memcpy(w->var, h->var, h->h * sizeof *w->var);
}

int
mms_sem_entailed(struct mms_semwork *w, const struct mms_semhyps *h, const int32_t *t,
                 uint32_t n)
{
	uint32_t W;

	if (h->state == H_OFF)
		return MMS_SEM_UNKNOWN;
	if (h->state == H_CONTRA)
		return MMS_SEM_YES;
	rows_init(w, h);
	W = eval(w, t, n, NULL, 0, 0);
	if (!W)
		return MMS_SEM_UNKNOWN;
	return covers(h, w->tab, W) ? MMS_SEM_YES : MMS_SEM_NO;
}

/* ---- assertions as steps */

/* The prepared goal's tables over W words (its row space may grow: the
 * variables of a written run come after it). */
static void
goal_tables(struct mms_semwork *w, uint32_t W)
{
	const int32_t *t = w->gt;
	uint32_t n = w->gn;

	w->nv = w->gnv;
	memcpy(w->var, w->gvar, w->gnv * sizeof *w->var);
	compile(w, t, n, NULL, 0);
	xgrow(&w->gtab, &w->capgtab, (size_t)n * W + 1, sizeof *w->gtab);
	exec(w, n, W, NULL, w->gtab);
	w->gW = W;
}

int
mms_sem_goal(struct mms_semwork *w, const struct mms_semhyps *h, const int32_t *t, uint32_t n)
{
	uint32_t W;

	w->gok = 0;
	if (h->state != H_ON || !n)
		return 0;
	rows_init(w, h);
	if (!compile(w, t, n, NULL, 0))
		return 0;
	W = nwords(w->nv);
	xgrow(&w->gtab, &w->capgtab, (size_t)n * W + 1, sizeof *w->gtab);
	xgrow(&w->gknown, &w->capgknown, (size_t)n + 1, 1);
	exec(w, n, W, NULL, w->gtab);
	for (uint32_t i = 0; i < n; i++)
		w->gknown[i] = w->nd[i].known;
	w->gt = t;
	w->gn = n;
	w->gW = W;
	w->gnv = w->nv;
	memcpy(w->gvar, w->var, w->nv * sizeof *w->var);
	w->gent = w->gknown[0] && covers(h, w->gtab, W);
	w->gok = 1;
	return 1;
}

/* Does pattern pat[0..np) have a leaf k with dep[k]? */
static int
uses(const int32_t *pat, uint32_t np, const uint8_t *dep)
{
	for (uint32_t i = 0; i < np; i++)
		if (pat[i] < 0 && dep[MMS_PVAR_IDX(pat[i])])
			return 1;
	return 0;
}

/* Can pattern pat[0..np) be evaluated: every leaf has a table in leafv,
 * every node is a connective? */
static int
pknown(const struct mms_sem *s, const int32_t *pat, uint32_t np, const uint64_t *const *leafv)
{
	for (uint32_t i = 0; i < np; i++) {
		int32_t x = pat[i];
		if (x < 0 ? !leafv[MMS_PVAR_IDX(x)] : s->cls[x] < 0 || s->cls[x] >= NOPS)
			return 0;
	}
	return 1;
}

/* Word wi of the table of pattern pat[0..np) (pknown), its leaves' tables
 * in leafv: a value stack, children before parents from the end. */
static uint64_t
peval(const struct mms_sem *s, uint64_t *stk, const int32_t *pat, uint32_t np,
      const uint64_t *const *leafv, uint32_t wi)
{
	size_t sp = 0;

	for (uint32_t i = np; i-- > 0;) {
		int32_t x = pat[i];
		uint64_t f[3] = { 0, 0, 0 };
		int op;
		unsigned na;
		if (x < 0) {
			stk[sp++] = leafv[MMS_PVAR_IDX(x)][wi];
			continue;
		}
		op = s->cls[x];
		na = opdef[op].nargs;
		for (unsigned q = 0; q < na; q++)
			f[q] = stk[--sp];
		stk[sp++] = apply(op, na > 0 ? f[s->perm[x][0]] : 0, na > 1 ? f[s->perm[x][1]] : 0,
		                  na > 2 ? f[s->perm[x][2]] : 0);
	}
	return stk[0];
}

/*
 * The test of mms_sem_viable, where written formula q (the q-th written
 * variable of formula type, frame order) can take value v on a row only
 * where can[q][v] is set (NULL: anywhere). Returns 1 viable, 0 not.
 * With freeq >= 0 (can not NULL), formula freeq is left free and the rows
 * where its value v leaves the $e hypotheses true for some values of the
 * others go into okv (W words each; rows outside h may be left 0): the
 * caller tests its own values. Word by word, so that a row block that
 * fails stops the test.
 */
static int
viable_core(struct mms_semwork *w, const struct mms_semhyps *h, const struct mms_assert *a,
            const struct mms_span *sub, const uint64_t *const (*can)[2], int freeq,
            uint64_t *ok0, uint64_t *ok1)
{
	const struct mms_sem *s = w->s;
	const struct mms_grammar *g = s->g;
	const struct mms_ahyp *hy = g->ahyps + a->hyps;
	uint32_t W = w->gW, m = 0, wpos[MAXWRITTEN], ndet = 0, ndep = 0, maxp = 1;
	uint32_t *det, *dp;
	uint8_t dep[256];
	int all = 1;           /* every variable has a table: no leaf to check */

	wbufs(w, W);
	xgrow(&w->leafv, &w->capleafv, (size_t)a->nhyps + 1, sizeof *w->leafv);
	xgrow(&w->jl, &w->capjl, 2 * (size_t)a->nhyps + 2, sizeof *w->jl);
	det = w->jl;
	dp = w->jl + a->nhyps + 1;
	memset(dep, 0, a->nhyps);
	for (uint32_t k = 0; k < a->nhyps; k++) {
		w->leafv[k] = NULL;
		if (hy[k].ess)
			continue;
		if (hy[k].written) {
			/* a formula: any truth function; enumerated as constants */
			if (hy[k].type == s->wfftype && m < MAXWRITTEN) {
				wpos[m++] = k;
				dep[k] = 1;
				w->leafv[k] = w->zeros;
			} else {
				all = 0;
			}
			continue;
		}
		if (sub[k].t && sub[k].t >= w->gt && sub[k].t < w->gt + w->gn) {
			uint32_t p = (uint32_t)(sub[k].t - w->gt);
			if (w->gknown[p])
				w->leafv[k] = w->gtab + (size_t)p * W;
		}
		all &= w->leafv[k] != NULL;
	}
	/* the $e hypotheses that can be judged: determined by the match, or
	 * depending on the written formulas */
	for (uint32_t j = 0; j < a->nhyps; j++) {
		const int32_t *pat = g->pat + hy[j].pat;
		if (!hy[j].ess || !s->eok[a->hyps + j] ||
		    (!all && !pknown(s, pat, hy[j].npat, w->leafv)))
			continue;
		if (uses(pat, hy[j].npat, dep))
			dp[ndep++] = j;
		else
			det[ndet++] = j;
		maxp = hy[j].npat > maxp ? hy[j].npat : maxp;
	}
	xgrow(&w->vstk, &w->capvstk, maxp + 1, sizeof *w->vstk);
	if (freeq >= 0) {
		memset(ok0, 0, W * sizeof *ok0);
		memset(ok1, 0, W * sizeof *ok1);
	}
	for (uint32_t wi = 0; wi < W; wi++) {
		uint64_t gm = h->gam[wi & (h->W - 1)], base = ~0ull, acc = 0;
		if (!gm)
			continue;
		/* those the match determines must follow */
		for (uint32_t x = 0; x < ndet; x++) {
			const struct mms_ahyp *e = &hy[det[x]];
			base &= peval(s, w->vstk, g->pat + e->pat, e->npat, w->leafv, wi);
		}
		if (freeq < 0 && (gm & ~base))
			return 0;
		if (freeq < 0 && !ndep)
			continue;
		/* the others: on each row, some values of the written formulas */
		for (uint32_t b = 0; b < 1u << m; b++) {
			uint64_t cur = base;
			for (uint32_t q = 0; q < m; q++) {
				const uint64_t *c = can && (int)q != freeq ? can[q][b >> q & 1] : NULL;
				w->leafv[wpos[q]] = (b >> q & 1) ? w->ones : w->zeros;
				if (c)
					cur &= c[wi];
			}
			for (uint32_t x = 0; x < ndep && cur; x++) {
				const struct mms_ahyp *e = &hy[dp[x]];
				cur &= peval(s, w->vstk, g->pat + e->pat, e->npat, w->leafv, wi);
			}
			if (freeq >= 0) {
				if (b >> freeq & 1)
					ok1[wi] |= cur;
				else
					ok0[wi] |= cur;
				continue;
			}
			acc |= cur;
			if (!(gm & ~acc))
				break;
		}
		if (freeq < 0 && (gm & ~acc))
			return 0;
	}
	return 1;
}

int
mms_sem_viable(struct mms_semwork *w, const struct mms_semhyps *h, const struct mms_assert *a,
               const struct mms_span *sub)
{
	if (!w->gok || !a->ness || a->nhyps > 255 || h->state != H_ON)
		return 1;
	/* the goal follows from h (every goal the filter lets through does):
	 * so do the $e hypotheses, for some written values */
	if (w->s->trivial[a - w->s->g->asserts] && w->gent)
		return 1;
	return viable_core(w, h, a, sub, NULL, -1, NULL, NULL);
}

/* ---- the prefix parser: written formulas as far as they are read */

/* A new table (W words) in ptab: its offset. */
static uint32_t
ptab_new(struct mms_semwork *w, uint32_t W)
{
	uint32_t at = w->nptab;

	w->nptab += W;
	xgrow(&w->ptab, &w->capptab, w->nptab, sizeof *w->ptab);
	return at;
}

/* The parse: ndone formulas complete (tables done[]), the next one open in
 * frames fr[0..nfr). */
struct pstate {
	uint32_t ndone, done[MAXWRITTEN], nfr;
};

/* Table of connective body i applied to the tables at kid[]. */
static uint32_t
p_apply(struct mms_semwork *w, uint32_t i, const uint32_t *kid, uint32_t W)
{
	int op = w->s->body[i].op;
	unsigned na = opdef[op].nargs;
	uint32_t t = ptab_new(w, W);
	uint64_t *o = w->ptab + t;
	const uint64_t *a = na > 0 ? w->ptab + kid[0] : w->zeros;
	const uint64_t *b = na > 1 ? w->ptab + kid[1] : w->zeros;
	const uint64_t *c = na > 2 ? w->ptab + kid[2] : w->zeros;

	for (uint32_t wi = 0; wi < W; wi++)
		o[wi] = apply(op, a[wi], b[wi], c[wi]);
	return t;
}

static int p_complete(struct mms_semwork *w, struct pstate *ps, uint32_t t, uint32_t W);

/* After the top frame read a symbol: does its body end (complete it), or
 * what comes next? 0: the parser cannot follow (bodies that disagree). */
static int
p_settle(struct mms_semwork *w, struct pstate *ps, uint32_t W)
{
	const struct mms_sem *s = w->s;
	struct pframe *f = &w->fr[ps->nfr - 1];
	uint32_t nend = 0, nslot = 0, nops = 0, last = 0;

	for (uint32_t o = f->ops; o; o &= o - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(o);
		nops++;
		last = i;
		if (s->body[i].len == f->pos)
			nend++;
		else if (s->body[i].sym[f->pos] == SLOT)
			nslot++;
	}
	if (nend) {
		uint32_t kid[3];
		if (nend != nops || nops != 1)
			return 0;
		memcpy(kid, f->kid, sizeof kid);
		ps->nfr--;
		return p_complete(w, ps, p_apply(w, last, kid, W), W);
	}
	return nslot == 0 || nslot == nops;
}

/* A formula with table t is complete: an argument of the top frame, or the
 * next written formula. */
static int
p_complete(struct mms_semwork *w, struct pstate *ps, uint32_t t, uint32_t W)
{
	struct pframe *f;

	if (!ps->nfr) {
		if (ps->ndone == MAXWRITTEN)
			return 0;
		ps->done[ps->ndone++] = t;
		return 1;
	}
	f = &w->fr[ps->nfr - 1];
	if (f->nk == 3)
		return 0;
	f->kid[f->nk++] = t;
	f->pos++;
	return p_settle(w, ps, W);
}

/* Read math symbol x. 0: the parser cannot follow. */
static int
p_sym(struct mms_semwork *w, const struct mms_semhyps *h, struct pstate *ps, mm_sym x,
      uint32_t W)
{
	const struct mms_sem *s = w->s;
	const struct mm_db *db = s->g->db;
	struct pframe *f = ps->nfr ? &w->fr[ps->nfr - 1] : NULL;
	uint32_t ops = 0;

	if (x < 0 || x >= db->nsyms)
		return 0;
	if (f) {
		/* a constant of the open bodies, or the start of an argument */
		uint32_t i = (uint32_t)__builtin_ctz(f->ops);
		if (s->body[i].sym[f->pos] != SLOT) {
			for (uint32_t o = f->ops; o; o &= o - 1) {
				uint32_t j = (uint32_t)__builtin_ctz(o);
				if (s->body[j].sym[f->pos] == x)
					ops |= 1u << j;
			}
			if (!ops)
				return 0;
			f->ops = ops;
			f->pos++;
			return p_settle(w, ps, W);
		}
	}
	if (db->syms[x].kind == MM_VAR) {
		int32_t fx = db->syms[x].global_f;
		int v;
		uint32_t t;
		if (fx < 0 || s->cls[fx] != C_VAR || (v = var_index(w, fx)) < 0 ||
		    nwords(w->nv) > W)
			return 0;
		t = ptab_new(w, W);
		for (uint32_t wi = 0; wi < W; wi++)
			w->ptab[t + wi] = varword((uint32_t)v, wi);
		return p_complete(w, ps, t, W);
	}
	ops = s->start[x] & h->opmask;
	if (!ops)
		return 0;
	xgrow(&w->fr, &w->capfr, (size_t)ps->nfr + 1, sizeof *w->fr);
	w->fr[ps->nfr++] = (struct pframe){ ops, 1, 0, { 0, 0, 0 } };
	return p_settle(w, ps, W);
}

/* ---- the prepared run: candidates for the next symbol in O(W) each */

/* A map of value sets, from an argument's (p0, p1) (the rows where it can
 * be false, true) to a formula's (r0, r1): r_v = (A[v][0] & p0) | (A[v][1] & p1),
 * tables A[v][b] at a[(2v + b) * W] (4W words). The value sets of a formula are such
 * a map of those of its open argument: the other arguments are fixed
 * (written) or free, and independent of it. */
static void
map_identity(uint64_t *a, uint32_t W)
{
	for (uint32_t wi = 0; wi < W; wi++) {
		a[0 * W + wi] = ~0ull;
		a[1 * W + wi] = 0;
		a[2 * W + wi] = 0;
		a[3 * W + wi] = ~0ull;
	}
}

/* out = outer after inner (out may be outer; not inner). */
static void
map_compose(uint64_t *out, const uint64_t *outer, const uint64_t *inner, uint32_t W)
{
	for (uint32_t wi = 0; wi < W; wi++) {
		uint64_t o[4], r[4];
		for (int k = 0; k < 4; k++)
			o[k] = outer[k * W + wi];
		for (int v = 0; v < 2; v++)
			for (int c = 0; c < 2; c++)
				r[2 * v + c] = (o[2 * v] & inner[(0 + c) * W + wi]) |
				               (o[2 * v + 1] & inner[(2 + c) * W + wi]);
		for (int k = 0; k < 4; k++)
			out[k * W + wi] = r[k];
	}
}

/* The value sets (c0, c1) that map a gives argument value sets (p0, p1). */
static void
map_apply(const uint64_t *a, const uint64_t *p0, const uint64_t *p1, uint64_t *c0,
          uint64_t *c1, uint32_t W)
{
	for (uint32_t wi = 0; wi < W; wi++) {
		uint64_t x0 = p0[wi], x1 = p1[wi];
		c0[wi] = (a[0 * W + wi] & x0) | (a[1 * W + wi] & x1);
		c1[wi] = (a[2 * W + wi] & x0) | (a[3 * W + wi] & x1);
	}
}

/* Frame f's map from its open argument (number f->nk) to its value: the
 * arguments before it written, those after it free; any of its bodies. */
static void
frame_map(const struct mms_semwork *w, const struct pframe *f, uint64_t *a, uint32_t W)
{
	const struct mms_sem *s = w->s;

	for (int k = 0; k < 4; k++)
		memset(a + k * W, 0, W * sizeof *a);
	for (uint32_t i = 0; i < s->nbody; i++) {
		int op = s->body[i].op;
		unsigned na = opdef[op].nargs;
		if (!(f->ops >> i & 1) || f->nk >= na)
			continue;
		for (uint32_t x = 0; x < 1u << na; x++) {
			unsigned v = (unsigned)(apply(op, x & 1 ? ~0ull : 0, x & 2 ? ~0ull : 0,
			                              x & 4 ? ~0ull : 0) & 1);
			uint64_t *o = a + (2 * v + (x >> f->nk & 1)) * W;
			for (uint32_t wi = 0; wi < W; wi++) {
				uint64_t m = ~0ull;
				for (unsigned q = 0; q < f->nk; q++) {
					uint64_t t = w->ptab[f->kid[q] + wi];
					m &= (x >> q & 1) ? t : ~t;
				}
				o[wi] |= m;
			}
		}
	}
}

/* m = m after frame f's map (tmp: 4W words of scratch). A negation only
 * swaps m's columns. */
static void
map_frame(const struct mms_semwork *w, uint64_t *m, const struct pframe *f, uint64_t *tmp,
          uint32_t W)
{
	const struct mms_sem *s = w->s;

	if (!(f->ops & (f->ops - 1)) && s->body[__builtin_ctz(f->ops)].op == OP_NOT) {
		for (uint32_t wi = 0; wi < W; wi++) {
			uint64_t x = m[0 * W + wi], y = m[2 * W + wi];
			m[0 * W + wi] = m[1 * W + wi];
			m[1 * W + wi] = x;
			m[2 * W + wi] = m[3 * W + wi];
			m[3 * W + wi] = y;
		}
		return;
	}
	frame_map(w, f, tmp, W);
	map_compose(m, m, tmp, W);
}

/* The prefix maps of the run's frames, once per run (0: too large). */
static int
run_pm(struct mms_semwork *w)
{
	uint32_t W = w->rW, nfr = w->rnfr;

	if (w->rpm)
		return w->rpm > 0;
	w->rpm = -1;
	if ((size_t)nfr * 4 * W > (1u << 20))
		return 0;
	if (nfr) {
		xgrow(&w->pm, &w->cappm, (size_t)nfr * 4 * W, sizeof *w->pm);
		map_identity(w->pm, W);
		for (uint32_t i = 0; i + 1 < nfr; i++) {
			uint64_t *m = w->pm + (size_t)(i + 1) * 4 * W;
			memcpy(m, m - 4 * W, 4 * W * sizeof *m);
			map_frame(w, m, &w->fr[i], w->rt + 10 * MAXW, W);
		}
	}
	w->rpm = 1;
	return 1;
}

/* Frame f's value sets, its arguments from f->nk on free. */
static void
frame_value(const struct mms_semwork *w, const struct pframe *f, uint64_t *c0, uint64_t *c1,
            uint32_t W)
{
	const struct mms_sem *s = w->s;

	memset(c0, 0, W * sizeof *c0);
	memset(c1, 0, W * sizeof *c1);
	for (uint32_t i = 0; i < s->nbody; i++) {
		int op = s->body[i].op;
		unsigned na = opdef[op].nargs;
		if (!(f->ops >> i & 1))
			continue;
		for (uint32_t x = 0; x < 1u << na; x++) {
			uint64_t *o = apply(op, x & 1 ? ~0ull : 0, x & 2 ? ~0ull : 0,
			                    x & 4 ? ~0ull : 0) & 1 ? c1 : c0;
			for (uint32_t wi = 0; wi < W; wi++) {
				uint64_t m = ~0ull;
				for (unsigned q = 0; q < f->nk && q < na; q++) {
					uint64_t t = w->ptab[f->kid[q] + wi];
					m &= (x >> q & 1) ? t : ~t;
				}
				o[wi] |= m;
			}
		}
	}
}

/* Does the open formula with value sets (c0, c1) keep the run viable? */
static int
run_covers(const struct mms_semwork *w, const struct mms_semhyps *h, const uint64_t *c0,
           const uint64_t *c1)
{
	const uint64_t *ok0 = w->rt + 8 * MAXW, *ok1 = w->rt + 9 * MAXW;

	for (uint32_t wi = 0; wi < w->rW; wi++)
		if (h->gam[wi & (h->W - 1)] & ~((ok0[wi] & c0[wi]) | (ok1[wi] & c1[wi])))
			return 0;
	return 1;
}

enum { RS_TOP, RS_SLOT, RS_CONST };

int
mms_sem_run(struct mms_semwork *w, const struct mms_semhyps *h, const struct mms_assert *a,
            const struct mms_span *sub, const mm_sym *run, uint32_t n)
{
	const struct mms_ahyp *hy = w->s->g->ahyps + a->hyps;
	const struct mm_db *db = w->s->g->db;
	const uint64_t *can[MAXWRITTEN][2];
	uint64_t *mb, *mt, *c0, *c1;
	uint32_t W, m = 0, need, neg[MAXWRITTEN];
	struct pstate ps = { 0, { 0 }, 0 };

	w->rok = 0;
	if (!w->gok || !h->pure || h->state != H_ON || a->nhyps > 255)
		return 0;
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (!hy[k].ess && hy[k].written) {
			if (hy[k].type != w->s->wfftype || m == MAXWRITTEN)
				return 0;
			m++;
		}
	/* the goal's row space, the run's variables after it, and room for
	 * one more (a candidate's); the goal's tables widen to fit */
	w->nv = w->gnv;
	memcpy(w->var, w->gvar, w->gnv * sizeof *w->var);
	for (uint32_t i = 0; i < n; i++) {
		mm_sym x = run[i];
		if (x >= 0 && x < db->nsyms && db->syms[x].kind == MM_VAR &&
		    db->syms[x].global_f >= 0 && var_index(w, db->syms[x].global_f) < 0)
			return 0;
	}
	need = w->nv < MAXV ? w->nv + 1 : w->nv;
	if (nwords(need) > w->gW)
		goal_tables(w, nwords(need));
	W = w->gW;
	wbufs(w, W);
	w->nv = w->gnv;
	memcpy(w->var, w->gvar, w->gnv * sizeof *w->var);
	w->nptab = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!p_sym(w, h, &ps, run[i], W))
			return 0;
	if (ps.ndone >= m)
		return 0;   /* nothing more can be read */
	if (!w->rt)
		w->rt = xmalloc(16 * (size_t)MAXW * sizeof *w->rt);
	mb = w->rt;
	mt = w->rt + 4 * MAXW;
	c0 = w->cur;
	c1 = w->acc;
	w->rW = W;
	w->rnv = w->nv;
	memcpy(w->rvar, w->var, w->nv * sizeof *w->var);
	/* the formulas so far: written ones fixed, the open one free, the
	 * rest free; which values of the open one keep the $e hypotheses
	 * able to follow, per row (ok0, ok1) */
	for (uint32_t q = 0; q < ps.ndone; q++) {
		uint32_t t = ps.done[q];
		neg[q] = ptab_new(w, W);
		for (uint32_t wi = 0; wi < W; wi++)
			w->ptab[neg[q] + wi] = ~w->ptab[t + wi];
	}
	/* (ptab does not grow from here on) */
	for (uint32_t q = 0; q < m; q++) {
		can[q][0] = q < ps.ndone ? w->ptab + neg[q] : NULL;
		can[q][1] = q < ps.ndone ? w->ptab + ps.done[q] : NULL;
	}
	viable_core(w, h, a, sub, can, (int)ps.ndone, w->rt + 8 * MAXW, w->rt + 9 * MAXW);
	/* the open formula: the frames below the top as one map */
	map_identity(mb, W);
	for (uint32_t i = 0; i + 1 < ps.nfr; i++)
		map_frame(w, mb, &w->fr[i], mt, W);
	/* the same for each frame (for the length bounds of mms_sem_run_next):
	 * when first asked */
	w->rnfr = ps.nfr;
	w->rpm = 0;
	if (!ps.nfr) {
		w->rstate = RS_TOP;
		map_identity(mt, W);
	} else {
		const struct pframe *f = &w->fr[ps.nfr - 1];
		uint32_t i = (uint32_t)__builtin_ctz(f->ops);
		w->rtop = *f;
		if (w->s->body[i].sym[f->pos] == SLOT) {
			w->rstate = RS_SLOT;
			frame_map(w, f, mt, W);
			map_compose(mt, mb, mt, W);
		} else {
			w->rstate = RS_CONST;
		}
	}
	/* the run as read */
	if (w->rstate == RS_CONST) {
		frame_value(w, &w->rtop, w->base, w->aux, W);
		map_apply(mb, w->base, w->aux, c0, c1, W);
	} else {
		map_apply(mt, w->ones, w->ones, c0, c1, W);
	}
	w->rcur = run_covers(w, h, c0, c1);
	w->rptab = w->nptab;
	w->rok = 1;
	return 1;
}

/* Does a filling whose value on row r is x(r) meet (r0, r1) on every row of
 * h? x is: variable v (v >= 0), its negation (neg), or, for v < 0, any value
 * (-1: a variable that occurs nowhere else), true (-2), false (-3). */
static int
fits(const struct mms_semhyps *h, uint32_t W, const uint64_t *r0, const uint64_t *r1, int v,
     int neg)
{
	for (uint32_t wi = 0; wi < W; wi++) {
		uint64_t ok;
		if (v >= 0) {
			uint64_t x = varword((uint32_t)v, wi) ^ (neg ? ~0ull : 0);
			ok = (r0[wi] & ~x) | (r1[wi] & x);
		} else {
			ok = v == -1 ? r0[wi] & r1[wi] : v == -2 ? r1[wi] : r0[wi];
		}
		if (h->gam[wi & (h->W - 1)] & ~ok)
			return 0;
	}
	return 1;
}

/*
 * Fewest symbols of a formula that can fill a slot whose value may be v on
 * the rows where rv is set (W words over the row space's nv variables), in
 * a pure context. Atoms are the formulas of one symbol (variables, and T.
 * and F. where their bodies are one symbol); a chain of negations over an
 * atom has the atom's value or its negation, and every other formula is at
 * least as long as the shortest other body (h->bmin; its arguments take a
 * symbol each). So: 1 if an atom fits, else the negation's length if a
 * negated atom fits and that is shorter, else h->bmin.
 */
static uint32_t
slot_min(const struct mms_semhyps *h, uint32_t nv, uint32_t W, const uint64_t *r0,
         const uint64_t *r1)
{
	int neg = h->neglen && h->neglen < h->bmin && ((h->tru && fits(h, W, r0, r1, -3, 0)) ||
	                                                (h->fal && fits(h, W, r0, r1, -2, 0)));

	if ((h->nvars > nv && fits(h, W, r0, r1, -1, 0)) || (h->tru && fits(h, W, r0, r1, -2, 0)) ||
	    (h->fal && fits(h, W, r0, r1, -3, 0)))
		return 1;
	for (uint32_t v = 0; v < nv; v++) {
		if (fits(h, W, r0, r1, (int)v, 0))
			return 1;
		neg = neg || (h->neglen && h->neglen < h->bmin && fits(h, W, r0, r1, (int)v, 1));
	}
	return neg ? h->neglen : h->bmin;
}

/* The bound for the open argument of frame f (not in w->fr), composed into
 * the open formula by map m (4W words): extra symbols beyond one. 0 when f
 * may end without another argument. */
static uint32_t
slot_extra(struct mms_semwork *w, const struct mms_semhyps *h, const uint64_t *m,
           const struct pframe *f)
{
	const struct mms_sem *s = w->s;
	uint32_t W = w->rW;
	uint64_t *a = w->rt + 10 * MAXW, *r0 = w->cur, *r1 = w->acc;
	const uint64_t *ok0 = w->rt + 8 * MAXW, *ok1 = w->rt + 9 * MAXW;

	for (uint32_t o = f->ops; o; o &= o - 1)
		if (opdef[s->body[__builtin_ctz(o)].op].nargs <= f->nk)
			return 0;
	frame_map(w, f, a, W);
	map_compose(a, m, a, W);
	for (uint32_t wi = 0; wi < W; wi++) {
		r0[wi] = (a[0 * W + wi] & ok0[wi]) | (a[2 * W + wi] & ok1[wi]);
		r1[wi] = (a[1 * W + wi] & ok0[wi]) | (a[3 * W + wi] & ok1[wi]);
	}
	return slot_min(h, w->rnv, W, r0, r1) - 1;
}

/* A formula with table val completes the open argument of frame i: the
 * bound for the argument that must come next (completing frames on the
 * way), 0 when there is none or it is not certain. */
static uint32_t
cascade_extra(struct mms_semwork *w, const struct mms_semhyps *h, int i, uint32_t val)
{
	const struct mms_sem *s = w->s;
	uint32_t W = w->rW;

	while (i >= 0) {
		struct pframe f = w->fr[i];
		uint32_t nmore = 0, nops = 0, last = 0;
		if (f.nk == 3)
			return 0;
		f.kid[f.nk++] = val;
		f.pos++;
		for (uint32_t o = f.ops; o; o &= o - 1) {
			last = (uint32_t)__builtin_ctz(o);
			nops++;
			nmore += opdef[s->body[last].op].nargs > f.nk;
		}
		if (nmore)
			return nmore == nops ? slot_extra(w, h, w->pm + (size_t)i * 4 * W, &f) : 0;
		/* no argument left: the frame's value is known once it ends */
		if (nops != 1)
			return 0;
		val = p_apply(w, last, f.kid, W);
		i--;
	}
	return 0;
}

void
mms_sem_run_clear(struct mms_semwork *w)
{
	w->rok = 0;
}

int
mms_sem_run_next(struct mms_semwork *w, const struct mms_semhyps *h, mm_sym x,
                 uint32_t *extra)
{
	const struct mms_sem *s = w->s;
	const struct mm_db *db = s->g->db;
	const uint64_t *mb = w->rt, *mt = w->rt + 4 * MAXW;
	uint64_t *v0 = w->base, *v1 = w->aux, *c0 = w->cur, *c1 = w->acc;
	uint32_t W = w->rW, ops = 0, top = w->rnfr;
	int r;

	if (extra)
		*extra = 0;
	if (!w->rok || x < 0 || x >= db->nsyms)
		return MMS_SEM_UNKNOWN;
	w->nptab = w->rptab;
	if (w->rstate == RS_CONST) {
		/* a constant of the open bodies: fewer bodies, or the end */
		struct pframe f = w->rtop;
		uint32_t nend = 0, nops = 0, last = 0;
		for (uint32_t o = f.ops; o; o &= o - 1) {
			uint32_t j = (uint32_t)__builtin_ctz(o);
			if (s->body[j].sym[f.pos] == x)
				ops |= 1u << j;
		}
		if (!ops)
			return MMS_SEM_UNKNOWN;
		f.ops = ops;
		f.pos++;
		for (uint32_t j = 0; j < s->nbody; j++)
			if (ops >> j & 1) {
				nops++;
				last = j;
				nend += s->body[j].len == f.pos;
			}
		if (nend && (nend != nops || nops != 1))
			return MMS_SEM_UNKNOWN;
		frame_value(w, &f, v0, v1, W);   /* with no argument free: exact */
		map_apply(mb, v0, v1, c0, c1, W);
		r = run_covers(w, h, c0, c1) ? MMS_SEM_YES : MMS_SEM_NO;
		if (r == MMS_SEM_YES && extra && run_pm(w)) {
			uint32_t nmore = 0;
			for (uint32_t o = f.ops; o; o &= o - 1)
				nmore += opdef[s->body[__builtin_ctz(o)].op].nargs > f.nk;
			if (nmore)
				*extra = nmore == nops ?
				         slot_extra(w, h, w->pm + (size_t)(top - 1) * 4 * W, &f) : 0;
			else if (nops == 1)
				*extra = cascade_extra(w, h, (int)top - 2, p_apply(w, last, f.kid, W));
		}
		return r;
	}
	/* a formula begins at the open slot */
	if (db->syms[x].kind == MM_VAR) {
		int32_t fx = db->syms[x].global_f;
		uint32_t v;
		if (fx < 0 || s->cls[fx] != C_VAR)
			return MMS_SEM_UNKNOWN;
		for (v = 0; v < w->rnv && w->rvar[v] != fx; v++)
			;
		if (v == MAXV || nwords(v + 1) > W)
			return MMS_SEM_UNKNOWN;
		for (uint32_t wi = 0; wi < W; wi++) {
			v1[wi] = varword(v, wi);
			v0[wi] = ~v1[wi];
		}
		map_apply(mt, v0, v1, c0, c1, W);
		r = run_covers(w, h, c0, c1) ? MMS_SEM_YES : MMS_SEM_NO;
		if (r == MMS_SEM_YES && extra && top && run_pm(w)) {
			uint32_t t = ptab_new(w, W);
			memcpy(w->ptab + t, v1, W * sizeof *v1);
			*extra = cascade_extra(w, h, (int)top - 1, t);
		}
		return r;
	}
	ops = s->start[x] & h->opmask;
	if (!ops)
		return MMS_SEM_UNKNOWN;
	if (!(ops & (ops - 1)) && s->body[__builtin_ctz(ops)].len == 1) {
		/* T., F.: a constant formula */
		uint64_t c = apply(s->body[__builtin_ctz(ops)].op, 0, 0, 0);
		for (uint32_t wi = 0; wi < W; wi++) {
			v1[wi] = c;
			v0[wi] = ~c;
		}
		map_apply(mt, v0, v1, c0, c1, W);
		r = run_covers(w, h, c0, c1) ? MMS_SEM_YES : MMS_SEM_NO;
		if (r == MMS_SEM_YES && extra && top && run_pm(w)) {
			uint32_t t = ptab_new(w, W);
			memcpy(w->ptab + t, v1, W * sizeof *v1);
			*extra = cascade_extra(w, h, (int)top - 1, t);
		}
		return r;
	}
	for (uint32_t j = 0; j < s->nbody; j++)
		if ((ops >> j & 1) && (opdef[s->body[j].op].nargs == 0 || s->body[j].len == 1))
			return MMS_SEM_UNKNOWN;
	/* a connective with every argument free takes any value, as the
	 * free slot did: nothing changes but the bound for its first argument */
	if (!w->rcur)
		return MMS_SEM_NO;
	if (extra) {
		struct pframe g = { ops, 1, 0, { 0, 0, 0 } };
		*extra = slot_extra(w, h, mt, &g);
	}
	return MMS_SEM_YES;
}

uint32_t
mms_sem_written_extra(struct mms_semwork *w, const struct mms_semhyps *h,
                      const struct mms_assert *a, const struct mms_span *sub)
{
	const struct mms_ahyp *hy = w->s->g->ahyps + a->hyps;
	uint64_t *ok0 = w->rt ? w->rt + 14 * MAXW : NULL, *ok1 = ok0 ? ok0 + MAXW : NULL;
	uint32_t m = 0, extra = 0;

	if (!w->gok || !h->pure || h->state != H_ON || a->nhyps > 255)
		return 0;
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (!hy[k].ess && hy[k].written) {
			if (hy[k].type != w->s->wfftype || m == MAXWRITTEN)
				return 0;
			m++;
		}
	if (!w->rt) {
		w->rt = xmalloc(16 * (size_t)MAXW * sizeof *w->rt);
		ok0 = w->rt + 14 * MAXW;
		ok1 = ok0 + MAXW;
	}
	/* each written formula, the others free */
	for (uint32_t q = 0; q < m; q++) {
		viable_core(w, h, a, sub, NULL, (int)q, ok0, ok1);
		extra += slot_min(h, w->gnv, w->gW, ok0, ok1) - 1;
	}
	return extra;
}

/* ---- whole statements */

/* The tree of one expression's text into *t (grown), its length into *n;
 * 0 when it does not parse. */
static int
text_tree(struct mms_parser *p, int32_t ctx, const char *text, int32_t **t, size_t *cap,
          uint32_t *n)
{
	const struct mm_db *db = mms_parser_grammar(p)->db;
	struct mm_result res;
	struct mms_err err;
	mm_sym buf[4096];
	int k = mm_cand_tokens(db, ctx, text, buf, 4096, &res);
	long len;

	if (k <= 0)
		return 0;
	xgrow(t, cap, 4096, sizeof **t);
	len = mms_parse_stmt(p, ctx, buf, (uint32_t)k, *t, *cap, &err);
	if (len <= 0)
		return 0;
	*n = (uint32_t)len;
	return 1;
}

int
mms_sem_statement(const struct mms_sem *s, struct mms_semwork *w, struct mms_parser *p,
                  int32_t ctx, const char *statement, const char *const *hyps, size_t nh)
{
	int32_t *tree[MM_CAND_MAXHYPS + 1];
	size_t cap[MM_CAND_MAXHYPS + 1];
	uint32_t len[MM_CAND_MAXHYPS + 1];
	struct mms_semhyps *h;
	int r = MMS_SEM_UNKNOWN;
	size_t made = 0;

	if (!s->on || nh > MM_CAND_MAXHYPS)
		return MMS_SEM_UNKNOWN;
	for (size_t i = 0; i <= nh; i++) {
		tree[i] = NULL;
		cap[i] = 0;
		made = i + 1;
		if (!text_tree(p, ctx, i < nh ? hyps[i] : statement, &tree[i], &cap[i], &len[i]))
			goto out;
	}
	h = mms_semhyps_new(s, w, ctx, NULL, 0, (const int32_t *const *)tree, len, (uint32_t)nh);
	r = mms_sem_entailed(w, h, tree[nh], len[nh]);
	mms_semhyps_free(h);
out:
	for (size_t i = 0; i < made; i++)
		free(tree[i]);
	return r;
}
