/* Hostile HTTP: malformed and abusive requests against the real cairnd.
 *
 * Every request must get the right 4xx, with a JSON error body
 * ({"code":N,"message":"..."}, Content-Type application/json) wherever the
 * request reached the API; requests that are not HTTP at all get a 4xx from
 * the HTTP layer or a closed connection. Meanwhile a normal client (a
 * background thread reading the tree head and uploading entries) must keep
 * getting answers within a second, and at the end the tree must still verify:
 * signed, recomputed from every stored entry, consistent with the tree before
 * the abuse, and holding exactly the entries that were accepted.
 *
 * Raw sockets are used wherever libcurl would repair the request (lying
 * Content-Length, slowloris, garbage request lines, "..", NUL bytes). */
#include "../crash/logcheck.h"

#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "entry.h"

#define H LC_H
#define NAME "127.0.0.1"
#define IDLE_TIMEOUT 3 /* cairnd --timeout for this suite */
#define MAX_BODY 131072

static struct {
	daemon_proc d;
	CURL *curl;
	lc_keys keys;
	keys_key *signer, *other, *ed;
	char *signer_b64, *other_b64, *ed_b64;
	char tree_hex[17];
	uint64_t size0;
	uint8_t root0[H];
	atomic_size_t accepted; /* entries that got a 201 */
	uint8_t (*maybe)[H];    /* leaves of uploads abandoned mid-flight */
	size_t nmaybe;
	/* The normal client. */
	pthread_t prober;
	atomic_int stop;
	atomic_long probes, probe_failures, probe_slow, worst_ms;
	char probe_err[256];
} F;

static void sha256(const void *d, size_t n, uint8_t out[32])
{
	unsigned len = 32;
	EVP_Digest(d, n, out, &len, EVP_sha256(), NULL);
}

static char *pem_b64(const keys_key *k)
{
	char *pem;
	size_t len;
	assert_int_equal(keys_public_pem(k, &pem, &len), CAIRN_OK);
	char *b = codec_b64_encode_alloc((const uint8_t *)pem, len);
	free(pem);
	return b;
}

/* A hashedrekord proposal: artifact's digest, a signature by k over signed
 * (normally the artifact), the key given as key_b64. */
static char *hashedrekord(const keys_key *k, const char *key_b64, const char *artifact,
                          const char *signed_text)
{
	uint8_t d[32], *sig = NULL;
	size_t siglen = 0;
	char hex[65];
	sha256(artifact, strlen(artifact), d);
	codec_hex_encode(d, 32, hex);
	if (keys_sign(k, (const uint8_t *)signed_text, strlen(signed_text), &sig, &siglen) != CAIRN_OK)
		return NULL;
	char *s64 = codec_b64_encode_alloc(sig, siglen);
	free(sig);
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
	                      "hashedrekord", "spec", "data", "hash", "algorithm", "sha256", "value", hex,
	                      "signature", "content", s64, "publicKey", "content", key_b64);
	free(s64);
	char *text = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return text;
}

static char *valid_entry(const char *artifact)
{
	return hashedrekord(F.signer, F.signer_b64, artifact, artifact);
}

/* --- the normal client -------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

__attribute__((format(printf, 1, 2))) static void probe_fail(const char *fmt, ...)
{
	va_list ap;
	atomic_fetch_add(&F.probe_failures, 1);
	va_start(ap, fmt);
	vsnprintf(F.probe_err, sizeof F.probe_err, fmt, ap);
	va_end(ap);
}

/* Every 50 ms reads the tree head; every fifth time uploads an entry. Each
 * answer must come within a second. */
static void *prober_main(void *arg)
{
	(void)arg;
	CURL *c = curl_easy_init();
	char url[128], artifact[64];
	for (unsigned i = 0; !atomic_load(&F.stop); i++) {
		int post = i % 5 == 4;
		char *body = NULL;
		if (post) {
			snprintf(artifact, sizeof artifact, "prober-%u-%d", i, (int)getpid());
			body = valid_entry(artifact);
		}
		snprintf(url, sizeof url, "%s%s", F.d.url, post ? "/api/v1/log/entries" : "/api/v1/log");
		http_resp r;
		long t0 = now_ms();
		int rc = http_do(c, post ? "POST" : "GET", url, body, body ? strlen(body) : 0, &r);
		long ms = now_ms() - t0;
		atomic_fetch_add(&F.probes, 1);
		if (ms > atomic_load(&F.worst_ms))
			atomic_store(&F.worst_ms, ms);
		if (rc != 0)
			probe_fail("%s: transport error after %ld ms", post ? "POST" : "GET", ms);
		else if (r.status != (post ? 201 : 200))
			probe_fail("%s: status %ld", post ? "POST" : "GET", r.status);
		else if (ms > 1000)
			atomic_fetch_add(&F.probe_slow, 1);
		if (rc == 0 && post && r.status == 201)
			atomic_fetch_add(&F.accepted, 1);
		http_resp_free(&r);
		free(body);
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* --- requests ------------------------------------------------------------ */

static char *url(const char *path)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s%s", F.d.url, path);
	return buf[i];
}

/* The response is an API error: status, JSON content type, {"code","message"}. */
static void assert_json_error(const char *what, long status, const char *ctype, const char *body, size_t len,
                              long want)
{
	if (status != want)
		fail_msg("%s: status %ld, want %ld: %.300s", what, status, want, body ? body : "");
	if (!ctype || strcmp(ctype, "application/json") != 0)
		fail_msg("%s: Content-Type \"%s\", want application/json", what, ctype ? ctype : "(none)");
	json_error_t e;
	json_t *v = json_loadb(body, len, 0, &e);
	if (!v || !json_is_object(v) || json_object_size(v) != 2)
		fail_msg("%s: error body is not {\"code\",\"message\"}: %.300s", what, body);
	json_t *code = json_object_get(v, "code"), *msg = json_object_get(v, "message");
	if (!json_is_integer(code) || json_integer_value(code) != want || !json_is_string(msg) ||
	    json_string_length(msg) == 0)
		fail_msg("%s: bad error body: %.300s", what, body);
	json_decref(v);
}

static void expect(const char *method, const char *path, const char *body, size_t len, long want)
{
	http_resp r;
	char what[256];
	snprintf(what, sizeof what, "%s %.200s", method, path);
	if (http_do(F.curl, method, url(path), body, len, &r) != 0)
		fail_msg("%s: transport error", what);
	char ct[128] = "";
	http_header(&r, "Content-Type", ct, sizeof ct);
	if (want >= 400) {
		assert_json_error(what, r.status, ct, r.body, r.len, want);
	} else if (r.status != want) {
		fail_msg("%s: status %ld, want %ld: %.300s", what, r.status, want, r.body);
	}
	http_resp_free(&r);
}

static void expects(const char *method, const char *path, const char *body, long want)
{
	expect(method, path, body, strlen(body), want);
}

#define POST_ENTRY(lit, st) expect("POST", "/api/v1/log/entries", lit, sizeof lit - 1, st)

static void post_entry_json(json_t *v, long want)
{
	char *s = json_dumps(v, JSON_COMPACT);
	expect("POST", "/api/v1/log/entries", s, strlen(s), want);
	free(s);
	json_decref(v);
}

/* A valid proposal as a JSON value, to break one member at a time. */
static json_t *valid_value(const char *artifact)
{
	char *s = valid_entry(artifact);
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);
	free(s);
	return v;
}

static json_t *at(json_t *v, const char *a, const char *b, const char *c)
{
	json_t *x = json_object_get(v, a);
	if (b)
		x = json_object_get(x, b);
	if (c)
		x = json_object_get(x, c);
	return x;
}

/* --- raw sockets --------------------------------------------------------- */

static int raw_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)F.d.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int raw_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

typedef struct raw_resp {
	long status; /* 0: no response */
	int closed;  /* the server closed the connection */
	char head[4096];
	char *body;
	size_t len;
	char ctype[128];
} raw_resp;

/* Bytes received on a connection but not yet parsed (pipelined responses). */
typedef struct raw_buf {
	int fd;
	char *p;
	size_t n, cap;
} raw_buf;

/* Reads one response (status line, headers, Content-Length body) or until
 * the server closes or timeout_ms passes; what follows it stays in b. */
