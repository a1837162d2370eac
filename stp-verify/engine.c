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
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jscan.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/steps.h"
#include "mmsteps/stmt.h"
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

#define GOAL_SLOTS 4096        /* prepared statements kept per thread (direct-mapped) */

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
	struct mms_stmt st;    /* the candidate and the expander's goal (or why not) */
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
	struct jscan js;       /* the record being verified */
	const char **dvnames;  /* its dv pairs, decoded */
	size_t capdvnames;
	char *dvtext;
	size_t capdvtext;
	char *extra;           /* the verdict's fields, encoded */
	size_t nextra, capextra;
	int last_ok;
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
	jscan_init(&e->js);
	return e;
}

static void
goal_clear(struct goal *g)
{
	free(g->key);
	mms_stmt_release(&g->st);
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
	jscan_release(&e->js);
	free(e->dvnames);
	free(e->dvtext);
	free(e->extra);
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

/* The fields a verdict depends on, from one record (decoded strings live in
 * the engine's scanner until the next record). */
struct fields {
	const char *system, *context, *statement, *proof, *format;
	size_t prooflen;
	const char **hyps;
	size_t nhyps;
	const char **dv;       /* (2 * ndv) variable names, pairwise */
	size_t ndv;
	int rpn;
};

static int
get_dv(struct engine *e, const struct jfield *jf, struct fields *f, const char *file,
       long lineno, struct jsonl_err *err)
{
	json_t *a = json_loadb(jf->val, jf->vlen, 0, NULL), *pr;
	size_t i, need = 0;
	char *p;

	if (!json_is_array(a)) {
		json_decref(a);
		return verify_bad(err, file, lineno, "field 'dv': expected an array of pairs");
	}
	json_array_foreach(a, i, pr) {
		if (!json_is_array(pr) || json_array_size(pr) != 2 ||
		    !json_is_string(json_array_get(pr, 0)) || !json_is_string(json_array_get(pr, 1))) {
			json_decref(a);
			return verify_bad(err, file, lineno,
			           "field 'dv': element %zu: expected a pair of variable names", i);
		}
		need += strlen(json_string_value(json_array_get(pr, 0))) +
		        strlen(json_string_value(json_array_get(pr, 1))) + 2;
	}
	f->ndv = json_array_size(a);
	xgrow(&e->dvtext, &e->capdvtext, need + 1, 1);
	xgrow(&e->dvnames, &e->capdvnames, 2 * f->ndv + 1, sizeof *e->dvnames);
	p = e->dvtext;
	json_array_foreach(a, i, pr)
		for (int k = 0; k < 2; k++) {
			const char *v = json_string_value(json_array_get(pr, (size_t)k));
			size_t n = strlen(v) + 1;
			memcpy(p, v, n);
			e->dvnames[2 * i + (size_t)k] = p;
			p += n;
		}
	f->dv = e->dvnames;
	json_decref(a);
	return 0;
}

static int
get_fields(struct engine *e, struct fields *f, const char *file, long lineno,
           struct jsonl_err *err)
{
	struct jscan *js = &e->js;
	const struct jfield *jf;

	memset(f, 0, sizeof *f);
	if (jscan_str(js, "system", 0, &f->system, NULL, file, lineno, err) < 0 ||
	    jscan_str(js, "context", 0, &f->context, NULL, file, lineno, err) < 0 ||
	    jscan_str(js, "statement", 1, &f->statement, NULL, file, lineno, err) < 0 ||
	    jscan_str(js, "proof", 1, &f->proof, &f->prooflen, file, lineno, err) < 0 ||
	    jscan_str(js, "format", 0, &f->format, NULL, file, lineno, err) < 0 ||
	    jscan_strarray(js, "hyps", 0, &f->hyps, &f->nhyps, file, lineno, err) < 0)
		return -1;
	if (f->system && strcmp(f->system, "metamath") != 0)
		return verify_bad(err, file, lineno,
		           "field 'system': '%s' is not checked by the metamath backend", f->system);
	if (f->format && strcmp(f->format, "steps") != 0 && strcmp(f->format, "rpn") != 0)
		return verify_bad(err, file, lineno, "field 'format': expected \"steps\" or \"rpn\"");
	f->rpn = f->format && strcmp(f->format, "rpn") == 0;
	if (f->nhyps > MM_CAND_MAXHYPS)
		return verify_bad(err, file, lineno, "field 'hyps': more than %d hypotheses",
		           MM_CAND_MAXHYPS);
	jf = jscan_get(js, "dv");
	if (jf && jf->type != J_NULL && get_dv(e, jf, f, file, lineno, err) < 0)
		return -1;
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


/* Make the candidate for g from the record's fields; a malformed statement
 * leaves g->st.valid 0 with the reason. */
static void
goal_make(struct engine *e, struct goal *g, const struct fields *f, int32_t context)
{
	mms_stmt_init(&g->st, e->sh->db, mms_expander_parser(e->x), context, f->statement,
	              f->hyps, f->nhyps, f->dv, f->ndv);
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
	for (size_t i = 0; i < f->nhyps; i++)
		key_add(e, &n, f->hyps[i]);
	key_add(e, &n, "\x01");
	for (size_t i = 0; i < 2 * f->ndv; i++)
		key_add(e, &n, f->dv[i]);
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
	for (size_t i = 0; i < f->nhyps; i++)
		hash_fields_add_str(h, f->hyps[i]);
	hash_fields_add_str(h, NULL);
	for (size_t i = 0; i < 2 * f->ndv; i++)
		hash_fields_add_str(h, f->dv[i]);
	hash_fields_add_str(h, NULL);
	hash_fields_add_str(h, f->rpn ? "rpn" : "steps");
	hash_fields_add(h, f->proof, f->prooflen);
	/* every setting that can change a verdict (or its verify_ms): a
	 * rejection under --max-tokens 2 is not the verdict of a normal run */
	{
		char lim[160];
		snprintf(lim, sizeof lim, "steps %u tokens %u symbols %zu timeout %.17g wall %d",
		         e->o->max_steps, e->o->max_tokens, e->o->max_symbols, e->o->timeout,
		         e->o->wall_time);
		hash_fields_add_str(h, lim);
	}
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

static void
put(struct engine *e, const char *s, size_t n)
{
	xgrow(&e->extra, &e->capextra, e->nextra + n + 1, 1);
	memcpy(e->extra + e->nextra, s, n);
	e->nextra += n;
}

/* Verify; the verdict's fields, encoded ("ok":...,"lemmas":...), go to
 * e->extra. */
static void
verdict(struct engine *e, const struct fields *f, int32_t context, long tokens)
{
	const struct mm_db *db = e->sh->db;
	struct mm_result res;
	struct goal *g;
	double t0 = e->o->wall_time ? now_seconds() : 0, ms;
	char num[48];
	size_t k;
	int ok = 0;

	memset(&res, 0, sizeof res);
	if ((uint32_t)tokens > e->o->max_tokens) {
		snprintf(res.msg, sizeof res.msg, "proof has %ld tokens, more than the limit of %u",
		         tokens, e->o->max_tokens);
	} else if (!(g = goal_get(e, f, context))->st.valid) {
		copy_msg(res.msg, sizeof res.msg, g->st.msg);
	} else if (f->rpn) {
		ok = mm_verify_cand_text(db, e->w, &g->st.cand, f->proof, f->prooflen, &res);
	} else {
		const int32_t *refs;
		uint32_t nrefs;
		struct mms_err merr;
		if (mms_expand(e->x, &g->st.goal, f->proof, f->prooflen, &refs, &nrefs, &merr) < 0) {
			copy_msg(res.msg, sizeof res.msg, merr.msg);
		} else {
			ok = mm_verify_cand_refs(db, e->w, &g->st.cand, refs, nrefs, &res);
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
	if (e->o->wall_time)
		ms = (now_seconds() - t0) * 1e3;
	else
		ms = ((double)res.work * VERIFY_NS_PER_WORK + (double)tokens * VERIFY_NS_PER_TOKEN) *
		     1e-6;
	ms = round(ms * 1e4) / 1e4;

	e->nextra = 0;
	if (ok) {
		int32_t n;
		const int32_t *l = mm_work_lemmas(e->w, &n);
		put(e, "\"ok\":true,\"lemmas\":[", 20);
		for (int32_t i = 0; i < n; i++) {
			if (i)
				put(e, ",", 1);
			jscan_put_string(db->stmts[l[i]].label, strlen(db->stmts[l[i]].label),
			                 &e->extra, &e->nextra, &e->capextra);
		}
		put(e, "]", 1);
	} else {
		const char *m = res.msg[0] ? res.msg : "not proved";
		put(e, "\"ok\":false,\"error\":", 19);
		jscan_put_string(m, strlen(m), &e->extra, &e->nextra, &e->capextra);
		put(e, ",\"lemmas\":[]", 12);
	}
	k = (size_t)snprintf(num, sizeof num, ",\"length\":%ld,\"verify_ms\":", tokens);
	put(e, num, k);
	k = jsonl_format_real(ms, num);
	put(e, num, k);
	e->last_ok = ok;
}

/* The fields stp-verify writes: an input's own copies are replaced. */
static const char *const verdict_fields[] = {
	"ok", "error", "lemmas", "length", "verify_ms", NULL,
};

int
engine_line(struct engine *e, const char *line, size_t len, const char *file, long lineno,
            char **out, size_t *outlen, size_t *outcap, int *ok, struct jsonl_err *err)
{
	const struct mm_db *db = e->sh->db;
	struct fields f;
	int32_t context = db->nstmts;
	struct hash128 key = { 0, 0 };
	char *txt = NULL;
	long tokens;

	if (jscan_object(&e->js, line, len, file, lineno, err) < 0)
		return -1;
	if (get_fields(e, &f, file, lineno, err) < 0)
		return -1;
	if (f.context) {
		context = mm_db_label(db, f.context, strlen(f.context));
		if (context < 0 || !mm_is_assertion(&db->stmts[context]))
			return verify_bad(err, file, lineno, "field 'context': '%.60s' is not an assertion of %s",
			           f.context, db->files[0]);
	}
	tokens = count_tokens(f.proof);
	if (e->sh->cache) {
		key = cache_key(e, &f);
		txt = vcache_get(e->sh->cache, key);
	}
	if (txt) {
		/* the cached value is the object {...}: its inside is our fields */
		size_t n = strlen(txt);
		e->nextra = 0;
		if (n >= 2)
			put(e, txt + 1, n - 2);
		e->last_ok = strncmp(txt, "{\"ok\":true", 10) == 0;
		free(txt);
	} else {
		verdict(e, &f, context, tokens);
		if (e->sh->cache) {
			char *v = xmalloc(e->nextra + 3);
			v[0] = '{';
			memcpy(v + 1, e->extra, e->nextra);
			v[e->nextra + 1] = '}';
			v[e->nextra + 2] = '\0';
			vcache_put(e->sh->cache, key, v, e->nextra + 2);
			free(v);
		}
	}
	*ok = e->last_ok;
	jscan_emit(&e->js, verdict_fields, e->extra, e->nextra, out, outlen, outcap);
	return 0;
}
