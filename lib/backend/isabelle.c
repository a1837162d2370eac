/*
 * isabelle.c - the Isabelle server as a checker: its protocol, the lexical
 * screen, the judgement of its replies, the pool of sessions (see
 * isabelle.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "isabelle.h"

#include "hash.h"
#include "msg.h"
#include "prompt.h"
#include "vcache.h"

/* Bumped whenever a change could alter a verdict: old cache entries then
 * simply stop matching. */
#define ISA_CACHE_VERSION "stp-verify/isabelle/1"

#define CONNECT_WAIT   10.0    /* seconds to connect and be let in */
#define PURGE_WAIT     60.0    /* seconds purge_theories may take */
#define STOP_WAIT      10.0    /* seconds session_stop may take, at the end */
#define CHECK_DELAY    0.5     /* use_theories' check_delay (its default), seconds */
#define MSG_KEEP       1000    /* bytes of a prover message kept in a verdict's error */

/* ---- framing */

char *
isa_frame(const char *name, const char *arg, size_t *len)
{
	size_t nn = strlen(name), na = arg ? strlen(arg) : 0, n = nn + (na ? 1 + na : 0);
	char *s = xmalloc(n + 32), *p = s;
	int k = 0;

	if (n > ISA_SHORT_MAX || (arg && memchr(arg, '\n', na)))
		k = snprintf(s, 32, "%zu\n", n + 1);   /* the length counts the final newline */
	p += k;
	memcpy(p, name, nn);
	p += nn;
	if (na) {
		*p++ = ' ';
		memcpy(p, arg, na);
		p += na;
	}
	*p++ = '\n';
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

int
isa_find_message(const char *b, size_t len, size_t max, size_t *start, size_t *mlen,
                 size_t *consumed)
{
	const char *nl = len ? memchr(b, '\n', len) : NULL;
	size_t line, i, n = 0;
	int digits = 1;

	if (!nl)
		return 0;
	line = (size_t)(nl - b);
	if (line > 0 && b[line - 1] == '\r')
		line--;
	for (i = 0; i < line; i++) {
		if (b[i] < '0' || b[i] > '9') {
			digits = 0;
			break;
		}
		if (n > max / 10 + 1)
			return -1;
		n = n * 10 + (size_t)(b[i] - '0');
	}
	if (!digits || line == 0) {
		*start = 0;
		*mlen = line;
		*consumed = (size_t)(nl - b) + 1;
		return 1;
	}
	if (n > max)
		return -1;
	i = (size_t)(nl - b) + 1;
	if (len - i < n)
		return 0;
	*start = i;
	*consumed = i + n;
	/* a final line end is part of the block but not of the message */
	if (n > 0 && b[i + n - 1] == '\n')
		n--;
	if (n > 0 && b[i + n - 1] == '\r')
		n--;
	*mlen = n;
	return 1;
}

static int
is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

size_t
isa_split(const char *m, size_t n, size_t *arg)
{
	size_t k = 0, a;

	while (k < n && is_name_char(m[k]))
		k++;
	a = k;
	while (a < n && (m[a] == ' ' || m[a] == '\t'))
		a++;
	*arg = a;
	return k;
}

/* ---- the lexical screen */

static const char *const forbidden[] = {
	"sorry", "oops", "axiomatization", "axioms", "quick_and_dirty",
	/* ML escapes: commands that run ML code, or take it as an argument */
	"ML", "ML_prf", "ML_val", "ML_command", "ML_file", "ML_file_debug", "ML_file_no_debug",
	"ML_export", "ML_import", "SML_file", "SML_file_debug", "SML_file_no_debug",
	"SML_import", "SML_export", "setup", "local_setup", "declaration",
	"syntax_declaration", "method_setup", "attribute_setup", "simproc_setup", "oracle",
	/* proof methods that run ML text (Skip_Proof.cheat_tac proves anything) */
	"tactic", "raw_tactic",
	NULL,
};

/* Greek letters, which Isabelle takes as letters in identifiers (\<alpha>) */
static const char *const greek[] = {
	"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
	"mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
	"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
	"Omega", NULL,
};

#define OPEN_U  "\xe2\x80\xb9"   /* ‹ */
#define CLOSE_U "\xe2\x80\xba"   /* › */

/* The length of the symbol "\<NAME>" at s[i], or 0 when there is none;
 * *name and *nlen its name. */
static size_t
symbol_at(const char *s, size_t n, size_t i, const char **name, size_t *nlen)
{
	size_t k;

	if (i + 3 > n || s[i] != '\\' || s[i + 1] != '<')
		return 0;
	for (k = i + 2; k < n && k < i + 64 && s[k] != '>'; k++)
		if (s[k] == '\\' || s[k] == '<' || s[k] == '\n')
			return 0;
	if (k >= n || s[k] != '>')
		return 0;
	*name = s + i + 2;
	*nlen = k - i - 2;
	return k - i + 1;
}

static int
sym_is(const char *name, size_t nlen, const char *w)
{
	return strlen(w) == nlen && memcmp(name, w, nlen) == 0;
}

/* Is \<NAME> a letter of identifiers: Greek, a script letter (\<A>, \<AA>),
 * or a control symbol inside a name (\<^sub>, \<^sup>, \<^bold>...)? */
static int
sym_letter(const char *name, size_t nlen, int first)
{
	if (nlen >= 1 && name[0] == '^')
		return !first && nlen > 1 && !(nlen >= 3 && memcmp(name, "^ML", 3) == 0);
	if ((nlen == 1 || (nlen == 2 && name[0] == name[1])) &&
	    ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
		return 1;
	for (int i = 0; greek[i]; i++)
		if (sym_is(name, nlen, greek[i]))
			return 1;
	return 0;
}

static int
ascii_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
ident_char(char c)
{
	return ascii_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '\'';
}

/* Is the run s[a..b) (an identifier, maybe qualified) a forbidden word? */
static const char *
forbidden_word(const char *s, size_t a, size_t b)
{
	for (int i = 0; forbidden[i]; i++)
		if (strlen(forbidden[i]) == b - a && memcmp(s + a, forbidden[i], b - a) == 0)
			return forbidden[i];
	return NULL;
}

/* Skip an identifier (letters, digits, '_', '\'', letter symbols; '.'
 * before a further letter) from s[i]; returns its end. */
static size_t
skip_ident(const char *s, size_t n, size_t i)
{
	const char *name;
	size_t nlen, k;

	while (i < n) {
		if (ident_char(s[i])) {
			i++;
		} else if ((k = symbol_at(s, n, i, &name, &nlen)) && sym_letter(name, nlen, 0)) {
			i += k;
		} else if (s[i] == '.' && i + 1 < n &&
		           (ascii_letter(s[i + 1]) ||
		            ((k = symbol_at(s, n, i + 1, &name, &nlen)) && sym_letter(name, nlen, 1)))) {
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* Does a cartouche open at s[i] (‹ or \<open>)? */
static int
cartouche_at(const char *s, size_t n, size_t i)
{
	const char *name;
	size_t nlen;

	if (i + 3 <= n && memcmp(s + i, OPEN_U, 3) == 0)
		return 1;
	return symbol_at(s, n, i, &name, &nlen) && sym_is(name, nlen, "open");
}

/* An ML antiquotation at s[i]: "@{ML..." or "\<^ML...>". */
static int
ml_antiquotation(const char *s, size_t n, size_t i)
{
	size_t k = i + 2;

	if (i + 2 < n && s[i] == '@' && s[i + 1] == '{') {
		while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
			k++;
		return k + 1 < n && s[k] == 'M' && s[k + 1] == 'L';
	}
	return i + 5 < n && memcmp(s + i, "\\<^ML", 5) == 0;
}

const char *
isa_forbidden(const char *s, size_t n, long *line)
{
	size_t i = 0;
	long ln = 1;

	while (i < n) {
		const char *name, *w;
		size_t k, nlen;
		char c = s[i];

		if (c == '\n') {
			ln++;
			i++;
		} else if (c == '(' && i + 1 < n && s[i + 1] == '*') {
			/* a comment, nested */
			long at = ln;
			int depth = 1;
			for (i += 2; i < n && depth; ) {
				if (s[i] == '(' && i + 1 < n && s[i + 1] == '*')
					depth++, i += 2;
				else if (s[i] == '*' && i + 1 < n && s[i + 1] == ')')
					depth--, i += 2;
				else
					ln += s[i++] == '\n';
			}
			if (depth) {
				*line = at;
				return "an unterminated comment";
			}
		} else if (c == '{' && i + 1 < n && s[i + 1] == '*') {
			/* verbatim text (the old cartouche) */
			long at = ln;
			for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '}'); i++) {
				if (ml_antiquotation(s, n, i)) {
					*line = ln;
					return "@{ML";
				}
				ln += s[i] == '\n';
			}
			if (i + 1 >= n) {
				*line = at;
				return "an unterminated verbatim text";
			}
			i += 2;
		} else if (c == '"' || c == '`') {
			/* a string, an alternative string: backslash escapes */
			long at = ln;
			for (i++; i < n && s[i] != c; i++) {
				if (ml_antiquotation(s, n, i)) {
					*line = ln;
					return "@{ML";
				}
				if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n')
					i++;
				else
					ln += s[i] == '\n';
			}
			if (i >= n) {
				*line = at;
				return "an unterminated string";
			}
			i++;
		} else if (cartouche_at(s, n, i)) {
			/* a cartouche, nested, in either spelling */
			long at = ln;
			int depth = 0;
			while (i < n) {
				if (i + 3 <= n && memcmp(s + i, OPEN_U, 3) == 0) {
					depth++, i += 3;
				} else if (i + 3 <= n && memcmp(s + i, CLOSE_U, 3) == 0) {
					depth--, i += 3;
				} else if ((k = symbol_at(s, n, i, &name, &nlen)) &&
				           (sym_is(name, nlen, "open") || sym_is(name, nlen, "close"))) {
					depth += name[0] == 'o' ? 1 : -1;
					i += k;
				} else if (ml_antiquotation(s, n, i)) {
					*line = ln;
					return "@{ML";
				} else {
					ln += s[i++] == '\n';
				}
				if (depth == 0)
					break;
			}
			if (depth) {
				*line = at;
				return "an unterminated cartouche";
			}
		} else if ((k = symbol_at(s, n, i, &name, &nlen))) {
			if (sym_is(name, nlen, "proof")) {
				*line = ln;
				return "\\<proof>";
			}
			if (ml_antiquotation(s, n, i)) {
				*line = ln;
				return "@{ML";
			}
			if (sym_letter(name, nlen, 1)) {
				size_t e = skip_ident(s, n, i);
				i = e;
			} else {
				i += k;
			}
		} else if (c == '@' && ml_antiquotation(s, n, i)) {
			*line = ln;
			return "@{ML";
		} else if (ascii_letter(c)) {
			size_t e = skip_ident(s, n, i);
			if ((w = forbidden_word(s, i, e))) {
				*line = ln;
				return w;
			}
			i = e;
		} else if (c >= '0' && c <= '9') {
			while (i < n && ident_char(s[i]))
				i++;
		} else {
			i++;
		}
	}
	return NULL;
}

const char *
isa_bad_context(const char *s, size_t n)
{
	size_t i = 0;
	long line;

	if (isa_forbidden(s, n, &line))
		return "expected the names of theories to import";
	while (i < n) {
		size_t a;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++;
			continue;
		}
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' || s[i] == '\n')
					return "expected the names of theories to import";
			if (i >= n)
				return "expected the names of theories to import";
			i++;
			continue;
		}
		a = i;
		while (i < n && (ident_char(s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '~' ||
		                 s[i] == '/' || s[i] == '$'))
			i++;
		if (i == a)
			return "expected the names of theories to import";
		/* the header's own keywords would end the imports */
		if ((i - a == 5 && memcmp(s + a, "begin", 5) == 0) ||
		    (i - a == 8 && memcmp(s + a, "keywords", 8) == 0) ||
		    (i - a == 7 && memcmp(s + a, "abbrevs", 7) == 0) ||
		    (i - a == 7 && memcmp(s + a, "imports", 7) == 0 && a > 0))
			return "expected the names of theories to import";
	}
	return NULL;
}

/* ---- the judgement */

/* At most MSG_KEEP bytes of s. */
static char *
keep_text(const char *s)
{
	return wpool_clip(s, MSG_KEEP);
}

/* "LINE: KIND: TEXT" for a message, LINE counted from the statement's
 * first line ("context: ..." for the header's lines, no line without a
 * position). */
static char *
message_text(json_t *m, long hdr_lines)
{
	const char *kind = json_string_value(json_object_get(m, "kind"));
	const char *text = json_string_value(json_object_get(m, "message"));
	json_t *l = json_object_get(json_object_get(m, "pos"), "line");
	char *t = keep_text(text ? text : ""), *s;

	if (!kind)
		kind = "message";
	if (json_is_integer(l) && json_integer_value(l) > hdr_lines)
		s = xasprintf("%lld: %s: %s", (long long)(json_integer_value(l) - hdr_lines), kind, t);
	else if (json_is_integer(l) && json_integer_value(l) > 0)
		s = xasprintf("context: %s: %s", kind, t);
	else
		s = xasprintf("%s: %s", kind, t);
	free(t);
	return s;
}

/* Does node (node_name, theory_name) name the theory NAME? */
static int
names_theory(json_t *node, const char *name)
{
	const char *th = json_string_value(json_object_get(node, "theory_name"));
	const char *nn = json_string_value(json_object_get(node, "node_name"));
	size_t k = strlen(name);

	if (th) {
		size_t t = strlen(th);
		if (strcmp(th, name) == 0 || (t > k && th[t - k - 1] == '.' && strcmp(th + t - k, name) == 0))
			return 1;
	}
	if (nn) {
		size_t t = strlen(nn);
		if (t > k + 4 && nn[t - k - 5] == '/' && strncmp(nn + t - k - 4, name, k) == 0 &&
		    strcmp(nn + t - 4, ".thy") == 0)
			return 1;
	}
	return 0;
}

/* The first message of kind "error" in the array a, or NULL. */
static json_t *
first_error(json_t *a)
{
	json_t *m;
	size_t i;

	json_array_foreach(a, i, m) {
		const char *kind = json_string_value(json_object_get(m, "kind"));
		if (kind && strcmp(kind, "error") == 0)
			return m;
	}
	return NULL;
}

char *
isa_judge(json_t *res, const char *name, long hdr_lines, double timeout, int *transient)
{
	json_t *nodes = json_object_get(res, "nodes"), *node = NULL, *st, *n, *e;
	json_t *ok = json_object_get(res, "ok");
	long long failed;
	size_t i;

	*transient = 0;
	json_array_foreach(nodes, i, n)
		if (names_theory(n, name)) {
			node = n;
			break;
		}
	if (!json_is_boolean(ok)) {
		*transient = 1;
		return xstrdup("isabelle: malformed use_theories result (no 'ok')");
	}
	if (!node) {
		/* a theory that cannot even be loaded has its errors here */
		if ((e = first_error(json_object_get(res, "errors"))))
			return message_text(e, hdr_lines);
		*transient = 1;
		return xasprintf("isabelle: no node for theory '%s' in the use_theories result", name);
	}
	st = json_object_get(node, "status");
	if (!json_is_object(st)) {
		*transient = 1;
		return xstrdup("isabelle: malformed use_theories result (a node without 'status')");
	}
	/* what a time-out or an interrupt left unfinished says nothing lasting */
	if (json_is_true(json_object_get(st, "canceled")) ||
	    !json_is_true(json_object_get(st, "consolidated")))
		*transient = 1;
	if ((e = first_error(json_object_get(node, "messages"))) ||
	    (e = first_error(json_object_get(res, "errors"))))
		return message_text(e, hdr_lines);
	failed = json_integer_value(json_object_get(st, "failed"));
	if (failed > 0)
		return xasprintf("isabelle: %lld command%s failed", failed, failed == 1 ? "" : "s");
	if (json_is_true(json_object_get(st, "canceled")))
		return xstrdup("isabelle: a command was cancelled (an interrupt)");
	if (!json_is_true(json_object_get(st, "consolidated")))
		return xasprintf("isabelle: timed out after %g s", timeout);
	if (!json_is_true(ok))
		return xstrdup("isabelle: use_theories answered \"ok\": false");
	return NULL;
}

/* ---- connections */

int
isa_parse_address(const char *addr, char **host, char **port)
{
	const char *c;

	*host = *port = NULL;
	if (addr[0] == '[') {
		const char *e = strchr(addr, ']');
		if (!e || e[1] != ':' || !e[2])
			return -1;
		*host = xstrndup(addr + 1, (size_t)(e - addr - 1));
		*port = xstrdup(e + 2);
	} else {
		if (!(c = strrchr(addr, ':')) || c == addr || !c[1])
			return -1;
		*host = xstrndup(addr, (size_t)(c - addr));
		*port = xstrdup(c + 1);
	}
	for (c = *port; *c; c++)
		if (*c < '0' || *c > '9') {
			free(*host);
			free(*port);
			*host = *port = NULL;
			return -1;
		}
	return 0;
}

/* What reading or a command came to. XR_OK: the message (or reply) is there. */
enum xres { XR_OK, XR_TIMEOUT, XR_LOST, XR_BAD };

/* The replies. */
enum { REP_OK, REP_ERROR, REP_FINISHED, REP_FAILED, REP_NOTE, REP_OTHER };

struct conn {
	int fd;                /* -1: not connected */
	const char *address;   /* for messages */
	char *buf;             /* bytes received, not consumed: buf[0..len) */
	size_t len, cap;
	char ended[128];       /* a task that ended while we waited for something else */
};

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->ended[0] = '\0';
}

/* Wait until c's socket is ready for events, by deadline: XR_OK (ready, or
 * interrupted: try again), XR_TIMEOUT or XR_LOST. */
static enum xres
conn_poll(struct conn *c, short events, double deadline, char *why, size_t whylen)
{
	struct pollfd pf = { c->fd, events, 0 };
	double left = deadline - now_seconds();

	if (left <= 0) {
		snprintf(why, whylen, "timed out");
		return XR_TIMEOUT;
	}
	if (poll(&pf, 1, (int)ceil(left * 1e3)) < 0 && errno != EINTR) {
		snprintf(why, whylen, "poll: %s", strerror(errno));
		return XR_LOST;
	}
	return XR_OK;
}

/* Write all of s[0..n) by deadline. */
static enum xres
conn_write(struct conn *c, const char *s, size_t n, double deadline, char *why, size_t whylen)
{
	size_t sent = 0;

	while (sent < n) {
		enum xres x = conn_poll(c, POLLOUT, deadline, why, whylen);
		ssize_t w;

		if (x != XR_OK)
			return x;
		w = send(c->fd, s + sent, n - sent, MSG_NOSIGNAL);
		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, whylen, "the server closed the connection (%s)", strerror(errno));
			return XR_LOST;
		}
	}
	return XR_OK;
}

