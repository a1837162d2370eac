/*
 * grammar.c - build the grammar of a database: syntax types, the trie of the
 * syntax axioms' bodies, and the parsed patterns of every other assertion
 */
#include "mmsteps/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

void
mms_fail(struct mms_err *err, const char *where, uint32_t tok, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	err->tok = tok;
	if (tok && where)
		n = snprintf(err->msg, sizeof err->msg, "%s %u: ", where, tok);
	if (n < 0 || (size_t)n >= sizeof err->msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
	va_end(ap);
}

void
mms_err_prefix(struct mms_err *err, const char *prefix)
{
	size_t p = strlen(prefix), m = strnlen(err->msg, sizeof err->msg - 1);

	if (p > sizeof err->msg - 1)
		p = sizeof err->msg - 1;
	if (p + m > sizeof err->msg - 1)
		m = sizeof err->msg - 1 - p;
	memmove(err->msg + p, err->msg, m);
	memcpy(err->msg, prefix, p);
	err->msg[p + m] = '\0';
}

static void
note(struct mms_grammar *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct mms_grammar *g, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g->notes = xreallocarray(g->notes, g->nnotes + 1, sizeof *g->notes);
	g->notes[g->nnotes++] = xstrdup(buf);
}

/* ---- syntax types */

static int
find_type(const struct mms_grammar *g, const char *name)
{
	for (int t = 0; t < g->ntypes; t++)
		if (strcmp(g->db->syms[g->type_sym[t]].name, name) == 0)
			return t;
	return -1;
}

/* Every typecode of a $f is a syntax type; a variable's type is that of its
 * outermost-scope $f. */
static void
collect_types(struct mms_grammar *g)
{
	const struct mm_db *db = g->db;

	g->sym_type = xmalloc((size_t)db->nsyms * sizeof *g->sym_type);
	g->var_type = xmalloc((size_t)db->nsyms * sizeof *g->var_type);
	for (int32_t i = 0; i < db->nsyms; i++)
		g->sym_type[i] = g->var_type[i] = -1;
	for (int32_t s = 0; s < db->nstmts; s++) {
		mm_sym c;
		if (db->stmts[s].kind != MM_F)
			continue;
		c = mm_stmt_expr(db, s)[0];
		if (g->sym_type[c] >= 0)
			continue;
		if (g->ntypes == INT16_MAX)
			break;
		g->type_sym = xreallocarray(g->type_sym, (size_t)g->ntypes + 1, sizeof *g->type_sym);
		g->type_sym[g->ntypes] = c;
		g->sym_type[c] = (int16_t)g->ntypes++;
	}
	for (int32_t v = 0; v < db->nsyms; v++)
		if (db->syms[v].kind == MM_VAR && db->syms[v].global_f >= 0)
			g->var_type[v] = g->sym_type[mm_stmt_expr(db, db->syms[v].global_f)[0]];
}

/* A $j token: a word, a quoted string (quotes stripped) or ";". Returns the
 * position after it, or NULL at the end. */
static const char *
jtok(const char *p, const char *end, const char **s, size_t *n)
{
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
			p++;
		if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			p = q + 2 <= end ? q + 2 : end;
			continue;
		}
		break;
	}
	if (p >= end)
		return NULL;
	if (*p == '\'' || *p == '"') {
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q)
			q = end;
		*s = p + 1;
		*n = (size_t)(q - p - 1);
		return q < end ? q + 1 : end;
	}
	*s = p;
	if (*p == ';') {
		*n = 1;
		return p + 1;
	}
	while (p < end && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
	                    *p == ';'))
		p++;
	*n = (size_t)(p - *s);
	return p;
}

