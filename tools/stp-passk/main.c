/*
 * stp-passk - pass@k of verdicts, from disjoint groups of samples
 *
 * usage: stp-passk [-k] [-K LIST] [--split NAME] [-c CONFIG] [-o FILE] [FILE...]
 *
 * In: verdicts (id, sample, ok; split). For each k in LIST (default 1,8,32),
 * the samples 0..K-1 of every statement are cut into K/k disjoint groups of
 * k consecutive samples; pass@k of a group is the fraction of statements
 * with a correct proof among its k samples; the report is the mean over the
 * groups, and their standard deviation where there are at least two. Out:
 * one JSON object, {"statements":N,"samples":K,"pass@1":{"mean":..,"std":..,
 * "groups":32},...,"solved":M}, where solved counts statements with any
 * correct sample. Statements with fewer than K samples count what they have.
 * A malformed record stops it (65); with -k it is skipped with a warning, the
 * report is made of the rest, and the exit status is 65.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"

#define PASSK_MAXK 16          /* k values at most */
#define PASSK_MAXSAMPLE (1 << 20)

static const char usage_text[] =
	"usage: stp-passk [-k] [-K LIST] [--split NAME] [-c CONFIG] [-o FILE] [FILE...]\n"
	"\n"
	"pass@k of verdicts (JSONL), from disjoint groups of k samples; one JSON object out.\n"
	"\n"
	"  -K, --ks LIST       the values of k, separated by commas (default 1,8,32)\n"
	"      --split NAME    only the verdicts whose split is NAME\n"
	"  -k, --keep-going    skip a malformed record with a warning, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (section 'passk')\n"
	"  -o, --output FILE   write to FILE (atomically; gzip if it ends in .gz) instead\n"
	"                      of stdout\n"
	"  -q, --quiet         accepted: stp-passk writes no progress messages\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

struct stmt {
	char *id;
	uint64_t *ok;          /* bit i: sample i correct (samples < 64 * nw) */
	int nw;
	int nsamples;
};

static uint64_t
stmt_rehash(const void *ctx, size_t i)
{
	return hash64_str(((const struct stmt *)ctx)[i].id);
}

/* The statement named id, added when new. */
static struct stmt *
stmt_intern(struct stmt **st, size_t *nst, size_t *capst, struct hindex *ix, const char *id)
{
	uint64_t h = hash64_str(id);
	size_t at;

	for (size_t i = hindex_first(ix, h, &at); i; i = hindex_next(ix, &at))
		if (strcmp((*st)[i - 1].id, id) == 0)
			return &(*st)[i - 1];
	xgrow(st, capst, *nst + 1, sizeof **st);
	memset(&(*st)[*nst], 0, sizeof (*st)[*nst]);
	(*st)[*nst].id = xstrdup(id);
	hindex_add(ix, h, stmt_rehash, *st);
	return &(*st)[(*nst)++];
}

struct popts {
	const char **ks;       /* the k values as given, (nks) */
	size_t nks;
	const char *split;     /* or NULL: every verdict */
};

/* The section 'passk' (docs/stp.yaml.5.scd), bound to the options. */
static const struct config_key passk_keys[] = {
	{ "passk.ks", CONFIG_LIST, CONFIG_FIELD(struct popts, ks),
	  .off_n = offsetof(struct popts, nks) },
	{ "passk.split", CONFIG_STR, CONFIG_FIELD(struct popts, split) },
	{ NULL },
};

/* The k values of o as numbers into ks; NULL, or the first bad one. */
static const char *
parse_ks(const struct popts *o, int *ks)
{
	if (o->nks < 1 || o->nks > PASSK_MAXK)
		return o->nks ? o->ks[PASSK_MAXK] : "";
	for (size_t i = 0; i < o->nks; i++) {
		char *end;
		long k = strtol(o->ks[i], &end, 10);
		if (end == o->ks[i] || *end || k < 1 || k > PASSK_MAXSAMPLE)
			return o->ks[i];
		ks[i] = (int)k;
	}
	return NULL;
}

/* LIST ("1,8,32") as the k values of o. */
static void
split_list(struct popts *o, const char *list)
{
	char *s = xstrdup(list), *p = s;

	o->ks = NULL;
	o->nks = 0;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		o->ks = xreallocarray(o->ks, o->nks + 2, sizeof *o->ks);
		o->ks[o->nks++] = p;
		o->ks[o->nks] = NULL;
		if (!comma)
			break;
		p = comma + 1;
	}
	/* kept as the configuration's lists are (lib/config.h) */
	config_keep(s);
	config_keep(o->ks);
}

