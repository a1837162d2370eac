/*
 * test_steps.c - lib/mmsteps: the grammar, the parser, matching, the steps
 * expander and the converter
 *
 * Tiny databases are written here as strings. The round trip over mm-pc
 * (every theorem of the chapter "Propositional calculus" but trujust and tru:
 * human proof -> steps -> normal proof -> kernel) needs the database in
 * STP_PC_MM and is skipped without it.
 */
#include "unit.h"

#include <stdint.h>
#include <time.h>

#include "mm/mm.h"
#include "mmsteps/grammar.h"
#include "mmsteps/steps.h"

/* ---- fixtures */

/* A propositional calculus small enough to read: the proofs are normal. */
static const char prop_mm[] =
	"$( $j syntax 'wff'; syntax '|-' as 'wff'; $)\n"
	"$c ( ) -> -. wff |- $.\n"
	"$v ph ps ch $.\n"
	"wph $f wff ph $.\n"
	"wps $f wff ps $.\n"
	"wch $f wff ch $.\n"
	"wn $a wff -. ph $.\n"
	"wi $a wff ( ph -> ps ) $.\n"
	"ax-1 $a |- ( ph -> ( ps -> ph ) ) $.\n"
	"ax-2 $a |- ( ( ph -> ( ps -> ch ) ) -> ( ( ph -> ps ) -> ( ph -> ch ) ) ) $.\n"
	"ax-3 $a |- ( ( -. ph -> -. ps ) -> ( ps -> ph ) ) $.\n"
	"${ min $e |- ph $.  maj $e |- ( ph -> ps ) $.  ax-mp $a |- ps $. $}\n"
	"${ mp2.1 $e |- ph $.  mp2.2 $e |- ps $.  mp2.3 $e |- ( ph -> ( ps -> ch ) ) $.\n"
	"   mp2 $a |- ch $. $}\n"
	"${ a1i.1 $e |- ph $.\n"
	"   a1i $p |- ( ps -> ph ) $= wph wps wph wi a1i.1 wph wps ax-1 ax-mp $. $}\n"
	"${ mpd.1 $e |- ( ph -> ps ) $.  mpd.2 $e |- ( ph -> ( ps -> ch ) ) $.\n"
	"   mpd $p |- ( ph -> ch ) $=\n"
	"     wph wps wi wph wch wi mpd.1 wph wps wch wi wi wph wps wi wph wch wi wi\n"
	"     mpd.2 wph wps wch ax-2 ax-mp ax-mp $. $}\n"
	"id $p |- ( ph -> ph ) $= wph wph wph wi wph wph wph ax-1 wph wph wph wi ax-1 mpd $.\n"
	"$c <-> $.\n"
	"wb $a wff ( ph <-> ps ) $.\n"
	"last $a |- ( ph <-> ph ) $.\n";

/* setvar and class: cv's body is a lone setvar, wceq begins with a class. */
static const char class_mm[] =
	"$( $j syntax 'wff'; syntax 'setvar'; syntax 'class'; syntax '|-' as 'wff'; $)\n"
	"$c ( ) -> wff |- setvar class = e. { | } $.\n"
	"$v ph ps x y A B $.\n"
	"wph $f wff ph $.  wps $f wff ps $.\n"
	"vx $f setvar x $.  vy $f setvar y $.\n"
	"cA $f class A $.  cB $f class B $.\n"
	"wi $a wff ( ph -> ps ) $.\n"
	"cv $a class x $.\n"
	"wceq $a wff A = B $.\n"
	"wcel $a wff A e. B $.\n"
	"cab $a class { x | ph } $.\n"
	"ax-eq $a |- A = A $.\n"
	"end $a |- ph $.\n";

/* Two ways to read "* * ph ps", without left recursion. */
static const char ambig_mm[] =
	"$c * [ ] wff |- $.\n"
	"$v ph ps ch $.\n"
	"wph $f wff ph $.  wps $f wff ps $.  wch $f wff ch $.\n"
	"wx $a wff * ph ps $.\n"
	"wy $a wff * ph $.\n"
	"wsq $a wff [ ph ph ] $.\n"
	"end $a |- ph $.\n";

/* wff -> wff + wff: left-recursive (and no $j: '|-' falls back to 'wff'). */
static const char leftrec_mm[] =
	"$c + wff |- $.\n"
	"$v ph ps $.\n"
	"wph $f wff ph $.  wps $f wff ps $.\n"
	"wadd $a wff ph + ps $.\n"
	"end $a |- ph $.\n";

struct fix {
	struct mm_db *db;
	struct mms_grammar *g;
	struct mms_parser *p;
	struct mm_work *w;
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
	f->w = mm_work_new(f->db, NULL);
	return 1;
}

static void
fix_close(struct fix *f)
{
	mms_parser_free(f->p);
	mms_grammar_free(f->g);
	mm_work_free(f->w);
	mm_db_free(f->db);
}

static int32_t
label(const struct fix *f, const char *l)
{
	return mm_db_label(f->db, l, strlen(l));
}

/* Tokens of text in the context (as the verifier would get them). */
static int
toks(const struct fix *f, int32_t context, const char *text, mm_sym *out, size_t cap)
{
	struct mm_result res;
	int n = mm_cand_tokens(f->db, context, text, out, cap, &res);

	if (n < 0)
		printf("# mm_cand_tokens '%s': %s\n", text, res.msg);
	return n;
}

/* Parse a statement; returns its tree as labels "wi wph wps" in buf. */
static long
parse_str(struct fix *f, int32_t context, const char *text, char *buf, size_t cap,
          struct mms_err *err)
{
	mm_sym e[256];
	int32_t t[1024];
	int n = toks(f, context, text, e, 256);
	long got;
	size_t k = 0;

