/* cairnd: libmicrohttpd glue: routing, body caps, JSON errors, suspend and
 * resume around the sequencer, metrics per request. */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

static atomic_uint inflight;

unsigned http_inflight(void)
{
	return atomic_load(&inflight);
}

void http_send(request *r, unsigned status, const char *ctype, const void *data, size_t len,
	       const char *cache, const char *const *headers)
{
	if (r->responded)
		return;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (cache)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	for (size_t i = 0; headers && headers[i]; i += 2)
		MHD_add_response_header(resp, headers[i], headers[i + 1]);
	MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->responded = 1;
}

void http_json(request *r, unsigned status, json_t *v, const char *const *headers)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (!s) {
		static const char oom[] = "{\"code\":500,\"message\":\"out of memory\"}";
		http_send(r, 500, "application/json", oom, sizeof oom - 1, "no-cache", NULL);
		return;
	}
	http_send(r, status, "application/json", s, strlen(s), "no-cache", headers);
	free(s);
}

void http_error(request *r, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *v = json_pack("{s:i,s:s}", "code", (int)status, "message", msg);
	const char *retry[] = {"Retry-After", "1", NULL};
	http_json(r, status, v, status == 503 ? retry : NULL);
}

const char *http_query(request *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int http_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	if (!s || !s[0] || (s[0] == '0' && s[1]))
		return -1;
	for (; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 20)
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

json_t *http_parse_body(request *r)
{
	if (!r->body || r->len == 0) {
		http_error(r, 400, "request body is empty");
		return NULL;
	}
	if (!entry_json_depth_ok(r->body, r->len)) {
		http_error(r, 400, "JSON nested deeper than %d levels", ENTRY_MAX_DEPTH);
		return NULL;
	}
	json_error_t err;
	json_t *v = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		http_error(r, 400, "malformed JSON: %s", err.text);
		return NULL;
	}
	return v;
}

static metrics_route route_of(const char *url)
{
	if (strcmp(url, "/api/v1/log") == 0)
		return ROUTE_LOG_INFO;
	if (strcmp(url, "/api/v1/log/publicKey") == 0)
		return ROUTE_PUBLIC_KEY;
	if (strcmp(url, "/api/v1/log/proof") == 0)
		return ROUTE_PROOF;
	if (strcmp(url, "/api/v1/log/entries") == 0)
		return ROUTE_ENTRY_CREATE; /* or by index, decided by method */
	if (strcmp(url, "/api/v1/log/entries/retrieve") == 0)
		return ROUTE_ENTRIES_RETRIEVE;
	if (strncmp(url, "/api/v1/log/entries/", 20) == 0)
		return ROUTE_ENTRY_GET;
	if (strcmp(url, "/api/v1/index/retrieve") == 0)
		return ROUTE_INDEX_RETRIEVE;
	if (strcmp(url, "/checkpoint") == 0)
		return ROUTE_CHECKPOINT;
	if (strncmp(url, "/tile/entries/", 14) == 0)
		return ROUTE_ENTRY_BUNDLE;
	if (strncmp(url, "/tile/", 6) == 0)
		return ROUTE_TILE;
	if (strcmp(url, "/healthz") == 0)
		return ROUTE_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return ROUTE_METRICS;
	return ROUTE_OTHER;
}

