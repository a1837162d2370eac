/*
 * external.c - train.backend external: the shards go to a command of the
 * user's (train.external_cmd: a GPU trainer, a Slurm job), which writes the
 * new checkpoint
 *
 * The command runs (lib/hook.h) as
 *
 *   CMD SHARDS_DIR MANIFEST INIT OUT
 *
 *   SHARDS_DIR  the shard set just written (docs/records.md, "Shard record")
 *   MANIFEST    SHARDS_DIR/examples.manifest.json
 *   INIT        the checkpoint to continue from (--init), or "" to start
 *               afresh (the trainer's own base model: iteration 0, a
 *               refresh, the final re-training)
 *   OUT         where to write the new checkpoint: a file, or a directory
 *               (a Hugging Face model directory, say); a temporary name
 *               beside -o, renamed over -o once checked
 *
 * with STP_TRAIN_PHASE (sft or iter: whether train.iter's settings apply),
 * STP_CHECKPOINT (-o) and, when -c was given, STP_CONFIG (the file, for
 * stp-config) in its environment. After it exits 0, OUT must exist: a file
 * must be a safetensors file whose header parses and whose tensors lie
 * inside it (one of the built-in model's is loaded whole); a directory must
 * hold a non-empty regular file, and each *.safetensors file in it is
 * checked as a file is.
 */
#include <errno.h>
#include <ftw.h>
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook.h"
#include "metrics.h"
#include "model/tokenizer.h"
#include "msg.h"
#include "train.h"

#define ST_HEADER_MAX ((uint64_t)100 << 20)

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Remove path, a file or a directory tree; missing is fine. */
static void
rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is path a safetensors file that loads? 0, or -1 with why. */
static int
check_safetensors(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	unsigned char l8[8];
	uint64_t hlen = 0, dlen;
	struct stat st;
	char *h = NULL;
	json_t *j = NULL, *v;
	const char *key;
	int r = -1, ours = 0;

	if (!f) {
		snprintf(why, whylen, "cannot open it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size < 8 || fread(l8, 1, 8, f) != 8) {
		snprintf(why, whylen, "not a safetensors file: shorter than 8 bytes");
		goto out;
	}
	for (int i = 0; i < 8; i++)
		hlen |= (uint64_t)l8[i] << (8 * i);
	if (hlen < 2 || hlen > ST_HEADER_MAX || hlen > (uint64_t)st.st_size - 8) {
		snprintf(why, whylen, "not a safetensors file: header length %llu in %lld bytes",
		         (unsigned long long)hlen, (long long)st.st_size);
		goto out;
	}
	dlen = (uint64_t)st.st_size - 8 - hlen;
	h = xmalloc(hlen + 1);
	if (fread(h, 1, hlen, f) != hlen) {
		snprintf(why, whylen, "cannot read its header");
		goto out;
	}
	h[hlen] = '\0';
	if (!(j = json_loads(h, 0, NULL)) || !json_is_object(j)) {
		snprintf(why, whylen, "not a safetensors file: the header is not a JSON object");
		goto out;
	}
	json_object_foreach(j, key, v) {
		json_t *off = json_object_get(v, "data_offsets");
		json_int_t b, e;
		if (strcmp(key, "__metadata__") == 0) {
			ours = json_object_get(v, "stp_config") != NULL;
			continue;
		}
		b = json_integer_value(json_array_get(off, 0));
		e = json_integer_value(json_array_get(off, 1));
		if (!json_is_string(json_object_get(v, "dtype")) ||
		    !json_is_array(json_object_get(v, "shape")) || json_array_size(off) != 2 ||
		    b < 0 || e < b || (uint64_t)e > dlen) {
			snprintf(why, whylen, "tensor '%s': bad dtype, shape or data_offsets (data: "
			         "%llu bytes)", key, (unsigned long long)dlen);
			goto out;
		}
	}
	r = 0;
	if (ours) {
		/* the built-in model's checkpoint: load it whole (its checksum too) */
		struct model *m;
		struct tokenizer *tok;
		char err[512];
		if (model_load(path, 1, &m, &tok, err, sizeof err) != 0) {
			snprintf(why, whylen, "%s", err);
			r = -1;
		} else {
			model_free(m);
			tokenizer_free(tok);
		}
	}
out:
	json_decref(j);
	free(h);
	fclose(f);
	return r;
}

/* Is what the command left at path a checkpoint? 0, or -1 with why. */
static int
check_checkpoint(const char *path, char *why, size_t whylen)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int files = 0, r = 0;

	if (stat(path, &st) < 0) {
		snprintf(why, whylen, "it wrote nothing there");
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return check_safetensors(path, why, whylen);
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "neither a file nor a directory");
		return -1;
	}
	if (!(d = opendir(path))) {
		snprintf(why, whylen, "cannot read the directory: %s", strerror(errno));
		return -1;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		char *f = xasprintf("%s/%s", path, e->d_name);
		size_t n = strlen(e->d_name);
		if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
			files++;
			if (n > 12 && strcmp(e->d_name + n - 12, ".safetensors") == 0) {
				char w[512];
				if (check_safetensors(f, w, sizeof w) < 0) {
					snprintf(why, whylen, "'%s': %s", e->d_name, w);
					r = -1;
				}
			}
		}
		free(f);
	}
	closedir(d);
	if (r == 0 && !files) {
		snprintf(why, whylen, "an empty directory");
		r = -1;
	}
	return r;
}

