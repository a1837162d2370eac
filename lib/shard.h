/*
 * shard.h - size-bounded gzip JSONL shards with a manifest
 *
 * A shard set is a directory holding PREFIX-00000.jsonl.gz, PREFIX-00001...,
 * each a plain gzip file (readable by zcat) of at most max_bytes of
 * uncompressed JSONL (a record never straddles two shards), and
 * PREFIX.manifest.json:
 *
 *   {"format":"stp-shards/1","prefix":"train","records":1234,
 *    "shards":[{"file":"train-00000.jsonl.gz","records":1000,"bytes":812345,
 *               "xxh3":"<xxh3-64 hex of the uncompressed content>",
 *               "gz_xxh3":"<xxh3-64 hex of the .gz file>"}, ...]}
 *
 * Every shard and the manifest are written under temporary names and renamed,
 * all at the close: the set appears whole or not at all.
 * Reading a shard detects a truncated or corrupt gzip stream (zlib's CRC and
 * length checks), and shard_verify() also checks counts and checksums against
 * the manifest.
 */
#ifndef STP_SHARD_H
#define STP_SHARD_H

#include <stddef.h>

struct shard_writer;

/* dir must exist. level: zlib level 1..9. Dies (73/74) on failure. */
struct shard_writer *shard_writer_open(const char *dir, const char *prefix,
                                       size_t max_bytes, int level);
/* Append one record (line without its newline). */
void shard_writer_add(struct shard_writer *w, const char *line, size_t len);
/* Finish the last shard, publish every shard, then write the manifest; frees
 * w. Dies (74) on error. Until then the shards are temporaries, removed on
 * exit: a stage that fails leaves no partial set. */
void shard_writer_close(struct shard_writer *w);
/* Abandon the set: remove every temporary; frees w. */
void shard_writer_abort(struct shard_writer *w);

/*
 * Check a shard set against its manifest: every shard present, readable to
 * its end, with the recorded record count and checksums. Returns 0, or -1
 * with a message "FILE: ..." in msg (e.g. "train-00001.jsonl.gz: truncated
 * gzip stream", "... xxh3 mismatch").
 */
int shard_verify(const char *dir, const char *prefix, char *msg, size_t msglen);

/*
 * The shard files of a set, verified first (shard_verify): "DIR/FILE" paths in
 * manifest order, a malloc'd NULL-terminated array of malloc'd strings (the
 * caller frees each and the array), *n of them. NULL with msg on failure.
 */
char **shard_list(const char *dir, const char *prefix, int *n, char *msg, size_t msglen);

#endif
