#!/usr/bin/python3
"""hf_llama.py - a Hugging Face Llama directory through an independent forward (tests)

usage: hf_llama.py DIR OURS.jsonl [--tol T]

DIR is a model directory in the Hugging Face layout (config.json,
tokenizer.json, *.safetensors). Everything here is read from what those
files mean to transformers' LlamaForCausalLM and the tokenizers library,
not from stp's C code: the config's keys give the shape, the safetensors
files (u64 header length, JSON header, raw little-endian data) the weights
by their Hugging Face names, tokenizer.json the token ids.

OURS.jsonl holds, a line per prompt, what stp's model computed
(tests/tools/model-logits): "text", its "ids", the greedy continuation
"gen", "logits" at every position of ids + gen (the training forward) and
"step_logits" (what the sampler saw at each step). For each prompt this
checks that tokenizer.json gives the same ids for the text, and that our
logits match the reference's, computed in float64 from the float32
weights: max |ours - reference| <= T * max(1, max |reference|), T = 1e-4
by default. Prints a line per prompt; exits 1 on any mismatch, 2 when
the directory cannot be read as a Llama model.
"""
import argparse
import glob
import json
import math
import os
import struct
import sys

import torch

# Rust's char::is_whitespace (the Unicode White_Space property), which the
# WhitespaceSplit pre-tokenizer splits on
WHITE_SPACE = set(map(chr, [*range(0x09, 0x0e), 0x20, 0x85, 0xa0, 0x1680, *range(0x2000, 0x200b),
                            0x2028, 0x2029, 0x202f, 0x205f, 0x3000]))


