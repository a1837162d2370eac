/*
 * test_model_io.c - unit tests for lib/model's tokenizer and checkpoints
 */
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "model/hf.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"
#include "unit.h"

/* ---- tokenizer ---- */

static struct tokenizer *
small_vocab(void)
{
	struct tok_counter *c = tok_counter_new();
	struct tokenizer *t;

	tok_counter_add_text(c, "|- ( ph -> ps )\n|- ( ps -> ch )  |- ph");
	tok_counter_add_text(c, "\tmpd ax-1 ( ph -> ph ) rare");
	tok_counter_add(c, "ax-mp", 5, 3);
	t = tokenizer_build(NULL, c, 2);
	tok_counter_free(c);
	return t;
}

static void
test_tokenizer_build(void)
{
	struct tokenizer *t = small_vocab();
	int nspec = 0;

	while (tokenizer_default_specials[nspec])
		nspec++;
	CHECK_INT_EQ(tokenizer_id(t, "<pad>", 5), 0);
	CHECK_INT_EQ(tokenizer_id(t, "<eos>", 5), 2);
	CHECK_INT_EQ(tokenizer_id(t, "H10", 3), nspec - 1);
	/* counts: ( 3, ) 3, ph 4, -> 3, |- 3, ax-mp 3, ps 2; ties in byte order */
	CHECK_STR_EQ(tokenizer_str(t, nspec), "ph");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 1), "(");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 2), ")");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 3), "->");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 4), "ax-mp");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 5), "|-");
	CHECK_STR_EQ(tokenizer_str(t, nspec + 6), "ps");
	CHECK_INT_EQ(tokenizer_size(t), nspec + 7);     /* ch, mpd, ax-1, rare: once */
	CHECK_INT_EQ(tokenizer_id(t, "rare", 4), -1);
	CHECK_STR_EQ(tokenizer_str(t, -1), NULL);
	CHECK_STR_EQ(tokenizer_str(t, tokenizer_size(t)), NULL);
	tokenizer_free(t);
}

static void
test_tokenizer_round_trip(void)
{
	struct tokenizer *t = small_vocab(), *u;
	int *ids, n;
	char *bad, *s, *j, err[200];

	CHECK_INT_EQ(tokenizer_encode(t, "  <bos> |- ( ph -> ps )\n<eos>", &ids, &n, &bad), 0);
	CHECK_INT_EQ(n, 8);
	CHECK_INT_EQ(ids[0], 1);
	s = tokenizer_decode(t, ids, n);
	CHECK_STR_EQ(s, "<bos> |- ( ph -> ps ) <eos>");
	free(s);
	free(ids);
	CHECK_INT_EQ(tokenizer_encode(t, "", &ids, &n, &bad), 0);
	CHECK_INT_EQ(n, 0);
	free(ids);
	/* unknown tokens are errors that name the token */
	CHECK_INT_EQ(tokenizer_encode(t, "|- ( ph -> chi )", &ids, &n, &bad), -1);
	CHECK_STR_EQ(bad, "chi");
	CHECK(ids == NULL);
	free(bad);
	CHECK_INT_EQ(tokenizer_encode(t, "( PH )", &ids, &n, &bad), -1);
	CHECK_STR_EQ(bad, "PH");
	free(bad);
	n = 99999;
	s = tokenizer_decode(t, &n, 1);
	CHECK_STR_EQ(s, "<?99999>");
	free(s);
	/* join / parse */
	j = tokenizer_join(t);
	u = tokenizer_parse(j, err, sizeof(err));
	if (CHECK(u != NULL)) {
		char *j2 = tokenizer_join(u);

		CHECK_STR_EQ(j2, j);
		CHECK_INT_EQ(tokenizer_size(u), tokenizer_size(t));
		free(j2);
	}
	tokenizer_free(u);
	free(j);
	tokenizer_free(t);
}