static void raw_read_buf(raw_buf *b, int timeout_ms, raw_resp *r)
{
	memset(r, 0, sizeof *r);
	if (!b->p) {
		b->cap = 1 << 16;
		b->p = malloc(b->cap + 1);
		b->n = 0;
	}
	long deadline = now_ms() + timeout_ms;
	size_t need = SIZE_MAX, hl = 0;
	for (;;) {
		b->p[b->n] = '\0';
		char *hend = hl ? NULL : memmem(b->p, b->n, "\r\n\r\n", 4);
		if (hend) {
			hl = (size_t)(hend - b->p) + 4;
			memcpy(r->head, b->p, hl < sizeof r->head - 1 ? hl : sizeof r->head - 1);
			sscanf(b->p, "HTTP/1.%*d %ld", &r->status);
			const char *cl = strcasestr(r->head, "\r\nContent-Length:");
			need = hl + (cl ? strtoul(cl + 17, NULL, 10) : 0);
			const char *ct = strcasestr(r->head, "\r\nContent-Type:");
			if (ct) {
				ct += 15;
				while (*ct == ' ')
					ct++;
				size_t l = strcspn(ct, "\r");
				snprintf(r->ctype, sizeof r->ctype, "%.*s", (int)l, ct);
			}
		}
		if (hl && b->n >= need)
			break;
		long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {b->fd, POLLIN, 0};
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		if (b->n == b->cap) {
			b->cap *= 2;
			b->p = realloc(b->p, b->cap + 1);
		}
		ssize_t k = recv(b->fd, b->p + b->n, b->cap - b->n, 0);
		if (k <= 0) {
			r->closed = 1;
			break;
		}
		b->n += (size_t)k;
	}
	if (hl) {
		size_t end = need <= b->n ? need : b->n;
		r->len = end - hl;
		r->body = malloc(r->len + 1);
		memcpy(r->body, b->p + hl, r->len);
		r->body[r->len] = '\0';
		memmove(b->p, b->p + end, b->n - end);
		b->n -= end;
	}
}

static void raw_read(int fd, int timeout_ms, raw_resp *r)
{
	raw_buf b = {fd, NULL, 0, 0};
	raw_read_buf(&b, timeout_ms, r);
	free(b.p);
}

/* One request on a fresh connection. */
static void raw_exchange(const void *req, size_t len, int timeout_ms, raw_resp *r)
{
	int fd = raw_connect();
	assert_true(fd >= 0);
	raw_send(fd, req, len);
	raw_read(fd, timeout_ms, r);
	close(fd);
}

/* A raw request must be refused with want (or, when want is 0, with any 4xx
 * or a closed connection; when -1, anything but a 5xx or silence: for
 * obsolete syntax that RFC 9112 lets a server either refuse or repair);
 * json: the body must be a JSON error. */
static void raw_expect(const char *name, const void *req, size_t len, long want, int json)
{
	raw_resp r;
	raw_exchange(req, len, 5000, &r);
	if (want == -1) {
		if (r.status >= 500 || (r.status == 0 && !r.closed))
			fail_msg("%s: status %ld (closed %d)", name, r.status, r.closed);
	} else if (want == 0) {
		if (!(r.status >= 400 && r.status < 500) && !(r.status == 0 && r.closed))
			fail_msg("%s: status %ld (closed %d), want a 4xx or a closed connection", name,
			         r.status, r.closed);
	} else if (json) {
		assert_json_error(name, r.status, r.ctype, r.body, r.len, want);
	} else if (r.status != want) {
		fail_msg("%s: status %ld, want %ld", name, r.status, want);
	}
	free(r.body);
}

#define RAW(name, lit, want, json) raw_expect(name, lit, sizeof lit - 1, want, json)

/* --- fixture ------------------------------------------------------------- */

static int setup_group(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	F.curl = curl_easy_init();
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", IDLE_TIMEOUT);
	const char *extra[] = {"--timeout", timeout, NULL};
	if (daemon_start(&F.d, extra, NULL) != 0)
		return -1;
	if (lc_keys_load(&F.keys, F.d.dir, NAME))
		return -1;
	if (keys_generate(KEYS_ECDSA_P256, &F.signer) || keys_generate(KEYS_ECDSA_P256, &F.other) ||
	    keys_generate(KEYS_ED25519, &F.ed))
		return -1;
	F.signer_b64 = pem_b64(F.signer);
	F.other_b64 = pem_b64(F.other);
	F.ed_b64 = pem_b64(F.ed);
	/* A few entries, so that indexes, proofs and tiles have something to name. */
	for (int i = 0; i < 5; i++) {
		char art[32];
		snprintf(art, sizeof art, "hostile-setup-%d", i);
		char *e = valid_entry(art);
		expect("POST", "/api/v1/log/entries", e, strlen(e), 201);
		free(e);
		F.accepted++;
	}
	note_checkpoint cp;
	if (lc_log_info(F.curl, F.d.url, &F.keys, &cp))
		return -1;
	F.size0 = cp.size;
	memcpy(F.root0, cp.root, H);
	http_resp r;
	http_do(F.curl, "GET", url("/api/v1/log"), NULL, 0, &r);
	json_error_t je;
	json_t *li = json_loads(r.body, 0, &je);
	snprintf(F.tree_hex, sizeof F.tree_hex, "%016llx",
	         strtoull(json_string_value(json_object_get(li, "treeID")), NULL, 10));
	json_decref(li);
	http_resp_free(&r);
	return pthread_create(&F.prober, NULL, prober_main, NULL) == 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
	(void)state;
	if (!atomic_load(&F.stop)) {
		atomic_store(&F.stop, 1);
		pthread_join(F.prober, NULL);
	}
	daemon_kill(&F.d);
	harness_rm_rf(F.d.dir);
	unlink(F.d.out_path);
	lc_keys_free(&F.keys);
	keys_free(F.signer);
	keys_free(F.other);
	keys_free(F.ed);
	free(F.signer_b64);
	free(F.other_b64);
	free(F.ed_b64);
	free(F.maybe);
	curl_easy_cleanup(F.curl);
	curl_global_cleanup();
	return 0;
}

/* --- the cases ------------------------------------------------------------ */

static void test_invalid_json(void **state)
{
	(void)state;
	POST_ENTRY("", 400);
	POST_ENTRY("{", 400);
	POST_ENTRY("{\"apiVersion\":", 400);
	POST_ENTRY("{\"apiVersion\":\"0.0.1\",}", 400);
	POST_ENTRY("{'apiVersion':'0.0.1'}", 400);
	POST_ENTRY("{\"apiVersion\":\"0.0.1\"} trailing", 400);
	POST_ENTRY("{\"a\":1,\"a\":2}", 400);                       /* duplicate keys */
	POST_ENTRY("{\"kind\":\"hashed\\u0000rekord\"}", 400);      /* NUL in a string */
	POST_ENTRY("{\"kind\":\"\\ud800\"}", 400);                  /* lone surrogate */
	POST_ENTRY("{\"kind\":\"hashedrekord\xff\"}", 400);         /* invalid UTF-8 */
	POST_ENTRY("{\"kind\":\"\xc0\xaf\"}", 400);                 /* overlong UTF-8 */
	POST_ENTRY("{\"kind\":\"\xed\xa0\x80\"}", 400);             /* UTF-8 surrogate */
	POST_ENTRY("\xef\xbb\xbf{\"kind\":\"hashedrekord\"}", 400); /* BOM */
	POST_ENTRY("{\"n\":1e99999}", 400);                         /* real overflow */
	POST_ENTRY("{\"n\":123456789012345678901234567890}", 400);  /* integer overflow */
	POST_ENTRY("NaN", 400);
	POST_ENTRY("\x00\x01\x02\x03", 400);
	/* JSON, but not an object: the wrong shape. */
	POST_ENTRY("null", 422);
	POST_ENTRY("[1,2]", 422);
	POST_ENTRY("\"hashedrekord\"", 422);
	/* The same for the other JSON endpoints. */
	expects("POST", "/api/v1/log/entries/retrieve", "{", 400);
	expects("POST", "/api/v1/log/entries/retrieve", "", 400);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"x\":\"\xff\"}", 400);
	expects("POST", "/api/v1/index/retrieve", "{\"hash\":", 400);
	expects("POST", "/api/v1/index/retrieve", "{\"a\":1,\"a\":1}", 400);
	expects("POST", "/api/v1/index/retrieve", "[]", 422);
}

static char *nested(size_t depth, const char *open, const char *close, const char *inner)
{
	size_t ol = strlen(open), cl = strlen(close), il = strlen(inner);
	char *s = malloc(depth * (ol + cl) + il + 1), *p = s;
	for (size_t i = 0; i < depth; i++, p += ol)
		memcpy(p, open, ol);
	memcpy(p, inner, il);
	p += il;
	for (size_t i = 0; i < depth; i++, p += cl)
		memcpy(p, close, cl);
	*p = '\0';
	return s;
}

