/*
 * checkdb.c - stp-verify --check-db: verify every proof of a whole database
 *
 * Reading is one sequential pass (scoping makes it so); verifying is not.
 * The two run side by side: the kernel announces each theorem as soon as it
 * and everything its proof refers to are read (mm_db_load_hooked), and
 * jobs - 1 threads verify the announced theorems in chunks while the main
 * thread reads on; when the reading ends, the main thread verifies too. Each
 * thread has its own kernel work area and its own copy of the database's
 * struct, the view, taken under the lock; the arrays behind a view do not
 * move while a thread verifies with it, since the reader pauses the
 * verifiers (a writer-preferring rwlock) before it moves an array. Failures
 * are reported in database order, whatever the thread that found them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mm/mm.h"
#include "verify.h"

#define CHUNK 32

struct fail {
	size_t i;              /* position among the theorems */
	char *msg;
};

struct checkdb {
	pthread_mutex_t m;
	pthread_cond_t more;   /* theorems announced, or the end */
	pthread_rwlock_t rw;   /* read: verifying with a view; write: the reader moves arrays */
	/* under m */
	struct mm_db view;     /* the latest consistent view */
	int32_t *thm;          /* the $p statements announced, in database order */
	size_t nthm, capthm;
	size_t next;           /* next position to hand out */
	int done;              /* the reading ended */
	int failed;            /* ... and the database is gone */
	int nwait;             /* threads waiting for more */
	/* read-only */
	struct mm_limits lim;
};

struct worker {
	struct checkdb *c;
	struct fail *fail;
	size_t nfail, capfail;
};

/* ---- the reader's side (mm_load_hooks) */

static void
on_theorem(void *arg, const struct mm_db *db, int32_t s)
{
	struct checkdb *c = arg;

	pthread_mutex_lock(&c->m);
	if (c->nthm == c->capthm) {
		c->capthm = c->capthm ? 2 * c->capthm : 4096;
		c->thm = xreallocarray(c->thm, c->capthm, sizeof *c->thm);
	}
	c->thm[c->nthm++] = s;
	c->view = *db;
	if (c->nwait && c->nthm - c->next >= CHUNK)
		pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->m);
}

static void
on_pause(void *arg)
{
	struct checkdb *c = arg;

	pthread_rwlock_wrlock(&c->rw);
}

static void
on_resume(void *arg, const struct mm_db *db)
{
	struct checkdb *c = arg;

	pthread_mutex_lock(&c->m);
	if (db) {
		c->view = *db;
	} else {
		c->failed = 1;
		pthread_cond_broadcast(&c->more);
	}
	pthread_mutex_unlock(&c->m);
	pthread_rwlock_unlock(&c->rw);
}

/* ---- the verifiers' side */

static void
add_fail(struct worker *k, size_t i, const char *msg)
{
	if (k->nfail == k->capfail) {
		k->capfail = k->capfail ? 2 * k->capfail : 16;
		k->fail = xreallocarray(k->fail, k->capfail, sizeof *k->fail);
	}
	k->fail[k->nfail++] = (struct fail){ i, xstrdup(msg) };
}

static void *
checkdb_worker(void *arg)
{
	struct worker *k = arg;
	struct checkdb *c = k->c;
	struct mm_db view;
	struct mm_work *w = NULL;
	struct mm_result res;
	int32_t ids[CHUNK];

	for (;;) {
		size_t i, n;
		int failed;

		pthread_mutex_lock(&c->m);
		while (c->next >= c->nthm && !c->done) {
			c->nwait++;
			pthread_cond_wait(&c->more, &c->m);
			c->nwait--;
		}
		if (c->next >= c->nthm || c->failed) {
			pthread_mutex_unlock(&c->m);
			break;
		}
		i = c->next;
		n = c->nthm - i < CHUNK ? c->nthm - i : CHUNK;
		memcpy(ids, c->thm + i, n * sizeof *ids);
		c->next += n;
		pthread_mutex_unlock(&c->m);

		pthread_rwlock_rdlock(&c->rw);
		pthread_mutex_lock(&c->m);
		failed = c->failed;
		view = c->view;   /* announced ids[] before it: they are in it */
		pthread_mutex_unlock(&c->m);
		if (failed) {
			pthread_rwlock_unlock(&c->rw);
			break;
		}
		if (!w)
			w = mm_work_new(&view, &c->lim);
		else
			mm_work_fit(w);
		for (size_t j = 0; j < n; j++)
			if (!mm_verify_theorem(&view, w, ids[j], &res))
				add_fail(k, i + j, res.msg);
		pthread_rwlock_unlock(&c->rw);
	}
	mm_work_free(w);
	return NULL;
}

