/*
 * test_prompt.c - the prompt formats (lib/prompt.c)
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "prompt.h"

static void
test_prover(void)
{
	struct pbuf b = { NULL, 0, 0 };
	const char *h[] = { "|- ( ph -> ps )", "|- ( ps -> ch )" };
	struct pstmt s = { "|- ( ph -> ch )", h, 2 };

	prompt_mm_prover(&b, &s);
	CHECK_STR_EQ(b.s, "<bos> <prover> <hyp> |- ( ph -> ps ) <hyp> |- ( ps -> ch ) <statement> "
	                  "|- ( ph -> ch ) <proof>");
	pbuf_reset(&b);
	prompt_mm_prover_target(&b, "mpd ps H1 a1i H2");
	CHECK_STR_EQ(b.s, "mpd ps H1 a1i H2 <eos>");
	pbuf_free(&b);
}

static void
test_conjecturer(void)
{
	struct pbuf b = { NULL, 0, 0 };
	const char *lh[] = { "|- ph", "|- ( ph -> ps )" };
	struct pstmt lem = { "|- ps", lh, 2 }, thm = { "|- ( ph -> ph )", NULL, 0 };

	prompt_mm_conjecturer(&b, "ax-mp", &lem, &thm, "mpd ( ph -> ph ) ax-1 ax-1");
	CHECK_STR_EQ(b.s, "<bos> <conjecturer> <lemma> ax-mp <hyp> |- ph <hyp> |- ( ph -> ps ) "
	                  "<statement> |- ps <theorem> <statement> |- ( ph -> ph ) <proof> mpd ( ph "
	                  "-> ph ) ax-1 ax-1 <conjecture>");
	pbuf_reset(&b);
	/* the trivial lemma: nothing between <lemma> and <theorem> */
	prompt_mm_conjecturer(&b, "", NULL, &thm, "id");
	CHECK_STR_EQ(b.s, "<bos> <conjecturer> <lemma> <theorem> <statement> |- ( ph -> ph ) "
	                  "<proof> id <conjecture>");
	pbuf_free(&b);
}

