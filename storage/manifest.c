/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoders for the registry documents: OCI and Docker schema2 manifests, OCI indexes and
 * Docker manifest lists, and image configs. Each checks types and required fields through
 * lib/json.h's json_req_/json_opt_ helpers (STYLE.md B5); schema1 is refused by name.
 */
#include "storage/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *storage_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

struct json_object *doc_parse(const char *body, size_t len, const char *what, struct error **err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	if (o != NULL && je == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(tok) < len) {
		/* Trailing bytes after the document: only whitespace is allowed. */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t')
				je = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (o == NULL || je != json_tokener_success) {
		json_object_put(o);
		/* json-c's "continue" means the body ended inside the document. */
		err_set(err, EINVAL, ERR_TOOL, "%s is not valid JSON: %s", what,
			je == json_tokener_success    ? "empty document"
			: je == json_tokener_continue ? "unexpected end of input"
						      : json_tokener_error_desc(je));
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		err_set(err, EINVAL, ERR_TOOL, "%s is not a JSON object", what);
		return NULL;
	}
	return o;
}

void oci_desc_clear(struct oci_desc *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	*d = (struct oci_desc){ 0 };
}

static int desc_decode(struct json_object *o, const char *what, struct oci_desc *d,
		       struct error **err)
{
	*d = (struct oci_desc){ 0 };
	if (!json_object_is_type(o, json_type_object))
		return err_set(err, EINVAL, ERR_TOOL, "%s: descriptor is not an object", what);
	if (json_req_str(o, "mediaType", what, &d->media_type, err) < 0 ||
	    json_req_str(o, "digest", what, &d->digest, err) < 0)
		return -1;
	if (!storage_digest_valid(d->digest))
		return err_set(err, EINVAL, ERR_TOOL, "%s: unsupported digest \"%s\"", what,
			       d->digest);
	struct json_object *sz = json_get(o, "size");
	if (sz == NULL || !json_object_is_type(sz, json_type_int) || json_object_get_int64(sz) < 0)
		return err_set(err, EINVAL, ERR_TOOL, "%s: \"size\" is missing or invalid", what);
	d->size = json_object_get_int64(sz);
	struct json_object *p = json_get(o, "platform");
	if (p != NULL && json_object_is_type(p, json_type_object)) {
		if (json_opt_str(p, "os", what, &d->os, err) < 0 ||
		    json_opt_str(p, "architecture", what, &d->arch, err) < 0 ||
		    json_opt_str(p, "variant", what, &d->variant, err) < 0)
			return -1;
	}
	return 0;
}

static bool is_schema1(const char *mt)
{
	return mt != NULL &&
	       strncmp(mt, "application/vnd.docker.distribution.manifest.v1", 47) == 0;
}

int doc_kind(const char *content_type, const char *body, size_t len, enum doc_kind *kind,
	     struct error **err)
{
	struct json_object *o = doc_parse(body, len, "manifest", err);
	if (o == NULL)
		return -1;
	autofree char *mt = NULL;
	struct json_object *v = json_get(o, "mediaType");
	if (v != NULL && json_object_is_type(v, json_type_string))
		mt = xstrdup(json_object_get_string(v));
	struct json_object *sv = json_get(o, "schemaVersion");
	int64_t schema = sv != NULL ? json_object_get_int64(sv) : 0;
	bool has_manifests = json_get(o, "manifests") != NULL;
	json_object_put(o);
	/* The body's mediaType wins; registries often send a generic Content-Type. */
	const char *t = mt != NULL ? mt : content_type;
	if (schema == 1 || is_schema1(t) || is_schema1(content_type))
		return err_set(err, ENOTSUP, ERR_TOOL,
			       "manifest schema 1 is not supported: it is deprecated and unsafe; "
			       "ask the publisher to push the image again with a current client");
	if (t != NULL && (strcmp(t, MT_OCI_MANIFEST) == 0 || strcmp(t, MT_DOCKER_MANIFEST) == 0)) {
		*kind = DOC_MANIFEST;
		return 0;
	}
	if (t != NULL && (strcmp(t, MT_OCI_INDEX) == 0 || strcmp(t, MT_DOCKER_LIST) == 0)) {
		*kind = DOC_INDEX;
		return 0;
	}
	if (t == NULL || strcmp(t, "application/json") == 0) {
		/* OCI allows mediaType to be absent: fall back to the shape. */
		if (schema == 2) {
			*kind = has_manifests ? DOC_INDEX : DOC_MANIFEST;
			return 0;
		}
	}
	return err_set(err, ENOTSUP, ERR_TOOL, "unsupported manifest media type \"%s\"",
		       t != NULL ? t : "(none)");
}

void manifest_clear(struct oci_manifest *m)
{
	free(m->media_type);
	oci_desc_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		oci_desc_clear(&m->layers[i]);
	free(m->layers);
	*m = (struct oci_manifest){ 0 };
}

bool layer_media_type_ok(const char *mt)
{
	static const char *const ok_types[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	for (size_t i = 0; i < sizeof(ok_types) / sizeof(ok_types[0]); i++)
		if (strcmp(mt, ok_types[i]) == 0)
			return true;
	return false;
}

static int manifest_fill(struct json_object *o, struct oci_manifest *m, struct error **err)
{
	const char *what = "manifest";
	struct json_object *sv = json_get(o, "schemaVersion"), *cfg = json_get(o, "config"),
			   *layers;
	if (sv == NULL || json_object_get_int64(sv) != 2)
		return err_set(err, EINVAL, ERR_TOOL, "manifest: schemaVersion is not 2");
	if (json_opt_str(o, "mediaType", what, &m->media_type, err) < 0)
		return -1;
	if (cfg == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "manifest: \"config\" is missing");
	if (desc_decode(cfg, "manifest config", &m->config, err) < 0 ||
	    json_req_array(o, "layers", what, &layers, err) < 0)
		return -1;
	size_t n = json_object_array_length(layers);
	if (n > 1000)
		return err_set(err, E2BIG, ERR_TOOL, "manifest: too many layers (%zu)", n);
	m->layers = xcalloc(n + 1, sizeof(*m->layers));
	for (size_t i = 0; i < n; i++) {
		m->n_layers = i + 1;
		if (desc_decode(json_object_array_get_idx(layers, i), "manifest layer",
				&m->layers[i], err) < 0)
			return -1;
		if (!layer_media_type_ok(m->layers[i].media_type))
			return err_set(err, ENOTSUP, ERR_TOOL,
				       "manifest: unsupported layer media type \"%s\"",
				       m->layers[i].media_type);
	}
	return 0;
}

int manifest_decode(const char *body, size_t len, struct oci_manifest *m, struct error **err)
{
	*m = (struct oci_manifest){ 0 };
	struct json_object *o = doc_parse(body, len, "manifest", err);
	if (o == NULL)
		return -1;
	int rc = manifest_fill(o, m, err);
	json_object_put(o);
	if (rc < 0)
		manifest_clear(m);
	return rc;
}

void index_clear(struct oci_index *x)
{
	for (size_t i = 0; i < x->n; i++)
		oci_desc_clear(&x->manifests[i]);
	free(x->manifests);
	*x = (struct oci_index){ 0 };
}

int index_decode(const char *body, size_t len, struct oci_index *x, struct error **err)
{
	*x = (struct oci_index){ 0 };
	struct json_object *o = doc_parse(body, len, "image index", err), *arr;
	if (o == NULL)
		return -1;
	int rc = json_req_array(o, "manifests", "image index", &arr, err);
	size_t n = rc == 0 ? json_object_array_length(arr) : 0;
	x->manifests = xcalloc(n + 1, sizeof(*x->manifests));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		x->n = i + 1;
		rc = desc_decode(json_object_array_get_idx(arr, i), "image index entry",
				 &x->manifests[i], err);
	}
	json_object_put(o);
	if (rc < 0)
		index_clear(x);
	return rc;
}

/* The variant an arch has when none is named: arm64 is v8, arm is v7 (containerd's rule). */
static const char *default_variant(const char *arch)
{
	if (strcmp(arch, "arm64") == 0)
		return "v8";
	if (strcmp(arch, "arm") == 0)
		return "v7";
	return NULL;
}

static bool variant_eq(const char *a, const char *b, const char *arch)
{
	const char *d = default_variant(arch);
	if (a == NULL || *a == '\0')
		a = d;
	if (b == NULL || *b == '\0')
		b = d;
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

const struct oci_desc *index_select(const struct oci_index *x, const char *os, const char *arch,
				    const char *variant, struct error **err)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct oci_desc *d = &x->manifests[i];
		if (d->os == NULL || d->arch == NULL || strcmp(d->os, os) != 0 ||
		    strcmp(d->arch, arch) != 0)
			continue;
		if (variant != NULL && !variant_eq(d->variant, variant, arch))
			continue;
		if (strcmp(d->media_type, MT_OCI_MANIFEST) != 0 &&
		    strcmp(d->media_type, MT_DOCKER_MANIFEST) != 0)
			continue;
		return d;
	}
	err_set(err, ENOENT, ERR_TOOL,
		"no image found in image index for architecture %s%s%s, "
		"OS %s",
		arch, variant ? ", variant " : "", variant ? variant : "", os);
	return NULL;
}

