/*
 * stp-conjecture - propose new conjectures from seeds
 *
 * usage: stp-conjecture [-k] [-n N] [-c CONFIG] [-o FILE] [--model CKPT] [--db FILE]
 *                       [--dataset FILE] [--state FILE] [--max M] [--no-prefilter]
 *                       [--temperature T] [--top-p P] [--max-tokens N] [--seed N]
 *                       [--iter N] [-j N] [FILE...]
 *        stp-conjecture --filter [--dataset FILE] [--state FILE] [--max M] [FILE...]
 *        stp-conjecture --backend openai --endpoint URL... [--model NAME] [FILE...]
 *
 * In: seed records (docs/records.md, Seed; from stp-seed): the seed theorem's statement,
 * hyps, proof and context, and the lemma (label, "" for the trivial lemma,
 * with lemma_statement and lemma_hyps). Out: conjecture statement records,
 *
 *   {"id":"c/<xxh3>","system":"metamath","context":C,"statement":S,"hyps":[..],
 *    "split":"conjecture","source":"conjecture","seed":ID,"lemma":L,"iter":N}
 *
 * N samples per seed (temperature and top-p as stp-prove; sample i of a seed
 * draws from (seed, seed id, i)); a sample is parsed into hypotheses and a
 * statement and kept only if each is well formed by the database's own
 * syntax (the parse is confirmed by the kernel) before the context, which is
 * the seed's. A well-formed conjecture equal, up to renaming of variables
 * and reordering of hypotheses (lib/canon.h), to a dataset statement of any
 * split (--dataset; `test` included) or to an earlier conjecture is dropped
 * and counted. The truth tables (lib/mmsteps/semantics.h) judge the rest:
 * "valid" true or false is added (absent when not judged), and with the
 * validity prefilter (conjecture.prefilter, on by default) those not valid
 * are dropped before any proof is sampled. Of what remains a random subset
 * (a seeded draw per id) of at most M is kept: --max, or the dataset
 * statements of --state still unproved (conjecture.keep: open, the paper's
 * rule) or all of them (keep: n, the official code's); written in the
 * order generated.
 * The id is "c/" + the xxh3-64 of the normalised (system, context, hyps,
 * statement; dedup.c), so the same conjecture always gets the same id. The
 * filters are in filter.c; --filter applies them alone to conjecture records
 * (every field kept; id, system, split, source and valid set anew), so that
 * dedup, prefilter and cut can be rerun on their own.
 * Counts (generated, well formed, new, valid, kept) go to stderr and --stats.
 * With --backend openai the conjectures come from an OpenAI-compatible
 * server instead (remote.c; Lean seeds).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "canon.h"
#include "conj.h"
#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/grammar.h"
#include "mmsteps/semantics.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "prompt.h"
#include "state.h"

static const char usage_text[] =
	"usage: stp-conjecture [-k] [-n N] [-c CONFIG] [-o FILE] [--model CKPT] [--db FILE]\n"
	"                      [--dataset FILE] [--state FILE] [--max M] [--no-prefilter]\n"
	"                      [--temperature T] [--top-p P] [--max-tokens N] [--seed N]\n"
	"                      [--iter N] [-j N] [FILE...]\n"
	"       stp-conjecture --filter [--dataset FILE] [--state FILE] [--max M] [FILE...]\n"
	"       stp-conjecture --backend openai --endpoint URL... [--model NAME] [FILE...]\n"
	"\n"
	"Sample N conjectures per seed record; keep a random subset of the well-formed, new,\n"
	"valid ones: at most M, or as many as the state's statements still unproved.\n"
	"\n"
	"  -n, --samples N       conjectures sampled per seed (default 8)\n"
	"      --model FILE      the checkpoint (conjecture.model in the configuration)\n"
	"      --db FILE         Metamath database (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --dataset FILE    dataset statements (every split): a conjecture equal to one\n"
	"                        up to renaming and hypothesis order is dropped\n"
	"      --state FILE      keep at most as many conjectures as its statements still\n"
	"                        unproved (conjecture.keep: open; or all of them: keep: n)\n"
	"      --max M           keep at most M conjectures (over --state; default: no limit)\n"
	"      --no-prefilter    keep conjectures that truth tables refute (conjecture.prefilter)\n"
	"      --filter          read conjecture records instead of seeds: the filters and the\n"
	"                        cut only (dedup, prefilter, at most M), no model\n"
	SAMPLING_USAGE("96")
	"      --iter N          the conjectures' \"iter\" field (default 0)\n"
	"      --stats FILE      write the counts (seeds, generated, well formed, new, kept) as JSON\n"
	SAMPLING_USAGE_OUTPUT
	"  -c, --config FILE     YAML configuration (sections 'conjecture' and 'openai')\n"
	SAMPLING_USAGE_TAIL;

static const char *const keeps[] = { "open", "n", NULL };

/* The section 'conjecture' (docs/stp.yaml.5.scd), bound to the options. */
#define C(f) CONFIG_FIELD(struct copts, f)
static const struct config_key conj_keys[] = {
	SAMPLING_KEYS("conjecture", struct copts, s),
	/* unset (-1): no limit */
	{ "conjecture.max", CONFIG_INT, C(max), .min = 0, .max = 1L << 40, .has_unset = 1,
	  .unset_value = -1 },
	{ "conjecture.prefilter", CONFIG_BOOL, C(prefilter) },
	{ "conjecture.keep", CONFIG_ENUM, C(keep_n), .names = keeps },
	{ NULL },
};
#undef C

