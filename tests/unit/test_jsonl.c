/*
 * test_jsonl.c - unit tests for lib/jsonl.c
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "jscan.h"
#include "jsonl.h"
#include "msg.h"
#include "unit.h"

/* The next call's outcome, flattened for checking. */
struct got {
	int r;
	char line[1024];  /* the line (cut at 1023 bytes), or the error message */
	size_t len;
	char file[4096];
	long lineno;
	int status;
};

static struct got
next(struct jsonl_in *in)
{
	struct got g;
	const char *line = NULL, *file = NULL;
	struct jsonl_err err;

	memset(&g, 0, sizeof(g));
	memset(&err, 0, sizeof(err));
	g.r = jsonl_in_next(in, &line, &g.len, &file, &g.lineno, &err);
	if (g.r == 1) {
		snprintf(g.line, sizeof(g.line), "%.*s", (int)(g.len < 1023 ? g.len : 1023), line);
		snprintf(g.file, sizeof(g.file), "%s", file);
		/* The line is NUL-terminated in place. */
		CHECK(line[g.len] == '\0');
	} else if (g.r < 0) {
		snprintf(g.line, sizeof(g.line), "%s", err.msg);
		g.status = err.status;
	}
	return g;
}

/* Expect line text at lineno; returns the check's verdict. */
#define EXPECT_LINE(in, text, ln) do { \
	struct got g_ = next(in); \
	CHECK_INT_EQ(g_.r, 1); \
	CHECK_STR_EQ(g_.line, text); \
	CHECK_INT_EQ(g_.lineno, ln); \
} while (0)

#define EXPECT_ERR(in, st, text) do { \
	struct got g_ = next(in); \
	CHECK_INT_EQ(g_.r, -1); \
	CHECK_INT_EQ(g_.status, st); \
	CHECK_STR_EQ(g_.line, text); \
} while (0)

#define EXPECT_END(in) do { \
	struct got g_ = next(in); \
	CHECK_INT_EQ(g_.r, 0); \
	g_ = next(in); \
	CHECK_INT_EQ(g_.r, 0); \
} while (0)

static char *
write_tmp(const char *name, const char *data, size_t len)
{
	char *path = strdup(unit_path(name));

	CHECK_INT_EQ(unit_write_file(path, data, len), 0);
	return path;
}

static struct jsonl_in *
open1(const char *path, size_t max_line)
{
	char *files[1];

	files[0] = (char *)path;
	return jsonl_in_open(files, 1, max_line);
}

static void
test_lines(void)
{
	const char data[] = "{\"a\":1}\n\n   \n{\"b\":2}\r\n\t\r\n{\"c\":3}";
	char *path = write_tmp("lines.jsonl", data, sizeof(data) - 1);
	struct jsonl_in *in = open1(path, 0);
	struct got g;

	g = next(in);
	CHECK_INT_EQ(g.r, 1);
	CHECK_STR_EQ(g.line, "{\"a\":1}");
	CHECK_INT_EQ(g.len, 7);
	CHECK_STR_EQ(g.file, path);
	CHECK_INT_EQ(g.lineno, 1);
	/* Blank lines are skipped but counted; CRLF loses its '\r'. */
	g = next(in);
	CHECK_STR_EQ(g.line, "{\"b\":2}");
	CHECK_INT_EQ(g.len, 7);
	CHECK_INT_EQ(g.lineno, 4);
	/* A last line without a newline is a line. */
	EXPECT_LINE(in, "{\"c\":3}", 6);
	EXPECT_END(in);
	CHECK_INT_EQ(jsonl_in_count(in), 3);
	jsonl_in_close(in);
	free(path);
}

static void
test_empty_inputs(void)
{
	char *empty = write_tmp("empty.jsonl", "", 0);
	char *blank = write_tmp("blank.jsonl", "\n\r\n  \n", 6);
	char *files[2] = { empty, blank };
	struct jsonl_in *in = jsonl_in_open(files, 2, 0);

	EXPECT_END(in);
	CHECK_INT_EQ(jsonl_in_count(in), 0);
	jsonl_in_close(in);
	jsonl_in_close(NULL);
	free(empty);
	free(blank);
}

