/*
 * verify.c - check proofs (spec 4.3: "Proof verification")
 *
 * A proof is a sequence of steps in reverse Polish order. A hypothesis step
 * pushes the hypothesis; an assertion step pops one entry per mandatory
 * hypothesis of the assertion, finds the substitution its $f hypotheses
 * determine, checks its $e hypotheses and $d conditions under that
 * substitution, and pushes its conclusion under that substitution. At the end
 * the stack holds exactly the statement being proved.
 *
 * Expressions are arrays of symbol numbers, typecode first. Stack entries
 * point either into the database (hypotheses) or into the work area, which is
 * reserved once per struct mm_work and never moves, so that entries saved by
 * compressed proofs ('Z') stay valid.
 */
#include "internal.h"

#include <time.h>

struct ent {
	const mm_sym *p;       /* typecode + symbols */
	uint32_t len;
	uint32_t ns, ne;       /* unfolding: the range of this entry's normal steps */
};

struct span {
	const mm_sym *p;
	uint32_t len;
};

struct mm_work {
	const struct mm_db *db;
	struct mm_limits lim;
	mm_sym *area;          /* (max_symbols) */
	size_t used;
	struct ent *stack;
	size_t capstack;
	struct ent *saved;
	size_t capsaved;
	struct span *subst;    /* (nsub >= nsyms + 1) */
	uint32_t *seen;        /* (nseen >= nstmts + 1) stamps for the lemma set */
	size_t nsub, nseen;
	uint32_t stamp;
	int32_t *lemmas;
	size_t nlemmas, caplemmas;
	int32_t *out;          /* unfolding: normal steps */
	size_t nout, capout;
	int unfold;
	mm_sym *tmp;           /* syntax checks: the expression with its type */
	size_t captmp;
	size_t floor;          /* area below this is frozen (saved by 'Z') */
	uint64_t *dvset;       /* the theorem's $d pairs as a hash set (0 = empty slot) */
	size_t capdvset;
	uint32_t dvmask;
	int dvbuilt;           /* dvset holds this proof's pairs */
};

/* What a proof is checked against. */
struct goal {
	const mm_sym *expr;
	uint32_t len;
	const int32_t *mand;   /* mandatory hypotheses, for compressed numbering */
	uint32_t nmand;
	const uint64_t *xdv;   /* the $d pairs of the extended frame (any order, may repeat) */
	uint32_t nxdv;
	const struct mm_cand *cand;  /* candidate hypotheses and context, or NULL */
	int32_t context;       /* for candidates: statements must be before this */
};

struct mm_work *
mm_work_new(const struct mm_db *db, const struct mm_limits *lim)
{
	struct mm_work *w = calloc(1, sizeof *w);

	if (!w)
		abort();
	w->db = db;
	if (lim)
		w->lim = *lim;
	if (!w->lim.max_symbols)
		w->lim.max_symbols = (size_t)1 << 26;
	/* Large allocations come from mmap: pages not touched cost nothing. */
	w->area = mm_alloc(w->lim.max_symbols * sizeof *w->area);
	w->nsub = (size_t)db->nsyms + 1;
	w->nseen = (size_t)db->nstmts + 1;
	w->subst = calloc(w->nsub, sizeof *w->subst);
	w->seen = calloc(w->nseen, sizeof *w->seen);
	if (!w->subst || !w->seen)
		abort();
	return w;
}

void
mm_work_fit(struct mm_work *w)
{
	size_t nsub = (size_t)w->db->nsyms + 1, nseen = (size_t)w->db->nstmts + 1;

	if (nsub > w->nsub) {
		w->subst = mm_realloc(w->subst, nsub * sizeof *w->subst);
		memset(w->subst + w->nsub, 0, (nsub - w->nsub) * sizeof *w->subst);
		w->nsub = nsub;
	}
	if (nseen > w->nseen) {
		w->seen = mm_realloc(w->seen, nseen * sizeof *w->seen);
		memset(w->seen + w->nseen, 0, (nseen - w->nseen) * sizeof *w->seen);
		w->nseen = nseen;
	}
}

void
mm_work_free(struct mm_work *w)
{
	if (!w)
		return;
	free(w->area);
	free(w->stack);
	free(w->saved);
	free(w->subst);
	free(w->seen);
	free(w->lemmas);
	free(w->out);
	free(w->tmp);
	free(w->dvset);
	free(w);
}

const int32_t *
mm_work_lemmas(const struct mm_work *w, int32_t *n)
{
	*n = (int32_t)w->nlemmas;
	return w->lemmas;
}