void config_info_clear(struct oci_config_info *c)
{
	strv_free(c->diff_ids);
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->created);
	*c = (struct oci_config_info){ 0 };
}

static int config_fill(struct json_object *o, struct oci_config_info *c, struct error **err)
{
	const char *what = "image config";
	struct json_object *rootfs = json_get(o, "rootfs"), *ids;
	if (json_opt_str(o, "os", what, &c->os, err) < 0 ||
	    json_opt_str(o, "architecture", what, &c->arch, err) < 0 ||
	    json_opt_str(o, "variant", what, &c->variant, err) < 0 ||
	    json_opt_str(o, "created", what, &c->created, err) < 0)
		return -1;
	if (rootfs == NULL || !json_object_is_type(rootfs, json_type_object))
		return err_set(err, EINVAL, ERR_TOOL, "image config: \"rootfs\" is missing");
	if (json_req_array(rootfs, "diff_ids", what, &ids, err) < 0)
		return -1;
	c->diff_ids = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		struct json_object *v = json_object_array_get_idx(ids, i);
		const char *s =
		    json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (!storage_digest_valid(s))
			return err_set(err, EINVAL, ERR_TOOL, "image config: invalid diff_id");
		strv_push(&c->diff_ids, s);
	}
	return 0;
}

int config_decode(const char *body, size_t len, struct oci_config_info *c, struct error **err)
{
	*c = (struct oci_config_info){ 0 };
	struct json_object *o = doc_parse(body, len, "image config", err);
	if (o == NULL)
		return -1;
	int rc = config_fill(o, c, err);
	json_object_put(o);
	if (rc < 0)
		config_info_clear(c);
	return rc;
}
