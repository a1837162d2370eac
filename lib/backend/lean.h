/*
 * lean.h - the Lean 4 REPL as a checker: its processes, the judgement of its
 * replies, and a pool of workers that check attempts in a window
 *
 * The checker is the Lean 4 REPL (leanprover-community/repl), started as
 * `lake env repl` in a Lake project that has the imports the headers need
 * (Mathlib), or as any command given by --lean-cmd. Its protocol: a request is
 * one JSON object on one line followed by a blank line; a reply is a
 * pretty-printed JSON object over several lines, followed by a blank line:
 *
 *   -> {"cmd":"import Mathlib\nopen Real"}              (no "env": a new one)
 *   <- {"env": 0}
 *   -> {"cmd":"theorem foo : 1 + 1 = 2 := by\n  norm_num","env":0,"allTactics":true}
 *   <- {"tactics": [{"usedConstants": [...], ...}], "env": 1}
 *   -> {"cmd":"#print axioms foo","env":1}
 *   <- {"messages": [{"severity": "info", "pos": ..., "data":
 *       "'foo' depends on axioms: [propext]"}], "env": 2}
 *
 * and a failure of the REPL itself is {"message": "Unknown environment."}.
 *
 * The pool (a window pool, wpool.h). N worker threads each own one REPL
 * process. A process gets each header (the record's "context": imports,
 * opens) once and keeps the
 * environment it answered with; every attempt with that header then runs in
 * that environment (a worker prefers pending attempts whose header its
 * process already has). The caller (one thread) fills the jobs of a window
 * of W attempts in flight, in order, and takes them back done, in the same
 * order.
 *
 * Limits. Each proof has a wall-clock time-out (lean_cfg.timeout; a header
 * gets header_timeout). Each process group has a memory limit (mem_kb, the
 * summed resident size of the group, polled every MEM_POLL_MS while a reply
 * is awaited). A time-out, the limit, a REPL that dies or a reply that
 * cannot be read kill the process group (each REPL is a session leader:
 * `lake` and the `repl` it starts go together), the attempt fails with the
 * reason, and the next attempt starts a new process. Between attempts a
 * process whose group has grown past MEM_SOFT of the limit is restarted
 * before it is used again, so that the REPL's growth (it keeps every
 * environment it ever made) costs no verdict.
 *
 * A proof is complete when the proof's command gives no error message, no
 * sorry, no warning that mentions "sorry" or "failed", and `#print axioms`
 * of the theorem, run in the environment after it, names nothing beyond
 * propext, Classical.choice and Quot.sound. `lemmas` is the union of the
 * REPL's "usedConstants" over the proof's tactics ("allTactics": true),
 * without the theorem itself and compiler-internal names, sorted.
 *
 * Determinism. ok, error, lemmas and length are functions of the attempt and
 * of the Lean project (toolchain, Mathlib), whatever the process, the order
 * or the number of workers, with one exception: a verdict of a time-out, of
 * the memory limit, of a dead REPL or an unreadable reply depends on the
 * machine and its load. Those verdicts are never cached (a rerun tries
 * again); every other verdict is. verify_ms is the measured wall time of the
 * attempt's two REPL commands (a header's import is not counted): it is not
 * deterministic, and Lean gives no deterministic measure of work through the
 * REPL (NEEDSWORK: heartbeats through `count_heartbeats in` where Mathlib is
 * imported). A verdict from the cache keeps its verify_ms, so cached runs
 * are byte-identical.
 *
 * Ownership: a job owns its copies of the record and of the strings derived
 * from it (its check); a worker owns its REPL; the window's slots are as in
 * wpool.h.
 */
#ifndef STP_BACKEND_LEAN_H
#define STP_BACKEND_LEAN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "backend/wpool.h"

struct vcache;

struct lean_cfg {
	const char *cmd;           /* starts one REPL: /bin/sh -c CMD, in project */
	const char *project;       /* the Lake project directory */
	double timeout;            /* seconds a proof's two commands may take */
	double header_timeout;     /* seconds a header's imports may take */
	long mem_kb;               /* per REPL process group; 0: no limit */
	long page_kb;              /* the system's page size, kB */
};