static void
test_several_files(void)
{
	char *a = write_tmp("a.jsonl", "{\"x\":1}\n{\"x\":2}\n", 16);
	char *b = write_tmp("b.jsonl", "\n{\"y\":1}\n", 9);
	char *files[3] = { a, (char *)"nope.jsonl", b };
	struct jsonl_in *in = jsonl_in_open(files, 3, 0);
	struct got g;

	EXPECT_LINE(in, "{\"x\":1}", 1);
	EXPECT_LINE(in, "{\"x\":2}", 2);
	/* An unreadable file is an error, then the reader goes on. */
	EXPECT_ERR(in, EX_NOINPUT, "cannot open 'nope.jsonl': No such file or directory");
	g = next(in);
	CHECK_INT_EQ(g.r, 1);
	CHECK_STR_EQ(g.line, "{\"y\":1}");
	CHECK_STR_EQ(g.file, b);
	CHECK_INT_EQ(g.lineno, 2);
	EXPECT_END(in);
	CHECK_INT_EQ(jsonl_in_count(in), 3);
	jsonl_in_close(in);
	free(a);
	free(b);
}

static void
test_directory(void)
{
	struct jsonl_in *in = open1(unit_tmpdir(), 0);
	const char *want;

	want = unit_fmt("cannot open '%s': Is a directory", unit_tmpdir());
	EXPECT_ERR(in, EX_NOINPUT, want);
	EXPECT_END(in);
	jsonl_in_close(in);
}

/* A read error (EIO: offset 0 of /proc/self/mem is never mapped) is EX_IOERR. */
static void
test_read_error(void)
{
	struct jsonl_in *in = open1("/proc/self/mem", 0);

	if (access("/proc/self/mem", R_OK) != 0) {
		unit_skip("no /proc/self/mem");
		jsonl_in_close(in);
		return;
	}
	EXPECT_ERR(in, EX_IOERR, "/proc/self/mem:1: read error: Input/output error");
	EXPECT_END(in);
	jsonl_in_close(in);
}

/* Read "-" and no files at all from a stdin that is a file. */
static void
test_stdin(void)
{
	char *path = write_tmp("stdin.jsonl", "{\"s\":1}\n{\"s\":2}\n", 16);
	int saved = dup(0), fd = open(path, O_RDONLY);
	char *dash[1] = { (char *)"-" };
	struct jsonl_in *in;
	struct got g;

	dup2(fd, 0);
	close(fd);
	in = jsonl_in_open(NULL, 0, 0);
	g = next(in);
	CHECK_INT_EQ(g.r, 1);
	CHECK_STR_EQ(g.file, "<stdin>");
	CHECK_STR_EQ(g.line, "{\"s\":1}");
	jsonl_in_close(in);

	/* stdin stays open after the reader closes: "-" reads on where we stopped
	 * (the first reader may have buffered the rest, so just no error). */
	in = jsonl_in_open(dash, 1, 0);
	g = next(in);
	CHECK(g.r >= 0);
	jsonl_in_close(in);
	CHECK(fcntl(0, F_GETFD) != -1);

	dup2(saved, 0);
	close(saved);
	free(path);
}

static int
write_gz(const char *path, const char *data, size_t len)
{
	gzFile gz = gzopen(path, "wb6");

	if (!gz)
		return -1;
	if (len && gzwrite(gz, data, (unsigned)len) != (int)len) {
		gzclose(gz);
		return -1;
	}
	return gzclose(gz) == Z_OK ? 0 : -1;
}

/* n lines of the form {"i":N,"pad":"..."}; caller frees. */
static char *
make_records(int n, size_t *len)
{
	size_t cap = (size_t)n * 64 + 1, used = 0;
	char *s = malloc(cap);
	int i;

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used,
		                         "{\"i\":%d,\"pad\":\"%08x-%d\"}\n", i,
		                         (unsigned)i * 2654435761u, i % 7);
	*len = used;
	return s;
}

static void
test_gzip(void)
{
	size_t len;
	char *data = make_records(1000, &len);
	char *plain = write_tmp("recs.jsonl", data, len);
	char *gz = strdup(unit_path("recs.jsonl.gz"));
	struct jsonl_in *a, *b;
	struct got ga, gb;
	int n = 0;

	CHECK_INT_EQ(write_gz(gz, data, len), 0);
	a = open1(plain, 0);
	b = open1(gz, 0);
	for (;;) {
		ga = next(a);
		gb = next(b);
		CHECK_INT_EQ(ga.r, gb.r);
		if (ga.r != 1 || gb.r != 1)
			break;
		CHECK_STR_EQ(ga.line, gb.line);
		CHECK_INT_EQ(ga.lineno, gb.lineno);
		n++;
	}
	CHECK_INT_EQ(ga.r, 0);
	CHECK_INT_EQ(n, 1000);
	jsonl_in_close(a);
	jsonl_in_close(b);
	free(data);
	free(plain);
	free(gz);
}

