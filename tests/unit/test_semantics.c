/*
 * test_semantics.c - lib/mmsteps/semantics: the truth tables of the
 * propositional connectives and the self-check that turns them off
 *
 * Tiny databases written here: every row of every connective's truth table
 * (also with the $f hypotheses declared in another order than the body
 * writes its arguments), definitions that contradict the tables (the
 * self-check must turn the semantics off), syntax it does not know,
 * variables beyond the limit, inconsistent hypotheses, variables that occur
 * only in the goal. Statements are judged through mmc_goal_entailed().
 */
#include "unit.h"

#include <stdint.h>

#include "mm/mm.h"
#include "mmsteps/constrain.h"
#include "mmsteps/grammar.h"
#include "mmsteps/semantics.h"
#include "mmsteps/steps.h"
#include "mmsteps/stmt.h"

/* ---- fixtures */

#define CONNECTIVES \
	"wn $a wff -. ph $.\n" \
	"wi $a wff ( ph -> ps ) $.\n" \
	"wb $a wff ( ph <-> ps ) $.\n" \
	"wo $a wff ( ph \\/ ps ) $.\n" \
	"wa $a wff ( ph /\\ ps ) $.\n" \
	"w3o $a wff ( ph \\/ ps \\/ ch ) $.\n" \
	"w3a $a wff ( ph /\\ ps /\\ ch ) $.\n" \
	"wnan $a wff ( ph -/\\ ps ) $.\n" \
	"wxo $a wff ( ph \\/_ ps ) $.\n" \
	"wif $a wff if- ( ph , ps , ch ) $.\n" \
	"whad $a wff hadd ( ph , ps , ch ) $.\n" \
	"wcad $a wff cadd ( ph , ps , ch ) $.\n" \
	"wtru $a wff T. $.\n" \
	"wfal $a wff F. $.\n"

#define HEAD \
	"$( $j syntax 'wff'; syntax '|-' as 'wff'; $)\n" \
	"$c ( ) -> <-> \\/ /\\ -/\\ \\/_ , if- hadd cadd T. F. -. wff |- $.\n"

/* set.mm's connectives, with their definitions */
static const char conn_mm[] =
	HEAD
	"$v ph ps ch th $.\n"
	"wph $f wff ph $.  wps $f wff ps $.  wch $f wff ch $.  wth $f wff th $.\n"
	CONNECTIVES
	"${ min $e |- ph $.  maj $e |- ( ph -> ps ) $.  ax-mp $a |- ps $. $}\n"
	"ax-1 $a |- ( ph -> ( ps -> ph ) ) $.\n"
	"df-an $a |- ( ( ph /\\ ps ) <-> -. ( ph -> -. ps ) ) $.\n"
	"df-ifp $a |- ( if- ( ph , ps , ch ) <-> ( ( ph /\\ ps ) \\/ ( -. ph /\\ ch ) ) ) $.\n"
	"df-cad $a |- ( cadd ( ph , ps , ch ) <->\n"
	"             ( ( ph /\\ ps ) \\/ ( ch /\\ ( ph \\/_ ps ) ) ) ) $.\n"
	"df-fal $a |- ( F. <-> -. T. ) $.\n"
	"${ idi.1 $e |- ph $.  idi $p |- ph $= idi.1 $. $}\n"
	"end $a |- ( ph -> ph ) $.\n";

/* the same with the $f hypotheses declared in reverse: a tree's children
 * come in frame order (ch ps ph), the bodies write ph ps ch */
static const char rev_mm[] =
	HEAD
	"$v ph ps ch th $.\n"
	"wth $f wff th $.  wch $f wff ch $.  wps $f wff ps $.  wph $f wff ph $.\n"
	CONNECTIVES
	"df-ifp $a |- ( if- ( ph , ps , ch ) <-> ( ( ph /\\ ps ) \\/ ( -. ph /\\ ch ) ) ) $.\n"
	"${ imi.1 $e |- ( ph -> ps ) $.  imi $a |- ( ch -> ( ph -> ps ) ) $. $}\n"
	"end $a |- ( ph -> ph ) $.\n";

