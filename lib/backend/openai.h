/*
 * openai.h - a client for OpenAI-compatible /v1/completions and /v1/embeddings
 * servers (vLLM, SGLang, llama.cpp's llama-server) on libcurl's multi interface
 *
 * A tool hands the client jobs (a prompt and k samples wanted, or a text to
 * embed), made by a callback that runs in a reader thread of its own; the
 * client keeps up to `concurrency` requests in flight over one or more
 * endpoints (round-robin, skipping an endpoint that refuses connections until
 * its back-off ends), asks again for whatever a server failed to answer, and
 * hands the finished jobs to a second callback, in the main thread, in the
 * order the jobs were made. A bounded window (samples made but not yet handed
 * back) keeps memory bounded: while the oldest job waits, at most `window`
 * samples' worth of later jobs are held.
 *
 * Seeding. Sample i of a job whose seed is S is asked for with "seed": S + i
 * and nothing else that varies, so what a sample is depends on neither
 * concurrency, endpoint order, retries nor timing (given servers that sample
 * reproducibly for a seed: see below). oai_seed() derives S from the run's
 * seed and the statement's id, below 2^31 - 2^17 so that S + i fits every
 * server's seed type (llama.cpp: uint32 with 0xFFFFFFFF meaning "random";
 * SGLang: an int32 tensor) for i < 2^17.
 *   By default a request asks for one sample ("n": 1): the one choice that
 * works the same on every server. With choices = m > 1 a request asks for
 * samples [a, a+m) with "n": m, "seed": S + a, which is the same thing on a
 * server that seeds choice j with seed + j, as vLLM's V1 engine does
 * (vllm/v1/engine/parallel_sampling.py: child seed = seed + index). SGLang
 * gives all n choices the same seed (its seeded sampler hashes (seed,
 * position)), so n > 1 returns n copies of one sample: use choices = 1 there.
 * llama.cpp's server refuses n != 1 ("only one completion choice is allowed";
 * HTTP 400, 500 in older builds): the client then asks that endpoint for one
 * choice at a time. Older builds ignore n and return one choice: whenever
 * fewer choices come back than were asked for, the rest are asked for again
 * (samples [a+m', a+m) with seed S + a + m').
 *   Servers: vLLM samples a request reproducibly for its seed, but its
 * numerics depend on the batch unless VLLM_BATCH_INVARIANT=1; SGLang uses the
 * seed only with --enable-deterministic-inference and ignores it otherwise;
 * llama.cpp seeds each request's sampler.
 *
 * Failures. Retried, with exponential back-off (first `backoff` seconds,
 * doubling, at most `backoff_max`, the upper half jittered by a generator
 * seeded from (seed, job, sample, attempt); by default 12 retries spread
 * over 3 to 6 minutes, time for a restarting server to load its model) and
 * on the next endpoint: a connection refused, reset or timed out, nothing or
 * a truncated reply, HTTP 408, 429 (waiting at least its Retry-After,
 * seconds or an HTTP date) and 5xx, a reply that is not a well-formed
 * completion (not JSON, no choices, more choices than asked for, an SGLang
 * "abort"). After `retries` failed
 * retries of one request, or on any other 4xx (a model the server does not
 * have, a prompt longer than its context, a bad API key), oai_run() stops
 * with EX_UNAVAILABLE and a message naming the endpoint, the status and the
 * server's own words.
 *
 * Token usage. "usage": prompt_tokens goes to the job; completion_tokens to
 * the sample when a reply holds one choice (the default). vLLM and SGLang sum
 * completion_tokens over a reply's choices (and count the prompt once), so
 * for a reply of several choices a sample gets the length of its "token_ids"
 * if the server sent them, else an even share of the sum (the total stays
 * exact).
 *
 * Embeddings. POST /v1/embeddings {"model","input","encoding_format":"float"}
 * where the server has it (vLLM with a pooling runner, e.g. --runner pooling
 * with MEAN pooling and normalisation, which is docs/records.md's mean-pooled last
 * hidden state; llama.cpp with --embeddings --pooling mean); the vector is
 * L2-normalised. A server without it (HTTP 404, 405, 501, or 400 saying so)
 * marks the job `unsupported`; the documented fallback is oai_embed_hash(),
 * a lexical embedding computed locally.
 *
 * Ownership: a job owns its prompt and its results; the deliver callback owns
 * the job it is handed and frees it with oai_job_free(). Configuration strings
 * are borrowed and must outlive the client. Nothing here prints: errors come
 * back as a status and oai_error().
 */
