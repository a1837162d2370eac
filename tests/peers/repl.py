#!/usr/bin/python3
"""repl.py - a scripted stand-in for the Lean 4 REPL (leanprover-community/repl)

usage: python3 tests/peers/repl.py          (as stp-verify --lean-cmd)

It speaks the REPL's protocol as its README and REPL/Main.lean describe it:
a request is JSON over lines up to a blank line (lines joined, as getLines
does); a line starting with '#' or '--' is a comment and gets no reply; the
end of input ends it. A reply is the object pretty-printed over several lines
the way Lean's Json.pretty lays it out, as the REPL's own tests expect it
(test/*.expected.out: keys in reverse order, "sorries", "messages", "env";
continuation lines indented; no blank line inside), then a blank line. Commands without "env"
make a new environment, with "env" extend that one; environment numbers
count up from 0 in each process; an unknown one is {"message": "Unknown
environment."}; unparsable input is {"message": "Could not parse JSON:\\n..."}.

It knows no Lean. A command declares the theorem it names ("theorem NAME",
"lemma NAME" or "def NAME"); `#print axioms NAME` answers as Lean does ("'NAME' depends on
axioms: [...]"). A proof is correct unless its text asks otherwise; markers
in the command text ask for the failure modes:

  sorry              a sorry (with its proof state) and the warning Lean gives
                     ("declaration uses `sorry`"); the theorem depends on sorryAx
  native_decide      the theorem depends on Lean.ofReduceBool
  repl:axiom=NAME    the theorem depends on the axiom NAME too
  repl:noaxioms      the theorem depends on no axiom
  repl:error=TEXT    an error message (TEXT up to the end of the line)
  repl:warn=TEXT     a warning message
  repl:info=TEXT     an information message
  repl:fail=TEXT     the REPL's own error: {"message": TEXT}
  repl:sleep=SEC     sleep before answering (a time-out)
  repl:oom=MB        take MB megabytes, then sleep (the memory limit)
  repl:crash         die by SIGSEGV without answering
  repl:crash-mid     write half a reply, then die
  repl:exit          exit quietly without answering (output closed)
  repl:garbage       answer with text that is no JSON
  repl:noise         print a line that is no JSON before the reply (as a
                     REPL built with debugging output does)
  repl:trickle       write the reply a few bytes at a time (partial reads)
  repl:internal      the tactics' usedConstants include compiler-internal names

"allTactics": true gives one tactic per line of the proof after the
statement's line, each with "usedConstants": the dotted names in that line.

`#print axioms NAME` answers as Lean's Lean.Elab.Print does: an info message
"'NAME' depends on axioms: [...]", the axioms in Lean's Name.lt order (names
with fewer components first: [propext, sorryAx, Classical.choice,
Quot.sound]), or "'NAME' does not depend on any axioms". A theorem depends on
its own axioms and on those of every constant of the environment its text
names: a header's declaration whose text holds "sorry" (a PutnamBench
solution left as sorry) depends on sorryAx, and so does every theorem that
names it.

Environment: REPL_LOG=FILE appends every request (one line each) to FILE;
REPL_PIDS=DIR creates DIR/PID while the process runs (to check that none is
left behind). The header (a command without "env") may carry
repl:header-error, repl:header-sleep=SEC, repl:header-crash.
"""
import json
import os
import re
import signal
import sys
import time

GOOD = ["Classical.choice", "Quot.sound", "propext"]


def pretty(v, indent=0, width=80):
    """Lay v out like Lean's Json.pretty: compact when it fits, else one
    entry per line, a long value under its key; keys in reverse order."""
    flat = render_flat(v)
    if len(flat) + indent <= width or not isinstance(v, (dict, list)) or not v:
        return flat
    pad = " " * (indent + 1)
    if isinstance(v, list):
        items = [pretty(x, indent + 1, width) for x in v]
        return "[" + (",\n" + pad).join(items) + "]"
    parts = []
    for k in sorted(v, reverse=True):
        key = json.dumps(k, ensure_ascii=False) + ":"
        val_flat = render_flat(v[k])
        if len(pad) + len(key) + 1 + len(val_flat) <= width:
            parts.append(key + " " + val_flat)
        else:
            parts.append(key + "\n" + pad + pretty(v[k], indent + 1, width))
    return "{" + (",\n" + pad).join(parts) + "}"


