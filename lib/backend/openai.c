/*
 * openai.c - a client for OpenAI-compatible completion servers (see openai.h)
 *
 * One thread runs libcurl's multi loop, the other (the reader) makes jobs.
 * Requests wait in one list, each with the time it may start; the loop starts
 * the ready one of the oldest job first (so the job that holds the output
 * back gets its retries first), up to `concurrency` at once. A request covers
 * samples [first, first+count) of one job; a reply with fewer choices, or an
 * endpoint that takes one at a time, splits it. Every sample slot is filled
 * exactly once, which the loop checks.
 */
#include "openai.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "serve.h"

#define REPLY_MAX ((size_t)64 << 20)   /* a reply longer than this is refused */
#define RETRY_AFTER_MAX 600.0          /* seconds of Retry-After honoured at most */
#define QUEUE_CAP 16                   /* jobs the reader may make ahead */

/* ---- configuration */

void
oai_config_init(struct oai_config *c)
{
	memset(c, 0, sizeof *c);
	c->concurrency = 16;
	c->choices = 1;
	c->max_tokens = 256;
	c->temperature = 1.0;
	c->top_p = 1.0;
	c->timeout = 600;
	c->retries = 12;
	c->backoff = 0.5;
	c->backoff_max = 60;
	c->seed = 1;
	c->api_key_env = "OPENAI_API_KEY";
}

/* The section 'openai' (docs/stp.yaml.5.scd), bound to struct oai_config. */
#define O(f) CONFIG_FIELD(struct oai_config, f)
const struct config_key oai_config_keys[] = {
	{ "openai.endpoints", CONFIG_LIST, O(endpoints),
	  .off_n = offsetof(struct oai_config, nendpoints) },
	{ "openai.model", CONFIG_STR, O(model) },
	{ "openai.reload", CONFIG_STR, O(reload) },
	{ "openai.api_key_env", CONFIG_STR, O(api_key_env) },
	{ "openai.concurrency", CONFIG_INT, O(concurrency), .min = 1, .max = 4096 },
	{ "openai.choices", CONFIG_INT, O(choices), .min = 1, .max = 1024 },
	{ "openai.timeout", CONFIG_NUM, O(timeout), .min = 0.001, .max = 86400 },
	{ "openai.retries", CONFIG_INT, O(retries), .min = 0, .max = 1000 },
	{ "openai.backoff", CONFIG_NUM, O(backoff), .min = 0, .max = 3600 },
	{ "openai.backoff_max", CONFIG_NUM, O(backoff_max), .min = 0, .max = 86400 },
	/* unset (0): the larger of 1024 and 8 x concurrency */
	{ "openai.window", CONFIG_INT, O(window), .min = 1, .max = 1L << 24, .has_unset = 1,
	  .unset_value = 0 },
	{ NULL },
};
#undef O

void
oai_config_load(struct oai_config *c, struct config *cf, const char **api_key_env)
{
	const char *env = c->api_key_env;

	config_apply(cf, oai_config_keys, c);
	if (c->api_key_env != env)
		*api_key_env = c->api_key_env;
}

void
oai_print_config(const struct config_key *keys, const void *opts, const char ***stop,
                 size_t *nstop, struct config *cf, const struct oai_cli *cli,
                 const char *cli_model)
{
	struct oai_config oc;

	if (cli->nstop) {
		*stop = cli->stop;
		*nstop = cli->nstop;
	}
	oai_config_init(&oc);
	oai_config_load(&oc, cf, &oc.api_key_env);
	oai_cli_apply(cli, &oc, &oc.api_key_env);
	if (!oc.model && cli_model)
		oc.model = cli_model;
	config_print(stdout, keys, opts);
	cli_print_config(oai_config_keys, &oc);
}

void
oai_cli_init(struct oai_cli *cli)
{
	memset(cli, 0, sizeof *cli);
	cli->concurrency = cli->choices = cli->retries = cli->window = -1;
	cli->timeout = cli->backoff = -1;
}

int
oai_cli_parse(struct oai_cli *cli, int code, const char *arg)
{
	switch (code) {
	case CLI_ENDPOINT:
		xgrow(&cli->endpoints, &cli->capendpoints, cli->nendpoints + 1,
		      sizeof *cli->endpoints);
		cli->endpoints[cli->nendpoints++] = arg;
		return 1;
	case CLI_CONCURRENCY: cli->concurrency = (int)cli_long("--concurrency", arg, 1, 4096); return 1;
	case CLI_TIMEOUT: cli->timeout = cli_double("--timeout", arg, 0.001, 86400); return 1;
	case CLI_RETRIES: cli->retries = (int)cli_long("--retries", arg, 0, 1000); return 1;
	case CLI_STOP:
		xgrow(&cli->stop, &cli->capstop, cli->nstop + 1, sizeof *cli->stop);
		cli->stop[cli->nstop++] = arg;
		return 1;
	case CLI_CHOICES: cli->choices = (int)cli_long("--choices", arg, 1, 1024); return 1;
	case CLI_API_KEY_ENV: cli->api_key_env = arg; return 1;
	case CLI_BACKOFF: cli->backoff = cli_double("--backoff", arg, 0, 3600); return 1;
	case CLI_WINDOW: cli->window = (int)cli_long("--window", arg, 1, 1L << 24); return 1;
	}
	return 0;
}

void
oai_cli_apply(const struct oai_cli *cli, struct oai_config *c, const char **api_key_env)
{
	if (cli->nendpoints) {
		c->endpoints = cli->endpoints;
		c->nendpoints = cli->nendpoints;
	}
	if (cli->nstop) {
		c->stop = cli->stop;
		c->nstop = cli->nstop;
	}
	if (cli->api_key_env)
		*api_key_env = cli->api_key_env;
	if (cli->concurrency > 0)
		c->concurrency = cli->concurrency;
	if (cli->choices > 0)
		c->choices = cli->choices;
	if (cli->retries >= 0)
		c->retries = cli->retries;
	if (cli->timeout > 0)
		c->timeout = cli->timeout;
	if (cli->backoff >= 0)
		c->backoff = cli->backoff;
	if (cli->window > 0)
		c->window = cli->window;
}

