/*
 * constrain.c - the proof-state constraint for sampling steps proofs
 *
 * The design is in constrain.h. In short:
 *
 *   the index     a discrimination tree over every usable assertion's
 *                 conclusion (typecode, then the pattern in prefix order with
 *                 each variable a wildcard), so that a goal's candidate labels
 *                 are found by one walk; a second one holds only the
 *                 assertions that take nothing (no $e, no written variable),
 *                 for the 1-token lower bound of a goal
 *   the goal      per statement: minimal lengths per syntax type and per trie
 *                 node from the syntax before the context, the variables
 *                 usable there, the minimal cost of each assertion as a step
 *   the state     a stack of entries, each with its goal tree in one arena
 *                 laid out in stack order: pending steps, and ancestors (an
 *                 expanded goal whose $e subgoals are still pending, kept for
 *                 the cycle rule); a label's run of expressions is an Earley
 *                 parse over the grammar's trie, item = (trie node, origin)
 *   semantics     truth tables (semantics.c): the index holds the
 *                 connectives, a goal its hypotheses' table, the work one
 *                 prepared step goal (w->gprep) and one read run (w->rserial:
 *                 the serial of the state whose run it is, so that the
 *                 candidates of allowed() and the token advance() reads share
 *                 it)
 *
 * Everything a state owns is in buffers that grow and are reused; copying a
 * state copies their used parts.
 */
#include "mmsteps/constrain.h"
#include "mmsteps/internal.h"
#include "mmsteps/semantics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define INF 0x3fffffffu        /* a cost that cannot be paid; INF + INF fits */
#define HYPBASE 1u
#define LABBASE (1u + MM_CAND_MAXHYPS)
#define MAXF 256               /* forbidden completions tracked per run */
#define WILD (-1)              /* a variable in a discrimination-tree key */

static inline uint32_t
cadd(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;    /* both <= INF: no wrap */
	return s >= INF ? INF : s;
}

