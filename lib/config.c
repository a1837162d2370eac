/*
 * config.c - YAML configuration through libyaml (see config.h)
 *
 * The file is read whole and parsed with libyaml's event API into a flat list
 * of entries, one per mapping key, named by its dotted path ("verify.jobs")
 * and remembering where its key and its value start. Nested mappings are
 * entries too (kind ENTRY_MAP), so that a duplicate key is caught whatever it
 * holds and a section can be told from a scalar. Values keep their text; the
 * typed getters interpret it when asked, so the error for a bad value names
 * the type the tool wanted.
 *
 * Plain (unquoted) scalars "", "~" and "null" are YAML's null: the getters
 * treat such a key as absent, as jsonl.h treats a JSON null. A quoted scalar
 * is always a string, so jobs: "2" is not an integer.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "jsonl.h"
#include "msg.h"

#define CONFIG_MAX_DEPTH 16   /* nested mappings accepted */

enum { ENTRY_SCALAR, ENTRY_SEQ, ENTRY_MAP };

struct entry {
	char *key;                  /* dotted path, e.g. "verify.jobs" */
	int kind;                   /* ENTRY_* */
	char *value;                /* ENTRY_SCALAR: its text */
	int plain;                  /* ENTRY_SCALAR: unquoted, so maybe a number/bool/null */
	char **items;               /* ENTRY_SEQ: (nitems + 1), NULL-terminated */
	size_t nitems;
	unsigned long line, col;    /* where the value starts, 1-based */
	unsigned long kline, kcol;  /* where the key starts, 1-based */
};

struct config {
	char *path;                 /* NULL without a file */
	struct entry *e;            /* (n) in document order */
	size_t n, cap;
};

/* Parser state for one config_load(); lives on its stack. */
struct yparse {
	yaml_parser_t parser;
	yaml_event_t ev;            /* the current event, when have */
	int have;
	struct config *c;
	const char *path;
	const unsigned char *text;  /* the whole file, for reader errors */
	size_t len;
	char *pending;              /* a key not yet in an entry (freed on an error) */
};

