/*
 * db.c - read a Metamath database (spec 4.1 lexical rules, 4.2 statements)
 *
 * One pass over the tokens. Every statement is checked as it is read against
 * the rules of spec 4.2: declarations, scoping, hypotheses, frames. Proof
 * labels are resolved against the theorem's scope here (spec 4.3), so that
 * verification (verify.c) can run later, in parallel, on an immutable
 * database. A label that cannot be resolved is recorded with the proof and
 * reported when the proof is verified, as metamath.exe reports it.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small helpers shared by the kernel */

void *
mm_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("mm: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *
mm_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("mm: out of memory\n", stderr);
		abort();
	}
	return p;
}

void
mm_grow(void *pp, size_t *cap, size_t need, size_t sz)
{
	void **p = pp;
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*p = mm_realloc(*p, c * sz);
	*cap = c;
}

void
mm_fail(struct mm_result *res, int32_t step, int32_t label, const char *fmt, ...)
{
	va_list ap;

	res->ok = 0;
	res->step = step;
	res->label = label;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof res->msg, fmt, ap);
	va_end(ap);
}

void
mm_strtab_init(struct mm_strtab *t, uint32_t cap)
{
	uint32_t c = 64;

	while (c < cap)
		c *= 2;
	t->cap = c;
	t->n = 0;
	t->slots = calloc(c, sizeof *t->slots);
	if (!t->slots) {
		fputs("mm: out of memory\n", stderr);
		abort();
	}
}

