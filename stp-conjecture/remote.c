/*
 * remote.c - stp-conjecture --backend openai: conjectures from an
 * OpenAI-compatible server (lib/backend/openai.h)
 *
 * In: Lean seed records ("system":"lean"; the header in "context"; the seed
 * theorem's "statement" and "proof"; "lemma", with "lemma_statement" when
 * stp-seed knows it). Each seed's prompt is STP's (lib/prompt.h:
 * prompt_lean_conjecturer): the lemma's statement (its name when the seed has
 * none; "theorem true: True" for the trivial lemma) and the easy theorem, the
 * seed's statement and proof; no header, as STP's sampling prompt has none.
 * The model writes the rest of the hard theorem after " theorem", cut at
 * "</hard theorem>" (or the --stop sequences). Sample i of a seed is asked
 * for with the seed oai_seed(seed, seed id) + i, so the output depends on
 * neither concurrency nor retries.
 *
 * Metamath seeds (the built-in model's formats served remotely, e.g. an
 * exported checkpoint on vLLM) get the built-in backend's prompt
 * (prompt_mm_conjecturer), stop "<eos>", and its filters (filter.c: well
 * formed by the database, new up to renaming, valid, at most M of --max or
 * --state), so that the records and counts are the built-in backend's. One
 * input holds the seeds of one system.
 *
 * The conjecture is made as STP makes it (prompt_lean_parse_conjecture):
 * "theorem " + the sample, cut at its first ":=", then ":= by"; a sample with
 * no name or with one of the prompt's markers is not well formed. NEEDSWORK:
 * that is syntax only; whether it elaborates is for Lean (stp-verify) to
 * say. Duplicates (whitespace-insensitive) of --dataset statements of the
 * same system and of one another are dropped; at most --max are kept, in
 * order. The records are those of the built-in backend with "system":"lean",
 * the seed's "context" and no "hyps".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "conj.h"
#include "config.h"
#include "dedup.h"
#include "jsonl.h"
#include "msg.h"
#include "prompt.h"

static const char *const stop_lean[] = { "</hard theorem>", "```" };
static const char *const stop_mm[] = { "<eos>" };

struct item {
	json_t *rec;
	const char *id, *context, *lemma;   /* in rec */
	int mm;                              /* a Metamath seed */
};

struct run {
	const struct copts *o;
	struct oai_records rs;
	struct pbuf prompt;                  /* the reader's */
	struct out out;
	struct dedup seen;                   /* conjectures and --dataset statements */
	long ngen, nwf, nnew, nkept, nseeds;
	const char *system;                  /* the reader's: the input's system, once seen */
	int user_stop;                       /* --stop or conjecture.stop given */
	struct mm_db *db;                    /* Metamath seeds: loaded at the first */
	struct cfilter f;                    /* ... and their filters */
};

/* The Metamath seed's prompt into x->prompt (the reader thread): the
 * fields as the built-in backend reads them. 0, or -1 with err. */
static int
mm_prompt(struct run *x, json_t *rec, const char *stmt, const char *proof, const char *lemma,
          const char *file, long lineno, struct jsonl_err *err)
{
	struct jsonl_strs th = { NULL, 0, 0 }, lh = { NULL, 0, 0 };
	const char *lstmt = "";
	struct pstmt lem, thm;
	int r = -1;

	if (jsonl_get_strs(rec, "hyps", 0, &th, file, lineno, err) < 0 ||
	    (*lemma && jsonl_get_str(rec, "lemma_statement", 1, &lstmt, file, lineno, err) < 0) ||
	    jsonl_get_strs(rec, "lemma_hyps", 0, &lh, file, lineno, err) < 0)
		goto done;
	lem = (struct pstmt){ lstmt, lh.v, lh.n };
	thm = (struct pstmt){ stmt, th.v, th.n };
	pbuf_reset(&x->prompt);
	prompt_mm_conjecturer(&x->prompt, lemma, &lem, &thm, proof);
	r = 0;
done:
	free(th.v);
	free(lh.v);
	return r;
}

/* The reader thread: a seed's job (an oai_make_fn). */
static struct oai_job *
make_job(void *ctx, const char *line, size_t len, const char *file, long lineno,
         struct jsonl_err *err)
{
	struct run *x = ctx;
	const struct copts *o = x->o;
	const char *system = "metamath", *stmt, *proof, *lstmt = NULL;
	long long k;
	json_t *rec;
	struct item *it = xcalloc(1, sizeof *it);
	struct oai_job *j;
	char *easy;
	int nsamp = o->s.samples;

