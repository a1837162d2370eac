/*
 * wpool.c - a window of attempts in flight, checked by worker threads (see
 * wpool.h)
 *
 * The window: the job of input seq is at w[seq % W]; [seq_out, seq_in) are
 * in flight. The caller fills w[seq_in] and pushes it; workers take pending
 * jobs, under mu; the caller waits for w[seq_out] to be done and pops it.
 * seq_in and seq_out change in the caller's thread only: it reads them
 * without the lock.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpool.h"

#include "jscan.h"
#include "jsonl.h"
#include "msg.h"
#include "vcache.h"

struct pworker {
	struct wpool *p;
	void *state;           /* the backend's */
	int id;
	pthread_t tid;
};

struct wpool {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	struct wpool_job *w;    /* (nw) the window */
	long nw;
	long seq_out, seq_in;
	int quit;
	struct wpool_ops ops;
	void *ctx;
	struct vcache *cache;
	struct pworker *ws;    /* (nworkers) */
	int nworkers;
};

static void
job_release(struct wpool *p, struct wpool_job *j)
{
	free(j->line);
	if (j->check) {
		if (p->ops.check_free)
			p->ops.check_free(j->check);
		else
			free(j->check);
	}
	free(j->extra);
	memset(j, 0, sizeof *j);
}

static void
put(struct wpool_job *j, const char *s)
{
	size_t n = strlen(s);

	xgrow(&j->extra, &j->capextra, j->nextra + n + 1, 1);
	memcpy(j->extra + j->nextra, s, n);
	j->nextra += n;
}

void
wpool_verdict(struct wpool_job *j, const char *why, const char *lemmas, long length, double ms)
{
	char num[48];

	j->nextra = 0;
	j->ok = !why;
	if (!why) {
		put(j, "\"ok\":true");
	} else {
		put(j, "\"ok\":false,\"error\":");
		jscan_put_string(why, strlen(why), &j->extra, &j->nextra, &j->capextra);
	}
	put(j, ",\"lemmas\":");
	put(j, lemmas ? lemmas : "[]");
	snprintf(num, sizeof num, ",\"length\":%ld,\"verify_ms\":", length);
	put(j, num);
	jsonl_format_real(round(ms * 1e4) / 1e4, num);
	put(j, num);
}

char *
wpool_clip(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return xasprintf("%.*s...", (int)n, s);
}

long
wpool_count_tokens(const char *s, size_t n)
{
	long k = 0;
	int in = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
		if (!ws && !in)
			k++;
		in = !ws;
	}
	return k;
}

/* The next job for w: the oldest pending one it has an affinity for, or
 * else the oldest pending one. Called with mu held. */
static struct wpool_job *
take(struct pworker *w)
{
	struct wpool *p = w->p;
	struct wpool_job *first = NULL;

	for (long s = p->seq_out; s < p->seq_in; s++) {
		struct wpool_job *j = &p->w[s % p->nw];
		if (j->state != WPOOL_PENDING)
			continue;
		if (!first)
			first = j;
		if (!p->ops.affinity || !w->state)
			break;
		if (p->ops.affinity(w->state, j) > 0)
			return j;
	}
	return first;
}

static void
cache_put(struct wpool *p, struct wpool_job *j)
{
	char *v = xmalloc(j->nextra + 3);

	v[0] = '{';
	memcpy(v + 1, j->extra, j->nextra);
	v[j->nextra + 1] = '}';
	v[j->nextra + 2] = '\0';
	vcache_put(p->cache, j->key, v, j->nextra + 2);
	free(v);
}

static void *
worker_main(void *arg)
{
	struct pworker *w = arg;
	struct wpool *p = w->p;
	sigset_t pipe_set;

	/* a peer that goes away makes write() fail with EPIPE, not kill us */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct wpool_job *j = take(w);
		if (!j) {
			if (p->quit)
				break;
			pthread_cond_wait(&p->cv_work, &p->mu);
			continue;
		}
		j->state = WPOOL_RUNNING;
		pthread_mutex_unlock(&p->mu);
		if (!w->state)
			w->state = p->ops.worker_new(p->ctx, w->id);
		p->ops.check(w->state, j);
		if (j->cacheable && j->keyed && p->cache)
			cache_put(p, j);
		pthread_mutex_lock(&p->mu);
		j->state = WPOOL_DONE;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	if (w->state)
		p->ops.worker_free(w->state);
	return NULL;
}

struct wpool *
wpool_new(const struct wpool_ops *ops, void *ctx, int nworkers, struct vcache *cache)
{
	struct wpool *p = xcalloc(1, sizeof *p);

	p->ops = *ops;
	p->ctx = ctx;
	p->cache = cache;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_done, NULL);
	p->nw = 256 + 64L * nworkers;
	p->w = xcalloc((size_t)p->nw, sizeof *p->w);
	p->nworkers = nworkers;
	p->ws = xcalloc((size_t)nworkers, sizeof *p->ws);
	for (int i = 0; i < nworkers; i++) {
		p->ws[i].p = p;
		p->ws[i].id = i + 1;
		if (pthread_create(&p->ws[i].tid, NULL, worker_main, &p->ws[i]) != 0)
			die(EX_OSERR, "cannot start a thread:");
	}
	return p;
}

struct wpool_job *
wpool_slot(struct wpool *p)
{
	struct wpool_job *j;

	if (p->seq_in - p->seq_out >= p->nw)
		return NULL;
	j = &p->w[p->seq_in % p->nw];
	job_release(p, j);
	j->seq = p->seq_in;
	return j;
}

/* A verdict from the cache for j: 1 (j is done), or 0. */
static int
cached(struct wpool *p, struct wpool_job *j)
{
	char *txt = p->cache && j->keyed ? vcache_get(p->cache, j->key) : NULL;
	size_t n;

	if (!txt)
		return 0;
	n = strlen(txt);
	j->nextra = 0;
	if (n >= 2) {
		xgrow(&j->extra, &j->capextra, n, 1);
		memcpy(j->extra, txt + 1, n - 2);
		j->nextra = n - 2;
	}
	j->ok = strncmp(txt, "{\"ok\":true", 10) == 0;
	free(txt);
	return 1;
}

void
wpool_push(struct wpool *p, int made)
{
	struct wpool_job *j = &p->w[p->seq_in % p->nw];

	j->state = made && !cached(p, j) ? WPOOL_PENDING : WPOOL_DONE;
	pthread_mutex_lock(&p->mu);
	p->seq_in++;
	if (j->state == WPOOL_PENDING)
		pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
}

struct wpool_job *
wpool_oldest(struct wpool *p)
{
	struct wpool_job *j;

	if (p->seq_out == p->seq_in)
		return NULL;
	j = &p->w[p->seq_out % p->nw];
	pthread_mutex_lock(&p->mu);
	while (j->state != WPOOL_DONE)
		pthread_cond_wait(&p->cv_done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return j;
}

void
wpool_pop(struct wpool *p)
{
	pthread_mutex_lock(&p->mu);
	job_release(p, &p->w[p->seq_out % p->nw]);
	p->seq_out++;
	pthread_mutex_unlock(&p->mu);
}

void
wpool_free(struct wpool *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nworkers; i++)
		pthread_join(p->ws[i].tid, NULL);
	for (long i = 0; i < p->nw; i++)
		job_release(p, &p->w[i]);
	free(p->w);
	free(p->ws);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_done);
	free(p);
}
