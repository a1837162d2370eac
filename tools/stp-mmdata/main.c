/*
 * stp-mmdata - build the mm-pc benchmark from Debian's set.mm
 *
 * usage: stp-mmdata [--set-mm FILE] [--out DIR]
 *
 * Writes DIR/pc.mm (set.mm up to the end of the chapter "Propositional
 * calculus", without the "$( Begin $[ ... $] $)" include markers, which
 * metamath.exe rejects in a truncated file), DIR/statements.jsonl (the 1,482
 * theorems of the chapter but trujust and tru, each with its split) and
 * DIR/proofs.jsonl (the human proofs of the `train` split, in `steps` format,
 * with the normal `rpn` form beside it), as SPEC §2 describes. Deterministic.
 * Prints the counts per split and the length distributions of both formats.
 */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "atomic.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/steps.h"

#define CHAPTER "Propositional calculus"

static const char usage_text[] =
	"usage: stp-mmdata [--set-mm FILE] [--out DIR]\n"
	"\n"
	"Build data/mm-pc/ (pc.mm, statements.jsonl, proofs.jsonl) from Debian's set.mm.\n"
	"\n"
	"      --set-mm FILE  set.mm (default /usr/share/metamath/databases/set.mm)\n"
	"      --out DIR      output directory (default data/mm-pc)\n"
	"  -h, --help         this help\n";

struct lines {
	char *text;
	char **line;           /* (n) starts, NUL-terminated in place */
	size_t n;
};