void
oai_config_setup(struct oai_config *c, struct config *cf, const struct oai_cli *cli,
                 const char *ckpt, const char *stop_key, int max_tokens, double temperature,
                 double top_p, uint64_t seed)
{
	const char *key_env = "OPENAI_API_KEY", *const *stop;
	size_t nstop = 0;
	char err[1024];
	int st;

	oai_config_init(c);
	oai_config_load(c, cf, &key_env);
	oai_cli_apply(cli, c, &key_env);
	if (c->model) {
		/* the name lives as long as the program, as the template
		 * (config_apply's copy) does */
		char *name = serve_name(c->model, ckpt, &st, err, sizeof err);
		if (!name)
			die(st, "%s", err);
		c->model = config_keep(name);
	} else {
		c->model = ckpt;
	}
	if (!c->model)
		die(EX_USAGE, "no model: give --model NAME (or openai.model in the configuration)");
	if (c->nendpoints == 0)
		die(EX_USAGE, "no endpoint: give --endpoint URL (or openai.endpoints in the "
		              "configuration)");
	c->api_key = getenv(key_env);
	c->max_tokens = max_tokens;
	c->temperature = temperature;
	c->top_p = top_p;
	c->seed = seed;
	if (!cli->nstop && stop_key && config_strlist(cf, stop_key, &stop, &nstop)) {
		c->stop = stop;
		c->nstop = nstop;
	}
	if (c->reload) {
		if (!ckpt)
			die(EX_USAGE, "openai.reload needs the checkpoint to serve: give --model "
			              "CHECKPOINT");
		if ((st = serve_ensure(c, c->reload, ckpt, err, sizeof err)))
			die(st, "%s", err);
	}
}

void
oai_cli_release(struct oai_cli *cli)
{
	free(cli->endpoints);
	free(cli->stop);
	cli->endpoints = NULL;
	cli->stop = NULL;
	cli->nendpoints = cli->nstop = cli->capendpoints = cli->capstop = 0;
}

/* ---- jobs and seeds */

struct oai_job *
oai_job_new(enum oai_kind kind, char *prompt, int k, uint32_t seed, void *tag)
{
	struct oai_job *j = xcalloc(1, sizeof *j);

	j->kind = kind;
	j->prompt = prompt;
	j->k = kind == OAI_COMPLETE ? k : 0;
	j->seed = seed;
	j->tag = tag;
	j->prompt_tokens = -1;
	if (j->k > 0)
		j->samples = xcalloc((size_t)j->k, sizeof *j->samples);
	return j;
}

void
oai_job_free(struct oai_job *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->k; i++) {
		free(j->samples[i].text);
		free(j->samples[i].finish);
	}
	free(j->samples);
	free(j->embedding);
	free(j->prompt);
	free(j);
}

/* 2^31 - 2^17: S + i < 2^31 for every sample index i < 2^17 */
#define SEED_RANGE 2147352576u

uint32_t
oai_seed(uint64_t seed, const char *id)
{
	struct hash_fields *h = hash_fields_new();
	unsigned char b[8];
	uint64_t v;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(seed >> (8 * i));
	hash_fields_add(h, "stp-openai-seed", 15);
	hash_fields_add(h, b, 8);
	hash_fields_add_str(h, id);
	v = hash_fields_64(h);
	hash_fields_free(h);
	return (uint32_t)(v % SEED_RANGE);
}

/* ---- the protocol */

char *
oai_url(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
		return xasprintf("%.*s/%s", (int)n, base, path);
	return xasprintf("%.*s/v1/%s", (int)n, base, path);
}

/* compact, keys in order, reals as their shortest round-trip form */
static char *
dump_body(json_t *o, size_t *len)
{
	char *s = jsonl_dump(o, len);

	json_decref(o);
	s[--*len] = '\0';   /* its newline */
	return s;
}

char *
oai_completion_body(const struct oai_config *c, const char *prompt, int n, uint32_t seed,
                    const char *const *stop_, size_t nstop, size_t *len)
{
	json_t *o = json_object(), *stop = json_array();

	json_object_set_new(o, "model", json_string(c->model ? c->model : ""));
	json_object_set_new(o, "prompt", json_string(prompt));
	json_object_set_new(o, "n", json_integer(n));
	json_object_set_new(o, "max_tokens", json_integer(c->max_tokens));
	json_object_set_new(o, "temperature", json_real(c->temperature));
	json_object_set_new(o, "top_p", json_real(c->top_p));
	json_object_set_new(o, "seed", json_integer(seed));
	for (size_t i = 0; i < nstop; i++)
		json_array_append_new(stop, json_string(stop_[i]));
	json_object_set_new(o, "stop", stop);
	json_object_set_new(o, "stream", json_false());
	return dump_body(o, len);
}

char *
oai_embedding_body(const struct oai_config *c, const char *text, size_t *len)
{
	json_t *o = json_object();

	json_object_set_new(o, "model", json_string(c->model ? c->model : ""));
	json_object_set_new(o, "input", json_string(text));
	json_object_set_new(o, "encoding_format", json_string("float"));
	return dump_body(o, len);
}

