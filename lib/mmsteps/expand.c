/*
 * expand.c - steps proof -> normal proof (statement numbers) for the kernel
 *
 * The proof is read once, left to right, against a stack of open goals (the
 * root is the candidate's statement). A label's conclusion pattern is matched
 * against the goal it is given, its other variables are parsed from the math
 * symbols that follow it, and its $e hypotheses, instantiated, become the
 * next goals. That builds a tree of step nodes; writing it in postorder with
 * the syntax proof of every substituted expression gives the normal proof.
 *
 * All scratch lives in the expander and is reused: after the first few
 * proofs an expansion allocates nothing.
 */
#include "mmsteps/internal.h"
#include "mmsteps/steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

enum { TK_SYM = 1, TK_LABEL, TK_HYP };

#define NOPARENT UINT32_MAX

struct open_goal {
	const int32_t *t;      /* its tree */
	uint32_t n;
	mm_sym typecode;
	uint32_t parent;       /* the step node whose slot it fills, or NOPARENT */
	uint32_t slot;
};

struct snode {
	int32_t ref;           /* an assertion, or MM_REF_CANDHYP(i) */
	uint32_t slots;        /* x->slots[slots..slots + nhyps]: frame order */
	uint32_t tok;          /* 1-based token */
};

struct slot {
	const int32_t *t;      /* $f: the expression's tree; $e: NULL */
	uint32_t n;            /* $f: its length; $e: the child step node */
};

struct estate {
	uint32_t node, k;      /* writing node's k-th hypothesis next */
};

struct tpend {
	int32_t s;
	uint32_t left;
};

struct mms_expander {
	const struct mms_grammar *g;
	struct mms_limits lim;
	struct mms_parser *p;

	/* the tokens of the current proof */
	const char *text;
	uint8_t *kind;         /* TK_* */
	int32_t *val;          /* symbol, statement, or hypothesis index */
	uint32_t *toff, *tlen; /* where in text */
	uint32_t ntok;
	size_t captok;
	struct mms_err lexerr; /* a bad token ends the token list; reported if reached */

	int32_t *arena;        /* (lim.max_nodes) trees of subgoals and expressions;
	                          never moves, so trees are plain pointers */
	size_t used;
	struct open_goal *goals;
	size_t ngoals, capgoals;
	struct snode *nodes;
	size_t nnodes, capnodes;
	struct slot *slots;
	size_t nslots, capslots;
	struct mms_span *sub;  /* (g->maxhyps + 1) */
	int *types;            /* (g->maxhyps + 1) */
	uint32_t *lens;        /* (g->maxhyps + 1) */

	int32_t *refs;         /* the normal proof */
	uint32_t *reftok;      /* the token each step comes from */
	size_t nrefs, caprefs;
	struct estate *est;
	size_t capest;
	struct tpend *tst;
	size_t captst;

	char *rpn;
	size_t caprpn;
	int ok;                /* the last expansion succeeded */
};

struct mms_expander *
mms_expander_new(const struct mms_grammar *g, const struct mms_limits *lim)
{
	struct mms_expander *x = xcalloc(1, sizeof *x);
	size_t mh = (size_t)g->maxhyps + 1;

	x->g = g;
	if (lim)
		x->lim = *lim;
	if (!x->lim.max_tokens)
		x->lim.max_tokens = 65536;
	if (!x->lim.max_nodes)
		x->lim.max_nodes = 1u << 20;
	if (!x->lim.max_refs)
		x->lim.max_refs = 1u << 22;
	x->p = mms_parser_new(g, x->lim.max_depth);
	/* a large allocation comes from mmap: pages not touched cost nothing */
	x->arena = xmalloc((size_t)x->lim.max_nodes * sizeof *x->arena);
	x->sub = xcalloc(mh, sizeof *x->sub);
	x->types = xcalloc(mh, sizeof *x->types);
	x->lens = xcalloc(mh, sizeof *x->lens);
	return x;
}