static inline uint32_t
umin(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- hashes of goals: polynomial over (typecode, prefix array) mod 2^61-1 */

#define HP ((1ull << 61) - 1)
#define HB 0x0a3c5e7f92b4d6e1ull   /* < HP */
#define NPOW 4096

static inline uint64_t
hmul(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	uint64_t s = (uint64_t)(r & HP) + (uint64_t)(r >> 61);

	s = (s & HP) + (s >> 61);
	return s >= HP ? s - HP : s;
}

static inline uint64_t
hadd(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s >= HP ? s - HP : s;
}

static inline uint64_t
hsub(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : a + HP - b;
}

/* ---- the index */

struct dnode {
	uint32_t edge, nedge;  /* dt->e[edge..]: sorted by label, WILD first */
	uint32_t leaf, nleaf;  /* dt->leaf[leaf..]: assertion indices, by statement */
};

struct dedge {
	int32_t label;         /* a syntax statement, WILD, or (from the root) a typecode */
	uint32_t to;
};

struct dtree {
	struct dnode *n;
	uint32_t nn;
	struct dedge *e;
	int32_t *leaf;
};

/* flags of an $e hypothesis (ix->hflag, by index into g->ahyps) */
#define HF_DET  0x1            /* its variables all occur in the conclusion */
#define HF_FULL 0x2            /* every written variable occurs in it (and there is one) */

struct mmc_index {
	const struct mms_grammar *g;
	const struct mm_db *db;
	struct mms_limits lim;
	uint32_t ntok, symbase;
	uint8_t *symok;        /* (nsyms) a math symbol the expander reads as one */
	uint8_t *aok;          /* (nasserts) usable as a step: parsed, its label read as one */
	uint8_t *alinear;      /* (nasserts) no variable repeats in the conclusion */
	uint32_t *anconst;     /* (nasserts) nodes of the conclusion that are not variables */
	uint8_t *hflag;        /* (ahyps) HF_* */
	int16_t *ntype;        /* (nnodes) the type whose trie holds a node */
	int32_t *accmin;       /* (nnodes) first axiom ending at the node that the
	                          incremental parser uses, INT32_MAX if none */
	uint8_t *aclose;       /* (nasserts) an $e hypothesis needs the written
	                          expressions (not HF_DET): checked when the run ends */
	struct mms_sem *sem;   /* truth tables (semantics.h) */
	struct dtree all, closers;
	uint64_t pw[NPOW];     /* HB^i */
};

struct mmc_goal {
	const struct mmc_index *ix;
	const struct mms_goal *gl;
	int32_t context;
	uint32_t nhyps;
	uint64_t hhash[MM_CAND_MAXHYPS];
	uint32_t *minrest;     /* (nnodes) fewest symbols from a trie node to a usable accept */
	uint32_t *minlen;      /* (ntypes) fewest symbols of an expression of a type */
	uint32_t *acost;       /* (nasserts) fewest tokens of a step by it: 1 + written + $e */
	mm_sym *vars;          /* usable variables by type: vars[varoff[t]..varoff[t+1]) */
	uint32_t *varoff;
	uint8_t *usable;       /* (nsyms) a math symbol that may be written here */
	uint8_t *hypvar;       /* (nsyms) a variable that occurs in a hypothesis */
	int fresh;             /* the fresh-variable rule holds: no $d anywhere */
	struct mms_semhyps *sh;  /* the hypotheses' truth table */
	int entailed;          /* the statement follows from them: MMS_SEM_* */
	uint32_t maxextra;     /* the most a written formula's semantic length bound
	                          adds to the grammar's (semantics.h) */
	uint32_t ubl[2];       /* [1]: an upper bound on goal_lb, under the semantic
	                          rule, of any goal of the statement's typecode that
	                          follows from the hypotheses (INF if none is known) */
};

static uint64_t
hpow(const struct mmc_index *ix, uint64_t n)
{
	uint64_t r = 1, b = HB;

	if (n < NPOW)
		return ix->pw[n];
	while (n) {
		if (n & 1)
			r = hmul(r, b);
		b = hmul(b, b);
		n >>= 1;
	}
	return r;
}

/* The hash of goal (tc, t[0..n)). */
static uint64_t
ghash(mm_sym tc, const int32_t *t, uint32_t n)
{
	uint64_t h = (uint64_t)tc + 1;

	for (uint32_t i = 0; i < n; i++)
		h = hadd(hmul(h, HB), (uint64_t)t[i] + 1);
	return h;
}

/* -- discrimination trees, built with linked lists, then flattened */

struct bdn {
	uint32_t edge, leaf;   /* first edge / leaf, index + 1; 0 = none */
};

struct bde {
	int32_t label;
	uint32_t to, next;
};

struct bdl {
	int32_t ai;
	uint32_t next;
};

struct dbuild {
	struct bdn *n;
	size_t nn, capn;
	struct bde *e;
	size_t ne, cape;
	struct bdl *l;
	size_t nl, capl;
};

static uint32_t
db_node(struct dbuild *b)
{
	xgrow(&b->n, &b->capn, b->nn + 1, sizeof *b->n);
	b->n[b->nn] = (struct bdn){ 0, 0 };
	return (uint32_t)b->nn++;
}

static uint32_t
db_step(struct dbuild *b, uint32_t node, int32_t label)
{
	uint32_t to;

	for (uint32_t e = b->n[node].edge; e; e = b->e[e - 1].next)
		if (b->e[e - 1].label == label)
			return b->e[e - 1].to;
	to = db_node(b);
	xgrow(&b->e, &b->cape, b->ne + 1, sizeof *b->e);
	b->e[b->ne] = (struct bde){ label, to, b->n[node].edge };
	b->n[node].edge = (uint32_t)++b->ne;
	return to;
}

static void
db_insert(struct dbuild *b, const struct mms_grammar *g, uint32_t ai)
{
	const struct mms_assert *a = &g->asserts[ai];
	uint32_t node = db_step(b, 0, a->typecode);

	for (uint32_t i = 0; i < a->nconcl; i++) {
		int32_t x = g->pat[a->concl + i];
		node = db_step(b, node, x < 0 ? WILD : x);
	}
	xgrow(&b->l, &b->capl, b->nl + 1, sizeof *b->l);
	b->l[b->nl] = (struct bdl){ (int32_t)ai, b->n[node].leaf };
	b->n[node].leaf = (uint32_t)++b->nl;
}

static int
cmp_dedge(const void *a, const void *b)
{
	const struct dedge *x = a, *y = b;
	return x->label < y->label ? -1 : x->label > y->label;
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

static void
db_flatten(struct dbuild *b, struct dtree *dt)
{
	size_t ne = 0, nl = 0;

	dt->nn = (uint32_t)b->nn;
	dt->n = xcalloc(b->nn + 1, sizeof *dt->n);
	dt->e = xcalloc(b->ne + 1, sizeof *dt->e);
	dt->leaf = xcalloc(b->nl + 1, sizeof *dt->leaf);
	for (size_t i = 0; i < b->nn; i++) {
		struct dnode *d = &dt->n[i];
		d->edge = (uint32_t)ne;
		for (uint32_t e = b->n[i].edge; e; e = b->e[e - 1].next)
			dt->e[ne++] = (struct dedge){ b->e[e - 1].label, b->e[e - 1].to };
		d->nedge = (uint32_t)ne - d->edge;
		qsort(dt->e + d->edge, d->nedge, sizeof *dt->e, cmp_dedge);
		d->leaf = (uint32_t)nl;
		for (uint32_t l = b->n[i].leaf; l; l = b->l[l - 1].next)
			dt->leaf[nl++] = b->l[l - 1].ai;
		d->nleaf = (uint32_t)nl - d->leaf;
		/* assertion indices follow statement order */
		qsort(dt->leaf + d->leaf, d->nleaf, sizeof *dt->leaf, cmp_i32);
	}
	free(b->n);
	free(b->e);
	free(b->l);
}

static void
dt_free(struct dtree *dt)
{
	free(dt->n);
	free(dt->e);
	free(dt->leaf);
}

static const struct dedge *
dt_find(const struct dtree *dt, const struct dnode *d, int32_t label)
{
	uint32_t lo = d->edge, hi = d->edge + d->nedge;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (dt->e[mid].label < label)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->edge + d->nedge && dt->e[lo].label == label ? &dt->e[lo] : NULL;
}

/* -- the grammar's trie, as the incremental parser sees it */

/* Does syntax axiom `acc` repeat a variable in its body? The incremental
 * parser cannot check that two subtrees are equal, so it leaves such axioms
 * out (set.mm has none). */
static int
acc_repeats(const struct mms_grammar *g, const struct mms_accept *acc)
{
	const int16_t *map = g->kidmap + acc->map;

	for (uint32_t q = 0; q < acc->nvar; q++)
		for (uint32_t r = q + 1; r < acc->nvar; r++)
			if (map[q] == map[r])
				return 1;
	return 0;
}

static void
trie_tables(struct mmc_index *ix)
{
	const struct mms_grammar *g = ix->g;
	uint32_t *stack = xmalloc(((size_t)g->nnodes + 1) * sizeof *stack);

	ix->ntype = xmalloc(((size_t)g->nnodes + 1) * sizeof *ix->ntype);
	ix->accmin = xmalloc(((size_t)g->nnodes + 1) * sizeof *ix->accmin);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const struct mms_node *nd = &g->nodes[i];
		ix->ntype[i] = -1;
		ix->accmin[i] = INT32_MAX;
		for (uint32_t a = 0; a < nd->nacc; a++)
			if (!acc_repeats(g, &g->accepts[nd->acc + a])) {
				ix->accmin[i] = g->accepts[nd->acc + a].stmt;
				break;
			}
	}
	for (int t = 0; t < g->ntypes; t++) {
		size_t sp = 0;
		stack[sp++] = g->root[t];
		while (sp) {
			uint32_t v = stack[--sp];
			const struct mms_node *nd = &g->nodes[v];
			if (ix->ntype[v] >= 0)
				continue;
			ix->ntype[v] = (int16_t)t;
			for (uint32_t e = 0; e < nd->ncedge + nd->ntedge; e++)
				stack[sp++] = g->edges[nd->cedge + e].to;
		}
	}
	free(stack);
}

/* The constant edge of trie node nd for symbol s, or NULL. */
static const struct mms_edge *
trie_cedge(const struct mms_grammar *g, const struct mms_node *nd, mm_sym s)
{
	uint32_t lo = nd->cedge, hi = nd->cedge + nd->ncedge;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->edges[mid].label < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nd->cedge + nd->ncedge && g->edges[lo].label == s ? &g->edges[lo] : NULL;
}

/* -- per assertion: linearity, and which $e hypotheses the match determines */

static void
assert_tables(struct mmc_index *ix)
{
	const struct mms_grammar *g = ix->g;
	const struct mm_db *db = ix->db;
	uint8_t *inc = xcalloc((size_t)g->maxhyps + 1, 1);
	uint8_t *inh = xcalloc((size_t)g->maxhyps + 1, 1);
	size_t nah = 0;

	for (uint32_t ai = 0; ai < g->nasserts; ai++)
		nah = g->asserts[ai].hyps + g->asserts[ai].nhyps > nah ?
		      g->asserts[ai].hyps + g->asserts[ai].nhyps : nah;
	ix->aok = xcalloc((size_t)g->nasserts + 1, 1);
	ix->alinear = xcalloc((size_t)g->nasserts + 1, 1);
	ix->anconst = xcalloc((size_t)g->nasserts + 1, sizeof *ix->anconst);
	ix->aclose = xcalloc((size_t)g->nasserts + 1, 1);
	ix->hflag = xcalloc(nah + 1, 1);
	for (uint32_t ai = 0; ai < g->nasserts; ai++) {
		const struct mms_assert *a = &g->asserts[ai];
		const struct mms_ahyp *h = g->ahyps + a->hyps;
		const char *label = db->stmts[a->stmt].label;
		int linear = 1;

		if (a->err)
			continue;
		ix->aok[ai] = mms_hyp_index(label, strlen(label)) < 0;
		memset(inc, 0, a->nhyps);
		for (uint32_t i = 0; i < a->nconcl; i++) {
			int32_t x = g->pat[a->concl + i];
			if (x >= 0) {
				ix->anconst[ai]++;
				continue;
			}
			if (inc[MMS_PVAR_IDX(x)])
				linear = 0;
			inc[MMS_PVAR_IDX(x)] = 1;
		}
		ix->alinear[ai] = (uint8_t)linear;
		for (uint32_t j = 0; j < a->nhyps; j++) {
			uint8_t f = HF_DET | (a->nwritten ? HF_FULL : 0);
			if (!h[j].ess)
				continue;
			memset(inh, 0, a->nhyps);
			for (uint32_t i = 0; i < h[j].npat; i++) {
				int32_t x = g->pat[h[j].pat + i];
				if (x >= 0)
					continue;
				inh[MMS_PVAR_IDX(x)] = 1;
				if (!inc[MMS_PVAR_IDX(x)])
					f &= (uint8_t)~HF_DET;
			}
			for (uint32_t k = 0; k < a->nhyps; k++)
				if (h[k].written && !inh[k])
					f &= (uint8_t)~HF_FULL;
			ix->hflag[a->hyps + j] = f;
			if (!(f & HF_DET))
				ix->aclose[ai] = 1;
		}
	}
	free(inc);
	free(inh);
}

struct mmc_index *
mmc_index_new(const struct mms_grammar *g, const struct mms_limits *lim)
{
	const struct mm_db *db = g->db;
	struct mmc_index *ix = xcalloc(1, sizeof *ix);
	struct dbuild ball = { 0 }, bclo = { 0 };

	ix->g = g;
	ix->db = db;
	if (lim)
		ix->lim = *lim;
	/* the expander's defaults (steps.h) */
	if (!ix->lim.max_tokens)
		ix->lim.max_tokens = 65536;
	if (!ix->lim.max_nodes)
		ix->lim.max_nodes = 1u << 20;
	if (!ix->lim.max_refs)
		ix->lim.max_refs = 1u << 22;
	ix->symbase = LABBASE + (uint32_t)db->nstmts;
	ix->ntok = ix->symbase + (uint32_t)db->nsyms;
	ix->pw[0] = 1;
	for (int i = 1; i < NPOW; i++)
		ix->pw[i] = hmul(ix->pw[i - 1], HB);
	ix->symok = xcalloc((size_t)db->nsyms + 1, 1);
	for (int32_t m = 0; m < db->nsyms; m++) {
		const char *s = db->syms[m].name;
		size_t n = strlen(s);
		ix->symok[m] = mms_hyp_index(s, n) < 0 && mm_db_label(db, s, n) < 0;
	}
	trie_tables(ix);
	assert_tables(ix);
	db_node(&ball);
	db_node(&bclo);
	for (uint32_t ai = 0; ai < g->nasserts; ai++) {
		const struct mms_assert *a = &g->asserts[ai];
		if (!ix->aok[ai])
			continue;
		db_insert(&ball, g, ai);
		if (a->ness == 0 && a->nwritten == 0)
			db_insert(&bclo, g, ai);
	}
	db_flatten(&ball, &ix->all);
	db_flatten(&bclo, &ix->closers);
	ix->sem = mms_sem_new(g);
	return ix;
}

void
mmc_index_free(struct mmc_index *ix)
{
	if (!ix)
		return;
	free(ix->symok);
	free(ix->aok);
	free(ix->alinear);
	free(ix->anconst);
	free(ix->aclose);
	free(ix->hflag);
	free(ix->ntype);
	free(ix->accmin);
	dt_free(&ix->all);
	dt_free(&ix->closers);
	mms_sem_free(ix->sem);
	free(ix);
}

int
mmc_index_semantic(const struct mmc_index *ix, const char **note)
{
	if (note)
		*note = mms_sem_note(ix->sem);
	return mms_sem_on(ix->sem);
}

/* ---- tokens */

uint32_t
mmc_ntokens(const struct mmc_index *ix)
{
	return ix->ntok;
}

uint32_t
mmc_token(const struct mmc_index *ix, enum mmc_kind kind, int32_t val)
{
	switch (kind) {
	case MMC_KEND:
		return MMC_END;
	case MMC_KHYP:
		return val >= 0 && val < MM_CAND_MAXHYPS ? HYPBASE + (uint32_t)val : MMC_NOTOKEN;
	case MMC_KLABEL:
		return val >= 0 && val < ix->db->nstmts ? LABBASE + (uint32_t)val : MMC_NOTOKEN;
	case MMC_KSYM:
		return val >= 0 && val < ix->db->nsyms ? ix->symbase + (uint32_t)val : MMC_NOTOKEN;
	default:
		return MMC_NOTOKEN;
	}
}

enum mmc_kind
mmc_token_kind(const struct mmc_index *ix, uint32_t tok, int32_t *val)
{
	enum mmc_kind k;
	int32_t v = 0;

	if (tok == MMC_END) {
		k = MMC_KEND;
	} else if (tok < LABBASE) {
		k = MMC_KHYP;
		v = (int32_t)(tok - HYPBASE);
	} else if (tok < ix->symbase) {
		k = MMC_KLABEL;
		v = (int32_t)(tok - LABBASE);
	} else if (tok < ix->ntok) {
		k = MMC_KSYM;
		v = (int32_t)(tok - ix->symbase);
	} else {
		k = MMC_KBAD;
	}
	if (val)
		*val = v;
	return k;
}

uint32_t
mmc_token_lookup(const struct mmc_index *ix, const char *text, size_t len)
{
	int32_t v;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 33 || (unsigned char)text[i] > 126 || text[i] == '$')
			return MMC_NOTOKEN;
	if (!len)
		return MMC_NOTOKEN;
	if ((v = mms_hyp_index(text, len)) >= 0)
		return mmc_token(ix, MMC_KHYP, v);
	if ((v = mm_db_label(ix->db, text, len)) >= 0)
		return mmc_token(ix, MMC_KLABEL, v);
	if ((v = mm_db_sym(ix->db, text, len)) >= 0)
		return mmc_token(ix, MMC_KSYM, v);
	return MMC_NOTOKEN;
}

size_t
mmc_token_str(const struct mmc_index *ix, uint32_t tok, char *buf, size_t cap)
{
	int32_t v;
	int n;

	switch (mmc_token_kind(ix, tok, &v)) {
	case MMC_KHYP:
		n = snprintf(buf, cap, "H%d", v + 1);
		break;
	case MMC_KLABEL:
		n = snprintf(buf, cap, "%s", ix->db->stmts[v].label);
		break;
	case MMC_KSYM:
		n = snprintf(buf, cap, "%s", ix->db->syms[v].name);
		break;
	default:
		n = snprintf(buf, cap, "%s", "");
	}
	return n < 0 ? 0 : (size_t)n;
}

/* ---- a statement's tables */

