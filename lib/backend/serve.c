/*
 * serve.c - served names and the reload hook (see serve.h)
 */
#include "serve.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "hook.h"
#include "msg.h"
#include "openai.h"

#define MODELS_MAX ((size_t)16 << 20)   /* a /v1/models reply longer than this is refused */

/* ---- the served name */

/* The name of the directory `up` levels above ckpt (1: the one holding it),
 * from its real path when it exists; NULL when the path has no such part. */
static char *
dir_name(const char *ckpt, int up)
{
	char *p = realpath(ckpt, NULL), *name = NULL;

	if (!p)
		p = xstrdup(ckpt);
	for (int i = 0; i <= up; i++) {
		size_t n = strlen(p);
		char *s;
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
		s = strrchr(p, '/');
		if (i == up) {
			const char *b = s ? s + 1 : p;
			if (*b && strcmp(b, ".") != 0 && strcmp(b, "..") != 0)
				name = xstrdup(b);
			break;
		}
		if (!s || s == p)
			break;   /* no directory above (or only the root) */
		*s = '\0';
	}
	free(p);
	return name;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The {hash} of a checkpoint: its bytes' (hash64_file), or a directory's
 * regular files', names and bytes, in name order. 0, or -1 with errno. */
static int
ckpt_hash(const char *path, uint64_t *h)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct hash_fields *hf;
	int r = 0;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return hash64_file(path, h);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *f = xasprintf("%s/%s", path, e->d_name);
		if (e->d_name[0] != '.' && stat(f, &st) == 0 && S_ISREG(st.st_mode)) {
			xgrow(&names, &cap, n + 1, sizeof *names);
			names[n++] = xstrdup(e->d_name);
		}
		free(f);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	hf = hash_fields_new();
	for (size_t i = 0; i < n; i++) {
		char *f = xasprintf("%s/%s", path, names[i]);
		uint64_t fh;
		unsigned char le[8];
		if (r == 0 && hash64_file(f, &fh) < 0)
			r = -1;
		for (int k = 0; k < 8; k++)
			le[k] = (unsigned char)(fh >> (8 * k));
		hash_fields_add_str(hf, names[i]);
		hash_fields_add(hf, le, sizeof le);
		free(f);
		free(names[i]);
	}
	*h = hash_fields_64(hf);
	hash_fields_free(hf);
	free(names);
	return r;
}

char *
serve_name(const char *tmpl, const char *ckpt, int *status, char *err, size_t errlen)
{
	static const char *const known[] = { "{iter}", "{run}", "{hash}" };
	char *out = NULL, *part;
	size_t len = 0, cap = 0;
	const char *p = tmpl;

	while (*p) {
		const char *b = strchr(p, '{');
		size_t lit = b ? (size_t)(b - p) : strlen(p);
		int which = -1;
		xgrow(&out, &cap, len + lit + 1, 1);
		memcpy(out + len, p, lit);
		len += lit;
		out[len] = '\0';
		if (!b)
			break;
		for (int k = 0; k < 3; k++)
			if (strncmp(b, known[k], strlen(known[k])) == 0)
				which = k;
		if (which < 0) {
			*status = EX_USAGE;
			snprintf(err, errlen, "openai.model '%s': unknown placeholder at '%.16s' (known: "
			         "{iter}, {run}, {hash})", tmpl, b);
			goto fail;
		}
		if (!ckpt) {
			*status = EX_USAGE;
			snprintf(err, errlen, "openai.model '%s' names the checkpoint's %s: give --model "
			         "CHECKPOINT", tmpl, known[which]);
			goto fail;
		}
		if (which == 2) {
			uint64_t h;
			part = xmalloc(17);
			if (ckpt_hash(ckpt, &h) < 0) {
				*status = EX_NOINPUT;
				snprintf(err, errlen, "openai.model '%s': cannot read the checkpoint '%s' "
				         "for {hash}: %s", tmpl, ckpt, strerror(errno));
				free(part);
				goto fail;
			}
			hash64_hex(h, part);
		} else if (!(part = dir_name(ckpt, which == 0 ? 1 : 2))) {
			*status = EX_USAGE;
			snprintf(err, errlen, "openai.model '%s': the checkpoint '%s' has no directory "
			         "for %s", tmpl, ckpt, known[which]);
			goto fail;
		}
		xgrow(&out, &cap, len + strlen(part) + 1, 1);
		strcpy(out + len, part);
		len += strlen(part);
		free(part);
		p = b + strlen(known[which]);
	}
	if (!out)
		out = xstrdup("");
	return out;
fail:
	free(out);
	return NULL;
}

/* ---- is it served? */

struct body {
	char *s;
	size_t len, cap;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > MODELS_MAX)
		return 0;
	xgrow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return n;
}

enum { SERVED, NOT_SERVED, NO_LIST, UNREACHABLE };

/* Does endpoint ep list name in GET /v1/models? What it serves (or why it
 * did not answer) goes to what. */
