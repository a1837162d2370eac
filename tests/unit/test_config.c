/*
 * test_config.c - unit tests for lib/config.c
 */
#include <float.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msg.h"
#include "unit.h"

/* Write text to a file named name in the tmpdir; returns its path (static). */
static const char *
yaml(const char *name, const char *text)
{
	const char *path = unit_path(name);

	CHECK_INT_EQ(unit_write_file(path, text, strlen(text)), 0);
	return path;
}

static const char good_yaml[] =
	"# a configuration\n"
	"verify:\n"
	"  jobs: 2\n"
	"  timeout_ms: 1000\n"
	"  keep_going: yes\n"
	"  db: \"set.mm\"\n"
	"model: { layers: 3, width: 128, lr: 3e-4, dropout: .5, neg: -2, pos: +7 }\n"
	"prove:\n"
	"  k: 32\n"
	"  temperature: 1.0\n"
	"  stop: [\"$.\", '\\n', plain]\n"
	"  empty: []\n"
	"  block:\n"
	"    - one\n"
	"    - two words\n"
	"  sampler:\n"
	"    top_p: 1\n"
	"    greedy: Off\n"
	"nothing:\n"
	"tilde: ~\n"
	"quoted_empty: ''\n"
	"flags: { a: true, b: FALSE, c: on, d: no }\n";

static void
test_good(void)
{
	struct config *c = config_load(yaml("good.yaml", good_yaml));
	const char *const *list;
	const char *s;
	size_t n;
	long v;
	double d;
	int b;

	CHECK_INT_EQ(config_int(c, "verify.jobs", &v, 1, 1024), 1);
	CHECK_INT_EQ(v, 2);
	CHECK_INT_EQ(config_int(c, "verify.timeout_ms", &v, 1, LONG_MAX), 1);
	CHECK_INT_EQ(v, 1000);
	CHECK_INT_EQ(config_bool(c, "verify.keep_going", &b), 1);
	CHECK_INT_EQ(b, 1);
	CHECK_INT_EQ(config_str(c, "verify.db", &s), 1);
	CHECK_STR_EQ(s, "set.mm");
	CHECK_INT_EQ(config_int(c, "model.layers", &v, 1, 64), 1);
	CHECK_INT_EQ(v, 3);
	CHECK_INT_EQ(config_int(c, "model.neg", &v, LONG_MIN, LONG_MAX), 1);
	CHECK_INT_EQ(v, -2);
	CHECK_INT_EQ(config_int(c, "model.pos", &v, LONG_MIN, LONG_MAX), 1);
	CHECK_INT_EQ(v, 7);
	CHECK_INT_EQ(config_double(c, "model.lr", &d, 0, 1), 1);
	CHECK(d == 3e-4);
	CHECK_INT_EQ(config_double(c, "model.dropout", &d, 0, 1), 1);
	CHECK(d == 0.5);
	/* An integer is a number too. */
	CHECK_INT_EQ(config_double(c, "model.width", &d, -DBL_MAX, DBL_MAX), 1);
	CHECK(d == 128.0);
	CHECK_INT_EQ(config_double(c, "prove.temperature", &d, 0, 2), 1);
	CHECK(d == 1.0);
	/* Any scalar is a string, as written. */
	CHECK_INT_EQ(config_str(c, "prove.k", &s), 1);
	CHECK_STR_EQ(s, "32");

	CHECK_INT_EQ(config_strlist(c, "prove.stop", &list, &n), 1);
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(list[0], "$.");
	CHECK_STR_EQ(list[1], "\\n");   /* single quotes keep the backslash */
	CHECK_STR_EQ(list[2], "plain");
	CHECK(list[3] == NULL);
	CHECK_INT_EQ(config_strlist(c, "prove.empty", &list, &n), 1);
	CHECK_INT_EQ(n, 0);
	CHECK(list && list[0] == NULL);
	CHECK_INT_EQ(config_strlist(c, "prove.block", &list, &n), 1);
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(list[1], "two words");
	CHECK_INT_EQ(config_int(c, "prove.sampler.top_p", &v, 0, 1), 1);
	CHECK_INT_EQ(v, 1);
	CHECK_INT_EQ(config_bool(c, "prove.sampler.greedy", &b), 1);
	CHECK_INT_EQ(b, 0);

	CHECK_INT_EQ(config_bool(c, "flags.a", &b), 1);
	CHECK_INT_EQ(b, 1);
	CHECK_INT_EQ(config_bool(c, "flags.b", &b), 1);
	CHECK_INT_EQ(b, 0);
	CHECK_INT_EQ(config_bool(c, "flags.c", &b), 1);
	CHECK_INT_EQ(b, 1);
	CHECK_INT_EQ(config_bool(c, "flags.d", &b), 1);
	CHECK_INT_EQ(b, 0);

	/* Absent and null keys: 0, out untouched. */
	v = 99;
	s = "untouched";
	CHECK_INT_EQ(config_int(c, "verify.nope", &v, 1, 2), 0);
	CHECK_INT_EQ(config_int(c, "nothing", &v, 1, 2), 0);
	CHECK_INT_EQ(config_str(c, "tilde", &s), 0);
	CHECK_INT_EQ(config_strlist(c, "nothing", &list, &n), 0);
	CHECK_INT_EQ(config_int(c, "nope.deeper", &v, 1, 2), 0);
	CHECK_INT_EQ(v, 99);
	CHECK_STR_EQ(s, "untouched");
	/* A quoted empty string is a string, not null. */
	CHECK_INT_EQ(config_str(c, "quoted_empty", &s), 1);
	CHECK_STR_EQ(s, "");

	/* Known keys pass; a null section passes. */
	{
		static const char *const vk[] = { "jobs", "timeout_ms", "keep_going", "db", NULL };
		static const char *const pk[] = { "k", "temperature", "stop", "empty", "block",
		                                  "sampler", NULL };
		static const char *const none[] = { NULL };

		config_check_keys(c, "verify", vk);
		config_check_keys(c, "prove", pk);
		config_check_keys(c, "nothing", none);
		config_check_keys(c, "absent", none);
	}
	CHECK_STR_EQ(config_path(c), unit_path("good.yaml"));
	config_free(c);
}