void
mms_expander_free(struct mms_expander *x)
{
	if (!x)
		return;
	mms_parser_free(x->p);
	free(x->kind);
	free(x->val);
	free(x->toff);
	free(x->tlen);
	free(x->arena);
	free(x->goals);
	free(x->nodes);
	free(x->slots);
	free(x->sub);
	free(x->types);
	free(x->lens);
	free(x->refs);
	free(x->reftok);
	free(x->est);
	free(x->tst);
	free(x->rpn);
	free(x);
}

struct mms_parser *
mms_expander_parser(struct mms_expander *x)
{
	return x->p;
}

uint32_t
mms_expander_ntokens(const struct mms_expander *x)
{
	return x->ntok;
}

/* ---- tokens */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Hi, "H1".."H99999" (steps.h) */
int32_t
mms_hyp_index(const char *t, size_t n)
{
	int32_t v = 0;

	if (n < 2 || n > 6 || t[0] != 'H' || t[1] < '1' || t[1] > '9')
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (t[i] - '0');
	}
	return v - 1;
}

/* Classify token number ntok+1 (text t[0..n)). Returns 0, or -1 with
 * x->lexerr set. */
static int
classify(struct mms_expander *x, int32_t context, const char *t, size_t n)
{
	const struct mm_db *db = x->g->db;
	uint32_t k = x->ntok, tk = k + 1;
	int32_t v;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 33 || (unsigned char)t[i] > 126) {
			mms_fail(&x->lexerr, "token", tk, "illegal byte 0x%02x", (unsigned char)t[i]);
			return -1;
		}
	if (memchr(t, '$', n)) {
		mms_fail(&x->lexerr, "token", tk, "'%.*s' is a Metamath keyword, not part of a proof",
		         MMS_QLEN(n), t);
		return -1;
	}
	if ((v = mms_hyp_index(t, n)) >= 0) {
		x->kind[k] = TK_HYP;
	} else if ((v = mm_db_label(db, t, n)) >= 0) {
		x->kind[k] = TK_LABEL;
	} else if ((v = mm_db_sym(db, t, n)) >= 0) {
		x->kind[k] = TK_SYM;
		if (db->syms[v].decl > context) {
			mms_fail(&x->lexerr, "token", tk, "math symbol '%s' is declared after the context",
			         db->syms[v].name);
			return -1;
		}
		if (db->syms[v].kind == MM_VAR &&
		    (db->syms[v].global_f < 0 || db->syms[v].global_f >= context)) {
			mms_fail(&x->lexerr, "token", tk,
			         "variable '%s' has no $f statement before the context", db->syms[v].name);
			return -1;
		}
	} else {
		mms_fail(&x->lexerr, "token", tk, "unknown label or math symbol '%.*s'", MMS_QLEN(n), t);
		return -1;
	}
	x->val[k] = v;
	return 0;
}

/* Split text into tokens, stopping at the first bad one (x->lexerr). */
static void
tokenize(struct mms_expander *x, int32_t context, const char *text, size_t len)
{
	size_t i = 0;

	x->text = text;
	x->ntok = 0;
	x->lexerr.tok = 0;
	x->lexerr.msg[0] = '\0';
	for (;;) {
		size_t start;
		while (i < len && is_space((unsigned char)text[i]))
			i++;
		if (i == len)
			return;
		start = i;
		while (i < len && !is_space((unsigned char)text[i]))
			i++;
		if (x->ntok == x->lim.max_tokens) {
			mms_fail(&x->lexerr, "token", x->ntok + 1,
			         "the proof is longer than the limit of %u tokens", x->lim.max_tokens);
			return;
		}
		if (x->ntok == x->captok) {
			size_t cap = x->captok;
			xgrow(&x->kind, &cap, x->ntok + 1, sizeof *x->kind);
			x->val = xreallocarray(x->val, cap, sizeof *x->val);
			x->toff = xreallocarray(x->toff, cap, sizeof *x->toff);
			x->tlen = xreallocarray(x->tlen, cap, sizeof *x->tlen);
			x->captok = cap;
		}
		if (start > UINT32_MAX || i - start > UINT32_MAX ||
		    classify(x, context, text + start, i - start) < 0) {
			if (!x->lexerr.tok)
				mms_fail(&x->lexerr, "token", x->ntok + 1, "the proof text is too long");
			return;
		}
		x->toff[x->ntok] = (uint32_t)start;
		x->tlen[x->ntok] = (uint32_t)(i - start);
		x->ntok++;
	}
}

