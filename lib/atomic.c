/*
 * atomic.c - write an output file under a temporary name, then rename it
 * (see atomic.h)
 *
 * The registry of open temporaries is the one piece of global mutable state
 * in the library: exit() and a fatal signal must find the temporaries to
 * remove them. The signal handler may run at any moment, in any thread, so it
 * only reads: each slot holds a name in preallocated storage and an atomic
 * state, a slot's name is written only while its state keeps the handler
 * away, and the handler calls nothing but getpid(), unlink(), signal() and
 * raise(), all async-signal-safe.
 */
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "msg.h"

#define ATOMIC_SLOTS  256        /* temporaries open at once, per process */
#define ATOMIC_TRIES  100        /* names tried before giving up (EEXIST) */
#define ATOMIC_STDIO  (64u << 10) /* stdio buffer of an atomic file, bytes */

enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE };

/*
 * state: SLOT_FREE (unused), SLOT_BUSY (being claimed or released: the
 * handler keeps off) or SLOT_LIVE (name is a temporary to remove). owner is
 * the pid that created it, so that a forked child's exit() leaves its
 * parent's temporaries alone.
 */
static struct slot {
	atomic_int state;
	pid_t owner;
	char name[PATH_MAX];
} slots[ATOMIC_SLOTS];

static atomic_uint tmp_counter;       /* N in ".NAME.tmp.PID.N" */
static atomic_flag hooks_done = ATOMIC_FLAG_INIT;

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

static void
remove_live(void)
{
	pid_t self = getpid();
	int i;

	for (i = 0; i < ATOMIC_SLOTS; i++)
		if (atomic_load(&slots[i].state) == SLOT_LIVE && slots[i].owner == self)
			unlink(slots[i].name);
}

static void
on_exit_remove(void)
{
	remove_live();
}

static void
on_signal(int sig)
{
	int saved = errno;

	remove_live();
	/* Die of the same signal, so the parent sees how we ended. */
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

/*
 * Install the exit and signal hooks once. A signal that was ignored when the
 * hooks were installed (nohup's SIGHUP, a parent's SIG_IGN for SIGPIPE) stays
 * ignored, and one the program handles itself keeps its handler: only
 * signals at their default action are taken over.
 */
static void
install_hooks(void)
{
	struct sigaction sa, old;
	size_t i;

	if (atomic_flag_test_and_set(&hooks_done))
		return;
	if (atexit(on_exit_remove) != 0)
		die(EX_OSERR, "cannot register an exit handler");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		if (sigaction(fatal_signals[i], NULL, &old) != 0)
			continue;
		if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
	}
}

/* Claim a free slot for name; returns its index. Dies when all are taken. */
static int
slot_claim(const char *name)
{
	int i, expect;

	for (i = 0; i < ATOMIC_SLOTS; i++) {
		expect = SLOT_FREE;
		if (atomic_compare_exchange_strong(&slots[i].state, &expect, SLOT_BUSY)) {
			strcpy(slots[i].name, name);   /* fits: checked by the caller */
			slots[i].owner = getpid();
			atomic_store(&slots[i].state, SLOT_LIVE);
			return i;
		}
	}
	die(EX_SOFTWARE, "more than %d atomic output files open at once", ATOMIC_SLOTS);
}

static void
slot_release(const char *name)
{
	int i;

	for (i = 0; i < ATOMIC_SLOTS; i++) {
		if (atomic_load(&slots[i].state) == SLOT_LIVE &&
		    slots[i].owner == getpid() && strcmp(slots[i].name, name) == 0) {
			atomic_store(&slots[i].state, SLOT_BUSY);
			slots[i].name[0] = '\0';
			atomic_store(&slots[i].state, SLOT_FREE);
			return;
		}
	}
}

/* Is the process gone: no such PID, or a zombie not yet reaped (killed,
 * its writing over)? A PID we may not signal is someone else's: alive. */
static int
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) != 0)
		return errno == ESRCH;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * Remove the temporaries of path left by processes that are gone (SIGKILL
 * leaves them: no handler runs): ".BASE.tmp.PID.N" beside it whose PID no
 * longer exists. A live process's temporary, or one of a PID reused since,
 * is left alone.
 */
