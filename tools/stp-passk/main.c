/*
 * stp-passk - pass@k of verdicts, from disjoint groups of samples
 *
 * usage: stp-passk [-k LIST] [--split NAME] [FILE...]
 *
 * In: verdicts (id, sample, ok; split). For each k in LIST (default 1,8,32),
 * the samples 0..K-1 of every statement are cut into K/k disjoint groups of
 * k consecutive samples; pass@k of a group is the fraction of statements
 * with a correct proof among its k samples; the report is the mean over the
 * groups, and their standard deviation where there are at least two. Out:
 * one JSON object, {"statements":N,"samples":K,"pass@1":{"mean":..,"std":..,
 * "groups":32},...,"solved":M}, where solved counts statements with any
 * correct sample. Statements with fewer than K samples count what they have.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonl.h"
#include "msg.h"

struct stmt {
	char *id;
	uint64_t *ok;          /* bit i: sample i correct (samples < 64 * nw) */
	int nw;
	int nsamples;
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "split", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *klist = "1,8,32", *split = NULL;
	struct stmt *st = NULL;
	size_t nst = 0, capst = 0, *slot = NULL, capslot = 0;
	struct jsonl_in *in;
	struct jsonl_err err;
	const char *line, *file;
	size_t len;
	long lineno;
	int c, r, K = 0, ks[16], nk = 0;
	json_t *outj;
	long solved = 0;

	msg_init(argv[0]);
	while ((c = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': klist = optarg; break;
		case 's': split = optarg; break;
		case 'h':
			puts("usage: stp-passk [-k LIST] [--split NAME] [FILE...]");
			close_stdout();
			return 0;
		default:
			fputs("usage: stp-passk [-k LIST] [--split NAME] [FILE...]\n", stderr);
			return EX_USAGE;
		}
	}
	for (char *s = xstrdup(klist), *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		int k = atoi(t);
		if (k < 1 || nk == 16)
			die(EX_USAGE, "-k: expected a list of whole numbers, got '%s'", klist);
		ks[nk++] = k;
	}
	capslot = 1 << 12;
	slot = xmalloc(capslot * sizeof *slot);
	for (size_t i = 0; i < capslot; i++)
		slot[i] = (size_t)-1;
	in = jsonl_in_open(argv + optind, argc - optind, 0);
	while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) != 0) {
		json_t *o;
		const char *id, *sp;
		long long sample;
		int ok;
		size_t h;
		if (r < 0)
			die(err.status, "%s", err.msg);
		o = jsonl_parse(line, len, file, lineno, &err);
		if (!o || jsonl_get_str(o, "id", 1, &id, file, lineno, &err) < 0 ||
		    jsonl_get_int(o, "sample", 1, &sample, file, lineno, &err) < 0 ||
		    jsonl_get_bool(o, "ok", 1, &ok, file, lineno, &err) < 0 ||
		    jsonl_get_str(o, "split", 0, &sp, file, lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		if (sample < 0 || sample >= 1 << 20)
			die(EX_DATAERR, "%s:%ld: field 'sample': out of range", file, lineno);
		if (split && (!sp || strcmp(sp, split) != 0)) {
			json_decref(o);
			continue;
		}
		/* find or add the statement */
		if ((nst + 1) * 2 > capslot) {
			size_t nc = capslot * 2;
			free(slot);
			slot = xmalloc(nc * sizeof *slot);
			for (size_t i = 0; i < nc; i++)
				slot[i] = (size_t)-1;
			capslot = nc;
			for (size_t i = 0; i < nst; i++) {
				h = hash64(st[i].id, strlen(st[i].id)) & (capslot - 1);
				while (slot[h] != (size_t)-1)
					h = (h + 1) & (capslot - 1);
				slot[h] = i;
			}
		}
		h = hash64(id, strlen(id)) & (capslot - 1);
		while (slot[h] != (size_t)-1 && strcmp(st[slot[h]].id, id) != 0)
			h = (h + 1) & (capslot - 1);
		if (slot[h] == (size_t)-1) {
			xgrow(&st, &capst, nst + 1, sizeof *st);
			memset(&st[nst], 0, sizeof st[nst]);
			st[nst].id = xstrdup(id);
			slot[h] = nst++;
		}
		{
			struct stmt *s = &st[slot[h]];
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
		if (!groups)
			continue;
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
	if (jsonl_write(stdout, outj) < 0)
		die(EX_IOERR, "write error:");
	json_decref(outj);
	free(st);
	free(slot);
	close_stdout();
	return 0;
}