/* ---- messages */

/* "|- ( ph -> ph )", truncated to fit buf. */
static void
goal_str(const struct mms_expander *x, mm_sym typecode, const int32_t *t, uint32_t n, char *buf,
         size_t cap)
{
	int k = snprintf(buf, cap, "%s ", x->g->db->syms[typecode].name);

	if (k < 0 || (size_t)k >= cap)
		return;
	mms_tree_str(x->g, -1, t, n, buf + k, cap - (size_t)k);
}

/* The expression of database statement s, truncated. */
static void
stmt_str(const struct mm_db *db, int32_t s, char *buf, size_t cap)
{
	size_t need = mm_expr_str(db, mm_stmt_expr(db, s), db->stmts[s].len, buf, cap);

	if (need >= cap && cap >= 4)
		memcpy(buf + cap - 4, "...", 4);
}

#define TOKQ(x, k) MMS_QLEN((x)->tlen[k]), (x)->text + (x)->toff[k]

/* The proof ended with goals still open. */
static void
fail_end(struct mms_expander *x, const struct open_goal *gl, struct mms_err *err)
{
	char gs[120];

	if (x->lexerr.tok) {
		*err = x->lexerr;
		return;
	}
	goal_str(x, gl->typecode, gl->t, gl->n, gs, sizeof gs);
	mms_fail(err, NULL, x->ntok + 1,
	         "the proof ends after %u tokens with %zu goals open, the next being '%s'", x->ntok,
	         x->ngoals + 1, gs);
}

/* ---- building the step tree */

static uint32_t
node_new(struct mms_expander *x, int32_t ref, uint32_t nslots, uint32_t tok,
         const struct open_goal *gl)
{
	uint32_t id = (uint32_t)x->nnodes;

	xgrow(&x->nodes, &x->capnodes, x->nnodes + 1, sizeof *x->nodes);
	xgrow(&x->slots, &x->capslots, x->nslots + nslots, sizeof *x->slots);
	x->nodes[id] = (struct snode){ ref, (uint32_t)x->nslots, tok };
	x->nslots += nslots;
	x->nnodes++;
	if (gl->parent != NOPARENT)
		x->slots[x->nodes[gl->parent].slots + gl->slot] = (struct slot){ NULL, id };
	return id;
}

static void
push_goal(struct mms_expander *x, const int32_t *t, uint32_t n, mm_sym typecode,
          uint32_t parent, uint32_t slot)
{
	xgrow(&x->goals, &x->capgoals, x->ngoals + 1, sizeof *x->goals);
	x->goals[x->ngoals++] = (struct open_goal){ t, n, typecode, parent, slot };
}

/* Token k is Hi: it must be the goal. */
static int
step_hyp(struct mms_expander *x, const struct mms_goal *gs, const struct open_goal *gl,
         uint32_t k, struct mms_err *err)
{
	const struct mm_cand *c = gs->cand;
	uint32_t i = (uint32_t)x->val[k];
	char a[120], b[120];

	if (i >= c->nhyps) {
		mms_fail(err, "token", k + 1, "no hypothesis '%.*s': the statement has %u", TOKQ(x, k),
		         c->nhyps);
		return -1;
	}
	if (c->hyp[i][0] != gl->typecode ||
	    !mms_tree_eq(gs->trees + gs->off[1 + i], gs->len[1 + i], gl->t, gl->n)) {
		goal_str(x, c->hyp[i][0], gs->trees + gs->off[1 + i], gs->len[1 + i], a, sizeof a);
		goal_str(x, gl->typecode, gl->t, gl->n, b, sizeof b);
		mms_fail(err, "token", k + 1, "hypothesis H%u '%s' is not the goal '%s'", i + 1, a, b);
		return -1;
	}
	node_new(x, MM_REF_CANDHYP(i), 0, k + 1, gl);
	return 0;
}

