/*
 * model.c - the transformer: config, parameters, forward, backward, AdamW
 *
 * In the order of llm.c's train_gpt2.c: the config, the parameter and
 * activation blocks, the forward pass and its loss, zero_grad, the backward
 * pass (each layer's backward beside the forward it undoes, in reverse), the
 * AdamW update, free. The kernels are in kernels.c (fast ones beside their
 * references), sampling in sample.c, checkpoints in checkpoint.c.
 *
 * How the result stays independent of the thread count:
 *   - OpenBLAS runs single-threaded (openblas_set_num_threads(1)); our pool
 *     calls it on blocks of the output;
 *   - every kernel cuts its work into tasks by shape alone (kernels.c) and a
 *     task owns its outputs: a weight gradient is split by its rows, never by
 *     the batch dimension it sums over;
 *   - the loss, the gradient norm and the like are sums over fixed blocks
 *     combined in block order, in double;
 *   - no float is ever updated atomically.
 * Hence the same seed gives byte-identical weights after any number of steps
 * on 1 or 2 threads (tests/unit/test_model.c checks it).
 */
#include "internal.h"

#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rng.h"

/* ---------------------------------------------------------------------- */
/* Config                                                                  */

struct model_config
model_config_default(int vocab, int width, int layers, int ctx)
{
	struct model_config c;

	c.vocab = vocab;
	c.ctx = ctx;
	c.layers = layers;
	c.width = width;
	c.heads = width >= 64 ? width / 32 : 1;     /* head size 32 */
	c.hidden = (8 * width / 3 + 31) / 32 * 32;
	c.rope_theta = 10000.0f;
	c.norm_eps = 1e-5f;
	/* NEEDSWORK: tied by default: V*C fewer parameters (12% at width 256,
	 * 4 layers, V = 2000); untied is one config flag away */
	c.tie = 1;
	return c;
}

const char *
model_config_check(const struct model_config *c)
{
	if (c->vocab < 1 || c->vocab > (1 << 24))
		return "vocab must be in 1..16777216";
	if (c->ctx < 1 || c->ctx > 65536)
		return "ctx must be in 1..65536";
	if (c->layers < 1 || c->layers > 256)
		return "layers must be in 1..256";
	if (c->width < 2 || c->width > 65536)
		return "width must be in 2..65536";
	if (c->heads < 1 || c->width % c->heads != 0)
		return "heads must divide width";
	if ((c->width / c->heads) % 2 != 0)
		return "the head size (width / heads) must be even";
	if (c->hidden < 1 || c->hidden > 1 << 20)
		return "hidden must be in 1..1048576";
	if (!(c->rope_theta > 1.0f) || !isfinite(c->rope_theta))
		return "rope_theta must be a number > 1";
	if (!(c->norm_eps > 0.0f) || !(c->norm_eps < 1.0f))
		return "norm_eps must be in (0, 1)";
	if (c->tie != 0 && c->tie != 1)
		return "tie must be 0 or 1";
	return NULL;
}

size_t
model_config_nparams(const struct model_config *c)
{
	size_t V = c->vocab, C = c->width, L = c->layers, F = c->hidden;

	return V * C                            /* wte */
	       + L * C                          /* attn_norm */
	       + L * 3 * C * C                  /* wqkv */
	       + L * C * C                      /* wo */
	       + L * C                          /* mlp_norm */
	       + L * 2 * F * C                  /* wgu */
	       + L * C * F                      /* wdown */
	       + C                              /* norm */
	       + (c->tie ? 0 : V * C);          /* lm_head */
}

void
model_params_point(struct model_params *p, float *mem, const struct model_config *c)
{
	size_t V = c->vocab, C = c->width, L = c->layers, F = c->hidden;

	p->wte = mem;           mem += V * C;
	p->attn_norm = mem;     mem += L * C;
	p->wqkv = mem;          mem += L * 3 * C * C;
	p->wo = mem;            mem += L * C * C;
	p->mlp_norm = mem;      mem += L * C;
	p->wgu = mem;           mem += L * 2 * F * C;
	p->wdown = mem;         mem += L * C * F;
	p->norm = mem;          mem += C;
	p->lm_head = c->tie ? p->wte : mem;
}

