/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/manifest.c: manifest, index and config decoders, platform choice, bad corpus;
 * and the runtime part of an image config (storage/rootfs.c storage_image_config_get)
 * on a good config and on the corpus tests/data/bad/image-config/.
 */
#include "storage/internal.h"
#include "tests/unit/corpus.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <stdlib.h>

#define D0 "sha256:0000000000000000000000000000000000000000000000000000000000000000"
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void test_manifest(void)
{
	const char *m = "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
			"\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"" D0
			"\",\"size\":7},\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER
			"\",\"digest\":\"" D1 "\",\"size\":9}]}";
	enum doc_kind k = DOC_INDEX;
	struct error *err = NULL;
	is_int(doc_kind("application/json", m, strlen(m), &k, &err), 0, "kind");
	is_int(k, DOC_MANIFEST, "a Docker schema2 manifest");
	struct oci_manifest om;
	is_int(manifest_decode(m, strlen(m), &om, &err), 0, "decodes");
	is_int(om.n_layers, 1, "one layer");
	is_str(om.layers[0].digest, D1, "layer digest");
	is_int(om.config.size, 7, "config size");
	manifest_clear(&om);
}

static void test_index(void)
{
	const char *x =
	    "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D0 "\",\"size\":1,"
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}";
	enum doc_kind k = DOC_MANIFEST;
	struct error *err = NULL;
	is_int(doc_kind(NULL, x, strlen(x), &k, &err), 0, "kind without a media type");
	is_int(k, DOC_INDEX, "an index by shape");
	struct oci_index idx;
	is_int(index_decode(x, strlen(x), &idx, &err), 0, "decodes");
	const struct oci_desc *d = index_select(&idx, "linux", "arm64", NULL, &err);
	is_str(d ? d->digest : NULL, D1, "arm64");
	d = index_select(&idx, "linux", "arm64", "v8", &err);
	is_str(d ? d->digest : NULL, D1, "arm64/v8");
	d = index_select(&idx, "linux", "amd64", NULL, &err);
	is_str(d ? d->digest : NULL, D0, "amd64");
	ok(index_select(&idx, "linux", "arm64", "v7", &err) == NULL, "no arm64/v7");
	has_str(err ? err->msg : NULL, "no image found in image index", "message");
	err_free(&err);
	index_clear(&idx);
}

/* A body cut short says so, not json-c's "continue". */
static void truncated(void)
{
	static const char *const bodies[] = { "", "{\"schemaVersion\": 2,", "  " };
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct oci_manifest m;
		struct error *err = NULL;
		is_int(manifest_decode(bodies[i], strlen(bodies[i]), &m, &err), -1,
		       "truncated body %zu refused", i);
		has_str(err ? err->msg : NULL,
			"manifest is not valid JSON: unexpected end of input",
			"truncated body %zu: message", i);
		err_free(&err);
	}
}

static void manifest_refused(const char *name, const char *path, const char *text, size_t len,
			     void *arg)
{
	(void)path, (void)arg;
	struct error *err = NULL;
	struct oci_manifest m;
	int rc = manifest_decode(text, len, &m, &err);
	ok(rc < 0 && err != NULL, "%s refused: %s", name, err ? err->msg : "(accepted)");
	err_free(&err);
	struct oci_config_info ci;
	if (config_decode(text, len, &ci, &err) == 0)
		config_info_clear(&ci);
	err_free(&err);
}

static void corpus(void)
{
	ok(corpus_each("tests/data/bad/manifests", manifest_refused, NULL) > 8,
	   "manifest corpus present");
}

/* The image config of an image named by a test: img->config is owned by the caller. */
static int config_get(const char *text, struct storage_image_config *c, struct error **err)
{
	struct json_object *o = doc_parse(text, strlen(text), "image config", err);
	if (o == NULL)
		return -1;
	struct storage_image img = { .id = "0123456789abcdef", .config = o };
	int rc = storage_image_config_get(&img, c, err);
	json_object_put(o);
	return rc;
}

static void config_refused(const char *name, const char *path, const char *text, size_t len,
			   void *arg)
{
	(void)path, (void)len, (void)arg;
	struct storage_image_config c;
	struct error *err = NULL;
	int rc = config_get(text, &c, &err);
	ok(rc < 0 && err != NULL && strstr(err->msg, "is not a string") != NULL, "%s refused: %s",
	   name, err ? err->msg : "(accepted)");
	if (rc == 0)
		storage_image_config_clear(&c);
	err_free(&err);
}

static void image_config(void)
{
	struct storage_image_config c;
	struct error *err = NULL;
	is_int(
	    config_get("{\"config\": {\"Env\": [\"A=1\"], \"Cmd\": [\"sh\", \"-c\"],"
		       " \"Entrypoint\": [], \"User\": \"u\", \"ExposedPorts\": {\"80/tcp\": {}}}}",
		       &c, &err),
	    0, "image config with Env, Cmd, Entrypoint, User, ExposedPorts");
	is_str(c.env ? c.env[0] : NULL, "A=1", "Env");
	is_str(c.cmd ? c.cmd[1] : NULL, "-c", "Cmd");
	ok(c.entrypoint != NULL && c.entrypoint[0] == NULL, "empty Entrypoint");
	is_str(c.user, "u", "User");
	is_str(c.exposed_ports ? c.exposed_ports[0] : NULL, "80/tcp", "ExposedPorts");
	storage_image_config_clear(&c);
	err_free(&err);

	ok(corpus_each("tests/data/bad/image-config", config_refused, NULL) > 2,
	   "image config corpus present");
}

int main(void)
{
	test_manifest();
	test_index();
	truncated();
	corpus();
	image_config();
	return done_testing();
}
