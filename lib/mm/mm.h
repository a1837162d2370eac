/*
 * mm.h - the Metamath kernel: the trusted base of stp
 *
 * Everything that decides "this proof is correct" lives in lib/mm/ and
 * nowhere else. It depends on libc alone (no JSON, no configuration, no
 * model), so that it can be reviewed in one sitting. The rules are those of
 * the Metamath book (Megill & Wheeler, 2019), chapter 4 ("The Metamath
 * Language"), which the comments cite as "spec 4.x".
 *
 * Use:
 *   struct mm_db *db = mm_db_load("set.mm", &err);      // once
 *   struct mm_work *w = mm_work_new(db, &limits);       // one per thread
 *   mm_verify_theorem(db, w, stmt, &res);               // a database proof
 *   mm_cand_init(&c, db, context, stmt, hyps, nhyps, dv, ndv, &res);
 *   mm_verify_cand_text(db, w, &c, proof, &res);        // an untrusted candidate
 *
 * A loaded database is immutable: any number of threads may verify against it
 * at once, each with its own struct mm_work.
 *
 * Ownership: mm_db_load() returns a database the caller frees with
 * mm_db_free(); every pointer into it (names, expressions) lives as long as
 * the database. Results (struct mm_result) are caller-owned storage.
 */
#ifndef STP_MM_H
#define STP_MM_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t mm_sym;        /* math symbol: index into db->syms */

enum mm_symkind {
	MM_CONST = 1,
	MM_VAR = 2,
};

struct mm_symbol {
	const char *name;      /* NUL-terminated; owned by the database */
	uint8_t kind;          /* MM_CONST or MM_VAR */
	int32_t global_f;      /* MM_VAR: the outermost-scope $f of this variable, or -1 */
	int32_t decl;          /* statement count when first declared: a candidate with
	                          context c may use the symbol iff decl <= c */
};

/* Kinds of labelled statements. */
enum mm_kind {
	MM_F = 'f',            /* floating hypothesis: typecode variable */
	MM_E = 'e',            /* essential hypothesis */
	MM_A = 'a',            /* axiom */
	MM_P = 'p',            /* theorem */
};

/* stmt flags */
#define MM_SYNTAX   0x01   /* an assertion whose typecode is a variable type (wff, class...):
	                      syntax axioms, and syntax theorems ($p) such as set.mm's weq */
#define MM_GLOBAL   0x02   /* declared in the outermost scope */

struct mm_stmt {
	const char *label;     /* NUL-terminated; owned by the database */
	uint32_t expr;         /* offset in db->pool: typecode, then the math symbols */
	uint32_t len;          /* symbols in the expression, typecode included */
	char kind;             /* enum mm_kind */
	uint8_t flags;         /* MM_SYNTAX, MM_GLOBAL */
	uint16_t file;         /* index into db->files (mm_stmt_line() gives the line) */
	/* assertions ($a, $p): the frame (spec 4.2.7) */
	uint32_t hyps;         /* offset in db->ilist: mandatory hypotheses, database order */
	uint32_t nhyps;
	uint32_t dv;           /* offset in db->dvpool: mandatory $d pairs (may repeat) */
	uint32_t ndv;
	uint32_t frame;        /* offset in db->frames: the mandatory hypotheses again, unpacked */
	int32_t proof;         /* $p: index into db->proofs; otherwise -1 */
};

/* How a $p's proof was written, resolved against the scope of the theorem
 * when the database was read (spec 4.3). */
struct mm_proofsrc {
	uint32_t xdv;          /* offset in db->dvpool: every $d pair active at the theorem
	                          (unsorted, may repeat; the verifier sorts a copy) */
	uint32_t nxdv;
	uint32_t refs;         /* offset in db->ilist: normal: every step; compressed: the label list */
	uint32_t nrefs;
	const char *letters;   /* compressed: the proof letters (whitespace may occur); else NULL */
	uint32_t nletters;
	uint8_t compressed;
	const char *err;       /* an error found while reading the proof (an unknown label...), or NULL */
	int32_t err_step;      /* 1-based step of err, or 0 */
};

