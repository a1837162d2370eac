/*
 * stp-leandata - statement records from the public Lean 4 benchmarks
 *
 * usage: stp-leandata --format F [--name NAME] [--split S] [--header TEXT] [-k]
 *                     [-c CONFIG] [-o FILE] [FILE...]
 *
 * Reads a benchmark in the shape its project publishes it and writes one
 * statement record per problem, in input order (docs/records.md, docs/lean.md):
 *
 *   {"id":"NAME/ID","system":"lean","context":HEADER,"statement":STMT,
 *    "split":SPLIT,"source":"dataset"}
 *
 * The formats (F), and the fields read:
 *   minif2f       DeepSeek-Prover-V1.5's datasets/minif2f.jsonl: name, split
 *                 (valid or test), formal_statement, header
 *   proofnet      its datasets/proofnet.jsonl: the same fields
 *   leanworkbook  InternLM's lean_workbook.json (Lean Workbook and Lean
 *                 Workbook Plus): id, formal_statement; no header
 *   putnambench   PutnamBench's Lean 4 files (lean4/src/putnam_*.lean, or
 *                 their directory): the theorem, the imports and opens before
 *                 it; a solution left as "abbrev NAME : TYPE := sorry" is
 *                 inlined from the comment on the next line, as the
 *                 project's scripts/rewrite_solutions.py does
 * A JSON file may be JSON Lines or one JSON array (as lean_workbook.json and
 * STP's copies are); fields other than those are ignored (informal_prefix,
 * goal, tags, ...).
 *
 * The statement is STP's: the formal statement without a final "sorry",
 * white space trimmed (formal_statement.rsplit('sorry', 1)[0].strip()); it
 * must name its theorem (for #print axioms). A record without a header gets
 * --header (leandata.header: STP's Mathlib header). The split: valid ->
 * unproved (the targets), test -> test; LeanWorkbook is unproved (STP's
 * self-play set), PutnamBench test; --split gives every record one split.
 * A name given before (ProofNet numbers two textbooks' exercises alike) gets
 * "#2", "#3", ... in its id. A record without a field it needs, or with a
 * split that is neither, is malformed: exit 65 naming FILE:LINE (-k:
 * skipped, exit 65 at the end). Deterministic.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "atomic.h"
#include "backend/lean.h"
#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"

static const char usage_text[] =
	"usage: stp-leandata --format F [--name NAME] [--split S] [--header TEXT] [-k]\n"
	"                    [-c CONFIG] [-o FILE] [FILE...]\n"
	"\n"
	"Statement records (system lean) from a public Lean 4 benchmark's files.\n"
	"\n"
	"      --format F      minif2f, proofnet (DeepSeek-Prover-V1.5's jsonl), leanworkbook\n"
	"                      (lean_workbook.json) or putnambench (its .lean files, or\n"
	"                      their directory)\n"
	"      --name NAME     the dataset's name, the prefix of its ids (default: the format)\n"
	"      --split S       every record's split: train, unproved or test (default:\n"
	"                      valid -> unproved, test -> test; leanworkbook unproved,\n"
	"                      putnambench test)\n"
	"      --header TEXT   the header of a record published without one (default: STP's\n"
	"                      Mathlib header)\n"
	"  -o, --output FILE   write to FILE (atomically; gzip if it ends in .gz) instead\n"
	"                      of stdout\n"
	"  -k, --keep-going    skip a malformed record with a warning, exit 65 at the end\n"
	"  -c, --config FILE   YAML configuration (section 'leandata')\n"
	"  -q, --quiet         no counts on stderr\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

enum { FMT_MINIF2F, FMT_PROOFNET, FMT_LEANWORKBOOK, FMT_PUTNAMBENCH };
static const char *const formats[] = { "minif2f", "proofnet", "leanworkbook", "putnambench", NULL };
static const char *const splits[] = { "train", "unproved", "test", NULL };

/* STP's header of a statement without one (RL/utils/model_utils.py,
 * PROVER_PROMPT, with the blank line its prompt adds) */
#define STP_HEADER \
	"import Mathlib\nimport Aesop\nset_option maxHeartbeats 0\nopen BigOperators Real Nat " \
	"Topology Rat\n\n"

struct lopts {
	const char *header;    /* of a record without one */
	const char *name;      /* the ids' prefix; NULL: the format's name */
	const char *split;     /* every record's; NULL: by the format */
	int format;            /* FMT_*; -1: none given */
};

