/*
 * ckpt-scale - multiply every weight of a checkpoint by a factor (tests)
 *
 * usage: ckpt-scale IN FACTOR OUT
 *
 * A checkpoint whose weights are huge but finite loads, and then gives a
 * loss that is not finite: what stp-train must stop on.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"

int
main(int argc, char **argv)
{
	struct model *m;
	struct tokenizer *t;
	char err[512];
	size_t n;
	float *p, f;
	int st;

	msg_init(argv[0]);
	if (argc != 4)
		die(EX_USAGE, "usage: ckpt-scale IN FACTOR OUT");
	f = strtof(argv[2], NULL);
	if ((st = model_load(argv[1], 1, &m, &t, err, sizeof err)))
		die(st, "%s", err);
	p = model_param_block(m, &n);
	for (size_t i = 0; i < n; i++)
		p[i] *= f;
	model_save(m, t, argv[3]);
	model_free(m);
	tokenizer_free(t);
	return 0;
}