static void test_deep_nesting(void **state)
{
	(void)state;
	const char *paths[] = {"/api/v1/log/entries", "/api/v1/log/entries/retrieve",
	                       "/api/v1/index/retrieve"};
	for (size_t i = 0; i < 3; i++) {
		char *s = nested(60000, "[", "]", "");
		expect("POST", paths[i], s, strlen(s), 400);
		free(s);
		s = nested(20000, "{\"a\":", "}", "1");
		expect("POST", paths[i], s, strlen(s), 400);
		free(s);
		/* Unbalanced: only opening brackets. */
		s = nested(100000, "[", "", "");
		expect("POST", paths[i], s, strlen(s), 400);
		free(s);
		s = nested(33, "[", "]", "");
		expect("POST", paths[i], s, strlen(s), 400);
		free(s);
	}
	/* Deep nesting inside an otherwise valid entry, and inside a DSSE envelope. */
	json_t *v = valid_value("deep-1");
	char *deep = nested(40, "{\"x\":", "}", "1");
	json_error_t e;
	json_object_set_new(v, "extra", json_loads(deep, 0, &e));
	free(deep);
	post_entry_json(v, 400);
	char *env = nested(40, "[", "]", "");
	v = json_pack("{s:s,s:s,s:{s:{s:s,s:[s]}}}", "apiVersion", "0.0.1", "kind", "dsse", "spec",
	              "proposedContent", "envelope", env, "verifiers", F.signer_b64);
	free(env);
	post_entry_json(v, 400);
	/* Brackets inside strings are not nesting. */
	v = valid_value("deep-2");
	char *str = nested(5000, "[", "]", "");
	json_object_set_new(v, "comment", json_string(str));
	free(str);
	post_entry_json(v, 201);
	F.accepted++;
}

static void test_wrong_types(void **state)
{
	(void)state;
	static const char *const members[][3] = {
	    {"apiVersion", NULL, NULL}, {"kind", NULL, NULL},        {"spec", NULL, NULL},
	    {"spec", "data", NULL},     {"spec", "signature", NULL}, {"spec", "data", "hash"},
	};
	json_t *bad[] = {json_integer(1), json_true(), json_null(), json_array(), json_real(0.5)};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
			json_t *v = valid_value("types"), *parent = v;
			const char *key = members[i][0];
			if (members[i][2]) {
				parent = at(v, members[i][0], members[i][1], NULL);
				key = members[i][2];
			} else if (members[i][1]) {
				parent = at(v, members[i][0], NULL, NULL);
				key = members[i][1];
			}
			json_object_set(parent, key, bad[j]);
			/* A wrong kind or apiVersion type is a schema error too. */
			post_entry_json(v, 422);
		}
	}
	for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++)
		json_decref(bad[j]);
	/* Leaves of the wrong type. */
	json_t *v = valid_value("types");
	json_object_set_new(at(v, "spec", "data", "hash"), "value", json_integer(7));
	post_entry_json(v, 422);
	v = valid_value("types");
	json_object_set_new(at(v, "spec", "signature", NULL), "content", json_pack("[s]", "AAAA"));
	post_entry_json(v, 422);
	v = valid_value("types");
	json_object_set_new(at(v, "spec", "signature", "publicKey"), "content", json_null());
	post_entry_json(v, 422);
	v = valid_value("types");
	json_object_del(at(v, "spec", "data", "hash"), "algorithm");
	post_entry_json(v, 422);
	/* Retrieve and search with wrong types. */
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":\"1\"}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[\"1\"]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[1.5]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[true]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"entryUUIDs\":[1]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"entryUUIDs\":{}}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"entries\":[1]}", 422);
	expects("POST", "/api/v1/index/retrieve", "{\"publicKey\":\"x\"}", 422);
	expects("POST", "/api/v1/index/retrieve", "{\"publicKey\":{\"format\":1}}", 422);
	expects("POST", "/api/v1/index/retrieve", "{\"hash\":1}", 400);
	expects("POST", "/api/v1/index/retrieve", "{\"operator\":1,\"hash\":\"sha256:00\"}", 422);
}

static void test_kinds_and_versions(void **state)
{
	(void)state;
	const char *kinds[] = {"rekord", "intoto", "rpm", "HASHEDREKORD", "hashedrekord ", "",   "dsse\u00e9",
	                       "alpine", "cose",   "jar", "helm",         "rfc3161",       "tuf"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		json_t *v = valid_value("kinds");
		json_object_set_new(v, "kind", json_string(kinds[i]));
		post_entry_json(v, 400);
	}
	const char *versions[] = {"0.0.2", "0.0.1 ", "v0.0.1", "0.0", "", "1.0.0", "0.0.01", "0.0.1\u2028"};
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		json_t *v = valid_value("versions");
		json_object_set_new(v, "apiVersion", json_string(versions[i]));
		post_entry_json(v, 400);
	}
	/* Unknown hash algorithms. */
	const char *algs[] = {"md5", "sha1", "SHA256", "sha-256", "sha3-256", ""};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		json_t *v = valid_value("algs");
		json_object_set_new(at(v, "spec", "data", "hash"), "algorithm", json_string(algs[i]));
		post_entry_json(v, 400);
	}
}

static char *b64s(const char *s)
{
	return codec_b64_encode_alloc((const uint8_t *)s, strlen(s));
}

static void test_bad_base64_and_keys(void **state)
{
	(void)state;
	const char *bad_b64[] = {"!!!!",   "AAA",        "AAAAA", "AA==AA==", "A===", "AB==", " AAAA",
	                         "AAAA\n", "QUJD\u00e9", "====",  "QQ",       "QQ=",  "-_-_"};
	for (size_t i = 0; i < sizeof bad_b64 / sizeof bad_b64[0]; i++) {
		json_t *v = valid_value("b64");
		json_object_set_new(at(v, "spec", "signature", NULL), "content", json_string(bad_b64[i]));
		post_entry_json(v, 400);
		v = valid_value("b64");
		json_object_set_new(at(v, "spec", "signature", "publicKey"), "content",
		                    json_string(bad_b64[i]));
		post_entry_json(v, 400);
	}
	/* Empty signature, empty key. */
	json_t *v = valid_value("b64");
	json_object_set_new(at(v, "spec", "signature", NULL), "content", json_string(""));
	post_entry_json(v, 400);
	v = valid_value("b64");
	json_object_set_new(at(v, "spec", "signature", "publicKey"), "content", json_string(""));
	post_entry_json(v, 400);
	/* Bad digests. */
	const char *digests[] = {"00", "zz5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2",
	                         "ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2ff", ""};
	for (size_t i = 0; i < sizeof digests / sizeof digests[0]; i++) {
		v = valid_value("digest");
		json_object_set_new(at(v, "spec", "data", "hash"), "value", json_string(digests[i]));
		post_entry_json(v, 400);
	}
	/* Keys that are not keys, or not supported. */
	char *pem;
	size_t plen;
	assert_int_equal(keys_public_pem(F.signer, &pem, &plen), CAIRN_OK);
	char *broken_pem = strdup(pem);
	broken_pem[40] = broken_pem[40] == 'A' ? 'B' : 'A'; /* a point off the curve, most likely */
	char *two = malloc(2 * plen + 1);
	memcpy(two, pem, plen);
	memcpy(two + plen, pem, plen + 1);
	char *headers = malloc(plen + 64);
	snprintf(headers, plen + 64, "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n%s", pem + 27);
	EVP_PKEY *rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	BIO *bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(bio, rsa1024);
	char *rsa_pem_p;
	long rsa_len = BIO_get_mem_data(bio, &rsa_pem_p);
	char *rsa_pem = strndup(rsa_pem_p, (size_t)rsa_len);
	BIO_free(bio);
	EVP_PKEY_free(rsa1024);
	const char *texts[] = {
	    "not a pem",
	    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	    "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
	    "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n",
	    "-----BEGIN PRIVATE "
	    "KEY-----\nMC4CAQAwBQYDK2VwBCIEIOZT3y857Er74jgHfVIioBDbsCPd9ZVT6Yi0XEjokS4u\n-----END PRIVATE "
	    "KEY-----\n",
	    "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
	    broken_pem,
	    two,
	    headers,
	    rsa_pem,
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *b = b64s(texts[i]);
		v = valid_value("keys");
		json_object_set_new(at(v, "spec", "signature", "publicKey"), "content", json_string(b));
		free(b);
		post_entry_json(v, 400);
	}
	/* A key PEM over the 64 KiB cap. */
	char *huge = malloc(70000);
	memset(huge, 'A', 69999);
	huge[69999] = '\0';
	memcpy(huge, "-----BEGIN PUBLIC KEY-----\n", 27);
	char *hb = b64s(huge);
	v = valid_value("keys");
	json_object_set_new(at(v, "spec", "signature", "publicKey"), "content", json_string(hb));
	post_entry_json(v, 400);
	free(hb);
	free(huge);
	free(pem);
	free(broken_pem);
	free(two);
	free(headers);
	free(rsa_pem);
}

