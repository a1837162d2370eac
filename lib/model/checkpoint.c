/*
 * checkpoint.c - the model in the safetensors format (see model.h)
 *
 * A file: u64 little-endian N, then N bytes of JSON (padded with spaces to a
 * multiple of 8), then the data section. Each tensor's entry gives "dtype"
 * ("F32" only), "shape" and "data_offsets" [begin, end) into the data
 * section; the tensors cover it exactly, without overlap (as the safetensors
 * library requires). Names and shapes are Hugging Face Llama's:
 *
 *   model.embed_tokens.weight                         (V, C)
 *   model.layers.I.input_layernorm.weight             (C)
 *   model.layers.I.self_attn.{q,k,v,o}_proj.weight    (C, C)
 *   model.layers.I.post_attention_layernorm.weight    (C)
 *   model.layers.I.mlp.{gate,up}_proj.weight          (F, C)
 *   model.layers.I.mlp.down_proj.weight               (C, F)
 *   model.norm.weight                                 (C)
 *   lm_head.weight                                    (V, C), untied only
 *
 * The loader trusts nothing: every length and offset is checked against the
 * file before it is used, the checksum of the data section (XXH3-64, in the
 * metadata) is compared, and a failure is an error code and a message, never
 * a crash or an exit.
 */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "atomic.h"
#include "msg.h"
#include "tokenizer.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.c writes float32 as the host stores it: little-endian hosts only"
#endif

#define ST_MAX_HEADER (100u << 20)      /* the safetensors library's limit */

struct st_tensor {
	char name[96];
	float *data;
	int ndim;
	long long shape[2];
	size_t n;                   /* floats */
	/* when loading */
	size_t begin, end;          /* byte offsets into the data section */
	int seen;
};

/* The tensors of a model in file order, pointing into its parameters. */
static int
model_tensors(struct model *m, struct st_tensor **out)
{
	const struct model_config *c = &m->cfg;
	struct model_params *p = &m->params;
	size_t C = c->width, F = c->hidden, V = c->vocab;
	int n = 0, cap = 4 + 9 * c->layers, l;
	struct st_tensor *t = xcalloc(cap, sizeof(*t));

#define ADD1(nm, ptr, d0) do { \
	snprintf(t[n].name, sizeof(t[n].name), "%s", nm); t[n].data = (ptr); t[n].ndim = 1; \
	t[n].shape[0] = (d0); t[n].n = (d0); n++; } while (0)
#define ADD2(nm, ptr, d0, d1) do { \
	snprintf(t[n].name, sizeof(t[n].name), "%s", nm); t[n].data = (ptr); t[n].ndim = 2; \
	t[n].shape[0] = (d0); t[n].shape[1] = (d1); t[n].n = (size_t)(d0) * (d1); n++; } while (0)

	ADD2("model.embed_tokens.weight", p->wte, V, C);
	for (l = 0; l < c->layers; l++) {
		char nm[96];
		float *wqkv = p->wqkv + (size_t)l * 3 * C * C, *wgu = p->wgu + (size_t)l * 2 * F * C;

#define NM(s) (snprintf(nm, sizeof(nm), "model.layers.%d.%s", l, s), nm)
		ADD1(NM("input_layernorm.weight"), p->attn_norm + l * C, C);
		ADD2(NM("self_attn.q_proj.weight"), wqkv, C, C);
		ADD2(NM("self_attn.k_proj.weight"), wqkv + C * C, C, C);
		ADD2(NM("self_attn.v_proj.weight"), wqkv + 2 * C * C, C, C);
		ADD2(NM("self_attn.o_proj.weight"), p->wo + l * C * C, C, C);
		ADD1(NM("post_attention_layernorm.weight"), p->mlp_norm + l * C, C);
		ADD2(NM("mlp.gate_proj.weight"), wgu, F, C);
		ADD2(NM("mlp.up_proj.weight"), wgu + F * C, F, C);
		ADD2(NM("mlp.down_proj.weight"), p->wdown + l * C * F, C, F);
#undef NM
	}
	ADD1("model.norm.weight", p->norm, C);
	if (!c->tie)
		ADD2("lm_head.weight", p->lm_head, V, C);