struct mmc_goal *
mmc_goal_new(const struct mmc_index *ix, const struct mms_goal *gl)
{
	const struct mms_grammar *g = ix->g;
	const struct mm_db *db = ix->db;
	const struct mm_cand *c = gl->cand;
	struct mmc_goal *cg = xcalloc(1, sizeof *cg);
	int32_t ctx = c->context;
	uint32_t nv = 0;
	int changed;

	cg->ix = ix;
	cg->gl = gl;
	cg->context = ctx;
	cg->nhyps = c->nhyps;
	for (uint32_t i = 0; i < c->nhyps; i++)
		cg->hhash[i] = ghash(c->hyp[i][0], gl->trees + gl->off[1 + i], gl->len[1 + i]);
	/* symbols the expander reads here: declared before the context; a
	 * variable also needs its outermost $f before it */
	cg->usable = xcalloc((size_t)db->nsyms + 1, 1);
	for (int32_t m = 0; m < db->nsyms; m++) {
		const struct mm_symbol *s = &db->syms[m];
		int ok = ix->symok[m] && s->decl <= ctx;
		if (s->kind == MM_VAR)
			ok = ok && s->global_f >= 0 && s->global_f < ctx && g->var_type[m] >= 0;
		cg->usable[m] = (uint8_t)ok;
	}
	/* the fresh-variable rule substitutes a variable: sound without $d */
	cg->fresh = db->ndvpool == 0 && db->ngdv == 0 && c->ndv == 0;
	cg->hypvar = xcalloc((size_t)db->nsyms + 1, 1);
	for (uint32_t i = 0; i < c->nhyps; i++)
		for (uint32_t k = 1; k < c->hyplen[i]; k++)
			if (c->hyp[i][k] >= 0 && c->hyp[i][k] < db->nsyms)
				cg->hypvar[c->hyp[i][k]] = 1;
	/* variables by type */
	cg->varoff = xcalloc((size_t)g->ntypes + 2, sizeof *cg->varoff);
	for (int32_t m = 0; m < db->nsyms; m++)
		if (cg->usable[m] && db->syms[m].kind == MM_VAR)
			cg->varoff[g->var_type[m] + 1]++, nv++;
	for (int t = 0; t < g->ntypes; t++)
		cg->varoff[t + 1] += cg->varoff[t];
	cg->vars = xcalloc(nv + 1, sizeof *cg->vars);
	{
		uint32_t *at = xcalloc((size_t)g->ntypes + 1, sizeof *at);
		for (int32_t m = 0; m < db->nsyms; m++)
			if (cg->usable[m] && db->syms[m].kind == MM_VAR) {
				int t = g->var_type[m];
				cg->vars[cg->varoff[t] + at[t]++] = m;
			}
		free(at);
	}
	/* minimal lengths: a fixed point over the trie (children have larger
	 * numbers than their parents, so one sweep from the end mostly does) */
	cg->minlen = xmalloc(((size_t)g->ntypes + 1) * sizeof *cg->minlen);
	cg->minrest = xmalloc(((size_t)g->nnodes + 1) * sizeof *cg->minrest);
	for (int t = 0; t < g->ntypes; t++)
		cg->minlen[t] = cg->varoff[t + 1] > cg->varoff[t] ? 1 : INF;
	for (uint32_t i = 0; i < g->nnodes; i++)
		cg->minrest[i] = INF;
	do {
		changed = 0;
		for (uint32_t i = g->nnodes; i-- > 0;) {
			const struct mms_node *nd = &g->nodes[i];
			uint32_t m = ix->accmin[i] < ctx ? 0 : INF;
			for (uint32_t e = 0; e < nd->ncedge; e++) {
				const struct mms_edge *ed = &g->edges[nd->cedge + e];
				if (cg->usable[ed->label])
					m = umin(m, cadd(1, cg->minrest[ed->to]));
			}
			for (uint32_t e = 0; e < nd->ntedge; e++) {
				const struct mms_edge *ed = &g->edges[nd->tedge + e];
				m = umin(m, cadd(cg->minlen[ed->label], cg->minrest[ed->to]));
			}
			if (m < cg->minrest[i]) {
				cg->minrest[i] = m;
				changed = 1;
			}
		}
		for (int t = 0; t < g->ntypes; t++)
			if (cg->minrest[g->root[t]] < cg->minlen[t]) {
				cg->minlen[t] = cg->minrest[g->root[t]];
				changed = 1;
			}
	} while (changed);
	/* each assertion's cheapest step */
	cg->acost = xmalloc(((size_t)g->nasserts + 1) * sizeof *cg->acost);
	for (uint32_t ai = 0; ai < g->nasserts; ai++) {
		const struct mms_assert *a = &g->asserts[ai];
		const struct mms_ahyp *h = g->ahyps + a->hyps;
		uint32_t cost = 1 + a->ness;
		if (!ix->aok[ai] || a->stmt >= ctx) {
			cg->acost[ai] = INF;
			continue;
		}
		for (uint32_t k = 0; k < a->nhyps; k++)
			if (h[k].written)
				cost = cadd(cost, h[k].type >= 0 ? cg->minlen[h[k].type] : INF);
		cg->acost[ai] = cost;
	}
	/* an assertion whose conclusion is a lone variable matches every goal;
	 * under the semantic rule it counts where it is always viable */
	cg->ubl[1] = INF;
	for (uint32_t ai = 0; ai < g->nasserts; ai++) {
		const struct mms_assert *a = &g->asserts[ai];
		if (cg->acost[ai] >= INF || a->typecode != c->expr[0] || a->nconcl != 1 ||
		    g->pat[a->concl] >= 0)
			continue;
		if (mms_sem_trivial(ix->sem, ai))
			cg->ubl[1] = umin(cg->ubl[1], cg->acost[ai]);
	}
	/* the truth table of the hypotheses; is the statement a consequence? */
	{
		const int32_t *ht[MM_CAND_MAXHYPS];
		uint32_t hl[MM_CAND_MAXHYPS];
		struct mms_semwork *sw = mms_semwork_new(ix->sem);
		uint8_t *writable = xcalloc((size_t)g->ntypes + 1, 1);
		for (int t = 0; t < g->ntypes; t++)
			writable[t] = cg->minlen[t] < INF;
		for (uint32_t i = 0; i < c->nhyps; i++) {
			ht[i] = gl->trees + gl->off[1 + i];
			hl[i] = gl->len[1 + i];
		}
		int wff = g->ntypes > 0 ? mms_type_of(g, c->expr[0]) : -1;
		uint32_t nf = wff >= 0 ? cg->varoff[wff + 1] - cg->varoff[wff] : 0;
		cg->sh = mms_semhyps_new(ix->sem, sw, ctx, writable, nf, ht, hl, c->nhyps);
		cg->maxextra = mms_semhyps_maxextra(cg->sh);
		cg->entailed = mms_sem_entailed(sw, cg->sh, gl->trees + gl->off[0], gl->len[0]);
		free(writable);
		mms_semwork_free(sw);
	}
	return cg;
}

int
mmc_goal_entailed(const struct mmc_goal *cg)
{
	return cg->entailed;
}

void
mmc_goal_free(struct mmc_goal *cg)
{
	if (!cg)
		return;
	free(cg->usable);
	free(cg->hypvar);
	free(cg->varoff);
	free(cg->vars);
	free(cg->minlen);
	free(cg->minrest);
	free(cg->acost);
	mms_semhyps_free(cg->sh);
	free(cg);
}

/* ---- the state */

enum { M_STEP = 0, M_EXPR, M_END };

/* A stack entry: a pending step, or an ancestor (an expanded goal whose $e
 * subgoals are pending above it). Its tree is st->arena[off..off + len);
 * trees are laid out in stack order, so popping frees the arena's top. */
struct ent {
	uint32_t off, len;
	uint64_t hash;
	mm_sym tc;
	uint32_t lb;           /* a step: lower bound on its tokens; an ancestor: 0 */
	uint8_t anc;
};

/* An Earley item: trie node (or, from g->nnodes on, the top item "q
 * expressions read", q = node - nnodes) and the position where it began. */
struct item {
	uint32_t node, origin;
};

struct bufs {
	struct ent *ent;
	size_t capent;
	int32_t *arena;
	size_t caparena;
	uint32_t *soff, *slen; /* (maxhyps) a label's substitution: arena spans */
	int *wtype;            /* (maxhyps) types of its written expressions */
	uint32_t *wsuf;        /* (maxhyps + 1) fewest symbols of expressions q.. */
	uint32_t *elen;        /* (maxhyps) commit's scratch: sizes of the instantiated $e */
	size_t caph;
	mm_sym *run;
	size_t caprun;
	struct item *it;
	size_t capit;
	uint32_t *set;         /* (nrun + 2): set i is it[set[i]..set[i + 1]) */
	size_t capset;
	uint32_t *after;       /* ((nrun + 1) * ntypes): fewest symbols to finish the
	                          run once an expression of type t begun at i ends */
	size_t capafter;
	mm_sym *fs;            /* forbidden completions of the run, concatenated */
	size_t capfs;
};

struct mmc_state {
	const struct mmc_goal *cg;
	uint64_t serial;       /* its contents: new on every change, kept by a copy */
	unsigned flags;
	int mode;
	int dead;              /* the statement does not follow from its hypotheses */
	uint32_t ntok;         /* tokens read */
	uint32_t left;         /* tokens that may still be written */
	uint64_t need;         /* sum of the pending steps' lower bounds (each <= INF) */
	uint64_t nodes, refs;  /* the expander's counters (limits) */
	uint32_t nent, narena;

	/* M_EXPR: a label's expressions for the goal pend */
	uint32_t ai;
	struct ent pend;       /* its tree is the arena's top */
	uint32_t k;            /* expressions wanted */
	uint32_t nrun, nit;
	uint32_t emin;         /* fewest symbols still needed by the run */
	uint32_t foff[MAXF + 1], nf;
	uint64_t alive[MAXF / 64];  /* forbidden completions the run is a prefix of */
	int closable;          /* the run can end here: its trees follow pend's */
	uint32_t eoff, esize;
	uint64_t cnodes, crefs;  /* the counters after closing */

	struct bufs b;
};

struct rng {
	uint32_t off, n;
};

struct dpos {
	uint32_t node, j;      /* a discrimination-tree node, the goal position */
};

struct mmc_work {
	const struct mmc_index *ix;
	struct mms_parser *p;
	struct rng *rng;
	size_t caprng;
	struct dpos *dstk;
	size_t capdstk;
	uint64_t *ph;          /* prefix hashes of the goal being stepped */
	size_t capph;
	struct mms_span *sub, *sub2;
	int32_t *stmp;         /* instantiation scratch */
	size_t capstmp;
	uint32_t *mark, stamp; /* (nsyms) */
	uint32_t *cand;        /* (nsyms) candidate symbols */
	uint64_t bloom[4];
	uint32_t *list;        /* (ntok) for mmc_allowed_mask */
	struct rng *rng2;      /* list_step's ranges (label_ok may query again) */
	size_t caprng2;
	struct mms_span *subsave;
	struct mmc_state *tmp, *tmp2;
	struct mms_semwork *sw;
	int gprep;             /* the step's goal prepared in sw: 0 not yet, 1 yes,
	                          -1 not judged */
	uint64_t rserial;      /* the state (serial) whose run sw has read, 0: none */
};

