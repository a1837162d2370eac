/*
 * test_openai.c - the OpenAI-compatible protocol (lib/backend/openai.c): request
 * bodies, replies as vLLM, SGLang and llama.cpp shape them, malformed
 * replies, error bodies, what each status means, Retry-After, back-off,
 * seeds, stop sequences, the fallback embedding, the flags and the
 * configuration section; the served name of a checkpoint (serve.h)
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "msg.h"
#include "backend/openai.h"
#include "backend/serve.h"

static int
parse(const char *body, int asked, struct oai_reply *r, char *err)
{
	static const char *const stop[] = { "```", "</x>" };

	return oai_parse_completion(body, strlen(body), asked, stop, 2, 100, r, err, 256);
}

static void
test_url(void)
{
	char *u;

	u = oai_url("http://h:8000", "completions");
	CHECK_STR_EQ(u, "http://h:8000/v1/completions");
	free(u);
	u = oai_url("http://h:8000/", "completions");
	CHECK_STR_EQ(u, "http://h:8000/v1/completions");
	free(u);
	u = oai_url("http://h:8000/v1", "embeddings");
	CHECK_STR_EQ(u, "http://h:8000/v1/embeddings");
	free(u);
	u = oai_url("https://proxy/openai/v1//", "completions");
	CHECK_STR_EQ(u, "https://proxy/openai/v1/completions");
	free(u);
}

static void
test_bodies(void)
{
	struct oai_config c;
	static const char *const stop[] = { "```", "</x>" };
	size_t len;
	char *b;

	oai_config_init(&c);
	c.model = "prover-7b";
	c.max_tokens = 64;
	c.temperature = 0.7;
	c.top_p = 0.95;
	b = oai_completion_body(&c, "theorem x := by\n  \"é\"", 2, 2147352575u, stop, 2, &len);
	CHECK_STR_EQ(b, "{\"model\":\"prover-7b\",\"prompt\":\"theorem x := by\\n  \\\"é\\\"\",\"n\":2,"
	                "\"max_tokens\":64,\"temperature\":0.7,\"top_p\":0.95,\"seed\":2147352575,"
	                "\"stop\":[\"```\",\"</x>\"],\"stream\":false}");
	CHECK_INT_EQ(len, strlen(b));
	free(b);
	/* no stop sequences: still sent, as [] */
	c.temperature = 1;
	b = oai_completion_body(&c, "p", 1, 0, NULL, 0, &len);
	CHECK_STR_EQ(b, "{\"model\":\"prover-7b\",\"prompt\":\"p\",\"n\":1,\"max_tokens\":64,"
	                "\"temperature\":1.0,\"top_p\":0.95,\"seed\":0,\"stop\":[],\"stream\":false}");
	free(b);
	b = oai_embedding_body(&c, "a b", &len);
	CHECK_STR_EQ(b, "{\"model\":\"prover-7b\",\"input\":\"a b\",\"encoding_format\":\"float\"}");
	free(b);
}

static void
test_vllm(void)
{
	struct oai_reply r;
	char err[256];

	/* vLLM: choices by index (given out of order here), stop_reason, usage
	 * summed over the choices with the prompt counted once */
	CHECK_INT_EQ(parse("{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,"
	                   "\"model\":\"m\",\"choices\":[{\"index\":1,\"text\":\"\\n  simp\","
	                   "\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null,"
	                   "\"prompt_logprobs\":null},{\"index\":0,\"text\":\"\\n  omega\\n```\\nmore\","
	                   "\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":\"```\"}],"
	                   "\"usage\":{\"prompt_tokens\":12,\"total_tokens\":19,"
	                   "\"completion_tokens\":7,\"prompt_tokens_details\":null},"
	                   "\"system_fingerprint\":null}", 2, &r, err), 0);
	if (!CHECK_INT_EQ(r.n, 2))
		return;
	CHECK_STR_EQ(r.choices[0].text, "\n  omega\n");
	CHECK_STR_EQ(r.choices[0].finish, "stop");
	CHECK_STR_EQ(r.choices[1].text, "\n  simp");
	CHECK_STR_EQ(r.choices[1].finish, "length");
	CHECK_INT_EQ(r.choices[0].seed, 100);
	CHECK_INT_EQ(r.choices[1].seed, 101);
	CHECK_INT_EQ(r.prompt_tokens, 12);
	CHECK_INT_EQ(r.completion_tokens, 7);
	/* the sum shared: 4 + 3 */
	CHECK_INT_EQ(r.choices[0].tokens, 4);
	CHECK_INT_EQ(r.choices[1].tokens, 3);
	oai_reply_release(&r);
}

