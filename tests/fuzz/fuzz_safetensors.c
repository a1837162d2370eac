/* fuzz_safetensors - the checkpoint loader (header, metadata, tensors) */
#include "fuzz.h"
#include "model/model.h"
#include "model/tokenizer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	struct model *m;
	struct tokenizer *t;
	char err[512];

	fuzz_init();
	path = fuzz_file(data, size, ".safetensors");
	if (setjmp(fuzz_jmp) == 0 && model_load(path, 1, &m, &t, err, sizeof err) == 0) {
		model_free(m);
		tokenizer_free(t);
	}
	unlink(path);
	return 0;
}
