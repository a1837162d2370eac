/*
 * unit.h - a tiny unit-test harness: header only, libc only
 *
 * A test program is one file, tests/unit/test_NAME.c, built and run by
 * "make unit". Each test is a static function; main() runs them in order:
 *
 *     #include "unit.h"
 *
 *     static void
 *     test_sum(void)
 *     {
 *             CHECK(1 + 1 == 2);
 *             CHECK_INT_EQ(strlen("ab"), 2);
 *             CHECK_STR_EQ(getenv("NOPE"), NULL);      (NULL compares too)
 *             if (!CHECK(p != NULL))                  (every CHECK returns its verdict)
 *                     return;
 *     }
 *
 *     int
 *     main(void)
 *     {
 *             RUN(test_sum);
 *             return unit_done();
 *     }
 *
 * Output is TAP on stdout: "ok 1 - test_sum", or "not ok 1 - test_sum" after
 * "# file:line: ..." lines describing each failed check; unit_done() prints
 * the plan "1..N" and returns 1 if any test failed (so main's status is
 * non-zero), else 0. A failed check does not stop its test.
 *
 * Checks:  CHECK(cond), CHECK_INT_EQ(a, b) (as long long), CHECK_UINT_EQ(a, b)
 * (as unsigned long long), CHECK_STR_EQ(a, b), CHECK_STR_HAS(haystack, needle),
 * CHECK_MEM_EQ(a, alen, b, blen). unit_skip("why") inside a test reports it as
 * "ok N - name # SKIP why".
 *
 * Files: unit_tmpdir() is a fresh directory for this test program (made on
 * first use, removed by unit_done() when every test passed, kept and named
 * otherwise); unit_path("x") is a static buffer holding "TMPDIR/x", valid until
 * the next call. unit_write_file() / unit_read_file() handle whole files.
 * unit_fmt(fmt, ...) formats into a static buffer (8 rotate) for expected
 * messages: CHECK_STR_EQ(err, unit_fmt("%s:2: bad", path)).
 *
 * Processes: unit_run(fn, arg, &res) runs fn(arg) in a forked child with its
 * stdout and stderr captured, for code that exits (die()) or is killed by a
 * signal. res.status is the exit status (fn returning gives 0) or -1 if the
 * child was killed; res.sig is the killing signal or 0; res.out and res.err
 * hold the captured text (NUL-terminated); free them with unit_child_free().
 * Under AddressSanitizer the child skips LeakSanitizer's check at exit, since
 * a program that dies leaves its memory to the kernel on purpose. msg.c's
 * prefix is "stp" unless the test calls msg_init().
 *
 *     static void
 *     load_bad(void *arg)
 *     {
 *             config_load(arg);
 *     }
 *     ...
 *             struct unit_child r;
 *
 *             unit_run(load_bad, "bad.yaml", &r);
 *             CHECK_INT_EQ(r.status, 78);
 *             CHECK_STR_EQ(r.err, "stp: bad.yaml:1:4: tags are not supported\n");
 *             unit_child_free(&r);
 *
 * Include unit.h from one .c file per test program: it holds the harness's
 * state and, under ASan, one external definition.
 */
#ifndef STP_UNIT_H
#define STP_UNIT_H

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
	int ntests;         /* tests run so far */
	int nfailed;        /* tests that failed */
	int cur_failed;     /* checks failed in the current test */
	const char *skip;   /* reason, when the current test skipped */
	int in_child;       /* we are a unit_run() child */
	char tmpdir[4096];  /* "" until unit_tmpdir() */
	char path[4096];    /* unit_path()'s result */
} unit_state __attribute__((unused));

struct unit_child {
	int status;         /* exit status, or -1 when killed by a signal */
	int sig;            /* the signal that killed the child, or 0 */
	char *out, *err;    /* captured stdout and stderr, NUL-terminated */
};

static inline int
unit_fail(const char *file, int line)
{
	unit_state.cur_failed++;
	printf("# %s:%d: ", file, line);
	return 0;
}

static inline int
unit_check(int ok, const char *file, int line, const char *expr)
{
	if (ok)
		return 1;
	unit_fail(file, line);
	printf("CHECK(%s) failed\n", expr);
	return 0;
}

static inline int
unit_check_int(long long a, long long b, const char *file, int line, const char *ea,
               const char *eb)
{
	if (a == b)
		return 1;
	unit_fail(file, line);
	printf("%s == %s failed: %lld != %lld\n", ea, eb, a, b);
	return 0;
}

static inline int
unit_check_uint(unsigned long long a, unsigned long long b, const char *file, int line,
                const char *ea, const char *eb)
{
	if (a == b)
		return 1;
	unit_fail(file, line);
	printf("%s == %s failed: %llu (0x%llx) != %llu (0x%llx)\n", ea, eb, a, a, b, b);
	return 0;
}

static inline int
unit_check_str(const char *a, const char *b, const char *file, int line, const char *ea,
               const char *eb)
{
	if ((!a && !b) || (a && b && strcmp(a, b) == 0))
		return 1;
	unit_fail(file, line);
	printf("%s == %s failed:\n#   got      \"%s\"\n#   expected \"%s\"\n", ea, eb,
	       a ? a : "(null)", b ? b : "(null)");
	return 0;
}