	buf[0] = '\0';
	if (n < 0)
		return -2;
	got = mms_parse_stmt(f->p, context, e, (uint32_t)n, t, 1024, err);
	for (long i = 0; i < got; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? " " : "",
		                      f->db->stmts[t[i]].label);
	return got;
}

/* ---- the parser */

static void
test_parse_prop(void)
{
	struct fix f;
	struct mms_err err;
	char buf[512];
	mm_sym e[64];
	int n;

	if (!fix_open(&f, prop_mm))
		return;
	CHECK_INT_EQ(f.g->ntypes, 1);
	CHECK_INT_EQ(f.g->nnotes, 0);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- ( ph -> ( ps -> ph ) )", buf, sizeof buf, &err),
	             5);
	CHECK_STR_EQ(buf, "wi wph wi wps wph");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff -. -. ph", buf, sizeof buf, &err), 3);
	CHECK_STR_EQ(buf, "wn wn wph");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- ph", buf, sizeof buf, &err), 1);
	CHECK_STR_EQ(buf, "wph");
	/* the kernel confirms */
	n = toks(&f, f.db->nstmts, "|- ( ( ph -> ps ) -> -. ( ch -> ph ) )", e, 64);
	CHECK(mms_wellformed(f.p, f.w, f.db->nstmts, e, (uint32_t)n, &err));
	fix_close(&f);
}

static void
test_parse_errors(void)
{
	struct fix f;
	struct mms_err err;
	char buf[512];
	int32_t ctx;

	if (!fix_open(&f, prop_mm))
		return;
	ctx = f.db->nstmts;
	CHECK_INT_EQ(parse_str(&f, ctx, "|- ( ph -> )", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 5: unexpected ')': expected a wff, '(', '-.'");
	CHECK_INT_EQ(err.tok, 5);
	CHECK_INT_EQ(parse_str(&f, ctx, "|- ( ph ps )", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 4: unexpected 'ps': expected '->', '<->'");
	CHECK_INT_EQ(parse_str(&f, ctx, "|- ( ph -> ps", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 5: the expression ends too early: expected ')'");
	CHECK_INT_EQ(parse_str(&f, ctx, "|- ph ps", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 3: unexpected 'ps' after a complete expression");
	CHECK_INT_EQ(parse_str(&f, ctx, "|-", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 2: expected a wff, found nothing");
	CHECK_INT_EQ(parse_str(&f, ctx, "|- ) ph", buf, sizeof buf, &err), -1);
	CHECK_STR_HAS(err.msg, "symbol 2: unexpected ')'");
	/* a typecode without a syntax type */
	CHECK_INT_EQ(parse_str(&f, ctx, "( ph )", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "symbol 1: typecode '(' has no syntax type");
	/* '<->' and wb are declared after 'id' but before 'last' */
	CHECK_INT_EQ(parse_str(&f, label(&f, "last"), "|- ( ph <-> ph )", buf, sizeof buf, &err), 3);
	{
		mm_sym e[8] = { mm_db_sym(f.db, "|-", 2), mm_db_sym(f.db, "(", 1),
		                mm_db_sym(f.db, "ph", 2), mm_db_sym(f.db, "->", 2),
		                mm_db_sym(f.db, "ph", 2), mm_db_sym(f.db, ")", 1) };
		int32_t t[16];
		/* wi itself is not before 'wi' */
		CHECK_INT_EQ(mms_parse_stmt(f.p, label(&f, "wi"), e, 6, t, 16, &err), -1);
		CHECK_STR_HAS(err.msg, "symbol 2: unexpected '('");
		/* capacity */
		CHECK_INT_EQ(mms_parse_stmt(f.p, ctx, e, 6, t, 2, &err), -1);
		CHECK_STR_EQ(err.msg, "expression larger than 2 nodes");
	}
	fix_close(&f);
}

static void
test_parse_depth(void)
{
	struct fix f;
	struct mms_err err;
	mm_sym *e;
	int32_t *t;
	uint32_t n = 0;
	mm_sym open, neg, ph, arrow, close;

	if (!fix_open(&f, prop_mm))
		return;
	open = mm_db_sym(f.db, "(", 1);
	neg = mm_db_sym(f.db, "-.", 2);
	ph = mm_db_sym(f.db, "ph", 2);
	arrow = mm_db_sym(f.db, "->", 2);
	close = mm_db_sym(f.db, ")", 1);
	e = malloc(20000 * sizeof *e);
	t = malloc(40000 * sizeof *t);
	/* 900 nested implications parse; 5000 nested negations are refused */
	for (int i = 0; i < 900; i++)
		e[n++] = open;
	e[n++] = ph;
	for (int i = 0; i < 900; i++) {
		e[n++] = arrow;
		e[n++] = ph;
		e[n++] = close;
	}
	CHECK_INT_EQ(mms_parse(f.p, f.db->nstmts, 0, e, n, t, 40000, &err), 1801);
	n = 0;
	for (int i = 0; i < 5000; i++)
		e[n++] = neg;
	e[n++] = ph;
	CHECK_INT_EQ(mms_parse(f.p, f.db->nstmts, 0, e, n, t, 40000, &err), -1);
	CHECK_STR_HAS(err.msg, "expression nested more than 1000 deep");
	/* unbalanced opening parentheses */
	for (uint32_t i = 0; i < 19000; i++)
		e[i] = open;
	CHECK_INT_EQ(mms_parse(f.p, f.db->nstmts, 0, e, 19000, t, 40000, &err), -1);
	CHECK_STR_HAS(err.msg, "nested more than");
	free(e);
	free(t);
	fix_close(&f);
}

static void
test_parse_class(void)
{
	struct fix f;
	struct mms_err err;
	char buf[512];
	mm_sym e[64];
	int n;

	if (!fix_open(&f, class_mm))
		return;
	CHECK_INT_EQ(f.g->ntypes, 3);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- x = y", buf, sizeof buf, &err), 5);
	CHECK_STR_EQ(buf, "wceq cv vx cv vy");
	/* cab's children in frame order: wph before vx */
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- { x | x e. A } = A", buf, sizeof buf, &err),
	             8);
	CHECK_STR_EQ(buf, "wceq cab wcel cv vx cA vx cA");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- ( x = y -> { y | ph } e. B )", buf, sizeof buf,
	                       &err), 11);
	CHECK_STR_EQ(buf, "wi wceq cv vx cv vy wcel cab wph vy cB");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "class x", buf, sizeof buf, &err), 2);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "setvar x", buf, sizeof buf, &err), 1);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- { A | ph } = A", buf, sizeof buf, &err), -1);
	CHECK_STR_HAS(err.msg, "symbol 3: unexpected 'A': expected a setvar");
	n = toks(&f, f.db->nstmts, "|- ( { x | ( ph -> x = A ) } = B -> y e. A )", e, 64);
	CHECK(mms_wellformed(f.p, f.w, f.db->nstmts, e, (uint32_t)n, &err));
	fix_close(&f);
}

static void
test_parse_ambiguous(void)
{
	struct fix f;
	struct mms_err err;
	char buf[512];

	if (!fix_open(&f, ambig_mm))
		return;
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff * ph", buf, sizeof buf, &err), 2);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff * ph ps", buf, sizeof buf, &err), 3);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff * * ph ps", buf, sizeof buf, &err), -1);
	CHECK_STR_EQ(err.msg, "ambiguous: more than one parse");
	/* a body variable twice: both occurrences must be the same expression */
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff [ * ps * ps ]", buf, sizeof buf, &err), 3);
	CHECK_STR_EQ(buf, "wsq wy wps");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "wff [ ps ch ]", buf, sizeof buf, &err), -1);
	/* two expressions in a row: split where only one split parses */
	{
		const char *names[] = { "*", "ph", "*", "ps", "ch" };
		mm_sym e[5];
		int32_t t[16];
		uint32_t lens[2];
		int types[2] = { 0, 0 };
		for (int i = 0; i < 5; i++)
			e[i] = mm_db_sym(f.db, names[i], strlen(names[i]));
		CHECK_INT_EQ(mms_parse_seq(f.p, f.db->nstmts, types, 2, e + 2, 3, t, 16, lens, &err),
		             3);
		CHECK_INT_EQ(lens[0], 2);   /* "* ps" "ch" is the only split of "* ps ch" */
		CHECK_INT_EQ(lens[1], 1);
		CHECK_INT_EQ(mms_parse_seq(f.p, f.db->nstmts, types, 2, e, 5, t, 16, lens, &err), -1);
		CHECK_STR_EQ(err.msg, "ambiguous: more than one parse");
	}
	/* '|-' has no $j hint and falls back to the only type */
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- * ph ps", buf, sizeof buf, &err), 3);
	fix_close(&f);
}