class Bad(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Bad(msg)


# ---- safetensors ----

DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
          "BF16": (torch.bfloat16, 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    need(len(raw) >= 8, "%s: shorter than 8 bytes" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    need(8 + n <= len(raw), "%s: header length %d beyond the file" % (path, n))
    hdr = json.loads(raw[8:8 + n])
    hdr.pop("__metadata__", None)
    data = raw[8 + n:]
    out, spans = {}, []
    for name, e in hdr.items():
        need(e["dtype"] in DTYPES, "%s: %s: dtype %s" % (path, name, e["dtype"]))
        dt, size = DTYPES[e["dtype"]]
        b, en = e["data_offsets"]
        count = math.prod(e["shape"])
        need(0 <= b and en - b == count * size and en <= len(data),
             "%s: %s: bad data_offsets" % (path, name))
        spans.append((b, en))
        t = torch.frombuffer(bytearray(data[b:en]), dtype=dt) if count else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"]).to(torch.float64)
    spans.sort()
    at = 0
    for b, en in spans:
        need(b == at, "%s: the tensors do not cover the data section" % path)
        at = en
    need(at == len(data), "%s: bytes after the last tensor" % path)
    return out


# ---- the tokenizer (tokenizer.json) ----

class Tokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        need(tj.get("normalizer") is None, "tokenizer.json: a normalizer is not handled here")
        need(tj.get("post_processor") is None, "tokenizer.json: a post_processor is not handled here")
        need(tj["pre_tokenizer"] == {"type": "WhitespaceSplit"},
             "tokenizer.json: pre_tokenizer %r is not WhitespaceSplit" % tj["pre_tokenizer"])
        model = tj["model"]
        need(model["type"] == "WordLevel", "tokenizer.json: model %s is not WordLevel" % model["type"])
        self.vocab = model["vocab"]
        self.unk = model.get("unk_token")
        self.added = {}
        for a in tj["added_tokens"]:
            need(not a["normalized"] and not a["single_word"] and not a["lstrip"] and not a["rstrip"],
                 "tokenizer.json: added token %r: only plain added tokens are handled" % a["content"])
            self.added[a["content"]] = a["id"]

    def split_added(self, text):
        """The text cut at the added tokens (leftmost, then longest, match):
        a list of (piece, id or None)."""
        out, i, start = [], 0, 0
        while i < len(text):
            best = max((c for c in self.added if text.startswith(c, i)), key=len, default=None)
            if best is None:
                i += 1
                continue
            if start < i:
                out.append((text[start:i], None))
            out.append((best, self.added[best]))
            i += len(best)
            start = i
        if start < len(text):
            out.append((text[start:], None))
        return out

    def encode(self, text):
        ids = []
        for piece, aid in self.split_added(text):
            if aid is not None:
                ids.append(aid)
                continue
            word = ""
            for ch in piece + " ":
                if ch in WHITE_SPACE:
                    if word:
                        ids.append(self.word_id(word))
                    word = ""
                else:
                    word += ch
        return ids

    def word_id(self, w):
        if w in self.vocab:
            return self.vocab[w]
        need(self.unk in self.vocab, "WordLevel: %r is not in the vocabulary, nor is the unk_token" % w)
        return self.vocab[self.unk]


# ---- LlamaForCausalLM, from config.json's meaning ----

class Llama:
    def __init__(self, d):
        with open(os.path.join(d, "config.json")) as f:
            c = json.load(f)
        need("LlamaForCausalLM" in c.get("architectures", []), "config.json: not LlamaForCausalLM")
        need(c.get("model_type") == "llama", "config.json: model_type is not llama")
        need(c.get("hidden_act", "silu") == "silu", "config.json: hidden_act %s" % c.get("hidden_act"))
        need(c.get("rope_scaling") is None, "config.json: rope_scaling is not handled here")
        need(not c.get("attention_bias", False) and not c.get("mlp_bias", False),
             "config.json: biases are not handled here")
        self.c = c
        self.V = c["vocab_size"]
        self.D = c["hidden_size"]
        self.L = c["num_hidden_layers"]
        self.H = c["num_attention_heads"]
        self.Hkv = c.get("num_key_value_heads") or self.H
        self.hd = c.get("head_dim") or self.D // self.H
        self.eps = c["rms_norm_eps"]
        self.theta = c.get("rope_theta", 10000.0)
        self.ctx = c["max_position_embeddings"]
        files = sorted(glob.glob(os.path.join(d, "*.safetensors")))
        need(files, "%s: no *.safetensors" % d)
        w = {}
        for p in files:
            w.update(read_safetensors(p))
        want = {"model.embed_tokens.weight": (self.V, self.D), "model.norm.weight": (self.D,)}
        F = c["intermediate_size"]
        for i in range(self.L):
            p = "model.layers.%d." % i
            want[p + "input_layernorm.weight"] = (self.D,)
            want[p + "self_attn.q_proj.weight"] = (self.H * self.hd, self.D)
            want[p + "self_attn.k_proj.weight"] = (self.Hkv * self.hd, self.D)
            want[p + "self_attn.v_proj.weight"] = (self.Hkv * self.hd, self.D)
            want[p + "self_attn.o_proj.weight"] = (self.D, self.H * self.hd)
            want[p + "post_attention_layernorm.weight"] = (self.D,)
            want[p + "mlp.gate_proj.weight"] = (F, self.D)
            want[p + "mlp.up_proj.weight"] = (F, self.D)
            want[p + "mlp.down_proj.weight"] = (self.D, F)
        # tie_word_embeddings: the output projection is the embedding
        # (PretrainedConfig's default is true, LlamaConfig's false)
        self.tied = c.get("tie_word_embeddings", False)
        if not self.tied:
            want["lm_head.weight"] = (self.V, self.D)
        for k, shape in want.items():
            need(k in w, "missing tensor %s" % k)
            need(tuple(w[k].shape) == shape, "%s: shape %s, config says %s" % (k, tuple(w[k].shape), shape))
        extra = set(w) - set(want) - ({"lm_head.weight"} if self.tied else set())
        need(not extra, "unexpected tensors %s" % sorted(extra))
        self.w = w
        self.head = w["model.embed_tokens.weight"] if self.tied else w["lm_head.weight"]

    def rmsnorm(self, x, g):
        return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def rotary(self, T):
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)          # (T, hd)
        return emb.cos(), emb.sin()

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat([-x[..., h:], x[..., :h]], dim=-1)

    def logits(self, ids):
        w, T = self.w, len(ids)
        need(T <= self.ctx, "%d tokens, max_position_embeddings %d" % (T, self.ctx))
        x = w["model.embed_tokens.weight"][torch.tensor(ids)]
        cos, sin = self.rotary(T)
        mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
        for i in range(self.L):
            p = "model.layers.%d." % i
            h = self.rmsnorm(x, w[p + "input_layernorm.weight"])
            q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, self.H, self.hd).transpose(0, 1)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, self.Hkv, self.hd).transpose(0, 1)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, self.Hkv, self.hd).transpose(0, 1)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            rep = self.H // self.Hkv
            k, v = k.repeat_interleave(rep, dim=0), v.repeat_interleave(rep, dim=0)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask, dim=-1)
            y = (att @ v).transpose(0, 1).reshape(T, self.H * self.hd)
            x = x + y @ w[p + "self_attn.o_proj.weight"].T
            h = self.rmsnorm(x, w[p + "post_attention_layernorm.weight"])
            g = h @ w[p + "mlp.gate_proj.weight"].T
            u = h @ w[p + "mlp.up_proj.weight"].T
            x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
        return self.rmsnorm(x, w["model.norm.weight"]) @ self.head.T


