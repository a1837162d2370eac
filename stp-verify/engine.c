/*
 * engine.c - verify one attempt record (see engine.h)
 *
 * A record's statement, hypotheses, $d pairs and context make a candidate
 * (lib/mm); its proof is expanded from `steps` (lib/mmsteps, untrusted) or
 * read as `rpn`, and the kernel decides. Problems with the statement or the
 * proof are verdicts (ok false, with the reason); problems with the record
 * itself (a missing field, a wrong type, an unknown context) are errors.
 */
#include "engine.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/steps.h"
#include "vcache.h"

/*
 * verify_ms is by default a deterministic cost, so that the same attempts
 * give byte-identical verdicts on any machine and any load: the kernel's
 * work (symbols compared and written) and the tokens the expander read, at
 * a fixed rate calibrated by bench/verify on the reference machine. With
 * --wall-time it is the measured time instead.
 */
#define VERIFY_NS_PER_WORK  4.0
#define VERIFY_NS_PER_TOKEN 100.0

/* Bumped whenever a change could alter a verdict: old cache entries then
 * simply stop matching. */
#define VERIFY_CACHE_VERSION "stp-verify/1"

#define MAX_EXPR 4096          /* symbols in a statement or hypothesis */
#define GOAL_SLOTS 64          /* prepared statements kept per thread */

struct engine_shared {
	struct mm_db *db;
	struct mms_grammar *g;
	struct vcache *cache;
	char dbid[17];
};

/* A prepared statement: the candidate, its parsed goal, and the text it was
 * made from (compared in full on a lookup: a hash alone must never decide
 * which statement a proof is checked against). */
struct goal {
	char *key;             /* context NUL statement NUL hyps... NUL dv */
	size_t keylen;
	int valid;             /* 1: cand usable; 0: the statement is malformed (msg) */
	char msg[400];
	struct mm_cand cand;
	mm_sym *syms;          /* storage for cand's expressions */
	uint64_t *dv;
	struct mms_goal mg;    /* the expander's view (when valid) */
};

struct engine {
	struct engine_shared *sh;
	const struct verify_opts *o;
	struct mm_work *w;
	struct mms_expander *x;
	struct hash_fields *hf;
	struct goal goals[GOAL_SLOTS];
	char *key;
	size_t keycap;
};

struct engine_shared *
engine_shared_new(const struct verify_opts *o)
{
	struct engine_shared *sh = xcalloc(1, sizeof *sh);
	char err[1024];
	int io = 0;
	FILE *f;

	sh->db = mm_db_load(o->db, err, sizeof err, &io);
	if (!sh->db)
		die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
	/* the database's identity for cache keys: a hash of its text */
	f = fopen(o->db, "rb");
	if (f) {
		struct hash_fields *h = hash_fields_new();
		char buf[1 << 16];
		size_t n;
		uint64_t acc = 0;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			acc = hash64_seed(buf, n, acc);
		fclose(f);
		hash64_hex(acc, sh->dbid);
		hash_fields_free(h);
	}
	sh->g = mms_grammar_new(sh->db);
	if (o->cache)
		sh->cache = vcache_open(o->cache);
	return sh;
}

void
engine_shared_save(struct engine_shared *sh)
{
	if (sh->cache)
		vcache_save(sh->cache);
}

void
engine_shared_free(struct engine_shared *sh)
{
	if (!sh)
		return;
	vcache_free(sh->cache);
	mms_grammar_free(sh->g);
	mm_db_free(sh->db);
	free(sh);
}

struct engine *
engine_new(struct engine_shared *sh, const struct verify_opts *o)
{
	struct engine *e = xcalloc(1, sizeof *e);
	struct mm_limits lim;

	e->sh = sh;
	e->o = o;
	lim.max_steps = o->max_steps;
	lim.max_symbols = o->max_symbols;
	lim.max_seconds = o->timeout;
	e->w = mm_work_new(sh->db, &lim);
	{
		struct mms_limits ml;
		memset(&ml, 0, sizeof ml);
		ml.max_tokens = o->max_tokens;
		ml.max_refs = o->max_steps;
		e->x = mms_expander_new(sh->g, &ml);
	}
	e->hf = hash_fields_new();
	return e;
}

static void
goal_clear(struct goal *g)
{
	free(g->key);
	free(g->syms);
	free(g->dv);
	if (g->valid)
		mms_goal_release(&g->mg);
	memset(g, 0, sizeof *g);
}

