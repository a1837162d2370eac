/*
 * stp-sftdata - the supervised examples of iteration 0 (SFT), from the human proofs
 *
 * usage: stp-sftdata [-k] [--db FILE] [--seed N] [--lemma-cap N] [--labels] [-c CONFIG]
 *                    [-o FILE] VERDICTS [STATEMENTS]
 *
 * In: verdicts of the `train` human proofs (stp-verify data/mm-pc/proofs.jsonl:
 * each record has its statement, hyps, proof and the lemmas it uses). Out:
 * training examples for stp-train:
 *   - prover: every proof (statement, hyps -> proof);
 *   - conjecturer, as STP builds them from its proof library: (lemma L,
 *     theorem X, theorem Y) where X and Y both use L and X comes before Y;
 *     target Y's statement. set.mm is one file where STP had Mathlib's many, so
 *     each (L, Y) gets one X, drawn among the earlier theorems using L; a
 *     lemma gives at most --lemma-cap examples (default 0.1 n, n the dataset
 *     size, as docs/algorithm.md, 1. Seeds caps seeds), a random subset beyond that; and with
 *     probability 0.5 a Y also gets a trivial-lemma example, X drawn among the
 *     eight theorems before it;
 *   - with --labels: label -> statement for every axiom and dataset theorem
 *     (never a `test` one), to teach what a label states.
 * Deterministic under --seed. A malformed record stops it (65); with -k it is
 * skipped with a warning, the examples come from the rest, and the exit
 * status is 65.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "jsonl.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmrec.h"
#include "rng.h"

struct proof {
	json_t *rec;           /* the verdict record */
	int32_t stmt;          /* its theorem in the database */
	int32_t *lemmas;
	int nlemmas;
};

static const char usage_text[] =
	"usage: stp-sftdata [-k] [--db FILE] [--seed N] [--lemma-cap N] [--labels] [-c CONFIG]\n"
	"                   [-o FILE] VERDICTS [STATEMENTS]\n"
	"\n"
	"SFT examples (prover, conjecturer, optionally label) from verified human proofs.\n"
	"\n"
	"      --db FILE       Metamath database (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --seed N        random seed (default 1)\n"
	"      --lemma-cap N   conjecturer examples per lemma at most (default 0.1 n)\n"
	"      --labels        label examples too (needs STATEMENTS: test is left out)\n"
	"  -k, --keep-going    skip a malformed record with a warning, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (section 'sftdata')\n"
	"  -o, --output FILE   write to FILE (atomically; gzip if it ends in .gz) instead\n"
	"                      of stdout\n"
	"  -q, --quiet         no progress messages\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

struct sftopts {
	uint64_t seed;
	long cap;              /* conjecturer examples per lemma at most; -1: 0.1 n */
	int labels;
};

/* The section 'sftdata' (docs/stp.yaml.5.scd), bound to the options. */
#define S(f) CONFIG_FIELD(struct sftopts, f)
static const struct config_key sftdata_keys[] = {
	{ "sftdata.seed", CONFIG_INT, S(seed), .min = 0, .max = 1L << 62 },
	{ "sftdata.lemma_cap", CONFIG_INT, S(cap), .min = 0, .max = 1L << 40, .has_unset = 1,
	  .unset_value = -1 },
	{ "sftdata.labels", CONFIG_BOOL, S(labels) },
	{ NULL },
};
#undef S

static uint64_t
rnd(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t w[3] = { seed, a, b };
	return rng_seed(w, 3);
}

static int
cmp_proof(const void *a, const void *b)
{
	const struct proof *x = a, *y = b;
	return x->stmt < y->stmt ? -1 : x->stmt > y->stmt;
}

static void
conj_example(FILE *fp, const struct mm_db *db, const char *lemma, int32_t ls,
             const struct proof *x, const struct proof *y)
{
	json_t *o = json_object();

	json_object_set_new(o, "role", json_string("conjecturer"));
	json_object_set_new(o, "lemma", json_string(lemma));
	json_object_set_new(o, "lemma_statement", ls >= 0 ? mmrec_statement(db, ls) : json_string(""));
	json_object_set_new(o, "lemma_hyps", ls >= 0 ? mmrec_hyps(db, ls) : json_array());
	json_object_set(o, "theorem", json_object_get(x->rec, "statement"));
	json_object_set(o, "theorem_hyps", json_object_get(x->rec, "hyps"));
	json_object_set(o, "theorem_proof", json_object_get(x->rec, "proof"));
	json_object_set(o, "target", json_object_get(y->rec, "statement"));
	json_object_set(o, "target_hyps", json_object_get(y->rec, "hyps"));
	json_object_set_new(o, "weight", json_real(1.0));
	jsonl_emit(fp, o);
}