static void
test_tokenizer_bad_lists(void)
{
	const char *dup[] = { "a", "b", "a" }, *sp[] = { "a", "b c" }, *empty[] = { "a", "" };
	char err[200];

	CHECK(tokenizer_from_list(dup, 3, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "vocabulary token 2 'a' repeats");
	CHECK(tokenizer_from_list(sp, 2, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "vocabulary token 1 holds whitespace");
	CHECK(tokenizer_from_list(empty, 2, err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "vocabulary token 1 is empty");
	CHECK(tokenizer_parse("a\nb\n", err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "vocabulary token 2 is empty");
}

/* ---- checkpoints ---- */

static struct model *
ckpt_model(int tie, struct tokenizer **tp)
{
	struct tokenizer *t = small_vocab();
	struct model_config c = model_config_default(tokenizer_size(t), 16, 2, 32);
	struct model *m;

	c.heads = 2;
	c.tie = tie;
	m = model_new(&c, 99, 2);
	*tp = t;
	return m;
}

static void
test_checkpoint_round_trip(void)
{
	int tie;

	for (tie = 0; tie <= 1; tie++) {
		struct tokenizer *t, *t2;
		struct model *m = ckpt_model(tie, &t), *m2;
		char path[4096], path2[4096], err[512], *a, *b, *ja, *jb;
		size_t la, lb, n1, n2;
		float *p1, *p2;
		int step = 0;

		snprintf(path, sizeof(path), "%s", unit_path("m.safetensors"));
		snprintf(path2, sizeof(path2), "%s", unit_path("m2.safetensors"));
		model_save(m, t, path);
		if (!CHECK_INT_EQ(model_load(path, 1, &m2, &t2, err, sizeof(err)), 0)) {
			printf("# %s\n", err);
			return;
		}
		model_save(m2, t2, path2);
		a = unit_read_file(path, &la);
		b = unit_read_file(path2, &lb);
		CHECK_MEM_EQ(a, la, b, lb);
		CHECK(la % 4 == 0);
		CHECK(((unsigned char)a[0] | ((unsigned char)a[1] << 8)) % 8 == 0);
		CHECK_STR_HAS(a + 8, "\"model.layers.1.mlp.down_proj.weight\":{\"dtype\":\"F32\","
		                     "\"shape\":[16,64]");
		if (tie)
			CHECK(strstr(a + 8, "lm_head") == NULL);
		else
			CHECK_STR_HAS(a + 8, "\"lm_head.weight\"");
		p1 = model_param_block(m, &n1);
		p2 = model_param_block(m2, &n2);
		CHECK_MEM_EQ(p1, n1 * 4, p2, n2 * 4);
		CHECK_MEM_EQ(model_config(m), sizeof(struct model_config), model_config(m2),
		             sizeof(struct model_config));
		ja = tokenizer_join(t);
		jb = tokenizer_join(t2);
		CHECK_STR_EQ(ja, jb);
		free(ja);
		free(jb);
		free(a);
		free(b);

		/* optimizer state */
		p1 = model_adam_block(m, &n1);
		p1[0] = 1.5f;
		p1[2 * n1 - 1] = 2.5f;
		model_save_state(m, 17, path);
		CHECK_INT_EQ(model_load_state(m2, path, &step, err, sizeof(err)), 0);
		CHECK_INT_EQ(step, 17);
		p2 = model_adam_block(m2, &n2);
		CHECK_MEM_EQ(p1, 8 * n1, p2, 8 * n2);
		model_free(m);
		model_free(m2);
		tokenizer_free(t);
		tokenizer_free(t2);
	}
}

/* The file of a saved tiny model: header JSON and data section. */
struct ckpt {
	char *hdr;      /* NUL-terminated header */
	char *data;
	size_t dlen;
};

static struct ckpt
ckpt_read(const char *path)
{
	struct ckpt k;
	size_t len, hlen = 0;
	char *a = unit_read_file(path, &len);
	int i;

	for (i = 0; i < 8; i++)
		hlen |= (size_t)(unsigned char)a[i] << (8 * i);
	k.hdr = xstrndup(a + 8, hlen);
	k.dlen = len - 8 - hlen;
	k.data = xmalloc(k.dlen + 1);
	memcpy(k.data, a + 8 + hlen, k.dlen);
	free(a);
	return k;
}

/* Write header hdr (its length as given) and data (dlen bytes) to path. */
static void
ckpt_write(const char *path, const char *hdr, uint64_t hlen, const char *data, size_t dlen)
{
	size_t n = strlen(hdr), len = 8 + n + dlen;
	char *buf = xmalloc(len);
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = (char)(hlen >> (8 * i));
	memcpy(buf + 8, hdr, n);
	memcpy(buf + 8 + n, data, dlen);
	unit_write_file(path, buf, len);
	free(buf);
}

/* hdr with the first occurrence of from replaced by to (caller frees). */
static char *
replace(const char *hdr, const char *from, const char *to)
{
	const char *p = strstr(hdr, from);
	char *s;

	if (!p)
		return xstrdup(hdr);
	s = xmalloc(strlen(hdr) - strlen(from) + strlen(to) + 1);
	memcpy(s, hdr, p - hdr);
	strcpy(s + (p - hdr), to);
	strcat(s, p + strlen(from));
	return s;
}

/* Load path; expect failure with status and a message containing what. */
static void
expect_bad(const char *path, int status, const char *what)
{
	struct model *m = (struct model *)1;
	struct tokenizer *t = (struct tokenizer *)1;
	char err[512] = "";

	CHECK_INT_EQ(model_load(path, 1, &m, &t, err, sizeof(err)), status);
	CHECK(m == NULL && t == NULL);
	CHECK_STR_HAS(err, what);
	CHECK_STR_HAS(err, path);
	printf("# rejected: %s\n", err);
}

static void
test_checkpoint_corrupt(void)
{
	struct tokenizer *t;
	struct model *m = ckpt_model(1, &t);
	char good[4096], bad[4096], *h, *h2, *s;
	struct ckpt k;
	char q0[64], k0[64];
	const char *p;

	snprintf(good, sizeof(good), "%s", unit_path("good.safetensors"));
	snprintf(bad, sizeof(bad), "%s", unit_path("bad.safetensors"));
	model_save(m, t, good);
	k = ckpt_read(good);

	expect_bad(unit_path("missing.safetensors"), EX_NOINPUT, "cannot open");
	unit_write_file(bad, "", 0);
	expect_bad(bad, EX_DATAERR, "truncated: 0 bytes");
	unit_write_file(bad, "\x01\x02\x03", 3);
	expect_bad(bad, EX_DATAERR, "truncated: 3 bytes");
	/* header length: huge, longer than the file, zero */
	ckpt_write(bad, k.hdr, 1ULL << 40, k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "bad header length 1099511627776");
	ckpt_write(bad, k.hdr, strlen(k.hdr) + k.dlen + 1, k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "truncated: header length");
	ckpt_write(bad, k.hdr, 0, k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "bad header length 0");
	/* bad JSON */
	h = xstrdup(k.hdr);
	h[1] = '#';
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "bad header JSON");
	free(h);
	ckpt_write(bad, "[1,2,3] ", 8, k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "header is not a JSON object");
	/* a data byte flipped: the checksum */
	k.data[k.dlen / 2] ^= 0x10;
	ckpt_write(bad, k.hdr, strlen(k.hdr), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "checksum mismatch");
	k.data[k.dlen / 2] ^= 0x10;
	/* file shorter than declared, longer */
	ckpt_write(bad, k.hdr, strlen(k.hdr), k.data, k.dlen - 4);
	expect_bad(bad, EX_DATAERR, "truncated: tensor 'model.norm.weight' ends at byte");
	ckpt_write(bad, k.hdr, strlen(k.hdr), k.data, k.dlen + 1);
	expect_bad(bad, EX_DATAERR, "1 bytes after the last tensor");
	/* wrong dtype, wrong shape */
	h = replace(k.hdr, "\"dtype\":\"F32\"", "\"dtype\":\"F16\"");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "dtype F16, expected \"F32\"");
	free(h);
	h = replace(k.hdr, "\"shape\":[16,64]", "\"shape\":[64,16]");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "shape[0] is not 16");
	free(h);
	h = replace(k.hdr, "\"shape\":[16]", "\"shape\":[16,1]");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "shape should have 1 dimensions");
	free(h);
	/* offsets: beyond the data, wrong size, overlapping */
	p = strstr(k.hdr, "\"model.norm.weight\"");
	if (CHECK(p != NULL)) {
		const char *o = strstr(p, "data_offsets\":[");
		long b = strtol(o + 15, NULL, 10);
		char from[80], to[80];

		snprintf(from, sizeof(from), "data_offsets\":[%ld,%ld]", b, b + 64);
		snprintf(to, sizeof(to), "data_offsets\":[%ld,%ld]", b + 64, b + 128);
		h = replace(k.hdr, from, to);
		ckpt_write(bad, h, strlen(h), k.data, k.dlen);
		expect_bad(bad, EX_DATAERR, "truncated: tensor 'model.norm.weight' ends at byte");
		free(h);
		snprintf(to, sizeof(to), "data_offsets\":[%ld,%ld]", b, b + 60);
		h = replace(k.hdr, from, to);
		ckpt_write(bad, h, strlen(h), k.data, k.dlen);
		expect_bad(bad, EX_DATAERR, "do not hold 16 floats");
		free(h);
	}
	/* q_proj of layer 0 pointed at k_proj's bytes: overlap */
	p = strstr(k.hdr, "\"model.layers.0.self_attn.q_proj.weight\"");
	h2 = strstr(p, "data_offsets\":[");
	snprintf(q0, sizeof(q0), "%.*s", (int)(strchr(h2, ']') - h2 + 1), h2);
	p = strstr(k.hdr, "\"model.layers.0.self_attn.k_proj.weight\"");
	h2 = strstr(p, "data_offsets\":[");
	snprintf(k0, sizeof(k0), "%.*s", (int)(strchr(h2, ']') - h2 + 1), h2);
	h = replace(k.hdr, q0, k0);
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "overlaps tensor 'model.layers.0.self_attn.");
	free(h);
	/* a missing tensor, an unexpected one */
	h = replace(k.hdr, "model.norm.weight", "model.norm.weigh");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "unexpected tensor 'model.norm.weigh'");
	free(h);
	/* metadata: a config that does not match the tensors, vocabulary size */
	h = replace(k.hdr, "\\\"layers\\\":2", "\\\"layers\\\":1");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "unexpected tensor 'model.layers.1.");
	free(h);
	h = replace(k.hdr, "\\\"layers\\\":2", "\\\"layers\\\":3");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "missing tensor 'model.layers.2.");
	free(h);
	h = replace(k.hdr, "\\nph\\n", "\\n");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "vocabulary of 30 tokens, but the embedding has 31 rows");
	free(h);
	h = replace(k.hdr, "\\\"heads\\\":2", "\\\"heads\\\":3");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "config: heads must divide width");
	free(h);
	h = replace(k.hdr, "\"stp_xxh3\"", "\"stp_xxh4\"");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "no 'stp_xxh3' checksum");
	free(h);
	h = replace(k.hdr, "\"format\":\"pt\"", "\"format\":7");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "metadata 'format' is not a string");
	free(h);
	/* a duplicate key */
	s = replace(k.hdr, "{\"__metadata__\"", "{\"model.norm.weight\":1,\"__metadata__\"");
	ckpt_write(bad, s, strlen(s), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "bad header JSON");
	free(s);
	/* one bit of the vocabulary flipped ('ph' -> 'qh'): the header is in
	 * the checksum */
	h = replace(k.hdr, "\\nph\\n", "\\nqh\\n");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "checksum mismatch: the header and data hash to");
	free(h);
	/* two tensors' data_offsets swapped (same sizes: q and k of layer 0) */
	{
		char *h3 = replace(k.hdr, q0, "QQQ");
		char *h4 = replace(h3, k0, q0);
		h = replace(h4, "QQQ", k0);
		ckpt_write(bad, h, strlen(h), k.data, k.dlen);
		expect_bad(bad, EX_DATAERR, "checksum mismatch: the header and data hash to");
		free(h);
		free(h3);
		free(h4);
	}
	/* a configuration claiming far more than the file holds: refused before
	 * anything is allocated by it */
	h = replace(k.hdr, "\\\"width\\\":16", "\\\"width\\\":4096");
	ckpt_write(bad, h, strlen(h), k.data, k.dlen);
	expect_bad(bad, EX_DATAERR, "the configuration needs");
	free(h);
	/* the good file still loads */
	{
		struct model *m2;
		struct tokenizer *t2;
		char err[512];

		CHECK_INT_EQ(model_load(good, 1, &m2, &t2, err, sizeof(err)), 0);
		model_free(m2);
		tokenizer_free(t2);
	}
	free(k.hdr);
	free(k.data);
	model_free(m);
	tokenizer_free(t);
}

