/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hutch pull`: resolve the name, fetch and verify the manifest (choosing from an index)
 * and config, then fetch the missing layers in parallel. Each layer streams
 * network -> sha256 -> pipe -> decompress -> untar into layers/.tmp-CHAIN, with no
 * temporary tarball; it is renamed to layers/CHAIN only once its blob digest, size and
 * diff ID check out. The whole pull runs as root in a user namespace (ownership maps to
 * subordinate ids) and dies with the CLI (PDEATHSIG): a kill -9 leaves only .tmp dirs.
 * What the registry controls is bounded: its waits by the registry client's deadline and
 * stall time, a blob by the size the manifest gives it, and what the layers unpack to by
 * one budget for the pull (pull_layer_max_ratio times the compressed bytes, or at least
 * PULL_LAYER_FLOOR), so a decompression bomb stops long before the disk is full.
 */
#include "storage/internal.h"
#include "storage/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MAX_PARALLEL 6

/* What a pull reads once, in the child: registries.conf and containers.conf's limits. */
struct pull_conf {
	struct storage_regconf reg;
	struct storage_pullconf lim;
	int progress_fd; /* the event pipe to storage_pull; -1: no sink */
};

struct layer_job {
	const struct oci_desc *desc;
	const char *diff_id;
	char chain[SHA256_HEX_LEN + 1];
	char parent[SHA256_HEX_LEN + 1];
	int64_t size;  /* unpacked */
	unsigned item; /* its progress index */
};

struct layers_run {
	struct storage *s;
	struct reg_client *c;
	struct layer_job *jobs;
	size_t n;
	atomic_size_t next;
	atomic_bool failed;
	int progress_fd;
	long ratio;		     /* pull_layer_max_ratio; 0: no budget */
	struct unpack_budget budget; /* grows by ratio times each layer fetched */
	pthread_mutex_t mu;
	struct error *err;
};

struct download {
	struct reg_client *c;
	const struct oci_desc *desc;
	int fd; /* pipe write end; closed when done */
	struct sha256_ctx *hash;
	int64_t got;
	int progress_fd;
	unsigned item;
	int blob_fd; /* the blob kept beside the layer (LAYER_BLOB); -1: not kept */
	int dirfd;   /* the layer's diff dir: the blob goes beside it */
	struct error *err;
};

/* Keeping the blob is not worth failing a pull over (a full disk): without it, save
 * writes the layer anew (and the image gets a new ID). */
static void blob_write(struct download *d, const void *data, size_t len)
{
	if (d->blob_fd < 0 || fs_write_all(d->blob_fd, data, len) == 0)
		return;
	close(d->blob_fd);
	d->blob_fd = -1;
	unlinkat(d->dirfd, "../" LAYER_BLOB, 0);
}

static int pipe_sink(void *arg, const void *data, size_t len, struct error **err)
{
	struct download *d = arg;
	if (d->got + (int64_t)len > d->desc->size)
		return err_set(err, EFBIG, ERR_TOOL,
			       "blob is larger than the %lld bytes the "
			       "manifest says",
			       (long long)d->desc->size);
	sha256_update(d->hash, data, len);
	d->got += (int64_t)len;
	progress_send_bytes(d->progress_fd, d->item, (int64_t)len);
	if (fs_write_all(d->fd, data, len) < 0)
		return err_sys(err, "unpacking stopped");
	blob_write(d, data, len);
	return 0;
}

static void *download_thread(void *arg)
{
	struct download *d = arg;
	reg_stream_blob(d->c, d->desc->digest, d->desc->size, pipe_sink, d, &d->err);
	close(d->fd);
	d->fd = -1;
	return NULL;
}

/* An unpack that ran out of the pull's budget says why, and what to change. */
static int bomb_error(struct layers_run *r, struct error **err)
{
	if (r->ratio <= 0 || (*err)->code != EFBIG || atomic_load(&r->budget.left) >= 0)
		return -1;
	err_free(err);
	return err_set(err, EFBIG, ERR_TOOL,
		       "refusing a possible decompression bomb: the layers unpack to more than "
		       "%ld times their compressed size (pull_layer_max_ratio in containers.conf)",
		       r->ratio);
}

/* Download and unpack one layer into dirfd (the fill of store_import_layer). */
struct fetch_arg {
	struct layers_run *r;
	struct layer_job *j;
};

static int fetch_layer(void *arg, int dfd, struct unpack_result *res, struct error **err)
{
	struct fetch_arg *fa = arg;
	struct layer_job *j = fa->j;
	struct unpack_budget *budget = fa->r->ratio > 0 ? &fa->r->budget : NULL;
	if (budget != NULL) {
		/* Only layers actually fetched add to it: an image cannot borrow the allowance of
		 * layers the store already has. Saturating: the size is the registry's word. */
		int64_t more;
		if (__builtin_mul_overflow(j->desc->size, (int64_t)fa->r->ratio, &more) ||
		    more > INT64_MAX / 4)
			more = INT64_MAX / 4;
		int64_t was = atomic_fetch_add(&budget->left, more);
		if (was > INT64_MAX / 2)
			atomic_store(&budget->left, INT64_MAX / 2);
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	struct download d = { .c = fa->r->c,
			      .desc = j->desc,
			      .fd = p[1],
			      .hash = sha256_new(),
			      .progress_fd = fa->r->progress_fd,
			      .item = j->item,
			      .dirfd = dfd };
	/* The blob as the registry sent it, beside diff/: save writes it (decompressed) so
	 * that the layer's diff ID, and the image ID, stay those of the registry's image. */
	d.blob_fd = openat(dfd, "../" LAYER_BLOB, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pthread_t th;
	if (pthread_create(&th, NULL, download_thread, &d) != 0) {
		close(p[0]), close(p[1]);
		if (d.blob_fd >= 0)
			close(d.blob_fd);
		sha256_free(d.hash);
		return err_msg(err, "starting a download thread");
	}
	struct error *uerr = NULL;
	int urc = unpack_tar_fd(p[0], dfd, budget, res, &uerr);
	close(p[0]); /* on failure this stops the download with EPIPE */
	pthread_join(th, NULL);
	if (d.blob_fd >= 0)
		close(d.blob_fd);
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(d.hash, hex);
	/* A download error explains an unpack error ("truncated"), so it goes first, unless
	 * it only says the unpack stopped reading (EPIPE): then the unpack error (a full
	 * disk, say) is the cause. */
	if (d.err != NULL && d.err->code == EPIPE && uerr != NULL) {
		err_free(&d.err);
		*err = uerr;
		return bomb_error(fa->r, err);
	}
	if (d.err != NULL) {
		err_free(&uerr);
		*err = steal_ptr(&d.err);
		return -1;
	}
	if (d.got != j->desc->size || strcmp(hex, j->desc->digest + 7) != 0) {
		err_free(&uerr);
		return err_set(err, EINVAL, ERR_TOOL,
			       "digest mismatch: want %s (%lld bytes), got "
			       "sha256:%s (%lld bytes)",
			       j->desc->digest, (long long)j->desc->size, hex, (long long)d.got);
	}
	if (urc < 0) {
		*err = uerr;
		return bomb_error(fa->r, err);
	}
	return 0;
}

static int do_layer(struct layers_run *r, struct layer_job *j, struct error **err)
{
	struct layer_import li = { .diff_id = j->diff_id,
				   .blob_digest = j->desc->digest,
				   .blob_size = j->desc->size };
	memcpy(li.chain, j->chain, sizeof(li.chain));
	memcpy(li.parent, j->parent, sizeof(li.parent));
	struct fetch_arg fa = { .r = r, .j = j };
	bool existed = false;
	if (store_import_layer(r->s, &li, fetch_layer, &fa, &existed, err) < 0)
		return -1;
	j->size = li.size;
	progress_send_done(r->progress_fd, j->item, false, existed ? "Already exists" : "done");
	return 0;
}

static void *worker(void *arg)
{
	struct layers_run *r = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->n || atomic_load(&r->failed))
			return NULL;
		struct error *e = NULL;
		if (do_layer(r, &r->jobs[i], &e) < 0) {
			pthread_mutex_lock(&r->mu);
			if (r->err == NULL)
				r->err = steal_ptr(&e);
			pthread_mutex_unlock(&r->mu);
			atomic_store(&r->failed, true);
			progress_send_done(r->progress_fd, r->jobs[i].item, true, "failed");
		}
		err_free(&e);
	}
}

static int run_layers(struct layers_run *r, struct error **err)
{
	size_t nt = r->n < MAX_PARALLEL ? r->n : MAX_PARALLEL;
	pthread_t th[MAX_PARALLEL];
	size_t started = 0;
	pthread_mutex_init(&r->mu, NULL);
	for (; started < nt; started++)
		if (pthread_create(&th[started], NULL, worker, r) != 0)
			break;
	if (started == 0 && r->n > 0)
		worker(r);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&r->mu);
	if (r->err != NULL) {
		*err = steal_ptr(&r->err);
		return -1;
	}
	return 0;
}

struct resolved {
	char *manifest;
	size_t manifest_len;
	char *manifest_digest;
	char *config;
	size_t config_len;
	struct oci_manifest m;
	struct oci_config_info ci;
};

static void resolved_clear(struct resolved *x)
{
	free(x->manifest);
	free(x->manifest_digest);
	free(x->config);
	manifest_clear(&x->m);
	config_info_clear(&x->ci);
}

/* Manifest (through an index when there is one) and config, all verified. */
static int resolve_image(struct storage *s, struct reg_client *c, const struct storage_ref *ref,
			 const struct storage_pull_opts *o, struct resolved *x, struct error **err)
{
	autofree char *mt = NULL;
	enum doc_kind kind;
	const char *want = ref->digest ? ref->digest : ref->tag;
	if (reg_get_manifest(c, want, &x->manifest, &x->manifest_len, &mt, &x->manifest_digest,
			     err) < 0 ||
	    doc_kind(mt, x->manifest, x->manifest_len, &kind, err) < 0)
		return -1;
	if (kind == DOC_INDEX) {
		struct oci_index idx;
		if (index_decode(x->manifest, x->manifest_len, &idx, err) < 0)
			return -1;
		const char *arch = o->arch ? o->arch : storage_host_arch();
		const struct oci_desc *d =
		    index_select(&idx, o->os ? o->os : "linux", arch, o->variant, err);
		autofree char *dg = d ? xstrdup(d->digest) : NULL;
		index_clear(&idx);
		if (dg == NULL)
			return -1;
		free(x->manifest), free(x->manifest_digest), free(mt);
		x->manifest = x->manifest_digest = mt = NULL;
		if (reg_get_manifest(c, dg, &x->manifest, &x->manifest_len, &mt,
				     &x->manifest_digest, err) < 0 ||
		    doc_kind(mt, x->manifest, x->manifest_len, &kind, err) < 0)
			return -1;
		if (kind != DOC_MANIFEST)
			return err_msg(err, "image index entry %s is not an image manifest", dg);
	}
	if (manifest_decode(x->manifest, x->manifest_len, &x->m, err) < 0)
		return -1;
	if (x->m.config.size > CONFIG_MAX)
		return err_msg(err, "image config is too large (%lld bytes)",
			       (long long)x->m.config.size);
	if (store_get_blob(s, x->m.config.digest, CONFIG_MAX, &x->config, &x->config_len, NULL) <
		0 &&
	    reg_get_blob(c, x->m.config.digest, CONFIG_MAX, &x->config, &x->config_len, err) < 0)
		return err_wrap(err, "fetching config");
	if (config_decode(x->config, x->config_len, &x->ci, err) < 0)
		return -1;
	if (strv_len(x->ci.diff_ids) != x->m.n_layers)
		return err_msg(err, "image config lists %zu layers, the manifest %zu",
			       strv_len(x->ci.diff_ids), x->m.n_layers);
	return 0;
}

static int fetch_layers(struct storage *s, struct reg_client *c, struct resolved *x,
			const struct pull_conf *conf, char ***chains, int64_t *total,
			struct error **err)
{
	struct layers_run r = { .s = s,
				.c = c,
				.n = x->m.n_layers,
				.progress_fd = conf->progress_fd,
				.ratio = conf->lim.layer_max_ratio };
	atomic_init(&r.budget.left, PULL_LAYER_FLOOR);
	r.jobs = xcalloc(r.n + 1, sizeof(*r.jobs));
	for (size_t i = 0; i < r.n; i++) {
		struct layer_job *j = &r.jobs[i];
		j->desc = &x->m.layers[i];
		j->diff_id = x->ci.diff_ids[i];
		storage_chain_id(i ? r.jobs[i - 1].chain : NULL, j->diff_id, j->chain);
		if (i)
			memcpy(j->parent, r.jobs[i - 1].chain, sizeof(j->parent));
		j->item = (unsigned)i;
		progress_send_start(r.progress_fd, j->item, "Copying blob", j->desc->digest,
				    j->desc->size);
	}
	int rc = run_layers(&r, err);
	progress_send_end(r.progress_fd);
	*chains = xcalloc(r.n + 1, sizeof(char *));
	*total = 0;
	for (size_t i = 0; i < r.n; i++) {
		(*chains)[i] = xstrdup(r.jobs[i].chain);
		*total += r.jobs[i].size;
	}
	free(r.jobs);
	return rc;
}

struct pull_target {
	char *host; /* endpoint host after registries.conf rewriting */
	char *path;
	bool insecure;
};

/* Endpoints for ref: the mirrors of its [[registry]], then its location. */
static int targets(const struct storage_regconf *conf, const struct storage_ref *ref,
		   struct pull_target **out, size_t *n, struct error **err)
{
	autofree char *name = storage_ref_name(ref);
	size_t ml = 0;
	const struct regconf_registry *r = storage_regconf_find(conf, name, &ml);
	*n = 0;
	*out = xcalloc(8 + (r ? r->n_mirrors : 0), sizeof(**out));
	if (r != NULL && r->blocked)
		return err_set(err, EPERM, ERR_TOOL, "registry %s is blocked in registries.conf",
			       ref->domain);
	for (size_t i = 0; i <= (r ? r->n_mirrors : 0); i++) {
		const char *loc = NULL;
		bool insecure = false;
		if (r != NULL && i < r->n_mirrors) {
			loc = r->mirrors[i].location, insecure = r->mirrors[i].insecure;
		} else if (r != NULL && r->location != NULL) {
			loc = r->location, insecure = r->insecure;
		}
		autofree char *full = loc ? xasprintf("%s%s", loc, name + ml) : xstrdup(name);
		char *slash = strchr(full, '/');
		if (slash == NULL)
			continue;
		struct pull_target *t = &(*out)[(*n)++];
		t->host = xstrndup(full, (size_t)(slash - full));
		t->path = xstrdup(slash + 1);
		t->insecure = insecure || (r != NULL && i == r->n_mirrors && r->insecure);
	}
	return 0;
}

static void targets_free(struct pull_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].host), free(t[i].path);
	free(t);
}

/* Pull one fully qualified reference. */
static int pull_ref(struct storage *s, const struct pull_conf *conf, const struct storage_ref *ref,
		    const struct storage_pull_opts *o, char **id, struct error **err)
{
	struct pull_target *t = NULL;
	size_t nt = 0;
	struct reg_client *c = NULL;
	struct resolved x = { 0 };
	autofree char *shown = storage_ref_string(ref);
	progress_send_text(conf->progress_fd, STORAGE_PROGRESS_TRYING, shown);
	int rc = targets(&conf->reg, ref, &t, &nt, err);
	for (size_t i = 0; rc == 0 && i < nt; i++) {
		struct error *e = NULL;
		autofree char *up = NULL;
		struct reg_opts ro = { .tls_verify = o->tls_verify,
				       .insecure = t[i].insecure,
				       .request_timeout = conf->lim.request_timeout,
				       .stall_timeout = conf->lim.stall_timeout,
				       .progress_fd = conf->progress_fd };
		if (storage_auth_lookup(t[i].host, t[i].path, o->authfile, o->creds, &up, err) <
		    0) {
			rc = -1;
			break;
		}
		ro.userpass = up;
		if (reg_open(t[i].host, t[i].path, &ro, &c, &e) == 0 &&
		    resolve_image(s, c, ref, o, &x, &e) == 0) {
			err_free(&e);
			break;
		}
		reg_close(&c);
		resolved_clear(&x);
		x = (struct resolved){ 0 };
		if (i + 1 == nt) {
			*err = e;
			rc = -1;
		} else {
			log_debug("mirror %s: %s", t[i].host, e->msg);
			err_free(&e);
		}
	}
	targets_free(t, nt);
	if (rc < 0)
		return -1;
	autostrv char **chains = NULL;
	int64_t total = 0;
	autoclose int gc = store_lock(s, "gc.lock", false, false, err);
	rc = gc < 0 ? -1 : fetch_layers(s, c, &x, conf, &chains, &total, err);
	if (rc == 0)
		rc = store_put_blob(s, x.m.config.digest, x.config, x.config_len, err);
	if (rc == 0)
		rc = store_put_blob(s, x.manifest_digest, x.manifest, x.manifest_len, err);
	autofree char *name = ref->tag
				  ? storage_ref_string(&(struct storage_ref){
					.domain = ref->domain, .path = ref->path, .tag = ref->tag })
				  : NULL;
	autofree char *rname = storage_ref_name(ref);
	autofree char *rdig = xasprintf("%s@%s", rname, x.manifest_digest);
	/* podman's size of a pulled image: its layers, its config and its manifest, which
	 * containers/storage keeps twice (as "manifest" and under its digest). */
	total += (int64_t)x.config_len + 2 * (int64_t)x.manifest_len;
	struct image_commit ic = { .config_digest = x.m.config.digest,
				   .manifest_digest = x.manifest_digest,
				   .chain_ids = chains,
				   .diff_ids = x.ci.diff_ids,
				   .size = total,
				   .name = name,
				   .repo_digest = rdig };
	if (rc == 0)
		rc = store_image_commit(s, &ic, err);
	if (rc == 0) {
		*id = xstrdup(x.m.config.digest + 7);
		progress_send_text(conf->progress_fd, STORAGE_PROGRESS_STORED, x.m.config.digest);
	}
	reg_close(&c);
	resolved_clear(&x);
	return rc;
}

/* The fully qualified names a user's reference may mean, in the order to try them. */
static int expand(const struct storage_regconf *conf, const char *input, char ***out,
		  struct error **err)
{
	struct storage_ref r;
	if (storage_ref_parse(input, &r, err) < 0)
		return -1;
	*out = xcalloc(1, sizeof(char *));
	if (r.domain != NULL) {
		int rc = storage_ref_qualify(&r, r.domain, err);
		if (rc == 0)
			strv_push_take(out, storage_ref_string(&r));
		storage_ref_clear(&r);
		return rc;
	}
	const char *alias = storage_regconf_alias(conf, r.path);
	if (alias != NULL) {
		strv_push_take(out,
			       xasprintf("%s%s%s%s%s", alias, r.tag ? ":" : "", r.tag ? r.tag : "",
					 r.digest ? "@" : "", r.digest ? r.digest : ""));
	}
	for (size_t i = 0; alias == NULL && conf->search && conf->search[i]; i++) {
		struct storage_ref q = { .path = xstrdup(r.path),
					 .tag = r.tag ? xstrdup(r.tag) : NULL,
					 .digest = r.digest ? xstrdup(r.digest) : NULL };
		/* Too long under this registry: pull_names' parse of the name says so. */
		(void)storage_ref_qualify(&q, conf->search[i], NULL);
		strv_push_take(out, storage_ref_string(&q));
		storage_ref_clear(&q);
	}
	storage_ref_clear(&r);
	if ((*out)[0] == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "short-name \"%s\" did not resolve to an alias and no "
			       "unqualified-search registries are defined in \"registries.conf\"",
			       input);
	return 0;
}

static int pull_all_tags(struct storage *s, const struct pull_conf *conf, struct storage_ref *ref,
			 const struct storage_pull_opts *o, char **id, struct error **err)
{
	struct reg_client *c = NULL;
	autofree char *up = NULL;
	if (storage_auth_lookup(ref->domain, ref->path, o->authfile, o->creds, &up, err) < 0)
		return -1;
	struct reg_opts ro = { .tls_verify = o->tls_verify,
			       .userpass = up,
			       .request_timeout = conf->lim.request_timeout,
			       .stall_timeout = conf->lim.stall_timeout,
			       .progress_fd = conf->progress_fd };
	autostrv char **tags = NULL;
	if (reg_open(ref->domain, ref->path, &ro, &c, err) < 0 ||
	    reg_list_tags(c, &tags, err) < 0) {
		reg_close(&c);
		return -1;
	}
	reg_close(&c);
	for (size_t i = 0; tags[i] != NULL; i++) {
		free(ref->tag);
		ref->tag = xstrdup(tags[i]);
		free(*id);
		*id = NULL;
		if (pull_ref(s, conf, ref, o, id, err) < 0)
			return err_wrap(err, "tag %s", tags[i]);
	}
	return 0;
}

struct child_arg {
	struct storage *s;
	const char *input;
	const struct storage_pull_opts *o;
	pid_t parent;
	int out_fd;
	int progress_fd; /* -1: no sink */
};

/*
 * ENOSPC: the cause is the store's filesystem, not the file being written when it filled
 * up (a path deep inside a layer). Name the filesystem, its free space and the way out.
 */
static void full_fs(struct storage *s, struct error **err)
{
	struct statvfs v;
	autofree char *was = xstrdup((*err)->msg);
	if (statvfs(s->root, &v) < 0) {
		err_set(err, ENOSPC, ERR_TOOL, "no space left on the store's filesystem (%s): %s",
			s->root, was);
		return;
	}
	double mib = 1024.0 * 1024.0;
	err_set(err, ENOSPC, ERR_TOOL,
		"no space left on the store's filesystem (%s: %.1f MiB free of %.1f MiB): free "
		"space there (hutch image prune -a, hutch system df) or set XDG_DATA_HOME to a "
		"larger one; %s",
		s->root, (double)v.f_bavail * (double)v.f_frsize / mib,
		(double)v.f_blocks * (double)v.f_frsize / mib, was);
}
static int pull_names(struct child_arg *a, const struct pull_conf *conf, char **id,
		      struct error **err)
{
	autostrv char **names = NULL;
	if (expand(&conf->reg, a->input, &names, err) < 0)
		return -1;
	int rc = -1;
	for (size_t i = 0; names[i] != NULL && rc < 0; i++) {
		struct storage_ref r;
		if (storage_ref_parse(names[i], &r, err) < 0)
			return -1;
		err_free(err);
		if (a->o->all_tags) {
			if (r.digest != NULL || strcmp(r.tag, "latest") != 0 ||
			    strchr(a->input, ':') > strrchr(a->input, '/'))
				rc = err_set(err, EINVAL, ERR_USAGE,
					     "tag or digest can't be used "
					     "with --all-tags");
			else
				rc = pull_all_tags(a->s, conf, &r, a->o, id, err);
		} else {
			rc = pull_ref(a->s, conf, &r, a->o, id, err);
		}
		if (rc < 0 && (*err)->code == ENOSPC)
			full_fs(a->s, err);
		/* A registry that does not answer at all: containers/image's words, which
		 * podman's users (and tests) look for. */
		if (rc < 0 && strncmp((*err)->msg, "pinging container registry ", 27) == 0)
			err_wrap(err, "initializing source docker://%s", names[i]);
		else if (rc < 0)
			err_wrap(err, "pulling %s", names[i]);
		storage_ref_clear(&r);
		if (rc < 0 && names[i + 1] != NULL)
			log_debug("%s", (*err)->msg);
	}
	return rc;
}

static int pull_child(void *arg, struct error **err)
{
	struct child_arg *a = arg;
	/* Die with the CLI: a killed pull must not go on writing behind the user's back. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->parent)
		_exit(125);
	signal(SIGPIPE, SIG_IGN);
	a->s->in_userns = true;
	struct pull_conf conf = { .progress_fd = a->progress_fd };
	if (storage_pullconf_load(&conf.lim, err) < 0 || storage_regconf_load(&conf.reg, err) < 0)
		return -1;
	autofree char *id = NULL;
	int rc = pull_names(a, &conf, &id, err);
	storage_regconf_clear(&conf.reg);
	if (rc == 0 && fs_write_all(a->out_fd, id, strlen(id)) < 0)
		return err_sys(err, "reporting the image ID");
	return rc;
}

int storage_pull(struct storage *s, const char *ref, const struct storage_pull_opts *o,
		 char **image_id, struct error **err)
{
	const struct userns_map *m;
	if (store_map(s, &m, err) < 0)
		return -1;
	int p[2], ev[2] = { -1, -1 };
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	/* Progress is not worth failing a pull over: without a pipe or thread, none. */
	struct progress_relay rl;
	bool relay = o->progress != NULL && o->progress->event != NULL && pipe2(ev, O_CLOEXEC) == 0;
	if (relay && progress_relay_start(&rl, ev[0], o->progress) < 0) {
		close(ev[0]), close(ev[1]);
		ev[0] = ev[1] = -1;
		relay = false;
	}
	reg_global_init();
	struct child_arg a = { .s = s,
			       .input = ref,
			       .o = o,
			       .parent = getpid(),
			       .out_fd = p[1],
			       .progress_fd = ev[1] };
	struct userns_child child;
	int rc = userns_spawn(m, 0, pull_child, &a, &child, err);
	close(p[1]);
	if (relay) {
		/* The relay ends at EOF: once the child is gone too. */
		close(ev[1]);
		progress_relay_join(&rl);
		close(ev[0]);
	}
	int status = 0;
	if (rc == 0)
		rc = proc_wait(child.pid, &status, err);
	char buf[SHA256_HEX_LEN + 1] = { 0 };
	ssize_t n = fs_read_all(p[0], buf, SHA256_HEX_LEN);
	close(p[0]);
	if (rc == 0 && (status != 0 || n != SHA256_HEX_LEN))
		rc = err_msg(err, "pulling %s: the pull process failed (status %d)", ref, status);
	if (rc == 0)
		*image_id = xstrdup(buf);
	return rc;
}

/* The digest of the manifest ref names for this platform (an index's entry), from the first
 * endpoint that answers. */
static int remote_digest(const struct pull_conf *conf, const struct storage_ref *ref,
			 const struct storage_pull_opts *o, char **digest, struct error **err)
{
	struct pull_target *t = NULL;
	size_t nt = 0;
	int rc = targets(&conf->reg, ref, &t, &nt, err);
	for (size_t i = 0; rc == 0 && i < nt; i++) {
		struct reg_opts ro = { .tls_verify = o->tls_verify,
				       .insecure = t[i].insecure,
				       .request_timeout = conf->lim.request_timeout,
				       .stall_timeout = conf->lim.stall_timeout,
				       .progress_fd = -1 };
		autofree char *up = NULL, *body = NULL, *mt = NULL, *dg = NULL;
		struct reg_client *c = NULL;
		size_t len = 0;
		enum doc_kind kind = DOC_MANIFEST;
		struct error *e = NULL;
		if (storage_auth_lookup(t[i].host, t[i].path, o->authfile, o->creds, &up, err) <
		    0) {
			rc = -1;
			break;
		}
		ro.userpass = up;
		if (reg_open(t[i].host, t[i].path, &ro, &c, &e) == 0 &&
		    reg_get_manifest(c, ref->digest ? ref->digest : ref->tag, &body, &len, &mt, &dg,
				     &e) == 0 &&
		    doc_kind(mt, body, len, &kind, &e) == 0) {
			struct oci_index idx = { 0 };
			const struct oci_desc *d = NULL;
			if (kind == DOC_INDEX && index_decode(body, len, &idx, &e) == 0 &&
			    (d = index_select(&idx, o->os ? o->os : "linux",
					      o->arch ? o->arch : storage_host_arch(), o->variant,
					      &e)) != NULL) {
				free(dg);
				dg = xstrdup(d->digest);
			}
			if (kind == DOC_INDEX)
				index_clear(&idx);
			if (kind == DOC_MANIFEST || d != NULL) {
				*digest = steal_ptr(&dg);
				reg_close(&c);
				break;
			}
		}
		reg_close(&c);
		if (i + 1 < nt) {
			log_debug("mirror %s: %s", t[i].host, e->msg);
			err_free(&e);
			continue;
		}
		*err = e;
		rc = -1;
	}
	targets_free(t, nt);
	return rc;
}

int storage_remote_digest(const char *ref, const struct storage_pull_opts *o, char **digest,
			  struct error **err)
{
	*digest = NULL;
	struct storage_ref r;
	if (storage_ref_parse(ref, &r, err) < 0)
		return -1;
	struct pull_conf conf = { .progress_fd = -1 };
	int rc = 0;
	if (r.domain == NULL)
		rc = err_set(err, EINVAL, ERR_TOOL, "%s: not a fully qualified reference", ref);
	if (rc == 0)
		rc = storage_ref_qualify(&r, r.domain, err);
	if (rc == 0)
		rc = storage_pullconf_load(&conf.lim, err);
	if (rc == 0)
		rc = storage_regconf_load(&conf.reg, err);
	if (rc == 0) {
		reg_global_init();
		rc = remote_digest(&conf, &r, o, digest, err);
		if (rc < 0 && strncmp((*err)->msg, "pinging container registry ", 27) == 0)
			err_wrap(err, "initializing source docker://%s", ref);
		else if (rc < 0)
			err_wrap(err, "looking up %s", ref);
	}
	storage_regconf_clear(&conf.reg);
	storage_ref_clear(&r);
	return rc;
}