struct mmc_work *
mmc_work_new(const struct mmc_index *ix)
{
	struct mmc_work *w = xcalloc(1, sizeof *w);
	size_t mh = (size_t)ix->g->maxhyps + 1;

	w->ix = ix;
	w->p = mms_parser_new(ix->g, ix->lim.max_depth);
	w->sub = xcalloc(mh, sizeof *w->sub);
	w->sub2 = xcalloc(mh, sizeof *w->sub2);
	w->subsave = xcalloc(mh, sizeof *w->subsave);
	w->mark = xcalloc((size_t)ix->db->nsyms + 1, sizeof *w->mark);
	w->cand = xcalloc((size_t)ix->db->nsyms + 1, sizeof *w->cand);
	w->list = xcalloc((size_t)ix->ntok + 1, sizeof *w->list);
	w->tmp = mmc_state_new();
	w->tmp2 = mmc_state_new();
	w->sw = mms_semwork_new(ix->sem);
	return w;
}

void
mmc_work_free(struct mmc_work *w)
{
	if (!w)
		return;
	mms_parser_free(w->p);
	free(w->rng);
	free(w->dstk);
	free(w->ph);
	free(w->sub);
	free(w->sub2);
	free(w->subsave);
	free(w->rng2);
	free(w->stmp);
	free(w->mark);
	free(w->cand);
	free(w->list);
	mmc_state_free(w->tmp);
	mmc_state_free(w->tmp2);
	mms_semwork_free(w->sw);
	free(w);
}

/* A serial for a state's new contents: unique in the process. */
static uint64_t
new_serial(void)
{
	static uint64_t next;

	return __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
}

struct mmc_state *
mmc_state_new(void)
{
	return xcalloc(1, sizeof(struct mmc_state));
}

void
mmc_state_free(struct mmc_state *st)
{
	if (!st)
		return;
	free(st->b.ent);
	free(st->b.arena);
	free(st->b.soff);
	free(st->b.slen);
	free(st->b.wtype);
	free(st->b.wsuf);
	free(st->b.elen);
	free(st->b.run);
	free(st->b.it);
	free(st->b.set);
	free(st->b.after);
	free(st->b.fs);
	free(st);
}

static void
grow_h(struct mmc_state *st, size_t need)
{
	size_t cap = st->b.caph;

	if (need <= cap)
		return;
	xgrow(&st->b.soff, &cap, need, sizeof *st->b.soff);
	st->b.slen = xreallocarray(st->b.slen, cap, sizeof *st->b.slen);
	st->b.wtype = xreallocarray(st->b.wtype, cap, sizeof *st->b.wtype);
	st->b.wsuf = xreallocarray(st->b.wsuf, cap + 1, sizeof *st->b.wsuf);
	st->b.elen = xreallocarray(st->b.elen, cap, sizeof *st->b.elen);
	st->b.caph = cap;
}

#define GROW(st, f, need) xgrow(&(st)->b.f, &(st)->b.cap##f, (need), sizeof *(st)->b.f)

/* Copy n elements of buffer f from src to dst, growing dst's. */
#define COPYBUF(dst, src, f, n) do { \
	size_t n_ = (n); \
	GROW(dst, f, n_ + 1); \
	if (n_) \
		memcpy((dst)->b.f, (src)->b.f, n_ * sizeof *(src)->b.f); \
} while (0)

void
mmc_state_copy(struct mmc_state *dst, const struct mmc_state *src)
{
	struct bufs b = dst->b;
	const struct mms_grammar *g;
	size_t nt, mh;

	if (dst == src)
		return;
	*dst = *src;
	dst->b = b;
	if (!src->cg)
		return;
	g = src->cg->ix->g;
	nt = (size_t)g->ntypes;
	mh = (size_t)g->maxhyps;
	COPYBUF(dst, src, ent, src->nent);
	COPYBUF(dst, src, arena, src->narena);
	grow_h(dst, mh + 1);
	if (src->mode != M_EXPR)
		return;
	memcpy(dst->b.soff, src->b.soff, mh * sizeof *src->b.soff);
	memcpy(dst->b.slen, src->b.slen, mh * sizeof *src->b.slen);
	memcpy(dst->b.wtype, src->b.wtype, mh * sizeof *src->b.wtype);
	memcpy(dst->b.wsuf, src->b.wsuf, (mh + 1) * sizeof *src->b.wsuf);
	COPYBUF(dst, src, run, src->nrun);
	COPYBUF(dst, src, it, src->nit);
	COPYBUF(dst, src, set, (size_t)src->nrun + 2);
	COPYBUF(dst, src, after, ((size_t)src->nrun + 1) * nt);
	COPYBUF(dst, src, fs, src->foff[src->nf]);
}

static void
swap_state(struct mmc_state *a, struct mmc_state *b)
{
	struct mmc_state t = *a;

	*a = *b;
	*b = t;
}

/* ---- lookups in the index */

/* The leaf ranges of dt whose keys match goal (tc, t[0..n)). Returns their
 * number, in w->rng. */
static uint32_t
dt_query(struct mmc_work *w, const struct dtree *dt, const struct mms_grammar *g, mm_sym tc,
         const int32_t *t, uint32_t n)
{
	const struct dedge *e = dt_find(dt, &dt->n[0], tc);
	size_t sp = 0;
	uint32_t nr = 0;

	if (!e)
		return 0;
	/* depth first; each node pops once and pushes at most two */
	xgrow(&w->dstk, &w->capdstk, 1, sizeof *w->dstk);
	w->dstk[sp++] = (struct dpos){ e->to, 0 };
	while (sp) {
		struct dpos at = w->dstk[--sp];
		const struct dnode *d = &dt->n[at.node];
		if (at.j == n) {
			if (d->nleaf) {
				xgrow(&w->rng, &w->caprng, nr + 1, sizeof *w->rng);
				w->rng[nr++] = (struct rng){ d->leaf, d->nleaf };
			}
			continue;
		}
		if (!d->nedge)
			continue;
		xgrow(&w->dstk, &w->capdstk, sp + 2, sizeof *w->dstk);
		if (dt->e[d->edge].label == WILD)
			w->dstk[sp++] = (struct dpos){ dt->e[d->edge].to, mms_tree_skip(g, t, at.j) };
		e = dt_find(dt, d, t[at.j]);
		if (e)
			w->dstk[sp++] = (struct dpos){ e->to, at.j + 1 };
	}
	return nr;
}

/* ---- lower bounds and hashes of goals */

/* Does the semantic rule apply: not turned off, and the statement's
 * hypotheses judged and consistent? */
static inline int
sem_on(const struct mmc_goal *cg, unsigned flags)
{
	return !(flags & MMC_NOSEMANTIC) && mms_semhyps_active(cg->sh);
}

/* Lower bound on the tokens of a step proving (tc, t[0..n)) with hash h:
 * 1 if it is a hypothesis or an assertion that takes nothing matches it,
 * else the cheapest matching assertion's acost, INF if none matches. Under
 * the semantic rule only assertions that can be the step count (their $e
 * hypotheses can follow from the statement's, mms_sem_viable). */
static uint32_t
goal_lb(struct mmc_work *w, const struct mmc_goal *cg, unsigned flags, mm_sym tc,
        const int32_t *t, uint32_t n, uint64_t h)
{
	const struct mmc_index *ix = cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct mms_goal *gl = cg->gl;
	uint32_t nr, best = INF;
	int sem = sem_on(cg, flags), prep = 0;

	for (uint32_t i = 0; i < cg->nhyps; i++)
		if (cg->hhash[i] == h && gl->cand->hyp[i][0] == tc &&
		    mms_tree_eq(gl->trees + gl->off[1 + i], gl->len[1 + i], t, n))
			return 1;
	nr = dt_query(w, &ix->closers, g, tc, t, n);
	for (uint32_t r = 0; r < nr; r++)
		for (uint32_t l = 0; l < w->rng[r].n; l++) {
			uint32_t ai = (uint32_t)ix->closers.leaf[w->rng[r].off + l];
			const struct mms_assert *a = &g->asserts[ai];
			if (a->stmt >= cg->context)
				break;
			if (!ix->alinear[ai]) {
				memset(w->sub, 0, a->nhyps * sizeof *w->sub);
				if (!mms_match(g, g->pat + a->concl, a->nconcl, t, n, w->sub))
					continue;
			}
			return 1;
		}
	nr = dt_query(w, &ix->all, g, tc, t, n);
	for (uint32_t r = 0; r < nr && best > 2; r++)
		for (uint32_t l = 0; l < w->rng[r].n; l++) {
			uint32_t ai = (uint32_t)ix->all.leaf[w->rng[r].off + l];
			const struct mms_assert *a = &g->asserts[ai];
			if (a->stmt >= cg->context)
				break;
			if (cg->acost[ai] >= best)
				continue;
			if (!ix->alinear[ai] || (sem && a->ness)) {
				memset(w->sub, 0, a->nhyps * sizeof *w->sub);
				if (!mms_match(g, g->pat + a->concl, a->nconcl, t, n, w->sub))
					continue;
			}
			if (sem && a->ness) {
				if (!prep) {
					prep = mms_sem_goal(w->sw, cg->sh, t, n) ? 1 : -1;
					w->gprep = 0;   /* the step's goal, if any, is gone */
				}
				if (prep > 0 && !mms_sem_viable(w->sw, cg->sh, a, w->sub))
					continue;
			}
			best = cg->acost[ai];
		}
	return best;
}

/* Prefix hashes of entry e's tree into w->ph: ph[i] hashes (tc, t[0..i)). */
static void
prefix_hashes(struct mmc_work *w, const struct mmc_state *st, const struct ent *e)
{
	const int32_t *t = st->b.arena + e->off;

	xgrow(&w->ph, &w->capph, (size_t)e->len + 1, sizeof *w->ph);
	w->ph[0] = (uint64_t)e->tc + 1;
	for (uint32_t i = 0; i < e->len; i++)
		w->ph[i + 1] = hadd(hmul(w->ph[i], HB), (uint64_t)t[i] + 1);
}

/* The ancestors of the step on top (and its own goal gh), for the cycle
 * rule: a 256-bit filter, then a scan. */
static void
anc_prep(struct mmc_work *w, const struct mmc_state *st, uint64_t gh)
{
	memset(w->bloom, 0, sizeof w->bloom);
	w->bloom[(gh >> 6) & 3] |= 1ull << (gh & 63);
	for (uint32_t i = 0; i < st->nent; i++)
		if (st->b.ent[i].anc) {
			uint64_t h = st->b.ent[i].hash;
			w->bloom[(h >> 6) & 3] |= 1ull << (h & 63);
		}
}

static int
anc_has(const struct mmc_work *w, const struct mmc_state *st, uint64_t gh, uint64_t h)
{
	if (!(w->bloom[(h >> 6) & 3] & (1ull << (h & 63))))
		return 0;
	if (h == gh)
		return 1;
	for (uint32_t i = 0; i < st->nent; i++)
		if (st->b.ent[i].anc && st->b.ent[i].hash == h)
			return 1;
	return 0;
}

