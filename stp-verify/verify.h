/*
 * verify.h - stp-verify's parts: options, --check-db, the attempt stream
 */
#ifndef STP_VERIFY_H
#define STP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

struct verify_opts {
	const char *db;            /* --db: the Metamath database */
	const char *cache;         /* --cache: verdict cache file, or NULL */
	const char *out;           /* -o: output file, or NULL for stdout */
	int jobs;                  /* -j */
	int keep_going;            /* -k */
	int wall_time;             /* --wall-time: verify_ms measured, not modelled */
	uint32_t max_steps;        /* per attempt: normal proof steps after expansion */
	uint32_t max_tokens;       /* per attempt: tokens of the proof as written */
	size_t max_symbols;        /* per attempt: kernel work area, in symbols */
	size_t max_symbols_db;     /* --check-db: work area per proof */
	double timeout;            /* per attempt, seconds (a safety net; see the man page) */
	size_t max_line;           /* longest input record, bytes */
	int timeout_set;           /* --timeout or verify.timeout was given */
	const char *backend;       /* --backend: "metamath" (default), "lean", "isabelle" */
	int backend_id;            /* the same as an index: 0 metamath, 1 lean, 2 isabelle */
	const char *lean_cmd;      /* --lean-cmd: starts one REPL (/bin/sh -c), in lean_project */
	const char *lean_project;  /* --lean-project: the Lake project directory */
	long lean_mem_mb;          /* --lean-mem: per REPL process group, MB; 0 no limit */
	double lean_header_timeout; /* --lean-header-timeout: seconds for a header's imports */
	const char *isabelle_address;  /* --isabelle-address: HOST:PORT of the server */
	const char *isabelle_password; /* --isabelle-password: the server's password */
	const char *isabelle_session;  /* --isabelle-session: the logic session (HOL) */
	double isabelle_start_timeout; /* --isabelle-start-timeout: seconds for session_start */
	char **files;              /* input files */
	int nfiles;
};

/* --check-db: returns the exit status. */
int checkdb_run(const char *path, const struct verify_opts *o);

/* Attempts in, verdicts out: returns the exit status. */
int attempts_run(const struct verify_opts *o);

/* The same with the Lean 4 REPL as the checker (lean.c). */
int lean_run(const struct verify_opts *o);

/* The same with the Isabelle server as the checker (isabelle.c). */
int isabelle_run(const struct verify_opts *o);

/* ---- pooled.c: the run of a backend behind a window pool (lib/backend/wpool.h) */

struct wpool;
struct wpool_job;
struct jscan;
struct jsonl_err;

struct pooled_counts {
	size_t nrec, nok, nbad;    /* verdicts written, of them ok; malformed records */
	double seconds;            /* the run's wall time */
};

/*
 * Make job j from its record, already scanned into js: its fields checked,
 * its check made. Returns 1 (to the workers), 0 (decided: its verdict is
 * filled) or -1 (a malformed record, in j->err).
 */
typedef int (*pooled_make_fn)(void *ctx, struct wpool_job *j, struct jscan *js);

/* The fields of an attempt that a prover's backend reads. */
struct pooled_rec {
	const char *context, *statement, *proof;   /* context: NULL when absent */
	size_t clen, slen, plen;
};

/* Read them from j's record (scanned into js); its "system", when present,
 * must be system. Returns 0, or -1 (a malformed record, in j->err). */
int pooled_fields(struct wpool_job *j, struct jscan *js, const char *system,
                  struct pooled_rec *r);

/* Records in, verdicts out through pool p: returns the exit status. */
int pooled_run(const struct verify_opts *o, struct wpool *p, pooled_make_fn make, void *ctx,
               struct pooled_counts *cnt);
/*
 * The end of a run's output: after a stop (a bad record, no -k) the records
 * written stay but an -o file is not committed; otherwise skipped records
 * (-k) make the status 65, an empty input is warned of, and the output is
 * closed (committed). Returns the status.
 */
struct out;
struct jsonl_in;
int verify_finish(struct out *out, struct jsonl_in *in, int stop, size_t nbad, int keep_going,
                  int status);

/* A malformed record: err set to 65, "FILE:LINE: " and the message; returns -1. */
int verify_bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
