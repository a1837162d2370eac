/*
 * reward_gen - synthetic inputs for bench/reward, and the wmatch timing
 *
 * usage: reward_gen verdicts -o DIR [-s STATEMENTS] [-c CONJECTURES] [-k K]
 *                    [--correct F] [--seed N]
 *        reward_gen wmatch [-x NX] [-y NY] [-C WIDTH] [-n RUNS] [--naive-y M]
 *                    [-j THREADS] [--seed N]
 *
 * verdicts: writes DIR/statements.jsonl (STATEMENTS dataset statements, 10%
 * of them "unproved", the rest "train"), DIR/seeds.jsonl (one seed per
 * conjecture's seed), DIR/conjectures.stats.json and DIR/verdicts.jsonl:
 * K verdicts of each statement and each of CONJECTURES conjectures
 * ((STATEMENTS + CONJECTURES) x K records), with the fields and sizes of
 * real ones (statement, hyps, proof, lemmas, error, model, gen_tokens,
 * verify_ms...). Each id has a pass probability (a fraction F of ids is
 * never proved, the others uniform in (0, 1]); a correct proof is one of a
 * few variants per id, so that distinct proofs are fewer than correct
 * attempts, as in real runs. The ids and their records depend only on
 * (STATEMENTS, CONJECTURES, seed): runs with K = 16 and K = 32 share every id,
 * which is what the memory check needs.
 *
 * wmatch: NX conjectures against NY statements, random unit vectors of
 * WIDTH floats; RUNS timings of wmatch() (median printed), then
 * wmatch_naive() on the first M statements of the visiting order, timed and
 * extrapolated linearly to NY (every y of the naive algorithm scans all of
 * X, so its cost per y is constant), and the two results compared on those
 * M statements (wmatch run on the same M).
 * Output lines are "key value" pairs for the script to read.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "msg.h"
#include "rng.h"
#include "wmatch.h"

/* ---- random draws: lib/rng's streams, seeded by mix() */

static uint64_t
mix(uint64_t x)
{
	return rng_seed(&x, 1);
}

static double
unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static unsigned
below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* ---- text of realistic sizes (Metamath propositional calculus) */

static const char *const vars[] = { "ph", "ps", "ch", "th", "ta", "et", "ze", "si" };
static const char *const conns[] = { "->", "<->", "\\/", "/\\" };
static const char *const labels[] = {
	"ax-mp", "ax-1", "ax-2", "ax-3", "syl", "mpd", "a1i", "mpi", "imim2i", "com12",
	"sylcom", "syl5", "syl6", "pm2.43i", "con3d", "notnot", "pm2.21", "jca", "simpl",
	"simpr", "orc", "olc", "bitri", "biimpi", "impbii", "ancoms", "orcom", "pm3.2",
	"mpbir", "mpbi", "3syl", "id", "idd", "a2i", "a1d", "expi", "impcom", "anim12i",
};
#define NLABELS (sizeof labels / sizeof labels[0])

/* An expression of about depth d into b (grows it). */
static void
expr(struct rng *r, int d, char *b, size_t *n, size_t cap)
{
	if (d <= 0 || below(r, 4) == 0) {
		*n += (size_t)snprintf(b + *n, cap - *n, "%s", vars[below(r, 8)]);
		return;
	}
	if (below(r, 6) == 0) {
		*n += (size_t)snprintf(b + *n, cap - *n, "-. ");
		expr(r, d - 1, b, n, cap);
		return;
	}
	*n += (size_t)snprintf(b + *n, cap - *n, "( ");
	expr(r, d - 1, b, n, cap);
	*n += (size_t)snprintf(b + *n, cap - *n, " %s ", conns[below(r, 4)]);
	expr(r, d - 1, b, n, cap);
	*n += (size_t)snprintf(b + *n, cap - *n, " )");
}

static void
wff(struct rng *r, char *b, size_t cap)
{
	size_t n = (size_t)snprintf(b, cap, "|- ");
	expr(r, 4, b, &n, cap);
}