static void
test_empty(void)
{
	static const char *const none[] = { NULL };
	const char *texts[] = { "", "# only a comment\n", "---\n", "---\n...\n", "~\n", "\n\n" };
	struct config *c;
	size_t i;
	long v = 5;

	c = config_load(NULL);
	CHECK_STR_EQ(config_path(c), "<none>");
	CHECK_INT_EQ(config_int(c, "verify.jobs", &v, 1, 2), 0);
	config_check_keys(c, NULL, none);
	config_free(c);
	config_free(NULL);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		c = config_load(yaml("empty.yaml", texts[i]));
		CHECK_INT_EQ(config_int(c, "verify.jobs", &v, 1, 2), 0);
		config_check_keys(c, NULL, none);
		config_free(c);
	}
	CHECK_INT_EQ(v, 5);
}

/*
 * A bad file: load it, ask for key (typed by kind: 'i' int 1..1024, 'I' int
 * unbounded, 'm' int >= 1, 'd' double 0..1, 'D' double unbounded, 'b' bool,
 * 's' string, 'l' list, 'k' check keys of "verify", 't' check top-level keys,
 * 0 just load) and expect the child to die with status and message.
 */
struct bad {
	const char *text;
	int kind;
	const char *key;
	int status;
	const char *msg;   /* after "stp: FILE:" */
};

static void
child_bad(void *arg)
{
	const struct bad *t = arg;
	static const char *const known[] = { "jobs", "timeout_ms", NULL };
	static const char *const top[] = { "verify", "model", NULL };
	struct config *c = config_load(unit_path("bad.yaml"));
	const char *const *list;
	const char *s;
	size_t n;
	long v;
	double d;
	int b;

	switch (t->kind) {
	case 'i': config_int(c, t->key, &v, 1, 1024); break;
	case 'I': config_int(c, t->key, &v, LONG_MIN, LONG_MAX); break;
	case 'm': config_int(c, t->key, &v, 1, LONG_MAX); break;
	case 'd': config_double(c, t->key, &d, 0, 1); break;
	case 'D': config_double(c, t->key, &d, -DBL_MAX, DBL_MAX); break;
	case 'b': config_bool(c, t->key, &b); break;
	case 's': config_str(c, t->key, &s); break;
	case 'l': config_strlist(c, t->key, &list, &n); break;
	case 'k': config_check_keys(c, "verify", known); break;
	case 't': config_check_keys(c, NULL, top); break;
	}
	config_free(c);
}

