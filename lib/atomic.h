/*
 * atomic.h - write an output file under a temporary name, then rename it
 *
 * atomic_open() creates "DIR/.NAME.tmp.PID.N" beside the target; atomic_commit()
 * flushes, fsyncs, closes and renames it over the target, so a reader never
 * sees a half-written file and an interrupted stage leaves only a temporary
 * that the next run ignores. Open temporaries are removed on exit() and on
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE (the handler then re-raises the signal).
 */
#ifndef STP_ATOMIC_H
#define STP_ATOMIC_H

#include <stdio.h>

struct atomic_file {
	char *path;   /* the target */
	char *tmp;    /* the temporary name */
	FILE *fp;     /* open for writing on tmp */
};

/* Open; on failure dies with EX_CANTCREAT (73) naming the file. */
void atomic_open(struct atomic_file *af, const char *path);
/* Commit; on any write, flush, fsync or rename error removes the temporary and
 * dies with EX_IOERR naming the file (a full disk is not success). */
void atomic_commit(struct atomic_file *af);
/* The two halves of a commit, for outputs that must appear together (a
 * shard set, a stage's several files): atomic_finish() flushes, fsyncs and
 * closes the temporary, which stays registered (removed on exit or a fatal
 * signal until published); atomic_publish() renames it into place. Errors
 * as atomic_commit's. */
void atomic_finish(struct atomic_file *af);
void atomic_publish(struct atomic_file *af);
/* Abandon: close and remove the temporary. Safe on a committed file (no-op)
 * and on a finished one. */
void atomic_abort(struct atomic_file *af);

/*
 * Convenience for tools with "-o FILE": returns stdout when path is NULL or
 * "-", the path itself when it names a device or a FIFO (/dev/null), otherwise
 * an atomic file's stream. out_close() commits (or, for stdout,
 * calls close_stdout()). A path ending in ".gz" is written gzip-compressed
 * (zlib, no name and no time in the header, so the same records give the
 * same bytes): fp is then a stream that deflates into the file's, and a
 * reader of jsonl.h reads it back as it was written.
 */
struct out {
	struct atomic_file af;
	FILE *fp;              /* what the caller writes to */
	FILE *raw;             /* the file's own stream (fp unless gzip) */
	struct out_gz *gz;     /* the deflate state of a .gz output, or NULL */
	int is_stdout;
	int is_device;         /* path names a device or a FIFO: written in place */
};
void out_open(struct out *o, const char *path);
void out_close(struct out *o);
/* out_close in two halves, for a stage with several outputs: finish each
 * (written, flushed, checked), then publish each (renamed into place), so
 * that a failure while writing any leaves none of them. */
void out_finish(struct out *o);
void out_publish(struct out *o);

#endif
