/*
 * jscan.c - zero-copy scanning of one JSON object per line (see jscan.h)
 */
#include "jscan.h"

#include "hash.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct scan {
	const char *start, *p, *end;
	int depth, limit;
	const char *why;       /* first error */
	const char *at;
};

static int
fail(struct scan *sc, const char *at, const char *why)
{
	if (!sc->why) {
		sc->why = why;
		sc->at = at;
	}
	return -1;
}

static void
skip_ws(struct scan *sc)
{
	while (sc->p < sc->end &&
	       (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

static int
hex4(const char *p, const char *end, unsigned *v)
{
	*v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* One UTF-8 sequence starting at p (a byte >= 0x80): its length, or 0 when it
 * is not well formed (overlong, a surrogate, beyond U+10FFFF, truncated). */
static int
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], cp;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A string, the opening quote at sc->p. Sets *plain when it has no escapes. */
static int
scan_string(struct scan *sc, int *plain)
{
	const unsigned char *p = (const unsigned char *)sc->p + 1;
	const unsigned char *end = (const unsigned char *)sc->end;

	*plain = 1;
	for (;;) {
		unsigned c;
		/* the common case: plain ASCII */
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
			p++;
		if (p == end)
			return fail(sc, sc->p, "unterminated string");
		c = *p;
		if (c == '"') {
			sc->p = (const char *)p + 1;
			return 0;
		}
		if (c < 0x20)
			return fail(sc, (const char *)p, "control character in a string");
		if (c >= 0x80) {
			int n = utf8_len(p, end);
			if (!n)
				return fail(sc, (const char *)p, "invalid UTF-8 in a string");
			p += n;
			continue;
		}
		/* an escape */
		*plain = 0;
		if (p + 1 == end)
			return fail(sc, sc->p, "unterminated string");
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			unsigned v, w;
			if (hex4((const char *)p + 2, (const char *)end, &v) < 0)
				return fail(sc, (const char *)p, "bad \\u escape");
			if (v == 0)
				return fail(sc, (const char *)p, "\\u0000 is not allowed in a string");
			p += 6;
			if (v >= 0xdc00 && v <= 0xdfff)
				return fail(sc, (const char *)p - 6, "lone low surrogate in a \\u escape");
			if (v >= 0xd800 && v <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    hex4((const char *)p + 2, (const char *)end, &w) < 0 ||
				    w < 0xdc00 || w > 0xdfff)
					return fail(sc, (const char *)p - 6,
					            "high surrogate not followed by a low one");
				p += 6;
			}
			break;
		}
		default:
			return fail(sc, (const char *)p, "bad escape in a string");
		}
	}
}

