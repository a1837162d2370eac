/*
 * test_mm.c - unit tests for the Metamath kernel (lib/mm/) on an in-memory
 * database: loading, database proofs, the candidate API (tokens, frames,
 * text and resolved proofs, $d conditions, limits), syntax proofs, and the
 * export of human proofs as candidates.
 *
 * The whole-database rules (one fixture per rule, cross-checked against
 * metamath.exe) are in tests/kernel.bats; these tests cover what only the C
 * API exposes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/mm.h"
#include "unit.h"

/* The database every test uses. The line numbers matter (test_load). */
static const char DB[] =
	"$( test_mm.c: a propositional fragment with a quantifier $)\n"       /* 1 */
	"$c ( ) -> wff |- A. set T $.\n"                                      /* 2 */
	"$v p q r x y $.\n"                                                   /* 3 */
	"wp $f wff p $.\n"                                                    /* 4 */
	"wq $f wff q $.\n"                                                    /* 5 */
	"wr $f wff r $.\n"                                                    /* 6 */
	"vx $f set x $.\n"                                                    /* 7 */
	"vy $f set y $.\n"                                                    /* 8 */
	"wi $a wff ( p -> q ) $.\n"                                           /* 9 */
	"wal $a wff A. x p $.\n"                                              /* 10 */
	"wT $a wff T $.\n"                                                    /* 11 */
	"ax-1 $a |- ( p -> ( q -> p ) ) $.\n"                                 /* 12 */
	"ax-2 $a |- ( ( p -> ( q -> r ) ) -> ( ( p -> q ) -> ( p -> r ) ) ) $.\n"
	"${\n"
	"  min $e |- p $.\n"
	"  maj $e |- ( p -> q ) $.\n"
	"  ax-mp $a |- q $.\n"
	"$}\n"
	"${\n"
	"  $d x p $.\n"
	"  ax-17 $a |- ( p -> A. x p ) $.\n"
	"$}\n"
	"ax-sp $a |- ( A. x p -> p ) $.\n"
	"${\n"
	"  syl.1 $e |- ( p -> q ) $.\n"
	"  syl.2 $e |- ( q -> r ) $.\n"
	"  ax-syl $a |- ( p -> r ) $.\n"
	"$}\n"
	"id $p |- ( p -> p ) $=\n"                                            /* 29 */
	"  ( wi ax-1 ax-2 ax-mp ) AAABZBZFAACAFABBGFBAFCAFADEE $.\n"
	"${\n"
	"  a1i.1 $e |- p $.\n"
	"  a1i $p |- ( q -> p ) $= wp wq wp wi a1i.1 wp wq ax-1 ax-mp $.\n"   /* 33 */
	"$}\n"
	"${\n"
	"  $v t $.\n"
	"  wt $f wff t $.\n"
	"  loc $p |- ( t -> ( p -> t ) ) $= wt wp ax-1 $.\n"
	"$}\n"
	"$v u $.\n"
	"${\n"
	"  wu $f wff u $.\n"
	"  locu $p |- ( u -> ( p -> u ) ) $= wu wp ax-1 $.\n"
	"$}\n"
	"$c <-> $.\n"
	"$v s $.\n"
	"ws $f wff s $.\n"
	"sj $a |- ( s -> s ) $.\n"
	"$d x s $.\n"
	"late $p |- ( s -> A. x s ) $= ws vx ax-17 $.\n";

/* id's proof in normal form, as mm_theorem_export writes it. */
static const char ID_NORMAL[] =
	"wp wp wp wi wi wp wp wi wp wp ax-1 wp wp wp wi wp wi wi wp wp wp wi wi wp wp "
	"wi wi wp wp wp wi ax-1 wp wp wp wi wp ax-2 ax-mp ax-mp";
static const char ID_COMPRESSED[] = "( wi ax-1 ax-2 ax-mp ) AAABZBZFAACAFABBGFBAFCAFADEE";

static struct mm_db *db;
static struct mm_work *w;       /* no limits */

static int32_t
label(const char *s)
{
	int32_t l = mm_db_label(db, s, strlen(s));

	if (l < 0) {
		printf("Bail out! no label '%s' in the test database\n", s);
		exit(99);
	}
	return l;
}

static mm_sym
sym(const char *s)
{
	return mm_db_sym(db, s, strlen(s));
}

