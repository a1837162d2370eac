/*
 * canon.c - statements equal up to renaming and reordering (canon.h)
 */
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "mm/mm.h"

#define CONST_BIT (1ull << 63)
#define SEP 0ull
/* Beyond this many complete orders the search stops with the least so far.
 * Only statements with many hypotheses that no renaming tells apart and
 * whose variables are not yet numbered reach it (n identical hypotheses of
 * fresh variables are n! orders, all writing the same text: 8 of them are
 * 40,320). */
#define MAX_ORDERS 200000

static __thread unsigned long last_orders;

unsigned long
canon_last_orders(void)
{
	return last_orders;
}

struct cexpr {
	uint64_t *tok;         /* (n) a variable's index in cs.var, or a constant's code */
	uint32_t n;
	uint64_t sig;          /* the refined signature */
};

struct cstate {
	struct cexpr *e;       /* (1 + nh): the conclusion, then the hypotheses */
	size_t nh;
	long *type;            /* (nv) */
	uint64_t *color;       /* (nv) */
	size_t nv;
	size_t *order;         /* (nh) hypotheses sorted by signature */
	/* search */
	int32_t *num;          /* (nv) canonical number, -1 if none yet */
	uint64_t *cur, *best;  /* sequences */
	long *btype, *ltype;   /* (nv) the type of each number in best; scratch */
	size_t ncur, nbest, cap;
	int have_best;
	char *used;            /* (nh) */
	unsigned long orders;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Variable names seen in this statement, linearly: a statement has few. */
struct names {
	const char **s;
	size_t *len;
	size_t n, cap;
};

static void
tokenize(struct cstate *cs, struct names *nm, struct cexpr *e, const char *text,
         canon_type_fn type, void *ctx)
{
	size_t cap = 0;

	e->tok = NULL;
	e->n = 0;
	for (const char *p = text; *p;) {
		const char *q;
		long t;
		uint64_t code;
		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		for (q = p; *q && !is_space(*q); q++)
			;
		t = type(ctx, p, (size_t)(q - p));
		if (t < 0) {
			code = hash64(p, (size_t)(q - p)) | CONST_BIT;
		} else {
			size_t v;
			for (v = 0; v < nm->n; v++)
				if (nm->len[v] == (size_t)(q - p) && memcmp(nm->s[v], p, nm->len[v]) == 0)
					break;
			if (v == nm->n) {
				if (nm->n == nm->cap) {
					nm->cap = nm->cap ? 2 * nm->cap : 16;
					nm->s = xrealloc(nm->s, nm->cap * sizeof *nm->s);
					nm->len = xrealloc(nm->len, nm->cap * sizeof *nm->len);
					cs->type = xrealloc(cs->type, nm->cap * sizeof *cs->type);
				}
				nm->s[v] = p;
				nm->len[v] = (size_t)(q - p);
				cs->type[v] = t;
				nm->n++;
			}
			code = v;
		}
		xgrow(&e->tok, &cap, e->n + 1, sizeof *e->tok);
		e->tok[e->n++] = code;
		p = q;
	}
}

static uint64_t
mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* The signature of expression i under the current colours: constants by
 * code, variables by colour and by their first occurrence within it. */
static uint64_t
signature(const struct cstate *cs, size_t i, uint64_t *scratch)
{
	const struct cexpr *e = &cs->e[i];
	uint64_t h = mix(0x5157, i == 0);   /* the conclusion is told apart */
	size_t nloc = 0;

	for (uint32_t k = 0; k < e->n; k++) {
		uint64_t x = e->tok[k];
		if (x & CONST_BIT) {
			h = mix(h, x);
		} else {
			size_t l;
			for (l = 0; l < nloc && scratch[l] != x; l++)
				;
			if (l == nloc)
				scratch[nloc++] = x;
			h = mix(mix(h, cs->color[x]), l + 1);
		}
	}
	return mix(h, e->n);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t
ncolors(const uint64_t *c, size_t n, uint64_t *scratch)
{
	size_t k = 0;

	if (!n)
		return 0;
	memcpy(scratch, c, n * sizeof *c);
	qsort(scratch, n, sizeof *scratch, cmp_u64);
	for (size_t i = 0; i < n; i++)
		k += i == 0 || scratch[i] != scratch[i - 1];
	return k;
}

/* Refine the variables' colours by their occurrences until no class
 * splits, then sign every expression. */
static void
refine(struct cstate *cs)
{
	size_t ne = cs->nh + 1, nocc = 0, before, after;
	uint64_t *scratch, *occ, *next;
	size_t *start, *fill;

	for (size_t i = 0; i < ne; i++)
		nocc += cs->e[i].n;
	scratch = xmalloc((nocc + cs->nv + 1) * sizeof *scratch);
	occ = xmalloc((nocc + 1) * sizeof *occ);
	next = xmalloc((cs->nv + 1) * sizeof *next);
	start = xcalloc(cs->nv + 1, sizeof *start);
	fill = xmalloc((cs->nv + 1) * sizeof *fill);
	for (size_t v = 0; v < cs->nv; v++)
		cs->color[v] = mix(0x7479, (uint64_t)cs->type[v]);
	for (size_t i = 0; i < ne; i++)
		for (uint32_t k = 0; k < cs->e[i].n; k++)
			if (!(cs->e[i].tok[k] & CONST_BIT))
				start[cs->e[i].tok[k] + 1]++;
	for (size_t v = 0; v < cs->nv; v++)
		start[v + 1] += start[v];
	before = ncolors(cs->color, cs->nv, scratch);
	for (size_t round = 0; round <= cs->nv; round++) {
		for (size_t i = 0; i < ne; i++)
			cs->e[i].sig = signature(cs, i, scratch);
		memcpy(fill, start, cs->nv * sizeof *fill);
		for (size_t i = 0; i < ne; i++)
			for (uint32_t k = 0; k < cs->e[i].n; k++) {
				uint64_t x = cs->e[i].tok[k];
				if (!(x & CONST_BIT))
					occ[fill[x]++] = mix(mix(cs->e[i].sig, k), i == 0);
			}
		for (size_t v = 0; v < cs->nv; v++) {
			uint64_t h = cs->color[v];
			qsort(occ + start[v], start[v + 1] - start[v], sizeof *occ, cmp_u64);
			for (size_t k = start[v]; k < start[v + 1]; k++)
				h = mix(h, occ[k]);
			next[v] = h;
		}
		memcpy(cs->color, next, cs->nv * sizeof *next);
		after = ncolors(cs->color, cs->nv, scratch);
		if (after == before)
			break;
		before = after;
	}
	for (size_t i = 0; i < ne; i++)
		cs->e[i].sig = signature(cs, i, scratch);
	free(scratch);
	free(occ);
	free(next);
	free(start);
	free(fill);
}

static const struct cstate *sort_cs;

static int
cmp_hyp(const void *a, const void *b)
{
	uint64_t x = sort_cs->e[*(const size_t *)a + 1].sig, y = sort_cs->e[*(const size_t *)b + 1].sig;
	if (x != y)
		return x < y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Append expression i to cur under the numbering (new variables numbered
 * from *next on); returns how many variables were new. */
static size_t
write_expr(struct cstate *cs, size_t i, int32_t *next)
{
	const struct cexpr *e = &cs->e[i];
	size_t fresh = 0;

	xgrow(&cs->cur, &cs->cap, cs->ncur + e->n + 1, sizeof *cs->cur);
	for (uint32_t k = 0; k < e->n; k++) {
		uint64_t x = e->tok[k];
		if (!(x & CONST_BIT)) {
			if (cs->num[x] < 0) {
				cs->num[x] = (*next)++;
				fresh++;
			}
			x = (uint64_t)cs->num[x] + 1;
		}
		cs->cur[cs->ncur++] = x;
	}
	cs->cur[cs->ncur++] = SEP;
	return fresh;
}

/* Undo write_expr of expression i (its new variables were numbered from
 * first on). */
static void
unwrite_expr(struct cstate *cs, size_t i, int32_t first)
{
	const struct cexpr *e = &cs->e[i];

	for (uint32_t k = 0; k < e->n; k++) {
		uint64_t x = e->tok[k];
		if (!(x & CONST_BIT) && cs->num[x] >= first)
			cs->num[x] = -1;
	}
	cs->ncur -= e->n + 1;
}

static int
cmp_seq(const uint64_t *a, const uint64_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (a[k] != b[k])
			return a[k] < b[k] ? -1 : 1;
	return 0;
}

/* Do the variables of hypothesis h not numbered yet occur in no other
 * hypothesis still to be placed? */
static int
closed(const struct cstate *cs, size_t h)
{
	const struct cexpr *e = &cs->e[h + 1];

	for (uint32_t k = 0; k < e->n; k++) {
		uint64_t x = e->tok[k];
		if ((x & CONST_BIT) || cs->num[x] >= 0)
			continue;
		for (size_t j = 0; j < cs->nh; j++) {
			const struct cexpr *f = &cs->e[j + 1];
			if (j == h || cs->used[j])
				continue;
			for (uint32_t l = 0; l < f->n; l++)
				if (f->tok[l] == x)
					return 0;
		}
	}
	return 1;
}

/*
 * Place the hypotheses from sorted position pos on; the class of
 * order[pos] is permuted, earlier classes are placed. better: cur is
 * already less than best's prefix.
 */
static void
search(struct cstate *cs, size_t pos, int32_t next, int better)
{
	size_t lo, hi, ncand = 0, nmin = 0;
	size_t *cand, *mins;
	uint64_t *minseq = NULL;
	size_t minlen = 0;
	int minfresh = 0;

	if (cs->orders >= MAX_ORDERS)
		return;
	if (pos == cs->nh) {
		int r = 0;
		cs->orders++;
		/* equal writings may still number variables of other types (an
		 * automorphism that ignores types): the least types break it */
		for (size_t v = 0; v < cs->nv; v++)
			cs->ltype[cs->num[v]] = cs->type[v];
		if (cs->have_best && !better) {
			r = cs->ncur != cs->nbest ? (cs->ncur < cs->nbest ? -1 : 1)
			                          : cmp_seq(cs->cur, cs->best, cs->ncur);
			for (size_t v = 0; r == 0 && v < cs->nv; v++)
				if (cs->ltype[v] != cs->btype[v])
					r = cs->ltype[v] < cs->btype[v] ? -1 : 1;
		}
		if (!cs->have_best || better || r < 0) {
			cs->best = xrealloc(cs->best, (cs->ncur + 1) * sizeof *cs->best);
			memcpy(cs->best, cs->cur, cs->ncur * sizeof *cs->cur);
			memcpy(cs->btype, cs->ltype, cs->nv * sizeof *cs->btype);
			cs->nbest = cs->ncur;
			cs->have_best = 1;
		}
		return;
	}
	/* the class of order[pos]: equal signatures, contiguous in order */
	for (lo = pos; lo > 0 && cs->e[cs->order[lo - 1] + 1].sig == cs->e[cs->order[pos] + 1].sig;)
		lo--;
	for (hi = pos; hi < cs->nh && cs->e[cs->order[hi] + 1].sig == cs->e[cs->order[pos] + 1].sig;)
		hi++;
	cand = xmalloc((hi - lo) * sizeof *cand);
	mins = xmalloc((hi - lo) * sizeof *mins);
	for (size_t k = lo; k < hi; k++)
		if (!cs->used[cs->order[k]])
			cand[ncand++] = cs->order[k];
	/* the least writing of a next hypothesis, and who writes it */
	for (size_t c = 0; c < ncand; c++) {
		size_t at = cs->ncur, len;
		int32_t nx = next;
		size_t fresh = write_expr(cs, cand[c] + 1, &nx);
		int r;
		len = cs->ncur - at;
		if (nmin == 0) {
			r = -1;
		} else {
			size_t m = len < minlen ? len : minlen;
			r = cmp_seq(cs->cur + at, minseq, m);
			if (r == 0)
				r = len < minlen ? -1 : len > minlen;
		}
		if (r < 0) {
			minseq = xrealloc(minseq, len * sizeof *minseq);
			memcpy(minseq, cs->cur + at, len * sizeof *minseq);
			minlen = len;
			minfresh = fresh > 0;
			nmin = 0;
		}
		if (r <= 0)
			mins[nmin++] = cand[c];
		unwrite_expr(cs, cand[c] + 1, next);
	}
	/* a tie without new variables writes the same text either way */
	if (!minfresh)
		nmin = 1;
	for (size_t c = 0, closed_done = 0; c < nmin; c++) {
		size_t at = cs->ncur;
		int32_t nx = next;
		int b = better;
		/* tied hypotheses whose new variables occur nowhere else lead to
		 * the same writings up to swapping those variables: one will do */
		if (nmin > 1 && closed(cs, mins[c])) {
			if (closed_done)
				continue;
			closed_done = 1;
		}
		write_expr(cs, mins[c] + 1, &nx);
		if (cs->have_best && !b) {
			size_t m = cs->ncur <= cs->nbest ? cs->ncur : cs->nbest;
			int r = m > at ? cmp_seq(cs->cur + at, cs->best + at, m - at) : 0;
			if (r == 0 && cs->ncur > cs->nbest)
				r = 1;
			if (r > 0) {
				unwrite_expr(cs, mins[c] + 1, next);
				continue;
			}
			b = r < 0;
		}
		cs->used[mins[c]] = 1;
		search(cs, pos + 1, nx, b);
		cs->used[mins[c]] = 0;
		unwrite_expr(cs, mins[c] + 1, next);
	}
	free(minseq);
	free(cand);
	free(mins);
}

uint64_t
canon_key(canon_type_fn type, void *ctx, const char *conclusion, const char *const *hyps,
          size_t nhyps)
{
	struct cstate cs;
	struct names nm = { NULL, NULL, 0, 0 };
	struct hash_fields *hf;
	int32_t next = 0;
	uint64_t key;

	memset(&cs, 0, sizeof cs);
	cs.nh = nhyps;
	cs.e = xcalloc(nhyps + 1, sizeof *cs.e);
	tokenize(&cs, &nm, &cs.e[0], conclusion, type, ctx);
	for (size_t i = 0; i < nhyps; i++)
		tokenize(&cs, &nm, &cs.e[i + 1], hyps[i], type, ctx);
	cs.nv = nm.n;
	cs.color = xmalloc((cs.nv + 1) * sizeof *cs.color);
	cs.num = xmalloc((cs.nv + 1) * sizeof *cs.num);
	cs.btype = xcalloc(cs.nv + 1, sizeof *cs.btype);
	cs.ltype = xcalloc(cs.nv + 1, sizeof *cs.ltype);
	for (size_t v = 0; v < cs.nv; v++)
		cs.num[v] = -1;
	refine(&cs);
	cs.order = xmalloc((nhyps + 1) * sizeof *cs.order);
	for (size_t i = 0; i < nhyps; i++)
		cs.order[i] = i;
	sort_cs = &cs;
	if (nhyps > 1)
		qsort(cs.order, nhyps, sizeof *cs.order, cmp_hyp);
	cs.used = xcalloc(nhyps + 1, 1);
	write_expr(&cs, 0, &next);
	search(&cs, 0, next, 0);
	last_orders = cs.orders;

	hf = hash_fields_new();
	hash_fields_add(hf, cs.best, cs.nbest * sizeof *cs.best);
	hash_fields_add(hf, cs.btype, cs.nv * sizeof *cs.btype);
	key = hash_fields_64(hf);
	hash_fields_free(hf);

	free(cs.btype);
	free(cs.ltype);
	for (size_t i = 0; i <= nhyps; i++)
		free(cs.e[i].tok);
	free(cs.e);
	free(cs.type);
	free(cs.color);
	free(cs.num);
	free(cs.order);
	free(cs.used);
	free(cs.cur);
	free(cs.best);
	free(nm.s);
	free(nm.len);
	return key;
}

long
canon_mm_type(void *ctx, const char *tok, size_t len)
{
	const struct mm_db *db = ctx;
	mm_sym s = mm_db_sym(db, tok, len);

	if (s < 0 || db->symkind[s] != MM_VAR)
		return -1;
	if (db->syms[s].global_f < 0)
		return 0;
	return db->pool[db->stmts[db->syms[s].global_f].expr];
}

void
canon_load_statements(struct mm_db *db, const char *path, struct hset64 *test,
                      struct hset64 *other)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	struct jsonl_strs h = { NULL, 0, 0 };   /* "hyps" may be absent */
	json_t *rec;
	int r;

	while ((r = jsonl_in_object(in, &l, &rec, &err)) != 0) {
		const char *s, *split = NULL;
		struct hset64 *to;
		if (r < 0)
			die(err.status, "%s", err.msg);
		if (!rec || jsonl_get_str(rec, "statement", 1, &s, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_strs(rec, "hyps", 0, &h, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(rec, "split", 0, &split, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		to = split && strcmp(split, "test") == 0 ? test : other;
		if (to)
			hset64_add(to, canon_key(canon_mm_type, db, s, h.v, h.n));
		json_decref(rec);
	}
	free(h.v);
	jsonl_in_close(in);
}