static void test_signature_mismatch(void **state)
{
	(void)state;
	/* Signed over another artifact (the digest of another file). */
	char *e = hashedrekord(F.signer, F.signer_b64, "artifact-a", "artifact-b");
	expect("POST", "/api/v1/log/entries", e, strlen(e), 400);
	free(e);
	/* Signed by another key than the one given. */
	e = hashedrekord(F.other, F.signer_b64, "artifact-c", "artifact-c");
	expect("POST", "/api/v1/log/entries", e, strlen(e), 400);
	free(e);
	/* Ed25519 cannot be checked as Rekor's Ed25519ph. */
	e = hashedrekord(F.ed, F.ed_b64, "artifact-d", "artifact-d");
	expect("POST", "/api/v1/log/entries", e, strlen(e), 400);
	free(e);
	/* Truncated, extended, zeroed and bit-flipped signatures. */
	for (int k = 0; k < 5; k++) {
		json_t *v = valid_value("artifact-e");
		const char *s = json_string_value(at(v, "spec", "signature", "content"));
		uint8_t *sig;
		size_t n;
		assert_int_equal(codec_b64_decode_alloc(s, strlen(s), 1024, &sig, &n), CAIRN_OK);
		size_t len = n;
		if (k == 0)
			len = n - 1;
		else if (k == 1)
			sig = realloc(sig, ++len), sig[n] = 0;
		else if (k == 2)
			memset(sig, 0, n);
		else if (k == 3)
			sig[n / 2] ^= 0x40;
		else
			len = 8;
		char *b = codec_b64_encode_alloc(sig, len);
		json_object_set_new(at(v, "spec", "signature", NULL), "content", json_string(b));
		free(b);
		free(sig);
		post_entry_json(v, 400);
	}
	/* A sha384 digest claimed for a sha256 signature. */
	json_t *v = valid_value("artifact-f");
	json_object_set_new(at(v, "spec", "data", "hash"), "algorithm", json_string("sha384"));
	post_entry_json(v, 400);
}

/* A DSSE proposal: envelope text as given, verifiers as given. */
static json_t *dsse_value(const char *envelope, json_t *verifiers)
{
	return json_pack("{s:s,s:s,s:{s:{s:s,s:o}}}", "apiVersion", "0.0.1", "kind", "dsse", "spec",
	                 "proposedContent", "envelope", envelope, "verifiers", verifiers);
}

/* An envelope over payload with n signatures by k (Ed25519, over the PAE). */
static char *envelope(const keys_key *k, const char *payload, size_t n)
{
	char pae[512];
	int pl = snprintf(pae, sizeof pae, "DSSEv1 10 text/plain %zu %s", strlen(payload), payload);
	uint8_t *sig;
	size_t siglen;
	assert_int_equal(keys_sign(k, (const uint8_t *)pae, (size_t)pl, &sig, &siglen), CAIRN_OK);
	char *s64 = codec_b64_encode_alloc(sig, siglen), *p64 = b64s(payload);
	json_t *sigs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(sigs, json_pack("{s:s,s:s}", "keyid", "", "sig", s64));
	json_t *env =
	    json_pack("{s:s,s:s,s:o}", "payloadType", "text/plain", "payload", p64, "signatures", sigs);
	char *text = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	free(sig);
	free(s64);
	free(p64);
	return text;
}

static void test_dsse_abuse(void **state)
{
	(void)state;
	char *ok = envelope(F.ed, "hello", 1);
	/* The genuine one is accepted. */
	post_entry_json(dsse_value(ok, json_pack("[s]", F.ed_b64)), 201);
	F.accepted++;
	post_entry_json(dsse_value("not json", json_pack("[s]", F.ed_b64)), 400);
	post_entry_json(dsse_value("[]", json_pack("[s]", F.ed_b64)), 422);
	post_entry_json(
	    dsse_value("{\"payloadType\":\"x\",\"payload\":\"!!\",\"signatures\":[{\"sig\":\"AA==\"}]}",
	               json_pack("[s]", F.ed_b64)),
	    400);
	char *nine = envelope(F.ed, "nine", 9);
	post_entry_json(dsse_value(nine, json_pack("[s]", F.ed_b64)), 400);
	free(nine);
	json_t *vers = json_array();
	for (int i = 0; i < 9; i++)
		json_array_append_new(vers, json_string(F.ed_b64));
	post_entry_json(dsse_value(ok, vers), 400);
	post_entry_json(dsse_value(ok, json_array()), 422);
	post_entry_json(dsse_value(ok, json_pack("[i]", 1)), 422);
	/* Verified by the wrong key, or a second verifier that verifies nothing. */
	post_entry_json(dsse_value(ok, json_pack("[s]", F.other_b64)), 400);
	post_entry_json(dsse_value(ok, json_pack("[s,s]", F.other_b64, F.ed_b64)), 400);
	/* As in Rekor, verifiers after every signature is verified are not
	 * tried, and are not logged: the same entry as the genuine one. */
	post_entry_json(dsse_value(ok, json_pack("[s,s]", F.ed_b64, F.other_b64)), 409);
	/* Another payload under the same signature. */
	char *forged = strdup(ok);
	char *at = strstr(forged, "aGVsbG8=");
	assert_non_null(at);
	memcpy(at, "aGVsbG9=", 8);
	post_entry_json(dsse_value(forged, json_pack("[s]", F.ed_b64)), 400);
	free(forged);
	/* Both forms at once; and the logged form, which only a search may use. */
	json_t *v = dsse_value(ok, json_pack("[s]", F.ed_b64));
	json_object_set_new(json_object_get(v, "spec"), "envelopeHash",
	                    json_pack("{s:s,s:s}", "algorithm", "sha256", "value", "00"));
	post_entry_json(v, 422);
	v = json_pack("{s:s,s:s,s:{s:{s:s,s:s},s:{s:s,s:s},s:[{s:s,s:s}]}}", "apiVersion", "0.0.1", "kind",
	              "dsse", "spec", "envelopeHash", "algorithm", "sha256", "value",
	              "ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2", "payloadHash",
	              "algorithm", "sha256", "value",
	              "ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2", "signatures",
	              "signature", "AAAA", "verifier", F.ed_b64);
	post_entry_json(v, 422);
	free(ok);
}

static void test_indexes(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		long status;
	} cases[] = {
	    {"/api/v1/log/entries?logIndex=-1", 400},
	    {"/api/v1/log/entries?logIndex=-0", 400},
	    {"/api/v1/log/entries?logIndex=+1", 400},
	    {"/api/v1/log/entries?logIndex=01", 400},
	    {"/api/v1/log/entries?logIndex=", 400},
	    {"/api/v1/log/entries?logIndex", 400},
	    {"/api/v1/log/entries?logIndex=1e3", 400},
	    {"/api/v1/log/entries?logIndex=0x10", 400},
	    {"/api/v1/log/entries?logIndex=1.0", 400},
	    {"/api/v1/log/entries?logIndex=%31", 400},
	    {"/api/v1/log/entries?logIndex=1%00", 400},
	    {"/api/v1/log/entries?logIndex=%20%31", 400},
	    {"/api/v1/log/entries?logIndex=9223372036854775808", 400},
	    {"/api/v1/log/entries?logIndex=18446744073709551615", 400},
	    {"/api/v1/log/entries?logIndex=18446744073709551616", 400},
	    {"/api/v1/log/entries?logIndex=99999999999999999999999999999999", 400},
	    {"/api/v1/log/entries?logIndex=9223372036854775807", 404},
	    {"/api/v1/log/entries?logIndex=1000000", 404},
	    {"/api/v1/log/entries/", 400},
	    {"/api/v1/log/entries/zz", 400},
	    {"/api/v1/log/entries/000000000000000000000000000000000000000000000000000000000000000", 400},
	    {"/api/v1/log/entries/00000000000000000000000000000000000000000000000000000000000000000", 400},
	    {"/api/v1/log/entries/000000000000000000000000000000000000000000000000000000000000000g", 400},
	    {"/api/v1/log/entries/0000000000000000000000000000000000000000000000000000000000000000/x", 400},
	    {"/api/v1/log/entries/"
	     "000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	     400},
	    {"/api/v1/log/entries/0000000000000000000000000000000000000000000000000000000000000000", 404},
	    {"/api/v1/log/entries/"
	     "ffffffffffffffff0000000000000000000000000000000000000000000000000000000000000000",
	     404},
	    {"/api/v1/log?treeID=-1", 404},
	    {"/api/v1/log?treeID=abc", 404},
	    {"/api/v1/log/publicKey?treeID=99999999999999999999999", 404},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect("GET", cases[i].path, NULL, 0, cases[i].status);
	/* Retrieve by index: invalid ones are schema errors, absent ones omitted. */
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[-1]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[-9223372036854775808]}", 422);
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[18446744073709551616]}", 400);
	http_resp r;
	const char *b = "{\"logIndexes\":[9223372036854775807,1000000]}";
	assert_int_equal(http_do(F.curl, "POST", url("/api/v1/log/entries/retrieve"), b, strlen(b), &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "[]");
	http_resp_free(&r);
}

