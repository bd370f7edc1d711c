/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An archive from an http(s) URL, for `load -i URL` as podman takes it: the body is
 * written to a file descriptor the caller gives (a temp file, as the loader wants to read
 * it from the start). Plain libcurl, no registry protocol; redirects are followed within
 * http and https only.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "storage/internal.h"

#include <errno.h>
#include <string.h>

bool storage_is_url(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

struct fetch_sink {
	int fd;
	int err; /* errno of a failed write */
};

static size_t write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_sink *f = arg;
	if (fs_write_all(f->fd, data, size * n) < 0) {
		f->err = errno;
		return 0;
	}
	return size * n;
}

int storage_fetch_url(const char *url, int fd, struct error **err)
{
	reg_global_init();
	CURL *h = curl_easy_init();
	if (h == NULL)
		return err_msg(err, "fetching %s: cannot start libcurl", url);
	char msg[CURL_ERROR_SIZE] = "";
	struct fetch_sink f = { .fd = fd };
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, msg);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	if (f.err != 0)
		return err_set(err, f.err, ERR_TOOL, "fetching %s: writing: %s", url,
			       strerror(f.err));
	if (rc != CURLE_OK)
		return err_msg(err, "fetching %s: %s", url,
			       msg[0] != '\0' ? msg : curl_easy_strerror(rc));
	return 0;
}
