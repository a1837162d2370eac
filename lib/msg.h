/*
 * msg.h - messages, exit codes and allocation helpers shared by every tool
 *
 * Exit codes are the set of docs/exit-status.md, from <sysexits.h>:
 *   0 done, 64 usage, 65 bad input record, 66 cannot open input,
 *   70 internal error, 71 out of memory, 74 I/O error, 78 bad configuration.
 *
 * Messages go to stderr as "prog: message". A format that ends in ':' gets
 * ": strerror(errno)" appended (the sbase convention). Messages are lowercase
 * without a full stop; the subject is quoted: "cannot open 'x.jsonl': ...".
 *
 * The x*() allocators never return NULL: on failure they die with EX_OSERR (71).
 */
#ifndef STP_MSG_H
#define STP_MSG_H

#include <stddef.h>
#include <stdio.h>
#include <sysexits.h>

/* Set once by main() (msg_init); used as the prefix of every message. */
extern const char *msg_prog;

/* Verbosity: 0 quiet (-q), 1 normal, 2 verbose (-v). Progress lines need >= 1;
 * -1 silences every message, errors included (the fuzz harnesses). */
extern int msg_verbosity;

void msg_init(const char *argv0);

/* Called by die() before it exits, when set; may longjmp away (the fuzz
 * harnesses do: tests/fuzz/). NULL in the tools. */
extern void (*msg_die_hook)(int status);

/* Print "prog: message" and exit with status. */
void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* Print "prog: message"; returns nothing. error() and warn() differ only in the
 * "warning: " prefix that warn() adds. */
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error() but only when msg_verbosity >= 1; for progress reports. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: p resized to n*size bytes, dying on overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* The text [*b, *e) without the white space (isspace) around it: *b moves
 * forward and *e back (Python's str.strip, without a copy). */
void span_trim(const char **b, const char **e);
/* xasprintf: a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *p (an array of *cap elements of size sz) so that it holds at least
 * need elements; doubles the capacity. */
void xgrow(void *pp, size_t *cap, size_t need, size_t sz);

/* Flush and close stdout; die with EX_IOERR when anything written to it was
 * lost (a full disk, a closed pipe). Call at the end of main. */
void close_stdout(void);

/* Number of online CPUs, at least 1. */
int ncpus(void);

/*
 * The default Metamath database: $STP_DB if set; else data/mm-pc/pc.mm beside
 * the bin/ holding this program (the repository's own data); else
 * data/mm-pc/pc.mm from the current directory. Returns a string that lives
 * as long as the program.
 */
const char *default_db(void);

/* Monotonic clock in seconds. */
double now_seconds(void);
/* now_seconds() when msg_init() ran: the process's start, near enough. */
double msg_start_seconds(void);

#endif
