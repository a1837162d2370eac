/*
 * isabelle.c - stp-verify --backend isabelle: attempts checked by a running
 * Isabelle server
 *
 * The protocol, the screen, the verdict and the pool of sessions are in
 * lib/backend/isabelle.h. Here: -j N workers, each a connection and a
 * session (--isabelle-address, --isabelle-password, --isabelle-session,
 * --isabelle-start-timeout, --timeout); the records' context, statement and
 * proof; the run itself is pooled.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/isabelle.h"
#include "jscan.h"
#include "msg.h"
#include "vcache.h"
#include "verify.h"

/* A record's check: 1 to the server, 0 refused by the screen, -1 malformed. */
static int
job_make(void *ctx, struct wpool_job *j, struct jscan *js)
{
	struct pooled_rec r;

	if (pooled_fields(j, js, "isabelle", &r) < 0)
		return -1;
	return isa_make(ctx, j, r.context, r.clen, r.statement, r.slen, r.proof, r.plen);
}

int
isabelle_run(const struct verify_opts *o)
{
	struct isa_cfg cfg;
	struct isa_backend *b;
	struct isa_stats st;
	struct pooled_counts cnt;
	struct vcache *cache = NULL;
	int nworkers = o->jobs > 0 ? o->jobs : 1, status;

	memset(&cfg, 0, sizeof cfg);
	cfg.address = o->isabelle_address ? o->isabelle_address : getenv("STP_ISABELLE_ADDRESS");
	cfg.password = o->isabelle_password ? o->isabelle_password : getenv("STP_ISABELLE_PASSWORD");
	cfg.session = o->isabelle_session ? o->isabelle_session : "HOL";
	cfg.timeout = o->timeout;
	cfg.start_timeout = o->isabelle_start_timeout > 0 ? o->isabelle_start_timeout : 600;
	if (!cfg.address || !*cfg.address)
		die(EX_USAGE, "--backend isabelle needs the server's address: --isabelle-address "
		    "HOST:PORT (or verify.isabelle_address, or $STP_ISABELLE_ADDRESS)");
	if (o->cache)
		cache = vcache_open(o->cache);
	b = isa_new(&cfg, nworkers, cache);
	status = pooled_run(o, isa_pool(b), job_make, b, &cnt);
	isa_free(b, &st);
	if (cache)
		vcache_save(cache);
	if (st.timeouts + st.restarts + st.lost > 0 || cnt.nrec + cnt.nbad > 1000)
		progress("isabelle: %zu verdicts (%zu ok), %ld checked by %d worker%s: %ld session%s "
		         "started, %ld timed out (%ld cancelled), %ld connection%s lost, %ld restart%s, "
		         "%.1f/s",
		         cnt.nrec, cnt.nok, st.attempts, nworkers, nworkers == 1 ? "" : "s", st.sessions,
		         st.sessions == 1 ? "" : "s", st.timeouts, st.cancels, st.lost,
		         st.lost == 1 ? "" : "s", st.restarts, st.restarts == 1 ? "" : "s",
		         (double)cnt.nrec / (cnt.seconds + 1e-9));
	vcache_free(cache);
	return status;
}