static void test_proof_sizes(void **state)
{
	(void)state;
	note_checkpoint cp;
	if (lc_log_info(F.curl, F.d.url, &F.keys, &cp))
		fail_msg("%s", lc_err);
	char path[256];
	static const char *const bad[] = {
	    "?firstSize=3&lastSize=2",
	    "?lastSize=0",
	    "?firstSize=0&lastSize=0",
	    "?firstSize=-1&lastSize=2",
	    "?firstSize=1&lastSize=-2",
	    "?firstSize=1&lastSize=18446744073709551615",
	    "?firstSize=1&lastSize=18446744073709551616",
	    "?firstSize=18446744073709551615&lastSize=2",
	    "?firstSize=9223372036854775807&lastSize=9223372036854775807",
	    "?firstSize=a&lastSize=2",
	    "?firstSize=1&lastSize=2.0",
	    "?firstSize=1&lastSize=%202",
	    "?firstSize=&lastSize=2",
	    "?firstSize=1",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/log/proof%s", bad[i]);
		expect("GET", path, NULL, 0, 400);
	}
	/* Beyond the tree. */
	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=1&lastSize=%llu",
	         (unsigned long long)cp.size + 1);
	expect("GET", path, NULL, 0, 400);
	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu",
	         (unsigned long long)cp.size + 1, (unsigned long long)cp.size);
	expect("GET", path, NULL, 0, 400);
	/* The edges that are valid answer 200 with a proof that verifies. */
	uint8_t r1[H];
	lc_tree t;
	if (lc_fetch_tree(F.curl, F.d.url, cp.size, &t))
		fail_msg("%s", lc_err);
	for (uint64_t m = 1; m <= cp.size; m++) {
		assert_int_equal(lc_tree_root(&t, m, r1), 0);
		if (lc_consistency(F.curl, F.d.url, m, r1, cp.size, cp.root))
			fail_msg("%s", lc_err);
	}
	lc_tree_free(&t);
}

