/* fuzz_jscan - the zero-copy record scanner, its typed getters and emit */
#include "fuzz.h"
#include "jscan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jscan js;
	static int ready;
	static const char *const drop[] = { "ok", "error", NULL };
	struct jsonl_err err;
	const char *s, **v;
	size_t n, nv, len = 0, cap = 0;
	char *out = NULL;

	fuzz_init();
	if (!ready) {
		jscan_init(&js);
		ready = 1;
	}
	if (jscan_object(&js, (const char *)data, size, "f", 1, &err) < 0)
		return 0;
	jscan_str(&js, "id", 0, &s, &n, "f", 1, &err);
	jscan_str(&js, "proof", 0, &s, &n, "f", 1, &err);
	jscan_strarray(&js, "hyps", 0, &v, &nv, "f", 1, &err);
	jscan_emit(&js, drop, "\"ok\":true", 9, &out, &len, &cap);
	free(out);
	return 0;
}
