/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client (OCI distribution spec, pull side) over libcurl: /v2/ ping, Bearer
 * tokens from WWW-Authenticate (cached for their lifetime) and Basic auth, redirects
 * followed by hand so Authorization never goes to another host, retries with backoff on
 * 5xx, dropped and stalled connections, and blob streams that resume with Range. One share
 * handle keeps connections (and HTTP/2 sessions) for every thread of a pull.
 * Waits a registry controls are bounded: every request but a layer's body has an overall
 * deadline (retries included), and every transfer that makes no useful progress (STALL_BYTES)
 * for the stall time is dropped, then retried or failed; sizes are bounded by the callers'
 * maxima, by ERRBODY_MAX for error bodies and by the blob's size for streams.
 */
#include "storage/internal.h"
#include "storage/progress.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_MAX (1 << 20)
#define ERRBODY_MAX (64 << 10)
#define MAX_REDIRECTS 5
#define MAX_ATTEMPTS 5
/* "Useful progress": this many body bytes since the last mark. A trickle of a byte a second
 * is no progress; the slowest real link delivers a TCP segment or more at a time. */
#define STALL_BYTES (16 << 10)
/* A blob attempt that delivered this much before it failed earns its retries back (a long
 * download on a flaky link), as containers/image resumes after 1 MiB of progress. */
#define RESUME_PROGRESS (1 << 20)

static const char *const accept_manifests =
    "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST;

enum auth_scheme {
	AUTH_NONE,
	AUTH_BASIC,
	AUTH_BEARER
};

struct reg_client {
	char *host; /* registry name for messages and certs.d */
	char *repo;
	char *base; /* "https://host[:port]" or http:// when insecure */
	bool verify;
	bool allow_http;
	struct curl_blob ca; /* system bundle plus the certs.d .crt files, or empty */
	char *ca_data;
	char *cert, *key;
	char *userpass;
	bool push;	    /* the token's scope: pull and push */
	char **mount_from;  /* more repositories the token may read */
	pthread_mutex_t mu; /* guards the auth state */
	enum auth_scheme scheme;
	char *realm, *service;
	char *token;
	time_t token_exp;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	int64_t request_ms; /* deadline of a request but a blob stream; 0: none */
	int64_t stall_ms;   /* no useful progress for this long is a stall; 0: never */
	int progress_fd;    /* WAIT notes while the registry cannot be reached; -1: none */
};

struct req {
	char *url;
	const char *method;	      /* NULL: GET; "HEAD", "POST", "PUT", "PATCH" */
	const struct reg_upload *up;  /* the request body, or NULL (none) */
	int64_t up_pos;		      /* bytes of it sent in this attempt */
	int64_t ul_mark;	      /* upload bytes at the last progress mark */
	bool any_2xx;		      /* every 2xx is success (not only 200 and 206) */
	const char *content_type_hdr; /* "Content-Type: ..." to send, or NULL */
	const char *extra_hdr;	      /* one more header, or NULL */
	const char *accept;
	int64_t range_from; /* -1: no Range */
	bool no_auth;	    /* token endpoint: Basic only */
	const char *basic;  /* explicit basic credentials (token endpoint) */
	/* buffered body */
	size_t max;
	char *buf;
	size_t len;
	bool too_big;
	/* streamed body */
	reg_sink sink;
	void *sink_arg;
	int64_t skip;	   /* bytes of a 200 reply we already delivered before */
	int64_t delivered; /* bytes handed to sink over all attempts */
	struct error *sink_err;
	CURL *easy;
	/* waits: monotonic ms; the deadline covers every attempt of the request */
	int64_t deadline; /* 0: none (a blob stream) */
	int64_t stall_ms;
	int64_t mark_time;  /* when the transfer last made useful progress */
	int64_t mark_bytes; /* body bytes since then */
	bool timed_out, stalled;
	/* connecting: no connection was made (the cause in os_errno; 0 and stalled: no answer
	 * within the stall time); a WAIT note sent for a slow connect */
	bool no_connection, wait_noted;
	long os_errno;
	const struct reg_client *c;
	/* every attempt's, across a ping's https and http (set by the caller, else at the
	 * first attempt) */
	int64_t t0;
	int tries;
	/* response */
	long status;
	bool body_started;
	bool bad_range;		/* a 206 that does not start where we asked */
	int64_t content_length; /* the response's, -1 when it gave none */
	char *www_auth, *location, *content_type, *docker_digest, *content_range;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reg_global_init(void)
{
	static bool done;
	if (!done)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	done = true;
}

static void lock_cb(CURL *h, curl_lock_data data, curl_lock_access a, void *arg)
{
	(void)h, (void)a;
	struct reg_client *c = arg;
	pthread_mutex_lock(&c->locks[data]);
}

static void unlock_cb(CURL *h, curl_lock_data data, void *arg)
{
	(void)h;
	struct reg_client *c = arg;
	pthread_mutex_unlock(&c->locks[data]);
}

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

/*
 * A string the registry sent, fit for one line of a message (owned): printable ASCII only
 * (a control character could end the line or drive the terminal), at most max bytes.
 */
static char *shown(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *o = xasprintf("%.*s%s", (int)(n > max ? max : n), s, n > max ? "..." : "");
	for (char *p = o; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return o;
}

/* A Bearer token goes into a header: visible ASCII only (RFC 6750's b64token is stricter). */
static bool is_token(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p > 0x7e)
			return false;
	return *s != '\0';
}

/* "404 Not Found (MANIFEST_UNKNOWN)", with the registry's error codes when it sent some. */
static int status_error(struct req *r, struct error **err)
{
	autofree char *codes = NULL;
	if (r->buf != NULL && r->len > 0) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *o = json_tokener_parse_ex(tok, r->buf, (int)r->len);
		json_tokener_free(tok);
		struct json_object *errs = json_get_type(o, "errors", json_type_array);
		if (errs != NULL) {
			for (size_t i = 0; i < json_len(errs) && i < 4; i++) {
				/* A null code is none (json-c has no string for it). */
				struct json_object *code = json_get(json_idx(errs, i), "code");
				if (code == NULL)
					continue;
				autofree char *c = shown(json_object_get_string(code), 64);
				char *n =
				    xasprintf("%s%s%s", codes ? codes : "", codes ? ", " : "", c);
				free(codes);
				codes = n;
			}
		}
		json_object_put(o);
	}
	int code = r->status == 404 ? ENOENT : r->status == 401 || r->status == 403 ? EACCES : EIO;
	return err_set(err, code, ERR_TOOL, "%ld %s%s%s%s", r->status, reason(r->status),
		       codes ? " (" : "", codes ? codes : "", codes ? ")" : "");
}