static int
scan_number(struct scan *sc)
{
	const char *p = sc->p, *end = sc->end;

	if (p < end && *p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return fail(sc, sc->p, "bad number");
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9')
			return fail(sc, sc->p, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return fail(sc, sc->p, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	sc->p = p;
	return 0;
}

static int scan_value(struct scan *sc, enum jtype *type);

static int
scan_array(struct scan *sc)
{
	enum jtype t;

	sc->p++;
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		sc->p++;
		return 0;
	}
	for (;;) {
		if (scan_value(sc, &t) < 0)
			return -1;
		skip_ws(sc);
		if (sc->p == sc->end)
			return fail(sc, sc->p, "unterminated array");
		if (*sc->p == ']') {
			sc->p++;
			return 0;
		}
		if (*sc->p != ',')
			return fail(sc, sc->p, "expected ',' or ']' in an array");
		sc->p++;
	}
}

static int
scan_object(struct scan *sc, struct jscan *s, int top)
{
	enum jtype t;

	sc->p++;
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		return 0;
	}
	for (;;) {
		const char *k;
		int plain;

		skip_ws(sc);
		if (sc->p == sc->end || *sc->p != '"')
			return fail(sc, sc->p, "expected a string key in an object");
		k = sc->p;
		if (scan_string(sc, &plain) < 0)
			return -1;
		if (top) {
			xgrow(&s->f, &s->cap, s->n + 1, sizeof *s->f);
			s->f[s->n].key = k + 1;
			s->f[s->n].klen = (size_t)(sc->p - k - 2);
			s->f[s->n].key_plain = plain;
		}
		skip_ws(sc);
		if (sc->p == sc->end || *sc->p != ':')
			return fail(sc, sc->p, "expected ':' after a key");
		sc->p++;
		skip_ws(sc);
		if (top)
			s->f[s->n].val = sc->p;
		if (scan_value(sc, &t) < 0)
			return -1;
		if (top) {
			s->f[s->n].vlen = (size_t)(sc->p - s->f[s->n].val);
			s->f[s->n].type = t;
			s->n++;
		}
		skip_ws(sc);
		if (sc->p == sc->end)
			return fail(sc, sc->p, "unterminated object");
		if (*sc->p == '}') {
			sc->p++;
			return 0;
		}
		if (*sc->p != ',')
			return fail(sc, sc->p, "expected ',' or '}' in an object");
		sc->p++;
	}
}

static int
scan_value(struct scan *sc, enum jtype *type)
{
	int plain, r;

	skip_ws(sc);
	if (sc->p == sc->end)
		return fail(sc, sc->p, "expected a value");
	switch (*sc->p) {
	case '"':
		*type = J_STRING;
		return scan_string(sc, &plain);
	case '{':
	case '[':
		if (++sc->depth > sc->limit)
			return fail(sc, sc->p, "nesting too deep");
		*type = *sc->p == '{' ? J_OBJECT : J_ARRAY;
		r = *sc->p == '{' ? scan_object(sc, NULL, 0) : scan_array(sc);
		sc->depth--;
		return r;
	case 't':
		*type = J_TRUE;
		if (sc->end - sc->p >= 4 && memcmp(sc->p, "true", 4) == 0) {
			sc->p += 4;
			return 0;
		}
		break;
	case 'f':
		*type = J_FALSE;
		if (sc->end - sc->p >= 5 && memcmp(sc->p, "false", 5) == 0) {
			sc->p += 5;
			return 0;
		}
		break;
	case 'n':
		*type = J_NULL;
		if (sc->end - sc->p >= 4 && memcmp(sc->p, "null", 4) == 0) {
			sc->p += 4;
			return 0;
		}
		break;
	default:
		*type = J_NUMBER;
		if (*sc->p == '-' || (*sc->p >= '0' && *sc->p <= '9'))
			return scan_number(sc);
		break;
	}
	return fail(sc, sc->p, "unexpected character");
}

void
jscan_init(struct jscan *s)
{
	memset(s, 0, sizeof *s);
	s->depth_limit = 64;
}

void
jscan_release(struct jscan *s)
{
	free(s->f);
	free(s->buf);
	memset(s, 0, sizeof *s);
}

static int
seterr(struct jsonl_err *err, int status, const char *file, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
seterr(struct jsonl_err *err, int status, const char *file, long lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	err->status = status;
	n = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, lineno);
	if (n < 0 || (size_t)n >= sizeof err->msg)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Two keys equal once decoded? */
static int
key_eq(struct jscan *s, const struct jfield *a, const struct jfield *b)
{
	const char *x, *y;
	size_t nx, ny, save;

	if (a->key_plain && b->key_plain)
		return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
	save = s->nbuf;
	x = jscan_decode(s, a->key - 1, a->klen + 2, &nx);
	y = jscan_decode(s, b->key - 1, b->klen + 2, &ny);
	s->nbuf = save;
	return nx == ny && memcmp(x, y, nx) == 0;
}

static int
dup_error(struct jscan *s, size_t i, const char *file, long lineno, struct jsonl_err *err)
{
	size_t n;
	const char *k = jscan_decode(s, s->f[i].key - 1, s->f[i].klen + 2, &n);

	return seterr(err, EX_DATAERR, file, lineno, "duplicate key '%.*s'",
	              (int)(n > 64 ? 64 : n), k);
}

/* A key decoded once, for the duplicate check of a large object. */
struct kref {
	uint64_t h;
	const char *p;
	size_t n, i;
};

static int
cmp_kref(const void *a, const void *b)
{
	const struct kref *x = a, *y = b;
	int c;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	if ((c = memcmp(x->p, y->p, x->n)) != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Duplicate keys among many: each key decoded once and hashed, the keys
 * sorted, neighbours compared: n log n, where comparing every pair took
 * minutes on a 4 MB line of keys. The later of a duplicate pair (in the
 * object) is the one named, as the pairwise check names it. */
static int
dup_check(struct jscan *s, const char *file, long lineno, struct jsonl_err *err)
{
	struct kref *k = xmalloc(s->n * sizeof *k);
	size_t save = s->nbuf, bad = SIZE_MAX;

	for (size_t i = 0; i < s->n; i++) {
		if (s->f[i].key_plain) {
			k[i].p = s->f[i].key;
			k[i].n = s->f[i].klen;
		} else {
			k[i].p = jscan_decode(s, s->f[i].key - 1, s->f[i].klen + 2, &k[i].n);
		}
		k[i].h = hash64(k[i].p, k[i].n);
		k[i].i = i;
	}
	qsort(k, s->n, sizeof *k, cmp_kref);
	for (size_t i = 1; i < s->n; i++)
		if (k[i].h == k[i - 1].h && k[i].n == k[i - 1].n &&
		    memcmp(k[i].p, k[i - 1].p, k[i].n) == 0 && k[i].i < bad)
			bad = k[i].i;
	free(k);
	s->nbuf = save;
	return bad == SIZE_MAX ? 0 : dup_error(s, bad, file, lineno, err);
}

int
jscan_object(struct jscan *s, const char *line, size_t len, const char *file, long lineno,
             struct jsonl_err *err)
{
	struct scan sc = { line, line, line + len, 0, s->depth_limit ? s->depth_limit : 64, NULL,
	                   NULL };

	s->n = 0;
	s->nbuf = 0;
	/* decoded strings never outgrow their raw text, and string arrays need
	 * at most 4 bytes of pointers per byte of text: reserve once, so that
	 * pointers handed out stay valid for the whole record */
	xgrow(&s->buf, &s->capbuf, 8 * len + 256, 1);
	skip_ws(&sc);
	if (sc.p == sc.end || *sc.p != '{') {
		if (sc.p < sc.end && (*sc.p == '[' || *sc.p == '"' || *sc.p == '-' ||
		                      (*sc.p >= '0' && *sc.p <= '9') || *sc.p == 't' ||
		                      *sc.p == 'f' || *sc.p == 'n'))
			return seterr(err, EX_DATAERR, file, lineno, "expected a JSON object");
		return seterr(err, EX_DATAERR, file, lineno, "invalid JSON: %s (column %zu)",
		              sc.p == sc.end ? "empty record" : "unexpected character",
		              (size_t)(sc.p - line) + 1);
	}
	sc.depth = 1;
	if (scan_object(&sc, s, 1) < 0)
		return seterr(err, EX_DATAERR, file, lineno, "invalid JSON: %s (column %zu)", sc.why,
		              (size_t)(sc.at - line) + 1);
	skip_ws(&sc);
	if (sc.p != sc.end)
		return seterr(err, EX_DATAERR, file, lineno,
		              "invalid JSON: text after the object (column %zu)",
		              (size_t)(sc.p - line) + 1);
	if (s->n <= 16) {
		for (size_t i = 1; i < s->n; i++)
			for (size_t j = 0; j < i; j++)
				if (key_eq(s, &s->f[i], &s->f[j]))
					return dup_error(s, i, file, lineno, err);
		return 0;
	}
	return dup_check(s, file, lineno, err);
}

const char *
jscan_decode(struct jscan *s, const char *v, size_t vlen, size_t *n)
{
	char *out, *o;
	const char *p = v + 1, *end = v + vlen - 1;

	xgrow(&s->buf, &s->capbuf, s->nbuf + vlen + 1, 1);
	out = o = s->buf + s->nbuf;
	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		unsigned u, w;
		if (!q)
			q = end;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (p == end)
			break;
		switch (p[1]) {
		case 'b': *o++ = '\b'; p += 2; break;
		case 'f': *o++ = '\f'; p += 2; break;
		case 'n': *o++ = '\n'; p += 2; break;
		case 'r': *o++ = '\r'; p += 2; break;
		case 't': *o++ = '\t'; p += 2; break;
		case 'u':
			hex4(p + 2, end, &u);
			p += 6;
			if (u >= 0xd800 && u <= 0xdbff) {
				hex4(p + 2, end, &w);
				u = 0x10000 + ((u - 0xd800) << 10) + (w - 0xdc00);
				p += 6;
			}
			if (u < 0x80) {
				*o++ = (char)u;
			} else if (u < 0x800) {
				*o++ = (char)(0xc0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3f));
			} else if (u < 0x10000) {
				*o++ = (char)(0xe0 | u >> 12);
				*o++ = (char)(0x80 | (u >> 6 & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xf0 | u >> 18);
				*o++ = (char)(0x80 | (u >> 12 & 0x3f));
				*o++ = (char)(0x80 | (u >> 6 & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			break;
		default:   /* " \ / */
			*o++ = p[1];
			p += 2;
		}
	}
	*o = '\0';
	*n = (size_t)(o - out);
	s->nbuf += *n + 1;
	return out;
}

const struct jfield *
jscan_get(const struct jscan *s, const char *key)
{
	size_t n = strlen(key);

	/* keys this program asks for are plain; an escaped key that decodes to
	 * one is rare enough to decode on the spot */
	for (size_t i = 0; i < s->n; i++) {
		const struct jfield *f = &s->f[i];
		if (f->key_plain) {
			if (f->klen == n && memcmp(f->key, key, n) == 0)
				return f;
		} else {
			size_t m, save = ((struct jscan *)s)->nbuf;
			const char *k = jscan_decode((struct jscan *)s, f->key - 1, f->klen + 2, &m);
			((struct jscan *)s)->nbuf = save;
			if (m == n && memcmp(k, key, n) == 0)
				return f;
		}
	}
	return NULL;
}

int
jscan_str(struct jscan *s, const char *key, int required, const char **out, size_t *outlen,
          const char *file, long lineno, struct jsonl_err *err)
{
	const struct jfield *f = jscan_get(s, key);
	size_t n;

	if (!f || f->type == J_NULL) {
		if (required)
			return seterr(err, EX_DATAERR, file, lineno, "field '%s': missing", key);
		return 0;
	}
	if (f->type != J_STRING)
		return seterr(err, EX_DATAERR, file, lineno, "field '%s': expected a string", key);
	*out = jscan_decode(s, f->val, f->vlen, &n);
	if (outlen)
		*outlen = n;
	return 1;
}

int
jscan_strarray(struct jscan *s, const char *key, int required, const char ***out, size_t *n,
               const char *file, long lineno, struct jsonl_err *err)
{
	const struct jfield *f = jscan_get(s, key);
	const char *p, *end;
	const char **v;
	size_t k = 0, cap, len;

	*n = 0;
	if (!f || f->type == J_NULL) {
		if (required)
			return seterr(err, EX_DATAERR, file, lineno, "field '%s': missing", key);
		return 0;
	}
	if (f->type != J_ARRAY)
		return seterr(err, EX_DATAERR, file, lineno, "field '%s': expected an array of strings",
		              key);
	/* room for the pointers in the decode buffer, aligned */
	cap = f->vlen / 2 + 1;
	s->nbuf = (s->nbuf + 7) & ~(size_t)7;
	xgrow(&s->buf, &s->capbuf, s->nbuf + cap * sizeof *v + f->vlen + 16, 1);
	v = (const char **)(void *)(s->buf + s->nbuf);
	s->nbuf += cap * sizeof *v;
	p = f->val + 1;
	end = f->val + f->vlen - 1;
	for (;;) {
		struct scan sc;
		int plain;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ','))
			p++;
		if (p >= end)
			break;
		if (*p != '"')
			return seterr(err, EX_DATAERR, file, lineno,
			              "field '%s': element %zu: expected a string", key, k);
		sc = (struct scan){ p, p, end, 0, 64, NULL, NULL };
		scan_string(&sc, &plain);
		v[k++] = jscan_decode(s, p, (size_t)(sc.p - p), &len);
		p = sc.p;
	}
	*out = v;
	*n = k;
	return 1;
}

void
jscan_put_string(const char *str, size_t n, char **out, size_t *len, size_t *cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	xgrow(out, cap, *len + n + 2, 1);
	(*out)[(*len)++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];
		char esc[6];
		size_t k = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		xgrow(out, cap, *len + (i - run) + 8 + (n - i), 1);
		memcpy(*out + *len, str + run, i - run);
		*len += i - run;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			k = 6;
		}
		memcpy(*out + *len, esc, k);
		*len += k;
	}
	xgrow(out, cap, *len + (n - run) + 2, 1);
	memcpy(*out + *len, str + run, n - run);
	*len += n - run;
	(*out)[(*len)++] = '"';
}

void
jscan_emit(const struct jscan *s, const char *const *drop, const char *extra, size_t extralen,
           char **out, size_t *len, size_t *cap)
{
	int first = 1;

	xgrow(out, cap, *len + 2, 1);
	(*out)[(*len)++] = '{';
	for (size_t i = 0; i < s->n; i++) {
		const struct jfield *f = &s->f[i];
		int dropped = 0;
		const char *k = f->key;
		size_t kn = f->klen, save = s->nbuf;
		/* an escaped key decoded once (looking each name up again would
		 * decode every key of the record for every field: quadratic) */
		if (!f->key_plain && drop && *drop)
			k = jscan_decode((struct jscan *)s, f->key - 1, f->klen + 2, &kn);
		for (const char *const *d = drop; d && *d && !dropped; d++)
			dropped = strlen(*d) == kn && memcmp(*d, k, kn) == 0;
		((struct jscan *)s)->nbuf = save;
		if (dropped)
			continue;
		xgrow(out, cap, *len + f->klen + f->vlen + 5, 1);
		if (!first)
			(*out)[(*len)++] = ',';
		first = 0;
		(*out)[(*len)++] = '"';
		memcpy(*out + *len, f->key, f->klen);
		*len += f->klen;
		(*out)[(*len)++] = '"';
		(*out)[(*len)++] = ':';
		memcpy(*out + *len, f->val, f->vlen);
		*len += f->vlen;
	}
	xgrow(out, cap, *len + extralen + 3, 1);
	if (extralen) {
		if (!first)
			(*out)[(*len)++] = ',';
		memcpy(*out + *len, extra, extralen);
		*len += extralen;
	}
	(*out)[(*len)++] = '}';
	(*out)[(*len)++] = '\n';
}
