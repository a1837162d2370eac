/*
 * dedup.c - statement identities and the set of statements seen (dedup.h)
 */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "msg.h"

uint64_t
stmt_key(const char *system, const char *context, const char *stmt, const char *const *hyps,
         size_t nh)
{
	struct hash_fields *h = hash_fields_new();
	char *n;
	uint64_t k;

	hash_fields_add_str(h, system);
	hash_fields_add_str(h, context);
	for (size_t i = 0; i < nh; i++) {
		n = hash_normalize_ws(hyps[i]);
		hash_fields_add_str(h, n);
		free(n);
	}
	hash_fields_add_str(h, NULL);
	n = hash_normalize_ws(stmt);
	hash_fields_add_str(h, n);
	free(n);
	k = hash_fields_64(h);
	hash_fields_free(h);
	return k;
}

void
conj_id(char id[CONJ_ID_SIZE], const char *system, const char *context, const char *stmt,
        const char *const *hyps, size_t nh)
{
	id[0] = 'c';
	id[1] = '/';
	hash64_hex(stmt_key(system, context, stmt, hyps, nh), id + 2);
}

void
dedup_dataset(struct dedup *d, const char *path)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	const char *s, *system;
	struct jsonl_strs h = { NULL, 0, 0 };
	json_t *rec;
	int r;

	while ((r = jsonl_in_object(in, &l, &rec, &err)) != 0) {
		if (r < 0)
			die(err.status, "%s", err.msg);
		system = "metamath";
		if (!rec || jsonl_get_str(rec, "statement", 1, &s, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(rec, "system", 0, &system, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_strs(rec, "hyps", 0, &h, l.file, l.lineno, &err) < 0)
			die(EX_DATAERR, "%s", err.msg);
		hset64_add(&d->seen, stmt_key(system, NULL, s, h.v, h.n));
		json_decref(rec);
	}
	free(h.v);
	jsonl_in_close(in);
}

int
dedup_add(struct dedup *d, const char *system, const char *stmt)
{
	return hset64_add(&d->seen, stmt_key(system, NULL, stmt, NULL, 0));
}

void
dedup_release(struct dedup *d)
{
	free(d->seen.v);
	memset(d, 0, sizeof *d);
}
