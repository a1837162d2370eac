/*
 * vcache.c - the verdict cache (see vcache.h)
 *
 * An open-addressing table of 128-bit keys; values are malloc'd strings.
 * One mutex guards it: a lookup is a hash probe and a copy, so two or three
 * verifier threads hardly contend.
 */
#include "vcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "atomic.h"
#include "jsonl.h"
#include "msg.h"

struct ventry {
	struct hash128 key;
	char *val;             /* NULL: empty slot */
	uint32_t len;
	uint8_t added;         /* not yet in the file */
};

struct vcache {
	char *path;
	struct ventry *tab;
	size_t cap, n, nadded;
	pthread_mutex_t mu;
};

static size_t
slot(const struct vcache *c, struct hash128 k)
{
	return (size_t)(k.lo ^ (k.hi >> 7)) & (c->cap - 1);
}

static void
insert(struct vcache *c, struct hash128 k, char *val, size_t len, int added)
{
	size_t i;

	if ((c->n + 1) * 2 > c->cap) {
		struct ventry *old = c->tab;
		size_t oldcap = c->cap;
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->tab = xcalloc(c->cap, sizeof *c->tab);
		c->n = 0;
		for (size_t j = 0; j < oldcap; j++)
			if (old[j].val) {
				size_t s = slot(c, old[j].key);
				while (c->tab[s].val)
					s = (s + 1) & (c->cap - 1);
				c->tab[s] = old[j];
				c->n++;
			}
		free(old);
	}
	for (i = slot(c, k); c->tab[i].val; i = (i + 1) & (c->cap - 1))
		if (c->tab[i].key.lo == k.lo && c->tab[i].key.hi == k.hi) {
			free(val);
			return;
		}
	c->tab[i] = (struct ventry){ k, val, (uint32_t)len, (uint8_t)added };
	c->n++;
	if (added)
		c->nadded++;
}

static int
parse_key(const char *s, struct hash128 *k)
{
	uint64_t v[2] = { 0, 0 };

	if (strlen(s) != 32)
		return -1;
	for (int i = 0; i < 32; i++) {
		int d;
		char ch = s[i];
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else
			return -1;
		v[i / 16] = v[i / 16] << 4 | (uint64_t)d;
	}
	k->hi = v[0];
	k->lo = v[1];
	return 0;
}

struct vcache *
vcache_open(const char *path)
{
	struct vcache *c = xcalloc(1, sizeof *c);
	FILE *f;

	c->path = xstrdup(path);
	pthread_mutex_init(&c->mu, NULL);
	/* a cache is read whole and rewritten: a device or a FIFO (/dev/full
	 * reads zeros forever, a FIFO blocks) cannot be one */
	{
		struct stat sb;
		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
			die(EX_USAGE, "cache '%s': not a regular file", path);
	}
	f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			die(EX_NOINPUT, "cannot open cache '%s':", path);
		return c;
	}
	fclose(f);
	{
		struct jsonl_in *in = jsonl_in_open1(c->path);
		struct jsonl_err err;
		struct jsonl_line l;
		int r;

		while ((r = jsonl_in_read(in, &l, &err)) != 0) {
			json_t *o, *v = NULL;
			const char *ks;
			struct hash128 k;
			char *txt;
			size_t tl;

			if (r < 0)
				die(err.status, "%s", err.msg);
			o = jsonl_parse(l.text, l.len, l.file, l.lineno, &err);
			if (!o)
				die(EX_DATAERR, "%s", err.msg);
			/* a bad entry: say where, free what is held (so that a
			 * leak checker stays quiet), and stop */
			if (jsonl_get_str(o, "key", 1, &ks, l.file, l.lineno, &err) < 0)
				;
			else if (parse_key(ks, &k) < 0)
				snprintf(err.msg, sizeof err.msg, "%s:%ld: field 'key': expected 32 hex digits",
				         l.file, l.lineno);
			else if (!json_is_object(v = json_object_get(o, "v")))
				snprintf(err.msg, sizeof err.msg, "%s:%ld: field 'v': expected an object",
				         l.file, l.lineno);
			else
				err.msg[0] = '\0';
			if (err.msg[0]) {
				json_decref(o);
				jsonl_in_close(in);
				vcache_free(c);
				die(EX_DATAERR, "%s", err.msg);
			}
			txt = jsonl_dump(v, &tl);
			txt[--tl] = '\0';   /* no newline in the stored value */
			insert(c, k, txt, tl, 0);
			json_decref(o);
		}
		jsonl_in_close(in);
	}
	return c;
}

char *
vcache_get(struct vcache *c, struct hash128 k)
{
	char *r = NULL;

	pthread_mutex_lock(&c->mu);
	if (c->cap)
		for (size_t i = slot(c, k); c->tab[i].val; i = (i + 1) & (c->cap - 1))
			if (c->tab[i].key.lo == k.lo && c->tab[i].key.hi == k.hi) {
				r = xstrndup(c->tab[i].val, c->tab[i].len);
				break;
			}
	pthread_mutex_unlock(&c->mu);
	return r;
}

void
vcache_put(struct vcache *c, struct hash128 k, const char *value, size_t len)
{
	char *v = xstrndup(value, len);

	pthread_mutex_lock(&c->mu);
	insert(c, k, v, len, 1);
	pthread_mutex_unlock(&c->mu);
}

size_t
vcache_size(const struct vcache *c)
{
	return c->n - c->nadded;
}

size_t
vcache_added(const struct vcache *c)
{
	return c->nadded;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct ventry *x = *(struct ventry *const *)a, *y = *(struct ventry *const *)b;

	if (x->key.hi != y->key.hi)
		return x->key.hi < y->key.hi ? -1 : 1;
	if (x->key.lo != y->key.lo)
		return x->key.lo < y->key.lo ? -1 : 1;
	return 0;
}

/* Entries are written sorted by key, so the same set of verdicts always
 * gives the same file, whatever order they were found in. */
void
vcache_save(struct vcache *c)
{
	struct out out;
	struct ventry **v;
	size_t k = 0;

	if (!c->nadded)
		return;
	v = xmalloc((c->n + 1) * sizeof *v);
	for (size_t i = 0; i < c->cap; i++)
		if (c->tab[i].val)
			v[k++] = &c->tab[i];
	qsort(v, k, sizeof *v, cmp_entry);
	/* the one output path: a device (/dev/null) in place, else atomically */
	out_open(&out, c->path);
	for (size_t i = 0; i < k; i++) {
		char hex[33];
		hash128_hex(v[i]->key, hex);
		fprintf(out.fp, "{\"key\":\"%s\",\"v\":%.*s}\n", hex, (int)v[i]->len, v[i]->val);
	}
	out_close(&out);
	free(v);
	for (size_t i = 0; i < c->cap; i++)
		c->tab[i].added = 0;
	c->nadded = 0;
}

void
vcache_free(struct vcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->tab[i].val);
	free(c->tab);
	free(c->path);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
