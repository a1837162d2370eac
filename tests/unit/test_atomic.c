/*
 * test_atomic.c - unit tests for lib/atomic.c
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "msg.h"
#include "unit.h"

/* Number of entries in dir whose name contains ".tmp." (our temporaries). */
static int
count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

/* A fresh, empty directory under the test's tmpdir. */
static char *
fresh_dir(const char *name)
{
	char *dir = strdup(unit_path(name));

	CHECK_INT_EQ(mkdir(dir, 0777), 0);
	return dir;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
test_commit(void)
{
	char *dir = fresh_dir("commit");
	char *path = strdup(unit_fmt("%s/out.jsonl", dir));
	struct atomic_file af;
	char *s, *slash;

	atomic_open(&af, path);
	CHECK_STR_EQ(af.path, path);
	/* The temporary sits beside the target: DIR/.NAME.tmp.PID.N */
	slash = strrchr(af.tmp, '/');
	CHECK(slash && strncmp(af.tmp, dir, strlen(dir)) == 0 && slash == af.tmp + strlen(dir));
	CHECK_STR_HAS(af.tmp, unit_fmt("/.out.jsonl.tmp.%ld.", (long)getpid()));
	CHECK(exists(af.tmp));
	CHECK(!exists(path));
	fputs("{\"a\":1}\n", af.fp);
	CHECK(!exists(path));
	atomic_commit(&af);
	CHECK(af.tmp == NULL && af.path == NULL && af.fp == NULL);
	s = unit_read_file(path, NULL);
	CHECK_STR_EQ(s, "{\"a\":1}\n");
	free(s);
	CHECK_INT_EQ(count_tmp(dir), 0);

	/* Committing again replaces the file. */
	atomic_open(&af, path);
	fputs("new\n", af.fp);
	atomic_commit(&af);
	s = unit_read_file(path, NULL);
	CHECK_STR_EQ(s, "new\n");
	free(s);
	CHECK_INT_EQ(count_tmp(dir), 0);
	/* Abort after commit is a no-op. */
	atomic_abort(&af);
	CHECK(exists(path));
	free(path);
	free(dir);
}

static void
test_abort(void)
{
	char *dir = fresh_dir("abort");
	char *path = strdup(unit_fmt("%s/keep.txt", dir));
	struct atomic_file af, zero;
	char *s, *tmp;

	CHECK_INT_EQ(unit_write_file(path, "old\n", 4), 0);
	atomic_open(&af, path);
	tmp = strdup(af.tmp);
	fputs("half-written", af.fp);
	atomic_abort(&af);
	CHECK(!exists(tmp));
	CHECK(af.tmp == NULL && af.fp == NULL);
	s = unit_read_file(path, NULL);
	CHECK_STR_EQ(s, "old\n");
	free(s);
	atomic_abort(&af);   /* twice: no-op */
	memset(&zero, 0, sizeof(zero));
	atomic_abort(&zero);
	CHECK_INT_EQ(count_tmp(dir), 0);
	free(tmp);
	free(path);
	free(dir);
}

/* A relative name: the temporary is in the current directory. */
static void
test_relative(void)
{
	char *dir = fresh_dir("relative");
	char *cwd = getcwd(NULL, 0);
	struct atomic_file af;

	CHECK_INT_EQ(chdir(dir), 0);
	atomic_open(&af, "plain.txt");
	CHECK(strncmp(af.tmp, ".plain.txt.tmp.", 15) == 0);
	fputs("x", af.fp);
	atomic_commit(&af);
	CHECK(exists("plain.txt"));
	CHECK_INT_EQ(count_tmp("."), 0);
	CHECK_INT_EQ(chdir(cwd), 0);
	free(cwd);
	free(dir);
}

static void
test_many_open(void)
{
	char *dir = fresh_dir("many");
	struct atomic_file af[20];
	int i;

	for (i = 0; i < 20; i++) {
		atomic_open(&af[i], unit_fmt("%s/f%d", dir, i));
		fprintf(af[i].fp, "%d\n", i);
	}
	CHECK_INT_EQ(count_tmp(dir), 20);
	for (i = 0; i < 20; i++)
		if (i % 2)
			atomic_commit(&af[i]);
		else
			atomic_abort(&af[i]);
	CHECK_INT_EQ(count_tmp(dir), 0);
	for (i = 0; i < 20; i++)
		CHECK_INT_EQ(exists(unit_fmt("%s/f%d", dir, i)), i % 2);
	free(dir);
}

/* Children: each gets the path through arg. */

static void
child_open(void *arg)
{
	struct atomic_file af;

	atomic_open(&af, arg);
	atomic_commit(&af);
}

static void
test_cannot_create(void)
{
	struct unit_child r;
	char *path = strdup(unit_path("no/such/dir/out.txt"));

	unit_run(child_open, path, &r);
	CHECK_INT_EQ(r.status, EX_CANTCREAT);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot create '%s': No such file or directory\n", path));
	unit_child_free(&r);

	unit_run(child_open, (char *)"dir/", &r);
	CHECK_INT_EQ(r.status, EX_CANTCREAT);
	CHECK_STR_EQ(r.err, "stp: cannot create 'dir/': Is a directory\n");
	unit_child_free(&r);
	free(path);
}

static void
child_write_commit(void *arg)
{
	struct atomic_file af;

	atomic_open(&af, arg);
	fputs("data\n", af.fp);
	atomic_commit(&af);
}

/* rename() fails when the target is a directory: 74, and no temporary left. */
static void
test_rename_fails(void)
{
	char *dir = fresh_dir("renamefail");
	char *target = strdup(unit_fmt("%s/target", dir));
	struct unit_child r;

	CHECK_INT_EQ(mkdir(target, 0777), 0);
	unit_run(child_write_commit, target, &r);
	CHECK_INT_EQ(r.status, EX_IOERR);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot write '%s': Is a directory\n", target));
	CHECK_INT_EQ(count_tmp(dir), 0);
	unit_child_free(&r);
	free(target);
	free(dir);
}

/* A full disk, played by RLIMIT_FSIZE: write() fails with EFBIG. */
static void
child_disk_full(void *arg)
{
	struct rlimit rl = { 4096, 4096 };
	struct atomic_file af;
	char buf[1000];
	int i;

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
	memset(buf, 'x', sizeof(buf));
	atomic_open(&af, arg);
	for (i = 0; i < 100; i++)
		fwrite(buf, 1, sizeof(buf), af.fp);
	atomic_commit(&af);
}

static void
test_disk_full(void)
{
	char *dir = fresh_dir("full");
	char *target = strdup(unit_fmt("%s/big", dir));
	struct unit_child r;

	unit_run(child_disk_full, target, &r);
	CHECK_INT_EQ(r.status, EX_IOERR);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot write '%s': File too large\n", target));
	CHECK(!exists(target));
	CHECK_INT_EQ(count_tmp(dir), 0);
	unit_child_free(&r);
	free(target);
	free(dir);
}

/* An uncommitted file at exit() or die() leaves nothing. */
static void
child_exit_uncommitted(void *arg)
{
	struct atomic_file af;

	atomic_open(&af, arg);
	fputs("partial", af.fp);
	exit(3);
}

static void
child_die_uncommitted(void *arg)
{
	struct atomic_file af;

	atomic_open(&af, arg);
	fputs("partial", af.fp);
	die(EX_DATAERR, "x.jsonl:1: invalid JSON");
}

static void
test_exit_cleans(void)
{
	char *dir = fresh_dir("exit");
	char *target = strdup(unit_fmt("%s/out", dir));
	struct unit_child r;

	unit_run(child_exit_uncommitted, target, &r);
	CHECK_INT_EQ(r.status, 3);
	CHECK(!exists(target));
	CHECK_INT_EQ(count_tmp(dir), 0);
	unit_child_free(&r);

	unit_run(child_die_uncommitted, target, &r);
	CHECK_INT_EQ(r.status, EX_DATAERR);
	CHECK_STR_EQ(r.err, "stp: x.jsonl:1: invalid JSON\n");
	CHECK(!exists(target));
	CHECK_INT_EQ(count_tmp(dir), 0);
	unit_child_free(&r);
	free(target);
	free(dir);
}

struct sigcase {
	const char *path;
	int sig;
};

static void
child_killed(void *arg)
{
	struct sigcase *c = arg;
	struct atomic_file af, done;

	atomic_open(&done, unit_fmt("%s.done", c->path));
	fputs("committed", done.fp);
	atomic_commit(&done);
	atomic_open(&af, c->path);
	fputs("partial", af.fp);
	fflush(af.fp);
	raise(c->sig);
	_exit(0);   /* not reached: the handler re-raises */
}

/* A real SIGPIPE: write to a pipe nobody reads. */
static void
child_sigpipe(void *arg)
{
	struct atomic_file af;
	int fd[2];

	atomic_open(&af, arg);
	fputs("partial", af.fp);
	if (pipe(fd) != 0)
		_exit(98);
	close(fd[0]);
	for (;;)
		if (write(fd[1], "x", 1) < 0)
			_exit(97);
}

static void
test_signals_clean(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	char *dir = fresh_dir("signals");
	struct sigcase c;
	struct unit_child r;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		c.path = strdup(unit_fmt("%s/out%zu", dir, i));
		c.sig = sigs[i];
		unit_run(child_killed, &c, &r);
		CHECK_INT_EQ(r.status, -1);
		CHECK_INT_EQ(r.sig, sigs[i]);
		CHECK(!exists(c.path));
		CHECK(exists(unit_fmt("%s.done", c.path)));   /* committed files stay */
		CHECK_INT_EQ(count_tmp(dir), 0);
		unit_child_free(&r);
		free((char *)c.path);
	}
	c.path = strdup(unit_fmt("%s/pipe", dir));
	unit_run(child_sigpipe, (void *)c.path, &r);
	CHECK_INT_EQ(r.sig, SIGPIPE);
	CHECK_INT_EQ(count_tmp(dir), 0);
	unit_child_free(&r);
	free((char *)c.path);
	free(dir);
}

