/*
 * stp-mmdata - build the mm-pc benchmarks from Debian's set.mm
 *
 * usage: stp-mmdata [--set-mm FILE] [-o DIR] [--name NAME] [--hard N] [-c CONFIG] [-q]
 *
 * Writes DIR/pc.mm (set.mm up to the end of the chapter "Propositional
 * calculus", without the "$( Begin $[ ... $] $)" include markers, which
 * metamath.exe rejects in a truncated file), DIR/statements.jsonl and
 * DIR/proofs.jsonl (the human proofs of the `train` split, in `steps` format,
 * with the normal `rpn` form beside it), as docs/data.md describes:
 *   - the universe: the chapter's theorems but trujust and tru, one per
 *     class of theorems equal up to renaming of variables and reordering of
 *     hypotheses (lib/canon.h): the first in database order is kept, the
 *     others are left out and counted;
 *   - mm-pc (the default): hash bucket 0 `test`, 1 `unproved`, 2-9 `train`;
 *   - mm-pc-hard (--hard N): a theorem whose human proof has at least N
 *     `steps` tokens is a target, `unproved` when its bucket is even, `test`
 *     when odd; every other theorem is `train`;
 *   - either way a label ending in OLD or ALT (and digits) is `train`.
 * Ids are NAME/LABEL (NAME: mm-pc by default). Deterministic. Prints the
 * counts per split and the length distributions of both formats (not with
 * -q). -k is accepted and changes nothing: set.mm has no records to skip, and
 * a theorem whose proof does not verify always stops the build.
 */
#include <errno.h>
#include <stddef.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "atomic.h"
#include "canon.h"
#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmsteps/steps.h"

#define CHAPTER "Propositional calculus"

static const char usage_text[] =
	"usage: stp-mmdata [--set-mm FILE] [-o DIR] [--name NAME] [--hard N] [-c CONFIG] [-q]\n"
	"\n"
	"Build data/mm-pc/ (pc.mm, statements.jsonl, proofs.jsonl) from Debian's set.mm.\n"
	"\n"
	"      --set-mm FILE   set.mm (default /usr/share/metamath/databases/set.mm)\n"
	"  -o, --output DIR    output directory (default data/mm-pc)\n"
	"      --out DIR       the same as -o\n"
	"      --name NAME     the dataset's name, the prefix of its ids (default mm-pc)\n"
	"      --hard N        mm-pc-hard: theorems whose human proof has at least N steps\n"
	"                      tokens are the targets (unproved and test), the rest train\n"
	"  -c, --config FILE   YAML configuration (section 'mmdata')\n"
	"  -q, --quiet         no report of the counts on stdout\n"
	"  -k, --keep-going    accepted, changes nothing: set.mm has no records to skip\n"
	"      --print-config  print the effective configuration (YAML) and exit\n";

struct mmopts {
	const char *set_mm;    /* set.mm */
	const char *out;       /* the output directory */
	const char *name;      /* the dataset's name, the ids' prefix */
	long hard;             /* mm-pc-hard's least steps tokens of a target; 0: mm-pc */
};

/* The section 'mmdata' (docs/stp.yaml.5.scd), bound to the options. */
#define M(f) CONFIG_FIELD(struct mmopts, f)
static const struct config_key mmdata_keys[] = {
	{ "mmdata.set_mm", CONFIG_STR, M(set_mm) },
	{ "mmdata.out", CONFIG_STR, M(out) },
	{ "mmdata.name", CONFIG_STR, M(name) },
	{ "mmdata.hard", CONFIG_INT, M(hard), .min = 1, .max = 1000000, .has_unset = 1,
	  .unset_value = 0 },
	{ NULL },
};
#undef M

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

/* ---- output */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static const char *dataset_name = "mm-pc";

/* The theorem's key up to renaming and hypothesis order (lib/canon.h). */
static uint64_t
theorem_key(struct mm_db *db, int32_t s)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	char *concl, *hyp[MM_CAND_MAXHYPS + 64];
	size_t nh = 0;
	uint64_t k;
	char buf[65536];

	mm_expr_str(db, db->pool + st->expr, st->len, buf, sizeof buf);
	concl = xstrdup(buf);
	for (uint32_t i = 0; i < st->nhyps; i++)
		if (fr[i].var < 0) {
			if (nh == sizeof hyp / sizeof *hyp)
				die(EX_DATAERR, "'%s': too many hypotheses", st->label);
			mm_expr_str(db, db->pool + fr[i].expr, fr[i].len, buf, sizeof buf);
			hyp[nh++] = xstrdup(buf);
		}
	k = canon_key(canon_mm_type, db, concl, (const char *const *)hyp, nh);
	free(concl);
	for (size_t i = 0; i < nh; i++)
		free(hyp[i]);
	return k;
}

