/*
 * jsonl.c - JSON Lines input and output on jansson and zlib (see jsonl.h)
 *
 * Input is read with read(2) into one large buffer, through zlib's inflate
 * when the file starts with gzip's magic bytes (members one after another,
 * as gzip writes them; anything else after a member is an error, where
 * gzread() would ignore it); lines are found
 * with memchr and handed out in place, so a record costs no copy and no
 * per-byte call. The buffer grows only as far as the longest line needs
 * (never much beyond max_line).
 */
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "jscan.h"
#include "msg.h"

#define JSONL_BUF_INIT (256u << 10)   /* first buffer size, bytes */
#define JSONL_GZBUF    (128u << 10)   /* compressed input buffer, bytes */
#define JSONL_READ_MAX (1u << 30)     /* most bytes asked of one read */

struct jsonl_in {
	char **files;      /* (nfiles) own copies of the names; "-" is stdin */
	int nfiles;
	int next;          /* index of the next file to open */
	int fd;            /* the current file, or -1 between files */
	int gzip;          /* it is gzip: read through zs */
	z_stream zs;
	unsigned char *raw;  /* (JSONL_GZBUF) compressed bytes; zs.next_in points in */
	int raw_eof;       /* the file has no more compressed bytes */
	int member_done;   /* a gzip member ended: another, or the end, must follow */
	const char *name;  /* display name of the current file ("<stdin>") */
	long lineno;       /* lines begun in the current file */
	long count;        /* lines handed out, all files */
	size_t max_line;   /* longest line accepted, bytes, without "\r\n" */
	char *buf;         /* (cap) unread bytes are buf[pos..end) */
	size_t cap, pos, end;
	int eof;           /* the current file has no more bytes to give */
	int skipping;      /* discarding the rest of an overlong line */
};