size_t
oai_cut_stop(const char *text, const char *const *stop, size_t nstop)
{
	size_t best = strlen(text);

	for (size_t i = 0; i < nstop; i++) {
		const char *p;
		if (!stop[i] || !*stop[i])
			continue;
		p = strstr(text, stop[i]);
		if (p && (size_t)(p - text) < best)
			best = (size_t)(p - text);
	}
	return best;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* an integer field, -1 when absent or not a non-negative integer */
static int
get_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
		return -1;
	return (int)json_integer_value(v);
}

void
oai_reply_release(struct oai_reply *r)
{
	for (int i = 0; r->choices && i < r->n; i++) {
		free(r->choices[i].text);
		free(r->choices[i].finish);
	}
	free(r->choices);
	memset(r, 0, sizeof *r);
}

int
oai_parse_completion(const char *body, size_t len, int asked, const char *const *stop,
                     size_t nstop, uint32_t seed, struct oai_reply *r, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *choices, *usage, *c;
	size_t i, m;
	char msg[256];
	int rc = -1, untold = 0;

	memset(r, 0, sizeof *r);
	r->prompt_tokens = r->completion_tokens = -1;
	/* a NUL in a text ends it (the pipeline's texts are C strings) rather
	 * than failing the reply again on every retry */
	root = json_loadb(body, len, JSON_ALLOW_NUL, &je);
	if (!root) {
		snprintf(err, errlen, "reply is not JSON: %s (line %d, column %d)", je.text, je.line,
		         je.column);
		return -1;
	}
	if (!json_is_object(root)) {
		fail(err, errlen, "reply is not a JSON object");
		goto out;
	}
	choices = json_object_get(root, "choices");
	if (!json_is_array(choices)) {
		if (json_object_get(root, "error")) {
			oai_error_message(body, len, msg, sizeof msg);
			fail(err, errlen, "reply is an error: %s", msg);
		} else {
			fail(err, errlen, "reply has no 'choices'");
		}
		goto out;
	}
	m = json_array_size(choices);
	if (m == 0) {
		fail(err, errlen, "reply has no choices");
		goto out;
	}
	if (m > (size_t)asked) {
		snprintf(err, errlen, "reply has %zu choices, %d asked for", m, asked);
		goto out;
	}
	r->choices = xcalloc(m, sizeof *r->choices);
	r->n = (int)m;
	json_array_foreach(choices, i, c) {
		json_t *text, *ix, *fr, *ids;
		size_t k = i, cut;
		const char *t;
		if (!json_is_object(c)) {
			fail(err, errlen, "choice is not an object");
			goto bad;
		}
		text = json_object_get(c, "text");
		if (!json_is_string(text)) {
			fail(err, errlen, "choice has no 'text' string");
			goto bad;
		}
		ix = json_object_get(c, "index");
		if (ix && !json_is_null(ix)) {
			if (!json_is_integer(ix) || json_integer_value(ix) < 0 ||
			    json_integer_value(ix) >= (json_int_t)m) {
				snprintf(err, errlen, "choice index is not one of 0..%zu", m - 1);
				goto bad;
			}
			k = (size_t)json_integer_value(ix);
		}
		if (r->choices[k].text) {
			snprintf(err, errlen, "choice index %zu appears twice", k);
			goto bad;
		}
		fr = json_object_get(c, "finish_reason");
		if (json_is_string(fr) && strcmp(json_string_value(fr), "abort") == 0) {
			/* SGLang: the request was aborted inside the server */
			fail(err, errlen, "the server aborted the request");
			goto bad;
		}
		t = json_string_value(text);
		cut = oai_cut_stop(t, stop, nstop);
		r->choices[k].text = xstrndup(t, cut);
		r->choices[k].finish = xstrdup(json_is_string(fr) ? json_string_value(fr) : "unknown");
		r->choices[k].seed = seed + (uint32_t)k;
		ids = json_object_get(c, "token_ids");
		r->choices[k].tokens = json_is_array(ids) ? (int)json_array_size(ids) : -1;
		untold += r->choices[k].tokens < 0;
	}
	usage = json_object_get(root, "usage");
	if (json_is_object(usage)) {
		r->prompt_tokens = get_count(usage, "prompt_tokens");
		r->completion_tokens = get_count(usage, "completion_tokens");
	}
	if (untold == r->n && r->completion_tokens >= 0) {
		/* the reply's total, shared evenly (exact for one choice) */
		int q = r->completion_tokens / r->n, rem = r->completion_tokens % r->n;
		for (int k = 0; k < r->n; k++)
			r->choices[k].tokens = q + (k < rem);
	}
	rc = 0;
	goto out;
bad:
	oai_reply_release(r);
	r->prompt_tokens = r->completion_tokens = -1;
out:
	json_decref(root);
	return rc;
}

int
oai_parse_embedding(const char *body, size_t len, float **vec, int *dim, int *prompt_tokens,
                    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *data, *e = NULL, *emb, *x, *usage;
	size_t i;
	double norm = 0;
	float *v;
	int rc = -1;

	*vec = NULL;
	*dim = 0;
	*prompt_tokens = -1;
	root = json_loadb(body, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "reply is not JSON: %s (line %d, column %d)", je.text, je.line,
		         je.column);
		return -1;
	}
	data = json_object_get(root, "data");
	if (!json_is_array(data) || json_array_size(data) == 0) {
		fail(err, errlen, "reply has no 'data'");
		goto out;
	}
	json_array_foreach(data, i, x) {
		json_t *ix = json_object_get(x, "index");
		if (!ix || (json_is_integer(ix) && json_integer_value(ix) == 0)) {
			e = x;
			break;
		}
	}
	emb = json_object_get(e, "embedding");
	if (!json_is_array(emb) || json_array_size(emb) == 0) {
		fail(err, errlen, "reply has no 'embedding' for input 0");
		goto out;
	}
	v = xmalloc(json_array_size(emb) * sizeof *v);
	json_array_foreach(emb, i, x) {
		if (!json_is_number(x) || !isfinite(json_number_value(x))) {
			free(v);
			fail(err, errlen, "embedding has a value that is not a finite number");
			goto out;
		}
		v[i] = (float)json_number_value(x);
		norm += (double)v[i] * v[i];
	}
	norm = sqrt(norm);
	for (i = 0; norm > 0 && i < json_array_size(emb); i++)
		v[i] = (float)(v[i] / norm);
	*vec = v;
	*dim = (int)json_array_size(emb);
	usage = json_object_get(root, "usage");
	if (json_is_object(usage))
		*prompt_tokens = get_count(usage, "prompt_tokens");
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* at most the first n bytes of s, control characters as '?' */
static void
printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (cap)
		dst[k] = '\0';
}

