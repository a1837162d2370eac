/*
 * serve.h - a run's checkpoints on an OpenAI-compatible server: the served
 * name of a checkpoint (openai.model) and the reload hook (openai.reload)
 *
 * A run names its models by checkpoint (runs/RUN/iter-NNN/model.safetensors,
 * what make passes as --model to every sampling stage). With --backend
 * openai the server knows them by a served name instead: openai.model, in
 * which these placeholders are filled in from the checkpoint:
 *
 *   {iter}   the name of the directory holding it      iter-003, final
 *   {run}    the name of the directory above that      demo, demo-ei
 *   {hash}   16 hex digits, the xxh3-64 of its bytes (as the built-in
 *            backend's "model" field); of a directory, of its regular
 *            files' names and bytes in name order
 *
 * so that "stp-{run}-{iter}" names iteration 3's model stp-demo-iter-003.
 * An openai.model without placeholders is one fixed served model, whatever
 * the checkpoint; no openai.model at all makes --model itself the served
 * name (a tool run on its own: --model NAME).
 *
 * openai.reload, when set, is the command that makes the servers serve a
 * checkpoint under its name. Before sampling, every endpoint is asked for
 * its models (GET /v1/models); when one does not list the name, the hook
 * runs (hook.h) as
 *
 *   CMD CHECKPOINT NAME      (environment: STP_ENDPOINTS, the base URLs,
 *                             separated by spaces)
 *
 * and must return once every endpoint serves NAME (restarting vLLM with
 * --served-model-name NAME, say), which is then checked. So the weights of
 * a new iteration reach the servers at the first stage that samples from
 * them, and a stage whose model is already served (the next stage, a rerun,
 * a resumed run) runs no hook. Reloads are serialised on one host by a lock
 * file in $TMPDIR (else /tmp) named after the endpoints, so that the shards
 * of a stage (pipelines/shard.sh) run the hook once.
 */
#ifndef STP_SERVE_H
#define STP_SERVE_H

#include <stddef.h>

struct oai_config;

/*
 * The served name of checkpoint ckpt (may be NULL when tmpl holds no
 * placeholder) under tmpl: malloc'd, or NULL with *status and a message in
 * err: 64 an unknown placeholder, or one that ckpt's path cannot fill; 66 a
 * checkpoint that cannot be read for {hash}.
 */
char *serve_name(const char *tmpl, const char *ckpt, int *status, char *err, size_t errlen);

/*
 * Make every endpoint of cfg serve cfg->model, running reload (the hook
 * above) with ckpt when one does not. Returns 0, or EX_UNAVAILABLE with a
 * message in err naming the hook or the endpoint: the hook failed, or
 * after it an endpoint does not answer or does not list the name. An
 * endpoint without GET /v1/models (HTTP 404, 405, 501) is taken at its word.
 */
int serve_ensure(const struct oai_config *cfg, const char *reload, const char *ckpt, char *err,
                 size_t errlen);

#endif
