/*
 * remote.c - stp-prove --backend openai: samples from an OpenAI-compatible
 * server (lib/backend/openai.h)
 *
 * The records stream in through the client's reader thread; each becomes one
 * job of K samples whose prompt is the system's prover prompt (lib/prompt.h):
 *
 *   lean      prompt_lean_prover(context, statement), --lean-prompt's
 *             format (DeepSeek-Prover-V1.5's non-cot or cot); the attempt's format is
 *             "lean" and its proof the tactic code the model wrote after
 *             ":= by", cut at the stop sequences (default "```", where
 *             STP's format closes the code block)
 *   isabelle  prompt_isabelle_prover(context, statement); format "isabelle"
 *             and the proof the text the model wrote after the statement,
 *             cut at the stop sequences (default "```")
 *   metamath  prompt_mm_prover(statement, hyps); format "steps"; default stop
 *             "<eos>"
 *
 * Any other system is a bad record (65): it has no prompt format. The
 * attempts are the record plus proof, format, sample, iter, model (the served
 * model's name), gen_tokens, gen_stop (the server's finish_reason), gen_seed
 * (the seed the sample was asked for with) and prompt_tokens, written in input
 * order. With --embed: {"id","embedding"} for every record, its prover prompt
 * embedded through /v1/embeddings (oai_embed_all, the records read first),
 * or, where the server has none, by the hashed-token fallback
 * (oai_embed_hash), with a warning.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "config.h"
#include "jsonl.h"
#include "msg.h"
#include "prompt.h"
#include "prove.h"

#define FALLBACK_DIM 256   /* the hashed embedding's width */

/* The prompt formats' own ends, used unless --stop (or prove.stop) is given. */
static const char *const stop_lean[] = { "```" };
static const char *const stop_mm[] = { "<eos>" };

/* One record on its way: the tag of its job. */
struct item {
	json_t *rec;
	const char *id;        /* in rec */
	const char *format;
	const char *const *stop;   /* the format's default stop sequences */
};

struct run {
	const struct prove_opts *o;
	const char *model;
	struct oai_records rs;
	struct pbuf prompt;    /* the reader's */
	struct out out;
	long nstmt;
	int user_stop;         /* --stop or prove.stop given: the client's apply */
	double t0;
};

/* The reader thread: a record's job (an oai_make_fn). */
static struct oai_job *
make_job(void *ctx, const char *line, size_t len, const char *file, long lineno,
         struct jsonl_err *err)
{
	struct run *x = ctx;
	const struct prove_opts *o = x->o;
	const char *system = "metamath", *context = NULL, *statement, *id;
	json_t *rec, *h = NULL;
	struct item *it;
	struct oai_job *j;

	rec = jsonl_parse(line, len, file, lineno, err);
	if (!rec || jsonl_get_str(rec, "id", 1, &id, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "system", 0, &system, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "context", 0, &context, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "statement", 1, &statement, file, lineno, err) < 0 ||
	    jsonl_get_strarray(rec, "hyps", 0, &h, file, lineno, err) < 0) {
		json_decref(rec);
		return NULL;
	}
	if (strcmp(system, "lean") != 0 && strcmp(system, "isabelle") != 0 &&
	    strcmp(system, "metamath") != 0) {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg,
		         "%s:%ld: field 'system': '%s' has no prompt format for --backend openai", file,
		         lineno, system);
		json_decref(rec);
		return NULL;
	}
	it = xcalloc(1, sizeof *it);
	it->id = id;
	pbuf_reset(&x->prompt);
	if (strcmp(system, "lean") == 0) {
		prompt_lean_prover(&x->prompt, (enum prompt_lean_style)o->lean_prompt,
		                   context ? context : "", statement);
		it->format = "lean";
		it->stop = stop_lean;
	} else if (strcmp(system, "isabelle") == 0) {
		prompt_isabelle_prover(&x->prompt, context, statement);
		it->format = "isabelle";
		it->stop = stop_lean;   /* the prompt's code block ends the same way */
	} else {
		const char **hv = NULL;
		size_t nh = h ? json_array_size(h) : 0;
		struct pstmt ps;
		if (nh)
			hv = xmalloc(nh * sizeof *hv);
		for (size_t i = 0; i < nh; i++)
			hv[i] = json_string_value(json_array_get(h, i));
		ps = (struct pstmt){ statement, hv, nh };
		prompt_mm_prover(&x->prompt, &ps);
		free(hv);
		it->format = "steps";
		it->stop = stop_mm;
	}
	it->rec = rec;
	if (o->embed)
		j = oai_job_new(OAI_EMBED, xstrdup(x->prompt.s), 0, 0, it);
	else
		j = oai_job_new(OAI_COMPLETE, xstrdup(x->prompt.s), o->s.samples,
		                oai_seed(o->s.seed, it->id), it);
	j->name = it->id;
	if (!x->user_stop) {
		j->stop = it->stop;
		j->nstop = 1;
	}
	return j;
}

