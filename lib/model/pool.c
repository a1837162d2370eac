/*
 * pool.c - a fixed pool of worker threads that run the tasks of one kernel
 *
 * pool_run() publishes a job (fn, ctx, ntasks) and the calling thread works
 * on it too. Tasks are claimed one at a time from a 64-bit word holding the
 * job's generation (high half) and the next task (low half), by
 * compare-and-swap: a worker that wakes up late, after its job is over, fails
 * to claim and goes back to waiting, so the caller never waits for a worker
 * that is not running (the machine may be shared: a descheduled worker must
 * not stall a step). The job is done when ntasks tasks have finished. WHICH
 * thread runs a task varies from run to run: a task's result must depend on
 * its index only.
 *
 * Kernels are short (tens of microseconds while decoding), so idle workers
 * spin on the generation for a while before sleeping on a condition variable.
 */
#include "internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "msg.h"

#define POOL_SPIN 4000      /* polls of the generation before sleeping */

struct pool {
	int nthreads;               /* workers + the caller */
	pthread_t *tid;             /* (nthreads - 1) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic uint64_t claim;     /* generation << 32 | next task */
	atomic_int finished;        /* tasks of the current job done */
	int stop;                   /* under mu: workers exit */
	pool_fn *fn;                /* the current job: written only between jobs */
	void *ctx;
	atomic_int ntasks;          /* read by late workers: atomic */
};

struct worker_arg {
	struct pool *p;
	int id;
};

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Run tasks of generation gen while there are any; returns when none is left. */
static void
work(struct pool *p, uint32_t gen, int id)
{
	uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);

	for (;;) {
		uint32_t t = (uint32_t)c;

		if ((uint32_t)(c >> 32) != gen ||
		    t >= (uint32_t)atomic_load_explicit(&p->ntasks, memory_order_relaxed))
			return;
		if (atomic_compare_exchange_weak_explicit(&p->claim, &c, c + 1,
		                                          memory_order_acq_rel,
		                                          memory_order_acquire)) {
			/* claimed task t of this job: fn and ctx are this job's until
			 * every task, t included, has finished */
			p->fn(p->ctx, (int)t, id);
			atomic_fetch_add_explicit(&p->finished, 1, memory_order_release);
			c = atomic_load_explicit(&p->claim, memory_order_acquire);
		}
	}
}

static void *
worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct pool *p = wa->p;
	int id = wa->id, spins;
	uint32_t seen = 0, g;

	free(wa);
	for (;;) {
		spins = 0;
		while ((g = (uint32_t)(atomic_load_explicit(&p->claim, memory_order_acquire) >> 32)) ==
		       seen) {
			if (++spins < POOL_SPIN) {
				cpu_relax();
				continue;
			}
			pthread_mutex_lock(&p->mu);
			while ((uint32_t)(atomic_load(&p->claim) >> 32) == seen && !p->stop)
				pthread_cond_wait(&p->cv, &p->mu);
			if (p->stop) {
				pthread_mutex_unlock(&p->mu);
				return NULL;
			}
			pthread_mutex_unlock(&p->mu);
			spins = 0;
		}
		seen = g;
		work(p, g, id);
	}
}

struct pool *
pool_new(int nthreads)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	int i, rc;

	if (nthreads < 1)
		nthreads = 1;
	p->nthreads = nthreads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->tid = xcalloc(nthreads, sizeof(*p->tid));
	for (i = 1; i < nthreads; i++) {
		struct worker_arg *wa = xmalloc(sizeof(*wa));

		wa->p = p;
		wa->id = i;
		if ((rc = pthread_create(&p->tid[i - 1], NULL, worker, wa)) != 0)
			die(EX_OSERR, "cannot start a model thread: error %d", rc);
	}
	return p;
}

void
pool_run(struct pool *p, int ntasks, pool_fn *fn, void *ctx)
{
	uint32_t gen;
	int i, spins = 0;

	if (ntasks <= 0)
		return;
	if (p->nthreads == 1 || ntasks == 1) {
		for (i = 0; i < ntasks; i++)
			fn(ctx, i, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	gen = (uint32_t)(atomic_load_explicit(&p->claim, memory_order_relaxed) >> 32);
	/* Close the last job's claims before its successor's ntasks, fn and ctx
	 * are written: a worker that wakes late still holds the last job's
	 * generation and would otherwise compare a task number against the new
	 * ntasks and claim (run) a task of the new job twice, with the new fn on
	 * whichever ctx it read: work() that differs from run to run, and a
	 * finished count that ends the job before its tasks are done. */
	atomic_store_explicit(&p->claim, (uint64_t)gen << 32 | UINT32_MAX, memory_order_release);
	p->fn = fn;
	p->ctx = ctx;
	atomic_store_explicit(&p->ntasks, ntasks, memory_order_relaxed);
	atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
	if (++gen == 0)         /* 0 is the workers' initial "seen" */
		gen = 1;
	atomic_store_explicit(&p->claim, (uint64_t)gen << 32, memory_order_release);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	work(p, gen, 0);
	while (atomic_load_explicit(&p->finished, memory_order_acquire) < ntasks)
		if (++spins < POOL_SPIN)
			cpu_relax();
		else
			sched_yield();
}

int
pool_size(const struct pool *p)
{
	return p->nthreads;
}

void
pool_free(struct pool *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* a worker still spinning sees stop once it gives up spinning */
	for (i = 1; i < p->nthreads; i++)
		pthread_join(p->tid[i - 1], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->tid);
	free(p);
}
