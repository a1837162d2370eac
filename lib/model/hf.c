/*
 * hf.c - a checkpoint as a Hugging Face model directory (see hf.h)
 *
 * Every JSON file is written with keys in a fixed order and numbers in
 * their shortest form, so that the same checkpoint gives the same bytes.
 */
#include "hf.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "internal.h"
#include "msg.h"
#include "tokenizer.h"

/* The files, in the order they are published: config.json last, so that
 * its presence says the rest is there. */
enum { F_TOKENIZER, F_TOKCONFIG, F_GENCONFIG, F_WEIGHTS, F_CONFIG, NFILES };
static const char *const file_name[NFILES] = {
	"tokenizer.json", "tokenizer_config.json", "generation_config.json",
	"model.safetensors", "config.json",
};

/* jansson writes a real with "%.9g" (JSON_REAL_PRECISION(9), enough for any
 * float); the shortest decimal that reads back as f gives "1e-05" for the
 * float 1e-5 rather than "9.99999975e-06". */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))

static json_t *
short_real(float f)
{
	char buf[32];

	for (int p = 1; p <= 9; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, (double)f);
		if (strtof(buf, NULL) == f)
			return json_real(strtod(buf, NULL));
	}
	return json_real((double)f);
}

/* The id of a special token, as a JSON integer, or null when the
 * vocabulary lacks it. */
static json_t *
special_id(const struct tokenizer *tok, const char *s)
{
	int id = tokenizer_id(tok, s, strlen(s));

	return id < 0 ? json_null() : json_integer(id);
}

/* The first Unicode White_Space character (the set of Rust's
 * char::is_whitespace, which WhitespaceSplit uses) in the UTF-8 string s,
 * or 0. The ASCII ones never occur in a token (tokenizer.h). */
static unsigned long
unicode_space(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned long c = *p;
		int n = 0;

		if (c >= 0xf0)
			c &= 0x07, n = 3;
		else if (c >= 0xe0)
			c &= 0x0f, n = 2;
		else if (c >= 0xc0)
			c &= 0x1f, n = 1;
		p++;
		for (; n > 0 && (*p & 0xc0) == 0x80; n--)
			c = c << 6 | (*p++ & 0x3f);
		if (c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
		    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000)
			return c;
	}
	return 0;
}

static json_t *
config_json(const struct model_config *c, const struct tokenizer *tok)
{
	json_t *o = json_object();

	json_object_set_new(o, "architectures", json_pack("[s]", "LlamaForCausalLM"));
	json_object_set_new(o, "model_type", json_string("llama"));
	json_object_set_new(o, "vocab_size", json_integer(c->vocab));
	json_object_set_new(o, "hidden_size", json_integer(c->width));
	json_object_set_new(o, "intermediate_size", json_integer(c->hidden));
	json_object_set_new(o, "num_hidden_layers", json_integer(c->layers));
	json_object_set_new(o, "num_attention_heads", json_integer(c->heads));
	json_object_set_new(o, "num_key_value_heads", json_integer(c->heads));
	json_object_set_new(o, "head_dim", json_integer(c->width / c->heads));
	json_object_set_new(o, "hidden_act", json_string("silu"));
	json_object_set_new(o, "max_position_embeddings", json_integer(c->ctx));
	json_object_set_new(o, "rms_norm_eps", short_real(c->norm_eps));
	json_object_set_new(o, "rope_theta", short_real(c->rope_theta));
	json_object_set_new(o, "rope_scaling", json_null());
	json_object_set_new(o, "attention_bias", json_false());
	json_object_set_new(o, "attention_dropout", json_real(0.0));
	json_object_set_new(o, "mlp_bias", json_false());
	json_object_set_new(o, "initializer_range", json_real(0.02));
	json_object_set_new(o, "pretraining_tp", json_integer(1));
	json_object_set_new(o, "tie_word_embeddings", json_boolean(c->tie));
	json_object_set_new(o, "bos_token_id", special_id(tok, "<bos>"));
	json_object_set_new(o, "eos_token_id", special_id(tok, "<eos>"));
	json_object_set_new(o, "pad_token_id", special_id(tok, "<pad>"));
	json_object_set_new(o, "torch_dtype", json_string("float32"));
	json_object_set_new(o, "use_cache", json_true());
	return o;
}

static json_t *
generation_json(const struct model_config *c, const struct tokenizer *tok)
{
	json_t *o = json_object();

	json_object_set_new(o, "bos_token_id", special_id(tok, "<bos>"));
	json_object_set_new(o, "eos_token_id", special_id(tok, "<eos>"));
	json_object_set_new(o, "pad_token_id", special_id(tok, "<pad>"));
	json_object_set_new(o, "do_sample", json_true());
	json_object_set_new(o, "temperature", json_real(1.0));
	json_object_set_new(o, "top_p", json_real(1.0));
	json_object_set_new(o, "max_length", json_integer(c->ctx));
	return o;
}