static const struct bad bad_cases[] = {
	/* YAML syntax */
	{ "a: [1, 2\n", 0, NULL, 78,
	  "2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)" },
	{ "verify:\n\tjobs: 2\n", 0, NULL, 78, "2:1: found character that cannot start any token" },
	{ "a: 1\n b: 2\n", 0, NULL, 78, "2:3: mapping values are not allowed in this context" },
	{ "a: \"abc\n", 0, NULL, 78,
	  "2:1: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)" },
	{ "a: 1\n- b\n", 0, NULL, 78,
	  "2:1: did not find expected key (while parsing a block mapping at line 1, column 1)" },
	{ "a\xff: 1\n", 0, NULL, 78, "1:2: invalid leading UTF-8 octet" },
	{ "a: 1\nb: \x01\n", 0, NULL, 78, "2:4: control characters are not allowed" },
	/* structure */
	{ "a: 1\n---\nb: 2\n", 0, NULL, 78, "2:1: more than one YAML document" },
	{ "- a\n- b\n", 0, NULL, 78, "1:1: expected a mapping at the top level" },
	{ "just text\n", 0, NULL, 78, "1:1: expected a mapping at the top level" },
	{ "? [a, b]\n: 1\n", 0, NULL, 78, "1:3: a key must be a scalar" },
	{ "a: [[1]]\n", 0, NULL, 78, "1:5: expected a list of scalars" },
	{ "a:\n  - {b: 1}\n", 0, NULL, 78, "2:5: expected a list of scalars" },
	{ "a.b: 1\n", 0, NULL, 78, "1:1: 'a.b': dots are not allowed in keys" },
	{ "\"\": 1\n", 0, NULL, 78, "1:1: empty key" },
	{ "a: \"x\\0y\"\n", 0, NULL, 78, "1:4: NUL character in a value" },
	{ "a: {b: {c: {d: {e: {f: {g: {h: {i: {j: {k: {l: {m: {n: {o: {p: {q: 1}}}}}}}}}}}}}}}}}\n",
	  0, NULL, 78, "1:64: mappings nested too deeply" },
	/* duplicates, anchors, aliases, tags */
	{ "a: 1\na: 2\n", 0, NULL, 78, "2:1: duplicate key 'a' (first at line 1, column 1)" },
	{ "verify:\n  jobs: 1\n  jobs: 2\n", 0, NULL, 78,
	  "3:3: duplicate key 'verify.jobs' (first at line 2, column 3)" },
	{ "a: {b: 1, b: 2}\n", 0, NULL, 78, "1:11: duplicate key 'a.b' (first at line 1, column 5)" },
	{ "a: {b: 1}\na: 2\n", 0, NULL, 78, "2:1: duplicate key 'a' (first at line 1, column 1)" },
	{ "a: &x 1\nb: *x\n", 0, NULL, 78, "1:4: anchors are not supported" },
	{ "b: *x\n", 0, NULL, 78, "1:4: aliases are not supported" },
	{ "b: [1, *x]\n", 0, NULL, 78, "1:8: aliases are not supported" },
	{ "base: &b {x: 1}\nc:\n  <<: *b\n", 0, NULL, 78, "1:7: anchors are not supported" },
	{ "a: !!int 3\n", 0, NULL, 78, "1:4: tags are not supported" },
	{ "a: !custom {b: 1}\n", 0, NULL, 78, "1:4: tags are not supported" },
	{ "!!map {a: 1}\n", 0, NULL, 78, "1:1: tags are not supported" },
	/* wrong type or out of range */
	{ "verify:\n  jobs: many\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: 2000\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: 0\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: \"2\"\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: 2.0\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: 0x10\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: 12abc\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: [1]\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "verify:\n  jobs: {a: 1}\n", 'i', "verify.jobs", 78,
	  "2:9: 'verify.jobs': expected an integer from 1 to 1024" },
	{ "n: 99999999999999999999\n", 'I', "n", 78, "1:4: 'n': expected an integer" },
	{ "n: ' 5'\n", 'I', "n", 78, "1:4: 'n': expected an integer" },
	{ "n: -3\n", 'm', "n", 78, "1:4: 'n': expected an integer of at least 1" },
	{ "p: 1.5\n", 'd', "p", 78, "1:4: 'p': expected a number from 0 to 1" },
	{ "p: -0.1\n", 'd', "p", 78, "1:4: 'p': expected a number from 0 to 1" },
	{ "p: abc\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: nan\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: .inf\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: inf\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: 1e999\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: 0x1p3\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "p: 1.0.0\n", 'D', "p", 78, "1:4: 'p': expected a number" },
	{ "b: maybe\n", 'b', "b", 78, "1:4: 'b': expected a boolean (true or false)" },
	{ "b: 1\n", 'b', "b", 78, "1:4: 'b': expected a boolean (true or false)" },
	{ "b: \"true\"\n", 'b', "b", 78, "1:4: 'b': expected a boolean (true or false)" },
	{ "s: {a: 1}\n", 's', "s", 78, "1:4: 's': expected a string" },
	{ "s: [a]\n", 's', "s", 78, "1:4: 's': expected a string" },
	{ "l: a\n", 'l', "l", 78, "1:4: 'l': expected a list" },
	{ "l: {a: 1}\n", 'l', "l", 78, "1:4: 'l': expected a list" },
	/* unknown keys */
	{ "verify:\n  jobs: 2\n  jbos: 3\n", 'k', NULL, 78,
	  "3:3: unknown key 'verify.jbos' (known: jobs, timeout_ms)" },
	{ "verify: {jobs: 2, limits: {x: 1}}\n", 'k', NULL, 78,
	  "1:19: unknown key 'verify.limits' (known: jobs, timeout_ms)" },
	{ "verify: 3\n", 'k', NULL, 78, "1:9: 'verify': expected a mapping" },
	{ "verify: {jobs: 1}\nmodle: {a: 1}\n", 't', NULL, 78,
	  "2:1: unknown key 'modle' (known: verify, model)" },
};

static void
test_bad(void)
{
	struct unit_child r;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *t = &bad_cases[i];

		yaml("bad.yaml", t->text);
		unit_run(child_bad, (void *)t, &r);
		if (!CHECK_INT_EQ(r.status, t->status) ||
		    !CHECK_STR_EQ(r.err, unit_fmt("stp: %s:%s\n", unit_path("bad.yaml"), t->msg)))
			printf("#   case %zu: %s", i, t->text);
		unit_child_free(&r);
	}
}

