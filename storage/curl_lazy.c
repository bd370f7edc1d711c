/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded when a registry is first talked to. Linked directly, libcurl and the
 * libraries it pulls in (TLS, Kerberos, LDAP, IDN, ...) cost every hutch command about 3 ms
 * of dynamic loading, though only pull and the registry client use it. These functions
 * stand in for libcurl's own: the first call dlopens libcurl.so.4 once (pthread_once, as
 * pull runs threads) and each forwards to the real one.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "lib/lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free_)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLSH *(*share_init)(void);
	CURLSHcode (*share_cleanup)(CURLSH *);
	CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
#define LOAD(field, name) *(void **)&fn.field = lazy_symbol(lib, "libcurl.so.4", name, "libcurl4")
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(easy_escape, "curl_easy_escape");
	LOAD(free_, "curl_free");
	LOAD(slist_append, "curl_slist_append");
	LOAD(slist_free_all, "curl_slist_free_all");
	LOAD(share_init, "curl_share_init");
	LOAD(share_cleanup, "curl_share_cleanup");
	LOAD(share_setopt, "curl_share_setopt");
	LOAD(url, "curl_url");
	LOAD(url_cleanup, "curl_url_cleanup");
	LOAD(url_get, "curl_url_get");
	LOAD(url_set, "curl_url_set");
#undef LOAD
}

#define READY() pthread_once(&once, load)

CURLcode curl_global_init(long flags)
{
	READY();
	return fn.global_init(flags);
}

CURL *curl_easy_init(void)
{
	READY();
	return fn.easy_init();
}

void curl_easy_cleanup(CURL *c)
{
	READY();
	fn.easy_cleanup(c);
}

CURLcode curl_easy_perform(CURL *c)
{
	READY();
	return fn.easy_perform(c);
}

/*
 * The variadic ones take exactly one more argument: a long, a curl_off_t, an object or a
 * function pointer. On the 64-bit ABIs hutch builds for (x86-64, aarch64) all of them
 * travel in the same integer registers, so one 64-bit value forwards any of them.
 */
_Static_assert(sizeof(void *) == 8 && sizeof(long) == 8 && sizeof(curl_off_t) == 8,
	       "curl_lazy.c forwards varargs as one 64-bit value");

CURLcode curl_easy_setopt(CURL *c, CURLoption o, ...)
{
	va_list ap;
	va_start(ap, o);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	READY();
	return fn.easy_setopt(c, o, arg);
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO i, ...)
{
	va_list ap;
	va_start(ap, i);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	READY();
	return fn.easy_getinfo(c, i, arg);
}

CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption o, ...)
{
	va_list ap;
	va_start(ap, o);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	READY();
	return fn.share_setopt(s, o, arg);
}

const char *curl_easy_strerror(CURLcode code)
{
	READY();
	return fn.easy_strerror(code);
}

char *curl_easy_escape(CURL *c, const char *s, int len)
{
	READY();
	return fn.easy_escape(c, s, len);
}

void curl_free(void *p)
{
	READY();
	fn.free_(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	READY();
	return fn.slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
	READY();
	fn.slist_free_all(l);
}

CURLSH *curl_share_init(void)
{
	READY();
	return fn.share_init();
}

CURLSHcode curl_share_cleanup(CURLSH *s)
{
	READY();
	return fn.share_cleanup(s);
}

CURLU *curl_url(void)
{
	READY();
	return fn.url();
}

void curl_url_cleanup(CURLU *u)
{
	READY();
	fn.url_cleanup(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	READY();
	return fn.url_get(u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	READY();
	return fn.url_set(u, what, part, flags);
}
