/*
 * attempts.c - attempts in, verdicts out, in input order, on N threads
 *
 * The main thread reads raw lines into batches and writes finished batches
 * in order; worker threads parse, verify and serialise whole batches. At most
 * NBATCH batches are in flight, so memory is bounded whatever the input size.
 * A malformed record stops the run after every record before it has been
 * written (or, with -k, is reported in its turn and skipped).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "vcache.h"
#include "verify.h"
#include "engine.h"

#define BATCH_LINES 512
#define BATCH_BYTES (1u << 20)

struct batch {
	long seq;
	size_t n;
	char *in;              /* the lines, each NUL-terminated */
	size_t inlen, incap;
	size_t *off;           /* (BATCH_LINES) start of line i in in */
	size_t *len;
	const char **file;
	long *lineno;
	char *out;             /* the verdict lines */
	size_t outlen, outcap;
	size_t *outoff;        /* (BATCH_LINES + 1) line i's output is [outoff[i], outoff[i+1]) */
	struct jsonl_err *err; /* (BATCH_LINES) err[i].status != 0: line i is bad */
	int state;             /* 0 free, 1 ready, 2 taken, 3 done */
	size_t nok, nfail;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	struct batch *b;
	int nb;
	long next_take;        /* the next batch sequence a worker takes */
	int quit;
	const struct verify_opts *o;
	struct engine_shared *shared;
};

static void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof *b);
	b->off = xcalloc(BATCH_LINES, sizeof *b->off);
	b->len = xcalloc(BATCH_LINES, sizeof *b->len);
	b->file = xcalloc(BATCH_LINES, sizeof *b->file);
	b->lineno = xcalloc(BATCH_LINES, sizeof *b->lineno);
	b->outoff = xcalloc(BATCH_LINES + 1, sizeof *b->outoff);
	b->err = xcalloc(BATCH_LINES, sizeof *b->err);
}

static void
batch_free(struct batch *b)
{
	free(b->in);
	free(b->off);
	free(b->len);
	free(b->file);
	free(b->lineno);
	free(b->out);
	free(b->outoff);
	free(b->err);
}

static void
batch_add(struct batch *b, const char *line, size_t len, const char *file, long lineno)
{
	xgrow(&b->in, &b->incap, b->inlen + len + 1, 1);
	memcpy(b->in + b->inlen, line, len);
	b->in[b->inlen + len] = '\0';
	b->off[b->n] = b->inlen;
	b->len[b->n] = len;
	b->file[b->n] = file;
	b->lineno[b->n] = lineno;
	b->err[b->n].status = 0;
	b->inlen += len + 1;
	b->n++;
}

/* Verify every line of b with engine e. */
static void
batch_run(struct batch *b, struct engine *e)
{
	b->outlen = 0;
	b->nok = b->nfail = 0;
	for (size_t i = 0; i < b->n; i++) {
		int ok = 0;
		b->outoff[i] = b->outlen;
		if (b->err[i].status)   /* the reader already failed this one */
			continue;
		if (engine_line(e, b->in + b->off[i], b->len[i], b->file[i], b->lineno[i],
		                &b->out, &b->outlen, &b->outcap, &ok, &b->err[i]) == 0) {
			if (ok)
				b->nok++;
			else
				b->nfail++;
		}
	}
	b->outoff[b->n] = b->outlen;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct engine *e = engine_new(p->shared, p->o);

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct batch *b = NULL;
		for (int i = 0; i < p->nb; i++)
			if (p->b[i].state == 1 && p->b[i].seq == p->next_take) {
				b = &p->b[i];
				break;
			}
		if (!b) {
			if (p->quit)
				break;
			pthread_cond_wait(&p->cv_work, &p->mu);
			continue;
		}
		b->state = 2;
		p->next_take++;
		pthread_mutex_unlock(&p->mu);
		batch_run(b, e);
		pthread_mutex_lock(&p->mu);
		b->state = 3;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	engine_free(e);
	return NULL;
}

struct totals {
	size_t records, ok, failed, bad;
};

/*
 * Write batch b's verdicts. Returns 0, or the exit status of the first bad
 * record when not keep_going (the records before it are written).
 */
static int
batch_write(struct batch *b, FILE *fp, const struct verify_opts *o, struct totals *t)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->err[i].status) {
			t->bad++;
			if (!o->keep_going) {
				error("%s", b->err[i].msg);
				return b->err[i].status;
			}
			warn("%s (skipped)", b->err[i].msg);
			continue;
		}
		if (fwrite(b->out + b->outoff[i], 1, b->outoff[i + 1] - b->outoff[i], fp) !=
		    b->outoff[i + 1] - b->outoff[i])
			die(EX_IOERR, "write error:");
		t->records++;
	}
	t->ok += b->nok;
	t->failed += b->nfail;
	return 0;
}