/* Build a database from the connectives and one more line. */
static char *
with_line(const char *line)
{
	static const char base[] =
		HEAD
		"$v ph ps ch $.\n"
		"wph $f wff ph $.  wps $f wff ps $.  wch $f wff ch $.\n"
		CONNECTIVES;
	size_t n = strlen(base) + strlen(line) + 64;
	char *s = malloc(n);

	snprintf(s, n, "%s%s\nend $a |- ( ph -> ph ) $.\n", base, line);
	return s;
}

struct fix {
	struct mm_db *db;
	struct mms_grammar *g;
	struct mms_parser *p;
	struct mmc_index *ix;
};

static int
fix_open(struct fix *f, const char *text)
{
	char err[512];

	memset(f, 0, sizeof *f);
	f->db = mm_db_load_mem("test.mm", text, strlen(text), err, sizeof err);
	if (!CHECK(f->db != NULL)) {
		printf("# %s\n", err);
		return 0;
	}
	f->g = mms_grammar_new(f->db);
	f->p = mms_parser_new(f->g, 0);
	f->ix = mmc_index_new(f->g, NULL);
	return 1;
}

static void
fix_close(struct fix *f)
{
	mmc_index_free(f->ix);
	mms_parser_free(f->p);
	mms_grammar_free(f->g);
	mm_db_free(f->db);
}

/* mmc_goal_entailed() of stmt with hypotheses hyps[0..nhyps) after the
 * whole database, -2 if the statement is malformed. */
static int
entailed(struct fix *f, const char *stmt, const char *const *hyps, size_t nhyps)
{
	struct mms_stmt s;
	struct mmc_goal *cg;
	int r;

	if (!mms_stmt_init(&s, f->db, f->p, f->db->nstmts, stmt, hyps, nhyps, NULL, 0)) {
		printf("# %s: %s\n", stmt, s.msg);
		mms_stmt_release(&s);
		return -2;
	}
	cg = mmc_goal_new(f->ix, &s.goal);
	r = mmc_goal_entailed(cg);
	mmc_goal_free(cg);
	mms_stmt_release(&s);
	return r;
}

/* ---- truth tables */

static const struct {
	const char *fmt;       /* the connective applied to %s (ph, ps, ch) */
	unsigned nargs;
	unsigned table;        /* bit x: its value on arguments x (bit i: argument i) */
} conn[] = {
	{ "-. %s", 1, 0x1 },
	{ "( %s -> %s )", 2, 0xd },         /* false only at ph true, ps false (x = 1) */
	{ "( %s <-> %s )", 2, 0x9 },
	{ "( %s \\/ %s )", 2, 0xe },
	{ "( %s /\\ %s )", 2, 0x8 },
	{ "( %s \\/ %s \\/ %s )", 3, 0xfe },
	{ "( %s /\\ %s /\\ %s )", 3, 0x80 },
	{ "( %s -/\\ %s )", 2, 0x7 },
	{ "( %s \\/_ %s )", 2, 0x6 },
	{ "if- ( %s , %s , %s )", 3, 0xd8 },   /* x0 ? x1 : x2 */
	{ "hadd ( %s , %s , %s )", 3, 0x96 },  /* parity */
	{ "cadd ( %s , %s , %s )", 3, 0xe8 },  /* majority */
	{ "T.", 0, 0x1 },
	{ "F.", 0, 0x0 },
};

/* fmt with its i-th "%s" replaced by arg[i], into buf[cap]. */
static void
fill(char *buf, size_t cap, const char *fmt, const char *const *arg)
{
	size_t k = 0;
	unsigned i = 0;

	for (const char *p = fmt; *p && k + 8 < cap; p++) {
		if (p[0] == '%' && p[1] == 's') {
			k += (size_t)snprintf(buf + k, cap - k, "%s", arg[i++]);
			p++;
		} else {
			buf[k++] = *p;
		}
	}
	buf[k] = '\0';
}

/* Every row of every connective: hypotheses fix the arguments (ph or -. ph
 * for argument 0...), and the connective's value then follows (the formula
 * or its negation), its opposite does not. */
