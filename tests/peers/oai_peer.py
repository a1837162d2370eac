#!/usr/bin/env python3
"""oai_peer.py - a scripted OpenAI-compatible completion server for the tests

usage: oai_peer.py --port-file FILE [--port N] [--flavor F] [--fail KIND:EVERY[:ARG]]...
                   [--fail-at KIND:K[:ARG]]...
                   [--die-after N [--down-for S]] [--log FILE] [--api-key KEY]
                   [--served-model NAME | --served-model-file FILE] [--answers FILE]
                   [--max-prompt-chars N] [--embeddings | --no-embeddings] [--keep-stop]

Serves POST /v1/completions and /v1/embeddings on 127.0.0.1 (port 0: any free
port; the port is written to --port-file once listening), HTTP/1.1 with
keep-alive, one thread per connection. Standard library only.

A completion is a deterministic function of (prompt, seed): a few lines of
made-up tactics, then "```" and more text, so that a stop sequence has
something to cut. The server applies "stop" and "max_tokens" (a token is one
piece of that text) as the real servers do, and counts prompt tokens as the
prompt's whitespace-separated words. A conjecturer prompt (STP's, ending in
"<hard theorem>\n theorem") gets the rest of a theorem statement instead;
some seeds give the same one, some give text that is not a theorem.

Served models: with --served-model NAME (or --served-model-file FILE, whose
first line is read at every request, so that a scripted reload hook can
change it; no file: nothing is served) a vLLM-flavored request for another
model is a 404, and GET /v1/models lists the name. Metamath prompts (the
built-in model's formats, lib/prompt.h): with --answers FILE (statement
records with "statement", "hyps", "proof"), a prover prompt of a statement
there is completed, for every other seed, with its proof then " <eos>"; a
conjecturer prompt (one ending in "<conjecture>") of theorem "|- W" gets
"<statement> |- ( W -> W ) <eos>" or, for odd seeds, "... |- ( ph -> W )";
and a prover prompt of "|- ( X -> X )" without hypotheses gets "id <eos>"
for one seed in 8 (so that such conjectures are proved, rarely).

Flavors reproduce each server's framing and quirks, as their source shows:
  vllm          choice j of a request seeded s is sampled with s + j (vLLM V1's
                ParentRequest); usage sums completion tokens over the choices and
                counts the prompt once; errors {"error":{"message",...}};
                stop_reason; an unknown model is a 404
  sglang        every choice gets the request's seed (n > 1 returns copies);
                matched_stop; errors {"object":"error","message",...}
  llamacpp      n != 1 is refused: HTTP 500 {"error":{"code":500,"message":"Only one
                completion choice is allowed","type":"server_error"}}; "timings";
                /v1/embeddings is a 501 unless --embeddings
  llamacpp-old  n is ignored: one choice comes back whatever was asked for

Failures: --fail KIND:EVERY[:ARG] gives request number k (counted from 1 over
all requests) the failure KIND when EVERY divides k (the first matching
--fail wins); --fail-at KIND:K[:ARG] gives it to request K alone (before any
--fail):
  429[:S]   HTTP 429 with Retry-After: S (default 1)
  500, 503  the flavor's error body with that status
  truncate  Content-Length of the whole body, half of it sent, connection closed
  chunked   chunked encoding, connection closed in the middle of a chunk
  eof       no Content-Length, Connection: close, half the body, then EOF
  garbage   HTTP 200 with a body that is not JSON
  reset     the connection closed without a reply
  slow[:S]  the reply after S seconds (default 5)
  abort     SGLang's finish_reason "abort"
  fewer     one choice fewer than asked for (n > 1)
--die-after N: when request N arrives the server stops (the listener and every
connection closed, request N unanswered); with --down-for S it listens again
on the same port S seconds later, else it exits.
--log FILE: one JSON line per request as it arrives:
  {"k":N,"t":SECONDS,"path":P,"auth":AUTHORIZATION,"fail":KIND|null,"body":B}
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

LOCK = threading.Lock()
STATE = {"count": 0, "dead": False}
CONNS = set()


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--flavor", default="vllm",
                   choices=["vllm", "sglang", "llamacpp", "llamacpp-old"])
    p.add_argument("--fail", action="append", default=[])
    p.add_argument("--fail-at", action="append", default=[])
    p.add_argument("--die-after", type=int, default=0)
    p.add_argument("--down-for", type=float, default=-1)
    p.add_argument("--log")
    p.add_argument("--api-key")
    p.add_argument("--served-model")
    p.add_argument("--served-model-file")
    p.add_argument("--answers", dest="answers_path")
    p.add_argument("--max-prompt-chars", type=int, default=0)
    p.add_argument("--embeddings", dest="embeddings", action="store_true", default=None)
    p.add_argument("--no-embeddings", dest="embeddings", action="store_false")
    p.add_argument("--keep-stop", action="store_true")
    a = p.parse_args()
    if a.embeddings is None:
        a.embeddings = a.flavor in ("vllm", "sglang")
    fails = []
    for spec in a.fail:
        parts = spec.split(":")
        fails.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else None))
    a.fails = fails
    a.answers = {}
    if a.answers_path:
        with open(a.answers_path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                a.answers[mm_prover_prompt(r["statement"], r.get("hyps") or [])] = r["proof"]
    a.fails_at = {}
    for spec in a.fail_at:
        parts = spec.split(":")
        a.fails_at[int(parts[1])] = (parts[0], parts[2] if len(parts) > 2 else None)
    return a


ARGS = None


def digest(*parts):
    h = hashlib.sha256()
    for x in parts:
        h.update(str(x).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def mm_prover_prompt(statement, hyps):
    """lib/prompt.c's prompt_mm_prover."""
    return " ".join(["<bos> <prover>"] + ["<hyp> " + x for x in hyps] +
                    ["<statement> " + statement, "<proof>"])