static void
test_sglang(void)
{
	struct oai_reply r;
	char err[256];

	CHECK_INT_EQ(parse("{\"id\":\"ab\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
	                   "\"choices\":[{\"index\":0,\"text\":\"rfl\",\"logprobs\":null,"
	                   "\"finish_reason\":\"stop\",\"matched_stop\":2,\"hidden_states\":null}],"
	                   "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":6,\"completion_tokens\":1,"
	                   "\"prompt_tokens_details\":null,\"reasoning_tokens\":0},"
	                   "\"metadata\":{\"weight_version\":\"default\"}}", 1, &r, err), 0);
	CHECK_INT_EQ(r.n, 1);
	CHECK_STR_EQ(r.choices[0].text, "rfl");
	CHECK_INT_EQ(r.choices[0].tokens, 1);
	oai_reply_release(&r);
	/* an SGLang abort is a failure to retry */
	CHECK_INT_EQ(parse("{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"abort\"}]}", 1,
	                   &r, err), -1);
	CHECK_STR_EQ(err, "the server aborted the request");
}

static void
test_llamacpp(void)
{
	struct oai_reply r;
	char err[256];

	/* llama.cpp: no "index" order guarantee needed, "timings", one choice
	 * although four were asked for (older builds ignore n) */
	CHECK_INT_EQ(parse("{\"choices\":[{\"text\":\" norm_num</x>junk\",\"index\":0,"
	                   "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"created\":1,"
	                   "\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4000\","
	                   "\"object\":\"text_completion\",\"usage\":{\"completion_tokens\":3,"
	                   "\"prompt_tokens\":9,\"total_tokens\":12},\"id\":\"chatcmpl-x\","
	                   "\"timings\":{\"prompt_n\":9,\"predicted_n\":3}}", 4, &r, err), 0);
	CHECK_INT_EQ(r.n, 1);
	CHECK_STR_EQ(r.choices[0].text, " norm_num");
	CHECK_INT_EQ(r.choices[0].tokens, 3);
	CHECK_INT_EQ(r.prompt_tokens, 9);
	oai_reply_release(&r);
}

static void
test_token_ids_and_no_usage(void)
{
	struct oai_reply r;
	char err[256];

	/* per-choice token ids, where a server sends them, are exact */
	CHECK_INT_EQ(parse("{\"choices\":[{\"index\":0,\"text\":\"a\",\"token_ids\":[1,2,3]},"
	                   "{\"index\":1,\"text\":\"b\",\"token_ids\":[4]}],"
	                   "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":4}}", 2, &r, err), 0);
	CHECK_INT_EQ(r.choices[0].tokens, 3);
	CHECK_INT_EQ(r.choices[1].tokens, 1);
	oai_reply_release(&r);
	/* no usage, no finish_reason, no index */
	CHECK_INT_EQ(parse("{\"choices\":[{\"text\":\"x\"}]}", 1, &r, err), 0);
	CHECK_INT_EQ(r.choices[0].tokens, -1);
	CHECK_INT_EQ(r.prompt_tokens, -1);
	CHECK_STR_EQ(r.choices[0].finish, "unknown");
	oai_reply_release(&r);
}

static void
test_malformed(void)
{
	static const struct {
		const char *body;
		int asked;
		const char *err;
	} t[] = {
		{ "{\"choices\":[{\"index\":0,\"text\":\"ab", 1, "reply is not JSON: " },
		{ "<html>502 Bad Gateway</html>", 1, "reply is not JSON: " },
		{ "", 1, "reply is not JSON: " },
		{ "[1]", 1, "reply is not a JSON object" },
		{ "{\"object\":\"text_completion\"}", 1, "reply has no 'choices'" },
		{ "{\"choices\":\"x\"}", 1, "reply has no 'choices'" },
		{ "{\"choices\":[]}", 1, "reply has no choices" },
		{ "{\"choices\":[1]}", 1, "choice is not an object" },
		{ "{\"choices\":[{\"index\":0}]}", 1, "choice has no 'text' string" },
		{ "{\"choices\":[{\"index\":0,\"text\":null}]}", 1, "choice has no 'text' string" },
		{ "{\"choices\":[{\"index\":1,\"text\":\"a\"}]}", 1, "choice index is not one of 0..0" },
		{ "{\"choices\":[{\"index\":\"0\",\"text\":\"a\"}]}", 1,
		  "choice index is not one of 0..0" },
		{ "{\"choices\":[{\"index\":0,\"text\":\"a\"},{\"index\":0,\"text\":\"b\"}]}", 2,
		  "choice index 0 appears twice" },
		{ "{\"choices\":[{\"text\":\"a\"},{\"text\":\"b\"}]}", 1, "reply has 2 choices, 1 asked for" },
		{ "{\"error\":{\"message\":\"overloaded\",\"code\":503}}", 1,
		  "reply is an error: overloaded" },
	};
	struct oai_reply r;
	char err[256];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		err[0] = '\0';
		if (!CHECK_INT_EQ(parse(t[i].body, t[i].asked, &r, err), -1))
			printf("#   body %zu: %s\n", i, t[i].body);
		CHECK_STR_HAS(err, t[i].err);
		CHECK(r.choices == NULL && r.n == 0);
	}
}

