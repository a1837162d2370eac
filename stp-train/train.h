/*
 * train.h - stp-train's parts: options, examples -> shards, shards -> a model
 */
#ifndef STP_TRAIN_H
#define STP_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct train_opts {
	const char *out;           /* -o: the checkpoint to write */
	const char *init;          /* --init: continue from this checkpoint */
	const char *db;            /* --db: the Metamath database (vocabulary, renaming) */
	const char *shards;        /* --shards DIR (default OUT.shards) */
	int shards_only;           /* --shards-only: stop after writing the shards */
	int keep_going;            /* -k */
	char **files;              /* input examples */
	int nfiles;
	const char *held_out;      /* --held-out: statements whose `test` ones no example
	                            * may state */
	char *replay[8];           /* --replay: replayed examples (the SFT set) */
	int nreplay;
	double replay_share;       /* their share of the weighted target tokens at most
	                            * (a random subset): 1 keeps all, 0 none */
	size_t shard_bytes;        /* uncompressed bytes per shard */

	/* the model (ignored with --init: the checkpoint's config rules) */
	int width, layers, heads, hidden, ctx, tie;
	/* training */
	int batch;
	long steps;                /* optimizer steps; 0: from epochs */
	double epochs;             /* passes over the examples when steps is 0 */
	double lr, lr_min, weight_decay, clip;
	int warmup;
	uint64_t seed;
	int threads;
	double rename_prob;        /* consistent renaming of variables, per example */
	long log_every;            /* progress every N steps (0: about every 10 s) */
	long save_every;           /* train.save_every: a resume point every N steps (0: none) */
	double val_share;          /* train.val_share: the share of the examples held out for
	                            * the validation loss, never trained on (0: none) */
	int resume;                /* --resume: continue from the latest resume point */
	/* train.backend external (external.c) */
	int external;              /* 1: the shards go to external_cmd, which trains */
	const char *external_cmd;  /* train.external_cmd, --external-cmd */
	int phase_iter;            /* --phase iter (STP_TRAIN_PHASE) */
	const char *config;        /* -c, for the command (STP_CONFIG) */
};

/* Read the examples, format them with the prompt functions, write the
 * shards (DIR/examples-NNNNN.jsonl.gz + examples.manifest.json). Returns the
 * exit status (0, or 65 with -k after skipping bad records). */
int examples_to_shards(const struct train_opts *o, const char *dir);

/* Train on the shards in dir; write the checkpoint. Returns the exit status. */
int train_run(const struct train_opts *o, const char *dir);

/* train.backend external: external_cmd trains on the shards in dir and
 * writes the checkpoint, which is checked, then renamed to o->out (see
 * external.c). Returns 0; dies with 69 when the command fails, 65 when it
 * leaves no checkpoint that loads. */
int train_external(const struct train_opts *o, const char *dir);

#endif