void
mm_strtab_free(struct mm_strtab *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

int32_t
mm_strtab_get(const struct mm_strtab *t, const char *s, size_t n)
{
	uint64_t h = mm_strhash(s, n), head = mm_load8(s, n);
	uint32_t mask = t->cap - 1;
	uint32_t i = (uint32_t)h & mask;

	for (;;) {
		const struct mm_slot *sl = &t->slots[i];
		if (!sl->key)
			return -1;
		if (sl->head == head && sl->len == n &&
		    (n <= 8 || memcmp(sl->key + 8, s + 8, n - 8) == 0))
			return sl->val;
		i = (i + 1) & mask;
	}
}

static void
strtab_rehash(struct mm_strtab *t)
{
	struct mm_strtab o = *t;

	mm_strtab_init(t, o.cap * 2);
	for (uint32_t i = 0; i < o.cap; i++)
		if (o.slots[i].key)
			mm_strtab_put(t, o.slots[i].key, o.slots[i].len, o.slots[i].val);
	mm_strtab_free(&o);
}

void
mm_strtab_put(struct mm_strtab *t, const char *s, size_t n, int32_t v)
{
	uint64_t h, head;
	uint32_t mask, i;

	if ((t->n + 1) * 2 > t->cap)
		strtab_rehash(t);
	h = mm_strhash(s, n);
	head = mm_load8(s, n);
	mask = t->cap - 1;
	i = (uint32_t)h & mask;
	while (t->slots[i].key) {
		struct mm_slot *sl = &t->slots[i];
		if (sl->head == head && sl->len == n && memcmp(sl->key, s, n) == 0) {
			sl->val = v;
			return;
		}
		i = (i + 1) & mask;
	}
	t->slots[i] = (struct mm_slot){ s, head, (uint32_t)n, v };
	t->n++;
}

int
mm_line_of(const struct mm_db *db, int file, uint32_t pos)
{
	const char *b = db->bufs[file];
	int line = 1;

	for (const char *p = b; (p = memchr(p, '\n', (size_t)(b + pos - p))) != NULL; p++)
		line++;
	return line;
}

/* ---- the reader */

#define MAX_INCLUDE 32

struct src {
	const char *buf;
	size_t len, pos;
	int file;
};

struct tok {
	const char *s;
	uint32_t len;
	uint32_t pos;
	int file;
};

struct scope {
	size_t nahyp, naess, navar, nadv;
	struct tok open;       /* the "${", for a message if it is never closed */
};

struct reader {
	struct mm_db *db;
	struct mm_index *ix;
	char *err;
	size_t errlen;
	int failed;
	int io_error;
	const char *dir;            /* directory of the top file, for includes */

	struct src src[MAX_INCLUDE];
	int nsrc;

	struct scope *scopes;
	size_t nscopes, capscopes;

	int32_t *ahyp;              /* active hypotheses ($f, $e), declaration order */
	size_t nahyp, capahyp;
	int32_t *aess;              /* the active $e among them */
	size_t naess, capaess;
	int32_t *hbuf;              /* make_frame's scratch */
	size_t caphbuf;
	uint64_t *dvbuf;
	size_t capdvbuf;
	uint8_t *hyp_active;        /* (stmts) */
	size_t caphypact;

	mm_sym *avar;               /* variables activated in open scopes, for undo */
	size_t navar, capavar;
	uint8_t *var_active;        /* (syms) */
	int32_t *var_f;             /* (syms) the active $f, or -1 */
	size_t capsymx;

	uint64_t *adv;              /* active $d pairs */
	size_t nadv, capadv;
	uint64_t dv_version;        /* bumps whenever adv changes */
	uint64_t xdv_version;
	uint32_t xdv_off, xdv_n;

	uint32_t *mark;             /* (syms) stamp marks */
	uint32_t stamp;

	mm_sym *math;               /* the math string being read */
	size_t nmath, capmath;
	int32_t *refs;              /* proof steps being read */
	size_t nrefs, caprefs;

	size_t capstmts, cappool, capilist, capdv, capproofs, capsyms, capgdv, capj, capframes;

	const struct mm_load_hooks *hooks;  /* or NULL (see mm_db_load_hooked) */
};

/* Before and after moving an array a verifier may be reading. */
static void
hooks_pause(struct reader *r)
{
	if (r->hooks)
		r->hooks->pause(r->hooks->arg);
}

static void
hooks_resume(struct reader *r)
{
	if (r->hooks)
		r->hooks->resume(r->hooks->arg, r->db);
}

/* mm_grow() for the arrays verifiers read: paused while it moves. A
 * companion array (pp2 of elements of sz2 bytes, or NULL) keeps the same
 * capacity. */
static void
shared_grow(struct reader *r, void *pp, size_t *cap, size_t need, size_t sz, void *pp2,
            size_t sz2)
{
	if (need <= *cap)
		return;
	hooks_pause(r);
	mm_grow(pp, cap, need, sz);
	if (pp2)
		*(void **)pp2 = mm_realloc(*(void **)pp2, *cap * sz2);
	hooks_resume(r);
}

static void
rfail(struct reader *r, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
rfail(struct reader *r, const struct tok *t, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (r->failed)
		return;
	r->failed = 1;
	if (!r->err || !r->errlen)
		return;
	if (t && t->file >= 0)
		n = snprintf(r->err, r->errlen, "%s:%d: ", r->db->files[t->file],
		             mm_line_of(r->db, t->file, t->pos));
	else if (r->db->nfiles)
		n = snprintf(r->err, r->errlen, "%s: ", r->db->files[0]);
	if (n < 0 || (size_t)n >= r->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Character classes (spec 4.1.1): white space, and the printable characters. */
static unsigned char cls[256];
#define C_WS    1
#define C_PRINT 2
#define C_LABEL 4

static void
init_classes(void)
{
	static int done;

	if (done)
		return;
	for (int c = 33; c <= 126; c++)
		cls[c] |= C_PRINT;
	cls[' '] = cls['\t'] = cls['\n'] = cls['\r'] = cls['\f'] = C_WS;
	for (int c = 'a'; c <= 'z'; c++)
		cls[c] |= C_LABEL;
	for (int c = 'A'; c <= 'Z'; c++)
		cls[c] |= C_LABEL;
	for (int c = '0'; c <= '9'; c++)
		cls[c] |= C_LABEL;
	cls['-'] |= C_LABEL;
	cls['_'] |= C_LABEL;
	cls['.'] |= C_LABEL;
	done = 1;
}

static int
tok_is(const struct tok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(t->s, s, n) == 0;
}

static char *
intern(struct reader *r, const char *s, size_t n)
{
	struct mm_index *ix = r->ix;
	char *p;

	if (ix->nstrings + n + 1 > ix->capstrings) {
		size_t cap = n + 1 > (1u << 20) ? n + 1 : (1u << 20);
		ix->blocks = mm_realloc(ix->blocks, (ix->nblocks + 1) * sizeof *ix->blocks);
		ix->strings = mm_alloc(cap);
		ix->blocks[ix->nblocks++] = ix->strings;
		ix->nstrings = 0;
		ix->capstrings = cap;
	}
	p = ix->strings + ix->nstrings;
	memcpy(p, s, n);
	p[n] = '\0';
	ix->nstrings += n + 1;
	return p;
}

static int
add_file(struct reader *r, const char *name, char *buf, size_t maplen)
{
	struct mm_db *db = r->db;

	if (db->nfiles == UINT16_MAX)
		return -1;
	db->files = mm_realloc(db->files, (db->nfiles + 1) * sizeof *db->files);
	db->bufs = mm_realloc(db->bufs, (db->nfiles + 1) * sizeof *db->bufs);
	db->bufmap = mm_realloc(db->bufmap, (db->nfiles + 1) * sizeof *db->bufmap);
	db->bufmap[db->nfiles] = maplen;
	db->files[db->nfiles] = strcpy(mm_alloc(strlen(name) + 1), name);
	db->bufs[db->nfiles] = buf;
	return db->nfiles++;
}

/* Release a file's contents as slurp() got them. */
static void
buf_free(char *buf, size_t maplen)
{
	if (maplen)
		munmap(buf, maplen);
	else
		free(buf);
}

/*
 * A file's contents, NUL-terminated. A regular file whose size leaves room
 * for the NUL in its last page is mapped (private, populated at once: no
 * copy, no page faults while reading) and *maplen set to the mapping's
 * length; anything else is read into memory from malloc (*maplen = 0).
 */
static char *
slurp(const char *path, size_t *len, size_t *maplen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	struct stat sb;
	long pg = sysconf(_SC_PAGESIZE);

	*maplen = 0;
	if (!f)
		return NULL;
	if (pg > 0 && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uintmax_t)sb.st_size < SIZE_MAX / 2 && sb.st_size % pg != 0) {
		buf = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE,
		           MAP_PRIVATE | MAP_POPULATE, fileno(f), 0);
		if (buf != MAP_FAILED) {
			fclose(f);
			buf[sb.st_size] = '\0';   /* in the last page, past the end */
			*len = (size_t)sb.st_size;
			*maplen = (size_t)sb.st_size;
			return buf;
		}
		buf = NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1u << 20;
			buf = mm_realloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void tok_comment(struct reader *r, struct tok *t);
static void tok_include(struct reader *r, struct tok *t);

/*
 * Next token, with comments skipped and includes followed. Returns 0 at the
 * end of all input (or after an error).
 */
static int
next_raw(struct reader *r, struct tok *t)
{
	while (r->nsrc > 0 && !r->failed) {
		struct src *s = &r->src[r->nsrc - 1];
		const unsigned char *b = (const unsigned char *)s->buf;
		size_t i = s->pos, n = s->len, j;

		while (i < n && (cls[b[i]] & C_WS))
			i++;
		if (i == n) {
			r->nsrc--;
			continue;
		}
		for (j = i; j < n && !(cls[b[j]] & C_WS); j++)
			if (!(cls[b[j]] & C_PRINT)) {
				struct tok bad = { s->buf + j, 1, (uint32_t)j, s->file };
				rfail(r, &bad, "illegal character (code %d)", b[j]);
				return 0;
			}
		s->pos = j;
		t->s = s->buf + i;
		t->len = (uint32_t)(j - i);
		t->pos = (uint32_t)i;
		t->file = s->file;
		return 1;
	}
	return 0;
}

static int
next_tok(struct reader *r, struct tok *t)
{
	while (next_raw(r, t)) {
		if (t->len == 2 && t->s[0] == '$' && t->s[1] == '(') {
			tok_comment(r, t);
			continue;
		}
		if (t->len == 2 && t->s[0] == '$' && t->s[1] == '[') {
			tok_include(r, t);
			continue;
		}
		return 1;
	}
	return 0;
}

/* spec 4.1.2: "$( ... $)"; comments do not nest. A comment whose first token is
 * "$j" is kept for the tools outside the kernel (syntax hints). */
static void
tok_comment(struct reader *r, struct tok *open)
{
	struct src *s = &r->src[r->nsrc - 1];
	const char *b = s->buf, *p = b + s->pos, *end = b + s->len;
	const char *first = NULL;

	while (p < end && (cls[(unsigned char)*p] & C_WS))
		p++;
	first = p;
	for (;;) {
		p = memchr(p, '$', (size_t)(end - p));
		if (!p || p + 1 >= end) {
			rfail(r, open, "comment not closed with '$)'");
			return;
		}
		if (p[1] == ')' || p[1] == '(') {
			struct tok t = { p, 2, (uint32_t)(p - b), s->file };
			int alone = (p == b || (cls[(unsigned char)p[-1]] & C_WS)) &&
			            (p + 2 == end || (cls[(unsigned char)p[2]] & C_WS));
			if (p[1] == ')' && alone)
				break;
			/* metamath.exe ends a comment at any "$)" and opens a nested
			 * one at any "$(", in a word or not: both are errors here */
			if (p[1] == '(')
				rfail(r, &t, "nested comments are not allowed");
			else
				rfail(r, &t, "'$)' inside a word in a comment");
			return;
		}
		p++;
	}
	if (end - first > 2 && first[0] == '$' && first[1] == 'j' &&
	    (cls[(unsigned char)first[2]] & C_WS)) {
		struct mm_db *db = r->db;
		mm_grow(&db->jtext, &r->capj, db->nj + 1, sizeof *db->jtext);
		db->jlen = mm_realloc(db->jlen, r->capj * sizeof *db->jlen);
		db->jtext[db->nj] = first + 2;
		db->jlen[db->nj] = (uint32_t)(p - first - 2);
		db->nj++;
	}
	s->pos = (size_t)(p + 2 - b);
}

/* spec 4.1.2: "$[ file $]" includes a file; a file already read is skipped. */
static void
tok_include(struct reader *r, struct tok *open)
{
	struct tok name, close;
	char fname[4096], path[8192];
	char *buf;
	size_t len, maplen;
	int f;

	if (!next_raw(r, &name) || !next_raw(r, &close) || !tok_is(&close, "$]")) {
		rfail(r, open, "include statement not closed with '$]'");
		return;
	}
	if (name.len >= sizeof fname || memchr(name.s, '$', name.len)) {
		rfail(r, &name, "bad file name in include statement");
		return;
	}
	memcpy(fname, name.s, name.len);
	fname[name.len] = '\0';
	if (fname[0] == '/' || !r->dir)
		snprintf(path, sizeof path, "%s", fname);
	else
		snprintf(path, sizeof path, "%s/%s", r->dir, fname);
	for (int i = 0; i < r->db->nfiles; i++)
		if (strcmp(r->db->files[i], path) == 0)
			return;
	if (r->nsrc == MAX_INCLUDE) {
		rfail(r, &name, "includes nested too deeply");
		return;
	}
	buf = slurp(path, &len, &maplen);
	if (!buf) {
		rfail(r, &name, "cannot open included file '%s': %s", path, strerror(errno));
		r->io_error = 1;
		return;
	}
	if (len > UINT32_MAX - 1 || (f = add_file(r, path, buf, maplen)) < 0) {
		buf_free(buf, maplen);
		rfail(r, &name, "included file '%s' too large", path);
		return;
	}
	r->src[r->nsrc++] = (struct src){ buf, len, 0, f };
}

/* ---- symbols, labels, statements */

static int
is_label_tok(const struct tok *t)
{
	for (uint32_t i = 0; i < t->len; i++)
		if (!(cls[(unsigned char)t->s[i]] & C_LABEL))
			return 0;
	return t->len > 0;
}

static void
grow_syms(struct reader *r, size_t need)
{
	struct mm_db *db = r->db;
	size_t old = r->capsymx;

	if (need <= r->capsyms)
		return;
	hooks_pause(r);
	mm_grow(&db->syms, &r->capsyms, need, sizeof *db->syms);
	if (r->capsyms > old) {
		db->symkind = mm_realloc(db->symkind, r->capsyms);
		r->var_active = mm_realloc(r->var_active, r->capsyms);
		r->var_f = mm_realloc(r->var_f, r->capsyms * sizeof *r->var_f);
		r->mark = mm_realloc(r->mark, r->capsyms * sizeof *r->mark);
		for (size_t i = old; i < r->capsyms; i++) {
			r->var_active[i] = 0;
			r->var_f[i] = -1;
			r->mark[i] = 0;
		}
		r->capsymx = r->capsyms;
	}
	hooks_resume(r);
}

static mm_sym
new_sym(struct reader *r, const struct tok *t, int kind)
{
	struct mm_db *db = r->db;
	mm_sym s = db->nsyms;
	char *name;

	grow_syms(r, (size_t)s + 1);
	name = intern(r, t->s, t->len);
	db->syms[s] = (struct mm_symbol){ name, (uint8_t)kind, -1, db->nstmts };
	db->symkind[s] = (uint8_t)kind;
	mm_strtab_put(&r->ix->syms, name, t->len, s);
	db->nsyms++;
	return s;
}

static int32_t
new_stmt(struct reader *r, const struct tok *label, char kind)
{
	struct mm_db *db = r->db;
	int32_t s = db->nstmts;
	char *name;

	shared_grow(r, &db->stmts, &r->capstmts, (size_t)s + 1, sizeof *db->stmts, NULL, 0);
	if (r->capstmts > r->caphypact) {
		r->ix->stmt_pos = mm_realloc(r->ix->stmt_pos, r->capstmts * sizeof *r->ix->stmt_pos);
		r->hyp_active = mm_realloc(r->hyp_active, r->capstmts);
		memset(r->hyp_active + r->caphypact, 0, r->capstmts - r->caphypact);
		r->caphypact = r->capstmts;
	}
	name = intern(r, label->s, label->len);
	memset(&db->stmts[s], 0, sizeof db->stmts[s]);
	db->stmts[s].label = name;
	db->stmts[s].kind = kind;
	db->stmts[s].file = (uint16_t)label->file;
	db->stmts[s].proof = -1;
	if (r->nscopes == 0)
		db->stmts[s].flags |= MM_GLOBAL;
	r->ix->stmt_pos[s] = label->pos;
	mm_strtab_put(&r->ix->labels, name, label->len, s);
	db->nstmts++;
	return s;
}

static uint32_t
pool_add(struct reader *r, const mm_sym *e, size_t n)
{
	struct mm_db *db = r->db;
	size_t off = db->npool;

	if (off + n > UINT32_MAX) {
		rfail(r, NULL, "database too large");
		return 0;
	}
	shared_grow(r, &db->pool, &r->cappool, off + n, sizeof *db->pool, &db->tpool,
	            sizeof *db->tpool);
	memcpy(db->pool + off, e, n * sizeof *e);
	/* the template: symbols are declared before use, their kind known */
	for (size_t i = 0; i < n; i++)
		db->tpool[off + i] = db->symkind[e[i]] == MM_VAR ? ~e[i] : e[i];
	db->npool += n;
	return (uint32_t)off;
}

static uint32_t
ilist_add(struct reader *r, const int32_t *v, size_t n)
{
	struct mm_db *db = r->db;
	size_t off = db->nilist;

	if (off + n > UINT32_MAX) {
		rfail(r, NULL, "database too large");
		return 0;
	}
	shared_grow(r, &db->ilist, &r->capilist, off + n, sizeof *db->ilist, NULL, 0);
	if (n)   /* v and the pool may still be NULL */
		memcpy(db->ilist + off, v, n * sizeof *v);
	db->nilist += n;
	return (uint32_t)off;
}

static uint32_t
dvpool_add(struct reader *r, const uint64_t *v, size_t n)
{
	struct mm_db *db = r->db;
	size_t off = db->ndvpool;

	if (off + n > UINT32_MAX) {
		rfail(r, NULL, "database too large");
		return 0;
	}
	shared_grow(r, &db->dvpool, &r->capdv, off + n, sizeof *db->dvpool, NULL, 0);
	if (n)
		memcpy(db->dvpool + off, v, n * sizeof *v);
	db->ndvpool += n;
	return (uint32_t)off;
}

/*
 * Read math symbols up to a keyword ("$." or "$="), which is left in *end.
 * spec 4.2.2/4.2.3: every symbol must be an active (declared, in scope) math
 * symbol, the first a constant; with need_f, every variable must have an
 * active $f (spec 4.2.5: "a variable must have its type specified in a $f
 * statement before it may be used in a $e, $a, or $p statement").
 */
static int
read_math(struct reader *r, const struct tok *kw, struct tok *end, int need_f)
{
	struct tok t;

	r->nmath = 0;
	for (;;) {
		mm_sym s;

		if (!next_tok(r, &t)) {
			rfail(r, kw, "statement not ended with '$.'");
			return -1;
		}
		if (t.s[0] == '$') {
			*end = t;
			break;
		}
		s = mm_strtab_get(&r->ix->syms, t.s, t.len);
		if (s < 0) {
			rfail(r, &t, "math symbol '%.*s' is not declared", (int)t.len, t.s);
			return -1;
		}
		if (r->db->symkind[s] == MM_VAR) {
			if (!r->var_active[s]) {
				rfail(r, &t, "variable '%.*s' is not active", (int)t.len, t.s);
				return -1;
			}
			if (need_f && r->var_f[s] < 0) {
				rfail(r, &t, "variable '%.*s' has no active $f statement", (int)t.len, t.s);
				return -1;
			}
		}
		mm_grow(&r->math, &r->capmath, r->nmath + 1, sizeof *r->math);
		r->math[r->nmath++] = s;
	}
	if (r->nmath == 0) {
		rfail(r, kw, "statement has no typecode");
		return -1;
	}
	if (r->db->symkind[r->math[0]] != MM_CONST) {
		rfail(r, kw, "typecode '%s' is not a constant", r->db->syms[r->math[0]].name);
		return -1;
	}
	return 0;
}

static int
expect_end(struct reader *r, const struct tok *kw, const struct tok *end)
{
	if (!tok_is(end, "$.")) {
		rfail(r, end, "expected '$.' to end the statement, found '%.*s'",
		      (int)end->len, end->s);
		return -1;
	}
	(void)kw;
	return 0;
}

static void
do_c(struct reader *r, const struct tok *kw)
{
	struct tok t;
	int n = 0;

	if (r->nscopes > 0) {
		rfail(r, kw, "a $c statement may occur in the outermost scope only");
		return;
	}
	while (next_tok(r, &t)) {
		if (tok_is(&t, "$."))
			break;
		if (memchr(t.s, '$', t.len)) {
			rfail(r, &t, "expected a math symbol or '$.', found '%.*s'", (int)t.len, t.s);
			return;
		}
		if (mm_strtab_get(&r->ix->syms, t.s, t.len) >= 0) {
			rfail(r, &t, "math symbol '%.*s' is declared twice", (int)t.len, t.s);
			return;
		}
		if (mm_strtab_get(&r->ix->labels, t.s, t.len) >= 0) {
			rfail(r, &t, "math symbol '%.*s' is already a label", (int)t.len, t.s);
			return;
		}
		new_sym(r, &t, MM_CONST);
		n++;
	}
	if (r->failed)
		return;
	if (!tok_is(&t, "$."))
		rfail(r, kw, "$c statement not ended with '$.'");
	else if (n == 0)
		rfail(r, kw, "empty $c statement");
}

static void
do_v(struct reader *r, const struct tok *kw)
{
	struct tok t;
	int n = 0;

	while (next_tok(r, &t)) {
		mm_sym s;

		if (tok_is(&t, "$."))
			break;
		if (memchr(t.s, '$', t.len)) {
			rfail(r, &t, "expected a math symbol or '$.', found '%.*s'", (int)t.len, t.s);
			return;
		}
		s = mm_strtab_get(&r->ix->syms, t.s, t.len);
		if (s >= 0 && r->db->symkind[s] == MM_CONST) {
			rfail(r, &t, "'%.*s' is already declared as a constant", (int)t.len, t.s);
			return;
		}
		if (s >= 0 && r->var_active[s]) {
			rfail(r, &t, "variable '%.*s' is declared twice while active", (int)t.len, t.s);
			return;
		}
		if (s < 0) {
			if (mm_strtab_get(&r->ix->labels, t.s, t.len) >= 0) {
				rfail(r, &t, "math symbol '%.*s' is already a label", (int)t.len, t.s);
				return;
			}
			s = new_sym(r, &t, MM_VAR);
		}
		r->var_active[s] = 1;
		mm_grow(&r->avar, &r->capavar, r->navar + 1, sizeof *r->avar);
		r->avar[r->navar++] = s;
		n++;
	}
	if (r->failed)
		return;
	if (!tok_is(&t, "$."))
		rfail(r, kw, "$v statement not ended with '$.'");
	else if (n == 0)
		rfail(r, kw, "empty $v statement");
}

static void
do_d(struct reader *r, const struct tok *kw)
{
	struct tok t;
	mm_sym vs[256];
	int n = 0;

	while (next_tok(r, &t)) {
		mm_sym s;

		if (tok_is(&t, "$."))
			break;
		s = t.s[0] == '$' ? -1 : mm_strtab_get(&r->ix->syms, t.s, t.len);
		if (s < 0 || r->db->symkind[s] != MM_VAR || !r->var_active[s]) {
			rfail(r, &t, "'%.*s' in a $d statement is not an active variable",
			      (int)t.len, t.s);
			return;
		}
		for (int i = 0; i < n; i++)
			if (vs[i] == s) {
				rfail(r, &t, "variable '%.*s' appears twice in a $d statement",
				      (int)t.len, t.s);
				return;
			}
		if (n == (int)(sizeof vs / sizeof *vs)) {
			rfail(r, &t, "$d statement with more than %d variables", n);
			return;
		}
		vs[n++] = s;
	}
	if (r->failed)
		return;
	if (!tok_is(&t, "$.")) {
		rfail(r, kw, "$d statement not ended with '$.'");
		return;
	}
	if (n < 2) {
		rfail(r, kw, "a $d statement needs at least two variables");
		return;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			uint64_t p = MM_DV(vs[i], vs[j]);
			mm_grow(&r->adv, &r->capadv, r->nadv + 1, sizeof *r->adv);
			r->adv[r->nadv++] = p;
			if (r->nscopes == 0) {
				struct mm_db *db = r->db;
				shared_grow(r, &db->gdv, &r->capgdv, db->ngdv + 1, sizeof *db->gdv,
				            &db->gdv_at, sizeof *db->gdv_at);
				db->gdv[db->ngdv] = p;
				db->gdv_at[db->ngdv] = db->nstmts;
				db->ngdv++;
			}
		}
	r->dv_version++;
}

/*
 * spec 4.2.7 (frames): the mandatory hypotheses of an assertion are every
 * active $e, and the active $f of every variable in the assertion or in an
 * active $e, in the order they were declared; its mandatory $d pairs are the
 * active ones whose two variables are both mandatory.
 */
static void
make_frame(struct reader *r, int32_t s)
{
	struct mm_db *db = r->db;
	struct mm_stmt *st = &db->stmts[s];
	const mm_sym *e;
	uint32_t stamp = ++r->stamp;
	size_t nh = 0, ndv = 0;

	if (stamp == 0) {   /* wrapped: clear */
		memset(r->mark, 0, r->capsymx * sizeof *r->mark);
		stamp = r->stamp = 1;
	}
	/* the variables of the assertion and of the active $e; each has an
	 * active $f (read_math made sure) */
	mm_grow(&r->hbuf, &r->caphbuf, r->naess + st->len + 1, sizeof *r->hbuf);
	e = db->pool + st->expr;
	for (uint32_t i = 1; i < st->len; i++)
		if (db->symkind[e[i]] == MM_VAR && r->mark[e[i]] != stamp) {
			r->mark[e[i]] = stamp;
			r->hbuf[nh++] = r->var_f[e[i]];
		}
	for (size_t k = 0; k < r->naess; k++) {
		const struct mm_stmt *h = &db->stmts[r->aess[k]];
		e = db->pool + h->expr;
		mm_grow(&r->hbuf, &r->caphbuf, nh + h->len + r->naess + 1, sizeof *r->hbuf);
		for (uint32_t j = 1; j < h->len; j++)
			if (db->symkind[e[j]] == MM_VAR && r->mark[e[j]] != stamp) {
				r->mark[e[j]] = stamp;
				r->hbuf[nh++] = r->var_f[e[j]];
			}
	}
	for (size_t k = 0; k < r->naess; k++)
		r->hbuf[nh++] = r->aess[k];
	/* in the order they were declared: statement numbers ascend */
	for (size_t i = 1; i < nh; i++) {
		int32_t x = r->hbuf[i];
		size_t j = i;
		for (; j > 0 && r->hbuf[j - 1] > x; j--)
			r->hbuf[j] = r->hbuf[j - 1];
		r->hbuf[j] = x;
	}
	st->hyps = ilist_add(r, r->hbuf, nh);
	st->nhyps = (uint32_t)nh;
	shared_grow(r, &db->frames, &r->capframes, db->nframes + nh, sizeof *db->frames, NULL, 0);
	st->frame = (uint32_t)db->nframes;
	for (size_t i = 0; i < nh; i++) {
		const struct mm_stmt *h = &db->stmts[r->hbuf[i]];
		const mm_sym *he = db->pool + h->expr;
		db->frames[db->nframes++] = (struct mm_hyp){
			r->hbuf[i], h->kind == MM_F ? he[1] : -1, he[0], h->expr, h->len };
	}

	mm_grow(&r->dvbuf, &r->capdvbuf, r->nadv + 1, sizeof *r->dvbuf);
	for (size_t i = 0; i < r->nadv; i++) {
		mm_sym a = (mm_sym)(r->adv[i] >> 32), b = (mm_sym)(uint32_t)r->adv[i];
		if (r->mark[a] == stamp && r->mark[b] == stamp)
			r->dvbuf[ndv++] = r->adv[i];
	}
	st->dv = dvpool_add(r, r->dvbuf, ndv);
	st->ndv = (uint32_t)ndv;
}

/* A syntax axiom is an assertion whose typecode is the typecode of some $f
 * (wff, class, setvar in set.mm): it builds expressions, it proves nothing. */
static void
mark_syntax(struct mm_db *db)
{
	uint8_t *is_type = calloc((size_t)db->nsyms + 1, 1);

	if (!is_type)
		abort();
	for (int32_t s = 0; s < db->nstmts; s++)
		if (db->stmts[s].kind == MM_F)
			is_type[db->pool[db->stmts[s].expr]] = 1;
	for (int32_t s = 0; s < db->nstmts; s++)
		if (mm_is_assertion(&db->stmts[s]) && is_type[db->pool[db->stmts[s].expr]])
			db->stmts[s].flags |= MM_SYNTAX;
	free(is_type);
}

/*
 * spec 4.3: the proof after "$=". A normal proof is a list of labels (and
 * '?'); a compressed one is "( labels ) LETTERS". Labels are resolved here,
 * against the theorem's scope: an active hypothesis or an earlier assertion.
 */
static void
read_proof(struct reader *r, int32_t s, const struct tok *eq)
{
	struct mm_db *db = r->db;
	struct mm_proofsrc ps;
	struct tok t;
	char msg[256];
	int32_t step = 0;
	int compressed = 0;

	memset(&ps, 0, sizeof ps);
	r->nrefs = 0;
	msg[0] = '\0';
	while (next_tok(r, &t)) {
		int32_t ref;

		if (t.s[0] == '$')
			break;
		step++;
		if (step == 1 && tok_is(&t, "(")) {
			compressed = 1;
			continue;
		}
		if (compressed && tok_is(&t, ")"))
			break;
		if (tok_is(&t, "?") && !compressed) {
			ref = MM_REF_UNKNOWN;
		} else {
			ref = mm_strtab_get(&r->ix->labels, t.s, t.len);
			if (ref < 0 || ref == s) {
				if (!msg[0]) {
					snprintf(msg, sizeof msg, "%s '%.*s'",
					         ref == s ? "proof refers to the theorem itself:" :
					         "unknown label", (int)t.len, t.s);
					ps.err_step = compressed ? 0 : step;
				}
				ref = MM_REF_BAD;
			} else {
				const struct mm_stmt *rs = &db->stmts[ref];
				if ((rs->kind == MM_F || rs->kind == MM_E) && !r->hyp_active[ref]) {
					if (!msg[0]) {
						snprintf(msg, sizeof msg, "hypothesis '%s' is not active here",
						         rs->label);
						ps.err_step = compressed ? 0 : step;
					}
					ref = MM_REF_BAD;
				} else if (compressed && (rs->kind == MM_F || rs->kind == MM_E)) {
					/* spec 4.3.2 / metamath.exe: the label list may not
					 * name a mandatory hypothesis (they are numbered first) */
					const int32_t *mh = db->ilist + db->stmts[s].hyps;
					for (uint32_t i = 0; i < db->stmts[s].nhyps; i++)
						if (mh[i] == ref && !msg[0]) {
							snprintf(msg, sizeof msg,
							         "mandatory hypothesis '%s' in the label list",
							         rs->label);
							ref = MM_REF_BAD;
							break;
						}
				}
			}
		}
		mm_grow(&r->refs, &r->caprefs, r->nrefs + 1, sizeof *r->refs);
		r->refs[r->nrefs++] = ref;
	}
	if (r->failed)
		return;
	if (compressed) {
		struct src *sr = &r->src[r->nsrc - 1];
		const char *start, *p;

		if (!tok_is(&t, ")")) {
			rfail(r, eq, "compressed proof of '%s' has no ')'", db->stmts[s].label);
			return;
		}
		/* The letters run to the next "$." token; comments between them
		 * are skipped (as metamath.exe skips them), in which case the
		 * letters are copied without them. */
		start = sr->buf + sr->pos;
		{
			const char *seg = start, *bufend = sr->buf + sr->len;
			char *copy = NULL;
			size_t ncopy = 0, capcopy = 0;
			int commented = 0;
			for (p = start;; p++) {
				p = memchr(p, '$', (size_t)(bufend - p));
				if (!p) {
					rfail(r, eq, "proof of '%s' not ended with '$.'", db->stmts[s].label);
					free(copy);
					return;
				}
				if (p[1] == '.' && (p == start || (cls[(unsigned char)p[-1]] & C_WS)) &&
				    (p + 2 == bufend || (cls[(unsigned char)p[2]] & C_WS)))
					break;
				if (p[1] == '(' && (p == start || (cls[(unsigned char)p[-1]] & C_WS)) &&
				    (p + 2 == bufend || (cls[(unsigned char)p[2]] & C_WS))) {
					struct tok open = { p, 2, (uint32_t)(p - sr->buf), sr->file };
					mm_grow(&copy, &capcopy, ncopy + (size_t)(p - seg) + 2, 1);
					memcpy(copy + ncopy, seg, (size_t)(p - seg));
					ncopy += (size_t)(p - seg);
					copy[ncopy++] = ' ';
					sr->pos = (size_t)(p + 2 - sr->buf);
					tok_comment(r, &open);
					if (r->failed) {
						free(copy);
						return;
					}
					seg = sr->buf + sr->pos;
					p = (char *)seg - 1;
					commented = 1;
					continue;
				}
				{
					struct tok bad = { p, 2, (uint32_t)(p - sr->buf), sr->file };
					rfail(r, &bad, "unexpected '$%c' in the compressed proof of '%s'",
					      p[1] > ' ' ? p[1] : '?', db->stmts[s].label);
					free(copy);
					return;
				}
			}
			if (commented) {
				mm_grow(&copy, &capcopy, ncopy + (size_t)(p - seg) + 1, 1);
				memcpy(copy + ncopy, seg, (size_t)(p - seg));
				ncopy += (size_t)(p - seg);
				ps.letters = intern(r, copy, ncopy);
				ps.nletters = (uint32_t)ncopy;
				free(copy);
			} else {
				ps.letters = start;
				ps.nletters = (uint32_t)(p - start);
			}
		}
		sr->pos = (size_t)(p + 2 - sr->buf);
		ps.compressed = 1;
	} else if (!tok_is(&t, "$.")) {
		rfail(r, &t, "expected a label or '$.' in the proof of '%s', found '%.*s'",
		      db->stmts[s].label, (int)t.len, t.s);
		return;
	}
	ps.refs = ilist_add(r, r->refs, r->nrefs);
	ps.nrefs = (uint32_t)r->nrefs;
	if (msg[0])
		ps.err = intern(r, msg, strlen(msg));

	/* the extended frame's $d pairs: every active one (spec 4.2.7); kept
	 * unsorted here, sorted by the verifier (in parallel) */
	if (r->xdv_version != r->dv_version + 1) {
		r->xdv_off = dvpool_add(r, r->adv, r->nadv);
		r->xdv_n = (uint32_t)r->nadv;
		r->xdv_version = r->dv_version + 1;
	}
	ps.xdv = r->xdv_off;
	ps.nxdv = r->xdv_n;

	shared_grow(r, &db->proofs, &r->capproofs, (size_t)db->nproofs + 1, sizeof *db->proofs,
	            NULL, 0);
	db->proofs[db->nproofs] = ps;
	db->stmts[s].proof = db->nproofs++;
	if (r->hooks)
		r->hooks->theorem(r->hooks->arg, db, s);
}

static void
do_labelled(struct reader *r, const struct tok *label)
{
	struct mm_db *db = r->db;
	struct tok kw, end;
	int32_t s;
	char kind;

	if (!is_label_tok(label)) {
		rfail(r, label, "'%.*s' is not a keyword and not a valid label",
		      (int)label->len, label->s);
		return;
	}
	if (!next_tok(r, &kw)) {
		rfail(r, label, "label '%.*s' is not followed by a statement", (int)label->len, label->s);
		return;
	}
	if (kw.len != 2 || kw.s[0] != '$' || !strchr("feap", kw.s[1])) {
		rfail(r, &kw, "expected $f, $e, $a or $p after label '%.*s'",
		      (int)label->len, label->s);
		return;
	}
	kind = kw.s[1];
	if (mm_strtab_get(&r->ix->labels, label->s, label->len) >= 0) {
		rfail(r, label, "label '%.*s' is declared twice", (int)label->len, label->s);
		return;
	}
	if (mm_strtab_get(&r->ix->syms, label->s, label->len) >= 0) {
		rfail(r, label, "label '%.*s' is also a math symbol", (int)label->len, label->s);
		return;
	}
	if (read_math(r, &kw, &end, kind != MM_F) < 0)
		return;
	if (kind == MM_F) {
		mm_sym v;
		if (expect_end(r, &kw, &end) < 0)
			return;
		if (r->nmath != 2 || db->symkind[r->math[1]] != MM_VAR) {
			rfail(r, &kw, "a $f statement is a typecode and one variable");
			return;
		}
		v = r->math[1];
		if (r->var_f[v] >= 0) {
			rfail(r, &kw, "variable '%s' already has an active $f statement ('%s')",
			      db->syms[v].name, db->stmts[r->var_f[v]].label);
			return;
		}
	} else if (kind == MM_P) {
		if (!tok_is(&end, "$=")) {
			rfail(r, &end, "expected '$=' in $p statement '%.*s'", (int)label->len, label->s);
			return;
		}
	} else if (expect_end(r, &kw, &end) < 0) {
		return;
	}

	s = new_stmt(r, label, kind);
	db->stmts[s].expr = pool_add(r, r->math, r->nmath);
	db->stmts[s].len = (uint32_t)r->nmath;
	if (kind == MM_F || kind == MM_E) {
		mm_grow(&r->ahyp, &r->capahyp, r->nahyp + 1, sizeof *r->ahyp);
		r->ahyp[r->nahyp++] = s;
		r->hyp_active[s] = 1;
		if (kind == MM_E) {
			mm_grow(&r->aess, &r->capaess, r->naess + 1, sizeof *r->aess);
			r->aess[r->naess++] = s;
		}
		if (kind == MM_F) {
			mm_sym v = r->math[1];
			r->var_f[v] = s;
			if (r->nscopes == 0 && db->syms[v].global_f < 0)
				db->syms[v].global_f = s;
		}
		return;
	}
	make_frame(r, s);
	if (kind == MM_P && !r->failed)
		read_proof(r, s, &end);
}

static void
scope_open(struct reader *r, const struct tok *t)
{
	mm_grow(&r->scopes, &r->capscopes, r->nscopes + 1, sizeof *r->scopes);
	r->scopes[r->nscopes++] = (struct scope){ r->nahyp, r->naess, r->navar, r->nadv, *t };
}

/* spec 4.2.1: at "$}" the block's variables, hypotheses and $d statements
 * become inactive. */
static void
scope_close(struct reader *r, const struct tok *t)
{
	struct scope sc;

	if (r->nscopes == 0) {
		rfail(r, t, "'$}' without a matching '${'");
		return;
	}
	sc = r->scopes[--r->nscopes];
	while (r->nahyp > sc.nahyp) {
		int32_t h = r->ahyp[--r->nahyp];
		r->hyp_active[h] = 0;
		if (r->db->stmts[h].kind == MM_F) {
			mm_sym v = r->db->pool[r->db->stmts[h].expr + 1];
			if (r->var_f[v] == h)
				r->var_f[v] = -1;
		}
	}
	r->naess = sc.naess;
	while (r->navar > sc.navar)
		r->var_active[r->avar[--r->navar]] = 0;
	if (r->nadv != sc.nadv) {
		r->nadv = sc.nadv;
		r->dv_version++;
	}
}

static void
reader_free(struct reader *r)
{
	free(r->scopes);
	free(r->ahyp);
	free(r->aess);
	free(r->hbuf);
	free(r->dvbuf);
	free(r->hyp_active);
	free(r->avar);
	free(r->var_active);
	free(r->var_f);
	free(r->adv);
	free(r->mark);
	free(r->math);
	free(r->refs);
}

static struct mm_db *
load(const char *name, char *buf, size_t len, size_t maplen, char *err, size_t errlen,
     int *io_error, const struct mm_load_hooks *hooks)
{
	struct reader r;
	struct mm_db *db;
	struct tok t, first;
	char *slash;

	init_classes();
	memset(&r, 0, sizeof r);
	r.hooks = hooks;
	db = calloc(1, sizeof *db);
	r.ix = calloc(1, sizeof *r.ix);
	if (!db || !r.ix) {
		fputs("mm: out of memory\n", stderr);
		abort();
	}
	db->index = r.ix;
	r.db = db;
	r.err = err;
	r.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	/* sized from the text (set.mm: 41 MB, 91,278 labels): no rehashing */
	mm_strtab_init(&r.ix->labels, len / 256 < (1u << 20) ? (uint32_t)(len / 256) : 1u << 20);
	mm_strtab_init(&r.ix->syms, 1024);
	if (len > UINT32_MAX - 1) {
		buf_free(buf, maplen);
		snprintf(err, errlen, "%s: file too large", name);
		mm_db_free(db);
		return NULL;
	}
	/* The arrays verifiers read, sized from the text too, so that they
	 * seldom move (set.mm per byte: 1/450 statements, 1/24 pool symbols,
	 * 1/27 list entries, 1/49 $d pairs, 1/137 frame entries, 1/1086
	 * proofs); pages not touched cost nothing. */
	mm_grow(&db->stmts, &r.capstmts, len / 256 + 1, sizeof *db->stmts);
	mm_grow(&db->pool, &r.cappool, len / 16 + 1, sizeof *db->pool);
	db->tpool = mm_alloc(r.cappool * sizeof *db->tpool);
	mm_grow(&db->ilist, &r.capilist, len / 16 + 1, sizeof *db->ilist);
	mm_grow(&db->dvpool, &r.capdv, len / 32 + 1, sizeof *db->dvpool);
	mm_grow(&db->frames, &r.capframes, len / 64 + 1, sizeof *db->frames);
	mm_grow(&db->proofs, &r.capproofs, len / 512 + 1, sizeof *db->proofs);
	add_file(&r, name, buf, maplen);
	slash = strrchr(name, '/');
	if (slash) {
		char *d = mm_alloc((size_t)(slash - name) + 1);
		memcpy(d, name, (size_t)(slash - name));
		d[slash - name] = '\0';
		r.dir = d;
	}
	r.src[0] = (struct src){ buf, len, 0, 0 };
	r.nsrc = 1;

	while (!r.failed && next_tok(&r, &t)) {
		if (t.len == 2 && t.s[0] == '$') {
			switch (t.s[1]) {
			case '{': scope_open(&r, &t); continue;
			case '}': scope_close(&r, &t); continue;
			case 'c': do_c(&r, &t); continue;
			case 'v': do_v(&r, &t); continue;
			case 'd': do_d(&r, &t); continue;
			default: break;
			}
		}
		if (t.s[0] == '$') {
			if (t.len == 2 && strchr("feap", t.s[1]))
				rfail(&r, &t, "'%.*s' statement without a label", (int)t.len, t.s);
			else
				rfail(&r, &t, "unexpected '%.*s'", (int)t.len, t.s);
			break;
		}
		first = t;
		do_labelled(&r, &first);
	}
	if (!r.failed && r.nscopes > 0)
		rfail(&r, &r.scopes[r.nscopes - 1].open, "block opened with '${' not closed with '$}'");
	free((char *)r.dir);
	if (io_error)
		*io_error = r.io_error;
	reader_free(&r);
	hooks_pause(&r);
	if (r.failed) {
		mm_db_free(db);
		if (hooks)
			hooks->resume(hooks->arg, NULL);
		return NULL;
	}
	mark_syntax(db);
	hooks_resume(&r);
	return db;
}

struct mm_db *
mm_db_load(const char *path, char *err, size_t errlen, int *io_error)
{
	return mm_db_load_hooked(path, err, errlen, io_error, NULL);
}

struct mm_db *
mm_db_load_hooked(const char *path, char *err, size_t errlen, int *io_error,
                  const struct mm_load_hooks *hooks)
{
	size_t len = 0, maplen;
	char *buf = slurp(path, &len, &maplen);

	if (io_error)
		*io_error = 0;
	if (!buf) {
		if (err && errlen)
			snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		if (io_error)
			*io_error = 1;
		return NULL;
	}
	return load(path, buf, len, maplen, err, errlen, io_error, hooks);
}

struct mm_db *
mm_db_load_mem(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	char *buf = mm_alloc(len + 1);

	memcpy(buf, text, len);
	buf[len] = '\0';
	return load(name, buf, len, 0, err, errlen, NULL, NULL);
}

void
mm_db_free(struct mm_db *db)
{
	struct mm_index *ix;

	if (!db)
		return;
	ix = db->index;
	if (ix) {
		mm_strtab_free(&ix->labels);
		mm_strtab_free(&ix->syms);
		for (size_t i = 0; i < ix->nblocks; i++)
			free(ix->blocks[i]);
		free(ix->blocks);
		free(ix->stmt_pos);
		free(ix);
	}
	for (int i = 0; i < db->nfiles; i++) {
		free(db->files[i]);
		buf_free(db->bufs[i], db->bufmap[i]);
	}
	free(db->files);
	free(db->bufs);
	free(db->bufmap);
	free(db->syms);
	free(db->symkind);
	free(db->stmts);
	free(db->pool);
	free(db->tpool);
	free(db->frames);
	free(db->ilist);
	free(db->dvpool);
	free(db->proofs);
	free(db->gdv);
	free(db->gdv_at);
	free(db->jtext);
	free(db->jlen);
	free(db);
}

int32_t
mm_db_label(const struct mm_db *db, const char *label, size_t len)
{
	const struct mm_index *ix = db->index;
	return mm_strtab_get(&ix->labels, label, len);
}

mm_sym
mm_db_sym(const struct mm_db *db, const char *name, size_t len)
{
	const struct mm_index *ix = db->index;
	return mm_strtab_get(&ix->syms, name, len);
}

int
mm_stmt_line(const struct mm_db *db, int32_t s)
{
	const struct mm_index *ix = db->index;
	return mm_line_of(db, db->stmts[s].file, ix->stmt_pos[s]);
}

uint32_t
mm_stmt_pos(const struct mm_db *db, int32_t s)
{
	const struct mm_index *ix = db->index;
	return ix->stmt_pos[s];
}

size_t
mm_expr_str(const struct mm_db *db, const mm_sym *expr, uint32_t len, char *buf, size_t cap)
{
	size_t n = 0;

	for (uint32_t i = 0; i < len; i++) {
		const char *s = db->syms[expr[i]].name;
		size_t k = strlen(s);
		if (i > 0) {
			if (n + 1 < cap)
				buf[n] = ' ';
			n++;
		}
		if (n + k < cap)
			memcpy(buf + n, s, k);
		else if (n < cap)
			memcpy(buf + n, s, cap - n - 1);
		n += k;
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

char *
mm_expr_text(const struct mm_db *db, const mm_sym *expr, uint32_t len)
{
	size_t n = mm_expr_str(db, expr, len, NULL, 0);
	char *s = mm_alloc(n + 1);

	mm_expr_str(db, expr, len, s, n + 1);
	return s;
}
