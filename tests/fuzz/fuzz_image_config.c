/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the image config (storage/manifest.c config_decode, which a pull and a
 * load run on the config blob, and storage/rootfs.c storage_image_config_get, which
 * `run` uses for Entrypoint, Cmd, Env, WorkingDir, User and ExposedPorts).
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

static void runtime_config(const char *body, size_t len)
{
	struct error *err = NULL;
	struct json_object *o = doc_parse(body, len, "image config", &err);
	fuzz_check_err("doc_parse", o != NULL ? 0 : -1, &err);
	if (o == NULL)
		return;
	struct storage_image img = { .id = "0123456789ab", .config = o };
	struct storage_image_config c;
	fuzz_check_err("storage_image_config_get", storage_image_config_get(&img, &c, &err), &err);
	storage_image_config_clear(&c);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > CONFIG_MAX)
		return -1; /* pull reads at most CONFIG_MAX bytes of a config */
	const char *body = (const char *)data;
	struct oci_config_info c;
	struct error *err = NULL;
	int rc = config_decode(body, size, &c, &err);
	fuzz_check_err("config_decode", rc, &err);
	if (rc == 0) {
		if (c.diff_ids == NULL)
			fuzz_fail("config accepted without diff_ids");
		for (size_t i = 0; c.diff_ids[i] != NULL; i++)
			if (!storage_digest_valid(c.diff_ids[i]))
				fuzz_fail("config accepted with diff_id \"%s\"", c.diff_ids[i]);
		config_info_clear(&c);
	}
	runtime_config(body, size);
	return 0;
}