/* The section 'leandata' (docs/stp.yaml.5.scd), bound to the options. */
#define L(f) CONFIG_FIELD(struct lopts, f)
static const struct config_key leandata_keys[] = {
	{ "leandata.header", CONFIG_STR, L(header) },
	{ NULL },
};
#undef L

/* ---- the run's state: the output, the ids seen, the counts */

struct seen {
	uint64_t h;
	char *id;
	long n;                /* records so far with this id */
};

struct run {
	const struct lopts *o;
	const char *name;
	struct cli *cl;
	FILE *out;
	struct seen *tab;      /* open addressing, nslot a power of 2 */
	size_t nslot, nids;
	long nsplit[3];
	long nrenamed;         /* records whose id was taken: numbered */
};

/* How many records had id before, counting this one in. */
static long
seen_add(struct run *x, const char *id)
{
	uint64_t h = hash64(id, strlen(id)) | 1;
	size_t i;

	if ((x->nids + 1) * 2 > x->nslot) {
		size_t ns = x->nslot ? x->nslot * 2 : 1024;
		struct seen *t = xcalloc(ns, sizeof *t);
		for (i = 0; i < x->nslot; i++) {
			size_t k;
			if (!x->tab[i].h)
				continue;
			for (k = x->tab[i].h & (ns - 1); t[k].h; k = (k + 1) & (ns - 1))
				;
			t[k] = x->tab[i];
		}
		free(x->tab);
		x->tab = t;
		x->nslot = ns;
	}
	for (i = h & (x->nslot - 1); x->tab[i].h; i = (i + 1) & (x->nslot - 1))
		if (x->tab[i].h == h && strcmp(x->tab[i].id, id) == 0)
			return x->tab[i].n++;
	x->tab[i].h = h;
	x->tab[i].id = xstrdup(id);
	x->tab[i].n = 1;
	x->nids++;
	return 0;
}