def check_specials(d, model, tok):
    """The special ids agree across config.json, generation_config.json,
    tokenizer_config.json and tokenizer.json."""
    with open(os.path.join(d, "generation_config.json")) as f:
        gen = json.load(f)
    with open(os.path.join(d, "tokenizer_config.json")) as f:
        tc = json.load(f)
    need(len(tok.vocab) == model.V, "tokenizer.json: %d words, vocab_size %d" % (len(tok.vocab), model.V))
    need(sorted(tok.vocab.values()) == list(range(model.V)), "tokenizer.json: the ids are not 0..V-1")
    for k in ("bos", "eos", "pad"):
        cid = model.c.get(k + "_token_id")
        need(gen.get(k + "_token_id") == cid, "generation_config.json: %s_token_id differs" % k)
        name = tc.get(k + "_token")
        need(name is None or tok.vocab.get(name) == cid and tok.added.get(name) == cid,
             "tokenizer_config.json: %s_token %r is not id %s" % (k, name, cid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("ours")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    try:
        model = Llama(a.dir)
        tok = Tokenizer(os.path.join(a.dir, "tokenizer.json"))
        check_specials(a.dir, model, tok)
    except (Bad, KeyError, ValueError, OSError) as e:
        print("hf_llama: %s: %s" % (a.dir, e), file=sys.stderr)
        sys.exit(2)
    bad = 0
    with open(a.ours) as f:
        for n, line in enumerate(f, 1):
            o = json.loads(line)
            ids = tok.encode(o["text"])
            if ids != o["ids"]:
                print("prompt %d: tokenizer.json gives %s, ours %s" % (n, ids, o["ids"]))
                bad += 1
                continue
            seq = o["ids"] + o["gen"]
            with torch.no_grad():
                ref = model.logits(seq)
            ours = torch.tensor(o["logits"], dtype=torch.float64)
            P = len(o["ids"])
            steps = torch.tensor(o["step_logits"], dtype=torch.float64)
            scale = max(1.0, ref.abs().max().item())
            d_fwd = (ours - ref).abs().max().item()
            d_step = (steps - ref[P - 1:P - 1 + len(steps)]).abs().max().item()
            ok = max(d_fwd, d_step) <= a.tol * scale
            bad += not ok
            print("prompt %d: %d + %d tokens, max |logit| %.3f, max diff forward %.2e, sampler %.2e, "
                  "tolerance %.2e: %s" % (n, P, len(o["gen"]), ref.abs().max().item(), d_fwd, d_step,
                                          a.tol * scale, "ok" if ok else "MISMATCH"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
