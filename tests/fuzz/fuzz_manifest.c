/* fuzz_manifest - a shard set's manifest, checked against its (absent or
 * empty) shards */
#include <sys/stat.h>

#include "fuzz.h"
#include "shard.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[64], path[128], msg[512];
	FILE *f;

	fuzz_init();
	snprintf(dir, sizeof dir, "/tmp/stp-fuzz-sh.%ld", (long)getpid());
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/examples.manifest.json", dir);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (setjmp(fuzz_jmp) == 0)
		shard_verify(dir, "examples", msg, sizeof msg);
	unlink(path);
	return 0;
}