def served_model():
    """The name served, or None when any is (no --served-model[-file])."""
    if ARGS.served_model_file:
        try:
            with open(ARGS.served_model_file, encoding="utf-8") as f:
                return f.readline().strip()
        except OSError:
            return ""
    return ARGS.served_model


def pieces_for(prompt, seed):
    """The made-up completion of prompt under seed, as token pieces."""
    h = digest(prompt, seed)
    if prompt in ARGS.answers and int(h[:8], 16) % 2 == 0:
        return [" " + t for t in ARGS.answers[prompt].split()] + [" <eos>", " trailing"]
    if prompt.startswith("<bos> <prover> <statement> |- ( ") and prompt.endswith(" ) <proof>"):
        inner = prompt[len("<bos> <prover> <statement> |- ( "):-len(" ) <proof>")]
        x = inner[:(len(inner) - 4) // 2]
        if inner == x + " -> " + x and int(h[:8], 16) % 8 == 0:
            return [" id", " <eos>"]
    if prompt.startswith("<bos> <conjecturer>") and prompt.endswith("<conjecture>"):
        thm = prompt[prompt.rindex("<theorem>"):]
        stmt = thm[thm.rindex("<statement> ") + 12:thm.rindex(" <proof>")]
        w = stmt[3:] if stmt.startswith("|- ") else stmt
        head = w if seed % 2 == 0 else "ph"
        return [" <statement>", " |- ( " + head + " -> " + w + " )", " <eos>", " more"]
    if prompt.endswith("<hard theorem>\n theorem"):
        if int(h[:8], 16) % 5 == 0:
            return [" : I", " do", " not", " know", "\n</hard theorem>"]
        h3 = digest(prompt, seed % 3)           # seeds 3 apart: the same conjecture
        name, v = h3[:6], int(h3[6:14], 16)
        return [" conj_" + name, " (n", " : Nat)", " : n + " + str(v % 7),
                " = " + str(v % 7) + " + n", " := by", "\n</hard theorem>", "\nmore"]
    lines = 2 + int(h[0], 16) % 4
    out = ["\n  tac_" + h[2 + 4 * i:6 + 4 * i] for i in range(lines)]
    return out + ["\n```", "\n\ntrailing text", " after the proof"]


def complete(prompt, seed, max_tokens, stop):
    """(text, finish_reason, tokens, matched stop)"""
    text, used = "", 0
    for piece in pieces_for(prompt, seed):
        if used >= max_tokens:
            return text, "length", used, None
        text += piece
        used += 1
        for s in stop:
            i = text.find(s)
            if s and i >= 0:
                return (text if ARGS.keep_stop else text[:i]), "stop", used, s
    return text, "stop", used, None


def embedding(text):
    h = hashlib.sha256(text.encode("utf-8")).digest()
    return [(b - 127.5) / 127.5 for b in h[:8]]


def error_body(status, message):
    f = ARGS.flavor
    if f == "sglang":
        return {"object": "error", "message": message, "type": "BadRequest", "param": None,
                "code": status}
    if f.startswith("llamacpp"):
        kind = {400: "invalid_request_error", 401: "authentication_error",
                404: "not_found_error", 501: "not_supported_error",
                503: "unavailable_error"}.get(status, "server_error")
        return {"error": {"code": status, "message": message, "type": kind}}
    return {"error": {"message": message, "type": "BadRequestError", "param": None,
                      "code": status}}


def completion_reply(req, quirk):
    prompt = req.get("prompt")
    n = req.get("n", 1)
    seed = req.get("seed")
    if not isinstance(prompt, str) or not isinstance(n, int) or seed is None:
        return 400, error_body(400, "prompt, n and seed are required here")
    if ARGS.max_prompt_chars and len(prompt) > ARGS.max_prompt_chars:
        return 400, error_body(400, "This model's maximum context length is %d tokens. However,"
                               " you requested %d tokens in the messages" %
                               (ARGS.max_prompt_chars, len(prompt)))
    f = ARGS.flavor
    if f == "llamacpp" and n != 1:
        return 500, error_body(500, "Only one completion choice is allowed")
    if f == "llamacpp-old":
        n = 1
    if quirk == "fewer" and n > 1:
        n -= 1
    stop = req.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    max_tokens = req.get("max_tokens", 16)
    choices, ctoks = [], 0
    for j in range(n):
        s = seed if f == "sglang" else seed + j
        text, fr, used, matched = complete(prompt, s, max_tokens, stop)
        ctoks += used
        if quirk == "abort":
            fr = "abort"
        if f == "vllm":
            choices.append({"index": j, "text": text, "logprobs": None, "finish_reason": fr,
                            "stop_reason": matched, "prompt_logprobs": None})
        elif f == "sglang":
            choices.append({"index": j, "text": text, "logprobs": None, "finish_reason": fr,
                            "matched_stop": matched if matched else 2, "hidden_states": None})
        else:
            choices.append({"text": text, "index": j, "logprobs": None, "finish_reason": fr})
    ptoks = len(prompt.split())
    rid = digest(prompt, seed, n)[:16]
    now = int(time.time())
    model = req.get("model", "")
    if f == "vllm":
        return 200, {"id": "cmpl-" + rid, "object": "text_completion", "created": now,
                     "model": model, "choices": choices,
                     "usage": {"prompt_tokens": ptoks, "total_tokens": ptoks + ctoks,
                               "completion_tokens": ctoks, "prompt_tokens_details": None},
                     "system_fingerprint": None, "kv_transfer_params": None}
    if f == "sglang":
        return 200, {"id": rid, "object": "text_completion", "created": now, "model": model,
                     "choices": choices,
                     "usage": {"prompt_tokens": ptoks, "total_tokens": ptoks + ctoks,
                               "completion_tokens": ctoks, "prompt_tokens_details": None,
                               "reasoning_tokens": 0},
                     "metadata": {"weight_version": "default"}}
    return 200, {"choices": choices, "created": now, "model": model,
                 "system_fingerprint": "b4000-0123abcd", "object": "text_completion",
                 "usage": {"completion_tokens": ctoks, "prompt_tokens": ptoks,
                           "total_tokens": ptoks + ctoks},
                 "id": "chatcmpl-" + rid,
                 "timings": {"prompt_n": ptoks, "prompt_ms": 1.5, "predicted_n": ctoks,
                             "predicted_ms": 2.5}}


def embedding_reply(req):
    if not ARGS.embeddings:
        if ARGS.flavor.startswith("llamacpp"):
            return 501, error_body(501, "This server does not support embeddings. Start it "
                                   "with `--embeddings`")
        return 404, {"detail": "Not Found"}
    text = req.get("input")
    if isinstance(text, list):
        text = text[0] if text else ""
    if not isinstance(text, str):
        return 400, error_body(400, "input is required")
    return 200, {"id": "embd-" + digest(text)[:16], "object": "list",
                 "created": int(time.time()), "model": req.get("model", ""),
                 "data": [{"index": 0, "object": "embedding", "embedding": embedding(text)}],
                 "usage": {"prompt_tokens": len(text.split()),
                           "total_tokens": len(text.split()), "completion_tokens": 0}}


def read_request(f):
    """(method, path, headers, body) or None at EOF."""
    line = f.readline()
    while line in (b"\r\n", b"\n"):
        line = f.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) < 2:
        return None
    headers = {}
    while True:
        h = f.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    body = f.read(n) if n else b""
    return parts[0], parts[1], headers, body


