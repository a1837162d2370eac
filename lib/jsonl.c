/*
 * jsonl.c - JSON Lines input and output on jansson and zlib (see jsonl.h)
 *
 * Input is read through zlib (gzdopen), which passes plain files through
 * unchanged and inflates gzip files, into one large buffer; lines are found
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

#include "msg.h"

#define JSONL_BUF_INIT (256u << 10)   /* first buffer size, bytes */
#define JSONL_GZBUF    (128u << 10)   /* zlib's own input buffer, bytes */
#define JSONL_READ_MAX (1u << 30)     /* most bytes asked of one gzread() */

struct jsonl_in {
	char **files;      /* (nfiles) own copies of the names; "-" is stdin */
	int nfiles;
	int next;          /* index of the next file to open */
	gzFile gz;         /* the current file, or NULL between files */
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
	return in;
}

static void
close_file(struct jsonl_in *in)
{
	if (in->gz)
		gzclose(in->gz);
	in->gz = NULL;
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
		/* A duplicate, so that gzclose() leaves fd 0 alone. */
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
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		close(fd);
		die(EX_OSERR, "out of memory (zlib stream for '%s')", in->name);
	}
	gzbuffer(in->gz, JSONL_GZBUF);
	in->lineno = 0;
	in->pos = in->end = 0;
	in->eof = 0;
	in->skipping = 0;
	return 0;
}

/*
 * zlib's message for the stream, without the "<fd:N>: " that gzerror()
 * puts in front of it (the name it knows for a gzdopen'd file).
 */
static const char *
gz_message(gzFile gz, int *zerr)
{
	const char *m = gzerror(gz, zerr), *p = strstr(m, ": ");

	return p && m[0] == '<' ? p + 2 : m;
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
	int n, zerr;
	const char *zmsg;

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
	n = gzread(in->gz, in->buf + in->end, (unsigned)room);
	if (n > 0) {
		in->end += (size_t)n;
		return 0;
	}
	zmsg = gz_message(in->gz, &zerr);
	if (n == 0 && zerr == Z_OK) {
		in->eof = 1;
		return 0;
	}
	/* The line being read when the input failed. */
	where = in->skipping ? in->lineno : in->lineno + 1;
	switch (zerr) {
	case Z_BUF_ERROR:
		seterr(err, EX_DATAERR, "%s:%ld: truncated gzip stream", in->name, where);
		break;
	case Z_DATA_ERROR:
		seterr(err, EX_DATAERR, "%s:%ld: corrupt gzip data (%s)", in->name, where, zmsg);
		break;
	case Z_MEM_ERROR:
		die(EX_OSERR, "out of memory (zlib, reading '%s')", in->name);
	default:   /* Z_ERRNO: zmsg is strerror()'s text */
		seterr(err, EX_IOERR, "%s:%ld: read error: %s", in->name, where, zmsg);
		break;
	}
	return -1;
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
int
jsonl_in_next(struct jsonl_in *in, const char **line, size_t *len,
              const char **file, long *lineno, struct jsonl_err *err)
{
	char *s, *nl;
	size_t n;
	int r;

	for (;;) {
		if (!in->gz) {
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

static void
put_string(struct dumpbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];
		char esc[6];
		size_t k = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, str + run, i - run);
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
		put(b, esc, k);
	}
	put(b, str + run, n - run);
	put(b, "\"", 1);
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
