/*
 * parse.c - a memoised top-down parser over the grammar's trie
 *
 * parse_type(T, i) finds every expression of type T that starts at symbol i:
 * the variable there if it has type T, and every walk of T's trie that
 * consumes constants and, at a nonterminal edge U, any result of
 * parse_type(U, j). Each (T, i) is computed once (the memo), and results
 * with the same end are merged with a derivation count that saturates at 2,
 * so "two parses" is detected without enumerating them. Without empty bodies
 * (the grammar leaves them out) re-entering a (T, i) that is being computed
 * is left recursion: it yields nothing, and the grammar says so.
 *
 * Bounds: nesting (and so the C stack) by max_depth, total work by a budget
 * proportional to the input, output by the caller's capacity.
 */
#include "mmsteps/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

enum { BUSY = 1, DONE = 2 };
enum { F_DEPTH = 1, F_WORK = 2 };

struct pres {                  /* an expression of a type from a start to end */
	uint32_t end;
	int32_t stmt;          /* a syntax axiom, or the $f of a variable */
	uint32_t kids;         /* p->kid[kids..kids + arity]: results, frame order */
	uint32_t next;         /* the next result of the same (type, start); 0 ends */
	uint32_t count;        /* derivations, saturating at 2 */
};

struct memo {
	uint32_t head;         /* first result, 0 = none */
	uint32_t state;        /* 0, BUSY, DONE */
};

#define NFAR 8

struct mms_parser {
	const struct mms_grammar *g;
	uint32_t max_depth;

	/* the input of the current parse */
	int32_t context;
	const mm_sym *sym;
	uint32_t n;
	int32_t *leaf;         /* (n) the $f of a variable symbol, -1 for a constant */
	int16_t *ltype;        /* (n) the type of a variable symbol */
	size_t capn;

	struct memo *memo;     /* (ntypes * (n + 1)) */
	size_t capmemo;
	struct pres *res;      /* res[0] is unused: 0 means "none" */
	uint32_t nres;
	size_t capres;
	uint32_t *kid;
	uint32_t nkid;
	size_t capkid;
	uint32_t *path;        /* the constituents matched along the current walks */
	uint32_t npath;
	size_t cappath;
	uint32_t *kidtmp;      /* (max arity) */

	uint32_t depth;
	uint64_t work, budget;
	int fail;              /* F_DEPTH, F_WORK */
	int leftrec;           /* left recursion was refused */

	uint32_t far;          /* the furthest symbol any walk reached */
	uint32_t outof;        /* most expressions that used up the input while more
	                          were wanted (mms_parse_seq with k > 1) */
	uint32_t farnode[NFAR];  /* trie nodes waiting there (for "expected ...") */
	uint32_t nfar;

	/* mms_wellformed's scratch */
	int32_t *tree, *rpn;
	size_t captree;
};

struct mms_parser *
mms_parser_new(const struct mms_grammar *g, uint32_t max_depth)
{
	struct mms_parser *p = xcalloc(1, sizeof *p);
	uint32_t maxkid = 1;

	p->g = g;
	p->max_depth = max_depth ? max_depth : 1000;
	for (uint32_t i = 0; i < g->nnodes; i++)
		for (uint32_t a = 0; a < g->nodes[i].nacc; a++)
			if (g->accepts[g->nodes[i].acc + a].nkid > maxkid)
				maxkid = g->accepts[g->nodes[i].acc + a].nkid;
	p->kidtmp = xcalloc(maxkid, sizeof *p->kidtmp);
	return p;
}

const struct mms_grammar *
mms_parser_grammar(const struct mms_parser *p)
{
	return p->g;
}

void
mms_parser_free(struct mms_parser *p)
{
	if (!p)
		return;
	free(p->leaf);
	free(p->ltype);
	free(p->memo);
	free(p->res);
	free(p->kid);
	free(p->path);
	free(p->kidtmp);
	free(p->tree);
	free(p->rpn);
	free(p);
}

static uint32_t
sat(uint64_t c)
{
	return c >= 2 ? 2 : (uint32_t)c;
}