/* A candidate built from text, with its storage. */
struct tc {
	struct mm_cand c;
	mm_sym expr[256];
	mm_sym hyp[4][256];
	uint64_t dv[16];
	struct mm_result res;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Fill t with the candidate "stmt" (hypotheses hyps[0..nhyps-1]) in place of
 * context, assuming the $d pairs of dv ("x q y q": pairs of variable names).
 * Returns 0, or -1 with t->res.msg.
 */
static int
tc_init(struct tc *t, int32_t context, const char *stmt, const char *const *hyps, int nhyps,
        const char *dv)
{
	uint32_t ndv = 0;
	int n;

	memset(t, 0, sizeof *t);
	n = mm_cand_tokens(db, context, stmt, t->expr, 256, &t->res);
	if (n < 0)
		return -1;
	t->c.context = context;
	t->c.expr = t->expr;
	t->c.len = (uint32_t)n;
	for (int i = 0; i < nhyps; i++) {
		n = mm_cand_tokens(db, context, hyps[i], t->hyp[i], 256, &t->res);
		if (n < 0)
			return -1;
		t->c.hyp[i] = t->hyp[i];
		t->c.hyplen[i] = (uint32_t)n;
	}
	t->c.nhyps = (uint32_t)nhyps;
	if (dv) {
		char buf[256], *save = NULL, *a, *b;
		snprintf(buf, sizeof buf, "%s", dv);
		for (a = strtok_r(buf, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
			b = strtok_r(NULL, " ", &save);
			if (!b || ndv == 16)
				abort();
			t->dv[ndv++] = MM_DV(sym(a), sym(b));
		}
		qsort(t->dv, ndv, sizeof *t->dv, cmp_u64);
	}
	return mm_cand_init(db, &t->c, t->dv, ndv, &t->res);
}

/* Verify proof text against candidate t with work area ww; returns res.ok. */
static int
tc_verify(struct tc *t, struct mm_work *ww, const char *proof)
{
	return mm_verify_cand_text(db, ww, &t->c, proof, strlen(proof), &t->res);
}

/* The lemmas of the last successful verification, as "l1 l2 ...". */
static const char *
lemmas(struct mm_work *ww)
{
	static char buf[1024];
	int32_t n;
	const int32_t *l = mm_work_lemmas(ww, &n);
	size_t k = 0;

	buf[0] = '\0';
	for (int32_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? " " : "",
		                      db->stmts[l[i]].label);
	return buf;
}

/* ---- loading */

static void
test_load(void)
{
	mm_sym p = sym("p"), u = sym("u"), t = sym("t");

	CHECK_INT_EQ(db->stmts[label("id")].kind, MM_P);
	CHECK_INT_EQ(mm_stmt_line(db, label("id")), 29);
	CHECK_INT_EQ(mm_stmt_line(db, label("a1i")), 33);
	CHECK_INT_EQ(mm_stmt_line(db, label("wp")), 4);
	CHECK(sym("->") >= 0 && db->syms[sym("->")].kind == MM_CONST);
	CHECK(p >= 0 && db->syms[p].kind == MM_VAR);
	CHECK_INT_EQ(db->syms[p].global_f, label("wp"));
	/* u is global, its only $f is inside a block; t is local to a block */
	CHECK_INT_EQ(db->syms[u].global_f, -1);
	CHECK_INT_EQ(db->syms[t].global_f, -1);
	CHECK_INT_EQ(mm_db_label(db, "nope", 4), -1);
	CHECK_INT_EQ(mm_db_sym(db, "nope", 4), -1);
	/* the frame of ax-mp, in declaration order: wp wq min maj */
	CHECK_INT_EQ(db->stmts[label("ax-mp")].nhyps, 4);
	CHECK_INT_EQ(mm_stmt_hyps(db, label("ax-mp"))[2], label("min"));
	CHECK(db->stmts[label("wi")].flags & MM_SYNTAX);
	CHECK(!(db->stmts[label("ax-1")].flags & MM_SYNTAX));
}

static void
test_load_errors(void)
{
	static const char *const bad[][2] = {
		{ "$c a $.\nx $a a b $.\n", "bad.mm:2: math symbol 'b' is not declared" },
		{ "$c a $.\n$( $( $)\n", "bad.mm:2: nested comments are not allowed" },
		{ "$c a $.\nx $a a $.\nx $a a $.\n", "bad.mm:3: label 'x' is declared twice" },
		{ "$c a $.\na $a a $.\n", "bad.mm:2: label 'a' is also a math symbol" },
		{ "$c a\001 $.\n", "bad.mm:1: illegal character (code 1)" },
		{ "$c a $.\nx $a a", "bad.mm:2: statement not ended with '$.'" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct mm_db *d = mm_db_load_mem("bad.mm", bad[i][0], strlen(bad[i][0]), err,
		                                 sizeof err);
		CHECK(d == NULL);
		CHECK_STR_EQ(err, bad[i][1]);
		mm_db_free(d);
	}
	/* the text is copied (compressed proofs are read from the copy later)
	 * and need not be NUL-terminated */
	{
		char text[] = "$c |- $.\nax $a |- $.\nth $p |- $= ( ax ) A $.XXXX";
		struct mm_db *d = mm_db_load_mem("ok.mm", text, strlen(text) - 4, err, sizeof err);
		struct mm_work *wd;
		struct mm_result res;

		if (!CHECK(d != NULL))
			return;
		memset(text, 'Y', sizeof text - 1);
		wd = mm_work_new(d, NULL);
		CHECK(mm_verify_theorem(d, wd, 1, &res));
		CHECK_STR_EQ(res.msg, "");
		mm_work_free(wd);
		mm_db_free(d);
	}
}

/* Files are mapped when their size leaves room for a NUL in the last page,
 * read otherwise: both ways, at and around a page's size, with an include
 * and an empty file, load and verify the same. */
static void
test_load_files(void)
{
	static const char inc[] = "$c |- $.\nax $a |- $.\n";
	static const char top[] = "$[ inc.mm $]\nth $p |- $= ( ax ) A $.\n";
	long pg = sysconf(_SC_PAGESIZE);
	size_t sizes[] = { sizeof top - 1, (size_t)pg - 1, (size_t)pg, (size_t)pg + 1,
	                   2 * (size_t)pg };
	char err[256];
	int io;

	unit_write_file(unit_path("inc.mm"), inc, sizeof inc - 1);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		char *text = malloc(sizes[i]);
		struct mm_db *d;
		struct mm_work *wd;
		struct mm_result res;
		char path[4200];

		memset(text, ' ', sizes[i]);
		memcpy(text, top, sizeof top - 1);
		text[sizes[i] - 1] = '\n';
		snprintf(path, sizeof path, "%s", unit_path("top.mm"));
		unit_write_file(path, text, sizes[i]);
		free(text);
		d = mm_db_load(path, err, sizeof err, &io);
		if (!CHECK(d != NULL)) {
			printf("# size %zu: %s\n", sizes[i], err);
			continue;
		}
		CHECK_INT_EQ(d->nfiles, 2);
		CHECK_INT_EQ(d->nstmts, 2);
		wd = mm_work_new(d, NULL);
		CHECK(mm_verify_theorem(d, wd, 1, &res));
		mm_work_free(wd);
		mm_db_free(d);
	}
	/* an empty file is an empty database; a missing one an I/O error */
	unit_write_file(unit_path("empty.mm"), "", 0);
	{
		struct mm_db *d = mm_db_load(unit_path("empty.mm"), err, sizeof err, &io);
		CHECK(d != NULL && d->nstmts == 0 && io == 0);
		mm_db_free(d);
	}
	CHECK(mm_db_load(unit_path("missing.mm"), err, sizeof err, &io) == NULL && io == 1);
	CHECK_STR_HAS(err, "missing.mm");
}

/* ---- database proofs */

static void
test_verify_theorems(void)
{
	struct mm_result res;
	int n = 0;

	for (int32_t s = 0; s < db->nstmts; s++) {
		if (db->stmts[s].kind != MM_P)
			continue;
		n++;
		if (!CHECK(mm_verify_theorem(db, w, s, &res)))
			printf("# %s: %s\n", db->stmts[s].label, res.msg);
		CHECK_STR_EQ(res.msg, "");
	}
	CHECK_INT_EQ(n, 5);
	CHECK(mm_verify_theorem(db, w, label("a1i"), &res));
	CHECK_UINT_EQ(res.nsteps, 9);
	CHECK(!mm_verify_theorem(db, w, label("ax-1"), &res));
	CHECK_STR_EQ(res.msg, "'ax-1' is not a $p statement");
}

/* A fresh work area whose first step is an assertion without hypotheses:
 * its result takes a stack entry that push() never made. */
static void
test_zero_hypothesis_first_step(void)
{
	struct mm_work *w1 = mm_work_new(db, NULL);
	struct mm_result res;
	mm_sym e[2] = { sym("|-"), sym("T") };
	int32_t refs[1] = { label("wT") };
	struct tc t;
	char proof[128] = "";

	CHECK(mm_verify_syntax(db, w1, db->nstmts, sym("wff"), e, 2, refs, 1, &res));
	CHECK_STR_EQ(res.msg, "");
	mm_work_free(w1);

	/* and when the stack is exactly full (16 entries, its first size) */
	w1 = mm_work_new(db, NULL);
	tc_init(&t, db->nstmts, "|- ( p -> p )", NULL, 0, NULL);
	for (int i = 0; i < 16; i++)
		strcat(proof, "wp ");
	strcat(proof, "wT");
	CHECK(!tc_verify(&t, w1, proof));
	CHECK_STR_EQ(t.res.msg, "the proof leaves 17 entries on the stack, not one");
	mm_work_free(w1);
}

static void
test_theorem_normal(void)
{
	struct mm_result res;
	uint32_t n = 0;
	int32_t *refs = mm_theorem_normal(db, w, label("id"), &n, &res);
	char buf[1024];
	size_t k = 0;

	if (!CHECK(refs != NULL))
		return;
	for (uint32_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? " " : "",
		                      db->stmts[refs[i]].label);
	CHECK_UINT_EQ(n, 40);
	CHECK_STR_EQ(buf, ID_NORMAL);
	free(refs);

	/* a proof that does not verify is not unfolded */
	{
		static const char text[] = "$c |- $.\nax $a |- $.\nth $p |- $= ax ax $.\n";
		char err[256];
		struct mm_db *d = mm_db_load_mem("t.mm", text, strlen(text), err, sizeof err);
		struct mm_work *wd;

		if (!CHECK(d != NULL))
			return;
		wd = mm_work_new(d, NULL);
		CHECK(mm_theorem_normal(d, wd, 1, &n, &res) == NULL);
		CHECK_STR_EQ(res.msg, "the proof leaves 2 entries on the stack, not one");
		mm_work_free(wd);
		mm_db_free(d);
	}
}

/* The unfolded proof (40 steps for id) may not exceed max_steps, though the
 * compressed one (26 steps) does not. */
static void
test_theorem_normal_limit(void)
{
	struct mm_limits lim = { .max_steps = 30 };
	struct mm_work *w1 = mm_work_new(db, &lim);
	struct mm_result res;
	uint32_t n = 0;
	int32_t *refs;

	refs = mm_theorem_normal(db, w1, label("id"), &n, &res);
	CHECK(refs == NULL);
	CHECK_STR_HAS(res.msg, "longer than the limit of 30 steps");
	free(refs);
	mm_work_free(w1);

	/* one step short: the last steps are not saved-step references */
	lim.max_steps = 39;
	w1 = mm_work_new(db, &lim);
	refs = mm_theorem_normal(db, w1, label("id"), &n, &res);
	if (!CHECK(refs == NULL))
		printf("# unfolded to %u steps\n", n);
	CHECK_STR_HAS(res.msg, "longer than the limit of 39 steps");
	free(refs);
	mm_work_free(w1);

	lim.max_steps = 40;
	w1 = mm_work_new(db, &lim);
	refs = mm_theorem_normal(db, w1, label("id"), &n, &res);
	CHECK(refs != NULL);
	CHECK_UINT_EQ(n, 40);
	free(refs);
	mm_work_free(w1);
}

static void
test_theorem_export(void)
{
	struct mm_result res;
	char *s;

	s = mm_theorem_export(db, w, label("id"), &res);
	CHECK_STR_EQ(s, ID_NORMAL);
	free(s);
	s = mm_theorem_export(db, w, label("a1i"), &res);
	CHECK_STR_EQ(s, "wp wq wp wi H1 wp wq ax-1 ax-mp");
	free(s);
	s = mm_theorem_export(db, w, label("late"), &res);
	CHECK_STR_EQ(s, "ws vx ax-17");
	free(s);
}

/* Every theorem with only outermost-scope variables, exported and checked as
 * a candidate in its own place, with its $e hypotheses as H1..Hk. */
static void
test_export_round_trip(void)
{
	static const char *const names[] = { "id", "a1i", "late" };

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		int32_t s = label(names[i]);
		const struct mm_stmt *st = &db->stmts[s];
		const int32_t *mh = mm_stmt_hyps(db, s);
		struct mm_result res;
		struct tc t;
		char *proof;

		memset(&t, 0, sizeof t);
		t.c.context = s;
		t.c.expr = mm_stmt_expr(db, s);
		t.c.len = st->len;
		for (uint32_t j = 0; j < st->nhyps; j++)
			if (db->stmts[mh[j]].kind == MM_E) {
				t.c.hyp[t.c.nhyps] = mm_stmt_expr(db, mh[j]);
				t.c.hyplen[t.c.nhyps++] = db->stmts[mh[j]].len;
			}
		if (!CHECK_INT_EQ(mm_cand_init(db, &t.c, NULL, 0, &t.res), 0))
			continue;
		proof = mm_theorem_export(db, w, s, &res);
		if (!CHECK(proof != NULL))
			continue;
		if (!CHECK(tc_verify(&t, w, proof)))
			printf("# %s: %s\n", names[i], t.res.msg);
		free(proof);
	}
}

static void
test_lemmas(void)
{
	struct mm_result res;
	struct tc t;
	const char *h[] = { "|- p" };
	mm_sym e[6];
	int32_t refs[3] = { label("wp"), label("wp"), label("wi") };

	CHECK(mm_verify_theorem(db, w, label("id"), &res));
	CHECK_STR_EQ(lemmas(w), "ax-1 ax-2 ax-mp");
	CHECK(mm_verify_theorem(db, w, label("a1i"), &res));
	CHECK_STR_EQ(lemmas(w), "ax-1 ax-mp");
	CHECK(mm_verify_theorem(db, w, label("late"), &res));
	CHECK_STR_EQ(lemmas(w), "ax-17");

	tc_init(&t, db->nstmts, "|- ( p -> p )", NULL, 0, NULL);
	CHECK(tc_verify(&t, w, "wp id"));
	CHECK_STR_EQ(lemmas(w), "id");
	tc_init(&t, db->nstmts, "|- ( q -> p )", h, 1, NULL);
	CHECK(tc_verify(&t, w, "wp wq wp wi H1 wp wq ax-1 ax-mp"));
	CHECK_STR_EQ(lemmas(w), "ax-1 ax-mp");
	/* a syntax proof uses no lemma */
	CHECK_INT_EQ(mm_cand_tokens(db, db->nstmts, "|- ( p -> p )", e, 6, &res), 6);
	CHECK(mm_verify_syntax(db, w, db->nstmts, sym("wff"), e, 6, refs, 3, &res));
	CHECK_STR_EQ(lemmas(w), "");
}

/* ---- candidates: statements */

static void
test_cand_tokens(void)
{
	static const struct {
		const char *ctx, *text, *msg;
	} bad[] = {
		{ NULL, "|- ( p -> p ) $.", "'$.' is a Metamath keyword, not a math symbol" },
		{ NULL, "|- ( p -> $( p", "'$(' is a Metamath keyword, not a math symbol" },
		{ NULL, "|- ( p -> z )", "math symbol 'z' is not declared" },
		{ NULL, "|- ( p -> p$ )", "'p$' is a Metamath keyword, not a math symbol" },
		{ "id", "|- ( p <-> p )", "math symbol '<->' is declared after the context" },
		{ "id", "|- s", "math symbol 's' is declared after the context" },
		{ "ws", "|- s", "variable 's' has no $f statement before the context" },
		{ NULL, "|- u", "variable 'u' has no $f statement before the context" },
		{ NULL, "|- t", "variable 't' has no $f statement before the context" },
		{ NULL, "p -> q", "the typecode 'p' is not a constant" },
		{ NULL, "", "empty expression" },
		{ NULL, " \t\n", "empty expression" },
		{ NULL, "|- \001", "illegal character (code 1) in a math symbol" },
		{ NULL, "|- \303\251", "illegal character (code 195) in a math symbol" },
	};
	struct mm_result res;
	mm_sym out[16];

	CHECK_INT_EQ(mm_cand_tokens(db, db->nstmts, "  |- ( p\t->\np )  ", out, 16, &res), 6);
	CHECK_INT_EQ(out[0], sym("|-"));
	CHECK_INT_EQ(out[3], sym("->"));
	CHECK_INT_EQ(out[5], sym(")"));
	CHECK_STR_EQ(res.msg, "");
	/* a symbol declared just before the context is available to it */
	CHECK_INT_EQ(mm_cand_tokens(db, label("sj"), "|- ( s <-> s )", out, 16, &res), 6);
	CHECK_INT_EQ(mm_cand_tokens(db, db->nstmts, "|- ( p -> p )", out, 3, &res), -1);
	CHECK_STR_EQ(res.msg, "expression longer than 3 symbols");

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int32_t ctx = bad[i].ctx ? label(bad[i].ctx) : db->nstmts;
		if (!CHECK_INT_EQ(mm_cand_tokens(db, ctx, bad[i].text, out, 16, &res), -1))
			printf("# accepted: \"%s\"\n", bad[i].text);
		CHECK_STR_EQ(res.msg, bad[i].msg);
	}
}

