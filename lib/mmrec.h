/*
 * mmrec.h - a database statement's fields as they appear in records
 * (docs/records.md): its expression's text ("statement", "lemma_statement")
 * and the texts of its essential hypotheses, in order ("hyps",
 * "lemma_hyps"), each of any length
 */
#ifndef STP_MMREC_H
#define STP_MMREC_H

#include <stdint.h>

#include <jansson.h>

#include "mm/mm.h"

/* The text of statement s's expression, as a new JSON string. */
json_t *mmrec_statement(const struct mm_db *db, int32_t s);

/* The texts of statement s's essential hypotheses, as a new JSON array. */
json_t *mmrec_hyps(const struct mm_db *db, int32_t s);

#endif