static void test_tile_paths(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "/tile/0/000.p/0",
	    "/tile/0/000.p/256",
	    "/tile/0/000.p/01",
	    "/tile/0/000.p/",
	    "/tile/0/000.p/1/x",
	    "/tile/0/000.p/999",
	    "/tile/00/000",
	    "/tile/01/000",
	    "/tile/64/000",
	    "/tile/99/000",
	    "/tile/-1/000",
	    "/tile//000",
	    "/tile/0/",
	    "/tile/0/00",
	    "/tile/0/0000",
	    "/tile/0/x000/000",
	    "/tile/0/x001/00",
	    "/tile/0/x001",
	    "/tile/0/000/",
	    "/tile/0/000x",
	    "/tile/0/000.p",
	    "/tile/0/000.P/1",
	    "/tile/entries/0",
	    "/tile/entries/000.p/0",
	    "/tile/entries/x000/001",
	    "/tile/entries/000.p/256",
	    "/tile/entries/",
	    "/tile/entries",
	    "/tile/0/%30%30%30",
	    "/tile/0/..%2f000",
	    "/tile/1a/000",
	    "/tile/0/+00",
	    "/tile/0/x018/x446/x744/x073/x709/x551/616",
	    "/tile/0/x999/x999/x999/x999/x999/x999/x999/999",
	    "/tile/entries/x018/x446/x744/x073/x709/x551/615.p/1/",
	    "/tile/entries/x018/x446/x744/x073/x709/x551/615", /* leaves past 2^64 */
	    "/tile/entries/x072/x057/x594/x037/x927/936",
	    "/tile/7/x001/000",
	    "/tile/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect("GET", bad[i], NULL, 0, 400);
	/* Well-formed, but past the tree. */
	static const char *const absent[] = {"/tile/63/000",
	                                     "/tile/0/001",
	                                     "/tile/1/000.p/1",
	                                     "/tile/0/000.p/255",
	                                     "/tile/entries/x072/x057/x594/x037/x927/935",
	                                     "/tile/7/000"};
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		expect("GET", absent[i], NULL, 0, 404);
	/* Traversal that libcurl would resolve, sent raw. */
	RAW("GET /tile/../api/v1/log",
	    "GET /tile/../api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, 1);
	RAW("GET /tile/0/../../../etc/passwd",
	    "GET /tile/0/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, 1);
	RAW("GET /tile/entries/../../log.key",
	    "GET /tile/entries/../../log.key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, 1);
	RAW("GET /tile/0/./000", "GET /tile/0/./000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400,
	    1);
	RAW("GET /tile/0\\000", "GET /tile/0\\000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, 1);
	/* A very long tile path. */
	char *longp = malloc(6000);
	strcpy(longp, "/tile/0/");
	for (int i = 0; i < 1000; i++)
		strcat(longp, "x001/");
	strcat(longp, "000");
	expect("GET", longp, NULL, 0, 400);
	free(longp);
	/* No POST on tiles. */
	expects("POST", "/tile/0/000", "x", 405);
}

static void test_retrieve_lists(void **state)
{
	(void)state;
	const char *lists[] = {"entryUUIDs", "logIndexes", "entries"};
	for (size_t l = 0; l < 3; l++) {
		for (size_t n = 11; n <= 10000; n = n < 100 ? 100 : n * 10) {
			json_t *arr = json_array();
			for (size_t i = 0; i < n; i++) {
				if (l == 0)
					json_array_append_new(arr,
					                      json_string("0000000000000000000000000000000000"
					                                  "000000000000000000000000000000"));
				else if (l == 1)
					json_array_append_new(arr, json_integer((json_int_t)i));
				else
					json_array_append_new(arr, json_object());
			}
			json_t *v = json_object();
			json_object_set_new(v, lists[l], arr);
			char *s = json_dumps(v, JSON_COMPACT);
			json_decref(v);
			/* Over the body limit is 413; under it, too many items is 422. */
			expect("POST", "/api/v1/log/entries/retrieve", s, strlen(s),
			       strlen(s) > MAX_BODY ? 413 : 422);
			free(s);
		}
	}
	/* Ten is the limit, and allowed. */
	expects("POST", "/api/v1/log/entries/retrieve", "{\"logIndexes\":[0,1,2,3,4,5,6,7,8,9]}", 200);
	/* Ten proposed entries that each need a signature check: still fine. */
	json_t *arr = json_array();
	for (int i = 0; i < 10; i++) {
		char art[32];
		snprintf(art, sizeof art, "retrieve-%d", i);
		json_array_append_new(arr, valid_value(art));
	}
	json_t *v = json_pack("{s:o}", "entries", arr);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	expect("POST", "/api/v1/log/entries/retrieve", s, strlen(s), 200);
	free(s);
	/* An invalid proposed entry in the list. */
	expects("POST", "/api/v1/log/entries/retrieve", "{\"entries\":[{\"apiVersion\":\"0.0.1\"}]}", 422);
	expect("POST", "/api/v1/log/entries/retrieve",
	       "{\"entries\":[{\"kind\":\"nope\",\"apiVersion\":\"0.0.1\",\"spec\":{}}]}", 59, 400);
}

static void test_index_retrieve(void **state)
{
	(void)state;
	char body[2048];
	static const char *const bad400[] = {
	    "{}",
	    "{\"hash\":\"sha256:\"}",
	    "{\"hash\":\"sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg\"}",
	    "{\"hash\":\"md5:d41d8cd98f00b204e9800998ecf8427e\"}",
	    "{\"hash\":\"sha256:ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2ff\"}",
	    "{\"hash\":\":\"}",
	    "{\"hash\":\"\"}",
	    "{\"email\":\"\"}",
	    "{\"publicKey\":{\"format\":\"pgp\",\"content\":\"AAAA\"}}",
	    "{\"publicKey\":{\"format\":\"x509\",\"content\":\"!!!!\"}}",
	    "{\"publicKey\":{\"format\":\"x509\"}}",
	    "{\"publicKey\":{\"format\":\"x509\",\"url\":\"http://169.254.169.254/\"}}",
	    "{\"publicKey\":{\"format\":\"x509\",\"content\":\"AAAA\"}}",
	    "\"hash\"",
	};
	for (size_t i = 0; i < sizeof bad400 / sizeof bad400[0]; i++)
		expect("POST", "/api/v1/index/retrieve", bad400[i], strlen(bad400[i]), 400);
	static const char *const bad422[] = {
	    "{\"operator\":\"xor\",\"hash\":\"sha256:"
	    "ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2\"}",
	    "{\"operator\":\"AND\",\"hash\":\"sha256:"
	    "ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2\"}",
	    "[\"hash\"]",
	};
	for (size_t i = 0; i < sizeof bad422 / sizeof bad422[0]; i++)
		expect("POST", "/api/v1/index/retrieve", bad422[i], strlen(bad422[i]), 422);
	/* A long email and a huge key. */
	char email[1200];
	memset(email, 'a', sizeof email);
	memcpy(email + 1000, "@example.com", 13);
	snprintf(body, sizeof body, "{\"email\":\"%s\"}", email);
	expect("POST", "/api/v1/index/retrieve", body, strlen(body), 400);
	size_t big = 120000;
	char *huge = malloc(big + 100);
	int o = snprintf(huge, big + 100, "{\"publicKey\":{\"format\":\"x509\",\"content\":\"");
	memset(huge + o, 'A', big - (size_t)o - 10);
	strcpy(huge + big - 10, "\"}}");
	expect("POST", "/api/v1/index/retrieve", huge, strlen(huge), 400);
	free(huge);
	/* A valid search still works: the setup entries by key. */
	snprintf(body, sizeof body, "{\"publicKey\":{\"format\":\"x509\",\"content\":\"%s\"}}", F.signer_b64);
	http_resp r;
	assert_int_equal(http_do(F.curl, "POST", url("/api/v1/index/retrieve"), body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	json_error_t je;
	json_t *ids = json_loads(r.body, 0, &je);
	assert_true(json_array_size(ids) >= 5);
	json_decref(ids);
	http_resp_free(&r);
}

static void test_content_length(void **state)
{
	(void)state;
	/* Declared over the limit: refused before the body is read. */
	RAW("Content-Length 10^12",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n", 413, 1);
	RAW("Content-Length 2^63",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n",
	    413, 1);
	RAW("Content-Length limit+1 with Expect",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 131073\r\nExpect: "
	    "100-continue\r\n\r\n",
	    413, 1);
	RAW("Content-Length limit+1 on retrieve",
	    "POST /api/v1/log/entries/retrieve HTTP/1.1\r\nHost: x\r\nContent-Length: 131073\r\n\r\n", 413,
	    1);
	/* Unparseable: the HTTP layer refuses them. */
	RAW("Content-Length past 2^64",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	    0, 0);
	RAW("Content-Length -1", "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	    0, 0);
	RAW("Content-Length abc",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 0, 0);
	RAW("two Content-Lengths",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: "
	    "5\r\n\r\n{}",
	    0, 0);
	RAW("bad chunk size",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
	    "chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n",
	    0, 0);
	RAW("chunk size overflow",
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
	    "chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n",
	    0, 0);
	/* Lying short: fewer bytes than declared. Nothing to answer; the
	 * connection must be dropped after the idle timeout. */
	int fd = raw_connect();
	assert_true(fd >= 0);
	const char *lie =
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":1}";
	raw_send(fd, lie, strlen(lie));
	raw_resp r;
	long t0 = now_ms();
	raw_read(fd, (IDLE_TIMEOUT + 5) * 1000, &r);
	long waited = now_ms() - t0;
	close(fd);
	free(r.body);
	if (!r.closed || waited > (IDLE_TIMEOUT + 3) * 1000L)
		fail_msg("a request with a lying Content-Length was not dropped after the idle timeout (%ld "
		         "ms, closed %d)",
		         waited, r.closed);
	/* Lying long: more bytes than declared. The request is answered on what
	 * was declared; the rest is the next request, which is garbage. */
	fd = raw_connect();
	const char *more =
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n{\"a\":1}\r\n\r\n";
	raw_send(fd, more, strlen(more));
	raw_read(fd, 5000, &r);
	assert_json_error("lying long Content-Length", r.status, r.ctype, r.body, r.len, 400);
	free(r.body);
	raw_read(fd, 5000, &r);
	if (r.status != 0 && !(r.status >= 400 && r.status < 500))
		fail_msg("the bytes past Content-Length were served as a request: %ld", r.status);
	free(r.body);
	close(fd);
	/* Chunked bodies over the limit, as sent. */
	fd = raw_connect();
	const char *ch = "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
	raw_send(fd, ch, strlen(ch));
	char chunk[8200];
	int hl = snprintf(chunk, sizeof chunk, "2000\r\n");
	memset(chunk + hl, ' ', 8192);
	memcpy(chunk + hl + 8192, "\r\n", 2);
	int sent_ok = 1;
	for (int i = 0; i < 20 && sent_ok; i++) /* 160 KiB */
		sent_ok = raw_send(fd, chunk, (size_t)hl + 8194) == 0;
	if (sent_ok)
		raw_send(fd, "0\r\n\r\n", 5);
	raw_read(fd, 5000, &r);
	assert_json_error("chunked over the limit", r.status, r.ctype, r.body, r.len, 413);
	free(r.body);
	close(fd);
	/* Exactly at the limit is read and judged on content; one byte more is not. */
	char *body = malloc(MAX_BODY + 2);
	memset(body, ' ', MAX_BODY + 1);
	body[0] = '{';
	body[MAX_BODY - 1] = '}';
	expect("POST", "/api/v1/log/entries", body, MAX_BODY, 422);
	body[MAX_BODY - 1] = ' ';
	body[MAX_BODY] = '}';
	expect("POST", "/api/v1/log/entries", body, MAX_BODY + 1, 413);
	free(body);
}

static void test_garbage_requests(void **state)
{
	(void)state;
	RAW("garbage line", "GARBAGE\r\n\r\n", 0, 0);
	RAW("method only", "GET\r\n\r\n", 0, 0);
	RAW("binary", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, 0); /* a TLS hello */
	RAW("NULs", "\x00\x00\x00\x00\r\n\r\n", 0, 0);
	RAW("HTTP/9.9", "GET /api/v1/log HTTP/9.9\r\nHost: x\r\n\r\n", 505, 0);
	RAW("HTTP/0.9", "GET /api/v1/log\r\n\r\n", 0, 0);
	RAW("header without colon", "GET /api/v1/log HTTP/1.1\r\nHost: x\r\nbadheader\r\n\r\n", 0, 0);
	RAW("header folding", "GET /api/v1/log HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", -1, 0);
	/* libmicrohttpd accepts these unless MHD_OPTION_STRICT_FOR_CLIENT is 1
	 * (which it advises against in production): no crash, no 5xx. */
	RAW("space before colon", "GET /api/v1/log HTTP/1.1\r\nHost : x\r\n\r\n", -1, 0);
	RAW("NUL in the target", "GET /api/v1/log\x00/../x HTTP/1.1\r\nHost: x\r\n\r\n", -1, 0);
	RAW("no Host", "GET /api/v1/log HTTP/1.1\r\n\r\n", -1, 0);
	/* Headers and URLs past the connection's memory. */
	size_t big = 100000;
	char *req = malloc(big + 200);
	int o = snprintf(req, big + 200, "GET /api/v1/log HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + o, 'a', big);
	strcpy(req + o + big, "\r\n\r\n");
	raw_expect("100 KB header", req, strlen(req), 431, 0);
	o = snprintf(req, big + 200, "GET /api/v1/log/entries/");
	memset(req + o, 'a', big);
	strcpy(req + o + big, " HTTP/1.1\r\nHost: x\r\n\r\n");
	raw_expect("100 KB URL", req, strlen(req), 414, 0);
	o = snprintf(req, big + 200, "GET /api/v1/log HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 5000 && (size_t)o < big; i++)
		o += snprintf(req + o, big + 200 - (size_t)o, "X-%d: y\r\n", i);
	strcpy(req + o, "\r\n");
	raw_expect("5000 headers", req, strlen(req), 431, 0);
	free(req);
	/* Unknown methods reach the API: 405 with Allow, or 404. */
	RAW("BREW", "BREW /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, 1);
	RAW("unknown path", "GET /api/v2/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, 1);
	RAW("asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, 1);
	RAW("empty path", "GET ?logIndex=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0, 0);
	/* The server is still there for a well-formed request. */
	raw_resp r;
	const char *ok = "GET /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	raw_exchange(ok, strlen(ok), 5000, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static void test_methods(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path, *allow;
	} cases[] = {
	    {"PUT", "/api/v1/log/entries", "GET, POST"},
	    {"DELETE", "/api/v1/log/entries", "GET, POST"},
	    {"PATCH", "/api/v1/log", "GET"},
	    {"POST", "/api/v1/log", "GET"},
	    {"POST", "/api/v1/log/publicKey", "GET"},
	    {"POST", "/api/v1/log/proof", "GET"},
	    {"GET", "/api/v1/log/entries/retrieve", "POST"},
	    {"GET", "/api/v1/index/retrieve", "POST"},
	    {"DELETE", "/api/v1/log/entries/0000000000000000000000000000000000000000000000000000000000000000",
	     "GET"},
	    {"POST", "/checkpoint", "GET"},
	    {"PUT", "/tile/0/000", "GET"},
	    {"OPTIONS", "/api/v1/log", "GET"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		http_resp r;
		assert_int_equal(http_do(F.curl, cases[i].method, url(cases[i].path), "{}", 2, &r), 0);
		char what[128], ct[64] = "", allow[64] = "";
		snprintf(what, sizeof what, "%s %s", cases[i].method, cases[i].path);
		http_header(&r, "Content-Type", ct, sizeof ct);
		assert_json_error(what, r.status, ct, r.body, r.len, 405);
		if (http_header(&r, "Allow", allow, sizeof allow) || strcmp(allow, cases[i].allow) != 0)
			fail_msg("%s: Allow \"%s\", want \"%s\"", what, allow, cases[i].allow);
		http_resp_free(&r);
	}
}

/* Slow senders: one byte of a request at a time. */
typedef struct slowloris {
	int *fds;
	size_t n;
	atomic_int stop;
	atomic_size_t closed;
} slowloris;

static void *slowloris_main(void *arg)
{
	slowloris *s = arg;
	static const char req[] =
	    "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	for (size_t at = 0; !atomic_load(&s->stop); at = (at + 1) % (sizeof req - 1)) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->fds[i] < 0)
				continue;
			if (send(s->fds[i], req + at, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN) {
				close(s->fds[i]);
				s->fds[i] = -1;
				atomic_fetch_add(&s->closed, 1);
			}
		}
		struct timespec ts = {0, 500 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void test_slow_and_idle_connections(void **state)
{
	(void)state;
	/* Hundreds of connections, within our descriptor limit (the daemon has
	 * its own, and caps its connections below it). */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 2048) {
		rl.rlim_cur = rl.rlim_max < 2048 ? rl.rlim_max : 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	size_t per = 200;
	if (rl.rlim_cur < 2 * per + 100)
		per = rl.rlim_cur > 200 ? (rl.rlim_cur - 100) / 2 : 50;
	print_message("%zu idle and %zu slowloris connections (RLIMIT_NOFILE %llu)\n", per, per,
	              (unsigned long long)rl.rlim_cur);
	int *idle = malloc(per * sizeof *idle);
	slowloris s = {malloc(per * sizeof(int)), per, 0, 0};
	size_t opened = 0;
	for (size_t i = 0; i < per; i++) {
		idle[i] = raw_connect();
		s.fds[i] = raw_connect();
		opened += (idle[i] >= 0) + (s.fds[i] >= 0);
	}
	assert_true(opened >= per);
	/* Half the idle ones send a partial request line and stop. */
	for (size_t i = 0; i < per; i += 2)
		if (idle[i] >= 0)
			raw_send(idle[i], "GET /api/v1/lo", 14);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, slowloris_main, &s), 0);
	/* Meanwhile a normal client gets answers within a second. */
	long worst = 0;
	for (int i = 0; i < 20; i++) {
		http_resp r;
		long t0 = now_ms();
		int rc = http_do(F.curl, "GET", url("/api/v1/log"), NULL, 0, &r);
		long ms = now_ms() - t0;
		worst = ms > worst ? ms : worst;
		if (rc != 0 || r.status != 200)
			fail_msg("GET /api/v1/log with %zu hostile connections open: rc %d status %ld",
			         opened, rc, r.status);
		http_resp_free(&r);
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (worst > 1000)
		fail_msg("a normal request took %ld ms with %zu hostile connections open", worst, opened);
	/* Idle connections are dropped after the idle timeout. */
	long deadline = now_ms() + (IDLE_TIMEOUT + 4) * 1000L;
	size_t dropped = 0;
	for (size_t i = 0; i < per; i++) {
		if (idle[i] < 0)
			continue;
		long left = deadline - now_ms();
		struct pollfd p = {idle[i], POLLIN, 0};
		char b[512];
		if (left > 0 && poll(&p, 1, (int)left) == 1 && recv(idle[i], b, sizeof b, 0) <= 0)
			dropped++;
		close(idle[i]);
	}
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	for (size_t i = 0; i < per; i++)
		if (s.fds[i] >= 0)
			close(s.fds[i]);
	print_message(
	    "idle connections dropped by the server: %zu of %zu; slowloris connections dropped: %zu of %zu\n",
	    dropped, per, atomic_load(&s.closed), per);
	if (dropped < per * 9 / 10)
		fail_msg("only %zu of %zu idle connections were closed after the %d s idle timeout", dropped,
		         per, IDLE_TIMEOUT);
	free(idle);
	free(s.fds);
}

/* Many clients upload the same entry at once: one 201, the rest 409 naming
 * the same entry, and one copy in the log. */
typedef struct dup_arg {
	const char *body;
	long status;
	char location[160];
	pthread_barrier_t *go;
} dup_arg;

static void *dup_main(void *arg)
{
	dup_arg *a = arg;
	CURL *c = curl_easy_init();
	http_resp r;
	pthread_barrier_wait(a->go);
	if (http_do(c, "POST", url("/api/v1/log/entries"), a->body, strlen(a->body), &r) == 0) {
		a->status = r.status;
		http_header(&r, "Location", a->location, sizeof a->location);
	}
	http_resp_free(&r);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_duplicate_flood(void **state)
{
	(void)state;
	enum { N = 32 };
	char *body = valid_entry("duplicate-flood");
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, N);
	dup_arg a[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		a[i] = (dup_arg){body, 0, "", &go};
		assert_int_equal(pthread_create(&th[i], NULL, dup_main, &a[i]), 0);
	}
	int created = 0, dups = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		created += a[i].status == 201;
		dups += a[i].status == 409;
	}
	pthread_barrier_destroy(&go);
	free(body);
	if (created != 1 || dups != N - 1)
		fail_msg("%d concurrent uploads of one entry: %d created, %d duplicates", N, created, dups);
	for (int i = 1; i < N; i++)
		assert_string_equal(a[i].location, a[0].location);
	F.accepted++;
}

/* Requests pipelined on one connection, a suspended upload among them, are
 * answered in order. */
static void test_pipelining(void **state)
{
	(void)state;
	char *e = valid_entry("pipelined");
	char *req = malloc(strlen(e) + 1024);
	int n = sprintf(req,
	                "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s"
	                "GET /api/v1/log HTTP/1.1\r\nHost: x\r\n\r\n"
	                "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
	                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	                "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s"
	                "GET /api/v1/log?treeID=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	                strlen(e), e, strlen(e), e);
	int fd = raw_connect();
	assert_true(fd >= 0);
	assert_int_equal(raw_send(fd, req, (size_t)n), 0);
	static const long want[] = {201, 200, 422, 200, 409, 404};
	raw_buf b = {fd, NULL, 0, 0};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		raw_resp r;
		raw_read_buf(&b, 10000, &r);
		if (r.status != want[i])
			fail_msg("pipelined response %zu: status %ld, want %ld", i, r.status, want[i]);
		free(r.body);
		if (i == 0)
			F.accepted++;
	}
	free(b.p);
	close(fd);
	free(req);
	free(e);
}

/* Clients that send an upload and vanish (reset) before the answer: the
 * server must not trip over the dead connections when the batch commits. */
static void test_abandoned_uploads(void **state)
{
	(void)state;
	enum { N = 64 };
	F.maybe = realloc(F.maybe, (F.nmaybe + N) * sizeof *F.maybe);
	int fds[N];
	for (int i = 0; i < N; i++) {
		char art[48];
		snprintf(art, sizeof art, "abandoned-%d", i);
		char *e = valid_entry(art);
		entry *en = NULL;
		char err[256];
		assert_int_equal(entry_from_proposed(e, strlen(e), &en, err, sizeof err), CAIRN_OK);
		memcpy(F.maybe[F.nmaybe++], en->leaf, H);
		entry_free(en);
		char *req = malloc(strlen(e) + 256);
		int n = sprintf(
		    req, "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s",
		    strlen(e), e);
		fds[i] = raw_connect();
		assert_true(fds[i] >= 0);
		raw_send(fds[i], req, (size_t)n);
		free(req);
		free(e);
		if (i % 2) {
			/* Half of them leave at once, with a reset. */
			struct linger lg = {1, 0};
			setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (int i = 0; i < N; i++) {
		if (fds[i] < 0)
			continue;
		struct linger lg = {1, 0};
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fds[i]);
	}
	/* The server is fine. */
	expect("GET", "/api/v1/log", NULL, 0, 200);
}

/* A second daemon with a one-entry queue: a burst of uploads gets 503 with
 * Retry-After and a JSON body for what does not fit, 201 for the rest, and
 * every 201 is in its tree. */
typedef struct burst_arg {
	daemon_proc *d;
	int id;
	long status;
	int retry_after;
	char ctype[64];
	char *body;
} burst_arg;

static void *burst_main(void *arg)
{
	burst_arg *a = arg;
	CURL *c = curl_easy_init();
	char art[48], u[128];
	snprintf(art, sizeof art, "burst-%d", a->id);
	char *e = valid_entry(art);
	snprintf(u, sizeof u, "%s/api/v1/log/entries", a->d->url);
	http_resp r;
	if (http_do(c, "POST", u, e, strlen(e), &r) == 0) {
		a->status = r.status;
		char ra[16];
		a->retry_after = http_header(&r, "Retry-After", ra, sizeof ra) == 0;
		http_header(&r, "Content-Type", a->ctype, sizeof a->ctype);
		a->body = r.body;
		r.body = NULL;
	}
	http_resp_free(&r);
	free(e);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_queue_full(void **state)
{
	(void)state;
	enum { N = 48 };
	daemon_proc d = {0};
	const char *extra[] = {"--queue", "1", NULL};
	assert_int_equal(daemon_start(&d, extra, NULL), 0);
	burst_arg a[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		a[i] = (burst_arg){&d, i, 0, 0, "", NULL};
		assert_int_equal(pthread_create(&th[i], NULL, burst_main, &a[i]), 0);
	}
	size_t created = 0, busy = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		if (a[i].status == 201) {
			created++;
		} else if (a[i].status == 503) {
			busy++;
			assert_json_error("a full queue", a[i].status, a[i].ctype, a[i].body,
			                  a[i].body ? strlen(a[i].body) : 0, 503);
			assert_true(a[i].retry_after);
		} else {
			fail_msg("burst upload %d: status %ld: %s", i, a[i].status,
			         a[i].body ? a[i].body : "");
		}
		free(a[i].body);
	}
	print_message("a burst of %d uploads into a one-entry queue: %zu logged, %zu told to retry\n", N,
	              created, busy);
	lc_keys k;
	if (lc_keys_load(&k, d.dir, NAME))
		fail_msg("%s", lc_err);
	lc_tree t;
	if (lc_verify_log(F.curl, d.url, &k, &t))
		fail_msg("%s", lc_err);
	assert_int_equal(t.size, created);
	lc_tree_free(&t);
	lc_keys_free(&k);
	assert_int_equal(daemon_stop(&d), 0);
	char *out = daemon_output(&d);
	if (strstr(out, "Sanitizer") || strstr(out, "runtime error"))
		fail_msg("cairnd reported: %.2000s", out);
	free(out);
	unlink(d.out_path);
	harness_rm_rf(d.dir);
}

/* Last: the normal client was never refused nor kept waiting, the daemon is
 * alive and clean, and the tree verifies and holds exactly what was accepted. */
static void test_tree_still_verifies(void **state)
{
	(void)state;
	atomic_store(&F.stop, 1);
	pthread_join(F.prober, NULL);
	print_message("normal client: %ld requests, %ld failed, %ld over 1 s, worst %ld ms\n",
	              atomic_load(&F.probes), atomic_load(&F.probe_failures), atomic_load(&F.probe_slow),
	              atomic_load(&F.worst_ms));
	if (atomic_load(&F.probe_failures))
		fail_msg("the normal client failed %ld times; last: %s", atomic_load(&F.probe_failures),
		         F.probe_err);
	if (atomic_load(&F.probe_slow))
		fail_msg("the normal client waited over a second %ld times (worst %ld ms)",
		         atomic_load(&F.probe_slow), atomic_load(&F.worst_ms));
	assert_true(atomic_load(&F.probes) > 10);
	assert_int_equal(kill(F.d.pid, 0), 0);
	lc_tree t;
	if (lc_verify_log(F.curl, F.d.url, &F.keys, &t))
		fail_msg("%s", lc_err);
	/* Exactly the accepted entries, and of the abandoned ones those that
	 * made it (a client that leaves cannot take its entry back). */
	size_t abandoned_logged = 0;
	for (size_t i = 0; i < F.nmaybe; i++)
		for (uint64_t j = 0; j < t.size; j++)
			if (memcmp(t.leaf[j], F.maybe[i], H) == 0) {
				abandoned_logged++;
				break;
			}
	print_message("tree: %llu entries = %zu accepted + %zu of %zu abandoned uploads\n",
	              (unsigned long long)t.size, atomic_load(&F.accepted), abandoned_logged, F.nmaybe);
	if (t.size != atomic_load(&F.accepted) + abandoned_logged)
		fail_msg("the tree holds %llu entries, but %zu were accepted and %zu abandoned ones logged",
		         (unsigned long long)t.size, atomic_load(&F.accepted), abandoned_logged);
	uint8_t root[H], old[H];
	assert_int_equal(lc_tree_root(&t, t.size, root), 0);
	assert_int_equal(lc_tree_root(&t, F.size0, old), 0);
	assert_memory_equal(old, F.root0, H);
	if (lc_consistency(F.curl, F.d.url, F.size0, F.root0, t.size, root))
		fail_msg("%s", lc_err);
	/* Every stored body is a canonical entry (as a search would give it). */
	for (uint64_t i = 0; i < t.size; i++) {
		entry *e = NULL;
		char err[256];
		json_error_t je;
		json_t *bv = json_loadb((const char *)t.body[i], t.blen[i], 0, &je);
		int rc = entry_lookup_from_json(bv, &e, err, sizeof err);
		json_decref(bv);
		if (rc != CAIRN_OK)
			fail_msg("stored entry %llu is not a valid entry: %s", (unsigned long long)i, err);
		assert_int_equal(e->canonical_len, t.blen[i]);
		assert_memory_equal(e->leaf, t.leaf[i], H);
		entry_free(e);
	}
	lc_tree_free(&t);
	/* A clean shutdown, and nothing alarming in the daemon's output. */
	assert_int_equal(daemon_stop(&F.d), 0);
	char *out = daemon_output(&F.d);
	if (strstr(out, "AddressSanitizer") || strstr(out, "runtime error") || strstr(out, "LeakSanitizer") ||
	    strstr(out, "fatal"))
		fail_msg("cairnd reported: %.2000s", out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_invalid_json),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_kinds_and_versions),
	    cmocka_unit_test(test_bad_base64_and_keys),
	    cmocka_unit_test(test_signature_mismatch),
	    cmocka_unit_test(test_dsse_abuse),
	    cmocka_unit_test(test_indexes),
	    cmocka_unit_test(test_proof_sizes),
	    cmocka_unit_test(test_tile_paths),
	    cmocka_unit_test(test_retrieve_lists),
	    cmocka_unit_test(test_index_retrieve),
	    cmocka_unit_test(test_content_length),
	    cmocka_unit_test(test_garbage_requests),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_slow_and_idle_connections),
	    cmocka_unit_test(test_duplicate_flood),
	    cmocka_unit_test(test_pipelining),
	    cmocka_unit_test(test_abandoned_uploads),
	    cmocka_unit_test(test_queue_full),
	    cmocka_unit_test(test_tree_still_verifies),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
