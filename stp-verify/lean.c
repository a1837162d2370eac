/*
 * lean.c - stp-verify --backend lean: attempts checked by a pool of Lean 4 REPLs
 *
 * The checker, its limits and what makes a proof complete are in
 * lib/backend/lean.h. Here: -j N workers (--lean-cmd, --lean-project,
 * --timeout, --lean-header-timeout, --lean-mem MB) and the records' fields;
 * the run itself (records in, verdicts in input order out) is pooled.c's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lean.h"
#include "jscan.h"
#include "msg.h"
#include "vcache.h"
#include "verify.h"

/*
 * Make job j from its record (scanned into js): its fields checked, its
 * check made (the command, the cache key). Returns 1, or -1 (a malformed
 * record, in j->err).
 */
static int
job_make(void *ctx, struct wpool_job *j, struct jscan *js)
{
	struct pooled_rec r;

	if (pooled_fields(j, js, "lean", &r) < 0)
		return -1;
	lean_make(ctx, j, r.context, r.clen, r.statement, r.slen, r.proof, r.plen);
	return 1;
}

int
lean_run(const struct verify_opts *o)
{
	struct lean_cfg cfg;
	struct lean_backend *b;
	struct lean_stats st;
	struct pooled_counts cnt;
	struct vcache *cache = NULL;
	struct stat sb;
	int nworkers = o->jobs > 0 ? o->jobs : 1, status;

	memset(&cfg, 0, sizeof cfg);
	cfg.cmd = o->lean_cmd ? o->lean_cmd : "lake env repl";
	cfg.project = o->lean_project ? o->lean_project : ".";
	cfg.timeout = o->timeout;
	cfg.header_timeout = o->lean_header_timeout > 0 ? o->lean_header_timeout : 600;
	cfg.mem_kb = o->lean_mem_mb * 1024;
	cfg.page_kb = sysconf(_SC_PAGESIZE) / 1024;
	if (stat(cfg.project, &sb) < 0)
		die(EX_NOINPUT, "cannot open the lean project '%s':", cfg.project);
	if (!S_ISDIR(sb.st_mode))
		die(EX_NOINPUT, "the lean project '%s' is not a directory", cfg.project);
	if (o->cache)
		cache = vcache_open(o->cache);
	b = lean_new(&cfg, nworkers, cache);
	status = pooled_run(o, lean_pool(b), job_make, b, &cnt);
	lean_free(b, &st);
	if (cache)
		vcache_save(cache);
	if (st.timeouts + st.memory + st.died + st.badreply > 0 || cnt.nrec + cnt.nbad > 1000)
		progress("lean: %zu verdicts (%zu ok), %ld checked by %d process%s: %ld started, "
		         "%ld timed out, %ld over the memory limit, %ld died, %ld unreadable replies, "
		         "%.1f/s",
		         cnt.nrec, cnt.nok, st.attempts, nworkers, nworkers == 1 ? "" : "es", st.starts,
		         st.timeouts, st.memory, st.died, st.badreply,
		         (double)cnt.nrec / (cnt.seconds + 1e-9));
	vcache_free(cache);
	return status;
}