void
engine_free(struct engine *e)
{
	if (!e)
		return;
	for (int i = 0; i < GOAL_SLOTS; i++)
		goal_clear(&e->goals[i]);
	mm_work_free(e->w);
	mms_expander_free(e->x);
	hash_fields_free(e->hf);
	free(e->key);
	free(e);
}

/* Copy src into dst[cap], cut short if need be. */
static void
copy_msg(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	err->status = EX_DATAERR;
	n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, lineno);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof err->msg)
		vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The fields a verdict depends on, from one record. */
struct fields {
	const char *system, *context, *statement, *proof, *format;
	json_t *hyps, *dv;
	int rpn;
};

static int
get_fields(json_t *o, struct fields *f, const char *file, long lineno, struct jsonl_err *err)
{
	memset(f, 0, sizeof *f);
	if (jsonl_get_str(o, "system", 0, &f->system, file, lineno, err) < 0 ||
	    jsonl_get_str(o, "context", 0, &f->context, file, lineno, err) < 0 ||
	    jsonl_get_str(o, "statement", 1, &f->statement, file, lineno, err) < 0 ||
	    jsonl_get_str(o, "proof", 1, &f->proof, file, lineno, err) < 0 ||
	    jsonl_get_str(o, "format", 0, &f->format, file, lineno, err) < 0 ||
	    jsonl_get_strarray(o, "hyps", 0, &f->hyps, file, lineno, err) < 0)
		return -1;
	if (f->system && strcmp(f->system, "metamath") != 0)
		return bad(err, file, lineno,
		           "field 'system': '%s' is not checked by the metamath backend", f->system);
	if (f->format && strcmp(f->format, "steps") != 0 && strcmp(f->format, "rpn") != 0)
		return bad(err, file, lineno, "field 'format': expected \"steps\" or \"rpn\"");
	f->rpn = f->format && strcmp(f->format, "rpn") == 0;
	f->dv = json_object_get(o, "dv");
	if (f->dv && !json_is_null(f->dv)) {
		size_t i;
		json_t *pr;
		if (!json_is_array(f->dv))
			return bad(err, file, lineno, "field 'dv': expected an array of pairs");
		json_array_foreach(f->dv, i, pr)
			if (!json_is_array(pr) || json_array_size(pr) != 2 ||
			    !json_is_string(json_array_get(pr, 0)) ||
			    !json_is_string(json_array_get(pr, 1)))
				return bad(err, file, lineno,
				           "field 'dv': element %zu: expected a pair of variable names", i);
	} else {
		f->dv = NULL;
	}
	if (f->hyps && json_array_size(f->hyps) > MM_CAND_MAXHYPS)
		return bad(err, file, lineno, "field 'hyps': more than %d hypotheses",
		           MM_CAND_MAXHYPS);
	return 0;
}