static void
read_lines(const char *path, struct lines *L)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, len = 0, lcap = 0;
	char *p;

	if (!f)
		die(EX_NOINPUT, "cannot open '%s': %s%s", path, strerror(errno),
		    errno == ENOENT ? " (install the Debian package metamath-databases)" : "");
	L->text = NULL;
	for (;;) {
		size_t got;
		xgrow(&L->text, &cap, len + 65536 + 1, 1);
		got = fread(L->text + len, 1, cap - len - 1, f);
		if (got == 0)
			break;
		len += got;
	}
	if (ferror(f))
		die(EX_IOERR, "read error on '%s':", path);
	fclose(f);
	L->text[len] = '\0';
	L->line = NULL;
	L->n = 0;
	for (p = L->text; p < L->text + len;) {
		char *nl = memchr(p, '\n', (size_t)(L->text + len - p));
		xgrow(&L->line, &lcap, L->n + 1, sizeof *L->line);
		L->line[L->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
}

static int
is_chapter_rule(const char *s)
{
	return strncmp(s, "#*#*#*#*", 8) == 0;
}

static char *
trim(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/*
 * set.mm's chapter headers are comments whose title sits between two rules
 * of "#*#*...". Finds the chapter CHAPTER: *begin is the index of the "$("
 * line opening its header, *end the index of the "$(" line opening the next
 * chapter's header (the chapter is lines [begin, end)).
 */
static void
find_chapter(const struct lines *L, size_t *begin, size_t *end)
{
	int found = 0;

	for (size_t i = 1; i + 2 < L->n; i++) {
		char *title;
		if (!is_chapter_rule(L->line[i]) || !is_chapter_rule(L->line[i + 2]))
			continue;
		title = trim(L->line[i + 1]);
		if (!found && strcmp(title, CHAPTER) == 0) {
			*begin = i - 1;
			found = 1;
		} else if (found) {
			*end = i - 1;
			free(title);
			if (strncmp(L->line[*end], "$(", 2) != 0)
				die(EX_DATAERR, "line %zu: expected '$(' before a chapter header", *end + 1);
			return;
		}
		free(title);
		i += 2;
	}
	die(EX_DATAERR, found ? "no chapter after \"%s\"" : "no chapter \"%s\" in set.mm", CHAPTER);
}

/* "$( Begin $[ set-header.mm $] $)" and its "End" twin */
static int
is_include_marker(const char *s)
{
	static regex_t re;
	static int compiled;

	if (!compiled) {
		if (regcomp(&re, "^\\$\\( (Begin|End) \\$\\[ [^ ]+ \\$\\] \\$\\)[ \t\r]*$",
		            REG_EXTENDED | REG_NOSUB) != 0)
			die(EX_SOFTWARE, "bad regular expression");
		compiled = 1;
	}
	return regexec(&re, s, 0, NULL, 0) == 0;
}

/* ---- canonical form up to renaming of variables and reordering of hypotheses */

struct canon {
	int32_t *v;
	size_t n;
};

/* Variables numbered by first occurrence in the order given; a variable is
 * written -(1 + 2 * (index * 64 + its typecode's rank)), a constant as
 * itself, each expression ended by a separator. */
static void
canon_write(const struct mm_db *db, const mm_sym **ex, const uint32_t *len, const int *order,
            int n, int32_t *out, size_t *nout, mm_sym *map, int32_t *mapv)
{
	int nv = 0;
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		const mm_sym *e = ex[order[i]];
		for (uint32_t j = 0; j < len[order[i]]; j++) {
			mm_sym s = e[j];
			if (db->symkind[s] == MM_VAR) {
				int idx;
				for (idx = 0; idx < nv && map[idx] != s; idx++)
					;
				if (idx == nv) {
					map[nv] = s;
					mapv[nv] = nv;
					nv++;
				}
				out[k++] = -(1 + idx * 2);
			} else {
				out[k++] = s;
			}
		}
		out[k++] = -2;   /* separator: even, never a variable code */
	}
	*nout = k;
}

static int
canon_less(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	size_t n = na < nb ? na : nb;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return na < nb;
}

static int
next_perm(int *a, int n)
{
	int i = n - 2, j;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	for (j = n - 1; a[j] <= a[i]; j--)
		;
	{ int t = a[i]; a[i] = a[j]; a[j] = t; }
	for (int l = i + 1, r = n - 1; l < r; l++, r--) {
		int t = a[l]; a[l] = a[r]; a[r] = t;
	}
	return 1;
}

/* The lexicographically least form over all orders of the hypotheses
 * (the conclusion first). At most 8 hypotheses are permuted exhaustively;
 * beyond that, they keep the database order (none in mm-pc has so many). */
static struct canon
canonical(const struct mm_db *db, int32_t s)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	const mm_sym *ex[65];
	uint32_t len[65];
	int order[65], perm[64], n = 1, nh;
	size_t total = st->len + 1, nbest = 0, ncur;
	int32_t *best, *cur;
	mm_sym map[512];
	int32_t mapv[512];
	struct canon c;

	ex[0] = db->pool + st->expr;
	len[0] = st->len;
	for (uint32_t i = 0; i < st->nhyps && n < 65; i++)
		if (fr[i].var < 0) {
			ex[n] = db->pool + fr[i].expr;
			len[n] = fr[i].len;
			total += fr[i].len + 1;
			n++;
		}
	nh = n - 1;
	best = xmalloc(total * sizeof *best);
	cur = xmalloc(total * sizeof *cur);
	for (int i = 0; i < nh; i++)
		perm[i] = i + 1;
	order[0] = 0;
	do {
		memcpy(order + 1, perm, (size_t)nh * sizeof *perm);
		canon_write(db, ex, len, order, n, cur, &ncur, map, mapv);
		if (nbest == 0 || canon_less(cur, ncur, best, nbest)) {
			memcpy(best, cur, ncur * sizeof *cur);
			nbest = ncur;
		}
	} while (nh <= 8 && next_perm(perm, nh));
	free(cur);
	c.v = best;
	c.n = nbest;
	return c;
}

