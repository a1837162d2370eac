/*
 * checkdb.c - stp-verify --check-db: verify every proof of a whole database
 *
 * The database is read once (sequentially: scoping makes reading a single
 * pass), then its proofs are verified by jobs threads, each with its own
 * kernel work area, taking theorems in chunks from a shared counter. Failures
 * are reported in database order, whatever the thread that found them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mm/mm.h"
#include "verify.h"

#define CHUNK 32

struct checkdb {
	const struct mm_db *db;
	int32_t *thm;          /* the $p statements */
	size_t nthm;
	atomic_size_t next;    /* next chunk to take */
	char **fail;           /* (nthm) message of a failed proof, or NULL */
	struct mm_limits lim;
};

static void *
checkdb_worker(void *arg)
{
	struct checkdb *c = arg;
	struct mm_work *w = mm_work_new(c->db, &c->lim);
	struct mm_result res;

	for (;;) {
		size_t i = atomic_fetch_add(&c->next, CHUNK), end = i + CHUNK;
		if (i >= c->nthm)
			break;
		if (end > c->nthm)
			end = c->nthm;
		for (; i < end; i++)
			if (!mm_verify_theorem(c->db, w, c->thm[i], &res))
				c->fail[i] = xstrdup(res.msg);
	}
	mm_work_free(w);
	return NULL;
}

int
checkdb_run(const char *path, const struct verify_opts *o)
{
	struct checkdb c;
	struct mm_db *db;
	pthread_t *tid;
	char err[1024];
	int io = 0, jobs = o->jobs;
	size_t nbad = 0;
	double t0 = now_seconds(), t1;

	db = mm_db_load(path, err, sizeof err, &io);
	if (!db) {
		error("%s", err);
		return io ? EX_NOINPUT : EX_DATAERR;
	}
	t1 = now_seconds();
	memset(&c, 0, sizeof c);
	c.db = db;
	c.lim.max_steps = 0;        /* a database's own proofs: no step limit */
	c.lim.max_symbols = o->max_symbols_db;
	c.lim.max_seconds = 0;
	c.thm = xmalloc(((size_t)db->nstmts + 1) * sizeof *c.thm);
	for (int32_t s = 0; s < db->nstmts; s++)
		if (db->stmts[s].kind == MM_P)
			c.thm[c.nthm++] = s;
	c.fail = xcalloc(c.nthm + 1, sizeof *c.fail);
	atomic_init(&c.next, 0);
	if (jobs < 1)
		jobs = 1;
	tid = xcalloc((size_t)jobs, sizeof *tid);
	for (int i = 1; i < jobs; i++)
		if (pthread_create(&tid[i], NULL, checkdb_worker, &c) != 0)
			die(EX_OSERR, "cannot start a thread:");
	checkdb_worker(&c);
	for (int i = 1; i < jobs; i++)
		pthread_join(tid[i], NULL);

	for (size_t i = 0; i < c.nthm; i++) {
		if (!c.fail[i])
			continue;
		nbad++;
		error("%s:%d: proof of '%s': %s", db->files[db->stmts[c.thm[i]].file],
		      mm_stmt_line(db, c.thm[i]), db->stmts[c.thm[i]].label, c.fail[i]);
		free(c.fail[i]);
	}
	printf("%s: %zu proofs, %zu correct, %zu failed (read %.3f s, verified %.3f s, %d job%s)\n",
	       path, c.nthm, c.nthm - nbad, nbad, t1 - t0, now_seconds() - t1, jobs,
	       jobs == 1 ? "" : "s");
	free(c.fail);
	free(c.thm);
	free(tid);
	mm_db_free(db);
	return nbad ? EX_DATAERR : 0;
}