char *
model_config_json(const struct model_config *c)
{
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:b}",
	                      "arch", "llama", "vocab", c->vocab, "ctx", c->ctx,
	                      "layers", c->layers, "heads", c->heads, "width", c->width,
	                      "hidden", c->hidden, "rope_theta", (double)c->rope_theta,
	                      "norm_eps", (double)c->norm_eps, "tie", c->tie);
	char *s;

	if (!o)
		die(EX_SOFTWARE, "cannot encode the model config");
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (!s)
		die(EX_OSERR, "out of memory");
	return s;
}

static int
cfg_int(json_t *o, const char *key, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < -2147483647LL ||
	    json_integer_value(v) > 2147483647LL) {
		snprintf(err, errlen, "config field '%s': %s", key,
		         v ? "expected an integer" : "missing");
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int
cfg_num(json_t *o, const char *key, float *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v)) {
		snprintf(err, errlen, "config field '%s': %s", key,
		         v ? "expected a number" : "missing");
		return -1;
	}
	*out = (float)json_number_value(v);
	return 0;
}

int
model_config_parse(const char *s, struct model_config *c, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, &je), *v;
	const char *why;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (!o || !json_is_object(o)) {
		snprintf(err, errlen, "config: %s", o ? "not a JSON object" : je.text);
		goto out;
	}
	v = json_object_get(o, "arch");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), "llama") != 0)) {
		snprintf(err, errlen, "config field 'arch': expected \"llama\"");
		goto out;
	}
	if (cfg_int(o, "vocab", &c->vocab, err, errlen) ||
	    cfg_int(o, "ctx", &c->ctx, err, errlen) ||
	    cfg_int(o, "layers", &c->layers, err, errlen) ||
	    cfg_int(o, "heads", &c->heads, err, errlen) ||
	    cfg_int(o, "width", &c->width, err, errlen) ||
	    cfg_int(o, "hidden", &c->hidden, err, errlen) ||
	    cfg_num(o, "rope_theta", &c->rope_theta, err, errlen) ||
	    cfg_num(o, "norm_eps", &c->norm_eps, err, errlen))
		goto out;
	v = json_object_get(o, "tie");
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "config field 'tie': %s", v ? "expected true or false" : "missing");
		goto out;
	}
	c->tie = json_is_true(v);
	if ((why = model_config_check(c))) {
		snprintf(err, errlen, "config: %s", why);
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

struct model_opt
model_opt_default(void)
{
	struct model_opt o;

	o.beta1 = 0.9f;
	o.beta2 = 0.95f;
	o.eps = 1e-8f;
	/* NEEDSWORK: decay covers the embedding (and so the tied head) as in
	 * llm.c; some recipes exempt it */
	o.weight_decay = 0.1f;
	o.clip = 1.0f;
	o.lr = 3e-3f;
	o.lr_min = 3e-4f;
	o.warmup = 100;
	o.steps = 1000;
	return o;
}

float
model_lr(const struct model_opt *o, int step)
{
	double frac;

	if (step < o->warmup)
		return (float)((double)o->lr * (step + 1) / o->warmup);
	if (step >= o->steps || o->steps <= o->warmup)
		return o->lr_min;
	frac = (double)(step - o->warmup) / (o->steps - o->warmup);
	return (float)(o->lr_min + 0.5 * (o->lr - o->lr_min) * (1.0 + cos(M_PI * frac)));
}

/* ---------------------------------------------------------------------- */
/* Allocation and initialisation                                          */

/* Box-Muller normal from the stream, in double. */
static double
rng_normal(struct rng *r)
{
	double u1 = ((rng_next(r) >> 11) + 1) * 0x1.0p-53;    /* (0, 1] */
	double u2 = (rng_next(r) >> 11) * 0x1.0p-53;

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void
fill_normal(float *p, size_t n, double std, struct rng *r)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (float)(std * rng_normal(r));
}

static void
fill_const(float *p, size_t n, float v)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = v;
}

