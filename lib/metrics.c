/*
 * metrics.c - one line per stage (see metrics.h)
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "msg.h"

static json_t *fields;

static json_t *
rec(void)
{
	if (!fields)
		fields = json_object();
	return fields;
}

void
metrics_num(const char *key, double v)
{
	char buf[40];

	if (v == (double)(long long)v && v > -1e15 && v < 1e15)
		json_object_set_new(rec(), key, json_integer((json_int_t)v));
	else
		json_object_set_new(rec(), key, json_real(strtod((jsonl_format_real(v, buf), buf),
		                                                 NULL)));
}

void
metrics_str(const char *key, const char *v)
{
	json_object_set_new(rec(), key, json_string(v));
}

/* Append tool, iter, seconds and the fields to $STP_METRICS, if set, and
 * clear the fields. */
static void
append(double secs)
{
	const char *path = getenv("STP_METRICS"), *it = getenv("STP_ITER");

	if (path && *path) {
		json_t *r = json_object(), *v;
		const char *k;
		char *txt;
		int fd;
		json_object_set_new(r, "tool", json_string(msg_prog));
		if (it && *it)
			json_object_set_new(r, "iter", json_integer(strtol(it, NULL, 10)));
		json_object_set_new(r, "seconds", json_real(secs));
		json_object_foreach(rec(), k, v)
			json_object_set(r, k, v);
		txt = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(r);
		if (!txt)
			die(EX_OSERR, "out of memory");
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd < 0)
			die(EX_CANTCREAT, "cannot open metrics '%s':", path);
		{
			size_t n = strlen(txt);
			txt[n] = '\n';
			if (write(fd, txt, n + 1) != (ssize_t)(n + 1) || close(fd) != 0)
				die(EX_IOERR, "cannot write metrics '%s':", path);
		}
		free(txt);
	}
	json_decref(fields);
	fields = NULL;
}

int
metrics_enabled(void)
{
	const char *path = getenv("STP_METRICS");

	return path && *path;
}

void
metrics_record(void)
{
	append(now_seconds() - msg_start_seconds());
}

void
metrics_done(const char *fmt, ...)
{
	double secs = now_seconds() - msg_start_seconds();
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* the line shows without -q, and in a run under make (which passes
	 * -q and names the metrics file) */
	if (msg_verbosity >= 1 || (msg_verbosity >= 0 && metrics_enabled()))
		fprintf(stderr, "%s: %s (%.1f s)\n", msg_prog, line, secs);
	append(secs);
}