/*
 * A signal ignored before the first atomic_open() stays ignored. The hooks
 * are installed once per process, so this runs in a fresh image of this
 * program (main's "--ignored PATH"), exec'd with SIGHUP ignored.
 */
static int
scenario_ignored(const char *path)
{
	struct atomic_file af;

	atomic_open(&af, path);
	fputs("survived\n", af.fp);
	raise(SIGHUP);
	atomic_commit(&af);
	return 0;
}

static void
child_ignored(void *arg)
{
	signal(SIGHUP, SIG_IGN);
	execl("/proc/self/exe", "test_atomic", "--ignored", (char *)arg, (char *)NULL);
	_exit(94);
}

static void
test_ignored_signal(void)
{
	char *dir = fresh_dir("ignored");
	char *target = strdup(unit_fmt("%s/out", dir));
	struct unit_child r;
	char *s;

	unit_run(child_ignored, target, &r);
	CHECK_INT_EQ(r.status, 0);
	CHECK_INT_EQ(r.sig, 0);
	s = unit_read_file(target, NULL);
	CHECK_STR_EQ(s, "survived\n");
	free(s);
	unit_child_free(&r);
	free(target);
	free(dir);
}

static void
child_nothing(void *arg)
{
}

/* A forked child's exit() must not remove its parent's temporaries. */
static void
test_fork_keeps_parent(void)
{
	char *dir = fresh_dir("fork");
	char *target = strdup(unit_fmt("%s/out", dir));
	struct atomic_file af;
	struct unit_child r;
	char *s;

	atomic_open(&af, target);
	fputs("parent\n", af.fp);
	unit_run(child_nothing, NULL, &r);
	CHECK_INT_EQ(r.status, 0);
	CHECK(exists(af.tmp));
	atomic_commit(&af);
	s = unit_read_file(target, NULL);
	CHECK_STR_EQ(s, "parent\n");
	free(s);
	unit_child_free(&r);
	free(target);
	free(dir);
}

