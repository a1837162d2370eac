/*
 * stp-seed - seeds for the conjecturer, and the prover's input
 *
 * usage: stp-seed --state FILE [-k] [--db FILE] [--lean-lemmas FILE] [--seed N]
 *                 [--iter N] [-c CONFIG] [-o FILE] VERDICTS...
 *        stp-seed --select --state FILE --statements FILE [-k] [--seed N] [--iter N]
 *                 [-c CONFIG] [-o FILE] [CONJECTURES...]
 *
 * Seeds (docs/algorithm.md, 1. Seeds): from the correct proofs of dataset statements in
 * VERDICTS, for the statements whose best pass rate in the state is above
 * seed.threshold (0.35): one seed (statement, proof, lemma) per lemma the
 * proof uses (the shortest correct proof using it), each (statement, lemma)
 * pair once; with probability seed.trivial_prob (0.5) a statement also gets
 * a seed with the trivial lemma (""); a lemma in more than
 * floor(seed.lemma_cap x n) seeds (0.1 n, n the dataset size: the
 * statements in the state; at least 1), the trivial lemma included, keeps a
 * random subset of exactly that many; then at most n seeds are kept (a
 * random subset). Each seed carries its lemma's statement and hypotheses
 * (from the database) and "samples": how many conjectures to draw from it,
 * min(seed.max_per_seed, floor(seed.per_seed_factor x n / #seeds)) = min(8,
 * floor(3n / #seeds)), at least 1, #seeds counted after the cut to n. Seeds
 * come out in the order in which their (statement, lemma) pairs first appear
 * in VERDICTS.
 *
 * A seed's lemma is one the proof uses (the verdict's "lemmas") whose
 * statement is known, for the conjecturer's prompt. Metamath: an assertion of
 * --db (any other is a malformed record). Lean ("system":"lean"; the lemmas
 * are the constants the REPL says the tactics used): one of the
 * --lean-lemmas dictionary (JSON Lines, {"name":..,"statement":..}: STP's
 * theorem_dict.pkl, Mathlib's theorems), its statement cut at ":=" as STP
 * cuts it; the others (types, instances, definitions, local names) are not
 * lemmas, and without the dictionary a Lean proof gives trivial-lemma seeds
 * only (with a warning). The database is read only for Metamath verdicts.
 *
 * --select (docs/algorithm.md, 2. Conjectures): the prover's input: every dataset statement not
 * yet proved, every conjecture given, and each proved statement with
 * probability seed.reprove_prob (0.05), always if its best pass rate is
 * below seed.reprove_below (0.35; 0 turns that rule off). With
 * --unproved-only (the expert-iteration baseline), only the statements not
 * yet proved. Each record gets "category": open (a dataset statement not
 * yet proved), reprove (a proved one) or conjecture.
 *
 * Deterministic under --seed and --iter. A malformed record stops it (65);
 * with -k it is skipped with a warning and the exit status is 65 at the end.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "mm/mm.h"
#include "mmrec.h"
#include "rng.h"
#include "state.h"

static const char usage_text[] =
	"usage: stp-seed --state FILE [-k] [--db FILE] [--lean-lemmas FILE] [--seed N]\n"
	"                [--iter N] [-c CONFIG] [-o FILE] VERDICTS...\n"
	"       stp-seed --select --state FILE --statements FILE [-k] [--seed N] [--iter N]\n"
	"                [-c CONFIG] [-o FILE] [CONJECTURES...]\n"
	"\n"
	"Seeds for the conjecturer from correct proofs of dataset statements; with\n"
	"--select, the prover's input (unproved statements, conjectures, 5% of the proved).\n"
	"\n"
	"      --state FILE       the cumulative state (stp-reward)\n"
	"      --db FILE          Metamath database, for the lemmas' statements\n"
	"                         (default: $STP_DB, else data/mm-pc/pc.mm)\n"
	"      --lean-lemmas FILE the statements of Lean lemmas (JSONL: name, statement);\n"
	"                         a Lean proof's lemmas outside it give no seed\n"
	"      --statements FILE  the dataset statements (--select)\n"
	"      --select           make the prover's input (instead of seeds)\n"
	"      --unproved-only    --select only the statements not yet proved (expert iteration)\n"
	"      --seed N           random seed (default 1)\n"
	"      --iter N           the iteration (recorded, and mixed into the random draws)\n"
	"  -o, --output FILE      write to FILE (atomically; gzip if it ends in .gz) instead\n"
	"                         of stdout\n"
	"  -k, --keep-going       skip a malformed record with a warning, exit 65 at the end\n"
	"  -c, --config FILE      YAML configuration (section 'seed')\n"
	"  -q, --quiet            no progress messages\n"
	"      --print-config     print the effective configuration (YAML) and exit\n";

struct sopts {
	const char *state, *db, *statements, *out;
	const char *lean_lemmas;   /* the Lean lemma dictionary, or NULL */
	uint64_t seed;
	long iter;
	int select;
	int unproved_only;     /* --select for the expert-iteration baseline */
	double threshold, trivial_prob, lemma_cap, reprove_prob, reprove_below;
	int max_per_seed;
	double per_seed_factor;
};

