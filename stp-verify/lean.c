/*
 * lean.c - stp-verify --backend lean: attempts checked by a pool of Lean 4 REPLs
 *
 * The checker, its limits and what makes a proof complete are in
 * lib/backend/lean.h. Here: -j N workers (--lean-cmd, --lean-project,
 * --timeout, --lean-header-timeout, --lean-mem MB). The main thread reads
 * records, answers malformed ones and cache hits itself, hands the rest to
 * the workers through the pool's window of records in flight, and writes
 * verdicts in input order: the record with ok, error, lemmas, length and
 * verify_ms.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "backend/lean.h"
#include "jscan.h"
#include "jsonl.h"
#include "msg.h"
#include "vcache.h"
#include "verify.h"

static int
bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	err->status = EX_DATAERR;
	n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, lineno);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof err->msg)
		vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Make job j from its record: its fields checked, its check made (the
 * command, the cache key). Returns 0, or -1 (a malformed record, in j->err).
 */
static int
job_make(struct lean_pool *p, struct lean_job *j, struct jscan *js)
{
	const char *system = NULL, *context = NULL, *statement, *proof;
	size_t clen = 0, slen, plen;
	struct jsonl_err *err = &j->err;

	if (jscan_object(js, j->line, j->len, j->file, j->lineno, err) < 0)
		return -1;
	if (jscan_str(js, "system", 0, &system, NULL, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "context", 0, &context, &clen, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "statement", 1, &statement, &slen, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "proof", 1, &proof, &plen, j->file, j->lineno, err) < 0)
		return -1;
	if (system && strcmp(system, "lean") != 0)
		return bad(err, j->file, j->lineno,
		           "field 'system': '%.60s' is not checked by the lean backend", system);
	lean_pool_make(p, j, context, clen, statement, slen, proof, plen);
	return 0;
}

/* The fields stp-verify writes: an input's own copies are replaced. */
static const char *const verdict_fields[] = {
	"ok", "error", "lemmas", "length", "verify_ms", NULL,
};

int
lean_run(const struct verify_opts *o)
{
	struct lean_cfg cfg;
	struct lean_pool *p;
	struct lean_stats st;
	struct vcache *cache = NULL;
	struct jsonl_in *in;
	struct out out;
	struct jscan js;
	struct stat sb;
	char *obuf = NULL;
	size_t olen = 0, ocap = 0, nok = 0, nrec = 0, nbad = 0;
	int nworkers = o->jobs > 0 ? o->jobs : 1, status = 0, eof = 0, stop_reading = 0, stop = 0;
	double t0 = now_seconds(), last = t0;

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
	in = jsonl_in_open(o->files, o->nfiles, o->max_line);
	out_open(&out, o->out);
	jscan_init(&js);
	p = lean_pool_new(&cfg, nworkers, cache);

	while (!stop) {
		struct lean_job *j;

		/* read while there is room in the window */
		while (!eof && !stop_reading && (j = lean_pool_slot(p)) != NULL) {
			const char *line, *file;
			size_t len;
			long lineno;
			int r, made = 0;

			r = jsonl_in_next(in, &line, &len, &file, &lineno, &j->err);
			if (r == 0) {
				eof = 1;
				break;
			}
			if (r < 0) {
				if (j->err.status == 0)
					j->err.status = EX_DATAERR;
				j->line = xstrdup("");
				j->file = "";
			} else {
				j->line = xmalloc(len + 1);
				memcpy(j->line, line, len);
				j->line[len] = '\0';
				j->len = len;
				j->file = file;
				j->lineno = lineno;
				made = job_make(p, j, &js) == 0;
			}
			if (j->err.status && !o->keep_going)
				stop_reading = 1;   /* nothing after a bad record is checked */
			lean_pool_push(p, made);
		}
		/* write the oldest record once it is done */
		if (!(j = lean_pool_oldest(p)))
			break;
		if (j->err.status) {
			nbad++;
			if (j->err.status == EX_NOINPUT)
				status = EX_NOINPUT;
			if (!o->keep_going) {
				error("%s", j->err.msg);
				status = j->err.status;
				stop = 1;
			} else {
				warn("%s (skipped)", j->err.msg);
			}
		} else {
			struct jsonl_err e;
			olen = 0;
			if (jscan_object(&js, j->line, j->len, j->file, j->lineno, &e) < 0)
				die(EX_SOFTWARE, "%s", e.msg);
			jscan_emit(&js, verdict_fields, j->extra, j->nextra, &obuf, &olen, &ocap);
			if (fwrite(obuf, 1, olen, out.fp) != olen)
				die(EX_IOERR, "write error:");
			nrec++;
			nok += (size_t)j->ok;
		}
		lean_pool_pop(p);
		if (msg_verbosity >= 1 && now_seconds() - last > 10) {
			last = now_seconds();
			progress("%zu verdicts (%zu ok), %.1f/s", nrec, nok,
			         (double)nrec / (last - t0));
		}
	}
	lean_pool_free(p, &st);

	if (stop) {
		if (!out.is_stdout)
			atomic_abort(&out.af);
		else
			close_stdout();
	} else {
		if (nbad && o->keep_going) {
			error("%zu malformed record%s skipped", nbad, nbad == 1 ? "" : "s");
			status = EX_DATAERR;
		}
		if (jsonl_in_count(in) == 0 && nbad == 0)
			warn("no records in the input");
		out_close(&out);
	}
	if (cache)
		vcache_save(cache);
	if (st.timeouts + st.memory + st.died + st.badreply > 0 || nrec + nbad > 1000)
		progress("lean: %zu verdicts (%zu ok), %ld checked by %d process%s: %ld started, "
		         "%ld timed out, %ld over the memory limit, %ld died, %ld unreadable replies, "
		         "%.1f/s",
		         nrec, nok, st.attempts, nworkers, nworkers == 1 ? "" : "es", st.starts,
		         st.timeouts, st.memory, st.died, st.badreply,
		         (double)nrec / (now_seconds() - t0 + 1e-9));
	free(obuf);
	jscan_release(&js);
	vcache_free(cache);
	jsonl_in_close(in);
	return status;
}