static void seterr(struct jsonl_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(struct jsonl_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/*
 * Never returns NULL. The names are copied, so files may be freed after the
 * call. No file is opened yet: an unreadable file is reported by the
 * jsonl_in_next() call that reaches it.
 */
struct jsonl_in *
jsonl_in_open(char *const *files, int nfiles, size_t max_line)
{
	struct jsonl_in *in = xcalloc(1, sizeof(*in));
	int i;

	if (nfiles <= 0) {
		in->files = xmalloc(sizeof(*in->files));
		in->files[0] = xstrdup("-");
		in->nfiles = 1;
	} else {
		in->files = xreallocarray(NULL, (size_t)nfiles, sizeof(*in->files));
		for (i = 0; i < nfiles; i++)
			in->files[i] = xstrdup(files[i]);
		in->nfiles = nfiles;
	}
	if (max_line == 0)
		max_line = JSONL_MAX_LINE_DEFAULT;
	/* Keep max_line + a few bytes and twice the buffer from overflowing. */
	if (max_line > SIZE_MAX / 4)
		max_line = SIZE_MAX / 4;
	in->max_line = max_line;
	in->cap = JSONL_BUF_INIT;
	in->buf = xmalloc(in->cap);
	in->fd = -1;
	return in;
}

static void
close_file(struct jsonl_in *in)
{
	if (in->fd >= 0)
		close(in->fd);
	if (in->gzip)
		inflateEnd(&in->zs);
	in->fd = -1;
	in->gzip = 0;
	in->pos = in->end = 0;
	in->eof = 0;
	in->skipping = 0;
}

/* Open files[next]; returns 0, or -1 with *err set (the file is skipped). */
static int
open_next(struct jsonl_in *in, struct jsonl_err *err)
{
	const char *path = in->files[in->next++];
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0) {
		in->name = "<stdin>";
		/* A duplicate, so that closing it leaves fd 0 alone. */
		fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
	} else {
		in->name = path;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		seterr(err, EX_NOINPUT, "cannot open '%s': %s", in->name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		seterr(err, EX_NOINPUT, "cannot open '%s': %s", in->name, strerror(EISDIR));
		return -1;
	}
	in->fd = fd;
	in->lineno = 0;
	in->pos = in->end = 0;
	in->eof = 0;
	in->skipping = 0;
	in->raw_eof = 0;
	in->member_done = 0;
	/* gzip or not: the first two bytes (a pipe cannot be rewound: what was
	 * read is kept, as compressed input or as the first of the text) */
	if (!in->raw)
		in->raw = xmalloc(JSONL_GZBUF);
	{
		size_t got = 0;
		while (got < 2) {
			ssize_t r = read(fd, in->raw + got, 2 - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				seterr(err, EX_IOERR, "%s:1: read error: %s", in->name, strerror(errno));
				close_file(in);
				return -1;
			}
			if (r == 0) {
				in->raw_eof = 1;
				break;
			}
			got += (size_t)r;
		}
		in->gzip = got == 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b;
		if (in->gzip) {
			int rc;
			memset(&in->zs, 0, sizeof in->zs);
			rc = inflateInit2(&in->zs, 15 + 16);   /* gzip wrapper only */
			if (rc != Z_OK)
				die(EX_OSERR, "out of memory (zlib stream for '%s')", in->name);
			in->zs.next_in = in->raw;
			in->zs.avail_in = (uInt)got;
		} else {
			memcpy(in->buf, in->raw, got);
			in->end = got;
		}
	}
	return 0;
}

/* More compressed input into raw (what is unread moved to its front).
 * Returns 0, or -1 with *err set on a read error. */
static int
read_raw(struct jsonl_in *in, long where, struct jsonl_err *err)
{
	ssize_t r;

	if (in->zs.avail_in && in->zs.next_in != in->raw)
		memmove(in->raw, in->zs.next_in, in->zs.avail_in);
	in->zs.next_in = in->raw;
	do
		r = read(in->fd, in->raw + in->zs.avail_in, JSONL_GZBUF - in->zs.avail_in);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		seterr(err, EX_IOERR, "%s:%ld: read error: %s", in->name, where, strerror(errno));
		return -1;
	}
	if (r == 0)
		in->raw_eof = 1;
	in->zs.avail_in += (uInt)r;
	return 0;
}

/*
 * Read more of the current file into the buffer, compacting and growing it
 * as needed. Returns 0 (bytes were added, or eof is now set) or -1 with *err
 * set; the caller then closes the file.
 */
static int
fill(struct jsonl_in *in, struct jsonl_err *err)
{
	size_t room;
	long where;
	ssize_t n;

	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	/* One byte stays free for the NUL that ends the last line of a file. */
	if (in->end + 1 >= in->cap) {
		in->cap *= 2;
		in->buf = xrealloc(in->buf, in->cap);
	}
	room = in->cap - 1 - in->end;
	if (room > JSONL_READ_MAX)
		room = JSONL_READ_MAX;
	/* The line being read when the input failed. */
	where = in->skipping ? in->lineno : in->lineno + 1;
	if (!in->gzip) {
		if (in->raw_eof) {
			in->eof = 1;
			return 0;
		}
		do
			n = read(in->fd, in->buf + in->end, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			seterr(err, EX_IOERR, "%s:%ld: read error: %s", in->name, where, strerror(errno));
			return -1;
		}
		if (n == 0)
			in->eof = 1;
		in->end += (size_t)n;
		return 0;
	}
	for (;;) {
		size_t produced;
		int rc;
		if (in->zs.avail_in < 2 && !in->raw_eof && read_raw(in, where, err) < 0)
			return -1;
		if (in->member_done) {
			/* after a member: the end, or another member's magic */
			if (in->zs.avail_in == 0 && in->raw_eof) {
				in->eof = 1;
				return 0;
			}
			if (in->zs.avail_in < 2 && !in->raw_eof)
				continue;
			if (in->zs.avail_in < 2 || in->zs.next_in[0] != 0x1f || in->zs.next_in[1] != 0x8b) {
				seterr(err, EX_DATAERR, "%s:%ld: corrupt gzip data (bytes after the gzip "
				       "stream that are not gzip data)", in->name, where);
				return -1;
			}
			inflateReset(&in->zs);
			in->member_done = 0;
		}
		in->zs.next_out = (unsigned char *)in->buf + in->end;
		in->zs.avail_out = (uInt)(room > UINT_MAX ? UINT_MAX : room);
		rc = inflate(&in->zs, Z_NO_FLUSH);
		produced = (size_t)((unsigned char *)in->zs.next_out -
		                    ((unsigned char *)in->buf + in->end));
		in->end += produced;
		if (rc == Z_STREAM_END) {
			in->member_done = 1;
			if (produced)
				return 0;
			continue;
		}
		if (rc == Z_OK || rc == Z_BUF_ERROR) {
			if (produced)
				return 0;
			if (in->zs.avail_in == 0 && in->raw_eof) {
				seterr(err, EX_DATAERR, "%s:%ld: truncated gzip stream", in->name, where);
				return -1;
			}
			continue;
		}
		if (rc == Z_MEM_ERROR)
			die(EX_OSERR, "out of memory (zlib, reading '%s')", in->name);
		seterr(err, EX_DATAERR, "%s:%ld: corrupt gzip data (%s)", in->name, where,
		       in->zs.msg ? in->zs.msg : "bad data");
		return -1;
	}
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * The complete line s[0..n) (its '\n' already consumed) is line in->lineno.
 * Returns 1 with the outputs set, 0 for a blank line, -1 with *err set.
 */
static int
take_line(struct jsonl_in *in, char *s, size_t n, const char **line, size_t *len,
          const char **file, long *lineno, struct jsonl_err *err)
{
	const char *nul;

	if (n && s[n - 1] == '\r')
		n--;
	if (n > in->max_line) {
		seterr(err, EX_DATAERR, "%s:%ld: line longer than %zu bytes",
		       in->name, in->lineno, in->max_line);
		return -1;
	}
	nul = memchr(s, '\0', n);
	if (nul) {
		seterr(err, EX_DATAERR, "%s:%ld: NUL byte at column %zu",
		       in->name, in->lineno, (size_t)(nul - s) + 1);
		return -1;
	}
	if (is_blank(s, n))
		return 0;
	s[n] = '\0';   /* over the '\r' or '\n', or the byte fill() keeps free */
	*line = s;
	*len = n;
	*file = in->name;
	*lineno = in->lineno;
	in->count++;
	return 1;
}

/*
 * See jsonl.h. Besides the header's promises, *line is NUL-terminated (the
 * terminator is not counted in *len), and *file stays valid until
 * jsonl_in_close().
 */
struct jsonl_in *
jsonl_in_open1(const char *path)
{
	char *files[1] = { (char *)path };

	return jsonl_in_open(files, 1, 0);
}

int
jsonl_in_read(struct jsonl_in *in, struct jsonl_line *l, struct jsonl_err *err)
{
	return jsonl_in_next(in, &l->text, &l->len, &l->file, &l->lineno, err);
}

int
jsonl_in_object(struct jsonl_in *in, struct jsonl_line *l, json_t **o, struct jsonl_err *err)
{
	int r = jsonl_in_read(in, l, err);

	*o = NULL;
	if (r <= 0)
		return r;
	*o = jsonl_parse(l->text, l->len, l->file, l->lineno, err);
	return 1;
}

int
jsonl_in_next(struct jsonl_in *in, const char **line, size_t *len,
              const char **file, long *lineno, struct jsonl_err *err)
{
	char *s, *nl;
	size_t n;
	int r;

	for (;;) {
		if (in->fd < 0) {
			if (in->next >= in->nfiles)
				return 0;
			if (open_next(in, err) < 0)
				return -1;
			continue;
		}
		s = in->buf + in->pos;
		n = in->end - in->pos;
		nl = memchr(s, '\n', n);
		if (nl) {
			in->pos += (size_t)(nl - s) + 1;
			if (in->skipping) {
				in->skipping = 0;
				continue;
			}
			in->lineno++;
			r = take_line(in, s, (size_t)(nl - s), line, len, file, lineno, err);
			if (r != 0)
				return r;
			continue;
		}
		if (in->skipping) {
			in->pos = in->end = 0;
		} else if (n > in->max_line + 1) {
			/* Even without a '\r' before its '\n' it is too long. */
			in->lineno++;
			in->skipping = 1;
			in->pos = in->end = 0;
			seterr(err, EX_DATAERR, "%s:%ld: line longer than %zu bytes",
			       in->name, in->lineno, in->max_line);
			return -1;
		}
		if (in->eof) {
			/* What is left is a last line without a newline. */
			if (n && !in->skipping) {
				in->pos = in->end;
				in->lineno++;
				r = take_line(in, s, n, line, len, file, lineno, err);
				if (r != 0) {
					if (r < 0)
						close_file(in);
					return r;
				}
			}
			close_file(in);
			continue;
		}
		if (fill(in, err) < 0) {
			close_file(in);
			return -1;
		}
	}
}

long
jsonl_in_count(const struct jsonl_in *in)
{
	return in->count;
}

/* Close the current file and free in; NULL is a no-op. */
void
jsonl_in_close(struct jsonl_in *in)
{
	int i;

	if (!in)
		return;
	close_file(in);
	for (i = 0; i < in->nfiles; i++)
		free(in->files[i]);
	free(in->files);
	free(in->buf);
	free(in->raw);
	free(in);
}

json_t *
jsonl_parse(const char *line, size_t len, const char *file, long lineno,
            struct jsonl_err *err)
{
	json_error_t je;
	json_t *v;

	/* JSON_DECODE_ANY so that "3" or "[1]" get our message, not jansson's. */
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v) {
		seterr(err, EX_DATAERR, "%s:%ld: invalid JSON: %s (column %d)",
		       file, lineno, je.text, je.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		seterr(err, EX_DATAERR, "%s:%ld: expected a JSON object", file, lineno);
		return NULL;
	}
	return v;
}

/*
 * The field key of obj, or NULL when it is absent or null. *rc gets the
 * accessor's result for that case: 0, or -1 (with *err) when it is required.
 */
static json_t *
field(json_t *obj, const char *key, int required, const char *file, long lineno,
      struct jsonl_err *err, int *rc)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v))
		return v;
	if (required) {
		seterr(err, EX_DATAERR, "%s:%ld: field '%s': missing", file, lineno, key);
		*rc = -1;
	} else {
		*rc = 0;
	}
	return NULL;
}