static size_t header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{ "www-authenticate:", offsetof(struct req, www_auth) },
		{ "location:", offsetof(struct req, location) },
		{ "content-type:", offsetof(struct req, content_type) },
		{ "docker-content-digest:", offsetof(struct req, docker_digest) },
		{ "content-range:", offsetof(struct req, content_range) },
	};
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue or a retry): forget the old headers. */
		free(r->www_auth), free(r->location), free(r->content_type), free(r->docker_digest);
		free(r->content_range);
		r->www_auth = r->location = r->content_type = r->docker_digest = NULL;
		r->content_range = NULL;
		return len;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t nl = strlen(want[i].name);
		if (len < nl || strncasecmp(data, want[i].name, nl) != 0)
			continue;
		const char *v = data + nl, *e = data + len;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
			e--;
		char **slot = (char **)((char *)r + want[i].off);
		if (*slot == NULL) /* the first WWW-Authenticate is the one we use */
			*slot = xstrndup(v, (size_t)(e - v));
	}
	return len;
}

/*
 * The first bytes of a body. A stream's 200 repeats what earlier attempts delivered (skip
 * it); a 206 must start exactly where we asked, or its bytes would land at the wrong place.
 */
static int start_body(struct req *r)
{
	r->body_started = true;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->sink == NULL)
		return 0;
	r->skip = r->status == 200 ? r->delivered : 0;
	if (r->status != 206)
		return 0;
	long long first = -1;
	if (r->range_from <= 0 || r->content_range == NULL ||
	    sscanf(r->content_range, "bytes %lld-", &first) != 1 || first != r->range_from) {
		r->bad_range = true;
		return -1;
	}
	return 0;
}

/* Called by libcurl about once a second, and as data comes: enforce the deadline and stall. */
static int xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal;
	struct req *r = arg;
	int64_t now = now_ms();
	/* An upload's progress is the bytes that went out. */
	if ((int64_t)ulnow - r->ul_mark >= STALL_BYTES) {
		r->ul_mark = (int64_t)ulnow;
		r->mark_time = now;
	}
	/* A connect that takes seconds: a blackholed address. Said while it waits. */
	curl_off_t ct = 0;
	if (!r->wait_noted && r->c != NULL && now - r->mark_time >= 1000 && r->easy != NULL &&
	    curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &ct) == CURLE_OK && ct == 0) {
		r->wait_noted = true;
		autofree char *note =
		    xasprintf("connecting to %s: no answer yet, waiting up to %lld s", r->c->base,
			      (long long)(r->stall_ms / 1000));
		progress_send_text(r->c->progress_fd, STORAGE_PROGRESS_WAIT, note);
	}
	if (r->deadline > 0 && now >= r->deadline)
		r->timed_out = true;
	else if (r->stall_ms > 0 && now - r->mark_time >= r->stall_ms)
		r->stalled = true;
	return r->timed_out || r->stalled; /* non-zero aborts the transfer */
}

