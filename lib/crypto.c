/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL's libcrypto: sha256 (content digests for the store and registry) and base64
 * (credentials in auth.json). It is loaded on first use: linked directly, its relocations
 * and constructors cost every start of hutch about half a millisecond (run, ps and the exit
 * command alike), while only pull, load, import and a few others need it.
 */
#include "lib/lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

static struct {
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
	int (*decode_block)(unsigned char *, const unsigned char *, int);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	static const char *const names[] = { "EVP_MD_CTX_new",	 "EVP_MD_CTX_free",
					     "EVP_sha256",	 "EVP_DigestInit_ex",
					     "EVP_DigestUpdate", "EVP_DigestFinal_ex",
					     "EVP_DecodeBlock" };
	void **slots[] = { (void **)&fn.ctx_new,     (void **)&fn.ctx_free, (void **)&fn.sha256,
			   (void **)&fn.init,	     (void **)&fn.update,   (void **)&fn.final,
			   (void **)&fn.decode_block };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		*slots[i] = lazy_symbol(lib, "libcrypto.so.3", names[i], "libssl3");
}

struct sha256_ctx {
	EVP_MD_CTX *md;
};

struct sha256_ctx *sha256_new(void)
{
	pthread_once(&once, load);
	struct sha256_ctx *c = xzalloc(sizeof(*c));
	c->md = fn.ctx_new();
	if (c->md == NULL || fn.init(c->md, fn.sha256(), NULL) != 1) {
		fprintf(stderr, "Error: cannot initialise sha256 (OpenSSL)\n");
		_exit(125);
	}
	return c;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	fn.update(c->md, data, len);
}

void sha256_final_hex(struct sha256_ctx *c, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char digits[] = "0123456789abcdef";
	fn.final(c->md, md, &n);
	for (unsigned int i = 0; i < n && i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[SHA256_HEX_LEN] = '\0';
	sha256_free(c);
}

void sha256_free(struct sha256_ctx *c)
{
	if (c == NULL)
		return;
	if (c->md != NULL)
		fn.ctx_free(c->md);
	free(c);
}

void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx *c = sha256_new();
	sha256_update(c, data, len);
	sha256_final_hex(c, hex);
}

static bool b64_alphabet(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

char *base64_decode(const char *in)
{
	size_t n = strlen(in);
	if (n == 0 || n % 4 != 0 || n > INT32_MAX)
		return NULL;
	/* Strict: the alphabet, then at most two '=' at the very end. EVP_DecodeBlock takes
	 * more (all padding, '=' inside), and the length fix-up below must not go negative. */
	size_t pad = in[n - 1] == '=' ? (in[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_alphabet(in[i]))
			return NULL;
	pthread_once(&once, load);
	char *out = xmalloc(n / 4 * 3 + 1);
	int len = fn.decode_block((unsigned char *)out, (const unsigned char *)in, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts '=' padding as zero bytes. */
	len -= (int)pad;
	out[len] = '\0';
	return out;
}