static int
mistyped(const char *what, const char *key, const char *file, long lineno,
         struct jsonl_err *err)
{
	seterr(err, EX_DATAERR, "%s:%ld: field '%s': expected %s", file, lineno, key, what);
	return -1;
}

int
jsonl_get_str(json_t *obj, const char *key, int required, const char **out,
              const char *file, long lineno, struct jsonl_err *err)
{
	int rc;
	json_t *v = field(obj, key, required, file, lineno, err, &rc);

	if (!v)
		return rc;
	if (!json_is_string(v))
		return mistyped("a string", key, file, lineno, err);
	*out = json_string_value(v);
	return 1;
}

int
jsonl_get_int(json_t *obj, const char *key, int required, long long *out,
              const char *file, long lineno, struct jsonl_err *err)
{
	int rc;
	json_t *v = field(obj, key, required, file, lineno, err, &rc);

	if (!v)
		return rc;
	if (!json_is_integer(v))
		return mistyped("an integer", key, file, lineno, err);
	*out = json_integer_value(v);
	return 1;
}

int
jsonl_get_num(json_t *obj, const char *key, int required, double *out,
              const char *file, long lineno, struct jsonl_err *err)
{
	int rc;
	json_t *v = field(obj, key, required, file, lineno, err, &rc);

	if (!v)
		return rc;
	if (!json_is_number(v))
		return mistyped("a number", key, file, lineno, err);
	*out = json_number_value(v);
	return 1;
}