static inline int
unit_check_has(const char *hay, const char *needle, const char *file, int line,
               const char *eh)
{
	if (hay && needle && strstr(hay, needle))
		return 1;
	unit_fail(file, line);
	printf("%s does not contain \"%s\":\n#   \"%s\"\n", eh, needle ? needle : "(null)",
	       hay ? hay : "(null)");
	return 0;
}

static inline int
unit_check_mem(const void *a, size_t alen, const void *b, size_t blen, const char *file,
               int line, const char *ea, const char *eb)
{
	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 1;
	unit_fail(file, line);
	printf("%s == %s failed: %zu bytes vs %zu bytes\n", ea, eb, alen, blen);
	return 0;
}

#define CHECK(cond) unit_check((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_INT_EQ(a, b) \
	unit_check_int((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_UINT_EQ(a, b) \
	unit_check_uint((unsigned long long)(a), (unsigned long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR_EQ(a, b) unit_check_str((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR_HAS(hay, needle) unit_check_has((hay), (needle), __FILE__, __LINE__, #hay)
#define CHECK_MEM_EQ(a, alen, b, blen) \
	unit_check_mem((a), (alen), (b), (blen), __FILE__, __LINE__, #a, #b)

#define RUN(fn) unit_run_test(fn, #fn)

static inline void
unit_skip(const char *why)
{
	unit_state.skip = why;
}

static inline void
unit_run_test(void (*fn)(void), const char *name)
{
	unit_state.cur_failed = 0;
	unit_state.skip = NULL;
	fn();
	unit_state.ntests++;
	if (unit_state.cur_failed) {
		unit_state.nfailed++;
		printf("not ok %d - %s\n", unit_state.ntests, name);
	} else if (unit_state.skip) {
		printf("ok %d - %s # SKIP %s\n", unit_state.ntests, name, unit_state.skip);
	} else {
		printf("ok %d - %s\n", unit_state.ntests, name);
	}
	fflush(stdout);
}

/* A fresh directory for this program's files; dies (exit 99) if none can be made. */
static inline const char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (unit_state.tmpdir[0])
		return unit_state.tmpdir;
	snprintf(unit_state.tmpdir, sizeof(unit_state.tmpdir), "%s/stp-unit.XXXXXX",
	         base && *base ? base : "/tmp");
	if (!mkdtemp(unit_state.tmpdir)) {
		printf("Bail out! cannot make a temporary directory: %s\n", strerror(errno));
		exit(99);
	}
	return unit_state.tmpdir;
}

static inline const char *
unit_path(const char *name)
{
	int n = snprintf(unit_state.path, sizeof(unit_state.path), "%s/%s", unit_tmpdir(), name);

	if (n < 0 || (size_t)n >= sizeof(unit_state.path)) {
		printf("Bail out! path too long: %s/%s\n", unit_tmpdir(), name);
		exit(99);
	}
	return unit_state.path;
}

static inline const char *unit_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* printf into one of 8 rotating static buffers (4 KiB each, cut if longer). */
static inline const char *
unit_fmt(const char *fmt, ...)
{
	static char buf[8][4096];
	static int next;
	char *s = buf[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return s;
}

/* Write len bytes to path (replacing it); returns 0 or -1. */
static inline int
unit_write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok;

	if (!fp)
		return -1;
	ok = fwrite(data, 1, len, fp) == len;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

/* The whole of fp from its start, NUL-terminated; *len (if not NULL) gets its size. */
static inline char *
unit_slurp(FILE *fp, size_t *len)
{
	size_t n = 0, cap = 4096, got;
	char *buf = malloc(cap + 1);

	if (!buf)
		abort();
	rewind(fp);
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The whole of path, NUL-terminated (caller frees), or NULL when it cannot be read. */
static inline char *
unit_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *s;

	if (len)
		*len = 0;
	if (!fp)
		return NULL;
	s = unit_slurp(fp, len);
	fclose(fp);
	return s;
}

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer asks this before its check at exit. */
int __lsan_is_turned_off(void);
int
__lsan_is_turned_off(void)
{
	return unit_state.in_child;
}
#endif

/* Run fn(arg) in a child; see the top of this file. Returns 0, or -1 if fork failed. */
static inline int
unit_run(void (*fn)(void *), void *arg, struct unit_child *res)
{
	FILE *out = tmpfile(), *err = tmpfile();
	pid_t pid;
	int st;

	memset(res, 0, sizeof(*res));
	if (!out || !err) {
		printf("Bail out! tmpfile: %s\n", strerror(errno));
		exit(99);
	}
	fflush(NULL);   /* nothing buffered may be written twice */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		unit_state.in_child = 1;
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		fn(arg);
		exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st)) {
		res->status = WEXITSTATUS(st);
	} else {
		res->status = -1;
		res->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
	res->out = unit_slurp(out, NULL);
	res->err = unit_slurp(err, NULL);
	fclose(out);
	fclose(err);
	return 0;
}

static inline void
unit_child_free(struct unit_child *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

static inline int
unit_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Print the plan; remove the temporary directory if every test passed. */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit_state.ntests);
	if (unit_state.tmpdir[0]) {
		if (unit_state.nfailed)
			printf("# kept %s\n", unit_state.tmpdir);
		else
			nftw(unit_state.tmpdir, unit_rm, 16, FTW_DEPTH | FTW_PHYS);
	}
	fflush(stdout);
	return unit_state.nfailed != 0;
}

#endif
