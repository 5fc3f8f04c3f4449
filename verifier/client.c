#define _POSIX_C_SOURCE 200809L
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "codec.h"
#include "jsonx.h"

#define H MERKLE_HASH_SIZE
#define URL_MAX 512
/* Caps on answers: one entry (a 64 KiB body in base64, a proof, a
 * checkpoint), ten of them, the log info, a search answer (10,000 IDs). */
#define CAP_ENTRY (512 * 1024)
#define CAP_ENTRIES (10 * CAP_ENTRY)
#define CAP_INFO (128 * 1024)
#define CAP_PROOF (64 * 1024)
#define CAP_SEARCH (2 * 1024 * 1024)
#define CONNECT_TIMEOUT_MS 10000L
#define TIMEOUT_MS 60000L

struct client {
	CURL *curl;
	char base[URL_MAX];
};

typedef struct resp {
	char *body;
	size_t len, alloc, cap;
	int too_large;
	long status;
} resp;

int client_new(const char *url, client **out, char *err, size_t errlen)
{
	size_t len = strlen(url);
	const char *host;
	client *c;

	while (len > 0 && url[len - 1] == '/')
		len--;
	if (len >= URL_MAX - 128 || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "--log wants an http:// or https:// URL");
		return CAIRN_ERR_INVALID;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)url[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#') {
			snprintf(err, errlen, "--log wants a URL without spaces, query or fragment");
			return CAIRN_ERR_INVALID;
		}
	}
	host = url + (url[4] == 's' ? 8 : 7);
	if ((size_t)(host - url) >= len || host[0] == '/' || host[0] == ':' || url[len - 1] == ':') {
		snprintf(err, errlen, "--log URL has no host");
		return CAIRN_ERR_INVALID;
	}
	c = calloc(1, sizeof *c);
	if (c)
		c->curl = curl_easy_init();
	if (!c || !c->curl) {
		free(c);
		snprintf(err, errlen, "cannot start libcurl");
		return CAIRN_ERR_NOMEM;
	}
	memcpy(c->base, url, len);
	c->base[len] = '\0';
	*out = c;
	return CAIRN_OK;
}

void client_free(client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

const char *client_url(const client *c)
{
	return c->base;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	resp *r = arg;
	size_t n = size * nmemb;
	if (n > r->cap - r->len) {
		r->too_large = 1;
		return 0; /* aborts the transfer */
	}
	if (r->len + n + 1 > r->alloc) {
		size_t want = r->alloc ? r->alloc : 4096;
		while (want < r->len + n + 1)
			want *= 2;
		if (want > r->cap + 1)
			want = r->cap + 1;
		char *b = realloc(r->body, want);
		if (!b)
			return 0;
		r->body = b;
		r->alloc = want;
	}
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* One line for an HTTP error: the log's {"message"} if it sent one. */
static void http_error(const resp *r, const char *what, char *err, size_t errlen)
{
	char line[240] = "";
	json_t *v = r->body ? json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const char *msg = v ? jsonx_str(v, "message", NULL) : NULL;
	if (msg)
		jsonx_oneline(msg, strlen(msg), line, sizeof line);
	else if (r->body)
		jsonx_oneline(r->body, r->len, line, sizeof line);
	if (r->status >= 300 && r->status < 400)
		snprintf(err, errlen, "%s: the log answered HTTP %ld (redirects are not followed)", what,
		         r->status);
	else
		snprintf(err, errlen, "%s: the log answered HTTP %ld%s%s", what, r->status,
		         line[0] ? ": " : "", line);
	json_decref(v);
}

static int status_rc(long status)
{
	switch (status) {
	case 404:
		return CAIRN_ERR_NOT_FOUND;
	case 409:
		return CAIRN_ERR_DUPLICATE;
	case 400:
	case 422:
		return CAIRN_ERR_INVALID;
	case 413:
		return CAIRN_ERR_TOO_LARGE;
	}
	return CAIRN_ERR_IO;
}

/* One request: GET when body is NULL, else POST of JSON. Fills r (caller
 * frees r->body) whatever the status; fails only on transport errors. */
static int perform(client *c, const char *path, const char *body, size_t blen, size_t cap, resp *r,
                   const char *what, char *err, size_t errlen)
{
	char url[URL_MAX + 256], ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	CURLcode cc;
	CURL *h = c->curl;

	memset(r, 0, sizeof *r);
	r->cap = cap;
	if ((size_t)snprintf(url, sizeof url, "%s%s", c->base, path) >= sizeof url) {
		snprintf(err, errlen, "%s: URL too long", what);
		return CAIRN_ERR_INVALID;
	}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cairn/1");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (body) {
		struct curl_slist *t = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = t ? curl_slist_append(t, "Expect:") : NULL;
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	if (!hdr) {
		snprintf(err, errlen, "out of memory");
		return CAIRN_ERR_NOMEM;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdr);
	if (r->too_large) {
		snprintf(err, errlen, "%s: the log's answer is larger than %zu bytes", what, cap);
		free(r->body);
		r->body = NULL;
		return CAIRN_ERR_TOO_LARGE;
	}
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: cannot reach %s: %s", what, c->base,
		         ebuf[0] ? ebuf : curl_easy_strerror(cc));
		free(r->body);
		r->body = NULL;
		return CAIRN_ERR_IO;
	}
	if (!r->body) {
		r->body = calloc(1, 1);
		if (!r->body)
			return CAIRN_ERR_NOMEM;
	}
	return CAIRN_OK;
}

