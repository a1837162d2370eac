/*
 * embed.c - the embedding of a statement (see embed.h)
 */
#include <stdlib.h>

#include "embed.h"

#include "model/model.h"
#include "model/tokenizer.h"

int
embed_statement(struct model *m, const struct tokenizer *tok, const struct pstmt *s,
                float *out, char **unk)
{
	struct pbuf b = { NULL, 0, 0 };
	int *ids = NULL, n = 0, ctx = model_config(m)->ctx;

	*unk = NULL;
	prompt_mm_prover(&b, s);
	if (tokenizer_encode(tok, b.s, &ids, &n, unk) < 0) {
		pbuf_free(&b);
		return -1;
	}
	if (n > ctx)
		n = ctx;
	model_embed(m, ids, n, out);
	free(ids);
	pbuf_free(&b);
	return 0;
}
