/*
 * test_isabelle.c - unit tests for lib/backend/isabelle.c: the server's
 * message framing, the lexical screen, the judgement of use_theories
 * results, addresses
 *
 * The pool and the protocol's exchanges are tested against the scripted
 * server in tests/isabelle.bats.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backend/isabelle.h"
#include "msg.h"

#include "unit.h"

static void
test_frame(void)
{
	char *s, big[300];
	size_t n;

	s = isa_frame("echo", "42", &n);
	CHECK_STR_EQ(s, "echo 42\n");
	CHECK_INT_EQ(n, 8);
	free(s);
	s = isa_frame("help", NULL, &n);
	CHECK_STR_EQ(s, "help\n");
	free(s);
	/* over 100 bytes: the length (message and newline), then the message */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	s = isa_frame("echo", big, &n);
	CHECK_STR_EQ(s, unit_fmt("305\necho %s\n", big));
	CHECK_INT_EQ(n, 4 + 305);
	free(s);
	/* a newline in the argument: long, whatever the length */
	s = isa_frame("echo", "\"a\nb\"", &n);
	CHECK_STR_EQ(s, "11\necho \"a\nb\"\n");
	free(s);
}

static void
test_find_message(void)
{
	size_t start, mlen, used;
	const char *a = "OK {\"task\":\"x\"}\nNOTE 1\n";
	const char *b = "OK {}\r\n";
	const char *c = "12\nFINISHED {}\nOK\n";     /* the length counts the newline */
	const char *d = "11\nFINISHED {}OK\n";       /* no final newline in the block */
	const char *e = "13\nFINISHED";              /* the block is not all there yet */

	CHECK_INT_EQ(isa_find_message(a, strlen(a), 1000, &start, &mlen, &used), 1);
	CHECK_MEM_EQ(a + start, mlen, "OK {\"task\":\"x\"}", 15);
	CHECK_INT_EQ(used, 16);
	CHECK_INT_EQ(isa_find_message(b, strlen(b), 1000, &start, &mlen, &used), 1);
	CHECK_MEM_EQ(b + start, mlen, "OK {}", 5);
	CHECK_INT_EQ(used, 7);
	CHECK_INT_EQ(isa_find_message(c, strlen(c), 1000, &start, &mlen, &used), 1);
	CHECK_MEM_EQ(c + start, mlen, "FINISHED {}", 11);
	CHECK_INT_EQ(used, 15);
	CHECK_INT_EQ(isa_find_message(c + used, strlen(c) - used, 1000, &start, &mlen, &used), 1);
	CHECK_INT_EQ(mlen, 2);
	CHECK_INT_EQ(isa_find_message(d, strlen(d), 1000, &start, &mlen, &used), 1);
	CHECK_MEM_EQ(d + start, mlen, "FINISHED {}", 11);
	CHECK_INT_EQ(used, 14);
	CHECK_INT_EQ(isa_find_message(e, strlen(e), 1000, &start, &mlen, &used), 0);
	CHECK_INT_EQ(isa_find_message("OK", 2, 1000, &start, &mlen, &used), 0);
	CHECK_INT_EQ(isa_find_message("", 0, 1000, &start, &mlen, &used), 0);
	/* more than the limit, or a length that overflows */
	CHECK_INT_EQ(isa_find_message("1001\n", 5, 1000, &start, &mlen, &used), -1);
	CHECK_INT_EQ(isa_find_message("99999999999999999999999999\n", 27, 1000, &start, &mlen,
	                              &used), -1);
	/* an empty line is an empty short message */
	CHECK_INT_EQ(isa_find_message("\nOK\n", 4, 1000, &start, &mlen, &used), 1);
	CHECK_INT_EQ(mlen, 0);
	CHECK_INT_EQ(used, 1);
}