/* A request that must answer `want` with JSON: *out is the parsed body. */
static int request_json(client *c, const char *path, const char *body, size_t blen, size_t cap, long want,
                        const char *what, json_t **out, char *err, size_t errlen)
{
	resp r;
	int rc = perform(c, path, body, blen, cap, &r, what, err, errlen);
	if (rc)
		return rc;
	if (r.status != want) {
		http_error(&r, what, err, errlen);
		rc = status_rc(r.status);
	} else {
		char w[96];
		snprintf(w, sizeof w, "%s: the log's answer", what);
		rc = jsonx_parse(r.body, r.len, cap, w, out, err, errlen);
	}
	free(r.body);
	return rc;
}

int client_log_info(client *c, client_loginfo *out, char *err, size_t errlen)
{
	const char *what = "GET /api/v1/log", *sth, *tid;
	size_t sthlen = 0, tidlen = 0;
	json_t *v = NULL;
	client_loginfo li = {0};
	uint64_t tidv;
	int rc = request_json(c, "/api/v1/log", NULL, 0, CAP_INFO, 200, what, &v, err, errlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_INVALID;
	sth = jsonx_str(v, "signedTreeHead", &sthlen);
	tid = jsonx_str(v, "treeID", &tidlen);
	if (!json_is_object(v) || jsonx_u64(v, "treeSize", 0, 0, &li.tree_size) ||
	    jsonx_hex_fixed(v, "rootHash", li.root, H) || !sth || sthlen == 0 || sthlen > NOTE_MAX_SIZE ||
	    memchr(sth, 0, sthlen) || !tid || tidlen >= sizeof li.tree_id ||
	    jsonx_parse_u64(tid, tidlen, &tidv)) {
		snprintf(err, errlen, "%s: malformed answer (treeSize, rootHash, treeID, signedTreeHead)",
		         what);
		goto out;
	}
	memcpy(li.tree_id, tid, tidlen + 1);
	li.checkpoint = strdup(sth);
	if (!li.checkpoint) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	li.checkpoint_len = sthlen;
	*out = li;
	rc = CAIRN_OK;
out:
	json_decref(v);
	return rc;
}

int client_consistency(client *c, uint64_t first, uint64_t last, uint8_t proof[][32], size_t *n,
                       uint8_t root[32], char *err, size_t errlen)
{
	char path[128];
	const char *what = "GET /api/v1/log/proof";
	json_t *v = NULL, *hs, *h;
	uint8_t r[H];
	size_t i;
	int rc;

	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu",
	         (unsigned long long)first, (unsigned long long)last);
	rc = request_json(c, path, NULL, 0, CAP_PROOF, 200, what, &v, err, errlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_INVALID;
	hs = json_object_get(v, "hashes");
	if (!json_is_object(v) || jsonx_hex_fixed(v, "rootHash", r, H) || !json_is_array(hs) ||
	    json_array_size(hs) > MERKLE_MAX_PROOF) {
		snprintf(err, errlen, "%s: malformed answer (hashes, rootHash)", what);
		goto out;
	}
	json_array_foreach(hs, i, h)
	{
		if (!json_is_string(h) ||
		    codec_hex_decode(json_string_value(h), json_string_length(h), proof[i], H)) {
			snprintf(err, errlen, "%s: hashes[%zu] is not 64 hex digits", what, i);
			goto out;
		}
	}
	*n = json_array_size(hs);
	memcpy(root, r, H);
	rc = CAIRN_OK;
out:
	json_decref(v);
	return rc;
}

/* Parses a LogEntry answer and checks it is the entry asked for. */
static int entry_answer(json_t *v, const uint8_t *leaf, const uint64_t *index, const char *what,
                        tlog_entry **out, char *err, size_t errlen)
{
	tlog_entry *e = NULL;
	char sub[200];
	int rc = tlog_entry_from_rekor(v, &e, sub, sizeof sub);
	if (rc) {
		snprintf(err, errlen, "%s: %s", what, sub);
		return rc;
	}
	if (leaf && CRYPTO_memcmp(leaf, e->leaf, H) != 0) {
		snprintf(err, errlen, "%s: the log answered with another entry than the one asked for", what);
		tlog_entry_free(e);
		return CAIRN_ERR_INVALID;
	}
	if (index && e->log_index != *index) {
		snprintf(err, errlen, "%s: the log answered with entry %llu, not %llu", what,
		         (unsigned long long)e->log_index, (unsigned long long)*index);
		tlog_entry_free(e);
		return CAIRN_ERR_INVALID;
	}
	*out = e;
	return CAIRN_OK;
}

int client_entry_by_uuid(client *c, const char *uuid, tlog_entry **out, char *err, size_t errlen)
{
	char path[160];
	uint8_t leaf[H];
	size_t len = strlen(uuid);
	json_t *v = NULL;
	int rc;

	if ((len != 64 && len != 80) || codec_hex_decode(uuid + len - 64, 64, leaf, H)) {
		snprintf(err, errlen, "a UUID is 64 hex digits (or an 80-digit entry ID)");
		return CAIRN_ERR_INVALID;
	}
	for (size_t i = 0; i < len - 64; i++) {
		char ch = uuid[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) {
			snprintf(err, errlen, "a UUID is 64 hex digits (or an 80-digit entry ID)");
			return CAIRN_ERR_INVALID;
		}
	}
	snprintf(path, sizeof path, "/api/v1/log/entries/%s", uuid);
	rc =
	    request_json(c, path, NULL, 0, CAP_ENTRY, 200, "GET /api/v1/log/entries/{uuid}", &v, err, errlen);
	if (rc)
		return rc;
	rc = entry_answer(v, leaf, NULL, "GET /api/v1/log/entries/{uuid}", out, err, errlen);
	json_decref(v);
	return rc;
}

int client_entry_by_index(client *c, uint64_t index, tlog_entry **out, char *err, size_t errlen)
{
	char path[96];
	json_t *v = NULL;
	int rc;

	snprintf(path, sizeof path, "/api/v1/log/entries?logIndex=%llu", (unsigned long long)index);
	rc = request_json(c, path, NULL, 0, CAP_ENTRY, 200, "GET /api/v1/log/entries?logIndex", &v, err,
	                  errlen);
	if (rc)
		return rc;
	rc = entry_answer(v, NULL, &index, "GET /api/v1/log/entries?logIndex", out, err, errlen);
	json_decref(v);
	return rc;
}

int client_entries_by_index(client *c, const uint64_t *idx, size_t n, tlog_entry **out, char *err,
                            size_t errlen)
{
	const char *what = "POST /api/v1/log/entries/retrieve";
	tlog_entry *got[10] = {0};
	json_t *req = NULL, *list = NULL, *v = NULL, *item;
	char *body = NULL;
	size_t i;
	int rc = CAIRN_ERR_NOMEM;

	if (n == 0 || n > 10)
		return CAIRN_ERR_INVALID;
	list = json_array();
	for (i = 0; list && i < n; i++) {
		if (json_array_append_new(list, json_integer((json_int_t)idx[i])))
			goto out;
	}
	req = json_pack("{s:O}", "logIndexes", list);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!body)
		goto out;
	rc = request_json(c, "/api/v1/log/entries/retrieve", body, strlen(body), CAP_ENTRIES, 200, what, &v,
	                  err, errlen);
	if (rc)
		goto out;
	rc = CAIRN_ERR_INVALID;
	if (!json_is_array(v) || json_array_size(v) != n) {
		snprintf(err, errlen, "%s: expected %zu entries, got %zu", what, n, json_array_size(v));
		goto out;
	}
	json_array_foreach(v, i, item)
	{
		rc = entry_answer(item, NULL, &idx[i], what, &got[i], err, errlen);
		if (rc)
			goto out;
	}
	for (i = 0; i < n; i++) {
		out[i] = got[i];
		got[i] = NULL;
	}
	rc = CAIRN_OK;
out:
	for (i = 0; i < n; i++)
		tlog_entry_free(got[i]);
	free(body);
	json_decref(req);
	json_decref(list);
	json_decref(v);
	return rc;
}