void
oai_error_message(const char *body, size_t len, char *msg, size_t msglen)
{
	json_t *root = len ? json_loadb(body, len, 0, NULL) : NULL, *e, *m = NULL;

	if (json_is_object(root)) {
		e = json_object_get(root, "error");
		if (json_is_object(e))
			m = json_object_get(e, "message");
		else if (json_is_string(e))
			m = e;
		if (!json_is_string(m))
			m = json_object_get(root, "message");
		if (!json_is_string(m)) {
			m = json_object_get(root, "detail");
			if (m && !json_is_string(m)) {
				char *d = json_dumps(m, JSON_COMPACT);
				printable(msg, msglen, d ? d : "", d ? strlen(d) : 0);
				free(d);
				json_decref(root);
				return;
			}
		}
	}
	if (json_is_string(m)) {
		const char *s = json_string_value(m);
		printable(msg, msglen, s, strlen(s));
	} else if (len) {
		size_t n = len < 200 ? len : 200;
		while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r' || body[n - 1] == ' '))
			n--;
		printable(msg, msglen, body, n);
	} else {
		printable(msg, msglen, "(empty reply)", 13);
	}
	json_decref(root);
}

enum oai_verdict
oai_classify_http(long status, const char *msg, enum oai_kind kind, int n)
{
	if (status >= 200 && status < 300)
		return OAI_DONE;
	/* llama.cpp: "(Illegal param: )only one completion choice is allowed",
	 * as a 400 or, in older builds, a 500 */
	if (kind == OAI_COMPLETE && n > 1 && status >= 400 && msg &&
	    strcasestr(msg, "completion choice"))
		return OAI_ONE_CHOICE;
	if (kind == OAI_EMBED &&
	    (status == 404 || status == 405 || status == 501 ||
	     (status == 400 && msg && strcasestr(msg, "embedding"))))
		return OAI_NO_EMBED;
	if (status == 408 || status == 425 || status == 429 || status >= 500)
		return OAI_RETRY;
	return OAI_FATAL;
}

enum oai_verdict
oai_classify_curl(int code, int *refused)
{
	*refused = 0;
	switch ((CURLcode)code) {
	case CURLE_OK:
		return OAI_DONE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*refused = 1;
		return OAI_RETRY;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_FAILED_INIT:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_LOGIN_DENIED:
		return OAI_FATAL;
	default:
		/* time-outs, resets, nothing or a truncated reply, and the rest */
		return OAI_RETRY;
	}
}

double
oai_retry_after(const char *value, long long now)
{
	char *end;
	double v;
	time_t t;

	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (!*value)
		return -1;
	if (*value >= '0' && *value <= '9') {
		errno = 0;
		v = strtod(value, &end);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (errno || *end || !(v >= 0))
			return -1;
		return v;
	}
	t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return -1;
	return (double)t > (double)now ? (double)t - (double)now : 0;
}

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

double
oai_backoff(const struct oai_config *c, int attempt, uint64_t key)
{
	double d = c->backoff, u;

	for (int i = 1; i < attempt && d < c->backoff_max; i++)
		d *= 2;
	if (d > c->backoff_max)
		d = c->backoff_max;
	u = (double)(mix64(c->seed ^ mix64(key ^ (uint64_t)attempt)) >> 11) * 0x1.0p-53;
	return d / 2 + u * d / 2;
}

void
oai_embed_hash(const char *text, float *out, int dim)
{
	const char *p = text, *prev = NULL;
	size_t prevlen = 0;
	double norm = 0;

	memset(out, 0, (size_t)dim * sizeof *out);
	while (*p) {
		const char *w;
		size_t n;
		uint64_t h;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		n = (size_t)(p - w);
		h = hash64_seed(w, n, 0x656d62);
		out[h % (uint64_t)dim] += (h >> 63) ? -1.0f : 1.0f;
		if (prev) {
			uint64_t g = hash64_seed(prev, prevlen, 0x626967) ^ mix64(h);
			out[g % (uint64_t)dim] += (g >> 63) ? -0.5f : 0.5f;
		}
		prev = w;
		prevlen = n;
	}
	for (int i = 0; i < dim; i++)
		norm += (double)out[i] * out[i];
	norm = sqrt(norm);
	for (int i = 0; norm > 0 && i < dim; i++)
		out[i] = (float)(out[i] / norm);
}

/* ---- the client */

struct endpoint {
	const char *base;
	char *url_complete, *url_embed;
	int max_n;            /* choices per request it gives (learned) */
	double down_until;    /* refused a connection: skipped until then */
	int fails;            /* connection failures in a row */
};

struct req {
	struct oai_job *job;
	size_t slot;          /* its place in the client's inflight array */
	int first, count;     /* samples [first, first+count) */
	int attempt;          /* failures so far */
	double due;           /* may start then */
	int ep;               /* the endpoint of the transfer in flight */
	int nasked;           /* choices asked for in flight */
	CURL *easy;
	char *post;
	char *resp;
	size_t resplen, respcap;
	int too_long;
	double retry_after;   /* from the reply's headers; -1 none */
	char why[320];        /* the last failure */
};