/* Is label s usable as a step here? */
static const struct mms_assert *
step_assert(struct mms_expander *x, int32_t context, const struct open_goal *gl, uint32_t k,
            struct mms_err *err)
{
	const struct mm_db *db = x->g->db;
	int32_t s = x->val[k];
	const struct mm_stmt *st = &db->stmts[s];
	const struct mms_assert *a;

	if (st->kind == MM_F || st->kind == MM_E) {
		mms_fail(err, "token", k + 1,
		         "'%s' is a hypothesis of the database; the statement's are H1..Hk", st->label);
		return NULL;
	}
	if (st->flags & MM_SYNTAX) {
		mms_fail(err, "token", k + 1, "'%s' is a syntax %s; steps leave syntax out",
		         st->label, st->kind == MM_A ? "axiom" : "theorem");
		return NULL;
	}
	if (s >= context) {
		mms_fail(err, "token", k + 1, "'%s' is not before the context '%s'", st->label,
		         db->stmts[context].label);
		return NULL;
	}
	a = mms_assert_get(x->g, s);
	if (!a || a->err) {
		mms_fail(err, "token", k + 1, "'%s' cannot be used in steps: %s", st->label,
		         a ? a->err : "not an assertion");
		return NULL;
	}
	if (a->typecode != gl->typecode) {
		mms_fail(err, "token", k + 1, "'%s' proves a '%s' statement, the goal is a '%s' one",
		         st->label, db->syms[a->typecode].name, db->syms[gl->typecode].name);
		return NULL;
	}
	return a;
}

/* No math symbols at token r where a's expressions belong. */
static void
fail_noexprs(struct mms_expander *x, const struct mms_assert *a, uint32_t r,
             struct mms_err *err)
{
	const struct mm_db *db = x->g->db;
	const struct mms_ahyp *h = x->g->ahyps + a->hyps;
	char vars[120] = "", found[64];

	if (x->lexerr.tok && r == x->ntok) {
		*err = x->lexerr;   /* a bad token stands there */
		return;
	}
	for (uint32_t i = 0; i < a->nhyps; i++)
		if (h[i].written) {
			size_t len = strlen(vars);
			snprintf(vars + len, sizeof vars - len, "%s'%s'", len ? " " : "",
			         db->syms[mm_stmt_expr(db, mm_stmt_hyps(db, a->stmt)[i])[1]].name);
		}
	if (r < x->ntok)
		snprintf(found, sizeof found, "'%.*s'", TOKQ(x, r));
	else
		snprintf(found, sizeof found, "the end of the proof");
	mms_fail(err, "token", r + 1, "'%s' needs %u expression%s (for %s), found %s",
	         db->stmts[a->stmt].label, a->nwritten, a->nwritten == 1 ? "" : "s", vars, found);
}

/*
 * Parse the expressions of a's written variables (those not in its
 * conclusion) from the run of math symbols at *pos into x->sub; the run must
 * split into exactly those expressions (labels are never math symbols, so the
 * run ends where the next step begins). Returns 0 and advances *pos, or -1.
 */
static int
step_exprs(struct mms_expander *x, int32_t context, const struct mms_assert *a, uint32_t *pos,
           struct mms_err *err)
{
	const struct mms_ahyp *h = x->g->ahyps + a->hyps;
	const char *label = x->g->db->stmts[a->stmt].label;
	uint32_t r = *pos, nk = 0;
	struct mms_err perr;
	long got;