static void
test_embedding(void)
{
	const char *b = "{\"object\":\"list\",\"data\":[{\"index\":1,\"object\":\"embedding\","
	                "\"embedding\":[1,1]},{\"index\":0,\"object\":\"embedding\","
	                "\"embedding\":[3,-4.0]}],\"usage\":{\"prompt_tokens\":3}}";
	float *v;
	int dim, pt;
	char err[256];

	if (!CHECK_INT_EQ(oai_parse_embedding(b, strlen(b), &v, &dim, &pt, err, sizeof err), 0))
		return;
	CHECK_INT_EQ(dim, 2);
	CHECK(fabsf(v[0] - 0.6f) < 1e-6f && fabsf(v[1] + 0.8f) < 1e-6f);
	CHECK_INT_EQ(pt, 3);
	free(v);
	b = "{\"data\":[]}";
	CHECK_INT_EQ(oai_parse_embedding(b, strlen(b), &v, &dim, &pt, err, sizeof err), -1);
	CHECK_STR_EQ(err, "reply has no 'data'");
	CHECK(v == NULL);
	b = "{\"data\":[{\"embedding\":[1,\"x\"]}]}";
	CHECK_INT_EQ(oai_parse_embedding(b, strlen(b), &v, &dim, &pt, err, sizeof err), -1);
	CHECK_STR_EQ(err, "embedding has a value that is not a finite number");
	b = "{\"data\":[{\"embedding\":\"AAAA\"}]}";
	CHECK_INT_EQ(oai_parse_embedding(b, strlen(b), &v, &dim, &pt, err, sizeof err), -1);
	CHECK_STR_EQ(err, "reply has no 'embedding' for input 0");
}

static const char *
errmsg(const char *body)
{
	static char m[256];

	oai_error_message(body, strlen(body), m, sizeof m);
	return m;
}

static void
test_error_message(void)
{
	/* vLLM (recent), llama.cpp */
	CHECK_STR_EQ(errmsg("{\"error\":{\"message\":\"The model `x` does not exist.\","
	                    "\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}}"),
	             "The model `x` does not exist.");
	CHECK_STR_EQ(errmsg("{\"error\":{\"code\":500,\"message\":\"Only one completion choice is "
	                    "allowed\",\"type\":\"server_error\"}}"),
	             "Only one completion choice is allowed");
	/* SGLang and older vLLM */
	CHECK_STR_EQ(errmsg("{\"object\":\"error\",\"message\":\"bad\\nthing\",\"type\":\"BadRequest\","
	                    "\"param\":null,\"code\":400}"), "bad?thing");
	/* vLLM's authentication middleware, FastAPI */
	CHECK_STR_EQ(errmsg("{\"error\":\"Unauthorized\"}"), "Unauthorized");
	CHECK_STR_EQ(errmsg("{\"detail\":\"Not Found\"}"), "Not Found");
	CHECK_STR_EQ(errmsg("{\"detail\":[{\"loc\":[\"body\",\"n\"],\"msg\":\"bad\"}]}"),
	             "[{\"loc\":[\"body\",\"n\"],\"msg\":\"bad\"}]");
	/* not JSON: the start of it */
	CHECK_STR_EQ(errmsg("<html>502 Bad Gateway</html>\r\n"), "<html>502 Bad Gateway</html>");
	CHECK_STR_EQ(errmsg(""), "(empty reply)");
}

