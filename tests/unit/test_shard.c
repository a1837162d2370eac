/*
 * test_shard.c - unit tests for lib/shard.c
 */
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "shard.h"
#include "unit.h"

static char *
fresh_dir(const char *name)
{
	char *dir = strdup(unit_path(name));

	CHECK_INT_EQ(mkdir(dir, 0777), 0);
	return dir;
}

static int
count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

/* Record i: a JSON object of varying length. */
static const char *
record(int i)
{
	return unit_fmt("{\"id\":\"r%d\",\"proof\":\"%.*s\"}", i, 1 + (i * 37) % 120,
	                "mpd ( ph -> ph ) ax-1 ax-1 syl a1i mp2 mpbi mpbir bitri sylib "
	                "sylibr syl5 syl6 com12 pm2.43i imim2i impbii ancoms simpl simpr ex imp");
}

/* Write records 0..n-1 as dir/prefix with max_bytes per shard. */
static void
write_set(const char *dir, const char *prefix, int n, size_t max_bytes)
{
	struct shard_writer *w = shard_writer_open(dir, prefix, max_bytes, 6);
	int i;

	for (i = 0; i < n; i++) {
		const char *r = record(i);

		shard_writer_add(w, r, strlen(r));
	}
	shard_writer_close(w);
}

static json_t *
load_manifest(const char *dir, const char *prefix)
{
	json_error_t je;
	json_t *m = json_load_file(unit_fmt("%s/%s.manifest.json", dir, prefix),
	                           JSON_REJECT_DUPLICATES, &je);

	CHECK(m != NULL);
	return m;
}

static void
save_manifest(const char *dir, const char *prefix, json_t *m)
{
	CHECK_INT_EQ(json_dump_file(m, unit_fmt("%s/%s.manifest.json", dir, prefix),
	                            JSON_COMPACT | JSON_PRESERVE_ORDER), 0);
}

static void
test_write_read(void)
{
	char *dir = fresh_dir("set");
	json_t *m = NULL, *shards, *e;
	char **files = NULL, msg[512] = "";
	struct jsonl_in *in;
	const char *line, *file;
	size_t len, i, nshards;
	long lineno;
	struct jsonl_err err;
	int n = 0, bad = 0, r;
	long long sum = 0;

	write_set(dir, "train", 3000, 20000);
	CHECK_INT_EQ(count_tmp(dir), 0);
	m = load_manifest(dir, "train");
	if (!m)
		goto out;
	CHECK_STR_EQ(json_string_value(json_object_get(m, "format")), "stp-shards/1");
	CHECK_STR_EQ(json_string_value(json_object_get(m, "prefix")), "train");
	CHECK_INT_EQ(json_integer_value(json_object_get(m, "records")), 3000);
	shards = json_object_get(m, "shards");
	nshards = json_array_size(shards);
	CHECK(nshards > 5);
	files = calloc(nshards, sizeof(*files));
	json_array_foreach(shards, i, e) {
		char *raw, *gz, hex[17];
		size_t rawlen = 0, gzlen = 0;
		gzFile g;
		int got;

		CHECK_STR_EQ(json_string_value(json_object_get(e, "file")),
		             unit_fmt("train-%05zu.jsonl.gz", i));
		files[i] = strdup(unit_fmt("%s/train-%05zu.jsonl.gz", dir, i));
		sum += json_integer_value(json_object_get(e, "records"));
		/* At most max_bytes uncompressed; checksums as documented. */
		CHECK(json_integer_value(json_object_get(e, "bytes")) <= 20000);
		gz = unit_read_file(files[i], &gzlen);
		hash64_hex(hash64(gz, gzlen), hex);
		CHECK_STR_EQ(json_string_value(json_object_get(e, "gz_xxh3")), hex);
		raw = malloc(40000);
		g = gzopen(files[i], "rb");
		got = gzread(g, raw, 40000);
		gzclose(g);
		rawlen = got > 0 ? (size_t)got : 0;
		CHECK_INT_EQ(rawlen, json_integer_value(json_object_get(e, "bytes")));
		hash64_hex(hash64(raw, rawlen), hex);
		CHECK_STR_EQ(json_string_value(json_object_get(e, "xxh3")), hex);
		free(raw);
		free(gz);
	}
	CHECK_INT_EQ(sum, 3000);

	/* Read back through jsonl: the same records, in order. */
	in = jsonl_in_open(files, (int)nshards, 0);
	while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) == 1) {
		if (strcmp(line, record(n)) != 0)
			bad++;
		n++;
	}
	CHECK_INT_EQ(r, 0);
	CHECK_INT_EQ(n, 3000);
	CHECK_INT_EQ(bad, 0);
	jsonl_in_close(in);

	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), 0);
	CHECK_STR_EQ(msg, "");