/* Is tree node x (a lone variable's $f, as a whole subgoal) a variable that
 * occurs in no hypothesis? Then the subgoal is never needed: a proof of it
 * from the hypotheses would, with the variable replaced by the statement,
 * prove the statement by itself, in fewer steps (the fresh-variable rule;
 * without $d conditions, which could forbid the substitution). */
static int
is_fresh(const struct mmc_goal *cg, int32_t x)
{
	const struct mm_db *db = cg->ix->db;

	if (x < 0 || x >= db->nstmts || db->stmts[x].kind != MM_F)
		return 0;
	return !cg->hypvar[mm_stmt_expr(db, x)[1]];
}

/* ---- steps */

static uint32_t
budget_left(const struct mmc_state *st)
{
	return (st->flags & MMC_NOBUDGET) ? INF : st->left;
}

/* May hypothesis i close the step on top? */
static int
hyp_ok(const struct mmc_state *st, uint32_t i)
{
	const struct mmc_goal *cg = st->cg;
	const struct ent *e = &st->b.ent[st->nent - 1];
	const struct mms_goal *gl = cg->gl;

	if (i >= cg->nhyps || st->left == 0)
		return 0;
	if (cg->hhash[i] != e->hash || gl->cand->hyp[i][0] != e->tc ||
	    !mms_tree_eq(gl->trees + gl->off[1 + i], gl->len[1 + i], st->b.arena + e->off, e->len))
		return 0;
	return 1 + (st->need - e->lb) <= (uint64_t)budget_left(st);
}

/* Under the semantic rule (whose lower bounds grow), the slack below which
 * a step's subgoals are bounded one by one when they become known: counting
 * 1 per subgoal might let through a step whose subgoals do not fit (each
 * needs at most ubl; INF: always). 0 (never) without the rule or the budget
 * mask. */
static uint64_t
sub_slack(const struct mmc_state *st, uint32_t nsub)
{
	uint32_t u = st->cg->ubl[1];

	if (!sem_on(st->cg, st->flags) || (st->flags & MMC_NOBUDGET))
		return 0;
	return u >= INF ? INF : (uint64_t)nsub * (u - 1);
}

/* The lower bounds of the subgoals of assertion ai (no written variable),
 * the match in w->sub (kept): their sum, at most INF. */
static uint32_t
subgoals_lb(struct mmc_work *w, const struct mmc_state *st, uint32_t ai)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mms_assert *a = &g->asserts[ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	uint32_t sum = 0;

	memcpy(w->subsave, w->sub, a->nhyps * sizeof *w->sub);
	for (uint32_t k = 0; k < a->nhyps && sum < INF; k++) {
		size_t n;
		if (!h[k].ess)
			continue;
		n = mms_instantiate(g->pat + h[k].pat, h[k].npat, w->subsave, NULL, 0);
		xgrow(&w->stmp, &w->capstmp, n + 1, sizeof *w->stmp);
		mms_instantiate(g->pat + h[k].pat, h[k].npat, w->subsave, w->stmp, n);
		sum = cadd(sum, goal_lb(w, st->cg, st->flags, h[k].typecode, w->stmp, (uint32_t)n,
		                        ghash(h[k].typecode, w->stmp, (uint32_t)n)));
	}
	memcpy(w->sub, w->subsave, a->nhyps * sizeof *w->sub);
	return sum;
}

/*
 * May assertion ai be the step on top? w->ph must hold the goal's prefix
 * hashes and anc_prep() must have run (for the cycle rule). matched: the
 * discrimination tree already matched it (a linear pattern needs no more).
 * On success w->sub holds the match when the assertion needed one (it
 * always does when `want_sub`).
 */
static int
label_ok(struct mmc_work *w, const struct mmc_state *st, uint32_t ai, int matched, int want_sub)
{
	const struct mmc_goal *cg = st->cg;
	const struct mmc_index *ix = cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct mms_assert *a = &g->asserts[ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	const struct ent *e = &st->b.ent[st->nent - 1];
	const int32_t *t = st->b.arena + e->off;
	uint32_t cost = cg->acost[ai];
	uint64_t nodes = st->nodes, refs = st->refs + 1;
	int cyc = !(st->flags & MMC_NOCYCLE), fresh = cg->fresh && !(st->flags & MMC_NOFRESH);

	if (cost >= INF || st->left == 0 || a->typecode != e->tc)
		return 0;
	if ((uint64_t)cost + (st->need - e->lb) > budget_left(st))
		return 0;
	if (!matched || !ix->alinear[ai] || want_sub || a->ness) {
		memset(w->sub, 0, a->nhyps * sizeof *w->sub);
		if (!mms_match(g, g->pat + a->concl, a->nconcl, t, e->len, w->sub))
			return 0;
		for (uint32_t k = 0; k < a->nhyps; k++)
			if (!h[k].ess && w->sub[k].t)
				refs += w->sub[k].n;
	} else {
		refs += e->len - ix->anconst[ai];
	}
	/* the expander's limits, as far as they are known before the
	 * expressions are (written variables count at least 1 node each) */
	for (uint32_t k = 0; k < a->nhyps; k++) {
		const int32_t *p;
		uint64_t hh;
		uint64_t size = 0;
		if (!h[k].ess) {
			if (h[k].written)
				nodes++, refs++;
			continue;
		}
		if (!(ix->hflag[a->hyps + k] & HF_DET)) {
			nodes++;
			continue;
		}
		/* a subgoal the match determines: its size, and its hash */
		p = g->pat + h[k].pat;
		hh = (uint64_t)h[k].typecode + 1;
		for (uint32_t i = 0; i < h[k].npat; i++) {
			if (p[i] >= 0) {
				hh = hadd(hmul(hh, HB), (uint64_t)p[i] + 1);
				size++;
			} else {
				const struct mms_span *v = &w->sub[MMS_PVAR_IDX(p[i])];
				uint32_t at = (uint32_t)(v->t - t);
				uint64_t hs = hsub(w->ph[at + v->n], hmul(w->ph[at], hpow(ix, v->n)));
				hh = hadd(hmul(hh, hpow(ix, v->n)), hs);
				size += v->n;
			}
		}
		if (cyc && anc_has(w, st, e->hash, hh))
			return 0;
		if (fresh && size == 1 && p[0] < 0 && is_fresh(cg, w->sub[MMS_PVAR_IDX(p[0])].t[0]))
			return 0;
		nodes += size;
	}
	if (nodes > ix->lim.max_nodes || refs > ix->lim.max_refs)
		return 0;
	/* the semantic rule: its $e hypotheses must be able to follow from the
	 * statement's (those the match determines must follow) */
	if (a->ness && sem_on(cg, st->flags)) {
		if (!w->gprep)
			w->gprep = mms_sem_goal(w->sw, cg->sh, t, e->len) ? 1 : -1;
		if (w->gprep > 0 && !mms_sem_viable(w->sw, cg->sh, a, w->sub))
			return 0;
		/* near the budget: the written formulas' semantic lengths */
		if (w->gprep > 0 && a->nwritten && !(st->flags & MMC_NOBUDGET) &&
		    (uint64_t)cost + cg->maxextra + (st->need - e->lb) > budget_left(st) &&
		    (uint64_t)cost + mms_sem_written_extra(w->sw, cg->sh, a, w->sub) +
		    (st->need - e->lb) > budget_left(st))
			return 0;
	}
	/* near the budget: the subgoals' own bounds (they are known now) */
	if (a->ness && !a->nwritten && sub_slack(st, a->ness) &&
	    (uint64_t)cost + (st->need - e->lb) + sub_slack(st, a->ness) > budget_left(st) &&
	    (uint64_t)1 + subgoals_lb(w, st, ai) + (st->need - e->lb) > budget_left(st))
		return 0;
	return 1;
}

/* The tokens allowed for the step on top (or END), appended to out[n..). */
static uint32_t
list_step(struct mmc_work *w, const struct mmc_state *st, uint32_t *out, uint32_t n)
{
	const struct mmc_goal *cg = st->cg;
	const struct mmc_index *ix = cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct ent *e;
	uint32_t nr;

	if (st->mode != M_STEP)
		return n;
	if (st->nent == 0) {
		out[n++] = MMC_END;
		return n;
	}
	e = &st->b.ent[st->nent - 1];
	for (uint32_t i = 0; i < cg->nhyps; i++)
		if (hyp_ok(st, i))
			out[n++] = HYPBASE + i;
	prefix_hashes(w, st, e);
	anc_prep(w, st, e->hash);
	w->gprep = 0;
	nr = dt_query(w, &ix->all, g, e->tc, st->b.arena + e->off, e->len);
	xgrow(&w->rng2, &w->caprng2, (size_t)nr + 1, sizeof *w->rng2);
	memcpy(w->rng2, w->rng, nr * sizeof *w->rng);
	for (uint32_t r = 0; r < nr; r++)
		for (uint32_t l = 0; l < w->rng2[r].n; l++) {
			uint32_t ai = (uint32_t)ix->all.leaf[w->rng2[r].off + l];
			if (g->asserts[ai].stmt >= cg->context)
				break;
			if (label_ok(w, st, ai, 1, 0))
				out[n++] = LABBASE + (uint32_t)g->asserts[ai].stmt;
		}
	return n;
}

/* Is label token stmt allowed for the step on top? (w->sub gets the match.) */
static int
label_check(struct mmc_work *w, const struct mmc_state *st, int32_t stmt)
{
	const struct mmc_goal *cg = st->cg;
	const struct mms_assert *a = mms_assert_get(cg->ix->g, stmt);
	const struct ent *e;
	uint32_t ai;

	if (st->mode != M_STEP || st->nent == 0 || !a || stmt >= cg->context)
		return 0;
	ai = (uint32_t)(a - cg->ix->g->asserts);
	if (!cg->ix->aok[ai])
		return 0;
	e = &st->b.ent[st->nent - 1];
	prefix_hashes(w, st, e);
	anc_prep(w, st, e->hash);
	w->gprep = 0;
	return label_ok(w, st, ai, 0, 1);
}

/* ---- changing the stack */

/* After a step is complete: drop the ancestors whose subgoals are all done. */
static void
pop_ancestors(struct mmc_state *st)
{
	while (st->nent && st->b.ent[st->nent - 1].anc) {
		st->nent--;
		st->narena = st->b.ent[st->nent].off;
	}
}

/* Push the pending step (tc, tree at arena[off..off + len)): its hash and
 * lower bound. */
static void
push_step(struct mmc_work *w, struct mmc_state *st, mm_sym tc, uint32_t off, uint32_t len)
{
	struct ent *e;
	uint64_t h = ghash(tc, st->b.arena + off, len);
	uint32_t lb = goal_lb(w, st->cg, st->flags, tc, st->b.arena + off, len, h);

	GROW(st, ent, st->nent + 1);
	e = &st->b.ent[st->nent++];
	*e = (struct ent){ off, len, h, tc, lb, 0 };
	st->need += lb;
}

/*
 * The label on st->pend is complete (its substitution in st->b.soff/slen):
 * instantiate its $e hypotheses, and push them (the first on top) above the
 * goal, which becomes an ancestor; or, without $e hypotheses, drop the goal.
 * The caller has checked the limits (st->cnodes, st->crefs).
 */
static void
commit(struct mmc_work *w, struct mmc_state *st)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mms_assert *a = &g->asserts[st->ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	uint32_t base = st->pend.off + st->pend.len, at, total = 0;

	st->mode = M_STEP;
	st->nodes = st->cnodes;
	st->refs = st->crefs;
	if (!a->ness) {
		st->narena = st->pend.off;
		pop_ancestors(st);
		return;
	}
	/* sizes first: the arena may move while it grows */
	for (uint32_t k = 0; k < a->nhyps; k++) {
		w->sub[k].t = h[k].ess ? NULL : st->b.arena + st->b.soff[k];
		w->sub[k].n = h[k].ess ? 0 : st->b.slen[k];
	}
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (h[k].ess) {
			st->b.elen[k] = (uint32_t)mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub,
			                                          NULL, 0);
			total += st->b.elen[k];
		}
	at = st->narena;       /* after the expressions' trees, if any */
	GROW(st, arena, (size_t)at + total + 1);
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (!h[k].ess)
			w->sub[k].t = st->b.arena + st->b.soff[k];
	/* written in push order: the last hypothesis deepest */
	for (uint32_t k = a->nhyps; k-- > 0;)
		if (h[k].ess)
			at += (uint32_t)mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub,
			                                st->b.arena + at, total);
	memmove(st->b.arena + base, st->b.arena + st->narena, total * sizeof *st->b.arena);
	st->narena = base + total;
	GROW(st, ent, st->nent + 1);
	st->b.ent[st->nent] = st->pend;
	st->b.ent[st->nent].anc = 1;
	st->b.ent[st->nent].lb = 0;
	st->nent++;
	at = base;
	/* (push_step's lower bound uses w->sub: the lengths are in elen) */
	for (uint32_t k = a->nhyps; k-- > 0;)
		if (h[k].ess) {
			push_step(w, st, h[k].typecode, at, st->b.elen[k]);
			at += st->b.elen[k];
		}
}

