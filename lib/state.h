/*
 * state.h - the cumulative state of a self-play run: per dataset statement,
 * its best pass rate so far and whether it has ever been proved
 *
 * The state file is JSONL, one record per dataset statement (train and
 * unproved; test is held out), in the dataset's order:
 *
 *   {"id":"mm-pc/syl","split":"train","best_pass":0.40625,"proved":true,
 *    "first_iter":2,"attempts":96,"correct":13}
 *
 * first_iter is null until the statement is proved. Iteration 0's state is
 * made from the statements file (stp-reward --init-state).
 */
#ifndef STP_STATE_H
#define STP_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hash.h"

struct sstate {
	char *id;
	char *split;
	double best_pass;
	int proved;
	long first_iter;       /* -1: never */
	long attempts, correct;
};

struct state {
	struct sstate *s;      /* in file order */
	size_t n, cap;
	struct hindex index;   /* by the hash of id */
};

/* Read a state file; dies with 65 (naming file:line) on a bad record, 66 when
 * it cannot be opened. */
void state_load(struct state *st, const char *path);
/* A state with every train/unproved statement of a statements file, all zero. */
void state_from_statements(struct state *st, const char *path);
/* The entry of id, or NULL. */
struct sstate *state_get(const struct state *st, const char *id);
/* Write it: to stdout for NULL or "-"; in place to a path that is not a
 * regular file (/dev/null); otherwise atomically. */
void state_write(const struct state *st, const char *path);
/* The records alone, to an open stream (a stage that commits several
 * outputs together); dies with EX_IOERR on a write error. */
void state_write_fp(const struct state *st, FILE *fp);
void state_free(struct state *st);

#endif