static size_t body_cb(char *data, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = size * n;
	if (!r->body_started && start_body(r) < 0)
		return 0;
	/* Headers are no progress: a registry that sends them forever stalls. */
	r->mark_bytes += (int64_t)len;
	if (r->mark_bytes >= STALL_BYTES) {
		r->mark_bytes = 0;
		r->mark_time = now_ms();
	}
	bool ok = r->status == 200 || r->status == 206;
	if (r->sink != NULL && ok) {
		const char *p = data;
		size_t l = len;
		if (r->skip > 0) {
			size_t s = (size_t)r->skip < l ? (size_t)r->skip : l;
			p += s;
			l -= s;
			r->skip -= (int64_t)s;
		}
		int64_t t0 = now_ms();
		if (l > 0 && r->sink(r->sink_arg, p, l, &r->sink_err) < 0)
			return 0; /* abort the transfer */
		/* The time the sink blocked us (a slow disk under the unpack) is not a stall of
		 * the registry's. */
		r->mark_time += now_ms() - t0;
		r->delivered += (int64_t)l;
		return len;
	}
	size_t max = r->sink != NULL ? ERRBODY_MAX : r->max;
	if (r->len + len > max) {
		r->too_big = true;
		return 0;
	}
	r->buf = xrealloc(r->buf, r->len + len + 1);
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

static void req_reset_response(struct req *r)
{
	free(r->buf), free(r->www_auth), free(r->location), free(r->content_type),
	    free(r->docker_digest), free(r->content_range);
	r->buf = r->www_auth = r->location = r->content_type = r->docker_digest = NULL;
	r->content_range = NULL;
	r->len = 0;
	r->status = 0;
	r->too_big = r->body_started = r->bad_range = r->timed_out = r->stalled = false;
	r->no_connection = false;
	r->os_errno = 0;
}

static void req_clear(struct req *r)
{
	req_reset_response(r);
	free(r->url);
	r->url = NULL;
	err_free(&r->sink_err);
}

static bool same_origin(const struct reg_client *c, const char *url)
{
	size_t n = strlen(c->base);
	return strncmp(url, c->base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

/* The Authorization header for this request, or NULL. Caller holds no lock. */
static char *auth_header(struct reg_client *c, const struct req *r)
{
	if (r->basic != NULL) {
		return NULL; /* CURLOPT_USERPWD */
	}
	if (r->no_auth || !same_origin(c, r->url))
		return NULL;
	char *h = NULL;
	pthread_mutex_lock(&c->mu);
	if (c->scheme == AUTH_BEARER && c->token != NULL)
		h = xasprintf("Authorization: Bearer %s", c->token);
	pthread_mutex_unlock(&c->mu);
	return h;
}

static bool transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* The request body: pread from the upload's fd (each attempt from its start), or memory. */
static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	const struct reg_upload *u = r->up;
	ssize_t got;
	if (u->len < 0) {
		/* A stream (a pipe): read as it comes, to its end. */
		do
			got = read(u->fd, buf, size * n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return CURL_READFUNC_ABORT;
		r->up_pos += got;
		if (u->sent != NULL && got > 0)
			u->sent(u->arg, got);
		return (size_t)got;
	}
	int64_t left = u->len - r->up_pos;
	size_t want = size * n < (size_t)left ? size * n : (size_t)left;
	if (want == 0)
		return 0;
	if (u->fd >= 0) {
		got = pread(u->fd, buf, want, (off_t)(u->off + r->up_pos));
		if (got <= 0)
			return CURL_READFUNC_ABORT;
	} else {
		memcpy(buf, u->mem + u->off + r->up_pos, want);
		got = (ssize_t)want;
	}
	r->up_pos += got;
	if (u->sent != NULL)
		u->sent(u->arg, got);
	return (size_t)got;
}

/* One HTTP exchange (no retries, no redirects). Returns the curl code. */
static CURLcode perform(struct reg_client *c, struct req *r, char *errbuf)
{
	CURL *h = curl_easy_init();
	if (h == NULL)
		return CURLE_OUT_OF_MEMORY;
	struct curl_slist *hdrs = NULL;
	autofree char *auth = auth_header(c, r);
	autofree char *range = NULL;
	if (r->accept != NULL)
		hdrs = curl_slist_append(hdrs, r->accept);
	if (auth != NULL)
		hdrs = curl_slist_append(hdrs, auth);
	if (r->content_type_hdr != NULL)
		hdrs = curl_slist_append(hdrs, r->content_type_hdr);
	if (r->extra_hdr != NULL)
		hdrs = curl_slist_append(hdrs, r->extra_hdr);
	if (r->method != NULL && strcmp(r->method, "HEAD") != 0)
		hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	r->easy = h;
	if (r->method != NULL && strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (r->up != NULL) {
		/* Progress given back when this attempt fails: the sink counts every try. */
		if (r->up->sent != NULL && r->up_pos > 0)
			r->up->sent(r->up->arg, -r->up_pos);
		r->up_pos = 0;
		r->ul_mark = 0;
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, r);
		/* A stream's size is unknown: chunked transfer encoding. */
		if (r->up->len >= 0)
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->up->len);
		curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
		if (strcmp(r->method, "PUT") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	} else if (r->method != NULL && strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (r->method != NULL) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	}
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "hutch/" HUTCH_VERSION);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	r->stall_ms = c->stall_ms;
	r->mark_time = now_ms();
	r->mark_bytes = 0;
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
	/* libcurl's own clocks as a backstop: connecting is part of the stall time, and the
	 * deadline holds even where the progress callback is not called. */
	if (c->stall_ms > 0)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->stall_ms);
	if (r->deadline > 0)
		curl_easy_setopt(
		    h, CURLOPT_TIMEOUT_MS,
		    (long)(r->deadline > r->mark_time ? r->deadline - r->mark_time : 1));
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
	if (!c->verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_data != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &c->ca);
	}
	if (c->cert != NULL && c->key != NULL) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
	}
	if (r->basic != NULL) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, r->basic);
	}
	if (r->range_from > 0) {
		range = xasprintf("%lld-", (long long)r->range_from);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	}
	errbuf[0] = '\0';
	r->c = c;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_off_t cl = -1;
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	r->content_length = (int64_t)cl;
	/* Whether a connection was made at all: for the cause, and because waiting for one
	 * again (a connect timeout) or over http (the same port) would only wait longer. */
	curl_off_t ct = 0;
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &ct);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &r->os_errno);
	r->no_connection =
	    rc != CURLE_OK && r->status == 0 &&
	    (rc == CURLE_COULDNT_CONNECT ||
	     (ct == 0 && (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_ABORTED_BY_CALLBACK)));
	if (rc == CURLE_OPERATION_TIMEDOUT && r->deadline > 0 && now_ms() >= r->deadline)
		r->timed_out = true;
	else if (rc == CURLE_OPERATION_TIMEDOUT && r->stall_ms > 0)
		r->stalled = true; /* the connect timeout */
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	r->easy = NULL;
	return rc;
}

/* "scheme://host:port" of url (owned), with the scheme's default port filled in. */
static char *url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		o = xasprintf("%s://%s:%s", scheme, host, port);
	curl_free(scheme), curl_free(host), curl_free(port);
	curl_url_cleanup(u);
	return o;
}

static bool same_origin_urls(const char *a, const char *b)
{
	autofree char *oa = url_origin(a), *ob = url_origin(b);
	return oa != NULL && ob != NULL && strcmp(oa, ob) == 0;
}

/* Follow redirects by hand; the Authorization header is only sent to the registry. */
static int perform_follow(struct reg_client *c, struct req *r, CURLcode *crc, char *errbuf,
			  struct error **err)
{
	for (int i = 0;; i++) {
		*crc = perform(c, r, errbuf);
		if (*crc != CURLE_OK)
			return 0;
		bool redirect = r->status == 301 || r->status == 302 || r->status == 303 ||
				r->status == 307 || r->status == 308;
		if (!redirect || r->location == NULL)
			return 0;
		if (i >= MAX_REDIRECTS)
			return err_set(err, ELOOP, ERR_TOOL, "too many redirects");
		CURLU *u = curl_url();
		char *next = NULL;
		curl_url_set(u, CURLUPART_URL, r->url, 0);
		if (curl_url_set(u, CURLUPART_URL, r->location, CURLU_NON_SUPPORT_SCHEME) !=
			CURLUE_OK ||
		    curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK) {
			curl_url_cleanup(u);
			autofree char *loc = shown(r->location, 256);
			return err_set(err, EIO, ERR_TOOL, "invalid redirect to \"%s\"", loc);
		}
		curl_url_cleanup(u);
		if (strncmp(next, "https://", 8) != 0 &&
		    !(strncmp(next, "http://", 7) == 0 && c->allow_http)) {
			curl_free(next);
			return err_set(err, EPERM, ERR_TOOL,
				       "refusing a redirect to a non-https "
				       "URL");
		}
		/* Credentials are for the registry that asked for them: a redirect to another
		 * origin (scheme, host or port, as libcurl counts them) goes without Basic auth
		 * too; the Bearer token is already limited by same_origin. */
		if (!same_origin_urls(r->url, next))
			r->basic = NULL;
		free(r->url);
		r->url = xstrdup(next);
		curl_free(next);
		req_reset_response(r);
	}
}