static void
begin(struct mm_work *w, struct mm_result *res)
{
	memset(res, 0, sizeof *res);
	res->ok = 0;
	res->label = -1;
	w->used = 0;
	w->floor = 0;
	w->dvbuilt = 0;
	w->nlemmas = 0;
	w->nout = 0;
	if (++w->stamp == 0) {
		memset(w->seen, 0, w->nseen * sizeof *w->seen);
		w->stamp = 1;
	}
}

static int
push(struct mm_work *w, size_t sp, const mm_sym *p, uint32_t len)
{
	if (sp == w->capstack)
		mm_grow(&w->stack, &w->capstack, sp + 1, sizeof *w->stack);
	w->stack[sp].p = p;
	w->stack[sp].len = len;
	return 0;
}

/* Unfolding: append one normal step. */
static void
out_add(struct mm_work *w, int32_t ref)
{
	mm_grow(&w->out, &w->capout, w->nout + 1, sizeof *w->out);
	w->out[w->nout++] = ref;
}

static inline uint32_t
dv_slot(uint64_t p, uint32_t mask)
{
	p *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(p >> 40) & mask;
}

/* Build the hash set of the proof's $d pairs; done on the first $d check. */
static void
dv_build(struct mm_work *w, const struct goal *g)
{
	size_t cap = 16;

	while (cap < (size_t)g->nxdv * 2 + 2)
		cap *= 2;
	mm_grow(&w->dvset, &w->capdvset, cap, sizeof *w->dvset);
	memset(w->dvset, 0, cap * sizeof *w->dvset);
	w->dvmask = (uint32_t)cap - 1;
	for (uint32_t i = 0; i < g->nxdv; i++) {
		uint64_t p = g->xdv[i];
		uint32_t k = dv_slot(p, w->dvmask);
		while (w->dvset[k] && w->dvset[k] != p)
			k = (k + 1) & w->dvmask;
		w->dvset[k] = p;
	}
	w->dvbuilt = 1;
}

/* Is the pair of variables (x, y) allowed to be substituted into a $d pair
 * by the theorem being proved? spec 4.2.5: x and y must be distinct and the
 * pair must be in the extended frame's $d statements. */
static int
dv_allowed(struct mm_work *w, const struct goal *g, mm_sym x, mm_sym y)
{
	const struct mm_db *db = w->db;
	uint64_t p;
	uint32_t k;

	if (x == y)
		return 0;
	p = MM_DV(x, y);
	if (!w->dvbuilt)
		dv_build(w, g);
	for (k = dv_slot(p, w->dvmask); w->dvset[k]; k = (k + 1) & w->dvmask)
		if (w->dvset[k] == p)
			return 1;
	if (g->cand)   /* candidates also have the outermost-scope $d pairs */
		for (size_t i = 0; i < db->ngdv; i++)
			if (db->gdv[i] == p && db->gdv_at[i] <= g->context)
				return 1;
	return 0;
}