static void
tables(const char *text)
{
	static const char *const var[] = { "ph", "ps", "ch" };
	struct fix f;
	unsigned bad = 0, rows = 0;

	if (!fix_open(&f, text))
		return;
	CHECK(mmc_index_semantic(f.ix, NULL));
	for (size_t c = 0; c < sizeof conn / sizeof *conn; c++)
		for (unsigned x = 0; x < 1u << conn[c].nargs; x++) {
			char hyp[3][16], form[64], yes[80], no[80];
			const char *hp[3];
			int v = conn[c].table >> x & 1;
			for (unsigned i = 0; i < conn[c].nargs; i++) {
				snprintf(hyp[i], sizeof hyp[i], "|- %s%s", x >> i & 1 ? "" : "-. ", var[i]);
				hp[i] = hyp[i];
			}
			fill(form, sizeof form, conn[c].fmt, var);
			snprintf(yes, sizeof yes, v ? "|- %s" : "|- -. %s", form);
			snprintf(no, sizeof no, v ? "|- -. %s" : "|- %s", form);
			rows++;
			if (entailed(&f, yes, hp, conn[c].nargs) != 1 ||
			    entailed(&f, no, hp, conn[c].nargs) != 0) {
				if (bad++ < 5)
					printf("# row %u of '%s': '%s' should follow, '%s' not\n", x,
					       conn[c].fmt, yes, no);
			}
		}
	CHECK_UINT_EQ(bad, 0);
	CHECK_UINT_EQ(rows, 68);
	fix_close(&f);
}

static void
test_tables(void)
{
	tables(conn_mm);
}

static void
test_tables_frame_order(void)
{
	tables(rev_mm);
}

/* The same order in the test of a step: imi's hypothesis ( ph -> ps ),
 * instantiated by the match, must follow. */
static void
test_viable_frame_order(void)
{
	static const struct {
		const char *stmt, *hyp;
		int ok;
	} cases[] = {
		{ "|- ( ch -> ( th -> ( th -> th ) ) )", NULL, 1 },
		/* ( ( th -> th ) -> th ) does not follow from -. ch */
		{ "|- ( ch -> ( ( th -> th ) -> th ) )", "|- -. ch", 0 },
		{ "|- ( ch -> ( ( th -> th ) -> th ) )", "|- th", 1 },
	};
	struct fix f;
	struct mmc_work *w;
	struct mmc_state *st = mmc_state_new();

	if (!fix_open(&f, rev_mm)) {
		mmc_state_free(st);
		return;
	}
	w = mmc_work_new(f.ix);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct mms_stmt s;
		struct mmc_goal *cg;
		if (!mms_stmt_init(&s, f.db, f.p, f.db->nstmts, cases[i].stmt, &cases[i].hyp,
		                   cases[i].hyp != NULL, NULL, 0)) {
			CHECK(!"statement");
			mms_stmt_release(&s);
			continue;
		}
		cg = mmc_goal_new(f.ix, &s.goal);
		CHECK_INT_EQ(mmc_goal_entailed(cg), 1);
		/* (no budget mask: the subgoals have no proof in this database) */
		mmc_state_init(st, w, cg, 64, MMC_NOBUDGET);
		if (!CHECK_INT_EQ(mmc_check(w, st, mmc_token_lookup(f.ix, "imi", 3)), cases[i].ok))
			printf("# %s\n", cases[i].stmt);
		mmc_state_init(st, w, cg, 64, MMC_NOBUDGET | MMC_NOSEMANTIC);
		CHECK(mmc_check(w, st, mmc_token_lookup(f.ix, "imi", 3)));
		mmc_goal_free(cg);
		mms_stmt_release(&s);
	}
	mmc_work_free(w);
	mmc_state_free(st);
	fix_close(&f);
}

/* ---- consequences */