struct model *
model_new(const struct model_config *cfg, uint64_t seed, int nthreads)
{
	struct model *m = xcalloc(1, sizeof(*m));
	const char *why = model_config_check(cfg);
	size_t V, C, L, F, hd;
	struct rng r;
	double std = 0.02, rstd;

	if (why)
		die(EX_SOFTWARE, "bad model config: %s", why);
	/* one BLAS thread per call: we parallelise around it (model.c header).
	 * NEEDSWORK: the setting is process-wide; nothing else in stp calls
	 * BLAS today */
	openblas_set_num_threads(1);
	m->cfg = *cfg;
	m->opt = model_opt_default();
	V = cfg->vocab, C = cfg->width, L = cfg->layers, F = cfg->hidden;
	hd = C / cfg->heads;
	m->nparams = model_config_nparams(cfg);
	m->param_mem = xcalloc(m->nparams, sizeof(float));
	m->grad_mem = xcalloc(m->nparams, sizeof(float));
	model_params_point(&m->params, m->param_mem, cfg);
	model_params_point(&m->grads, m->grad_mem, cfg);
	m->rope_cos = xmalloc(sizeof(float) * cfg->ctx * (hd / 2));
	m->rope_sin = xmalloc(sizeof(float) * cfg->ctx * (hd / 2));
	rope_tables(m->rope_cos, m->rope_sin, cfg->ctx, (int)hd, cfg->rope_theta);

	/* in memory order, one stream: the same seed, the same weights */
	rng_init(&r, seed);
	rstd = std / sqrt(2.0 * L);
	fill_normal(m->params.wte, V * C, std, &r);
	fill_const(m->params.attn_norm, L * C, 1.0f);
	fill_normal(m->params.wqkv, L * 3 * C * C, std, &r);
	fill_normal(m->params.wo, L * C * C, rstd, &r);
	fill_const(m->params.mlp_norm, L * C, 1.0f);
	fill_normal(m->params.wgu, L * 2 * F * C, std, &r);
	fill_normal(m->params.wdown, L * C * F, rstd, &r);
	fill_const(m->params.norm, C, 1.0f);
	if (!cfg->tie)
		fill_normal(m->params.lm_head, V * C, std, &r);

	m->nthreads = nthreads > 0 ? nthreads : ncpus();
	m->pool = pool_new(m->nthreads);
	m->version = 1;
	return m;
}

void
model_free(struct model *m)
{
	if (!m)
		return;
	pool_free(m->pool);
	free(m->param_mem);
	free(m->grad_mem);
	free(m->adam_mem);
	free(m->rope_cos);
	free(m->rope_sin);
	free(m->act_mem);
	free(m->act_imem);
	free(m->dact_mem);
	free(m->dec_mem);
	free(m);
}

const struct model_config *
model_config(const struct model *m)
{
	return &m->cfg;
}

struct model_params *
model_params(struct model *m)
{
	m->version++;   /* the caller may write through them */
	return &m->params;
}

struct model_params *
model_grads(struct model *m)
{
	return &m->grads;
}

float *
model_param_block(struct model *m, size_t *n)
{
	m->version++;
	*n = m->nparams;
	return m->param_mem;
}

float *
model_grad_block(struct model *m, size_t *n)
{
	*n = m->nparams;
	return m->grad_mem;
}

float *
model_adam_block(struct model *m, size_t *n)
{
	if (!m->adam_mem)
		m->adam_mem = xcalloc(2 * m->nparams, sizeof(float));
	*n = m->nparams;
	return m->adam_mem;
}

struct model_opt *
model_optimizer(struct model *m)
{
	return &m->opt;
}

void
model_set_reference(struct model *m, int on)
{
	m->ref = on != 0;
}

int
model_threads(const struct model *m)
{
	return m->nthreads;
}