static int
same(const mm_sym *a, const mm_sym *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/*
 * Apply assertion a to the top of the stack (spec 4.3). Returns the new
 * stack depth, or -1 with res set.
 */
static long
apply(struct mm_work *w, const struct goal *g, size_t sp, int32_t a, uint32_t step,
      struct mm_result *res)
{
	const struct mm_db *db = w->db;
	const struct mm_stmt *st = &db->stmts[a];
	const struct mm_hyp *fr = db->frames + st->frame;
	struct span *subst = w->subst;
	struct ent *args;
	const mm_sym *concl;
	size_t base, need;
	mm_sym *dst, *d;
	uint32_t n = st->nhyps;

	if (sp < n) {
		mm_fail(res, (int32_t)step, a, "step %u (%s): needs %u hypotheses, the stack holds %zu",
		        step, st->label, n, sp);
		return -1;
	}
	if (sp == w->capstack)   /* n == 0: the result takes a new entry */
		mm_grow(&w->stack, &w->capstack, sp + 1, sizeof *w->stack);
	base = sp - n;
	args = w->stack + base;

	/* the $f hypotheses give the substitution; the typecodes must agree */
	for (uint32_t j = 0; j < n; j++) {
		if (fr[j].var < 0)
			continue;
		if (args[j].p[0] != fr[j].type) {
			mm_fail(res, (int32_t)step, a,
			        "step %u (%s): hypothesis '%s' wants typecode '%s', found '%s'",
			        step, st->label, db->stmts[fr[j].stmt].label,
			        db->syms[fr[j].type].name, db->syms[args[j].p[0]].name);
			return -1;
		}
		subst[fr[j].var].p = args[j].p + 1;
		subst[fr[j].var].len = args[j].len - 1;
	}

	/* the $e hypotheses must match under it */
	for (uint32_t j = 0; j < n; j++) {
		const mm_sym *he, *q, *qend;
		if (fr[j].var >= 0)
			continue;
		he = db->tpool + fr[j].expr;
		q = args[j].p;
		qend = q + args[j].len;
		if (*q != he[0])
			goto mismatch;
		q++;
		for (uint32_t i = 1; i < fr[j].len; i++) {
			mm_sym s = he[i];
			if (s < 0) {
				const struct span *v = &subst[~s];
				if ((size_t)(qend - q) < v->len || !same(q, v->p, v->len))
					goto mismatch;
				q += v->len;
			} else {
				if (q == qend || *q != s)
					goto mismatch;
				q++;
			}
		}
		if (q != qend)
			goto mismatch;
		res->work += fr[j].len + args[j].len;
		continue;
mismatch:
		mm_fail(res, (int32_t)step, a, "step %u (%s): hypothesis '%s' does not match",
		        step, st->label, db->stmts[fr[j].stmt].label);
		return -1;
	}

	/* spec 4.2.5: $d restrictions */
	for (uint32_t k = 0; k < st->ndv; k++) {
		const uint8_t *kind = db->symkind;
		uint64_t pr = db->dvpool[st->dv + k];
		mm_sym va = (mm_sym)(pr >> 32), vb = (mm_sym)(uint32_t)pr;
		const struct span *sa = &subst[va], *sb = &subst[vb];
		for (uint32_t i = 0; i < sa->len; i++) {
			mm_sym x = sa->p[i];
			if (kind[x] != MM_VAR)
				continue;
			for (uint32_t j = 0; j < sb->len; j++) {
				mm_sym y = sb->p[j];
				if (kind[y] != MM_VAR || dv_allowed(w, g, x, y))
					continue;
				if (x == y)
					mm_fail(res, (int32_t)step, a,
					        "step %u (%s): $d violation: variable '%s' substituted into both '%s' and '%s'",
					        step, st->label, db->syms[x].name, db->syms[va].name,
					        db->syms[vb].name);
				else
					mm_fail(res, (int32_t)step, a,
					        "step %u (%s): $d violation: '%s' and '%s' (substituted into '%s' and '%s') have no $d statement",
					        step, st->label, db->syms[x].name, db->syms[y].name,
					        db->syms[va].name, db->syms[vb].name);
				return -1;
			}
		}
	}

	/* the conclusion under the substitution */
	concl = db->tpool + st->expr;
	need = 1;
	for (uint32_t i = 1; i < st->len; i++)
		need += concl[i] < 0 ? subst[~concl[i]].len : 1;
	if (w->used + need > w->lim.max_symbols) {
		mm_fail(res, (int32_t)step, a,
		        "step %u (%s): expressions exceed the limit of %zu symbols",
		        step, st->label, w->lim.max_symbols);
		return -1;
	}
	dst = w->area + w->used;
	dst[0] = concl[0];
	d = dst + 1;
	for (uint32_t i = 1; i < st->len; i++) {
		mm_sym s = concl[i];
		if (s < 0) {
			const struct span *v = &subst[~s];
			for (uint32_t k = 0; k < v->len; k++)
				d[k] = v->p[k];
			d += v->len;
		} else {
			*d++ = s;
		}
	}
	/* Reclaim the arguments' storage: area entries above the floor are laid
	 * out in stack order, so the lowest argument's start frees everything
	 * above it. The result was built past them and moves down. */
	{
		size_t lo = w->used;
		for (uint32_t j = 0; j < n; j++) {
			const mm_sym *p = args[j].p;
			if (p >= w->area + w->floor && p < w->area + w->used &&
			    (size_t)(p - w->area) < lo)
				lo = (size_t)(p - w->area);
		}
		if (lo < w->used) {
			memmove(w->area + lo, dst, need * sizeof *dst);
			dst = w->area + lo;
			w->used = lo;
		}
	}
	w->used += need;
	res->work += need;
	if (!(st->flags & MM_SYNTAX) && w->seen[a] != w->stamp) {
		w->seen[a] = w->stamp;
		mm_grow(&w->lemmas, &w->caplemmas, w->nlemmas + 1, sizeof *w->lemmas);
		w->lemmas[w->nlemmas++] = a;
	}
	if (w->unfold) {
		uint32_t ns = n ? args[0].ns : (uint32_t)w->nout;
		out_add(w, a);
		args[0].ns = ns;
		args[0].ne = (uint32_t)w->nout;
	}
	args[0].p = dst;
	args[0].len = (uint32_t)need;
	return (long)base + 1;
}

/* Push a hypothesis (a database $f/$e or a candidate's Hi). */
static size_t
push_hyp(struct mm_work *w, const struct goal *g, size_t sp, int32_t ref)
{
	const struct mm_db *db = w->db;

	if (ref >= 0) {
		const struct mm_stmt *h = &db->stmts[ref];
		push(w, sp, db->pool + h->expr, h->len);
	} else {
		uint32_t i = (uint32_t)(-ref - 16);
		push(w, sp, g->cand->hyp[i], g->cand->hyplen[i]);
	}
	if (w->unfold) {
		w->stack[sp].ns = (uint32_t)w->nout;
		out_add(w, ref);
		w->stack[sp].ne = (uint32_t)w->nout;
	}
	return sp + 1;
}

static int
is_hyp_ref(const struct mm_db *db, int32_t ref)
{
	return ref <= MM_REF_CANDHYP(0) ||
	       (ref >= 0 && (db->stmts[ref].kind == MM_F || db->stmts[ref].kind == MM_E));
}

/* A candidate's step must be one it may use: an assertion strictly before
 * the context, an outermost-scope $f before it, or one of its own Hi. */
static int
cand_ref_ok(const struct mm_db *db, const struct goal *g, int32_t ref, uint32_t step,
            struct mm_result *res)
{
	const struct mm_stmt *st;
	char where[48];

	/* step 0: a label in a compressed proof's label list */
	if (step)
		snprintf(where, sizeof where, "step %u", step);
	else
		snprintf(where, sizeof where, "label list");
	if (ref == MM_REF_UNKNOWN) {
		mm_fail(res, (int32_t)step, -1, "%s: '?': the proof is incomplete", where);
		return 0;
	}
	if (ref <= MM_REF_CANDHYP(0)) {
		if ((uint32_t)(-ref - 16) < g->cand->nhyps)
			return 1;
		mm_fail(res, (int32_t)step, -1, "%s: no hypothesis H%d", where, -ref - 16 + 1);
		return 0;
	}
	if (ref < 0 || ref >= db->nstmts) {
		mm_fail(res, (int32_t)step, -1, "%s: bad step reference", where);
		return 0;
	}
	st = &db->stmts[ref];
	if (ref >= g->context) {
		mm_fail(res, (int32_t)step, ref, "%s: '%s' does not come before the context", where,
		        st->label);
		return 0;
	}
	if (st->kind == MM_E || (st->kind == MM_F && !(st->flags & MM_GLOBAL))) {
		mm_fail(res, (int32_t)step, ref, "%s: hypothesis '%s' is not available here", where,
		        st->label);
		return 0;
	}
	return 1;
}

static int
deadline_passed(const struct mm_work *w, double start)
{
	struct timespec ts;

	if (w->lim.max_seconds <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 - start > w->lim.max_seconds;
}

static double
start_time(const struct mm_work *w)
{
	struct timespec ts;

	if (w->lim.max_seconds <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
limits_hit(struct mm_work *w, uint32_t step, double t0, struct mm_result *res)
{
	if (w->lim.max_steps && step > w->lim.max_steps) {
		mm_fail(res, (int32_t)step, -1, "proof longer than the limit of %u steps",
		        w->lim.max_steps);
		return 1;
	}
	if ((step & 4095) == 0 && deadline_passed(w, t0)) {
		mm_fail(res, (int32_t)step, -1, "time limit of %g s exceeded at step %u",
		        w->lim.max_seconds, step);
		return 1;
	}
	return 0;
}

/* spec 4.3: the end of the proof. */
static int
finish(struct mm_work *w, const struct goal *g, size_t sp, uint32_t steps,
       struct mm_result *res)
{
	res->nsteps = steps;
	if (sp == 0) {
		mm_fail(res, 0, -1, "the proof is empty");
		return 0;
	}
	if (sp > 1) {
		mm_fail(res, (int32_t)steps, -1,
		        "the proof leaves %zu entries on the stack, not one", sp);
		return 0;
	}
	if (w->stack[0].len != g->len ||
	    memcmp(w->stack[0].p, g->expr, g->len * sizeof *g->expr) != 0) {
		mm_fail(res, (int32_t)steps, -1,
		        "the proof proves something other than the statement");
		return 0;
	}
	res->ok = 1;
	res->msg[0] = '\0';
	return 1;
}

/* A normal proof: resolved steps. */
static int
run_normal(struct mm_work *w, const struct goal *g, const int32_t *refs, uint32_t n,
           const char *err, struct mm_result *res)
{
	const struct mm_db *db = w->db;
	double t0 = start_time(w);
	size_t sp = 0;

	for (uint32_t i = 0; i < n; i++) {
		int32_t ref = refs[i];
		uint32_t step = i + 1;

		if (__builtin_expect((step & 4095) == 0 ||
		                     (w->lim.max_steps && step > w->lim.max_steps), 0) &&
		    limits_hit(w, step, t0, res))
			return 0;
		if (g->cand) {
			if (!cand_ref_ok(db, g, ref, step, res))
				return 0;
		} else if (ref == MM_REF_UNKNOWN) {
			mm_fail(res, (int32_t)step, -1, "step %u: '?': the proof is incomplete", step);
			return 0;
		} else if (ref < 0) {
			mm_fail(res, (int32_t)step, -1, "step %u: %s", step, err ? err : "bad label");
			return 0;
		}
		if (is_hyp_ref(db, ref)) {
			sp = push_hyp(w, g, sp, ref);
		} else {
			long r = apply(w, g, sp, ref, step, res);
			if (r < 0)
				return 0;
			sp = (size_t)r;
		}
	}
	return finish(w, g, sp, n, res);
}

/*
 * A compressed proof (spec appendix B): numbers written with A-T as the last
 * digit (1-20) and U-Y as the digits before it (base 5); 'Z' saves the
 * previous step's result; '?' is an unknown step. Number k refers to the k-th
 * mandatory hypothesis, then to the label list, then to the saved results.
 */
static int
run_compressed(struct mm_work *w, const struct goal *g, const int32_t *list, uint32_t nlist,
               const char *letters, uint32_t nletters, struct mm_result *res)
{
	const struct mm_db *db = w->db;
	double t0 = start_time(w);
	uint32_t m = g->nmand, step = 0;
	size_t sp = 0, nsaved = 0;
	uint64_t num = 0;
	int have_digits = 0;
	int can_save = 0;      /* 1 after an assertion step, -1 after another step */
	unsigned char bad = 0;

	for (uint32_t i = 0; i < nletters; i++) {
		unsigned char c = (unsigned char)letters[i];

		if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f')
			continue;
		if (c >= 'U' && c <= 'Y') {
			num = num * 5 + (uint64_t)(c - 'U' + 1);
			have_digits = 1;
			if (num > (uint64_t)1 << 31)
				goto bad_number;
			continue;
		}
		if (c == 'Z') {
			if (can_save <= 0 || have_digits) {
				if (can_save < 0 && !have_digits)
					mm_fail(res, (int32_t)step, -1,
					        "bad compressed proof: 'Z' after step %u, which is not an assertion",
					        step);
				else
					mm_fail(res, (int32_t)step, -1,
					        "bad compressed proof: 'Z' does not follow a step");
				return 0;
			}
			mm_grow(&w->saved, &w->capsaved, nsaved + 1, sizeof *w->saved);
			w->saved[nsaved++] = w->stack[sp - 1];
			w->floor = w->used;
			continue;
		}
		if (c == '?') {
			if (have_digits) {
				bad = c;
				goto bad_letter;
			}
			step++;
			mm_fail(res, (int32_t)step, -1, "step %u: '?': the proof is incomplete", step);
			return 0;
		}
		if (c < 'A' || c > 'T') {
			bad = c;
			goto bad_letter;
		}
		num = num * 20 + (uint64_t)(c - 'A' + 1);
		if (num > (uint64_t)1 << 31)
			goto bad_number;
		step++;
		if (__builtin_expect((step & 4095) == 0 ||
		                     (w->lim.max_steps && step > w->lim.max_steps), 0) &&
		    limits_hit(w, step, t0, res))
			return 0;
		/* metamath.exe: only an assertion step may be saved by 'Z' (a
		 * hypothesis or a saved step is at hand already) */
		can_save = -1;
		if (num <= m) {
			sp = push_hyp(w, g, sp, g->mand[num - 1]);
		} else if (num <= (uint64_t)m + nlist) {
			int32_t ref = list[num - m - 1];
			if (g->cand && !cand_ref_ok(db, g, ref, step, res))
				return 0;
			if (ref < 0 && !g->cand) {
				mm_fail(res, (int32_t)step, -1, "step %u: bad label in the label list", step);
				return 0;
			}
			if (is_hyp_ref(db, ref)) {
				sp = push_hyp(w, g, sp, ref);
			} else {
				long r = apply(w, g, sp, ref, step, res);
				if (r < 0)
					return 0;
				sp = (size_t)r;
				can_save = 1;
			}
		} else if (num - m - nlist <= nsaved) {
			struct ent e = w->saved[num - m - nlist - 1];
			if (w->unfold) {
				uint32_t ns = (uint32_t)w->nout;
				for (uint32_t k = e.ns; k < e.ne; k++)
					out_add(w, w->out[k]);
				if (w->lim.max_steps && w->nout > w->lim.max_steps) {
					mm_fail(res, (int32_t)step, -1,
					        "unfolded proof longer than the limit of %u steps",
					        w->lim.max_steps);
					return 0;
				}
				e.ns = ns;
				e.ne = (uint32_t)w->nout;
			}
			if (sp == w->capstack)
				mm_grow(&w->stack, &w->capstack, sp + 1, sizeof *w->stack);
			w->stack[sp++] = e;
		} else {
			mm_fail(res, (int32_t)step, -1,
			        "bad compressed proof: step %u refers to saved step %llu of %zu",
			        step, (unsigned long long)(num - m - nlist), nsaved);
			return 0;
		}
		if (w->unfold && w->lim.max_steps && w->nout > w->lim.max_steps) {
			mm_fail(res, (int32_t)step, -1,
			        "unfolded proof longer than the limit of %u steps", w->lim.max_steps);
			return 0;
		}
		num = 0;
		have_digits = 0;
	}
	if (have_digits) {
		mm_fail(res, (int32_t)step, -1,
		        "bad compressed proof: it ends inside a number");
		return 0;
	}
	return finish(w, g, sp, step, res);

bad_letter:
	if (bad >= 33 && bad <= 126)
		mm_fail(res, (int32_t)step, -1,
		        "bad compressed proof: unexpected character '%c' after step %u", bad, step);
	else
		mm_fail(res, (int32_t)step, -1,
		        "bad compressed proof: unexpected character (code %d) after step %u", bad, step);
	return 0;
bad_number:
	mm_fail(res, (int32_t)step, -1, "bad compressed proof: number too large");
	return 0;
}

int
mm_verify_theorem(const struct mm_db *db, struct mm_work *w, int32_t s,
                  struct mm_result *res)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_proofsrc *ps;
	struct goal g;

	begin(w, res);
	if (st->kind != MM_P || st->proof < 0) {
		mm_fail(res, 0, s, "'%s' is not a $p statement", st->label);
		return 0;
	}
	ps = &db->proofs[st->proof];
	memset(&g, 0, sizeof g);
	g.expr = db->pool + st->expr;
	g.len = st->len;
	g.mand = db->ilist + st->hyps;
	g.nmand = st->nhyps;
	g.xdv = db->dvpool + ps->xdv;
	g.nxdv = ps->nxdv;
	g.context = s;
	if (ps->compressed) {
		if (ps->err) {
			mm_fail(res, 0, s, "%s", ps->err);
			return 0;
		}
		return run_compressed(w, &g, db->ilist + ps->refs, ps->nrefs, ps->letters,
		                      ps->nletters, res);
	}
	return run_normal(w, &g, db->ilist + ps->refs, ps->nrefs, ps->err, res);
}

int32_t *
mm_theorem_normal(const struct mm_db *db, struct mm_work *w, int32_t s, uint32_t *n,
                  struct mm_result *res)
{
	int32_t *out;
	int ok;

	w->unfold = 1;
	ok = mm_verify_theorem(db, w, s, res);
	w->unfold = 0;
	if (!ok)
		return NULL;
	out = mm_alloc((w->nout + 1) * sizeof *out);
	memcpy(out, w->out, w->nout * sizeof *out);
	*n = (uint32_t)w->nout;
	return out;
}

/* ---- candidates */

int
mm_cand_tokens(const struct mm_db *db, int32_t context, const char *text, mm_sym *out,
               size_t cap, struct mm_result *res)
{
	const char *p = text;
	size_t n = 0;

	memset(res, 0, sizeof *res);
	res->label = -1;
	for (;;) {
		const char *t;
		mm_sym s;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
			p++;
		if (!*p)
			break;
		t = p;
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
			p++;
		if (memchr(t, '$', (size_t)(p - t))) {
			mm_fail(res, (int32_t)n + 1, -1, "'%.*s' is a Metamath keyword, not a math symbol",
			        (int)(p - t > 40 ? 40 : p - t), t);
			return -1;
		}
		for (const char *q = t; q < p; q++)
			if ((unsigned char)*q < 33 || (unsigned char)*q > 126) {
				mm_fail(res, (int32_t)n + 1, -1, "illegal character (code %d) in a math symbol",
				        (unsigned char)*q);
				return -1;
			}
		s = mm_db_sym(db, t, (size_t)(p - t));
		if (s < 0) {
			mm_fail(res, (int32_t)n + 1, -1, "math symbol '%.*s' is not declared",
			        (int)(p - t > 40 ? 40 : p - t), t);
			return -1;
		}
		if (db->syms[s].decl > context) {
			mm_fail(res, (int32_t)n + 1, -1, "math symbol '%s' is declared after the context",
			        db->syms[s].name);
			return -1;
		}
		if (db->symkind[s] == MM_VAR) {
			int32_t f = db->syms[s].global_f;
			if (f < 0 || f >= context) {
				mm_fail(res, (int32_t)n + 1, -1, "variable '%s' has no $f statement before the context",
				        db->syms[s].name);
				return -1;
			}
		} else if (n == 0) {
			/* a constant typecode: fine */
		}
		if (n == cap) {
			mm_fail(res, (int32_t)n + 1, -1, "expression longer than %zu symbols", cap);
			return -1;
		}
		out[n++] = s;
	}
	if (n == 0) {
		mm_fail(res, (int32_t)n + 1, -1, "empty expression");
		return -1;
	}
	if (db->symkind[out[0]] != MM_CONST) {
		mm_fail(res, (int32_t)n + 1, -1, "the typecode '%s' is not a constant", db->syms[out[0]].name);
		return -1;
	}
	return (int)n;
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

int
mm_cand_init(const struct mm_db *db, struct mm_cand *c, const uint64_t *dv, uint32_t ndv,
             struct mm_result *res)
{
	int32_t fs[MM_CAND_MAXHYPS * 3];
	uint32_t nf = 0;

	memset(res, 0, sizeof *res);
	res->label = -1;
	if (c->context < 0 || c->context > db->nstmts) {
		mm_fail(res, 0, -1, "bad context");
		return -1;
	}
	if (c->nhyps > MM_CAND_MAXHYPS) {
		mm_fail(res, 0, -1, "more than %d hypotheses", MM_CAND_MAXHYPS);
		return -1;
	}
	/* mandatory $f: those of the variables in the statement and hypotheses,
	 * in database order (spec 4.2.7) */
	for (uint32_t h = 0; h <= c->nhyps; h++) {
		const mm_sym *e = h < c->nhyps ? c->hyp[h] : c->expr;
		uint32_t len = h < c->nhyps ? c->hyplen[h] : c->len;
		for (uint32_t i = 1; i < len; i++) {
			int32_t f;
			uint32_t k;
			if (db->symkind[e[i]] != MM_VAR)
				continue;
			f = db->syms[e[i]].global_f;
			if (f < 0 || f >= c->context) {
				mm_fail(res, 0, -1, "variable '%s' has no $f statement before the context",
				        db->syms[e[i]].name);
				return -1;
			}
			for (k = 0; k < nf && fs[k] != f; k++)
				;
			if (k == nf) {
				if (nf == sizeof fs / sizeof *fs) {
					mm_fail(res, 0, -1, "too many variables");
					return -1;
				}
				fs[nf++] = f;
			}
		}
	}
	qsort(fs, nf, sizeof *fs, cmp_i32);
	memcpy(c->mand, fs, nf * sizeof *fs);
	for (uint32_t h = 0; h < c->nhyps; h++)
		c->mand[nf + h] = MM_REF_CANDHYP(h);
	c->nmand = nf + c->nhyps;
	for (uint32_t i = 0; i < ndv; i++) {
		mm_sym a = (mm_sym)(dv[i] >> 32), b = (mm_sym)(uint32_t)dv[i];
		if (a < 0 || b < 0 || a >= db->nsyms || b >= db->nsyms || a == b ||
		    db->symkind[a] != MM_VAR || db->symkind[b] != MM_VAR ||
		    (i > 0 && dv[i - 1] >= dv[i])) {
			mm_fail(res, 0, -1, "bad $d pair");
			return -1;
		}
	}
	c->dv = dv;
	c->ndv = ndv;
	return 0;
}

static void
cand_goal(const struct mm_cand *c, struct goal *g)
{
	memset(g, 0, sizeof *g);
	g->expr = c->expr;
	g->len = c->len;
	g->mand = c->mand;
	g->nmand = c->nmand;
	g->xdv = c->dv;
	g->nxdv = c->ndv;
	g->cand = c;
	g->context = c->context;
}

static int32_t
cand_resolve(const struct mm_db *db, const struct mm_cand *c, const char *t, size_t n)
{
	if (n == 1 && t[0] == '?')
		return MM_REF_UNKNOWN;
	if (n >= 2 && n <= 4 && t[0] == 'H' && t[1] >= '1' && t[1] <= '9') {
		uint32_t i = 0;
		size_t k;
		for (k = 1; k < n && t[k] >= '0' && t[k] <= '9'; k++)
			i = i * 10 + (uint32_t)(t[k] - '0');
		if (k == n && i >= 1 && i <= c->nhyps)
			return MM_REF_CANDHYP(i - 1);
	}
	return mm_db_label(db, t, n);
}

int
mm_verify_cand_text(const struct mm_db *db, struct mm_work *w, const struct mm_cand *c,
                    const char *proof, size_t len, struct mm_result *res)
{
	const char *p = proof, *end = proof + len;
	struct goal g;
	int32_t *refs = NULL;
	size_t nrefs = 0, cap = 0;
	int compressed = 0, ok;
	uint32_t step = 0;

	begin(w, res);
	cand_goal(c, &g);
	for (;;) {
		const char *t;
		int32_t ref;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
			p++;
		if (p == end)
			break;
		t = p;
		while (p < end && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
			p++;
		step++;
		if (step == 1 && p - t == 1 && *t == '(') {
			compressed = 1;
			continue;
		}
		if (compressed && p - t == 1 && *t == ')')
			break;
		if (memchr(t, '$', (size_t)(p - t))) {
			mm_fail(res, (int32_t)step, -1, "'%.*s' is a Metamath keyword, not a label",
			        (int)(p - t > 40 ? 40 : p - t), t);
			free(refs);
			return 0;
		}
		ref = cand_resolve(db, c, t, (size_t)(p - t));
		if (ref == -1 && !(p - t == 1 && *t == '?')) {
			mm_fail(res, (int32_t)step, -1, "step %u: unknown label '%.*s'", step,
			        (int)(p - t > 60 ? 60 : p - t), t);
			free(refs);
			return 0;
		}
		if (compressed && ref == MM_REF_UNKNOWN) {
			mm_fail(res, 0, -1, "'?' in the label list of a compressed proof");
			free(refs);
			return 0;
		}
		if (compressed && ref <= MM_REF_CANDHYP(0)) {
			/* spec: mandatory hypotheses are numbered, never listed */
			mm_fail(res, 0, -1, "mandatory hypothesis '%.*s' in the label list",
			        (int)(p - t), t);
			free(refs);
			return 0;
		}
		if (compressed && ref >= 0 && db->stmts[ref].kind == MM_F)
			for (uint32_t i = 0; i < c->nmand; i++)
				if (c->mand[i] == ref) {
					mm_fail(res, 0, -1, "mandatory hypothesis '%s' in the label list",
					        db->stmts[ref].label);
					free(refs);
					return 0;
				}
		if (w->lim.max_steps && nrefs >= w->lim.max_steps) {
			mm_fail(res, (int32_t)step, -1, "proof longer than the limit of %u steps",
			        w->lim.max_steps);
			free(refs);
			return 0;
		}
		mm_grow(&refs, &cap, nrefs + 1, sizeof *refs);
		refs[nrefs++] = ref;
	}
	if (compressed) {
		if (p == end) {
			mm_fail(res, 0, -1, "bad compressed proof: no ')'");
			ok = 0;
		} else {
			for (size_t i = 0; i < nrefs; i++)
				if (!cand_ref_ok(db, &g, refs[i], 0, res)) {
					free(refs);
					return 0;
				}
			ok = run_compressed(w, &g, refs, (uint32_t)nrefs, p, (uint32_t)(end - p), res);
		}
	} else {
		ok = run_normal(w, &g, refs, (uint32_t)nrefs, NULL, res);
	}
	free(refs);
	return ok;
}

int
mm_verify_cand_refs(const struct mm_db *db __attribute__((unused)), struct mm_work *w, const struct mm_cand *c,
                    const int32_t *refs, uint32_t n, struct mm_result *res)
{
	struct goal g;

	begin(w, res);
	cand_goal(c, &g);
	return run_normal(w, &g, refs, n, NULL, res);
}

int
mm_verify_syntax(const struct mm_db *db, struct mm_work *w, int32_t context, mm_sym type,
                 const mm_sym *expr, uint32_t len, const int32_t *refs, uint32_t n,
                 struct mm_result *res)
{
	struct mm_cand c;
	struct goal g;

	begin(w, res);
	if (len < 1) {
		mm_fail(res, 0, -1, "empty expression");
		return 0;
	}
	mm_grow(&w->tmp, &w->captmp, len, sizeof *w->tmp);
	w->tmp[0] = type;
	memcpy(w->tmp + 1, expr + 1, (len - 1) * sizeof *expr);
	memset(&c, 0, sizeof c);
	c.context = context;
	c.expr = w->tmp;
	c.len = len;
	cand_goal(&c, &g);
	/* no hypotheses: the syntax proof uses only $f and syntax axioms */
	for (uint32_t i = 0; i < n; i++) {
		int32_t r = refs[i];
		if (r >= 0 && r < db->nstmts && mm_is_assertion(&db->stmts[r]) &&
		    !(db->stmts[r].flags & MM_SYNTAX)) {
			mm_fail(res, (int32_t)i + 1, r, "step %u: '%s' is not a syntax axiom",
			        i + 1, db->stmts[r].label);
			return 0;
		}
	}
	return run_normal(w, &g, refs, n, NULL, res);
}
