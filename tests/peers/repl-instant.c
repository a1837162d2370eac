/*
 * repl-instant.c - a Lean REPL stand-in that answers at once, to measure
 * stp-verify's own cost per attempt (the pool, the protocol, the records)
 *
 * usage: cc -O2 -o repl-instant tests/peers/repl-instant.c && stp-verify
 *        --backend lean --lean-cmd 'exec ./repl-instant' ...
 *
 * The REPL's framing (a request is lines up to a blank line; a reply is
 * pretty-printed JSON over several lines, then a blank line) with the least
 * work behind it: a command without "env" (a header) gets {"env": N}; a
 * `#print axioms NAME` gets Lean's info message for a theorem that depends
 * on propext only; any other command gets a new environment and one tactic
 * with its usedConstants. Every proof is correct.
 */
#include <stdio.h>
#include <string.h>

int
main(void)
{
	static char req[1 << 22], line[1 << 20];
	long env = 0;

	for (;;) {
		size_t n = 0;
		int eof = 0;
		for (;;) {
			const char *p = line;
			if (!fgets(line, sizeof line, stdin)) {
				eof = 1;
				break;
			}
			while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
				p++;
			if (!*p)
				break;
			size_t k = strlen(line);
			if (n + k < sizeof req) {
				memcpy(req + n, line, k);
				n += k;
			}
		}
		if (n == 0) {
			if (eof)
				return 0;
			continue;
		}
		req[n] = '\0';
		if (!strstr(req, "\"env\"")) {
			printf("{\"env\": %ld}\n\n", env++);
		} else if (strstr(req, "#print axioms ")) {
			char name[256] = "";
			sscanf(strstr(req, "#print axioms ") + 14, "%255[^\"\\ ]", name);
			printf("{\"messages\":\n [{\"severity\": \"info\",\n   \"pos\": {\"line\": 1, "
			       "\"column\": 0},\n   \"endPos\": {\"line\": 1, \"column\": 6},\n   "
			       "\"data\": \"'%s' depends on axioms: [propext]\"}],\n \"env\": %ld}\n\n",
			       name, env++);
		} else {
			printf("{\"tactics\":\n [{\"usedConstants\": [\"True.intro\"],\n   \"tactic\": "
			       "\"trivial\",\n   \"proofState\": 0,\n   \"pos\": {\"line\": 2, \"column\": "
			       "2},\n   \"goals\": \"⊢ True\",\n   \"endPos\": {\"line\": 2, \"column\": 9}}],"
			       "\n \"env\": %ld}\n\n", env++);
		}
		fflush(stdout);
		if (eof)
			return 0;
	}
}