/* Are two results the same tree? (For a body variable that occurs twice.) */
static int
deriv_eq(const struct mms_parser *p, uint32_t a, uint32_t b)
{
	const struct pres *x = &p->res[a], *y = &p->res[b];
	uint16_t n;

	if (a == b)
		return 1;
	if (x->stmt != y->stmt)
		return 0;
	n = p->g->arity[x->stmt];
	for (uint16_t k = 0; k < n; k++)
		if (!deriv_eq(p, p->kid[x->kids + k], p->kid[y->kids + k]))
			return 0;
	return 1;
}

/* Record an expression of memo m's (type, start) ending at end. */
static void
add_result(struct mms_parser *p, uint32_t m, uint32_t end, int32_t stmt, const uint32_t *kids,
           uint32_t nk, uint32_t count)
{
	struct pres *r;

	for (uint32_t i = p->memo[m].head; i; i = p->res[i].next)
		if (p->res[i].end == end) {
			p->res[i].count = sat((uint64_t)p->res[i].count + count);
			return;
		}
	xgrow(&p->res, &p->capres, (size_t)p->nres + 1, sizeof *p->res);
	xgrow(&p->kid, &p->capkid, (size_t)p->nkid + nk, sizeof *p->kid);
	r = &p->res[p->nres];
	r->end = end;
	r->stmt = stmt;
	r->kids = p->nkid;
	r->count = count;
	r->next = p->memo[m].head;
	if (nk)
		memcpy(p->kid + p->nkid, kids, nk * sizeof *kids);
	p->nkid += nk;
	p->memo[m].head = p->nres++;
}

/* A body is complete: the constituents p->path[base..] become children. */
static void
accept(struct mms_parser *p, uint32_t m, const struct mms_accept *a, uint32_t end,
       uint32_t base)
{
	const int16_t *map = p->g->kidmap + a->map;
	uint32_t *kids = p->kidtmp;
	uint64_t count = 1;

	for (uint32_t f = 0; f < a->nkid; f++)
		kids[f] = 0;
	for (uint32_t q = 0; q < a->nvar; q++) {
		uint32_t r = p->path[base + q];
		int16_t f = map[q];
		if (kids[f]) {
			if (!deriv_eq(p, kids[f], r))
				return;
			continue;
		}
		kids[f] = r;
		count = sat(count * p->res[r].count);
	}
	add_result(p, m, end, a->stmt, kids, a->nkid, (uint32_t)count);
}

static void
note_far(struct mms_parser *p, uint32_t node, uint32_t j)
{
	if (j > p->far) {
		p->far = j;
		p->nfar = 0;
	}
	if (j == p->far && p->nfar < NFAR && node != UINT32_MAX) {
		for (uint32_t i = 0; i < p->nfar; i++)
			if (p->farnode[i] == node)
				return;
		p->farnode[p->nfar++] = node;
	}
}

static const struct mms_edge *
find_cedge(const struct mms_grammar *g, const struct mms_node *nd, mm_sym s)
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

static uint32_t parse_type(struct mms_parser *p, int t, uint32_t i);

/* Continue the bodies below trie node `node` at symbol j, for memo m; the
 * constituents so far are p->path[base..p->npath). */
static void
walk(struct mms_parser *p, uint32_t m, uint32_t node, uint32_t j, uint32_t base)
{
	const struct mms_grammar *g = p->g;
	const struct mms_node *nd = &g->nodes[node];

	if (p->fail)
		return;
	if (++p->work > p->budget) {
		p->fail |= F_WORK;
		return;
	}
	note_far(p, node, j);
	for (uint32_t a = 0; a < nd->nacc; a++) {
		const struct mms_accept *acc = &g->accepts[nd->acc + a];
		if (acc->stmt >= p->context)
			break;
		accept(p, m, acc, j, base);
	}
	if (j == p->n)
		return;
	if (p->leaf[j] < 0) {
		const struct mms_edge *e = find_cedge(g, nd, p->sym[j]);
		if (e && g->nodes[e->to].minax < p->context)
			walk(p, m, e->to, j + 1, base);
	}
	for (uint32_t k = 0; k < nd->ntedge; k++) {
		const struct mms_edge *e = &g->edges[nd->tedge + k];
		uint32_t to = e->to;
		if (g->nodes[to].minax >= p->context)
			continue;
		for (uint32_t r = parse_type(p, e->label, j); r && !p->fail; r = p->res[r].next) {
			xgrow(&p->path, &p->cappath, (size_t)p->npath + 1, sizeof *p->path);
			p->path[p->npath++] = r;
			walk(p, m, to, p->res[r].end, base);
			p->npath--;
		}
	}
}