/* Parse `Bearer realm="...",service="...",scope="..."` (quoted or token values). */
static char *auth_param(const char *h, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = h; (p = strcasestr(p, name)) != NULL; p += nl) {
		if (p != h && p[-1] != ' ' && p[-1] != ',')
			continue;
		const char *v = p + nl;
		while (*v == ' ')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ')
			v++;
		if (*v == '"') {
			const char *e = strchr(v + 1, '"');
			return e ? xstrndup(v + 1, (size_t)(e - v - 1)) : NULL;
		}
		const char *e = v;
		while (*e && *e != ',' && *e != ' ')
			e++;
		return xstrndup(v, (size_t)(e - v));
	}
	return NULL;
}

static char *url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = xstrdup(e);
	curl_free(e);
	return r;
}

/* The error of an exchange that libcurl or our callbacks cut short. */
static int exchange_error(const struct reg_client *c, const struct req *r, CURLcode crc,
			  const char *errbuf, struct error **err)
{
	if (r->timed_out)
		return err_set(err, ETIMEDOUT, ERR_TOOL,
			       "no complete answer within %lld s (pull_request_timeout in "
			       "containers.conf)",
			       (long long)(c->request_ms / 1000));
	if (r->stalled)
		return err_set(
		    err, ETIMEDOUT, ERR_TOOL,
		    "stalled: no data for %lld s (pull_stall_timeout in containers.conf)",
		    (long long)(c->stall_ms / 1000));
	if (r->bad_range)
		return err_set(err, EIO, ERR_TOOL,
			       "asked for the bytes from %lld on, the registry sent another range",
			       (long long)r->range_from);
	if (crc == CURLE_WRITE_ERROR && r->too_big)
		return err_set(err, EFBIG, ERR_TOOL, "larger than %zu bytes", r->max);
	return err_set(err, EIO, ERR_TOOL, "%s", errbuf[0] ? errbuf : curl_easy_strerror(crc));
}

/* "scope=...&scope=..." of the token request: the repository (pull, or pull and push),
 * and the repositories a push mounts blobs from (owned). */
static char *token_scopes(const struct reg_client *c)
{
	/* No repository (login's check of /v2/): a token for the service alone. */
	if (c->repo[0] == '\0')
		return xstrdup("");
	autofree char *main_scope =
	    xasprintf("repository:%s:%s", c->repo, c->push ? "pull,push" : "pull");
	autofree char *esc_main = url_escape(main_scope);
	char *all = xasprintf("scope=%s", esc_main);
	for (size_t i = 0; c->mount_from != NULL && c->mount_from[i] != NULL; i++) {
		autofree char *one = xasprintf("repository:%s:pull", c->mount_from[i]);
		autofree char *esc = url_escape(one);
		char *n = xasprintf("%s&scope=%s", all, esc);
		free(all);
		all = n;
	}
	return all;
}

/* Fetch a token from the realm; caller holds c->mu. */
static int fetch_token(struct reg_client *c, struct error **err)
{
	autofree char *realm = shown(c->realm, 256);
	if (strncmp(c->realm, "https://", 8) != 0 &&
	    !(strncmp(c->realm, "http://", 7) == 0 && c->allow_http))
		return err_set(err, EPERM, ERR_TOOL, "refusing token realm \"%s\": not https",
			       realm);
	autofree char *esc_svc = c->service ? url_escape(c->service) : NULL;
	autofree char *scopes = token_scopes(c);
	struct req r = {
		.range_from = -1, .max = TOKEN_MAX, .no_auth = true, .basic = c->userpass
	};
	r.url = xasprintf("%s%sservice=%s%s%s", c->realm, strchr(c->realm, '?') ? "&" : "?",
			  esc_svc ? esc_svc : "", scopes[0] ? "&" : "", scopes);
	r.deadline = c->request_ms > 0 ? now_ms() + c->request_ms : 0;
	char errbuf[CURL_ERROR_SIZE];
	CURLcode crc;
	int rc = perform_follow(c, &r, &crc, errbuf, err);
	if (rc == 0 && crc != CURLE_OK)
		rc = exchange_error(c, &r, crc, errbuf, err);
	else if (rc == 0 && r.status != 200)
		rc = status_error(&r, err);
	struct json_object *o = NULL, *t = NULL, *exp = NULL;
	if (rc == 0 && (o = doc_parse(r.buf ? r.buf : "", r.len, "token response", err)) == NULL)
		rc = -1;
	/* A null token is none: json-c has no string for it. */
	if (rc == 0 && (t = json_get(o, "token")) == NULL &&
	    (t = json_get(o, "access_token")) == NULL)
		rc = err_set(err, EIO, ERR_TOOL, "token response has no token");
	/* A CR or LF in it would add headers of the token server's choosing to our requests. */
	if (rc == 0 && !is_token(json_object_get_string(t)))
		rc = err_set(
		    err, EIO, ERR_TOOL,
		    "token response has an invalid token (characters a header cannot carry)");
	if (rc == 0) {
		free(c->token);
		c->token = xstrdup(json_object_get_string(t));
		long secs = 60; /* the spec's default lifetime */
		if ((exp = json_get(o, "expires_in")) != NULL && json_object_get_int(exp) > 0)
			secs = json_object_get_int(exp);
		c->token_exp = time(NULL) + secs - (secs > 30 ? 10 : 0);
	}
	json_object_put(o);
	req_clear(&r);
	return rc < 0 ? err_wrap(err, "getting a token from %s", realm) : 0;
}