/* Sections a tool does not own are not checked; the other keys are fine. */
static void
test_check_keys_scope(void)
{
	static const char *const vk[] = { "jobs", NULL };
	struct config *c = config_load(yaml("scope.yaml",
	        "verify: {jobs: 1}\nverifyx: {zzz: 1}\nmodel: {anything: 1}\n"));

	config_check_keys(c, "verify", vk);
	config_free(c);
}

static void
child_load(void *arg)
{
	config_free(config_load(arg));
}

static void
test_cannot_open(void)
{
	struct unit_child r;
	char *missing = strdup(unit_path("missing.yaml"));

	unit_run(child_load, missing, &r);
	CHECK_INT_EQ(r.status, EX_NOINPUT);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot open '%s': No such file or directory\n", missing));
	unit_child_free(&r);

	unit_run(child_load, (void *)unit_tmpdir(), &r);
	CHECK_INT_EQ(r.status, EX_NOINPUT);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot open '%s': Is a directory\n", unit_tmpdir()));
	unit_child_free(&r);
	free(missing);
}

/* ---- key tables */

struct opts {
	int jobs;
	int64_t seed;
	double rate, cap;
	int on, mode;
	const char *name, *none;
	const char **list;
	size_t nlist;
	long limit;
};

static const char *const modes[] = { "open", "n", "all", NULL };

#define F(f) CONFIG_FIELD(struct opts, f)
static const struct config_key keys[] = {
	{ "seed.jobs", CONFIG_INT, F(jobs), .min = 1, .max = 64 },
	{ "seed.seed", CONFIG_INT, F(seed), .min = 0, .max = 1L << 62 },
	{ "seed.rate", CONFIG_NUM, F(rate), .min = 0, .max = 1 },
	{ "seed.b.cap", CONFIG_NUM, F(cap), .min = 0, .max = 10, .has_unset = 1, .unset_value = -1 },
	{ "seed.b.on", CONFIG_BOOL, F(on) },
	{ "seed.mode", CONFIG_ENUM, F(mode), .names = modes },
	{ "reward.name", CONFIG_STR, F(name) },
	{ "reward.none", CONFIG_STR, F(none) },
	{ "reward.list", CONFIG_LIST, F(list), .off_n = offsetof(struct opts, nlist) },
	{ "reward.limit", CONFIG_INT, F(limit), .min = -1, .max = 9, .has_unset = 1, .unset_value = -1 },
	{ NULL },
};
#undef F

static void
defaults(struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->jobs = 2;
	o->seed = 1;
	o->rate = 0.5;
	o->cap = -1;
	o->limit = -1;
}

/* Read, then print: the values the file sets, the defaults of the others;
 * the output read back prints the same. */