static int
served_by(const struct oai_config *cfg, const char *ep, const char *name, char *what,
          size_t whatlen)
{
	char *url = oai_url(ep, "models"), *auth = NULL;
	struct curl_slist *hdrs = NULL;
	struct body b = { NULL, 0, 0 };
	CURL *h = curl_easy_init();
	CURLcode rc;
	long status = 0;
	double t = cfg->timeout < 30 ? cfg->timeout : 30;
	int r;

	if (!h)
		die(EX_OSERR, "out of memory");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (cfg->api_key && *cfg->api_key) {
		auth = xasprintf("Authorization: Bearer %s", cfg->api_key);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(t * 1000 + 0.5));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		snprintf(what, whatlen, "%s", curl_easy_strerror(rc));
		r = UNREACHABLE;
	} else if (status == 404 || status == 405 || status == 501) {
		r = NO_LIST;
	} else if (status != 200) {
		char msg[256];
		oai_error_message(b.s ? b.s : "", b.len, msg, sizeof msg);
		snprintf(what, whatlen, "GET /v1/models: HTTP %ld: %s", status, msg);
		r = UNREACHABLE;
	} else {
		/* {"object":"list","data":[{"id":NAME,...},...]} (vLLM, SGLang,
		 * llama.cpp alike) */
		json_t *j = json_loadb(b.s ? b.s : "", b.len, 0, NULL), *d, *m;
		size_t i, off = 0;
		r = NOT_SERVED;
		what[0] = '\0';
		d = json_object_get(j, "data");
		json_array_foreach(d, i, m) {
			const char *id = json_string_value(json_object_get(m, "id"));
			if (!id)
				continue;
			if (strcmp(id, name) == 0)
				r = SERVED;
			if (off + 1 < whatlen)
				off += (size_t)snprintf(what + off, whatlen - off, "%s'%s'", off ? ", " : "",
				                        id);
		}
		if (!json_is_array(d)) {
			snprintf(what, whatlen, "GET /v1/models: no \"data\" list in the reply");
			r = UNREACHABLE;
		} else if (!what[0]) {
			snprintf(what, whatlen, "nothing");
		}
		json_decref(j);
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(auth);
	free(url);
	free(b.s);
	return r;
}

/* The first endpoint that does not serve cfg->model (its index, its state
 * in *state, why in what), or -1 when all do. */
static int
first_unserved(const struct oai_config *cfg, int *state, char *what, size_t whatlen)
{
	for (size_t i = 0; i < cfg->nendpoints; i++) {
		*state = served_by(cfg, cfg->endpoints[i], cfg->model, what, whatlen);
		if (*state == NOT_SERVED || *state == UNREACHABLE)
			return (int)i;
	}
	return -1;
}

/* The lock that serialises reloads of these endpoints on this host; -1 if
 * none could be made (then there is none). */
static int
reload_lock(const struct oai_config *cfg)
{
	struct hash_fields *hf = hash_fields_new();
	const char *tmp = getenv("TMPDIR");
	char hex[17], *path;
	int fd;

	for (size_t i = 0; i < cfg->nendpoints; i++)
		hash_fields_add_str(hf, cfg->endpoints[i]);
	hash64_hex(hash_fields_64(hf), hex);
	hash_fields_free(hf);
	path = xasprintf("%s/stp-reload-%s.lock", tmp && *tmp ? tmp : "/tmp", hex);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	free(path);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				close(fd);
				return -1;
			}
	return fd;
}

int
serve_ensure(const struct oai_config *cfg, const char *reload, const char *ckpt, char *err,
             size_t errlen)
{
	char what[1024], why[256], *eps = NULL, *env[1];
	const char *args[2];
	size_t len = 0, cap = 0;
	int i, state, lock, r = 0;
	double t0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die(EX_SOFTWARE, "cannot initialise libcurl");
	if (first_unserved(cfg, &state, what, sizeof what) < 0)
		goto done;
	lock = reload_lock(cfg);
	/* another process may have reloaded while this one waited for the lock */
	if ((i = first_unserved(cfg, &state, what, sizeof what)) < 0)
		goto unlock;
	if (state == NOT_SERVED)
		progress("'%s' serves %s, not '%s': running openai.reload", cfg->endpoints[i], what,
		         cfg->model);
	else
		progress("'%s' does not answer (%s): running openai.reload for '%s'", cfg->endpoints[i],
		         what, cfg->model);
	for (size_t k = 0; k < cfg->nendpoints; k++) {
		xgrow(&eps, &cap, len + strlen(cfg->endpoints[k]) + 2, 1);
		len += (size_t)sprintf(eps + len, "%s%s", k ? " " : "", cfg->endpoints[k]);
	}
	env[0] = xasprintf("STP_ENDPOINTS=%s", eps ? eps : "");
	args[0] = ckpt;
	args[1] = cfg->model;
	t0 = now_seconds();
	if (hook_run(reload, args, 2, (const char *const *)env, 1, why, sizeof why) < 0) {
		snprintf(err, errlen, "openai.reload '%s' failed for '%s' as '%s': %s", reload, ckpt,
		         cfg->model, why);
		r = EX_UNAVAILABLE;
	} else if ((i = first_unserved(cfg, &state, what, sizeof what)) >= 0) {
		if (state == NOT_SERVED)
			snprintf(err, errlen, "openai.reload '%s' returned, but '%s' does not serve '%s' "
			         "(it serves %s)", reload, cfg->endpoints[i], cfg->model, what);
		else
			snprintf(err, errlen, "openai.reload '%s' returned, but '%s' does not answer: %s",
			         reload, cfg->endpoints[i], what);
		r = EX_UNAVAILABLE;
	} else {
		progress("'%s' served after %.1f s", cfg->model, now_seconds() - t0);
	}
	free(env[0]);
	free(eps);
unlock:
	if (lock >= 0)
		close(lock);
done:
	curl_global_cleanup();
	return r;
}