static void
key_add(struct engine *e, size_t *n, const char *s)
{
	size_t k = strlen(s) + 1;

	xgrow(&e->key, &e->keycap, *n + k, 1);
	memcpy(e->key + *n, s, k);
	*n += k;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Make the candidate for g from the record's fields; a malformed statement
 * leaves g->valid 0 with the reason. */
static void
goal_make(struct engine *e, struct goal *g, const struct fields *f, int32_t context)
{
	const struct mm_db *db = e->sh->db;
	struct mm_result res;
	size_t nh = f->hyps ? json_array_size(f->hyps) : 0, ndv = 0, used = 0;
	int n;

	g->syms = xmalloc((nh + 1) * MAX_EXPR * sizeof *g->syms);
	memset(&g->cand, 0, sizeof g->cand);
	g->cand.context = context;
	n = mm_cand_tokens(db, context, f->statement, g->syms, MAX_EXPR, &res);
	if (n < 0) {
		snprintf(g->msg, sizeof g->msg, "statement: %s", res.msg);
		return;
	}
	g->cand.expr = g->syms;
	g->cand.len = (uint32_t)n;
	used = (size_t)n;
	for (size_t i = 0; i < nh; i++) {
		const char *h = json_string_value(json_array_get(f->hyps, i));
		n = mm_cand_tokens(db, context, h, g->syms + used, MAX_EXPR, &res);
		if (n < 0) {
			snprintf(g->msg, sizeof g->msg, "hypothesis %zu: %s", i + 1, res.msg);
			return;
		}
		g->cand.hyp[i] = g->syms + used;
		g->cand.hyplen[i] = (uint32_t)n;
		used += (size_t)n;
	}
	g->cand.nhyps = (uint32_t)nh;
	if (f->dv) {
		size_t np = json_array_size(f->dv);
		g->dv = xmalloc((np + 1) * sizeof *g->dv);
		for (size_t i = 0; i < np; i++) {
			json_t *pr = json_array_get(f->dv, i);
			const char *a = json_string_value(json_array_get(pr, 0));
			const char *b = json_string_value(json_array_get(pr, 1));
			mm_sym x = mm_db_sym(db, a, strlen(a)), y = mm_db_sym(db, b, strlen(b));
			if (x < 0 || y < 0 || x == y || db->symkind[x] != MM_VAR ||
			    db->symkind[y] != MM_VAR) {
				snprintf(g->msg, sizeof g->msg, "dv: '%s' '%s' is not a pair of distinct variables",
				         a, b);
				return;
			}
			g->dv[ndv++] = MM_DV(x, y);
		}
		qsort(g->dv, ndv, sizeof *g->dv, cmp_u64);
		{
			size_t k = 0;
			for (size_t i = 0; i < ndv; i++)
				if (k == 0 || g->dv[k - 1] != g->dv[i])
					g->dv[k++] = g->dv[i];
			ndv = k;
		}
	}
	if (mm_cand_init(db, &g->cand, g->dv, (uint32_t)ndv, &res) < 0) {
		snprintf(g->msg, sizeof g->msg, "statement: %s", res.msg);
		return;
	}
	{
		struct mms_err merr;
		if (mms_goal_init(&g->mg, mms_expander_parser(e->x), &g->cand, &merr) < 0) {
			copy_msg(g->msg, sizeof g->msg, merr.msg);
			return;
		}
	}
	g->valid = 1;
}

/* The prepared statement for these fields: from the per-thread cache, or
 * made now. */
static struct goal *
goal_get(struct engine *e, const struct fields *f, int32_t context)
{
	size_t n = 0;
	uint64_t h;
	struct goal *g;

	key_add(e, &n, f->context ? f->context : "");
	key_add(e, &n, f->statement);
	for (size_t i = 0; f->hyps && i < json_array_size(f->hyps); i++)
		key_add(e, &n, json_string_value(json_array_get(f->hyps, i)));
	key_add(e, &n, "\x01");
	for (size_t i = 0; f->dv && i < json_array_size(f->dv); i++) {
		json_t *pr = json_array_get(f->dv, i);
		key_add(e, &n, json_string_value(json_array_get(pr, 0)));
		key_add(e, &n, json_string_value(json_array_get(pr, 1)));
	}
	h = hash64(e->key, n);
	g = &e->goals[h % GOAL_SLOTS];
	if (g->key && g->keylen == n && memcmp(g->key, e->key, n) == 0)
		return g;
	goal_clear(g);
	g->key = xmalloc(n);
	memcpy(g->key, e->key, n);
	g->keylen = n;
	goal_make(e, g, f, context);
	return g;
}

static struct hash128
cache_key(struct engine *e, const struct fields *f)
{
	struct hash_fields *h = e->hf;

	hash_fields_reset(h);
	hash_fields_add_str(h, VERIFY_CACHE_VERSION);
	hash_fields_add_str(h, e->sh->dbid);
	hash_fields_add_str(h, f->system ? f->system : "metamath");
	hash_fields_add_str(h, f->context);
	hash_fields_add_str(h, f->statement);
	for (size_t i = 0; f->hyps && i < json_array_size(f->hyps); i++)
		hash_fields_add_str(h, json_string_value(json_array_get(f->hyps, i)));
	hash_fields_add_str(h, NULL);
	for (size_t i = 0; f->dv && i < json_array_size(f->dv); i++) {
		json_t *pr = json_array_get(f->dv, i);
		hash_fields_add_str(h, json_string_value(json_array_get(pr, 0)));
		hash_fields_add_str(h, json_string_value(json_array_get(pr, 1)));
	}
	hash_fields_add_str(h, NULL);
	hash_fields_add_str(h, f->rpn ? "rpn" : "steps");
	hash_fields_add_str(h, f->proof);
	return hash_fields_128(h);
}

static long
count_tokens(const char *s)
{
	long n = 0;
	int in = 0;

	for (; *s; s++) {
		int ws = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		         *s == '\v';
		if (!ws && !in)
			n++;
		in = !ws;
	}
	return n;
}

/* Verify; fills the verdict fields into v (a new object). */
static json_t *
verdict(struct engine *e, const struct fields *f, int32_t context, long tokens)
{
	const struct mm_db *db = e->sh->db;
	struct mm_result res;
	struct goal *g;
	json_t *v = json_object(), *lem = json_array();
	double t0 = e->o->wall_time ? now_seconds() : 0, ms;
	int ok = 0;

	memset(&res, 0, sizeof res);
	if ((uint32_t)tokens > e->o->max_tokens) {
		snprintf(res.msg, sizeof res.msg, "proof has %ld tokens, more than the limit of %u",
		         tokens, e->o->max_tokens);
	} else if (!(g = goal_get(e, f, context))->valid) {
		copy_msg(res.msg, sizeof res.msg, g->msg);
	} else if (f->rpn) {
		ok = mm_verify_cand_text(db, e->w, &g->cand, f->proof, strlen(f->proof), &res);
	} else {
		const int32_t *refs;
		uint32_t nrefs;
		struct mms_err merr;
		if (mms_expand(e->x, &g->mg, f->proof, strlen(f->proof), &refs, &nrefs, &merr) < 0) {
			copy_msg(res.msg, sizeof res.msg, merr.msg);
		} else {
			ok = mm_verify_cand_refs(db, e->w, &g->cand, refs, nrefs, &res);
			if (!ok && res.step > 0) {
				/* the kernel speaks of the expanded proof: say which
				 * token of the proof as written produced that step */
				char m[sizeof res.msg + 32];
				uint32_t tok = mms_expander_token(e->x, (uint32_t)res.step);
				snprintf(m, sizeof m, "token %u: %s", tok, res.msg);
				copy_msg(res.msg, sizeof res.msg, m);
			}
		}
	}
	if (ok) {
		int32_t n;
		const int32_t *l = mm_work_lemmas(e->w, &n);
		for (int32_t i = 0; i < n; i++)
			json_array_append_new(lem, json_string(db->stmts[l[i]].label));
	}
	if (e->o->wall_time)
		ms = (now_seconds() - t0) * 1e3;
	else
		ms = ((double)res.work * VERIFY_NS_PER_WORK + (double)tokens * VERIFY_NS_PER_TOKEN) *
		     1e-6;
	ms = round(ms * 1e4) / 1e4;
	json_object_set_new(v, "ok", json_boolean(ok));
	if (!ok)
		json_object_set_new(v, "error", json_string(res.msg[0] ? res.msg : "not proved"));
	json_object_set_new(v, "lemmas", lem);
	json_object_set_new(v, "length", json_integer(tokens));
	json_object_set_new(v, "verify_ms", json_real(ms));
	return v;
}

int
engine_line(struct engine *e, const char *line, size_t len, const char *file, long lineno,
            char **out, size_t *outlen, size_t *outcap, int *ok, struct jsonl_err *err)
{
	const struct mm_db *db = e->sh->db;
	struct fields f;
	json_t *o, *v = NULL;
	int32_t context = db->nstmts;
	struct hash128 key = { 0, 0 };
	char *txt;
	size_t tl;
	long tokens;

	o = jsonl_parse(line, len, file, lineno, err);
	if (!o)
		return -1;
	if (get_fields(o, &f, file, lineno, err) < 0) {
		json_decref(o);
		return -1;
	}
	if (f.context) {
		context = mm_db_label(db, f.context, strlen(f.context));
		if (context < 0 || !mm_is_assertion(&db->stmts[context])) {
			json_decref(o);
			return bad(err, file, lineno, "field 'context': '%s' is not an assertion of %s",
			           f.context, db->files[0]);
		}
	}
	tokens = count_tokens(f.proof);
	if (e->sh->cache) {
		key = cache_key(e, &f);
		txt = vcache_get(e->sh->cache, key);
		if (txt) {
			v = json_loads(txt, JSON_REJECT_DUPLICATES, NULL);
			free(txt);
		}
	}
	if (!v) {
		v = verdict(e, &f, context, tokens);
		if (e->sh->cache) {
			txt = jsonl_dump(v, &tl);
			vcache_put(e->sh->cache, key, txt, tl - 1);
			free(txt);
		}
	}
	/* the verdict's fields replace any the record had (a re-verification) */
	json_object_del(o, "error");
	json_object_update(o, v);
	*ok = json_is_true(json_object_get(v, "ok"));
	json_decref(v);
	txt = jsonl_dump(o, &tl);
	xgrow(out, outcap, *outlen + tl, 1);
	memcpy(*out + *outlen, txt, tl);
	*outlen += tl;
	free(txt);
	json_decref(o);
	return 0;
}