/* ---- output */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static json_t *
statement_record(const struct mm_db *db, int32_t s, const char *split)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	json_t *o = json_object(), *hyps = json_array();
	char id[512], buf[65536];

	snprintf(id, sizeof id, "mm-pc/%s", st->label);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "system", json_string("metamath"));
	json_object_set_new(o, "context", json_string(st->label));
	mm_expr_str(db, db->pool + st->expr, st->len, buf, sizeof buf);
	json_object_set_new(o, "statement", json_string(buf));
	for (uint32_t i = 0; i < st->nhyps; i++)
		if (fr[i].var < 0) {
			mm_expr_str(db, db->pool + fr[i].expr, fr[i].len, buf, sizeof buf);
			json_array_append_new(hyps, json_string(buf));
		}
	json_object_set_new(o, "hyps", hyps);
	/* every $d active at the theorem, so that its proof (whose dummy
	 * variables may need them) checks as a candidate; sorted, no repeats */
	if (st->proof >= 0 && db->proofs[st->proof].nxdv) {
		const struct mm_proofsrc *ps = &db->proofs[st->proof];
		json_t *dv = json_array();
		uint64_t *v = xmalloc(ps->nxdv * sizeof *v);
		uint32_t n = 0;
		memcpy(v, db->dvpool + ps->xdv, ps->nxdv * sizeof *v);
		qsort(v, ps->nxdv, sizeof *v, cmp_u64);
		for (uint32_t i = 0; i < ps->nxdv; i++)
			if (n == 0 || v[n - 1] != v[i])
				v[n++] = v[i];
		for (uint32_t i = 0; i < n; i++) {
			uint64_t p = v[i];
			json_t *pr = json_array();
			json_array_append_new(pr, json_string(db->syms[(mm_sym)(p >> 32)].name));
			json_array_append_new(pr, json_string(db->syms[(mm_sym)(uint32_t)p].name));
			json_array_append_new(dv, pr);
		}
		free(v);
		json_object_set_new(o, "dv", dv);
	}
	json_object_set_new(o, "split", json_string(split));
	json_object_set_new(o, "source", json_string("dataset"));
	return o;
}