static json_t *
statement_record(const struct mm_db *db, int32_t s, const char *split)
{
	const struct mm_stmt *st = &db->stmts[s];
	const struct mm_hyp *fr = db->frames + st->frame;
	json_t *o = json_object(), *hyps = json_array();
	char id[512], buf[65536];

	snprintf(id, sizeof id, "%s/%s", dataset_name, st->label);
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
	struct mmopts mo = { "/usr/share/metamath/databases/set.mm", "data/mm-pc", "mm-pc", 0 };
	const char *setmm, *outdir;
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
	long *steps_len, hard_min;
	size_t ntwins = 0;
	long *len_steps, *len_rpn;
	size_t nlen = 0;
	regex_t oldalt;
	struct cli cl;
	int c, report;

	cli_init(&cl, argc, argv, usage_text);
	config_free(cli_config_apply(&cl, mmdata_keys, &mo));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_SET_MM: mo.set_mm = optarg; break;
		case CLI_NAME: mo.name = optarg; break;
		case CLI_HARD: mo.hard = cli_long("--hard", optarg, 1, 1000000); break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	if (cl.out)
		mo.out = cl.out;
	if (cl.print_config)
		cli_print_config(mmdata_keys, &mo);
	if (optind != argc)
		die(EX_USAGE, "no files are read, got '%s'; try '%s -h'", argv[optind], msg_prog);
	setmm = mo.set_mm;
	outdir = mo.out;
	dataset_name = mo.name;
	hard_min = mo.hard;
	report = msg_verbosity >= 1;

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
	if (report)
		printf("%s: lines 1-%zu of %s (chapter \"%s\" from line %zu), %zu bytes\n", path,
		       end, setmm, CHAPTER, begin + 1, nkept);

	/* 2. the universe and its splits */
	db = mm_db_load(path, err, sizeof err, NULL);
	if (!db)
		die(EX_DATAERR, "%s", err);
	w = mm_work_new(db, NULL);
	g = mms_grammar_new(db);
	uni = xmalloc((size_t)db->nstmts * sizeof *uni);
	split = xcalloc((size_t)db->nstmts, sizeof *split);
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
	/* one statement per renaming class: the first in database order */
	{
		struct hset64 seen = { NULL, 0, 0 };
		size_t k = 0;
		for (size_t i = 0; i < nuni; i++) {
			if (hset64_add(&seen, theorem_key(db, uni[i])))
				uni[k++] = uni[i];
			else
				ntwins++;
		}
		nuni = k;
		free(seen.v);
	}
	/* the human proofs' lengths in `steps` tokens (mm-pc-hard's targets) */
	steps_len = xmalloc((nuni + 1) * sizeof *steps_len);
	for (size_t i = 0; i < nuni; i++) {
		uint32_t ntok = 0;
		char *steps = mms_theorem_steps(g, w, uni[i], &ntok, NULL, &merr);
		if (!steps)
			die(EX_SOFTWARE, "cannot convert '%s' to steps: %s", db->stmts[uni[i]].label,
			    merr.msg);
		steps_len[i] = ntokens(steps);
		free(steps);
	}
	for (size_t i = 0; i < nuni; i++) {
		const char *label = db->stmts[uni[i]].label;
		uint64_t b = hash64_str(label) % 10;
		if (hard_min > 0) {
			/* mm-pc-hard: long human proofs are the targets */
			split[i] = steps_len[i] < hard_min ? "train" : b % 2 == 0 ? "unproved" : "test";
		} else {
			split[i] = b == 0 ? "test" : b == 1 ? "unproved" : "train";
		}
		if (regexec(&oldalt, label, 0, NULL, 0) == 0)
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

	if (report) {
		printf("%s/statements.jsonl: %zu statements: train %zu, unproved %zu, test %zu "
		       "(%zu left out: equal to an earlier theorem up to renaming and hypothesis "
		       "order)\n", outdir, nuni, counts[0], counts[1], counts[2], ntwins);
		printf("%s: %zu human proofs (train)\n", path, nlen);
		print_dist("steps", len_steps, nlen);
		print_dist("rpn", len_rpn, nlen);
	}

	free(steps_len);
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