static void bad(const struct config *c, unsigned long line, unsigned long col,
                const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

/* The file being read by config_load: what a parse error leaves is freed
 * before dying, so that a die() hook that returns (the fuzz harness) leaks
 * nothing. NULL outside config_load. */
static struct yparse *loading;
static char *loading_text;

static void
release_loading(void)
{
	if (!loading)
		return;
	if (loading->have)
		yaml_event_delete(&loading->ev);
	yaml_parser_delete(&loading->parser);
	free(loading->pending);
	free(loading_text);
	config_free(loading->c);
	loading = NULL;
	loading_text = NULL;
}

/* die(EX_CONFIG, "FILE:LINE:COL: ...") */
static void
bad(const struct config *c, unsigned long line, unsigned long col, const char *fmt, ...)
{
	char text[1024], where[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%s:%lu:%lu: ", config_path(c), line, col);
	if (loading && loading->c == c)
		release_loading();
	die(EX_CONFIG, "%s%s", where, text);
}

static void bad_at(struct yparse *y, yaml_mark_t m, const char *what)
	__attribute__((noreturn));

static void
bad_at(struct yparse *y, yaml_mark_t m, const char *what)
{
	bad(y->c, (unsigned long)m.line + 1, (unsigned long)m.column + 1, "%s", what);
}

static void syntax_error(struct yparse *y) __attribute__((noreturn));

/* Report libyaml's error and die with EX_CONFIG (EX_OSERR when out of memory). */
static void
syntax_error(struct yparse *y)
{
	yaml_parser_t *p = &y->parser;
	unsigned long line = 1, col = 1;
	const char *problem = p->problem ? p->problem : "invalid YAML";
	size_t i;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		die(EX_OSERR, "out of memory (parsing '%s')", y->path);
	case YAML_READER_ERROR:
		/* Reader errors carry a byte offset, not a mark. */
		for (i = 0; i < p->problem_offset && i < y->len; i++) {
			if (y->text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		bad(y->c, line, col, "%s", problem);
	default:
		line = (unsigned long)p->problem_mark.line + 1;
		col = (unsigned long)p->problem_mark.column + 1;
		if (p->context && (p->context_mark.line != p->problem_mark.line ||
		                   p->context_mark.column != p->problem_mark.column))
			bad(y->c, line, col, "%s (%s at line %lu, column %lu)", problem,
			    p->context, (unsigned long)p->context_mark.line + 1,
			    (unsigned long)p->context_mark.column + 1);
		bad(y->c, line, col, "%s", problem);
	}
}

/* Replace the current event by the next one; dies on a syntax error. */
static yaml_event_t *
next_event(struct yparse *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = 0;
	if (!yaml_parser_parse(&y->parser, &y->ev))
		syntax_error(y);
	y->have = 1;
	return &y->ev;
}

/* Die unless the current node event is a plain node: no anchor, no tag, no alias. */
static void
check_node(struct yparse *y)
{
	yaml_event_t *ev = &y->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		bad_at(y, ev->start_mark, "aliases are not supported");
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return;
	}
	if (anchor)
		bad_at(y, ev->start_mark, "anchors are not supported");
	if (tag)
		bad_at(y, ev->start_mark, "tags are not supported");
}

static int
is_null(const char *s, int plain)
{
	return plain && (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	                 strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

/* A copy of the current scalar's text; dies if it holds a NUL ("\0" escape). */
static char *
scalar_text(struct yparse *y, const char *what)
{
	const char *s = (const char *)y->ev.data.scalar.value;
	size_t n = y->ev.data.scalar.length;

	if (memchr(s, '\0', n))
		bad(y->c, (unsigned long)y->ev.start_mark.line + 1,
		    (unsigned long)y->ev.start_mark.column + 1, "NUL character in %s", what);
	return xstrndup(s, n);
}

static struct entry *
lookup(const struct config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0)
			return &c->e[i];
	return NULL;
}

static struct entry *
add_entry(struct config *c, char *key, int kind, yaml_mark_t km, yaml_mark_t vm)
{
	struct entry *e;

	xgrow(&c->e, &c->cap, c->n + 1, sizeof(*c->e));
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->kind = kind;
	e->kline = (unsigned long)km.line + 1;
	e->kcol = (unsigned long)km.column + 1;
	e->line = (unsigned long)vm.line + 1;
	e->col = (unsigned long)vm.column + 1;
	return e;
}

/* The current event is SEQUENCE_START of key's value; read its scalars into e. */
static void
parse_seq(struct yparse *y, struct entry *e)
{
	size_t cap = 0;

	for (;;) {
		next_event(y);
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		check_node(y);
		if (y->ev.type != YAML_SCALAR_EVENT)
			bad_at(y, y->ev.start_mark, "expected a list of scalars");
		xgrow(&e->items, &cap, e->nitems + 2, sizeof(*e->items));
		e->items[e->nitems++] = scalar_text(y, "a value");
	}
	xgrow(&e->items, &cap, e->nitems + 1, sizeof(*e->items));
	e->items[e->nitems] = NULL;
}

/* The current event is MAPPING_START; read the mapping's keys under prefix. */
static void
parse_mapping(struct yparse *y, const char *prefix, int depth)
{
	yaml_mark_t km;
	struct entry *e, *old;
	char *name, *key;

	if (depth > CONFIG_MAX_DEPTH)
		bad_at(y, y->ev.start_mark, "mappings nested too deeply");
	for (;;) {
		next_event(y);
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return;
		check_node(y);
		km = y->ev.start_mark;
		if (y->ev.type != YAML_SCALAR_EVENT)
			bad_at(y, km, "a key must be a scalar");
		name = y->pending = scalar_text(y, "a key");
		if (!*name)
			bad_at(y, km, "empty key");
		if (strchr(name, '.'))
			bad(y->c, (unsigned long)km.line + 1, (unsigned long)km.column + 1,
			    "'%s': dots are not allowed in keys", name);
		key = *prefix ? xasprintf("%s.%s", prefix, name) : xstrdup(name);
		free(name);
		y->pending = key;
		old = lookup(y->c, key);
		if (old)
			bad(y->c, (unsigned long)km.line + 1, (unsigned long)km.column + 1,
			    "duplicate key '%s' (first at line %lu, column %lu)",
			    key, old->kline, old->kcol);

		next_event(y);
		check_node(y);
		switch (y->ev.type) {
		case YAML_SCALAR_EVENT:
			y->pending = NULL;
			e = add_entry(y->c, key, ENTRY_SCALAR, km, y->ev.start_mark);
			e->value = scalar_text(y, "a value");
			e->plain = y->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
			y->pending = NULL;
			e = add_entry(y->c, key, ENTRY_SEQ, km, y->ev.start_mark);
			parse_seq(y, e);
			break;
		case YAML_MAPPING_START_EVENT:
			y->pending = NULL;
			add_entry(y->c, key, ENTRY_MAP, km, y->ev.start_mark);
			/* key belongs to the entry now; the string stays put
			 * even when xgrow() moves the entries. */
			parse_mapping(y, key, depth + 1);
			break;
		default:
			bad_at(y, y->ev.start_mark, "unexpected YAML event");
		}
	}
}

static void
parse_stream(struct yparse *y)
{
	yaml_event_t *ev = next_event(y);

	if (ev->type != YAML_STREAM_START_EVENT)
		bad_at(y, ev->start_mark, "expected a YAML stream");
	ev = next_event(y);
	if (ev->type == YAML_STREAM_END_EVENT)
		return;   /* empty file, or only comments */
	if (ev->type != YAML_DOCUMENT_START_EVENT)
		bad_at(y, ev->start_mark, "expected a YAML document");

	ev = next_event(y);
	check_node(y);
	if (ev->type == YAML_MAPPING_START_EVENT)
		parse_mapping(y, "", 1);
	else if (ev->type != YAML_SCALAR_EVENT ||
	         !is_null((const char *)ev->data.scalar.value,
	                  ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
		bad_at(y, ev->start_mark, "expected a mapping at the top level");

	ev = next_event(y);
	if (ev->type != YAML_DOCUMENT_END_EVENT)
		bad_at(y, ev->start_mark, "expected the end of the document");
	ev = next_event(y);
	if (ev->type == YAML_DOCUMENT_START_EVENT)
		bad_at(y, ev->start_mark, "more than one YAML document");
	if (ev->type != YAML_STREAM_END_EVENT)
		bad_at(y, ev->start_mark, "expected the end of the YAML stream");
}

/* The whole of path; *len gets its size. Dies with EX_NOINPUT or EX_IOERR. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!fp)
		die(EX_NOINPUT, "cannot open '%s':", path);
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		die(EX_NOINPUT, "cannot open '%s':", path);
	}
	for (;;) {
		xgrow(&buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp))
		die(EX_IOERR, "cannot read '%s':", path);
	fclose(fp);
	*len = n;
	return buf;
}

/*
 * Never returns NULL; the caller frees the result with config_free(). A file
 * that cannot be read dies with EX_NOINPUT (EX_IOERR for a read error), bad
 * YAML with EX_CONFIG, naming "FILE:LINE:COL".
 */
struct config *
config_load(const char *path)
{
	struct config *c = xcalloc(1, sizeof(*c));
	struct yparse y;
	char *text;
	size_t len;

	if (!path)
		return c;
	c->path = xstrdup(path);
	text = read_file(path, &len);

	memset(&y, 0, sizeof(y));
	y.c = c;
	y.path = path;
	y.text = (const unsigned char *)text;
	y.len = len;
	if (!yaml_parser_initialize(&y.parser))
		die(EX_OSERR, "out of memory (yaml parser)");
	yaml_parser_set_input_string(&y.parser, y.text, len);
	loading = &y;
	loading_text = text;
	parse_stream(&y);
	loading = NULL;
	loading_text = NULL;
	if (y.have)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.parser);
	free(text);
	return c;
}

/* Free c and everything it holds (borrowed strings die with it); NULL is a no-op. */
void
config_free(struct config *c)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].key);
		free(c->e[i].value);
		for (j = 0; j < c->e[i].nitems; j++)
			free(c->e[i].items[j]);
		free(c->e[i].items);
	}
	free(c->e);
	free(c->path);
	free(c);
}