static void
test_split(void)
{
	size_t a, n;

	n = isa_split("FINISHED {\"ok\":true}", 20, &a);
	CHECK_INT_EQ(n, 8);
	CHECK_INT_EQ(a, 9);
	n = isa_split("OK", 2, &a);
	CHECK_INT_EQ(n, 2);
	CHECK_INT_EQ(a, 2);
	n = isa_split("echo[1,2]", 9, &a);      /* no blank before a bracket */
	CHECK_INT_EQ(n, 4);
	CHECK_INT_EQ(a, 4);
	n = isa_split("session_start  \t{}", 18, &a);
	CHECK_INT_EQ(n, 13);
	CHECK_INT_EQ(a, 16);
}

/* The screen's verdict on s: "word@line", or "" when clean. */
static const char *
screen(const char *s)
{
	long line = 0;
	const char *w = isa_forbidden(s, strlen(s), &line);

	return w ? unit_fmt("%s@%ld", w, line) : "";
}

static void
test_forbidden(void)
{
	CHECK_STR_EQ(screen("  by simp"), "");
	CHECK_STR_EQ(screen("  sorry"), "sorry@1");
	CHECK_STR_EQ(screen("  apply auto\n  oops"), "oops@2");
	CHECK_STR_EQ(screen("axiomatization where a: \"False\""), "axiomatization@1");
	CHECK_STR_EQ(screen("  using [[quick_and_dirty=true]] by simp"), "quick_and_dirty@1");
	CHECK_STR_EQ(screen("  by simp\nML \\<open>val x = 1\\<close>"), "ML@2");
	CHECK_STR_EQ(screen("  by simp\nML_file \"x.ML\""), "ML_file@2");
	CHECK_STR_EQ(screen("setup \\<open>I\\<close>"), "setup@1");
	CHECK_STR_EQ(screen("method_setup m = \\<open>x\\<close>"), "method_setup@1");
	CHECK_STR_EQ(screen("  by (tactic \\<open>all_tac\\<close>)"), "tactic@1");
	CHECK_STR_EQ(screen("  apply (raw_tactic \\<open>all_tac\\<close>)"), "raw_tactic@1");
	CHECK_STR_EQ(screen("  apply (rule_tac x=1 in exI) by simp"), "");
	CHECK_STR_EQ(screen("  \\<proof>"), "\\<proof>@1");
	CHECK_STR_EQ(screen("text \\<open>@{ML x}\\<close>"), "@{ML@1");
	CHECK_STR_EQ(screen("text \\<open>\\<^ML>\\<open>x\\<close>\\<close>"), "@{ML@1");
	CHECK_STR_EQ(screen("  by (simp add: \"@{ML_type int}\")"), "@{ML@1");
	/* comments (nested), strings, cartouches (either spelling, nested) */
	CHECK_STR_EQ(screen("(* sorry (* oops *) sorry *) by simp"), "");
	CHECK_STR_EQ(screen("\"sorry \\\" oops\" by simp"), "");
	CHECK_STR_EQ(screen("`sorry` by simp"), "");
	CHECK_STR_EQ(screen("\\<comment> \\<open>sorry \\<open>oops\\<close> ML\\<close> by simp"), "");
	CHECK_STR_EQ(screen("\xe2\x80\xb9sorry \xe2\x80\xb9oops\xe2\x80\xba ML\xe2\x80\xba by simp"), "");
	CHECK_STR_EQ(screen("{* sorry *} by simp"), "");
	CHECK_STR_EQ(screen("(* a *) sorry"), "sorry@1");
	CHECK_STR_EQ(screen("\\<open>a\\<close>\n\n sorry"), "sorry@3");
	/* words that contain the forbidden ones, or qualify them */
	CHECK_STR_EQ(screen("  using sorry_lemma oopsie Foo.sorry by simp"), "");
	CHECK_STR_EQ(screen("  using x\\<^sub>sorry MLx ML' by simp"), "");
	CHECK_STR_EQ(screen("  using sorry.foo by simp"), "");
	CHECK_STR_EQ(screen("  by simp sorry."), "sorry@1");
	CHECK_STR_EQ(screen("  by simp\\<and>sorry"), "sorry@1");
	CHECK_STR_EQ(screen("  using \\<alpha>sorry by simp"), "");
	CHECK_STR_EQ(screen("  using 1sorry by simp"), "");
	/* what does not end */
	CHECK_STR_EQ(screen("  by simp (* the rest"), "an unterminated comment@1");
	CHECK_STR_EQ(screen("  by simp\n(* (* *)"), "an unterminated comment@2");
	CHECK_STR_EQ(screen("  \"x = x"), "an unterminated string@1");
	CHECK_STR_EQ(screen("\\<open> \\<open> \\<close>"), "an unterminated cartouche@1");
	CHECK_STR_EQ(screen("{* x"), "an unterminated verbatim text@1");
	CHECK_STR_EQ(screen("\"a\\"), "an unterminated string@1");
}