struct oai_client {
	struct oai_config cfg;
	struct endpoint *ep;
	size_t nep, rr;
	CURLM *multi;
	struct curl_slist *hdrs;

	struct req **wait;    /* requests not in flight */
	size_t nwait, capwait;
	struct req **inflight;   /* (active) requests in flight */
	size_t capinflight;
	int active;

	struct oai_job **fifo;   /* jobs made, not handed back: a ring */
	size_t fhead, fn, fcap;
	long outstanding;        /* their samples (at least 1 each) */
	uint64_t seq;
	int input_done, no_embed;

	/* the reader thread's queue */
	pthread_t th;
	int th_started, th_done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct oai_job *q[QUEUE_CAP];
	size_t qhead, qn;
	int qend, qstop;
	oai_next_fn next;
	void *ctx;

	int status;
	char err[1024];
	struct oai_stats st;
};

struct oai_client *
oai_client_new(const struct oai_config *cfg)
{
	struct oai_client *c = xcalloc(1, sizeof *c);
	char *auth;

	c->cfg = *cfg;
	if (c->cfg.concurrency < 1)
		c->cfg.concurrency = 1;
	if (c->cfg.choices < 1)
		c->cfg.choices = 1;
	if (c->cfg.window <= 0)
		c->cfg.window = 8 * c->cfg.concurrency > 1024 ? 8 * c->cfg.concurrency : 1024;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die(EX_SOFTWARE, "cannot initialise libcurl");
	c->multi = curl_multi_init();
	if (!c->multi)
		die(EX_SOFTWARE, "cannot initialise libcurl");
	c->nep = cfg->nendpoints;
	c->ep = xcalloc(c->nep ? c->nep : 1, sizeof *c->ep);
	for (size_t i = 0; i < c->nep; i++) {
		c->ep[i].base = cfg->endpoints[i];
		c->ep[i].url_complete = oai_url(cfg->endpoints[i], "completions");
		c->ep[i].url_embed = oai_url(cfg->endpoints[i], "embeddings");
		c->ep[i].max_n = c->cfg.choices;
	}
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	c->hdrs = curl_slist_append(c->hdrs, "Accept: application/json");
	/* no "Expect: 100-continue" wait before a large body */
	c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	if (cfg->api_key && *cfg->api_key) {
		auth = xasprintf("Authorization: Bearer %s", cfg->api_key);
		c->hdrs = curl_slist_append(c->hdrs, auth);
		free(auth);
	}
	if (!c->hdrs)
		die(EX_OSERR, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

const char *
oai_error(const struct oai_client *c)
{
	return c->err;
}

const struct oai_stats *
oai_stats(const struct oai_client *c)
{
	return &c->st;
}

void
oai_stats_line(const struct oai_client *c, char *buf, size_t len)
{
	const struct oai_stats *s = &c->st;
	int n = snprintf(buf, len, "%ld request%s for %ld sample%s; %ld retried", s->requests,
	                 s->requests == 1 ? "" : "s", s->samples, s->samples == 1 ? "" : "s",
	                 s->retries);

	if (n > 0 && (size_t)n < len && (s->retries || s->fewer || s->one_choice))
		snprintf(buf + n, len - (size_t)n,
		         " (%ld refused, %ld timed out, %ld truncated, %ld HTTP 429, %ld HTTP 5xx, "
		         "%ld malformed); %ld repl%s with fewer choices than asked for; %ld "
		         "endpoint%s taking one choice at a time",
		         s->refused, s->timeouts, s->truncated, s->http429, s->http5xx, s->malformed,
		         s->fewer, s->fewer == 1 ? "y" : "ies", s->one_choice,
		         s->one_choice == 1 ? "" : "s");
}

static void
req_free(struct req *r)
{
	if (!r)
		return;
	free(r->post);
	free(r->resp);
	free(r);
}

static void
wait_add(struct oai_client *c, struct req *r)
{
	xgrow(&c->wait, &c->capwait, c->nwait + 1, sizeof *c->wait);
	c->wait[c->nwait++] = r;
}

static struct req *
req_new(struct oai_job *j, int first, int count, double due)
{
	struct req *r = xcalloc(1, sizeof *r);

	r->job = j;
	r->first = first;
	r->count = count;
	r->due = due;
	r->retry_after = -1;
	return r;
}

static void
fatal(struct oai_client *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
fatal(struct oai_client *c, int status, const char *fmt, ...)
{
	va_list ap;

	if (c->status)
		return;
	c->status = status;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct req *r = arg;
	size_t n = size * nmemb;

	if (r->resplen + n > REPLY_MAX) {
		r->too_long = 1;
		return 0;
	}
	if (r->resplen + n + 1 > r->respcap) {
		r->respcap = (r->resplen + n + 1) * 2;
		r->resp = xrealloc(r->resp, r->respcap);
	}
	memcpy(r->resp + r->resplen, data, n);
	r->resplen += n;
	r->resp[r->resplen] = '\0';
	return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct req *r = arg;
	size_t n = size * nmemb;
	char v[128];

	if (n > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
		size_t k = n - 12 < sizeof v - 1 ? n - 12 : sizeof v - 1;
		memcpy(v, data + 12, k);
		v[k] = '\0';
		r->retry_after = oai_retry_after(v, (long long)time(NULL));
	} else if (n > 5 && strncasecmp(data, "HTTP/", 5) == 0) {
		r->retry_after = -1;   /* a new response's headers */
	}
	return n;
}

/* The endpoint for the next transfer: round-robin over those not down; if
 * all are down, the one that comes back first. */
static int
pick_endpoint(struct oai_client *c, double now)
{
	size_t best = 0;

	for (size_t i = 0; i < c->nep; i++) {
		size_t e = (c->rr + i) % c->nep;
		if (c->ep[e].down_until <= now) {
			c->rr = e + 1;
			return (int)e;
		}
	}
	for (size_t e = 1; e < c->nep; e++)
		if (c->ep[e].down_until < c->ep[best].down_until)
			best = e;
	c->rr = best + 1;
	return (int)best;
}

static void
start(struct oai_client *c, struct req *r, double now)
{
	struct oai_job *j = r->job;
	struct endpoint *e;
	size_t len;
	CURL *h;

	r->ep = pick_endpoint(c, now);
	e = &c->ep[r->ep];
	if (j->kind == OAI_COMPLETE) {
		if (r->count > e->max_n) {
			/* this endpoint takes fewer: the rest wait their turn */
			wait_add(c, req_new(j, r->first + e->max_n, r->count - e->max_n, now));
			r->count = e->max_n;
		}
		r->nasked = r->count;
		r->post = oai_completion_body(&c->cfg, j->prompt, r->count,
		                              j->seed + (uint32_t)r->first,
		                              j->stop ? j->stop : c->cfg.stop,
		                              j->stop ? j->nstop : c->cfg.nstop, &len);
	} else {
		r->nasked = 1;
		r->post = oai_embedding_body(&c->cfg, j->prompt, &len);
	}
	r->resplen = 0;
	r->too_long = 0;
	r->retry_after = -1;
	h = curl_easy_init();
	if (!h)
		die(EX_OSERR, "out of memory");
	curl_easy_setopt(h, CURLOPT_URL, j->kind == OAI_EMBED ? e->url_embed : e->url_complete);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->post);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(c->cfg.timeout * 1000 + 0.5));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)((c->cfg.timeout < 10 ? c->cfg.timeout : 10) * 1000 + 0.5));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PRIVATE, r);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	r->easy = h;
	if (curl_multi_add_handle(c->multi, h) != CURLM_OK)
		die(EX_SOFTWARE, "libcurl: cannot add a transfer");
	xgrow(&c->inflight, &c->capinflight, (size_t)c->active + 1, sizeof *c->inflight);
	r->slot = (size_t)c->active;
	c->inflight[c->active++] = r;
	c->st.requests++;
}

