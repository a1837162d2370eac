/* fuzz_jsonl - the JSONL reader (plain and gzip) and the record parser */
#include "fuzz.h"
#include "jsonl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	char *files[1];
	struct jsonl_in *in;
	struct jsonl_err err;
	const char *line, *file;
	size_t len;
	long lineno;
	int r;

	fuzz_init();
	path = fuzz_file(data, size, ".jsonl");
	files[0] = (char *)path;
	in = jsonl_in_open(files, 1, 4096);
	if (setjmp(fuzz_jmp) == 0) {
		while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) != 0) {
			json_t *o;
			const char *s;
			json_t *a;
			if (r < 0)
				continue;
			o = jsonl_parse(line, len, file, lineno, &err);
			if (o) {
				jsonl_get_str(o, "id", 0, &s, file, lineno, &err);
				jsonl_get_strarray(o, "hyps", 0, &a, file, lineno, &err);
				json_decref(o);
			}
		}
	}
	jsonl_in_close(in);
	unlink(path);
	return 0;
}
