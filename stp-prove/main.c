/*
 * stp-prove - sample proofs of statements
 *
 * usage: stp-prove [-k] [-n K] [-c CONFIG] [-o FILE] [--model CKPT] [--db FILE]
 *                  [--temperature T] [--top-p P] [--max-tokens N] [--seed N]
 *                  [--no-constrain] [--k-open K] [--k-conjecture K] [--k-reprove K]
 *                  [--iter N] [-j N] [FILE...]
 *        stp-prove --embed [--model CKPT] [FILE...]
 *        stp-prove --backend openai --endpoint URL... [--model NAME] [-n K] [FILE...]
 *
 * In: statement records. Out: K attempt records per statement (the record,
 * plus proof, format "steps", sample 0..K-1, model, gen_tokens, gen_stop), in
 * input order; K is -n, or prove.k_open, k_conjecture, k_reprove for a record
 * whose "category" (from stp-seed --select) is that. Sampling is constrained by the proof state (docs/steps.md) unless
 * --no-constrain. Sample i of a statement draws from a stream seeded by
 * (seed, the statement's id, i), so the output depends on neither batch size
 * nor threads. With --embed: one record per statement with "embedding" (the
 * model's mean-pooled, L2-normalised last hidden state of its prover prompt).
 * With --backend openai the samples come from an OpenAI-compatible server
 * instead (remote.c): the proof is the completion of the system's prompt.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "embed.h"
#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "prompt.h"
#include "prove.h"

static const char usage_text[] =
	"usage: stp-prove [-k] [-n K] [-c CONFIG] [-o FILE] [--model CKPT] [--db FILE]\n"
	"                 [--temperature T] [--top-p P] [--max-tokens N] [--seed N]\n"
	"                 [--no-constrain] [--k-open K] [--k-conjecture K] [--k-reprove K]\n"
	"                 [--iter N] [-j N] [FILE...]\n"
	"       stp-prove --embed [--model CKPT] [FILE...]\n"
	"       stp-prove --backend openai --endpoint URL... [--model NAME] [-n K] [FILE...]\n"
	"\n"
	"Sample K proofs (steps format) of each statement record; attempts out, in order.\n"
	"\n"
	"  -n, --samples K       samples per statement (default 32)\n"
	"      --model FILE      the checkpoint (prove.model in the configuration)\n"
	"      --db FILE         Metamath database (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	SAMPLING_USAGE("128")
	"      --no-constrain    sample without the proof-state constraint\n"
	"      --k-open K        samples of a record whose \"category\" is open\n"
	"                        (prove.k_open; 0: -n's)\n"
	"      --k-conjecture K  the same for a conjecture (prove.k_conjecture)\n"
	"      --k-reprove K     the same for a statement proved again (prove.k_reprove)\n"
	"      --iter N          set the records' \"iter\" field; fresh samples per N\n"
	"      --embed           write embeddings of the statements instead\n"
	"      --lean-prompt F   the prompt of a Lean statement (openai): non-cot (the default,\n"
	"                        STP's) or cot, DeepSeek-Prover-V1.5's two formats\n"
	SAMPLING_USAGE_OUTPUT
	"  -c, --config FILE     YAML configuration (sections 'prove' and 'openai')\n"
	SAMPLING_USAGE_TAIL;

/* in the order of enum prompt_lean_style */
static const char *const lean_prompts[] = { "non-cot", "cot", NULL };

/* The section 'prove' (docs/stp.yaml.5.scd), bound to the options. */
#define P(f) CONFIG_FIELD(struct prove_opts, f)
static const struct config_key prove_keys[] = {
	SAMPLING_KEYS("prove", struct prove_opts, s),
	{ "prove.constrain", CONFIG_BOOL, P(constrain) },
	/* K per category of input (stp-seed --select's "category"); 0: -n */
	{ "prove.k_open", CONFIG_INT, P(k_cat[PROVE_OPEN]), .min = 0, .max = 100000 },
	{ "prove.k_conjecture", CONFIG_INT, P(k_cat[PROVE_CONJECTURE]), .min = 0, .max = 100000 },
	{ "prove.k_reprove", CONFIG_INT, P(k_cat[PROVE_REPROVE]), .min = 0, .max = 100000 },
	{ "prove.lean_prompt", CONFIG_ENUM, P(lean_prompt), .names = lean_prompts },
	{ NULL },
};
#undef P

/* The statement fields of a record; strings live in rec. */
struct srec {
	const char *id, *context, *statement;
	const char **hyps;
	size_t nhyps;
	const char **dv;
	size_t ndv;
	int K;                 /* samples of this record */
};