static const char *const specials[] = { "<pad>", "<bos>", "<eos>", NULL };

static json_t *
tokenizer_json(const struct tokenizer *tok)
{
	json_t *o = json_object(), *added = json_array(), *model, *vocab = json_object();
	int i, n = tokenizer_size(tok);

	for (i = 0; specials[i]; i++) {
		int id = tokenizer_id(tok, specials[i], strlen(specials[i]));

		if (id >= 0)
			json_array_append_new(added, json_pack(
				"{s:i, s:s, s:b, s:b, s:b, s:b, s:b}", "id", id, "content", specials[i],
				"single_word", 0, "lstrip", 0, "rstrip", 0, "normalized", 0,
				"special", 1));
	}
	for (i = 0; i < n; i++)
		json_object_set_new(vocab, tokenizer_str(tok, i), json_integer(i));
	model = json_pack("{s:s, s:o, s:s}", "type", "WordLevel", "vocab", vocab,
	                  "unk_token", "<unk>");
	json_object_set_new(o, "version", json_string("1.0"));
	json_object_set_new(o, "truncation", json_null());
	json_object_set_new(o, "padding", json_null());
	json_object_set_new(o, "added_tokens", added);
	json_object_set_new(o, "normalizer", json_null());
	json_object_set_new(o, "pre_tokenizer", json_pack("{s:s}", "type", "WhitespaceSplit"));
	json_object_set_new(o, "post_processor", json_null());
	json_object_set_new(o, "decoder", json_null());
	json_object_set_new(o, "model", model);
	return o;
}

static json_t *
tokconfig_json(const struct model_config *c, const struct tokenizer *tok)
{
	static const char *const keys[] = { "pad_token", "bos_token", "eos_token" };
	json_t *o = json_object();

	json_object_set_new(o, "tokenizer_class", json_string("PreTrainedTokenizerFast"));
	for (int i = 0; specials[i]; i++)
		if (tokenizer_id(tok, specials[i], strlen(specials[i])) >= 0)
			json_object_set_new(o, keys[i], json_string(specials[i]));
	json_object_set_new(o, "add_bos_token", json_false());
	json_object_set_new(o, "add_eos_token", json_false());
	json_object_set_new(o, "clean_up_tokenization_spaces", json_false());
	json_object_set_new(o, "model_max_length", json_integer(c->ctx));
	return o;
}

/* Write j to path under a temporary name, finished but not published. */
static void
json_finish(struct out *o, const char *path, json_t *j)
{
	if (!j)
		die(EX_OSERR, "out of memory");
	out_open(o, path);
	if (json_dumpf(j, o->fp, JSON_FLAGS) != 0 || fputc('\n', o->fp) == EOF)
		die(EX_IOERR, "write error on '%s':", path);
	out_finish(o);
	json_decref(j);
}

int
hf_export(struct model *m, const struct tokenizer *tok, const char *dir, char *err,
          size_t errlen)
{
	const struct model_config *c = model_config(m);
	struct out out[NFILES];
	char *path[NFILES];
	struct stat st;
	int i;

	if (tokenizer_size(tok) != c->vocab)
		die(EX_SOFTWARE, "hf_export: vocabulary of %d tokens for a model of %d",
		    tokenizer_size(tok), c->vocab);
	for (i = 0; i < c->vocab; i++) {
		json_t *js = json_string(tokenizer_str(tok, i));
		unsigned long u = unicode_space(tokenizer_str(tok, i));

		json_decref(js);
		if (!js) {
			snprintf(err, errlen, "vocabulary token %d is not valid UTF-8", i);
			return EX_DATAERR;
		}
		if (u) {
			snprintf(err, errlen, "vocabulary token %d '%.64s' holds U+%04lX, white space "
			         "to the tokenizers library's WhitespaceSplit: it would be split", i,
			         tokenizer_str(tok, i), u);
			return EX_DATAERR;
		}
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' exists and is not a directory", dir);
		return EX_CANTCREAT;
	}
	for (i = 0; i < NFILES; i++)
		path[i] = xasprintf("%s/%s", dir, file_name[i]);
	json_finish(&out[F_TOKENIZER], path[F_TOKENIZER], tokenizer_json(tok));
	json_finish(&out[F_TOKCONFIG], path[F_TOKCONFIG], tokconfig_json(c, tok));
	json_finish(&out[F_GENCONFIG], path[F_GENCONFIG], generation_json(c, tok));
	model_save_finish(m, tok, path[F_WEIGHTS], &out[F_WEIGHTS]);
	json_finish(&out[F_CONFIG], path[F_CONFIG], config_json(c, tok));
	for (i = 0; i < NFILES; i++) {
		out_publish(&out[i]);
		free(path[i]);
	}
	return 0;
}
