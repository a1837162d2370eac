/*
 * hook.h - run a configured command (a hook) and wait for it
 *
 * A hook is a shell command from the configuration (openai.reload,
 * train.external_cmd). It runs as
 *
 *   /bin/sh -c 'CMD "$@"' sh ARG...
 *
 * so that the arguments follow the command's own words, whatever they are
 * ("sbatch --wait train.sbatch" gets them as its script's $1, $2, ...).
 * Standard input is /dev/null; standard output goes to standard error (a
 * tool's standard output may be its records); standard error is the tool's.
 * env[0..nenv), "NAME=VALUE" strings, are set for the command only.
 */
#ifndef STP_HOOK_H
#define STP_HOOK_H

#include <stddef.h>

/*
 * Run cmd with args[0..nargs) and wait. Returns 0 when it exited 0;
 * otherwise -1 with what happened in why ("exit status 3", "killed by
 * signal 9", "cannot start /bin/sh: ..."), for the caller's message.
 */
int hook_run(const char *cmd, const char *const *args, size_t nargs, const char *const *env,
             size_t nenv, char *why, size_t whylen);

#endif
