/*
 * shard.c - size-bounded gzip JSONL shards with a manifest (see shard.h)
 *
 * The writer runs zlib's deflate itself (gzip wrapper, mtime 0, so the same
 * records give the same bytes) and writes the compressed stream into an
 * atomic file, hashing both sides as they pass: the manifest's xxh3 and
 * gz_xxh3 cost no second read. shard_verify() runs inflate over the raw file
 * for the same reason, and because zlib then tells a truncated stream (input
 * ends before the gzip trailer) from a corrupt one (a bad code, CRC or length).
 */
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "atomic.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"

#define SHARD_FORMAT "stp-shards/1"
#define SHARD_IN     (256u << 10)   /* records gathered before deflate(), bytes */
#define SHARD_OUT    (256u << 10)   /* deflate/inflate output buffer, bytes */

struct shard_writer {
	char *dir, *prefix;
	size_t max_bytes;        /* uncompressed bytes per shard (SIZE_MAX: no limit) */
	int level;               /* zlib level 1..9 */
	unsigned index;          /* number of the shard being (or next) written */
	json_t *shards;          /* manifest entries of the finished shards */
	long long total;         /* records in the finished shards */

	/* The shard being written, when open. */
	int open;
	char *name;              /* "PREFIX-NNNNN.jsonl.gz" */
	struct atomic_file af;
	z_stream zs;
	XXH3_state_t *raw_h;     /* of the uncompressed content */
	XXH3_state_t *gz_h;      /* of the bytes written to the file */
	long long records;
	unsigned long long bytes;   /* uncompressed, in this shard */
	unsigned char *in;       /* (SHARD_IN) records not yet given to deflate */
	size_t nin;
	unsigned char *out;      /* (SHARD_OUT) */

	/* finished shards, not yet published (shard_writer_close) */
	struct atomic_file *done;
	size_t ndone, capdone;
};

static XXH3_state_t *
xxh3_new(void)
{
	XXH3_state_t *s = XXH3_createState();

	if (!s)
		die(EX_OSERR, "out of memory (xxh3 state)");
	return s;
}

/*
 * dir must be an existing directory and prefix a plain name (no '/'). A
 * max_bytes of 0 means no limit (one shard). Bad arguments are a caller's bug
 * (EX_SOFTWARE); a missing dir dies with EX_CANTCREAT. Never returns NULL.
 */
struct shard_writer *
shard_writer_open(const char *dir, const char *prefix, size_t max_bytes, int level)
{
	struct shard_writer *w;
	struct stat st;

	if (!*prefix || strchr(prefix, '/'))
		die(EX_SOFTWARE, "bad shard prefix '%s'", prefix);
	if (level < 1 || level > 9)
		die(EX_SOFTWARE, "bad zlib level %d (expected 1 to 9)", level);
	if (stat(dir, &st) != 0)
		die(EX_CANTCREAT, "cannot create shards in '%s':", dir);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		die(EX_CANTCREAT, "cannot create shards in '%s':", dir);
	}
	w = xcalloc(1, sizeof(*w));
	w->dir = xstrdup(dir);
	w->prefix = xstrdup(prefix);
	w->max_bytes = max_bytes ? max_bytes : SIZE_MAX;
	w->level = level;
	w->shards = json_array();
	if (!w->shards)
		die(EX_OSERR, "out of memory (json)");
	w->raw_h = xxh3_new();
	w->gz_h = xxh3_new();
	w->in = xmalloc(SHARD_IN);
	w->out = xmalloc(SHARD_OUT);
	return w;
}