/* ---- the pool */

struct lean_stats {
	long attempts;         /* checked by a REPL (not from the cache) */
	long starts;           /* REPL processes started */
	long timeouts, memory, died, badreply;   /* processes killed, by reason */
};

struct lean_backend;

/* nworkers workers and their REPLs (each started at its first attempt) on a
 * window pool (wpool.h); verdicts are looked up in and added to cache (may
 * be NULL), under keys of the checker's identity (the command, the
 * project's toolchain and package manifest) and the attempt. */
struct lean_backend *lean_new(const struct lean_cfg *c, int nworkers, struct vcache *cache);
/* Its pool: slots, push, oldest, pop. */
struct wpool *lean_pool(struct lean_backend *b);
/*
 * Make slot j's check from its record's fields: the header
 * (context[0..clen)), the command (the statement, a newline unless it ends
 * in one, the proof), the theorem's name, the proof's length, its cache key.
 * Push it made.
 */
void lean_make(struct lean_backend *b, struct wpool_job *j, const char *context, size_t clen,
               const char *statement, size_t slen, const char *proof, size_t plen);
/* Stop the workers (each REPL gets its stdin closed and a moment to exit)
 * and free the backend; *st gets the counts. */
void lean_free(struct lean_backend *b, struct lean_stats *st);

/* ---- the parts, exposed for tests */

/* The request {"cmd":TEXT[,"env":ENV][,"allTactics":true]} and its blank
 * line (env < 0: none); malloc'd, *len its length. */
char *lean_request(const char *text, size_t n, long env, int tactics, size_t *len);
/*
 * Find a whole reply in b[0..len): blank lines before it are skipped; it ends
 * at the first blank line (a line of nothing but spaces, tabs and '\r') after
 * a non-blank one. Returns the reply's length with *start its offset and
 * *consumed the bytes through its closing blank line, or 0 when the buffer
 * does not hold a whole reply yet.
 */
size_t lean_find_reply(const char *b, size_t len, size_t *start, size_t *consumed);
/* Parse a reply's text: a JSON object, or NULL. A REPL (or `lake`) may print
 * lines that are not JSON before its reply: when the whole text does not
 * parse, the text from the first line that starts with '{' is tried. */
json_t *lean_parse_reply(const char *s, size_t n);
/*
 * Judge the reply to a proof's command. Returns NULL when it is clean, or the
 * reason (malloc'd) why the proof is not complete. *transient is set when the
 * reason is the REPL's own failure rather than the proof's.
 */
char *lean_judge_proof(json_t *rep, int *transient);
/*
 * Judge the reply to `#print axioms NAME`: NULL when the theorem depends on
 * nothing beyond propext, Classical.choice and Quot.sound, else the reason
 * (malloc'd). Lean says "'NAME' depends on axioms: [propext, Quot.sound]"
 * (the list may be wrapped over lines) or "'NAME' does not depend on any
 * axioms".
 */
char *lean_judge_axioms(json_t *rep, const char *name, int *transient);
/* A constant that is no lemma of the library: the theorem self itself (and
 * its auxiliary definitions), or a compiler-internal name (a component that
 * starts with '_', or proof_N / match_N / eq_N). */
int lean_internal_name(const char *s, const char *self);
/* Append the "lemmas" array for a proof's reply to out (a growable buffer
 * of *len bytes, capacity *cap): the tactics' usedConstants, filtered,
 * sorted, each once. */
void lean_put_lemmas(json_t *rep, const char *self, char **out, size_t *len, size_t *cap);
/*
 * The theorem's name from a statement "theorem NAME ...", "lemma NAME ..." or
 * "def NAME ..." (ProofNet states 14 of its 371 problems as definitions to
 * give: a CommGroup, an isomorphism), after comments, attributes (@[...]) and
 * modifiers. Returns a malloc'd
 * name, or NULL.
 */
char *lean_theorem_name(const char *s);

#endif