out:
	for (i = 0; files && i < json_array_size(json_object_get(m, "shards")); i++)
		free(files[i]);
	free(files);
	json_decref(m);
	free(dir);
}

/* The manifest is one compact line; the same records give the same bytes. */
static void
test_manifest_and_determinism(void)
{
	char *a = fresh_dir("det-a"), *b = fresh_dir("det-b");
	char *ma, *mb, *sa, *sb;
	size_t la, lb;

	write_set(a, "p", 100, 0);
	write_set(b, "p", 100, 0);
	ma = unit_read_file(unit_fmt("%s/p.manifest.json", a), &la);
	mb = unit_read_file(unit_fmt("%s/p.manifest.json", b), &lb);
	CHECK_STR_EQ(ma, mb);
	CHECK(strncmp(ma, "{\"format\":\"stp-shards/1\",\"prefix\":\"p\",\"records\":100,"
	              "\"shards\":[{\"file\":\"p-00000.jsonl.gz\",\"records\":100,\"bytes\":", 110) == 0);
	CHECK(la > 0 && ma[la - 1] == '\n' && strchr(ma, '\n') == ma + la - 1);
	sa = unit_read_file(unit_fmt("%s/p-00000.jsonl.gz", a), &la);
	sb = unit_read_file(unit_fmt("%s/p-00000.jsonl.gz", b), &lb);
	CHECK_MEM_EQ(sa, la, sb, lb);
	CHECK(access(unit_fmt("%s/p-00001.jsonl.gz", a), F_OK) != 0);
	free(ma);
	free(mb);
	free(sa);
	free(sb);
	free(a);
	free(b);
}

static void
test_empty_set(void)
{
	char *dir = fresh_dir("empty");
	char *m, msg[256] = "";

	write_set(dir, "none", 0, 1000);
	m = unit_read_file(unit_fmt("%s/none.manifest.json", dir), NULL);
	CHECK_STR_EQ(m, "{\"format\":\"stp-shards/1\",\"prefix\":\"none\",\"records\":0,\"shards\":[]}\n");
	CHECK(access(unit_fmt("%s/none-00000.jsonl.gz", dir), F_OK) != 0);
	CHECK_INT_EQ(shard_verify(dir, "none", msg, sizeof(msg)), 0);
	free(m);
	free(dir);
}

/* A record longer than max_bytes gets a shard of its own; none straddles two. */
static void
test_big_record(void)
{
	char *dir = fresh_dir("big");
	struct shard_writer *w = shard_writer_open(dir, "b", 100, 1);
	char *big = malloc(1u << 20);
	json_t *m, *s;
	char msg[256];

	memset(big, 'z', 1u << 20);
	shard_writer_add(w, "small", 5);
	shard_writer_add(w, big, 1u << 20);
	shard_writer_add(w, "small", 5);
	shard_writer_add(w, NULL, 0);   /* an empty record */
	shard_writer_close(w);
	m = load_manifest(dir, "b");
	s = json_object_get(m, "shards");
	CHECK_INT_EQ(json_array_size(s), 2 + 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(s, 0), "records")), 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(s, 1), "bytes")),
	             (1u << 20) + 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(s, 2), "records")), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(s, 2), "bytes")), 7);
	CHECK_INT_EQ(shard_verify(dir, "b", msg, sizeof(msg)), 0);
	json_decref(m);
	free(big);
	free(dir);
}