/* ---- a label's run of expressions: the Earley parse */

/* Add item (node, origin) to the set being built (it[set[i]..nit)). */
static void
item_add(struct mmc_state *st, uint32_t i, uint32_t node, uint32_t origin)
{
	for (uint32_t x = st->b.set[i]; x < st->nit; x++)
		if (st->b.it[x].node == node && st->b.it[x].origin == origin)
			return;
	GROW(st, it, st->nit + 1);
	st->b.it[st->nit++] = (struct item){ node, origin };
}

/* Type T was predicted at i: its trie root, if any body can complete. */
static void
predict(struct mmc_state *st, uint32_t i, int t)
{
	const struct mms_grammar *g = st->cg->ix->g;
	uint32_t r = g->root[t];

	if (st->cg->minrest[r] < INF)
		item_add(st, i, r, i);
}

/* An expression of type t spans origin..i: advance the items of set origin
 * that wait for it, into set i. */
static void
complete(struct mmc_state *st, uint32_t i, int t, uint32_t origin)
{
	const struct mms_grammar *g = st->cg->ix->g;
	uint32_t nn = g->nnodes;

	for (uint32_t y = st->b.set[origin]; y < st->b.set[origin + 1]; y++) {
		struct item J = st->b.it[y];
		if (J.node >= nn) {
			uint32_t q = J.node - nn;
			if (q < st->k && st->b.wtype[q] == t)
				item_add(st, i, nn + q + 1, 0);
			continue;
		}
		const struct mms_node *nd = &g->nodes[J.node];
		for (uint32_t e = 0; e < nd->ntedge; e++) {
			const struct mms_edge *ed = &g->edges[nd->tedge + e];
			if (ed->label == t && st->cg->minrest[ed->to] < INF)
				item_add(st, i, ed->to, J.origin);
		}
	}
}

/* The continuation cost of item J of set i: fewest symbols after it. */
static inline uint32_t
cont(const struct mmc_state *st, const struct mmc_index *ix, struct item J)
{
	return st->b.after[(size_t)J.origin * (size_t)ix->g->ntypes + (size_t)ix->ntype[J.node]];
}

/* Close set i (its scanned items are in): completions and predictions, then
 * its row of `after` and st->emin. */
static void
set_close(struct mmc_state *st, uint32_t i)
{
	const struct mmc_goal *cg = st->cg;
	const struct mmc_index *ix = cg->ix;
	const struct mms_grammar *g = ix->g;
	uint32_t nn = g->nnodes, nt = (uint32_t)g->ntypes;
	uint32_t *row;
	int changed;

	for (uint32_t x = st->b.set[i]; x < st->nit; x++) {
		struct item I = st->b.it[x];
		if (I.node >= nn) {
			uint32_t q = I.node - nn;
			if (q < st->k)
				predict(st, i, st->b.wtype[q]);
			continue;
		}
		const struct mms_node *nd = &g->nodes[I.node];
		if (cg->minrest[I.node] == 0 && I.origin < i)
			complete(st, i, ix->ntype[I.node], I.origin);
		for (uint32_t e = 0; e < nd->ntedge; e++) {
			const struct mms_edge *ed = &g->edges[nd->tedge + e];
			if (cg->minrest[ed->to] < INF)
				predict(st, i, ed->label);
		}
	}
	GROW(st, set, (size_t)i + 2);
	st->b.set[i + 1] = st->nit;
	GROW(st, after, ((size_t)i + 1) * nt + 1);
	row = st->b.after + (size_t)i * nt;
	for (uint32_t t = 0; t < nt; t++)
		row[t] = INF;
	for (uint32_t x = st->b.set[i]; x < st->nit; x++) {
		struct item J = st->b.it[x];
		if (J.node >= nn) {
			uint32_t q = J.node - nn;
			if (q < st->k)
				row[st->b.wtype[q]] = umin(row[st->b.wtype[q]], st->b.wsuf[q + 1]);
			continue;
		}
		if (J.origin == i)
			continue;
		const struct mms_node *nd = &g->nodes[J.node];
		uint32_t c = cont(st, ix, J);
		for (uint32_t e = 0; e < nd->ntedge; e++) {
			const struct mms_edge *ed = &g->edges[nd->tedge + e];
			row[ed->label] = umin(row[ed->label], cadd(cg->minrest[ed->to], c));
		}
	}
	do {   /* predicted items: left corners within the set */
		changed = 0;
		for (uint32_t x = st->b.set[i]; x < st->nit; x++) {
			struct item J = st->b.it[x];
			if (J.node >= nn || J.origin != i)
				continue;
			const struct mms_node *nd = &g->nodes[J.node];
			uint32_t c = row[ix->ntype[J.node]];
			if (c >= INF)
				continue;
			for (uint32_t e = 0; e < nd->ntedge; e++) {
				const struct mms_edge *ed = &g->edges[nd->tedge + e];
				uint32_t v = cadd(cg->minrest[ed->to], c);
				if (v < row[ed->label]) {
					row[ed->label] = v;
					changed = 1;
				}
			}
		}
	} while (changed);
	st->emin = INF;
	for (uint32_t x = st->b.set[i]; x < st->nit; x++) {
		struct item J = st->b.it[x];
		if (J.node >= nn)
			st->emin = umin(st->emin, st->b.wsuf[J.node - nn]);
		else
			st->emin = umin(st->emin, cadd(cg->minrest[J.node], cont(st, ix, J)));
	}
}

/* Does set i hold a way to go on reading symbols (not only "the run is
 * complete")? */
static int
set_continues(const struct mmc_state *st, uint32_t i)
{
	const struct mmc_goal *cg = st->cg;
	const struct mms_grammar *g = cg->ix->g;
	uint32_t nn = g->nnodes;

	for (uint32_t x = st->b.set[i]; x < st->b.set[i + 1]; x++) {
		struct item J = st->b.it[x];
		if (J.node >= nn) {
			if (J.node - nn < st->k)
				return 1;
			continue;
		}
		if (cg->minrest[J.node] > 0)
			return 1;
		const struct mms_node *nd = &g->nodes[J.node];
		for (uint32_t e = 0; e < nd->ncedge + nd->ntedge; e++)
			if (cg->minrest[g->edges[nd->cedge + e].to] < INF)
				return 1;
	}
	return 0;
}

/* Fewest tokens to finish the run if symbol s comes next (s included), INF
 * if s cannot come next. */
static uint32_t
sym_cost(const struct mmc_state *st, mm_sym s)
{
	const struct mmc_goal *cg = st->cg;
	const struct mmc_index *ix = cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct mm_db *db = ix->db;
	uint32_t i = st->nrun, best = INF;

	if (s < 0 || s >= db->nsyms || !cg->usable[s])
		return INF;
	if (db->syms[s].kind == MM_VAR)
		return cadd(1, st->b.after[(size_t)i * (size_t)g->ntypes + (size_t)g->var_type[s]]);
	for (uint32_t x = st->b.set[i]; x < st->b.set[i + 1]; x++) {
		struct item J = st->b.it[x];
		const struct mms_edge *ed;
		if (J.node >= g->nnodes)
			continue;
		ed = trie_cedge(g, &g->nodes[J.node], s);
		if (ed && cg->minrest[ed->to] < INF)
			best = umin(best, cadd(cadd(1, cg->minrest[ed->to]), cont(st, ix, J)));
	}
	return best;
}

/* Read symbol s into the parse (sym_cost(s) < INF): set nrun + 1. */
static void
scan(struct mmc_state *st, mm_sym s)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mm_db *db = g->db;
	uint32_t i = st->nrun;

	GROW(st, run, (size_t)i + 1);
	st->b.run[i] = s;
	if (db->syms[s].kind == MM_VAR) {
		complete(st, i + 1, g->var_type[s], i);
	} else {
		for (uint32_t x = st->b.set[i]; x < st->b.set[i + 1]; x++) {
			struct item J = st->b.it[x];
			const struct mms_edge *ed;
			if (J.node >= g->nnodes)
				continue;
			ed = trie_cedge(g, &g->nodes[J.node], s);
			if (ed && st->cg->minrest[ed->to] < INF)
				item_add(st, i + 1, ed->to, J.origin);
		}
	}
	st->nrun = i + 1;
	set_close(st, i + 1);
	/* forbidden completions the run still begins */
	for (uint32_t f = 0; f < st->nf; f++)
		if ((st->alive[f / 64] >> (f % 64) & 1) &&
		    (st->foff[f + 1] - st->foff[f] <= i || st->b.fs[st->foff[f] + i] != s))
			st->alive[f / 64] &= ~(1ull << (f % 64));
}