/* Read to the end; returns the number of good lines, *last the last error. */
static int
drain(struct jsonl_in *in, struct got *last)
{
	struct got g;
	int n = 0, guard;

	memset(last, 0, sizeof(*last));
	for (guard = 0; guard < 1000000; guard++) {
		g = next(in);
		if (g.r == 0)
			break;
		if (g.r == 1)
			n++;
		else
			*last = g;
	}
	return n;
}

static void
test_gzip_truncated(void)
{
	size_t len, gzlen = 0;
	char *data = make_records(2000, &len);
	char *gz = strdup(unit_path("trunc.jsonl.gz"));
	char *bytes;
	const char *want;
	struct jsonl_in *in;
	struct got last;
	int n;

	CHECK_INT_EQ(write_gz(gz, data, len), 0);
	bytes = unit_read_file(gz, &gzlen);
	/* Cut into the 8-byte trailer: all the data is there, the check is not. */
	CHECK_INT_EQ(unit_write_file(gz, bytes, gzlen - 3), 0);
	in = open1(gz, 0);
	n = drain(in, &last);
	CHECK_INT_EQ(n, 2000);
	want = unit_fmt("%s:2001: truncated gzip stream", gz);
	CHECK_STR_EQ(last.line, want);
	CHECK_INT_EQ(last.status, EX_DATAERR);
	jsonl_in_close(in);

	/* Cut in the middle: the lines before come out, then the error. */
	CHECK_INT_EQ(unit_write_file(gz, bytes, gzlen / 2), 0);
	in = open1(gz, 0);
	n = drain(in, &last);
	CHECK(n > 0 && n < 2000);
	want = unit_fmt("%s:%d: truncated gzip stream", gz, n + 1);
	CHECK_STR_EQ(last.line, want);
	jsonl_in_close(in);

	free(bytes);
	free(data);
	free(gz);
}

static void
test_gzip_corrupt(void)
{
	size_t len, gzlen = 0;
	char *data = make_records(2000, &len);
	char *gz = strdup(unit_path("corrupt.jsonl.gz"));
	char *b = strdup(unit_path("after.jsonl"));
	char *bytes;
	const char *want;
	char *files[2] = { gz, b };
	struct jsonl_in *in;
	struct got last, g;

	CHECK_INT_EQ(write_gz(gz, data, len), 0);
	CHECK_INT_EQ(unit_write_file(b, "{\"after\":1}\n", 12), 0);
	bytes = unit_read_file(gz, &gzlen);
	bytes[gzlen / 2] ^= 0x55;
	CHECK_INT_EQ(unit_write_file(gz, bytes, gzlen), 0);
	in = jsonl_in_open(files, 2, 0);
	for (;;) {
		g = next(in);
		if (g.r < 0)
			last = g;
		if (g.r <= 0)
			break;
	}
	want = unit_fmt("%s:", gz);
	CHECK(strncmp(last.line, want, strlen(want)) == 0);
	CHECK_STR_HAS(last.line, ": corrupt gzip data (");
	CHECK_INT_EQ(last.status, EX_DATAERR);
	/* The next file is still read. */
	EXPECT_LINE(in, "{\"after\":1}", 1);
	EXPECT_END(in);
	jsonl_in_close(in);

	/* A gzip header and then garbage. */
	CHECK_INT_EQ(unit_write_file(gz, "\x1f\x8b\x08\x00garbage-garbage-garbage", 27), 0);
	in = open1(gz, 0);
	drain(in, &last);
	want = unit_fmt("%s:1: corrupt gzip data (", gz);
	CHECK(strncmp(last.line, want, strlen(want)) == 0);
	jsonl_in_close(in);

	/* A good stream, then bytes that are not gzip (zlib's gzread ignores
	 * them); two members one after another are fine */
	{
		size_t glen;
		char *one, *two;
		CHECK_INT_EQ(write_gz(gz, "{\"a\":1}\n", 8), 0);
		one = unit_read_file(gz, &glen);
		two = malloc(2 * glen + 16);
		memcpy(two, one, glen);
		memcpy(two + glen, "trailing junk\n", 14);
		CHECK_INT_EQ(unit_write_file(gz, two, glen + 14), 0);
		in = open1(gz, 0);
		EXPECT_LINE(in, "{\"a\":1}", 1);
		drain(in, &last);
		CHECK_STR_HAS(last.line, ":2: corrupt gzip data (bytes after the gzip stream that are "
		              "not gzip data)");
		CHECK_INT_EQ(last.status, EX_DATAERR);
		jsonl_in_close(in);
		memcpy(two + glen, one, glen);
		CHECK_INT_EQ(unit_write_file(gz, two, 2 * glen), 0);
		in = open1(gz, 0);
		EXPECT_LINE(in, "{\"a\":1}", 1);
		EXPECT_LINE(in, "{\"a\":1}", 2);
		EXPECT_END(in);
		jsonl_in_close(in);
		free(one);
		free(two);
	}

	free(bytes);
	free(data);
	free(gz);
	free(b);
}