static void
test_cand_init(void)
{
	const char *h[] = { "|- p" };
	struct tc t;
	mm_sym ex[3] = { sym("|-"), sym("u"), 0 };

	/* the frame: the $f of the variables, in database order, then H1..Hk */
	CHECK_INT_EQ(tc_init(&t, db->nstmts, "|- ( q -> p )", h, 1, NULL), 0);
	CHECK_UINT_EQ(t.c.nmand, 3);
	CHECK_INT_EQ(t.c.mand[0], label("wp"));
	CHECK_INT_EQ(t.c.mand[1], label("wq"));
	CHECK_INT_EQ(t.c.mand[2], MM_REF_CANDHYP(0));
	/* a variable only in a hypothesis is mandatory too */
	CHECK_INT_EQ(tc_init(&t, db->nstmts, "|- q", (const char *[]){ "|- ( r -> q )" }, 1,
	                     NULL), 0);
	CHECK_UINT_EQ(t.c.nmand, 3);
	CHECK_INT_EQ(t.c.mand[0], label("wq"));
	CHECK_INT_EQ(t.c.mand[1], label("wr"));

	CHECK_INT_EQ(tc_init(&t, db->nstmts, "|- ( q -> A. x q )", NULL, 0, "x q"), 0);
	CHECK_UINT_EQ(t.c.ndv, 1);

	/* bad $d pairs: not sorted, a variable with itself, a constant */
	tc_init(&t, db->nstmts, "|- ( q -> A. x q )", NULL, 0, NULL);
	t.dv[0] = MM_DV(sym("x"), sym("q"));
	t.dv[1] = MM_DV(sym("p"), sym("q"));
	if (t.dv[0] < t.dv[1]) {
		uint64_t tmp = t.dv[0];
		t.dv[0] = t.dv[1];
		t.dv[1] = tmp;
	}
	CHECK_INT_EQ(mm_cand_init(db, &t.c, t.dv, 2, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "bad $d pair");
	t.dv[0] = MM_DV(sym("x"), sym("x"));
	CHECK_INT_EQ(mm_cand_init(db, &t.c, t.dv, 1, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "bad $d pair");
	t.dv[0] = MM_DV(sym("x"), sym("->"));
	CHECK_INT_EQ(mm_cand_init(db, &t.c, t.dv, 1, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "bad $d pair");

	/* expressions given directly are checked for their $f too */
	memset(&t, 0, sizeof t);
	t.c.context = db->nstmts;
	t.c.expr = ex;
	t.c.len = 2;
	CHECK_INT_EQ(mm_cand_init(db, &t.c, NULL, 0, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "variable 'u' has no $f statement before the context");
	t.c.context = db->nstmts + 1;
	CHECK_INT_EQ(mm_cand_init(db, &t.c, NULL, 0, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "bad context");
	t.c.context = -1;
	CHECK_INT_EQ(mm_cand_init(db, &t.c, NULL, 0, &t.res), -1);
	CHECK_STR_EQ(t.res.msg, "bad context");
}

/* ---- candidates: proofs */

static void
test_cand_normal_and_compressed(void)
{
	const char *h[] = { "|- p" };
	struct tc t;

	tc_init(&t, db->nstmts, "|- ( p -> p )", NULL, 0, NULL);
	CHECK(tc_verify(&t, w, ID_NORMAL));
	CHECK_STR_EQ(t.res.msg, "");
	CHECK(tc_verify(&t, w, ID_COMPRESSED));
	CHECK_STR_EQ(t.res.msg, "");
	CHECK(tc_verify(&t, w, "  wp\n id\t"));
	/* a proof of something else */
	CHECK(!tc_verify(&t, w, "wp wp ax-1"));
	CHECK_STR_EQ(t.res.msg, "the proof proves something other than the statement");

	/* hypotheses are H1..Hk, numbered after the $f in compressed proofs */
	tc_init(&t, db->nstmts, "|- ( q -> p )", h, 1, NULL);
	CHECK(tc_verify(&t, w, "wp wq wp wi H1 wp wq ax-1 ax-mp"));
	CHECK(tc_verify(&t, w, "( wi ax-1 ax-mp ) ABADCABEF"));
	CHECK(!tc_verify(&t, w, "wp wq wp wi H2 wp wq ax-1 ax-mp"));
	CHECK_STR_EQ(t.res.msg, "step 5: unknown label 'H2'");
	CHECK(!tc_verify(&t, w, "wp wq wp wi H0 wp wq ax-1 ax-mp"));
	CHECK_STR_EQ(t.res.msg, "step 5: unknown label 'H0'");
	/* the database's own hypothesis is not the candidate's */
	CHECK(!tc_verify(&t, w, "wp wq wp wi a1i.1 wp wq ax-1 ax-mp"));
	CHECK_STR_EQ(t.res.msg, "step 5: hypothesis 'a1i.1' is not available here");
	/* H1 where a wff is wanted */
	CHECK(!tc_verify(&t, w, "H1 wq ax-1"));
	CHECK_STR_EQ(t.res.msg,
	             "step 3 (ax-1): hypothesis 'wp' wants typecode 'wff', found '|-'");
	CHECK_INT_EQ(t.res.step, 3);
	CHECK_INT_EQ(t.res.label, label("ax-1"));
}

static void
test_cand_context(void)
{
	const char *h[] = { "|- p" };
	struct tc t;

	/* the theorem itself, in whose place the candidate stands */
	tc_init(&t, label("id"), "|- ( p -> p )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w, "wp id"));
	CHECK_STR_EQ(t.res.msg, "step 2: 'id' does not come before the context");
	CHECK_INT_EQ(t.res.label, label("id"));
	CHECK(tc_verify(&t, w, ID_NORMAL));
	/* a later theorem */
	CHECK(!tc_verify(&t, w, "wp wp H1 a1i"));
	CHECK_STR_EQ(t.res.msg, "step 3: unknown label 'H1'");
	tc_init(&t, label("id"), "|- ( q -> p )", h, 1, NULL);
	CHECK(!tc_verify(&t, w, "wp wq H1 a1i"));
	CHECK_STR_EQ(t.res.msg, "step 4: 'a1i' does not come before the context");
	/* compressed: the label list is checked before any step */
	CHECK(!tc_verify(&t, w, "( a1i ) ABCD"));
	CHECK_STR_HAS(t.res.msg, "'a1i' does not come before the context");
	/* a $f inside a block, even one before the context */
	tc_init(&t, db->nstmts, "|- ( p -> ( q -> p ) )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w, "wp wq ax-1 wt"));
	CHECK_STR_EQ(t.res.msg, "step 4: hypothesis 'wt' is not available here");
	/* an outermost $f declared after the context */
	tc_init(&t, label("id"), "|- ( p -> ( q -> p ) )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w, "wp wq ax-1 ws"));
	CHECK_STR_EQ(t.res.msg, "step 4: 'ws' does not come before the context");
}

static void
test_cand_bad_proofs(void)
{
	const char *h[] = { "|- p" };
	static const struct {
		const char *proof, *msg;
	} bad[] = {
		{ "", "the proof is empty" },
		{ "wp ? ax-1", "step 2: '?': the proof is incomplete" },
		{ "( ax-1 ) AB?", "step 3: '?': the proof is incomplete" },
		{ "( ? ax-1 ) ABD", "'?' in the label list of a compressed proof" },
		{ "( wp ax-1 ) ABD", "mandatory hypothesis 'wp' in the label list" },
		{ "wp wq ax-1 $.", "'$.' is a Metamath keyword, not a label" },
		{ "wp wq ax-3", "step 3: unknown label 'ax-3'" },
		{ "wp wq ax-1 wp", "the proof leaves 2 entries on the stack, not one" },
		{ "wq ax-1", "step 2 (ax-1): needs 2 hypotheses, the stack holds 1" },
		{ "( ax-1 ) ABC", NULL },
		{ "( ax-1 wi", "bad compressed proof: no ')'" },
		{ "( ax-1 ABC", "step 3: unknown label 'ABC'" },
		{ "( ax-1 ) ZABC", "bad compressed proof: 'Z' does not follow a step" },
		{ "( ax-1 ) ABCD", "bad compressed proof: step 4 refers to saved step 1 of 0" },
		{ "( ax-1 ) ABCU", "bad compressed proof: it ends inside a number" },
		{ "( ax-1 ) ABa", "bad compressed proof: unexpected character 'a' after step 2" },
		{ "( ax-1 ) AB\001", "bad compressed proof: unexpected character (code 1) after step 2" },
		{ "( ax-1 ) ABUUUUUUUUUUUUUUUUUUC", "bad compressed proof: number too large" },
		{ "( ax-1 ) ", "the proof is empty" },
	};
	struct tc t;

	tc_init(&t, db->nstmts, "|- ( p -> ( q -> p ) )", NULL, 0, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int ok = tc_verify(&t, w, bad[i].proof);
		if (!bad[i].msg) {
			CHECK(ok);
			continue;
		}
		if (!CHECK(!ok))
			printf("# accepted: \"%s\"\n", bad[i].proof);
		CHECK_STR_EQ(t.res.msg, bad[i].msg);
	}
	tc_init(&t, db->nstmts, "|- ( q -> p )", h, 1, NULL);
	CHECK(!tc_verify(&t, w, "( H1 wi ax-1 ax-mp ) ABADCABEF"));
	CHECK_STR_EQ(t.res.msg, "mandatory hypothesis 'H1' in the label list");
}

/* Random bytes and random label soup: never a crash, never a proof. */
static void
test_cand_garbage(void)
{
	static const char *const toks[] = {
		"wp", "wq", "wi", "ax-1", "ax-2", "ax-mp", "H1", "H2", "?", "(", ")", "id",
		"A", "B", "Z", "UA", "$.", "wT", "ax-17", "vx", "wal",
	};
	const char *h[] = { "|- ( p -> q )" };
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct tc t;
	char buf[512];
	int accepted = 0;

	tc_init(&t, db->nstmts, "|- ( q -> ( p -> q ) )", h, 1, NULL);
	for (int i = 0; i < 3000; i++) {
		size_t n, k = 0;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		n = (size_t)(rng % 96);
		if (i % 2 == 0) {
			for (k = 0; k < n; k++) {
				rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
				buf[k] = (char)(rng >> 24);
			}
			if (i % 4 == 0 && n > 2) {
				buf[0] = '(';
				buf[1] = ' ';
			}
		} else {
			for (size_t j = 0; j < n / 4; j++) {
				rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
				k += (size_t)snprintf(buf + k, sizeof buf - k, "%s ",
				                      toks[rng % (sizeof toks / sizeof *toks)]);
			}
		}
		if (mm_verify_cand_text(db, w, &t.c, buf, k, &t.res))
			accepted++;
		else
			CHECK(t.res.msg[0] != '\0');
	}
	CHECK_INT_EQ(accepted, 0);
}

static void
test_cand_refs(void)
{
	const char *h[] = { "|- p" };
	int32_t ok[] = { label("wp"), label("wq"), label("wp"), label("wi"), MM_REF_CANDHYP(0),
	                 label("wp"), label("wq"), label("ax-1"), label("ax-mp") };
	static const int32_t weird[] = { MM_REF_UNKNOWN, MM_REF_BAD, -3, -15, MM_REF_CANDHYP(1),
	                                 MM_REF_CANDHYP(5000), INT32_MIN, INT32_MAX };
	struct tc t;

	tc_init(&t, db->nstmts, "|- ( q -> p )", h, 1, NULL);
	CHECK(mm_verify_cand_refs(db, w, &t.c, ok, 9, &t.res));
	for (size_t i = 0; i < sizeof weird / sizeof *weird; i++) {
		int32_t refs[3] = { label("wp"), weird[i], label("ax-1") };
		CHECK(!mm_verify_cand_refs(db, w, &t.c, refs, 3, &t.res));
		CHECK_INT_EQ(t.res.step, 2);
	}
	{
		int32_t refs[3] = { label("wp"), db->nstmts, label("ax-1") };
		CHECK(!mm_verify_cand_refs(db, w, &t.c, refs, 3, &t.res));
		CHECK_STR_EQ(t.res.msg, "step 2: bad step reference");
	}
}

/* ---- candidates: $d conditions */

static void
test_cand_dv(void)
{
	struct tc t;

	/* a pair the candidate does not assume */
	tc_init(&t, db->nstmts, "|- ( q -> A. x q )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w, "wq vx ax-17"));
	CHECK_STR_EQ(t.res.msg, "step 3 (ax-17): $d violation: 'q' and 'x' (substituted into "
	             "'p' and 'x') have no $d statement");
	/* ... and one it does */
	tc_init(&t, db->nstmts, "|- ( q -> A. x q )", NULL, 0, "x q");
	CHECK(tc_verify(&t, w, "wq vx ax-17"));
	CHECK(tc_verify(&t, w, "( ax-17 ) ABC"));
	/* a pair for another variable does not help */
	tc_init(&t, db->nstmts, "|- ( q -> A. x q )", NULL, 0, "x p y q");
	CHECK(!tc_verify(&t, w, "wq vx ax-17"));
	/* one variable in both members: no $d can allow it */
	tc_init(&t, db->nstmts, "|- ( A. x p -> A. x A. x p )", NULL, 0, "x p");
	CHECK(!tc_verify(&t, w, "wp vx wal vx ax-17"));
	CHECK_STR_EQ(t.res.msg, "step 5 (ax-17): $d violation: variable 'x' substituted into "
	             "both 'p' and 'x'");
	/* a dummy variable (y) needs its pair too */
	tc_init(&t, db->nstmts, "|- ( q -> q )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w, "wq wq vy wal wq wq vy ax-17 wq vy ax-sp ax-syl"));
	CHECK_STR_EQ(t.res.msg, "step 8 (ax-17): $d violation: 'q' and 'y' (substituted into "
	             "'p' and 'x') have no $d statement");
	tc_init(&t, db->nstmts, "|- ( q -> q )", NULL, 0, "y q");
	CHECK(tc_verify(&t, w, "wq wq vy wal wq wq vy ax-17 wq vy ax-sp ax-syl"));
	/* an outermost $d statement before the context holds for candidates... */
	tc_init(&t, db->nstmts, "|- ( s -> A. x s )", NULL, 0, NULL);
	CHECK(tc_verify(&t, w, "ws vx ax-17"));
	tc_init(&t, label("late"), "|- ( s -> A. x s )", NULL, 0, NULL);
	CHECK(tc_verify(&t, w, "ws vx ax-17"));
	/* ... but not one after it */
	CHECK_INT_EQ(tc_init(&t, label("sj"), "|- ( s -> A. x s )", NULL, 0, NULL), 0);
	CHECK(!tc_verify(&t, w, "ws vx ax-17"));
	CHECK_STR_EQ(t.res.msg, "step 3 (ax-17): $d violation: 's' and 'x' (substituted into "
	             "'p' and 'x') have no $d statement");
}

/* ---- limits */

static void
test_limit_steps(void)
{
	struct mm_limits lim = { .max_steps = 100 };
	struct mm_work *w1 = mm_work_new(db, &lim);
	char *proof = malloc(6 * 1000 + 64);
	struct tc t;
	size_t k = 0;

	tc_init(&t, db->nstmts, "|- ( p -> p )", NULL, 0, NULL);
	for (int i = 0; i < 1000; i++)
		k += (size_t)sprintf(proof + k, "wp ");
	CHECK(!tc_verify(&t, w1, proof));
	CHECK_STR_EQ(t.res.msg, "proof longer than the limit of 100 steps");
	/* 100 steps are within the limit */
	proof[3 * 100] = '\0';
	CHECK(!tc_verify(&t, w1, proof));
	CHECK_STR_EQ(t.res.msg, "the proof leaves 100 entries on the stack, not one");
	/* compressed */
	k = (size_t)sprintf(proof, "( wi ) ");
	for (int i = 0; i < 1000; i++)
		proof[k++] = 'A';
	proof[k] = '\0';
	CHECK(!tc_verify(&t, w1, proof));
	CHECK_STR_EQ(t.res.msg, "proof longer than the limit of 100 steps");
	/* a real proof still passes */
	CHECK(tc_verify(&t, w1, ID_COMPRESSED));
	free(proof);
	mm_work_free(w1);
}

/* Each 'Z' saves ( X -> X ) built from the previous saved X: the expressions
 * double at every step. */
static void
test_limit_symbols(void)
{
	struct mm_limits lim = { .max_symbols = 1000 };
	struct mm_work *w1 = mm_work_new(db, &lim);
	struct tc t;

	tc_init(&t, db->nstmts, "|- ( p -> p )", NULL, 0, NULL);
	CHECK(!tc_verify(&t, w1, "( wi ) AABZCCBZDDBZEEBZFFBZGGBZHHBZIIBZJJBZKKBZ"));
	CHECK_STR_HAS(t.res.msg, "(wi): expressions exceed the limit of 1000 symbols");
	/* the same work area is fine afterwards */
	CHECK(tc_verify(&t, w1, ID_COMPRESSED));
	CHECK_STR_EQ(t.res.msg, "");
	mm_work_free(w1);
}

/* ---- syntax proofs */

static void
test_verify_syntax(void)
{
	struct mm_result res;
	mm_sym e[16];
	int n = mm_cand_tokens(db, db->nstmts, "|- ( p -> p )", e, 16, &res);
	int32_t good[] = { label("wp"), label("wp"), label("wi") };
	int32_t other[] = { label("wp"), label("wq"), label("wi") };
	int32_t lemma[] = { label("wp"), label("wq"), label("ax-1") };
	int32_t local[] = { label("wt"), label("wp"), label("wi") };

	if (!CHECK_INT_EQ(n, 6))
		return;
	CHECK(mm_verify_syntax(db, w, db->nstmts, sym("wff"), e, 6, good, 3, &res));
	CHECK(!mm_verify_syntax(db, w, db->nstmts, sym("wff"), e, 6, other, 3, &res));
	CHECK_STR_EQ(res.msg, "the proof proves something other than the statement");
	CHECK(!mm_verify_syntax(db, w, db->nstmts, sym("wff"), e, 6, lemma, 3, &res));
	CHECK_STR_EQ(res.msg, "step 3: 'ax-1' is not a syntax axiom");
	CHECK(!mm_verify_syntax(db, w, db->nstmts, sym("wff"), e, 6, local, 3, &res));
	CHECK_STR_EQ(res.msg, "step 1: hypothesis 'wt' is not available here");
	/* the type is part of what is proved */
	CHECK(!mm_verify_syntax(db, w, db->nstmts, sym("set"), e, 6, good, 3, &res));
	/* before the context of wi, wi is not available */
	CHECK(!mm_verify_syntax(db, w, label("wi"), sym("wff"), e, 6, good, 3, &res));
	CHECK_STR_EQ(res.msg, "step 3: 'wi' does not come before the context");
}

static void
test_expr_str(void)
{
	struct mm_result res;
	mm_sym e[16];
	char buf[64];
	int n = mm_cand_tokens(db, db->nstmts, " |-  ( p ->\tA. x p ) ", e, 16, &res);

	if (!CHECK_INT_EQ(n, 8))
		return;
	CHECK_UINT_EQ(mm_expr_str(db, e, 8, buf, sizeof buf), 18);
	CHECK_STR_EQ(buf, "|- ( p -> A. x p )");
	/* cut to the buffer, NUL-terminated, the full length returned */
	CHECK_UINT_EQ(mm_expr_str(db, e, 8, buf, 6), 18);
	CHECK_STR_EQ(buf, "|- ( ");
	/* of any length: mm_expr_text */
	{
		mm_sym *big = malloc(40000 * sizeof *big);
		char *t = mm_expr_text(db, e, 8);
		CHECK_STR_EQ(t, "|- ( p -> A. x p )");
		free(t);
		for (int i = 0; i < 40000; i++)
			big[i] = e[3];   /* "->" */
		t = mm_expr_text(db, big, 40000);
		CHECK_UINT_EQ(strlen(t), 40000 * 3 - 1);
		CHECK(strncmp(t, "-> -> ", 6) == 0 && strcmp(t + 40000 * 3 - 4, " ->") == 0);
		free(t);
		free(big);
	}
}

int
main(void)
{
	char err[512];

	db = mm_db_load_mem("test.mm", DB, sizeof DB - 1, err, sizeof err);
	if (!db) {
		printf("Bail out! the test database does not load: %s\n", err);
		return 1;
	}
	w = mm_work_new(db, NULL);

	RUN(test_load);
	RUN(test_load_errors);
	RUN(test_load_files);
	RUN(test_verify_theorems);
	RUN(test_zero_hypothesis_first_step);
	RUN(test_theorem_normal);
	RUN(test_theorem_normal_limit);
	RUN(test_theorem_export);
	RUN(test_export_round_trip);
	RUN(test_lemmas);
	RUN(test_cand_tokens);
	RUN(test_cand_init);
	RUN(test_cand_normal_and_compressed);
	RUN(test_cand_context);
	RUN(test_cand_bad_proofs);
	RUN(test_cand_garbage);
	RUN(test_cand_refs);
	RUN(test_cand_dv);
	RUN(test_limit_steps);
	RUN(test_limit_symbols);
	RUN(test_verify_syntax);
	RUN(test_expr_str);

	mm_work_free(w);
	mm_db_free(db);
	return unit_done();
}