/* A steps proof of about 5..25 tokens, ~30..150 characters. */
static void
proof(struct rng *r, char *b, size_t cap, const char *must)
{
	int ntok = 4 + (int)below(r, 20);
	size_t n = 0;

	if (must)
		n += (size_t)snprintf(b + n, cap - n, "%s ", must);
	for (int i = 0; i < ntok && n < cap - 64; i++) {
		unsigned k = below(r, 10);
		if (k < 5)
			n += (size_t)snprintf(b + n, cap - n, "%s ", labels[below(r, NLABELS)]);
		else if (k < 7)
			n += (size_t)snprintf(b + n, cap - n, "H%u ", 1 + below(r, 2));
		else
			n += (size_t)snprintf(b + n, cap - n, "( %s -> %s ) ", vars[below(r, 8)],
			                      vars[below(r, 8)]);
	}
	if (n)
		b[n - 1] = '\0';
}

/* JSON string: the texts here need no escapes but the backslash of \/ */
static void
put_str(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			putc('\\', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

struct item {
	char id[32];
	int conjecture;
	char split[16];
	char statement[512];
	char hyps[2][256];
	int nhyps;
	char lemma[16];       /* conjectures: the seed lemma ("" trivial) */
	char seed[24];
	double p;             /* pass probability */
	uint64_t key;         /* its own random stream */
};

static void
item_make(struct item *it, size_t i, size_t nstmt, uint64_t seed, double never)
{
	struct rng r;
	rng_init(&r, mix(seed ^ mix(i + 1)));

	memset(it, 0, sizeof *it);
	it->key = rng_next(&r);
	it->conjecture = i >= nstmt;
	if (!it->conjecture) {
		snprintf(it->id, sizeof it->id, "b/s%06zu", i);
		snprintf(it->split, sizeof it->split, "%s", below(&r, 10) == 0 ? "unproved" : "train");
	} else {
		snprintf(it->id, sizeof it->id, "c/%016llx", (unsigned long long)rng_next(&r));
		snprintf(it->split, sizeof it->split, "conjecture");
		if (below(&r, 2))
			snprintf(it->lemma, sizeof it->lemma, "%s", labels[below(&r, NLABELS)]);
		snprintf(it->seed, sizeof it->seed, "s/%016llx",
		         (unsigned long long)mix(seed ^ (i % 997)));
	}
	wff(&r, it->statement, sizeof it->statement);
	it->nhyps = (int)below(&r, 3);
	for (int h = 0; h < it->nhyps; h++)
		wff(&r, it->hyps[h], sizeof it->hyps[h]);
	it->p = unif(&r) < never ? 0 : unif(&r);
}

static void
put_stmt_fields(FILE *fp, const struct item *it)
{
	fprintf(fp, "{\"id\":\"%s\",\"system\":\"metamath\",\"context\":\"%s\",\"statement\":",
	        it->id, it->conjecture ? "mpd" : it->id + 2);
	put_str(fp, it->statement);
	fputs(",\"hyps\":[", fp);
	for (int h = 0; h < it->nhyps; h++) {
		if (h)
			putc(',', fp);
		put_str(fp, it->hyps[h]);
	}
	fprintf(fp, "],\"split\":\"%s\",\"source\":\"%s\"", it->split,
	        it->conjecture ? "conjecture" : "dataset");
	if (it->conjecture)
		fprintf(fp, ",\"seed\":\"%s\",\"lemma\":\"%s\"", it->seed, it->lemma);
}

static FILE *
open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(fp = fopen(path, "w")))
		die(EX_CANTCREAT, "cannot create '%s':", path);
	return fp;
}

static void
close_out(FILE *fp)
{
	if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)
		die(EX_IOERR, "write error:");
}