int
jsonl_get_bool(json_t *obj, const char *key, int required, int *out,
               const char *file, long lineno, struct jsonl_err *err)
{
	int rc;
	json_t *v = field(obj, key, required, file, lineno, err, &rc);

	if (!v)
		return rc;
	if (!json_is_boolean(v))
		return mistyped("a boolean", key, file, lineno, err);
	*out = json_is_true(v);
	return 1;
}

int
jsonl_get_strarray(json_t *obj, const char *key, int required, json_t **out,
                   const char *file, long lineno, struct jsonl_err *err)
{
	int rc;
	size_t i;
	json_t *v = field(obj, key, required, file, lineno, err, &rc);

	if (!v)
		return rc;
	if (!json_is_array(v))
		return mistyped("an array of strings", key, file, lineno, err);
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			return mistyped("an array of strings", key, file, lineno, err);
	*out = v;
	return 1;
}

int
jsonl_get_strs(json_t *obj, const char *key, int required, struct jsonl_strs *s,
               const char *file, long lineno, struct jsonl_err *err)
{
	json_t *a = NULL;
	int r = jsonl_get_strarray(obj, key, required, &a, file, lineno, err);
	size_t n = r > 0 ? json_array_size(a) : 0;

	xgrow(&s->v, &s->cap, n + 1, sizeof *s->v);
	for (size_t i = 0; i < n; i++)
		s->v[i] = json_string_value(json_array_get(a, i));
	s->v[n] = NULL;
	s->n = n;
	return r;
}

