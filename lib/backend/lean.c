/*
 * lean.c - the Lean 4 REPL as a checker: its processes, the judgement of its
 * replies, the pool (see lean.h)
 *
 * The window of attempts in flight and its worker threads are wpool.c's;
 * here, each worker's REPL and what it does with a job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lean.h"
#include "wpool.h"

#include "hash.h"
#include "jscan.h"
#include "jsonl.h"
#include "msg.h"
#include "vcache.h"

extern char **environ;

/* Bumped whenever a change could alter a verdict: old cache entries then
 * simply stop matching. */
#define LEAN_CACHE_VERSION "stp-verify/lean/1"

#define HDR_SLOTS   8        /* headers (environments) remembered per process */
#define MEM_POLL_MS 50       /* RSS polling interval while a reply is awaited */
#define MEM_SOFT    0.75     /* restart between attempts above this share of the limit */
#define MEM_CHECK_EVERY 1.0  /* ... checked at most this often, seconds (and after a slow one) */
#define ERR_TAIL    2048     /* bytes of a REPL's stderr kept for messages */
#define MSG_KEEP    1000     /* bytes of a Lean message kept in a verdict's error */
#define STOP_GRACE  1.0      /* seconds a REPL gets to exit after its stdin closes */

static const char *const good_axioms[] = { "propext", "Classical.choice", "Quot.sound", NULL };

/* ---- one REPL process */

struct header {
	uint64_t h;            /* hash of text; 0 with text NULL: slot free */
	char *text;
	size_t len;
	long env;              /* the environment the REPL answered with */
	char *err;             /* the header's own failure (deterministic), or NULL */
};

struct repl {
	int id;                /* 1..N, for messages */
	pid_t pid;             /* 0 when not running; also its process group */
	int in, out, err;      /* its stdin (we write), stdout and stderr (we read) */
	char *buf;             /* stdout bytes not consumed yet: buf[0..len) */
	size_t len, cap;
	char tail[ERR_TAIL];   /* the last bytes of its stderr */
	size_t ntail;
	struct header hdr[HDR_SLOTS];
	int hdr_next;          /* the slot to reuse next (round-robin) */
	long uses;             /* attempts since it started */
	int check_mem;         /* measure the group before the next attempt */
	double mem_checked;    /* when the group was last measured */
	int status;            /* how it ended when it died (waitpid), or -1 */
	int answered;          /* it has answered a request since it started */
};

/* What an exchange with a REPL came to. XR_OK: *reply is the parsed reply. */
enum xres { XR_OK, XR_TIMEOUT, XR_MEMORY, XR_DIED, XR_BADREPLY };

/* Summed resident size, in kB, of the processes of group pgid (a scan of
 * /proc; a process that goes away meanwhile is simply not counted). */
static long
group_rss_kb(pid_t pgid, long page_kb)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long total = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[64], buf[1024], *p;
		long pg = 0, rss = 0;
		int fd, field;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%.20s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp ... rss(24) ...": comm may hold
		 * spaces and parentheses, so count from the last ')' */
		if (!(p = strrchr(buf, ')')))
			continue;
		for (field = 2; *p && field < 24; p++)
			if (*p == ' ') {
				field++;
				if (field == 5)
					pg = strtol(p + 1, NULL, 10);
				if (field == 24)
					rss = strtol(p + 1, NULL, 10);
			}
		if (pg == pgid && rss > 0)
			total += rss * page_kb;
	}
	closedir(d);
	return total;
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Start r's process: /bin/sh -c CMD in the project directory, a session
 * (and process group) of its own. Returns 0, or -1 with why. */
static int
repl_start(struct repl *r, const struct lean_cfg *c, char *why, size_t whylen)
{
	int pin[2], pout[2], perr[2], e;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	char *argv[] = { "/bin/sh", "-c", (char *)c->cmd, NULL };

	if (pipe2(pin, O_CLOEXEC) < 0)
		goto fail_errno;
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]), close(pin[1]);
		goto fail_errno;
	}
	if (pipe2(perr, O_CLOEXEC) < 0) {
		close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
		goto fail_errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawn_file_actions_addchdir_np(&fa, c->project);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&r->pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (e != 0) {
		r->pid = 0;
		close(pin[1]), close(pout[0]), close(perr[0]);
		snprintf(why, whylen, "cannot start the REPL in '%s': %s", c->project, strerror(e));
		return -1;
	}
	r->in = pin[1];
	r->out = pout[0];
	r->err = perr[0];
	set_nonblock(r->in);
	set_nonblock(r->out);
	set_nonblock(r->err);
	r->len = 0;
	r->ntail = 0;
	r->uses = 0;
	r->status = -1;
	r->answered = 0;
	r->check_mem = 0;
	r->mem_checked = now_seconds();
	for (int i = 0; i < HDR_SLOTS; i++) {
		free(r->hdr[i].text);
		free(r->hdr[i].err);
		memset(&r->hdr[i], 0, sizeof r->hdr[i]);
	}
	r->hdr_next = 0;
	return 0;

fail_errno:
	snprintf(why, whylen, "cannot start the REPL: %s", strerror(errno));
	return -1;
}