	while (r < x->ntok && x->kind[r] == TK_SYM)
		r++;
	if (!a->nwritten && r > *pos) {
		mms_fail(err, "token", *pos + 1, "unexpected math symbol '%.*s': '%s' takes no expressions",
		         TOKQ(x, *pos), label);
		return -1;
	}
	if (!a->nwritten)
		return 0;
	if (r == *pos) {
		fail_noexprs(x, a, r, err);
		return -1;
	}
	for (uint32_t i = 0; i < a->nhyps; i++)
		if (h[i].written)
			x->types[nk++] = h[i].type;
	got = mms_parse_raw(x->p, context, x->types, nk, x->val + *pos, r - *pos, NULL,
	                    x->arena + x->used, x->lim.max_nodes - x->used, x->lens, &perr);
	if (got < 0 && r == x->ntok && x->lexerr.tok && perr.tok >= r - *pos) {
		*err = x->lexerr;   /* the expression ran into a bad token */
		return -1;
	}
	if (got < 0) {
		mms_fail(err, "token", *pos + (perr.tok ? perr.tok : 1), "in the expression%s of '%s': %s",
		         nk == 1 ? "" : "s", label, perr.msg);
		return -1;
	}
	for (uint32_t i = 0, q = 0, at = 0; i < a->nhyps; i++)
		if (h[i].written) {
			x->sub[i].t = x->arena + x->used + at;
			x->sub[i].n = x->lens[q];
			at += x->lens[q++];
		}
	x->used += (size_t)got;
	*pos = r;
	return 0;
}

/* Token k is a label: match, read its expressions, open its hypotheses. */
static int
step_label(struct mms_expander *x, const struct mms_goal *gs, const struct open_goal *gl,
           uint32_t *pos, struct mms_err *err)
{
	const struct mms_grammar *g = x->g;
	int32_t context = gs->cand->context;
	uint32_t k = *pos, id;
	const struct mms_assert *a = step_assert(x, context, gl, k, err);
	const struct mms_ahyp *h;

	if (!a)
		return -1;
	h = g->ahyps + a->hyps;
	memset(x->sub, 0, a->nhyps * sizeof *x->sub);
	if (!mms_match(g, g->pat + a->concl, a->nconcl, gl->t, gl->n, x->sub)) {
		char cs[120], gt[120];
		stmt_str(g->db, a->stmt, cs, sizeof cs);
		goal_str(x, gl->typecode, gl->t, gl->n, gt, sizeof gt);
		mms_fail(err, "token", k + 1, "the conclusion of '%s', '%s', does not match the goal '%s'",
		         g->db->stmts[a->stmt].label, cs, gt);
		return -1;
	}
	*pos = k + 1;
	if (step_exprs(x, context, a, pos, err) < 0)
		return -1;
	id = node_new(x, a->stmt, a->nhyps, k + 1, gl);
	for (uint32_t i = 0; i < a->nhyps; i++)
		if (!h[i].ess)
			x->slots[x->nodes[id].slots + i] = (struct slot){ x->sub[i].t, x->sub[i].n };
	for (uint32_t i = a->nhyps; i-- > 0;) {
		size_t need, room = x->lim.max_nodes - x->used;
		if (!h[i].ess)
			continue;
		need = mms_instantiate(g->pat + h[i].pat, h[i].npat, x->sub, x->arena + x->used, room);
		if (need > room) {
			mms_fail(err, "token", k + 1, "the expansion exceeds the limit of %u tree nodes",
			         x->lim.max_nodes);
			return -1;
		}
		push_goal(x, x->arena + x->used, (uint32_t)need, h[i].typecode, id, i);
		x->used += need;
	}
	return 0;
}

/* ---- writing the normal proof */