/* Send the message "NAME ARG" (arg: JSON, or NULL for none). */
static enum xres
conn_send(struct conn *c, const char *name, json_t *arg, double deadline, char *why,
          size_t whylen)
{
	char *a = arg ? json_dumps(arg, JSON_COMPACT | JSON_ENCODE_ANY) : NULL, *m;
	size_t n;
	enum xres x;

	if (arg && !a)
		die(EX_SOFTWARE, "isabelle: cannot encode the arguments of %s", name);
	m = isa_frame(name, a, &n);
	x = conn_write(c, m, n, deadline, why, whylen);
	free(a);
	free(m);
	return x;
}

/*
 * Read the next message by deadline: *kind (REP_*) and *arg (its JSON
 * argument, NULL when it has none; the caller owns it).
 */
static enum xres
conn_read(struct conn *c, double deadline, int *kind, json_t **arg, char *why, size_t whylen)
{
	static const char *const names[] = { "OK", "ERROR", "FINISHED", "FAILED", "NOTE", NULL };

	*arg = NULL;
	for (;;) {
		size_t start, mlen, used, nlen, a;
		int r = isa_find_message(c->buf, c->len, ISA_MAX_MESSAGE, &start, &mlen, &used);

		if (r < 0) {
			snprintf(why, whylen, "a message from the server is longer than %ld bytes",
			         (long)ISA_MAX_MESSAGE);
			return XR_BAD;
		}
		if (r > 0) {
			const char *m = c->buf + start;
			nlen = isa_split(m, mlen, &a);
			*kind = REP_OTHER;
			for (int i = 0; names[i]; i++)
				if (strlen(names[i]) == nlen && memcmp(m, names[i], nlen) == 0)
					*kind = i;
			if (a < mlen) {
				*arg = json_loadb(m + a, mlen - a, JSON_DECODE_ANY, NULL);
				if (!*arg) {
					snprintf(why, whylen, "malformed message from the server: '%.*s'",
					         (int)(mlen < 80 ? mlen : 80), m);
					return XR_BAD;
				}
			}
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			if (*kind == REP_OTHER) {
				json_decref(*arg);
				*arg = NULL;
				snprintf(why, whylen, "unexpected message from the server: '%.*s'",
				         (int)(nlen < 80 ? nlen : 80), m);
				return XR_BAD;
			}
			return XR_OK;
		}
		{
			enum xres x = conn_poll(c, POLLIN, deadline, why, whylen);
			ssize_t got;

			if (x != XR_OK)
				return x;
			xgrow(&c->buf, &c->cap, c->len + 65536, 1);
			got = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
			if (got > 0) {
				c->len += (size_t)got;
			} else if (got == 0) {
				snprintf(why, whylen, "the server closed the connection");
				return XR_LOST;
			} else if (errno != EAGAIN && errno != EINTR) {
				snprintf(why, whylen, "the connection broke (%s)", strerror(errno));
				return XR_LOST;
			}
		}
	}
}

