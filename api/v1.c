/* cairnd: the Rekor v1 REST API (SPECS §2). */
#define _POSIX_C_SOURCE 200809L
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "codec.h"
#include "jcs.h"
#include "merkle.h"

#define H MERKLE_HASH_SIZE
#define RETRIEVE_MAX 10      /* Rekor's maxItems for each retrieve list */
#define SEARCH_MAX 10000     /* index/retrieve answers at most this many IDs */

static void hex_hash(const uint8_t h[H], char out[2 * H + 1])
{
	codec_hex_encode(h, H, out);
}

/* entryID = 16 hex digits of the tree ID + hex leaf hash. */
static void entry_id(const server *srv, const uint8_t leaf[H], char out[81])
{
	memcpy(out, srv->tree_id_hex, 16);
	codec_hex_encode(leaf, H, out + 16);
}

/* The SET: the log key's signature over the JCS of body, time, log ID and index. */
static char *sign_set(server *srv, const char *body_b64, int64_t time, uint64_t index)
{
	char *canon = NULL, *out = NULL;
	size_t clen;
	uint8_t *sig = NULL;
	size_t siglen;
	json_t *v = json_pack("{s:s,s:I,s:s,s:I}", "body", body_b64, "integratedTime", (json_int_t)time, "logID",
			      srv->log_id_hex, "logIndex", (json_int_t)index);
	if (!v || jcs_serialize(v, &canon, &clen) != CAIRN_OK)
		goto out;
	if (keys_sign(srv->log_key, (const uint8_t *)canon, clen, &sig, &siglen) != CAIRN_OK)
		goto out;
	out = codec_b64_encode_alloc(sig, siglen);
out:
	json_decref(v);
	free(canon);
	free(sig);
	return out;
}

/* A LogEntry object ({entryID: {...}}) for the entry at index, with an
 * inclusion proof to the tree of size cp->size and that checkpoint. */
static json_t *log_entry(server *srv, log_reader *rd, uint64_t index, const log_checkpoint *cp, char id[81],
			 int *err)
{
	const uint8_t *body;
	size_t blen;
	int64_t t;
	uint8_t leaf[H], proof[MERKLE_MAX_PROOF][H];
	size_t plen;
	char *b64 = NULL, *set = NULL;
	json_t *hashes = NULL, *out = NULL;
	*err = log_reader_entry(rd, index, &body, &blen, &t);
	if (*err)
		return NULL;
	*err = log_reader_inclusion(rd, index, cp->size, proof, &plen);
	if (*err)
		return NULL;
	*err = CAIRN_ERR_NOMEM;
	merkle_leaf_hash(body, blen, leaf);
	entry_id(srv, leaf, id);
	b64 = codec_b64_encode_alloc(body, blen);
	if (!b64)
		goto out;
	set = sign_set(srv, b64, t, index);
	if (!set)
		goto out;
	hashes = json_array();
	for (size_t i = 0; hashes && i < plen; i++) {
		char hex[2 * H + 1];
		hex_hash(proof[i], hex);
		json_array_append_new(hashes, json_string(hex));
	}
	char root[2 * H + 1];
	hex_hash(cp->root, root);
	json_t *e = json_pack("{s:s,s:I,s:s,s:I,s:{s:{s:s%,s:O,s:I,s:s,s:I},s:s}}", "body", b64, "integratedTime",
			      (json_int_t)t, "logID", srv->log_id_hex, "logIndex", (json_int_t)index, "verification",
			      "inclusionProof", "checkpoint", cp->note_v1, cp->note_v1_len, "hashes", hashes,
			      "logIndex", (json_int_t)index, "rootHash", root, "treeSize", (json_int_t)cp->size,
			      "signedEntryTimestamp", set);
	if (!e)
		goto out;
	out = json_object();
	if (!out || json_object_set_new(out, id, e)) {
		json_decref(out);
		out = NULL;
		goto out;
	}
	*err = CAIRN_OK;
out:
	json_decref(hashes);
	free(b64);
	free(set);
	return out;
}