/* Append one step of the normal proof, made by token tok. */
static int
put_ref(struct mms_expander *x, int32_t ref, uint32_t tok, struct mms_err *err)
{
	if (x->nrefs >= x->lim.max_refs) {
		mms_fail(err, NULL, 0, "the expanded proof exceeds the limit of %u steps",
		         x->lim.max_refs);
		return -1;
	}
	if (x->nrefs == x->caprefs) {
		size_t cap = x->caprefs;
		xgrow(&x->refs, &cap, x->nrefs + 1, sizeof *x->refs);
		x->reftok = xreallocarray(x->reftok, cap, sizeof *x->reftok);
		x->caprefs = cap;
	}
	x->reftok[x->nrefs] = tok;
	x->refs[x->nrefs++] = ref;
	return 0;
}

/* The syntax proof of tree t: its postorder. */
static int
put_tree(struct mms_expander *x, const int32_t *t, uint32_t n, uint32_t tok, struct mms_err *err)
{
	const uint16_t *arity = x->g->arity;
	size_t sp = 0;

	for (uint32_t i = 0; i < n; i++) {
		int32_t s = t[i];
		if (arity[s]) {
			xgrow(&x->tst, &x->captst, sp + 1, sizeof *x->tst);
			x->tst[sp++] = (struct tpend){ s, arity[s] };
			continue;
		}
		if (put_ref(x, s, tok, err) < 0)
			return -1;
		while (sp && --x->tst[sp - 1].left == 0)
			if (put_ref(x, x->tst[--sp].s, tok, err) < 0)
				return -1;
	}
	return 0;
}

/* Write the step tree (node 0 is the root) in the kernel's order: for each
 * node, its hypotheses in frame order (a $f's syntax proof, an $e's
 * subproof), then the node. Iterative: a proof can be as deep as it is long.
 * Returns 0, or -1 when the output passes lim.max_refs. */
static int
write_proof(struct mms_expander *x, struct mms_err *err)
{
	const struct mms_grammar *g = x->g;
	size_t sp = 0;

	x->nrefs = 0;
	xgrow(&x->est, &x->capest, 1, sizeof *x->est);
	x->est[sp++] = (struct estate){ 0, 0 };
	while (sp) {
		struct estate *e = &x->est[sp - 1];
		const struct snode *nd = &x->nodes[e->node];
		const struct mms_assert *a = nd->ref >= 0 ? mms_assert_get(g, nd->ref) : NULL;
		if (a && e->k < a->nhyps) {
			uint32_t k = e->k++;
			const struct slot *sl = &x->slots[nd->slots + k];
			if (sl->t) {
				if (put_tree(x, sl->t, sl->n, nd->tok, err) < 0)
					return -1;
			} else {
				uint32_t child = sl->n;
				xgrow(&x->est, &x->capest, sp + 1, sizeof *x->est);
				x->est[sp++] = (struct estate){ child, 0 };
			}
			continue;
		}
		if (put_ref(x, nd->ref, nd->tok, err) < 0)
			return -1;
		sp--;
	}
	return 0;
}

