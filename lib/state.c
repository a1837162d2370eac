/*
 * state.c - the cumulative state of a self-play run (see state.h)
 */
#include "state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"

static uint64_t
rehash(const void *ctx, size_t i)
{
	return hash64_str(((const struct state *)ctx)->s[i].id);
}

struct sstate *
state_get(const struct state *st, const char *id)
{
	size_t at;

	for (size_t i = hindex_first(&st->index, hash64_str(id), &at); i;
	     i = hindex_next(&st->index, &at))
		if (strcmp(st->s[i - 1].id, id) == 0)
			return &st->s[i - 1];
	return NULL;
}

static struct sstate *
add(struct state *st, const char *id, const char *split, const char *file, long line)
{
	if (state_get(st, id))
		die(EX_DATAERR, "%s:%ld: statement '%s' appears twice", file, line, id);
	xgrow(&st->s, &st->cap, st->n + 1, sizeof *st->s);
	memset(&st->s[st->n], 0, sizeof st->s[st->n]);
	st->s[st->n].id = xstrdup(id);
	st->s[st->n].split = xstrdup(split);
	st->s[st->n].first_iter = -1;
	st->n++;
	hindex_add(&st->index, hash64_str(id), rehash, st);
	return &st->s[st->n - 1];
}

void
state_load(struct state *st, const char *path)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	int r;

	memset(st, 0, sizeof *st);
	while ((r = jsonl_in_read(in, &l, &err)) != 0) {
		json_t *o;
		const char *id, *split;
		double bp;
		long long a, c, fi = -1;
		int pr;
		struct sstate *s;
		json_t *fj;

		if (r < 0)
			die(err.status, "%s", err.msg);
		o = jsonl_parse(l.text, l.len, l.file, l.lineno, &err);
		if (!o || jsonl_get_str(o, "id", 1, &id, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "split", 1, &split, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_num(o, "best_pass", 1, &bp, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_bool(o, "proved", 1, &pr, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_int(o, "attempts", 1, &a, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_int(o, "correct", 1, &c, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		fj = json_object_get(o, "first_iter");
		if (fj && !json_is_null(fj)) {
			if (!json_is_integer(fj))
				die(EX_DATAERR, "%s:%ld: field 'first_iter': expected an integer or null",
				    l.file, l.lineno);
			fi = json_integer_value(fj);
		}
		if (!(bp >= 0 && bp <= 1) || a < 0 || c < 0 || c > a)
			die(EX_DATAERR, "%s:%ld: inconsistent counts (best_pass %g, attempts %lld, correct %lld)",
			    l.file, l.lineno, bp, a, c);
		s = add(st, id, split, l.file, l.lineno);
		s->best_pass = bp;
		s->proved = pr;
		s->first_iter = fi;
		s->attempts = a;
		s->correct = c;
		json_decref(o);
	}
	jsonl_in_close(in);
}

void
state_from_statements(struct state *st, const char *path)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	int r;

	memset(st, 0, sizeof *st);
	while ((r = jsonl_in_read(in, &l, &err)) != 0) {
		json_t *o;
		const char *id, *split;
		if (r < 0)
			die(err.status, "%s", err.msg);
		o = jsonl_parse(l.text, l.len, l.file, l.lineno, &err);
		if (!o || jsonl_get_str(o, "id", 1, &id, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(o, "split", 1, &split, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		if (strcmp(split, "test") != 0)
			add(st, id, split, l.file, l.lineno);
		json_decref(o);
	}
	jsonl_in_close(in);
}

void
state_write(const struct state *st, const char *path)
{
	struct out o;

	/* (a device or a pipe, /dev/null, is written in place by out_open) */
	out_open(&o, path);
	state_write_fp(st, o.fp);
	out_close(&o);
}

void
state_write_fp(const struct state *st, FILE *fp)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct sstate *s = &st->s[i];
		json_t *j = json_object();
		json_object_set_new(j, "id", json_string(s->id));
		json_object_set_new(j, "split", json_string(s->split));
		json_object_set_new(j, "best_pass", json_real(s->best_pass));
		json_object_set_new(j, "proved", json_boolean(s->proved));
		json_object_set_new(j, "first_iter",
		                    s->first_iter >= 0 ? json_integer(s->first_iter) : json_null());
		json_object_set_new(j, "attempts", json_integer(s->attempts));
		json_object_set_new(j, "correct", json_integer(s->correct));
		if (jsonl_write(fp, j) < 0)
			die(EX_IOERR, "write error:");
		json_decref(j);
	}
}

void
state_free(struct state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->s[i].id);
		free(st->s[i].split);
	}
	free(st->s);
	hindex_free(&st->index);
	memset(st, 0, sizeof *st);
}
