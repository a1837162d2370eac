#!/usr/bin/python3
"""isabelle_server.py - a scripted stand-in for the Isabelle server (`isabelle server`)

usage: python3 tests/peers/isabelle_server.py [--password PW] [--port N] [--log FILE]

It speaks the protocol of the Isabelle system manual, chapter "The Isabelle
server", as Isabelle/Scala's Server and Byte_Message implement it:

  - its first output line is the one `isabelle server` prints:
        server "test" = 127.0.0.1:PORT (password "PW")
  - a connection's first line is the password: a wrong one is disconnected
    silently; the right one gets OK {"isabelle_id":...,"isabelle_name":...}
  - messages either way are a line, or a line of decimal digits N and then
    N bytes (the server reads both; it writes a message over 100 bytes, or
    one holding a newline, as N = length + 1, the message, a newline)
  - "NAME ARGUMENT": unknown commands answer ERROR "Bad command 'NAME'"
  - help, echo, cancel, shutdown are synchronous; session_start,
    session_stop, use_theories are tasks: OK {"task":ID} at once, NOTEs,
    then FINISHED {...,"task":ID} or FAILED {"kind":"error","message":...,
    "task":ID}; cancel makes a running task FAIL with "Interrupt";
    purge_theories answers OK {"purged":[...],"retained":[...]}
  - session_start knows the sessions HOL, HOL-Library and Main; it makes a
    tmp_dir of its own, removed by session_stop
  - use_theories reads each theory file from master_dir (theory NAME ->
    master_dir/NAME.thy), checks that its header names NAME, and "checks"
    the text: it knows no Isabelle, so a proof is correct unless markers in
    the text ask otherwise (below). The result has the shape of
    use_theories_results: {"ok", "errors", "nodes": [{"node_name",
    "theory_name", "status": {"ok","total","unprocessed","running","warned",
    "failed","finished","canceled","consolidated","percentage"},
    "messages", "exports"}]}; messages are {"kind","message","pos":{"line",
    "offset","end_offset","file"}}. check_delay x check_limit is the time
    limit: past it the node is not consolidated (as Headless.use_theories
    does beyond its limit). `sorry` and `oops` are accepted silently, as
    the interactive server does.

Markers (anywhere in the theory text):
  isa:error=TEXT     an error message (the rest of the line) at its line
  isa:warn=TEXT      a warning message
  isa:sleep=SEC      the check takes SEC seconds (the server's time limit
                     applies; a cancel interrupts it)
  isa:slow=SEC       the check takes SEC seconds whatever the server's time
                     limit (a cancel interrupts it)
  isa:hang           the task never ends, whatever the limits or a cancel
  isa:close          the server closes the connection instead of answering
  isa:die            the server process exits
  isa:long=KB        a writeln message of KB kilobytes (a long reply)
  isa:canceled       the node's status says a command was canceled
  isa:garbage        answer FINISHED with an argument that is no JSON
  isa:trickle        the reply is written a few bytes at a time
  isa:crlf           the reply's lines end in CR-LF

Flags: --remote makes session_start answer a tmp_dir that does not exist
here, as a server on another machine would. --log FILE appends every command received, one line
each ("NAME ARGUMENT"), and "file NAME.thy: TEXT" (the text as JSON) for
every theory read.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid

SESSIONS = {"HOL", "HOL-Library", "Main"}


class Conn:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.rfile = sock.makefile("rb")
        self.lock = threading.Lock()
        self.tasks = {}          # id -> threading.Event (cancel)
        self.closed = False

    # -- byte messages
    def write_raw(self, data, trickle=False):
        with self.lock:
            if self.closed:
                return
            try:
                if trickle:
                    for i in range(0, len(data), 5):
                        self.sock.sendall(data[i:i + 5])
                        time.sleep(0.001)
                else:
                    self.sock.sendall(data)
            except OSError:
                self.closed = True

    def reply(self, name, arg=None, trickle=False, crlf=False):
        msg = name if arg is None else name + " " + json.dumps(arg, separators=(",", ":"))
        b = msg.encode("utf-8")
        nl = b"\r\n" if crlf else b"\n"
        if len(b) > 100 or b"\n" in b:
            data = str(len(b) + len(nl)).encode() + nl + b + nl
        else:
            data = b + nl
        self.write_raw(data, trickle)

    def read_message(self):
        line = self.rfile.readline()
        if not line:
            return None
        line = line.rstrip(b"\n").rstrip(b"\r")
        if line and line.isdigit():
            n = int(line)
            block = self.rfile.read(n)
            if len(block) < n:
                return None
            if block.endswith(b"\n"):
                block = block[:-1]
            if block.endswith(b"\r"):
                block = block[:-1]
            line = block
            self.server.log("long %d" % n)
        return line.decode("utf-8")

    def close(self):
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    # -- the loop
    def run(self):
        pw = self.rfile.readline()
        if pw.rstrip(b"\r\n").decode("utf-8", "replace") != self.server.password:
            self.server.log("password refused")
            self.close()
            return
        self.reply("OK", {"isabelle_id": "0a1b2c3d4e5f", "isabelle_name": "Isabelle2024"})
        while True:
            try:
                msg = self.read_message()
            except (OSError, ValueError):
                msg = None
            if msg is None:
                break
            m = re.match(r"[A-Za-z0-9_.]*", msg)
            name = m.group(0)
            argtext = msg[len(name):].lstrip(" \t")
            self.server.log(msg)
            if msg == "":
                self.reply("NOTE", "Command 'help' provides list of commands")
                continue
            try:
                arg = json.loads(argtext) if argtext else None
            except ValueError:
                self.reply("ERROR", {"kind": "error",
                                     "message": "Malformed argument for command '%s'" % name,
                                     "argument": argtext})
                continue
            handler = getattr(self, "cmd_" + name, None)
            if handler is None:
                self.reply("ERROR", "Bad command '%s'" % name)
                continue
            handler(arg)
        # the connection is gone: its tasks are cancelled, as the server does
        for ev in list(self.tasks.values()):
            ev.set()
        self.closed = True

    def task(self, body, arg):
        tid = str(uuid.uuid4())
        ev = threading.Event()
        self.tasks[tid] = ev
        self.reply("OK", {"task": tid})

        def run():
            try:
                body(tid, ev, arg)
            finally:
                self.tasks.pop(tid, None)
        threading.Thread(target=run, daemon=True).start()

    def bad(self, name, arg):
        self.reply("ERROR", {"kind": "error", "message": "Bad argument for command '%s'" % name,
                             "argument": json.dumps(arg)})

    # -- synchronous commands
    def cmd_help(self, arg):
        self.reply("OK", sorted(["cancel", "echo", "help", "purge_theories", "session_build",
                                 "session_start", "session_stop", "shutdown", "use_theories"]))

    def cmd_echo(self, arg):
        self.reply("OK", arg)

    def cmd_shutdown(self, arg):
        self.reply("OK")
        os._exit(0)

    def cmd_cancel(self, arg):
        if not isinstance(arg, dict) or not isinstance(arg.get("task"), str):
            return self.bad("cancel", arg)
        ev = self.tasks.get(arg["task"])
        if ev is not None:
            ev.set()
        self.reply("OK")

    def cmd_purge_theories(self, arg):
        if not isinstance(arg, dict) or not isinstance(arg.get("session_id"), str):
            return self.bad("purge_theories", arg)
        s = self.server.sessions.get(arg["session_id"])
        if s is None:
            return self.reply("ERROR", {"kind": "error",
                                        "message": "No session '%s'" % arg["session_id"]})
        master = arg.get("master_dir") or s["tmp_dir"]
        purged = []
        for t in arg.get("theories", []):
            path = os.path.join(master, t + ".thy")
            if path in s["loaded"]:
                s["loaded"].discard(path)
                purged.append({"node_name": path, "theory_name": "Draft." + t})
        self.reply("OK", {"purged": purged, "retained": []})

    # -- tasks
    def cmd_session_start(self, arg):
        if not isinstance(arg, dict) or not isinstance(arg.get("session"), str):
            return self.bad("session_start", arg)

        def body(tid, ev, a):
            name = a["session"]
            self.reply("NOTE", {"kind": "writeln", "message": "Session %s" % name,
                                "verbose": "false", "task": tid})
            if name not in SESSIONS:
                self.reply("FAILED", {"kind": "error",
                                      "message": "Undefined session(s): \"%s\"" % name,
                                      "task": tid})
                return
            sid = str(uuid.uuid4())
            tmp = ("/nonexistent/isabelle-server-" + sid if self.server.remote
                   else tempfile.mkdtemp(prefix="isabelle-server-"))
            self.server.sessions[sid] = {"tmp_dir": tmp, "loaded": set()}
            self.server.log("session %s started" % sid)
            self.reply("FINISHED", {"session_id": sid, "tmp_dir": tmp, "task": tid})
        self.task(body, arg)

    def cmd_session_stop(self, arg):
        if not isinstance(arg, dict) or not isinstance(arg.get("session_id"), str):
            return self.bad("session_stop", arg)

        def body(tid, ev, a):
            s = self.server.sessions.pop(a["session_id"], None)
            if s is None:
                self.reply("FAILED", {"kind": "error",
                                      "message": "No session '%s'" % a["session_id"],
                                      "task": tid})
                return
            shutil.rmtree(s["tmp_dir"], ignore_errors=True)
            self.server.log("session %s stopped" % a["session_id"])
            self.reply("FINISHED", {"ok": True, "return_code": 0, "task": tid})
        self.task(body, arg)

    def cmd_use_theories(self, arg):
        if (not isinstance(arg, dict) or not isinstance(arg.get("session_id"), str) or
                not isinstance(arg.get("theories"), list)):
            return self.bad("use_theories", arg)
        self.task(self.use_theories, arg)

    def use_theories(self, tid, ev, a):
        s = self.server.sessions.get(a["session_id"])
        if s is None:
            self.reply("FAILED", {"kind": "error",
                                  "message": "No session '%s'" % a["session_id"], "task": tid})
            return
        master = a.get("master_dir") or s["tmp_dir"]
        delay = float(a.get("check_delay", 0.5))
        limit = int(a.get("check_limit", 0))
        budget = delay * limit if limit > 0 else None
        nodes, errors, missing = [], [], []
        trickle = crlf = garbage = False
        for t in a["theories"]:
            path = os.path.join(master, t + ".thy")
            self.reply("NOTE", {"kind": "writeln", "message": "theory Draft." + t,
                                "theory": "Draft." + t, "session": "", "task": tid})
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                missing.append({"kind": "error", "message": "No such file: \"%s\"" % path,
                                "pos": {}})
                continue
            self.server.log("file %s.thy: %s" % (t, json.dumps(text)))
            s["loaded"].add(path)
            trickle = trickle or "isa:trickle" in text
            crlf = crlf or "isa:crlf" in text
            garbage = garbage or "isa:garbage" in text
            if "isa:die" in text:
                self.server.cleanup()
                os._exit(3)
            if "isa:close" in text:
                self.close()
                return
            if "isa:hang" in text:
                while not self.closed:
                    time.sleep(0.05)
                return
            m = re.search(r"isa:(sleep|slow)=([0-9.]+)", text)
            consolidated = True
            if m:
                want = float(m.group(2))
                wait = want if budget is None or m.group(1) == "slow" else min(want, budget)
                if ev.wait(wait):
                    self.reply("FAILED", {"kind": "error", "message": "Interrupt", "task": tid})
                    return
                consolidated = wait >= want
            node = self.check(t, path, text, consolidated)
            nodes.append(node)
            errors += [m for m in node["messages"] if m["kind"] == "error"]
        if ev.is_set():
            self.reply("FAILED", {"kind": "error", "message": "Interrupt", "task": tid})
            return
        result = {"ok": all(n["status"]["ok"] for n in nodes) and not missing,
                  "errors": missing + errors, "nodes": nodes, "task": tid}
        if garbage:
            self.write_raw(b"FINISHED {\"ok\": tru\n")
            return
        self.reply("FINISHED", result, trickle=trickle, crlf=crlf)

    def check(self, name, path, text, consolidated):
        """The node of one theory file: its status and messages."""
        lines = text.split("\n")
        msgs = []

        def pos(line, col=0):
            off = sum(len(l) + 1 for l in lines[:line - 1]) + col + 1
            return {"line": line, "offset": off, "end_offset": off + 1, "file": path}
        first = lines[0] if lines else ""
        if not re.match(r"theory\s+" + re.escape(name) + r"\b", first):
            msgs.append({"kind": "error", "pos": pos(1),
                         "message": "Bad theory name \"%s\" for file \"%s\"" % (
                             first.split()[1] if len(first.split()) > 1 else "", path)})
        ncmd = 0
        for i, l in enumerate(lines):
            ncmd += 1 if l.strip() else 0
            for kind, mk in (("error", "isa:error="), ("warning", "isa:warn=")):
                c = l.find(mk)
                if c >= 0:
                    msgs.append({"kind": kind, "pos": pos(i + 1, c),
                                 "message": l[c + len(mk):].strip()})
            m = re.search(r"isa:long=([0-9]+)", l)
            if m:
                n = int(m.group(1)) * 1024
                body = ("theorem foo: \"x = x\" by simp \\<open>\u2200x. x\\<close>\n" * (n // 32 + 1))
                msgs.append({"kind": "writeln", "pos": pos(i + 1), "message": body[:n]})
        if not text.rstrip().endswith("end"):
            msgs.append({"kind": "error", "pos": pos(len(lines)),
                         "message": "Malformed theory: missing \"end\""})
        failed = sum(1 for m in msgs if m["kind"] == "error")
        warned = sum(1 for m in msgs if m["kind"] == "warning")
        canceled = "isa:canceled" in text
        status = {"ok": failed == 0, "total": ncmd,
                  "unprocessed": 0 if consolidated else 1, "running": 0 if consolidated else 1,
                  "warned": warned, "failed": failed,
                  "finished": ncmd - failed - (0 if consolidated else 2),
                  "canceled": canceled, "consolidated": consolidated,
                  "percentage": 100 if consolidated else 50}
        return {"node_name": path, "theory_name": "Draft." + name, "status": status,
                "messages": msgs, "exports": []}


class Server:
    def __init__(self, password, port, logfile, remote=False):
        self.password = password
        self.remote = remote
        self.sessions = {}
        self.logfile = logfile
        self.loglock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]

    def log(self, line):
        if not self.logfile:
            return
        with self.loglock:
            with open(self.logfile, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def cleanup(self):
        for s in list(self.sessions.values()):
            shutil.rmtree(s["tmp_dir"], ignore_errors=True)

    def serve(self):
        while True:
            s, _ = self.sock.accept()
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Conn(self, s)
            threading.Thread(target=c.run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--password", default=str(uuid.uuid4()))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--name", default="test")
    ap.add_argument("--remote", action="store_true")
    a = ap.parse_args()
    srv = Server(a.password, a.port, a.log, a.remote)
    print('server "%s" = 127.0.0.1:%d (password "%s")' % (a.name, srv.port, a.password),
          flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.serve()
    except KeyboardInterrupt:
        pass
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