static void
close_fds(struct repl *r)
{
	if (r->in >= 0)
		close(r->in);
	if (r->out >= 0)
		close(r->out);
	if (r->err >= 0)
		close(r->err);
	r->in = r->out = r->err = -1;
}

/* How a reaped child ended, for messages. */
static void
describe_status(int st, char *out, size_t n)
{
	if (WIFEXITED(st))
		snprintf(out, n, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(out, n, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(out, n, "status %d", st);
}

/* Kill r's whole process group and reap the child. */
static void
repl_kill(struct repl *r)
{
	int st;

	if (!r->pid)
		return;
	kill(-r->pid, SIGKILL);
	while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
		;
	r->pid = 0;
	close_fds(r);
}

/* Stop r gently: close its stdin (the REPL exits at the end of its input),
 * give it STOP_GRACE seconds, then kill the group whatever happened. */
static void
repl_stop(struct repl *r)
{
	double end = now_seconds() + STOP_GRACE;
	int st;

	if (!r->pid)
		return;
	close(r->in);
	r->in = -1;
	while (now_seconds() < end) {
		pid_t w = waitpid(r->pid, &st, WNOHANG);
		if (w == r->pid || (w < 0 && errno != EINTR))
			break;
		usleep(2000);
	}
	/* the group may outlive its leader (a `lake` that exited first) */
	kill(-r->pid, SIGKILL);
	waitpid(r->pid, &st, WNOHANG);
	r->pid = 0;
	close_fds(r);
}

/* Append what r's stderr has to its tail buffer. */
static int
drain_stderr(struct repl *r)
{
	char b[4096];
	ssize_t n;

	while ((n = read(r->err, b, sizeof b)) > 0) {
		size_t k = (size_t)n;
		if (k >= ERR_TAIL) {
			memcpy(r->tail, b + k - ERR_TAIL, ERR_TAIL);
			r->ntail = ERR_TAIL;
			continue;
		}
		if (r->ntail + k > ERR_TAIL) {
			size_t drop = r->ntail + k - ERR_TAIL;
			memmove(r->tail, r->tail + drop, r->ntail - drop);
			r->ntail -= drop;
		}
		memcpy(r->tail + r->ntail, b, k);
		r->ntail += k;
	}
	return n == 0 ? 0 : 1;   /* 0: end of file */
}

/* The last non-empty line of r's stderr, for messages ("" if none). */
static void
stderr_last_line(const struct repl *r, char *out, size_t n)
{
	size_t end = r->ntail, start;

	while (end > 0 && (r->tail[end - 1] == '\n' || r->tail[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && r->tail[start - 1] != '\n')
		start--;
	if (end - start >= n)
		start = end - (n - 1);
	memcpy(out, r->tail + start, end - start);
	out[end - start] = '\0';
}

/*
 * Find a whole reply in r->buf: blank lines before it are skipped; it ends at
 * the first blank line (a line of nothing but spaces, tabs and '\r') after a
 * non-blank one. Returns the reply's length with *start its offset and
 * *consumed the bytes through its closing blank line, or 0 when the buffer
 * does not hold a whole reply yet.
 */
size_t
lean_find_reply(const char *b, size_t len, size_t *start, size_t *consumed)
{
	size_t i = 0, first = (size_t)-1;

	while (i < len) {
		size_t j = i;
		int blank = 1;
		while (j < len && b[j] != '\n') {
			if (b[j] != ' ' && b[j] != '\t' && b[j] != '\r')
				blank = 0;
			j++;
		}
		if (j == len)
			return 0;          /* an unfinished line */
		if (!blank && first == (size_t)-1)
			first = i;
		if (blank && first != (size_t)-1) {
			*start = first;
			*consumed = j + 1;
			return i - first;
		}
		i = j + 1;
	}
	return 0;
}

/* Parse a reply's text. A REPL (or `lake`) may print lines that are not
 * JSON before its reply: when the whole text does not parse, the text from
 * the first line that starts with '{' is tried. */
json_t *
lean_parse_reply(const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, 0, NULL);

	for (size_t i = 0; !j && i + 1 < n; i++)
		if (s[i] == '\n' && s[i + 1] == '{') {
			j = json_loadb(s + i + 1, n - i - 1, 0, NULL);
			break;
		}
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * Send req[0..n) (one line and its closing blank line) to r and read the
 * reply, by deadline (a now_seconds() time), with r's group under the
 * memory limit. On XR_OK, *reply is the parsed reply (the caller owns it);
 * otherwise why says what went wrong, and the caller kills r.
 */
static enum xres
repl_exchange(struct repl *r, const struct lean_cfg *c, const char *req, size_t n, double deadline,
              json_t **reply, char *why, size_t whylen)
{
	size_t sent = 0;
	int out_open = 1, err_open = 1;

	double next_mem = now_seconds() + MEM_POLL_MS * 1e-3;

	*reply = NULL;
	/* bytes that came unasked (after the last reply) are not an answer */
	r->len = 0;
	/* a request usually fits the pipe: write it before the first poll */
	{
		ssize_t w = write(r->in, req, n);
		if (w > 0)
			sent = (size_t)w;
	}
	for (;;) {
		struct pollfd pf[3];
		int npf = 0, timeout_ms, pr;
		double left = deadline - now_seconds();
		size_t start, consumed, rl;

		if (left <= 0) {
			snprintf(why, whylen, "timed out");
			return XR_TIMEOUT;
		}
		timeout_ms = (int)ceil(left * 1e3);
		if (c->mem_kb && timeout_ms > MEM_POLL_MS)
			timeout_ms = MEM_POLL_MS;
		if (sent < n) {
			pf[npf].fd = r->in;
			pf[npf++].events = POLLOUT;
		}
		if (out_open) {
			pf[npf].fd = r->out;
			pf[npf++].events = POLLIN;
		}
		if (err_open) {
			pf[npf].fd = r->err;
			pf[npf++].events = POLLIN;
		}
		pr = poll(pf, (nfds_t)npf, timeout_ms);
		if (pr < 0 && errno != EINTR) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			return XR_DIED;
		}
		if (c->mem_kb && now_seconds() >= next_mem) {
			long kb = group_rss_kb(r->pid, c->page_kb);
			next_mem = now_seconds() + MEM_POLL_MS * 1e-3;
			if (kb > c->mem_kb) {
				snprintf(why, whylen, "memory limit of %ld MB exceeded", c->mem_kb / 1024);
				return XR_MEMORY;
			}
		}
		if (pr <= 0)
			continue;
		for (int i = 0; i < npf; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == r->in) {
				ssize_t w = write(r->in, req + sent, n - sent);
				if (w > 0) {
					sent += (size_t)w;
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					/* EPIPE: it is gone; its stdout tells the rest */
					sigset_t pipe_set;
					struct timespec zero = { 0, 0 };
					sigemptyset(&pipe_set);
					sigaddset(&pipe_set, SIGPIPE);
					sigtimedwait(&pipe_set, NULL, &zero);
					sent = n;
				}
			} else if (pf[i].fd == r->err) {
				if (drain_stderr(r) == 0)
					err_open = 0;
			} else {
				ssize_t got;
				xgrow(&r->buf, &r->cap, r->len + 65536, 1);
				got = read(r->out, r->buf + r->len, r->cap - r->len);
				if (got > 0) {
					r->len += (size_t)got;
				} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
					out_open = 0;
				}
			}
		}
		if (sent == n && (rl = lean_find_reply(r->buf, r->len, &start, &consumed)) > 0) {
			*reply = lean_parse_reply(r->buf + start, rl);
			memmove(r->buf, r->buf + consumed, r->len - consumed);
			r->len -= consumed;
			if (!*reply) {
				snprintf(why, whylen, "malformed reply from the REPL");
				return XR_BADREPLY;
			}
			r->answered = 1;
			return XR_OK;
		}
		if (!out_open) {
			/* its output ended without a whole reply: it died, or is dying */
			double end = now_seconds() + 0.5;
			int st;
			pid_t w = 0;
			if (err_open)
				drain_stderr(r);
			while ((w = waitpid(r->pid, &st, WNOHANG)) == 0 && now_seconds() < end)
				usleep(2000);
			if (w == r->pid) {
				char d[64];
				describe_status(st, d, sizeof d);
				r->status = st;
				kill(-r->pid, SIGKILL);     /* what it leaves behind */
				r->pid = 0;
				close_fds(r);
				snprintf(why, whylen, "the REPL died (%s)", d);
			} else {
				snprintf(why, whylen, "the REPL closed its output");
			}
			return XR_DIED;
		}
	}
}

/* ---- the judgement of replies */

/* At most MSG_KEEP bytes of s. */
static char *
keep_text(const char *s)
{
	return wpool_clip(s, MSG_KEEP);
}

/* "L:C: SEVERITY: DATA" for a message object of a reply. */
static char *
message_text(json_t *m)
{
	json_t *pos = json_object_get(m, "pos");
	const char *sev = json_string_value(json_object_get(m, "severity"));
	const char *data = json_string_value(json_object_get(m, "data"));
	char *d = keep_text(data ? data : ""), *s;

	s = xasprintf("%lld:%lld: %s: %s",
	              (long long)json_integer_value(json_object_get(pos, "line")),
	              (long long)json_integer_value(json_object_get(pos, "column")),
	              sev ? sev : "message", d);
	free(d);
	return s;
}

/*
 * Judge the reply to a proof's command. Returns NULL when it is clean, or the
 * reason (malloc'd) why the proof is not complete. *transient is set when the
 * reason is the REPL's own failure rather than the proof's.
 */
char *
lean_judge_proof(json_t *rep, int *transient)
{
	json_t *msgs = json_object_get(rep, "messages"), *m, *sorries;
	size_t i;

	*transient = 0;
	if (json_is_string(json_object_get(rep, "message")) && !json_object_get(rep, "env")) {
		char *t = keep_text(json_string_value(json_object_get(rep, "message")));
		char *s = xasprintf("lean: the REPL failed: %s", t);
		free(t);
		*transient = 1;
		return s;
	}
	if (!json_is_integer(json_object_get(rep, "env"))) {
		*transient = 1;
		return xstrdup("lean: malformed reply from the REPL (no 'env')");
	}
	json_array_foreach(msgs, i, m) {
		const char *sev = json_string_value(json_object_get(m, "severity"));
		if (sev && strcmp(sev, "error") == 0)
			return message_text(m);
	}
	sorries = json_object_get(rep, "sorries");
	if (json_is_array(sorries) && json_array_size(sorries) > 0) {
		json_t *pos = json_object_get(json_array_get(sorries, 0), "pos");
		if (pos)
			return xasprintf("%lld:%lld: the proof has a sorry",
			                 (long long)json_integer_value(json_object_get(pos, "line")),
			                 (long long)json_integer_value(json_object_get(pos, "column")));
		return xstrdup("the proof has a sorry");
	}
	json_array_foreach(msgs, i, m) {
		const char *sev = json_string_value(json_object_get(m, "severity"));
		const char *data = json_string_value(json_object_get(m, "data"));
		if (sev && strcmp(sev, "warning") == 0 && data &&
		    (strstr(data, "sorry") || strstr(data, "failed")))
			return message_text(m);
	}
	return NULL;
}

/* Is the quoted name q[0..n) the theorem name (or name in a namespace)? */
static int
names_theorem(const char *q, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n == k && memcmp(q, name, k) == 0)
		return 1;
	return n > k && q[n - k - 1] == '.' && memcmp(q + n - k, name, k) == 0;
}

