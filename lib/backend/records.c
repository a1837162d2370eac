/*
 * records.c - a tool's run through the OpenAI-compatible client: JSONL
 * records in, one job each, malformed records answered in order (see
 * openai.h)
 *
 * A malformed record's job is an OAI_MARK whose tag is its struct jsonl_err
 * (malloc'd here, freed when it is handed back).
 */
#include <stdlib.h>
#include <string.h>

#include "openai.h"

#include "atomic.h"
#include "jsonl.h"
#include "msg.h"

struct oai_job *
oai_records_next(void *ctx)
{
	struct oai_records *r = ctx;
	struct jsonl_err err, *e;
	const char *line, *file;
	size_t len;
	long lineno;
	struct oai_job *j = NULL;
	int n;

	if (r->stop)
		return NULL;
	n = jsonl_in_next(r->in, &line, &len, &file, &lineno, &err);
	if (n == 0)
		return NULL;
	if (n > 0 && (j = r->make(r->ctx, line, len, file, lineno, &err)) != NULL)
		return j;
	e = xmalloc(sizeof *e);
	*e = err;
	if (!e->status)
		e->status = EX_DATAERR;
	if (!r->keep_going)
		r->stop = 1;
	return oai_job_new(OAI_MARK, NULL, 0, 0, e);
}

void
oai_records_deliver(void *ctx, struct oai_job *j)
{
	struct oai_records *r = ctx;
	struct jsonl_err *e = j->tag;

	if (j->kind != OAI_MARK) {
		r->deliver(r->ctx, j);
		return;
	}
	if (!r->keep_going) {
		if (!r->out->is_stdout)
			atomic_abort(&r->out->af);
		die(e->status, "%s", e->msg);
	}
	warn("%s (skipped)", e->msg);
	r->nbad++;
	free(e);
	oai_job_free(j);
}

void
oai_records_run(struct oai_records *r, struct oai_client *c)
{
	char line[512];
	int st = oai_run(c, oai_records_next, oai_records_deliver, r);

	if (st) {
		if (!r->out->is_stdout)
			atomic_abort(&r->out->af);
		die(st, "%s", oai_error(c));
	}
	if (jsonl_in_count(r->in) == 0)
		warn("no records in the input");
	oai_stats_line(c, line, sizeof line);
	progress("%s", line);
}
