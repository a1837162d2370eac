/*
 * jscan.h - zero-copy scanning of one JSON object per line
 *
 * For the hot paths (stp-verify sees 100,000+ records a second): a record is
 * validated in full (RFC 8259: strings, escapes, UTF-8, numbers, literals,
 * nesting) without building a tree, and its top-level fields are handed out
 * as spans of the line. A stage that adds fields writes the fields it keeps
 * byte for byte and appends its own (jscan_emit), so everything it does not
 * know passes through unchanged, numbers and escapes included.
 *
 * Messages have the jsonl.h shape: "FILE:LINE: invalid JSON: <why> (column C)",
 * "FILE:LINE: field 'proof': expected a string".
 *
 * Ownership: spans point into the caller's line; struct jscan owns its arrays
 * and is reused from record to record (no allocation in the steady state).
 */
#ifndef STP_JSCAN_H
#define STP_JSCAN_H

#include <stddef.h>

#include "jsonl.h"

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jfield {
	const char *key;       /* raw key text, without its quotes */
	size_t klen;
	const char *val;       /* raw value text */
	size_t vlen;
	enum jtype type;
	int key_plain;         /* the key has no escapes: key/klen is its value */
};

struct jscan {
	struct jfield *f;
	size_t n, cap;
	char *buf;             /* decoded strings */
	size_t nbuf, capbuf;
	int depth_limit;       /* nesting limit (default 64) */
};

void jscan_init(struct jscan *s);
void jscan_release(struct jscan *s);

/*
 * Scan line[0..len) as one JSON object (surrounding whitespace allowed).
 * Returns 0, or -1 with err: invalid JSON, not an object, a duplicate
 * top-level key, nesting deeper than the limit.
 */
int jscan_object(struct jscan *s, const char *line, size_t len, const char *file, long lineno,
                 struct jsonl_err *err);

/* The top-level field named key, or NULL. */
const struct jfield *jscan_get(const struct jscan *s, const char *key);

/*
 * Typed getters in the manner of jsonl_get_*: 1 present, 0 absent (or null)
 * and !required, -1 with err ("field 'KEY': missing" / "expected a string").
 * Decoded strings are NUL-terminated and live in s until the next
 * jscan_object(); *out points there.
 */
int jscan_str(struct jscan *s, const char *key, int required, const char **out, size_t *outlen,
              const char *file, long lineno, struct jsonl_err *err);
/* An array of strings: *out gets a malloc'd-by-s array of n decoded strings
 * (valid until the next jscan_object). */
int jscan_strarray(struct jscan *s, const char *key, int required, const char ***out, size_t *n,
                   const char *file, long lineno, struct jsonl_err *err);

/* Decode the JSON string value text v[0..vlen) (with its quotes) into s's
 * buffer; returns the decoded string (NUL-terminated), its length in *n. */
const char *jscan_decode(struct jscan *s, const char *v, size_t vlen, size_t *n);

/*
 * Write the record again: '{', every top-level field whose key is not in
 * drop (a NULL-terminated list of keys, matched on the decoded key), in the
 * input order, byte for byte, then the text extra (already-encoded fields
 * "\"ok\":true,...", without braces; may be empty), then "}\n". Appends to
 * the growable buffer *out (*len bytes, capacity *cap).
 */
void jscan_emit(const struct jscan *s, const char *const *drop, const char *extra,
                size_t extralen, char **out, size_t *len, size_t *cap);

/* Append s[0..n) as a JSON string (quotes, escapes) to the growable buffer:
 * the one JSON string writer, jsonl_dump()'s too. */
void jscan_put_string(const char *str, size_t n, char **out, size_t *len, size_t *cap);

#endif