static int
gen_verdicts(int argc, char **argv)
{
	const char *dir = NULL;
	size_t nstmt = 15000, nconj = 16250, K = 32;
	double never = 0.35;
	uint64_t seed = 1;
	FILE *fs, *fv, *fd;
	char pbuf[1024];
	size_t nrec = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die(EX_USAGE, "%s: missing value", a);
		if (strcmp(a, "-o") == 0)
			dir = v;
		else if (strcmp(a, "-s") == 0)
			nstmt = strtoull(v, NULL, 10);
		else if (strcmp(a, "-c") == 0)
			nconj = strtoull(v, NULL, 10);
		else if (strcmp(a, "-k") == 0)
			K = strtoull(v, NULL, 10);
		else if (strcmp(a, "--correct") == 0)
			never = 1 - strtod(v, NULL);
		else if (strcmp(a, "--seed") == 0)
			seed = strtoull(v, NULL, 10);
		else
			die(EX_USAGE, "unknown argument '%s'", a);
		i++;
	}
	if (!dir)
		die(EX_USAGE, "verdicts: give -o DIR");
	mkdir(dir, 0777);
	fs = open_out(dir, "statements.jsonl");
	fd = open_out(dir, "seeds.jsonl");
	fv = open_out(dir, "verdicts.jsonl");
	/* seeds: one per distinct seed id (997 at most) */
	for (size_t s = 0; s < 997 && s < nconj; s++) {
		struct item it;
		struct rng r;
		item_make(&it, nstmt + s, nstmt, seed, never);
		rng_init(&r, it.key ^ 0x5eedULL);
		fprintf(fd, "{\"id\":\"%s\",\"system\":\"metamath\",\"context\":\"syl\",\"statement\":",
		        it.seed);
		put_str(fd, it.statement);
		fputs(",\"hyps\":[],\"proof\":", fd);
		proof(&r, pbuf, sizeof pbuf, NULL);
		put_str(fd, pbuf);
		fprintf(fd, ",\"lemma\":\"%s\",\"lemma_statement\":\"|- ( ph -> ph )\","
		        "\"lemma_hyps\":[],\"source_id\":\"b/s%06zu\",\"samples\":8,\"iter\":3}\n",
		        it.lemma, s);
	}
	for (size_t i = 0; i < nstmt + nconj; i++) {
		struct item it;
		item_make(&it, i, nstmt, seed, never);
		if (!it.conjecture) {
			put_stmt_fields(fs, &it);
			fputs("}\n", fs);
		}
		for (size_t k = 0; k < K; k++) {
			/* sample k of an id does not depend on K */
			struct rng r;
			rng_init(&r, it.key ^ mix(k + 77));
			int ok = unif(&r) < it.p;
			put_stmt_fields(fv, &it);
			if (ok) {
				/* one of 6 variants, the first ones likelier */
				unsigned v = below(&r, 3) ? below(&r, 2) : below(&r, 6);
				struct rng pr;
				rng_init(&pr, it.key ^ mix(1000 + v));
				const char *must = it.conjecture && *it.lemma && v < 4 ? it.lemma : NULL;
				proof(&pr, pbuf, sizeof pbuf, must);
			} else {
				proof(&r, pbuf, sizeof pbuf, NULL);
			}
			fputs(",\"proof\":", fv);
			put_str(fv, pbuf);
			fprintf(fv, ",\"format\":\"steps\",\"sample\":%zu,\"iter\":3,"
			        "\"model\":\"e3cb0435dbbff102\",\"gen_tokens\":%u,\"gen_stop\":\"%s\","
			        "\"ok\":%s", k, 5 + below(&r, 40), ok ? "eos" : "dead end",
			        ok ? "true" : "false");
			if (!ok)
				fprintf(fv, ",\"error\":\"token %u: in the expression of 'ax-mp': the "
				        "expression ends too early: expected ')'\"", 1 + below(&r, 20));
			fputs(",\"lemmas\":[", fv);
			if (ok) {
				int nl = 1 + (int)below(&r, 4);
				if (it.conjecture && *it.lemma && strstr(pbuf, it.lemma) == pbuf)
					fprintf(fv, "\"%s\",", it.lemma);
				for (int l = 0; l < nl; l++)
					fprintf(fv, "%s\"%s\"", l ? "," : "", labels[below(&r, NLABELS)]);
			}
			fprintf(fv, "],\"length\":%u,\"verify_ms\":%.4f}\n", 5 + below(&r, 20),
			        0.0005 + 0.001 * unif(&r));
			nrec++;
		}
	}
	close_out(fs);
	close_out(fd);
	close_out(fv);
	fv = open_out(dir, "conjectures.stats.json");
	fprintf(fv, "{\"seeds\":997,\"generated\":%zu,\"well_formed\":%zu,\"new\":%zu,\"kept\":%zu}\n",
	        nconj * 3, nconj * 2, nconj + nconj / 2, nconj);
	close_out(fv);
	printf("records %zu\nids %zu\n", nrec, nstmt + nconj);
	return 0;
}

/* ---- wmatch timing */