/* A shorter rewrite removes the shards the old manifest had beyond it. */
static void
test_stale_shards_removed(void)
{
	char *dir = fresh_dir("stale");
	char msg[256];

	write_set(dir, "s", 2000, 5000);
	CHECK(access(unit_fmt("%s/s-00005.jsonl.gz", dir), F_OK) == 0);
	CHECK_INT_EQ(unit_write_file(unit_fmt("%s/other-00009.jsonl.gz", dir), "x", 1), 0);
	write_set(dir, "s", 10, 5000);
	CHECK(access(unit_fmt("%s/s-00000.jsonl.gz", dir), F_OK) == 0);
	CHECK(access(unit_fmt("%s/s-00001.jsonl.gz", dir), F_OK) != 0);
	CHECK(access(unit_fmt("%s/s-00005.jsonl.gz", dir), F_OK) != 0);
	CHECK(access(unit_fmt("%s/other-00009.jsonl.gz", dir), F_OK) == 0);
	CHECK_INT_EQ(shard_verify(dir, "s", msg, sizeof(msg)), 0);
	free(dir);
}

/* Replace a file's bytes: keep the first keep bytes, or flip byte flip. */
static void
damage(const char *path, size_t keep, long flip)
{
	size_t len;
	char *b = unit_read_file(path, &len);

	if (flip >= 0)
		b[flip] ^= 0x55;
	else
		len = keep < len ? keep : len;
	CHECK_INT_EQ(unit_write_file(path, b, len), 0);
	free(b);
}

static size_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void
test_truncated(void)
{
	char *dir = fresh_dir("trunc");
	char *shard = strdup(unit_fmt("%s/train-00001.jsonl.gz", dir));
	char msg[512];
	struct jsonl_in *in;
	const char *line, *file;
	size_t len;
	long lineno, good = 0;
	struct jsonl_err err;
	int r;

	write_set(dir, "train", 1000, 20000);
	damage(shard, file_size(shard) - 5, -1);
	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "train-00001.jsonl.gz: truncated gzip stream");

	/* The reader names the file and the line it was on. */
	in = jsonl_in_open(&shard, 1, 0);
	while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) == 1)
		good++;
	CHECK_INT_EQ(r, -1);
	CHECK_INT_EQ(err.status, EX_DATAERR);
	CHECK_STR_EQ(err.msg, unit_fmt("%s:%ld: truncated gzip stream", shard, good + 1));
	jsonl_in_close(in);

	/* Cut to nothing at all. */
	damage(shard, 0, -1);
	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "train-00001.jsonl.gz: truncated gzip stream (empty file)");
	free(shard);
	free(dir);
}

static void
test_corrupt(void)
{
	char *dir = fresh_dir("corrupt");
	char *shard = strdup(unit_fmt("%s/train-00000.jsonl.gz", dir));
	char msg[512];

	write_set(dir, "train", 1000, 20000);
	damage(shard, 0, (long)file_size(shard) / 2);
	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), -1);
	CHECK(strncmp(msg, "train-00000.jsonl.gz: corrupt gzip data (", 41) == 0);

	/* A flipped CRC byte in the trailer. */
	write_set(dir, "train", 1000, 20000);
	damage(shard, 0, (long)file_size(shard) - 6);
	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "train-00000.jsonl.gz: corrupt gzip data (incorrect data check)");

	/* Garbage after the gzip member. */
	write_set(dir, "train", 1000, 20000);
	{
		FILE *fp = fopen(shard, "ab");

		fputs("trailing junk", fp);
		fclose(fp);
	}
	CHECK_INT_EQ(shard_verify(dir, "train", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "train-00000.jsonl.gz: corrupt gzip data (incorrect header check)");
	free(shard);
	free(dir);
}