static unsigned status_of(int rc)
{
	switch (rc) {
	case CAIRN_ERR_NOT_FOUND: return 404;
	case CAIRN_ERR_INVALID:
	case CAIRN_ERR_UNSUPPORTED:
	case CAIRN_ERR_VERIFY:
	case CAIRN_ERR_RANGE: return 400;
	case CAIRN_ERR_SCHEMA: return 422;
	case CAIRN_ERR_TOO_LARGE: return 413;
	case CAIRN_ERR_DUPLICATE: return 409;
	case CAIRN_ERR_FULL: return 507;
	case CAIRN_ERR_BUSY:
	case CAIRN_ERR_CLOSED: return 503;
	}
	return 500;
}

static int open_reader(request *r, log_reader **rd, log_checkpoint *cp)
{
	int rc = log_read_begin(r->srv->log, rd);
	if (rc) {
		http_error(r, status_of(rc) == 503 ? 503 : 500, "cannot read the log: %s", cairn_strerror(rc));
		return rc;
	}
	log_reader_checkpoint(*rd, cp);
	return CAIRN_OK;
}

void v1_log_info(request *r)
{
	log_reader *rd;
	log_checkpoint cp;
	if (open_reader(r, &rd, &cp))
		return;
	const char *tid = http_query(r, "treeID");
	char want[24];
	snprintf(want, sizeof want, "%lld", (long long)r->srv->tree_id);
	if (tid && strcmp(tid, want) != 0) {
		log_read_end(rd);
		http_error(r, 404, "unknown treeID %s", tid);
		return;
	}
	char root[2 * H + 1];
	hex_hash(cp.root, root);
	json_t *v = json_pack("{s:n,s:s,s:s%,s:s,s:I}", "inactiveShards", "rootHash", root, "signedTreeHead",
			      cp.note_v1, cp.note_v1_len, "treeID", want, "treeSize", (json_int_t)cp.size);
	log_read_end(rd);
	http_json(r, 200, v, NULL);
}

void v1_public_key(request *r)
{
	const char *tid = http_query(r, "treeID");
	char want[24];
	snprintf(want, sizeof want, "%lld", (long long)r->srv->tree_id);
	if (tid && strcmp(tid, want) != 0) {
		http_error(r, 404, "unknown treeID %s", tid);
		return;
	}
	http_send(r, 200, "application/x-pem-file", r->srv->public_pem, r->srv->public_pem_len, "no-cache", NULL);
}

/* A required or optional size query parameter. 0 ok, -1 answered 400. */
static int size_param(request *r, const char *name, uint64_t dflt, int required, uint64_t *out)
{
	const char *s = http_query(r, name);
	if (!s) {
		if (required) {
			http_error(r, 400, "missing query parameter %s", name);
			return -1;
		}
		*out = dflt;
		return 0;
	}
	if (http_parse_u64(s, out) || *out > INT64_MAX) {
		http_error(r, 400, "%s must be a non-negative decimal integer", name);
		return -1;
	}
	return 0;
}

void v1_proof(request *r)
{
	uint64_t first, last;
	if (size_param(r, "firstSize", 1, 0, &first) || size_param(r, "lastSize", 0, 1, &last))
		return;
	log_reader *rd;
	log_checkpoint cp;
	if (open_reader(r, &rd, &cp))
		return;
	if (last == 0 || last > cp.size) {
		http_error(r, 400, "lastSize (%llu) must be between 1 and the tree size (%llu)",
			   (unsigned long long)last, (unsigned long long)cp.size);
		log_read_end(rd);
		return;
	}
	if (first > last) {
		http_error(r, 400, "firstSize (%llu) must be less than or equal to lastSize (%llu)",
			   (unsigned long long)first, (unsigned long long)last);
		log_read_end(rd);
		return;
	}
	uint8_t proof[MERKLE_MAX_PROOF][H], root[H];
	size_t plen;
	int rc = log_reader_consistency(rd, first, last, proof, &plen);
	if (!rc)
		rc = log_reader_root(rd, last, root);
	log_read_end(rd);
	if (rc) {
		http_error(r, status_of(rc), "cannot prove consistency: %s", cairn_strerror(rc));
		return;
	}
	json_t *hashes = json_array();
	for (size_t i = 0; i < plen; i++) {
		char hex[2 * H + 1];
		hex_hash(proof[i], hex);
		json_array_append_new(hashes, json_string(hex));
	}
	char rh[2 * H + 1];
	hex_hash(root, rh);
	http_json(r, 200, json_pack("{s:o,s:s}", "hashes", hashes, "rootHash", rh), NULL);
}

