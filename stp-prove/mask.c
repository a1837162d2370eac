/*
 * mask.c - the proof-state constraint (lib/mmsteps/constrain.h) as a mask on
 * the model's logits
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "prove.h"

void
vmap_init(struct vmap *vm, const struct tokenizer *tok, const struct mmc_index *ix)
{
	memset(vm, 0, sizeof *vm);
	vm->V = tokenizer_size(tok);
	vm->ntok = mmc_ntokens(ix);
	vm->mtok = xmalloc((size_t)vm->V * sizeof *vm->mtok);
	vm->vid = xmalloc((size_t)vm->ntok * sizeof *vm->vid);
	for (uint32_t t = 0; t < vm->ntok; t++)
		vm->vid[t] = -1;
	vm->eos = tokenizer_id(tok, "<eos>", 5);
	for (int i = 0; i < vm->V; i++) {
		const char *s = tokenizer_str(tok, i);
		uint32_t t = MMC_NOTOKEN;
		if (i == vm->eos)
			t = MMC_END;
		else if (s[0] != '<')   /* specials are never proof tokens */
			t = mmc_token_lookup(ix, s, strlen(s));
		vm->mtok[i] = t;
		if (t != MMC_NOTOKEN && vm->vid[t] < 0)
			vm->vid[t] = i;
	}
}

void
vmap_free(struct vmap *vm)
{
	free(vm->mtok);
	free(vm->vid);
	memset(vm, 0, sizeof *vm);
}

struct pmask {
	const struct vmap *vm;
	struct mmc_work *w;
	struct mmc_goal *cg;
	struct mmc_state **st;     /* (nseq) */
	int *fed;                  /* (nseq) tokens of gen already read by st[i] */
	int nseq;
	uint32_t *allowed;         /* (ntok) */
	float *keep;               /* (ntok) the allowed logits, while the rest is cleared */
};

struct pmask *
pmask_new(const struct vmap *vm, const struct mmc_index *ix, struct mmc_work *w,
          const struct mms_goal *goal, int nseq, int budget)
{
	struct pmask *pm = xcalloc(1, sizeof *pm);

	pm->vm = vm;
	pm->w = w;
	pm->nseq = nseq;
	pm->cg = mmc_goal_new(ix, goal);
	pm->st = xcalloc((size_t)nseq, sizeof *pm->st);
	pm->fed = xcalloc((size_t)nseq, sizeof *pm->fed);
	pm->allowed = xmalloc((size_t)vm->ntok * sizeof *pm->allowed);
	pm->keep = xmalloc((size_t)vm->ntok * sizeof *pm->keep);
	for (int i = 0; i < nseq; i++)
		pm->st[i] = mmc_state_new();
	/* the budget excludes the <eos> that ends a proof */
	mmc_state_init(pm->st[0], w, pm->cg, budget > 0 ? (uint32_t)budget - 1 : 0, 0);
	for (int i = 1; i < nseq; i++)
		mmc_state_copy(pm->st[i], pm->st[0]);
	return pm;
}

void
pmask_free(struct pmask *pm)
{
	if (!pm)
		return;
	for (int i = 0; i < pm->nseq; i++)
		mmc_state_free(pm->st[i]);
	free(pm->st);
	free(pm->fed);
	free(pm->allowed);
	free(pm->keep);
	mmc_goal_free(pm->cg);
	free(pm);
}

int
pmask_fn(void *ctx, int seq, const int *gen, int ngen, float *logits, int V)
{
	struct pmask *pm = ctx;
	const struct vmap *vm = pm->vm;
	struct mmc_state *st = pm->st[seq];
	uint32_t n;

	/* read what the sample drew since the last call */
	for (; pm->fed[seq] < ngen; pm->fed[seq]++) {
		int id = gen[pm->fed[seq]];
		uint32_t t = id >= 0 && id < vm->V ? vm->mtok[id] : MMC_NOTOKEN;
		if (t == MMC_NOTOKEN || mmc_advance(pm->w, st, t) < 0)
			return 1;   /* cannot happen: the mask allowed it */
	}
	n = mmc_allowed(pm->w, st, pm->allowed);
	for (uint32_t i = 0; i < n; i++) {
		int id = vm->vid[pm->allowed[i]];
		pm->keep[i] = id >= 0 ? logits[id] : -INFINITY;
	}
	for (int i = 0; i < V; i++)
		logits[i] = -INFINITY;
	{
		int any = 0;
		for (uint32_t i = 0; i < n; i++) {
			int id = vm->vid[pm->allowed[i]];
			if (id >= 0) {
				logits[id] = pm->keep[i];
				any = 1;
			}
		}
		/* a dead end (no token can lead to a proof within the budget, or
		 * none the model can write): the sample ends here, a failure */
		return any ? 0 : 1;
	}
}