/* The entry for key, or NULL when it is absent or null. */
static struct entry *
present(const struct config *c, const char *key)
{
	struct entry *e = lookup(c, key);

	if (!e || (e->kind == ENTRY_SCALAR && is_null(e->value, e->plain)))
		return NULL;
	return e;
}

static int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!*s || !(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno)
		return 0;
	*out = v;
	return 1;
}

int
config_int(struct config *c, const char *key, long *out, long min, long max)
{
	struct entry *e = present(c, key);
	long v;

	if (!e)
		return 0;
	if (e->kind == ENTRY_SCALAR && e->plain && parse_long(e->value, &v) &&
	    v >= min && v <= max) {
		*out = v;
		return 1;
	}
	if (min == LONG_MIN && max == LONG_MAX)
		bad(c, e->line, e->col, "'%s': expected an integer", key);
	if (max == LONG_MAX)
		bad(c, e->line, e->col, "'%s': expected an integer of at least %ld", key, min);
	if (min == LONG_MIN)
		bad(c, e->line, e->col, "'%s': expected an integer of at most %ld", key, max);
	bad(c, e->line, e->col, "'%s': expected an integer from %ld to %ld", key, min, max);
}

/* A decimal number: what strtod() takes, less hex, infinities and NaNs. */
static int
parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || strpbrk(s, "xXnN") ||
	    !(s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (*end || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

int
config_double(struct config *c, const char *key, double *out, double min, double max)
{
	struct entry *e = present(c, key);
	double v;

	if (!e)
		return 0;
	if (e->kind == ENTRY_SCALAR && e->plain && parse_double(e->value, &v) &&
	    v >= min && v <= max) {
		*out = v;
		return 1;
	}
	if (min <= -DBL_MAX && max >= DBL_MAX)
		bad(c, e->line, e->col, "'%s': expected a number", key);
	if (max >= DBL_MAX)
		bad(c, e->line, e->col, "'%s': expected a number of at least %g", key, min);
	if (min <= -DBL_MAX)
		bad(c, e->line, e->col, "'%s': expected a number of at most %g", key, max);
	bad(c, e->line, e->col, "'%s': expected a number from %g to %g", key, min, max);
}

int
config_bool(struct config *c, const char *key, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	struct entry *e = present(c, key);
	size_t i;

	if (!e)
		return 0;
	if (e->kind == ENTRY_SCALAR && e->plain) {
		for (i = 0; i < 3; i++) {
			if (strcasecmp(e->value, yes[i]) == 0) {
				*out = 1;
				return 1;
			}
			if (strcasecmp(e->value, no[i]) == 0) {
				*out = 0;
				return 1;
			}
		}
	}
	bad(c, e->line, e->col, "'%s': expected a boolean (true or false)", key);
}

int
config_str(struct config *c, const char *key, const char **out)
{
	struct entry *e = present(c, key);

	if (!e)
		return 0;
	if (e->kind != ENTRY_SCALAR)
		bad(c, e->line, e->col, "'%s': expected a string", key);
	*out = e->value;
	return 1;
}

int
config_strlist(struct config *c, const char *key, const char *const **out, size_t *n)
{
	struct entry *e = present(c, key);
	static const char *const empty[] = { NULL };

	if (!e)
		return 0;
	if (e->kind != ENTRY_SEQ)
		bad(c, e->line, e->col, "'%s': expected a list", key);
	/* An empty list ([]) has no items array of its own. */
	*out = e->items ? (const char *const *)e->items : empty;
	*n = e->nitems;
	return 1;
}

/*
 * section NULL or "" checks the top-level keys. A section that is present but
 * not a mapping (verify: 3) dies too; an absent or null one passes.
 */
void
config_check_keys(struct config *c, const char *section, const char *const *known)
{
	size_t plen = section ? strlen(section) : 0, i, k, sublen;
	const struct entry *e;
	const char *sub, *dot;
	char list[512];
	int found;

	if (plen) {
		e = present(c, section);
		if (e && e->kind != ENTRY_MAP)
			bad(c, e->line, e->col, "'%s': expected a mapping", section);
	}
	for (i = 0; i < c->n; i++) {
		e = &c->e[i];
		if (plen && (strncmp(e->key, section, plen) != 0 || e->key[plen] != '.'))
			continue;
		sub = e->key + (plen ? plen + 1 : 0);
		dot = strchr(sub, '.');
		if (dot)
			continue;   /* below a direct sub-key, checked on its own */
		sublen = strlen(sub);
		found = 0;
		for (k = 0; known[k] && !found; k++)
			found = strlen(known[k]) == sublen && memcmp(known[k], sub, sublen) == 0;
		if (found)
			continue;
		list[0] = '\0';
		for (k = 0; known[k]; k++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "", known[k]);
		}
		if (known[0])
			bad(c, e->kline, e->kcol, "unknown key '%s' (known: %s)", e->key, list);
		bad(c, e->kline, e->kcol, "unknown key '%s'", e->key);
	}
}

const char *
config_path(const struct config *c)
{
	return c->path ? c->path : "<none>";
}

void
config_check_sections(struct config *c)
{
	static const char *const sections[] = {
		"verify", "model", "train", "prove", "conjecture", "seed", "reward", "openai",
		"passk", "sftdata", "mmdata", "leandata", NULL,
	};

	config_check_keys(c, NULL, sections);
}

void
config_die_at(struct config *c, const char *key, const char *fmt, ...)
{
	const struct entry *e = present(c, key);
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (e)
		bad(c, e->line, e->col, "'%s': %s", key, text);
	die(EX_CONFIG, "%s: %s", config_path(c), text);
}

/* ---- key tables */

int
config_enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

char *
config_enum_list(const char *const *names, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && used < n; i++) {
		const char *sep = i == 0 ? "" : names[i + 1] ? ", " : " or ";
		used += (size_t)snprintf(buf + used, n - used, "%s%s", sep, names[i]);
	}
	return buf;
}