/* "$j syntax 'A' as 'B';": typecode A is parsed as type B. */
static void
read_j(struct mms_grammar *g)
{
	const struct mm_db *db = g->db;

	for (size_t j = 0; j < db->nj; j++) {
		const char *p = db->jtext[j], *end = p + db->jlen[j];
		const char *w[4];
		size_t wn[4];
		int nw = 0;
		const char *s;
		size_t n;

		while ((p = jtok(p, end, &s, &n)) != NULL) {
			if (n == 1 && *s == ';') {
				if (nw == 4 && wn[0] == 6 && memcmp(w[0], "syntax", 6) == 0 &&
				    wn[2] == 2 && memcmp(w[2], "as", 2) == 0) {
					mm_sym a = mm_db_sym(db, w[1], wn[1]);
					mm_sym b = mm_db_sym(db, w[3], wn[3]);
					if (a >= 0 && b >= 0 && g->sym_type[b] >= 0 && g->sym_type[a] < 0)
						g->sym_type[a] = g->sym_type[b];
				}
				nw = 0;
				continue;
			}
			if (nw < 4) {
				w[nw] = s;
				wn[nw] = n;
			}
			if (nw < 5)
				nw++;
		}
	}
}

/* A provable typecode without a $j hint: 'wff' if there is one, else the
 * only type. */
static void
fallback_types(struct mms_grammar *g)
{
	const struct mm_db *db = g->db;
	int t = find_type(g, "wff");

	if (t < 0 && g->ntypes == 1)
		t = 0;
	if (t < 0)
		return;
	for (int32_t s = 0; s < db->nstmts; s++) {
		mm_sym c;
		if (!mm_is_assertion(&db->stmts[s]) || (db->stmts[s].flags & MM_SYNTAX))
			continue;
		c = mm_stmt_expr(db, s)[0];
		if (g->sym_type[c] < 0) {
			g->sym_type[c] = (int16_t)t;
			note(g, "typecode '%s' has no $j syntax hint: parsed as '%s'",
			     db->syms[c].name, db->syms[g->type_sym[t]].name);
		}
	}
}

int
mms_type_of(const struct mms_grammar *g, mm_sym typecode)
{
	if (typecode < 0 || typecode >= g->db->nsyms)
		return -1;
	return g->sym_type[typecode];
}

/* ---- the trie, built with linked lists and then flattened */

struct bnode {
	uint32_t edge;         /* first edge (index + 1 into b->edges), 0 = none */
	uint32_t acc;          /* first accept (index + 1), 0 = none */
	int32_t minax;
};

struct bedge {
	int32_t label;         /* constant >= 0, or -(type + 1) */
	uint32_t to, next;
};

struct bacc {
	struct mms_accept a;
	uint32_t next;
};

struct builder {
	struct bnode *nodes;
	size_t nnodes, capnodes;
	struct bedge *edges;
	size_t nedges, capedges;
	struct bacc *accs;
	size_t naccs, capaccs;
};

static uint32_t
bnode_new(struct builder *b, int32_t minax)
{
	xgrow(&b->nodes, &b->capnodes, b->nnodes + 1, sizeof *b->nodes);
	b->nodes[b->nnodes] = (struct bnode){ 0, 0, minax };
	return (uint32_t)b->nnodes++;
}

/* The child of node along label, made if missing. */
static uint32_t
bnode_step(struct builder *b, uint32_t node, int32_t label, int32_t stmt)
{
	uint32_t e, to;

	for (e = b->nodes[node].edge; e; e = b->edges[e - 1].next)
		if (b->edges[e - 1].label == label)
			return b->edges[e - 1].to;
	to = bnode_new(b, stmt);
	xgrow(&b->edges, &b->capedges, b->nedges + 1, sizeof *b->edges);
	b->edges[b->nedges] = (struct bedge){ label, to, b->nodes[node].edge };
	b->nodes[node].edge = (uint32_t)++b->nedges;
	return to;
}

