/*
 * prompt.h - the prompt formats: one function per role and system, used both
 * when sampling and when training
 *
 * Metamath (the built-in model; whitespace tokens, special tokens in <>):
 *
 *   prover       <bos> <prover> <hyp> HYP1 ... <hyp> HYPk <statement> STMT <proof>
 *                target: the steps proof, then <eos>
 *   conjecturer  <bos> <conjecturer> <lemma> LABEL <hyp> ... <statement> LEMMA
 *                <theorem> <hyp> ... <statement> X <proof> X's steps proof <conjecture>
 *                target: <hyp> ... <statement> Y, then <eos>
 *   label        <bos> <lemma> LABEL
 *                target: <hyp> ... <statement> LABEL's statement, then <eos>
 *
 * Lean (an external model, served by an OpenAI-compatible server): the text
 * formats of DeepSeek-Prover-V1.5 (prover/utils.py), which STP's prover
 * keeps, and STP's conjecturer format (kfdong/STP, RL/utils/model_utils.py,
 * get_prompt); docs/lean.md compares them with the released code line by
 * line:
 *
 *   prover (non-cot)  "Complete the following Lean 4 code:\n\n```lean4\n"
 *                     HEADER STATEMENT
 *   prover (cot)      "Complete the following Lean 4 code with explanatory
 *                     comments preceding each line of code:\n\n```lean4\n"
 *                     HEADER STATEMENT
 *                     the model writes the proof after ":= by" and closes
 *                     the block with "```"
 *   conjecturer       "Complete the following Lean 4 code:\n\n```lean4\n"
 *                     "<lemma>\n" LEMMA "\n<easy theorem>\n" EASY
 *                     "\n<hard theorem>\n theorem"
 *                     (LEMMA and EASY with surrounding white space cut; the
 *                     trivial lemma is "theorem true: True"); the model
 *                     writes the rest of the hard theorem, ending
 *                     "</hard theorem>" (prompt_lean_parse_conjecture)
 *
 * Isabelle (an external model, through the same servers): the attempt is a
 * theory, "theory NAME imports CONTEXT begin", the statement, the proof,
 * "end" (prompt_isabelle_theory: what stp-verify --backend isabelle checks);
 * the prover's prompt is that theory up to the statement in a fenced block,
 * in the style of the Lean one; the conjecturer's has the Lean one's markers.
 * NEEDSWORK: STP's authors published no Isabelle prompt; this wording is
 * ours.
 *
 * Every function appends to a growable buffer (struct pbuf) and returns its
 * new length; strings are copied, nothing is retained.
 */
#ifndef STP_PROMPT_H
#define STP_PROMPT_H

#include <stddef.h>

struct pbuf {
	char *s;
	size_t len, cap;
};

void pbuf_reset(struct pbuf *b);
void pbuf_free(struct pbuf *b);

/* A statement with its hypotheses. */
struct pstmt {
	const char *statement;        /* "|- ( ph -> ps )" */
	const char *const *hyps;      /* k strings */
	size_t nhyps;
};

/* Metamath prover prompt, ending in "<proof>". */
size_t prompt_mm_prover(struct pbuf *b, const struct pstmt *s);
/* Its training target: the proof then "<eos>". */
size_t prompt_mm_prover_target(struct pbuf *b, const char *proof);

/* Metamath conjecturer prompt, ending in "<conjecture>": the lemma (label and
 * statement) and a theorem that uses it, with its proof. */
size_t prompt_mm_conjecturer(struct pbuf *b, const char *lemma_label,
                             const struct pstmt *lemma, const struct pstmt *theorem,
                             const char *theorem_proof);
/* Its training target: the new statement ("<hyp> ... <statement> ...") then "<eos>". */
size_t prompt_mm_conjecturer_target(struct pbuf *b, const struct pstmt *conj);

/* Label teaching: "<bos> <lemma> LABEL", target as the conjecturer's (the
 * label's statement): what the lemma part of a conjecturer prompt says. */
size_t prompt_mm_label(struct pbuf *b, const char *label);

/*
 * Parse a generated conjecture ("<hyp> A <hyp> B <statement> C", the text the
 * model wrote after "<conjecture>", "<eos>" not included) into its hypotheses
 * and statement: writes into the caller's arrays (each string malloc'd;
 * prompt_conj_free releases them). Returns 0, or -1 with a reason in err
 * (no "<statement>", an empty part, a marker out of place, more than maxhyps
 * hypotheses).
 */
struct pconj {
	char *statement;
	char **hyps;
	size_t nhyps;
};
int prompt_mm_parse_conjecture(const char *text, size_t maxhyps, struct pconj *out, char *err,
                               size_t errlen);
void prompt_conj_free(struct pconj *c);

/* The prover formats of DeepSeek-Prover-V1.5 (its MODEL_FORMAT). */
enum prompt_lean_style { PROMPT_LEAN_NON_COT, PROMPT_LEAN_COT };

/* Lean: the prover completes "theorem ... := by" after the header; the
 * statement as given (a dataset's, trimmed by stp-leandata), as STP and
 * DeepSeek-Prover-V1.5 put it. */
size_t prompt_lean_prover(struct pbuf *b, enum prompt_lean_style style, const char *header,
                          const char *statement);

/* STP's statement of the trivial lemma in the conjecturer's prompt. */
#define PROMPT_LEAN_TRIVIAL_LEMMA "theorem true: True"

/* Lean: the conjecturer sees the lemma's statement (PROMPT_LEAN_TRIVIAL_LEMMA
 * for the trivial lemma) and an easy theorem (statement and proof) that uses
 * it, and writes a hard theorem after "<hard theorem>\n theorem". STP puts no
 * header in this prompt. */
size_t prompt_lean_conjecturer(struct pbuf *b, const char *lemma, const char *easy_theorem);

/*
 * The conjecture in a Lean conjecturer sample (the text the model wrote
 * after the prompt), as STP's collect_conjecture makes it: "theorem " + the
 * text before "</hard theorem>", white space cut; from its first ":=" on
 * cut; then ":= by" appended. Returns it malloc'd, or NULL when the sample
 * holds no name or a marker of the prompt ("```", "<lemma>", "<easy
 * theorem>", "<hard theorem>"): stricter than STP, which keeps such text
 * for Lean to reject.
 */
char *prompt_lean_parse_conjecture(const char *text);

/*
 * Isabelle: the theory header "theory NAME imports CONTEXT begin" and a
 * newline. CONTEXT is the imports (theory names, blank-separated, as after
 * the keyword `imports`, which it may start with); empty or NULL is "Main".
 */
size_t prompt_isabelle_header(struct pbuf *b, const char *name, const char *context);
/* Isabelle: the whole theory: the header, the statement, a newline, the
 * proof, a newline and "end" (each newline only where the text before does
 * not end in one). */
size_t prompt_isabelle_theory(struct pbuf *b, const char *name, const char *context,
                              const char *statement, const char *proof);
/* Isabelle: the prover completes the theory after the statement. */
size_t prompt_isabelle_prover(struct pbuf *b, const char *context, const char *statement);
/* Isabelle: the conjecturer sees the lemma and an easy theorem (with its
 * proof) that uses it, and writes a hard theorem. */
size_t prompt_isabelle_conjecturer(struct pbuf *b, const char *context, const char *lemma,
                                   const char *easy_theorem);

#endif