static int is_get(const request *r)
{
	return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

static int is_post(const request *r)
{
	return strcmp(r->method, "POST") == 0;
}

static void method_not_allowed(request *r, const char *allow)
{
	const char *h[] = {"Allow", allow, NULL};
	json_t *v = json_pack("{s:i,s:s}", "code", 405, "message", "method not allowed");
	http_json(r, 405, v, h);
}

static void dispatch(request *r)
{
	server *srv = r->srv;
	switch (r->route) {
	case ROUTE_LOG_INFO:
		is_get(r) ? v1_log_info(r) : method_not_allowed(r, "GET");
		return;
	case ROUTE_PUBLIC_KEY:
		is_get(r) ? v1_public_key(r) : method_not_allowed(r, "GET");
		return;
	case ROUTE_PROOF:
		is_get(r) ? v1_proof(r) : method_not_allowed(r, "GET");
		return;
	case ROUTE_ENTRY_CREATE:
		if (is_post(r)) {
			v1_entry_create(r);
		} else if (is_get(r)) {
			r->route = ROUTE_ENTRY_GET;
			v1_entry_by_index(r);
		} else {
			method_not_allowed(r, "GET, POST");
		}
		return;
	case ROUTE_ENTRY_GET:
		is_get(r) ? v1_entry_by_uuid(r, r->url + 20) : method_not_allowed(r, "GET");
		return;
	case ROUTE_ENTRIES_RETRIEVE:
		is_post(r) ? v1_entries_retrieve(r) : method_not_allowed(r, "POST");
		return;
	case ROUTE_INDEX_RETRIEVE:
		is_post(r) ? v1_index_retrieve(r) : method_not_allowed(r, "POST");
		return;
	case ROUTE_CHECKPOINT:
		is_get(r) ? c2sp_checkpoint(r) : method_not_allowed(r, "GET");
		return;
	case ROUTE_TILE:
	case ROUTE_ENTRY_BUNDLE:
		is_get(r) ? c2sp_tile(r, r->url + 1) : method_not_allowed(r, "GET");
		return;
	case ROUTE_HEALTHZ:
		if (is_get(r))
			http_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3, "no-cache", NULL);
		else
			method_not_allowed(r, "GET");
		return;
	case ROUTE_METRICS:
		if (is_get(r)) {
			size_t len = 0;
			char *text = metrics_render(srv->metrics, sequencer_pending(srv->seq), &len);
			if (!text) {
				http_error(r, 500, "out of memory");
				return;
			}
			http_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, "no-cache", NULL);
			free(text);
		} else {
			method_not_allowed(r, "GET");
		}
		return;
	default:
		http_error(r, 404, "no such endpoint: %s %s", r->method, r->url);
		return;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	(void)version;
	server *srv = cls;
	request *r = *ctx;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		atomic_fetch_add(&inflight, 1);
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->route = route_of(url);
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		*ctx = r;
		/* Refuse a declared body over the cap before reading any of it. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t declared;
		if (cl && http_parse_u64(cl, &declared) == 0 && declared > srv->cfg.max_body) {
			http_error(r, 413, "request body of %llu bytes is over the %zu-byte limit",
				   (unsigned long long)declared, srv->cfg.max_body);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->responded || r->too_large)
			return MHD_YES;
		if (r->len + n > srv->cfg.max_body) {
			r->too_large = 1;
			free(r->body);
			r->body = NULL;
			r->len = r->cap = 0;
			return MHD_YES;
		}
		if (r->len + n > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			while (cap < r->len + n)
				cap *= 2;
			if (cap > srv->cfg.max_body)
				cap = srv->cfg.max_body;
			char *nb = realloc(r->body, cap);
			if (!nb)
				return MHD_NO;
			r->body = nb;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		return MHD_YES;
	}
	if (r->responded)
		return MHD_YES;
	if (r->too_large) {
		http_error(r, 413, "request body is over the %zu-byte limit", srv->cfg.max_body);
		return MHD_YES;
	}
	if (r->state == REQ_COMMITTED) {
		v1_entry_committed(r);
		return MHD_YES;
	}
	if (r->state == REQ_QUEUED)
		return MHD_YES; /* spurious call while suspended */
	dispatch(r);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx, enum MHD_RequestTerminationCode code)
{
	(void)conn;
	(void)code;
	server *srv = cls;
	request *r = *ctx;
	if (!r)
		return;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double secs = (double)(end.tv_sec - r->start.tv_sec) + (double)(end.tv_nsec - r->start.tv_nsec) / 1e9;
	metrics_observe_request(srv->metrics, r->route, r->responded ? r->status : 0, secs);
	sequencer_release(&r->item);
	entry_free(r->entry);
	free(r->body);
	free(r);
	*ctx = NULL;
	atomic_fetch_sub(&inflight, 1);
}

/* Leaves URLs and query values exactly as sent: every cairn path and
 * parameter is plain ASCII, so a percent sign is simply invalid. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static void log_panic(void *cls, const char *file, unsigned line, const char *reason)
{
	(void)cls;
	fprintf(stderr, "cairnd: libmicrohttpd fatal error at %s:%u: %s\n", file, line, reason ? reason : "");
	abort();
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	uint64_t port;
	if (http_parse_u64(colon + 1, &port) || port > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (host[0] == '\0' || strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

int http_start(server *srv)
{
	struct sockaddr_in sa;
	if (parse_listen(srv->cfg.listen, &sa)) {
		fprintf(stderr, "cairnd: --listen wants IPv4ADDR:PORT, got \"%s\"\n", srv->cfg.listen);
		return CAIRN_ERR_INVALID;
	}
	/* Leave file descriptors for LMDB, keys and logs. */
	unsigned limit = srv->cfg.max_connections;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit + 64)
		limit = rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
	MHD_set_panic_func(log_panic, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	srv->daemon = MHD_start_daemon(
		flags, ntohs(sa.sin_port), NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->cfg.threads, MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		srv->cfg.max_per_ip, MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr, "cairnd: cannot listen on %s: %s\n", srv->cfg.listen, strerror(errno));
		return CAIRN_ERR_IO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : ntohs(sa.sin_port);
	return CAIRN_OK;
}

void http_quiesce(server *srv)
{
	if (srv->daemon) {
		MHD_socket s = MHD_quiesce_daemon(srv->daemon);
		if (s != MHD_INVALID_SOCKET)
			close(s);
	}
}

void http_stop(server *srv)
{
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
}