/* Learn the scheme from a 401's WWW-Authenticate and get credentials ready. */
static int authenticate(struct reg_client *c, const char *www_auth, bool force, struct error **err)
{
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	if (www_auth != NULL && strncasecmp(www_auth, "Bearer", 6) == 0) {
		autofree char *realm = auth_param(www_auth, "realm");
		if (realm == NULL) {
			pthread_mutex_unlock(&c->mu);
			return err_set(err, EIO, ERR_TOOL,
				       "registry sent a Bearer challenge "
				       "without a realm");
		}
		free(c->realm);
		free(c->service);
		c->realm = steal_ptr(&realm);
		c->service = auth_param(www_auth, "service");
		c->scheme = AUTH_BEARER;
		if (force || c->token == NULL || time(NULL) >= c->token_exp)
			rc = fetch_token(c, err);
	} else if (www_auth != NULL && strncasecmp(www_auth, "Basic", 5) == 0) {
		c->scheme = AUTH_BASIC;
		if (c->userpass == NULL)
			rc = err_set(err, EACCES, ERR_TOOL,
				     "401 Unauthorized: the registry wants "
				     "credentials (use --creds or hutch "
				     "login)");
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* strerror(e) as a message goes on: "connection refused" (owned). */
static char *errno_text(int e)
{
	char *why = xstrdup(strerror(e));
	why[0] = (char)tolower((unsigned char)why[0]);
	return why;
}

/*
 * No connection was made (r->no_connection): the registry's address, the cause and what
 * every attempt took, not curl's last attempt's "after 0 ms".
 */
static int connect_error(const struct reg_client *c, const struct req *r, struct error **err)
{
	double secs = (double)(now_ms() - r->t0) / 1000.0;
	const char *s = r->tries == 1 ? "" : "s";
	if (r->stalled || r->os_errno == ETIMEDOUT)
		return err_set(err, ETIMEDOUT, ERR_TOOL,
			       "cannot connect to %s: timed out, no answer within %lld s "
			       "(pull_stall_timeout in containers.conf) (%d attempt%s in %.1f s: "
			       "check that the registry is up, its address is right and no "
			       "firewall drops the packets)",
			       c->base, (long long)(r->stall_ms / 1000), r->tries, s, secs);
	int e = r->os_errno != 0 ? (int)r->os_errno : ECONNREFUSED;
	autofree char *why = errno_text(e);
	return err_set(err, e, ERR_TOOL,
		       "cannot connect to %s: %s (%d attempt%s in %.1f s: check that the registry "
		       "is up and its address is right)",
		       c->base, why, r->tries, s, secs);
}

/*
 * A request with auth, retries and redirects. what names it in errors ("fetching
 * manifest"). Streams keep going from r->delivered on a retry.
 */
static int request(struct reg_client *c, struct req *r, const char *path, const char *what,
		   struct error **err)
{
	bool reauthed = false;
	char errbuf[CURL_ERROR_SIZE];
	/* A blob stream is as long as the blob: it has the stall time but no deadline. */
	r->deadline = r->sink == NULL && c->request_ms > 0 ? now_ms() + c->request_ms : 0;
	if (r->t0 == 0)
		r->t0 = now_ms();
	for (int attempt = 1;; attempt++) {
		r->tries++;
		free(r->url);
		/* An upload's Location may be a whole URL (on this registry or not). */
		bool whole = strncmp(path, "https://", 8) == 0 || strncmp(path, "http://", 7) == 0;
		r->url = whole ? xstrdup(path) : xasprintf("%s%s", c->base, path);
		req_reset_response(r);
		if (r->deadline > 0 && now_ms() >= r->deadline) {
			r->timed_out = true;
			exchange_error(c, r, CURLE_OPERATION_TIMEDOUT, "", err);
			return err_wrap(err, "%s", what);
		}
		int64_t before = r->delivered;
		if (r->sink != NULL)
			r->range_from = r->delivered > 0 ? r->delivered : -1;
		/* Basic auth rides on every request to the registry's own origin, and on no
		 * other: an upload's Location may name any host. */
		r->basic = c->scheme == AUTH_BASIC && same_origin(c, r->url) ? c->userpass : NULL;
		CURLcode crc;
		errbuf[0] = '\0';
		if (perform_follow(c, r, &crc, errbuf, err) < 0)
			return err_wrap(err, "%s", what);
		if (r->sink_err != NULL) {
			*err = steal_ptr(&r->sink_err);
			return -1;
		}
		if (crc == CURLE_OK && (r->status == 200 || r->status == 206 ||
					(r->any_2xx && r->status >= 200 && r->status < 300)))
			return 0;
		if (crc == CURLE_OK && r->status == 401 && !reauthed &&
		    !(r->up != NULL && r->up->len < 0)) {
			reauthed = true;
			if (authenticate(c, r->www_auth, true, err) < 0)
				return err_wrap(err, "%s", what);
			attempt--;
			continue;
		}
		/* A stream's bytes are gone once sent: it cannot be sent again. */
		bool once = r->up != NULL && r->up->len < 0;
		bool retry = r->timed_out || r->bad_range || r->too_big || once ? false
			     : crc != CURLE_OK ? r->stalled || transient(crc)
					       : (r->status >= 500 || r->status == 429);
		if (retry && r->delivered - before >= RESUME_PROGRESS)
			attempt = 0; /* it is progressing: resume for as long as it does */
		/* A connect that timed out waited the stall time already: once is enough. */
		if (r->no_connection && r->stalled)
			retry = false;
		if (!retry || attempt >= MAX_ATTEMPTS) {
			if (r->no_connection) {
				connect_error(c, r, err);
				return err_wrap(err, "%s", what);
			}
			if (crc != CURLE_OK)
				exchange_error(c, r, crc, errbuf, err);
			else
				status_error(r, err);
			/* curl's "after 0 ms" is its last attempt's: say what all of them took. */
			if (crc != CURLE_OK && r->tries > 1 && transient(crc) && !r->stalled &&
			    !r->timed_out && !r->bad_range) {
				autofree char *m = xasprintf(
				    "%s (%d attempts in %.1f s: check that the registry is up and "
				    "its address is right)",
				    (*err)->msg, r->tries, (double)(now_ms() - r->t0) / 1000.0);
				err_set(err, (*err)->code, (*err)->kind, "%s", m);
			}
			return err_wrap(err, "%s", what);
		}
		log_debug("%s: attempt %d failed (%s), retrying", what, attempt,
			  r->stalled	    ? "stalled"
			  : crc != CURLE_OK ? curl_easy_strerror(crc)
					    : reason(r->status));
		if (r->no_connection) {
			autofree char *why =
			    errno_text(r->os_errno ? (int)r->os_errno : ECONNREFUSED);
			autofree char *note =
			    xasprintf("cannot connect to %s: %s; trying again (attempt %d of %d)",
				      c->base, why, attempt + 1, MAX_ATTEMPTS);
			progress_send_text(c->progress_fd, STORAGE_PROGRESS_WAIT, note);
		}
		usleep((useconds_t)(100000u << attempt));
	}
}

/* CA bundle: the system one plus certs.d/HOST/NAME.crt (or cert_dir/NAME.crt); client cert
 * from NAME.cert/.key. */
static void load_certs(struct reg_client *c, const char *cert_dir)
{
	autostrv char **dirs = NULL;
	const char *env = getenv("HUTCH_CERTS_D");
	autofree char *cfg = paths_config_home(NULL);
	if (cert_dir != NULL) /* --cert-dir: that directory alone, as podman's */
		strv_push(&dirs, cert_dir);
	else if (cfg != NULL)
		strv_push_take(&dirs, xasprintf("%s/containers/certs.d/%s", cfg, c->host));
	if (cert_dir == NULL)
		strv_push_take(&dirs,
			       xasprintf("%s/%s", env ? env : "/etc/containers/certs.d", c->host));
	autofree char *extra = NULL;
	for (size_t i = 0; dirs[i] != NULL; i++) {
		autoclosedir DIR *d = opendir(dirs[i]);
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);
			autofree char *p = xasprintf("%s/%s", dirs[i], de->d_name);
			if (n > 4 && strcmp(de->d_name + n - 4, ".crt") == 0) {
				autofree char *text = NULL;
				if (fs_read_file(p, 1 << 20, &text, NULL, NULL) == 0) {
					char *x = xasprintf("%s%s\n", extra ? extra : "", text);
					free(extra);
					extra = x;
				}
			} else if (n > 5 && strcmp(de->d_name + n - 5, ".cert") == 0 && !c->cert) {
				c->cert = xstrdup(p);
				c->key = xasprintf("%.*s.key", (int)(strlen(p) - 5), p);
			}
		}
	}
	if (extra == NULL)
		return;
	autofree char *sys = NULL;
	fs_read_file("/etc/ssl/certs/ca-certificates.crt", 16 << 20, &sys, NULL, NULL);
	c->ca_data = xasprintf("%s\n%s", sys ? sys : "", extra);
	c->ca.data = c->ca_data;
	c->ca.len = strlen(c->ca_data);
	c->ca.flags = CURL_BLOB_NOCOPY;
}

