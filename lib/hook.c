/*
 * hook.c - run a configured command and wait for it (see hook.h)
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"

extern char **environ;

/* The environment of the command: the tool's, with env[0..nenv) over it;
 * the array is malloc'd, its strings borrowed. */
static char **
hook_environ(const char *const *env, size_t nenv)
{
	size_t n = 0, k = 0;
	char **v;

	while (environ[n])
		n++;
	v = xcalloc(n + nenv + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		int over = 0;
		for (size_t j = 0; j < nenv && !over; j++)
			over = strncmp(env[j], environ[i], len) == 0;
		if (!over)
			v[k++] = environ[i];
	}
	for (size_t j = 0; j < nenv; j++)
		v[k++] = (char *)env[j];
	v[k] = NULL;
	return v;
}

int
hook_run(const char *cmd, const char *const *args, size_t nargs, const char *const *env,
         size_t nenv, char *why, size_t whylen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	char **argv, **envp, *script;
	pid_t pid;
	int st, r;

	script = xasprintf("%s \"$@\"", cmd);
	argv = xcalloc(nargs + 5, sizeof *argv);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = "sh";
	for (size_t i = 0; i < nargs; i++)
		argv[4 + i] = (char *)args[i];
	envp = hook_environ(env, nenv);
	fflush(NULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawnattr_init(&at);
	/* the command starts with the default signal dispositions and none
	 * blocked, whatever the tool set for itself */
	sigemptyset(&none);
	sigfillset(&def);
	sigdelset(&def, SIGKILL);
	sigdelset(&def, SIGSTOP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	free(argv);
	free(script);
	if (r != 0) {
		snprintf(why, whylen, "cannot start /bin/sh: %s", strerror(r));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, whylen, "cannot wait for it: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(st));
	else
		snprintf(why, whylen, "killed by signal %d", WTERMSIG(st));
	return -1;
}
