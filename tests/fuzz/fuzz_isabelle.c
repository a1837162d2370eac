/* fuzz_isabelle - the Isabelle server's message framing and the judgement of
 * its results (bytes from a socket), and the lexical screen of attempts */
#include <jansson.h>

#include "backend/isabelle.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data, *w;
	size_t off = 0, start, mlen, used, a;
	long line;
	int transient;

	fuzz_init();
	/* the screen and the context check read any text */
	w = isa_forbidden(b, size, &line);
	(void)w;
	(void)isa_bad_context(b, size);
	/* messages, one after another, as the client reads them */
	while (off < size && isa_find_message(b + off, size - off, 1 << 16, &start, &mlen,
	                                      &used) > 0) {
		const char *m = b + off + start;
		json_t *arg;
		isa_split(m, mlen, &a);
		if (a < mlen && (arg = json_loadb(m + a, mlen - a, JSON_DECODE_ANY, NULL))) {
			char *why = isa_judge(arg, "Attempt_1", 1, 300, &transient);
			free(why);
			json_decref(arg);
		}
		off += used;
	}
	return 0;
}