/* Does symbol s complete a forbidden expression exactly? */
static int
completes_forbidden(const struct mmc_state *st, mm_sym s)
{
	uint32_t i = st->nrun;

	for (uint32_t f = 0; f < st->nf; f++)
		if ((st->alive[f / 64] >> (f % 64) & 1) && st->foff[f + 1] - st->foff[f] == i + 1 &&
		    st->b.fs[st->foff[f] + i] == s)
			return 1;
	return 0;
}

static void try_close(struct mmc_work *w, struct mmc_state *st);

/* The semantic rule for the run with symbol s next: can the expressions
 * still be completed so that the $e hypotheses follow? MMS_SEM_*; and, if
 * extra is not NULL, the symbols the next formula needs beyond the grammar's
 * bound. The run is read once per state (its serial): for every candidate
 * symbol, and again when one is read. */
static int
run_follows(struct mmc_work *w, const struct mmc_state *st, mm_sym s, uint32_t *extra)
{
	const struct mmc_goal *cg = st->cg;
	const struct mms_grammar *g = cg->ix->g;
	const struct mms_assert *a = &g->asserts[st->ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;

	if (w->rserial != st->serial) {
		w->rserial = st->serial;
		w->gprep = 0;
		for (uint32_t k = 0; k < a->nhyps; k++) {
			int bound = !h[k].ess && !h[k].written;
			w->sub2[k].t = bound ? st->b.arena + st->b.soff[k] : NULL;
			w->sub2[k].n = bound ? st->b.slen[k] : 0;
		}
		if (!mms_sem_goal(w->sw, cg->sh, st->b.arena + st->pend.off, st->pend.len) ||
		    !mms_sem_run(w->sw, cg->sh, a, w->sub2, st->b.run, st->nrun))
			mms_sem_run_clear(w->sw);
	}
	return mms_sem_run_next(w->sw, cg->sh, s, extra);
}

/* Is symbol s allowed next in the run? */
static int
sym_ok(struct mmc_work *w, const struct mmc_state *st, mm_sym s)
{
	const struct mmc_index *ix = st->cg->ix;
	const struct mms_assert *a = &ix->g->asserts[st->ai];
	uint32_t c = sym_cost(st, s);
	int forb, sem = 0, close;
	struct mmc_state *t;

	if (c >= INF || st->left == 0)
		return 0;
	if ((uint64_t)c + st->need + a->ness > budget_left(st))
		return 0;
	forb = completes_forbidden(st, s);
	/* near the budget, where s can end the run: the subgoals' own bounds */
	close = c == 1 && a->ness && sub_slack(st, a->ness) &&
	        (uint64_t)c + st->need + a->ness + sub_slack(st, a->ness) > budget_left(st);
	/* the semantic rule: the prefix must still be completable into
	 * expressions whose $e hypotheses follow; where the prefix parser
	 * cannot judge and s can end the run (c == 1), the run ended there
	 * must be closable, or go on */
	if (ix->aclose[st->ai] && sem_on(st->cg, st->flags)) {
		uint64_t base = (uint64_t)c + st->need + a->ness;
		uint32_t extra = 0;
		int tight = !(st->flags & MMC_NOBUDGET) && base + st->cg->maxextra > budget_left(st);
		int r = run_follows(w, st, s, tight ? &extra : NULL);
		if (r == MMS_SEM_NO || base + extra > budget_left(st))
			return 0;
		sem = r == MMS_SEM_UNKNOWN && c == 1;
	}
	if (!forb && !sem && !close)
		return 1;
	t = w->tmp2;
	mmc_state_copy(t, st);
	scan(t, s);
	if (set_continues(t, t->nrun))
		return 1;
	if (forb)
		return 0;   /* a forbidden completion only if the run can go on past it */
	try_close(w, t);
	if (!t->closable || !close)
		return t->closable;
	commit(w, t);
	return t->need + 1 <= budget_left(st);
}

/* The semantic rule when a run ends: each $e hypothesis that needs the
 * written expressions, instantiated by w->sub, must follow from the
 * statement's hypotheses (the others were checked with the label). */
static int
close_follows(struct mmc_work *w, const struct mmc_state *st)
{
	const struct mmc_index *ix = st->cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct mms_assert *a = &g->asserts[st->ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;

	for (uint32_t k = 0; k < a->nhyps; k++) {
		size_t n;
		if (!h[k].ess || (ix->hflag[a->hyps + k] & HF_DET))
			continue;
		n = mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub, NULL, 0);
		xgrow(&w->stmp, &w->capstmp, n + 1, sizeof *w->stmp);
		mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub, w->stmp, n);
		if (mms_sem_entailed(w->sw, st->cg->sh, w->stmp, (uint32_t)n) == MMS_SEM_NO)
			return 0;
	}
	return 1;
}

/* Is the run, as read, a complete and unambiguous sequence of the
 * expressions wanted, within the limits, and (under the semantic rule) do
 * the $e hypotheses it instantiates follow? Then parse it as the expander will
 * (its trees after pend's in the arena) and note the counters after
 * closing. */
static void
try_close(struct mmc_work *w, struct mmc_state *st)
{
	const struct mmc_index *ix = st->cg->ix;
	const struct mms_grammar *g = ix->g;
	const struct mms_assert *a = &g->asserts[st->ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	uint32_t nn = g->nnodes, i = st->nrun, top = 0, lens[64], q = 0;
	size_t cap;
	uint64_t nodes = st->nodes, refs = st->refs + 1;
	struct mms_err err;
	long got;

	st->closable = 0;
	st->narena = st->eoff = st->pend.off + st->pend.len;
	for (uint32_t x = st->b.set[i]; x < st->b.set[i + 1]; x++)
		if (st->b.it[x].node == nn + st->k)
			top = 1;
	if (!top || st->k > 64)
		return;
	for (uint32_t f = 0; f < st->nf; f++)
		if ((st->alive[f / 64] >> (f % 64) & 1) && st->foff[f + 1] - st->foff[f] == i)
			return;
	cap = (size_t)i * ((size_t)g->ntypes + 1) + 16;
	GROW(st, arena, (size_t)st->eoff + cap + 1);
	got = mms_parse_raw(w->p, st->cg->context, st->b.wtype, st->k, st->b.run, i, NULL,
	                    st->b.arena + st->eoff, cap, lens, &err);
	if (got < 0)
		return;
	nodes += (uint64_t)got;
	for (uint32_t k = 0, at = st->eoff; k < a->nhyps; k++)
		if (h[k].written) {
			st->b.soff[k] = at;
			st->b.slen[k] = lens[q];
			at += lens[q++];
		}
	for (uint32_t k = 0; k < a->nhyps; k++) {
		if (h[k].ess)
			continue;
		refs += st->b.slen[k];
		w->sub[k].t = st->b.arena + st->b.soff[k];
		w->sub[k].n = st->b.slen[k];
	}
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (h[k].ess) {
			w->sub[k].t = NULL;
			w->sub[k].n = 0;
		}
	for (uint32_t k = 0; k < a->nhyps; k++)
		if (h[k].ess)
			nodes += mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub, NULL, 0);
	if (nodes > ix->lim.max_nodes || refs > ix->lim.max_refs)
		return;
	if (ix->aclose[st->ai] && sem_on(st->cg, st->flags) && !close_follows(w, st))
		return;
	st->esize = (uint32_t)got;
	st->narena = st->eoff + st->esize;
	st->cnodes = nodes;
	st->crefs = refs;
	st->closable = 1;
}

/* Render tree t from node i as math symbols into st->b.fs (from *k).
 * Returns the end of the subtree, or 0 when it is too deep. */
static uint32_t
render(struct mmc_state *st, const int32_t *t, uint32_t i, uint32_t *k, int depth)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mm_db *db = g->db;
	int32_t x = t[i];
	const mm_sym *body;
	uint32_t len, end;

	if (depth > 2000)
		return 0;
	if (db->stmts[x].kind == MM_F) {
		GROW(st, fs, (size_t)*k + 1);
		st->b.fs[(*k)++] = mm_stmt_expr(db, x)[1];
		return i + 1;
	}
	if (g->bodymap[x] < 0)
		return 0;
	body = mm_stmt_expr(db, x) + 1;
	len = db->stmts[x].len - 1;
	end = mms_tree_skip(g, t, i);
	for (uint32_t p = 0; p < len; p++) {
		int16_t f = g->kidmap[g->bodymap[x] + p];
		uint32_t c = i + 1;
		if (f < 0) {
			GROW(st, fs, (size_t)*k + 1);
			st->b.fs[(*k)++] = body[p];
			continue;
		}
		for (int16_t s = 0; s < f; s++)
			c = mms_tree_skip(g, t, c);
		if (!render(st, t, c, k, depth + 1))
			return 0;
	}
	return end;
}

/* The cycle rule for a run: for each $e hypothesis that holds every written
 * variable, and each goal on the branch (the label's own goal, the
 * ancestors), the expressions that would make the subgoal that goal. */
static void
forbid(struct mmc_work *w, struct mmc_state *st)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mms_assert *a = &g->asserts[st->ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	uint32_t k = 0;

	st->nf = 0;
	st->foff[0] = 0;
	memset(st->alive, 0, sizeof st->alive);
	/* the fresh-variable rule: the one written expression is a whole
	 * subgoal; it may not be a lone variable that no hypothesis holds */
	for (uint32_t j = 0; j < a->nhyps && st->k == 1 && st->cg->fresh &&
	                     !(st->flags & MMC_NOFRESH); j++) {
		const struct mmc_goal *cg = st->cg;
		int t = st->b.wtype[0];
		if (!h[j].ess || h[j].npat != 1 || g->pat[h[j].pat] >= 0 ||
		    !h[MMS_PVAR_IDX(g->pat[h[j].pat])].written)
			continue;
		for (uint32_t v = cg->varoff[t]; v < cg->varoff[t + 1] && st->nf < MAXF; v++)
			if (!cg->hypvar[cg->vars[v]]) {
				GROW(st, fs, (size_t)k + 1);
				st->b.fs[k++] = cg->vars[v];
				st->foff[++st->nf] = k;
				st->alive[(st->nf - 1) / 64] |= 1ull << ((st->nf - 1) % 64);
			}
		break;
	}
	if (st->flags & MMC_NOCYCLE)
		return;
	for (uint32_t j = 0; j < a->nhyps; j++) {
		if (!h[j].ess || !(st->cg->ix->hflag[a->hyps + j] & HF_FULL))
			continue;
		for (uint32_t x = 0; x <= st->nent && st->nf < MAXF; x++) {
			const struct ent *e = x < st->nent ? &st->b.ent[x] : &st->pend;
			uint32_t k0 = k, ok = 1;
			if (x < st->nent && !e->anc)
				continue;
			if (e->tc != h[j].typecode)
				continue;
			for (uint32_t v = 0; v < a->nhyps; v++) {
				w->sub2[v].t = h[v].ess || h[v].written ? NULL :
				               st->b.arena + st->b.soff[v];
				w->sub2[v].n = h[v].ess || h[v].written ? 0 : st->b.slen[v];
			}
			if (!mms_match(g, g->pat + h[j].pat, h[j].npat, st->b.arena + e->off, e->len,
			               w->sub2))
				continue;
			for (uint32_t v = 0; v < a->nhyps && ok; v++) {
				uint32_t at = 0;
				if (!h[v].written)
					continue;
				if (!w->sub2[v].t) {
					ok = 0;
					break;
				}
				/* (fs grows; the ancestor's tree in the arena stays) */
				if (!render(st, w->sub2[v].t, at, &k, 0))
					ok = 0;
			}
			if (!ok) {
				k = k0;
				continue;
			}
			st->foff[++st->nf] = k;
			st->alive[(st->nf - 1) / 64] |= 1ull << ((st->nf - 1) % 64);
		}
	}
}