#ifndef STP_OPENAI_H
#define STP_OPENAI_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"


struct oai_config {
	const char *const *endpoints;  /* (nendpoints) base URLs: "http://h:8000" or ".../v1" */
	size_t nendpoints;
	const char *model;             /* the "model" field: the served name (serve.h) */
	const char *reload;            /* openai.reload: the command that serves a checkpoint
	                                * (serve.h); NULL: none */
	const char *api_key;           /* sent as "Authorization: Bearer KEY"; NULL: none */
	const char *api_key_env;       /* the variable holding it (OPENAI_API_KEY) */
	int concurrency;               /* requests in flight at most (16) */
	int choices;                   /* samples asked for per request at most (1) */
	int max_tokens;                /* new tokens per sample */
	double temperature, top_p;
	const char *const *stop;       /* (nstop) stop sequences, also cut client-side */
	size_t nstop;
	double timeout;                /* seconds one request may take, connecting included (600) */
	int retries;                   /* retries per request before giving up (12) */
	double backoff, backoff_max;   /* seconds: the first retry's delay (0.5), the cap (60) */
	uint64_t seed;                 /* the back-off jitter's */
	int window;                    /* samples made but not handed back, at most (0: the
	                                * larger of 1024 and 8 * concurrency) */
};

/* The defaults above; no endpoints, no model. */
void oai_config_init(struct oai_config *c);

/*
 * Read the configuration's 'openai' section over c (unknown keys die with 78):
 *   openai: { endpoints: [URL...], model: NAME, api_key_env: VAR,
 *             concurrency: N, choices: N, timeout: S, retries: N,
 *             backoff: S, backoff_max: S, window: N }
 * Strings are copies that live as long as the program. *api_key_env is set
 * when the key is given.
 */
void oai_config_load(struct oai_config *c, struct config *cf, const char **api_key_env);

/* The keys of the section 'openai', bound to struct oai_config's fields
 * (config.h): what oai_config_load() reads, and --print-config prints. */
extern const struct config_key oai_config_keys[];

/*
 * Command-line flags shared by the tools that have --backend openai (their
 * rows and codes are lib/cli's, cli_longopts: --endpoint, --concurrency,
 * --timeout, --retries, --stop, --choices, --api-key-env, --backoff,
 * --window), a fragment of their help text, and a parser: oai_cli_parse()
 * returns 1 when the code was one of these (dying with 64 on a bad value),
 * 0 otherwise. Unset values
 * stay -1 / NULL / 0; oai_cli_apply() writes the set ones over c.
 */
struct oai_cli {
	const char **endpoints;        /* --endpoint, repeatable */
	size_t nendpoints, capendpoints;
	const char **stop;             /* --stop, repeatable */
	size_t nstop, capstop;
	const char *api_key_env;       /* --api-key-env */
	int concurrency, choices, retries, window;
	double timeout, backoff;
};