static uint64_t
rnd(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t w[3] = { a, b, c };
	return rng_seed(w, 3);
}

/* A uniform draw in [0, 1) from (seed, iter, key). */
static double
draw(const struct sopts *o, const char *key, uint64_t salt)
{
	struct rng r;
	rng_init(&r, rnd(o->seed ^ salt, (uint64_t)o->iter, hash64_str(key)));
	return (double)(rng_next(&r) >> 11) * 0x1.0p-53;
}

/* The fields of a statement record this tool reads or passes on, each of
 * its type: statement (a string), hyps (strings), context and split
 * (strings); -1 with err naming the field. */
static int
statement_fields(json_t *rec, const char *file, long lineno, struct jsonl_err *err)
{
	const char *s;
	json_t *a;

	if (jsonl_get_str(rec, "statement", 1, &s, file, lineno, err) < 0 ||
	    jsonl_get_strarray(rec, "hyps", 0, &a, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "context", 0, &s, file, lineno, err) < 0 ||
	    jsonl_get_str(rec, "split", 0, &s, file, lineno, err) < 0)
		return -1;
	return 0;
}

/* ---- seeds */

struct cand {
	char *sid;             /* the dataset statement's id */
	char *lemma;           /* "" for the trivial lemma */
	json_t *rec;           /* the verdict of the proof chosen (shortest) */
	size_t plen;
	size_t order;          /* first appearance, for a stable output order */
	int keep;
	double rank;           /* the draw that decides the lemma cap */
};

struct cands {
	struct cand *c;
	size_t n, cap;
	struct hindex index;   /* by the hash of (sid, lemma) */
};

static uint64_t
pair_hash(const char *a, const char *b)
{
	struct hash_fields *h = hash_fields_new();
	uint64_t k;

	hash_fields_add_str(h, a);
	hash_fields_add_str(h, b);
	k = hash_fields_64(h);
	hash_fields_free(h);
	return k;
}

static uint64_t
cand_rehash(const void *ctx, size_t i)
{
	const struct cand *c = &((const struct cands *)ctx)->c[i];

	return pair_hash(c->sid, c->lemma);
}

static struct cand *
cands_find(struct cands *cs, const char *sid, const char *lemma, int create)
{
	uint64_t h = pair_hash(sid, lemma);
	size_t at;

	for (size_t i = hindex_first(&cs->index, h, &at); i; i = hindex_next(&cs->index, &at)) {
		struct cand *c = &cs->c[i - 1];
		if (strcmp(c->sid, sid) == 0 && strcmp(c->lemma, lemma) == 0)
			return c;
	}
	if (!create)
		return NULL;
	xgrow(&cs->c, &cs->cap, cs->n + 1, sizeof *cs->c);
	memset(&cs->c[cs->n], 0, sizeof cs->c[cs->n]);
	cs->c[cs->n].sid = xstrdup(sid);
	cs->c[cs->n].lemma = xstrdup(lemma);
	cs->c[cs->n].order = cs->n;
	cs->c[cs->n].keep = 1;
	hindex_add(&cs->index, h, cand_rehash, cs);
	return &cs->c[cs->n++];
}

/* Offer a correct proof for (sid, lemma): kept if shorter than the one held. */
static void
offer(struct cands *cs, const char *sid, const char *lemma, json_t *rec, size_t plen)
{
	struct cand *c = cands_find(cs, sid, lemma, 1);

	if (!c->rec || plen < c->plen) {
		json_decref(c->rec);
		json_incref(rec);
		c->rec = rec;
		c->plen = plen;
	}
}

static int
cmp_cand_lemma(const void *a, const void *b)
{
	const struct cand *const *x = a, *const *y = b;
	int c = strcmp((*x)->lemma, (*y)->lemma);
	return c ? c : ((*x)->order < (*y)->order ? -1 : 1);
}