/* The step on top takes label ai (checked, w->sub holding the match): pop
 * it, keep its tree as pend, and either close the label now or start
 * reading its expressions. */
static void
take_label(struct mmc_work *w, struct mmc_state *st, uint32_t ai)
{
	const struct mms_grammar *g = st->cg->ix->g;
	const struct mms_assert *a = &g->asserts[ai];
	const struct mms_ahyp *h = g->ahyps + a->hyps;
	struct ent *e = &st->b.ent[--st->nent];
	uint32_t q = 0;

	st->pend = *e;
	st->need -= e->lb;
	st->ai = ai;
	grow_h(st, (size_t)g->maxhyps + 1);
	for (uint32_t k = 0; k < a->nhyps; k++) {
		st->b.soff[k] = w->sub[k].t ? (uint32_t)(w->sub[k].t - st->b.arena) : 0;
		st->b.slen[k] = w->sub[k].t ? w->sub[k].n : 0;
		if (h[k].written)
			st->b.wtype[q++] = h[k].type;
	}
	st->k = q;
	if (!a->nwritten) {
		/* the limits were checked by label_ok */
		uint64_t refs = st->refs + 1, nodes = st->nodes;
		for (uint32_t k = 0; k < a->nhyps; k++)
			if (!h[k].ess)
				refs += st->b.slen[k];
			else
				nodes += mms_instantiate(g->pat + h[k].pat, h[k].npat, w->sub, NULL, 0);
		st->cnodes = nodes;
		st->crefs = refs;
		commit(w, st);
		return;
	}
	st->mode = M_EXPR;
	st->b.wsuf[q] = 0;
	for (uint32_t r = q; r-- > 0;)
		st->b.wsuf[r] = cadd(st->b.wsuf[r + 1], st->cg->minlen[st->b.wtype[r]]);
	st->nrun = 0;
	st->nit = 0;
	st->closable = 0;
	st->eoff = st->narena;
	GROW(st, set, 2);
	st->b.set[0] = 0;
	item_add(st, 0, g->nnodes, 0);
	set_close(st, 0);
	forbid(w, st);
}

/* ---- the interface */

int
mmc_state_init(struct mmc_state *st, struct mmc_work *w, const struct mmc_goal *cg,
               uint32_t budget, unsigned flags)
{
	const struct mms_goal *gl = cg->gl;

	st->cg = cg;
	st->serial = new_serial();
	st->flags = flags;
	st->mode = M_STEP;
	st->dead = 0;
	st->ntok = 0;
	st->left = budget < cg->ix->lim.max_tokens ? budget : cg->ix->lim.max_tokens;
	if (flags & MMC_NOBUDGET)
		st->left = cg->ix->lim.max_tokens;
	st->need = 0;
	st->nodes = st->refs = 0;
	st->nent = 0;
	st->nrun = st->nit = st->nf = 0;
	st->closable = 0;
	GROW(st, arena, (size_t)gl->len[0] + 1);
	memcpy(st->b.arena, gl->trees + gl->off[0], gl->len[0] * sizeof *st->b.arena);
	st->narena = gl->len[0];
	grow_h(st, (size_t)cg->ix->g->maxhyps + 1);
	push_step(w, st, gl->cand->expr[0], 0, gl->len[0]);
	/* an unprovable statement: a dead end from the start */
	if (!(flags & MMC_NOSEMANTIC) && cg->entailed == MMS_SEM_NO) {
		st->dead = 1;
		return -1;
	}
	return mmc_need(st) <= budget_left(st) ? 0 : -1;
}

/* In M_EXPR with the run closable: the state after closing, in w->tmp. */
static struct mmc_state *
closed(struct mmc_work *w, const struct mmc_state *st)
{
	struct mmc_state *t = w->tmp;

	mmc_state_copy(t, st);
	commit(w, t);
	return t;
}

static int
check_in(struct mmc_work *w, const struct mmc_state *st, uint32_t tok)
{
	int32_t v;
	enum mmc_kind kind;

	if (!st->cg || st->mode == M_END || st->dead)
		return 0;
	kind = mmc_token_kind(st->cg->ix, tok, &v);
	if (st->mode == M_EXPR) {
		if (kind == MMC_KSYM)
			return sym_ok(w, st, v);
		if (!st->closable)
			return 0;
		st = closed(w, st);
	}
	switch (kind) {
	case MMC_KEND:
		return st->nent == 0;
	case MMC_KHYP:
		return st->nent > 0 && hyp_ok(st, (uint32_t)v);
	case MMC_KLABEL:
		return label_check(w, st, v);
	default:
		return 0;
	}
}

int
mmc_check(struct mmc_work *w, const struct mmc_state *st, uint32_t tok)
{
	return check_in(w, st, tok);
}

uint32_t
mmc_allowed(struct mmc_work *w, const struct mmc_state *st, uint32_t *out)
{
	const struct mmc_goal *cg = st->cg;
	const struct mmc_index *ix;
	const struct mms_grammar *g;
	uint32_t n = 0, nc = 0, i;

	if (!cg || st->mode == M_END || st->dead)
		return 0;
	if (st->mode == M_STEP)
		return list_step(w, st, out, 0);
	ix = cg->ix;
	g = ix->g;
	i = st->nrun;
	/* the symbols the parse can take: constant edges of the set's items,
	 * variables of the types it waits for */
	if (++w->stamp == 0) {
		memset(w->mark, 0, (size_t)ix->db->nsyms * sizeof *w->mark);
		w->stamp = 1;
	}
	for (uint32_t x = st->b.set[i]; x < st->b.set[i + 1]; x++) {
		struct item J = st->b.it[x];
		const struct mms_node *nd;
		if (J.node >= g->nnodes)
			continue;
		nd = &g->nodes[J.node];
		for (uint32_t e = 0; e < nd->ncedge; e++) {
			mm_sym s = g->edges[nd->cedge + e].label;
			if (w->mark[s] != w->stamp) {
				w->mark[s] = w->stamp;
				w->cand[nc++] = (uint32_t)s;
			}
		}
	}
	for (int t = 0; t < g->ntypes; t++) {
		if (st->b.after[(size_t)i * (size_t)g->ntypes + (size_t)t] >= INF)
			continue;
		for (uint32_t v = cg->varoff[t]; v < cg->varoff[t + 1]; v++)
			w->cand[nc++] = (uint32_t)cg->vars[v];
	}
	for (uint32_t c = 0; c < nc; c++)
		if (sym_ok(w, st, (mm_sym)w->cand[c]))
			out[n++] = ix->symbase + w->cand[c];
	if (st->closable)
		n = list_step(w, closed(w, st), out, n);
	return n;
}

uint32_t
mmc_allowed_mask(struct mmc_work *w, const struct mmc_state *st, uint64_t *mask)
{
	uint32_t n = mmc_allowed(w, st, w->list);

	memset(mask, 0, ((size_t)w->ix->ntok + 63) / 64 * sizeof *mask);
	for (uint32_t i = 0; i < n; i++)
		mask[w->list[i] / 64] |= 1ull << (w->list[i] % 64);
	return n;
}

int
mmc_advance(struct mmc_work *w, struct mmc_state *st, uint32_t tok)
{
	int32_t v;
	enum mmc_kind kind;
	struct mmc_state *t = st;

	if (!st->cg || st->mode == M_END || st->dead)
		return -1;
	kind = mmc_token_kind(st->cg->ix, tok, &v);
	if (st->mode == M_EXPR) {
		if (kind == MMC_KSYM) {
			if (!sym_ok(w, st, v))
				return -1;
			scan(st, v);
			st->ntok++;
			st->left--;
			try_close(w, st);
			st->serial = new_serial();
			return 0;
		}
		if (!st->closable)
			return -1;
		t = closed(w, st);   /* w->tmp */
	}
	switch (kind) {
	case MMC_KEND:
		if (t->nent != 0)
			return -1;
		t->mode = M_END;
		break;
	case MMC_KHYP:
		if (t->nent == 0 || !hyp_ok(t, (uint32_t)v))
			return -1;
		t->need -= t->b.ent[t->nent - 1].lb;
		t->narena = t->b.ent[--t->nent].off;
		t->refs++;
		pop_ancestors(t);
		break;
	case MMC_KLABEL:
		if (!label_check(w, t, v))
			return -1;
		take_label(w, t, (uint32_t)(mms_assert_get(t->cg->ix->g, v) - t->cg->ix->g->asserts));
		break;
	default:
		return -1;
	}
	if (kind != MMC_KEND) {
		t->ntok++;
		t->left--;
	}
	if (t != st)
		swap_state(st, t);
	st->serial = new_serial();
	return 0;
}

int
mmc_done(const struct mmc_state *st)
{
	if (!st->cg || st->dead)
		return 0;
	if (st->mode == M_END)
		return 1;
	if (st->mode == M_STEP)
		return st->nent == 0;
	/* a closable run: complete if the label takes no $e and nothing else
	 * is pending */
	if (!st->closable || st->cg->ix->g->asserts[st->ai].ness)
		return 0;
	for (uint32_t i = 0; i < st->nent; i++)
		if (!st->b.ent[i].anc)
			return 0;
	return 1;
}

uint32_t
mmc_ntok(const struct mmc_state *st)
{
	return st->ntok;
}

uint32_t
mmc_left(const struct mmc_state *st)
{
	return st->left;
}

uint32_t
mmc_need(const struct mmc_state *st)
{
	uint64_t n;

	if (!st->cg || st->mode == M_END)
		return 0;
	if (st->dead)
		return INF;
	n = st->need;
	if (st->mode == M_EXPR)
		n += (uint64_t)st->cg->ix->g->asserts[st->ai].ness + st->emin;
	return n >= INF ? INF : (uint32_t)n;
}

int
mmc_in_expr(const struct mmc_state *st)
{
	return st->mode == M_EXPR;
}
