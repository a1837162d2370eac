/*
 * test_canon.c - unit tests for lib/canon.c: statements equal up to
 * renaming of variables and reordering of hypotheses
 *
 * Hand-made cases with a toy typing (lowercase letters one type, capitals
 * another), then the whole of mm-pc's database (STP_PC_MM): every assertion
 * renamed and its hypotheses shuffled keeps its key, and the classes the
 * keys make are exactly those of a brute-force reference (the least writing
 * over every order of the hypotheses, numbering variables by first
 * occurrence) wherever the reference can enumerate the orders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "hash.h"
#include "msg.h"
#include "mm/mm.h"
#include "unit.h"

/* one-letter lowercase tokens: type 0; one-letter capitals: type 1 */
static long
toy_type(void *ctx, const char *tok, size_t len)
{
	(void)ctx;
	if (len != 1)
		return -1;
	if (tok[0] >= 'a' && tok[0] <= 'z')
		return 0;
	if (tok[0] >= 'A' && tok[0] <= 'Z')
		return 1;
	return -1;
}

static uint64_t
key(const char *concl, const char *const *h, size_t n)
{
	return canon_key(toy_type, NULL, concl, h, n);
}

static void
test_renaming(void)
{
	const char *h1[] = { "|- ( p -> q )", "|- p" };
	const char *h2[] = { "|- r", "|- ( r -> s )" };

	CHECK(key("|- ( p -> q )", NULL, 0) == key("|- ( q -> p )", NULL, 0));
	CHECK(key("|- ( p -> q )", NULL, 0) == key("|-   ( a  ->\tb )", NULL, 0));
	CHECK(key("|- q", h1, 2) == key("|- s", h2, 2));
}

static void
test_different(void)
{
	const char *h1[] = { "|- ( p -> q )" };
	const char *h2[] = { "|- ( q -> p )" };
	const char *h3[] = { "|- ( p -> q )", "|- ( p -> q )" };

	CHECK(key("|- ( p -> p )", NULL, 0) != key("|- ( p -> q )", NULL, 0));
	/* equal conclusions, different hypotheses */
	CHECK(key("|- q", h1, 1) != key("|- q", h2, 1));
	CHECK(key("|- q", h1, 1) != key("|- q", NULL, 0));
	/* a repeated hypothesis counts */
	CHECK(key("|- q", h1, 1) != key("|- q", h3, 2));
	/* variables of another type are not a renaming */
	CHECK(key("|- ( p -> A )", NULL, 0) != key("|- ( p -> q )", NULL, 0));
	CHECK(key("|- ( p -> A )", NULL, 0) == key("|- ( q -> B )", NULL, 0));
	/* constants are not variables */
	CHECK(key("|- ( p -> q )", NULL, 0) != key("|- ( p <-> q )", NULL, 0));
}

/* The syl*anc shape with many hypotheses: shuffled and renamed, one key,
 * and the refinement leaves no order to try but one. */
static void
test_many_hyps(void)
{
	const char *a[] = { "|- ( p -> q )", "|- ( p -> r )", "|- ( p -> s )", "|- ( p -> t )",
	                    "|- ( p -> u )", "|- ( p -> v )", "|- ( p -> w )", "|- ( p -> x )",
	                    "|- ( p -> y )", "|- ( ( q /\\ r /\\ s ) -> ( t /\\ u /\\ v ) -> ( w /\\ x /\\ y ) -> z )" };
	const char *b[] = { "|- ( ( b /\\ c /\\ d ) -> ( e /\\ f /\\ g ) -> ( h /\\ i /\\ j ) -> k )",
	                    "|- ( a -> j )", "|- ( a -> d )", "|- ( a -> b )", "|- ( a -> g )",
	                    "|- ( a -> c )", "|- ( a -> e )", "|- ( a -> i )", "|- ( a -> f )",
	                    "|- ( a -> h )" };
	const char *c[] = { "|- ( ( b /\\ c /\\ d ) -> ( e /\\ f /\\ g ) -> ( h /\\ i /\\ j ) -> k )",
	                    "|- ( a -> j )", "|- ( a -> d )", "|- ( a -> b )", "|- ( a -> g )",
	                    "|- ( a -> c )", "|- ( a -> e )", "|- ( a -> i )", "|- ( a -> f )",
	                    "|- ( a -> a )" };
	uint64_t ka = key("|- ( p -> z )", a, 10);

	CHECK(canon_last_orders() == 1);
	CHECK(ka == key("|- ( a -> k )", b, 10));
	CHECK(canon_last_orders() == 1);
	CHECK(ka != key("|- ( a -> k )", c, 10));
}