/* Ping /v2/ over https, or http when TLS is off and https fails (containers/image does). */
static int ping(struct reg_client *c, struct error **err)
{
	const char *hostpart = strcmp(c->host, "docker.io") == 0 ? "registry-1.docker.io" : c->host;
	/* With a port, http goes where https could not connect: no use trying. */
	const char *bracket = strrchr(hostpart, ']');
	bool port = strchr(bracket ? bracket : hostpart, ':') != NULL;
	int64_t t0 = now_ms();
	int tries = 0;
	for (int i = 0; i < 2; i++) {
		free(c->base);
		c->base = xasprintf("%s://%s", i == 1 ? "http" : "https", hostpart);
		struct req r = { .range_from = -1, .max = ERRBODY_MAX, .t0 = t0, .tries = tries };
		struct error *perr = NULL;
		int rc = request(c, &r, "/v2/", "GET /v2/", &perr);
		long status = r.status;
		bool no_connection = r.no_connection;
		tries = r.tries;
		req_clear(&r);
		/* Any HTTP answer settles the scheme; 404 is what some mirrors answer. */
		if (rc == 0 || status == 404) {
			err_free(&perr);
			return 0;
		}
		if (status != 0 || i == 1 || !c->allow_http || (no_connection && port)) {
			*err = perr;
			return err_wrap(err, "pinging container registry %s", c->host);
		}
		log_debug("https to %s failed (%s); trying http", c->host, perr->msg);
		err_free(&perr);
	}
	return 0;
}

int reg_open(const char *host, const char *repo, const struct reg_opts *o, struct reg_client **out,
	     struct error **err)
{
	reg_global_init();
	struct reg_client *c = xzalloc(sizeof(*c));
	c->host = xstrdup(host);
	c->repo = xstrdup(repo);
	c->verify = o->tls_verify == 1 || (o->tls_verify < 0 && !o->insecure);
	c->allow_http = !c->verify;
	c->userpass = o->userpass ? xstrdup(o->userpass) : NULL;
	c->push = o->push;
	for (size_t i = 0; o->mount_from != NULL && o->mount_from[i] != NULL; i++)
		strv_push(&c->mount_from, o->mount_from[i]);
	c->request_ms = (int64_t)o->request_timeout * 1000;
	c->stall_ms = (int64_t)o->stall_timeout * 1000;
	c->progress_fd = o->progress_fd > 0 ? o->progress_fd : -1;
	pthread_mutex_init(&c->mu, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	c->share = curl_share_init();
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, lock_cb);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, unlock_cb);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	load_certs(c, o->cert_dir);
	if (c->userpass != NULL)
		c->scheme = AUTH_BASIC; /* until a Bearer challenge says otherwise */
	if (ping(c, err) < 0) {
		reg_close(&c);
		return -1;
	}
	*out = c;
	return 0;
}

void reg_close(struct reg_client **cp)
{
	struct reg_client *c = *cp;
	if (c == NULL)
		return;
	curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->locks[i]);
	pthread_mutex_destroy(&c->mu);
	free(c->host), free(c->repo), free(c->base), free(c->ca_data), free(c->cert);
	free(c->key), free(c->userpass), free(c->realm), free(c->service), free(c->token);
	strv_free(c->mount_from);
	free(c);
	*cp = NULL;
}

/*
 * A 404 for a tag: a missing repository and a missing tag get the same MANIFEST_UNKNOWN
 * from most registries. The tag list tells them apart, as skopeo's "name unknown" and
 * "manifest unknown" do; *err keeps the registry's words at the end.
 */
