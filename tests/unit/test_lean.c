/*
 * test_lean.c - unit tests for lib/backend/lean.c: the REPL's framing, the
 * judgement of its replies, theorem names, lemmas
 *
 * The pool itself is tested against the scripted REPL in tests/lean.bats.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backend/lean.h"

#include "unit.h"

static void
test_theorem_name(void)
{
	char *s;

#define NAME(stmt, want)                                                  \
	do {                                                              \
		s = lean_theorem_name(stmt);                                   \
		CHECK_STR_EQ(s, want);                                    \
		free(s);                                                  \
	} while (0)
	NAME("theorem foo : 1 + 1 = 2 := by", "foo");
	NAME("lemma Nat.foo_bar' (n : Nat) : n = n := by", "Nat.foo_bar'");
	NAME("  /-- doc -/\n@[simp] private theorem foo{a : Nat} : a = a := by", "foo");
	NAME("-- comment\ntheorem mathd_algebra_10 :\n  abs (-2) = 2 := by", "mathd_algebra_10");
	NAME("theorem «my theorem» : True := by", "«my theorem»");
	NAME("theorem foo⦃a : Nat⦄ : a = a := by", "foo");
	NAME("theorem\tfoo[inst : Foo] : True := by", "foo");
	NAME("example : True := by", NULL);
	NAME("def foo : Nat := 1", "foo");
	NAME("noncomputable def exercise_2_8_6 {G H : Type*} [Group G] :\n  G ≃* G :=",
	     "exercise_2_8_6");
	NAME("instance : Foo := 1", NULL);
	NAME("theorem : True := by", NULL);
	NAME("theorems foo : True", NULL);
#undef NAME
}

static void
test_find_reply(void)
{
	size_t start = 0, used = 0, n;
	const char *a = "{\"env\":\n 0}\n\n";
	const char *b = "\n\n{\"env\": 1}\n  \r\nrest";
	const char *c = "{\"env\": 1}\n";          /* no blank line yet */
	const char *d = "{\"env\": 1}\n\n{\"env\": 2}\n\n";

	n = lean_find_reply(a, strlen(a), &start, &used);
	CHECK_INT_EQ(n, strlen(a) - 1);
	CHECK_INT_EQ(start, 0);
	CHECK_INT_EQ(used, strlen(a));
	n = lean_find_reply(b, strlen(b), &start, &used);
	CHECK_MEM_EQ(b + start, n, "{\"env\": 1}\n", 11);
	CHECK_INT_EQ(used, strlen(b) - 4);
	CHECK_INT_EQ(lean_find_reply(c, strlen(c), &start, &used), 0);
	CHECK_INT_EQ(lean_find_reply(c, 5, &start, &used), 0);
	CHECK_INT_EQ(lean_find_reply("\n\n\n", 3, &start, &used), 0);
	n = lean_find_reply(d, strlen(d), &start, &used);
	CHECK_MEM_EQ(d + start, n, "{\"env\": 1}\n", 11);
	CHECK_INT_EQ(used, 12);
}

static void
test_parse_reply(void)
{
	const char *noise = "Processing incremental state [pos: 0..3]:\nfoo\n{\"env\": 4}\n";
	json_t *j;

	j = lean_parse_reply("{\"env\":\n 3}\n", 12);
	CHECK(j && json_integer_value(json_object_get(j, "env")) == 3);
	json_decref(j);
	j = lean_parse_reply(noise, strlen(noise));
	CHECK(j && json_integer_value(json_object_get(j, "env")) == 4);
	json_decref(j);
	CHECK(lean_parse_reply("[1, 2]\n", 7) == NULL);
	CHECK(lean_parse_reply("{\"env\": \n", 9) == NULL);
	CHECK(lean_parse_reply("uncaught exception\n", 19) == NULL);
}

/* judge_axioms on a reply with one info message data. */
static char *
axioms(const char *data, const char *name)
{
	json_t *rep = json_pack("{s:i,s:[{s:s,s:{s:i,s:i},s:s}]}", "env", 2, "messages",
	                        "severity", "info", "pos", "line", 1, "column", 0, "data", data);
	int transient;
	char *why = lean_judge_axioms(rep, name, &transient);

	json_decref(rep);
	return why;
}

static void
test_judge_axioms(void)
{
	char *w;

	CHECK_STR_EQ(axioms("'foo' depends on axioms: [propext, Classical.choice, Quot.sound]", "foo"),
	             NULL);
	CHECK_STR_EQ(axioms("'foo' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]",
	                    "foo"), NULL);
	CHECK_STR_EQ(axioms("'foo' does not depend on any axioms", "foo"), NULL);
	CHECK_STR_EQ(axioms("'Ns.foo' depends on axioms: [propext]", "foo"), NULL);
	w = axioms("'foo' depends on axioms: [propext, sorryAx]", "foo");
	CHECK_STR_EQ(w, "the proof uses the axiom 'sorryAx'");
	free(w);
	w = axioms("'foo' depends on axioms: [Lean.ofReduceBool, propext]", "foo");
	CHECK_STR_EQ(w, "the proof uses the axiom 'Lean.ofReduceBool'");
	free(w);
	/* an answer about another constant is no answer */
	w = axioms("'foobar' depends on axioms: [propext]", "foo");
	CHECK_STR_EQ(w, "#print axioms foo: no answer naming the theorem");
	free(w);
	w = axioms("'foo' depends on axioms: [propext", "foo");
	CHECK_STR_EQ(w, "#print axioms foo: no answer naming the theorem");
	free(w);
}

