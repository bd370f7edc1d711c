/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/compress.c: gzip in parallel members and zstd give streams that decompress to
 * the input, byte for byte (empty, tiny, one chunk exactly, many chunks of compressible and
 * random data); the digest and count of the output are those of the bytes written; the
 * same input gives the same stream (the blob digest of a layer is stable across pushes).
 */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Compress in into a temp file; its bytes (owned) in *out. */
static int squeeze(enum layer_compression kind, const char *in, size_t len, size_t step, char **out,
		   size_t *out_len, char hex[SHA256_HEX_LEN + 1])
{
	char path[] = "/tmp/hutch-test-compress-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	struct store_hashed_out o = { .fd = fd, .h = sha256_new() };
	struct error *err = NULL;
	struct compressor *c = compressor_new(kind, &o, &err);
	int rc = c == NULL ? -1 : 0;
	for (size_t off = 0; rc == 0 && off < len; off += step)
		rc = compressor_write(c, in + off, len - off < step ? len - off : step, &err);
	if (compressor_finish(&c, rc == 0, &err) < 0)
		rc = -1;
	if (rc < 0)
		printf("# %s\n", err ? err->msg : "?");
	err_free(&err);
	sha256_final_hex(o.h, hex);
	lseek(fd, 0, SEEK_SET);
	if (fs_read_fd(fd, SIZE_MAX, out, out_len, NULL) < 0)
		rc = -1;
	close(fd);
	return rc;
}

/* Decompress with libarchive, as unpack does. */
static char *expand(const char *data, size_t len, size_t *out_len)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	char *out = NULL;
	size_t n = 0;
	if (archive_read_open_memory(a, data, len) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char buf[65536];
		la_ssize_t got;
		while ((got = archive_read_data(a, buf, sizeof(buf))) > 0) {
			out = xrealloc(out, n + (size_t)got + 1);
			memcpy(out + n, buf, (size_t)got);
			n += (size_t)got;
		}
		if (got < 0) {
			free(out);
			out = NULL;
		}
	}
	archive_read_free(a);
	*out_len = n;
	return out != NULL ? out : (len > 0 && n == 0 ? xstrdup("") : NULL);
}

static void roundtrip(enum layer_compression kind, const char *name, const char *in, size_t len,
		      size_t step)
{
	const char *kn = kind == LAYER_GZIP ? "gzip" : "zstd";
	char *z = NULL, *z2 = NULL;
	size_t zl = 0, zl2 = 0;
	char hex[SHA256_HEX_LEN + 1], hex2[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	ok(squeeze(kind, in, len, step, &z, &zl, hex) == 0, "%s %s: compressed", kn, name);
	sha256_hex(z, zl, want);
	is_str(hex, want, "%s %s: the digest is the output's", kn, name);
	if (kind == LAYER_GZIP)
		ok(zl >= 18 && (unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b,
		   "%s %s: a gzip stream", kn, name);
	size_t xl = 0;
	char *x = expand(z, zl, &xl);
	ok(x != NULL && xl == len && (len == 0 || memcmp(x, in, len) == 0),
	   "%s %s: decompresses to the input (%zu of %zu bytes)", kn, name, xl, len);
	ok(squeeze(kind, in, len, step * 3 + 1, &z2, &zl2, hex2) == 0 && strcmp(hex, hex2) == 0,
	   "%s %s: the same stream again, whatever the writes", kn, name);
	free(x), free(z), free(z2);
}

int main(void)
{
	size_t big = (9 << 20) + 12345; /* more than two 4 MiB chunks */
	char *text = xmalloc(big), *rnd = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		text[i] = "layer data, compressible\n"[i % 25];
	unsigned x = 17;
	for (size_t i = 0; i < big; i++) {
		x = x * 1103515245u + 12345u;
		rnd[i] = (char)(x >> 16);
	}
	/* Half text, half random: members of both kinds (deflated and stored). */
	char *mix = xmalloc(big);
	memcpy(mix, text, big / 2);
	memcpy(mix + big / 2, rnd, big - big / 2);
	enum layer_compression kinds[] = { LAYER_GZIP, LAYER_ZSTD };
	for (size_t k = 0; k < 2; k++) {
		roundtrip(kinds[k], "empty", "", 0, 1);
		roundtrip(kinds[k], "one byte", "x", 1, 1);
		roundtrip(kinds[k], "one chunk", text, 4 << 20, 65536);
		roundtrip(kinds[k], "text", text, big, 100000);
		roundtrip(kinds[k], "mixed", mix, big, 1 << 20);
	}
	/* Random data is stored, not deflated: about its own size. */
	char *z = NULL;
	size_t zl = 0;
	char hex[SHA256_HEX_LEN + 1];
	squeeze(LAYER_GZIP, rnd, big, 1 << 20, &z, &zl, hex);
	ok(zl > big && zl < big + big / 100, "gzip random: stored (%zu bytes for %zu)", zl, big);
	free(z);
	free(text), free(rnd), free(mix);
	return done_testing();
}