#undef ADD1
#undef ADD2
	*out = t;
	return n;
}

/* The hex XXH3-64 of the header text hdr followed by the tensors' data, into
 * hex (17 bytes); returns hex. */
static const char *
all_sum(const char *hdr, struct st_tensor *t, int n, char *hex)
{
	XXH3_state_t *xs = XXH3_createState();

	if (!xs)
		die(EX_OSERR, "out of memory");
	XXH3_64bits_reset(xs);
	XXH3_64bits_update(xs, hdr, strlen(hdr));
	for (int i = 0; i < n; i++)
		XXH3_64bits_update(xs, t[i].data, t[i].n * sizeof(float));
	snprintf(hex, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(xs));
	XXH3_freeState(xs);
	return hex;
}

/* Write tensors t[0..n-1] with metadata meta (string values; "stp_xxh3", the
 * data's checksum, and "stp_xxh3_all", the header's and the data's, are
 * added here) to path, atomically: committed, or with out non-NULL only
 * finished into *out (written and checked; the caller publishes it). */
static void
st_write(const char *path, json_t *meta, struct st_tensor *t, int n, struct out *fin)
{
	XXH3_state_t *xs = XXH3_createState();
	json_t *hdr = json_object(), *e;
	struct out own, *o = fin ? fin : &own;
	unsigned char len8[8];
	size_t off = 0, hlen, pad;
	char hex[17], *js;
	uint64_t N;
	int i;

	if (!xs || !hdr)
		die(EX_OSERR, "out of memory");
	XXH3_64bits_reset(xs);
	for (i = 0; i < n; i++)
		XXH3_64bits_update(xs, t[i].data, t[i].n * sizeof(float));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)XXH3_64bits_digest(xs));
	XXH3_freeState(xs);
	json_object_set_new(meta, "stp_xxh3", json_string(hex));
	json_object_set(hdr, "__metadata__", meta);
	for (i = 0; i < n; i++) {
		json_t *shape = t[i].ndim == 1 ? json_pack("[I]", t[i].shape[0])
		                               : json_pack("[I,I]", t[i].shape[0], t[i].shape[1]);

		e = json_pack("{s:s, s:o, s:[I,I]}", "dtype", "F32", "shape", shape, "data_offsets",
		              (json_int_t)off, (json_int_t)(off + t[i].n * sizeof(float)));
		if (!e)
			die(EX_OSERR, "out of memory");
		json_object_set_new(hdr, t[i].name, e);
		off += t[i].n * sizeof(float);
	}
	/* "stp_xxh3_all": the header as written without it, then the data, so
	 * that a flipped bit in the vocabulary or swapped offsets are caught */
	js = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!js)
		die(EX_OSERR, "out of memory");
	json_object_set_new(meta, "stp_xxh3_all", json_string(all_sum(js, t, n, hex)));
	free(js);
	js = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(hdr);
	if (!js)
		die(EX_OSERR, "out of memory");
	hlen = strlen(js);
	pad = (8 - hlen % 8) % 8;
	N = hlen + pad;
	for (i = 0; i < 8; i++)
		len8[i] = (unsigned char)(N >> (8 * i));
	/* through the one output path: a regular file under a temporary name,
	 * a device or FIFO in place; every write checked (EX_IOERR) */
	out_open(o, path);
	fwrite(len8, 1, 8, o->fp);
	fwrite(js, 1, hlen, o->fp);
	for (i = 0; i < (int)pad; i++)
		fputc(' ', o->fp);
	for (i = 0; i < n; i++)
		fwrite(t[i].data, sizeof(float), t[i].n, o->fp);
	if (fin)
		out_finish(o);
	else
		out_close(o);
	free(js);
}