static void manifest_unknown(struct reg_client *c, const char *tag, struct error **err)
{
	struct error *lerr = NULL;
	autostrv char **tags = NULL;
	static const char ctx[] = "fetching manifest: ";
	const char *m = (*err)->msg;
	autofree char *had =
	    xstrdup(strncmp(m, ctx, sizeof(ctx) - 1) == 0 ? m + sizeof(ctx) - 1 : m);
	if (reg_list_tags(c, &tags, &lerr) < 0) {
		if (lerr->code == ENOENT)
			err_set(err, ENOENT, ERR_TOOL,
				"%srepository %s/%s not found: check the image name (%s)", ctx,
				c->host, c->repo, had);
		err_free(&lerr);
		return;
	}
	autofree char *list = NULL;
	size_t n = 0;
	for (; tags[n] != NULL; n++) {
		if (strcmp(tags[n], tag) == 0)
			return; /* listed, yet not served: the registry's words stand */
		if (n < 8) {
			char *x = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", tags[n]);
			free(list);
			list = x;
		}
	}
	err_set(err, ENOENT, ERR_TOOL,
		"%stag %s not found in repository %s/%s (its tags: %s%s) (%s)", ctx, tag, c->host,
		c->repo, list ? list : "none", n > 8 ? ", ..." : "", had);
}