static void
test_bad_context(void)
{
	const char *ok[] = { "", "Main", "Complex_Main \"HOL-Library.Sum_of_Squares\"",
	                     "imports Main", "HOL.Real\n  \"~~/src/HOL/Library/Code_Target_Nat\"",
	                     "Draft.Foo' Bar-Baz", NULL };
	const char *bad[] = { "Main begin", "Main begin axiomatization where x: False",
	                      "Main keywords \"foo\"", "Main (* *)", "Main \"unterminated",
	                      "Main \\<open>x\\<close>", "Main; ML", "Main sorry", NULL };

	for (int i = 0; ok[i]; i++)
		CHECK_STR_EQ(isa_bad_context(ok[i], strlen(ok[i])), NULL);
	for (int i = 0; bad[i]; i++)
		if (!CHECK(isa_bad_context(bad[i], strlen(bad[i])) != NULL))
			printf("# not refused: %s\n", bad[i]);
}

/* A use_theories result, in the shape of the manual's use_theories_results. */
static json_t *
result(int ok, const char *status, const char *messages, const char *errors)
{
	char *s = xasprintf(
		"{\"ok\":%s,\"errors\":%s,\"nodes\":[{\"node_name\":\"/tmp/s/d/Attempt_1.thy\","
		"\"theory_name\":\"Draft.Attempt_1\",\"status\":%s,\"messages\":%s,\"exports\":[]}],"
		"\"task\":\"t\"}", ok ? "true" : "false", errors, status, messages);
	json_t *j = json_loads(s, 0, NULL);

	free(s);
	return j;
}

#define DONE "{\"ok\":true,\"total\":4,\"unprocessed\":0,\"running\":0,\"warned\":0,\"failed\":0," \
             "\"finished\":4,\"canceled\":false,\"consolidated\":true,\"percentage\":100}"
#define FAILED1 "{\"ok\":false,\"total\":4,\"unprocessed\":0,\"running\":0,\"warned\":0,\"failed\":1," \
             "\"finished\":3,\"canceled\":false,\"consolidated\":true,\"percentage\":100}"
#define RUNNING "{\"ok\":true,\"total\":4,\"unprocessed\":1,\"running\":1,\"warned\":0,\"failed\":0," \
             "\"finished\":2,\"canceled\":false,\"consolidated\":false,\"percentage\":50}"
#define CANCELED "{\"ok\":true,\"total\":4,\"unprocessed\":0,\"running\":0,\"warned\":0,\"failed\":0," \
             "\"finished\":4,\"canceled\":true,\"consolidated\":true,\"percentage\":100}"
#define ERR "{\"kind\":\"error\",\"message\":\"Failed to finish proof\\ngoal (1 subgoal):\\n 1. False\"," \
            "\"pos\":{\"line\":3,\"offset\":60,\"end_offset\":67,\"file\":\"/tmp/s/d/Attempt_1.thy\"}}"

static void
judge(json_t *r, const char *want, int want_transient)
{
	int transient = -1;
	char *why = isa_judge(r, "Attempt_1", 1, 300, &transient);

	CHECK_STR_EQ(why, want);
	CHECK_INT_EQ(transient, want_transient);
	free(why);
	json_decref(r);
}