/* Build short, long (n bytes of 'x' in a JSON string), short. */
static char *
with_long_line(size_t n, const char *eol, int final_newline, size_t *len)
{
	char *s = malloc(n + 64);
	size_t k = 0;

	k += (size_t)sprintf(s + k, "{\"n\":1}%s", eol);
	s[k++] = '"';
	memset(s + k, 'x', n - 2);
	k += n - 2;
	s[k++] = '"';
	k += (size_t)sprintf(s + k, "%s{\"n\":3}%s", eol, final_newline ? eol : "");
	*len = k;
	return s;
}

static void
test_long_line(void)
{
	size_t len, ten = 10u << 20;
	char *data = with_long_line(ten, "\n", 1, &len);
	char *path = write_tmp("long.jsonl", data, len);
	const char *want;
	struct jsonl_in *in;
	struct got g;

	/* Smaller than the line: rejected with its place, the next line still reads. */
	in = open1(path, 1000);
	EXPECT_LINE(in, "{\"n\":1}", 1);
	want = unit_fmt("%s:2: line longer than 1000 bytes", path);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_LINE(in, "{\"n\":3}", 3);
	EXPECT_END(in);
	CHECK_INT_EQ(jsonl_in_count(in), 2);
	jsonl_in_close(in);

	/* The default (4 MiB) rejects it too. */
	in = open1(path, 0);
	EXPECT_LINE(in, "{\"n\":1}", 1);
	want = unit_fmt("%s:2: line longer than %u bytes", path,
	         JSONL_MAX_LINE_DEFAULT);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_LINE(in, "{\"n\":3}", 3);
	jsonl_in_close(in);

	/* A limit above it lets it through whole. */
	in = open1(path, 16u << 20);
	EXPECT_LINE(in, "{\"n\":1}", 1);
	g = next(in);
	CHECK_INT_EQ(g.r, 1);
	CHECK_INT_EQ(g.len, ten);
	CHECK_INT_EQ(g.lineno, 2);
	EXPECT_LINE(in, "{\"n\":3}", 3);
	EXPECT_END(in);
	jsonl_in_close(in);
	free(data);
	free(path);

	/* Long last line without a newline, in gzip. */
	data = with_long_line(ten, "\n", 0, &len);
	data[len - 8] = '\0';   /* drop the "{"n":3}" line: the long one is last */
	len -= 8;
	path = strdup(unit_path("long.jsonl.gz"));
	CHECK_INT_EQ(write_gz(path, data, len), 0);
	in = open1(path, 4096);
	EXPECT_LINE(in, "{\"n\":1}", 1);
	want = unit_fmt("%s:2: line longer than 4096 bytes", path);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_END(in);
	jsonl_in_close(in);
	free(data);
	free(path);
}

/* Exactly max_line is fine, with or without '\r'; one more byte is not. */
static void
test_line_limit_edges(void)
{
	const char data[] = "12345\n123456\n12345\r\n123456\r\n";
	char *path = write_tmp("edge.jsonl", data, sizeof(data) - 1);
	struct jsonl_in *in = open1(path, 5);
	const char *want;

	EXPECT_LINE(in, "12345", 1);
	want = unit_fmt("%s:2: line longer than 5 bytes", path);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_LINE(in, "12345", 3);
	want = unit_fmt("%s:4: line longer than 5 bytes", path);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_END(in);
	jsonl_in_close(in);
	free(path);
}

static void
test_nul_byte(void)
{
	const char data[] = "{\"a\":1}\n{\"a\0\":2}\n{\"a\":3}\n";
	char *path = write_tmp("nul.jsonl", data, sizeof(data) - 1);
	struct jsonl_in *in = open1(path, 0);
	const char *want;

	EXPECT_LINE(in, "{\"a\":1}", 1);
	want = unit_fmt("%s:2: NUL byte at column 4", path);
	EXPECT_ERR(in, EX_DATAERR, want);
	EXPECT_LINE(in, "{\"a\":3}", 3);
	EXPECT_END(in);
	jsonl_in_close(in);
	free(path);
}