/*
 * The activation block for B*T rows and T positions. Everything a backward
 * pass reads lives in act_mem (floats) and act_imem (ints); dact_mem is
 * scratch for the gradients flowing through one layer.
 */
void
model_ensure_acts(struct model *m, int B, int T)
{
	size_t C = m->cfg.width, L = m->cfg.layers, F = m->cfg.hidden, H = m->cfg.heads;
	size_t V = m->cfg.vocab, NT, TT;
	float *a;
	int *ia;

	if (B * T <= m->cap_bt && T <= m->cap_t)
		return;
	if (B * T > m->cap_bt)
		m->cap_bt = B * T;
	if (T > m->cap_t)
		m->cap_t = T;
	NT = m->cap_bt;
	TT = (size_t)m->cap_bt * m->cap_t;      /* >= B * T * T */
	free(m->act_mem);
	free(m->act_imem);
	free(m->dact_mem);
	m->act_mem = a = xmalloc(sizeof(float) *
	                         (NT * C + L * NT * (C + 1 + 3 * C + C + C + C + 1 + 2 * F + F + C)
	                          + L * H * TT + NT * (C + 1) + NT * C + NT * V + 2 * NT));
	m->acts.x0 = a;         a += NT * C;
	m->acts.ln1 = a;        a += L * NT * C;
	m->acts.rstd1 = a;      a += L * NT;
	m->acts.qkv = a;        a += L * NT * 3 * C;
	m->acts.att = a;        a += L * H * TT;
	m->acts.atty = a;       a += L * NT * C;
	m->acts.xa = a;         a += L * NT * C;
	m->acts.ln2 = a;        a += L * NT * C;
	m->acts.rstd2 = a;      a += L * NT;
	m->acts.gu = a;         a += L * NT * 2 * F;
	m->acts.hmid = a;       a += L * NT * F;
	m->acts.xm = a;         a += L * NT * C;
	m->acts.lnf = a;        a += NT * C;
	m->acts.rstdf = a;      a += NT;
	m->acts.hrows = a;      a += NT * C;
	m->acts.logits = a;     a += NT * V;
	m->acts.lse = a;        a += NT;
	m->acts.scale = a;      a += NT;
	m->act_imem = ia = xmalloc(sizeof(int) * 3 * NT);
	m->acts.rows = ia;      ia += NT;
	m->acts.tgt = ia;       ia += NT;
	m->acts.tokens = ia;
	m->dact_mem = a = xmalloc(sizeof(float) *
	                          (NT * (C + C + 3 * C + C + 2 * F + F + C) +
	                           (size_t)m->nthreads * m->cap_t * m->cap_t));
	m->dacts.dx = a;        a += NT * C;
	m->dacts.dln = a;       a += NT * C;
	m->dacts.dqkv = a;      a += NT * 3 * C;
	m->dacts.datty = a;     a += NT * C;
	m->dacts.dgu = a;       a += NT * 2 * F;
	m->dacts.dh = a;        a += NT * F;
	m->dacts.dhrows = a;    a += NT * C;
	m->dacts.scratch = a;
}

/* ---------------------------------------------------------------------- */
/* Forward                                                                 */

#define REF(m) ((m)->ref)