static void
test_classify(void)
{
	int refused;

	CHECK_INT_EQ(oai_classify_http(200, NULL, OAI_COMPLETE, 1), OAI_DONE);
	CHECK_INT_EQ(oai_classify_http(429, "slow down", OAI_COMPLETE, 1), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_http(500, "boom", OAI_COMPLETE, 1), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_http(502, "", OAI_COMPLETE, 1), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_http(503, "Loading model", OAI_COMPLETE, 1), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_http(408, "", OAI_COMPLETE, 1), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_http(400, "maximum context length", OAI_COMPLETE, 1), OAI_FATAL);
	CHECK_INT_EQ(oai_classify_http(401, "Unauthorized", OAI_COMPLETE, 1), OAI_FATAL);
	CHECK_INT_EQ(oai_classify_http(404, "no such model", OAI_COMPLETE, 1), OAI_FATAL);
	/* llama.cpp refusing n > 1, as a 500 (older) or a 400 (newer) */
	CHECK_INT_EQ(oai_classify_http(500, "Only one completion choice is allowed", OAI_COMPLETE, 4),
	             OAI_ONE_CHOICE);
	CHECK_INT_EQ(oai_classify_http(400, "Illegal param: only one completion choice is allowed",
	                               OAI_COMPLETE, 2), OAI_ONE_CHOICE);
	/* ... but with n = 1 that message would be a real failure */
	CHECK_INT_EQ(oai_classify_http(500, "Only one completion choice is allowed", OAI_COMPLETE, 1),
	             OAI_RETRY);
	/* servers without embeddings */
	CHECK_INT_EQ(oai_classify_http(404, "Not Found", OAI_EMBED, 1), OAI_NO_EMBED);
	CHECK_INT_EQ(oai_classify_http(501, "This server does not support embeddings.", OAI_EMBED, 1),
	             OAI_NO_EMBED);
	CHECK_INT_EQ(oai_classify_http(400, "The model does not support Embeddings API", OAI_EMBED, 1),
	             OAI_NO_EMBED);
	CHECK_INT_EQ(oai_classify_http(503, "", OAI_EMBED, 1), OAI_RETRY);

	CHECK_INT_EQ(oai_classify_curl(CURLE_OK, &refused), OAI_DONE);
	CHECK_INT_EQ(oai_classify_curl(CURLE_COULDNT_CONNECT, &refused), OAI_RETRY);
	CHECK_INT_EQ(refused, 1);
	CHECK_INT_EQ(oai_classify_curl(CURLE_OPERATION_TIMEDOUT, &refused), OAI_RETRY);
	CHECK_INT_EQ(refused, 0);
	CHECK_INT_EQ(oai_classify_curl(CURLE_PARTIAL_FILE, &refused), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_curl(CURLE_GOT_NOTHING, &refused), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_curl(CURLE_RECV_ERROR, &refused), OAI_RETRY);
	CHECK_INT_EQ(oai_classify_curl(CURLE_URL_MALFORMAT, &refused), OAI_FATAL);
	CHECK_INT_EQ(oai_classify_curl(CURLE_UNSUPPORTED_PROTOCOL, &refused), OAI_FATAL);
}

static void
test_retry_after(void)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT */
	long long t = 1445412480;

	CHECK(oai_retry_after("1", t) == 1);
	CHECK(oai_retry_after(" 2.5\r\n", t) == 2.5);
	CHECK(oai_retry_after("0", t) == 0);
	CHECK(oai_retry_after(NULL, t) == -1);
	CHECK(oai_retry_after("", t) == -1);
	CHECK(oai_retry_after("soon", t) == -1);
	CHECK(oai_retry_after("5s", t) == -1);
	CHECK(oai_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t - 30) == 30);
	CHECK(oai_retry_after("Wed, 21 Oct 2015 07:28:00 GMT\r\n", t + 30) == 0);
}

static void
test_backoff(void)
{
	struct oai_config c;

	oai_config_init(&c);
	c.backoff = 0.5;
	c.backoff_max = 30;
	for (int a = 1; a <= 12; a++) {
		double d = 0.5 * pow(2, a - 1), v;
		if (d > 30)
			d = 30;
		for (uint64_t k = 0; k < 50; k++) {
			v = oai_backoff(&c, a, k);
			if (!CHECK(v >= d / 2 && v < d))
				printf("#   attempt %d key %llu: %g not in [%g, %g)\n", a,
				       (unsigned long long)k, v, d / 2, d);
		}
	}
	/* the jitter is a function of (seed, key, attempt), nothing else */
	CHECK(oai_backoff(&c, 3, 77) == oai_backoff(&c, 3, 77));
	CHECK(oai_backoff(&c, 3, 77) != oai_backoff(&c, 3, 78));
	c.seed = 2;
	CHECK(oai_backoff(&c, 3, 77) != oai_backoff(&c, 3, 78));
	c.backoff = 0;
	CHECK(oai_backoff(&c, 5, 1) == 0);
}