/* K for a record of category cat (NULL: none): prove.k_<cat> when set,
 * else -n. */
static int
prove_samples(const struct prove_opts *o, const char *cat)
{
	static const char *const names[PROVE_NCAT] = { "open", "conjecture", "reprove" };

	for (int c = 0; cat && c < PROVE_NCAT; c++)
		if (strcmp(cat, names[c]) == 0 && o->k_cat[c] > 0)
			return o->k_cat[c];
	return o->s.samples;
}

static int
get_srec(const struct prove_opts *o, json_t *rec, struct srec *s, const char *file, long line,
         struct jsonl_err *err)
{
	static __thread const char **dvv;
	static __thread size_t capd;
	static __thread struct jsonl_strs h;
	json_t *dv;

	const char *cat = NULL;

	memset(s, 0, sizeof *s);
	if (jsonl_get_str(rec, "category", 0, &cat, file, line, err) < 0)
		return -1;
	s->K = prove_samples(o, cat);
	if (jsonl_get_str(rec, "id", 1, &s->id, file, line, err) < 0 ||
	    jsonl_get_str(rec, "context", 0, &s->context, file, line, err) < 0 ||
	    jsonl_get_str(rec, "statement", 1, &s->statement, file, line, err) < 0 ||
	    jsonl_get_strs(rec, "hyps", 0, &h, file, line, err) < 0)
		return -1;
	s->hyps = h.v;
	s->nhyps = h.n;
	dv = json_object_get(rec, "dv");
	if (dv && !json_is_null(dv)) {
		size_t i;
		json_t *pr;
		if (!json_is_array(dv))
			goto bad_dv;
		json_array_foreach(dv, i, pr) {
			if (!json_is_array(pr) || json_array_size(pr) != 2 ||
			    !json_is_string(json_array_get(pr, 0)) ||
			    !json_is_string(json_array_get(pr, 1)))
				goto bad_dv;
			xgrow(&dvv, &capd, 2 * i + 2, sizeof *dvv);
			dvv[2 * i] = json_string_value(json_array_get(pr, 0));
			dvv[2 * i + 1] = json_string_value(json_array_get(pr, 1));
			s->ndv = i + 1;
		}
		s->dv = dvv;
	}
	return 0;
bad_dv:
	err->status = EX_DATAERR;
	snprintf(err->msg, sizeof err->msg, "%s:%ld: field 'dv': expected an array of pairs of names",
	         file, line);
	return -1;
}

struct prover {
	const struct prove_opts *o;
	struct mm_db *db;
	struct mms_grammar *g;
	struct mms_parser *parser;
	struct mmc_index *ix;
	struct mmc_work *cw;
	struct model *m;
	struct tokenizer *tok;
	struct vmap vm;
	char model_id[17];
	struct pbuf prompt;
	struct model_ksample ks;   /* the samples of one statement */
	float *emb;
	long tokens;               /* generated, all statements */
};

/* Why a sample ended: <eos>, the token budget, a dead end of the proof state
 * (no token could still lead to a proof), or every token masked. */
static const char *const stop_name[] = { "eos", "length", "dead end", "no token" };

/* The K attempts of one statement record, written to fp. */
static void
prove_one(struct prover *p, json_t *rec, const struct srec *s, FILE *fp)
{
	const struct prove_opts *o = p->o;
	const struct model_sample *res = p->ks.res;
	struct pstmt ps = { s->statement, s->hyps, s->nhyps };
	int K = s->K;
	char *unk = NULL;
	struct pmask *pm = NULL;
	struct mms_stmt st;
	int32_t context = p->db->nstmts;

	pbuf_reset(&p->prompt);
	prompt_mm_prover(&p->prompt, &ps);
	if (model_ksample_prompt(&p->ks, p->m, p->tok, p->prompt.s, &unk) < 0) {
		/* a statement the model cannot read: K empty attempts, so that it
		 * is still counted (and fails verification) */
		if (unk)
			warn("statement '%s': token '%s' is not in the model's vocabulary", s->id, unk);
		else
			warn("statement '%s': its prompt is longer than the context", s->id);
		free(unk);
	}
	memset(&st, 0, sizeof st);
	if (p->ks.n) {
		if (s->context)
			context = mm_db_label(p->db, s->context, strlen(s->context));
		if (o->constrain && context >= 0 &&
		    mms_stmt_init(&st, p->db, p->parser, context, s->statement, s->hyps, s->nhyps,
		                  s->dv, s->ndv))
			pm = pmask_new(&p->vm, p->ix, p->cw, &st.goal, K, p->ks.max_new);
	}
	model_ksample_run(&p->ks, p->m, s->id, K, pm ? pmask_fn : NULL, pm);
	pmask_free(pm);
	mms_stmt_release(&st);
	for (int i = 0; i < K; i++) {
		char *text = tokenizer_decode(p->tok, res[i].out, res[i].n);
		json_t *a = json_deep_copy(rec);
		json_object_set_new(a, "proof", json_string(text));
		json_object_set_new(a, "format", json_string("steps"));
		json_object_set_new(a, "sample", json_integer(i));
		if (o->s.iter >= 0)
			json_object_set_new(a, "iter", json_integer(o->s.iter));
		json_object_set_new(a, "model", json_string(p->model_id));
		json_object_set_new(a, "gen_tokens", json_integer(res[i].n));
		p->tokens += res[i].n;
		json_object_set_new(a, "gen_stop", json_string(stop_name[res[i].stop]));
		if (jsonl_write(fp, a) < 0)
			die(EX_IOERR, "write error:");
		json_decref(a);
		free(text);
	}
}