void
model_save_finish(struct model *m, const struct tokenizer *tok, const char *path,
                  struct out *fin)
{
	struct st_tensor *t;
	int n = model_tensors(m, &t);
	char *cfg = model_config_json(&m->cfg), *vocab = tokenizer_join(tok);
	json_t *meta = json_object();

	if (tokenizer_size(tok) != m->cfg.vocab)
		die(EX_SOFTWARE, "model_save: vocabulary of %d tokens for a model of %d",
		    tokenizer_size(tok), m->cfg.vocab);
	json_object_set_new(meta, "format", json_string("pt"));
	json_object_set_new(meta, "stp_config", json_string(cfg));
	json_object_set_new(meta, "stp_vocab", json_string(vocab));
	st_write(path, meta, t, n, fin);
	json_decref(meta);
	free(cfg);
	free(vocab);
	free(t);
}

void
model_save(struct model *m, const struct tokenizer *tok, const char *path)
{
	model_save_finish(m, tok, path, NULL);
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                 */

struct st_file {
	const char *path;
	json_t *hdr;
	json_t *meta;               /* borrowed from hdr */
	unsigned char *data;        /* the data section */
	size_t dlen;
};

static int
st_err(char *err, size_t errlen, int status, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "'%s': %s", path, msg);
	return status;
}

static void
st_close(struct st_file *f)
{
	json_decref(f->hdr);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Read the file and check the header and the metadata's strings (the
 * checksum is checked by st_take, after the layout: a truncated file is
 * reported as such). */
static int
st_open(struct st_file *f, const char *path, char *err, size_t errlen)
{
	unsigned char len8[8];
	struct stat st;
	uint64_t hlen = 0;
	char *hs = NULL;
	const char *key;
	json_error_t je;
	json_t *v;
	FILE *fp;
	int i, rc = EX_DATAERR;

	memset(f, 0, sizeof(*f));
	f->path = path;
	if (!(fp = fopen(path, "rb")))
		return st_err(err, errlen, EX_NOINPUT, path, "cannot open: %s", strerror(errno));
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = st_err(err, errlen, EX_NOINPUT, path, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size < 8) {
		rc = st_err(err, errlen, EX_DATAERR, path,
		            "truncated: %lld bytes, shorter than the 8-byte header length",
		            (long long)st.st_size);
		goto out;
	}
	if (fread(len8, 1, 8, fp) != 8)
		goto ioerr;
	for (i = 0; i < 8; i++)
		hlen |= (uint64_t)len8[i] << (8 * i);
	if (hlen < 2 || hlen > ST_MAX_HEADER) {
		rc = st_err(err, errlen, EX_DATAERR, path, "bad header length %llu",
		            (unsigned long long)hlen);
		goto out;
	}
	if (hlen > (uint64_t)st.st_size - 8) {
		rc = st_err(err, errlen, EX_DATAERR, path,
		            "truncated: header length %llu, but only %lld bytes follow",
		            (unsigned long long)hlen, (long long)st.st_size - 8);
		goto out;
	}
	hs = xmalloc(hlen + 1);
	if (fread(hs, 1, hlen, fp) != hlen)
		goto ioerr;
	hs[hlen] = '\0';
	if (strlen(hs) != hlen) {
		rc = st_err(err, errlen, EX_DATAERR, path, "header holds a NUL byte");
		goto out;
	}
	f->hdr = json_loads(hs, JSON_REJECT_DUPLICATES, &je);
	if (!f->hdr) {
		rc = st_err(err, errlen, EX_DATAERR, path, "bad header JSON: column %d: %s",
		            je.column, je.text);
		goto out;
	}
	if (!json_is_object(f->hdr)) {
		rc = st_err(err, errlen, EX_DATAERR, path, "header is not a JSON object");
		goto out;
	}
	f->meta = json_object_get(f->hdr, "__metadata__");
	if (!json_is_object(f->meta)) {
		rc = st_err(err, errlen, EX_DATAERR, path, "header has no \"__metadata__\" object");
		goto out;
	}
	json_object_foreach(f->meta, key, v)
		if (!json_is_string(v)) {
			rc = st_err(err, errlen, EX_DATAERR, path,
			            "metadata '%s' is not a string", key);
			goto out;
		}
	f->dlen = (size_t)st.st_size - 8 - hlen;
	f->data = xmalloc(f->dlen ? f->dlen : 1);
	if (fread(f->data, 1, f->dlen, fp) != f->dlen)
		goto ioerr;
	if (!json_is_string(json_object_get(f->meta, "stp_xxh3"))) {
		rc = st_err(err, errlen, EX_DATAERR, path, "metadata has no 'stp_xxh3' checksum");
		goto out;
	}
	rc = 0;
	goto out;
ioerr:
	rc = ferror(fp) ? st_err(err, errlen, EX_NOINPUT, path, "read error: %s", strerror(errno))
	                : st_err(err, errlen, EX_DATAERR, path, "truncated while reading");
out:
	fclose(fp);
	free(hs);
	if (rc)
		st_close(f);
	return rc;
}