int
train_external(const struct train_opts *o, const char *dir)
{
	const char *slash = strrchr(o->out, '/');
	char *tmp, *manifest, why[768];
	const char *args[4];
	char *env[3];
	size_t nenv = 0;
	int r;

	if (!o->external_cmd)
		die(EX_USAGE, "train.backend external: no command: set train.external_cmd (or give "
		              "--external-cmd CMD)");
	tmp = slash ? xasprintf("%.*s/.%s.tmp.%ld.ext", (int)(slash - o->out), o->out, slash + 1,
	                        (long)getpid())
	            : xasprintf(".%s.tmp.%ld.ext", o->out, (long)getpid());
	manifest = xasprintf("%s/examples.manifest.json", dir);
	rm_tree(tmp);
	args[0] = dir;
	args[1] = manifest;
	args[2] = o->init ? o->init : "";
	args[3] = tmp;
	env[nenv++] = xasprintf("STP_TRAIN_PHASE=%s", o->phase_iter ? "iter" : "sft");
	env[nenv++] = xasprintf("STP_CHECKPOINT=%s", o->out);
	if (o->config)
		env[nenv++] = xasprintf("STP_CONFIG=%s", o->config);
	progress("training with train.external_cmd '%s'", o->external_cmd);
	if (hook_run(o->external_cmd, args, 4, (const char *const *)env, nenv, why,
	             sizeof why) < 0) {
		rm_tree(tmp);
		die(EX_UNAVAILABLE, "train.external_cmd '%s' failed: %s", o->external_cmd, why);
	}
	if (check_checkpoint(tmp, why, sizeof why) < 0) {
		rm_tree(tmp);
		die(EX_DATAERR, "train.external_cmd '%s' exited 0 but left no checkpoint at OUT "
		    "(for '%s'): %s", o->external_cmd, o->out, why);
	}
	/* a directory is not renamed over a directory, nor a file over one */
	{
		struct stat a, b;
		if (stat(o->out, &b) == 0 && stat(tmp, &a) == 0 &&
		    (S_ISDIR(a.st_mode) || S_ISDIR(b.st_mode)))
			rm_tree(o->out);
	}
	r = rename(tmp, o->out);
	if (r < 0) {
		int e = errno;
		rm_tree(tmp);
		errno = e;
		die(EX_IOERR, "cannot rename the new checkpoint to '%s':", o->out);
	}
	metrics_str("backend", "external");
	metrics_done("train.external_cmd wrote '%s'", o->out);
	for (size_t i = 0; i < nenv; i++)
		free(env[i]);
	free(manifest);
	free(tmp);
	return 0;
}
