/*
 * tokenizer.c - whitespace tokens, vocabulary from data (see tokenizer.h)
 *
 * Both the counter and the vocabulary are open-addressing hash tables of
 * strings keyed by XXH3 (lib/hash.h), at most half full.
 */
#include "tokenizer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "msg.h"

/* NEEDSWORK: the markers are to be settled with the prompt formats (issue 3
 * item 4); a tool may pass its own list to tokenizer_build. */
const char *const tokenizer_default_specials[] = {
	"<pad>", "<bos>", "<eos>", "<sep>",
	"<prover>", "<conjecturer>", "<statement>", "<hyp>", "<proof>",
	"<lemma>", "<theorem>", "<conjecture>", "<easy_theorem>", "<hard_theorem>",
	"H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8", "H9", "H10",
	NULL
};

static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* ---- a string table: slots hold an index into an array of entries ---- */

struct entry {
	char *s;
	size_t len;
	long count;
};

struct table {
	struct entry *e;    /* (n) in insertion order */
	int n;
	size_t ecap;
	int *slot;          /* (cap) entry index + 1, 0 = empty */
	size_t cap;         /* power of two */
};

static void table_grow(struct table *t);

static size_t
table_find(const struct table *t, const char *s, size_t len, int *found)
{
	size_t i = hash64(s, len) & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		int k = t->slot[i];

		if (k == 0) {
			*found = 0;
			return i;
		}
		if (t->e[k - 1].len == len && memcmp(t->e[k - 1].s, s, len) == 0) {
			*found = 1;
			return i;
		}
	}
}

static int
table_add(struct table *t, const char *s, size_t len, long count)
{
	int found;
	size_t i;

	if (!t->cap || (size_t)(t->n + 1) * 2 > t->cap)
		table_grow(t);
	i = table_find(t, s, len, &found);
	if (found) {
		t->e[t->slot[i] - 1].count += count;
		return t->slot[i] - 1;
	}
	xgrow(&t->e, &t->ecap, t->n + 1, sizeof(*t->e));
	t->e[t->n].s = xstrndup(s, len);
	t->e[t->n].len = len;
	t->e[t->n].count = count;
	t->slot[i] = ++t->n;
	return t->n - 1;
}

static void
table_grow(struct table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64, i;
	int k, found;

	free(t->slot);
	t->cap = ncap;
	t->slot = xcalloc(ncap, sizeof(int));
	for (k = 0; k < t->n; k++) {
		i = table_find(t, t->e[k].s, t->e[k].len, &found);
		t->slot[i] = k + 1;
	}
}

static int
table_has(const struct table *t, const char *s, size_t len)
{
	int found = 0;

	if (t->cap)
		table_find(t, s, len, &found);
	return found;
}

static void
table_free(struct table *t)
{
	int k;

	for (k = 0; k < t->n; k++)
		free(t->e[k].s);
	free(t->e);
	free(t->slot);
}

/* ---- counting ---- */

struct tok_counter {
	struct table t;
};

struct tok_counter *
tok_counter_new(void)
{
	return xcalloc(1, sizeof(struct tok_counter));
}

void
tok_counter_add(struct tok_counter *c, const char *tok, size_t len, long count)
{
	table_add(&c->t, tok, len, count);
}

void
tok_counter_add_text(struct tok_counter *c, const char *text)
{
	const char *p = text, *q;

	for (;;) {
		while (*p && is_ws(*p))
			p++;
		if (!*p)
			return;
		for (q = p; *q && !is_ws(*q); q++)
			;
		table_add(&c->t, p, q - p, 1);
		p = q;
	}
}

void
tok_counter_free(struct tok_counter *c)
{
	if (!c)
		return;
	table_free(&c->t);
	free(c);
}

/* ---- the vocabulary ---- */

struct tokenizer {
	struct table t;     /* entry k is id k */
};