static void
test_out_file(void)
{
	char *dir = fresh_dir("out");
	char *target = strdup(unit_fmt("%s/o.jsonl", dir));
	struct out o;
	char *s;

	out_open(&o, target);
	CHECK(!o.is_stdout);
	CHECK(o.fp != NULL && o.fp != stdout);
	fputs("{}\n", o.fp);
	CHECK(!exists(target));
	out_close(&o);
	s = unit_read_file(target, NULL);
	CHECK_STR_EQ(s, "{}\n");
	free(s);
	CHECK_INT_EQ(count_tmp(dir), 0);
	free(target);
	free(dir);
}

static void
child_out_stdout(void *arg)
{
	struct out o;

	out_open(&o, arg);
	if (!o.is_stdout || o.fp != stdout)
		_exit(96);
	fputs("to stdout\n", o.fp);
	out_close(&o);
}

static void
child_out_full(void *arg)
{
	struct out o;

	if (!freopen("/dev/full", "w", stdout))
		_exit(95);
	out_open(&o, NULL);
	fputs("lost\n", o.fp);
	out_close(&o);
}

static void
test_out_stdout(void)
{
	struct unit_child r;

	unit_run(child_out_stdout, NULL, &r);
	CHECK_INT_EQ(r.status, 0);
	CHECK_STR_EQ(r.out, "to stdout\n");
	unit_child_free(&r);
	unit_run(child_out_stdout, (char *)"-", &r);
	CHECK_INT_EQ(r.status, 0);
	CHECK_STR_EQ(r.out, "to stdout\n");
	unit_child_free(&r);

	unit_run(child_out_full, NULL, &r);
	CHECK_INT_EQ(r.status, EX_IOERR);
	CHECK_STR_EQ(r.err, "stp: write error on standard output: No space left on device\n");
	unit_child_free(&r);
}

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--ignored") == 0)
		return scenario_ignored(argv[2]);
	/* The signal tests need the default dispositions, whatever ran us. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	/* Messages are checked with the default prefix "stp". */
	RUN(test_commit);
	RUN(test_abort);
	RUN(test_relative);
	RUN(test_many_open);
	RUN(test_cannot_create);
	RUN(test_rename_fails);
	RUN(test_disk_full);
	RUN(test_exit_cleans);
	RUN(test_signals_clean);
	RUN(test_ignored_signal);
	RUN(test_fork_keeps_parent);
	RUN(test_out_file);
	RUN(test_out_stdout);
	return unit_done();
}