#define OAI_USAGE                                                                            \
	"  with --backend openai (an OpenAI-compatible server; configuration section 'openai'):\n" \
	"      --model CKPT      the checkpoint; the served model is openai.model with {run},\n"  \
	"                        {iter}, {hash} filled in from it, or CKPT when that is unset\n"  \
	"      --endpoint URL    a server, \"http://host:8000\" or \".../v1\"; repeat for several\n" \
	"      --concurrency N   requests in flight (default 16)\n"                                \
	"      --choices N       samples per request at most (default 1; >1 only with vLLM)\n"    \
	"      --stop STRING     a stop sequence; repeat for several (default: the prompt format's)\n" \
	"      --timeout S       seconds a request may take (default 600)\n"                        \
	"      --retries N       retries of a failed request before giving up (default 12)\n"      \
	"      --backoff S       the first retry's delay, doubling up to 60 s (default 0.5)\n"      \
	"      --window N        samples held for the output's order at most (default\n"          \
	"                        max(1024, 8 x concurrency))\n"                                     \
	"      --api-key-env VAR the environment variable holding the API key (default OPENAI_API_KEY)\n" \
	"    keys of the section 'openai': endpoints, model, reload, api_key_env, concurrency,\n"    \
	"    choices, timeout, retries, backoff, backoff_max, window; of the tool's: backend, stop\n"

void oai_cli_init(struct oai_cli *cli);
int oai_cli_parse(struct oai_cli *cli, int code, const char *arg);
void oai_cli_apply(const struct oai_cli *cli, struct oai_config *c, const char **api_key_env);
void oai_cli_release(struct oai_cli *cli);

/*
 * The configuration of a tool's run with --backend openai, in one call: the
 * defaults, the 'openai' section of cf, the flags in cli over them, the
 * served model's name (serve.h: openai.model filled in from ckpt, the
 * checkpoint that --model or the tool's model key names; ckpt itself when
 * openai.model is not set), the API key from its environment variable, the
 * sampling settings, and the stop sequences of --stop, else of the tool's
 * stop_key ("prove.stop"; NULL: none), else none. Then, with openai.reload,
 * the servers are made to serve it (serve_ensure). Strings stay borrowed from
 * cf and cli. Dies with 64 when there is no model or no endpoint, or
 * openai.model needs a checkpoint not given; 66 when {hash} cannot read it;
 * 69 when the reload fails.
 */
void oai_config_setup(struct oai_config *c, struct config *cf, const struct oai_cli *cli,
                      const char *ckpt, const char *stop_key, int max_tokens,
                      double temperature, double top_p, uint64_t seed);

/*
 * --print-config of a tool with --backend openai: its own section (keys over
 * opts; the --stop flags of cli, when given, as its stop list *stop, *nstop),
 * then the section 'openai' of cf with the flags of cli over it and, when it
 * has no openai.model, cli_model (--model, when given) as the served name, on
 * standard output; exits 0.
 */
void oai_print_config(const struct config_key *keys, const void *opts, const char ***stop,
                      size_t *nstop, struct config *cf, const struct oai_cli *cli,
                      const char *cli_model) __attribute__((noreturn));

/* ---- jobs */

enum oai_kind {
	OAI_COMPLETE,   /* k samples of a completion of prompt */
	OAI_EMBED,      /* the embedding of prompt */
	OAI_MARK,       /* nothing asked: handed back in order (a bad record, say) */
};

struct oai_sample {
	char *text;          /* the completion, cut at the first stop sequence */
	char *finish;        /* the server's finish_reason: "stop", "length"; "unknown" if none */
	int tokens;          /* completion tokens (see above); -1 unknown */
	uint32_t seed;       /* the seed it was asked for with */
};

struct oai_job {
	enum oai_kind kind;
	char *prompt;                  /* the prompt or the text to embed; owned */
	int k;                         /* samples wanted (OAI_COMPLETE) */
	uint32_t seed;                 /* sample i is asked for with seed + i */
	const char *name;              /* for messages ("statement 'x'"); borrowed, may be NULL */
	const char *const *stop;       /* (nstop) this job's stop sequences, borrowed; NULL: the
	                                * client's */
	size_t nstop;
	void *tag;                     /* the caller's; never touched */
	/* results, when handed back */
	struct oai_sample *samples;    /* (k) */
	int prompt_tokens;             /* -1 unknown */
	float *embedding;              /* (dim), L2-normalised; NULL when unsupported */
	int dim;
	int unsupported;               /* OAI_EMBED: the server has no embeddings */
	/* the client's own */
	int remaining;                 /* samples not yet answered */
	uint64_t seq;                  /* order of making */
};