static void
test_parse_leftrec(void)
{
	struct fix f;
	struct mms_err err;
	char buf[512];

	if (!fix_open(&f, leftrec_mm))
		return;
	CHECK(f.g->leftrec);
	CHECK(f.g->nnotes >= 1);
	CHECK_STR_HAS(f.g->notes[f.g->nnotes - 1], "left-recursive");
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- ph", buf, sizeof buf, &err), 1);
	CHECK_INT_EQ(parse_str(&f, f.db->nstmts, "|- ph + ps", buf, sizeof buf, &err), -1);
	CHECK_STR_HAS(err.msg, "left-recursive");
	fix_close(&f);
}

/* ---- matching */

static void
test_match(void)
{
	struct fix f;
	struct mms_err err;
	const struct mms_assert *a;
	struct mms_span sub[8];
	mm_sym e[64];
	int32_t goal[64], inst[64];
	long ng;
	int n;

	if (!fix_open(&f, prop_mm))
		return;
	a = mms_assert_get(f.g, label(&f, "ax-1"));
	if (!CHECK(a != NULL && a->err == NULL))
		goto out;
	CHECK_INT_EQ(a->nhyps, 2);
	CHECK_INT_EQ(a->nwritten, 0);
	n = toks(&f, f.db->nstmts, "|- ( -. ch -> ( ( ph -> ps ) -> -. ch ) )", e, 64);
	ng = mms_parse_stmt(f.p, f.db->nstmts, e, (uint32_t)n, goal, 64, &err);
	CHECK_INT_EQ(ng, 9);
	memset(sub, 0, sizeof sub);
	CHECK(mms_match(f.g, f.g->pat + a->concl, a->nconcl, goal, (uint32_t)ng, sub));
	CHECK_INT_EQ(sub[0].n, 2);  /* ph := -. ch */
	CHECK_INT_EQ(sub[1].n, 3);  /* ps := ( ph -> ps ) */
	CHECK_UINT_EQ(mms_instantiate(f.g->pat + a->concl, a->nconcl, sub, inst, 64), (size_t)ng);
	CHECK(mms_tree_eq(inst, (uint32_t)ng, goal, (uint32_t)ng));
	/* ph occurs twice: both must agree */
	n = toks(&f, f.db->nstmts, "|- ( -. ch -> ( ( ph -> ps ) -> ch ) )", e, 64);
	ng = mms_parse_stmt(f.p, f.db->nstmts, e, (uint32_t)n, goal, 64, &err);
	memset(sub, 0, sizeof sub);
	CHECK(!mms_match(f.g, f.g->pat + a->concl, a->nconcl, goal, (uint32_t)ng, sub));
	/* mpd: ps does not occur in the conclusion */
	a = mms_assert_get(f.g, label(&f, "mpd"));
	CHECK(a && a->nwritten == 1 && a->ness == 2);
	CHECK(mms_assert_get(f.g, label(&f, "wi")) == NULL);
out:
	fix_close(&f);
}