	rec = jsonl_parse(line, len, file, lineno, err);
	if (!rec || jsonl_get_str(rec, "id", 1, &it->id, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "system", 0, &system, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "statement", 1, &stmt, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "proof", 1, &proof, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "context", 0, &it->context, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "lemma", 1, &it->lemma, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "lemma_statement", 0, &lstmt, file, lineno, err) < 0)
		goto bad;
	if (strcmp(system, "lean") != 0 && strcmp(system, "metamath") != 0) {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg,
		         "%s:%ld: field 'system': '%s' has no conjecturer prompt for --backend openai",
		         file, lineno, system);
		goto bad;
	}
	if (x->system && strcmp(system, x->system) != 0) {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg,
		         "%s:%ld: field 'system': a '%s' seed after '%s' ones (one system per input)",
		         file, lineno, system, x->system);
		goto bad;
	}
	x->system = strcmp(system, "lean") == 0 ? "lean" : "metamath";
	it->mm = strcmp(system, "metamath") == 0;
	if (it->mm) {
		if (mm_prompt(x, rec, stmt, proof, it->lemma, file, lineno, err) < 0)
			goto bad;
	} else {
		/* the easy theorem: the statement and its proof, as the prover wrote
		 * it (after ":= by"; a newline between them when the proof starts
		 * without white space) */
		easy = xasprintf("%s%s%s", stmt,
		                 *proof && !isspace((unsigned char)*proof) ? "\n" : "", proof);
		pbuf_reset(&x->prompt);
		prompt_lean_conjecturer(&x->prompt,
		                        lstmt && *lstmt ? lstmt
		                        : *it->lemma   ? it->lemma
		                                       : PROMPT_LEAN_TRIVIAL_LEMMA,
		                        easy);
		free(easy);
	}
	/* a seed may say how many conjectures to draw (stp-seed: min(8, 3n/#seeds)) */
	if (jsonl_get_int(rec, "samples", 0, &k, file, lineno, err) > 0 && k >= 1 && k < nsamp)
		nsamp = (int)k;
	it->rec = rec;
	j = oai_job_new(OAI_COMPLETE, xstrdup(x->prompt.s), nsamp, oai_seed(o->s.seed, it->id), it);
	j->name = it->id;
	if (!x->user_stop) {
		j->stop = it->mm ? stop_mm : stop_lean;
		j->nstop = it->mm ? 1 : 2;
	}
	return j;
bad:
	json_decref(rec);
	free(it);
	return NULL;
}

/* A Metamath seed's samples through the built-in backend's filters (the
 * database loaded at the first). */
static void
deliver_mm(struct run *x, struct oai_job *j)
{
	const struct copts *o = x->o;
	struct item *it = j->tag;
	int32_t context;

	if (!x->db) {
		char err[1024];
		int io;
		if (!(x->db = mm_db_load(o->s.db, err, sizeof err, &io))) {
			if (!x->out.is_stdout)
				atomic_abort(&x->out.af);
			die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
		}
		cfilter_init(&x->f, o, x->db);
		if (o->dataset)
			cfilter_dataset(&x->f, o->dataset);
	}
	context = it->context ? mm_db_label(x->db, it->context, strlen(it->context))
	                      : x->db->nstmts;
	if (context < 0) {
		if (!x->out.is_stdout)
			atomic_abort(&x->out.af);
		die(EX_DATAERR, "seed '%s': field 'context': '%s' is not in %s", it->id, it->context,
		    o->s.db);
	}
	x->f.nseeds++;
	for (int i = 0; i < j->k; i++) {
		const struct oai_sample *s = &j->samples[i];
		struct pconj pc;
		char perr[256];
		if (strcmp(s->finish, "stop") == 0 &&
		    prompt_mm_parse_conjecture(s->text, MM_CAND_MAXHYPS, &pc, perr, sizeof perr) == 0) {
			cfilter_offer(&x->f, NULL, it->context, context, pc.statement,
			              (const char *const *)pc.hyps, pc.nhyps, it->id, it->lemma);
			prompt_conj_free(&pc);
		} else {
			x->f.ngen++;   /* generated, not even a statement */
		}
	}
	json_decref(it->rec);
	free(it);
	oai_job_free(j);
}