static uint32_t
parse_type(struct mms_parser *p, int t, uint32_t i)
{
	uint32_t m = (uint32_t)t * (p->n + 1) + i;

	if (p->memo[m].state == DONE)
		return p->memo[m].head;
	if (p->memo[m].state == BUSY) {
		p->leftrec = 1;
		return 0;
	}
	if (i >= p->n)
		return 0;
	if (p->depth >= p->max_depth) {
		p->fail |= F_DEPTH;
		return 0;
	}
	p->memo[m].state = BUSY;
	p->depth++;
	if (p->leaf[i] >= 0 && p->ltype[i] == t) {
		note_far(p, UINT32_MAX, i + 1);
		add_result(p, m, i + 1, p->leaf[i], NULL, 0, 1);
	}
	walk(p, m, p->g->root[t], i, p->npath);
	p->depth--;
	p->memo[m].state = DONE;
	return p->memo[m].head;
}

/* Resolve the input's variables; reset the memo. Returns 0 or -1 with err. */
static int
setup(struct mms_parser *p, int32_t context, const mm_sym *syms, uint32_t n,
      const int32_t *varf, struct mms_err *err)
{
	const struct mms_grammar *g = p->g;
	const struct mm_db *db = g->db;
	size_t nm = (size_t)g->ntypes * ((size_t)n + 1);

	if ((size_t)n + 1 > p->capn) {
		xgrow(&p->leaf, &p->capn, (size_t)n + 1, sizeof *p->leaf);
		p->ltype = xreallocarray(p->ltype, p->capn, sizeof *p->ltype);
	}
	for (uint32_t i = 0; i < n; i++) {
		mm_sym s = syms[i];
		int32_t f;
		if (s < 0 || s >= db->nsyms) {
			mms_fail(err, NULL, i + 1, "bad symbol number %d", s);
			return -1;
		}
		p->leaf[i] = -1;
		if (db->syms[s].kind != MM_VAR) {
			if (!varf && db->syms[s].decl > context) {
				mms_fail(err, NULL, i + 1, "math symbol '%s' is declared after the context",
				         db->syms[s].name);
				return -1;
			}
			continue;
		}
		f = varf ? varf[s] : db->syms[s].global_f;
		if (f < 0 || (!varf && f >= context)) {
			mms_fail(err, NULL, i + 1, "variable '%s' has no $f statement before the context",
			         db->syms[s].name);
			return -1;
		}
		p->leaf[i] = f;
		p->ltype[i] = g->sym_type[mm_stmt_expr(db, f)[0]];
	}
	xgrow(&p->memo, &p->capmemo, nm, sizeof *p->memo);
	memset(p->memo, 0, nm * sizeof *p->memo);
	p->context = context;
	p->sym = syms;
	p->n = n;
	p->nres = 1;
	p->nkid = 0;
	p->npath = 0;
	p->depth = 0;
	p->work = 0;
	p->budget = 100000 + (uint64_t)n * 2000;
	p->fail = 0;
	p->leftrec = 0;
	p->far = 0;
	p->nfar = 0;
	p->outof = 0;
	return 0;
}

/* Append a name to the "expected" list in buf (at most a few). */
static void
expect_add(char *buf, size_t cap, int *count, const char *name, int quote)
{
	size_t len = strlen(buf);

	if (*count >= 6) {
		if (*count == 6 && len + 5 < cap)
			strcat(buf, ", ...");
		(*count)++;
		return;
	}
	char item[80];

	snprintf(item, sizeof item, quote ? "'%s'" : "%s", name);
	if (strstr(buf, item))   /* quoted, so that '->' is not found in '<->' */
		return;
	snprintf(buf + len, cap - len, "%s%s", *count ? ", " : "", item);
	(*count)++;
}