static void
test_seed(void)
{
	uint32_t s = oai_seed(1, "lean/0");

	/* the contract: a changed derivation changes every sample of every run */
	CHECK_UINT_EQ(s, oai_seed(1, "lean/0"));
	CHECK_UINT_EQ(oai_seed(1, "lean/0"), 1549000984u);
	CHECK(oai_seed(2, "lean/0") != s);
	CHECK(oai_seed(1, "lean/1") != s);
	for (int i = 0; i < 1000; i++) {
		char id[32];
		snprintf(id, sizeof id, "x/%d", i);
		CHECK(oai_seed((uint64_t)i * 7919, id) < 2147352576u);
	}
}

static void
test_cut_stop(void)
{
	static const char *const stop[] = { "```", "", "</hard theorem>", "\n\n" };

	CHECK_INT_EQ(oai_cut_stop("a\n```b</hard theorem>", stop, 4), 2);
	CHECK_INT_EQ(oai_cut_stop("theorem x</hard theorem>```", stop, 4), 9);
	CHECK_INT_EQ(oai_cut_stop("a\n\nb```", stop, 4), 1);
	CHECK_INT_EQ(oai_cut_stop("none here", stop, 4), 9);
	CHECK_INT_EQ(oai_cut_stop("none here", NULL, 0), 9);
	CHECK_INT_EQ(oai_cut_stop("", stop, 4), 0);
}