static void
deliver(void *ctx, struct oai_job *j)
{
	struct run *x = ctx;
	const struct copts *o = x->o;
	struct item *it = j->tag;

	if (it->mm) {
		deliver_mm(x, j);
		return;
	}
	x->nseeds++;
	for (int i = 0; i < j->k; i++) {
		char *c = prompt_lean_parse_conjecture(j->samples[i].text);
		x->ngen++;
		if (!c)
			continue;
		x->nwf++;
		if (dedup_add(&x->seen, "lean", c)) {
			x->nnew++;
			if (o->max < 0 || x->nkept < o->max) {
				char id[CONJ_ID_SIZE];
				json_t *cj = json_object();
				conj_id(id, "lean", it->context, c, NULL, 0);
				json_object_set_new(cj, "id", json_string(id));
				json_object_set_new(cj, "system", json_string("lean"));
				if (it->context)
					json_object_set_new(cj, "context", json_string(it->context));
				json_object_set_new(cj, "statement", json_string(c));
				json_object_set_new(cj, "split", json_string("conjecture"));
				json_object_set_new(cj, "source", json_string("conjecture"));
				json_object_set_new(cj, "seed", json_string(it->id));
				json_object_set_new(cj, "lemma", json_string(it->lemma));
				json_object_set_new(cj, "iter", json_integer(o->s.iter < 0 ? 0 : o->s.iter));
				if (jsonl_write(x->out.fp, cj) < 0)
					die(EX_IOERR, "write error:");
				json_decref(cj);
				x->nkept++;
			}
		}
		free(c);
	}
	json_decref(it->rec);
	free(it);
	oai_job_free(j);
}

int
conjecture_remote(struct copts *o)
{
	struct oai_config cfg;
	struct config *cf = config_load(o->config);
	struct oai_client *c;
	struct run x;

	oai_config_setup(&cfg, cf, &o->cli, o->s.model, "conjecture.stop", o->s.max_tokens,
	                 o->s.temperature, o->s.top_p, o->s.seed);

	memset(&x, 0, sizeof x);
	x.o = o;
	x.user_stop = cfg.nstop > 0;
	if (o->dataset)
		dedup_dataset(&x.seen, o->dataset);
	x.rs = (struct oai_records){ .in = jsonl_in_open(o->files, o->nfiles, 0),
	                             .keep_going = o->keep_going, .out = &x.out, .make = make_job,
	                             .deliver = deliver, .ctx = &x };
	out_open(&x.out, o->out);
	c = oai_client_new(&cfg);
	oai_records_run(&x.rs, c);
	if (x.db)
		cfilter_finish(&x.f, x.out.fp);
	out_close(&x.out);
	jsonl_in_close(x.rs.in);
	if (o->stats) {
		struct out so;
		json_t *js;
		if (x.db) {
			js = cfilter_stats(&x.f);
		} else {
			js = json_object();
			json_object_set_new(js, "seeds", json_integer(x.nseeds));
			json_object_set_new(js, "generated", json_integer(x.ngen));
			json_object_set_new(js, "well_formed", json_integer(x.nwf));
			json_object_set_new(js, "new", json_integer(x.nnew));
			json_object_set_new(js, "kept", json_integer(x.nkept));
		}
		out_open(&so, o->stats);
		if (jsonl_write(so.fp, js) < 0)
			die(EX_IOERR, "write error:");
		out_close(&so);
		json_decref(js);
	}
	if (x.db) {
		cfilter_progress(&x.f);
		cfilter_release(&x.f);
		mm_db_free(x.db);
	} else {
		progress("%ld seeds: %ld conjectures generated, %ld well formed (%.1f%%), %ld new "
		         "(%.1f%%), %ld kept", x.nseeds, x.ngen, x.nwf,
		         x.ngen ? 100.0 * (double)x.nwf / (double)x.ngen : 0.0, x.nnew,
		         x.ngen ? 100.0 * (double)x.nnew / (double)x.ngen : 0.0, x.nkept);
	}
	oai_client_free(c);
	oai_cli_release(&o->cli);
	pbuf_free(&x.prompt);
	dedup_release(&x.seen);
	config_free(cf);
	if (x.rs.nbad) {
		error("%ld malformed record%s skipped", x.rs.nbad, x.rs.nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	return 0;
}
