/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the registry documents' decoders (storage/manifest.c), as a pull runs
 * them on a body a registry sent: doc_kind (with and without a Content-Type), then the
 * manifest and the index decoders and the platform choice. What a decoder accepts must
 * hold what pull relies on: valid digests, sizes >= 0, at most 1000 layers of a known type.
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

static void check_desc(const struct oci_desc *d, const char *what)
{
	if (d->media_type == NULL || !storage_digest_valid(d->digest) || d->size < 0)
		fuzz_fail("%s accepted with a bad descriptor", what);
}

static void decode_manifest(const char *body, size_t len)
{
	struct oci_manifest m;
	struct error *err = NULL;
	int rc = manifest_decode(body, len, &m, &err);
	fuzz_check_err("manifest_decode", rc, &err);
	if (rc < 0)
		return;
	check_desc(&m.config, "manifest config");
	if (m.n_layers > 1000)
		fuzz_fail("manifest accepted with %zu layers", m.n_layers);
	for (size_t i = 0; i < m.n_layers; i++) {
		check_desc(&m.layers[i], "manifest layer");
		if (!layer_media_type_ok(m.layers[i].media_type))
			fuzz_fail("layer of type %s accepted", m.layers[i].media_type);
	}
	manifest_clear(&m);
}

static void select_platform(const struct oci_index *x, const char *arch, const char *variant)
{
	struct error *err = NULL;
	const struct oci_desc *d = index_select(x, "linux", arch, variant, &err);
	fuzz_check_err("index_select", d != NULL ? 0 : -1, &err);
	if (d != NULL && (strcmp(d->os, "linux") != 0 || strcmp(d->arch, arch) != 0))
		fuzz_fail("index_select chose %s/%s for linux/%s", d->os, d->arch, arch);
}

static void decode_index(const char *body, size_t len)
{
	struct oci_index x;
	struct error *err = NULL;
	int rc = index_decode(body, len, &x, &err);
	fuzz_check_err("index_decode", rc, &err);
	if (rc < 0)
		return;
	for (size_t i = 0; i < x.n; i++)
		check_desc(&x.manifests[i], "index entry");
	select_platform(&x, storage_host_arch(), NULL);
	select_platform(&x, "arm64", "v8");
	select_platform(&x, "arm", NULL);
	index_clear(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MANIFEST_MAX)
		return -1; /* registry.c refuses a bigger body before decoding */
	const char *body = (const char *)data;
	static const char *const types[] = { NULL, MT_OCI_MANIFEST, MT_DOCKER_LIST,
					     "application/json" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		enum doc_kind kind;
		struct error *err = NULL;
		fuzz_check_err("doc_kind", doc_kind(types[i], body, size, &kind, &err), &err);
	}
	decode_manifest(body, size);
	decode_index(body, size);
	return 0;
}