void
model_forward_body(struct model *m, const int *tokens, int B, int T)
{
	const struct model_config *c = &m->cfg;
	struct model_params *p = &m->params;
	struct model_acts *a = &m->acts;
	int C = c->width, F = c->hidden, H = c->heads, hd = C / H, N = B * T, l, i;
	size_t nc = (size_t)N * C;

	if (B < 1 || T < 1 || T > c->ctx)
		die(EX_SOFTWARE, "model: batch %dx%d does not fit the context %d", B, T, c->ctx);
	model_ensure_acts(m, B, T);
	m->B = B;
	m->T = T;
	m->have_fwd = 0;
	for (i = 0; i < N; i++) {
		if (tokens[i] < 0 || tokens[i] >= c->vocab)
			die(EX_SOFTWARE, "model: token id %d out of range 0..%d", tokens[i],
			    c->vocab - 1);
		a->tokens[i] = tokens[i];
		memcpy(a->x0 + (size_t)i * C, p->wte + (size_t)tokens[i] * C, sizeof(float) * C);
	}
	for (l = 0; l < c->layers; l++) {
		const float *xin = l == 0 ? a->x0 : a->xm + (l - 1) * nc;
		float *ln1 = a->ln1 + l * nc, *rstd1 = a->rstd1 + (size_t)l * N;
		float *qkv = a->qkv + l * 3 * nc, *att = a->att + (size_t)l * B * H * T * T;
		float *atty = a->atty + l * nc, *xa = a->xa + l * nc, *ln2 = a->ln2 + l * nc;
		float *rstd2 = a->rstd2 + (size_t)l * N, *gu = a->gu + (size_t)l * N * 2 * F;
		float *hmid = a->hmid + (size_t)l * N * F, *xm = a->xm + l * nc;
		const float *wqkv = p->wqkv + (size_t)l * 3 * C * C, *wo = p->wo + (size_t)l * C * C;
		const float *wgu = p->wgu + (size_t)l * 2 * F * C, *wdown = p->wdown + (size_t)l * C * F;
		const float *g1 = p->attn_norm + (size_t)l * C, *g2 = p->mlp_norm + (size_t)l * C;

		memcpy(xa, xin, sizeof(float) * nc);
		if (REF(m)) {
			rmsnorm_fwd_ref(ln1, rstd1, xin, g1, N, C, c->norm_eps);
			matmul_fwd_ref(qkv, ln1, wqkv, N, C, 3 * C, 0);
			rope_ref(qkv, m->rope_cos, m->rope_sin, B, T, C, hd, 0, 0);
			attn_fwd_ref(atty, att, qkv, B, T, C, H);
			matmul_fwd_ref(xa, atty, wo, N, C, C, 1);
		} else {
			rmsnorm_fwd(m->pool, ln1, rstd1, xin, g1, N, C, c->norm_eps);
			matmul_fwd(m->pool, qkv, ln1, wqkv, N, C, 3 * C, 0);
			rope(m->pool, qkv, m->rope_cos, m->rope_sin, B, T, C, hd, 0, 0);
			attn_fwd(m->pool, atty, att, qkv, B, T, C, H, NULL);
			matmul_fwd(m->pool, xa, atty, wo, N, C, C, 1);
		}
		memcpy(xm, xa, sizeof(float) * nc);
		if (REF(m)) {
			rmsnorm_fwd_ref(ln2, rstd2, xa, g2, N, C, c->norm_eps);
			matmul_fwd_ref(gu, ln2, wgu, N, C, 2 * F, 0);
			swiglu_fwd_ref(hmid, gu, N, F);
			matmul_fwd_ref(xm, hmid, wdown, N, F, C, 1);
		} else {
			rmsnorm_fwd(m->pool, ln2, rstd2, xa, g2, N, C, c->norm_eps);
			matmul_fwd(m->pool, gu, ln2, wgu, N, C, 2 * F, 0);
			swiglu_fwd(m->pool, hmid, gu, N, F);
			matmul_fwd(m->pool, xm, hmid, wdown, N, F, C, 1);
		}
	}
	if (REF(m))
		rmsnorm_fwd_ref(a->lnf, a->rstdf, a->xm + (c->layers - 1) * nc, p->norm, N, C,
		                c->norm_eps);
	else
		rmsnorm_fwd(m->pool, a->lnf, a->rstdf, a->xm + (c->layers - 1) * nc, p->norm, N, C,
		            c->norm_eps);
}

/*
 * The loss only needs logits where the weight is not 0 (most positions are
 * prompt or padding): those rows are gathered, and only they go through the
 * output head.
 */