/* ---- the expander */

struct cand {
	struct mm_cand c;
	mm_sym expr[256];
	mm_sym hyp[4][256];
	struct mms_goal goal;
};

static int
cand_open(struct fix *f, struct mms_expander *x, struct cand *k, int32_t context,
          const char *stmt, const char **hyps, int nhyps)
{
	struct mm_result res;
	struct mms_err err;
	int n;

	memset(k, 0, sizeof *k);
	k->c.context = context;
	n = toks(f, context, stmt, k->expr, 256);
	if (!CHECK(n > 0))
		return 0;
	k->c.expr = k->expr;
	k->c.len = (uint32_t)n;
	for (int i = 0; i < nhyps; i++) {
		n = toks(f, context, hyps[i], k->hyp[i], 256);
		if (!CHECK(n > 0))
			return 0;
		k->c.hyp[i] = k->hyp[i];
		k->c.hyplen[i] = (uint32_t)n;
	}
	k->c.nhyps = (uint32_t)nhyps;
	if (!CHECK(mm_cand_init(f->db, &k->c, NULL, 0, &res) == 0))
		return 0;
	if (!CHECK(mms_goal_init(&k->goal, mms_expander_parser(x), &k->c, &err) == 0)) {
		printf("# %s\n", err.msg);
		return 0;
	}
	return 1;
}

/* Expand and verify: returns 1 if the kernel accepts, 0 if the expander
 * fails (err), -1 if the kernel rejects the expansion. */
static int
expand(struct fix *f, struct mms_expander *x, struct cand *k, const char *proof,
       struct mms_err *err)
{
	const int32_t *refs;
	uint32_t n;
	struct mm_result res;

	if (mms_expand(x, &k->goal, proof, strlen(proof), &refs, &n, err) < 0)
		return 0;
	return mm_verify_cand_refs(f->db, f->w, &k->c, refs, n, &res) ? 1 : -1;
}

static void
test_expand_id(void)
{
	struct fix f;
	struct mms_expander *x;
	struct cand k;
	struct mms_err err;

	if (!fix_open(&f, prop_mm))
		return;
	x = mms_expander_new(f.g, NULL);
	if (cand_open(&f, x, &k, label(&f, "last"), "|- ( ph -> ph )", NULL, 0)) {
		CHECK_INT_EQ(expand(&f, x, &k, "mpd ( ph -> ph ) ax-1 ax-1", &err), 1);
		CHECK_STR_EQ(mms_expander_rpn(x, NULL),
		             "wph wph wph wi wph wph wph ax-1 wph wph wph wi ax-1 mpd");
		CHECK_INT_EQ(mms_expander_ntokens(x), 8);
		CHECK_INT_EQ(mms_expander_token(x, 14), 1);   /* mpd */
		CHECK_INT_EQ(mms_expander_token(x, 4), 1);    /* ( ph -> ph ), written for mpd */
		CHECK_INT_EQ(mms_expander_token(x, 8), 7);    /* the first ax-1 */
		/* whitespace of any kind */
		CHECK_INT_EQ(expand(&f, x, &k, "\n mpd\t( ph\r\n-> ph )  ax-1\fax-1 \n", &err), 1);
		CHECK_INT_EQ(expand(&f, x, &k, "id", &err), 1);
		mms_goal_release(&k.goal);
	}
	if (cand_open(&f, x, &k, label(&f, "last"), "|- ( ps -> ph )",
	              (const char *[]){ "|- ph" }, 1)) {
		CHECK_INT_EQ(expand(&f, x, &k, "a1i H1", &err), 1);
		CHECK_STR_EQ(mms_expander_rpn(x, NULL), "wph wps H1 a1i");
		CHECK_INT_EQ(expand(&f, x, &k, "ax-mp ph H1 ax-1", &err), 1);
		mms_goal_release(&k.goal);
	}
	if (cand_open(&f, x, &k, label(&f, "last"), "|- ch",
	              (const char *[]){ "|- ph", "|- ps", "|- ( ph -> ( ps -> ch ) )" }, 3)) {
		CHECK_INT_EQ(expand(&f, x, &k, "mp2 ph ps H1 H2 H3", &err), 1);
		CHECK_STR_EQ(mms_expander_rpn(x, NULL), "wph wps wch H1 H2 H3 mp2");
		CHECK_INT_EQ(expand(&f, x, &k, "mp2 ps ph H2 H1 H3", &err), 0);
		CHECK_STR_EQ(err.msg, "token 6: hypothesis H3 '|- ( ph -> ( ps -> ch ) )' is not the goal "
		                      "'|- ( ps -> ( ph -> ch ) )'");
		CHECK_INT_EQ(expand(&f, x, &k, "mp2 ph H1 H2 H3", &err), 0);
		CHECK_STR_EQ(err.msg, "token 2: in the expressions of 'mp2': after 1 complete "
		                      "expression, expected a wff, found nothing");
		CHECK_INT_EQ(expand(&f, x, &k, "mp2 ( ph -> ps ) -. ch ax-1 H2 H3", &err), 0);
		CHECK_STR_EQ(err.msg, "token 9: the conclusion of 'ax-1', '|- ( ph -> ( ps -> ph ) )', "
		                      "does not match the goal '|- ( ph -> ps )'");
		mms_goal_release(&k.goal);
	}
	mms_expander_free(x);
	fix_close(&f);
}

/* One failing proof: the expander's exact message. */
static void
check_fail(struct fix *f, struct mms_expander *x, struct cand *k, const char *proof,
           const char *msg)
{
	struct mms_err err;
	int rc = expand(f, x, k, proof, &err);

	if (!CHECK_INT_EQ(rc, 0)) {
		printf("# proof: %s\n", proof);
		return;
	}
	if (!CHECK_STR_EQ(err.msg, msg))
		printf("# proof: %s\n", proof);
	CHECK_STR_EQ(mms_expander_rpn(x, NULL), "");
}

