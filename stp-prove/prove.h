/*
 * prove.h - stp-prove's parts
 */
#ifndef STP_PROVE_H
#define STP_PROVE_H

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"
#include "mmsteps/constrain.h"
#include "mmsteps/stmt.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "backend/openai.h"
#include "sampling.h"

/* the categories of the prover's input (stp-seed --select's "category") */
enum { PROVE_OPEN, PROVE_CONJECTURE, PROVE_REPROVE, PROVE_NCAT };

struct prove_opts {
	struct sampling s;         /* -n, --model, --db, ..., --backend (lib/sampling.h) */
	const char *out;           /* -o */
	int k_cat[PROVE_NCAT];     /* prove.k_<category>; 0: K */
	int constrain;             /* 1: proof-state constrained sampling */
	int keep_going;
	int embed;                 /* --embed: embeddings instead of attempts */
	char **files;
	int nfiles;
	/* --backend openai (remote.c) */
	const char *config;        /* -c, read again for the 'openai' section */
	struct oai_cli cli;        /* the openai flags given */
	int lean_prompt;           /* prove.lean_prompt: an enum prompt_lean_style */
};

/* stp-prove --backend openai: the whole run; returns the exit status. */
int prove_remote(struct prove_opts *o);

/* The model's vocabulary in the constraint's token space (constrain.h). */
struct vmap {
	int V;
	uint32_t *mtok;            /* (V) vocabulary id -> token, MMC_NOTOKEN if none */
	int *vid;                  /* (ntok) token -> vocabulary id, -1 if none */
	uint32_t ntok;
	int eos;                   /* "<eos>": END */
};

void vmap_init(struct vmap *vm, const struct tokenizer *tok, const struct mmc_index *ix);
void vmap_free(struct vmap *vm);

/*
 * The mask for one statement's K samples: each sample has its own proof
 * state, advanced by the tokens it draws, and only the tokens that can still
 * lead to a correct proof within the budget keep their logits; a sample at a
 * dead end stops. NULL when the statement's state cannot be made (then the
 * samples run unconstrained).
 */
struct pmask;
struct pmask *pmask_new(const struct vmap *vm, const struct mmc_index *ix, struct mmc_work *w,
                        const struct mms_goal *goal, int nseq, int budget);
void pmask_free(struct pmask *pm);
int pmask_fn(void *ctx, int seq, const int *gen, int ngen, float *logits, int V);

#endif
