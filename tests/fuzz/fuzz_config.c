/* fuzz_config - the YAML configuration reader and its typed getters */
#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	static const char *const keys[] = { "jobs", "db", "timeout", NULL };
	struct config *volatile c = NULL;

	fuzz_init();
	path = fuzz_file(data, size, ".yaml");
	if (setjmp(fuzz_jmp) == 0) {
		long v;
		double d;
		int b;
		const char *s;
		const char *const *l;
		size_t n;
		c = config_load(path);
		config_int(c, "verify.jobs", &v, 1, 1024);
		config_double(c, "verify.timeout", &d, 0, 1e9);
		config_bool(c, "reward.wasserstein", &b);
		config_str(c, "verify.db", &s);
		config_strlist(c, "openai.endpoints", &l, &n);
		config_check_keys(c, "verify", keys);
		config_check_sections(c);
	}
	/* a getter that died left c to us; config_load cleans up after itself */
	config_free(c);
	unlink(path);
	return 0;
}