/* Does key lie in section (a prefix ending at a dot)? Then *sub is the
 * component after it, *sublen its length. */
static int
in_section(const char *key, const char *section, size_t slen, const char **sub, size_t *sublen)
{
	const char *dot;

	if (strncmp(key, section, slen) != 0 || key[slen] != '.')
		return 0;
	*sub = key + slen + 1;
	dot = strchr(*sub, '.');
	*sublen = dot ? (size_t)(dot - *sub) : strlen(*sub);
	return 1;
}

/* Check every section the table's keys are in against the table: section
 * "a.b" knows the components that follow "a.b." in the table's keys. */
static void
check_table_keys(struct config *c, const struct config_key *keys)
{
	for (size_t i = 0; keys[i].key; i++) {
		const char *key = keys[i].key;
		for (const char *dot = strchr(key, '.'); dot; dot = strchr(dot + 1, '.')) {
			size_t slen = (size_t)(dot - key), nknown = 0, sublen;
			char *section = xstrndup(key, slen);
			const char **known = xcalloc(1, sizeof *known);
			const char *sub;
			int first = 1;

			/* each section once: at the first key in it */
			for (size_t j = 0; j < i && first; j++)
				first = !in_section(keys[j].key, section, slen, &sub, &sublen);
			for (size_t j = i; first && keys[j].key; j++) {
				size_t k;
				if (!in_section(keys[j].key, section, slen, &sub, &sublen))
					continue;
				for (k = 0; k < nknown; k++)
					if (strlen(known[k]) == sublen && memcmp(known[k], sub, sublen) == 0)
						break;
				if (k < nknown)
					continue;
				known = xreallocarray(known, nknown + 2, sizeof *known);
				known[nknown++] = xstrndup(sub, sublen);
				known[nknown] = NULL;
			}
			if (first)
				config_check_keys(c, section, known);
			for (size_t k = 0; k < nknown; k++)
				free((char *)known[k]);
			free(known);
			free(section);
		}
	}
}