/*
 * Judge the reply to `#print axioms NAME`: NULL when the theorem depends on
 * nothing beyond good_axioms, else the reason (malloc'd). Lean says
 * "'NAME' depends on axioms: [propext, Quot.sound]" (the list may be wrapped
 * over lines) or "'NAME' does not depend on any axioms".
 */
char *
lean_judge_axioms(json_t *rep, const char *name, int *transient)
{
	json_t *msgs = json_object_get(rep, "messages"), *m;
	size_t i;

	*transient = 0;
	if (json_is_string(json_object_get(rep, "message")) && !json_object_get(rep, "env")) {
		char *t = keep_text(json_string_value(json_object_get(rep, "message")));
		char *s = xasprintf("lean: the REPL failed on #print axioms: %s", t);
		free(t);
		*transient = 1;
		return s;
	}
	json_array_foreach(msgs, i, m) {
		const char *sev = json_string_value(json_object_get(m, "severity"));
		if (sev && strcmp(sev, "error") == 0) {
			char *t = message_text(m), *s = xasprintf("#print axioms %s: %s", name, t);
			free(t);
			return s;
		}
	}
	json_array_foreach(msgs, i, m) {
		const char *d = json_string_value(json_object_get(m, "data")), *q, *p, *end;
		if (!d || d[0] != '\'' || !(q = strchr(d + 1, '\'')) ||
		    !names_theorem(d + 1, (size_t)(q - d - 1), name))
			continue;
		if (strstr(q, "does not depend on any axioms"))
			return NULL;
		if (!(p = strstr(q, "depends on axioms:")) || !(p = strchr(p, '[')) ||
		    !(end = strchr(p, ']')))
			continue;
		for (p++; p < end;) {
			const char *a, *b;
			int good = 0;
			while (p < end && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t'))
				p++;
			a = p;
			while (p < end && *p != ',' && *p != ' ' && *p != '\n' && *p != '\t')
				p++;
			b = p;
			if (a == b)
				continue;
			for (int k = 0; good_axioms[k]; k++)
				if ((size_t)(b - a) == strlen(good_axioms[k]) &&
				    memcmp(a, good_axioms[k], (size_t)(b - a)) == 0)
					good = 1;
			if (!good)
				return xasprintf("the proof uses the axiom '%.*s'", (int)(b - a), a);
		}
		return NULL;
	}
	return xasprintf("#print axioms %s: no answer naming the theorem", name);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A constant that is no lemma of the library: the theorem itself (and its
 * auxiliary definitions), or a compiler-internal name (a component that
 * starts with '_', or proof_N / match_N / eq_N). */
int
lean_internal_name(const char *s, const char *self)
{
	size_t k = strlen(self);
	const char *c = s;

	if (strncmp(s, self, k) == 0 && (s[k] == '\0' || s[k] == '.'))
		return 1;
	for (;;) {
		const char *dot = strchr(c, '.');
		size_t n = dot ? (size_t)(dot - c) : strlen(c);
		if (n && c[0] == '_')
			return 1;
		if ((n > 6 && strncmp(c, "proof_", 6) == 0) || (n > 6 && strncmp(c, "match_", 6) == 0) ||
		    (n > 3 && strncmp(c, "eq_", 3) == 0 && c[3] >= '0' && c[3] <= '9'))
			return 1;
		if (!dot)
			return 0;
		c = dot + 1;
	}
}

/* Append the "lemmas" array for a proof's reply to out: the tactics'
 * usedConstants, filtered, sorted, each once. */
void
lean_put_lemmas(json_t *rep, const char *self, char **out, size_t *len, size_t *cap)
{
	json_t *tac = json_object_get(rep, "tactics"), *t, *u;
	const char **v = NULL;
	size_t nv = 0, capv = 0, i, j, w = 0;

	json_array_foreach(tac, i, t) {
		json_array_foreach(json_object_get(t, "usedConstants"), j, u) {
			const char *s = json_string_value(u);
			if (!s || lean_internal_name(s, self))
				continue;
			xgrow(&v, &capv, nv + 1, sizeof *v);
			v[nv++] = s;
		}
	}
	if (nv)
		qsort(v, nv, sizeof *v, cmp_str);
	xgrow(out, cap, *len + 2, 1);
	(*out)[(*len)++] = '[';
	for (i = 0; i < nv; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (w++) {
			xgrow(out, cap, *len + 1, 1);
			(*out)[(*len)++] = ',';
		}
		jscan_put_string(v[i], strlen(v[i]), out, len, cap);
	}
	xgrow(out, cap, *len + 1, 1);
	(*out)[(*len)++] = ']';
	free(v);
}

/*
 * The theorem's name from a statement "theorem NAME ...", "lemma NAME ..." or
 * "def NAME ...", after comments, attributes (@[...]) and modifiers. Returns a malloc'd
 * name, or NULL.
 */
char *
lean_theorem_name(const char *s)
{
	static const char *const mods[] = {
		"private", "protected", "noncomputable", "nonrec", "unsafe", "partial", NULL,
	};
	const char *p = s, *a;

	for (;;) {
		int again = 0;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '-') {
			int depth = 1;
			for (p += 2; *p && depth; p++) {
				if (p[0] == '/' && p[1] == '-')
					depth++, p++;
				else if (p[0] == '-' && p[1] == '/')
					depth--, p++;
			}
			continue;
		}
		if (p[0] == '@' && p[1] == '[') {
			int depth = 0;
			for (p++; *p; p++) {
				if (*p == '[')
					depth++;
				else if (*p == ']' && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		for (int i = 0; mods[i]; i++) {
			size_t k = strlen(mods[i]);
			if (strncmp(p, mods[i], k) == 0 && (p[k] == ' ' || p[k] == '\n' || p[k] == '\t')) {
				p += k;
				again = 1;
				break;
			}
		}
		if (!again)
			break;
	}
	if (strncmp(p, "theorem", 7) == 0 && (p[7] == ' ' || p[7] == '\n' || p[7] == '\t'))
		p += 7;
	else if (strncmp(p, "lemma", 5) == 0 && (p[5] == ' ' || p[5] == '\n' || p[5] == '\t'))
		p += 5;
	else if (strncmp(p, "def", 3) == 0 && (p[3] == ' ' || p[3] == '\n' || p[3] == '\t'))
		p += 3;
	else
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	a = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ':' &&
	       *p != '(' && *p != '{' && *p != '[' && strncmp(p, "\xe2\xa6\x83", 3) != 0) {
		if (strncmp(p, "\xc2\xab", 2) == 0) {          /* «quoted part» */
			const char *q = strstr(p, "\xc2\xbb");
			if (!q)
				return NULL;
			p = q + 2;
			continue;
		}
		p++;
	}
	return p > a ? xstrndup(a, (size_t)(p - a)) : NULL;
}

/* ---- the pool's workers */

struct lean_backend {
	struct lean_cfg cfg;
	struct wpool *pool;
	char pid[17];          /* the checker's identity in cache keys (project_id) */
	struct hash_fields *hf;   /* for cache keys, in the caller's thread */
	pthread_mutex_t mu;
	struct lean_stats st;  /* under mu */
};

/* What an attempt is checked as (a job's check). */
struct lean_check {
	char *header;          /* the context (header) text, its length */
	size_t hlen;
	uint64_t hh;           /* hash of the header */
	char *cmd;             /* the proof's command: statement, newline, proof */
	size_t cmdlen;
	char *name;            /* the theorem's name, or NULL */
	long tokens;           /* the proof's length: whitespace-separated tokens */
};

struct worker {
	struct lean_backend *b;
	struct repl r;
};

/* The request {"cmd":TEXT[,"env":ENV][,"allTactics":true]} and its blank line. */
char *
lean_request(const char *text, size_t n, long env, int tactics, size_t *len)
{
	char *s = NULL, tail[64];
	size_t cap = 0, k;

	*len = 0;
	xgrow(&s, &cap, n + 64, 1);
	memcpy(s, "{\"cmd\":", 7);
	*len = 7;
	jscan_put_string(text, n, &s, len, &cap);
	k = 0;
	if (env >= 0)
		k += (size_t)snprintf(tail + k, sizeof tail - k, ",\"env\":%ld", env);
	if (tactics)
		k += (size_t)snprintf(tail + k, sizeof tail - k, ",\"allTactics\":true");
	k += (size_t)snprintf(tail + k, sizeof tail - k, "}\n\n");
	xgrow(&s, &cap, *len + k + 1, 1);
	memcpy(s + *len, tail, k + 1);
	*len += k;
	return s;
}

/* Account for an infrastructure failure of w's REPL and kill it. */
static void
repl_failed(struct worker *w, enum xres x, const char *why, const struct wpool_job *j)
{
	struct lean_backend *b = w->b;
	char last[256];

	stderr_last_line(&w->r, last, sizeof last);
	repl_kill(&w->r);
	pthread_mutex_lock(&b->mu);
	if (x == XR_TIMEOUT)
		b->st.timeouts++;
	else if (x == XR_MEMORY)
		b->st.memory++;
	else if (x == XR_BADREPLY)
		b->st.badreply++;
	else
		b->st.died++;
	pthread_mutex_unlock(&b->mu);
	if (msg_verbosity >= 2 || (msg_verbosity >= 1 && x != XR_TIMEOUT && x != XR_MEMORY))
		progress("lean process %d restarted: %s on '%s:%ld'%s%s", w->r.id, why, j->file,
		         j->lineno, last[0] ? ": " : "", last);
}

/*
 * The environment for k's header in w's REPL (loading it if need be).
 * Returns the header slot, or NULL with *why (malloc'd) and *transient.
 */
static struct header *
get_header(struct worker *w, const struct wpool_job *j, const struct lean_check *k, char **why,
           int *transient)
{
	struct repl *r = &w->r;
	struct header *h;
	char msg[256];
	json_t *rep, *msgs, *m;
	char *req;
	size_t n, i;
	enum xres x;

	*transient = 0;
	for (int s = 0; s < HDR_SLOTS; s++) {
		h = &r->hdr[s];
		if (h->text && h->h == k->hh && h->len == k->hlen &&
		    memcmp(h->text, k->header, k->hlen) == 0)
			return h;
	}
	req = lean_request(k->header, k->hlen, -1, 0, &n);
	x = repl_exchange(r, &w->b->cfg, req, n, now_seconds() + w->b->cfg.header_timeout, &rep, msg,
	                  sizeof msg);
	free(req);
	if (x != XR_OK) {
		/* a command the shell cannot run is a configuration error, not a
		 * verdict on each of the attempts */
		if (x == XR_DIED && !r->answered && WIFEXITED(r->status) &&
		    (WEXITSTATUS(r->status) == 126 || WEXITSTATUS(r->status) == 127)) {
			char last[256];
			stderr_last_line(r, last, sizeof last);
			die(EX_UNAVAILABLE, "--lean-cmd '%s' cannot be run in '%s' (exit status %d)%s%s",
			    w->b->cfg.cmd, w->b->cfg.project, WEXITSTATUS(r->status),
			    last[0] ? ": " : "", last);
		}
		if (x == XR_TIMEOUT)
			snprintf(msg, sizeof msg, "timed out after %g s", w->b->cfg.header_timeout);
		*why = xasprintf("lean: header: %s", msg);
		*transient = 1;
		repl_failed(w, x, msg, j);
		return NULL;
	}
	h = &r->hdr[r->hdr_next];
	r->hdr_next = (r->hdr_next + 1) % HDR_SLOTS;
	free(h->text);
	free(h->err);
	h->h = k->hh;
	h->text = xmalloc(k->hlen + 1);
	memcpy(h->text, k->header, k->hlen);
	h->text[k->hlen] = '\0';
	h->len = k->hlen;
	h->err = NULL;
	h->env = -1;
	if (json_is_string(json_object_get(rep, "message")) && !json_object_get(rep, "env")) {
		char *t = keep_text(json_string_value(json_object_get(rep, "message")));
		h->err = xasprintf("lean: header: the REPL failed: %s", t);
		free(t);
	} else if (!json_is_integer(json_object_get(rep, "env"))) {
		h->err = xstrdup("lean: header: malformed reply from the REPL (no 'env')");
	} else {
		h->env = (long)json_integer_value(json_object_get(rep, "env"));
		msgs = json_object_get(rep, "messages");
		json_array_foreach(msgs, i, m) {
			const char *sev = json_string_value(json_object_get(m, "severity"));
			if (sev && strcmp(sev, "error") == 0) {
				char *t = message_text(m);
				h->err = xasprintf("lean: header: %s", t);
				free(t);
				break;
			}
		}
	}
	json_decref(rep);
	return h;
}

/* The verdict's fields: failed with reason why (or ok, with lemmas from rep). */
static void
verdict(struct wpool_job *j, const struct lean_check *k, const char *why, json_t *rep, double ms)
{
	char *lemmas = NULL;
	size_t len = 0, cap = 0;

	if (!why) {
		lean_put_lemmas(rep, k->name, &lemmas, &len, &cap);
		xgrow(&lemmas, &cap, len + 1, 1);
		lemmas[len] = '\0';
	}
	wpool_verdict(j, why, lemmas, k->tokens, ms);
	free(lemmas);
}

/* Check job j with worker w's REPL: fills j's verdict. */
static void
check(void *arg, struct wpool_job *j)
{
	struct worker *w = arg;
	struct lean_backend *b = w->b;
	const struct lean_check *k = j->check;
	struct repl *r = &w->r;
	const struct lean_cfg *c = &b->cfg;
	struct header *h;
	char msg[256], *why = NULL, *req;
	json_t *rep = NULL, *ax = NULL;
	double t0, deadline;
	size_t n;
	enum xres x;
	int transient = 0;

	pthread_mutex_lock(&b->mu);
	b->st.attempts++;
	pthread_mutex_unlock(&b->mu);
	j->cacheable = 1;
	if (!k->name) {
		verdict(j, k, "statement: expected 'theorem NAME', 'lemma NAME' or 'def NAME'", NULL, 0);
		return;
	}
	/* a process that has grown past the soft limit goes before it is used */
	if (r->pid && c->mem_kb && r->check_mem) {
		r->check_mem = 0;
		r->mem_checked = now_seconds();
		if (group_rss_kb(r->pid, c->page_kb) > (long)(MEM_SOFT * (double)c->mem_kb))
			repl_stop(r);
	}
	if (!r->pid) {
		if (repl_start(r, c, msg, sizeof msg) < 0) {
			why = xasprintf("lean: %s", msg);
			j->cacheable = 0;
			verdict(j, k, why, NULL, 0);
			free(why);
			return;
		}
		pthread_mutex_lock(&b->mu);
		b->st.starts++;
		pthread_mutex_unlock(&b->mu);
	}
	if (!(h = get_header(w, j, k, &why, &transient))) {
		j->cacheable = 0;
		verdict(j, k, why, NULL, 0);
		free(why);
		return;
	}
	if (h->err) {
		verdict(j, k, h->err, NULL, 0);
		return;
	}
	r->uses++;
	t0 = now_seconds();
	deadline = t0 + c->timeout;
	req = lean_request(k->cmd, k->cmdlen, h->env, 1, &n);
	x = repl_exchange(r, c, req, n, deadline, &rep, msg, sizeof msg);
	free(req);
	if (x == XR_OK && !(why = lean_judge_proof(rep, &transient))) {
		long env = (long)json_integer_value(json_object_get(rep, "env"));
		char *pa = xasprintf("#print axioms %s", k->name);
		req = lean_request(pa, strlen(pa), env, 0, &n);
		free(pa);
		x = repl_exchange(r, c, req, n, deadline, &ax, msg, sizeof msg);
		free(req);
		if (x == XR_OK)
			why = lean_judge_axioms(ax, k->name, &transient);
	}
	if (x != XR_OK) {
		if (x == XR_TIMEOUT)
			snprintf(msg, sizeof msg, "timed out after %g s", c->timeout);
		why = xasprintf("lean: %s", msg);
		transient = 1;
		repl_failed(w, x, msg, j);
	}
	if (transient)
		j->cacheable = 0;
	verdict(j, k, why, rep, (now_seconds() - t0) * 1e3);
	/* after a slow attempt (it may have grown the process), and at most
	 * every MEM_CHECK_EVERY seconds (a scan of /proc is not free), measure
	 * the group before the next attempt */
	if (r->pid && (now_seconds() - r->mem_checked >= MEM_CHECK_EVERY || now_seconds() - t0 > 1.0))
		r->check_mem = 1;
	free(why);
	json_decref(rep);
	json_decref(ax);
}

/* A job whose header w's REPL has already loaded suits it better. */
static int
affinity(void *arg, const struct wpool_job *j)
{
	struct worker *w = arg;
	const struct lean_check *k = j->check;

	if (!w->r.pid || !k)
		return 0;
	for (int s = 0; s < HDR_SLOTS; s++)
		if (w->r.hdr[s].text && w->r.hdr[s].h == k->hh)
			return 1;
	return 0;
}

static void *
worker_new(void *ctx, int id)
{
	struct worker *w = xcalloc(1, sizeof *w);

	w->b = ctx;
	w->r.id = id;
	w->r.in = w->r.out = w->r.err = -1;
	return w;
}

static void
worker_free(void *arg)
{
	struct worker *w = arg;

	repl_stop(&w->r);
	free(w->r.buf);
	for (int s = 0; s < HDR_SLOTS; s++) {
		free(w->r.hdr[s].text);
		free(w->r.hdr[s].err);
	}
	free(w);
}

static void
check_free(void *arg)
{
	struct lean_check *k = arg;

	free(k->header);
	free(k->cmd);
	free(k->name);
	free(k);
}

static const struct wpool_ops lean_ops = {
	.worker_new = worker_new,
	.check = check,
	.affinity = affinity,
	.worker_free = worker_free,
	.check_free = check_free,
};

/* The identity of the checker for cache keys: the command and the project's
 * toolchain and package manifest. */
static uint64_t
project_id(const struct lean_cfg *c)
{
	static const char *const files[] = { "lean-toolchain", "lake-manifest.json", NULL };
	uint64_t acc = hash64_str(c->cmd);

	for (int i = 0; files[i]; i++) {
		char *path = xasprintf("%s/%s", c->project, files[i]), buf[1 << 14];
		FILE *f = fopen(path, "rb");
		size_t n;
		free(path);
		if (!f)
			continue;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			acc = hash64_seed(buf, n, acc);
		fclose(f);
	}
	return acc;
}

struct lean_backend *
lean_new(const struct lean_cfg *c, int nworkers, struct vcache *cache)
{
	struct lean_backend *b = xcalloc(1, sizeof *b);

	b->cfg = *c;
	hash64_hex(project_id(c), b->pid);
	b->hf = hash_fields_new();
	pthread_mutex_init(&b->mu, NULL);
	b->pool = wpool_new(&lean_ops, b, nworkers, cache);
	return b;
}

struct wpool *
lean_pool(struct lean_backend *b)
{
	return b->pool;
}

void
lean_make(struct lean_backend *b, struct wpool_job *j, const char *context, size_t clen,
          const char *statement, size_t slen, const char *proof, size_t plen)
{
	struct lean_check *k = xcalloc(1, sizeof *k);

	k->header = xmalloc(clen + 1);
	if (clen)
		memcpy(k->header, context, clen);
	k->header[clen] = '\0';
	k->hlen = clen;
	k->hh = hash64(k->header, clen) | 1;
	/* the proof follows the statement on a new line */
	{
		int nl = slen > 0 && statement[slen - 1] == '\n';
		k->cmdlen = slen + (nl ? 0 : 1) + plen;
		k->cmd = xmalloc(k->cmdlen + 1);
		memcpy(k->cmd, statement, slen);
		if (!nl)
			k->cmd[slen] = '\n';
		memcpy(k->cmd + slen + (nl ? 0 : 1), proof, plen);
		k->cmd[k->cmdlen] = '\0';
	}
	k->name = lean_theorem_name(statement);
	k->tokens = wpool_count_tokens(proof, plen);
	j->check = k;
	hash_fields_reset(b->hf);
	hash_fields_add_str(b->hf, LEAN_CACHE_VERSION);
	hash_fields_add_str(b->hf, b->pid);
	hash_fields_add_str(b->hf, "lean");
	hash_fields_add(b->hf, k->header, k->hlen);
	hash_fields_add(b->hf, statement, slen);
	hash_fields_add(b->hf, proof, plen);
	j->key = hash_fields_128(b->hf);
	j->keyed = 1;
}

void
lean_free(struct lean_backend *b, struct lean_stats *st)
{
	wpool_free(b->pool);
	*st = b->st;
	hash_fields_free(b->hf);
	pthread_mutex_destroy(&b->mu);
	free(b);
}