float
model_forward(struct model *m, const int *tokens, const int *targets, const float *weights,
              int B, int T)
{
	const struct model_config *c = &m->cfg;
	struct model_acts *a = &m->acts;
	int C = c->width, V = c->vocab, N = B * T, i, n = 0;
	double sumw = 0, loss = 0;

	model_forward_body(m, tokens, B, T);
	m->nrows = 0;
	if (!targets || !weights)
		return 0.0f;
	for (i = 0; i < N; i++) {
		if (weights[i] == 0.0f)
			continue;
		if (!(weights[i] > 0.0f) || !isfinite(weights[i]))
			die(EX_SOFTWARE, "model: loss weight %g is not a finite number >= 0",
			    (double)weights[i]);
		if (targets[i] < 0 || targets[i] >= V)
			die(EX_SOFTWARE, "model: target id %d out of range 0..%d", targets[i], V - 1);
		a->rows[n] = i;
		a->tgt[n] = targets[i];
		a->scale[n] = weights[i];
		memcpy(a->hrows + (size_t)n * C, a->lnf + (size_t)i * C, sizeof(float) * C);
		sumw += weights[i];
		n++;
	}
	m->nrows = n;
	m->have_fwd = 1;
	if (n == 0)
		return 0.0f;
	for (i = 0; i < n; i++)
		a->scale[i] = (float)(a->scale[i] / sumw);
	if (REF(m)) {
		matmul_fwd_ref(a->logits, a->hrows, m->params.lm_head, n, C, V, 0);
		lse_fwd_ref(a->lse, a->logits, n, V);
	} else {
		matmul_fwd(m->pool, a->logits, a->hrows, m->params.lm_head, n, C, V, 0);
		lse_fwd(m->pool, a->lse, a->logits, n, V);
	}
	for (i = 0; i < n; i++)     /* in row order, in double */
		loss += (double)a->scale[i] * ((double)a->lse[i] - a->logits[(size_t)i * V + a->tgt[i]]);
	return (float)loss;
}

const float *
model_logits_at(const struct model *m, int b, int t)
{
	int i, r = b * m->T + t;

	if (!m->have_fwd)
		return NULL;
	for (i = 0; i < m->nrows; i++)
		if (m->acts.rows[i] == r)
			return m->acts.logits + (size_t)i * m->cfg.vocab;
	return NULL;
}

void
model_zero_grad(struct model *m)
{
	memset(m->grad_mem, 0, sizeof(float) * m->nparams);
}

/* ---------------------------------------------------------------------- */
/* Backward                                                                */

