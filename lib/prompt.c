/*
 * prompt.c - the prompt formats (see prompt.h)
 */
#include "prompt.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"

void
pbuf_reset(struct pbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
pbuf_free(struct pbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

static void
put(struct pbuf *b, const char *s)
{
	size_t n = strlen(s);

	xgrow(&b->s, &b->cap, b->len + n + 2, 1);
	if (b->len && b->s[b->len - 1] != ' ')
		b->s[b->len++] = ' ';
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* "<hyp> A <hyp> B <statement> C" */
static void
put_stmt(struct pbuf *b, const struct pstmt *s)
{
	for (size_t i = 0; i < s->nhyps; i++) {
		put(b, "<hyp>");
		put(b, s->hyps[i]);
	}
	put(b, "<statement>");
	put(b, s->statement);
}

size_t
prompt_mm_prover(struct pbuf *b, const struct pstmt *s)
{
	put(b, "<bos> <prover>");
	put_stmt(b, s);
	put(b, "<proof>");
	return b->len;
}

size_t
prompt_mm_prover_target(struct pbuf *b, const char *proof)
{
	put(b, proof);
	put(b, "<eos>");
	return b->len;
}

size_t
prompt_mm_conjecturer(struct pbuf *b, const char *lemma_label, const struct pstmt *lemma,
                      const struct pstmt *theorem, const char *theorem_proof)
{
	put(b, "<bos> <conjecturer> <lemma>");
	if (*lemma_label) {   /* the trivial lemma: nothing between <lemma> and <theorem> */
		put(b, lemma_label);
		put_stmt(b, lemma);
	}
	put(b, "<theorem>");
	put_stmt(b, theorem);
	put(b, "<proof>");
	put(b, theorem_proof);
	put(b, "<conjecture>");
	return b->len;
}

size_t
prompt_mm_conjecturer_target(struct pbuf *b, const struct pstmt *conj)
{
	put_stmt(b, conj);
	put(b, "<eos>");
	return b->len;
}

size_t
prompt_mm_label(struct pbuf *b, const char *label)
{
	put(b, "<bos> <lemma>");
	put(b, label);
	return b->len;
}

void
prompt_conj_free(struct pconj *c)
{
	free(c->statement);
	for (size_t i = 0; i < c->nhyps; i++)
		free(c->hyps[i]);
	free(c->hyps);
	memset(c, 0, sizeof *c);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The next whitespace token of *p, or 0 at the end. */
static size_t
next_tok(const char **p, const char **tok)
{
	const char *s = *p;
	size_t n = 0;

	while (is_ws(*s))
		s++;
	*tok = s;
	while (s[n] && !is_ws(s[n]))
		n++;
	*p = s + n;
	return n;
}

int
prompt_mm_parse_conjecture(const char *text, size_t maxhyps, struct pconj *out, char *err,
                           size_t errlen)
{
	const char *p = text, *t, *start = NULL;
	size_t n, len = 0;
	int part = 0;   /* 0 nothing yet, 1 in a hypothesis, 2 in the statement */

	memset(out, 0, sizeof *out);
	for (;;) {
		int marker;
		n = next_tok(&p, &t);
		marker = n > 0 && ((n == 5 && memcmp(t, "<hyp>", 5) == 0) ||
		                   (n == 11 && memcmp(t, "<statement>", 11) == 0));
		if (n == 0 || marker) {
			/* close the part in progress */
			if (part) {
				char *s;
				if (!start || len == 0) {
					snprintf(err, errlen, "an empty %s",
					         part == 1 ? "hypothesis" : "statement");
					goto fail;
				}
				s = xstrndup(start, len);
				if (part == 2) {
					out->statement = s;
				} else {
					if (out->nhyps == maxhyps) {
						free(s);
						snprintf(err, errlen, "more than %zu hypotheses", maxhyps);
						goto fail;
					}
					out->hyps = xreallocarray(out->hyps, out->nhyps + 1, sizeof *out->hyps);
					out->hyps[out->nhyps++] = s;
				}
			}
			if (n == 0)
				break;
			if (part == 2) {
				snprintf(err, errlen, "'%.*s' after the statement", (int)n, t);
				goto fail;
			}
			part = t[1] == 'h' ? 1 : 2;
			start = NULL;
			len = 0;
			continue;
		}
		if (n > 1 && t[0] == '<' && t[n - 1] == '>') {
			snprintf(err, errlen, "unexpected marker '%.*s'", (int)n, t);
			goto fail;
		}
		if (!part) {
			snprintf(err, errlen, "text before the first <hyp> or <statement>");
			goto fail;
		}
		if (!start)
			start = t;
		len = (size_t)(t + n - start);
	}
	if (!out->statement) {
		snprintf(err, errlen, "no <statement>");
		goto fail;
	}
	return 0;
fail:
	prompt_conj_free(out);
	return -1;
}

/* Lean text is written as is (not as space-separated tokens). */
static void
putf_raw(struct pbuf *b, const char *a, const char *x, const char *c, const char *y,
         const char *d, const char *z, const char *e)
{
	const char *parts[7] = { a, x, c, y, d, z, e };

	for (int i = 0; i < 7; i++) {
		size_t n;
		if (!parts[i])
			continue;
		n = strlen(parts[i]);
		xgrow(&b->s, &b->cap, b->len + n + 1, 1);
		memcpy(b->s + b->len, parts[i], n);
		b->len += n;
		b->s[b->len] = '\0';
	}
}

size_t
prompt_lean_prover(struct pbuf *b, const char *header, const char *statement)
{
	/* DeepSeek-Prover-V1.5's completion format, which STP's prover uses */
	putf_raw(b, "Complete the following Lean 4 code:\n\n```lean4\n", header, statement, NULL,
	         NULL, NULL, NULL);
	return b->len;
}

size_t
prompt_lean_conjecturer(struct pbuf *b, const char *header, const char *lemma,
                        const char *easy_theorem)
{
	putf_raw(b, "Complete the following Lean 4 code:\n\n```lean4\n", header, "<lemma>\n",
	         lemma, "\n</lemma>\n<easy theorem>\n", easy_theorem,
	         "\n</easy theorem>\n<hard theorem>\n");
	return b->len;
}

/* Append s and a newline unless s is empty or ends in one. */
static void
put_line(struct pbuf *b, const char *s)
{
	size_t n = strlen(s);

	putf_raw(b, s, n && s[n - 1] != '\n' ? "\n" : NULL, NULL, NULL, NULL, NULL, NULL);
}

size_t
prompt_isabelle_header(struct pbuf *b, const char *name, const char *context)
{
	const char *c = context ? context : "", *e;
	char *imports;

	while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
		c++;
	if (strncmp(c, "imports", 7) == 0 &&
	    (c[7] == ' ' || c[7] == '\t' || c[7] == '\n' || c[7] == '\r'))
		for (c += 7; *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r';)
			c++;
	e = c + strlen(c);
	while (e > c && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	imports = e > c ? xstrndup(c, (size_t)(e - c)) : xstrdup("Main");
	putf_raw(b, "theory ", name, " imports ", imports, " begin\n", NULL, NULL);
	free(imports);
	return b->len;
}

size_t
prompt_isabelle_theory(struct pbuf *b, const char *name, const char *context,
                       const char *statement, const char *proof)
{
	prompt_isabelle_header(b, name, context);
	put_line(b, statement);
	if (proof) {
		put_line(b, proof);
		putf_raw(b, "end\n", NULL, NULL, NULL, NULL, NULL, NULL);
	}
	return b->len;
}

static const char isabelle_preface[] = "Complete the following Isabelle/HOL theory:\n\n```isabelle\n";

size_t
prompt_isabelle_prover(struct pbuf *b, const char *context, const char *statement)
{
	putf_raw(b, isabelle_preface, NULL, NULL, NULL, NULL, NULL, NULL);
	return prompt_isabelle_theory(b, "Scratch", context, statement, NULL);
}

size_t
prompt_isabelle_conjecturer(struct pbuf *b, const char *context, const char *lemma,
                            const char *easy_theorem)
{
	putf_raw(b, isabelle_preface, NULL, NULL, NULL, NULL, NULL, NULL);
	prompt_isabelle_header(b, "Scratch", context);
	putf_raw(b, "<lemma>\n", lemma, "\n</lemma>\n<easy theorem>\n", easy_theorem,
	         "\n</easy theorem>\n<hard theorem>\n", NULL, NULL);
	return b->len;
}