static void
embed_one(struct prover *p, json_t *rec, const struct srec *s, FILE *fp)
{
	const struct model_config *cfg = model_config(p->m);
	struct pstmt ps = { s->statement, s->hyps, s->nhyps };
	char *unk;
	json_t *out, *v;

	(void)rec;
	if (embed_statement(p->m, p->tok, &ps, p->emb, &unk) < 0)
		die(EX_DATAERR, "statement '%s': token '%s' is not in the model's vocabulary", s->id,
		    unk);
	out = json_object();
	json_object_set_new(out, "id", json_string(s->id));
	v = json_array();
	for (int i = 0; i < cfg->width; i++)
		json_array_append_new(v, json_real(p->emb[i]));
	json_object_set_new(out, "embedding", v);
	if (jsonl_write(fp, out) < 0)
		die(EX_IOERR, "write error:");
	json_decref(out);
}

/* The lines of the input files when all are plain regular files (the
 * total for progress), else -1 (stdin, gzip: not known before reading). */
static long
count_lines(char **files, int nfiles)
{
	long n = 0;
	char buf[1 << 16];

	if (nfiles <= 0)
		return -1;
	for (int i = 0; i < nfiles; i++) {
		FILE *f;
		size_t k;
		int first = 1;
		struct stat st;
		/* only a regular file can be read twice: a pipe or FIFO is the input's */
		if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 || !S_ISREG(st.st_mode) ||
		    !(f = fopen(files[i], "rb")))
			return -1;
		while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
			if (first && k >= 2 && (unsigned char)buf[0] == 0x1f &&
			    (unsigned char)buf[1] == 0x8b) {
				fclose(f);
				return -1;
			}
			first = 0;
			for (size_t j = 0; j < k; j++)
				n += buf[j] == '\n';
		}
		fclose(f);
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct prove_opts o;
	struct prover p;
	struct cli cl;
	struct config *cf;
	char err[1024];
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	long nstmt = 0, nsamples = 0, total;
	struct out out;
	int c, r, io, st;
	double t0, last;

	cli_init(&cl, argc, argv, usage_text);
	memset(&o, 0, sizeof o);
	sampling_defaults(&o.s, 32, 128);
	o.constrain = 1;
	oai_cli_init(&o.cli);
	cf = cli_config_apply(&cl, prove_keys, &o);
	o.config = cl.config;
	while ((c = sampling_next(argc, argv, &o.s, &o.cli)) != -1) {
		switch (c) {
		case CLI_NO_CONSTRAIN: o.constrain = 0; break;
		case CLI_EMBED: o.embed = 1; break;
		case CLI_K_OPEN: o.k_cat[PROVE_OPEN] = (int)cli_long("--k-open", optarg, 0, 100000); break;
		case CLI_K_CONJECTURE:
			o.k_cat[PROVE_CONJECTURE] = (int)cli_long("--k-conjecture", optarg, 0, 100000);
			break;
		case CLI_K_REPROVE:
			o.k_cat[PROVE_REPROVE] = (int)cli_long("--k-reprove", optarg, 0, 100000);
			break;
		case CLI_LEAN_PROMPT:
			o.lean_prompt = cli_enum("--lean-prompt", optarg, lean_prompts);
			break;
		default: cli_option(&cl, c, argv);
		}
	}
	o.out = cl.out;
	o.keep_going = cl.keep_going;
	if (cl.print_config)
		oai_print_config(prove_keys, &o, &o.s.stop, &o.s.nstop, cf, &o.cli, o.s.model);
	config_free(cf);   /* remote.c reads it again for 'openai' */
	o.files = argv + optind;
	o.nfiles = argc - optind;
	o.s.seed = model_iter_seed(o.s.seed, o.s.iter);
	if (o.s.openai)
		return prove_remote(&o);
	if (!o.s.model)
		die(EX_USAGE, "no model: give --model CHECKPOINT (or prove.model in the configuration)");

	memset(&p, 0, sizeof p);
	p.o = &o;
	st = model_load(o.s.model, o.s.threads, &p.m, &p.tok, err, sizeof err);
	if (st)
		die(st, "%s", err);
	{
		/* the checkpoint's identity: a hash of its file */
		uint64_t h;
		hash64_file(o.s.model, &h);
		hash64_hex(h, p.model_id);
	}
	if (!o.embed) {
		p.db = mm_db_load(o.s.db, err, sizeof err, &io);
		if (!p.db)
			die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
		p.g = mms_grammar_new(p.db);
		p.parser = mms_parser_new(p.g, 0);
		p.ix = mmc_index_new(p.g, NULL);
		p.cw = mmc_work_new(p.ix);
		if (o.constrain) {
			const char *note = NULL;
			if (!mmc_index_semantic(p.ix, &note))
				warn("semantic filter off: %s", note ? note : "(no reason given)");
		}
		vmap_init(&p.vm, p.tok, p.ix);
		if (p.vm.eos < 0)
			die(EX_DATAERR, "'%s': the vocabulary has no <eos>", o.s.model);
	}
	{
		int kmax = o.s.samples;
		for (int k = 0; k < PROVE_NCAT; k++)
			if (o.k_cat[k] > kmax)
				kmax = o.k_cat[k];
		model_ksample_init(&p.ks, kmax, o.s.max_tokens);
		p.ks.temperature = (float)o.s.temperature;
		p.ks.top_p = (float)o.s.top_p;
		p.ks.seed = o.s.seed;
		p.ks.eos = p.vm.eos;
	}
	p.emb = xmalloc((size_t)model_config(p.m)->width * sizeof *p.emb);

	in = jsonl_in_open(o.files, o.nfiles, 0);
	out_open(&out, o.out);
	t0 = last = now_seconds();
	total = count_lines(o.files, o.nfiles);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		struct srec s;
		if (!rec || get_srec(&o, rec, &s, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			cli_skip(&cl, &jerr);
			continue;
		}
		if (o.embed)
			embed_one(&p, rec, &s, out.fp);
		else
			prove_one(&p, rec, &s, out.fp);
		json_decref(rec);
		nstmt++;
		nsamples += o.embed ? 0 : s.K;
		if (msg_verbosity >= 1 && now_seconds() - last >= 10) {
			double el = now_seconds() - t0;
			last = now_seconds();
			if (total > 0) {
				double left = el / (double)nstmt * (double)(total - nstmt);
				progress("%ld/%ld statements (%.0f%%), %.0f samples/s, %.0f tokens/s, "
				         "left %ld:%02ld:%02ld", nstmt, total, 100.0 * (double)nstmt / (double)total,
				         (double)nsamples / el, (double)p.tokens / el, (long)left / 3600,
				         (long)left / 60 % 60, (long)left % 60);
			} else {
				progress("%ld statements, %.0f samples/s, %.0f tokens/s", nstmt,
				         (double)nsamples / el, (double)p.tokens / el);
			}
		}
	}
	if (jsonl_in_count(in) == 0)
		warn("no records in the input");
	out_close(&out);
	jsonl_in_close(in);
	{
		double el = now_seconds() - t0 + 1e-9;
		metrics_num("statements", (double)nstmt);
		metrics_num("samples", (double)nsamples);
		metrics_num("tokens", (double)p.tokens);
		metrics_done("%ld statements, %ld samples, %ld tokens: %.0f samples/s, %.0f tokens/s",
		             nstmt, nsamples, p.tokens, (double)nsamples / el, (double)p.tokens / el);
	}
	model_ksample_release(&p.ks);
	free(p.emb);
	pbuf_free(&p.prompt);
	if (!o.embed) {
		vmap_free(&p.vm);
		mmc_work_free(p.cw);
		mmc_index_free(p.ix);
		mms_parser_free(p.parser);
		mms_grammar_free(p.g);
		mm_db_free(p.db);
	}
	model_free(p.m);
	tokenizer_free(p.tok);
	return cli_status(&cl);
}