int
attempts_run(const struct verify_opts *o)
{
	struct engine_shared *sh;
	struct jsonl_in *in;
	struct out out;
	struct pool p;
	struct totals t = { 0, 0, 0, 0 };
	pthread_t *tid = NULL;
	int nthreads = o->jobs > 1 ? o->jobs : 0;
	long seq_in = 0, seq_out = 0;
	int status = 0, eof = 0, stop = 0;
	double t0 = now_seconds(), last = t0;
	struct engine *e1 = NULL;   /* the engine when there are no threads */

	sh = engine_shared_new(o);
	in = jsonl_in_open(o->files, o->nfiles, o->max_line);
	out_open(&out, o->out);

	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_work, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	p.nb = nthreads ? 2 * nthreads + 2 : 1;
	p.b = xcalloc((size_t)p.nb, sizeof *p.b);
	for (int i = 0; i < p.nb; i++)
		batch_init(&p.b[i]);
	p.o = o;
	p.shared = sh;
	if (nthreads) {
		tid = xcalloc((size_t)nthreads, sizeof *tid);
		for (int i = 0; i < nthreads; i++)
			if (pthread_create(&tid[i], NULL, worker, &p) != 0)
				die(EX_OSERR, "cannot start a thread:");
	}

	while (!stop && (!eof || seq_out < seq_in)) {
		struct batch *b;

		/* fill a free batch while there is input and room */
		if (!eof && seq_in - seq_out < p.nb) {
			b = &p.b[seq_in % p.nb];
			b->n = 0;
			b->inlen = 0;
			while (b->n < BATCH_LINES && b->inlen < BATCH_BYTES) {
				const char *line, *file;
				size_t len;
				long lineno;
				struct jsonl_err err;
				int r = jsonl_in_next(in, &line, &len, &file, &lineno, &err);
				if (r == 0) {
					eof = 1;
					break;
				}
				if (r < 0) {
					/* a reader error (a bad file, an overlong line) is
					 * a bad record in its turn */
					batch_add(b, "", 0, "", 0);
					b->err[b->n - 1] = err;
					if (err.status == 0)
						b->err[b->n - 1].status = EX_DATAERR;
					continue;
				}
				batch_add(b, line, len, file, lineno);
			}
			if (b->n > 0) {
				b->seq = seq_in++;
				if (nthreads) {
					pthread_mutex_lock(&p.mu);
					b->state = 1;
					pthread_cond_broadcast(&p.cv_work);
					pthread_mutex_unlock(&p.mu);
				} else {
					if (!e1)
						e1 = engine_new(sh, o);
					batch_run(b, e1);
					b->state = 3;
				}
			}
			if (!eof && seq_in - seq_out < p.nb)
				continue;
		}
		if (seq_out == seq_in)
			continue;
		/* write the oldest batch once it is done */
		b = &p.b[seq_out % p.nb];
		if (nthreads) {
			pthread_mutex_lock(&p.mu);
			while (b->state != 3)
				pthread_cond_wait(&p.cv_done, &p.mu);
			pthread_mutex_unlock(&p.mu);
		}
		for (size_t i = 0; i < b->n; i++)
			if (b->err[i].status == EX_NOINPUT && status != EX_NOINPUT)
				status = EX_NOINPUT;
		{
			int st = batch_write(b, out.fp, o, &t);
			if (st) {
				status = st;
				stop = 1;
			}
		}
		b->state = 0;
		seq_out++;
		if (msg_verbosity >= 1 && now_seconds() - last > 10) {
			last = now_seconds();
			progress("%zu verdicts (%zu ok), %.0f/s", t.records, t.ok,
			         (double)t.records / (last - t0));
		}
	}

	if (nthreads) {
		pthread_mutex_lock(&p.mu);
		p.quit = 1;
		pthread_cond_broadcast(&p.cv_work);
		pthread_mutex_unlock(&p.mu);
		for (int i = 0; i < nthreads; i++)
			pthread_join(tid[i], NULL);
	}
	status = verify_finish(&out, in, stop, t.bad, o->keep_going, status);
	engine_free(e1);
	engine_shared_save(sh);
	metrics_num("records", (double)t.records);
	metrics_num("ok", (double)t.ok);
	metrics_num("not_ok", (double)t.failed);
	metrics_num("malformed", (double)t.bad);
	metrics_done("%zu verdicts: %zu ok, %zu not ok, %zu malformed, %.0f/s", t.records, t.ok,
	             t.failed, t.bad, (double)t.records / (now_seconds() - t0 + 1e-9));
	for (int i = 0; i < p.nb; i++)
		batch_free(&p.b[i]);
	free(p.b);
	free(tid);
	jsonl_in_close(in);
	engine_shared_free(sh);
	return status;
}