static int
by_begin(const void *a, const void *b)
{
	const struct st_tensor *x = *(const struct st_tensor *const *)a;
	const struct st_tensor *y = *(const struct st_tensor *const *)b;

	return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Match the header's tensors against t[0..n-1] (exactly those, F32, the
 * shapes given, offsets inside the data, covering it without overlap) and
 * copy their data. */
static int
st_take(struct st_file *f, struct st_tensor *t, int n, char *err, size_t errlen)
{
	const char *key, *sum;
	json_t *e, *v;
	struct st_tensor **order;
	char hex[17];
	size_t at = 0;
	int i, k;

	json_object_foreach(f->hdr, key, e) {
		json_t *shape, *offs;
		long long b, en;

		if (strcmp(key, "__metadata__") == 0)
			continue;
		for (i = 0; i < n && strcmp(t[i].name, key) != 0; i++)
			;
		if (i == n)
			return st_err(err, errlen, EX_DATAERR, f->path, "unexpected tensor '%.96s'", key);
		if (!json_is_object(e))
			return st_err(err, errlen, EX_DATAERR, f->path, "tensor '%s': not an object", key);
		v = json_object_get(e, "dtype");
		if (!json_is_string(v) || strcmp(json_string_value(v), "F32") != 0)
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "tensor '%s': dtype %.16s, expected \"F32\"", key,
			              json_is_string(v) ? json_string_value(v) : "missing");
		shape = json_object_get(e, "shape");
		if (!json_is_array(shape) || (int)json_array_size(shape) != t[i].ndim)
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "tensor '%s': shape should have %d dimensions", key, t[i].ndim);
		for (k = 0; k < t[i].ndim; k++) {
			v = json_array_get(shape, k);
			if (!json_is_integer(v) || json_integer_value(v) != t[i].shape[k])
				return st_err(err, errlen, EX_DATAERR, f->path,
				              "tensor '%s': shape[%d] is not %lld (the config's)", key, k,
				              t[i].shape[k]);
		}
		offs = json_object_get(e, "data_offsets");
		if (!json_is_array(offs) || json_array_size(offs) != 2 ||
		    !json_is_integer(json_array_get(offs, 0)) ||
		    !json_is_integer(json_array_get(offs, 1)))
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "tensor '%s': data_offsets is not [begin, end]", key);
		b = json_integer_value(json_array_get(offs, 0));
		en = json_integer_value(json_array_get(offs, 1));
		if (b < 0 || en < b || (unsigned long long)(en - b) != t[i].n * sizeof(float))
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "tensor '%s': data_offsets [%lld, %lld] do not hold %zu floats", key,
			              b, en, t[i].n);
		if ((unsigned long long)en > f->dlen)
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "truncated: tensor '%s' ends at byte %lld of a %zu-byte data section",
			              key, en, f->dlen);
		t[i].begin = (size_t)b;
		t[i].end = (size_t)en;
		t[i].seen = 1;
	}
	for (i = 0; i < n; i++)
		if (!t[i].seen)
			return st_err(err, errlen, EX_DATAERR, f->path, "missing tensor '%s'", t[i].name);
	order = xmalloc(sizeof(*order) * n);
	for (i = 0; i < n; i++)
		order[i] = &t[i];
	qsort(order, n, sizeof(*order), by_begin);
	/* overlaps first (the worse fault), then gaps */
	for (i = 1; i < n; i++)
		if (order[i]->begin < order[i - 1]->end) {
			st_err(err, errlen, EX_DATAERR, f->path,
			       "tensor '%s' overlaps tensor '%s' at byte %zu", order[i]->name,
			       order[i - 1]->name, order[i]->begin);
			free(order);
			return EX_DATAERR;
		}
	for (i = 0; i < n; i++) {
		if (order[i]->begin != at) {
			st_err(err, errlen, EX_DATAERR, f->path, "a gap before tensor '%s' at byte %zu",
			       order[i]->name, at);
			free(order);
			return EX_DATAERR;
		}
		at = order[i]->end;
	}
	free(order);
	if (at != f->dlen)
		return st_err(err, errlen, EX_DATAERR, f->path,
		              "%zu bytes after the last tensor", f->dlen - at);
	sum = json_string_value(json_object_get(f->meta, "stp_xxh3"));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)XXH3_64bits(f->data, f->dlen));
	if (strcmp(hex, sum) != 0)
		return st_err(err, errlen, EX_DATAERR, f->path,
		              "checksum mismatch: the data hashes to %s, the metadata says %.32s",
		              hex, sum);
	/* the header and the metadata too (files written before the key
	 * existed have the data's checksum alone) */
	if (json_object_get(f->meta, "stp_xxh3_all")) {
		json_t *all = json_incref(json_object_get(f->meta, "stp_xxh3_all"));
		char *hs;
		XXH3_state_t *xs = XXH3_createState();
		json_object_del(f->meta, "stp_xxh3_all");
		hs = json_dumps(f->hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_object_set_new(f->meta, "stp_xxh3_all", all);
		if (!hs || !xs)
			die(EX_OSERR, "out of memory");
		XXH3_64bits_reset(xs);
		XXH3_64bits_update(xs, hs, strlen(hs));
		XXH3_64bits_update(xs, f->data, f->dlen);
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)XXH3_64bits_digest(xs));
		XXH3_freeState(xs);
		free(hs);
		if (!json_is_string(all) || strcmp(hex, json_string_value(all)) != 0)
			return st_err(err, errlen, EX_DATAERR, f->path,
			              "checksum mismatch: the header and data hash to %s, the metadata "
			              "says %.32s", hex, json_is_string(all) ? json_string_value(all) : "?");
	}
	for (i = 0; i < n; i++) {
		memcpy(t[i].data, f->data + t[i].begin, t[i].n * sizeof(float));
		for (size_t j = 0; j < t[i].n; j++)
			if (!isfinite(t[i].data[j]))
				return st_err(err, errlen, EX_DATAERR, f->path,
				              "tensor '%s' holds a value that is not finite (%g at %zu)",
				              t[i].name, (double)t[i].data[j], j);
	}
	return 0;
}