static void
write_rec(struct run *x, json_t *a)
{
	if (jsonl_write(x->out.fp, a) < 0)
		die(EX_IOERR, "write error:");
}

/* The main thread: a finished job, in input order. */
static void
deliver(void *ctx, struct oai_job *j)
{
	struct run *x = ctx;
	const struct prove_opts *o = x->o;
	struct item *it = j->tag;

	for (int i = 0; i < j->k; i++) {
		const struct oai_sample *s = &j->samples[i];
		json_t *a = json_deep_copy(it->rec);
		json_object_set_new(a, "proof", json_string(s->text));
		json_object_set_new(a, "format", json_string(it->format));
		json_object_set_new(a, "sample", json_integer(i));
		if (o->s.iter >= 0)
			json_object_set_new(a, "iter", json_integer(o->s.iter));
		json_object_set_new(a, "model", json_string(x->model));
		if (s->tokens >= 0)
			json_object_set_new(a, "gen_tokens", json_integer(s->tokens));
		json_object_set_new(a, "gen_stop", json_string(s->finish));
		json_object_set_new(a, "gen_seed", json_integer(s->seed));
		if (j->prompt_tokens >= 0)
			json_object_set_new(a, "prompt_tokens", json_integer(j->prompt_tokens));
		write_rec(x, a);
		json_decref(a);
	}
	if (++x->nstmt % 100 == 0)
		progress("%ld statements, %.1f/s", x->nstmt,
		         (double)x->nstmt / (now_seconds() - x->t0));
	json_decref(it->rec);
	free(it);
	oai_job_free(j);
}

/* --embed: every record's prompt embedded at once (oai_embed_all), then
 * written in order. */
static void
embed_remote(struct run *x, const struct oai_config *cfg)
{
	struct oai_job **jobs = NULL, *j;
	const char **texts = NULL;
	size_t n = 0, cap = 0, capt = 0;
	float *emb;
	int dim, fallback, st;
	char err[1024];

	while ((j = oai_records_next(&x->rs)) != NULL) {
		if (j->kind == OAI_MARK) {
			oai_records_deliver(&x->rs, j);
			continue;
		}
		xgrow(&jobs, &cap, n + 1, sizeof *jobs);
		xgrow(&texts, &capt, n + 1, sizeof *texts);
		texts[n] = j->prompt;
		jobs[n++] = j;
	}
	st = oai_embed_all(cfg, texts, n, FALLBACK_DIM, &emb, &dim, &fallback, err, sizeof err);
	if (st) {
		if (!x->out.is_stdout)
			atomic_abort(&x->out.af);
		die(st, "%s", err);
	}
	if (fallback)
		warn("the server has no /v1/embeddings: embedding by hashed tokens instead (a "
		     "lexical similarity, not the model's)");
	for (size_t i = 0; i < n; i++) {
		struct item *it = jobs[i]->tag;
		json_t *out = json_object(), *v = json_array();
		for (int k = 0; k < dim; k++)
			json_array_append_new(v, json_real(emb[i * (size_t)dim + (size_t)k]));
		json_object_set_new(out, "id", json_string(it->id));
		json_object_set_new(out, "embedding", v);
		write_rec(x, out);
		json_decref(out);
		json_decref(it->rec);
		free(it);
		oai_job_free(jobs[i]);
	}
	free(emb);
	free(jobs);
	free(texts);
}

int
prove_remote(struct prove_opts *o)
{
	struct oai_config cfg;
	struct config *cf = config_load(o->config);
	struct oai_client *c;
	struct run x;

	oai_config_setup(&cfg, cf, &o->cli, o->s.model, "prove.stop", o->s.max_tokens, o->s.temperature,
	                 o->s.top_p, o->s.seed);

	memset(&x, 0, sizeof x);
	x.o = o;
	x.model = cfg.model;
	x.rs = (struct oai_records){ .in = jsonl_in_open(o->files, o->nfiles, 0),
	                             .keep_going = o->keep_going, .out = &x.out, .make = make_job,
	                             .deliver = deliver, .ctx = &x };
	out_open(&x.out, o->out);
	x.t0 = now_seconds();
	x.user_stop = cfg.nstop > 0;
	if (o->embed) {
		embed_remote(&x, &cfg);
		if (jsonl_in_count(x.rs.in) == 0)
			warn("no records in the input");
	} else {
		/* NEEDSWORK: a prompt longer than the server's context is a 400 that
		 * stops the run; with -k it could instead give K empty attempts, as
		 * the built-in backend does for a prompt it cannot read. */
		c = oai_client_new(&cfg);
		oai_records_run(&x.rs, c);
		oai_client_free(c);
	}
	out_close(&x.out);
	jsonl_in_close(x.rs.in);
	oai_cli_release(&o->cli);
	pbuf_free(&x.prompt);
	config_free(cf);
	if (x.rs.nbad) {
		error("%ld malformed record%s skipped", x.rs.nbad, x.rs.nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	return 0;
}