static void
test_judge(void)
{
	judge(result(1, DONE, "[]", "[]"), NULL, 0);
	judge(result(1, DONE, "[{\"kind\":\"writeln\",\"message\":\"x\"},"
	                      "{\"kind\":\"warning\",\"message\":\"Legacy\"}]", "[]"), NULL, 0);
	judge(result(0, FAILED1, "[" ERR "]", "[" ERR "]"),
	      "2: error: Failed to finish proof\ngoal (1 subgoal):\n 1. False", 0);
	/* an error in the header's line: the imports */
	judge(result(0, FAILED1, "[{\"kind\":\"error\",\"message\":\"Bad theory import\","
	                         "\"pos\":{\"line\":1}}]", "[]"),
	      "context: error: Bad theory import", 0);
	/* failed without a message */
	judge(result(0, FAILED1, "[]", "[]"), "isabelle: 1 command failed", 0);
	/* the server's own limit: ok, but not consolidated */
	judge(result(1, RUNNING, "[]", "[]"), "isabelle: timed out after 300 s", 1);
	/* an error before the time-out: the error, but not for the cache */
	judge(result(0, RUNNING, "[" ERR "]", "[]"),
	      "2: error: Failed to finish proof\ngoal (1 subgoal):\n 1. False", 1);
	judge(result(1, CANCELED, "[]", "[]"), "isabelle: a command was cancelled (an interrupt)", 1);
	/* not ok, with no other reason */
	judge(result(0, DONE, "[]", "[]"), "isabelle: use_theories answered \"ok\": false", 0);
	/* no node for the theory: a file that could not be read */
	judge(json_pack("{s:b,s:[{s:s,s:s,s:{}}],s:[]}", "ok", 0, "errors", "kind", "error", "message",
	                "No such file: \"/tmp/x.thy\"", "pos", "nodes"),
	      "error: No such file: \"/tmp/x.thy\"", 0);
	judge(json_pack("{s:b,s:[],s:[]}", "ok", 1, "errors", "nodes"),
	      "isabelle: no node for theory 'Attempt_1' in the use_theories result", 1);
	judge(json_pack("{s:[]}", "nodes"), "isabelle: malformed use_theories result (no 'ok')", 1);
}

static void
test_judge_long_message(void)
{
	char *big = xmalloc(5000), *s, *why;
	json_t *r;
	int transient;

	memset(big, 'a', 4999);
	big[4999] = '\0';
	s = xasprintf("[{\"kind\":\"error\",\"message\":\"%s\",\"pos\":{\"line\":2}}]", big);
	r = result(0, FAILED1, s, "[]");
	why = isa_judge(r, "Attempt_1", 1, 300, &transient);
	CHECK_INT_EQ(strlen(why), strlen("1: error: ") + 1000 + 3);
	CHECK(strcmp(why + strlen(why) - 3, "...") == 0);
	free(why);
	free(s);
	free(big);
	json_decref(r);
}

static void
test_address(void)
{
	char *h, *p;

	CHECK_INT_EQ(isa_parse_address("127.0.0.1:4711", &h, &p), 0);
	CHECK_STR_EQ(h, "127.0.0.1");
	CHECK_STR_EQ(p, "4711");
	free(h);
	free(p);
	CHECK_INT_EQ(isa_parse_address("[::1]:4711", &h, &p), 0);
	CHECK_STR_EQ(h, "::1");
	CHECK_STR_EQ(p, "4711");
	free(h);
	free(p);
	CHECK_INT_EQ(isa_parse_address("localhost:1", &h, &p), 0);
	free(h);
	free(p);
	CHECK_INT_EQ(isa_parse_address("localhost", &h, &p), -1);
	CHECK_INT_EQ(isa_parse_address("localhost:", &h, &p), -1);
	CHECK_INT_EQ(isa_parse_address(":4711", &h, &p), -1);
	CHECK_INT_EQ(isa_parse_address("h:47x", &h, &p), -1);
	CHECK_INT_EQ(isa_parse_address("[::1]4711", &h, &p), -1);
}

int
main(void)
{
	RUN(test_frame);
	RUN(test_find_message);
	RUN(test_split);
	RUN(test_forbidden);
	RUN(test_bad_context);
	RUN(test_judge);
	RUN(test_judge_long_message);
	RUN(test_address);
	return unit_done();
}