int reg_get_manifest(struct reg_client *c, const char *ref, char **body, size_t *len,
		     char **media_type, char **digest, struct error **err)
{
	struct req r = { .range_from = -1, .max = MANIFEST_MAX, .accept = accept_manifests };
	autofree char *path = xasprintf("/v2/%s/manifests/%s", c->repo, ref);
	if (request(c, &r, path, "fetching manifest", err) < 0) {
		req_clear(&r);
		if ((*err)->code == ENOENT && strncmp(ref, "sha256:", 7) != 0)
			manifest_unknown(c, ref, err);
		return -1;
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(r.buf ? r.buf : "", r.len, hex);
	autofree char *got = xasprintf("sha256:%s", hex);
	const char *want = strncmp(ref, "sha256:", 7) == 0 ? ref : r.docker_digest;
	if (want != NULL && strncmp(want, "sha256:", 7) == 0 && strcmp(want, got) != 0) {
		/* want may be the response's own header: format before req_clear frees it. */
		err_set(err, EINVAL, ERR_TOOL,
			"fetching manifest: digest mismatch: want %s, got %s", want, got);
		req_clear(&r);
		return -1;
	}
	*body = r.buf ? steal_ptr(&r.buf) : xstrdup("");
	*len = r.len;
	*media_type = r.content_type ? xstrdup(r.content_type) : NULL;
	if (*media_type != NULL)
		(*media_type)[strcspn(*media_type, ";")] = '\0';
	*digest = steal_ptr(&got);
	req_clear(&r);
	return 0;
}

int reg_get_blob(struct reg_client *c, const char *digest, size_t max, char **body, size_t *len,
		 struct error **err)
{
	struct req r = { .range_from = -1, .max = max };
	autofree char *path = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
	autofree char *what = xasprintf("fetching blob %.19s", digest);
	if (request(c, &r, path, what, err) < 0) {
		req_clear(&r);
		return -1;
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(r.buf ? r.buf : "", r.len, hex);
	if (strcmp(digest + 7, hex) != 0) {
		req_clear(&r);
		return err_set(err, EINVAL, ERR_TOOL, "%s: digest mismatch: got sha256:%s", what,
			       hex);
	}
	*body = r.buf ? steal_ptr(&r.buf) : xstrdup("");
	*len = r.len;
	req_clear(&r);
	return 0;
}

int reg_stream_blob(struct reg_client *c, const char *digest, int64_t size, reg_sink sink,
		    void *arg, struct error **err)
{
	(void)size;
	struct req r = { .range_from = -1, .sink = sink, .sink_arg = arg };
	autofree char *path = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
	autofree char *what = xasprintf("fetching blob %.19s", digest);
	int rc = request(c, &r, path, what, err);
	req_clear(&r);
	return rc;
}

int reg_list_tags(struct reg_client *c, char ***tags, struct error **err)
{
	struct req r = { .range_from = -1, .max = 16 << 20 };
	autofree char *path = xasprintf("/v2/%s/tags/list", c->repo);
	*tags = NULL;
	if (request(c, &r, path, "listing tags", err) < 0) {
		req_clear(&r);
		return -1;
	}
	struct json_object *o = doc_parse(r.buf ? r.buf : "", r.len, "tag list", err);
	req_clear(&r);
	if (o == NULL)
		return -1;
	*tags = xcalloc(1, sizeof(char *));
	int rc = 0;
	struct json_object *arr = json_get_type(o, "tags", json_type_array);
	for (size_t i = 0; rc == 0 && i < json_len(arr); i++) {
		/* The registry's words become the tags pulled and stored: tags only
		 * (a null is no string at all; "../x" is no tag). */
		struct json_object *t = json_idx(arr, i);
		if (!json_object_is_type(t, json_type_string) ||
		    !storage_tag_valid(json_object_get_string(t)))
			rc = err_set(err, EINVAL, ERR_TOOL, "tag list: entry %zu is not a tag", i);
		else
			strv_push(tags, json_object_get_string(t));
	}
	json_object_put(o);
	if (rc < 0) {
		strv_free(*tags);
		*tags = NULL;
	}
	return rc;
}

/* ---------- the push side ---------- */

int reg_blob_exists(struct reg_client *c, const char *digest, int64_t size, struct error **err)
{
	struct req r = { .range_from = -1, .max = ERRBODY_MAX, .method = "HEAD" };
	autofree char *path = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
	autofree char *what = xasprintf("checking whether blob %.19s exists", digest);
	struct error *e = NULL;
	int rc = request(c, &r, path, what, &e);
	long status = r.status;
	/* A registry's yes names the blob (Docker-Content-Digest) or its size: a 200 for
	 * anything at all is no answer, and the upload that follows says what is wrong. */
	bool named = r.docker_digest != NULL && strcmp(r.docker_digest, digest) == 0;
	bool sized = r.content_length == size;
	req_clear(&r);
	if (rc == 0)
		return named || sized ? 1 : 0;
	if (status == 404) {
		err_free(&e);
		return 0;
	}
	*err = e;
	return -1;
}

/* The Location of an upload the registry answered with (owned), or an error. */
static char *upload_location(struct req *r, const char *what, struct error **err)
{
	if (r->location == NULL || *r->location == '\0') {
		err_set(err, EIO, ERR_TOOL, "%s: the registry gave no upload location (status %ld)",
			what, r->status);
		return NULL;
	}
	return xstrdup(r->location);
}

int reg_blob_mount(struct reg_client *c, const char *digest, const char *from, char **location,
		   struct error **err)
{
	*location = NULL;
	struct req r = { .range_from = -1, .max = ERRBODY_MAX, .method = "POST", .any_2xx = true };
	autofree char *efrom = url_escape(from);
	autofree char *path =
	    xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", c->repo, digest, efrom);
	autofree char *what = xasprintf("mounting blob %.19s from %s", digest, from);
	if (request(c, &r, path, what, err) < 0) {
		req_clear(&r);
		return -1;
	}
	int rc = 1;
	if (r.status != 201)
		rc = (*location = upload_location(&r, what, err)) != NULL ? 0 : -1;
	req_clear(&r);
	return rc;
}

/* PUT LOCATION?digest=D with the body (len may be 0): the upload's end. */
static int upload_close(struct reg_client *c, const char *loc, const char *digest,
			const struct reg_upload *body, const char *what, struct error **err)
{
	autofree char *path = xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
	struct req r = { .range_from = -1,
			 .max = ERRBODY_MAX,
			 .method = "PUT",
			 .any_2xx = true,
			 .up = body,
			 .content_type_hdr = "Content-Type: application/octet-stream" };
	int rc = request(c, &r, path, what, err);
	if (rc == 0 && r.status != 201 && r.status != 204)
		rc = err_set(err, EIO, ERR_TOOL, "%s: unexpected status %ld", what, r.status);
	req_clear(&r);
	return rc;
}

int reg_blob_upload(struct reg_client *c, const char *digest, const struct reg_upload *body,
		    int64_t chunk, const char *location, struct error **err)
{
	autofree char *what = xasprintf("uploading blob %.19s", digest);
	autofree char *loc = location ? xstrdup(location) : NULL;
	if (loc == NULL) {
		struct req r = {
			.range_from = -1, .max = ERRBODY_MAX, .method = "POST", .any_2xx = true
		};
		autofree char *path = xasprintf("/v2/%s/blobs/uploads/", c->repo);
		if (request(c, &r, path, what, err) < 0) {
			req_clear(&r);
			return -1;
		}
		loc = upload_location(&r, what, err);
		req_clear(&r);
		if (loc == NULL)
			return -1;
	}
	if (chunk <= 0 || body->len <= chunk)
		return upload_close(c, loc, digest, body, what, err);
	/* Chunked: PATCH each piece at its range; every answer says where the next goes. */
	for (int64_t off = 0; off < body->len; off += chunk) {
		struct reg_upload part = *body;
		part.off = body->off + off;
		part.len = body->len - off < chunk ? body->len - off : chunk;
		autofree char *range = xasprintf("Content-Range: %lld-%lld", (long long)off,
						 (long long)(off + part.len - 1));
		struct req r = { .range_from = -1,
				 .max = ERRBODY_MAX,
				 .method = "PATCH",
				 .any_2xx = true,
				 .up = &part,
				 .extra_hdr = range,
				 .content_type_hdr = "Content-Type: application/octet-stream" };
		int rc = request(c, &r, loc, what, err);
		char *next = rc == 0 ? upload_location(&r, what, err) : NULL;
		req_clear(&r);
		if (next == NULL)
			return -1;
		free(loc);
		loc = next;
	}
	struct reg_upload none = { .fd = -1, .mem = "" };
	return upload_close(c, loc, digest, &none, what, err);
}

int reg_put_manifest(struct reg_client *c, const char *ref, const char *media_type,
		     const char *body, size_t len, struct error **err)
{
	autofree char *path = xasprintf("/v2/%s/manifests/%s", c->repo, ref);
	autofree char *ct = xasprintf("Content-Type: %s", media_type);
	struct reg_upload up = { .fd = -1, .mem = body, .len = (int64_t)len };
	struct req r = { .range_from = -1,
			 .max = ERRBODY_MAX,
			 .method = "PUT",
			 .any_2xx = true,
			 .up = &up,
			 .content_type_hdr = ct };
	int rc = request(c, &r, path, "writing manifest", err);
	req_clear(&r);
	return rc;
}

int reg_upload_start(struct reg_client *c, char **location, struct error **err)
{
	struct req r = { .range_from = -1, .max = ERRBODY_MAX, .method = "POST", .any_2xx = true };
	autofree char *path = xasprintf("/v2/%s/blobs/uploads/", c->repo);
	*location = NULL;
	if (request(c, &r, path, "starting an upload", err) < 0) {
		req_clear(&r);
		return -1;
	}
	*location = upload_location(&r, "starting an upload", err);
	req_clear(&r);
	return *location != NULL ? 0 : -1;
}

int reg_upload_stream(struct reg_client *c, char **location, const struct reg_upload *body,
		      struct error **err)
{
	struct req r = { .range_from = -1,
			 .max = ERRBODY_MAX,
			 .method = "PATCH",
			 .any_2xx = true,
			 .up = body,
			 .content_type_hdr = "Content-Type: application/octet-stream" };
	int rc = request(c, &r, *location, "uploading", err);
	char *next = rc == 0 ? upload_location(&r, "uploading", err) : NULL;
	req_clear(&r);
	if (next == NULL)
		return -1;
	free(*location);
	*location = next;
	return 0;
}

int reg_upload_finish(struct reg_client *c, const char *location, const char *digest,
		      struct error **err)
{
	autofree char *what = xasprintf("uploading blob %.19s", digest);
	struct reg_upload none = { .fd = -1, .mem = "" };
	return upload_close(c, location, digest, &none, what, err);
}