int
main(int argc, char **argv)
{
	const char *dbpath = default_db(), *statements = NULL;
	struct sftopts so = { 1, -1, 0 };
	uint64_t seed;
	long cap, nprover = 0, nconj = 0, ntriv = 0, nlabel = 0;
	int labels, c;
	struct mm_db *db;
	char err[1024];
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	struct proof *pr = NULL;
	size_t npr = 0, cappr = 0;
	int r, io;
	struct out o;
	uint8_t *is_test;
	struct cli cl;

	cli_init(&cl, argc, argv, usage_text);
	config_free(cli_config_apply(&cl, sftdata_keys, &so));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_DB: dbpath = optarg; break;
		case CLI_SEED: so.seed = (uint64_t)cli_long("--seed", optarg, 0, 1L << 62); break;
		case CLI_LEMMA_CAP: so.cap = cli_long("--lemma-cap", optarg, 0, 1L << 40); break;
		case CLI_LABELS: so.labels = 1; break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	if (cl.print_config)
		cli_print_config(sftdata_keys, &so);
	if (optind != argc - 1 && optind != argc - 2)
		die(EX_USAGE, "expected VERDICTS and at most STATEMENTS, got %d file%s; try '%s -h'",
		    argc - optind, argc - optind == 1 ? "" : "s", msg_prog);
	seed = so.seed;
	cap = so.cap;
	labels = so.labels;
	if (optind == argc - 2)
		statements = argv[argc - 1];
	if (labels && !statements)
		die(EX_USAGE, "--labels needs the statements file (to leave out the test split)");
	db = mm_db_load(dbpath, err, sizeof err, &io);
	if (!db)
		die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
	is_test = xcalloc((size_t)db->nstmts + 1, 1);

	/* the verified proofs, in database order */
	in = jsonl_in_open1(argv[optind]);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		json_t *lem;
		const char *ctx, *split, *bad;
		struct proof p;
		if (!rec || jsonl_get_str(rec, "context", 1, &ctx, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "split", 1, &split, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_strarray(rec, "lemmas", 1, &lem, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			cli_skip(&cl, &jerr);
			continue;
		}
		p.rec = rec;
		p.stmt = mm_db_label(db, ctx, strlen(ctx));
		p.nlemmas = (int)json_array_size(lem);
		p.lemmas = xmalloc(((size_t)p.nlemmas + 1) * sizeof *p.lemmas);
		bad = NULL;
		for (int i = 0; i < p.nlemmas && !bad; i++) {
			const char *name = json_string_value(json_array_get(lem, (size_t)i));
			p.lemmas[i] = mm_db_label(db, name, strlen(name));
			if (p.lemmas[i] < 0)
				bad = name;
		}
		if (!json_is_true(json_object_get(rec, "ok")))
			cli_bad_record(&cl, EX_DATAERR, "%s:%ld: the proof is not verified ok", l.file,
			               l.lineno);
		else if (strcmp(split, "train") != 0)
			cli_bad_record(&cl, EX_DATAERR, "%s:%ld: split '%s': only train proofs are SFT "
			               "data", l.file, l.lineno, split);
		else if (p.stmt < 0)
			cli_bad_record(&cl, EX_DATAERR, "%s:%ld: context '%s' is not in %s", l.file,
			               l.lineno, ctx, dbpath);
		else if (bad)
			cli_bad_record(&cl, EX_DATAERR, "%s:%ld: lemma '%s' is not in %s", l.file,
			               l.lineno, bad, dbpath);
		else {
			xgrow(&pr, &cappr, npr + 1, sizeof *pr);
			pr[npr++] = p;
			continue;
		}
		free(p.lemmas);
		json_decref(rec);
	}
	jsonl_in_close(in);
	if (npr > 0)   /* (pr is NULL without a proof: not qsort's) */
		qsort(pr, npr, sizeof *pr, cmp_proof);
	if (cap < 0)
		cap = (long)((double)npr / 0.89 * 0.1);   /* NEEDSWORK: n from statements */

	/* the test split, never a label example */
	if (statements) {
		in = jsonl_in_open1(statements);
		while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
			const char *ctx, *split;
			if (!rec || jsonl_get_str(rec, "context", 1, &ctx, l.file, l.lineno, &jerr) < 0 ||
			    jsonl_get_str(rec, "split", 1, &split, l.file, l.lineno, &jerr) < 0) {
				json_decref(rec);
				cli_skip(&cl, &jerr);
				continue;
			}
			if (strcmp(split, "test") == 0) {
				int32_t s = mm_db_label(db, ctx, strlen(ctx));
				if (s >= 0)
					is_test[s] = 1;
			}
			json_decref(rec);
		}
		jsonl_in_close(in);
	}

	out_open(&o, cl.out);
	/* prover */
	for (size_t i = 0; i < npr; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "role", json_string("prover"));
		json_object_set(e, "statement", json_object_get(pr[i].rec, "statement"));
		json_object_set(e, "hyps", json_object_get(pr[i].rec, "hyps"));
		json_object_set(e, "target", json_object_get(pr[i].rec, "proof"));
		json_object_set_new(e, "weight", json_real(1.0));
		jsonl_emit(o.fp, e);
		nprover++;
	}
	/* conjecturer: per lemma, the (X, Y) pairs; at most cap per lemma */
	{
		int32_t *users = xmalloc((npr + 1) * sizeof *users);
		uint8_t *seen = xcalloc((size_t)db->nstmts + 1, 1);
		for (size_t yi = 0; yi < npr; yi++)
			for (int k = 0; k < pr[yi].nlemmas; k++) {
				int32_t L = pr[yi].lemmas[k];
				size_t nu = 0, *pairs_y = NULL, npairs = 0, cappairs = 0;
				size_t *pairs_x = NULL;
				if (seen[L])
					continue;
				seen[L] = 1;
				/* the theorems using L, in order */
				for (size_t j = 0; j < npr; j++)
					for (int q = 0; q < pr[j].nlemmas; q++)
						if (pr[j].lemmas[q] == L) {
							users[nu++] = (int32_t)j;
							break;
						}
				for (size_t a = 1; a < nu; a++) {
					struct rng g;
					size_t pick;
					rng_init(&g, rnd(seed, (uint64_t)L, (uint64_t)users[a]));
					pick = (size_t)(rng_next(&g) % a);
					xgrow(&pairs_y, &cappairs, npairs + 1, sizeof *pairs_y);
					pairs_x = xreallocarray(pairs_x, cappairs, sizeof *pairs_x);
					pairs_y[npairs] = (size_t)users[a];
					pairs_x[npairs] = (size_t)users[pick];
					npairs++;
				}
				/* a random subset of cap of them, kept in order */
				if ((long)npairs > cap) {
					struct rng g;
					size_t *idx = xmalloc(npairs * sizeof *idx);
					rng_init(&g, rnd(seed, (uint64_t)L, 0xcafe));
					rng_permutation(&g, idx, npairs);
					for (size_t i = 0; i < npairs; i++)   /* mark the kept */
						if (i >= (size_t)cap)
							pairs_y[idx[i]] = (size_t)-1;
					free(idx);
				}
				for (size_t i = 0; i < npairs; i++) {
					if (pairs_y[i] == (size_t)-1)
						continue;
					conj_example(o.fp, db, db->stmts[L].label, L, &pr[pairs_x[i]],
					             &pr[pairs_y[i]]);
					nconj++;
				}
				free(pairs_x);
				free(pairs_y);
			}
		/* the trivial lemma: with probability 0.5, X among the 8 before Y */
		for (size_t yi = 1; yi < npr; yi++) {
			struct rng g;
			size_t back;
			rng_init(&g, rnd(seed, (uint64_t)pr[yi].stmt, 0x7777));
			if (rng_float(&g) >= 0.5f)
				continue;
			back = 1 + (size_t)(rng_next(&g) % (yi < 8 ? yi : 8));
			conj_example(o.fp, db, "", -1, &pr[yi - back], &pr[yi]);
			ntriv++;
		}
		free(users);
		free(seen);
	}
	/* label -> statement */
	if (labels)
		for (int32_t s = 0; s < db->nstmts; s++) {
			const struct mm_stmt *st = &db->stmts[s];
			json_t *e;
			if (!mm_is_assertion(st) || (st->flags & MM_SYNTAX) || is_test[s])
				continue;
			e = json_object();
			json_object_set_new(e, "role", json_string("label"));
			json_object_set_new(e, "label", json_string(st->label));
			json_object_set_new(e, "target", mmrec_statement(db, s));
			json_object_set_new(e, "target_hyps", mmrec_hyps(db, s));
			json_object_set_new(e, "weight", json_real(1.0));
			jsonl_emit(o.fp, e);
			nlabel++;
		}
	out_close(&o);
	progress("%ld prover, %ld conjecturer (%ld with the trivial lemma; at most %ld per lemma), "
	         "%ld label examples", nprover, nconj + ntriv, ntriv, cap, nlabel);
	for (size_t i = 0; i < npr; i++) {
		json_decref(pr[i].rec);
		free(pr[i].lemmas);
	}
	free(pr);
	free(is_test);
	mm_db_free(db);
	return cli_status(&cl);
}