static void
test_expand_errors(void)
{
	struct fix f;
	struct mms_expander *x;
	struct cand k;

	if (!fix_open(&f, prop_mm))
		return;
	x = mms_expander_new(f.g, NULL);
	if (!cand_open(&f, x, &k, label(&f, "id"), "|- ( ps -> ( ph -> ph ) )",
	               (const char *[]){ "|- ( ph -> ph )" }, 1))
		goto out;
	check_fail(&f, x, &k, "", "empty proof");
	check_fail(&f, x, &k, "  \n ", "empty proof");
	check_fail(&f, x, &k, "nosuch H1", "token 1: unknown label or math symbol 'nosuch'");
	check_fail(&f, x, &k, "a1i nosuch", "token 2: unknown label or math symbol 'nosuch'");
	check_fail(&f, x, &k, "id", "token 1: 'id' is not before the context 'id'");
	check_fail(&f, x, &k, "last", "token 1: 'last' is not before the context 'id'");
	check_fail(&f, x, &k, "wi", "token 1: 'wi' is a syntax axiom; steps leave syntax out");
	check_fail(&f, x, &k, "a1i.1",
	           "token 1: 'a1i.1' is a hypothesis of the database; the statement's are H1..Hk");
	check_fail(&f, x, &k, "wph",
	           "token 1: 'wph' is a hypothesis of the database; the statement's are H1..Hk");
	check_fail(&f, x, &k, "a1i H2", "token 2: no hypothesis 'H2': the statement has 1");
	check_fail(&f, x, &k, "H1",
	           "token 1: hypothesis H1 '|- ( ph -> ph )' is not the goal '|- ( ps -> ( ph -> ph ) )'");
	check_fail(&f, x, &k, "ax-2",
	           "token 1: the conclusion of 'ax-2', '|- ( ( ph -> ( ps -> ch ) ) -> ( ( ph -> ps ) -> ( ph -> ch ) ) )', does not match the goal '|- ( ps -> ( ph -> ph ) )'");
	check_fail(&f, x, &k, "a1i", "the proof ends after 1 tokens with 1 goals open, the next being '|- ( ph -> ph )'");
	check_fail(&f, x, &k, "a1i H1 H1", "token 3: the proof is complete, but 'H1' and 0 more tokens follow");
	check_fail(&f, x, &k, "a1i H1 ax-1 ax-2", "token 3: the proof is complete, but 'ax-1' and 1 more tokens follow");
	check_fail(&f, x, &k, "( ph -> ph )", "token 1: expected a step (a label or H1..Hk), found math symbol '('");
	check_fail(&f, x, &k, "a1i ph H1", "token 2: unexpected math symbol 'ph': 'a1i' takes no expressions");
	/* expressions */
	check_fail(&f, x, &k, "a1i mpd ax-1 ax-1", "token 3: 'mpd' needs 1 expression (for 'ps'), found 'ax-1'");
	check_fail(&f, x, &k, "a1i mpd", "token 3: 'mpd' needs 1 expression (for 'ps'), found the end of the proof");
	check_fail(&f, x, &k, "a1i mpd ( ph -> ) ax-1 ax-1",
	           "token 6: in the expression of 'mpd': unexpected ')': expected a wff, '(', '-.'");
	check_fail(&f, x, &k, "a1i mpd ( ph -> ph ax-1 ax-1",
	           "token 6: in the expression of 'mpd': the expression ends too early: expected ')'");
	check_fail(&f, x, &k, "a1i mpd ( ph <-> ph ) ax-1 ax-1",
	           "token 5: math symbol '<->' is declared after the context");
	check_fail(&f, x, &k, "a1i mpd ph H1 ax-2",
	           "token 5: the conclusion of 'ax-2', '|- ( ( ph -> ( ps -> ch ) ) -> ( ( ph -> ps ) -> ( ph -> ch ) ) )', does not match the goal '|- ( ph -> ( ph -> ph ) )'");
	/* what a model might write instead of a proof */
	check_fail(&f, x, &k, "a1i H1 $.", "token 3: '$.' is a Metamath keyword, not part of a proof");
	check_fail(&f, x, &k, "$= a1i H1", "token 1: '$=' is a Metamath keyword, not part of a proof");
	check_fail(&f, x, &k, "a1i H1\x01", "token 2: illegal byte 0x01");
	check_fail(&f, x, &k, "a1i \xce\xbb", "token 2: illegal byte 0xce");
	check_fail(&f, x, &k, "a1i H1 \xff", "token 3: illegal byte 0xff");
	check_fail(&f, x, &k, "a1i \xff", "token 2: illegal byte 0xff");
	check_fail(&f, x, &k, "H0", "token 1: unknown label or math symbol 'H0'");
	check_fail(&f, x, &k, "H99999999", "token 1: unknown label or math symbol 'H99999999'");
	{
		struct mms_err err;
		CHECK_INT_EQ(mms_expand(x, &k.goal, "a1i H1\0x", 8, &(const int32_t *){ NULL },
		                        &(uint32_t){ 0 }, &err), -1);
		CHECK_STR_EQ(err.msg, "token 2: illegal byte 0x00");
	}
	mms_goal_release(&k.goal);
out:
	mms_expander_free(x);
	fix_close(&f);
}

static void
test_expand_limits(void)
{
	struct fix f;
	struct mms_expander *x;
	struct cand k;
	static const struct {
		struct mms_limits lim;
		const char *msg;
	} cases[] = {
		{ { 4, 0, 0, 0 }, "token 5: the proof is longer than the limit of 4 tokens" },
		{ { 0, 12, 0, 0 }, "token 1: the expansion exceeds the limit of 12 tree nodes" },
		{ { 0, 0, 10, 0 }, "the expanded proof exceeds the limit of 10 steps" },
	};

	if (!fix_open(&f, prop_mm))
		return;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		x = mms_expander_new(f.g, &cases[i].lim);
		if (cand_open(&f, x, &k, label(&f, "last"), "|- ( ph -> ph )", NULL, 0)) {
			check_fail(&f, x, &k, "mpd ( ph -> ph ) ax-1 ax-1", cases[i].msg);
			mms_goal_release(&k.goal);
		}
		mms_expander_free(x);
	}
	fix_close(&f);
}