/* Start ready requests, the oldest job's first, while slots are free. */
static void
fill(struct oai_client *c, double now)
{
	while (c->active < c->cfg.concurrency && c->nwait) {
		size_t best = c->nwait;
		for (size_t i = 0; i < c->nwait; i++) {
			struct req *r = c->wait[i];
			if (r->due > now)
				continue;
			if (best == c->nwait || r->job->seq < c->wait[best]->job->seq ||
			    (r->job->seq == c->wait[best]->job->seq && r->first < c->wait[best]->first))
				best = i;
		}
		if (best == c->nwait)
			return;
		{
			struct req *r = c->wait[best];
			c->wait[best] = c->wait[--c->nwait];
			start(c, r, now);
		}
	}
}

/* A request failed: ask again after a back-off, or give up. */
static void
retry(struct oai_client *c, struct req *r, double now)
{
	double d;

	c->st.retries++;
	if (++r->attempt > c->cfg.retries) {
		fatal(c, EX_UNAVAILABLE, "no answer from '%s'%s%s%s after %d attempt%s: %s",
		      c->ep[r->ep].base, r->job->name ? " for '" : "",
		      r->job->name ? r->job->name : "", r->job->name ? "'" : "", r->attempt,
		      r->attempt == 1 ? "" : "s", r->why);
		req_free(r);
		return;
	}
	d = oai_backoff(&c->cfg, r->attempt,
	                (r->job->seq << 20) ^ (uint64_t)r->first ^ ((uint64_t)r->job->seed << 32));
	if (r->retry_after >= 0)
		d = d > r->retry_after ? d : (r->retry_after < RETRY_AFTER_MAX ? r->retry_after
		                                                               : RETRY_AFTER_MAX);
	r->due = now + d;
	free(r->post);
	r->post = NULL;
	wait_add(c, r);
}

static void
fill_samples(struct oai_client *c, struct req *r, struct oai_reply *rep)
{
	struct oai_job *j = r->job;

	for (int i = 0; i < rep->n; i++) {
		struct oai_sample *s = &j->samples[r->first + i];
		if (s->text) {
			fatal(c, EX_SOFTWARE, "internal error: sample %d answered twice", r->first + i);
			return;
		}
		*s = rep->choices[i];
		rep->choices[i].text = rep->choices[i].finish = NULL;
	}
	if (rep->prompt_tokens >= 0)
		j->prompt_tokens = rep->prompt_tokens;
	j->remaining -= rep->n;
}

