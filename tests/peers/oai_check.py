#!/usr/bin/env python3
"""oai_check.py - checks of stp-prove --backend openai's output and of what a
scripted peer (oai_peer.py) was asked, for tests/openai.bats

usage: oai_check.py attempts INPUT OUTPUT K
           every input record, in input order, followed by nothing but its K
           attempts, samples 0..K-1 in order, each the record unchanged plus
           proof, format, sample, model, gen_stop, gen_seed (base + sample)
       oai_check.py fields LOG
           the keys of each completion request, in order, one line per distinct set
       oai_check.py seeds LOG OUTPUT
           every attempt's (prompt, gen_seed) was asked for, with n covering it
       oai_check.py retry-after LOG SECONDS
           every request that got a 429 was asked again no sooner than SECONDS later
       oai_check.py window LOG SECONDS N
           the requests that arrived within SECONDS of the first are for at most
           N prompts, and some later request for another
       oai_check.py strip OUTPUT KEY...
           OUTPUT without the keys (to stdout)
       oai_check.py embeddings INPUT OUTPUT DIM
           one {"id","embedding"} per input record, in order, DIM wide, norm 1

Prints what is wrong and exits 1, else exits 0 quietly (except fields, strip).
"""

import json
import math
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def bad(msg):
    print("oai_check: " + msg)
    sys.exit(1)


def attempts(inp, out, k):
    recs, atts = load(inp), load(out)
    k = int(k)
    if len(atts) != len(recs) * k:
        bad("%d attempts for %d records x %d samples" % (len(atts), len(recs), k))
    added = {"proof", "format", "sample", "iter", "model", "gen_tokens", "gen_stop",
             "gen_seed", "prompt_tokens"}
    for i, rec in enumerate(recs):
        base = None
        for s in range(k):
            a = atts[i * k + s]
            where = "attempt %d (record %d, sample %d)" % (i * k + s, i, s)
            if a.get("sample") != s:
                bad("%s: sample is %r" % (where, a.get("sample")))
            if list(a.keys())[:len(rec)] != list(rec.keys()):
                bad("%s: the record's fields are not first, in order" % where)
            for key, v in rec.items():
                if a.get(key) != v:
                    bad("%s: field %r changed" % (where, key))
            extra = set(a.keys()) - set(rec.keys())
            if not extra <= added:
                bad("%s: unexpected fields %s" % (where, sorted(extra - added)))
            for key in ("proof", "format", "model", "gen_stop"):
                if not isinstance(a.get(key), str):
                    bad("%s: %s is not a string" % (where, key))
            if not isinstance(a.get("gen_seed"), int):
                bad("%s: gen_seed is not an integer" % where)
            if base is None:
                base = a["gen_seed"]
            if a["gen_seed"] != base + s:
                bad("%s: gen_seed %d, not %d + %d" % (where, a["gen_seed"], base, s))
            if not 0 <= a["gen_seed"] < 2 ** 31:
                bad("%s: gen_seed out of range" % where)


def fields(log):
    seen = []
    for e in load(log):
        if e["path"].endswith("/completions") and isinstance(e["body"], dict):
            ks = " ".join(e["body"].keys())
            if ks not in seen:
                seen.append(ks)
    for ks in seen:
        print(ks)


def seeds(log, out):
    asked = set()
    for e in load(log):
        b = e["body"]
        if e["path"].endswith("/completions") and isinstance(b, dict):
            for j in range(b.get("n", 1)):
                asked.add((b["prompt"], b["seed"] + j))
    prompts = {}
    for e in load(log):
        b = e["body"]
        if isinstance(b, dict) and "prompt" in b:
            prompts.setdefault(b["prompt"], 0)
    for a in load(out):
        if not any((p, a["gen_seed"]) in asked for p in prompts if a["statement"] in p):
            bad("attempt %s/%d: seed %d never asked for" % (a["id"], a["sample"], a["gen_seed"]))


def retry_after(log, secs):
    secs = float(secs)
    es = load(log)
    n = 0
    for i, e in enumerate(es):
        if e["fail"] != "429":
            continue
        b = e["body"]
        later = [x for x in es[i + 1:] if x["body"] == b]
        if not later:
            continue
        n += 1
        gap = later[0]["t"] - e["t"]
        if gap < secs * 0.95:
            bad("request %d got a 429 and was asked again %.3f s later" % (e["k"], gap))
    if n == 0:
        bad("no request got a 429 and was asked again")


def window(log, secs, n):
    es = load(log)
    t0 = es[0]["t"]
    early = {e["body"]["prompt"] for e in es if e["t"] < t0 + float(secs)}
    late = {e["body"]["prompt"] for e in es}
    if len(early) > int(n):
        bad("%d prompts asked for within %s s of the first request" % (len(early), secs))
    if len(late) <= len(early):
        bad("no other prompt was asked for later")


def strip(out, *keys):
    for a in load(out):
        for k in keys:
            a.pop(k, None)
        print(json.dumps(a))


def embeddings(inp, out, dim):
    recs, es = load(inp), load(out)
    dim = int(dim)
    if len(recs) != len(es):
        bad("%d embeddings for %d records" % (len(es), len(recs)))
    for r, e in zip(recs, es):
        if list(e.keys()) != ["id", "embedding"] or e["id"] != r["id"]:
            bad("embedding record %r is not {id, embedding} of %r" % (e.get("id"), r["id"]))
        if len(e["embedding"]) != dim:
            bad("%s: %d wide, not %d" % (e["id"], len(e["embedding"]), dim))
        norm = math.sqrt(sum(x * x for x in e["embedding"]))
        if abs(norm - 1) > 1e-5:
            bad("%s: norm %g" % (e["id"], norm))


def main():
    cmds = {"attempts": attempts, "fields": fields, "seeds": seeds,
            "retry-after": retry_after, "strip": strip, "embeddings": embeddings,
            "window": window}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
