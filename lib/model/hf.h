/*
 * hf.h - a checkpoint as a Hugging Face model directory (LlamaForCausalLM)
 *
 * The one home of the export format. hf_export writes, into a directory:
 *
 *   config.json             LlamaConfig: architectures ["LlamaForCausalLM"],
 *                           hidden_size C, intermediate_size F,
 *                           num_hidden_layers L, num_attention_heads H,
 *                           num_key_value_heads H (no grouped queries),
 *                           head_dim C/H, hidden_act "silu", rms_norm_eps,
 *                           rope_theta, rope_scaling null,
 *                           max_position_embeddings ctx, vocab_size V,
 *                           tie_word_embeddings, attention_bias and mlp_bias
 *                           false, the bos/eos/pad ids, torch_dtype "float32"
 *   generation_config.json  the special ids; sampling, temperature 1, top_p 1
 *                           (what stp-prove does when not told otherwise);
 *                           max_length ctx
 *   tokenizer.json          the tokenizers library's format: a WordLevel
 *                           model over our vocabulary (id i = token i),
 *                           pre-tokenizer WhitespaceSplit, <pad> <bos> <eos>
 *                           as special added tokens; no normalizer, no
 *                           post-processor, no decoder
 *   tokenizer_config.json   PreTrainedTokenizerFast, the three specials,
 *                           clean_up_tokenization_spaces false,
 *                           model_max_length ctx
 *   model.safetensors       the checkpoint as model_save writes it: its
 *                           tensor names are already Hugging Face Llama's;
 *                           no lm_head.weight when tied (tie_word_embeddings
 *                           true); our metadata kept, so that the file is
 *                           still an stp checkpoint
 *
 * The model is LlamaForCausalLM exactly (model.h: RMSNorm x * rsqrt(mean(x^2)
 * + eps) * weight, rotary positions in the rotate_half convention with
 * inv_freq theta^(-2i/d), causal softmax attention scaled by 1/sqrt(d),
 * SwiGLU down(silu(gate(x)) * up(x)), no biases): no weight is transformed.
 * The tokenizer is our whitespace tokenizer (tokenizer.h) as nearly as the
 * tokenizers library can say it; where they differ:
 *   - WhitespaceSplit splits at every Unicode White_Space character, ours at
 *     the six ASCII ones: a vocabulary token holding another (U+0085,
 *     U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
 *     U+3000) would be split, and is refused;
 *   - <pad>, <bos> and <eos> are added tokens: the library finds them inside
 *     a word too ("x<eos>"), ours only between whitespace; a decoder told to
 *     skip special tokens drops them. The other markers (<prover>, <hyp>,
 *     ...) are plain words of the vocabulary, so that a server's decoded
 *     text keeps them;
 *   - a word not in the vocabulary: ours fails naming it; the WordLevel
 *     model's unk_token "<unk>" is not in the vocabulary, so the library
 *     fails too ("Missing [UNK] token from the vocabulary");
 *   - nothing is added around a prompt: our prompts begin with "<bos>"
 *     themselves (prompt.h). Decoding joins the tokens with single spaces,
 *     as tokenizer_decode does.
 */
#ifndef STP_MODEL_HF_H
#define STP_MODEL_HF_H

#include <stddef.h>

struct model;
struct tokenizer;

/*
 * Write the directory dir (created when missing, its parent must exist; the
 * files of an earlier export in it are replaced) from m and tok. Each file
 * is written under a temporary name; all are published together at the end,
 * config.json last. Returns 0; EX_CANTCREAT when dir cannot be created or is
 * not a directory; EX_DATAERR when the tokenizer cannot be said in
 * tokenizer.json (a token holding Unicode whitespace): nothing is written
 * then, and err holds the message. Dies as atomic.h does on a write error.
 */
int hf_export(struct model *m, const struct tokenizer *tok, const char *dir, char *err,
              size_t errlen);

#endif