/* Hypotheses that no renaming tells apart and whose variables occur
 * nowhere else: 9! orders, all writing the same; one is tried. */
static void
test_symmetric(void)
{
	const char *a[] = { "|- q", "|- r", "|- s", "|- t", "|- u", "|- v", "|- w", "|- x", "|- y" };
	const char *b[] = { "|- ( q -> r )", "|- ( r -> q )", "|- ( s -> t )", "|- ( t -> s )" };
	const char *c[] = { "|- ( t -> s )", "|- ( q -> r )", "|- ( s -> t )", "|- ( r -> q )" };
	const char *d[] = { "|- ( t -> s )", "|- ( q -> r )", "|- ( s -> q )", "|- ( r -> t )" };

	(void)key("|- p", a, 9);
	CHECK(canon_last_orders() <= 9);
	CHECK(key("|- p", b, 4) == key("|- p", c, 4));
	CHECK(key("|- p", b, 4) != key("|- p", d, 4));
}

/* ---- over the database */

struct fix {
	struct mm_db *db;
};

static int
fix_open(struct fix *f)
{
	const char *path = getenv("STP_PC_MM");
	char err[512];

	if (!path) {
		unit_skip("STP_PC_MM is not set (data/mm-pc/pc.mm from make data)");
		return 0;
	}
	f->db = mm_db_load(path, err, sizeof err, NULL);
	if (!CHECK(f->db != NULL)) {
		printf("# %s\n", err);
		return 0;
	}
	return 1;
}

/* The assertion's conclusion and hypotheses as text. */
struct text {
	char *concl;
	char *hyp[64];
	size_t nh;
};

static int
text_of(const struct mm_db *db, int32_t s, struct text *t)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	char buf[65536];

	mm_expr_str(db, db->pool + st->expr, st->len, buf, sizeof buf);
	t->concl = xstrdup(buf);
	t->nh = 0;
	for (uint32_t i = 0; i < st->nhyps; i++)
		if (fr[i].var < 0) {
			if (t->nh == 64)
				return 0;
			mm_expr_str(db, db->pool + fr[i].expr, fr[i].len, buf, sizeof buf);
			t->hyp[t->nh++] = xstrdup(buf);
		}
	return 1;
}

static void
text_free(struct text *t)
{
	free(t->concl);
	for (size_t i = 0; i < t->nh; i++)
		free(t->hyp[i]);
}

static uint64_t
rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Rename every variable of text through a random permutation of the
 * database's variables of the same type. Caller frees. */
static char *
rename_text(const struct mm_db *db, const char *text, const mm_sym *perm)
{
	size_t cap = strlen(text) * 4 + 64, n = 0;
	char *out = xmalloc(cap);

	for (const char *p = text; *p;) {
		const char *q = strchr(p, ' ');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		mm_sym s = mm_db_sym(db, p, len);
		const char *w = p;
		size_t wl = len;
		if (s >= 0 && db->symkind[s] == MM_VAR) {
			w = db->syms[perm[s]].name;
			wl = strlen(w);
		}
		if (n + wl + 2 > cap)
			out = xrealloc(out, cap = 2 * (n + wl + 2));
		memcpy(out + n, w, wl);
		n += wl;
		out[n++] = ' ';
		p += len;
		while (*p == ' ')
			p++;
	}
	if (n)
		n--;
	out[n] = '\0';
	return out;
}