/* A transfer ended with code. */
static void
done(struct oai_client *c, struct req *r, CURLcode code, double now)
{
	struct endpoint *e = &c->ep[r->ep];
	struct oai_job *j = r->job;
	long status = 0;
	int refused;
	char msg[256];
	enum oai_verdict v;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(c->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	c->inflight[r->slot] = c->inflight[--c->active];
	c->inflight[r->slot]->slot = r->slot;

	v = oai_classify_curl(code, &refused);
	if (v != OAI_DONE) {
		snprintf(r->why, sizeof r->why, "%s",
		         r->too_long ? "reply longer than 64 MiB" : curl_easy_strerror(code));
		if (v == OAI_FATAL) {
			fatal(c, EX_UNAVAILABLE, "'%s': %s", e->base, r->why);
			req_free(r);
			return;
		}
		if (refused) {
			c->st.refused++;
			e->fails++;
			e->down_until = now + oai_backoff(&c->cfg, e->fails, (uint64_t)r->ep);
		} else if (code == CURLE_OPERATION_TIMEDOUT) {
			c->st.timeouts++;
		} else {
			c->st.truncated++;
		}
		retry(c, r, now);
		return;
	}
	e->fails = 0;
	e->down_until = 0;
	if (status < 200 || status >= 300) {
		oai_error_message(r->resp, r->resplen, msg, sizeof msg);
		snprintf(r->why, sizeof r->why, "HTTP %ld: %s", status, msg);
		v = oai_classify_http(status, msg, j->kind, r->nasked);
		switch (v) {
		case OAI_ONE_CHOICE:
			/* not a failure: ask this endpoint one choice at a time */
			if (e->max_n > 1)
				c->st.one_choice++;
			e->max_n = 1;
			r->due = now;
			free(r->post);
			r->post = NULL;
			wait_add(c, r);
			return;
		case OAI_NO_EMBED:
			c->no_embed = 1;
			j->unsupported = 1;
			j->remaining = 0;
			req_free(r);
			return;
		case OAI_RETRY:
			if (status == 429)
				c->st.http429++;
			else if (status >= 500)
				c->st.http5xx++;
			retry(c, r, now);
			return;
		default:
			if (j->name)
				fatal(c, EX_UNAVAILABLE, "'%s' refused '%s': %s", e->base, j->name,
				      r->why);
			else
				fatal(c, EX_UNAVAILABLE, "'%s' refused a request: %s", e->base, r->why);
			req_free(r);
			return;
		}
	}
	if (j->kind == OAI_EMBED) {
		if (oai_parse_embedding(r->resp, r->resplen, &j->embedding, &j->dim, &j->prompt_tokens,
		                        r->why, sizeof r->why) < 0) {
			c->st.malformed++;
			retry(c, r, now);
			return;
		}
		j->remaining = 0;
		req_free(r);
		return;
	}
	{
		struct oai_reply rep;
		if (oai_parse_completion(r->resp, r->resplen, r->nasked,
		                         j->stop ? j->stop : c->cfg.stop,
		                         j->stop ? j->nstop : c->cfg.nstop,
		                         j->seed + (uint32_t)r->first, &rep, r->why,
		                         sizeof r->why) < 0) {
			c->st.malformed++;
			retry(c, r, now);
			return;
		}
		fill_samples(c, r, &rep);
		if (rep.n < r->count) {
			/* fewer choices than asked for: ask again for the rest */
			c->st.fewer++;
			if (rep.n < e->max_n)
				e->max_n = rep.n;
			wait_add(c, req_new(j, r->first + rep.n, r->count - rep.n, now));
		}
		oai_reply_release(&rep);
		req_free(r);
	}
}

static void *
reader(void *arg)
{
	struct oai_client *c = arg;

	for (;;) {
		struct oai_job *j = c->next(c->ctx);
		pthread_mutex_lock(&c->mu);
		while (c->qn == QUEUE_CAP && !c->qstop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->qstop) {
			pthread_mutex_unlock(&c->mu);
			oai_job_free(j);
			break;
		}
		if (!j) {
			c->qend = 1;
			pthread_mutex_unlock(&c->mu);
			curl_multi_wakeup(c->multi);
			break;
		}
		c->q[(c->qhead + c->qn) % QUEUE_CAP] = j;
		c->qn++;
		pthread_mutex_unlock(&c->mu);
		curl_multi_wakeup(c->multi);
	}
	return NULL;
}

/* Take made jobs into the window; returns whether any was taken. */
static int
pull(struct oai_client *c, double now)
{
	int any = 0;

	while (!c->input_done && (c->fn == 0 || c->outstanding < c->cfg.window)) {
		struct oai_job *j = NULL;
		pthread_mutex_lock(&c->mu);
		if (c->qn) {
			j = c->q[c->qhead];
			c->qhead = (c->qhead + 1) % QUEUE_CAP;
			c->qn--;
			pthread_cond_signal(&c->cv);
		} else if (c->qend) {
			c->input_done = 1;
		}
		pthread_mutex_unlock(&c->mu);
		if (!j)
			break;
		any = 1;
		j->seq = c->seq++;
		j->remaining = j->kind == OAI_COMPLETE ? j->k : j->kind == OAI_EMBED ? 1 : 0;
		if (j->kind == OAI_EMBED && c->no_embed) {
			j->unsupported = 1;
			j->remaining = 0;
		}
		if (c->fn == c->fcap) {
			struct oai_job **nf = xcalloc(c->fcap ? 2 * c->fcap : 64, sizeof *nf);
			for (size_t i = 0; i < c->fn; i++)
				nf[i] = c->fifo[(c->fhead + i) % c->fcap];
			free(c->fifo);
			c->fifo = nf;
			c->fhead = 0;
			c->fcap = c->fcap ? 2 * c->fcap : 64;
		}
		c->fifo[(c->fhead + c->fn) % c->fcap] = j;
		c->fn++;
		c->outstanding += j->k > 0 ? j->k : 1;
		c->st.jobs++;
		c->st.samples += j->k;
		if (j->remaining > 0)
			wait_add(c, req_new(j, 0, j->remaining, now));
	}
	return any;
}

/* Hand back the finished jobs at the head; returns whether any was. */
static int
deliver_ready(struct oai_client *c, oai_deliver_fn deliver, void *ctx)
{
	int any = 0;

	while (c->fn && c->fifo[c->fhead]->remaining == 0 && !c->status) {
		struct oai_job *j = c->fifo[c->fhead];
		c->fhead = (c->fhead + 1) % c->fcap;
		c->fn--;
		c->outstanding -= j->k > 0 ? j->k : 1;
		any = 1;
		deliver(ctx, j);
	}
	return any;
}

int
oai_run(struct oai_client *c, oai_next_fn next, oai_deliver_fn deliver, void *ctx)
{
	int running;

	if (c->nep == 0) {
		fatal(c, EX_USAGE, "no endpoint: give --endpoint URL (or openai.endpoints)");
		return c->status;
	}
	c->next = next;
	c->ctx = ctx;
	if (pthread_create(&c->th, NULL, reader, c) != 0)
		die(EX_OSERR, "cannot start a thread:");
	c->th_started = 1;
	for (;;) {
		double now = now_seconds();
		long tmo = 1000, ct = -1;
		int busy;
		CURLMsg *m;

		busy = pull(c, now);
		busy |= deliver_ready(c, deliver, ctx);
		if (c->status)
			break;
		if (c->input_done && c->fn == 0)
			break;
		fill(c, now);
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			fatal(c, EX_SOFTWARE, "libcurl: the transfer loop failed");
			break;
		}
		while ((m = curl_multi_info_read(c->multi, &running)) != NULL) {
			struct req *r;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			done(c, r, m->data.result, now_seconds());
			busy = 1;
		}
		if (c->status)
			break;
		if (busy)
			continue;
		curl_multi_timeout(c->multi, &ct);
		if (ct >= 0 && ct < tmo)
			tmo = ct;
		if (c->active < c->cfg.concurrency) {
			for (size_t i = 0; i < c->nwait; i++) {
				double dt = (c->wait[i]->due - now) * 1000;
				if (dt < 0)
					dt = 0;
				if (dt < (double)tmo)
					tmo = (long)dt + 1;
			}
		}
		curl_multi_poll(c->multi, NULL, 0, (int)tmo, NULL);
	}
	pthread_mutex_lock(&c->mu);
	c->qstop = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (!c->status) {
		pthread_join(c->th, NULL);
		c->th_done = 1;
	}
	return c->status;
}