static void
test_entailed(void)
{
	struct fix f;
	const char *ph[] = { "|- ph" };
	const char *mp[] = { "|- ph", "|- ( ph -> ps )" };
	const char *contra[] = { "|- ph", "|- -. ph" };

	if (!fix_open(&f, conn_mm))
		return;
	CHECK_INT_EQ(entailed(&f, "|- ( ph -> ( ps -> ph ) )", NULL, 0), 1);
	CHECK_INT_EQ(entailed(&f, "|- ( ( ph -> ps ) -> ph )", NULL, 0), 0);
	CHECK_INT_EQ(entailed(&f, "|- ps", mp, 2), 1);
	CHECK_INT_EQ(entailed(&f, "|- ch", mp, 2), 0);
	/* variables only in the goal: for every value of them */
	CHECK_INT_EQ(entailed(&f, "|- ( ch -> ch )", ph, 1), 1);
	CHECK_INT_EQ(entailed(&f, "|- ( ch -> ph )", ph, 1), 1);
	CHECK_INT_EQ(entailed(&f, "|- ( ph -> ch )", ph, 1), 0);
	/* inconsistent hypotheses: everything */
	CHECK_INT_EQ(entailed(&f, "|- ch", contra, 2), 1);
	CHECK_INT_EQ(entailed(&f, "|- -. ph", contra, 2), 1);
	/* T. and F. */
	CHECK_INT_EQ(entailed(&f, "|- T.", NULL, 0), 1);
	CHECK_INT_EQ(entailed(&f, "|- -. F.", NULL, 0), 1);
	CHECK_INT_EQ(entailed(&f, "|- ph", (const char *[]){ "|- F." }, 1), 1);
	fix_close(&f);
}

/* 16 variables are judged (2^16 rows), 17 are not. */
static void
test_many_variables(void)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
	                                     "k", "l", "m", "n", "o", "p", "q" };
	char text[8192], chain[1024], stmt[1100];
	size_t k;
	struct fix f;

	k = (size_t)snprintf(text, sizeof text, HEAD "$v ph ps ch $.\n"
	                     "wph $f wff ph $.  wps $f wff ps $.  wch $f wff ch $.\n");
	for (int i = 0; i < 17; i++)
		k += (size_t)snprintf(text + k, sizeof text - k, "$v %s $.  f%s $f wff %s $.\n",
		                      names[i], names[i], names[i]);
	snprintf(text + k, sizeof text - k, "%s", CONNECTIVES "end $a |- ( ph -> ph ) $.\n");
	if (!fix_open(&f, text))
		return;
	/* ( a /\ ( b /\ ... ) ) -> a: a tautology */
	for (int nv = 16; nv <= 17; nv++) {
		size_t c = 0;
		for (int i = 0; i < nv - 1; i++)
			c += (size_t)snprintf(chain + c, sizeof chain - c, "( %s /\\ ", names[i]);
		c += (size_t)snprintf(chain + c, sizeof chain - c, "%s", names[nv - 1]);
		for (int i = 0; i < nv - 1; i++)
			c += (size_t)snprintf(chain + c, sizeof chain - c, " )");
		snprintf(stmt, sizeof stmt, "|- ( %s -> %s )", chain, names[nv - 1]);
		CHECK_INT_EQ(entailed(&f, stmt, NULL, 0), nv == 16 ? 1 : -1);
		/* the last variable alone does not follow from the first */
		snprintf(stmt, sizeof stmt, "|- ( %s -> ( a -> %s ) )", chain, names[nv - 1]);
		CHECK_INT_EQ(entailed(&f, stmt, NULL, 0), nv == 16 ? 1 : -1);
		snprintf(stmt, sizeof stmt, "|- ( ( a -> %s ) -> %s )", names[nv - 1], chain);
		CHECK_INT_EQ(entailed(&f, stmt, NULL, 0), nv == 16 ? 0 : -1);
	}
	fix_close(&f);
}

/* ---- the self-check */

