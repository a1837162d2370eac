/*
 * isabelle.c - stp-verify --backend isabelle: not supported yet
 *
 * Design, for when it is built. The checker is the Isabelle server
 * (`isabelle server`, a TCP service on localhost that prints its address and
 * password on start). One connection per worker, like the Lean pool
 * (lib/backend/lean.c): a request is a line "COMMAND JSON"; short replies are a line
 * "OK JSON" / "ERROR JSON"; long ones are announced by a decimal length line
 * then that many bytes. Commands that take time (session_start,
 * use_theories) answer at once with {"task": ID} and later with an
 * asynchronous "FINISHED {...}" or "FAILED {...}" naming the task, with
 * "NOTE" lines in between.
 *
 *   session_start {"session": "HOL"}                  -> FINISHED {"session_id": ...}
 *   use_theories {"session_id": S, "master_dir": D,
 *                 "theories": ["Attempt_123"]}        -> FINISHED {"ok": ..., "nodes": [
 *                    {"messages": [{"kind": "error", "message": ..., "pos": ...}], ...}]}
 *   purge_theories {"session_id": S, "all": true}    (between attempts, to bound memory)
 *
 * An attempt becomes a theory file in the worker's own master directory:
 * "theory Attempt_N imports <context> begin <statement> <proof> end"; it is
 * complete when use_theories finishes with "ok": true, no message of kind
 * "error", and the proof text (outside comments and strings) uses neither
 * `sorry` nor `oops` (the server's interactive, PIDE-style checking accepts
 * `sorry` with only a warning, and `oops` abandons a proof without error). The time-out is the
 * server's own task cancellation (cancel {"task": ID}) with a kill of the
 * server as the last resort; lemmas come from the theorem's proof term
 * (`thm_deps`), which needs an ML snippet in the theory.
 *
 * Why not now: Debian has no Isabelle package, so the backend could only be
 * tested against a scripted server of our own; the Lean backend and sharded
 * runs came first, and a second scripted protocol (asynchronous tasks, length
 * framed messages) would double what is tested against no real software.
 */
#include "msg.h"
#include "verify.h"

int
isabelle_run(const struct verify_opts *o)
{
	(void)o;
	die(EX_UNAVAILABLE, "--backend isabelle: not supported yet (design: stp-verify/isabelle.c)");
}