/* A bad statement is refused when the goal is prepared. */
static void
test_goal_errors(void)
{
	struct fix f;
	struct mms_expander *x;
	struct mms_err err;
	struct mm_cand c;
	struct mm_result res;
	mm_sym e[16], h[16];
	int n, m;

	if (!fix_open(&f, prop_mm))
		return;
	x = mms_expander_new(f.g, NULL);
	memset(&c, 0, sizeof c);
	c.context = f.db->nstmts;
	n = toks(&f, c.context, "|- ( ph -> ph )", e, 16);
	m = toks(&f, c.context, "|- ( ph ps )", h, 16);
	c.expr = e;
	c.len = (uint32_t)n;
	c.hyp[0] = h;
	c.hyplen[0] = (uint32_t)m;
	c.nhyps = 1;
	CHECK_INT_EQ(mm_cand_init(f.db, &c, NULL, 0, &res), 0);
	{
		struct mms_goal g;
		CHECK_INT_EQ(mms_goal_init(&g, mms_expander_parser(x), &c, &err), -1);
		CHECK_STR_EQ(err.msg, "hypothesis 1: symbol 4: unexpected 'ps': expected '->', '<->'");
		mms_goal_release(&g);
	}
	mms_expander_free(x);
	fix_close(&f);
}

/* ---- random input: never a crash, and an expansion the expander accepts
 * is one the kernel accepts (this database has no $d) */

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_expand_random(void)
{
	static const char *vocab[] = {
		"ax-1", "ax-2", "ax-3", "ax-mp", "a1i", "mpd", "id", "H1", "H2", "(", ")", "->", "mp2",
		"-.", "ph", "ps", "ch", "wi", "wph", "$.", "H0", "\x01", "<->", "last", "zz",
	};
	struct fix f;
	struct mms_expander *x;
	struct cand k;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int accepted = 0, kernel_no = 0, failed_empty_msg = 0;
	char proof[512];

	if (!fix_open(&f, prop_mm))
		return;
	x = mms_expander_new(f.g, NULL);
	if (!cand_open(&f, x, &k, label(&f, "last"), "|- ( ps -> ( ph -> ph ) )",
	               (const char *[]){ "|- ( ph -> ph )" }, 1))
		goto out;
	for (int it = 0; it < 50000; it++) {
		struct mms_err err;
		size_t len = 0;
		int ntok = 1 + (int)(rnd(&seed) % 12), rc;
		for (int t = 0; t < ntok; t++)
			len += (size_t)snprintf(proof + len, sizeof proof - len, "%s ",
			                        vocab[rnd(&seed) % (sizeof vocab / sizeof *vocab)]);
		rc = expand(&f, x, &k, proof, &err);
		accepted += rc == 1;
		kernel_no += rc == -1;
		if (rc == 0 && (!err.msg[0]))
			failed_empty_msg++;
		if (rc == -1 && kernel_no == 1)
			printf("# kernel rejects: %s\n", proof);
	}
	printf("# random proofs: %d accepted\n", accepted);
	CHECK(accepted > 0);
	CHECK_INT_EQ(kernel_no, 0);
	CHECK_INT_EQ(failed_empty_msg, 0);
	mms_goal_release(&k.goal);
out:
	mms_expander_free(x);
	fix_close(&f);
}

/* ---- the converter */

static void
test_convert(void)
{
	struct fix f;
	struct mms_err err;
	uint32_t ntok = 0, nrefs = 0;
	char *s;

	if (!fix_open(&f, prop_mm))
		return;
	s = mms_theorem_steps(f.g, f.w, label(&f, "id"), &ntok, &nrefs, &err);
	CHECK_STR_EQ(s, "mpd ( ph -> ph ) ax-1 ax-1");
	CHECK_INT_EQ(ntok, 8);
	CHECK_INT_EQ(nrefs, 14);
	free(s);
	s = mms_theorem_steps(f.g, f.w, label(&f, "mpd"), &ntok, &nrefs, &err);
	CHECK_STR_EQ(s, "ax-mp ( ph -> ps ) H1 ax-mp ( ph -> ( ps -> ch ) ) H2 ax-2");
	free(s);
	s = mms_theorem_steps(f.g, f.w, label(&f, "a1i"), &ntok, &nrefs, &err);
	CHECK_STR_EQ(s, "ax-mp ph H1 ax-1");
	free(s);
	/* candidate hypotheses, and proofs that are not trees */
	{
		int32_t wph = label(&f, "wph"), wps = label(&f, "wps"), wi = label(&f, "wi");
		int32_t a1i = label(&f, "a1i"), ax1 = label(&f, "ax-1");
		int32_t ok[] = { wph, wps, MM_REF_CANDHYP(0), a1i };
		int32_t under[] = { wph, a1i };
		int32_t over[] = { wph, wps, ax1, wph };
		int32_t syn[] = { wph, wps, wi };
		s = mms_steps_from_normal(f.g, -1, ok, 4, &ntok, &err);
		CHECK_STR_EQ(s, "a1i H1");
		CHECK_INT_EQ(ntok, 2);
		free(s);
		CHECK(mms_steps_from_normal(f.g, -1, under, 2, &ntok, &err) == NULL);
		CHECK_STR_EQ(err.msg, "step 2: 'a1i' needs 3 hypotheses, the stack holds 1");
		CHECK(mms_steps_from_normal(f.g, -1, over, 4, &ntok, &err) == NULL);
		CHECK_STR_EQ(err.msg, "the proof leaves 2 entries on the stack, not 1");
		CHECK(mms_steps_from_normal(f.g, -1, syn, 3, &ntok, &err) == NULL);
		CHECK_STR_EQ(err.msg,
		             "step 3: 'wi' cannot be written in steps: a syntax step where a proof step belongs");
	}
	fix_close(&f);
}