/* Lines that straddle the reader's buffer refills come out whole. */
static void
test_buffer_boundaries(void)
{
	size_t cap = 3u << 20, len = 0, i;
	char *data = malloc(cap), *path;
	struct jsonl_in *in;
	struct got g;
	long n = 0, bad = 0;

	for (i = 0; len + 2000 < cap; i++) {
		size_t w = 1 + (i * 7919) % 1500;
		memset(data + len, 'a' + (int)(i % 26), w);
		len += w;
		data[len++] = '\n';
	}
	path = write_tmp("bound.jsonl", data, len);
	in = open1(path, 0);
	for (i = 0; ; i++) {
		g = next(in);
		if (g.r != 1)
			break;
		n++;
		if (g.len != 1 + (i * 7919) % 1500 || g.line[0] != 'a' + (int)(i % 26))
			bad++;
	}
	CHECK_INT_EQ(g.r, 0);
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(n, (long)i);
	jsonl_in_close(in);
	free(data);
	free(path);
}

static json_t *
parse(const char *s, struct jsonl_err *err)
{
	memset(err, 0, sizeof(*err));
	return jsonl_parse(s, strlen(s), "f.jsonl", 3, err);
}

#define EXPECT_PARSE_ERR(text, want) do { \
	struct jsonl_err e_; \
	json_t *v_ = parse(text, &e_); \
	CHECK(v_ == NULL); \
	CHECK_INT_EQ(e_.status, EX_DATAERR); \
	CHECK_STR_EQ(e_.msg, want); \
	json_decref(v_); \
} while (0)