/* A malformed record at file:line (-k: skipped). Returns -1. */
static int
bad(struct run *x, const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
bad(struct run *x, const char *file, long line, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (line > 0)
		cli_bad_record(x->cl, EX_DATAERR, "%s:%ld: %s", file, line, text);
	else
		cli_bad_record(x->cl, EX_DATAERR, "%s: %s", file, text);
	return -1;
}

/* STP's statement: s without a final "sorry" (and what follows it), white
 * space trimmed. malloc'd. */
static char *
stp_statement(const char *s)
{
	const char *e = s + strlen(s);

	span_trim(&s, &e);
	/* rsplit('sorry', 1)[0]: only trailing white space may follow it here */
	if (e - s >= 5 && memcmp(e - 5, "sorry", 5) == 0)
		e -= 5;
	span_trim(&s, &e);
	return xstrndup(s, (size_t)(e - s));
}

/*
 * Write one record: NAME/id, the header, the statement (already STP's), the
 * split (NULL: from pub, the published one, by the format's rule). Returns
 * 0, or -1 for a malformed one (reported).
 */
static int
emit(struct run *x, const char *file, long line, const char *id, const char *header,
     const char *statement, const char *stmt_field, const char *pub)
{
	const char *split = x->o->split;
	char *fid, *name;
	json_t *r;
	int k;

	if (!*statement)
		return bad(x, file, line, "field '%s': empty", stmt_field);
	if (!(name = lean_theorem_name(statement)))
		return bad(x, file, line, "field '%s': expected 'theorem NAME', 'lemma NAME' or 'def NAME'",
		           stmt_field);
	free(name);
	if (!split) {
		switch (x->o->format) {
		case FMT_LEANWORKBOOK:
			split = "unproved";
			break;
		case FMT_PUTNAMBENCH:
			split = "test";
			break;
		default: {
			/* "valid", "test"; STP's copies: "miniF2F valid", "Proofnet test" */
			const char *w = pub + strlen(pub);
			while (w > pub && !isspace((unsigned char)w[-1]))
				w--;
			if (strcmp(w, "valid") == 0 || strcmp(w, "validation") == 0)
				split = "unproved";
			else if (strcmp(w, "test") == 0)
				split = "test";
			else
				return bad(x, file, line,
				           "field 'split': expected valid or test (or give --split), "
				           "got '%.60s'", pub);
		}
		}
	}
	/* ProofNet has names given twice (textbooks number their exercises
	 * alike): the second is NAME#2, and so on */
	fid = xasprintf("%s/%s", x->name, id);
	if ((k = (int)seen_add(x, fid)) > 0) {
		char *f2 = xasprintf("%s#%d", fid, k + 1);
		free(fid);
		fid = f2;
		x->nrenamed++;
	}
	r = json_object();
	json_object_set_new(r, "id", json_string(fid));
	json_object_set_new(r, "system", json_string("lean"));
	json_object_set_new(r, "context", json_string(header));
	json_object_set_new(r, "statement", json_string(statement));
	json_object_set_new(r, "split", json_string(split));
	json_object_set_new(r, "source", json_string("dataset"));
	jsonl_emit(x->out, r);
	k = config_enum_index(splits, split);
	x->nsplit[k]++;
	free(fid);
	return 0;
}

/* ---- the JSON formats */

/* One published record (a JSON object) of file, at line. */
static void
json_record(struct run *x, json_t *rec, const char *file, long line)
{
	struct jsonl_err err;
	const char *id, *fs, *header = NULL, *pub = NULL;
	const char *idkey = x->o->format == FMT_LEANWORKBOOK ? "id" : "name";
	int need_split = !x->o->split && x->o->format != FMT_LEANWORKBOOK;
	char *st;

	if (jsonl_get_str(rec, idkey, 1, &id, file, line, &err) < 0 ||
	    jsonl_get_str(rec, "formal_statement", 1, &fs, file, line, &err) < 0 ||
	    (x->o->format != FMT_LEANWORKBOOK &&
	     jsonl_get_str(rec, "header", 0, &header, file, line, &err) < 0) ||
	    jsonl_get_str(rec, "split", need_split, &pub, file, line, &err) < 0) {
		cli_skip(x->cl, &err);
		return;
	}
	if (!*id) {
		bad(x, file, line, "field '%s': empty", idkey);
		return;
	}
	st = stp_statement(fs);
	emit(x, file, line, id, header ? header : x->o->header, st, "formal_statement",
	     pub ? pub : "");
	free(st);
}

/* The whole of path (stdin for "-"), plain or gzip; NUL-terminated. Dies 66
 * when it cannot be opened, 74 on a read error. */
static char *
read_all(const char *path, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	gzFile gz;
	char *s = NULL;
	size_t n = 0, cap = 0;
	int k;

	if (fd < 0)
		die(EX_NOINPUT, "cannot open '%s':", path);
	if (!(gz = gzdopen(fd, "rb")))
		die(EX_OSERR, "cannot read '%s': out of memory", path);
	for (;;) {
		xgrow(&s, &cap, n + 65536 + 1, 1);
		k = gzread(gz, s + n, 65536);
		if (k < 0) {
			int e;
			const char *m = gzerror(gz, &e);
			die(e == Z_ERRNO ? EX_IOERR : EX_DATAERR, "%s: %s", path,
			    e == Z_ERRNO ? strerror(errno) : m);
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	gzclose(gz);
	s[n] = '\0';
	*len = n;
	return s;
}

/* Skip white space in s[*i..n), counting newlines into *line. */
static void
skip_ws(const char *s, size_t n, size_t *i, long *line)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r' || s[*i] == '\n')) {
		if (s[*i] == '\n')
			(*line)++;
		(*i)++;
	}
}

/*
 * The end of the JSON value at s[i..n) (an object, an array, a string or a
 * scalar), newlines counted into *line; (size_t)-1 when it does not end.
 */
static size_t
value_end(const char *s, size_t n, size_t i, long *line)
{
	int depth = 0, str = 0;

	for (; i < n; i++) {
		char c = s[i];
		if (c == '\n')
			(*line)++;
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				str = 0;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (c == '"')
			str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
			if (depth < 0)
				return i;
		} else if (depth == 0 && (c == ',' || isspace((unsigned char)c)))
			return i;
	}
	return depth == 0 && !str ? n : (size_t)-1;
}