int
mms_expand(struct mms_expander *x, const struct mms_goal *gs, const char *text, size_t len,
           const int32_t **refs, uint32_t *n, struct mms_err *err)
{
	const struct mm_cand *c = gs->cand;
	uint32_t pos = 0;

	memset(err, 0, sizeof *err);
	x->ok = 0;
	x->used = x->ngoals = x->nnodes = x->nslots = x->nrefs = 0;
	*refs = NULL;
	*n = 0;
	tokenize(x, c->context, text, len);
	if (x->ntok == 0 && !x->lexerr.tok) {
		mms_fail(err, NULL, 0, "empty proof");
		return -1;
	}
	push_goal(x, gs->trees + gs->off[0], gs->len[0], c->expr[0], NOPARENT, 0);
	while (x->ngoals) {
		struct open_goal gl = x->goals[--x->ngoals];
		int rc;
		if (pos == x->ntok) {
			fail_end(x, &gl, err);
			return -1;
		}
		switch (x->kind[pos]) {
		case TK_HYP:
			rc = step_hyp(x, gs, &gl, pos, err);
			pos++;
			break;
		case TK_LABEL:
			rc = step_label(x, gs, &gl, &pos, err);
			break;
		default:
			mms_fail(err, "token", pos + 1,
			         "expected a step (a label or H1..Hk), found math symbol '%.*s'",
			         TOKQ(x, pos));
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	if (pos < x->ntok) {
		mms_fail(err, "token", pos + 1,
		         "the proof is complete, but '%.*s' and %u more tokens follow", TOKQ(x, pos),
		         x->ntok - pos - 1);
		return -1;
	}
	if (x->lexerr.tok) {
		*err = x->lexerr;
		return -1;
	}
	if (write_proof(x, err) < 0)
		return -1;
	x->ok = 1;
	*refs = x->refs;
	*n = (uint32_t)x->nrefs;
	return 0;
}

uint32_t
mms_expander_token(const struct mms_expander *x, uint32_t step)
{
	return x->ok && step >= 1 && step <= x->nrefs ? x->reftok[step - 1] : 0;
}

const char *
mms_expander_rpn(struct mms_expander *x, size_t *len)
{
	const struct mm_db *db = x->g->db;
	size_t n = 0;

	xgrow(&x->rpn, &x->caprpn, 1, 1);
	x->rpn[0] = '\0';
	for (size_t i = 0; x->ok && i < x->nrefs; i++) {
		char h[16];
		const char *s = h;
		size_t l;
		if (x->refs[i] >= 0)
			s = db->stmts[x->refs[i]].label;
		else
			snprintf(h, sizeof h, "H%d", -x->refs[i] - 16 + 1);
		l = strlen(s);
		xgrow(&x->rpn, &x->caprpn, n + l + 2, 1);
		if (n)
			x->rpn[n++] = ' ';
		memcpy(x->rpn + n, s, l + 1);
		n += l;
	}
	if (len)
		*len = n;
	return x->rpn;
}

/* ---- goals */

int
mms_goal_init(struct mms_goal *gs, struct mms_parser *p, const struct mm_cand *c,
              struct mms_err *err)
{
	const struct mms_grammar *g = NULL;
	size_t total = 0, at = 0;
	long got;

	memset(gs, 0, sizeof *gs);
	memset(err, 0, sizeof *err);
	if (c->nhyps > MM_CAND_MAXHYPS) {
		mms_fail(err, NULL, 0, "more than %d hypotheses", MM_CAND_MAXHYPS);
		return -1;
	}
	g = mms_parser_grammar(p);
	for (uint32_t i = 0; i <= c->nhyps; i++)
		total += (size_t)(i ? c->hyplen[i - 1] : c->len) * ((size_t)g->ntypes + 1) + 16;
	gs->cand = c;
	gs->trees = xmalloc(total * sizeof *gs->trees);
	for (uint32_t i = 0; i <= c->nhyps; i++) {
		const mm_sym *e = i ? c->hyp[i - 1] : c->expr;
		uint32_t len = i ? c->hyplen[i - 1] : c->len;
		char where[32];
		got = mms_parse_stmt(p, c->context, e, len, gs->trees + at, total - at, err);
		if (got < 0) {
			if (i)
				snprintf(where, sizeof where, "hypothesis %u: ", i);
			else
				snprintf(where, sizeof where, "statement: ");
			mms_err_prefix(err, where);
			mms_goal_release(gs);
			return -1;
		}
		gs->off[i] = (uint32_t)at;
		gs->len[i] = (uint32_t)got;
		at += (size_t)got;
	}
	return 0;
}

void
mms_goal_release(struct mms_goal *gs)
{
	free(gs->trees);
	gs->trees = NULL;
	gs->cand = NULL;
}
