/*
 * isabelle.h - the Isabelle server as a checker: its protocol, the lexical
 * screen of attempts, the judgement of its replies, and a pool of sessions
 *
 * The checker is the Isabelle server (`isabelle server`, Isabelle system
 * manual, chapter "The Isabelle server"): a process on localhost that prints
 * "server "NAME" = 127.0.0.1:PORT (password "PW")" and serves several TCP
 * connections and logic sessions. The protocol, as used here:
 *
 *   framing     a short message is one line (LF or CR-LF); a long one is a
 *               line of decimal digits N, then N bytes (a final line end
 *               among them is dropped). Both are read; a message is sent
 *               long when it is over 100 bytes or holds a newline, as the
 *               server itself does.
 *   messages    "NAME ARGUMENT": NAME the longest prefix of ASCII letters,
 *               digits, '_' and '.', blanks, then JSON (or nothing).
 *   password    the first line of a connection; the server answers
 *               OK {"isabelle_id":...,"isabelle_name":...} or closes it.
 *   commands    synchronous ones answer OK or ERROR; asynchronous ones
 *               answer OK {"task":ID} at once, then NOTE {"task":ID,...}
 *               any number of times, then FINISHED {"task":ID,...} or
 *               FAILED {"task":ID,"kind":"error","message":...}.
 *
 *   session_start {"session":"HOL"}          -> FINISHED {"session_id","tmp_dir"}
 *   use_theories {"session_id","theories":[NAME],"master_dir":DIR,
 *                 "check_delay","check_limit","watchdog_timeout"}
 *                                            -> FINISHED {"ok","errors","nodes"}
 *   purge_theories {"session_id","theories":[NAME],"master_dir":DIR}
 *                                            -> OK {"purged","retained"}
 *   cancel {"task":ID}                       -> OK (the task usually FAILs
 *                                               with "Interrupt")
 *   session_stop {"session_id"}              -> FINISHED {"ok","return_code"}
 *
 * The pool. N worker threads each own a connection and a session on it
 * (session_start, at the first attempt). An attempt becomes a theory file,
 * "theory Attempt_H imports CONTEXT begin", the statement, the proof, "end"
 * (prompt_isabelle_theory; H is a hash of the three), in a directory of its
 * own under the session's tmp_dir (the server reads the file: client and
 * server share the file system), then use_theories with the time limit as
 * check_delay × check_limit and as watchdog_timeout, then purge_theories
 * (a theory stays in the session until purged), then the file and directory
 * are removed.
 *
 * The verdict. Before anything is sent, the attempt is screened lexically
 * (isa_forbidden): outside comments, strings and cartouches, the statement
 * and proof may not use sorry, \<proof>, oops, axiomatization,
 * quick_and_dirty or an ML escape (ML, ML_file, setup, declaration,
 * method_setup, oracle, the methods tactic and raw_tactic, ...), nor an ML
 * antiquotation anywhere; the context must be theory names. NEEDSWORK:
 * methods that rest on the code generator's oracles (eval, normalization)
 * are accepted, unlike Lean's native_decide; Isabelle's `thm_oracles NAME`
 * would tell, as #print axioms does for Lean. The server's interactive
 * checking accepts sorry, and oops abandons a proof without an error, so
 * this screen is what keeps them out. Then the attempt is complete when
 * use_theories finishes with "ok": true, the theory's node has
 * status.failed = 0, consolidated true and canceled false, and no message of
 * kind "error" (isa_judge).
 *
 * Time-outs. The server's own limit (check_limit) finishes the task with the
 * node not consolidated: a time-out verdict; the purge then stops the
 * theory's execution. Should the server not answer by the limit plus
 * ISA_SLACK seconds, the task is cancelled; when it does not end within
 * ISA_CANCEL_WAIT seconds either, the connection is dropped (the server
 * cancels its tasks), and the next attempt connects again and starts a new
 * session (the old one is stopped). A connection the server closes or
 * breaks fails the attempt the same way. A server that cannot be reached,
 * refuses the password or cannot start the session exits 69 naming the
 * address.
 *
 * Determinism. As with Lean: ok and error are functions of the attempt and
 * of the server's Isabelle and session, except for time-outs, cancelled
 * commands, and connections lost, which depend on the machine and are never
 * cached. Cache keys hold the server's isabelle_id and name (asked once, by
 * a first connection, at the start) and the session's name. lemmas are []:
 * the server tells no theorem's dependencies without ML (NEEDSWORK: the
 * thm_deps command, appended to the theory). verify_ms is the measured wall
 * time of use_theories.
 */