/* Is syntax assertion s a rule of the parser? Returns NULL or why not. */
static const char *
syntax_unusable(const struct mms_grammar *g, int32_t s)
{
	const struct mm_db *db = g->db;
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	const mm_sym *e = mm_stmt_expr(db, s);

	if (st->kind != MM_A)
		return NULL;   /* a syntax theorem is derived: silently not a rule */
	for (uint32_t k = 0; k < st->nhyps; k++)
		if (fr[k].var < 0)
			return "it has $e hypotheses";
	if (st->len < 2)
		return "its body is empty";
	if (st->len == 2 && db->syms[e[1]].kind == MM_VAR) {
		for (uint32_t k = 0; k < st->nhyps; k++)
			if (fr[k].var == e[1] && fr[k].type == e[0])
				return "its body is a lone variable of its own type";
	}
	if (st->nhyps > UINT16_MAX || st->len > UINT16_MAX)
		return "it is too long";
	return NULL;
}

/* Map the body of syntax assertion s: g->kidmap[bodymap[s] + i] is the frame
 * index of body symbol i (-1: a constant), followed by the frame indices of
 * the body's variables alone, in body order (the accept map). Returns the
 * number of variables, or -1 (bodymap[s] stays -1) when s has $e hypotheses
 * or is too long. */
static int
map_body(struct mms_grammar *g, int32_t s, size_t *nkidmap, size_t *capkidmap)
{
	const struct mm_db *db = g->db;
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	const mm_sym *e = mm_stmt_expr(db, s);
	size_t body = *nkidmap, blen = st->len - 1, nvar = 0;

	if (st->nhyps > UINT16_MAX || st->len > UINT16_MAX || body > INT32_MAX)
		return -1;
	for (uint32_t k = 0; k < st->nhyps; k++)
		if (fr[k].var < 0)
			return -1;
	xgrow(&g->kidmap, capkidmap, body + 2 * blen + 1, sizeof *g->kidmap);
	for (size_t i = 0; i < blen; i++) {
		int16_t f = -1;
		if (db->syms[e[1 + i]].kind == MM_VAR)
			for (uint32_t k = 0; k < st->nhyps; k++)
				if (fr[k].var == e[1 + i])
					f = (int16_t)k;
		g->kidmap[body + i] = f;
	}
	for (size_t i = 0; i < blen; i++)
		if (g->kidmap[body + i] >= 0)
			g->kidmap[body + blen + nvar++] = g->kidmap[body + i];
	*nkidmap = body + blen + nvar;
	g->bodymap[s] = (int32_t)body;
	g->arity[s] = (uint16_t)st->nhyps;
	return (int)nvar;
}

/* Insert syntax axiom s (body mapped): a path of constants and nonterminals. */
static void
insert_axiom(struct mms_grammar *g, struct builder *b, int32_t s, int nvar)
{
	const struct mm_db *db = g->db;
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	const mm_sym *e = mm_stmt_expr(db, s);
	const int16_t *map = g->kidmap + g->bodymap[s];
	uint32_t node = g->root[g->sym_type[e[0]]];

	for (uint32_t i = 1; i < st->len; i++) {
		int16_t f = map[i - 1];
		int32_t label = f < 0 ? e[i] : -(g->sym_type[fr[f].type] + 1);
		node = bnode_step(b, node, label, s);
	}
	xgrow(&b->accs, &b->capaccs, b->naccs + 1, sizeof *b->accs);
	b->accs[b->naccs].a = (struct mms_accept){ s, (uint16_t)nvar, (uint16_t)st->nhyps,
	                                           (uint32_t)g->bodymap[s] + st->len - 1 };
	/* accepts are kept in statement order: append at the tail */
	b->accs[b->naccs].next = 0;
	if (!b->nodes[node].acc) {
		b->nodes[node].acc = (uint32_t)b->naccs + 1;
	} else {
		uint32_t a = b->nodes[node].acc;
		while (b->accs[a - 1].next)
			a = b->accs[a - 1].next;
		b->accs[a - 1].next = (uint32_t)b->naccs + 1;
	}
	b->naccs++;
	g->in_grammar[s] = 1;
}