static void
unit_rows(float *v, size_t n, int C, struct rng *r)
{
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		float *row = v + i * (size_t)C;
		for (int j = 0; j < C; j++) {
			/* a sum of uniforms: near-Gaussian, so the directions are uniform */
			double g = unif(r) + unif(r) + unif(r) - 1.5;
			row[j] = (float)g;
			s += g * g;
		}
		s = 1 / sqrt(s);
		for (int j = 0; j < C; j++)
			row[j] = (float)(row[j] * s);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int
gen_wmatch(int argc, char **argv)
{
	size_t nx = 100000, ny = 100000, nnaive = 1000;
	int C = 256, runs = 3, threads = ncpus();
	uint64_t seed = 1;
	float *X, *Y;
	size_t *order;
	double *w, *wn, *times, t0, tn, diff = 0;
	struct rng r;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die(EX_USAGE, "%s: missing value", a);
		if (strcmp(a, "-x") == 0)
			nx = strtoull(v, NULL, 10);
		else if (strcmp(a, "-y") == 0)
			ny = strtoull(v, NULL, 10);
		else if (strcmp(a, "-C") == 0)
			C = atoi(v);
		else if (strcmp(a, "-n") == 0)
			runs = atoi(v);
		else if (strcmp(a, "-j") == 0)
			threads = atoi(v);
		else if (strcmp(a, "--naive-y") == 0)
			nnaive = strtoull(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			seed = strtoull(v, NULL, 10);
		else
			die(EX_USAGE, "unknown argument '%s'", a);
		i++;
	}
	if (nnaive > ny)
		nnaive = ny;
	rng_init(&r, mix(seed));
	X = xmalloc(nx * (size_t)C * sizeof *X);
	Y = xmalloc(ny * (size_t)C * sizeof *Y);
	unit_rows(X, nx, C, &r);
	unit_rows(Y, ny, C, &r);
	order = xmalloc(ny * sizeof *order);
	rng_permutation(&r, order, ny);
	w = xmalloc(nx * sizeof *w);
	wn = xmalloc(nx * sizeof *wn);
	times = xmalloc((size_t)runs * sizeof *times);
	for (int k = 0; k < runs; k++) {
		t0 = now_seconds();
		wmatch(X, nx, Y, ny, C, NULL, order, 4, threads, w);
		times[k] = now_seconds() - t0;
		printf("wmatch_run %d %.3f\n", k + 1, times[k]);
		fflush(stdout);
	}
	qsort(times, (size_t)runs, sizeof *times, cmp_double);
	printf("wmatch_median %.3f\n", times[runs / 2]);
	{
		double s = 0, mx = 0;
		size_t nz = 0;
		for (size_t i = 0; i < nx; i++) {
			s += w[i];
			nz += w[i] > 0;
			if (w[i] > mx)
				mx = w[i];
		}
		printf("weight_sum %.3f\nweight_max %.3f\nweighted_x %zu\n", s, mx, nz);
	}
	/* the reference on a prefix of the visiting order: Y restricted to those
	 * rows (the increment |X| / sum k changes with it; both get the same) */
	{
		float *Ys = xmalloc(nnaive * (size_t)C * sizeof *Ys);
		size_t *os = xmalloc(nnaive * sizeof *os);
		for (size_t q = 0; q < nnaive; q++) {
			memcpy(Ys + q * (size_t)C, Y + order[q] * (size_t)C, (size_t)C * sizeof *Ys);
			os[q] = q;
		}
		t0 = now_seconds();
		wmatch_naive(X, nx, Ys, nnaive, C, NULL, os, 4, wn);
		tn = now_seconds() - t0;
		wmatch(X, nx, Ys, nnaive, C, NULL, os, 4, threads, w);
		for (size_t i = 0; i < nx; i++)
			diff += fabs(w[i] - wn[i]);
		free(Ys);
		free(os);
	}
	printf("naive_y %zu\nnaive_time %.3f\nnaive_extrapolated %.1f\n", nnaive, tn,
	       tn * (double)ny / (double)nnaive);
	printf("naive_vs_wmatch_l1 %.3g\n", diff);
	printf("speedup %.1f\n", tn * (double)ny / (double)nnaive / times[runs / 2]);
	free(X);
	free(Y);
	free(order);
	free(w);
	free(wn);
	free(times);
	return 0;
}

int
main(int argc, char **argv)
{
	msg_init("reward_gen");
	if (argc >= 2 && strcmp(argv[1], "verdicts") == 0)
		return gen_verdicts(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "wmatch") == 0)
		return gen_wmatch(argc - 2, argv + 2);
	fputs("usage: reward_gen verdicts -o DIR [-s N] [-c N] [-k K] [--correct F] [--seed N]\n"
	      "       reward_gen wmatch [-x NX] [-y NY] [-C WIDTH] [-n RUNS] [--naive-y M] [-j N]\n",
	      stderr);
	return EX_USAGE;
}
