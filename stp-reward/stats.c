/*
 * stats.c - the iteration's stats (see reward.h): the cumulative pass rate,
 * the conjectures' counts, the budget (docs/algorithm.md, "The state and
 * the metric")
 */
#include <math.h>
#include <string.h>

#include "atomic.h"
#include "jsonl.h"
#include "msg.h"
#include "reward.h"
#include "state.h"

static json_t *
read_json_file(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!j) {
		if (je.line < 1)
			die(EX_NOINPUT, "cannot read '%s': %s", path, je.text);
		die(EX_DATAERR, "%s:%d: invalid JSON: %s (column %d)", path, je.line, je.text,
		    je.column);
	}
	return j;
}

static long long
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

void
write_stats(const struct ropts *o, const struct tallies *ts, const struct state *st,
            long nprover, long nconj, long ncand, long nelegant, long nrelabel, struct out *out)
{
	json_t *s = json_object(), *cum = json_object(), *proved = json_object(),
	       *conj = json_object(), *hist = json_object(), *it = json_object(), *ex = json_object();
	const char *splits[] = { "train", "unproved", NULL };
	long long prev_proofs = 0, prev_tokens = 0;
	long nconj_att = 0, nconj_proved = 0, h[5] = { 0, 0, 0, 0, 0 };
	long all_n = 0, all_p = 0;

	if (o->prev_stats) {
		json_t *p = read_json_file(o->prev_stats);
		prev_proofs = jint(p, "proofs_generated");
		prev_tokens = jint(p, "tokens_generated");
		json_decref(p);
	}
	json_object_set_new(s, "iter", json_integer(o->iter));
	for (int k = 0; splits[k]; k++) {
		long n = 0, p = 0;
		for (size_t i = 0; i < st->n; i++)
			if (strcmp(st->s[i].split, splits[k]) == 0) {
				n++;
				p += st->s[i].proved;
			}
		json_object_set_new(cum, splits[k], json_real(n ? round((double)p / (double)n * 1e6) / 1e6 : 0));
		json_object_set_new(proved, splits[k], json_integer(p));
		all_n += n;
		all_p += p;
	}
	json_object_set_new(cum, "all", json_real(all_n ? round((double)all_p / (double)all_n * 1e6) / 1e6 : 0));
	json_object_set_new(proved, "all", json_integer(all_p));
	json_object_set_new(s, "cumulative_pass", cum);
	json_object_set_new(s, "proved", proved);
	for (size_t i = 0; i < ts->n; i++) {
		double p;
		if (!ts->t[i].conjecture)
			continue;
		nconj_att++;
		nconj_proved += ts->t[i].correct > 0;
		p = tally_pass(&ts->t[i]);
		h[p == 0 ? 0 : p <= 0.25 ? 1 : p <= 0.5 ? 2 : p <= 0.75 ? 3 : 4]++;
	}
	if (o->conj_stats) {
		/* stp-conjecture's counts, as it wrote them */
		json_t *c = read_json_file(o->conj_stats), *v;
		const char *k;
		json_object_foreach(c, k, v)
			if (json_is_integer(v))
				json_object_set(conj, k, v);
		json_decref(c);
	}
	json_object_set_new(conj, "attempted", json_integer(nconj_att));
	json_object_set_new(conj, "proved", json_integer(nconj_proved));
	json_object_set_new(conj, "in_window", json_integer(ncand));
	json_object_set_new(conj, "elegant", json_integer(nelegant));
	json_object_set_new(conj, "selected", json_integer(nconj));
	json_object_set_new(conj, "relabelled_trivial", json_integer(nrelabel));
	json_object_set_new(hist, "0", json_integer(h[0]));
	json_object_set_new(hist, "(0,0.25]", json_integer(h[1]));
	json_object_set_new(hist, "(0.25,0.5]", json_integer(h[2]));
	json_object_set_new(hist, "(0.5,0.75]", json_integer(h[3]));
	json_object_set_new(hist, "(0.75,1]", json_integer(h[4]));
	json_object_set_new(conj, "pass_histogram", hist);
	json_object_set_new(s, "conjectures", conj);
	json_object_set_new(it, "attempts", json_integer(ts->attempts));
	json_object_set_new(it, "correct", json_integer(ts->correct));
	json_object_set_new(it, "tokens", json_integer(ts->tokens));
	json_object_set_new(s, "this_iter", it);
	json_object_set_new(s, "proofs_generated", json_integer(prev_proofs + ts->attempts));
	json_object_set_new(s, "tokens_generated", json_integer(prev_tokens + ts->tokens));
	json_object_set_new(ex, "prover", json_integer(nprover));
	json_object_set_new(ex, "conjecturer", json_integer(nconj));
	json_object_set_new(s, "examples", ex);
	/* the budget: where this iteration's proofs went, and the running totals */
	{
		json_t *bud = json_object(), *tot = json_object(), *ptot = NULL;
		long b_att[BUD_N] = { 0 }, b_cor[BUD_N] = { 0 }, b_tok[BUD_N] = { 0 },
		     b_n[BUD_N] = { 0 }, b_prv[BUD_N] = { 0 };
		if (o->prev_stats) {
			json_t *p = read_json_file(o->prev_stats);
			ptot = json_incref(json_object_get(p, "budget_total"));
			json_decref(p);
		}
		for (size_t i = 0; i < ts->n; i++) {
			const struct tally *t = &ts->t[i];
			b_n[t->budget]++;
			b_att[t->budget] += t->attempts;
			b_cor[t->budget] += t->correct;
			b_tok[t->budget] += t->tokens;
			b_prv[t->budget] += t->correct > 0;
		}
		for (int b = 0; b < BUD_N; b++) {
			json_t *e;
			if (!b_n[b] && b == BUD_OTHER)
				continue;
			e = json_object();
			json_object_set_new(e, "statements", json_integer(b_n[b]));
			json_object_set_new(e, "proved", json_integer(b_prv[b]));
			json_object_set_new(e, "proofs", json_integer(b_att[b]));
			json_object_set_new(e, "correct", json_integer(b_cor[b]));
			json_object_set_new(e, "tokens", json_integer(b_tok[b]));
			json_object_set_new(e, "share", json_real(ts->attempts ?
			        round((double)b_att[b] / (double)ts->attempts * 1e6) / 1e6 : 0));
			json_object_set_new(e, "pass", json_real(b_att[b] ?
			        round((double)b_cor[b] / (double)b_att[b] * 1e6) / 1e6 : 0));
			json_object_set_new(bud, budget_name[b], e);
			json_object_set_new(tot, budget_name[b],
			                    json_integer(jint(ptot, budget_name[b]) + b_att[b]));
		}
		json_decref(ptot);
		json_object_set_new(s, "budget", bud);
		json_object_set_new(s, "budget_total", tot);
	}
	/* finished here, published by the caller with the other outputs */
	out_open(out, o->stats);
	if (jsonl_write(out->fp, s) < 0)
		die(EX_IOERR, "write error:");
	out_finish(out);
	json_decref(s);
}