void
model_backward(struct model *m)
{
	const struct model_config *c = &m->cfg;
	struct model_params *p = &m->params, *g = &m->grads;
	struct model_acts *a = &m->acts;
	struct model_dacts *d = &m->dacts;
	int B = m->B, T = m->T, N = B * T, C = c->width, F = c->hidden, H = c->heads;
	int V = c->vocab, hd = C / H, n = m->nrows, l, i;
	size_t nc = (size_t)N * C;

	if (!m->have_fwd)
		die(EX_SOFTWARE, "model: backward without a forward pass with a loss");
	m->have_fwd = 0;        /* the logits become their gradient */
	memset(d->dx, 0, sizeof(float) * nc);
	memset(d->dln, 0, sizeof(float) * nc);
	if (n > 0) {
		/* loss -> logits -> gathered rows of the final norm */
		if (REF(m)) {
			ce_bwd_ref(a->logits, a->lse, a->tgt, a->scale, n, V);
			matmul_bwd_ref(d->dhrows, g->lm_head, a->logits, a->hrows, p->lm_head, n, C, V, 0);
		} else {
			ce_bwd(m->pool, a->logits, a->lse, a->tgt, a->scale, n, V);
			matmul_bwd(m->pool, d->dhrows, g->lm_head, a->logits, a->hrows, p->lm_head, n,
			           C, V, 0);
		}
		for (i = 0; i < n; i++)
			memcpy(d->dln + (size_t)a->rows[i] * C, d->dhrows + (size_t)i * C,
			       sizeof(float) * C);
	}
	if (REF(m))
		rmsnorm_bwd_ref(d->dx, g->norm, d->dln, a->xm + (c->layers - 1) * nc, a->rstdf,
		                p->norm, N, C);
	else
		rmsnorm_bwd(m->pool, d->dx, g->norm, d->dln, a->xm + (c->layers - 1) * nc, a->rstdf,
		            p->norm, N, C);

	for (l = c->layers - 1; l >= 0; l--) {
		const float *xin = l == 0 ? a->x0 : a->xm + (l - 1) * nc;
		const float *ln1 = a->ln1 + l * nc, *rstd1 = a->rstd1 + (size_t)l * N;
		const float *qkv = a->qkv + l * 3 * nc, *att = a->att + (size_t)l * B * H * T * T;
		const float *atty = a->atty + l * nc, *xa = a->xa + l * nc, *ln2 = a->ln2 + l * nc;
		const float *rstd2 = a->rstd2 + (size_t)l * N, *gu = a->gu + (size_t)l * N * 2 * F;
		const float *hmid = a->hmid + (size_t)l * N * F;
		size_t lqkv = (size_t)l * 3 * C * C, lo = (size_t)l * C * C;
		size_t lgu = (size_t)l * 2 * F * C, ldn = (size_t)l * C * F, lc = (size_t)l * C;

		/* xm = xa + hmid . wdown^T;  hmid = swiglu(gu);  gu = ln2 . wgu^T */
		if (REF(m)) {
			matmul_bwd_ref(d->dh, g->wdown + ldn, d->dx, hmid, p->wdown + ldn, N, F, C, 0);
			swiglu_bwd_ref(d->dgu, d->dh, gu, N, F);
			matmul_bwd_ref(d->dln, g->wgu + lgu, d->dgu, ln2, p->wgu + lgu, N, C, 2 * F, 0);
			rmsnorm_bwd_ref(d->dx, g->mlp_norm + lc, d->dln, xa, rstd2, p->mlp_norm + lc, N, C);
		} else {
			matmul_bwd(m->pool, d->dh, g->wdown + ldn, d->dx, hmid, p->wdown + ldn, N, F, C, 0);
			swiglu_bwd(m->pool, d->dgu, d->dh, gu, N, F);
			matmul_bwd(m->pool, d->dln, g->wgu + lgu, d->dgu, ln2, p->wgu + lgu, N, C, 2 * F, 0);
			rmsnorm_bwd(m->pool, d->dx, g->mlp_norm + lc, d->dln, xa, rstd2, p->mlp_norm + lc,
			            N, C);
		}
		/* xa = xin + atty . wo^T;  atty = attn(rope(ln1 . wqkv^T)) */
		if (REF(m)) {
			matmul_bwd_ref(d->datty, g->wo + lo, d->dx, atty, p->wo + lo, N, C, C, 0);
			attn_bwd_ref(d->dqkv, d->datty, att, qkv, B, T, C, H);
			rope_ref(d->dqkv, m->rope_cos, m->rope_sin, B, T, C, hd, 0, 1);
			matmul_bwd_ref(d->dln, g->wqkv + lqkv, d->dqkv, ln1, p->wqkv + lqkv, N, C, 3 * C, 0);
			rmsnorm_bwd_ref(d->dx, g->attn_norm + lc, d->dln, xin, rstd1, p->attn_norm + lc, N,
			                C);
		} else {
			matmul_bwd(m->pool, d->datty, g->wo + lo, d->dx, atty, p->wo + lo, N, C, C, 0);
			attn_bwd(m->pool, d->dqkv, d->datty, att, qkv, B, T, C, H, d->scratch);
			rope(m->pool, d->dqkv, m->rope_cos, m->rope_sin, B, T, C, hd, 0, 1);
			matmul_bwd(m->pool, d->dln, g->wqkv + lqkv, d->dqkv, ln1, p->wqkv + lqkv, N, C,
			           3 * C, 0);
			rmsnorm_bwd(m->pool, d->dx, g->attn_norm + lc, d->dln, xin, rstd1,
			            p->attn_norm + lc, N, C);
		}
	}
	if (REF(m))
		embed_bwd_ref(g->wte, d->dx, a->tokens, N, C, V);
	else
		embed_bwd(m->pool, g->wte, d->dx, a->tokens, N, C, V);
}