/*
 * Wait for a synchronous reply (task NULL: OK or ERROR) or for the end of
 * task (FINISHED or FAILED). NOTEs are skipped, and so are the ends of other
 * tasks (the last one is remembered in c->ended).
 */
static enum xres
conn_wait(struct conn *c, const char *task, double deadline, int *kind, json_t **arg, char *why,
          size_t whylen)
{
	if (task && strcmp(c->ended, task) == 0) {
		/* it ended while we waited for something else */
		c->ended[0] = '\0';
		*kind = REP_FAILED;
		*arg = json_pack("{s:s,s:s,s:s}", "task", task, "kind", "error", "message",
		                 "ended earlier");
		return XR_OK;
	}
	for (;;) {
		enum xres x = conn_read(c, deadline, kind, arg, why, whylen);
		if (x != XR_OK)
			return x;
		if (*kind == REP_NOTE) {
			/* progress: nothing to act on */
		} else if (*kind == REP_FINISHED || *kind == REP_FAILED) {
			const char *t = json_string_value(json_object_get(*arg, "task"));
			if (task && t && strcmp(t, task) == 0)
				return XR_OK;
			if (t)
				snprintf(c->ended, sizeof c->ended, "%s", t);
		} else if (!task) {
			return XR_OK;
		} else {
			/* an OK or ERROR nobody asked for */
			snprintf(why, whylen, "an unexpected %s from the server",
			         *kind == REP_OK ? "OK" : "ERROR");
			json_decref(*arg);
			*arg = NULL;
			return XR_BAD;
		}
		json_decref(*arg);
		*arg = NULL;
	}
}