/* A JSON file: one array of records, or JSON Lines. */
static void
json_file(struct run *x, const char *path)
{
	const char *file = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t n, i = 0;
	long line = 1;
	char *s = read_all(path, &n);

	skip_ws(s, n, &i, &line);
	if (i < n && s[i] == '[') {
		/* one array: each element is a record, named by the line it starts on */
		i++;
		for (;;) {
			size_t end;
			long at;
			json_error_t je;
			json_t *rec;

			skip_ws(s, n, &i, &line);
			if (i < n && s[i] == ']')
				break;
			at = line;
			end = value_end(s, n, i, &line);
			if (end == (size_t)-1) {
				free(s);
				die(EX_DATAERR, "%s:%ld: invalid JSON: the array does not end", file, at);
			}
			if (end == i) {
				free(s);
				die(EX_DATAERR, "%s:%ld: invalid JSON: expected a record", file, at);
			}
			rec = json_loadb(s + i, end - i, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
			if (!rec)
				bad(x, file, at + je.line - 1, "invalid JSON: %s", je.text);
			else if (!json_is_object(rec))
				bad(x, file, at, "expected a JSON object");
			else
				json_record(x, rec, file, at);
			json_decref(rec);
			i = end;
			skip_ws(s, n, &i, &line);
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			if (i < n && s[i] == ']')
				break;
			free(s);
			die(EX_DATAERR, "%s:%ld: invalid JSON: expected ',' or ']' after a record", file,
			    line);
		}
		i++;
		skip_ws(s, n, &i, &line);
		if (i < n) {
			free(s);
			die(EX_DATAERR, "%s:%ld: invalid JSON: text after the array", file, line);
		}
	} else {
		/* JSON Lines: a record per non-blank line */
		for (i = 0, line = 1; i < n; line++) {
			size_t e = i, k;
			struct jsonl_err err;
			json_t *rec;

			while (e < n && s[e] != '\n')
				e++;
			k = e;
			if (k > i && s[k - 1] == '\r')
				k--;
			while (i < k && isspace((unsigned char)s[i]))
				i++;
			if (i < k) {
				if ((rec = jsonl_parse(s + i, k - i, file, line, &err)))
					json_record(x, rec, file, line);
				else
					cli_skip(x->cl, &err);
				json_decref(rec);
			}
			i = e + 1;
		}
	}
	free(s);
}

/* ---- PutnamBench's .lean files */

struct solution {
	char *name, *type, *answer;
};

/* Is c a character of a Lean identifier (ASCII, and any byte of a UTF-8
 * sequence: subscripts, Greek)? A '.' after a name is a projection (x.1),
 * before one a namespace: the caller decides. */
static int
ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '\'' || c == '!' || c == '?' || c >= 0x80;
}

/* t with every whole-identifier occurrence of each solution's name replaced
 * by "((ANSWER) : TYPE)" (rewrite_solutions.py). malloc'd. */
static char *
inline_solutions(const char *t, const struct solution *sv, size_t ns)
{
	char *out = NULL;
	size_t len = 0, cap = 0;

	for (const char *p = t; *p;) {
		size_t k = 0, i;
		for (i = 0; i < ns; i++) {
			k = strlen(sv[i].name);
			if (strncmp(p, sv[i].name, k) == 0 && !ident_char((unsigned char)p[k]) &&
			    (p == t || (!ident_char((unsigned char)p[-1]) && p[-1] != '.')))
				break;
		}
		if (i < ns) {
			char *r = xasprintf("((%s) : %s)", sv[i].answer, sv[i].type);
			size_t rn = strlen(r);
			xgrow(&out, &cap, len + rn + 1, 1);
			memcpy(out + len, r, rn);
			len += rn;
			free(r);
			p += k;
			continue;
		}
		xgrow(&out, &cap, len + 2, 1);
		out[len++] = *p++;
	}
	xgrow(&out, &cap, len + 1, 1);
	out[len] = '\0';
	return out;
}

/*
 * A solution line "[noncomputable ]abbrev NAME : TYPE := sorry" and its
 * answer, the comment on the next line ("-- ANSWER"). TYPE is what
 * rewrite_solutions.py's regex takes: from the first colon (and the white
 * space after it) to the ":=" before "sorry". Returns 0, or -1 (reported).
 */
