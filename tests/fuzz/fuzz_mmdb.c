/* fuzz_mmdb - the Metamath database reader and the kernel on its proofs */
#include "fuzz.h"
#include "mm/mm.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct mm_db *db;
	struct mm_work *w;
	struct mm_result res;

	fuzz_init();
	if (size > 1 << 16)
		return 0;
	db = mm_db_load_mem("fuzz.mm", (const char *)data, size, err, sizeof err);
	if (!db)
		return 0;
	{
		/* a small work area and step limit: the input is small */
		struct mm_limits lim = { 1u << 16, 1u << 16, 0 };
		w = mm_work_new(db, &lim);
	}
	for (int32_t s = 0; s < db->nstmts; s++)
		if (db->stmts[s].kind == MM_P)
			mm_verify_theorem(db, w, s, &res);
	mm_work_free(w);
	mm_db_free(db);
	return 0;
}