static int
cmp_cand_rank(const void *a, const void *b)
{
	const struct cand *const *x = a, *const *y = b;
	if ((*x)->rank != (*y)->rank)
		return (*x)->rank < (*y)->rank ? -1 : 1;
	return (*x)->order < (*y)->order ? -1 : 1;
}

/*
 * The Lean lemma dictionary of path: a JSON object, name -> statement, the
 * statement cut at its first ":=" and trimmed (STP: v[1].split(':=')[0]
 * .strip()); a name given twice keeps its first statement. Malformed
 * records as the verdicts' (cl).
 */
static json_t *
lean_lemmas_load(const char *path, struct cli *cl)
{
	struct jsonl_in *in = jsonl_in_open1(path);
	struct jsonl_err err;
	struct jsonl_line l;
	int r;
	json_t *d = json_object(), *rec;

	while ((r = jsonl_in_object(in, &l, &rec, &err)) != 0) {
		const char *name, *st, *e, *b;
		if (!rec || jsonl_get_str(rec, "name", 1, &name, l.file, l.lineno, &err) < 0 ||
		    jsonl_get_str(rec, "statement", 1, &st, l.file, l.lineno, &err) < 0) {
			json_decref(rec);
			cli_skip(cl, &err);
			continue;
		}
		for (e = st; *e && !(e[0] == ':' && e[1] == '='); e++)
			;
		b = st;
		span_trim(&b, &e);
		if (*name && e > b && !json_object_get(d, name))
			json_object_set_new(d, name, json_stringn(b, (size_t)(e - b)));
		json_decref(rec);
	}
	jsonl_in_close(in);
	return d;
}