static void entry_done(seq_item *item, void *arg)
{
	request *r = arg;
	(void)item;
	/* After resume the connection belongs to MHD again: touch nothing. */
	r->state = REQ_COMMITTED;
	MHD_resume_connection(r->conn);
}

void v1_entry_create(request *r)
{
	char err[256] = "";
	int rc = entry_from_proposed(r->body ? r->body : "", r->len, &r->entry, err, sizeof err);
	if (rc) {
		http_error(r, status_of(rc), "%s", err[0] ? err : cairn_strerror(rc));
		return;
	}
	entry *e = r->entry;
	r->item.in.body = (const uint8_t *)e->canonical;
	r->item.in.len = e->canonical_len;
	memcpy(r->item.in.leaf, e->leaf, H);
	/* Index keys point into the entry, which lives as long as the request. */
	for (size_t i = 0; i < e->nkeys && i < ENTRY_MAX_KEYS; i++) {
		r->keys[i].index = e->keys[i].kind == ENTRY_INDEX_HASH ? LOG_BY_HASH : LOG_BY_KEY;
		r->keys[i].key = (const uint8_t *)e->keys[i].value;
		r->keys[i].len = e->keys[i].len;
	}
	r->item.in.keys = r->keys;
	r->item.in.nkeys = e->nkeys < ENTRY_MAX_KEYS ? e->nkeys : ENTRY_MAX_KEYS;
	r->item.done = entry_done;
	r->item.arg = r;
	/* Suspend before submitting: the sequencer may answer at once. */
	r->state = REQ_QUEUED;
	MHD_suspend_connection(r->conn);
	rc = sequencer_submit(r->srv->seq, &r->item);
	if (rc) {
		/* Refused (queue full or shutting down): answer from the next call,
		 * once MHD has resumed the connection. */
		r->item.status = rc;
		r->state = REQ_COMMITTED;
		MHD_resume_connection(r->conn);
	}
}

void v1_entry_committed(request *r)
{
	server *srv = r->srv;
	seq_item *it = &r->item;
	char id[81];
	if (it->status == CAIRN_ERR_DUPLICATE) {
		entry_id(srv, r->entry->leaf, id);
		char loc[128];
		snprintf(loc, sizeof loc, "/api/v1/log/entries/%s", id);
		const char *h[] = {"Location", loc, NULL};
		char msg[200];
		snprintf(msg, sizeof msg, "an equivalent entry already exists in the transparency log with UUID %s", id);
		http_json(r, 409, json_pack("{s:i,s:s}", "code", 409, "message", msg), h);
		return;
	}
	if (it->status == CAIRN_ERR_BUSY || it->status == CAIRN_ERR_CLOSED) {
		http_error(r, 503, it->status == CAIRN_ERR_BUSY ? "the log is busy; retry later"
								  : "the log is shutting down");
		return;
	}
	if (it->status != CAIRN_OK) {
		unsigned st = status_of(it->status);
		http_error(r, st == 507 ? 507 : 503, "the entry was not logged: %s", cairn_strerror(it->status));
		return;
	}
	log_reader *rd;
	log_checkpoint now;
	if (open_reader(r, &rd, &now))
		return;
	int rc;
	json_t *v = log_entry(srv, rd, it->index, it->cp, id, &rc);
	log_read_end(rd);
	if (!v) {
		http_error(r, 500, "the entry was logged at index %llu but cannot be read back: %s",
			   (unsigned long long)it->index, cairn_strerror(rc));
		return;
	}
	char loc[128];
	snprintf(loc, sizeof loc, "/api/v1/log/entries/%s", id);
	const char *h[] = {"Location", loc, "ETag", id, NULL};
	http_json(r, 201, v, h);
}

/* Answers with the entry at index (or the error); the reader stays open. */
static void send_entry(request *r, log_reader *rd, const log_checkpoint *cp, uint64_t index)
{
	char id[81];
	int rc;
	json_t *v = log_entry(r->srv, rd, index, cp, id, &rc);
	if (!v) {
		if (rc == CAIRN_ERR_NOT_FOUND || rc == CAIRN_ERR_RANGE)
			http_error(r, 404, "no entry at index %llu", (unsigned long long)index);
		else
			http_error(r, 500, "cannot read entry %llu: %s", (unsigned long long)index, cairn_strerror(rc));
		return;
	}
	const char *h[] = {"ETag", id, NULL};
	http_json(r, 200, v, h);
}