/* What would have continued the parse at p->far, as text. */
static void
expected(const struct mms_parser *p, char *buf, size_t cap)
{
	const struct mms_grammar *g = p->g;
	int count = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < p->nfar; i++) {
		const struct mms_node *nd = &g->nodes[p->farnode[i]];
		for (uint32_t k = 0; k < nd->ntedge; k++) {
			const struct mms_edge *e = &g->edges[nd->tedge + k];
			char what[80];
			if (g->nodes[e->to].minax >= p->context)
				continue;
			snprintf(what, sizeof what, "a %s", g->db->syms[g->type_sym[e->label]].name);
			expect_add(buf, cap, &count, what, 0);
		}
		for (uint32_t k = 0; k < nd->ncedge; k++) {
			const struct mms_edge *e = &g->edges[nd->cedge + k];
			if (g->nodes[e->to].minax < p->context)
				expect_add(buf, cap, &count, g->db->syms[e->label].name, 1);
		}
	}
}

/* No parse: say where and what was expected. */
static void
fail_noparse(const struct mms_parser *p, const int *types, uint32_t k, struct mms_err *err)
{
	const struct mm_db *db = p->g->db;
	char exp[200];

	if (k && p->n == 0) {
		mms_fail(err, NULL, 1, "expected a %s, found nothing",
		         db->syms[p->g->type_sym[types[0]]].name);
		return;
	}
	expected(p, exp, sizeof exp);
	if (p->outof && p->far >= p->n && !exp[0])
		mms_fail(err, NULL, p->n, "after %u complete expression%s, expected a %s, found nothing",
		         p->outof, p->outof == 1 ? "" : "s", db->syms[p->g->type_sym[types[p->outof]]].name);
	else if (p->far >= p->n)
		mms_fail(err, NULL, p->n, "the expression ends too early%s%s",
		         exp[0] ? ": expected " : "", exp);
	else if (exp[0])
		mms_fail(err, NULL, p->far + 1, "unexpected '%s': expected %s",
		         db->syms[p->sym[p->far]].name, exp);
	else
		mms_fail(err, NULL, p->far + 1, "unexpected '%s' after a complete expression",
		         db->syms[p->sym[p->far]].name);
	if (p->leftrec) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof err->msg - len, " (the grammar is left-recursive)");
	}
}

/* Split symbols [pos, n) into expressions of types[idx..k): the number of
 * ways (each weighted by its derivations, saturating at 2). The first way is
 * left in chosen[idx..k): a level writes its entry only on a success, which
 * its caller counts, so a second write means a count of 2 and no use. */
static uint32_t
split(struct mms_parser *p, const int *types, uint32_t k, uint32_t idx, uint32_t pos,
      uint32_t *chosen)
{
	uint64_t total = 0;

	if (idx == k)
		return pos == p->n;
	if (pos >= p->n) {
		if (idx > p->outof)
			p->outof = idx;
		return 0;
	}
	for (uint32_t r = parse_type(p, types[idx], pos); r && !p->fail; r = p->res[r].next) {
		uint32_t ways;
		if (++p->work > p->budget) {
			p->fail |= F_WORK;
			return 0;
		}
		ways = split(p, types, k, idx + 1, p->res[r].end, chosen);
		if (!ways)
			continue;
		if (!total)
			chosen[idx] = r;
		total += (uint64_t)ways * p->res[r].count;
		if (total >= 2)
			return 2;
	}
	return sat(total);
}

/* Write result r's tree in prefix order. Returns the new length, or -1 when
 * out[cap] is too small. */
static long
emit(const struct mms_parser *p, uint32_t r, int32_t *out, size_t at, size_t cap)
{
	const struct pres *x = &p->res[r];
	uint16_t n = p->g->arity[x->stmt];

	if (at >= cap)
		return -1;
	out[at++] = x->stmt;
	for (uint16_t k = 0; k < n; k++) {
		long got = emit(p, p->kid[x->kids + k], out, at, cap);
		if (got < 0)
			return -1;
		at = (size_t)got;
	}
	return (long)at;
}