/* Every field of the table has the size its type wants (a table bound to
 * the wrong field is a bug: 70). */
static void
check_fields(const struct config_key *keys)
{
	for (const struct config_key *k = keys; k->key; k++) {
		size_t want = k->type == CONFIG_NUM ? sizeof(double) :
		              k->type == CONFIG_BOOL || k->type == CONFIG_ENUM ? sizeof(int) :
		              k->type == CONFIG_INT ? k->size : sizeof(void *);
		if (k->size != want || (k->type == CONFIG_INT && want != 4 && want != 8))
			die(EX_SOFTWARE, "'%s': a field of %zu bytes for its type", k->key, k->size);
	}
}

static void
store_int(const struct config_key *k, void *opts, long long v)
{
	char *field = (char *)opts + k->off;

	if (k->size == sizeof(int32_t)) {
		int32_t x = (int32_t)v;
		memcpy(field, &x, sizeof x);
	} else {
		int64_t x = v;
		memcpy(field, &x, sizeof x);
	}
}

static long long
load_int(const struct config_key *k, const void *opts)
{
	const char *field = (const char *)opts + k->off;

	if (k->size == sizeof(int32_t)) {
		int32_t x;
		memcpy(&x, field, sizeof x);
		return x;
	} else {
		int64_t x;
		memcpy(&x, field, sizeof x);
		return x;
	}
}

