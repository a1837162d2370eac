/*
 * prompt.c - the prompt formats (see prompt.h)
 */
#include "prompt.h"

#include <ctype.h>
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

/* Lean text is written as is (not as space-separated tokens): n bytes of s. */
static void
put_raw(struct pbuf *b, const char *s, size_t n)
{
	xgrow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
put_str(struct pbuf *b, const char *s)
{
	put_raw(b, s, strlen(s));
}

/* s without the white space around it (Python's str.strip). */
static void
put_trimmed(struct pbuf *b, const char *s)
{
	const char *e = s + strlen(s);

	span_trim(&s, &e);
	put_raw(b, s, (size_t)(e - s));
}

static const char lean_head[] = "Complete the following Lean 4 code:\n\n```lean4\n";
static const char lean_head_cot[] =
	"Complete the following Lean 4 code with explanatory comments preceding each line of "
	"code:\n\n```lean4\n";

size_t
prompt_lean_prover(struct pbuf *b, enum prompt_lean_style style, const char *header,
                   const char *statement)
{
	put_str(b, style == PROMPT_LEAN_COT ? lean_head_cot : lean_head);
	put_str(b, header);
	put_str(b, statement);
	return b->len;
}

size_t
prompt_lean_conjecturer(struct pbuf *b, const char *lemma, const char *easy_theorem)
{
	put_str(b, lean_head);
	put_str(b, "<lemma>\n");
	put_trimmed(b, lemma);
	put_str(b, "\n<easy theorem>\n");
	put_trimmed(b, easy_theorem);
	put_str(b, "\n<hard theorem>\n theorem");
	return b->len;
}

char *
prompt_lean_parse_conjecture(const char *text)
{
	static const char *const markers[] = {
		"```", "<lemma>", "<easy theorem>", "<hard theorem>", NULL,
	};
	const char *b = text, *e = strstr(text, "</hard theorem>"), *as;
	size_t n;

	if (!e)
		e = text + strlen(text);
	span_trim(&b, &e);
	n = (size_t)(e - b);
	for (int i = 0; markers[i]; i++) {
		size_t k = strlen(markers[i]);
		for (const char *p = b; p + k <= e; p++)
			if (memcmp(p, markers[i], k) == 0)
				return NULL;
	}
	/* from the first ":=" on, cut */
	for (as = b; as + 1 < e && !(as[0] == ':' && as[1] == '='); as++)
		;
	if (as + 1 < e)
		n = (size_t)(as - b);
	/* a name: the sample starts with one (after the prompt's " theorem") */
	if (n == 0 || *b == ':' || *b == '(' || *b == '{' || *b == '[')
		return NULL;
	return xasprintf("theorem %.*s:= by", (int)n, b);
}

/* Append s and a newline unless s is empty or ends in one. */
static void
put_line(struct pbuf *b, const char *s)
{
	size_t n = strlen(s);

	put_raw(b, s, n);
	if (n && s[n - 1] != '\n')
		put_str(b, "\n");
}

size_t
prompt_isabelle_header(struct pbuf *b, const char *name, const char *context)
{
	const char *c = context ? context : "", *e = c + strlen(c);

	span_trim(&c, &e);
	if (e - c > 7 && strncmp(c, "imports", 7) == 0 &&
	    (c[7] == ' ' || c[7] == '\t' || c[7] == '\n' || c[7] == '\r')) {
		c += 7;
		span_trim(&c, &e);
	}
	put_str(b, "theory ");
	put_str(b, name);
	put_str(b, " imports ");
	if (e > c)
		put_raw(b, c, (size_t)(e - c));
	else
		put_str(b, "Main");
	put_str(b, " begin\n");
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
		put_str(b, "end\n");
	}
	return b->len;
}

static const char isabelle_preface[] = "Complete the following Isabelle/HOL theory:\n\n```isabelle\n";

size_t
prompt_isabelle_prover(struct pbuf *b, const char *context, const char *statement)
{
	put_str(b, isabelle_preface);
	return prompt_isabelle_theory(b, "Scratch", context, statement, NULL);
}

size_t
prompt_isabelle_conjecturer(struct pbuf *b, const char *context, const char *lemma,
                            const char *easy_theorem)
{
	put_str(b, isabelle_preface);
	prompt_isabelle_header(b, "Scratch", context);
	put_str(b, "<lemma>\n");
	put_str(b, lemma);
	put_str(b, "\n</lemma>\n<easy theorem>\n");
	put_str(b, easy_theorem);
	put_str(b, "\n</easy theorem>\n<hard theorem>\n");
	return b->len;
}