static int
parse_solution(struct run *x, const char *file, long lineno, const char *l, const char *next,
               struct solution *sol)
{
	const char *p = strstr(l, "abbrev"), *a, *c, *e;


	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	for (a = p; *p && !isspace((unsigned char)*p) && *p != ':'; p++)
		;
	if (p == a || !(c = strchr(p, ':')))
		return bad(x, file, lineno, "expected 'abbrev NAME : TYPE := sorry'");
	for (c++; *c == ' ' || *c == '\t'; c++)
		;
	/* the last ":=" whose rest is "sorry" and white space; TYPE keeps the
	 * white space before it, as the regex's greedy group does */
	e = NULL;
	for (const char *q = c + strlen(c); q-- > c;) {
		const char *r = q + 2;
		if (q[0] != ':' || q[1] != '=')
			continue;
		while (*r == ' ' || *r == '\t')
			r++;
		if (strncmp(r, "sorry", 5) != 0)
			continue;
		for (r += 5; *r && isspace((unsigned char)*r); r++)
			;
		if (!*r) {
			e = q;
			break;
		}
	}
	if (!e || e == c)
		return bad(x, file, lineno, "expected 'abbrev NAME : TYPE := sorry'");
	if (!next || !(next = strstr(next, "--")))
		return bad(x, file, lineno, "solution '%.*s': no answer in a comment on the next line",
		           (int)(p - a), a);
	/* split('--')[1].strip() */
	next += 2;
	{
		const char *ne = strstr(next, "--");
		if (!ne)
			ne = next + strlen(next);
		span_trim(&next, &ne);
		if (ne == next)
			return bad(x, file, lineno + 1, "solution '%.*s': the answer is empty",
			           (int)(p - a), a);
		sol->answer = xstrndup(next, (size_t)(ne - next));
		/* a parenthesised answer loses its outer parentheses (then gets two) */
		if (sol->answer[0] == '(' && sol->answer[strlen(sol->answer) - 1] == ')') {
			size_t k = strlen(sol->answer);
			memmove(sol->answer, sol->answer + 1, k - 2);
			sol->answer[k - 2] = '\0';
		}
	}
	sol->name = xstrndup(a, (size_t)(p - a));
	sol->type = xstrndup(c, (size_t)(e - c));
	return 0;
}

/* Does line l begin a declaration the header must not hold? */
static int
starts(const char *l, const char *word)
{
	size_t k = strlen(word);
	return strncmp(l, word, k) == 0 && (l[k] == ' ' || l[k] == '\t' || l[k] == '\0');
}

static int
is_abbrev(const char *l)
{
	if (starts(l, "noncomputable"))
		for (l += 13; *l == ' ' || *l == '\t'; l++)
			;
	return starts(l, "abbrev");
}

