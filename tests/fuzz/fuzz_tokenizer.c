/* fuzz_tokenizer - a vocabulary read from a checkpoint's metadata, and text
 * encoded and decoded with it: input "VOCAB\0TEXT" */
#include "fuzz.h"
#include "model/tokenizer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2), err[256], *text, *unk = NULL, *back;
	struct tokenizer *t;
	int *ids = NULL, n = 0;

	fuzz_init();
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	text = buf + strlen(buf) + 1;
	if ((t = tokenizer_parse(buf, err, sizeof err))) {
		if (tokenizer_encode(t, text, &ids, &n, &unk) == 0) {
			back = tokenizer_decode(t, ids, n);
			free(back);
		}
		free(ids);
		free(unk);
		tokenizer_free(t);
	}
	free(buf);
	return 0;
}