/*
 * The copies config_apply makes (and the strings made from them, see
 * config_keep) live as long as the tool's options, that is for the process;
 * they are listed here, so that they stay reachable (and LeakSanitizer does
 * not count them as leaks at exit).
 */
static void **applied;
static size_t napplied, capapplied;

void *
config_keep(void *p)
{
	xgrow(&applied, &capapplied, napplied + 1, sizeof *applied);
	applied[napplied++] = p;
	return p;
}

void
config_apply(struct config *c, const struct config_key *keys, void *opts)
{
	struct config empty = { NULL, NULL, 0, 0 };
	char *base = opts;

	if (!c)
		c = &empty;
	check_fields(keys);
	config_check_sections(c);
	check_table_keys(c, keys);
	for (const struct config_key *k = keys; k->key; k++) {
		const char *s;
		const char *const *list;
		long v;
		double d;
		int b, idx;
		size_t n;
		char names[256];

		switch (k->type) {
		case CONFIG_INT:
			if (config_int(c, k->key, &v, (long)k->min, (long)k->max))
				store_int(k, opts, v);
			break;
		case CONFIG_NUM:
			if (config_double(c, k->key, &d, k->min, k->max))
				memcpy(base + k->off, &d, sizeof d);
			break;
		case CONFIG_BOOL:
			if (config_bool(c, k->key, &b))
				memcpy(base + k->off, &b, sizeof b);
			break;
		case CONFIG_STR:
			if (config_str(c, k->key, &s)) {
				const char *copy = config_keep(xstrdup(s));
				memcpy(base + k->off, &copy, sizeof copy);
			}
			break;
		case CONFIG_ENUM:
			if (config_str(c, k->key, &s)) {
				if ((idx = config_enum_index(k->names, s)) < 0)
					config_die_at(c, k->key, "expected %s, got '%s'",
					              config_enum_list(k->names, names, sizeof names), s);
				memcpy(base + k->off, &idx, sizeof idx);
			}
			break;
		case CONFIG_LIST:
			if (config_strlist(c, k->key, &list, &n)) {
				const char **copy = config_keep(xcalloc(n + 1, sizeof *copy));
				for (size_t i = 0; i < n; i++)
					copy[i] = config_keep(xstrdup(list[i]));
				memcpy(base + k->off, &copy, sizeof copy);
				memcpy(base + k->off_n, &n, sizeof n);
			}
			break;
		}
	}
}

/* s as a YAML double-quoted scalar (JSON's escapes are YAML's too). */
static void
put_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch == '\t')
			fputs("\\t", fp);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\x%02x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

/* A list item: a decimal integer plain (passk.ks: [1, 8, 32]), else quoted. */
static void
put_item(FILE *fp, const char *s)
{
	size_t i = s[0] == '-' || s[0] == '+';

	if (!s[i])
		i = 0;   /* "", "-": quoted */
	else
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	if (i && !s[i])
		fputs(s, fp);
	else
		put_quoted(fp, s);
}

static void
put_indent(FILE *fp, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", fp);
}