/* A new job; takes prompt (malloc'd, may be NULL for OAI_MARK). */
struct oai_job *oai_job_new(enum oai_kind kind, char *prompt, int k, uint32_t seed, void *tag);
void oai_job_free(struct oai_job *j);

/* The base seed of (run seed, id): in [0, 2^31 - 2^17). A contract: changing
 * it changes every sample. */
uint32_t oai_seed(uint64_t seed, const char *id);

/* ---- the client */

struct oai_client;

/* Made by next() in the reader thread: a job, or NULL at the end. */
typedef struct oai_job *(*oai_next_fn)(void *ctx);
/* Handed a finished job, in the main thread, in the order made; owns it. */
typedef void (*oai_deliver_fn)(void *ctx, struct oai_job *job);

struct oai_client *oai_client_new(const struct oai_config *cfg);

/*
 * Run (once per client) until next() returns NULL and every job has been
 * handed to deliver().
 * Returns 0, or EX_UNAVAILABLE (a server refused a request, or retries ran
 * out) or EX_SOFTWARE with the reason in oai_error(). After a failure the
 * reader thread may still be blocked in next(): the caller should exit
 * rather than free the client.
 */
int oai_run(struct oai_client *c, oai_next_fn next, oai_deliver_fn deliver, void *ctx);
const char *oai_error(const struct oai_client *c);
void oai_client_free(struct oai_client *c);

struct oai_stats {
	long jobs, samples, requests;
	long retries;                  /* requests asked again after a failure */
	long refused, timeouts, truncated, http429, http5xx, malformed;
	long fewer;                    /* replies with fewer choices than asked for */
	long one_choice;               /* endpoints found to refuse n > 1 */
};
const struct oai_stats *oai_stats(const struct oai_client *c);
/* "N requests for M samples; R retried (...)" into buf. */
void oai_stats_line(const struct oai_client *c, char *buf, size_t len);

/*
 * Embed texts[0..n-1] (a library call, for stp-reward's Wasserstein step):
 * *out gets a malloc'd (n, *dim) row-major matrix of L2-normalised rows, in
 * order. Where the server has no embeddings, every row is instead
 * oai_embed_hash(text, fallback_dim) and *fallback is set (the documented
 * fallback). Returns 0, or an exit status with the reason in err.
 */
int oai_embed_all(const struct oai_config *cfg, const char *const *texts, size_t n,
                  int fallback_dim, float **out, int *dim, int *fallback, char *err,
                  size_t errlen);

/* ---- a tool's run: records in, jobs, results out in order (records.c) */

struct jsonl_in;
struct jsonl_err;
struct out;

/* The job of one record (line[0..len), read at file:lineno), its tag the
 * caller's; or NULL with the reason in *err (status 0 means EX_DATAERR): a
 * malformed record. Called in the reader thread. */
typedef struct oai_job *(*oai_make_fn)(void *ctx, const char *line, size_t len,
                                       const char *file, long lineno, struct jsonl_err *err);

/*
 * The records of a tool's input, each made into a job by make(). A malformed
 * record becomes an OAI_MARK job, handed back in order like the others: with
 * keep_going it is warned about ("MSG (skipped)"), counted in nbad and
 * skipped; without, nothing after it is read, and when its turn comes the
 * output is aborted and the tool dies with the record's status. The caller
 * sets the fields above `nbad`; deliver() gets every other job, and owns it.
 */
struct oai_records {
	struct jsonl_in *in;
	int keep_going;
	struct out *out;               /* aborted when the run stops on an error */
	oai_make_fn make;
	oai_deliver_fn deliver;
	void *ctx;                     /* make's and deliver's */
	long nbad;                     /* malformed records skipped */
	int stop;                      /* a malformed record without keep_going: read no more */
};