static double
dot(const float *a, const float *b, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void
test_embed_hash(void)
{
	float a[64], a2[64], b[64], c[64], z[64];

	oai_embed_hash("theorem foo (n : Nat) : n + 0 = n := by", a, 64);
	oai_embed_hash("theorem  foo (n : Nat) :\n n + 0 = n := by", a2, 64);
	oai_embed_hash("theorem bar (n : Nat) : n + 1 = 1 + n := by", b, 64);
	oai_embed_hash("lemma baz (x y : Real) (h : x < y) : x ≤ y", c, 64);
	oai_embed_hash("", z, 64);
	CHECK(fabs(dot(a, a, 64) - 1) < 1e-5);
	CHECK(fabs(dot(b, b, 64) - 1) < 1e-5);
	/* whitespace does not matter; shared tokens make texts closer */
	CHECK(memcmp(a, a2, sizeof a) == 0);
	CHECK(dot(a, b, 64) > dot(a, c, 64));
	CHECK(dot(z, z, 64) == 0);
}

static void
test_cli(void)
{
	struct oai_cli cli;
	struct oai_config c;
	const char *key = "OPENAI_API_KEY";

	oai_cli_init(&cli);
	CHECK_INT_EQ(oai_cli_parse(&cli, CLI_ENDPOINT, "http://a"), 1);
	CHECK_INT_EQ(oai_cli_parse(&cli, CLI_ENDPOINT, "http://b"), 1);
	CHECK_INT_EQ(oai_cli_parse(&cli, CLI_CONCURRENCY, "64"), 1);
	CHECK_INT_EQ(oai_cli_parse(&cli, CLI_STOP, "```"), 1);
	CHECK_INT_EQ(oai_cli_parse(&cli, CLI_API_KEY_ENV, "MY_KEY"), 1);
	CHECK_INT_EQ(oai_cli_parse(&cli, 'n', "3"), 0);
	oai_config_init(&c);
	c.concurrency = 3;
	c.retries = 4;
	oai_cli_apply(&cli, &c, &key);
	CHECK_INT_EQ(c.nendpoints, 2);
	CHECK_STR_EQ(c.endpoints[1], "http://b");
	CHECK_INT_EQ(c.concurrency, 64);
	CHECK_INT_EQ(c.retries, 4);     /* not given: the configuration's stays */
	CHECK_INT_EQ(c.nstop, 1);
	CHECK_STR_EQ(key, "MY_KEY");
	oai_cli_release(&cli);
}

static void
bad_flag(void *arg)
{
	struct oai_cli cli;

	(void)arg;
	msg_init("stp-prove");
	oai_cli_init(&cli);
	oai_cli_parse(&cli, CLI_CONCURRENCY, "0");
}

static void
load_cfg(void *arg)
{
	struct oai_config c;
	const char *key = NULL;
	struct config *cf;

	msg_init("stp-prove");
	cf = config_load(arg);
	oai_config_init(&c);
	oai_config_load(&c, cf, &key);
	printf("%zu %s %s %d %d %g %d %g %g %d %s\n", c.nendpoints, c.endpoints[0], c.model,
	       c.concurrency, c.choices, c.timeout, c.retries, c.backoff, c.backoff_max, c.window,
	       key ? key : "-");
	config_free(cf);
}

static void
test_config(void)
{
	struct unit_child r;
	const char *good = "openai:\n  endpoints: [\"http://a:8000\", \"http://b:8000/v1\"]\n"
	                   "  model: prover\n  api_key_env: K\n  concurrency: 32\n  choices: 2\n"
	                   "  timeout: 30\n  retries: 3\n  backoff: 0.25\n  backoff_max: 8\n"
	                   "  window: 99\n";
	const char *bad = "openai:\n  endpoint: \"http://a\"\n";

	unit_write_file(unit_path("good.yaml"), good, strlen(good));
	unit_run(load_cfg, (void *)unit_path("good.yaml"), &r);
	CHECK_INT_EQ(r.status, 0);
	CHECK_STR_EQ(r.out, "2 http://a:8000 prover 32 2 30 3 0.25 8 99 K\n");
	unit_child_free(&r);
	unit_write_file(unit_path("bad.yaml"), bad, strlen(bad));
	unit_run(load_cfg, (void *)unit_path("bad.yaml"), &r);
	CHECK_INT_EQ(r.status, 78);
	CHECK_STR_HAS(r.err, "openai.endpoint");
	unit_child_free(&r);
	unit_run(bad_flag, NULL, &r);
	CHECK_INT_EQ(r.status, 64);
	CHECK_STR_EQ(r.err, "stp-prove: --concurrency: expected a whole number from 1 to 4096, got '0'\n");
	unit_child_free(&r);
}

/* serve_name(): openai.model's placeholders from a checkpoint's path (one
 * that does not exist is read as written) */
static void
test_serve_name(void)
{
	char err[512], *n;
	int st = 0;

	n = serve_name("stp-{run}-{iter}", "runs/demo/iter-003/model.safetensors", &st, err,
	               sizeof err);
	CHECK_STR_EQ(n, "stp-demo-iter-003");
	free(n);
	/* a directory checkpoint, trailing slashes, text around, twice */
	n = serve_name("{run}/{iter}:{iter}", "/x/runs/demo-ei/final/hf//", &st, err, sizeof err);
	CHECK_STR_EQ(n, "demo-ei/final:final");
	free(n);
	n = serve_name("deepseek-prover", NULL, &st, err, sizeof err);
	CHECK_STR_EQ(n, "deepseek-prover");
	free(n);
	n = serve_name("", NULL, &st, err, sizeof err);
	CHECK_STR_EQ(n, "");
	free(n);
	CHECK(serve_name("m-{iter", "a/b/c", &st, err, sizeof err) == NULL);
	CHECK_INT_EQ(st, 64);
	CHECK_STR_EQ(err, "openai.model 'm-{iter': unknown placeholder at '{iter' (known: {iter}, "
	                  "{run}, {hash})");
	CHECK(serve_name("{iter}", NULL, &st, err, sizeof err) == NULL);
	CHECK_INT_EQ(st, 64);
	CHECK(serve_name("{run}", "iter-001/m.safetensors", &st, err, sizeof err) == NULL);
	CHECK_INT_EQ(st, 64);
	CHECK_STR_EQ(err, "openai.model '{run}': the checkpoint 'iter-001/m.safetensors' has no "
	                  "directory for {run}");
	CHECK(serve_name("{hash}", "/nonexistent/m.safetensors", &st, err, sizeof err) == NULL);
	CHECK_INT_EQ(st, 66);
}

int
main(void)
{
	RUN(test_url);
	RUN(test_bodies);
	RUN(test_vllm);
	RUN(test_sglang);
	RUN(test_llamacpp);
	RUN(test_token_ids_and_no_usage);
	RUN(test_malformed);
	RUN(test_embedding);
	RUN(test_error_message);
	RUN(test_classify);
	RUN(test_retry_after);
	RUN(test_backoff);
	RUN(test_seed);
	RUN(test_cut_stop);
	RUN(test_embed_hash);
	RUN(test_cli);
	RUN(test_config);
	RUN(test_serve_name);
	return unit_done();
}