/* A valid gzip file with other content, or recompressed: checksums catch it. */
static void
test_checksum_mismatch(void)
{
	char *dir = fresh_dir("sums");
	char *shard = strdup(unit_fmt("%s/t-00000.jsonl.gz", dir));
	char *raw = malloc(1u << 20), msg[512];
	json_t *m, *e;
	gzFile g;
	int n;

	write_set(dir, "t", 50, 0);
	g = gzopen(shard, "rb");
	n = gzread(g, raw, 1u << 20);
	gzclose(g);
	if (!CHECK(n > 0))
		goto out;

	/* Same content, another level: only gz_xxh3 differs. */
	g = gzopen(shard, "wb9");
	gzwrite(g, raw, (unsigned)n);
	gzclose(g);
	CHECK_INT_EQ(shard_verify(dir, "t", msg, sizeof(msg)), -1);
	CHECK(strncmp(msg, "t-00000.jsonl.gz: gz_xxh3 mismatch (file ", 41) == 0);

	/* One byte of content changed, same length and records. */
	raw[10] = raw[10] == 'x' ? 'y' : 'x';
	g = gzopen(shard, "wb6");
	gzwrite(g, raw, (unsigned)n);
	gzclose(g);
	CHECK_INT_EQ(shard_verify(dir, "t", msg, sizeof(msg)), -1);
	CHECK(strncmp(msg, "t-00000.jsonl.gz: xxh3 mismatch (content ", 41) == 0);

	/* One record dropped. */
	g = gzopen(shard, "wb6");
	gzwrite(g, raw, (unsigned)(strchr(raw, '\n') - raw + 1));
	gzclose(g);
	CHECK_INT_EQ(shard_verify(dir, "t", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "t-00000.jsonl.gz: 1 records, the manifest says 50");

	/* The manifest's own count. */
	write_set(dir, "t", 50, 0);
	m = load_manifest(dir, "t");
	json_object_set_new(m, "records", json_integer(51));
	save_manifest(dir, "t", m);
	CHECK_INT_EQ(shard_verify(dir, "t", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "t.manifest.json: field 'records': 51, but the shards hold 50");
	json_decref(m);

	/* The bytes field. */
	write_set(dir, "t", 50, 0);
	m = load_manifest(dir, "t");
	e = json_array_get(json_object_get(m, "shards"), 0);
	json_object_set_new(e, "bytes", json_integer(7));
	save_manifest(dir, "t", m);
	CHECK_INT_EQ(shard_verify(dir, "t", msg, sizeof(msg)), -1);
	CHECK_STR_HAS(msg, " bytes, the manifest says 7");
	json_decref(m);
out:
	free(raw);
	free(shard);
	free(dir);
}

/* A manifest that cannot be trusted, field by field. */
static void
test_bad_manifest(void)
{
	char *dir = fresh_dir("manifest");
	const char *mpath;
	char msg[512];
	json_t *m, *e;

	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: cannot open: No such file or directory");
	CHECK_INT_EQ(shard_verify(dir, "x", NULL, 0), -1);   /* no message wanted */

	write_set(dir, "x", 20, 0);
	mpath = unit_fmt("%s/x.manifest.json", dir);
	CHECK_INT_EQ(unit_write_file(mpath, "{\"format\":", 10), 0);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json:1: invalid JSON: unexpected token near end of file "
	                  "(column 10)");

	CHECK_INT_EQ(unit_write_file(unit_fmt("%s/x.manifest.json", dir), "[]", 2), 0);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: expected a JSON object");

	write_set(dir, "x", 20, 0);
	m = load_manifest(dir, "x");
	json_object_set_new(m, "format", json_string("stp-shards/2"));
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: field 'format': expected \"stp-shards/1\"");
	json_object_set_new(m, "format", json_string("stp-shards/1"));

	json_object_set_new(m, "prefix", json_string("y"));
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: field 'prefix': expected \"x\"");
	json_object_set_new(m, "prefix", json_string("x"));

	json_object_set_new(m, "shards", json_object());
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: field 'shards': expected an array");
	json_decref(m);

	/* A file name that leaves the directory is refused before it is opened. */
	write_set(dir, "x", 20, 0);
	m = load_manifest(dir, "x");
	e = json_array_get(json_object_get(m, "shards"), 0);
	json_object_set_new(e, "file", json_string("../x-00000.jsonl.gz"));
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: shards[0]: field 'file': bad file name "
	                  "'../x-00000.jsonl.gz'");
	json_object_set_new(e, "file", json_integer(3));
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: shards[0]: field 'file': expected a string");
	json_object_set_new(e, "file", json_string("x-00000.jsonl.gz"));
	json_object_set_new(e, "records", json_string("20"));
	save_manifest(dir, "x", m);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x.manifest.json: shards[0]: field 'records': expected a count");
	json_decref(m);

	/* A shard the manifest lists is gone. */
	write_set(dir, "x", 20, 0);
	CHECK_INT_EQ(unlink(unit_fmt("%s/x-00000.jsonl.gz", dir)), 0);
	CHECK_INT_EQ(shard_verify(dir, "x", msg, sizeof(msg)), -1);
	CHECK_STR_EQ(msg, "x-00000.jsonl.gz: cannot open: No such file or directory");

	/* A message cut to the caller's buffer. */
	CHECK_INT_EQ(shard_verify(dir, "x", msg, 8), -1);
	CHECK_STR_EQ(msg, "x-00000");
	free(dir);
}