static void
test_state_mismatch(void)
{
	struct tokenizer *t, *t2;
	struct model *m = ckpt_model(1, &t), *m2 = ckpt_model(0, &t2);
	char path[4096], err[512];
	int step = -1;

	snprintf(path, sizeof(path), "%s", unit_path("state.safetensors"));
	model_save_state(m, 3, path);
	CHECK_INT_EQ(model_load_state(m2, path, &step, err, sizeof(err)), EX_DATAERR);
	CHECK_STR_HAS(err, "tensor 'adamw.exp_avg': shape[0] is not");
	CHECK_INT_EQ(step, -1);
	model_free(m);
	model_free(m2);
	tokenizer_free(t);
	tokenizer_free(t2);
}

/* A weight that is not finite (NaN, Inf) is refused on load (65). */
static void
test_checkpoint_nonfinite(void)
{
	struct tokenizer *t;
	struct model *m = ckpt_model(1, &t), *m2;
	struct tokenizer *t2;
	char path[4096], err[512];
	size_t n;
	float *p = model_param_block(m, &n);

	snprintf(path, sizeof(path), "%s", unit_path("nan.safetensors"));
	p[n / 2] = NAN;
	model_save(m, t, path);
	CHECK_INT_EQ(model_load(path, 1, &m2, &t2, err, sizeof(err)), EX_DATAERR);
	CHECK_STR_HAS(err, "holds a value that is not finite (nan at");
	p[n / 2] = INFINITY;
	model_save(m, t, path);
	CHECK_INT_EQ(model_load(path, 1, &m2, &t2, err, sizeof(err)), EX_DATAERR);
	CHECK_STR_HAS(err, "not finite (inf at");
	model_free(m);
	tokenizer_free(t);
}