static void
remove_dead(const char *path, int dirlen, const char *base)
{
	char dir[PATH_MAX], prefix[PATH_MAX], name[PATH_MAX];
	size_t plen;
	struct dirent *de;
	DIR *d;

	if (dirlen >= (int)sizeof dir || snprintf(prefix, sizeof prefix, ".%s.tmp.", base) < 0)
		return;
	snprintf(dir, sizeof dir, "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
	plen = strlen(prefix);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid;
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno || end == de->d_name + plen || *end != '.' || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (!pid_gone((pid_t)pid))
			continue;
		if (snprintf(name, sizeof name, "%s/%s", dir, de->d_name) < (int)sizeof name)
			unlink(name);
	}
	closedir(d);
}

/*
 * Create the temporary for path and set af->path, af->tmp (both owned by af)
 * and af->fp. On failure dies with EX_CANTCREAT: "cannot create 'PATH': ...".
 * The temporaries of this path that dead processes left are removed first.
 * The temporary is registered before it exists, so no signal can leave it
 * behind unregistered; its mode is 0666 less the umask, like any new file.
 */
void
atomic_open(struct atomic_file *af, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	char tmp[PATH_MAX];
	int fd = -1, tries, n, saved;

	memset(af, 0, sizeof(*af));
	if (!*base) {
		errno = EISDIR;
		die(EX_CANTCREAT, "cannot create '%s':", path);
	}
	install_hooks();
	remove_dead(path, dirlen, base);
	for (tries = 0; tries < ATOMIC_TRIES; tries++) {
		n = snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.%ld.%u", dirlen, path, base,
		             (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
		if (n < 0 || (size_t)n >= sizeof(tmp)) {
			errno = ENAMETOOLONG;
			die(EX_CANTCREAT, "cannot create '%s':", path);
		}
		slot_claim(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		saved = errno;
		slot_release(tmp);
		if (saved != EEXIST) {
			errno = saved;
			die(EX_CANTCREAT, "cannot create '%s':", path);
		}
	}
	if (fd < 0)
		die(EX_CANTCREAT, "cannot create '%s': temporary names all taken", path);
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		close(fd);
		unlink(tmp);
		slot_release(tmp);
		die(EX_OSERR, "out of memory (stream for '%s')", path);
	}
	setvbuf(af->fp, NULL, _IOFBF, ATOMIC_STDIO);
	af->path = xstrdup(path);
	af->tmp = xstrdup(tmp);
}

static void
forget(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->fp = NULL;
}

/*
 * fsync the directory holding path so that the rename itself is durable.
 * Best effort: some file systems refuse to fsync a directory, and the data
 * is already safe in the file.
 */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
	                  : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/*
 * On success af is reset (its strings freed, fp NULL). On failure the
 * temporary is removed and the process dies with EX_IOERR, e.g.
 * "cannot write 'out.jsonl': No space left on device".
 */
void
atomic_commit(struct atomic_file *af)
{
	atomic_finish(af);
	atomic_publish(af);
}

void
atomic_finish(struct atomic_file *af)
{
	int bad, saved;

	if (!af->tmp || !af->fp)
		die(EX_SOFTWARE, "atomic_finish: no open file");
	/* ferror() catches a write that failed earlier and left no trace in fflush(). */
	errno = 0;
	bad = fflush(af->fp) != 0 || ferror(af->fp);
	if (!bad && fsync(fileno(af->fp)) != 0)
		bad = 1;
	if (bad && errno == 0)
		errno = EIO;
	saved = errno;
	if (fclose(af->fp) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	af->fp = NULL;
	if (bad) {
		unlink(af->tmp);
		slot_release(af->tmp);
		errno = saved;
		die(EX_IOERR, "cannot write '%s':", af->path);
	}
}

void
atomic_publish(struct atomic_file *af)
{
	if (!af->tmp || af->fp)
		die(EX_SOFTWARE, "atomic_publish: not a finished file");
	if (rename(af->tmp, af->path) != 0) {
		int saved = errno;
		unlink(af->tmp);
		slot_release(af->tmp);
		errno = saved;
		die(EX_IOERR, "cannot write '%s':", af->path);
	}
	slot_release(af->tmp);
	sync_dir(af->path);
	forget(af);
}

/* Close and remove the temporary; a no-op on a committed, aborted or zeroed af. */
void
atomic_abort(struct atomic_file *af)
{
	if (!af->tmp)
		return;
	if (af->fp)
		fclose(af->fp);
	unlink(af->tmp);
	slot_release(af->tmp);
	forget(af);
}

/* ---- gzip outputs: a stdio stream (fopencookie) whose writes go through
 * zlib's deflate into the file's own stream */

#define OUT_GZ_BUF (64u << 10)   /* deflate's output buffer, bytes */

struct out_gz {
	z_stream zs;
	FILE *raw;             /* the file's stream: the compressed bytes go there */
	unsigned char buf[OUT_GZ_BUF];
};

/* Deflate data[0..len) with flush and write what comes out; -1 (errno set)
 * when the file's stream refuses it. */
static int
gz_deflate(struct out_gz *g, const char *data, size_t len, int flush)
{
	g->zs.next_in = (unsigned char *)data;   /* zlib does not write it */
	g->zs.avail_in = (uInt)len;
	do {
		size_t have;
		g->zs.next_out = g->buf;
		g->zs.avail_out = OUT_GZ_BUF;
		if (deflate(&g->zs, flush) == Z_STREAM_ERROR)
			die(EX_SOFTWARE, "deflate failed");
		have = OUT_GZ_BUF - g->zs.avail_out;
		if (have && fwrite(g->buf, 1, have, g->raw) != have) {
			if (!errno)
				errno = EIO;
			return -1;
		}
	} while (g->zs.avail_out == 0 || g->zs.avail_in > 0);
	return 0;
}

static ssize_t
gz_write(void *cookie, const char *data, size_t len)
{
	/* stdio hands over at most its buffer at a time: uInt is enough */
	return gz_deflate(cookie, data, len, Z_NO_FLUSH) < 0 ? -1 : (ssize_t)len;
}

/* The end of the gzip stream; the file's own stream stays open. */
static int
gz_close(void *cookie)
{
	struct out_gz *g = cookie;
	int r = gz_deflate(g, "", 0, Z_FINISH);

	deflateEnd(&g->zs);
	return r;
}

/* Put a deflating stream in front of o->raw. */
static void
gz_open(struct out *o, const char *path)
{
	cookie_io_functions_t io = { NULL, gz_write, NULL, gz_close };
	struct out_gz *g = xcalloc(1, sizeof *g);

	g->raw = o->raw;
	/* 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper, whose header
	 * has no name and time 0 */
	if (deflateInit2(&g->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		die(EX_OSERR, "out of memory (deflate for '%s')", path);
	o->fp = fopencookie(g, "w", io);
	if (!o->fp)
		die(EX_OSERR, "out of memory (stream for '%s')", path);
	setvbuf(o->fp, NULL, _IOFBF, OUT_GZ_BUF);
	o->gz = g;
}

/* Finish a gzip output's stream (the file's own is left to the caller);
 * dies with EX_IOERR when a write failed. */
static void
gz_finish(struct out *o, const char *path)
{
	int bad = ferror(o->fp) != 0;

	errno = 0;
	if (fclose(o->fp) != 0)
		bad = 1;
	free(o->gz);
	o->gz = NULL;
	o->fp = o->raw;
	if (bad) {
		if (!errno)
			errno = EIO;
		if (!o->is_device)
			atomic_abort(&o->af);
		die(EX_IOERR, "cannot write '%s':", path);
	}
}

static int
ends_with_gz(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

void
out_open(struct out *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->fp = o->raw = stdout;
		o->is_stdout = 1;
		return;
	}
	/* A device or a pipe (-o /dev/null, -o /dev/stderr, a FIFO) is written
	 * in place: renaming a temporary over it would replace the device with
	 * a regular file. Only regular files (or new ones) go through a
	 * temporary. */
	{
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			o->fp = o->raw = fopen(path, "w");
			if (!o->fp)
				die(EX_CANTCREAT, "cannot open '%s':", path);
			o->is_device = 1;
		}
	}
	if (!o->is_device) {
		atomic_open(&o->af, path);
		o->fp = o->raw = o->af.fp;
	}
	if (ends_with_gz(path))
		gz_open(o, path);
}

void
out_finish(struct out *o)
{
	if (o->is_stdout || o->is_device) {
		out_close(o);
		return;
	}
	if (o->gz)
		gz_finish(o, o->af.path);
	atomic_finish(&o->af);
}

void
out_publish(struct out *o)
{
	if (o->af.tmp)
		atomic_publish(&o->af);
	o->fp = NULL;
}

/* Commit the file, or flush and close stdout; dies with EX_IOERR on a write error. */
void
out_close(struct out *o)
{
	if (o->is_stdout) {
		close_stdout();
	} else if (o->is_device) {
		if (o->gz)
			gz_finish(o, "output");
		if (fflush(o->fp) != 0 || ferror(o->fp) || fclose(o->fp) != 0)
			die(EX_IOERR, "write error:");
	} else {
		if (o->gz)
			gz_finish(o, o->af.path);
		atomic_commit(&o->af);
	}
	o->fp = NULL;
}
