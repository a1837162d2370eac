/*
 * jsonl.h - JSON Lines input and output on jansson
 *
 * Input: one or more named files (or "-" / none for stdin), each plain or
 * gzip-compressed (read through zlib, so a shard written by shard.h reads the
 * same as a plain file). Lines are handed out raw, so that callers may parse
 * them in worker threads; jsonl_parse() turns one into an object.
 *
 * Every error names where it happened: "FILE:LINE: ..." with FILE "<stdin>"
 * for standard input, and, for a field, "FILE:LINE: field 'proof': expected a
 * string". Errors are written into a caller's struct jsonl_err rather than
 * printed, so a threaded stage can report them in input order.
 *
 * Ownership: a line returned by jsonl_in_next() stays valid until the next call
 * on the same reader. jsonl_parse() returns a new reference the caller owns.
 */
#ifndef STP_JSONL_H
#define STP_JSONL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Longest record accepted, in bytes, unless the tool sets another. */
#define JSONL_MAX_LINE_DEFAULT (4u << 20)

struct jsonl_err {
	int status;      /* exit status the error calls for: EX_DATAERR, EX_NOINPUT, EX_IOERR */
	char msg[512];   /* "FILE:LINE: ..." without the program name */
};

struct jsonl_in;     /* opaque */

/*
 * Open a reader over files[0..nfiles-1]; nfiles == 0 means stdin. "-" means
 * stdin. Files are opened lazily, one after another. max_line 0 means
 * JSONL_MAX_LINE_DEFAULT.
 */
struct jsonl_in *jsonl_in_open(char *const *files, int nfiles, size_t max_line);

/*
 * Next non-blank line, without its newline (a trailing '\r' is removed too).
 * Returns 1 and sets *line, *len, *file, *lineno; 0 at the end of all input;
 * -1 on an error described in *err: a file that cannot be opened
 * (EX_NOINPUT), a read error (EX_IOERR), a truncated/corrupt gzip stream
 * (EX_DATAERR), a line longer than max_line (EX_DATAERR; the rest of that line
 * is skipped and reading may continue with the next line), a NUL byte in a
 * line (EX_DATAERR). After a file-level error the reader moves on to the next file.
 */
int jsonl_in_next(struct jsonl_in *in, const char **line, size_t *len,
                  const char **file, long *lineno, struct jsonl_err *err);

/* A line as jsonl_in_read() hands it out: jsonl_in_next()'s fields. */
struct jsonl_line {
	const char *text;      /* without its newline, len bytes */
	size_t len;
	const char *file;      /* its file's name ("-": stdin) */
	long lineno;
};

/* A reader over one file (jsonl_in_open of path alone). */
struct jsonl_in *jsonl_in_open1(const char *path);

/* jsonl_in_next() into *l: 1, 0 at the end, -1 on an error (*err). */
int jsonl_in_read(struct jsonl_in *in, struct jsonl_line *l, struct jsonl_err *err);

/*
 * The next line and its parse (jsonl_parse), its place in *l: 1 with *o a
 * new reference, or *o NULL and *err set when the line is not an object; 0
 * at the end; -1 on a read error (*err). A tool's loop over records:
 *   while ((r = jsonl_in_object(in, &l, &o, &err)) != 0) {
 *           if (r < 0)
 *                   die(err.status, "%s", err.msg);
 *           if (!o || jsonl_get_str(o, "id", 1, &id, l.file, l.lineno, &err) < 0) {
 *                   json_decref(o);
 *                   cli_skip(&cl, &err);
 *                   continue;
 *           }
 */
int jsonl_in_object(struct jsonl_in *in, struct jsonl_line *l, json_t **o,
                    struct jsonl_err *err);

/* Number of lines (records) handed out so far, across all files. */
long jsonl_in_count(const struct jsonl_in *in);

void jsonl_in_close(struct jsonl_in *in);

/*
 * Parse one line as a JSON object. Duplicate keys, trailing garbage, invalid
 * UTF-8 and a value that is not an object are errors (EX_DATAERR) that name
 * file:line and jansson's column. Returns the object or NULL with *err set.
 */
json_t *jsonl_parse(const char *line, size_t len, const char *file, long lineno,
                    struct jsonl_err *err);

/*
 * Field accessors. Each returns 1 when the field is present and well typed
 * (storing its value), 0 when it is absent and !required, and -1 (with *err:
 * "FILE:LINE: field 'KEY': missing" or "...: expected a string") otherwise.
 * A JSON null counts as absent. String values point into the object.
 */
int jsonl_get_str(json_t *obj, const char *key, int required, const char **out,
                  const char *file, long lineno, struct jsonl_err *err);
int jsonl_get_int(json_t *obj, const char *key, int required, long long *out,
                  const char *file, long lineno, struct jsonl_err *err);
/* A number: integer or real. */
int jsonl_get_num(json_t *obj, const char *key, int required, double *out,
                  const char *file, long lineno, struct jsonl_err *err);
int jsonl_get_bool(json_t *obj, const char *key, int required, int *out,
                   const char *file, long lineno, struct jsonl_err *err);
/* An array of strings; *out points to the array (borrowed). */
int jsonl_get_strarray(json_t *obj, const char *key, int required, json_t **out,
                       const char *file, long lineno, struct jsonl_err *err);

/* An array of strings as C strings: v[0..n) (borrowed from obj; v[n] is
 * NULL), in a vector reused from call to call (free v at the end). */
struct jsonl_strs {
	const char **v;
	size_t n, cap;
};

/* jsonl_get_strarray() into *s: 1, 0 when absent and not required (n 0),
 * -1 on an error (*err). */
int jsonl_get_strs(json_t *obj, const char *key, int required, struct jsonl_strs *s,
                   const char *file, long lineno, struct jsonl_err *err);

/*
 * Serialise obj compactly ({"a":1,"b":[2]}; keys in insertion order, UTF-8
 * kept) followed by '\n' into a malloc'd buffer; *len gets its length. Never
 * fails except on out of memory (dies).
 */
char *jsonl_dump(const json_t *obj, size_t *len);

/*
 * A real as jsonl_dump() writes it: the shortest of %.15g, %.16g, %.17g that
 * reads back to the same double, always with a '.' or an exponent ("2.0",
 * "0.1", "1e+300"). Returns its length; buf is NUL-terminated.
 */
size_t jsonl_format_real(double v, char buf[40]);

/* Write obj as one line to fp; returns 0, or -1 with errno set on a write error. */
int jsonl_write(FILE *fp, const json_t *obj);

/* Write obj as one line to fp and release it; a write error exits 74. */
void jsonl_emit(FILE *fp, json_t *obj);

#endif