static void
test_judge_proof(void)
{
	json_t *rep;
	int transient;
	char *w;

	rep = json_loads("{\"env\": 3}", 0, NULL);
	CHECK_STR_EQ(lean_judge_proof(rep, &transient), NULL);
	json_decref(rep);
	rep = json_loads("{\"env\": 3, \"messages\": [{\"severity\": \"warning\", \"pos\": "
	                 "{\"line\": 2, \"column\": 2}, \"data\": \"unused variable\"}, "
	                 "{\"severity\": \"error\", \"pos\": {\"line\": 3, \"column\": 4}, "
	                 "\"data\": \"unsolved goals\\n⊢ False\"}]}", 0, NULL);
	w = lean_judge_proof(rep, &transient);
	CHECK_STR_EQ(w, "3:4: error: unsolved goals\n⊢ False");
	CHECK_INT_EQ(transient, 0);
	free(w);
	json_decref(rep);
	rep = json_loads("{\"env\": 3, \"messages\": [{\"severity\": \"warning\", \"pos\": "
	                 "{\"line\": 2, \"column\": 2}, \"data\": \"unused variable\"}]}", 0, NULL);
	CHECK_STR_EQ(lean_judge_proof(rep, &transient), NULL);
	json_decref(rep);
	rep = json_loads("{\"env\": 3, \"messages\": [{\"severity\": \"warning\", \"pos\": "
	                 "{\"line\": 2, \"column\": 2}, \"data\": \"nlinarith failed\"}]}", 0, NULL);
	w = lean_judge_proof(rep, &transient);
	CHECK_STR_EQ(w, "2:2: warning: nlinarith failed");
	free(w);
	json_decref(rep);
	rep = json_loads("{\"env\": 3, \"sorries\": [{\"pos\": {\"line\": 2, \"column\": 7}, "
	                 "\"goal\": \"⊢ True\"}]}", 0, NULL);
	w = lean_judge_proof(rep, &transient);
	CHECK_STR_EQ(w, "2:7: the proof has a sorry");
	free(w);
	json_decref(rep);
	rep = json_loads("{\"message\": \"Unknown environment.\"}", 0, NULL);
	w = lean_judge_proof(rep, &transient);
	CHECK_STR_EQ(w, "lean: the REPL failed: Unknown environment.");
	CHECK_INT_EQ(transient, 1);
	free(w);
	json_decref(rep);
}

static void
test_lemmas(void)
{
	json_t *rep = json_loads(
		"{\"env\": 1, \"tactics\": [{\"usedConstants\": [\"Nat.add_comm\", \"foo.proof_1\", "
		"\"_private.X.0.y\", \"Eq.mpr\"]}, {\"usedConstants\": [\"Eq.mpr\", \"foo\", "
		"\"Foo.match_1\", \"Real.sqrt_nonneg\", \"_auxLemma.3\", \"foo_bar\"]}]}", 0, NULL);
	char *out = NULL;
	size_t len = 0, cap = 0;

	lean_put_lemmas(rep, "foo", &out, &len, &cap);
	CHECK_MEM_EQ(out, len, "[\"Eq.mpr\",\"Nat.add_comm\",\"Real.sqrt_nonneg\",\"foo_bar\"]",
	             strlen("[\"Eq.mpr\",\"Nat.add_comm\",\"Real.sqrt_nonneg\",\"foo_bar\"]"));
	free(out);
	json_decref(rep);
	CHECK(lean_internal_name("Nat.rec.eq_1", "foo"));
	CHECK(!lean_internal_name("Nat.eq_zero_of_le", "foo"));
}

static void
test_request(void)
{
	const char *cmd = "theorem t : \"a\" := by\n  simp";
	size_t n;
	char *r = lean_request(cmd, strlen(cmd), 7, 1, &n);

	CHECK_STR_EQ(r, "{\"cmd\":\"theorem t : \\\"a\\\" := by\\n  simp\",\"env\":7,"
	                "\"allTactics\":true}\n\n");
	CHECK_INT_EQ(n, strlen(r));
	free(r);
	r = lean_request("import Mathlib", 14, -1, 0, &n);
	CHECK_STR_EQ(r, "{\"cmd\":\"import Mathlib\"}\n\n");
	free(r);
}

int
main(void)
{
	RUN(test_theorem_name);
	RUN(test_find_reply);
	RUN(test_parse_reply);
	RUN(test_judge_axioms);
	RUN(test_judge_proof);
	RUN(test_lemmas);
	RUN(test_request);
	return unit_done();
}