#ifndef STP_BACKEND_ISABELLE_H
#define STP_BACKEND_ISABELLE_H

#include <stddef.h>

#include <jansson.h>

#include "backend/wpool.h"

struct vcache;

#define ISA_SLACK        2.0   /* seconds past the server's own limit before we cancel */
#define ISA_CANCEL_WAIT  3.0   /* seconds a cancelled task gets to end */
#define ISA_SHORT_MAX    100   /* longest message sent as one line, bytes */
#define ISA_MAX_MESSAGE  (256L << 20)   /* longest message read, bytes */

struct isa_cfg {
	const char *address;       /* HOST:PORT of a running `isabelle server` */
	const char *password;
	const char *session;       /* the logic session, e.g. "HOL" */
	double timeout;            /* seconds an attempt's use_theories may take */
	double start_timeout;      /* seconds a session_start may take */
};

struct isa_stats {
	long attempts;             /* checked by the server (not screened out, not cached) */
	long sessions;             /* sessions started */
	long timeouts;             /* attempts past the time limit */
	long cancels;              /* ... whose task was cancelled by us */
	long restarts;             /* connections dropped, with a new session after */
	long lost;                 /* connections the server closed or broke */
};

struct isa_backend;

/* The backend: a first connection checks the address and password and asks
 * the server's version (dies with 69 when it fails); nworkers workers, each
 * to connect and start its session at its first attempt. */
struct isa_backend *isa_new(const struct isa_cfg *c, int nworkers, struct vcache *cache);
/* Its pool (wpool.h): slots, push, oldest, pop. */
struct wpool *isa_pool(struct isa_backend *b);
/*
 * Make slot j's check from its record's fields. Returns 1 when it goes to
 * the server (push it made), or 0 when the screen has decided it already:
 * its verdict is filled (push it not made).
 */
int isa_make(struct isa_backend *b, struct wpool_job *j, const char *context, size_t clen,
             const char *statement, size_t slen, const char *proof, size_t plen);
/* Stop the workers (each stops its session and closes its connection),
 * free the backend; *st gets the counts. */
void isa_free(struct isa_backend *b, struct isa_stats *st);

/* ---- the parts, exposed for tests */

/* "NAME ARG" framed for sending (ARG may be NULL): one line, or a decimal
 * length line then the message and a newline. malloc'd, *len its length. */
char *isa_frame(const char *name, const char *arg, size_t *len);
/*
 * Find a whole message in b[0..len): returns 1 with the message at
 * b[*start .. *start + *mlen) (line end excluded) and *consumed the bytes it
 * took, 0 when the buffer does not hold a whole one yet, -1 when a length
 * line announces more than max bytes.
 */
int isa_find_message(const char *b, size_t len, size_t max, size_t *start, size_t *mlen,
                     size_t *consumed);
/* The name of message m[0..n): returns its length; *arg is the offset of
 * the argument (after the blanks). */
size_t isa_split(const char *m, size_t n, size_t *arg);
/*
 * The lexical screen of s[0..n): NULL when it is clean, else what is
 * wrong: a forbidden word ("sorry", "ML", "@{ML") or "an unterminated
 * comment" (string, cartouche, verbatim text); *line its line (from 1).
 */
const char *isa_forbidden(const char *s, size_t n, long *line);
/* The context: NULL when it is theory names only, else what is wrong. */
const char *isa_bad_context(const char *s, size_t n);
/*
 * Judge a use_theories result for the theory NAME, whose statement starts on
 * line hdr_lines + 1 of its file. NULL: complete; else the reason
 * (malloc'd), with *transient set when it depends on the machine (a
 * time-out, a cancelled command).
 */
char *isa_judge(json_t *res, const char *name, long hdr_lines, double timeout, int *transient);
/* Split "HOST:PORT" ("[V6]:PORT" too) into malloc'd parts: 0, or -1. */
int isa_parse_address(const char *addr, char **host, char **port);

#endif