static void
test_parse(void)
{
	struct jsonl_err err;
	json_t *v = parse("{\"a\":1,\"b\":[2]}", &err);

	CHECK(json_is_object(v));
	CHECK_INT_EQ(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	/* Only len bytes are parsed. */
	v = jsonl_parse("{\"a\":1}garbage", 7, "f", 1, &err);
	CHECK(json_is_object(v));
	json_decref(v);

	EXPECT_PARSE_ERR("{\"a\":",
	                 "f.jsonl:3: invalid JSON: unexpected token near end of file (column 5)");
	EXPECT_PARSE_ERR("{\"a\":1,\"a\":2}",
	                 "f.jsonl:3: invalid JSON: duplicate object key near '\"a\"' (column 10)");
	EXPECT_PARSE_ERR("{\"a\":1} x",
	                 "f.jsonl:3: invalid JSON: end of file expected near 'x' (column 9)");
	EXPECT_PARSE_ERR("{a:1}",
	                 "f.jsonl:3: invalid JSON: string or '}' expected near 'a' (column 2)");
	EXPECT_PARSE_ERR("{\"a\":\"\xff\"}",
	                 "f.jsonl:3: invalid JSON: unable to decode byte 0xff near '\"' (column 6)");
	EXPECT_PARSE_ERR("{\"a\":\"\\u0000\"}",
	                 "f.jsonl:3: invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL "
	                 "near '\"\\u0000\"' (column 13)");
	EXPECT_PARSE_ERR("[1,2]", "f.jsonl:3: expected a JSON object");
	EXPECT_PARSE_ERR("3", "f.jsonl:3: expected a JSON object");
	EXPECT_PARSE_ERR("\"s\"", "f.jsonl:3: expected a JSON object");
	EXPECT_PARSE_ERR("null", "f.jsonl:3: expected a JSON object");
	/* jsonl_in_next() never hands out a blank line, but a caller might. */
	EXPECT_PARSE_ERR("", "f.jsonl:3: invalid JSON: unexpected token near end of file (column 0)");

	/* err may be NULL. */
	CHECK(jsonl_parse("[", 1, "f", 1, NULL) == NULL);
}

static void
test_getters(void)
{
	struct jsonl_err err;
	json_t *o = parse("{\"s\":\"x\",\"i\":-7,\"r\":2.5,\"t\":true,\"f\":false,\"z\":null,"
	                  "\"l\":[\"a\",\"b\"],\"e\":[],\"m\":[\"a\",1],\"big\":9007199254740993}",
	                  &err);
	const char *s = "untouched";
	long long i = 42;
	double d = 0;
	int b = 5;
	json_t *arr = NULL;

	if (!CHECK(o != NULL))
		return;
	CHECK_INT_EQ(jsonl_get_str(o, "s", 1, &s, "f", 9, &err), 1);
	CHECK_STR_EQ(s, "x");
	CHECK_INT_EQ(jsonl_get_int(o, "i", 1, &i, "f", 9, &err), 1);
	CHECK_INT_EQ(i, -7);
	CHECK_INT_EQ(jsonl_get_int(o, "big", 1, &i, "f", 9, &err), 1);
	CHECK_INT_EQ(i, 9007199254740993LL);
	CHECK_INT_EQ(jsonl_get_num(o, "r", 1, &d, "f", 9, &err), 1);
	CHECK(d == 2.5);
	CHECK_INT_EQ(jsonl_get_num(o, "i", 1, &d, "f", 9, &err), 1);
	CHECK(d == -7.0);
	CHECK_INT_EQ(jsonl_get_bool(o, "t", 1, &b, "f", 9, &err), 1);
	CHECK_INT_EQ(b, 1);
	CHECK_INT_EQ(jsonl_get_bool(o, "f", 1, &b, "f", 9, &err), 1);
	CHECK_INT_EQ(b, 0);
	CHECK_INT_EQ(jsonl_get_strarray(o, "l", 1, &arr, "f", 9, &err), 1);
	CHECK_INT_EQ(json_array_size(arr), 2);
	CHECK_INT_EQ(jsonl_get_strarray(o, "e", 1, &arr, "f", 9, &err), 1);
	CHECK_INT_EQ(json_array_size(arr), 0);

	/* Absent and null: 0 when optional, out untouched. */
	s = "untouched";
	CHECK_INT_EQ(jsonl_get_str(o, "nope", 0, &s, "f", 9, &err), 0);
	CHECK_INT_EQ(jsonl_get_str(o, "z", 0, &s, "f", 9, &err), 0);
	CHECK_STR_EQ(s, "untouched");

	/* Required and absent. */
	memset(&err, 0, sizeof(err));
	CHECK_INT_EQ(jsonl_get_str(o, "proof", 1, &s, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'proof': missing");
	CHECK_INT_EQ(err.status, EX_DATAERR);
	CHECK_INT_EQ(jsonl_get_int(o, "z", 1, &i, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'z': missing");

	/* Mistyped, required or not. */
	CHECK_INT_EQ(jsonl_get_str(o, "i", 0, &s, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'i': expected a string");
	CHECK_INT_EQ(jsonl_get_int(o, "r", 1, &i, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'r': expected an integer");
	CHECK_INT_EQ(jsonl_get_int(o, "s", 0, &i, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 's': expected an integer");
	CHECK_INT_EQ(jsonl_get_num(o, "t", 1, &d, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 't': expected a number");
	CHECK_INT_EQ(jsonl_get_bool(o, "i", 1, &b, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'i': expected a boolean");
	CHECK_INT_EQ(jsonl_get_strarray(o, "m", 1, &arr, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 'm': expected an array of strings");
	CHECK_INT_EQ(jsonl_get_strarray(o, "s", 1, &arr, "a.jsonl", 2, &err), -1);
	CHECK_STR_EQ(err.msg, "a.jsonl:2: field 's': expected an array of strings");
	CHECK_INT_EQ(i, 9007199254740993LL);   /* untouched by the failures */
	json_decref(o);
}

static void
test_dump(void)
{
	json_t *o = json_object();
	size_t len;
	char *s;

	json_object_set_new(o, "a", json_integer(1));
	json_object_set_new(o, "b", json_pack("[i]", 2));
	s = jsonl_dump(o, &len);
	CHECK_STR_EQ(s, "{\"a\":1,\"b\":[2]}\n");
	CHECK_INT_EQ(len, strlen(s));
	free(s);

	/* Insertion order, UTF-8 as is, escapes as JSON needs. */
	json_object_clear(o);
	json_object_set_new(o, "z", json_string("\xce\xbb \xe2\x8a\xa2"));
	json_object_set_new(o, "a", json_string("q\"b\\n\n\t/\x01"));
	json_object_set_new(o, "m", json_pack("{s:b,s:n,s:f}", "t", 1, "n", "r", 0.5));
	s = jsonl_dump(o, NULL);
	CHECK_STR_EQ(s, "{\"z\":\"\xce\xbb \xe2\x8a\xa2\",\"a\":\"q\\\"b\\\\n\\n\\t/\\u0001\","
	                "\"m\":{\"t\":true,\"n\":null,\"r\":0.5}}\n");
	free(s);

	/* Round trip through the parser. */
	s = jsonl_dump(o, &len);
	{
		struct jsonl_err err;
		json_t *back = jsonl_parse(s, len - 1, "f", 1, &err);

		CHECK(back && json_equal(back, o));
		json_decref(back);
	}
	free(s);
	json_decref(o);
}

/* Every ASCII byte as JSON writes it: the short escapes, \u00XX for the
 * other control characters, '"' and '\\' escaped, the rest as is; the same
 * from jsonl_dump and jscan_put_string (one writer). A string as the whole
 * value, of lengths around the first buffer's size, ends with its '\n'. */
static void
test_dump_escapes(void)
{
	char in[128], want[1024], *s, *got = NULL;
	size_t n = 0, len = 0, cap = 0;
	json_t *j;

	want[n++] = '"';
	for (int c = 1; c < 128; c++) {
		in[c - 1] = (char)c;
		switch (c) {
		case '"': n += (size_t)sprintf(want + n, "\\\""); break;
		case '\\': n += (size_t)sprintf(want + n, "\\\\"); break;
		case '\b': n += (size_t)sprintf(want + n, "\\b"); break;
		case '\f': n += (size_t)sprintf(want + n, "\\f"); break;
		case '\n': n += (size_t)sprintf(want + n, "\\n"); break;
		case '\r': n += (size_t)sprintf(want + n, "\\r"); break;
		case '\t': n += (size_t)sprintf(want + n, "\\t"); break;
		default:
			if (c < 0x20)
				n += (size_t)sprintf(want + n, "\\u%04x", c);
			else
				want[n++] = (char)c;
		}
	}
	want[n++] = '"';
	want[n] = '\0';
	jscan_put_string(in, 127, &got, &len, &cap);
	CHECK_MEM_EQ(got, len, want, n);
	j = json_stringn(in, 127);
	s = jsonl_dump(j, &len);
	want[n++] = '\n';
	want[n] = '\0';
	CHECK_STR_EQ(s, want);
	free(s);
	json_decref(j);
	free(got);

	for (size_t k = 240; k < 272; k++) {
		char *t = xmalloc(k + 1);
		memset(t, 'x', k);
		t[k] = '\0';
		j = json_string(t);
		s = jsonl_dump(j, &len);
		CHECK_INT_EQ(len, k + 3);
		CHECK(s[0] == '"' && memcmp(s + 1, t, k) == 0 && strcmp(s + 1 + k, "\"\n") == 0);
		free(s);
		json_decref(j);
		free(t);
	}
}

static void
test_write(void)
{
	FILE *fp = tmpfile();
	json_t *o = json_pack("{s:i}", "k", 7);
	char *s;

	CHECK_INT_EQ(jsonl_write(fp, o), 0);
	CHECK_INT_EQ(jsonl_write(fp, o), 0);
	s = unit_slurp(fp, NULL);
	CHECK_STR_EQ(s, "{\"k\":7}\n{\"k\":7}\n");
	free(s);
	fclose(fp);

	/* Unbuffered on a full device, the error shows at once. */
	fp = fopen("/dev/full", "w");
	if (fp) {
		setvbuf(fp, NULL, _IONBF, 0);
		errno = 0;
		CHECK_INT_EQ(jsonl_write(fp, o), -1);
		CHECK_INT_EQ(errno, ENOSPC);
		fclose(fp);
	}
	json_decref(o);
}

/* Not a benchmark, a guard against per-byte reading: report the rate. */
static void
test_speed(void)
{
	size_t len;
	char *data = make_records(200000, &len);
	char *path = write_tmp("speed.jsonl", data, len);
	struct jsonl_in *in = open1(path, 0);
	const char *line, *file;
	size_t n;
	long lineno, count = 0;
	struct jsonl_err err;
	double t = now_seconds();

	while (jsonl_in_next(in, &line, &n, &file, &lineno, &err) == 1)
		count++;
	t = now_seconds() - t;
	CHECK_INT_EQ(count, 200000);
	printf("# read %ld lines (%zu bytes) in %.3f s: %.0f lines/s\n", count, len, t,
	       t > 0 ? count / t : 0.0);
	jsonl_in_close(in);
	free(data);
	free(path);
}

/* jsonl_in_open1 and jsonl_in_read: the lines of one file, with where they are */
static void
test_read_line(void)
{
	const char data[] = "{\"a\":1}\n\n{\"b\":22}\n";
	char *path = write_tmp("read.jsonl", data, sizeof(data) - 1);
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_line l;
	struct jsonl_err err;

	CHECK_INT_EQ(jsonl_in_read(in, &l, &err), 1);
	CHECK_INT_EQ((int)l.len, 7);
	CHECK(strncmp(l.text, "{\"a\":1}", 7) == 0);
	CHECK_STR_EQ(l.file, path);
	CHECK_INT_EQ((int)l.lineno, 1);
	CHECK_INT_EQ(jsonl_in_read(in, &l, &err), 1);
	CHECK_INT_EQ((int)l.len, 8);
	CHECK_INT_EQ((int)l.lineno, 3);
	CHECK_INT_EQ(jsonl_in_read(in, &l, &err), 0);
	jsonl_in_close(in);
	free(path);
}

/* jsonl_in_object: objects with their place; a line that is not an object
 * is 1 with no object and the error naming it, and the next line follows */
static void
test_read_object(void)
{
	const char data[] = "{\"a\":1}\n[2]\n{\"b\":\"x\"}\n";
	char *path = write_tmp("object.jsonl", data, sizeof(data) - 1);
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_line l;
	struct jsonl_err err;
	json_t *o;

	CHECK_INT_EQ(jsonl_in_object(in, &l, &o, &err), 1);
	CHECK(o && json_integer_value(json_object_get(o, "a")) == 1);
	json_decref(o);
	CHECK_INT_EQ(jsonl_in_object(in, &l, &o, &err), 1);
	CHECK(o == NULL);
	CHECK_INT_EQ((int)l.lineno, 2);
	CHECK_INT_EQ(err.status, EX_DATAERR);
	CHECK(strstr(err.msg, ":2:") != NULL);
	CHECK_INT_EQ(jsonl_in_object(in, &l, &o, &err), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(o, "b")), "x");
	json_decref(o);
	CHECK_INT_EQ(jsonl_in_object(in, &l, &o, &err), 0);
	CHECK(o == NULL);
	jsonl_in_close(in);
	free(path);
}

/* jsonl_get_strs: the strings in order and NULL after them; absent is 0
 * with none; a number among them is an error naming the field */
static void
test_get_strs(void)
{
	struct jsonl_err err;
	struct jsonl_strs s = { NULL, 0, 0 };
	json_t *o = jsonl_parse("{\"h\":[\"a\",\"b\"],\"e\":[],\"x\":[1]}", 30, "f", 3, &err);

	if (!CHECK(o != NULL))
		return;
	CHECK_INT_EQ(jsonl_get_strs(o, "h", 1, &s, "f", 3, &err), 1);
	CHECK_INT_EQ((int)s.n, 2);
	CHECK_STR_EQ(s.v[0], "a");
	CHECK_STR_EQ(s.v[1], "b");
	CHECK(s.v[2] == NULL);
	CHECK_INT_EQ(jsonl_get_strs(o, "e", 1, &s, "f", 3, &err), 1);
	CHECK_INT_EQ((int)s.n, 0);
	CHECK_INT_EQ(jsonl_get_strs(o, "none", 0, &s, "f", 3, &err), 0);
	CHECK_INT_EQ((int)s.n, 0);
	CHECK(s.v[0] == NULL);
	CHECK_INT_EQ(jsonl_get_strs(o, "x", 0, &s, "f", 3, &err), -1);
	CHECK(strstr(err.msg, "f:3: field 'x'") != NULL);
	CHECK_INT_EQ(jsonl_get_strs(o, "none", 1, &s, "f", 3, &err), -1);
	free(s.v);
	json_decref(o);
}

int
main(int argc, char **argv)
{
	msg_init(argv[0]);
	RUN(test_lines);
	RUN(test_read_line);
	RUN(test_read_object);
	RUN(test_get_strs);
	RUN(test_empty_inputs);
	RUN(test_several_files);
	RUN(test_directory);
	RUN(test_read_error);
	RUN(test_stdin);
	RUN(test_gzip);
	RUN(test_gzip_truncated);
	RUN(test_gzip_corrupt);
	RUN(test_long_line);
	RUN(test_line_limit_edges);
	RUN(test_nul_byte);
	RUN(test_buffer_boundaries);
	RUN(test_parse);
	RUN(test_getters);
	RUN(test_dump);
	RUN(test_dump_escapes);
	RUN(test_write);
	RUN(test_speed);
	return unit_done();
}