/* ---------------------------------------------------------------------- */
/* AdamW                                                                   */

#define ADAM_BLOCK 16384        /* floats per task: fixed, so sums do not move */

/* [start, end) of the norm gains in the parameter block: not decayed. */
struct decay_map {
	size_t n0, n1;          /* attn_norm */
	size_t m0, m1;          /* mlp_norm */
	size_t f0, f1;          /* final norm */
};

struct adam_ctx {
	struct model *m;
	double *partial;        /* (nblocks) sums of squares */
	struct decay_map dm;
	float lr, gscale, bc1, bc2;
};

static void
sumsq_task(void *arg, int t, int worker)
{
	struct adam_ctx *c = arg;
	size_t i0 = (size_t)t * ADAM_BLOCK, i1 = i0 + ADAM_BLOCK, i;
	const float *g = c->m->grad_mem;
	double s = 0;

	if (i1 > c->m->nparams)
		i1 = c->m->nparams;
	for (i = i0; i < i1; i++)
		s += (double)g[i] * g[i];
	c->partial[t] = s;
}

static int
decays(const struct decay_map *d, size_t i)
{
	return !((i >= d->n0 && i < d->n1) || (i >= d->m0 && i < d->m1) ||
	         (i >= d->f0 && i < d->f1));
}

static void
adam_task(void *arg, int t, int worker)
{
	struct adam_ctx *c = arg;
	struct model *m = c->m;
	const struct model_opt *o = &m->opt;
	size_t i0 = (size_t)t * ADAM_BLOCK, i1 = i0 + ADAM_BLOCK, i;
	float *p = m->param_mem, *g = m->grad_mem, *mm = m->adam_mem, *vv = mm + m->nparams;

	if (i1 > m->nparams)
		i1 = m->nparams;
	for (i = i0; i < i1; i++) {
		float gi = g[i] * c->gscale, mh, vh;

		mm[i] = o->beta1 * mm[i] + (1.0f - o->beta1) * gi;
		vv[i] = o->beta2 * vv[i] + (1.0f - o->beta2) * gi * gi;
		mh = mm[i] / c->bc1;
		vh = vv[i] / c->bc2;
		if (decays(&c->dm, i))
			p[i] -= c->lr * o->weight_decay * p[i];
		p[i] -= c->lr * mh / (sqrtf(vh) + o->eps);
	}
}

float
model_update(struct model *m, float lr, int step)
{
	const struct model_config *cfg = &m->cfg;
	int nb = (int)((m->nparams + ADAM_BLOCK - 1) / ADAM_BLOCK), i;
	struct adam_ctx c = { .m = m, .lr = lr };
	double ss = 0;
	float norm;
	size_t dummy;

	if (step < 1)
		die(EX_SOFTWARE, "model: update step %d must be >= 1", step);
	model_adam_block(m, &dummy);
	c.partial = xmalloc(sizeof(double) * nb);
	pool_run(m->pool, nb, sumsq_task, &c);
	for (i = 0; i < nb; i++)
		ss += c.partial[i];
	free(c.partial);
	norm = (float)sqrt(ss);
	c.gscale = m->opt.clip > 0 && norm > m->opt.clip ? m->opt.clip / norm : 1.0f;
	c.bc1 = 1.0f - powf(m->opt.beta1, (float)step);
	c.bc2 = 1.0f - powf(m->opt.beta2, (float)step);
	c.dm.n0 = m->params.attn_norm - m->param_mem;
	c.dm.n1 = c.dm.n0 + (size_t)cfg->layers * cfg->width;
	c.dm.m0 = m->params.mlp_norm - m->param_mem;
	c.dm.m1 = c.dm.m0 + (size_t)cfg->layers * cfg->width;
	c.dm.f0 = m->params.norm - m->param_mem;
	c.dm.f1 = c.dm.f0 + cfg->width;
	pool_run(m->pool, nb, adam_task, &c);
	m->version++;
	return norm;
}