static void
test_db_invariance(void)
{
	struct fix f;
	uint64_t seed = 12345;
	mm_sym *perm;
	long checked = 0;

	if (!fix_open(&f))
		return;
	perm = xmalloc((size_t)f.db->nsyms * sizeof *perm);
	for (int32_t s = 0; s < f.db->nstmts; s++) {
		const struct mm_stmt *st = &f.db->stmts[s];
		struct text t;
		char *rc, *rh[64];
		size_t order[64];
		uint64_t k0, k1;
		if (!mm_is_assertion(st) || !text_of(f.db, s, &t))
			continue;
		/* a random type-preserving permutation of the variables */
		for (mm_sym v = 0; v < f.db->nsyms; v++)
			perm[v] = v;
		for (mm_sym v = f.db->nsyms - 1; v > 0; v--) {
			mm_sym u = (mm_sym)(rng(&seed) % (uint64_t)(v + 1));
			if (f.db->symkind[v] == MM_VAR && f.db->symkind[u] == MM_VAR &&
			    canon_mm_type(f.db, f.db->syms[v].name, strlen(f.db->syms[v].name)) ==
			    canon_mm_type(f.db, f.db->syms[u].name, strlen(f.db->syms[u].name))) {
				mm_sym x = perm[v];
				perm[v] = perm[u];
				perm[u] = x;
			}
		}
		for (size_t i = 0; i < t.nh; i++)
			order[i] = i;
		for (size_t i = t.nh; i > 1; i--) {
			size_t j = (size_t)(rng(&seed) % i), x = order[i - 1];
			order[i - 1] = order[j];
			order[j] = x;
		}
		rc = rename_text(f.db, t.concl, perm);
		for (size_t i = 0; i < t.nh; i++)
			rh[i] = rename_text(f.db, t.hyp[order[i]], perm);
		k0 = canon_key(canon_mm_type, f.db, t.concl, (const char *const *)t.hyp, t.nh);
		k1 = canon_key(canon_mm_type, f.db, rc, (const char *const *)rh, t.nh);
		if (!CHECK(k0 == k1))
			printf("# %s: renamed and reordered, another key\n", st->label);
		free(rc);
		for (size_t i = 0; i < t.nh; i++)
			free(rh[i]);
		text_free(&t);
		checked++;
	}
	CHECK(checked > 1400);
	free(perm);
	mm_db_free(f.db);
}

/* The brute-force reference: the least writing over all orders. */
static size_t
naive_write(const struct mm_db *db, const struct text *t, const size_t *order, int64_t *out)
{
	mm_sym map[256];
	size_t nv = 0, n = 0;

	for (size_t e = 0; e <= t->nh; e++) {
		const char *p = e == 0 ? t->concl : t->hyp[order[e - 1]];
		while (*p) {
			const char *q = strchr(p, ' ');
			size_t len = q ? (size_t)(q - p) : strlen(p);
			mm_sym s = mm_db_sym(db, p, len);
			if (db->symkind[s] == MM_VAR) {
				size_t v;
				for (v = 0; v < nv && map[v] != s; v++)
					;
				if (v == nv)
					map[nv++] = s;
				out[n++] = -(int64_t)(v + 1);
			} else {
				out[n++] = s;
			}
			p += len;
			while (*p == ' ')
				p++;
		}
		out[n++] = INT64_MIN;
	}
	return n;
}

static uint64_t
naive_key(const struct mm_db *db, const struct text *t)
{
	size_t order[8], n, nbest = 0;
	int64_t cur[4096], best[4096];

	for (size_t i = 0; i < t->nh; i++)
		order[i] = i;
	for (;;) {
		n = naive_write(db, t, order, cur);
		if (nbest == 0 || memcmp(cur, best, n * sizeof *cur) < 0) {
			/* lengths are equal: the same expressions */
			memcpy(best, cur, n * sizeof *cur);
			nbest = n;
		}
		/* next permutation */
		{
			long i = (long)t->nh - 2, j;
			while (i >= 0 && order[i] >= order[i + 1])
				i--;
			if (i < 0)
				break;
			for (j = (long)t->nh - 1; order[j] <= order[i]; j--)
				;
			size_t x = order[i];
			order[i] = order[j];
			order[j] = x;
			for (long l = i + 1, r = (long)t->nh - 1; l < r; l++, r--) {
				x = order[l];
				order[l] = order[r];
				order[r] = x;
			}
		}
	}
	return hash64(best, nbest * sizeof *best);
}

