#!/usr/bin/python3
"""torch_model.py - the same Llama-style model in PyTorch, as the yardstick of
bench/model-train and bench/model-sample, and a cross-check of our checkpoints

usage: torch_model.py train  [CONFIG] [--steps N] [--threads N]
       torch_model.py sample [CONFIG] [--samples N] [--prompt N] [--max-new N] [--threads N]
       torch_model.py check  CKPT --loss L [--seq T]
CONFIG: --vocab V --width C --layers L --heads H --hidden F --seq T --batch B [--untied]

The architecture is lib/model's exactly: token embedding; L blocks of
RMSNorm -> causal multi-head attention with rotary positions (Hugging Face's
rotate_half convention) -> residual, RMSNorm -> SwiGLU MLP -> residual; final
RMSNorm; output head tied to the embedding. No biases. AdamW with weight decay
on matrices only, clipping at norm 1. Prints one line of "key value" pairs.

`check` reads one of our safetensors checkpoints with a few lines of Python
(the format needs no library: u64 header length, JSON header, raw float32),
builds the model from the config in its metadata, runs the fixed sequence
that `model_bench dump` ran and compares the loss with ours.
"""
import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, c, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(ctx, hd, theta):
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    ang = torch.outer(torch.arange(ctx, dtype=torch.float32), inv)
    return torch.cos(ang), torch.sin(ang)          # (ctx, hd/2)


def rope(x, cos, sin):
    # x (B, H, T, hd); rotate_half pairs (i, i + hd/2)
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