/* The export: the five files; a token that the tokenizers library's
 * WhitespaceSplit would split (Unicode white space) is refused, nothing
 * written; a directory that is a file is refused. */
static void
test_hf_export(void)
{
	static const char *const words[] = { "<pad>", "<bos>", "<eos>", "ph", "a\302\240b", "c" };
	static const char *const files[] = { "config.json", "generation_config.json",
		"tokenizer.json", "tokenizer_config.json", "model.safetensors" };
	struct tokenizer *t;
	struct model *m = ckpt_model(1, &t);
	struct model_config c = *model_config(m);
	char dir[4096], path[4200], err[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", unit_path("hf"));
	CHECK_INT_EQ(hf_export(m, t, dir, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		CHECK(stat(path, &st) == 0 && st.st_size > 0);
	}
	snprintf(dir, sizeof(dir), "%s", unit_path("hf/config.json"));
	CHECK_INT_EQ(hf_export(m, t, dir, err, sizeof(err)), EX_CANTCREAT);
	CHECK_STR_HAS(err, "exists and is not a directory");
	model_free(m);
	tokenizer_free(t);

	t = tokenizer_from_list(words, 6, err, sizeof(err));
	CHECK(t != NULL);
	c.vocab = 6;
	m = model_new(&c, 1, 1);
	snprintf(dir, sizeof(dir), "%s", unit_path("hf-nbsp"));
	CHECK_INT_EQ(hf_export(m, t, dir, err, sizeof(err)), EX_DATAERR);
	CHECK_STR_HAS(err, "vocabulary token 4 'a\xc2\xa0" "b' holds U+00A0");
	CHECK(stat(dir, &st) != 0);
	model_free(m);
	tokenizer_free(t);
}

int
main(void)
{
	RUN(test_tokenizer_build);
	RUN(test_tokenizer_round_trip);
	RUN(test_tokenizer_bad_lists);
	RUN(test_checkpoint_round_trip);
	RUN(test_checkpoint_corrupt);
	RUN(test_checkpoint_nonfinite);
	RUN(test_state_mismatch);
	RUN(test_hf_export);
	return unit_done();
}
