/*
 * test_jscan.c - unit tests for lib/jscan.c's duplicate-key check
 *
 * Small objects compare every pair; large ones sort hashed keys. Both must
 * name the same key (the first that repeats an earlier one), for plain and
 * escaped keys ("\u006b1" is "k1"), and a large object without duplicates
 * must pass. Times are printed, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jscan.h"
#include "msg.h"
#include "unit.h"

/* {"k0":0,"k1":1,...}, key i written escaped when esc says so; dup >= 0
 * makes key n-1 repeat key dup. Caller frees. */
static char *
object(size_t n, int esc, long dup, size_t *len)
{
	size_t cap = n * 24 + 16, k = 0;
	char *s = xmalloc(cap);

	s[k++] = '{';
	for (size_t i = 0; i < n; i++) {
		size_t key = dup >= 0 && i == n - 1 ? (size_t)dup : i;
		k += (size_t)snprintf(s + k, cap - k, "%s\"%sk%zu\":%zu", i ? "," : "",
		                      esc && i % 2 ? "\\u0020" : "", key, i);
	}
	s[k++] = '}';
	s[k] = '\0';
	*len = k;
	return s;
}

static int
scan(const char *s, size_t len, struct jsonl_err *err)
{
	struct jscan js;
	int r;

	jscan_init(&js);
	r = jscan_object(&js, s, len, "x", 1, err);
	jscan_release(&js);
	return r;
}

static void
test_small(void)
{
	struct jsonl_err err;
	const char *a = "{\"a\":1,\"b\":2,\"a\":3}";
	const char *b = "{\"k1\":1,\"\\u006b1\":2}";

	CHECK_INT_EQ(scan(a, strlen(a), &err), -1);
	CHECK_STR_EQ(err.msg, "x:1: duplicate key 'a'");
	CHECK_INT_EQ(scan(b, strlen(b), &err), -1);
	CHECK_STR_EQ(err.msg, "x:1: duplicate key 'k1'");
}

static void
test_large(void)
{
	struct jsonl_err err;
	size_t len;
	char *s;

	s = object(5000, 0, -1, &len);
	CHECK_INT_EQ(scan(s, len, &err), 0);
	free(s);
	s = object(5000, 1, -1, &len);
	CHECK_INT_EQ(scan(s, len, &err), 0);
	free(s);
	/* the last key repeats key 17 */
	s = object(5000, 0, 17, &len);
	CHECK_INT_EQ(scan(s, len, &err), -1);
	CHECK_STR_EQ(err.msg, "x:1: duplicate key 'k17'");
	free(s);
	/* escaped: "\u006b9" is "k9" */
	{
		char *t = object(3000, 0, -1, &len), *u = xmalloc(len + 32);
		snprintf(u, len + 32, "%.*s,\"\\u006b9\":1}", (int)(len - 1), t);
		CHECK_INT_EQ(scan(u, strlen(u), &err), -1);
		CHECK_STR_EQ(err.msg, "x:1: duplicate key 'k9'");
		free(t);
		free(u);
	}
	/* two repeats: the first key (in the object) that repeats is named */
	{
		const char *v = "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1,"
		                "\"j\":1,\"k\":1,\"l\":1,\"m\":1,\"n\":1,\"o\":1,\"p\":1,\"q\":1,"
		                "\"c\":2,\"a\":2}";
		CHECK_INT_EQ(scan(v, strlen(v), &err), -1);
		CHECK_STR_EQ(err.msg, "x:1: duplicate key 'c'");
	}
}

/* 100,000 plain keys, 10,000 escaped ones: printed (they took 12 s and 9 s
 * when every pair was compared) */
static void
test_speed(void)
{
	struct jsonl_err err;
	size_t len;
	char *s = object(100000, 0, -1, &len);
	clock_t t0 = clock();

	CHECK_INT_EQ(scan(s, len, &err), 0);
	printf("# 100,000 plain keys: %.3f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(s);
	s = object(10000, 1, -1, &len);
	t0 = clock();
	CHECK_INT_EQ(scan(s, len, &err), 0);
	printf("# 10,000 keys, half escaped: %.3f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(s);
}

/* jscan_emit drops the named fields, an escaped key that decodes to one
 * too, and keeps the rest byte for byte */
static void
test_emit_drop(void)
{
	struct jscan js;
	struct jsonl_err err;
	const char *rec = "{\"\\u006fk\":true,\"x\":1,\"\\u0079\":[2],\"error\":\"e\"}";
	const char *const drop[] = { "ok", "error", NULL };
	char *out = NULL;
	size_t len = 0, cap = 0;

	jscan_init(&js);
	CHECK_INT_EQ(jscan_object(&js, rec, strlen(rec), "x", 1, &err), 0);
	jscan_emit(&js, drop, "\"ok\":false", 10, &out, &len, &cap);
	{
		const char *want = "{\"x\":1,\"\\u0079\":[2],\"ok\":false}\n";
		CHECK_MEM_EQ(out, len, want, strlen(want));
	}
	free(out);
	jscan_release(&js);
}

int
main(void)
{
	msg_init("test_jscan");
	RUN(test_small);
	RUN(test_large);
	RUN(test_emit_drop);
	RUN(test_speed);
	return unit_done();
}