/* --filter: conjecture records in, the filters applied (a rerun of the
 * dedup, the prefilter and the cut on their own) */
static void
filter_records(struct cfilter *f, struct copts *o, char **files, int nfiles, struct out *out)
{
	struct jsonl_in *in = jsonl_in_open(files, nfiles, 0);
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	int r;
	struct jsonl_strs h = { NULL, 0, 0 };

	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		const char *stmt, *ctx = NULL, *seed = NULL, *lemma = NULL;
		int32_t context;
		if (!rec || jsonl_get_str(rec, "statement", 1, &stmt, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_strs(rec, "hyps", 0, &h, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "context", 0, &ctx, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "seed", 0, &seed, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "lemma", 0, &lemma, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			if (!o->keep_going) {
				if (!out->is_stdout)
					atomic_abort(&out->af);
				die(jerr.status ? jerr.status : EX_DATAERR, "%s", jerr.msg);
			}
			warn("%s (skipped)", jerr.msg);
			o->nbad++;
			continue;
		}
		context = ctx ? mm_db_label(f->db, ctx, strlen(ctx)) : f->db->nstmts;
		if (context < 0) {
			/* (rec, which ctx points into, is left to the exit) */
			if (!out->is_stdout)
				atomic_abort(&out->af);
			die(EX_DATAERR, "%s:%ld: field 'context': '%s' is not in %s", l.file, l.lineno,
			    ctx, o->s.db);
		}
		cfilter_offer(f, rec, ctx, context, stmt, h.v, h.n, seed, lemma);
		json_decref(rec);
	}
	if (jsonl_in_count(in) == 0)
		warn("no records in the input");
	jsonl_in_close(in);
	free(h.v);
}

int
main(int argc, char **argv)
{
	struct copts o;
	struct cli cl;
	struct config *cf;
	struct model *m = NULL;
	struct tokenizer *tok = NULL;
	struct mm_db *db;
	struct cfilter f;
	char err[1024];
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	struct out out;
	struct pbuf prompt = { NULL, 0, 0 };
	struct jsonl_strs lh = { NULL, 0, 0 }, th = { NULL, 0, 0 };
	int c, r, io, st;
	struct model_ksample ks;
	const struct model_sample *res;

	cli_init(&cl, argc, argv, usage_text);
	memset(&o, 0, sizeof o);
	sampling_defaults(&o.s, 8, 96);
	o.max = -1;
	o.prefilter = 1;
	oai_cli_init(&o.cli);
	cf = cli_config_apply(&cl, conj_keys, &o);
	o.config = cl.config;
	while ((c = sampling_next(argc, argv, &o.s, &o.cli)) != -1) {
		switch (c) {
		case CLI_DATASET: o.dataset = optarg; break;
		case CLI_MAX: o.max = cli_long("--max", optarg, 0, 1L << 40); break;
		case CLI_STATS: o.stats = optarg; break;
		case CLI_STATE: o.state = optarg; break;
		case CLI_NO_PREFILTER: o.prefilter = 0; break;
		case CLI_FILTER: o.filter = 1; break;
		default: cli_option(&cl, c, argv);
		}
	}
	o.out = cl.out;
	o.keep_going = cl.keep_going;
	if (cl.print_config)
		oai_print_config(conj_keys, &o, &o.s.stop, &o.s.nstop, cf, &o.cli, o.s.model);
	config_free(cf);   /* remote.c reads it again for 'openai' */
	o.s.seed = model_iter_seed(o.s.seed, o.s.iter);
	if (o.s.openai) {
		o.files = argv + optind;
		o.nfiles = argc - optind;
		return conjecture_remote(&o);
	}
	if (!o.s.model && !o.filter)
		die(EX_USAGE, "no model: give --model CHECKPOINT (or conjecture.model in the configuration)");
	db = mm_db_load(o.s.db, err, sizeof err, &io);
	if (!db)
		die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
	cfilter_init(&f, &o, db);
	if (o.dataset)
		cfilter_dataset(&f, o.dataset);
	if (o.filter) {
		out_open(&out, o.out);
		filter_records(&f, &o, argv + optind, argc - optind, &out);
		goto finish;
	}
	st = model_load(o.s.model, o.s.threads, &m, &tok, err, sizeof err);
	if (st)
		die(st, "%s", err);
	model_ksample_init(&ks, o.s.samples, o.s.max_tokens);
	ks.temperature = (float)o.s.temperature;
	ks.top_p = (float)o.s.top_p;
	ks.seed = o.s.seed;
	ks.eos = tokenizer_id(tok, "<eos>", 5);
	if (ks.eos < 0)
		die(EX_DATAERR, "'%s': the vocabulary has no <eos>", o.s.model);
	res = ks.res;

	in = jsonl_in_open(argv + optind, argc - optind, 0);
	out_open(&out, o.out);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		const char *sid, *stmt, *proof, *lemma, *lstmt = "", *ctx = NULL;
		struct pstmt lem, thm;
		int nsamp;
		char *unk = NULL;
		int32_t context;

		if (!rec || jsonl_get_str(rec, "id", 1, &sid, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "statement", 1, &stmt, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_strs(rec, "hyps", 0, &th, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "proof", 1, &proof, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "context", 0, &ctx, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "lemma", 1, &lemma, l.file, l.lineno, &jerr) < 0 ||
		    (*lemma && jsonl_get_str(rec, "lemma_statement", 1, &lstmt, l.file, l.lineno,
		                             &jerr) < 0) ||
		    jsonl_get_strs(rec, "lemma_hyps", 0, &lh, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			if (!o.keep_going) {
				if (!out.is_stdout)
					atomic_abort(&out.af);
				die(jerr.status ? jerr.status : EX_DATAERR, "%s", jerr.msg);
			}
			warn("%s (skipped)", jerr.msg);
			o.nbad++;
			continue;
		}
		context = ctx ? mm_db_label(db, ctx, strlen(ctx)) : db->nstmts;
		if (context < 0) {
			/* (rec, which ctx points into, is left to the exit) */
			if (!out.is_stdout)
				atomic_abort(&out.af);
			die(EX_DATAERR, "%s:%ld: field 'context': '%s' is not in %s", l.file, l.lineno,
			    ctx, o.s.db);
		}
		f.nseeds++;
		lem = (struct pstmt){ lstmt, lh.v, lh.n };
		thm = (struct pstmt){ stmt, th.v, th.n };
		pbuf_reset(&prompt);
		prompt_mm_conjecturer(&prompt, lemma, &lem, &thm, proof);
		if (model_ksample_prompt(&ks, m, tok, prompt.s, &unk) < 0) {
			if (unk)
				warn("seed '%s': token '%s' is not in the model's vocabulary (skipped)", sid,
				     unk);
			else
				warn("seed '%s': its prompt is longer than the context (skipped)", sid);
			free(unk);
			json_decref(rec);
			continue;
		}
		/* a seed may say how many conjectures to draw (stp-seed: min(8, 3n/#seeds)) */
		nsamp = o.s.samples;
		{
			long long k;
			if (jsonl_get_int(rec, "samples", 0, &k, l.file, l.lineno, &jerr) > 0 && k >= 1 &&
			    k < o.s.samples)
				nsamp = (int)k;
		}
		model_ksample_run(&ks, m, sid, nsamp, NULL, NULL);
		for (int i = 0; i < nsamp; i++) {
			char *text = tokenizer_decode(tok, res[i].out, res[i].n);
			struct pconj pc;
			char perr[256];
			if (res[i].stop == MODEL_STOP_EOS &&
			    prompt_mm_parse_conjecture(text, MM_CAND_MAXHYPS, &pc, perr, sizeof perr) == 0) {
				cfilter_offer(&f, NULL, ctx, context, pc.statement,
				              (const char *const *)pc.hyps, pc.nhyps, sid, lemma);
				prompt_conj_free(&pc);
			} else {
				f.ngen++;   /* generated, not even a statement */
			}
			free(text);
		}
		json_decref(rec);
	}
	if (jsonl_in_count(in) == 0)
		progress("no seeds: no conjectures (as in iteration 1, before any statement is proved)");
	jsonl_in_close(in);
finish:
	cfilter_finish(&f, out.fp);
	out_close(&out);
	if (o.stats) {
		struct out so;
		json_t *j = cfilter_stats(&f);
		out_open(&so, o.stats);
		if (jsonl_write(so.fp, j) < 0)
			die(EX_IOERR, "write error:");
		out_close(&so);
		json_decref(j);
	}
	cfilter_progress(&f);
	cfilter_release(&f);
	mm_db_free(db);
	if (o.filter)
		goto done;
	model_ksample_release(&ks);
	free(lh.v);
	free(th.v);
	pbuf_free(&prompt);
	model_free(m);
	tokenizer_free(tok);
done:
	if (o.nbad) {
		error("%ld malformed record%s skipped", o.nbad, o.nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	return 0;
}