def render_flat(v):
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + render_flat(v[k])
                               for k in sorted(v, reverse=True)) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(render_flat(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def write(text, trickle=False):
    out = sys.stdout
    if trickle:
        for i in range(0, len(text), 7):
            out.write(text[i:i + 7])
            out.flush()
            time.sleep(0.001)
    else:
        out.write(text)
    out.flush()


def reply(obj, trickle=False, noise=False):
    text = pretty(obj) + "\n\n"
    if noise:
        text = "Processing incremental state [pos: 0..12]:\n" + text
    write(text, trickle)


def marker(cmd, name):
    m = re.search(r"repl:" + re.escape(name) + r"=([^\n]*)", cmd)
    return m.group(1).strip() if m else None


def pos(line, col):
    return {"line": line, "column": col}


def message(sev, text, line=1, col=0, width=1):
    return {"severity": sev, "pos": pos(line, col), "endPos": pos(line, col + width),
            "data": text}


def find_line(cmd, word):
    for i, l in enumerate(cmd.split("\n")):
        c = l.find(word)
        if c >= 0:
            return i + 1, c
    return 1, 0


def lookup(envs, env, name):
    """The axioms of name as declared in env or an environment it extends."""
    while env is not None:
        parent, decls = envs[env]
        if name in decls:
            return decls[name]
        env = parent
    return None


def named(envs, env, text):
    """The axioms of the constants of env (and the environments it extends)
    that text names."""
    out = set()
    while env is not None:
        parent, decls = envs[env]
        for name, axioms in decls.items():
            if re.search(r"(?<![\w.'])" + re.escape(name) + r"(?![\w'])", text):
                out |= set(axioms)
        env = parent
    return out


def name_order(name):
    """Lean's Name.lt: a name with fewer components first, then component by
    component."""
    parts = name.split(".")
    return (len(parts), parts)


DECL = re.compile(r"\b(?:theorem|lemma|def|abbrev)\s+([^\s:({\[]+)")


def header_decls(cmd):
    """The declarations of a header: {name: axioms}, sorryAx for one whose
    text holds "sorry"."""
    decls = {}
    found = list(DECL.finditer(cmd))
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(cmd)
        decls[m.group(1)] = ["sorryAx"] if re.search(r"\bsorry\b", cmd[m.start():end]) else []
    return decls


def main():
    envs = []            # each: (parent env or None, {name: axioms} declared in it)
    log = os.environ.get("REPL_LOG")
    piddir = os.environ.get("REPL_PIDS")
    if piddir:
        open(os.path.join(piddir, str(os.getpid())), "w").close()
    stdin = sys.stdin
    while True:
        lines = []
        while True:
            line = stdin.readline()
            if line.strip() == "":
                break
            lines.append(line.rstrip())
        query = "".join(lines)
        if query == "":
            return 0
        if log:
            with open(log, "a") as f:
                f.write(query + "\n")
        if query.startswith("#") or query.startswith("--"):
            continue
        try:
            req = json.loads(query)
        except ValueError as e:
            reply({"message": "Could not parse JSON:\n" + str(e)})
            continue
        if not isinstance(req, dict) or "cmd" not in req:
            reply({"message": "Could not parse as a valid JSON command:\nno 'cmd'"})
            continue
        cmd = req["cmd"]
        trickle = "repl:trickle" in cmd
        noise = "repl:noise" in cmd
        if "env" in req and req["env"] is not None:
            if not isinstance(req["env"], int) or not 0 <= req["env"] < len(envs):
                reply({"message": "Unknown environment."})
                continue
            parent = req["env"]
            decls = {}
        else:
            # a header: imports and opens
            s = marker(cmd, "header-sleep")
            if s:
                time.sleep(float(s))
            if "repl:header-crash" in cmd:
                os.kill(os.getpid(), signal.SIGSEGV)
            decls = header_decls(cmd)
            envs.append((None, decls))
            out = {"env": len(envs) - 1}
            msgs = []
            for name, axioms in decls.items():
                if axioms:
                    l, c = find_line(cmd, name)
                    msgs.append(message("warning", "declaration uses `sorry`", l, 0))
            if "repl:header-error" in cmd:
                l, c = find_line(cmd, "repl:header-error")
                msgs.append(message("error", "unknown module prefix 'Nonexistent'", l, c))
            if msgs:
                out["messages"] = msgs
            reply(out)
            continue

        # the failure modes that are not Lean's answers
        s = marker(cmd, "sleep")
        if s:
            time.sleep(float(s))
        s = marker(cmd, "oom")
        if s:
            hog = b"\x01" * (int(s) << 20)
            time.sleep(60)
            del hog
        if "repl:crash-mid" in cmd:
            write('{"env": 3,\n "messages":\n [{"severity": "error",\n')
            os.kill(os.getpid(), signal.SIGSEGV)
        if "repl:crash" in cmd:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "repl:exit" in cmd:
            sys.stdout.close()
            os._exit(0)
        if "repl:garbage" in cmd:
            write("uncaught exception: <garbage>\n{\"env\": \n\n")
            continue
        s = marker(cmd, "fail")
        if s:
            reply({"message": s}, trickle, noise)
            continue

        out = {"env": len(envs)}
        msgs = []
        m = re.match(r"\s*#print\s+axioms\s+(\S+)", cmd)
        if m:
            name = m.group(1)
            found = lookup(envs, parent, name)
            if found is None:
                msgs.append(message("error", "unknown constant '%s'" % name, 1, 15))
            elif found:
                msgs.append(message("info", "'%s' depends on axioms: [%s]" %
                                    (name, ", ".join(sorted(found, key=name_order))), 1, 0, 13))
            else:
                msgs.append(message("info", "'%s' does not depend on any axioms" % name,
                                    1, 0, 13))
        else:
            m = re.search(r"\b(?:theorem|lemma|def)\s+([^\s:({\[]+)", cmd)
            axioms = [] if "repl:noaxioms" in cmd else list(GOOD)
            axioms += sorted(named(envs, parent, cmd))
            if m and lookup(envs, parent, m.group(1)) is not None:
                msgs.append(message("error", "'%s' has already been declared" % m.group(1), 1, 8))
            for kind, sev in (("error", "error"), ("warn", "warning"), ("info", "info")):
                s = marker(cmd, kind)
                if s:
                    l, c = find_line(cmd, "repl:" + kind)
                    msgs.append(message(sev, s, l, c))
            if re.search(r"\bsorry\b", cmd):
                l, c = find_line(cmd, "sorry")
                out["sorries"] = [{"pos": pos(l, c), "endPos": pos(l, c + 5),
                                   "goal": "⊢ True", "proofState": 0}]
                msgs.append(message("warning", "declaration uses `sorry`", 1, 0, 7))
                axioms.append("sorryAx")
            if "native_decide" in cmd:
                axioms.append("Lean.ofReduceBool")
            s = marker(cmd, "axiom")
            if s:
                axioms.append(s)
            if m:
                decls[m.group(1)] = sorted(set(axioms))
            if req.get("allTactics"):
                tactics = []
                for i, l in enumerate(cmd.split("\n")[1:]):
                    if not l.strip():
                        continue
                    used = re.findall(r"[A-Za-z_][A-Za-z0-9_']*(?:\.[A-Za-z0-9_']+)+", l)
                    if "repl:internal" in l and m:
                        used += ["_private.Foo.0.bar", m.group(1) + ".proof_1", "Foo.match_1",
                                 "_auxLemma.3", m.group(1)]
                    tactics.append({"tactic": l.strip(), "proofState": i,
                                    "pos": pos(i + 2, 2), "endPos": pos(i + 2, len(l)),
                                    "goals": "⊢ True", "usedConstants": used})
                if tactics:
                    out["tactics"] = tactics
        if msgs:
            out["messages"] = msgs
        envs.append((parent, decls))
        reply(out, trickle, noise)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