static int
seeds_run(const struct sopts *o, struct cli *cl, char **files, int nfiles)
{
	struct state st;
	struct cands cs;
	struct mm_db *db = NULL;
	json_t *dict = NULL;   /* the Lean lemma dictionary */
	char err[1024];
	int io, r, warned = 0;
	long nunknown = 0;     /* Lean lemmas outside the dictionary */
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	size_t n, nseeds = 0, cap, ncut = 0;
	struct out out;
	long per_seed;

	state_load(&st, o->state);
	n = st.n;
	if (o->lean_lemmas)
		dict = lean_lemmas_load(o->lean_lemmas, cl);
	memset(&cs, 0, sizeof cs);
	in = jsonl_in_open(files, nfiles, 0);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		json_t *lem;
		const char *id, *source = NULL, *proof, *bad, *system = NULL;
		int ok, lean;
		struct sstate *s;

		if (!rec || jsonl_get_str(rec, "id", 1, &id, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_bool(rec, "ok", 1, &ok, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "source", 0, &source, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			cli_skip(cl, &jerr);
			continue;
		}
		/* dataset statements only; held-out ones are not in the state */
		if (!ok || (source && strcmp(source, "dataset") != 0) || !(s = state_get(&st, id)) ||
		    s->best_pass <= o->threshold) {
			json_decref(rec);
			continue;
		}
		if (jsonl_get_str(rec, "proof", 1, &proof, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_strarray(rec, "lemmas", 1, &lem, l.file, l.lineno, &jerr) < 0 ||
		    jsonl_get_str(rec, "system", 0, &system, l.file, l.lineno, &jerr) < 0 ||
		    statement_fields(rec, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			cli_skip(cl, &jerr);
			continue;
		}
		lean = system && strcmp(system, "lean") == 0;
		if (lean) {
			/* a Lean lemma is one the dictionary states; the others
			 * (types, instances, definitions) are no lemmas */
			if (!dict && !warned++)
				warn("%s:%ld: a Lean verdict, and no --lean-lemmas: Lean proofs give "
				     "trivial-lemma seeds only (docs/lean.md)", l.file, l.lineno);
			for (size_t i = 0; i < json_array_size(lem); i++) {
				const char *name = json_string_value(json_array_get(lem, i));
				if (dict && json_object_get(dict, name))
					offer(&cs, id, name, rec, strlen(proof));
				else
					nunknown++;
			}
		} else {
			/* a seed's lemma is an assertion of the database: its
			 * statement goes into the conjecturer's prompt (the whole
			 * record first) */
			if (!db && !(db = mm_db_load(o->db, err, sizeof err, &io)))
				die(io ? EX_NOINPUT : EX_DATAERR, "%s", err);
			bad = NULL;
			for (size_t i = 0; i < json_array_size(lem) && !bad; i++) {
				const char *name = json_string_value(json_array_get(lem, i));
				int32_t ls = mm_db_label(db, name, strlen(name));
				if (ls < 0 || !mm_is_assertion(&db->stmts[ls]))
					bad = name;
			}
			if (bad) {
				cli_bad_record(cl, EX_DATAERR,
				               "%s:%ld: field 'lemmas': '%s' is not an assertion of %s",
				               l.file, l.lineno, bad, o->db);
				json_decref(rec);
				continue;
			}
			for (size_t i = 0; i < json_array_size(lem); i++)
				offer(&cs, id, json_string_value(json_array_get(lem, i)), rec,
				      strlen(proof));
		}
		/* the trivial lemma, with probability trivial_prob per statement */
		if (draw(o, id, 0x7472697669616cULL) < o->trivial_prob)
			offer(&cs, id, "", rec, strlen(proof));
		json_decref(rec);
	}
	jsonl_in_close(in);

	/* a lemma in at most lemma_cap * n seeds: a random subset beyond */
	cap = (size_t)(o->lemma_cap * (double)n);
	if (cap < 1)
		cap = 1;
	{
		struct cand **v = xmalloc((cs.n + 1) * sizeof *v);
		for (size_t i = 0; i < cs.n; i++)
			v[i] = &cs.c[i];
		qsort(v, cs.n, sizeof *v, cmp_cand_lemma);
		for (size_t i = 0; i < cs.n;) {
			size_t j = i;
			while (j < cs.n && strcmp(v[j]->lemma, v[i]->lemma) == 0)
				j++;
			if (j - i > cap) {
				/* rank by a draw keyed on (lemma, statement): keep the cap lowest */
				for (size_t a = i; a < j; a++)
					v[a]->rank = draw(o, v[a]->sid, pair_hash(v[a]->lemma, "cap"));
				qsort(v + i, j - i, sizeof *v, cmp_cand_rank);
				for (size_t a = i + cap; a < j; a++)
					v[a]->keep = 0;
			}
			i = j;
		}
		free(v);
	}
	/* at most n seeds: a random subset */
	for (size_t i = 0; i < cs.n; i++)
		nseeds += cs.c[i].keep;
	if (nseeds > n) {
		struct cand **v = xmalloc((nseeds + 1) * sizeof *v);
		size_t k = 0;
		for (size_t i = 0; i < cs.n; i++)
			if (cs.c[i].keep) {
				cs.c[i].rank = draw(o, cs.c[i].sid, pair_hash(cs.c[i].lemma, "at most n"));
				v[k++] = &cs.c[i];
			}
		qsort(v, k, sizeof *v, cmp_cand_rank);
		for (size_t a = n; a < k; a++)
			v[a]->keep = 0;
		ncut = nseeds - n;
		nseeds = n;
		free(v);
	}
	per_seed = nseeds ? (long)(o->per_seed_factor * (double)n / (double)nseeds) : 0;
	if (per_seed > o->max_per_seed)
		per_seed = o->max_per_seed;
	if (per_seed < 1)
		per_seed = 1;

	out_open(&out, o->out);
	for (size_t i = 0; i < cs.n; i++) {
		struct cand *c = &cs.c[i];
		json_t *sd, *lst = NULL;
		char id[24];
		int32_t ls = -1;
		const char *sys = json_string_value(json_object_get(c->rec, "system"));

		if (!c->keep)
			continue;
		if (*c->lemma && sys && strcmp(sys, "lean") == 0) {
			lst = json_object_get(dict, c->lemma);   /* offered only when there */
		} else if (*c->lemma) {
			ls = mm_db_label(db, c->lemma, strlen(c->lemma));
			if (ls < 0 || !mm_is_assertion(&db->stmts[ls]))
				die(EX_DATAERR, "lemma '%s' of '%s' is not an assertion of %s", c->lemma,
				    c->sid, o->db);
		}
		memcpy(id, "s/", 2);
		hash64_hex(pair_hash(c->sid, c->lemma), id + 2);
		sd = json_object();
		json_object_set_new(sd, "id", json_string(id));
		json_object_set(sd, "system", json_object_get(c->rec, "system"));
		json_object_set(sd, "context", json_object_get(c->rec, "context"));
		json_object_set(sd, "statement", json_object_get(c->rec, "statement"));
		json_object_set(sd, "hyps", json_object_get(c->rec, "hyps"));
		if (json_object_get(c->rec, "dv"))
			json_object_set(sd, "dv", json_object_get(c->rec, "dv"));
		json_object_set(sd, "proof", json_object_get(c->rec, "proof"));
		json_object_set_new(sd, "lemma", json_string(c->lemma));
		if (ls >= 0) {
			json_object_set_new(sd, "lemma_statement", mmrec_statement(db, ls));
			json_object_set_new(sd, "lemma_hyps", mmrec_hyps(db, ls));
		} else if (lst) {
			json_object_set(sd, "lemma_statement", lst);
		}
		json_object_set_new(sd, "source_id", json_string(c->sid));
		json_object_set_new(sd, "samples", json_integer(per_seed));
		json_object_set_new(sd, "iter", json_integer(o->iter));
		/* drop nulls of absent fields */
		if (json_is_null(json_object_get(sd, "system")) || !json_object_get(c->rec, "system"))
			json_object_del(sd, "system");
		if (!json_object_get(c->rec, "context"))
			json_object_del(sd, "context");
		if (!json_object_get(c->rec, "hyps"))
			json_object_del(sd, "hyps");
		if (jsonl_write(out.fp, sd) < 0)
			die(EX_IOERR, "write error:");
		json_decref(sd);
	}
	out_close(&out);
	metrics_num("seeds", (double)nseeds);
	metrics_num("candidate_pairs", (double)cs.n);
	metrics_num("cut_to_n", (double)ncut);
	metrics_num("samples_per_seed", (double)per_seed);
	if (nunknown)
		metrics_num("lean_lemmas_unknown", (double)nunknown);
	metrics_done("%zu seeds (%zu candidate pairs, a lemma at most %zu times, %zu cut to n = %zu), "
	             "%ld conjectures each", nseeds, cs.n, cap, ncut, n, per_seed);
	for (size_t i = 0; i < cs.n; i++) {
		free(cs.c[i].sid);
		free(cs.c[i].lemma);
		json_decref(cs.c[i].rec);
	}
	free(cs.c);
	hindex_free(&cs.index);
	if (db)
		mm_db_free(db);
	json_decref(dict);
	state_free(&st);
	return cli_status(cl);
}

/* ---- the prover's input */

/*
 * Write a selected record with its "category" (open, reprove, conjecture:
 * what stp-prove's per-category K and the budget accounting read). The
 * record's own bytes are kept and the field appended before the closing
 * brace; a record that has a "category" already is written anew.
 */
static void
emit_category(FILE *fp, const char *line, size_t len, json_t *rec, const char *cat)
{
	size_t end = len;

	while (end > 0 && line[end - 1] != '}')
		end--;
	if (json_object_get(rec, "category") || end == 0) {
		json_t *c = json_deep_copy(rec);
		json_object_set_new(c, "category", json_string(cat));
		if (jsonl_write(fp, c) < 0)
			die(EX_IOERR, "write error:");
		json_decref(c);
		return;
	}
	end--;   /* the closing brace */
	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	if (fwrite(line, 1, end, fp) != end ||
	    fprintf(fp, "%s\"category\":\"%s\"}\n", json_object_size(rec) ? "," : "", cat) < 0)
		die(EX_IOERR, "write error:");
}

static int
select_run(const struct sopts *o, struct cli *cl, char **files, int nfiles)
{
	struct state st;
	struct jsonl_in *in;
	struct jsonl_err jerr;
	struct jsonl_line l;
	json_t *rec;
	long nunproved = 0, nreprove = 0, nconj = 0;
	int r;
	struct out out;

	state_load(&st, o->state);
	out_open(&out, o->out);
	in = jsonl_in_open1(o->statements);
	while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
		const char *id;
		struct sstate *s;
		if (!rec || jsonl_get_str(rec, "id", 1, &id, l.file, l.lineno, &jerr) < 0 ||
		    statement_fields(rec, l.file, l.lineno, &jerr) < 0) {
			json_decref(rec);
			cli_skip(cl, &jerr);
			continue;
		}
		s = state_get(&st, id);
		if (s) {   /* a dataset statement (test is not in the state) */
			int take = !s->proved;
			if (take)
				nunproved++;
			else if (o->unproved_only)
				;
			else if (s->best_pass < o->reprove_below ||
			         draw(o, id, 0x726570726f7665ULL) < o->reprove_prob) {
				take = 1;
				nreprove++;
			}
			if (take)
				emit_category(out.fp, l.text, l.len, rec,
				              s->proved ? "reprove" : "open");
		}
		json_decref(rec);
	}
	jsonl_in_close(in);
	if (nfiles > 0) {
		in = jsonl_in_open(files, nfiles, 0);
		while ((r = jsonl_in_object(in, &l, &rec, &jerr)) != 0) {
			const char *id, *stmt;
			/* a conjecture passes through byte for byte, once known to be
			 * a statement record */
			if (!rec || jsonl_get_str(rec, "id", 1, &id, l.file, l.lineno, &jerr) < 0 ||
			    jsonl_get_str(rec, "statement", 1, &stmt, l.file, l.lineno, &jerr) < 0 ||
			    statement_fields(rec, l.file, l.lineno, &jerr) < 0) {
				json_decref(rec);
				cli_skip(cl, &jerr);
				continue;
			}
			emit_category(out.fp, l.text, l.len, rec, "conjecture");
			json_decref(rec);
			nconj++;
		}
		jsonl_in_close(in);
	}
	out_close(&out);
	metrics_num("open", (double)nunproved);
	metrics_num("reprove", (double)nreprove);
	metrics_num("conjectures", (double)nconj);
	metrics_done("prover input: %ld unproved, %ld proved again, %ld conjectures", nunproved,
	         nreprove, nconj);
	state_free(&st);
	return cli_status(cl);
}

/* The section 'seed' (docs/stp.yaml.5.scd), bound to the options. */
#define S(f) CONFIG_FIELD(struct sopts, f)
static const struct config_key seed_keys[] = {
	{ "seed.threshold", CONFIG_NUM, S(threshold), .min = 0, .max = 1 },
	{ "seed.trivial_prob", CONFIG_NUM, S(trivial_prob), .min = 0, .max = 1 },
	{ "seed.lemma_cap", CONFIG_NUM, S(lemma_cap), .min = 0, .max = 1 },
	{ "seed.reprove_prob", CONFIG_NUM, S(reprove_prob), .min = 0, .max = 1 },
	{ "seed.reprove_below", CONFIG_NUM, S(reprove_below), .min = 0, .max = 1 },
	{ "seed.max_per_seed", CONFIG_INT, S(max_per_seed), .min = 1, .max = 100000 },
	{ "seed.per_seed_factor", CONFIG_NUM, S(per_seed_factor), .min = 0, .max = 1e6 },
	{ "seed.seed", CONFIG_INT, S(seed), .min = 0, .max = 1L << 62 },
	{ "seed.lean_lemmas", CONFIG_STR, S(lean_lemmas) },
	{ NULL },
};
#undef S

int
main(int argc, char **argv)
{
	struct sopts o;
	struct cli cl;
	int c;

	cli_init(&cl, argc, argv, usage_text);
	memset(&o, 0, sizeof o);
	o.db = default_db();
	o.seed = 1;
	o.threshold = 0.35;
	o.trivial_prob = 0.5;
	o.lemma_cap = 0.1;
	o.reprove_prob = 0.05;
	o.reprove_below = 0.35;
	o.max_per_seed = 8;
	o.per_seed_factor = 3;
	config_free(cli_config_apply(&cl, seed_keys, &o));
	while ((c = getopt_long(argc, argv, CLI_OPTSTRING, cli_longopts, NULL)) != -1) {
		switch (c) {
		case CLI_STATE: o.state = optarg; break;
		case CLI_DB: o.db = optarg; break;
		case CLI_STATEMENTS: o.statements = optarg; break;
		case CLI_SEED: o.seed = (uint64_t)cli_long("--seed", optarg, 0, 1L << 62); break;
		case CLI_ITER: o.iter = cli_long("--iter", optarg, 0, 1L << 30); break;
		case CLI_SELECT: o.select = 1; break;
		case CLI_UNPROVED_ONLY: o.unproved_only = 1; break;
		case CLI_LEAN_LEMMAS: o.lean_lemmas = optarg; break;
		default:
			cli_option(&cl, c, argv);
		}
	}
	o.out = cl.out;
	if (cl.print_config)
		cli_print_config(seed_keys, &o);
	if (!o.state)
		die(EX_USAGE, "no state: give --state FILE");
	if (o.select) {
		if (!o.statements)
			die(EX_USAGE, "--select needs --statements FILE");
		return select_run(&o, &cl, argv + optind, argc - optind);
	}
	return seeds_run(&o, &cl, argv + optind, argc - optind);
}
