/*
 * conj.h - stp-conjecture's parts
 */
#ifndef STP_CONJ_H
#define STP_CONJ_H

#include <stddef.h>
#include <stdint.h>

#include "openai.h"

struct copts {
	const char *model, *db, *dataset, *out, *stats;
	int samples, max_tokens, threads, keep_going;
	long max, iter;
	double temperature, top_p;
	uint64_t seed;
	/* --backend openai (remote.c) */
	int openai;
	const char *config;        /* -c, read again for the 'openai' section */
	const char *cli_model;     /* --model as given on the command line */
	struct oai_cli cli;
	char **files;
	int nfiles;
};

/* The set of statements seen: normalised (hyps, statement) hashes. */
struct hset {
	uint64_t *v;
	size_t cap, n;
};

/* Add k; 1 when it was new. */
int hset_add(struct hset *h, uint64_t k);

/* The whitespace-insensitive identity of a statement: system, (context,)
 * hyps, statement, normalised. */
uint64_t stmt_key(const char *system, const char *context, const char *stmt, char **hyps,
                  size_t nh);

/* stp-conjecture --backend openai: the whole run; returns the exit status. */
int conjecture_remote(struct copts *o);

#endif