/* Children for the paths that die. */

static void
child_newline(void *arg)
{
	struct shard_writer *w = shard_writer_open(arg, "n", 1000, 6);

	shard_writer_add(w, "{}", 2);
	shard_writer_add(w, "a\nb", 3);
	shard_writer_close(w);
}

static void
child_no_dir(void *arg)
{
	shard_writer_close(shard_writer_open(arg, "n", 1000, 6));
}

static void
child_bad_level(void *arg)
{
	shard_writer_close(shard_writer_open(arg, "n", 1000, 0));
}

static void
child_full(void *arg)
{
	struct rlimit rl = { 20000, 20000 };
	struct shard_writer *w;
	char rec[200];
	int i;

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
	w = shard_writer_open(arg, "full", 0, 1);
	for (i = 0; i < 200000; i++) {
		/* Incompressible enough to fill the limit quickly. */
		int k = snprintf(rec, sizeof(rec), "{\"i\":%d,\"h\":\"%016llx%016llx\"}", i,
		                 (unsigned long long)hash64(&i, sizeof(i)),
		                 (unsigned long long)hash64_seed(&i, sizeof(i), 1));

		shard_writer_add(w, rec, (size_t)k);
	}
	shard_writer_close(w);
}

static void
test_dies(void)
{
	char *dir = fresh_dir("dies");
	char *missing = strdup(unit_path("no-such-dir"));
	struct unit_child r;

	unit_run(child_newline, dir, &r);
	CHECK_INT_EQ(r.status, EX_SOFTWARE);
	CHECK_STR_EQ(r.err, "stp: shard record 2 contains a newline\n");
	CHECK_INT_EQ(count_tmp(dir), 0);
	CHECK(access(unit_fmt("%s/n.manifest.json", dir), F_OK) != 0);
	unit_child_free(&r);

	unit_run(child_no_dir, missing, &r);
	CHECK_INT_EQ(r.status, EX_CANTCREAT);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot create shards in '%s': No such file or directory\n",
	                             missing));
	unit_child_free(&r);

	unit_run(child_bad_level, dir, &r);
	CHECK_INT_EQ(r.status, EX_SOFTWARE);
	CHECK_STR_EQ(r.err, "stp: bad zlib level 0 (expected 1 to 9)\n");
	unit_child_free(&r);

	unit_run(child_full, dir, &r);
	CHECK_INT_EQ(r.status, EX_IOERR);
	CHECK_STR_EQ(r.err, unit_fmt("stp: cannot write '%s/full-00000.jsonl.gz': File too large\n",
	                             dir));
	CHECK_INT_EQ(count_tmp(dir), 0);
	CHECK(access(unit_fmt("%s/full-00000.jsonl.gz", dir), F_OK) != 0);
	CHECK(access(unit_fmt("%s/full.manifest.json", dir), F_OK) != 0);
	unit_child_free(&r);
	free(missing);
	free(dir);
}

int
main(int argc, char **argv)
{
	/* Messages are checked with the default prefix "stp". */
	RUN(test_write_read);
	RUN(test_manifest_and_determinism);
	RUN(test_empty_set);
	RUN(test_big_record);
	RUN(test_stale_shards_removed);
	RUN(test_truncated);
	RUN(test_corrupt);
	RUN(test_checksum_mismatch);
	RUN(test_bad_manifest);
	RUN(test_dies);
	return unit_done();
}