static int
cmp_edge(const void *a, const void *b)
{
	const struct mms_edge *x = a, *y = b;
	return x->label < y->label ? -1 : x->label > y->label;
}

/* Flatten the builder into g's arrays: constant edges sorted for binary search. */
static void
flatten(struct mms_grammar *g, struct builder *b)
{
	size_t ne = 0, na = 0;

	g->nnodes = (uint32_t)b->nnodes;
	g->nodes = xcalloc(b->nnodes, sizeof *g->nodes);
	g->edges = xcalloc(b->nedges + 1, sizeof *g->edges);
	g->accepts = xcalloc(b->naccs + 1, sizeof *g->accepts);
	for (size_t i = 0; i < b->nnodes; i++) {
		struct mms_node *nd = &g->nodes[i];
		nd->minax = b->nodes[i].minax;
		nd->cedge = (uint32_t)ne;
		for (uint32_t e = b->nodes[i].edge; e; e = b->edges[e - 1].next)
			if (b->edges[e - 1].label >= 0)
				g->edges[ne++] = (struct mms_edge){ b->edges[e - 1].label, b->edges[e - 1].to };
		nd->ncedge = (uint32_t)ne - nd->cedge;
		qsort(g->edges + nd->cedge, nd->ncedge, sizeof *g->edges, cmp_edge);
		nd->tedge = (uint32_t)ne;
		for (uint32_t e = b->nodes[i].edge; e; e = b->edges[e - 1].next)
			if (b->edges[e - 1].label < 0)
				g->edges[ne++] = (struct mms_edge){ -b->edges[e - 1].label - 1,
				                                    b->edges[e - 1].to };
		nd->ntedge = (uint32_t)ne - nd->tedge;
		nd->acc = (uint32_t)na;
		for (uint32_t a = b->nodes[i].acc; a; a = b->accs[a - 1].next)
			g->accepts[na++] = b->accs[a - 1].a;
		nd->nacc = (uint32_t)na - nd->acc;
	}
}

/* Left recursion: a type whose expressions can begin with an expression of
 * itself (through first-symbol nonterminals). The parser refuses to recurse
 * there, so such parses fail; note it. */
static void
check_leftrec(struct mms_grammar *g)
{
	int n = g->ntypes;
	uint8_t *r = xcalloc((size_t)n * (size_t)n + 1, 1);

	for (int t = 0; t < n; t++) {
		const struct mms_node *nd = &g->nodes[g->root[t]];
		for (uint32_t e = 0; e < nd->ntedge; e++)
			r[t * n + g->edges[nd->tedge + e].label] = 1;
	}
	for (int k = 0; k < n; k++)
		for (int i = 0; i < n; i++)
			if (r[i * n + k])
				for (int j = 0; j < n; j++)
					r[i * n + j] |= r[k * n + j];
	for (int t = 0; t < n; t++)
		if (r[t * n + t]) {
			g->leftrec = 1;
			note(g, "type '%s' is left-recursive: parses that need it fail",
			     g->db->syms[g->type_sym[t]].name);
		}
	free(r);
}

static void
build_trie(struct mms_grammar *g)
{
	const struct mm_db *db = g->db;
	struct builder b = { 0 };
	size_t nkidmap = 0, capkidmap = 0;

	g->root = xmalloc(((size_t)g->ntypes + 1) * sizeof *g->root);
	for (int t = 0; t < g->ntypes; t++)
		g->root[t] = bnode_new(&b, INT32_MAX);
	for (int32_t s = 0; s < db->nstmts; s++) {
		const char *why;
		int nvar;
		if (!mm_is_assertion(&db->stmts[s]) || !(db->stmts[s].flags & MM_SYNTAX))
			continue;
		nvar = map_body(g, s, &nkidmap, &capkidmap);
		why = syntax_unusable(g, s);
		if (why)
			note(g, "syntax axiom '%s' is not used by the parser: %s", db->stmts[s].label, why);
		else if (db->stmts[s].kind == MM_A && nvar >= 0)
			insert_axiom(g, &b, s, nvar);
	}
	/* a root's minax: its first axiom, or "never" */
	for (int t = 0; t < g->ntypes; t++) {
		int32_t m = INT32_MAX;
		for (uint32_t e = b.nodes[g->root[t]].edge; e; e = b.edges[e - 1].next)
			if (b.nodes[b.edges[e - 1].to].minax < m)
				m = b.nodes[b.edges[e - 1].to].minax;
		b.nodes[g->root[t]].minax = m;
	}
	flatten(g, &b);
	free(b.nodes);
	free(b.edges);
	free(b.accs);
	check_leftrec(g);
}

