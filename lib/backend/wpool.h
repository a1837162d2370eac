/*
 * wpool.h - a window of attempts in flight, checked by worker threads, handed
 * back in input order
 *
 * A checker that answers slowly (a prover behind a process or a socket) is
 * kept busy by N worker threads, each with its own connection to it. The
 * caller (one thread) fills the jobs of a window of W attempts in order,
 * and takes them back done, in the same order:
 *
 *   j = wpool_slot(p)       the next free slot (NULL: the window is full)
 *   ... fill j->line etc., and j->check (what the backend checks) ...
 *   wpool_push(p, made)     made: to the workers (or answered from the
 *                           cache when j->keyed); not made: done as it is
 *                           (a malformed record, or a verdict already made)
 *   j = wpool_oldest(p)     the oldest job once done (NULL: window empty)
 *   wpool_pop(p)            release it
 *
 * A worker takes the oldest pending job, or, when the backend says which
 * jobs suit its connection better (ops.affinity), the oldest of those. The
 * backend's check fills the verdict (wpool_verdict) and says whether it may
 * be cached (j->cacheable): a verdict that depends on the machine (a
 * time-out, a connection lost) must not be.
 *
 * Ownership: a job owns its record copy (line) and check (freed by
 * ops.check_free); the caller owns a slot between wpool_slot and wpool_push,
 * the pool from then until wpool_oldest hands it back. Each worker's
 * connection is the backend's (ops.worker_new, ops.worker_free), made and
 * freed in the worker's own thread.
 */
#ifndef STP_BACKEND_WPOOL_H
#define STP_BACKEND_WPOOL_H

#include <stddef.h>

#include "hash.h"
#include "jsonl.h"

struct vcache;

enum { WPOOL_FREE, WPOOL_PENDING, WPOOL_RUNNING, WPOOL_DONE };

struct wpool_job {
	int state;             /* POOL_*: the pool's */
	long seq;              /* its place in the input */
	/* the caller's: the record, where it was read, what was wrong with it */
	char *line;            /* the record, NUL-terminated; freed with the job */
	size_t len;
	const char *file;      /* lives as long as the reader */
	long lineno;
	struct jsonl_err err;  /* err.status != 0: the record is bad */
	void *check;           /* the backend's: what to check */
	struct hash128 key;    /* the verdict's cache key, when keyed */
	int keyed;
	/* the verdict: its fields, encoded ("ok":...,"verify_ms":...) */
	char *extra;
	size_t nextra, capextra;
	int ok;
	int cacheable;
};

struct wpool_ops {
	/* A worker's state, made in its thread before its first job (id 1..N). */
	void *(*worker_new)(void *ctx, int id);
	/* Check job j: fill its verdict and j->cacheable. */
	void (*check)(void *worker, struct wpool_job *j);
	/* How well j suits the worker (> 0: prefer it); may be NULL. */
	int (*affinity)(void *worker, const struct wpool_job *j);
	/* Free a worker's state, in its thread, when the pool stops. */
	void (*worker_free)(void *worker);
	/* Free a job's check; may be NULL (free()). */
	void (*check_free)(void *check);
};

struct wpool;

/* nworkers threads, each with its worker state from ops->worker_new(ctx);
 * verdicts are looked up in and added to cache (may be NULL). */
struct wpool *wpool_new(const struct wpool_ops *ops, void *ctx, int nworkers, struct vcache *cache);
struct wpool_job *wpool_slot(struct wpool *p);
void wpool_push(struct wpool *p, int made);
struct wpool_job *wpool_oldest(struct wpool *p);
void wpool_pop(struct wpool *p);
/* Stop the workers (each frees its state) and free the pool. */
void wpool_free(struct wpool *p);

/*
 * The verdict's fields in j->extra: "ok":true or "ok":false,"error":WHY;
 * then "lemmas":LEMMAS (JSON array text; NULL: []), "length":LENGTH and
 * "verify_ms":MS (rounded to 0.1 µs). Sets j->ok.
 */
void wpool_verdict(struct wpool_job *j, const char *why, const char *lemmas, long length, double ms);

/* A copy of s (malloc'd) of at most max bytes, cut on a UTF-8 boundary and
 * then marked "...": a prover's message kept in a verdict's error. */
char *wpool_clip(const char *s, size_t max);

/* Whitespace-separated tokens of s[0..n): an attempt's length. */
long wpool_count_tokens(const char *s, size_t n);

#endif