static int
by_count(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = memcmp(x->s, y->s, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

struct tokenizer *
tokenizer_build(const char *const *specials, const struct tok_counter *c, long min_count)
{
	struct tokenizer *t = xcalloc(1, sizeof(*t));
	const struct entry **sorted;
	int i, k, n = 0;

	if (!specials)
		specials = tokenizer_default_specials;
	for (i = 0; specials[i]; i++)
		if (!table_has(&t->t, specials[i], strlen(specials[i])))
			table_add(&t->t, specials[i], strlen(specials[i]), 0);
	if (!c)
		return t;
	sorted = xmalloc(sizeof(*sorted) * (c->t.n ? c->t.n : 1));
	for (k = 0; k < c->t.n; k++)
		if (c->t.e[k].count >= min_count)
			sorted[n++] = &c->t.e[k];
	qsort(sorted, n, sizeof(*sorted), by_count);
	for (k = 0; k < n; k++)
		if (!table_has(&t->t, sorted[k]->s, sorted[k]->len))
			table_add(&t->t, sorted[k]->s, sorted[k]->len, sorted[k]->count);
	free(sorted);
	return t;
}

struct tokenizer *
tokenizer_from_list(const char *const *toks, int n, char *err, size_t errlen)
{
	struct tokenizer *t = xcalloc(1, sizeof(*t));
	const char *p;
	int i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(toks[i]);

		if (len == 0) {
			snprintf(err, errlen, "vocabulary token %d is empty", i);
			goto bad;
		}
		for (p = toks[i]; *p; p++)
			if (is_ws(*p)) {
				snprintf(err, errlen, "vocabulary token %d holds whitespace", i);
				goto bad;
			}
		if (table_has(&t->t, toks[i], len)) {
			snprintf(err, errlen, "vocabulary token %d '%.64s' repeats", i, toks[i]);
			goto bad;
		}
		table_add(&t->t, toks[i], len, 0);
	}
	return t;
bad:
	tokenizer_free(t);
	return NULL;
}

struct tokenizer *
tokenizer_parse(const char *s, char *err, size_t errlen)
{
	char *copy = xstrdup(s), *p = copy, *nl;
	const char **toks = NULL;
	size_t cap = 0;
	int n = 0;
	struct tokenizer *t;

	for (;;) {
		xgrow(&toks, &cap, n + 1, sizeof(*toks));
		toks[n++] = p;
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
		p = nl + 1;
	}
	t = tokenizer_from_list(toks, n, err, errlen);
	free(toks);
	free(copy);
	return t;
}

char *
tokenizer_join(const struct tokenizer *t)
{
	size_t len = 1, off = 0;
	char *s;
	int k;

	for (k = 0; k < t->t.n; k++)
		len += t->t.e[k].len + 1;
	s = xmalloc(len);
	for (k = 0; k < t->t.n; k++) {
		if (k)
			s[off++] = '\n';
		memcpy(s + off, t->t.e[k].s, t->t.e[k].len);
		off += t->t.e[k].len;
	}
	s[off] = '\0';
	return s;
}

void
tokenizer_free(struct tokenizer *t)
{
	if (!t)
		return;
	table_free(&t->t);
	free(t);
}

int
tokenizer_size(const struct tokenizer *t)
{
	return t->t.n;
}

const char *
tokenizer_str(const struct tokenizer *t, int id)
{
	return id >= 0 && id < t->t.n ? t->t.e[id].s : NULL;
}

int
tokenizer_id(const struct tokenizer *t, const char *s, size_t len)
{
	int found;
	size_t i;

	if (!t->t.cap)
		return -1;
	i = table_find(&t->t, s, len, &found);
	return found ? t->t.slot[i] - 1 : -1;
}

int
tokenizer_encode(const struct tokenizer *t, const char *text, int **ids, int *n, char **unknown)
{
	const char *p = text, *q;
	int *out = NULL, id;
	size_t cap = 0;
	int k = 0;

	*ids = NULL;
	*n = 0;
	*unknown = NULL;
	for (;;) {
		while (*p && is_ws(*p))
			p++;
		if (!*p)
			break;
		for (q = p; *q && !is_ws(*q); q++)
			;
		if ((id = tokenizer_id(t, p, q - p)) < 0) {
			*unknown = xstrndup(p, q - p);
			free(out);
			return -1;
		}
		xgrow(&out, &cap, k + 1, sizeof(*out));
		out[k++] = id;
		p = q;
	}
	*ids = out;
	*n = k;
	return 0;
}

char *
tokenizer_decode(const struct tokenizer *t, const int *ids, int n)
{
	size_t len = 1, off = 0;
	char buf[32], *s;
	const char *w;
	int i;

	for (i = 0; i < n; i++) {
		w = tokenizer_str(t, ids[i]);
		len += (w ? strlen(w) : (size_t)snprintf(buf, sizeof(buf), "<?%d>", ids[i])) + 1;
	}
	s = xmalloc(len);
	for (i = 0; i < n; i++) {
		size_t l;

		if (i)
			s[off++] = ' ';
		w = tokenizer_str(t, ids[i]);
		if (!w) {
			snprintf(buf, sizeof(buf), "<?%d>", ids[i]);
			w = buf;
		}
		l = strlen(w);
		memcpy(s + off, w, l);
		off += l;
	}
	s[off] = '\0';
	return s;
}
