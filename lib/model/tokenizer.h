/*
 * tokenizer.h - whitespace tokens and special tokens, vocabulary from data
 *
 * A token is a maximal run of non-whitespace bytes (space, tab, newline, CR,
 * vertical tab, form feed separate tokens): Metamath math symbols and labels,
 * the hypothesis names H1..H10, and the special tokens of the prompt formats
 * ("<pad>", "<eos>", ...), which are ordinary strings of the vocabulary that
 * the data never contains. Ids: the specials first in the order given, then
 * the data's tokens by decreasing count, ties in byte order. The vocabulary
 * is saved with the model (checkpoint metadata, one token per line).
 *
 * An unknown token is never mapped silently: tokenizer_encode fails and names
 * it. Ownership: every returned string or array is the caller's to free.
 */
#ifndef STP_TOKENIZER_H
#define STP_TOKENIZER_H

#include <stddef.h>

/* The default special tokens, NULL-terminated: <pad> (id 0), <bos>, <eos>,
 * <sep>, role and section markers, then H1..H10. */
extern const char *const tokenizer_default_specials[];

/* Counting tokens of the data. */
struct tok_counter;
struct tok_counter *tok_counter_new(void);
void tok_counter_add_text(struct tok_counter *c, const char *text);
void tok_counter_add(struct tok_counter *c, const char *tok, size_t len, long count);
void tok_counter_free(struct tok_counter *c);

struct tokenizer;

/*
 * The vocabulary: specials (NULL-terminated; NULL means
 * tokenizer_default_specials), then every counted token seen at least
 * min_count times and not already a special.
 */
struct tokenizer *tokenizer_build(const char *const *specials, const struct tok_counter *c,
                                  long min_count);
/* From a list of n token strings (ids in order). Returns NULL with a message
 * in err when a token is empty, holds whitespace or repeats. */
struct tokenizer *tokenizer_from_list(const char *const *toks, int n, char *err, size_t errlen);
/* From the tokens joined by '\n' (what checkpoints store); as above. */
struct tokenizer *tokenizer_parse(const char *s, char *err, size_t errlen);
/* The tokens joined by '\n' (no newline at the end). */
char *tokenizer_join(const struct tokenizer *t);
void tokenizer_free(struct tokenizer *t);

int tokenizer_size(const struct tokenizer *t);
/* The string of id, or NULL when out of range. */
const char *tokenizer_str(const struct tokenizer *t, int id);
/* The id of the len bytes at s, or -1. */
int tokenizer_id(const struct tokenizer *t, const char *s, size_t len);

/*
 * Split text at whitespace and map each token to its id. Returns 0 with
 * *ids (malloc'd, may be NULL when *n is 0) and *n; or -1 when a token is not
 * in the vocabulary, with *unknown set to a malloc'd copy of it and *ids NULL.
 */
int tokenizer_encode(const struct tokenizer *t, const char *text, int **ids, int *n,
                     char **unknown);
/* The tokens of ids joined by single spaces; an id out of range is written
 * as "<?ID>". */
char *tokenizer_decode(const struct tokenizer *t, const int *ids, int n);

#endif