/* Special step references (normal proofs, label lists). */
#define MM_REF_UNKNOWN   (-1)   /* '?' */
#define MM_REF_BAD       (-2)   /* a label that could not be resolved (see err) */
/* A candidate's i-th $e hypothesis (0-based) is -(i + 16). */
#define MM_REF_CANDHYP(i) (-(int32_t)(i) - 16)

struct mm_db {
	char **files;          /* file names, as given or as included */
	uint16_t nfiles;
	char **bufs;           /* file contents (kept: proofs point into them) */
	size_t *bufmap;        /* (nfiles) length of bufs[i]'s mapping, 0 if from malloc */

	struct mm_symbol *syms;
	int32_t nsyms;
	uint8_t *symkind;      /* (nsyms) copy of syms[].kind for the hot loop */

	struct mm_stmt *stmts; /* every labelled statement, in database order */
	int32_t nstmts;

	mm_sym *pool;          /* expressions */
	size_t npool;
	mm_sym *tpool;         /* (npool) the same with every variable v written ~v (< 0):
	                          templates for substitution, no symbol lookups */
	struct mm_hyp *frames; /* unpacked mandatory hypotheses of every assertion */
	size_t nframes;
	int32_t *ilist;        /* lists of statement numbers */
	size_t nilist;
	uint64_t *dvpool;      /* $d pairs packed as MM_DV(a, b) */
	size_t ndvpool;
	struct mm_proofsrc *proofs;
	int32_t nproofs;

	/* outermost-scope $d pairs, with the statement count when declared */
	uint64_t *gdv;
	int32_t *gdv_at;
	size_t ngdv;

	/* the $j comments (spec 4.4.3 additions): text spans in bufs */
	const char **jtext;
	uint32_t *jlen;
	size_t nj;

	void *index;           /* private: name lookup tables */
};

/* A mandatory hypothesis, unpacked for the verifier's inner loop. */
struct mm_hyp {
	int32_t stmt;          /* the $f or $e statement */
	mm_sym var;            /* $f: its variable; $e: -1 */
	mm_sym type;           /* typecode */
	uint32_t expr, len;    /* $e: its expression in db->pool / db->tpool */
};

/* A $d pair, unordered: the smaller symbol number in the high half. */
#define MM_DV(a, b) ((a) < (b) ? ((uint64_t)(uint32_t)(a) << 32 | (uint32_t)(b)) \
                               : ((uint64_t)(uint32_t)(b) << 32 | (uint32_t)(a)))

/* Where and why something failed. */
struct mm_result {
	int ok;                /* 1: complete and correct */
	int32_t step;          /* 1-based proof step of the failure, 0 if none */
	int32_t label;         /* statement at that step, -1 if none */
	char msg[320];         /* why, e.g. "step 3 (ax-mp): hypothesis 'maj' does not match" */
	uint32_t nsteps;       /* proof steps processed, as written (a compressed proof's
	                          saved-step references count one each) */
	uint64_t work;         /* symbols written and compared: a deterministic cost */
};

/* Limits that keep one pathological proof from stalling a stage. */
struct mm_limits {
	uint32_t max_steps;    /* proof steps; 0 = no limit */
	size_t max_symbols;    /* work-area symbols (expression sizes); 0 = default 1<<26 */
	double max_seconds;    /* wall clock per proof; 0 = no limit */
};

/*
 * Load a database. Returns NULL and writes "FILE:LINE: message" into
 * err[errlen] on a database that breaks a rule of spec 4.1-4.2 (the first
 * error stops reading) or on an unreadable file (then *io_error is set to 1
 * if io_error is not NULL). Proofs are not verified here (mm_verify_theorem),
 * but their labels are resolved: an unknown label is recorded with the proof
 * and reported when it is verified, as metamath.exe does.
 */