int
main(int argc, char **argv)
{
	static const char *const default_ks[] = { "1", "8", "32", NULL };
	struct popts po = { (const char **)default_ks, 3, NULL };
	struct stmt *st = NULL;
	size_t nst = 0, capst = 0;
	struct hindex ix = { NULL, 0, 0 };
	struct jsonl_in *in;
	struct jsonl_err err;
	struct jsonl_line l;
	const char *bad;
	int c, r, K = 0, ks[PASSK_MAXK], nk;
	json_t *o, *outj;
	long solved = 0;
	struct cli cl;
	struct config *cf;
	struct out out;

	cli_init(&cl, argc, argv, usage_text);
	cf = cli_config_apply(&cl, passk_keys, &po);
	if ((bad = parse_ks(&po, ks)))
		config_die_at(cf, "passk.ks", "expected 1 to %d whole numbers from 1 to %d, got '%s'",
		              PASSK_MAXK, PASSK_MAXSAMPLE, bad);
	config_free(cf);
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING "K:", cli_longopts, NULL)) != -1) {
		switch (c) {
		case 'K': split_list(&po, optarg); break;
		case CLI_SPLIT: po.split = optarg; break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	if ((bad = parse_ks(&po, ks)))
		die(EX_USAGE, "--ks: expected 1 to %d whole numbers from 1 to %d separated by "
		    "commas, got '%s'", PASSK_MAXK, PASSK_MAXSAMPLE, bad);
	nk = (int)po.nks;
	if (cl.print_config)
		cli_print_config(passk_keys, &po);
	in = jsonl_in_open(argv + optind, argc - optind, 0);
	while ((r = jsonl_in_object(in, &l, &o, &err)) != 0) {
		const char *id, *sp = NULL;   /* a verdict without a split is in none */
		long long sample;
		int ok;
		if (!o || jsonl_get_str(o, "id", 1, &id, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_int(o, "sample", 1, &sample, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_bool(o, "ok", 1, &ok, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "split", 0, &sp, l.file, l.lineno, &err) < 0) {
			json_decref(o);
			cli_skip(&cl, &err);
			continue;
		}
		if (sample < 0 || sample >= PASSK_MAXSAMPLE) {
			json_decref(o);
			cli_bad_record(&cl, EX_DATAERR, "%s:%ld: field 'sample': out of range", l.file,
			               l.lineno);
			continue;
		}
		if (po.split && (!sp || strcmp(sp, po.split) != 0)) {
			json_decref(o);
			continue;
		}
		{
			struct stmt *s = stmt_intern(&st, &nst, &capst, &ix, id);
			int w = (int)(sample / 64);
			if (w >= s->nw) {
				s->ok = xreallocarray(s->ok, (size_t)w + 1, sizeof *s->ok);
				memset(s->ok + s->nw, 0, (size_t)(w + 1 - s->nw) * sizeof *s->ok);
				s->nw = w + 1;
			}
			if (ok)
				s->ok[w] |= 1ull << (sample % 64);
			if (sample + 1 > s->nsamples)
				s->nsamples = (int)sample + 1;
			if (s->nsamples > K)
				K = s->nsamples;
		}
		json_decref(o);
	}
	jsonl_in_close(in);
	outj = json_object();
	json_object_set_new(outj, "statements", json_integer((json_int_t)nst));
	json_object_set_new(outj, "samples", json_integer(K));
	for (int q = 0; q < nk; q++) {
		int k = ks[q], groups = k <= K ? K / k : 0;
		double sum = 0, sum2 = 0;
		json_t *e = json_object();
		char name[32];
		for (int gi = 0; gi < groups; gi++) {
			long hit = 0;
			for (size_t i = 0; i < nst; i++)
				for (int j = gi * k; j < (gi + 1) * k; j++)
					if (j / 64 < st[i].nw && (st[i].ok[j / 64] >> (j % 64) & 1)) {
						hit++;
						break;
					}
			double f = nst ? (double)hit / (double)nst : 0;
			sum += f;
			sum2 += f * f;
		}
		if (!groups) {
			json_decref(e);
			continue;
		}
		json_object_set_new(e, "mean", json_real(round(sum / groups * 1e4) / 1e4));
		if (groups >= 2) {
			double var = (sum2 - sum * sum / groups) / (groups - 1);
			json_object_set_new(e, "std", json_real(round(sqrt(var > 0 ? var : 0) * 1e4) / 1e4));
		}
		json_object_set_new(e, "groups", json_integer(groups));
		snprintf(name, sizeof name, "pass@%d", k);
		json_object_set_new(outj, name, e);
	}
	for (size_t i = 0; i < nst; i++) {
		int any = 0;
		for (int w = 0; w < st[i].nw; w++)
			any |= st[i].ok[w] != 0;
		solved += any;
		free(st[i].id);
		free(st[i].ok);
	}
	json_object_set_new(outj, "solved", json_integer(solved));
	out_open(&out, cl.out);
	if (jsonl_write(out.fp, outj) < 0)
		die(EX_IOERR, "write error:");
	out_close(&out);
	json_decref(outj);
	free(st);
	hindex_free(&ix);
	return cli_status(&cl);
}
