/*
 * embed.h - the embedding of a statement: the model's mean-pooled,
 * L2-normalised last hidden state (model_embed) of the statement's prover
 * prompt (prompt_mm_prover), its first ctx tokens when it is longer
 *
 * What stp-prove --embed writes and what stp-reward's Wasserstein step
 * matches conjectures to unproved statements by (docs/algorithm.md).
 */
#ifndef STP_EMBED_H
#define STP_EMBED_H

#include "prompt.h"

struct model;
struct tokenizer;

/*
 * The embedding of s into out[C] (C: the model's width), any number of
 * hypotheses. Returns 0, or -1 when a token of s is not in the vocabulary:
 * *unk is a malloc'd copy of it (the caller frees it).
 */
int embed_statement(struct model *m, const struct tokenizer *tok, const struct pstmt *s,
                    float *out, char **unk);

#endif