struct mm_db *mm_db_load(const char *path, char *err, size_t errlen, int *io_error);
/*
 * Verifying while reading (stp-verify --check-db). mm_db_load_hooked() is
 * mm_db_load() that tells the caller, as it reads, which theorems are ready:
 *   theorem(arg, db, s)  $p statement s, its proof and everything the proof
 *                        refers to are complete and will not change; a copy
 *                        of the struct *db taken now is a view in which s
 *                        and every theorem announced before it can be
 *                        verified (mm_work_new / mm_work_fit on the view);
 *   pause(arg)           the reader is about to move arrays (realloc) or
 *                        change statements already announced: from when
 *                        pause() returns until resume(), nothing of the
 *                        database may be read;
 *   resume(arg, db)      done; views taken before pause() are stale, a copy
 *                        of *db is the new view. db == NULL: the load failed
 *                        and the database is gone (then NULL is returned).
 * The hooks are called from the loading thread, never with the database in
 * an inconsistent state for the theorems announced.
 */
struct mm_load_hooks {
	void *arg;
	void (*theorem)(void *arg, const struct mm_db *db, int32_t s);
	void (*pause)(void *arg);
	void (*resume)(void *arg, const struct mm_db *db);
};
struct mm_db *mm_db_load_hooked(const char *path, char *err, size_t errlen, int *io_error,
                                const struct mm_load_hooks *hooks);
/* Load from a memory buffer (copied); name is used in messages. */
struct mm_db *mm_db_load_mem(const char *name, const char *text, size_t len,
                             char *err, size_t errlen);
void mm_db_free(struct mm_db *db);

/* 1-based line of statement s in its file (counted on demand: O(file size)). */
int mm_stmt_line(const struct mm_db *db, int32_t s);
/* Byte offset of statement s's label in its file. */
uint32_t mm_stmt_pos(const struct mm_db *db, int32_t s);

/* Lookups: -1 when absent. */
int32_t mm_db_label(const struct mm_db *db, const char *label, size_t len);
mm_sym mm_db_sym(const struct mm_db *db, const char *name, size_t len);

/* Per-thread verification state. */
struct mm_work;
struct mm_work *mm_work_new(const struct mm_db *db, const struct mm_limits *lim);
void mm_work_free(struct mm_work *w);
/* Make w fit its database view after the view grew (more symbols or
 * statements: see mm_db_load_hooked). */
void mm_work_fit(struct mm_work *w);

/* Verify the proof of database theorem stmt ($p). Returns res->ok. */
int mm_verify_theorem(const struct mm_db *db, struct mm_work *w, int32_t stmt,
                      struct mm_result *res);

/*
 * After a successful verification, the distinct non-syntax assertions the
 * proof used, in order of first use (no hypotheses, no syntax axioms). The
 * array is owned by w and valid until its next verification.
 */
const int32_t *mm_work_lemmas(const struct mm_work *w, int32_t *n);

/* ----- candidates: untrusted statements and proofs against a loaded database */

/*
 * A candidate statement in place of the assertion "context": its proof may use
 * only assertions strictly before the context and the outermost-scope
 * hypotheses ($f) declared before it. Its own $e hypotheses are named H1..Hk
 * in proofs. Symbols must be declared (constants anywhere before the context,
 * variables in the outermost scope before it) and every variable must have an
 * outermost-scope $f.
 */
#define MM_CAND_MAXHYPS 64
struct mm_cand {
	int32_t context;       /* statement number; db->nstmts means "after everything" */
	const mm_sym *expr;    /* typecode + symbols */
	uint32_t len;
	uint32_t nhyps;
	const mm_sym *hyp[MM_CAND_MAXHYPS];
	uint32_t hyplen[MM_CAND_MAXHYPS];
	/* the frame, computed by mm_cand_init: */
	uint32_t nmand;        /* mandatory hypotheses: $f of used variables, then H1..Hk */
	int32_t mand[MM_CAND_MAXHYPS * 4];
	const uint64_t *dv;    /* the $d pairs it may assume, sorted (caller's storage) */
	uint32_t ndv;
};

/*
 * Tokenise a candidate's text: "|- ( ph -> ps )" into out (capacity cap).
 * Returns the number of symbols, or -1 with res->msg set (and res->step the
 * 1-based symbol at fault): an undeclared
 * symbol, a symbol not declared before the context, a Metamath keyword
 * ("$."), a variable without an outermost-scope $f, more than cap symbols.
 * The first symbol must be a constant (the typecode).
 */