static void
test_parse(void)
{
	struct pconj c;
	char err[256];

	CHECK(prompt_mm_parse_conjecture("<hyp> |- ph <hyp> |- ( ph -> ps ) <statement> |- ps", 8,
	                                 &c, err, sizeof err) == 0);
	CHECK_STR_EQ(c.statement, "|- ps");
	CHECK(c.nhyps == 2);
	CHECK_STR_EQ(c.hyps[1], "|- ( ph -> ps )");
	prompt_conj_free(&c);
	CHECK(prompt_mm_parse_conjecture("<statement>   |- ( ph   -> ph )  ", 8, &c, err,
	                                 sizeof err) == 0);
	CHECK_STR_EQ(c.statement, "|- ( ph   -> ph )");
	prompt_conj_free(&c);

	CHECK(prompt_mm_parse_conjecture("<hyp> |- ph", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "no <statement>");
	CHECK(prompt_mm_parse_conjecture("<hyp> <statement> |- ph", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "an empty hypothesis");
	CHECK(prompt_mm_parse_conjecture("<statement>", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "an empty statement");
	CHECK(prompt_mm_parse_conjecture("|- ph <statement> |- ph", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "text before the first <hyp> or <statement>");
	CHECK(prompt_mm_parse_conjecture("<statement> |- ph <hyp> |- ps", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "'<hyp>' after the statement");
	CHECK(prompt_mm_parse_conjecture("<statement> |- ph <proof>", 8, &c, err, sizeof err) < 0);
	CHECK_STR_EQ(err, "unexpected marker '<proof>'");
	CHECK(prompt_mm_parse_conjecture("<hyp> a <hyp> b <hyp> c <statement> d", 2, &c, err,
	                                 sizeof err) < 0);
	CHECK_STR_EQ(err, "more than 2 hypotheses");
	CHECK(prompt_mm_parse_conjecture("", 8, &c, err, sizeof err) < 0);
}

static void
test_lean(void)
{
	struct pbuf b = { NULL, 0, 0 };

	/* DeepSeek-Prover-V1.5's non_cot_prompt and cot_prompt (prover/utils.py) */
	prompt_lean_prover(&b, PROMPT_LEAN_NON_COT, "import Mathlib\n", "theorem t : 1 + 1 = 2 := by");
	CHECK_STR_EQ(b.s, "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\n"
	                  "theorem t : 1 + 1 = 2 := by");
	pbuf_reset(&b);
	prompt_lean_prover(&b, PROMPT_LEAN_COT, "import Mathlib\n", "theorem t : 1 + 1 = 2 := by");
	CHECK_STR_EQ(b.s, "Complete the following Lean 4 code with explanatory comments preceding "
	                  "each line of code:\n\n```lean4\nimport Mathlib\n"
	                  "theorem t : 1 + 1 = 2 := by");
	pbuf_reset(&b);
	/* STP's get_prompt(invoke_type='conjecture'), byte for byte */
	prompt_lean_conjecturer(&b, " theorem l : a = a\n", "theorem e : b = b := by\n  exact l\n");
	CHECK_STR_EQ(b.s, "Complete the following Lean 4 code:\n\n```lean4\n<lemma>\n"
	                  "theorem l : a = a\n<easy theorem>\ntheorem e : b = b := by\n  exact l\n"
	                  "<hard theorem>\n theorem");
	pbuf_free(&b);
}

/* STP's collect_conjecture: 'theorem ' + text before </hard theorem>,
 * stripped, cut at its first ':=', then ':= by' */
static void
test_lean_parse(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ " foo (n : ℕ) : n + 0 = n := by\n  simp\n</hard theorem>", "theorem foo (n : ℕ) : n + 0 = n := by" },
		{ " foo : 1 = 1 := sorry</hard theorem>\nmore", "theorem foo : 1 = 1 := by" },
		{ " foo : 1 = 1\n</hard theorem>", "theorem foo : 1 = 1:= by" },
		{ " foo : 1 = 1", "theorem foo : 1 = 1:= by" },
		{ " foo (h : x := 2) : 1 = 1", "theorem foo (h : x := by" },
		{ " : 1 = 1 := by", NULL },
		{ "\n</hard theorem>", NULL },
		{ " foo : 1 = 1 := by\n```", NULL },
		{ " foo <lemma> : 1 = 1", NULL },
		{ " foo : 1 = 1 <easy theorem>", NULL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = prompt_lean_parse_conjecture(cases[i].in);
		if (cases[i].out)
			CHECK_STR_EQ(s ? s : "(null)", cases[i].out);
		else
			CHECK(s == NULL);
		free(s);
	}
}

static void
test_isabelle(void)
{
	struct pbuf b = { NULL, 0, 0 };

	prompt_isabelle_theory(&b, "Attempt_1", "Complex_Main", "theorem t: \"x = x\"", "  by simp");
	CHECK_STR_EQ(b.s, "theory Attempt_1 imports Complex_Main begin\ntheorem t: \"x = x\"\n"
	                  "  by simp\nend\n");
	pbuf_reset(&b);
	/* no context: Main; a leading "imports" is not doubled; newlines not doubled */
	prompt_isabelle_theory(&b, "A", NULL, "lemma l: \"True\"\n", "by simp\n");
	CHECK_STR_EQ(b.s, "theory A imports Main begin\nlemma l: \"True\"\nby simp\nend\n");
	pbuf_reset(&b);
	prompt_isabelle_header(&b, "A", "  imports Main \"HOL-Library.Sum_of_Squares\"\n");
	CHECK_STR_EQ(b.s, "theory A imports Main \"HOL-Library.Sum_of_Squares\" begin\n");
	pbuf_reset(&b);
	prompt_isabelle_header(&b, "A", "importsX");
	CHECK_STR_EQ(b.s, "theory A imports importsX begin\n");
	pbuf_reset(&b);
	prompt_isabelle_prover(&b, "Complex_Main", "theorem t: \"x = x\"");
	CHECK_STR_EQ(b.s, "Complete the following Isabelle/HOL theory:\n\n```isabelle\n"
	                  "theory Scratch imports Complex_Main begin\ntheorem t: \"x = x\"\n");
	pbuf_reset(&b);
	prompt_isabelle_conjecturer(&b, "", "lemma l: \"a = a\" by simp",
	                            "theorem e: \"b = b\" using l by simp");
	CHECK_STR_EQ(b.s, "Complete the following Isabelle/HOL theory:\n\n```isabelle\n"
	                  "theory Scratch imports Main begin\n<lemma>\nlemma l: \"a = a\" by simp\n"
	                  "</lemma>\n<easy theorem>\ntheorem e: \"b = b\" using l by simp\n"
	                  "</easy theorem>\n<hard theorem>\n");
	pbuf_free(&b);
}

int
main(void)
{
	RUN(test_prover);
	RUN(test_conjecturer);
	RUN(test_parse);
	RUN(test_lean);
	RUN(test_lean_parse);
	RUN(test_isabelle);
	return unit_done();
}