def send(conn, status, obj, extra=None, keep=True):
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
              429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
              503: "Service Unavailable"}.get(status, "Status")
    body = json.dumps(obj).encode("utf-8")
    head = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: application/json",
            "Content-Length: %d" % len(body)]
    head += extra or []
    head.append("Connection: " + ("keep-alive" if keep else "close"))
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def failure_for(k):
    if k in ARGS.fails_at:
        return ARGS.fails_at[k]
    for kind, every, arg in ARGS.fails:
        if every > 0 and k % every == 0:
            return kind, arg
    return None, None


def die_now():
    """Stop serving: the listener and every connection closed."""
    STATE["dead"] = True
    try:
        STATE["listener"].close()
    except OSError:
        pass
    for c in list(CONNS):
        try:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            c.close()
        except OSError:
            pass


def handle(conn):
    with LOCK:
        CONNS.add(conn)
    f = conn.makefile("rb")
    try:
        while True:
            req = read_request(f)
            if req is None:
                return
            method, path, headers, raw = req
            with LOCK:
                if STATE["dead"]:
                    return
                STATE["count"] += 1
                k = STATE["count"]
                if ARGS.die_after and k == ARGS.die_after:
                    STATE["revive"] = True
                    die_now()
                    return
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                body = None
            kind, arg = failure_for(k)
            if ARGS.log:
                with LOCK:
                    with open(ARGS.log, "a") as lf:
                        lf.write(json.dumps({"k": k, "t": time.time(), "path": path,
                                             "auth": headers.get("authorization"),
                                             "fail": kind, "body": body}) + "\n")
            keep = headers.get("connection", "").lower() != "close"
            if kind == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if kind == "slow":
                time.sleep(float(arg or 5))
            if kind == "429":
                send(conn, 429, error_body(429, "Too many requests"),
                     ["Retry-After: " + (arg or "1")], keep)
                continue
            if kind in ("500", "503"):
                send(conn, int(kind), error_body(int(kind), "scripted failure"), None, keep)
                continue
            if kind == "garbage":
                g = b"<html><body>502 Bad Gateway</body></html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                             + str(len(g)).encode() + b"\r\n\r\n" + g)
                continue
            if ARGS.api_key and headers.get("authorization") != "Bearer " + ARGS.api_key:
                send(conn, 401, {"error": "Unauthorized"}, None, keep)
                continue
            if not isinstance(body, dict):
                send(conn, 400, error_body(400, "the body is not a JSON object"), None, keep)
                continue
            if method == "GET" and path.rstrip("/").endswith("/v1/models"):
                name = served_model()
                data = [{"id": name, "object": "model", "created": 0, "owned_by": "vllm",
                         "root": name, "parent": None, "max_model_len": 4096}] if name else []
                send(conn, 200, {"object": "list", "data": data}, None, keep)
                continue
            served = served_model()
            if (served is not None and body.get("model") != served
                    and ARGS.flavor == "vllm"):
                send(conn, 404, {"error": {"message": "The model `%s` does not exist." %
                                           body.get("model"), "type": "NotFoundError",
                                           "param": "model", "code": 404}}, None, keep)
                continue
            if method != "POST":
                send(conn, 405, {"detail": "Method Not Allowed"}, None, keep)
                continue
            if path.endswith("/v1/completions"):
                status, obj = completion_reply(body, kind)
            elif path.endswith("/v1/embeddings"):
                status, obj = embedding_reply(body)
            else:
                status, obj = 404, {"detail": "Not Found"}
            if kind in ("truncate", "chunked", "eof") and status == 200:
                data = json.dumps(obj).encode("utf-8")
                half = data[:len(data) // 2]
                if kind == "truncate":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n"
                                 + half)
                elif kind == "chunked":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n"
                                 + ("%x\r\n" % len(data)).encode() + half)
                else:
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Connection: close\r\n\r\n" + half)
                return
            send(conn, status, obj, None, keep)
            if not keep:
                return
    except OSError:
        return
    finally:
        with LOCK:
            CONNS.discard(conn)
        try:
            conn.close()
        except OSError:
            pass


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(200):
        try:
            s.bind(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.05)
    else:
        s.bind(("127.0.0.1", port))
    s.listen(128)
    s.settimeout(0.1)
    return s


def main():
    global ARGS
    ARGS = parse_args()
    s = listen(ARGS.port)
    port = s.getsockname()[1]
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as pf:
        pf.write("%d\n" % port)
    os.rename(tmp, ARGS.port_file)
    while True:
        STATE["listener"] = s
        while not STATE["dead"]:
            try:
                conn, _ = s.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            conn.settimeout(None)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        if not STATE.get("revive") or ARGS.down_for < 0:
            os._exit(0)
        time.sleep(ARGS.down_for)
        with LOCK:
            STATE["dead"] = False
            STATE["revive"] = False
        s = listen(port)


if __name__ == "__main__":
    main()