/* The text of an ERROR or FAILED argument: its "message", or itself. */
static char *
reply_text(json_t *arg)
{
	const char *m = json_string_value(json_object_get(arg, "message"));
	char *s, *t;

	if (!m && json_is_string(arg))
		m = json_string_value(arg);
	if (m)
		return keep_text(m);
	if (!arg)
		return xstrdup("(no message)");
	s = json_dumps(arg, JSON_COMPACT | JSON_ENCODE_ANY);
	t = keep_text(s ? s : "?");
	free(s);
	return t;
}

/*
 * An asynchronous command: send it, take the task from its OK, wait for the
 * task's end by deadline. XR_OK: *kind REP_FINISHED, REP_FAILED (the task's
 * end) or REP_ERROR (refused at once), *res the argument. task (128 bytes)
 * gets the task's id, for a cancel after XR_TIMEOUT.
 */
static enum xres
conn_task(struct conn *c, const char *name, json_t *args, double deadline, char *task, int *kind,
          json_t **res, char *why, size_t whylen)
{
	enum xres x;
	const char *t;

	task[0] = '\0';
	*res = NULL;
	if ((x = conn_send(c, name, args, deadline, why, whylen)) != XR_OK)
		return x;
	if ((x = conn_wait(c, NULL, deadline, kind, res, why, whylen)) != XR_OK)
		return x;
	if (*kind == REP_ERROR)
		return XR_OK;
	t = json_string_value(json_object_get(*res, "task"));
	if (!t || strlen(t) >= 128) {
		snprintf(why, whylen, "%s: no task in the server's OK", name);
		json_decref(*res);
		*res = NULL;
		return XR_BAD;
	}
	snprintf(task, 128, "%s", t);
	json_decref(*res);
	*res = NULL;
	return conn_wait(c, task, deadline, kind, res, why, whylen);
}