int
model_load(const char *path, int nthreads, struct model **mp, struct tokenizer **tokp,
           char *err, size_t errlen)
{
	struct st_file f;
	struct model_config cfg;
	struct tokenizer *tok = NULL;
	struct model *m = NULL;
	struct st_tensor *t = NULL;
	const char *cs, *vs;
	char why[256];
	int rc, n;

	*mp = NULL;
	*tokp = NULL;
	if ((rc = st_open(&f, path, err, errlen)))
		return rc;
	rc = EX_DATAERR;
	cs = json_string_value(json_object_get(f.meta, "stp_config"));
	vs = json_string_value(json_object_get(f.meta, "stp_vocab"));
	if (!cs || !vs) {
		st_err(err, errlen, rc, path, "metadata lacks '%s'", cs ? "stp_vocab" : "stp_config");
		goto out;
	}
	if (model_config_parse(cs, &cfg, why, sizeof(why))) {
		st_err(err, errlen, rc, path, "%s", why);
		goto out;
	}
	if (!(tok = tokenizer_parse(vs, why, sizeof(why)))) {
		st_err(err, errlen, rc, path, "%s", why);
		goto out;
	}
	if (tokenizer_size(tok) != cfg.vocab) {
		st_err(err, errlen, rc, path, "vocabulary of %d tokens, but the embedding has %d rows",
		       tokenizer_size(tok), cfg.vocab);
		goto out;
	}
	/* the configuration against the file before allocating by it: a claim
	 * far beyond the data is refused at once (smaller mismatches are named
	 * precisely by st_take: a missing tensor, a truncated one) */
	if (model_config_nparams(&cfg) > f.dlen / sizeof(float) + (1u << 18)) {
		st_err(err, errlen, rc, path,
		       "the configuration needs %zu parameters (%zu bytes); the data section holds "
		       "%zu bytes", model_config_nparams(&cfg), model_config_nparams(&cfg) * sizeof(float),
		       f.dlen);
		goto out;
	}
	m = model_new(&cfg, 0, nthreads);
	n = model_tensors(m, &t);
	if ((rc = st_take(&f, t, n, err, errlen)))
		goto out;
	m->version++;
	*mp = m;
	*tokp = tok;
	m = NULL;
	tok = NULL;
	rc = 0;
out:
	free(t);
	model_free(m);
	tokenizer_free(tok);
	st_close(&f);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Optimizer state                                                         */

void
model_save_state(struct model *m, int step, const char *path)
{
	struct st_tensor t[2];
	size_t n;
	float *a = model_adam_block(m, &n);
	json_t *meta = json_object();
	char buf[32];

	memset(t, 0, sizeof(t));
	snprintf(t[0].name, sizeof(t[0].name), "adamw.exp_avg");
	snprintf(t[1].name, sizeof(t[1].name), "adamw.exp_avg_sq");
	t[0].data = a;
	t[1].data = a + n;
	t[0].ndim = t[1].ndim = 1;
	t[0].shape[0] = t[1].shape[0] = (long long)n;
	t[0].n = t[1].n = n;
	json_object_set_new(meta, "format", json_string("pt"));
	snprintf(buf, sizeof(buf), "%d", step);
	json_object_set_new(meta, "stp_step", json_string(buf));
	snprintf(buf, sizeof(buf), "%zu", n);
	json_object_set_new(meta, "stp_nparams", json_string(buf));
	st_write(path, meta, t, 2, NULL);
	json_decref(meta);
}

int
model_load_state(struct model *m, const char *path, int *step, char *err, size_t errlen)
{
	struct st_file f;
	struct st_tensor t[2];
	size_t n;
	float *a, *tmp;
	const char *s;
	char *end;
	long v;
	int rc;

	if ((rc = st_open(&f, path, err, errlen)))
		return rc;
	rc = EX_DATAERR;
	s = json_string_value(json_object_get(f.meta, "stp_step"));
	errno = 0;
	v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || *end || v < 0 || v > 2147483647L) {
		st_err(err, errlen, rc, path, "metadata 'stp_step' is not a step count");
		goto out;
	}
	a = model_adam_block(m, &n);
	tmp = xmalloc(sizeof(float) * 2 * n);
	memset(t, 0, sizeof(t));
	snprintf(t[0].name, sizeof(t[0].name), "adamw.exp_avg");
	snprintf(t[1].name, sizeof(t[1].name), "adamw.exp_avg_sq");
	t[0].data = tmp;
	t[1].data = tmp + n;
	t[0].ndim = t[1].ndim = 1;
	t[0].shape[0] = t[1].shape[0] = (long long)n;
	t[0].n = t[1].n = n;
	if ((rc = st_take(&f, t, 2, err, errlen)) == 0) {
		memcpy(a, tmp, sizeof(float) * 2 * n);
		*step = (int)v;
	}
	free(tmp);
out:
	st_close(&f);
	return rc;
}