long
mms_parse_raw(struct mms_parser *p, int32_t context, const int *types, uint32_t k,
              const mm_sym *syms, uint32_t n, const int32_t *varf, int32_t *out, size_t cap,
              uint32_t *lens, struct mms_err *err)
{
	uint32_t chosen[64];
	uint32_t ways;
	size_t at = 0;

	memset(err, 0, sizeof *err);
	if (k > 64) {
		mms_fail(err, NULL, 0, "more than 64 expressions at once");
		return -1;
	}
	for (uint32_t i = 0; i < k; i++)
		if (types[i] < 0 || types[i] >= p->g->ntypes) {
			mms_fail(err, NULL, 0, "bad syntax type %d", types[i]);
			return -1;
		}
	if (k == 0) {
		if (n == 0)
			return 0;
		mms_fail(err, NULL, 1, "unexpected '%s': no expression is wanted here",
		         p->g->db->syms[syms[0]].name);
		return -1;
	}
	if (setup(p, context, syms, n, varf, err) < 0)
		return -1;
	ways = split(p, types, k, 0, 0, chosen);
	if (p->fail & F_DEPTH) {
		mms_fail(err, NULL, p->far + 1, "expression nested more than %u deep", p->max_depth);
		return -1;
	}
	if (p->fail & F_WORK) {
		mms_fail(err, NULL, 0, "expression too costly to parse");
		return -1;
	}
	if (ways == 0) {
		fail_noparse(p, types, k, err);
		return -1;
	}
	if (ways > 1) {
		mms_fail(err, NULL, 0, "ambiguous: more than one parse");
		return -1;
	}
	for (uint32_t i = 0; i < k; i++) {
		long got = emit(p, chosen[i], out, at, cap);
		if (got < 0) {
			mms_fail(err, NULL, 0, "expression larger than %zu nodes", cap);
			return -1;
		}
		if (lens)
			lens[i] = (uint32_t)((size_t)got - at);
		at = (size_t)got;
	}
	return (long)at;
}

/* Prefix err's message with "symbol N: ", shifting N by off. */
static void
prefix_pos(struct mms_err *err, uint32_t off)
{
	char pre[32];

	if (!err->tok)
		return;
	err->tok += off;
	snprintf(pre, sizeof pre, "symbol %u: ", err->tok);
	mms_err_prefix(err, pre);
}

long
mms_parse_seq(struct mms_parser *p, int32_t context, const int *types, uint32_t k,
              const mm_sym *syms, uint32_t n, int32_t *out, size_t cap, uint32_t *lens,
              struct mms_err *err)
{
	long got = mms_parse_raw(p, context, types, k, syms, n, NULL, out, cap, lens, err);

	if (got < 0)
		prefix_pos(err, 0);
	return got;
}

long
mms_parse(struct mms_parser *p, int32_t context, int type, const mm_sym *syms, uint32_t n,
          int32_t *out, size_t cap, struct mms_err *err)
{
	return mms_parse_seq(p, context, &type, 1, syms, n, out, cap, NULL, err);
}

long
mms_parse_stmt(struct mms_parser *p, int32_t context, const mm_sym *expr, uint32_t len,
               int32_t *out, size_t cap, struct mms_err *err)
{
	int type;
	long got;

	memset(err, 0, sizeof *err);
	if (len < 1) {
		mms_fail(err, NULL, 0, "empty statement");
		return -1;
	}
	type = mms_type_of(p->g, expr[0]);
	if (type < 0) {
		mms_fail(err, "symbol", 1, "typecode '%s' has no syntax type",
		         expr[0] >= 0 && expr[0] < p->g->db->nsyms ? p->g->db->syms[expr[0]].name : "?");
		return -1;
	}
	got = mms_parse_raw(p, context, &type, 1, expr + 1, len - 1, NULL, out, cap, NULL, err);
	if (got < 0)
		prefix_pos(err, 1);
	return got;
}

int
mms_wellformed(struct mms_parser *p, struct mm_work *w, int32_t context, const mm_sym *expr,
               uint32_t len, struct mms_err *err)
{
	const struct mms_grammar *g = p->g;
	size_t need = (size_t)len * ((size_t)g->ntypes + 1) + 16;
	struct mm_result res;
	long n;

	if (p->captree < need) {
		size_t cap = p->captree;
		xgrow(&p->tree, &cap, need, sizeof *p->tree);
		p->rpn = xreallocarray(p->rpn, cap, sizeof *p->rpn);
		p->captree = cap;
	}
	n = mms_parse_stmt(p, context, expr, len, p->tree, p->captree, err);
	if (n < 0)
		return 0;
	mms_tree_rpn(g, p->tree, (uint32_t)n, p->rpn);
	if (!mm_verify_syntax(g->db, w, context, g->type_sym[mms_type_of(g, expr[0])], expr, len,
	                      p->rpn, (uint32_t)n, &res)) {
		mms_fail(err, NULL, 0, "the kernel rejects the parse: %s", res.msg);
		return 0;
	}
	return 1;
}