static void
test_self_check(void)
{
	static const struct {
		const char *line;      /* added to the connectives */
		int on;
		const char *note;
	} cases[] = {
		{ "df-an $a |- ( ( ph /\\ ps ) <-> -. ( ph -> -. ps ) ) $.", 1, NULL },
		{ "df-an $a |- ( ( ph /\\ ps ) <-> -. ( ph -> ps ) ) $.", 0,
		  "semantic filter off: axiom 'df-an' is not a tautology under the truth tables "
		  "of the connectives" },
		/* w3o read as (ph \/ ps) \/ ch, wif with its arguments swapped */
		{ "df-3or $a |- ( ( ph \\/ ps \\/ ch ) <-> ( ( ph \\/ ps ) \\/ ch ) ) $.", 1, NULL },
		{ "df-ifp $a |- ( if- ( ph , ps , ch ) <-> ( ( ph /\\ ch ) \\/ ( -. ph /\\ ps ) ) ) $.",
		  0, NULL },
		/* an axiom with a hypothesis */
		{ "${ bad.1 $e |- ph $.  bad $a |- ps $. $}", 0,
		  "semantic filter off: axiom 'bad' does not follow from its hypotheses under the "
		  "truth tables of the connectives" },
		{ "${ ok.1 $e |- ph $.  ok.2 $e |- ( ph -> ps ) $.  ok $a |- ps $. $}", 1, NULL },
		/* a theorem whose proof is wrong (the kernel would refuse it) */
		{ "bad $p |- ( ph -> ps ) $= wph wps wi $.", 0,
		  "semantic filter off: theorem 'bad' is not a tautology under the truth tables "
		  "of the connectives" },
		/* an unfinished proof proves nothing: not checked */
		{ "open $p |- ( ph -> ps ) $= ? $.", 1, NULL },
		/* syntax the tables do not cover: not checked */
		{ "$c A. $. $v x $. vx $f wff x $. wal $a wff A. x ph $.\n"
		  "ax-gen $a |- A. x ph $.", 1, NULL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *text = with_line(cases[i].line);
		struct fix f;
		const char *note = NULL;
		if (fix_open(&f, text)) {
			if (!CHECK_INT_EQ(mmc_index_semantic(f.ix, &note), cases[i].on))
				printf("# case %zu: %s\n", i, note);
			if (cases[i].note)
				CHECK_STR_EQ(note, cases[i].note);
			/* off: nothing is judged */
			CHECK_INT_EQ(entailed(&f, "|- ( ph -> ps )", NULL, 0), cases[i].on ? 0 : -1);
			fix_close(&f);
		}
		free(text);
	}
}

/* No connective: off, and said so. A connective of another shape (wi with
 * three arguments) is not taken for one. */
static void
test_no_connectives(void)
{
	static const char none_mm[] =
		"$c ( ) -> wff |- $.\n"
		"$v ph ps ch $.\n"
		"wph $f wff ph $.  wps $f wff ps $.  wch $f wff ch $.\n"
		"wi $a wff ( ph -> ps -> ch ) $.\n"
		"ax $a |- ( ph -> ps -> ph ) $.\n";
	struct fix f;
	const char *note = NULL;

	if (!fix_open(&f, none_mm))
		return;
	CHECK(!mmc_index_semantic(f.ix, &note));
	CHECK_STR_EQ(note, "semantic filter off: no propositional connective (wn, wi, ...) in "
	             "the database");
	CHECK_INT_EQ(entailed(&f, "|- ( ph -> ps -> ch )", NULL, 0), -1);
	fix_close(&f);
}

/* Syntax the tables do not cover is never judged, in the goal or in a
 * hypothesis: A. x ph -> ph is provable in predicate calculus. */
static void
test_unknown_syntax(void)
{
	char *text = with_line("$c A. $. $v x $. vx $f wff x $. wal $a wff A. x ph $.");
	struct fix f;

	if (fix_open(&f, text)) {
		CHECK(mmc_index_semantic(f.ix, NULL));
		CHECK_INT_EQ(entailed(&f, "|- ( A. x ph -> ph )", NULL, 0), -1);
		CHECK_INT_EQ(entailed(&f, "|- ph", (const char *[]){ "|- A. x ph" }, 1), -1);
		CHECK_INT_EQ(entailed(&f, "|- ( ph -> ph )", (const char *[]){ "|- A. x ph" }, 1), -1);
		fix_close(&f);
	}
	free(text);
}

/* The direct interface: a tree's verdict, the hypotheses' state. */
static void
test_direct(void)
{
	struct fix f;
	struct mms_sem *s;
	struct mms_semwork *w;
	struct mms_semhyps *h;
	struct mms_err err;
	int32_t t[64], hy[64];
	const int32_t *hp[1] = { hy };
	uint32_t hl[1];
	mm_sym sy[16];
	uint32_t na, nt;
	long n;

	if (!fix_open(&f, conn_mm))
		return;
	s = mms_sem_new(f.g);
	w = mms_semwork_new(s);
	CHECK(mms_sem_on(s));
	mms_sem_checked(s, &na, &nt);
	CHECK_UINT_EQ(na, 7);      /* ax-mp ax-1 df-an df-ifp df-cad df-fal end */
	CHECK_UINT_EQ(nt, 1);      /* idi */
	/* |- ph as the hypothesis; the tree of ( ch -> ph ) */
	sy[0] = mm_db_sym(f.db, "|-", 2);
	sy[1] = mm_db_sym(f.db, "ph", 2);
	n = mms_parse_stmt(f.p, f.db->nstmts, sy, 2, hy, 64, &err);
	CHECK_INT_EQ(n, 1);
	hl[0] = (uint32_t)n;
	h = mms_semhyps_new(s, w, f.db->nstmts, NULL, 4, hp, hl, 1);
	CHECK(mms_semhyps_active(h));
	{
		const char *e = "|- ( ch -> ph )";
		uint32_t k = 0;
		for (const char *p = e; *p;) {
			const char *q = strchr(p, ' ');
			size_t len = q ? (size_t)(q - p) : strlen(p);
			sy[k++] = mm_db_sym(f.db, p, len);
			p += len + (q != NULL);
		}
		n = mms_parse_stmt(f.p, f.db->nstmts, sy, k, t, 64, &err);
		CHECK(n > 0);
		CHECK_INT_EQ(mms_sem_entailed(w, h, t, (uint32_t)n), MMS_SEM_YES);
		/* ( ch -> ph ) with ph and ch swapped in the tree: ( ph -> ch ) */
		if (n == 3) {
			int32_t u = t[1];
			t[1] = t[2];
			t[2] = u;
			CHECK_INT_EQ(mms_sem_entailed(w, h, t, 3), MMS_SEM_NO);
		}
	}
	mms_semhyps_free(h);
	/* inconsistent: not active (nothing is cut), everything follows */
	sy[1] = mm_db_sym(f.db, "F.", 2);
	n = mms_parse_stmt(f.p, f.db->nstmts, sy, 2, hy, 64, &err);
	hl[0] = (uint32_t)n;
	h = mms_semhyps_new(s, w, f.db->nstmts, NULL, 4, hp, hl, 1);
	CHECK(!mms_semhyps_active(h));
	CHECK_INT_EQ(mms_sem_entailed(w, h, t, 3), MMS_SEM_YES);
	mms_semhyps_free(h);
	mms_semwork_free(w);
	mms_sem_free(s);
	fix_close(&f);
}

/* The validity prefilter on whole statement texts (mms_sem_statement). */
static void
test_statement(void)
{
	struct fix f;
	struct mms_sem *s;
	struct mms_semwork *w;
	const char *h1[] = { "|- ph", "|- ( ph -> ps )" };
	const char *h2[] = { "|- ph", "|- -. ph" };
	const char *h3[] = { "|- ( ph" };
	int32_t end;

	if (!fix_open(&f, conn_mm))
		return;
	s = mms_sem_new(f.g);
	w = mms_semwork_new(s);
	end = f.db->nstmts;
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ( ph -> ( ps -> ph ) )", NULL, 0),
	             MMS_SEM_YES);
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ( ph -> ps )", NULL, 0), MMS_SEM_NO);
	/* modus ponens from the hypotheses; not the converse */
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ps", h1, 2), MMS_SEM_YES);
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ch", h1, 2), MMS_SEM_NO);
	/* inconsistent hypotheses: everything follows */
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ch", h2, 2), MMS_SEM_YES);
	/* text that does not parse, and text before the connectives exist, is not judged */
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ps", h3, 1), MMS_SEM_UNKNOWN);
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, end, "|- ( ph ->", NULL, 0), MMS_SEM_UNKNOWN);
	CHECK_INT_EQ(mms_sem_statement(s, w, f.p, mm_db_label(f.db, "wn", 2), "|- ( ph -> ph )",
	                               NULL, 0), MMS_SEM_UNKNOWN);
	mms_semwork_free(w);
	mms_sem_free(s);
	fix_close(&f);
}

int
main(void)
{
	RUN(test_statement);
	RUN(test_tables);
	RUN(test_tables_frame_order);
	RUN(test_viable_frame_order);
	RUN(test_entailed);
	RUN(test_many_variables);
	RUN(test_self_check);
	RUN(test_no_connectives);
	RUN(test_unknown_syntax);
	RUN(test_direct);
	return unit_done();
}