int client_upload(client *c, const char *proposed, size_t len, const uint8_t leaf[32], tlog_entry **out,
                  int *existed, char *err, size_t errlen)
{
	const char *what = "POST /api/v1/log/entries";
	json_t *v = NULL;
	char uuid[2 * H + 1];
	resp r;
	int rc = perform(c, "/api/v1/log/entries", proposed, len, CAP_ENTRY, &r, what, err, errlen);
	if (rc)
		return rc;
	if (r.status == 409) {
		/* Already logged: fetch it by the UUID we know it must have. */
		free(r.body);
		codec_hex_encode(leaf, H, uuid);
		rc = client_entry_by_uuid(c, uuid, out, err, errlen);
		if (!rc)
			*existed = 1;
		return rc;
	}
	if (r.status != 201) {
		http_error(&r, what, err, errlen);
		free(r.body);
		return status_rc(r.status);
	}
	rc = jsonx_parse(r.body, r.len, CAP_ENTRY, "POST /api/v1/log/entries: the log's answer", &v, err,
	                 errlen);
	free(r.body);
	if (rc)
		return rc;
	rc = entry_answer(v, leaf, NULL, what, out, err, errlen);
	if (!rc)
		*existed = 0;
	json_decref(v);
	return rc;
}

int client_search(client *c, const char *hash, const char *pem, size_t pemlen, char ***ids, size_t *n,
                  char *err, size_t errlen)
{
	const char *what = "POST /api/v1/index/retrieve";
	json_t *req = NULL, *v = NULL, *item;
	char *body = NULL, *pemb64 = NULL, **list = NULL;
	size_t i, count = 0;
	int rc = CAIRN_ERR_NOMEM;

	req = json_pack("{s:s}", "operator", "and");
	if (!req)
		goto out;
	if (hash && json_object_set_new(req, "hash", json_string(hash)))
		goto out;
	if (pem) {
		pemb64 = codec_b64_encode_alloc((const uint8_t *)pem, pemlen);
		if (!pemb64 ||
		    json_object_set_new(req, "publicKey",
		                        json_pack("{s:s,s:s}", "format", "x509", "content", pemb64)))
			goto out;
	}
	body = json_dumps(req, JSON_COMPACT);
	if (!body)
		goto out;
	rc = request_json(c, "/api/v1/index/retrieve", body, strlen(body), CAP_SEARCH, 200, what, &v, err,
	                  errlen);
	if (rc)
		goto out;
	rc = CAIRN_ERR_INVALID;
	if (!json_is_array(v)) {
		snprintf(err, errlen, "%s: the answer is not an array", what);
		goto out;
	}
	rc = CAIRN_ERR_NOMEM;
	list = calloc(json_array_size(v) + 1, sizeof *list);
	if (!list)
		goto out;
	json_array_foreach(v, i, item)
	{
		const char *s = json_string_value(item);
		size_t len = json_string_length(item);
		uint8_t leaf[H];
		int hex = s && (len == 64 || len == 80);
		for (size_t k = 0; hex && k < len - 64; k++)
			hex = (s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f');
		if (!hex || codec_hex_decode(s + len - 64, 64, leaf, H)) {
			snprintf(err, errlen, "%s: item %zu is not an entry ID", what, i);
			rc = CAIRN_ERR_INVALID;
			goto out;
		}
		list[count] = strdup(s);
		if (!list[count])
			goto out;
		count++;
	}
	*ids = list;
	*n = count;
	list = NULL;
	rc = CAIRN_OK;
out:
	for (i = 0; list && i < count; i++)
		free(list[i]);
	free(list);
	free(pemb64);
	free(body);
	json_decref(req);
	json_decref(v);
	return rc;
}