/*
 * Our own encoder, not jansson's: the same compact form ({"a":1,"b":[2]},
 * keys in insertion order, UTF-8 written as is), but reals in the shortest
 * form that reads back to the same double (0.1, not jansson's
 * 0.10000000000000001), so a value passed through a stage keeps its text.
 */
struct dumpbuf {
	char *s;
	size_t len, cap;
};

static void
put(struct dumpbuf *b, const char *data, size_t n)
{
	xgrow(&b->s, &b->cap, b->len + n + 2, 1);   /* room for "\n" and NUL */
	memcpy(b->s + b->len, data, n);
	b->len += n;
}

/* A string, quoted and escaped: jscan_put_string(), the one writer of both. */
static void
put_string(struct dumpbuf *b, const char *str, size_t n)
{
	jscan_put_string(str, n, &b->s, &b->len, &b->cap);
}

size_t
jsonl_format_real(double v, char buf[40])
{
	int n = 0;

	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 37, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".eEn")) {   /* "n": inf/nan cannot occur in jansson */
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return (size_t)n;
}

static void
put_real(struct dumpbuf *b, double v)
{
	char buf[40];
	size_t n = jsonl_format_real(v, buf);

	put(b, buf, n);
}

static void
put_value(struct dumpbuf *b, const json_t *v)
{
	char num[32];
	int n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		int first = 1;
		put(b, "{", 1);
		json_object_foreach((json_t *)v, key, val) {
			if (!first)
				put(b, ",", 1);
			first = 0;
			put_string(b, key, strlen(key));
			put(b, ":", 1);
			put_value(b, val);
		}
		put(b, "}", 1);
		break;
	}
	case JSON_ARRAY:
		put(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				put(b, ",", 1);
			put_value(b, json_array_get(v, i));
		}
		put(b, "]", 1);
		break;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		put(b, num, (size_t)n);
		break;
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		put(b, "true", 4);
		break;
	case JSON_FALSE:
		put(b, "false", 5);
		break;
	case JSON_NULL:
		put(b, "null", 4);
		break;
	}
}

/*
 * The buffer is NUL-terminated after its '\n'; the caller frees it. A NULL
 * obj is a bug in the caller: dies with EX_SOFTWARE.
 */
char *
jsonl_dump(const json_t *obj, size_t *len)
{
	struct dumpbuf b = { NULL, 0, 0 };

	if (!obj)
		die(EX_SOFTWARE, "cannot encode a NULL JSON value");
	xgrow(&b.s, &b.cap, 256, 1);
	put_value(&b, obj);
	xgrow(&b.s, &b.cap, b.len + 2, 1);
	b.s[b.len++] = '\n';
	b.s[b.len] = '\0';
	if (len)
		*len = b.len;
	return b.s;
}

/*
 * An error may show only when fp is flushed: callers still check the stream
 * at the end (close_stdout(), atomic_commit()).
 */
int
jsonl_write(FILE *fp, const json_t *obj)
{
	size_t n;
	char *s = jsonl_dump(obj, &n);
	int r = 0;

	errno = 0;
	if (fwrite(s, 1, n, fp) != n) {
		if (errno == 0)
			errno = EIO;
		r = -1;
	}
	free(s);
	return r;
}

void
jsonl_emit(FILE *fp, json_t *obj)
{
	if (jsonl_write(fp, obj) < 0)
		die(EX_IOERR, "write error:");
	json_decref(obj);
}