/* ---- patterns of the non-syntax assertions */

/* Parse statement h of assertion s's frame (or its conclusion, h = s) into
 * g->pat with the variables as MMS_PVAR leaves. Returns 0 or -1 with err. */
static int
parse_pattern(struct mms_grammar *g, struct mms_parser *p, int32_t s, int32_t h,
              const int32_t *varf, const int32_t *fidx, uint32_t *off, uint32_t *n,
              size_t *cappat, struct mms_err *err)
{
	const struct mm_db *db = g->db;
	const mm_sym *e = mm_stmt_expr(db, h);
	uint32_t len = db->stmts[h].len;
	int type = mms_type_of(g, e[0]);
	long got;

	if (type < 0) {
		mms_fail(err, NULL, 0, "typecode '%s' has no syntax type", db->syms[e[0]].name);
		return -1;
	}
	/* a tree has at most a node per symbol per type (chains of unit
	 * productions such as class -> setvar) */
	xgrow(&g->pat, cappat, g->npat + (size_t)len * ((size_t)g->ntypes + 1) + 16,
	      sizeof *g->pat);
	got = mms_parse_raw(p, s, &type, 1, e + 1, len - 1, varf, g->pat + g->npat,
	                    *cappat - g->npat, NULL, err);
	if (got < 0)
		return -1;
	for (long i = 0; i < got; i++) {
		int32_t x = g->pat[g->npat + i];
		if (db->stmts[x].kind == MM_F)
			g->pat[g->npat + i] = MMS_PVAR(fidx[x]);
	}
	*off = (uint32_t)g->npat;
	*n = (uint32_t)got;
	g->npat += (size_t)got;
	return 0;
}

/* Does variable v occur in statement s's expression? */
static int
occurs(const struct mm_db *db, int32_t s, mm_sym v)
{
	const mm_sym *e = mm_stmt_expr(db, s);

	for (uint32_t i = 1; i < db->stmts[s].len; i++)
		if (e[i] == v)
			return 1;
	return 0;
}