class Block(nn.Module):
    def __init__(self, c, h, f, eps):
        super().__init__()
        self.input_layernorm = RMSNorm(c, eps)
        self.q_proj = nn.Linear(c, c, bias=False)
        self.k_proj = nn.Linear(c, c, bias=False)
        self.v_proj = nn.Linear(c, c, bias=False)
        self.o_proj = nn.Linear(c, c, bias=False)
        self.post_attention_layernorm = RMSNorm(c, eps)
        self.gate_proj = nn.Linear(c, f, bias=False)
        self.up_proj = nn.Linear(c, f, bias=False)
        self.down_proj = nn.Linear(f, c, bias=False)
        self.h = h

    def attn(self, x, cos, sin, cache=None, pos0=0):
        B, T, C = x.shape
        hd = C // self.h
        q = self.q_proj(x).view(B, T, self.h, hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.h, hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.h, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if cache is not None:
            if cache[0] is None:            # the prompt's prefill
                cache[0], cache[1] = k, v
            else:                           # preallocated (B, H, ctx, hd) buffers
                cache[0][:, :, pos0:pos0 + T] = k
                cache[1][:, :, pos0:pos0 + T] = v
                k, v = cache[0][:, :, :pos0 + T], cache[1][:, :, :pos0 + T]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        S = k.shape[2]
        if T > 1:
            mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
            att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.o_proj(y)

    def forward(self, x, cos, sin, cache=None, pos0=0):
        x = x + self.attn(self.input_layernorm(x), cos, sin, cache, pos0)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        c = cfg["width"]
        self.embed_tokens = nn.Embedding(cfg["vocab"], c)
        self.layers = nn.ModuleList(Block(c, cfg["heads"], cfg["hidden"], cfg["norm_eps"])
                                    for _ in range(cfg["layers"]))
        self.norm = RMSNorm(c, cfg["norm_eps"])
        self.lm_head = nn.Linear(c, cfg["vocab"], bias=False)
        if cfg["tie"]:
            self.lm_head.weight = self.embed_tokens.weight
        cos, sin = rope_tables(cfg["ctx"], c // cfg["heads"], cfg["rope_theta"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for n, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * cfg["layers"]) if n.endswith(("o_proj.weight", "down_proj.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx, pos0=0, caches=None):
        T = idx.shape[1]
        cos, sin = self.cos[pos0:pos0 + T], self.sin[pos0:pos0 + T]
        x = self.embed_tokens(idx)
        for i, b in enumerate(self.layers):
            x = b(x, cos, sin, caches[i] if caches is not None else None, pos0)
        return self.norm(x)


def make_cfg(a):
    return {"vocab": a.vocab, "ctx": max(512, a.seq), "layers": a.layers, "heads": a.heads or a.width // 32,
            "width": a.width, "hidden": a.hidden or (8 * a.width // 3 + 31) // 32 * 32,
            "rope_theta": 10000.0, "norm_eps": 1e-5, "tie": not a.untied}


def weighted_loss(model, h, tgt, w):
    # the loss of lib/model: sum(w * CE) / sum(w), logits only where w != 0
    sel = w.view(-1) != 0
    logits = model.lm_head(h.view(-1, h.shape[-1])[sel])
    ce = F.cross_entropy(logits, tgt.view(-1)[sel], reduction="none")
    ww = w.view(-1)[sel]
    return (ce * ww).sum() / ww.sum()


def train(a):
    cfg = make_cfg(a)
    torch.manual_seed(1)
    model = Model(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": nodecay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(5)
    tok = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
    tgt = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
    w = torch.ones(a.batch, a.seq)
    for s in range(a.steps + 1):
        if s == 1:
            t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = weighted_loss(model, model(tok), tgt, w)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    dt = time.perf_counter() - t0
    n = sum(p.numel() for p in model.parameters())
    print("threads %d params %d tokens_per_s %.1f step_ms %.2f loss %.4f" %
          (torch.get_num_threads(), n, a.batch * a.seq * a.steps / dt, dt * 1e3 / a.steps, loss.item()))


@torch.no_grad()
def generate(model, prompt, n, max_new):
    caches = [[None, None] for _ in model.layers]
    h = model(prompt.view(1, -1), 0, caches)
    P = prompt.numel()
    for c in caches:                       # the prompt's keys and values, n times
        for i in range(2):
            buf = torch.empty(n, c[i].shape[1], P + max_new, c[i].shape[3])
            buf[:, :, :P] = c[i]
            c[i] = buf
    logits = model.lm_head(h[:, -1]).expand(n, -1)
    out, pos = [], prompt.numel()
    for j in range(max_new):
        probs = F.softmax(logits, dim=-1)
        tok = torch.multinomial(probs, 1)
        out.append(tok)
        if j + 1 == max_new:
            break
        h = model(tok, pos, caches)
        pos += 1
        logits = model.lm_head(h[:, -1])
    return torch.cat(out, dim=1)


def sample(a):
    cfg = make_cfg(a)
    torch.manual_seed(1)
    model = Model(cfg).eval()
    prompt = torch.tensor([(i * 7 + 3) % a.vocab for i in range(a.prompt)])
    generate(model, prompt, a.samples, a.max_new)          # warm-up
    reps, t0 = 3, time.perf_counter()
    for _ in range(reps):
        out = generate(model, prompt, a.samples, a.max_new)
    dt = time.perf_counter() - t0
    print("threads %d samples %d prompt %d max_new %d tokens_per_s %.1f ms_per_prompt %.1f" %
          (torch.get_num_threads(), a.samples, a.prompt, a.max_new,
           reps * out.numel() / dt, dt * 1e3 / reps))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    hdr = json.loads(raw[8:8 + n])
    meta = hdr.pop("__metadata__")
    data = raw[8 + n:]
    tensors = {}
    for name, e in hdr.items():
        assert e["dtype"] == "F32", name
        b, en = e["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[b:en]), dtype=torch.float32).view(e["shape"])
    return meta, tensors


def check(a):
    meta, t = read_safetensors(a.ckpt)
    cfg = json.loads(meta["stp_config"])
    vocab = meta["stp_vocab"].split("\n")
    assert len(vocab) == cfg["vocab"], "vocabulary size"
    model = Model(cfg)
    sd = {}
    for name, v in t.items():
        k = name[len("model."):] if name.startswith("model.") else name
        for blk in ("self_attn.", "mlp."):
            k = k.replace(blk, "")
        sd[k] = v
    if cfg["tie"]:
        sd["lm_head.weight"] = sd["embed_tokens.weight"]
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    T = a.seq
    seq = torch.tensor([[(i * 37 + 11) % cfg["vocab"] for i in range(T)]])
    tgt = torch.tensor([[(i * 53 + 5) % cfg["vocab"] for i in range(T)]])
    with torch.no_grad():
        loss = weighted_loss(model, model(seq), tgt, torch.ones(1, T)).item()
    ok = abs(loss - a.loss) <= 1e-4 * max(1.0, abs(a.loss))
    print("torch_loss %.6f ours %.6f %s" % (loss, a.loss, "match" if ok else "MISMATCH"))
    sys.exit(0 if ok else 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["train", "sample", "check"])
    p.add_argument("ckpt", nargs="?")
    p.add_argument("--vocab", type=int, default=2000)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=0)
    p.add_argument("--hidden", type=int, default=0)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--untied", action="store_true")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--samples", type=int, default=32)
    p.add_argument("--prompt", type=int, default=32)
    p.add_argument("--max-new", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--loss", type=float)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    {"train": train, "sample": sample, "check": check}[a.cmd](a)


if __name__ == "__main__":
    main()