/* Components that a and b (dotted sections, of lengths alen and blen) share. */
static int
shared_depth(const char *a, size_t alen, const char *b, size_t blen)
{
	int depth = 0;
	size_t i = 0;

	if (!a)
		return 0;
	for (;;) {
		size_t ea = i, eb = i;
		while (ea < alen && a[ea] != '.')
			ea++;
		while (eb < blen && b[eb] != '.')
			eb++;
		if (ea != eb || i >= alen || i >= blen || memcmp(a + i, b + i, ea - i) != 0)
			return depth;
		depth++;
		i = ea + 1;
	}
}

int
config_print(FILE *fp, const struct config_key *keys, const void *opts)
{
	const char *base = opts, *prev = NULL;
	size_t prevlen = 0;

	check_fields(keys);
	for (const struct config_key *k = keys; k->key; k++) {
		const char *leaf = strrchr(k->key, '.');
		size_t seclen = leaf ? (size_t)(leaf - k->key) : 0;
		int depth = shared_depth(prev, prevlen, k->key, seclen), d = 0;
		const char *p = k->key;
		const char *s;
		const char *const *list;
		size_t n;
		double v;
		int b;

		leaf = leaf ? leaf + 1 : k->key;
		/* open the sections this key is in that the previous one was not */
		for (; p < k->key + seclen; d++) {
			const char *e = p;
			while (e < k->key + seclen && *e != '.')
				e++;
			if (d >= depth) {
				put_indent(fp, d);
				fprintf(fp, "%.*s:\n", (int)(e - p), p);
			}
			p = e + 1;
		}
		prev = k->key;
		prevlen = seclen;
		put_indent(fp, d);
		fprintf(fp, "%s: ", leaf);
		switch (k->type) {
		case CONFIG_INT: {
			long long x = load_int(k, opts);
			if (k->has_unset && (double)x == k->unset_value)
				fputs("~", fp);
			else
				fprintf(fp, "%lld", x);
			break;
		}
		case CONFIG_NUM:
			memcpy(&v, base + k->off, sizeof v);
			if (k->has_unset && v == k->unset_value) {
				fputs("~", fp);
			} else {
				char num[40];
				jsonl_format_real(v, num);
				fputs(num, fp);
			}
			break;
		case CONFIG_BOOL:
			memcpy(&b, base + k->off, sizeof b);
			fputs(b ? "true" : "false", fp);
			break;
		case CONFIG_STR:
			memcpy(&s, base + k->off, sizeof s);
			if (s)
				put_quoted(fp, s);
			else
				fputs("~", fp);
			break;
		case CONFIG_ENUM:
			memcpy(&b, base + k->off, sizeof b);
			put_quoted(fp, k->names[b]);
			break;
		case CONFIG_LIST:
			memcpy(&list, base + k->off, sizeof list);
			memcpy(&n, base + k->off_n, sizeof n);
			if (!list) {
				fputs("~", fp);
				break;
			}
			fputc('[', fp);
			for (size_t i = 0; i < n; i++) {
				if (i)
					fputs(", ", fp);
				put_item(fp, list[i]);
			}
			fputc(']', fp);
			break;
		}
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}

int
config_dump(const struct config *c, FILE *fp)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct entry *e = &c->e[i];
		const char *leaf = strrchr(e->key, '.');
		int depth = 0;

		for (const char *p = e->key; *p; p++)
			depth += *p == '.';
		put_indent(fp, depth);
		fprintf(fp, "%s:", leaf ? leaf + 1 : e->key);
		switch (e->kind) {
		case ENTRY_MAP: {
			/* its children follow it; an empty mapping has none */
			size_t len = strlen(e->key);
			if (i + 1 >= c->n || strncmp(c->e[i + 1].key, e->key, len) != 0 ||
			    c->e[i + 1].key[len] != '.')
				fputs(" {}", fp);
			break;
		}
		case ENTRY_SEQ:
			fputs(" [", fp);
			for (size_t j = 0; j < e->nitems; j++) {
				if (j)
					fputs(", ", fp);
				put_item(fp, e->items[j]);
			}
			fputc(']', fp);
			break;
		default:
			fputc(' ', fp);
			if (is_null(e->value, e->plain))
				fputs("~", fp);
			else if (e->plain)
				fputs(e->value, fp);
			else
				put_quoted(fp, e->value);
		}
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}