int mm_cand_tokens(const struct mm_db *db, int32_t context, const char *text,
                   mm_sym *out, size_t cap, struct mm_result *res);

/*
 * Fill in c's frame from c->context, c->expr, c->hyp[] (set by the caller).
 * dv must be sorted MM_DV pairs of variables (the caller's storage).
 * Returns 0, or -1 with res->msg set.
 */
int mm_cand_init(const struct mm_db *db, struct mm_cand *c, const uint64_t *dv,
                 uint32_t ndv, struct mm_result *res);

/*
 * Verify a candidate's proof given as text: a normal proof (labels in reverse
 * Polish order, "H1".."Hk" for its hypotheses) or a compressed one
 * ("( labels ) LETTERS"). Returns res->ok.
 */
int mm_verify_cand_text(const struct mm_db *db, struct mm_work *w,
                        const struct mm_cand *c, const char *proof, size_t len,
                        struct mm_result *res);

/*
 * Verify a candidate's proof given as resolved steps (a normal proof):
 * statement numbers, or MM_REF_CANDHYP(i). Every step is checked as for a
 * text proof: an assertion must come before the context, a $f must be an
 * outermost-scope one before the context. Returns res->ok.
 */
int mm_verify_cand_refs(const struct mm_db *db, struct mm_work *w,
                        const struct mm_cand *c, const int32_t *refs, uint32_t n,
                        struct mm_result *res);

/*
 * Well-formedness: is an expression a well-formed one of its type by the
 * database's own syntax axioms before the context? Finding the syntax proof
 * needs a parser, which lives outside the kernel (lib/mmsteps); the kernel
 * checks the syntax proof the parser produced:
 *
 * Check that the syntax proof refs (statement numbers of syntax axioms and
 * outermost $f hypotheses before context) proves exactly expr, whose
 * typecode is replaced by type (e.g. "|- ph" checked as "wff ph").
 * Returns res->ok.
 */
int mm_verify_syntax(const struct mm_db *db, struct mm_work *w, int32_t context,
                     mm_sym type, const mm_sym *expr, uint32_t len,
                     const int32_t *refs, uint32_t n, struct mm_result *res);

/* Write a statement's expression as text ("|- ( ph -> ps )") into buf; returns
 * the length it needed (like snprintf). */
size_t mm_expr_str(const struct mm_db *db, const mm_sym *expr, uint32_t len,
                   char *buf, size_t cap);
/* The same text, of any length, in a string from malloc (the caller frees
 * it); out of memory aborts, as the kernel's allocations do. */
char *mm_expr_text(const struct mm_db *db, const mm_sym *expr, uint32_t len);

/* Statement accessors */
static inline const mm_sym *
mm_stmt_expr(const struct mm_db *db, int32_t s)
{
	return db->pool + db->stmts[s].expr;
}

static inline const int32_t *
mm_stmt_hyps(const struct mm_db *db, int32_t s)
{
	return db->ilist + db->stmts[s].hyps;
}

static inline int
mm_is_assertion(const struct mm_stmt *st)
{
	return st->kind == MM_A || st->kind == MM_P;
}

/*
 * Expand the proof of database theorem stmt to normal form: the statement
 * numbers of every step, compressed back-references unfolded. Returns a
 * malloc'd array (caller frees) and its length in *n, or NULL with res->msg
 * (a proof that does not verify, or one larger than max_steps).
 * Used to export human proofs; the kernel verifies while it unfolds.
 */
int32_t *mm_theorem_normal(const struct mm_db *db, struct mm_work *w, int32_t stmt,
                           uint32_t *n, struct mm_result *res);

/*
 * The proof of database theorem stmt in normal form as text, its $e
 * hypotheses renamed H1..Hk in the order of its frame: a candidate proof for
 * mm_verify_cand_text(). Returns a malloc'd string (caller frees), or NULL
 * with res->msg set.
 */
char *mm_theorem_export(const struct mm_db *db, struct mm_work *w, int32_t stmt,
                        struct mm_result *res);

#endif