void v1_entry_by_index(request *r)
{
	uint64_t index;
	const char *s = http_query(r, "logIndex");
	if (!s) {
		http_error(r, 400, "missing query parameter logIndex");
		return;
	}
	if (http_parse_u64(s, &index) || index > INT64_MAX) {
		http_error(r, 400, "logIndex must be a non-negative decimal integer");
		return;
	}
	log_reader *rd;
	log_checkpoint cp;
	if (open_reader(r, &rd, &cp))
		return;
	if (index >= cp.size)
		http_error(r, 404, "no entry at index %llu (tree size %llu)", (unsigned long long)index,
			   (unsigned long long)cp.size);
	else
		send_entry(r, rd, &cp, index);
	log_read_end(rd);
}

/* A UUID (64 hex) or entryID (80 hex) naming an entry of this tree.
 * Returns 0 and the leaf hash, 1 for another tree, -1 if malformed. */
static int parse_uuid(const server *srv, const char *s, size_t len, uint8_t leaf[H])
{
	if (len == 80) {
		for (size_t i = 0; i < 16; i++) {
			char c = s[i];
			int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			if (!ok)
				return -1;
		}
		if (codec_hex_decode(s + 16, 64, leaf, H))
			return -1;
		char lower[17];
		for (size_t i = 0; i < 16; i++)
			lower[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
		lower[16] = '\0';
		return strcmp(lower, srv->tree_id_hex) == 0 ? 0 : 1;
	}
	if (len == 64)
		return codec_hex_decode(s, 64, leaf, H) ? -1 : 0;
	return -1;
}

void v1_entry_by_uuid(request *r, const char *uuid)
{
	uint8_t leaf[H];
	int p = parse_uuid(r->srv, uuid, strlen(uuid), leaf);
	if (p < 0) {
		http_error(r, 400, "entry UUID must be 64 or 80 hex digits");
		return;
	}
	if (p > 0) {
		http_error(r, 404, "entry %s is not in this log (tree %s)", uuid, r->srv->tree_id_hex);
		return;
	}
	log_reader *rd;
	log_checkpoint cp;
	if (open_reader(r, &rd, &cp))
		return;
	uint64_t index;
	int rc = log_reader_find_leaf(rd, leaf, &index);
	if (rc == CAIRN_OK)
		send_entry(r, rd, &cp, index);
	else if (rc == CAIRN_ERR_NOT_FOUND)
		http_error(r, 404, "no entry with UUID %s", uuid);
	else
		http_error(r, 500, "cannot look up the entry: %s", cairn_strerror(rc));
	log_read_end(rd);
}

/* Appends the LogEntry at index to arr (each LogEntry stays a one-key object). */
static int append_entry(request *r, log_reader *rd, const log_checkpoint *cp, uint64_t index, json_t *arr)
{
	char id[81];
	int rc;
	json_t *v = log_entry(r->srv, rd, index, cp, id, &rc);
	if (!v)
		return rc;
	json_array_append_new(arr, v);
	return CAIRN_OK;
}

static int list_param(request *r, json_t *body, const char *name, json_t **out)
{
	json_t *v = json_object_get(body, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		http_error(r, 422, "%s must be an array", name);
		return -1;
	}
	if (json_array_size(v) > RETRIEVE_MAX) {
		http_error(r, 422, "%s holds %zu items; at most %d are allowed", name, json_array_size(v), RETRIEVE_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

void v1_entries_retrieve(request *r)
{
	json_t *body = http_parse_body(r);
	if (!body)
		return;
	json_t *uuids, *indexes, *entries, *out = NULL;
	log_reader *rd = NULL;
	log_checkpoint cp;
	if (!json_is_object(body)) {
		http_error(r, 422, "request body must be a JSON object");
		goto out;
	}
	if (list_param(r, body, "entryUUIDs", &uuids) || list_param(r, body, "logIndexes", &indexes) ||
	    list_param(r, body, "entries", &entries))
		goto out;
	/* Validate everything before reading anything. */
	size_t i;
	json_t *v;
	json_array_foreach(uuids, i, v) {
		uint8_t leaf[H];
		if (!json_is_string(v) || parse_uuid(r->srv, json_string_value(v), json_string_length(v), leaf) < 0) {
			http_error(r, 422, "entryUUIDs[%zu] must be a 64 or 80 hex digit string", i);
			goto out;
		}
	}
	json_array_foreach(indexes, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			http_error(r, 422, "logIndexes[%zu] must be a non-negative integer", i);
			goto out;
		}
	}
	if (open_reader(r, &rd, &cp))
		goto out;
	out = json_array();
	json_array_foreach(uuids, i, v) {
		uint8_t leaf[H];
		uint64_t index;
		if (parse_uuid(r->srv, json_string_value(v), json_string_length(v), leaf) == 0 &&
		    log_reader_find_leaf(rd, leaf, &index) == CAIRN_OK)
			append_entry(r, rd, &cp, index, out);
	}
	json_array_foreach(indexes, i, v) {
		uint64_t index = (uint64_t)json_integer_value(v);
		if (index < cp.size)
			append_entry(r, rd, &cp, index, out);
	}
	json_array_foreach(entries, i, v) {
		entry *e = NULL;
		char err[256] = "";
		int rc = entry_lookup_from_json(v, &e, err, sizeof err);
		if (rc) {
			http_error(r, status_of(rc), "entries[%zu]: %s", i, err[0] ? err : cairn_strerror(rc));
			goto out;
		}
		uint64_t index;
		if (log_reader_find_leaf(rd, e->leaf, &index) == CAIRN_OK)
			append_entry(r, rd, &cp, index, out);
		entry_free(e);
	}
	http_json(r, 200, out, NULL);
	out = NULL;
out:
	log_read_end(rd);
	json_decref(out);
	json_decref(body);
}

/* Sorted, deduplicated u64 sets for and/or. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t uniq(uint64_t *v, size_t n)
{
	size_t o = 0;
	qsort(v, n, sizeof *v, cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (o == 0 || v[o - 1] != v[i])
			v[o++] = v[i];
	return o;
}

typedef struct idset {
	uint64_t *v;
	size_t n;
} idset;

static int search(log_reader *rd, log_index index, const char *key, size_t len, idset *out)
{
	out->v = malloc(SEARCH_MAX * sizeof *out->v);
	if (!out->v)
		return CAIRN_ERR_NOMEM;
	int rc = log_reader_search(rd, index, (const uint8_t *)key, len, out->v, SEARCH_MAX, &out->n);
	if (!rc)
		out->n = uniq(out->v, out->n);
	return rc;
}

/* "sha256:<hex>", "sha384:...", "sha512:..." or bare sha256 hex, lowercased. */
static int normalize_hash(const char *s, size_t len, char out[200])
{
	const char *alg = "sha256";
	const char *hex = s;
	size_t hexlen = len;
	const char *colon = memchr(s, ':', len);
	if (colon) {
		size_t alen = (size_t)(colon - s);
		hex = colon + 1;
		hexlen = len - alen - 1;
		if (alen == 6 && strncmp(s, "sha256", 6) == 0)
			alg = "sha256";
		else if (alen == 6 && strncmp(s, "sha384", 6) == 0)
			alg = "sha384";
		else if (alen == 6 && strncmp(s, "sha512", 6) == 0)
			alg = "sha512";
		else
			return -1;
	}
	size_t want = strcmp(alg, "sha256") == 0 ? 64 : strcmp(alg, "sha384") == 0 ? 96 : 128;
	if (hexlen != want)
		return -1;
	size_t o = (size_t)sprintf(out, "%s:", alg);
	for (size_t i = 0; i < hexlen; i++) {
		char c = hex[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

void v1_index_retrieve(request *r)
{
	json_t *body = http_parse_body(r);
	if (!body)
		return;
	idset sets[3] = {{0}};
	size_t nsets = 0;
	log_reader *rd = NULL;
	log_checkpoint cp;
	uint8_t *pem = NULL;
	json_t *out = NULL;
	if (!json_is_object(body)) {
		http_error(r, 422, "request body must be a JSON object");
		goto out;
	}
	json_t *hash = json_object_get(body, "hash"), *pk = json_object_get(body, "publicKey"),
	       *email = json_object_get(body, "email"), *op = json_object_get(body, "operator");
	int and_op = 0;
	if (op && !json_is_null(op)) {
		if (json_is_string(op) && strcmp(json_string_value(op), "and") == 0)
			and_op = 1;
		else if (!json_is_string(op) || strcmp(json_string_value(op), "or") != 0) {
			http_error(r, 422, "operator must be \"and\" or \"or\"");
			goto out;
		}
	}
	char hkey[200], kkey[65], ekey[256];
	size_t ekey_len = 0;
	int want_hash = 0, want_key = 0, want_email = 0;
	if (hash && !json_is_null(hash)) {
		if (!json_is_string(hash) || normalize_hash(json_string_value(hash), json_string_length(hash), hkey)) {
			http_error(r, 400, "hash must be \"sha256:<64 hex>\" (or sha384/sha512)");
			goto out;
		}
		want_hash = 1;
	}
	if (pk && !json_is_null(pk)) {
		json_t *fmt = json_object_get(pk, "format"), *content = json_object_get(pk, "content");
		if (!json_is_object(pk) || !json_is_string(fmt)) {
			http_error(r, 422, "publicKey must be an object with a format");
			goto out;
		}
		if (strcmp(json_string_value(fmt), "x509") != 0) {
			http_error(r, 400, "publicKey format \"%s\" is not supported (only x509)", json_string_value(fmt));
			goto out;
		}
		if (!json_is_string(content)) {
			http_error(r, 400, "publicKey.content (base64 PEM) is required; publicKey.url is not supported");
			goto out;
		}
		size_t pemlen;
		if (codec_b64_decode_alloc(json_string_value(content), json_string_length(content), KEYS_MAX_PEM, &pem,
					   &pemlen) ||
		    entry_key_index((const char *)pem, pemlen, kkey)) {
			http_error(r, 400, "publicKey.content is not a base64 PEM public key or certificate");
			goto out;
		}
		want_key = 1;
	}
	if (email && !json_is_null(email)) {
		if (!json_is_string(email) || json_string_length(email) == 0 || json_string_length(email) >= sizeof ekey) {
			http_error(r, 400, "email must be a non-empty string");
			goto out;
		}
		ekey_len = json_string_length(email);
		for (size_t i = 0; i < ekey_len; i++) {
			char c = json_string_value(email)[i];
			ekey[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		want_email = 1;
	}
	if (!want_hash && !want_key && !want_email) {
		http_error(r, 400, "give at least one of hash, publicKey or email");
		goto out;
	}
	if (open_reader(r, &rd, &cp))
		goto out;
	int rc = CAIRN_OK;
	if (want_hash)
		rc = search(rd, LOG_BY_HASH, hkey, strlen(hkey), &sets[nsets++]);
	if (!rc && want_key)
		rc = search(rd, LOG_BY_KEY, kkey, 64, &sets[nsets++]);
	if (!rc && want_email)
		rc = search(rd, LOG_BY_KEY, ekey, ekey_len, &sets[nsets++]);
	if (rc) {
		http_error(r, 500, "search failed: %s", cairn_strerror(rc));
		goto out;
	}
	/* Combine: sorted sets merge in one pass. */
	idset acc = sets[0];
	uint64_t *tmp = malloc((SEARCH_MAX * 3) * sizeof *tmp);
	if (!tmp) {
		http_error(r, 500, "out of memory");
		goto out;
	}
	size_t n = acc.n;
	memcpy(tmp, acc.v, n * sizeof *tmp);
	for (size_t s = 1; s < nsets; s++) {
		if (and_op) {
			size_t o = 0, a = 0, b = 0;
			while (a < n && b < sets[s].n) {
				if (tmp[a] < sets[s].v[b])
					a++;
				else if (tmp[a] > sets[s].v[b])
					b++;
				else {
					tmp[o++] = tmp[a];
					a++;
					b++;
				}
			}
			n = o;
		} else {
			memcpy(tmp + n, sets[s].v, sets[s].n * sizeof *tmp);
			n = uniq(tmp, n + sets[s].n);
		}
	}
	out = json_array();
	for (size_t i = 0; i < n && i < SEARCH_MAX; i++) {
		const uint8_t *eb;
		size_t elen;
		uint8_t leaf[H];
		char id[81];
		if (log_reader_entry(rd, tmp[i], &eb, &elen, NULL) != CAIRN_OK)
			continue;
		merkle_leaf_hash(eb, elen, leaf);
		entry_id(r->srv, leaf, id);
		json_array_append_new(out, json_string(id));
	}
	free(tmp);
	http_json(r, 200, out, NULL);
	out = NULL;
out:
	for (size_t i = 0; i < 3; i++)
		free(sets[i].v);
	free(pem);
	log_read_end(rd);
	json_decref(out);
	json_decref(body);
}