static void
start_shard(struct shard_writer *w)
{
	char *path;
	int rc;

	w->name = xasprintf("%s-%05u.jsonl.gz", w->prefix, w->index);
	path = xasprintf("%s/%s", w->dir, w->name);
	atomic_open(&w->af, path);
	free(path);
	memset(&w->zs, 0, sizeof(w->zs));
	/* 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper. */
	rc = deflateInit2(&w->zs, w->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (rc != Z_OK)
		die(rc == Z_MEM_ERROR ? EX_OSERR : EX_SOFTWARE, "cannot start deflate: %s",
		    zError(rc));
	XXH3_64bits_reset(w->raw_h);
	XXH3_64bits_reset(w->gz_h);
	w->records = 0;
	w->bytes = 0;
	w->nin = 0;
	w->open = 1;
}

/*
 * Compress data[0..len) (flush Z_NO_FLUSH or Z_FINISH) and write what deflate
 * gives out. A write error removes the temporary and dies with EX_IOERR at
 * once, rather than compressing the rest into a full disk.
 */
static void
deflate_bytes(struct shard_writer *w, const unsigned char *data, size_t len, int flush)
{
	size_t have, step;
	int rc;

	XXH3_64bits_update(w->raw_h, data, len);
	do {
		step = len > (1u << 30) ? (1u << 30) : len;
		w->zs.next_in = (unsigned char *)data;   /* zlib does not write it */
		w->zs.avail_in = (uInt)step;
		data += step;
		len -= step;
		do {
			w->zs.next_out = w->out;
			w->zs.avail_out = SHARD_OUT;
			rc = deflate(&w->zs, len ? Z_NO_FLUSH : flush);
			if (rc == Z_STREAM_ERROR)
				die(EX_SOFTWARE, "deflate failed on '%s'", w->af.path);
			have = SHARD_OUT - w->zs.avail_out;
			XXH3_64bits_update(w->gz_h, w->out, have);
			if (have && fwrite(w->out, 1, have, w->af.fp) != have) {
				int saved = errno;
				char *target = xstrdup(w->af.path);

				atomic_abort(&w->af);
				errno = saved;
				die(EX_IOERR, "cannot write '%s':", target);
			}
		} while (w->zs.avail_out == 0);
	} while (len);
}

static void
flush_in(struct shard_writer *w, int flush)
{
	deflate_bytes(w, w->in, w->nin, flush);
	w->nin = 0;
}

static json_t *
hex_string(XXH64_hash_t h)
{
	char hex[17];

	hash64_hex(h, hex);
	return json_string(hex);
}

/* Finish, commit and record the open shard. */
static void
finish_shard(struct shard_writer *w)
{
	json_t *e;

	flush_in(w, Z_FINISH);
	deflateEnd(&w->zs);
	/* finished under its temporary name: the set appears only whole, when
	 * shard_writer_close publishes every shard and then the manifest */
	atomic_finish(&w->af);   /* dies with EX_IOERR on a write error */
	xgrow(&w->done, &w->capdone, w->ndone + 1, sizeof *w->done);
	w->done[w->ndone++] = w->af;
	memset(&w->af, 0, sizeof w->af);
	e = json_object();
	if (!e ||
	    json_object_set_new(e, "file", json_string(w->name)) ||
	    json_object_set_new(e, "records", json_integer(w->records)) ||
	    json_object_set_new(e, "bytes", json_integer((json_int_t)w->bytes)) ||
	    json_object_set_new(e, "xxh3", hex_string(XXH3_64bits_digest(w->raw_h))) ||
	    json_object_set_new(e, "gz_xxh3", hex_string(XXH3_64bits_digest(w->gz_h))) ||
	    json_array_append_new(w->shards, e))
		die(EX_OSERR, "out of memory (json)");
	w->total += w->records;
	w->index++;
	free(w->name);
	w->name = NULL;
	w->open = 0;
}

/*
 * A record that would take the shard past max_bytes starts a new one; a record
 * longer than max_bytes on its own gets a shard to itself. line must not hold
 * a '\n' (a bug in the caller: dies with EX_SOFTWARE); it may be NULL when len
 * is 0. Dies with EX_IOERR when the shard cannot be written.
 */
void
shard_writer_add(struct shard_writer *w, const char *line, size_t len)
{
	unsigned long long rec = (unsigned long long)len + 1;

	if (len && memchr(line, '\n', len))
		die(EX_SOFTWARE, "shard record %lld contains a newline", w->total + w->records + 1);
	if (w->open && w->records > 0 && w->bytes + rec > w->max_bytes)
		finish_shard(w);
	if (!w->open)
		start_shard(w);
	if (w->nin + rec > SHARD_IN)
		flush_in(w, Z_NO_FLUSH);
	if (rec > SHARD_IN) {
		deflate_bytes(w, (const unsigned char *)line, len, Z_NO_FLUSH);
		deflate_bytes(w, (const unsigned char *)"\n", 1, Z_NO_FLUSH);
	} else {
		if (len)
			memcpy(w->in + w->nin, line, len);
		w->in[w->nin + len] = '\n';
		w->nin += (size_t)rec;
	}
	w->records++;
	w->bytes += rec;
}

static void
remove_stale(struct shard_writer *w)
{
	unsigned i;
	char *path;
	int gone;

	for (i = w->index; ; i++) {
		path = xasprintf("%s/%s-%05u.jsonl.gz", w->dir, w->prefix, i);
		gone = unlink(path) != 0;
		free(path);
		if (gone)
			break;
	}
}

/*
 * Besides the header's promises: with no records there is no shard and the
 * manifest lists none; and shards numbered past the last one written
 * (left by an earlier, longer run with the same prefix) are removed once the
 * new manifest is in place, so that PREFIX-*.jsonl.gz is always the set the
 * manifest describes.
 */
void
shard_writer_abort(struct shard_writer *w)
{
	if (w->open) {
		deflateEnd(&w->zs);
		atomic_abort(&w->af);
	}
	for (size_t i = 0; i < w->ndone; i++)
		atomic_abort(&w->done[i]);
	free(w->done);
	json_decref(w->shards);
	XXH3_freeState(w->raw_h);
	XXH3_freeState(w->gz_h);
	free(w->in);
	free(w->out);
	free(w->name);
	free(w->dir);
	free(w->prefix);
	free(w);
}

void
shard_writer_close(struct shard_writer *w)
{
	struct atomic_file af;
	json_t *m;
	char *path;

	if (w->open)
		finish_shard(w);
	for (size_t i = 0; i < w->ndone; i++)
		atomic_publish(&w->done[i]);
	free(w->done);
	m = json_object();
	if (!m ||
	    json_object_set_new(m, "format", json_string(SHARD_FORMAT)) ||
	    json_object_set_new(m, "prefix", json_string(w->prefix)) ||
	    json_object_set_new(m, "records", json_integer(w->total)) ||
	    json_object_set(m, "shards", w->shards))
		die(EX_OSERR, "out of memory (json)");
	path = xasprintf("%s/%s.manifest.json", w->dir, w->prefix);
	atomic_open(&af, path);
	if (jsonl_write(af.fp, m) != 0) {
		atomic_abort(&af);
		die(EX_IOERR, "cannot write '%s':", path);
	}
	atomic_commit(&af);
	remove_stale(w);

	free(path);
	json_decref(m);
	json_decref(w->shards);
	XXH3_freeState(w->raw_h);
	XXH3_freeState(w->gz_h);
	free(w->in);
	free(w->out);
	free(w->dir);
	free(w->prefix);
	free(w);
}

static int vfail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the message (if there is room for one) and return -1. */
static int
vfail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* What one pass over a shard file found. */
struct shard_scan {
	long long records;            /* '\n' bytes in the content */
	unsigned long long bytes;     /* uncompressed */
	int last;                     /* last content byte, or -1 */
	XXH64_hash_t xxh3, gz_xxh3;
};

/*
 * Read path (named name in messages) to its end through inflate, accepting
 * concatenated gzip members as gzip(1) does. Returns 0 with *s filled, or -1
 * with "NAME: ..." in msg.
 */
static int
scan_shard(const char *path, const char *name, struct shard_scan *s, char *msg, size_t msglen)
{
	unsigned char *in = xmalloc(SHARD_OUT), *out = xmalloc(SHARD_OUT);
	XXH3_state_t *raw_h = xxh3_new(), *gz_h = xxh3_new();
	unsigned long long raw_bytes = 0;
	z_stream zs;
	ssize_t n;
	size_t have, i;
	int fd, rc, ended = 0, ret = -1, zinit = 0;

	memset(s, 0, sizeof(*s));
	s->last = -1;
	XXH3_64bits_reset(raw_h);
	XXH3_64bits_reset(gz_h);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vfail(msg, msglen, "%s: cannot open: %s", name, strerror(errno));
		goto out;
	}
	memset(&zs, 0, sizeof(zs));
	rc = inflateInit2(&zs, 15 + 16);
	if (rc != Z_OK)
		die(EX_OSERR, "cannot start inflate: %s", zError(rc));
	zinit = 1;
	for (;;) {
		n = read(fd, in, SHARD_OUT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vfail(msg, msglen, "%s: read error: %s", name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		raw_bytes += (unsigned long long)n;
		XXH3_64bits_update(gz_h, in, (size_t)n);
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		for (;;) {
			if (ended) {
				if (zs.avail_in == 0)
					break;
				inflateReset(&zs);   /* another member follows */
				ended = 0;
			}
			zs.next_out = out;
			zs.avail_out = SHARD_OUT;
			rc = inflate(&zs, Z_NO_FLUSH);
			have = SHARD_OUT - zs.avail_out;
			XXH3_64bits_update(raw_h, out, have);
			for (i = 0; i < have; i++)
				s->records += out[i] == '\n';
			if (have)
				s->last = out[have - 1];
			s->bytes += have;
			if (rc == Z_STREAM_END) {
				ended = 1;
				continue;
			}
			if (rc == Z_MEM_ERROR)
				die(EX_OSERR, "out of memory (inflate)");
			if (rc != Z_OK && rc != Z_BUF_ERROR) {
				vfail(msg, msglen, "%s: corrupt gzip data (%s)", name,
				      zs.msg ? zs.msg : zError(rc));
				goto out;
			}
			if (rc == Z_BUF_ERROR || (zs.avail_in == 0 && zs.avail_out != 0))
				break;   /* wants more input */
		}
	}
	if (!ended) {
		vfail(msg, msglen, raw_bytes ? "%s: truncated gzip stream"
		                             : "%s: truncated gzip stream (empty file)", name);
		goto out;
	}
	s->xxh3 = XXH3_64bits_digest(raw_h);
	s->gz_xxh3 = XXH3_64bits_digest(gz_h);
	ret = 0;
out:
	if (zinit)
		inflateEnd(&zs);
	if (fd >= 0)
		close(fd);
	XXH3_freeState(raw_h);
	XXH3_freeState(gz_h);
	free(in);
	free(out);
	return ret;
}

/* Check one manifest entry e (shards[i]); adds its record count to *sum. */
static int
verify_one(const char *dir, const char *mname, size_t i, json_t *e, long long *sum,
           char *msg, size_t msglen)
{
	json_t *file = json_object_get(e, "file"), *rec = json_object_get(e, "records");
	json_t *bytes = json_object_get(e, "bytes"), *x = json_object_get(e, "xxh3");
	json_t *gx = json_object_get(e, "gz_xxh3");
	const char *name;
	char hex[17], gzhex[17], *path;
	struct shard_scan s;
	int r;

	if (!json_is_object(e))
		return vfail(msg, msglen, "%s: shards[%zu]: expected an object", mname, i);
	if (!json_is_string(file))
		return vfail(msg, msglen, "%s: shards[%zu]: field 'file': expected a string", mname, i);
	name = json_string_value(file);
	/* The manifest names files in dir, never elsewhere. */
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return vfail(msg, msglen, "%s: shards[%zu]: field 'file': bad file name '%s'",
		             mname, i, name);
	if (!json_is_integer(rec) || json_integer_value(rec) < 0)
		return vfail(msg, msglen, "%s: shards[%zu]: field 'records': expected a count",
		             mname, i);
	if (!json_is_integer(bytes) || json_integer_value(bytes) < 0)
		return vfail(msg, msglen, "%s: shards[%zu]: field 'bytes': expected a count",
		             mname, i);
	if (!json_is_string(x) || !json_is_string(gx))
		return vfail(msg, msglen, "%s: shards[%zu]: fields 'xxh3' and 'gz_xxh3': "
		             "expected strings", mname, i);

	path = xasprintf("%s/%s", dir, name);
	r = scan_shard(path, name, &s, msg, msglen);
	free(path);
	if (r < 0)
		return -1;
	if (s.records != json_integer_value(rec))
		return vfail(msg, msglen, "%s: %lld records, the manifest says %lld", name,
		             s.records, (long long)json_integer_value(rec));
	if (s.bytes != (unsigned long long)json_integer_value(bytes))
		return vfail(msg, msglen, "%s: %llu bytes, the manifest says %lld", name,
		             s.bytes, (long long)json_integer_value(bytes));
	if (s.last >= 0 && s.last != '\n')
		return vfail(msg, msglen, "%s: last record does not end with a newline", name);
	hash64_hex(s.xxh3, hex);
	if (strcmp(hex, json_string_value(x)) != 0)
		return vfail(msg, msglen, "%s: xxh3 mismatch (content %s, manifest %s)", name,
		             hex, json_string_value(x));
	hash64_hex(s.gz_xxh3, gzhex);
	if (strcmp(gzhex, json_string_value(gx)) != 0)
		return vfail(msg, msglen, "%s: gz_xxh3 mismatch (file %s, manifest %s)", name,
		             gzhex, json_string_value(gx));
	*sum += s.records;
	return 0;
}

/*
 * See shard.h. Messages name the manifest ("PREFIX.manifest.json: ...") or the
 * shard as the manifest names it; msg may be NULL. Dies only when out of
 * memory.
 */
int
shard_verify(const char *dir, const char *prefix, char *msg, size_t msglen)
{
	char *mname = xasprintf("%s.manifest.json", prefix);
	char *mpath = xasprintf("%s/%s", dir, mname);
	json_t *m = NULL, *v, *shards;
	json_error_t je;
	long long sum = 0;
	size_t i;
	FILE *fp;
	int ret = -1;

	fp = fopen(mpath, "rb");
	if (!fp) {
		vfail(msg, msglen, "%s: cannot open: %s", mname, strerror(errno));
		goto out;
	}
	m = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
	fclose(fp);
	if (!m) {
		vfail(msg, msglen, "%s:%d: invalid JSON: %s (column %d)", mname, je.line,
		      je.text, je.column);
		goto out;
	}
	if (!json_is_object(m)) {
		vfail(msg, msglen, "%s: expected a JSON object", mname);
		goto out;
	}
	v = json_object_get(m, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), SHARD_FORMAT) != 0) {
		vfail(msg, msglen, "%s: field 'format': expected \"%s\"", mname, SHARD_FORMAT);
		goto out;
	}
	v = json_object_get(m, "prefix");
	if (!json_is_string(v) || strcmp(json_string_value(v), prefix) != 0) {
		vfail(msg, msglen, "%s: field 'prefix': expected \"%s\"", mname, prefix);
		goto out;
	}
	v = json_object_get(m, "records");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		vfail(msg, msglen, "%s: field 'records': expected a count", mname);
		goto out;
	}
	shards = json_object_get(m, "shards");
	if (!json_is_array(shards)) {
		vfail(msg, msglen, "%s: field 'shards': expected an array", mname);
		goto out;
	}
	for (i = 0; i < json_array_size(shards); i++)
		if (verify_one(dir, mname, i, json_array_get(shards, i), &sum, msg, msglen) < 0)
			goto out;
	if (sum != json_integer_value(v)) {
		vfail(msg, msglen, "%s: field 'records': %lld, but the shards hold %lld", mname,
		      (long long)json_integer_value(v), sum);
		goto out;
	}
	ret = 0;
out:
	json_decref(m);
	free(mname);
	free(mpath);
	return ret;
}

char **
shard_list(const char *dir, const char *prefix, int *n, char *msg, size_t msglen)
{
	char *mpath;
	json_t *m, *shards;
	json_error_t je;
	char **files;
	size_t i, k;

	*n = 0;
	if (shard_verify(dir, prefix, msg, msglen) < 0)
		return NULL;
	mpath = xasprintf("%s/%s.manifest.json", dir, prefix);
	m = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
	free(mpath);
	if (!m) {   /* it verified a moment ago: the file changed under us */
		vfail(msg, msglen, "%s.manifest.json: %s", prefix, je.text);
		return NULL;
	}
	shards = json_object_get(m, "shards");
	k = json_array_size(shards);
	files = xcalloc(k + 1, sizeof *files);
	for (i = 0; i < k; i++)
		files[i] = xasprintf("%s/%s", dir,
		                     json_string_value(json_object_get(json_array_get(shards, i),
		                                                       "file")));
	json_decref(m);
	*n = (int)k;
	return files;
}
