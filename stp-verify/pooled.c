/*
 * pooled.c - the run of a backend that checks attempts through a window pool
 * (lib/backend/wpool.h): records in, verdicts out in input order
 *
 * The main thread reads records, makes each one's check (the backend's
 * make function, which may decide it at once), hands the rest to the
 * workers through the pool's window of records in flight, and writes
 * verdicts in input order: the record with the verdict's fields replacing
 * any it had. A malformed record stops the run after the verdicts before it
 * (with -k: a warning, and 65 at the end). Also the parts every verifier's
 * run shares: the end of its output (verify_finish) and a malformed
 * record's message (verify_bad).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "backend/wpool.h"
#include "jscan.h"
#include "jsonl.h"
#include "msg.h"
#include "verify.h"

/* The fields stp-verify writes: an input's own copies are replaced. */
static const char *const verdict_fields[] = {
	"ok", "error", "lemmas", "length", "verify_ms", NULL,
};

int
verify_bad(struct jsonl_err *err, const char *file, long lineno, const char *fmt, ...)
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

int
verify_finish(struct out *out, struct jsonl_in *in, int stop, size_t nbad, int keep_going,
              int status)
{
	if (stop) {
		/* a bad record: what was written before it stays, as promised,
		 * but an -o file is not committed half-way */
		if (!out->is_stdout)
			atomic_abort(&out->af);
		else
			close_stdout();
		return status;
	}
	if (nbad && keep_going) {
		error("%zu malformed record%s skipped", nbad, nbad == 1 ? "" : "s");
		status = EX_DATAERR;
	}
	if (jsonl_in_count(in) == 0 && nbad == 0)
		warn("no records in the input");
	out_close(out);
	return status;
}

int
pooled_fields(struct wpool_job *j, struct jscan *js, const char *system, struct pooled_rec *r)
{
	const char *sys = NULL;
	struct jsonl_err *err = &j->err;

	memset(r, 0, sizeof *r);
	if (jscan_str(js, "system", 0, &sys, NULL, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "context", 0, &r->context, &r->clen, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "statement", 1, &r->statement, &r->slen, j->file, j->lineno, err) < 0 ||
	    jscan_str(js, "proof", 1, &r->proof, &r->plen, j->file, j->lineno, err) < 0)
		return -1;
	if (sys && strcmp(sys, system) != 0)
		return verify_bad(err, j->file, j->lineno,
		                  "field 'system': '%.60s' is not checked by the %s backend", sys,
		                  system);
	return 0;
}

int
pooled_run(const struct verify_opts *o, struct wpool *p, pooled_make_fn make, void *ctx,
           struct pooled_counts *cnt)
{
	struct jsonl_in *in;
	struct out out;
	struct jscan js;
	char *obuf = NULL;
	size_t olen = 0, ocap = 0;
	int status = 0, eof = 0, stop_reading = 0, stop = 0;
	double t0 = now_seconds(), last = t0;

	memset(cnt, 0, sizeof *cnt);
	in = jsonl_in_open(o->files, o->nfiles, o->max_line);
	out_open(&out, o->out);
	jscan_init(&js);
	while (!stop) {
		struct wpool_job *j;

		/* read while there is room in the window */
		while (!eof && !stop_reading && (j = wpool_slot(p)) != NULL) {
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
				if (jscan_object(&js, j->line, j->len, j->file, j->lineno, &j->err) == 0)
					made = make(ctx, j, &js) > 0;
			}
			if (j->err.status && !o->keep_going)
				stop_reading = 1;   /* nothing after a bad record is checked */
			wpool_push(p, made);
		}
		/* write the oldest record once it is done */
		if (!(j = wpool_oldest(p)))
			break;
		if (j->err.status) {
			cnt->nbad++;
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
			cnt->nrec++;
			cnt->nok += (size_t)j->ok;
		}
		wpool_pop(p);
		if (msg_verbosity >= 1 && now_seconds() - last > 10) {
			last = now_seconds();
			progress("%zu verdicts (%zu ok), %.1f/s", cnt->nrec, cnt->nok,
			         (double)cnt->nrec / (last - t0));
		}
	}
	status = verify_finish(&out, in, stop, cnt->nbad, o->keep_going, status);
	cnt->seconds = now_seconds() - t0;
	free(obuf);
	jscan_release(&js);
	jsonl_in_close(in);
	return status;
}