void
oai_client_free(struct oai_client *c)
{
	if (!c)
		return;
	if (c->th_started && !c->th_done) {
		/* the reader may still run (see oai_run): leave it what it uses */
		return;
	}
	for (size_t i = 0; i < c->nwait; i++)
		req_free(c->wait[i]);
	free(c->wait);
	for (int i = 0; i < c->active; i++) {
		curl_multi_remove_handle(c->multi, c->inflight[i]->easy);
		curl_easy_cleanup(c->inflight[i]->easy);
		req_free(c->inflight[i]);
	}
	free(c->inflight);
	for (size_t i = 0; i < c->fn; i++)
		oai_job_free(c->fifo[(c->fhead + i) % c->fcap]);
	free(c->fifo);
	for (size_t i = 0; i < c->qn; i++)
		oai_job_free(c->q[(c->qhead + i) % QUEUE_CAP]);
	for (size_t i = 0; i < c->nep; i++) {
		free(c->ep[i].url_complete);
		free(c->ep[i].url_embed);
	}
	free(c->ep);
	curl_slist_free_all(c->hdrs);
	curl_multi_cleanup(c->multi);
	curl_global_cleanup();
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* ---- embeddings, all at once */

struct embed_run {
	const char *const *texts;
	size_t n, next;
	float **rows;       /* (n) */
	int *dims;          /* (n) */
	int unsupported;
};

static struct oai_job *
embed_next(void *ctx)
{
	struct embed_run *e = ctx;
	struct oai_job *j;

	if (e->next == e->n)
		return NULL;
	j = oai_job_new(OAI_EMBED, xstrdup(e->texts[e->next]), 0, 0, NULL);
	j->tag = (void *)e->next++;
	return j;
}

static void
embed_deliver(void *ctx, struct oai_job *j)
{
	struct embed_run *e = ctx;
	size_t i = (size_t)j->tag;

	if (j->unsupported)
		e->unsupported = 1;
	e->rows[i] = j->embedding;
	e->dims[i] = j->dim;
	j->embedding = NULL;
	oai_job_free(j);
}

int
oai_embed_all(const struct oai_config *cfg, const char *const *texts, size_t n,
              int fallback_dim, float **out, int *dim, int *fallback, char *err, size_t errlen)
{
	struct embed_run e;
	struct oai_client *c;
	int st;

	*out = NULL;
	*dim = 0;
	*fallback = 0;
	memset(&e, 0, sizeof e);
	e.texts = texts;
	e.n = n;
	e.rows = xcalloc(n ? n : 1, sizeof *e.rows);
	e.dims = xcalloc(n ? n : 1, sizeof *e.dims);
	c = oai_client_new(cfg);
	st = oai_run(c, embed_next, embed_deliver, &e);
	if (st) {
		snprintf(err, errlen, "%s", oai_error(c));
		/* embed_next never blocks: the reader ends at once */
		pthread_join(c->th, NULL);
		c->th_done = 1;
	}
	oai_client_free(c);
	if (!st && e.unsupported) {
		*fallback = 1;
		*dim = fallback_dim;
		*out = xmalloc((n ? n : 1) * (size_t)fallback_dim * sizeof **out);
		for (size_t i = 0; i < n; i++)
			oai_embed_hash(texts[i], *out + i * (size_t)fallback_dim, fallback_dim);
	} else if (!st) {
		*dim = n ? e.dims[0] : 0;
		for (size_t i = 0; i < n && !st; i++)
			if (e.dims[i] != *dim) {
				snprintf(err, errlen, "the server's embeddings differ in width (%d, %d)",
				         *dim, e.dims[i]);
				st = EX_UNAVAILABLE;
			}
		if (!st) {
			*out = xmalloc((n ? n : 1) * (size_t)(*dim ? *dim : 1) * sizeof **out);
			for (size_t i = 0; i < n; i++)
				memcpy(*out + i * (size_t)*dim, e.rows[i], (size_t)*dim * sizeof **out);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(e.rows[i]);
	free(e.rows);
	free(e.dims);
	if (st)
		*dim = 0;
	return st;
}
