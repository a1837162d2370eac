/*
 * fuzz_steps - a statement and a `steps` proof, on mm-pc's database: the
 * statement reader, the expander and the kernel. Input: the statement, a
 * newline, the proof. The database is $STP_PC_MM (data/mm-pc/pc.mm).
 */
#include "fuzz.h"
#include "mm/mm.h"
#include "mmsteps/grammar.h"
#include "mmsteps/steps.h"
#include "mmsteps/stmt.h"

static struct mm_db *db;
static struct mms_grammar *g;
static struct mms_parser *p;
static struct mms_expander *x;
static struct mm_work *w;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("STP_PC_MM");
	char err[512];

	(void)argc;
	(void)argv;
	db = mm_db_load(path ? path : "data/mm-pc/pc.mm", err, sizeof err, NULL);
	if (!db) {
		fprintf(stderr, "fuzz_steps: %s (set STP_PC_MM)\n", err);
		exit(1);
	}
	g = mms_grammar_new(db);
	p = mms_parser_new(g, 0);
	x = mms_expander_new(g, NULL);
	{
		struct mm_limits lim = { 1u << 16, 1u << 20, 0 };
		w = mm_work_new(db, &lim);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl, *proof;
	struct mms_stmt st;

	fuzz_init();
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	proof = nl ? nl + 1 : "";
	if (nl)
		*nl = '\0';
	if (mms_stmt_init(&st, db, p, db->nstmts, text, NULL, 0, NULL, 0)) {
		const int32_t *refs;
		uint32_t nrefs;
		struct mms_err merr;
		struct mm_result res;
		if (mms_expand(x, &st.goal, proof, strlen(proof), &refs, &nrefs, &merr) == 0)
			mm_verify_cand_refs(db, w, &st.cand, refs, nrefs, &res);
		mm_verify_cand_text(db, w, &st.cand, proof, strlen(proof), &res);
	}
	mms_stmt_release(&st);
	free(text);
	return 0;
}