/* Classes by key = classes by the reference, over every assertion with at
 * most 7 hypotheses (all of mm-pc's but a few). */
static void
test_db_classes(void)
{
	struct fix f;
	uint64_t *k, *r;
	int32_t n = 0;
	long pairs = 0, bad = 0;

	if (!fix_open(&f))
		return;
	k = xmalloc((size_t)f.db->nstmts * sizeof *k);
	r = xmalloc((size_t)f.db->nstmts * sizeof *r);
	for (int32_t s = 0; s < f.db->nstmts; s++) {
		struct text t;
		if (!mm_is_assertion(&f.db->stmts[s]) || !text_of(f.db, s, &t))
			continue;
		if (t.nh <= 7) {
			k[n] = canon_key(canon_mm_type, f.db, t.concl, (const char *const *)t.hyp, t.nh);
			r[n] = naive_key(f.db, &t);
			n++;
		}
		text_free(&t);
	}
	for (int32_t i = 0; i < n; i++)
		for (int32_t j = i + 1; j < n; j++)
			if ((k[i] == k[j]) != (r[i] == r[j]))
				bad++;
			else
				pairs += k[i] == k[j];
	CHECK_INT_EQ(bad, 0);
	/* the propositional calculus has its twins (a2and and a2andOLD...) */
	CHECK(pairs >= 25);
	printf("# %d assertions, %ld equal pairs\n", n, pairs);
	free(k);
	free(r);
	mm_db_free(f.db);
}

/* canon_load_statements: `test` records to one set, the others to the
 * other, keys as canon_key gives them, any number of hypotheses */
static void
test_load_statements(void)
{
	struct fix f;
	struct hset64 test = { 0 }, other = { 0 };
	char path[] = "/tmp/stp-test-canon-XXXXXX";
	const char *h1[] = { "|- ps" }, *many[300];
	int fd;
	FILE *fp;

	if (!fix_open(&f))
		return;
	fd = mkstemp(path);
	if (!CHECK(fd >= 0) || !CHECK((fp = fdopen(fd, "w")) != NULL))
		return;
	fprintf(fp, "{\"id\":\"a\",\"statement\":\"|- ( ph -> ph )\",\"split\":\"test\"}\n");
	fprintf(fp, "{\"id\":\"b\",\"statement\":\"|- ph\",\"hyps\":[\"|- ps\"],"
	            "\"split\":\"train\"}\n");
	fprintf(fp, "{\"id\":\"c\",\"statement\":\"|- ch\",\"hyps\":[");
	for (int i = 0; i < 300; i++) {
		many[i] = "|- ( ph -> ch )";
		fprintf(fp, "%s\"|- ( ph -> ch )\"", i ? "," : "");
	}
	fprintf(fp, "],\"split\":\"test\"}\n");
	fclose(fp);
	canon_load_statements(f.db, path, &test, &other);
	CHECK_INT_EQ((long)test.n, 2);
	CHECK_INT_EQ((long)other.n, 1);
	/* renamed: ps for ph */
	CHECK(hset64_has(&test, canon_key(canon_mm_type, f.db, "|- ( ps -> ps )", NULL, 0)));
	CHECK(hset64_has(&other, canon_key(canon_mm_type, f.db, "|- ch", h1, 1)));
	CHECK(hset64_has(&test, canon_key(canon_mm_type, f.db, "|- ch", many, 300)));
	CHECK(!hset64_has(&test, canon_key(canon_mm_type, f.db, "|- ch", many, 299)));
	/* other NULL: only the `test` keys are kept */
	free(test.v);
	memset(&test, 0, sizeof test);
	canon_load_statements(f.db, path, &test, NULL);
	CHECK_INT_EQ((long)test.n, 2);
	unlink(path);
	free(test.v);
	free(other.v);
	mm_db_free(f.db);
}

int
main(void)
{
	msg_init("test_canon");
	RUN(test_renaming);
	RUN(test_different);
	RUN(test_many_hyps);
	RUN(test_symmetric);
	RUN(test_db_invariance);
	RUN(test_db_classes);
	RUN(test_load_statements);
	return unit_done();
}