static void
test_apply_print(void)
{
	struct config *c = config_load(yaml("t.yaml",
	        "seed: {jobs: 3, seed: 4611686018427387904, mode: all, b: {on: yes}}\n"
	        "reward: {name: \"q\\\"x\\ty\", list: [1, \"two words\", -3]}\n"));
	struct opts o;
	char *text, *again;
	size_t n;
	FILE *fp;
	static const char want[] =
		"seed:\n"
		"  jobs: 3\n"
		"  seed: 4611686018427387904\n"
		"  rate: 0.5\n"
		"  b:\n"
		"    cap: ~\n"
		"    on: true\n"
		"  mode: \"all\"\n"
		"reward:\n"
		"  name: \"q\\\"x\\ty\"\n"
		"  none: ~\n"
		"  list: [1, \"two words\", -3]\n"
		"  limit: ~\n";

	defaults(&o);
	config_apply(c, keys, &o);
	config_free(c);
	CHECK_INT_EQ(o.jobs, 3);
	CHECK_INT_EQ(o.mode, 2);
	CHECK_STR_EQ(o.name, "q\"x\ty");
	if (CHECK_INT_EQ(o.nlist, 3))
		CHECK_STR_EQ(o.list[1], "two words");
	CHECK_INT_EQ(o.list[3] == NULL, 1);
	fp = open_memstream(&text, &n);
	CHECK_INT_EQ(config_print(fp, keys, &o), 0);
	fclose(fp);
	CHECK_STR_EQ(text, want);

	/* the printed YAML reads back to the same */
	c = config_load(yaml("back.yaml", text));
	defaults(&o);
	config_apply(c, keys, &o);
	config_free(c);
	fp = open_memstream(&again, &n);
	config_print(fp, keys, &o);
	fclose(fp);
	CHECK_STR_EQ(again, text);
	free(text);
	free(again);
}

static void
child_apply(void *arg)
{
	struct config *c = config_load(arg);
	struct opts o;

	defaults(&o);
	config_apply(c, keys, &o);
	config_free(c);
}

/* The table is the list of known keys; an enum value names its choices. */
static void
test_apply_bad(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "seed: {jbos: 1}\n",
		  "1:8: unknown key 'seed.jbos' (known: jobs, seed, rate, b, mode)" },
		{ "seed: {b: {of: 1}}\n", "1:12: unknown key 'seed.b.of' (known: cap, on)" },
		{ "seed: {mode: some}\n", "1:14: 'seed.mode': expected open, n or all, got 'some'" },
		{ "reward: {list: 3}\n", "1:16: 'reward.list': expected a list" },
		{ "seed: {jobs: 65}\n", "1:14: 'seed.jobs': expected an integer from 1 to 64" },
		{ "d: 1\n", "1:1: unknown key 'd' (known: verify, model, train, prove, conjecture, "
		  "seed, reward, openai, passk, sftdata, mmdata, leandata)" },
	};
	struct unit_child r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = strdup(yaml("bad.yaml", cases[i].text));
		unit_run(child_apply, path, &r);
		CHECK_INT_EQ(r.status, EX_CONFIG);
		CHECK_STR_EQ(r.err, unit_fmt("stp: %s:%s\n", path, cases[i].msg));
		unit_child_free(&r);
		free(path);
	}
}

/* config_dump: the file's keys as it sets them, which read back the same. */
static void
test_dump(void)
{
	struct config *c = config_load(yaml("d.yaml",
	        "a: {x: 1, s: 'q', e: {}, l: [a, 2]}\nb:\n  n: ~\n"));
	char *text, *again;
	size_t n;
	FILE *fp = open_memstream(&text, &n);

	CHECK_INT_EQ(config_dump(c, fp), 0);
	fclose(fp);
	config_free(c);
	CHECK_STR_EQ(text, "a:\n  x: 1\n  s: \"q\"\n  e: {}\n  l: [\"a\", 2]\nb:\n  n: ~\n");
	c = config_load(yaml("d2.yaml", text));
	fp = open_memstream(&again, &n);
	config_dump(c, fp);
	fclose(fp);
	config_free(c);
	CHECK_STR_EQ(again, text);
	free(text);
	free(again);
}

int
main(int argc, char **argv)
{
	/* Messages are checked with the default prefix "stp". */
	RUN(test_good);
	RUN(test_empty);
	RUN(test_bad);
	RUN(test_check_keys_scope);
	RUN(test_cannot_open);
	RUN(test_apply_print);
	RUN(test_apply_bad);
	RUN(test_dump);
	return unit_done();
}