static void
write_record(FILE *fp, const json_t *o, const char *path)
{
	if (jsonl_write(fp, o) < 0)
		die(EX_IOERR, "write error on '%s':", path);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static void
print_dist(const char *name, long *v, size_t n)
{
	double mean = 0;

	if (!n)
		return;
	qsort(v, n, sizeof *v, cmp_long);
	for (size_t i = 0; i < n; i++)
		mean += (double)v[i];
	printf("  %-6s tokens: min %ld, median %ld, mean %.1f, p90 %ld, max %ld\n", name, v[0],
	       v[n / 2], mean / (double)n, v[n * 9 / 10], v[n - 1]);
}

static long
ntokens(const char *s)
{
	long n = 0;
	int in = 0;

	for (; *s; s++) {
		int ws = *s == ' ';
		if (!ws && !in)
			n++;
		in = !ws;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "set-mm", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *setmm = "/usr/share/metamath/databases/set.mm", *outdir = "data/mm-pc";
	struct lines L;
	size_t begin = 0, end = 0, chapter_off = 0, nkept = 0;
	struct atomic_file af;
	char path[4096], err[1024];
	struct mm_db *db;
	struct mm_work *w;
	struct mms_grammar *g;
	struct mms_err merr;
	struct mm_result res;
	int32_t *uni;
	const char **split;
	size_t nuni = 0, counts[3] = { 0, 0, 0 };
	struct canon *canon;
	long *len_steps, *len_rpn;
	size_t nlen = 0;
	regex_t oldalt;
	int c;

	msg_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': setmm = optarg; break;
		case 'o': outdir = optarg; break;
		case 'h': fputs(usage_text, stdout); close_stdout(); return 0;
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}

	/* 1. pc.mm */
	read_lines(setmm, &L);
	find_chapter(&L, &begin, &end);
	if (mkdir(outdir, 0777) < 0 && errno != EEXIST) {
		/* make the parent too (data/ in a fresh clone) */
		char *parent = xstrdup(outdir), *slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			mkdir(parent, 0777);
		}
		free(parent);
		if (mkdir(outdir, 0777) < 0 && errno != EEXIST)
			die(EX_CANTCREAT, "cannot create '%s':", outdir);
	}
	snprintf(path, sizeof path, "%s/pc.mm", outdir);
	atomic_open(&af, path);
	for (size_t i = 0; i < end; i++) {
		if (is_include_marker(L.line[i]))
			continue;
		if (i == begin)
			chapter_off = nkept;
		fputs(L.line[i], af.fp);
		fputc('\n', af.fp);
		nkept += strlen(L.line[i]) + 1;
	}
	atomic_commit(&af);
	printf("%s: lines 1-%zu of %s (chapter \"%s\" from line %zu), %zu bytes\n", path, end,
	       setmm, CHAPTER, begin + 1, nkept);

	/* 2. the universe and its splits */
	db = mm_db_load(path, err, sizeof err, NULL);
	if (!db)
		die(EX_DATAERR, "%s", err);
	w = mm_work_new(db, NULL);
	g = mms_grammar_new(db);
	uni = xmalloc((size_t)db->nstmts * sizeof *uni);
	split = xcalloc((size_t)db->nstmts, sizeof *split);
	canon = xcalloc((size_t)db->nstmts, sizeof *canon);
	if (regcomp(&oldalt, "(OLD|ALT)[0-9]*$", REG_EXTENDED | REG_NOSUB) != 0)
		die(EX_SOFTWARE, "bad regular expression");
	for (int32_t s = 0; s < db->nstmts; s++) {
		const struct mm_stmt *st = &db->stmts[s];
		if (st->kind != MM_P || mm_stmt_pos(db, s) < chapter_off)
			continue;
		if (strcmp(st->label, "trujust") == 0 || strcmp(st->label, "tru") == 0)
			continue;
		if (!mm_verify_theorem(db, w, s, &res))
			die(EX_DATAERR, "%s: proof of '%s' does not verify: %s", path, st->label, res.msg);
		uni[nuni++] = s;
	}
	for (size_t i = 0; i < nuni; i++) {
		const char *label = db->stmts[uni[i]].label;
		uint64_t b = hash64(label, strlen(label)) % 10;
		split[i] = b == 0 ? "test" : b == 1 ? "unproved" : "train";
		if (regexec(&oldalt, label, 0, NULL, 0) == 0)
			split[i] = "train";
		canon[i] = canonical(db, uni[i]);
		for (size_t j = 0; j < i && split[i][1] != 'r'; j++)
			if (canon[j].n == canon[i].n &&
			    memcmp(canon[j].v, canon[i].v, canon[i].n * sizeof *canon[i].v) == 0)
				split[i] = "train";
		counts[split[i][1] == 'r' ? 0 : split[i][0] == 'u' ? 1 : 2]++;
	}

	/* 3. statements.jsonl and proofs.jsonl */
	snprintf(path, sizeof path, "%s/statements.jsonl", outdir);
	atomic_open(&af, path);
	for (size_t i = 0; i < nuni; i++) {
		json_t *o = statement_record(db, uni[i], split[i]);
		write_record(af.fp, o, path);
		json_decref(o);
	}
	atomic_commit(&af);

	len_steps = xmalloc((nuni + 1) * sizeof *len_steps);
	len_rpn = xmalloc((nuni + 1) * sizeof *len_rpn);
	snprintf(path, sizeof path, "%s/proofs.jsonl", outdir);
	atomic_open(&af, path);
	for (size_t i = 0; i < nuni; i++) {
		int32_t s = uni[i];
		json_t *o;
		char *rpn, *steps;
		uint32_t ntok = 0;
		if (split[i][1] != 'r')
			continue;
		rpn = mm_theorem_export(db, w, s, &res);
		if (!rpn)
			die(EX_SOFTWARE, "cannot export '%s': %s", db->stmts[s].label, res.msg);
		steps = mms_theorem_steps(g, w, s, &ntok, NULL, &merr);
		if (!steps)
			die(EX_SOFTWARE, "cannot convert '%s' to steps: %s", db->stmts[s].label, merr.msg);
		o = statement_record(db, s, split[i]);
		json_object_set_new(o, "proof", json_string(steps));
		json_object_set_new(o, "format", json_string("steps"));
		json_object_set_new(o, "rpn", json_string(rpn));
		write_record(af.fp, o, path);
		json_decref(o);
		len_steps[nlen] = ntokens(steps);
		len_rpn[nlen] = ntokens(rpn);
		nlen++;
		free(rpn);
		free(steps);
	}
	atomic_commit(&af);

	printf("%s/statements.jsonl: %zu statements: train %zu, unproved %zu, test %zu\n", outdir,
	       nuni, counts[0], counts[1], counts[2]);
	printf("%s: %zu human proofs (train)\n", path, nlen);
	print_dist("steps", len_steps, nlen);
	print_dist("rpn", len_rpn, nlen);

	for (size_t i = 0; i < nuni; i++)
		free(canon[i].v);
	free(canon);
	free(split);
	free(uni);
	free(len_steps);
	free(len_rpn);
	regfree(&oldalt);
	mms_grammar_free(g);
	mm_work_free(w);
	mm_db_free(db);
	free(L.line);
	free(L.text);
	close_stdout();
	return 0;
}