static int
fail_cmp(const void *a, const void *b)
{
	const struct fail *x = a, *y = b;

	return x->i < y->i ? -1 : x->i > y->i;
}

int
checkdb_run(const char *path, const struct verify_opts *o)
{
	struct checkdb c;
	struct mm_load_hooks hooks;
	pthread_rwlockattr_t ra;
	struct mm_db *db;
	struct worker *k;
	struct fail *all = NULL;
	pthread_t *tid;
	char err[1024];
	int io = 0, jobs = o->jobs < 1 ? 1 : o->jobs;
	size_t nall = 0;
	double t0 = now_seconds(), t1;

	memset(&c, 0, sizeof c);
	c.lim.max_steps = 0;        /* a database's own proofs: no step limit */
	c.lim.max_symbols = o->max_symbols_db;
	c.lim.max_seconds = 0;
	pthread_mutex_init(&c.m, NULL);
	pthread_cond_init(&c.more, NULL);
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c.rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	hooks = (struct mm_load_hooks){ &c, on_theorem, on_pause, on_resume };

	/* jobs - 1 threads verify while this one reads, then this one too */
	k = xcalloc((size_t)jobs, sizeof *k);
	tid = xcalloc((size_t)jobs, sizeof *tid);
	for (int i = 0; i < jobs; i++)
		k[i].c = &c;
	for (int i = 1; i < jobs; i++)
		if (pthread_create(&tid[i], NULL, checkdb_worker, &k[i]) != 0)
			die(EX_OSERR, "cannot start a thread:");
	db = mm_db_load_hooked(path, err, sizeof err, &io, &hooks);
	t1 = now_seconds();
	pthread_mutex_lock(&c.m);
	c.done = 1;
	if (!db)
		c.failed = 1;
	pthread_cond_broadcast(&c.more);
	pthread_mutex_unlock(&c.m);
	if (db)
		checkdb_worker(&k[0]);
	for (int i = 1; i < jobs; i++)
		pthread_join(tid[i], NULL);

	for (int i = 0; i < jobs; i++) {
		if (k[i].nfail) {
			all = xreallocarray(all, nall + k[i].nfail, sizeof *all);
			memcpy(all + nall, k[i].fail, k[i].nfail * sizeof *all);
			nall += k[i].nfail;
		}
		free(k[i].fail);
	}
	if (db) {
		if (nall)
			qsort(all, nall, sizeof *all, fail_cmp);
		for (size_t i = 0; i < nall; i++) {
			int32_t s = c.thm[all[i].i];
			error("%s:%d: proof of '%s': %s", db->files[db->stmts[s].file],
			      mm_stmt_line(db, s), db->stmts[s].label, all[i].msg);
		}
		printf("%s: %zu proofs, %zu correct, %zu failed (read %.3f s, verifying alongside; "
		       "done %.3f s after, %d job%s)\n",
		       path, c.nthm, c.nthm - nall, nall, t1 - t0, now_seconds() - t1, jobs,
		       jobs == 1 ? "" : "s");
	} else {
		error("%s", err);
	}
	for (size_t i = 0; i < nall; i++)
		free(all[i].msg);
	free(all);
	free(c.thm);
	free(k);
	free(tid);
	pthread_rwlock_destroy(&c.rw);
	pthread_cond_destroy(&c.more);
	pthread_mutex_destroy(&c.m);
	mm_db_free(db);
	if (!db)
		return io ? EX_NOINPUT : EX_DATAERR;
	return nall ? EX_DATAERR : 0;
}