static void
build_assert(struct mms_grammar *g, struct mms_parser *p, int32_t s, int32_t *varf,
             int32_t *fidx, size_t *nahyps, size_t *capahyps, size_t *cappat)
{
	const struct mm_db *db = g->db;
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	struct mms_assert *a = &g->asserts[g->nasserts];
	struct mms_err err;
	size_t nah = *nahyps;

	memset(a, 0, sizeof *a);
	a->stmt = s;
	a->typecode = mm_stmt_expr(db, s)[0];
	a->nhyps = (uint16_t)st->nhyps;
	a->hyps = (uint32_t)nah;
	xgrow(&g->ahyps, capahyps, nah + st->nhyps + 1, sizeof *g->ahyps);
	*nahyps += st->nhyps;
	for (uint32_t k = 0; k < st->nhyps; k++) {
		struct mms_ahyp *h = &g->ahyps[nah + k];
		memset(h, 0, sizeof *h);
		h->typecode = fr[k].type;
		if (fr[k].var >= 0) {
			varf[fr[k].var] = fr[k].stmt;
			fidx[fr[k].stmt] = (int32_t)k;
			h->type = (int16_t)mms_type_of(g, fr[k].type);
			h->written = !occurs(db, s, fr[k].var);
			a->nwritten += h->written;
		} else {
			h->ess = 1;
			h->type = -1;
			h->typecode = mm_stmt_expr(db, fr[k].stmt)[0];
			a->ness++;
		}
	}
	if (st->nhyps > g->maxhyps)
		g->maxhyps = (uint16_t)st->nhyps;
	if (parse_pattern(g, p, s, s, varf, fidx, &a->concl, &a->nconcl, cappat, &err) < 0) {
		a->err = xasprintf("its conclusion does not parse: %s", err.msg);
	} else {
		for (uint32_t k = 0; k < st->nhyps && !a->err; k++) {
			struct mms_ahyp *h = &g->ahyps[nah + k];
			if (h->ess && parse_pattern(g, p, s, fr[k].stmt, varf, fidx, &h->pat, &h->npat,
			                            cappat, &err) < 0)
				a->err = xasprintf("its hypothesis '%s' does not parse: %s",
				                   db->stmts[fr[k].stmt].label, err.msg);
		}
	}
	for (uint32_t k = 0; k < st->nhyps; k++)
		if (fr[k].var >= 0)
			varf[fr[k].var] = -1;
	g->nasserts++;
}

static void
build_asserts(struct mms_grammar *g)
{
	const struct mm_db *db = g->db;
	struct mms_parser *p = mms_parser_new(g, 0);
	int32_t *varf = xmalloc((size_t)db->nsyms * sizeof *varf);
	int32_t *fidx = xmalloc((size_t)db->nstmts * sizeof *fidx);
	size_t nahyps = 0, capahyps = 0, cappat = 0, n = 0;

	for (int32_t i = 0; i < db->nsyms; i++)
		varf[i] = -1;
	g->assert_of = xmalloc((size_t)db->nstmts * sizeof *g->assert_of);
	for (int32_t s = 0; s < db->nstmts; s++) {
		g->assert_of[s] = -1;
		if (mm_is_assertion(&db->stmts[s]) && !(db->stmts[s].flags & MM_SYNTAX))
			g->assert_of[s] = (int32_t)n++;
	}
	g->asserts = xcalloc(n + 1, sizeof *g->asserts);
	for (int32_t s = 0; s < db->nstmts; s++)
		if (g->assert_of[s] >= 0)
			build_assert(g, p, s, varf, fidx, &nahyps, &capahyps, &cappat);
	free(varf);
	free(fidx);
	mms_parser_free(p);
}

struct mms_grammar *
mms_grammar_new(const struct mm_db *db)
{
	struct mms_grammar *g = xcalloc(1, sizeof *g);

	g->db = db;
	g->arity = xcalloc((size_t)db->nstmts + 1, sizeof *g->arity);
	g->in_grammar = xcalloc((size_t)db->nstmts + 1, 1);
	g->bodymap = xmalloc(((size_t)db->nstmts + 1) * sizeof *g->bodymap);
	for (int32_t s = 0; s <= db->nstmts; s++)
		g->bodymap[s] = -1;
	collect_types(g);
	read_j(g);
	fallback_types(g);
	build_trie(g);
	build_asserts(g);
	return g;
}

void
mms_grammar_free(struct mms_grammar *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nasserts; i++)
		free((char *)g->asserts[i].err);
	for (uint32_t i = 0; i < g->nnotes; i++)
		free(g->notes[i]);
	free(g->notes);
	free(g->type_sym);
	free(g->sym_type);
	free(g->var_type);
	free(g->nodes);
	free(g->root);
	free(g->edges);
	free(g->accepts);
	free(g->kidmap);
	free(g->arity);
	free(g->in_grammar);
	free(g->bodymap);
	free(g->assert_of);
	free(g->asserts);
	free(g->ahyps);
	free(g->pat);
	free(g);
}