/* The next record's job, or NULL at the end (an oai_next_fn on r). */
struct oai_job *oai_records_next(void *r);
/* A finished job to deliver(), or a malformed record's dealt with as said
 * above (an oai_deliver_fn on r). */
void oai_records_deliver(void *r, struct oai_job *j);
/* oai_run(c) over the records: on a failure the output is aborted and the
 * tool dies with the client's status and message; then a warning if the
 * input held no records, and the client's stats line as progress. */
void oai_records_run(struct oai_records *r, struct oai_client *c);

/* ---- the protocol, exposed for tests */

/* base + "/v1/" + path, unless base already ends in "/v1"; malloc'd. */
char *oai_url(const char *base, const char *path);

/* The request bodies; malloc'd, *len their length. Every sampling field is
 * written: model, prompt, n, max_tokens, temperature, top_p, seed, stop
 * (stop[0..nstop-1]), stream (false). */
char *oai_completion_body(const struct oai_config *c, const char *prompt, int n, uint32_t seed,
                          const char *const *stop, size_t nstop, size_t *len);
char *oai_embedding_body(const struct oai_config *c, const char *text, size_t *len);

/* A parsed completion reply: choices in index order. */
struct oai_reply {
	struct oai_sample *choices;    /* (n) */
	int n;
	int prompt_tokens, completion_tokens;   /* -1 when absent */
};

/*
 * Parse a 200 reply to a request for `asked` choices whose first seed was
 * seed: 0, or -1 with the reason in err (not JSON, no choices, a choice
 * without text, indices other than 0..n-1, more than asked, an "abort").
 * Texts are cut at the first of stop[0..nstop-1].
 */
int oai_parse_completion(const char *body, size_t len, int asked, const char *const *stop,
                         size_t nstop, uint32_t seed, struct oai_reply *r, char *err,
                         size_t errlen);
void oai_reply_release(struct oai_reply *r);

/* Parse an embeddings reply: data[0].embedding, L2-normalised, into a
 * malloc'd *vec of *dim floats; 0 or -1 with err. */
int oai_parse_embedding(const char *body, size_t len, float **vec, int *dim, int *prompt_tokens,
                        char *err, size_t errlen);

/* The server's message in an error reply: {"error":{"message"}} (vLLM,
 * llama.cpp), {"message"} (SGLang, older vLLM), {"detail"} (FastAPI), else
 * the start of the body, made printable. */
void oai_error_message(const char *body, size_t len, char *msg, size_t msglen);

enum oai_verdict {
	OAI_DONE,          /* an answer to parse */
	OAI_RETRY,         /* ask again later */
	OAI_FATAL,         /* stop the run */
	OAI_ONE_CHOICE,    /* the endpoint refuses n > 1: ask it one choice at a time */
	OAI_NO_EMBED,      /* the server has no embeddings */
};
/* What an HTTP status (with the server's message) means for a request of
 * kind asking n choices. */
enum oai_verdict oai_classify_http(long status, const char *msg, enum oai_kind kind, int n);
/* What a libcurl result code means; *refused set when the endpoint could not
 * be reached at all (it is then skipped for a while). */
enum oai_verdict oai_classify_curl(int code, int *refused);

/* A Retry-After value in seconds (delta-seconds or an HTTP date, against
 * now, seconds since the epoch); -1 when absent or unreadable. */
double oai_retry_after(const char *value, long long now);

/* The delay before retry number attempt (1, 2, ...): d = min(backoff_max,
 * backoff * 2^(attempt-1)), then d/2 + u*d/2 with u in [0,1) from key. */
double oai_backoff(const struct oai_config *c, int attempt, uint64_t key);

/* Length of text up to the first occurrence of any stop sequence. */
size_t oai_cut_stop(const char *text, const char *const *stop, size_t nstop);

/* The fallback embedding: signed feature hashing of the text's
 * whitespace-separated tokens and token bigrams into dim buckets,
 * L2-normalised (a lexical similarity, not the model's). */
void oai_embed_hash(const char *text, float *out, int dim);

#endif