/* One PutnamBench problem: a .lean file. */
static void
putnam_file(struct run *x, const char *path)
{
	size_t n, nl = 0, cap = 0, ns = 0, capsol = 0, thm = 0, doc, i;
	char *s = read_all(path, &n), **lines = NULL, *hdr = NULL, *stmt, *full, *name;
	struct solution *sv = NULL;
	size_t hlen = 0, hcap = 0;
	int ok = 1;

	/* the lines, without their newlines */
	for (char *p = s;;) {
		char *e = strchr(p, '\n');
		xgrow(&lines, &cap, nl + 1, sizeof *lines);
		lines[nl++] = p;
		if (!e)
			break;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		p = e + 1;
	}
	for (thm = 0; thm < nl && !starts(lines[thm], "theorem"); thm++)
		;
	if (thm == nl) {
		bad(x, path, 0, "no 'theorem' at the start of a line");
		goto out;
	}
	/* its docstring, right above it, is the informal statement: not header */
	doc = thm;
	if (doc > 0 && strstr(lines[doc - 1], "-/")) {
		size_t d = doc;
		while (d > 0 && strncmp(lines[d - 1], "/--", 3) != 0)
			d--;
		if (d > 0)
			doc = d - 1;
	}
	for (i = 0; i < doc; i++) {
		if (is_abbrev(lines[i])) {
			xgrow(&sv, &capsol, ns + 1, sizeof *sv);
			if (parse_solution(x, path, (long)i + 1, lines[i], i + 1 < doc ? lines[i + 1] : NULL,
			                   &sv[ns]) < 0) {
				ok = 0;
				break;
			}
			ns++;
			i++;   /* the answer's comment goes with it */
			continue;
		}
		/* a comment line is a note on the formalisation, not an import or open */
		{
			const char *q = lines[i];
			while (*q == ' ' || *q == '\t')
				q++;
			if (q[0] == '-' && q[1] == '-')
				continue;
		}
		xgrow(&hdr, &hcap, hlen + strlen(lines[i]) + 2, 1);
		memcpy(hdr + hlen, lines[i], strlen(lines[i]));
		hlen += strlen(lines[i]);
		hdr[hlen++] = '\n';
	}
	if (!ok)
		goto out;
	/* the header: its lines, trailing white space trimmed, then a blank line */
	while (hlen > 0 && isspace((unsigned char)hdr[hlen - 1]))
		hlen--;
	xgrow(&hdr, &hcap, hlen + 3, 1);
	memcpy(hdr + hlen, "\n\n", 3);
	/* the theorem: the rest of the file */
	{
		size_t tl = 0, tc = 0;
		char *t = NULL;
		for (i = thm; i < nl; i++) {
			size_t k = strlen(lines[i]);
			xgrow(&t, &tc, tl + k + 2, 1);
			memcpy(t + tl, lines[i], k);
			tl += k;
			t[tl++] = '\n';
		}
		t[tl] = '\0';
		full = inline_solutions(t, sv, ns);
		free(t);
	}
	stmt = stp_statement(full);
	free(full);
	name = lean_theorem_name(stmt);
	if (name) {
		emit(x, path, (long)thm + 1, name, hdr, stmt, "theorem", "");
		free(name);
	} else {
		bad(x, path, (long)thm + 1, "expected 'theorem NAME'");
	}
	free(stmt);
out:
	for (i = 0; i < ns; i++) {
		free(sv[i].name);
		free(sv[i].type);
		free(sv[i].answer);
	}
	free(sv);
	free(hdr);
	free(lines);
	free(s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A .lean file, or a directory's .lean files in the byte order of their names. */
static void
putnam_path(struct run *x, const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, cap = 0;

	if (stat(path, &sb) < 0)
		die(EX_NOINPUT, "cannot open '%s':", path);
	if (!S_ISDIR(sb.st_mode)) {
		putnam_file(x, path);
		return;
	}
	if (!(d = opendir(path)))
		die(EX_NOINPUT, "cannot open '%s':", path);
	while ((de = readdir(d)) != NULL) {
		size_t k = strlen(de->d_name);
		if (k > 5 && strcmp(de->d_name + k - 5, ".lean") == 0) {
			xgrow(&names, &cap, nn + 1, sizeof *names);
			names[nn++] = xasprintf("%s/%s", path, de->d_name);
		}
	}
	closedir(d);
	if (nn == 0)
		die(EX_NOINPUT, "'%s' holds no .lean file", path);
	qsort(names, nn, sizeof *names, cmp_str);
	for (size_t i = 0; i < nn; i++) {
		putnam_file(x, names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct lopts o = { STP_HEADER, NULL, NULL, -1 };
	struct cli cl;
	struct run x;
	struct out out;
	char list[128];
	int c, nfiles;
	char **files;

	cli_init(&cl, argc, argv, usage_text);
	config_free(cli_config_apply(&cl, leandata_keys, &o));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_FORMAT: o.format = cli_enum("--format", optarg, formats); break;
		case CLI_NAME: o.name = optarg; break;
		case CLI_SPLIT: o.split = splits[cli_enum("--split", optarg, splits)]; break;
		case CLI_HEADER: o.header = optarg; break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	if (cl.print_config)
		cli_print_config(leandata_keys, &o);
	if (o.format < 0)
		die(EX_USAGE, "no format: give --format %s",
		    config_enum_list(formats, list, sizeof list));
	if (o.name && (!*o.name || strchr(o.name, '/')))
		die(EX_USAGE, "--name: expected a name without '/', got '%s'", o.name);
	files = argv + optind;
	nfiles = argc - optind;
	if (o.format == FMT_PUTNAMBENCH && nfiles == 0)
		die(EX_USAGE, "--format putnambench reads .lean files: name them, or their directory");

	memset(&x, 0, sizeof x);
	x.o = &o;
	x.cl = &cl;
	x.name = o.name ? o.name : formats[o.format];
	out_open(&out, cl.out);
	x.out = out.fp;
	if (nfiles == 0)
		json_file(&x, "-");
	for (int i = 0; i < nfiles; i++) {
		if (o.format == FMT_PUTNAMBENCH)
			putnam_path(&x, files[i]);
		else
			json_file(&x, files[i]);
	}
	out_close(&out);
	progress("%ld statements: %ld train, %ld unproved, %ld test; %ld with a name given before "
	         "(numbered #2, #3, ...)", x.nsplit[0] + x.nsplit[1] + x.nsplit[2], x.nsplit[0],
	         x.nsplit[1], x.nsplit[2], x.nrenamed);
	for (size_t i = 0; i < x.nslot; i++) {
		free(x.tab[i].id);
	}
	free(x.tab);
	return cli_status(&cl);
}