/* A synchronous command: XR_OK with *kind REP_OK or REP_ERROR and *res. */
static enum xres
conn_sync(struct conn *c, const char *name, json_t *args, double deadline, int *kind,
          json_t **res, char *why, size_t whylen)
{
	enum xres x;

	*res = NULL;
	if ((x = conn_send(c, name, args, deadline, why, whylen)) != XR_OK)
		return x;
	return conn_wait(c, NULL, deadline, kind, res, why, whylen);
}

/*
 * Connect to the server and give the password. Returns 0 with c->fd open
 * (and *hello the server's OK argument, when hello is not NULL), or -1 with
 * why; -2 when the server closed the connection after the password.
 */
static int
conn_open1(struct conn *c, const char *address, const char *password, json_t **hello, char *why,
          size_t whylen)
{
	struct addrinfo hints, *ai = NULL, *p;
	char *host, *port, *pw;
	double deadline = now_seconds() + CONNECT_WAIT;
	json_t *arg = NULL;
	int e, kind, err = ECONNREFUSED;
	enum xres x;

	c->fd = -1;
	c->len = 0;
	c->ended[0] = '\0';
	c->address = address;
	if (hello)
		*hello = NULL;
	if (isa_parse_address(address, &host, &port) < 0) {
		snprintf(why, whylen, "bad address '%s': expected HOST:PORT", address);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(host, port, &hints, &ai);
	free(host);
	free(port);
	if (e != 0) {
		snprintf(why, whylen, "cannot connect to the Isabelle server at %s: %s", address,
		         gai_strerror(e));
		return -1;
	}
	for (p = ai; p && c->fd < 0; p = p->ai_next) {
		int fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		                p->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, p->ai_addr, p->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		{
			struct pollfd pf = { fd, POLLOUT, 0 };
			socklen_t sl = sizeof e;
			double left = deadline - now_seconds();
			int pr = poll(&pf, 1, left > 0 ? (int)ceil(left * 1e3) : 0);
			e = 0;
			if (pr <= 0) {
				err = pr == 0 ? ETIMEDOUT : errno;
				close(fd);
				continue;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0 || e != 0) {
				err = e ? e : errno;
				close(fd);
				continue;
			}
		}
		c->fd = fd;
	}
	freeaddrinfo(ai);
	if (c->fd < 0) {
		snprintf(why, whylen, "cannot connect to the Isabelle server at %s: %s", address,
		         strerror(err));
		return -1;
	}
	{
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	/* the password: one line, never length-framed */
	pw = xasprintf("%s\n", password ? password : "");
	x = conn_write(c, pw, strlen(pw), deadline, why, whylen);
	free(pw);
	if (x == XR_OK)
		x = conn_read(c, deadline, &kind, &arg, why, whylen);
	if (x == XR_OK && kind == REP_OK) {
		if (hello)
			*hello = arg;
		else
			json_decref(arg);
		return 0;
	}
	if (x == XR_LOST)
		snprintf(why, whylen, "the Isabelle server at %s closed the connection after the "
		         "password (a wrong password?)", address);
	else if (x == XR_TIMEOUT)
		snprintf(why, whylen, "the Isabelle server at %s did not answer the password within "
		         "%g s", address, CONNECT_WAIT);
	else if (x == XR_OK)
		snprintf(why, whylen, "the Isabelle server at %s did not answer OK to the password",
		         address);
	else {
		char w[256];
		snprintf(w, sizeof w, "%s", why);
		snprintf(why, whylen, "the Isabelle server at %s: %s", address, w);
	}
	json_decref(arg);
	conn_close(c);
	return x == XR_LOST ? -2 : -1;
}

/*
 * conn_open1, once more after a moment when the server closed the
 * connection after the password: a server that has just died may have let
 * the connection in before its socket closed, and the second try tells
 * that from a wrong password.
 */
static int
conn_open(struct conn *c, const char *address, const char *password, json_t **hello, char *why,
          size_t whylen)
{
	int r = conn_open1(c, address, password, hello, why, whylen);

	if (r == -2) {
		usleep(250000);
		r = conn_open1(c, address, password, hello, why, whylen);
	}
	return r < 0 ? -1 : 0;
}

/* ---- the pool's workers */

struct isa_backend {
	struct isa_cfg cfg;
	struct wpool *pool;
	struct vcache *cache;
	char *ident;           /* the server's isabelle_id and name, for cache keys */
	struct hash_fields *hf;   /* for cache keys, in the caller's thread */
	struct pbuf text;      /* the caller's: a theory's text */
	pthread_mutex_t mu;
	struct isa_stats st;   /* under mu */
};

/* What an attempt is checked as (a job's check). */
struct isa_check {
	char *name;            /* the theory's name: Attempt_<hash> */
	char *text;            /* the theory's text */
	size_t tlen;
	long hdr_lines;        /* lines of its header */
	long tokens;           /* the proof's length */
};

struct isa_worker {
	struct isa_backend *b;
	int id;
	struct conn c;
	char *session_id;      /* NULL: none started on this connection */
	char *tmp_dir;
	char *stale;           /* a session to stop once connected again */
	long n;                /* attempts, for the directories' names */
};

static void
count(struct isa_backend *b, long *field)
{
	pthread_mutex_lock(&b->mu);
	(*field)++;
	pthread_mutex_unlock(&b->mu);
}

/* Stop session id on w's connection, waiting at most wait seconds; the
 * outcome does not matter (the server may have stopped it already). */
static void
stop_session(struct isa_worker *w, const char *id, double wait)
{
	json_t *args = json_pack("{s:s}", "session_id", id), *res = NULL;
	char task[128], why[256];
	int kind;
	enum xres x;

	x = conn_task(&w->c, "session_stop", args, now_seconds() + wait, task, &kind, &res, why,
	              sizeof why);
	json_decref(args);
	json_decref(res);
	if (x != XR_OK)
		conn_close(&w->c);
}

/* Give up w's connection: the server cancels its tasks; the session is
 * stopped when the next attempt connects again. */
static void
drop(struct isa_worker *w)
{
	conn_close(&w->c);
	if (w->session_id) {
		free(w->stale);
		w->stale = w->session_id;
		w->session_id = NULL;
	}
	free(w->tmp_dir);
	w->tmp_dir = NULL;
	count(w->b, &w->b->st.restarts);
}

/* A connection and a session for w: dies with 69 when there can be none. */
static void
ensure_session(struct isa_worker *w)
{
	const struct isa_cfg *cfg = &w->b->cfg;
	char why[512], task[128];
	json_t *args, *res = NULL;
	const char *sid, *tmp;
	int kind;
	enum xres x;

	if (w->c.fd < 0) {
		if (conn_open(&w->c, cfg->address, cfg->password, NULL, why, sizeof why) < 0)
			die(EX_UNAVAILABLE, "%s", why);
		if (w->stale) {
			stop_session(w, w->stale, STOP_WAIT);
			free(w->stale);
			w->stale = NULL;
			if (w->c.fd < 0 &&
			    conn_open(&w->c, cfg->address, cfg->password, NULL, why, sizeof why) < 0)
				die(EX_UNAVAILABLE, "%s", why);
		}
	}
	if (w->session_id)
		return;
	args = json_pack("{s:s}", "session", cfg->session);
	x = conn_task(&w->c, "session_start", args, now_seconds() + cfg->start_timeout, task, &kind,
	              &res, why, sizeof why);
	json_decref(args);
	if (x == XR_TIMEOUT)
		die(EX_UNAVAILABLE, "the Isabelle server at %s: session_start '%s' took more than %g s",
		    cfg->address, cfg->session, cfg->start_timeout);
	if (x != XR_OK)
		die(EX_UNAVAILABLE, "the Isabelle server at %s: session_start '%s': %s", cfg->address,
		    cfg->session, why);
	if (kind != REP_FINISHED) {
		char *t = reply_text(res);
		die(EX_UNAVAILABLE, "the Isabelle server at %s: session_start '%s' failed: %s",
		    cfg->address, cfg->session, t);
	}
	sid = json_string_value(json_object_get(res, "session_id"));
	tmp = json_string_value(json_object_get(res, "tmp_dir"));
	if (!sid || !tmp)
		die(EX_UNAVAILABLE, "the Isabelle server at %s: session_start '%s': no session_id "
		    "or tmp_dir in its result", cfg->address, cfg->session);
	w->session_id = xstrdup(sid);
	w->tmp_dir = xstrdup(tmp);
	json_decref(res);
	count(w->b, &w->b->st.sessions);
	if (msg_verbosity >= 2)
		progress("isabelle worker %d: session %s started (%s)", w->id, w->session_id,
		         w->tmp_dir);
}

/* Write the theory text into dir/NAME.thy, under a temporary name renamed
 * into place; dies when it cannot. Returns the file's path (malloc'd). */
static char *
write_theory(struct isa_worker *w, const char *dir, const struct isa_check *k)
{
	char *path = xasprintf("%s/%s.thy", dir, k->name);
	char *tmp = xasprintf("%s/.%s.thy.tmp", dir, k->name);
	int fd, bad;
	size_t off = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(EX_CANTCREAT, "cannot create '%s' in the session's tmp_dir (the Isabelle server "
		    "must share this machine's file system):", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(EX_CANTCREAT, "cannot create '%s':", tmp);
	while (off < k->tlen) {
		ssize_t n = write(fd, k->text + off, k->tlen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	bad = off < k->tlen;
	if (close(fd) < 0 || bad || rename(tmp, path) < 0) {
		unlink(tmp);
		die(EX_IOERR, "cannot write '%s':", path);
	}
	free(tmp);
	(void)w;
	return path;
}

static void *
worker_new(void *ctx, int id)
{
	struct isa_worker *w = xcalloc(1, sizeof *w);

	w->b = ctx;
	w->id = id;
	w->c.fd = -1;
	return w;
}

static void
worker_free(void *arg)
{
	struct isa_worker *w = arg;
	const struct isa_cfg *cfg = &w->b->cfg;
	char why[512];

	if (w->c.fd < 0 && w->stale &&
	    conn_open(&w->c, cfg->address, cfg->password, NULL, why, sizeof why) < 0)
		w->c.fd = -1;
	if (w->c.fd >= 0 && w->stale)
		stop_session(w, w->stale, STOP_WAIT);
	if (w->c.fd >= 0 && w->session_id)
		stop_session(w, w->session_id, STOP_WAIT);
	conn_close(&w->c);
	free(w->c.buf);
	free(w->session_id);
	free(w->tmp_dir);
	free(w->stale);
	free(w);
}

/* After a time-out of our own: cancel the task and give it a moment to end.
 * Returns 1 when it ended (the connection and session can go on), else 0. */
static int
cancel_task(struct isa_worker *w, const char *task)
{
	json_t *args = json_pack("{s:s}", "task", task), *res = NULL;
	double deadline = now_seconds() + ISA_CANCEL_WAIT;
	char why[256];
	int kind;
	enum xres x;

	count(w->b, &w->b->st.cancels);
	x = conn_sync(&w->c, "cancel", args, deadline, &kind, &res, why, sizeof why);
	json_decref(args);
	json_decref(res);
	res = NULL;
	if (x == XR_OK)
		x = conn_wait(&w->c, task, deadline, &kind, &res, why, sizeof why);
	json_decref(res);
	return x == XR_OK;
}

/* Purge theory name (in dir) from w's session; a failure drops the
 * connection. */
static void
purge(struct isa_worker *w, const char *dir, const char *name)
{
	json_t *args, *res = NULL;
	char why[256];
	int kind;
	enum xres x;

	args = json_pack("{s:s,s:[s],s:s}", "session_id", w->session_id, "theories", name,
	                 "master_dir", dir);
	x = conn_sync(&w->c, "purge_theories", args, now_seconds() + PURGE_WAIT, &kind, &res, why,
	              sizeof why);
	json_decref(args);
	if (x != XR_OK || kind != REP_OK) {
		if (msg_verbosity >= 1)
			progress("isabelle worker %d: purge_theories failed (%s): a new session",
			         w->id, x != XR_OK ? why : "ERROR");
		drop(w);
	}
	json_decref(res);
}

static void
check(void *arg, struct wpool_job *j)
{
	struct isa_worker *w = arg;
	struct isa_backend *b = w->b;
	const struct isa_check *k = j->check;
	double t0, ms = 0, limit = b->cfg.timeout;
	char *dir, *path, *why = NULL, msg[512], task[128];
	json_t *args, *res = NULL;
	long climit;
	int kind, transient = 0;
	enum xres x;

	ensure_session(w);
	dir = xasprintf("%s/stp-%ld-%d-%ld", w->tmp_dir, (long)getpid(), w->id, ++w->n);
	path = write_theory(w, dir, k);
	/* the server's own limit: check_delay × check_limit; and no change of
	 * status for the whole limit is as good as a time-out */
	climit = (long)ceil(limit / CHECK_DELAY);
	if (climit < 1)
		climit = 1;
	args = json_pack("{s:s,s:[s],s:s,s:f,s:i,s:f}", "session_id", w->session_id, "theories",
	                 k->name, "master_dir", dir, "check_delay", CHECK_DELAY, "check_limit",
	                 (json_int_t)climit, "watchdog_timeout", limit);
	count(b, &b->st.attempts);
	t0 = now_seconds();
	x = conn_task(&w->c, "use_theories", args, t0 + limit + ISA_SLACK, task, &kind, &res, msg,
	              sizeof msg);
	ms = (now_seconds() - t0) * 1e3;
	json_decref(args);
	if (x == XR_OK && kind == REP_FINISHED) {
		why = isa_judge(res, k->name, k->hdr_lines, limit, &transient);
		if (transient && strstr(why, "timed out"))
			count(b, &b->st.timeouts);
		purge(w, dir, k->name);
	} else if (x == XR_OK) {
		char *t = reply_text(res);
		why = xasprintf("isabelle: use_theories %s: %s", kind == REP_FAILED ? "failed" : "refused",
		                t);
		free(t);
		transient = 1;
		drop(w);
	} else if (x == XR_TIMEOUT && task[0]) {
		why = xasprintf("isabelle: timed out after %g s", limit);
		transient = 1;
		count(b, &b->st.timeouts);
		if (cancel_task(w, task))
			purge(w, dir, k->name);
		else
			drop(w);
	} else {
		why = xasprintf("isabelle: %s", msg);
		transient = 1;
		if (x == XR_LOST || x == XR_BAD)
			count(b, &b->st.lost);
		if (msg_verbosity >= 1)
			progress("isabelle worker %d: %s on '%s:%ld': a new connection and session", w->id,
			         msg, j->file, j->lineno);
		drop(w);
	}
	json_decref(res);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	wpool_verdict(j, why, NULL, k->tokens, ms);
	j->cacheable = !transient;
	free(why);
}

static void
check_free(void *arg)
{
	struct isa_check *k = arg;

	free(k->name);
	free(k->text);
	free(k);
}

static const struct wpool_ops isa_ops = {
	.worker_new = worker_new,
	.check = check,
	.affinity = NULL,
	.worker_free = worker_free,
	.check_free = check_free,
};

struct isa_backend *
isa_new(const struct isa_cfg *c, int nworkers, struct vcache *cache)
{
	struct isa_backend *b = xcalloc(1, sizeof *b);
	struct conn probe;
	json_t *hello = NULL;
	char why[512];
	const char *id, *name;

	b->cfg = *c;
	b->cache = cache;
	memset(&probe, 0, sizeof probe);
	if (conn_open(&probe, c->address, c->password, &hello, why, sizeof why) < 0)
		die(EX_UNAVAILABLE, "%s", why);
	id = json_string_value(json_object_get(hello, "isabelle_id"));
	name = json_string_value(json_object_get(hello, "isabelle_name"));
	b->ident = xasprintf("%s %s", id ? id : "?", name ? name : "?");
	json_decref(hello);
	conn_close(&probe);
	free(probe.buf);
	b->hf = hash_fields_new();
	pthread_mutex_init(&b->mu, NULL);
	b->pool = wpool_new(&isa_ops, b, nworkers, cache);
	return b;
}

struct wpool *
isa_pool(struct isa_backend *b)
{
	return b->pool;
}

int
isa_make(struct isa_backend *b, struct wpool_job *j, const char *context, size_t clen,
         const char *statement, size_t slen, const char *proof, size_t plen)
{
	struct isa_check *k;
	char *ctx = xstrndup(context ? context : "", context ? clen : 0);
	char *stmt = xstrndup(statement, slen), *prf = xstrndup(proof, plen), hex[17], *why = NULL;
	const char *bad;
	long line = 0;
	uint64_t h;

	hash_fields_reset(b->hf);
	hash_fields_add(b->hf, ctx, strlen(ctx));
	hash_fields_add(b->hf, stmt, slen);
	hash_fields_add(b->hf, prf, plen);
	h = hash_fields_64(b->hf);
	hash64_hex(h, hex);
	k = xcalloc(1, sizeof *k);
	k->name = xasprintf("Attempt_%s", hex);
	k->tokens = wpool_count_tokens(proof, plen);
	j->check = k;

	/* the screen: decided here, in the caller's thread, and not cached */
	if ((bad = isa_bad_context(ctx, strlen(ctx))))
		why = xasprintf("context: %s", bad);
	else if ((bad = isa_forbidden(stmt, slen, &line)))
		why = bad[0] == 'a' && bad[1] == 'n' && bad[2] == ' ' ?
		      xasprintf("statement: line %ld: %s", line, bad) :
		      xasprintf("statement: line %ld: '%s' is not allowed", line, bad);
	else if ((bad = isa_forbidden(prf, plen, &line)))
		why = bad[0] == 'a' && bad[1] == 'n' && bad[2] == ' ' ?
		      xasprintf("proof: line %ld: %s", line, bad) :
		      xasprintf("proof: line %ld: '%s' is not allowed", line, bad);
	if (why) {
		wpool_verdict(j, why, NULL, k->tokens, 0);
		free(why);
		free(ctx);
		free(stmt);
		free(prf);
		return 0;
	}
	pbuf_reset(&b->text);
	k->hdr_lines = 0;
	prompt_isabelle_header(&b->text, k->name, ctx);
	for (size_t i = 0; i < b->text.len; i++)
		k->hdr_lines += b->text.s[i] == '\n';
	pbuf_reset(&b->text);
	prompt_isabelle_theory(&b->text, k->name, ctx, stmt, prf);
	k->text = xstrndup(b->text.s, b->text.len);
	k->tlen = b->text.len;
	if (b->cache) {
		hash_fields_reset(b->hf);
		hash_fields_add_str(b->hf, ISA_CACHE_VERSION);
		hash_fields_add_str(b->hf, b->ident);
		hash_fields_add_str(b->hf, b->cfg.session);
		hash_fields_add_str(b->hf, "isabelle");
		hash_fields_add(b->hf, ctx, strlen(ctx));
		hash_fields_add(b->hf, stmt, slen);
		hash_fields_add(b->hf, prf, plen);
		j->key = hash_fields_128(b->hf);
		j->keyed = 1;
	}
	free(ctx);
	free(stmt);
	free(prf);
	return 1;
}

void
isa_free(struct isa_backend *b, struct isa_stats *st)
{
	wpool_free(b->pool);
	*st = b->st;
	pthread_mutex_destroy(&b->mu);
	hash_fields_free(b->hf);
	pbuf_free(&b->text);
	free(b->ident);
	free(b);
}