/* ---- mm-pc: every theorem of the chapter, both ways */

/* The first statement of the chapter "Propositional calculus": the first one
 * whose line is past the chapter's heading. */
static int32_t
chapter_start(const struct mm_db *db, const char *path)
{
	char *text = unit_read_file(path, NULL);
	const char *p, *h = NULL;
	int line = 1;
	int32_t lo = 0, hi = db->nstmts;

	if (!text)
		return -1;
	/* "#*#*#..." then a line that is "Propositional calculus", indented */
	for (p = strstr(text, "\n#*#*#"); p && !h; p = strstr(p + 1, "\n#*#*#")) {
		const char *q = strchr(p + 1, '\n');
		if (!q)
			break;
		while (*++q == ' ')
			;
		if (!strncmp(q, "Propositional calculus\n", 23))
			h = q;
	}
	if (!h) {
		free(text);
		return -1;
	}
	for (p = text; p < h; p++)
		line += *p == '\n';
	free(text);
	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;
		if (mm_stmt_line(db, mid) <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct pc_thm {
	int32_t s;
	struct mm_cand c;
	struct mms_goal goal;
	char *steps;
	uint32_t ntok, nrefs;
};

/* Make theorem s a candidate in its own place. */
static int
pc_cand(struct fix *f, struct mms_expander *x, struct pc_thm *t)
{
	const struct mm_stmt *st = &f->db->stmts[t->s];
	const int32_t *mh = mm_stmt_hyps(f->db, t->s);
	struct mm_result res;
	struct mms_err err;

	memset(&t->c, 0, sizeof t->c);
	t->c.context = t->s;
	t->c.expr = mm_stmt_expr(f->db, t->s);
	t->c.len = st->len;
	for (uint32_t j = 0; j < st->nhyps; j++)
		if (f->db->stmts[mh[j]].kind == MM_E) {
			t->c.hyp[t->c.nhyps] = mm_stmt_expr(f->db, mh[j]);
			t->c.hyplen[t->c.nhyps++] = f->db->stmts[mh[j]].len;
		}
	if (mm_cand_init(f->db, &t->c, NULL, 0, &res) < 0) {
		printf("# %s: %s\n", st->label, res.msg);
		return 0;
	}
	if (mms_goal_init(&t->goal, mms_expander_parser(x), &t->c, &err) < 0) {
		printf("# %s: %s\n", st->label, err.msg);
		return 0;
	}
	return 1;
}

/* Damage a proof: drop, duplicate or replace a token. */
static void
mutate(const char *in, char *out, size_t cap, uint64_t *seed, const struct mm_db *db)
{
	const char *tok[256];
	size_t len[256], n = 0, k = 0;
	const char *p = in;

	while (*p && n < 256) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tok[n] = p;
		while (*p && *p != ' ')
			p++;
		len[n] = (size_t)(p - tok[n]);
		n++;
	}
	if (!n) {
		out[0] = '\0';
		return;
	}
	{
		size_t at = rnd(seed) % n, what = rnd(seed) % 3;
		int32_t other = (int32_t)(rnd(seed) % (uint64_t)db->nstmts);
		out[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (i == at && what == 0)
				continue;
			k += (size_t)snprintf(out + k, cap - k, "%.*s ", (int)len[i], tok[i]);
			if (k >= cap)
				return;
			if (i == at && what == 1)
				k += (size_t)snprintf(out + k, cap - k, "%.*s ", (int)len[i], tok[i]);
			if (i == at && what == 2)
				k += (size_t)snprintf(out + k, cap - k, "%s ", db->stmts[other].label);
			if (k >= cap)
				return;
		}
	}
}

static void
test_pc_roundtrip(void)
{
	const char *path = getenv("STP_PC_MM");
	struct fix f;
	struct mms_expander *x;
	struct pc_thm *th;
	uint32_t *ntok, *nrefs, nth = 0, fails = 0;
	int32_t start;
	double t0, secs, secs2;
	long nexp = 0, nexp2;
	uint64_t seed = 42;
	int mutants_ok = 0, mutants_bad = 0;

	if (!path || !*path) {
		unit_skip("STP_PC_MM is not set (data/mm-pc/pc.mm from make data)");
		return;
	}
	{
		char *text = unit_read_file(path, NULL);
		if (!CHECK(text != NULL))
			return;
		if (!fix_open(&f, text)) {
			free(text);
			return;
		}
		free(text);
	}
	start = chapter_start(f.db, path);
	if (!CHECK(start > 0))
		goto out_db;
	x = mms_expander_new(f.g, NULL);
	th = calloc((size_t)f.db->nstmts, sizeof *th);
	ntok = calloc((size_t)f.db->nstmts, sizeof *ntok);
	nrefs = calloc((size_t)f.db->nstmts, sizeof *nrefs);
	for (int32_t s = start; s < f.db->nstmts; s++) {
		const struct mm_stmt *st = &f.db->stmts[s];
		struct pc_thm *t = &th[nth];
		struct mms_err err;
		const int32_t *refs;
		uint32_t n;
		struct mm_result res;
		mm_sym const *e;
		if (st->kind != MM_P || !strcmp(st->label, "trujust") || !strcmp(st->label, "tru"))
			continue;
		t->s = s;
		/* the statement is well-formed, by the parse and the kernel */
		e = mm_stmt_expr(f.db, s);
		if (!CHECK(mms_wellformed(f.p, f.w, s, e, st->len, &err)))
			printf("# %s: %s\n", st->label, err.msg);
		t->steps = mms_theorem_steps(f.g, f.w, s, &t->ntok, &t->nrefs, &err);
		if (!t->steps) {
			printf("# %s: %s\n", st->label, err.msg);
			fails++;
			continue;
		}
		if (!pc_cand(&f, x, t)) {
			fails++;
			free(t->steps);
			continue;
		}
		if (mms_expand(x, &t->goal, t->steps, strlen(t->steps), &refs, &n, &err) < 0) {
			printf("# %s: %s: %s\n", st->label, t->steps, err.msg);
			fails++;
		} else if (!mm_verify_cand_refs(f.db, f.w, &t->c, refs, n, &res)) {
			printf("# %s: %s: kernel: %s\n", st->label, t->steps, res.msg);
			fails++;
		}
		if (!strcmp(st->label, "id"))
			CHECK_STR_EQ(t->steps, "mpd ( ph -> ph ) ax-1 ax-1");
		ntok[nth] = t->ntok;
		nrefs[nth] = t->nrefs;
		nth++;
	}
	CHECK_INT_EQ(nth, 1482);
	CHECK_INT_EQ(fails, 0);
	/* throughput: every proof, expansion only (one core) */
	t0 = now();
	do {
		for (uint32_t i = 0; i < nth; i++) {
			const int32_t *refs;
			uint32_t n;
			struct mms_err err;
			if (th[i].steps)
				mms_expand(x, &th[i].goal, th[i].steps, strlen(th[i].steps), &refs, &n, &err);
			nexp++;
		}
		secs = now() - t0;
	} while (secs < 0.5);
	/* and with the kernel's check, as stp-verify will do */
	t0 = now();
	nexp2 = 0;
	do {
		for (uint32_t i = 0; i < nth; i++) {
			const int32_t *refs;
			uint32_t n;
			struct mms_err err;
			struct mm_result res;
			if (th[i].steps &&
			    mms_expand(x, &th[i].goal, th[i].steps, strlen(th[i].steps), &refs, &n, &err) == 0)
				mm_verify_cand_refs(f.db, f.w, &th[i].c, refs, n, &res);
			nexp2++;
		}
		secs2 = now() - t0;
	} while (secs2 < 0.5);
	/* damaged proofs: what the expander accepts, the kernel accepts */
	for (uint32_t i = 0; i < nth; i++)
		for (int m = 0; m < 8 && th[i].steps; m++) {
			char buf[4096];
			const int32_t *refs;
			uint32_t n;
			struct mms_err err;
			struct mm_result res;
			if (strlen(th[i].steps) > 2000)
				break;
			mutate(th[i].steps, buf, sizeof buf, &seed, f.db);
			if (mms_expand(x, &th[i].goal, buf, strlen(buf), &refs, &n, &err) < 0) {
				CHECK(err.msg[0] != '\0');
				continue;
			}
			if (mm_verify_cand_refs(f.db, f.w, &th[i].c, refs, n, &res))
				mutants_ok++;
			else if (mutants_bad++ < 5)
				printf("# mutant of %s rejected by the kernel: %s: %s\n",
				       f.db->stmts[th[i].s].label, buf, res.msg);
		}
	CHECK_INT_EQ(mutants_bad, 0);
	qsort(ntok, nth, sizeof *ntok, cmp_u32);
	qsort(nrefs, nth, sizeof *nrefs, cmp_u32);
	printf("# mm-pc: %u theorems; steps tokens median %u max %u; normal rpn labels median %u "
	       "max %u\n", nth, ntok[nth / 2], ntok[nth - 1], nrefs[nth / 2], nrefs[nth - 1]);
	printf("# mm-pc: one core: %.0f expansions/s, %.0f expansions+kernel checks/s; "
	       "%d damaged proofs still correct\n", (double)nexp / secs, (double)nexp2 / secs2,
	       mutants_ok);
	for (uint32_t i = 0; i < nth; i++) {
		free(th[i].steps);
		mms_goal_release(&th[i].goal);
	}
	free(th);
	free(ntok);
	free(nrefs);
	mms_expander_free(x);
out_db:
	fix_close(&f);
}

/* Hi: "H1".."H99999", the 0-based index; anything else is no hypothesis */
static void
test_hyp_index(void)
{
	static const char *const no[] = {
		"H", "H0", "H01", "H100000", "h1", "H1a", "Ha", "H-1", "H 1", "HH1", "1", "",
	};

	CHECK_INT_EQ(mms_hyp_index("H1", 2), 0);
	CHECK_INT_EQ(mms_hyp_index("H9", 2), 8);
	CHECK_INT_EQ(mms_hyp_index("H10", 3), 9);
	CHECK_INT_EQ(mms_hyp_index("H64", 3), 63);
	CHECK_INT_EQ(mms_hyp_index("H99999", 6), 99998);
	/* the length given, not the NUL, ends the token */
	CHECK_INT_EQ(mms_hyp_index("H12 ax-1", 3), 11);
	CHECK_INT_EQ(mms_hyp_index("H12", 2), 0);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (!CHECK_INT_EQ(mms_hyp_index(no[i], strlen(no[i])), -1))
			printf("# token '%s'\n", no[i]);
}

int
main(void)
{
	RUN(test_parse_prop);
	RUN(test_parse_errors);
	RUN(test_parse_depth);
	RUN(test_parse_class);
	RUN(test_parse_ambiguous);
	RUN(test_parse_leftrec);
	RUN(test_match);
	RUN(test_hyp_index);
	RUN(test_expand_id);
	RUN(test_expand_errors);
	RUN(test_expand_limits);
	RUN(test_goal_errors);
	RUN(test_expand_random);
	RUN(test_convert);
	RUN(test_pc_roundtrip);
	return unit_done();
}
