#include "tlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "codec.h"
#include "jcs.h"
#include "jsonx.h"

#define H MERKLE_HASH_SIZE

const char *tlog_digest_name(keys_digest alg)
{
	switch (alg) {
	case KEYS_SHA256:
		return "sha256";
	case KEYS_SHA384:
		return "sha384";
	case KEYS_SHA512:
		return "sha512";
	}
	return "?";
}

size_t tlog_digest_len(keys_digest alg)
{
	switch (alg) {
	case KEYS_SHA256:
		return 32;
	case KEYS_SHA384:
		return 48;
	case KEYS_SHA512:
		return 64;
	}
	return 0;
}

int tlog_digest(keys_digest alg, const uint8_t *data, size_t len, uint8_t out[64])
{
	const EVP_MD *md = alg == KEYS_SHA512   ? EVP_sha512()
	                   : alg == KEYS_SHA384 ? EVP_sha384()
	                                        : EVP_sha256();
	unsigned int n = 0;
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
		return CAIRN_ERR_CRYPTO;
	return CAIRN_OK;
}

int tlog_signing_digest(const keys_key *k, keys_digest *alg)
{
	switch (keys_type_of(k)) {
	case KEYS_ECDSA_P256:
		*alg = KEYS_SHA256;
		return CAIRN_OK;
	case KEYS_ECDSA_P384:
		*alg = KEYS_SHA384;
		return CAIRN_OK;
	case KEYS_ECDSA_P521:
		*alg = KEYS_SHA512;
		return CAIRN_OK;
	default:
		return CAIRN_ERR_UNSUPPORTED;
	}
}

void tlog_entry_free(tlog_entry *e)
{
	if (!e)
		return;
	free(e->body);
	free(e->set);
	free(e->checkpoint);
	free(e);
}

int tlog_entry_new(const uint8_t *body, size_t len, tlog_entry **out, char *err, size_t errlen)
{
	tlog_entry *e = NULL;
	json_t *v = NULL;
	const char *kind, *ver;
	size_t klen = 0, vlen = 0;
	int rc;

	if (len > ENTRY_MAX_CANONICAL) {
		snprintf(err, errlen, "logged body: too large (%zu bytes)", len);
		return CAIRN_ERR_TOO_LARGE;
	}
	rc = jsonx_parse((const char *)body, len, ENTRY_MAX_CANONICAL, "logged body", &v, err, errlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_INVALID;
	kind = jsonx_str(v, "kind", &klen);
	ver = jsonx_str(v, "apiVersion", &vlen);
	if (!json_is_object(v) || !kind || !ver || klen == 0 || klen >= sizeof e->kind || vlen == 0 ||
	    vlen >= sizeof e->version || memchr(kind, 0, klen) || memchr(ver, 0, vlen)) {
		snprintf(err, errlen, "logged body: not an entry with a kind and apiVersion");
		goto out;
	}
	rc = CAIRN_ERR_NOMEM;
	e = calloc(1, sizeof *e);
	if (e)
		e->body = malloc(len + 1);
	if (!e || !e->body) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->body_len = len;
	merkle_leaf_hash(body, len, e->leaf);
	memcpy(e->kind, kind, klen);
	memcpy(e->version, ver, vlen);
	*out = e;
	e = NULL;
	rc = CAIRN_OK;
out:
	tlog_entry_free(e);
	json_decref(v);
	return rc;
}

void tlog_uuid(const tlog_entry *e, char out[65])
{
	codec_hex_encode(e->leaf, H, out);
}

/* The inclusionProof of a Rekor LogEntry: hex hashes and root. */
static int rekor_proof(const json_t *p, tlog_entry *e, char *err, size_t errlen)
{
	json_t *hashes = json_object_get(p, "hashes"), *h;
	const char *cp;
	size_t cplen, i;

	if (jsonx_u64(p, "logIndex", 0, 0, &e->proof_index) ||
	    jsonx_u64(p, "treeSize", 0, 0, &e->tree_size) || jsonx_hex_fixed(p, "rootHash", e->root, H) ||
	    !json_is_array(hashes)) {
		snprintf(err, errlen, "log entry: malformed inclusionProof");
		return CAIRN_ERR_INVALID;
	}
	if (json_array_size(hashes) > MERKLE_MAX_PROOF) {
		snprintf(err, errlen, "log entry: inclusionProof has too many hashes");
		return CAIRN_ERR_INVALID;
	}
	json_array_foreach(hashes, i, h)
	{
		if (!json_is_string(h) ||
		    codec_hex_decode(json_string_value(h), json_string_length(h), e->hashes[i], H)) {
			snprintf(err, errlen, "log entry: inclusionProof.hashes[%zu] is not 64 hex digits",
			         i);
			return CAIRN_ERR_INVALID;
		}
	}
	e->nhashes = json_array_size(hashes);
	cp = jsonx_str(p, "checkpoint", &cplen);
	if (!cp || cplen == 0 || cplen > NOTE_MAX_SIZE || memchr(cp, 0, cplen)) {
		snprintf(err, errlen, "log entry: inclusionProof has no valid checkpoint");
		return CAIRN_ERR_INVALID;
	}
	e->checkpoint = malloc(cplen + 1);
	if (!e->checkpoint)
		return CAIRN_ERR_NOMEM;
	memcpy(e->checkpoint, cp, cplen + 1);
	e->checkpoint_len = cplen;
	e->has_proof = 1;
	return CAIRN_OK;
}

int tlog_entry_from_rekor(const json_t *v, tlog_entry **out, char *err, size_t errlen)
{
	tlog_entry *e = NULL;
	uint8_t *body = NULL, idleaf[H];
	size_t blen, idlen;
	const char *id;
	json_t *le, *ver, *p;
	int rc = CAIRN_ERR_INVALID;

	if (!json_is_object(v) || json_object_size(v) != 1) {
		snprintf(err, errlen, "log entry: not an object with exactly one entry");
		return CAIRN_ERR_INVALID;
	}
	id = json_object_iter_key(json_object_iter((json_t *)v));
	le = json_object_iter_value(json_object_iter((json_t *)v));
	idlen = strlen(id);
	if (!json_is_object(le) || (idlen != 64 && idlen != 80) ||
	    codec_hex_decode(id + idlen - 64, 64, idleaf, H)) {
		snprintf(err, errlen, "log entry: the entry ID is not 64 or 80 hex digits");
		return CAIRN_ERR_INVALID;
	}
	rc = jsonx_b64(le, "body", ENTRY_MAX_CANONICAL, &body, &blen);
	if (rc) {
		snprintf(err, errlen, "log entry: body is missing, not base64 or too large");
		goto out;
	}
	rc = tlog_entry_new(body, blen, &e, err, errlen);
	if (rc)
		goto out;
	rc = CAIRN_ERR_INVALID;
	if (CRYPTO_memcmp(idleaf, e->leaf, H) != 0) {
		snprintf(err, errlen, "log entry: the entry ID is not the hash of its body");
		goto out;
	}
	if (jsonx_u64(le, "logIndex", 0, 0, &e->log_index) ||
	    jsonx_u64(le, "integratedTime", 0, 0, &e->integrated_time) ||
	    jsonx_hex_fixed(le, "logID", e->log_id, H)) {
		snprintf(err, errlen, "log entry: malformed logIndex, integratedTime or logID");
		goto out;
	}
	ver = jsonx_obj(le, "verification");
	if (ver && json_object_get(ver, "signedEntryTimestamp")) {
		rc = jsonx_b64(ver, "signedEntryTimestamp", TLOG_MAX_SET, &e->set, &e->set_len);
		if (rc) {
			snprintf(err, errlen, "log entry: malformed signedEntryTimestamp");
			goto out;
		}
	}
	p = ver ? jsonx_obj(ver, "inclusionProof") : NULL;
	if (p) {
		rc = rekor_proof(p, e, err, errlen);
		if (rc)
			goto out;
	}
	*out = e;
	e = NULL;
	rc = CAIRN_OK;
out:
	free(body);
	tlog_entry_free(e);
	return rc;
}

int tlog_set_payload(const tlog_entry *e, char **out, size_t *len)
{
	char logid[2 * H + 1], *b64;
	json_t *v;
	int rc = CAIRN_ERR_NOMEM;

	if (e->integrated_time > INT64_MAX || e->log_index > INT64_MAX)
		return CAIRN_ERR_INVALID;
	b64 = codec_b64_encode_alloc(e->body, e->body_len);
	if (!b64)
		return CAIRN_ERR_NOMEM;
	codec_hex_encode(e->log_id, H, logid);
	v = json_pack("{s:s,s:I,s:s,s:I}", "body", b64, "integratedTime", (json_int_t)e->integrated_time,
	              "logID", logid, "logIndex", (json_int_t)e->log_index);
	if (v)
		rc = jcs_serialize(v, out, len);
	json_decref(v);
	free(b64);
	return rc;
}

int tlog_verify_log_id(const tlog_entry *e, const keys_key *log_key, char *err, size_t errlen)
{
	uint8_t id[H];
	char want[2 * H + 1], got[2 * H + 1];
	int rc = keys_id(log_key, id);
	if (rc) {
		snprintf(err, errlen, "log key: cannot compute its ID: %s", cairn_strerror(rc));
		return rc;
	}
	if (CRYPTO_memcmp(id, e->log_id, H) != 0) {
		codec_hex_encode(e->log_id, H, got);
		codec_hex_encode(id, H, want);
		snprintf(err, errlen,
		         "log key: the entry was logged by log %.16s..., not by the given log key (%.16s...)",
		         got, want);
		return CAIRN_ERR_VERIFY;
	}
	return CAIRN_OK;
}

int tlog_verify_set(const tlog_entry *e, const keys_key *log_key, char *err, size_t errlen)
{
	char *payload = NULL;
	size_t plen;
	int rc;

	if (!e->set) {
		snprintf(err, errlen, "SET: the entry has no signed entry timestamp");
		return CAIRN_ERR_VERIFY;
	}
	rc = tlog_set_payload(e, &payload, &plen);
	if (rc) {
		snprintf(err, errlen, "SET: cannot build the signed payload: %s", cairn_strerror(rc));
		return rc == CAIRN_ERR_INVALID ? CAIRN_ERR_VERIFY : rc;
	}
	rc = keys_verify(log_key, (const uint8_t *)payload, plen, e->set, e->set_len);
	free(payload);
	if (rc) {
		snprintf(
		    err, errlen,
		    "SET: the signed entry timestamp does not verify with the log key over this body, time, "
		    "log ID and index");
		return CAIRN_ERR_VERIFY;
	}
	return CAIRN_OK;
}

/* Names on the note's signature lines whose key hint is hint. */
static size_t hinted_names(const char *note, size_t len, const uint8_t hint[4], char names[][128], size_t max)
{
	const char *end = note + len, *p = NULL;
	size_t n = 0;
	/* The signatures follow the last blank line. */
	for (size_t i = len; i >= 2; i--) {
		if (note[i - 2] == '\n' && note[i - 1] == '\n') {
			p = note + i;
			break;
		}
	}
	while (p && p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *name, *sp;
		uint8_t raw[600];
		size_t rawlen;
		if (!nl)
			break;
		if ((size_t)(nl - p) > 4 && memcmp(p, "\xe2\x80\x94 ", 4) == 0) {
			name = p + 4;
			sp = memchr(name, ' ', (size_t)(nl - name));
			if (sp && sp > name && (size_t)(sp - name) < 128 && (size_t)(nl - sp - 1) <= 800 &&
			    codec_b64_decode(sp + 1, (size_t)(nl - sp - 1), raw, &rawlen) == CAIRN_OK &&
			    rawlen > 4 && memcmp(raw, hint, 4) == 0) {
				size_t nlen = (size_t)(sp - name);
				int dup = 0;
				for (size_t i = 0; i < n; i++)
					dup |= strlen(names[i]) == nlen && memcmp(names[i], name, nlen) == 0;
				if (!dup) {
					memcpy(names[n], name, nlen);
					names[n++][nlen] = '\0';
				}
			}
		}
		p = nl + 1;
	}
	return n;
}

int tlog_checkpoint_verify(const char *note, size_t len, const keys_key *log_key, note_checkpoint *out,
                           char *err, size_t errlen)
{
	char names[4][128];
	note_verifier *v[4] = {0};
	size_t n, nv = 0, bodylen = 0;
	uint8_t id[H];
	note_checkpoint cp;
	int rc;

	if (len > NOTE_MAX_SIZE) {
		snprintf(err, errlen, "checkpoint: too large");
		return CAIRN_ERR_VERIFY;
	}
	rc = keys_id(log_key, id);
	if (rc) {
		snprintf(err, errlen, "checkpoint: cannot compute the log key's ID: %s", cairn_strerror(rc));
		return rc;
	}
	n = hinted_names(note, len, id, names, 4);
	if (n == 0) {
		snprintf(err, errlen,
		         "checkpoint: no signature line by the log key (key hint %02x%02x%02x%02x)", id[0],
		         id[1], id[2], id[3]);
		return CAIRN_ERR_VERIFY;
	}
	for (size_t i = 0; i < n; i++) {
		if (note_verifier_new(names[i], log_key, &v[nv]) == CAIRN_OK)
			nv++;
	}
	rc = nv ? note_open(note, len, v, nv, &bodylen) : CAIRN_ERR_VERIFY;
	for (size_t i = 0; i < nv; i++)
		note_verifier_free(v[i]);
	if (rc) {
		snprintf(err, errlen, "checkpoint: %s",
		         rc == CAIRN_ERR_VERIFY ? "the signature does not verify with the log key"
		                                : "not a well-formed signed note");
		return rc == CAIRN_ERR_NOMEM ? rc : CAIRN_ERR_VERIFY;
	}
	if (note_checkpoint_parse(note, bodylen, &cp) != CAIRN_OK) {
		snprintf(err, errlen, "checkpoint: the signed text is not a checkpoint");
		return CAIRN_ERR_VERIFY;
	}
	*out = cp;
	return CAIRN_OK;
}

int tlog_verify_inclusion(const tlog_entry *e, const keys_key *log_key, note_checkpoint *cp, char *err,
                          size_t errlen)
{
	note_checkpoint c;
	int rc;

	if (!e->has_proof) {
		snprintf(err, errlen, "inclusion proof: the entry has none");
		return CAIRN_ERR_VERIFY;
	}
	rc = tlog_checkpoint_verify(e->checkpoint, e->checkpoint_len, log_key, &c, err, errlen);
	if (rc)
		return rc;
	if (c.size != e->tree_size || CRYPTO_memcmp(c.root, e->root, H) != 0) {
		snprintf(err, errlen,
		         "inclusion proof: the checkpoint (size %llu) does not name the proof's tree size "
		         "%llu and root",
		         (unsigned long long)c.size, (unsigned long long)e->tree_size);
		return CAIRN_ERR_VERIFY;
	}
	if (e->proof_index != e->log_index) {
		snprintf(err, errlen, "inclusion proof: it is for index %llu, not the entry's index %llu",
		         (unsigned long long)e->proof_index, (unsigned long long)e->log_index);
		return CAIRN_ERR_VERIFY;
	}
	if (merkle_verify_inclusion(e->leaf, e->log_index, e->tree_size, (const uint8_t(*)[H])e->hashes,
	                            e->nhashes, e->root) != CAIRN_OK) {
		snprintf(
		    err, errlen,
		    "inclusion proof: the body's leaf hash is not at index %llu under the root of size %llu",
		    (unsigned long long)e->log_index, (unsigned long long)e->tree_size);
		return CAIRN_ERR_VERIFY;
	}
	if (cp)
		*cp = c;
	return CAIRN_OK;
}

int tlog_verify_consistency(const note_checkpoint *a, const note_checkpoint *b, const uint8_t proof[][32],
                            size_t n, char *err, size_t errlen)
{
	if (strcmp(a->origin, b->origin) != 0) {
		snprintf(err, errlen, "consistency: the log's origin changed from \"%s\" to \"%s\"",
		         a->origin, b->origin);
		return CAIRN_ERR_VERIFY;
	}
	if (b->size < a->size) {
		snprintf(err, errlen, "consistency: the log shrank from size %llu to %llu (rollback)",
		         (unsigned long long)a->size, (unsigned long long)b->size);
		return CAIRN_ERR_VERIFY;
	}
	if (b->size == a->size) {
		if (n != 0 || CRYPTO_memcmp(a->root, b->root, H) != 0) {
			snprintf(err, errlen, "consistency: two different roots for the same tree size %llu",
			         (unsigned long long)a->size);
			return CAIRN_ERR_VERIFY;
		}
		return CAIRN_OK;
	}
	if (merkle_verify_consistency(a->size, b->size, (const uint8_t(*)[H])proof, n, a->root, b->root) !=
	    CAIRN_OK) {
		snprintf(err, errlen,
		         "consistency: the tree of size %llu is not an extension of the tree of size %llu",
		         (unsigned long long)b->size, (unsigned long long)a->size);
		return CAIRN_ERR_VERIFY;
	}
	return CAIRN_OK;
}

static int same_key(const keys_key *a, const keys_key *b)
{
	uint8_t *da = NULL, *db = NULL;
	size_t la = 0, lb = 0;
	int same = 0;
	if (keys_public_der(a, &da, &la) == CAIRN_OK && keys_public_der(b, &db, &lb) == CAIRN_OK)
		same = la == lb && CRYPTO_memcmp(da, db, la) == 0;
	free(da);
	free(db);
	return same;
}

int tlog_check_hashedrekord(const tlog_entry *e, keys_digest alg, const uint8_t *digest, size_t dlen,
                            const uint8_t *sig, size_t siglen, const keys_key *signer, char *err,
                            size_t errlen)
{
	entry_hashedrekord *h = NULL;
	keys_key *k = NULL;
	int rc = CAIRN_ERR_VERIFY;

	if (strcmp(e->kind, "hashedrekord") != 0 || strcmp(e->version, "0.0.1") != 0) {
		char kind[20], ver[20];
		jsonx_oneline(e->kind, strlen(e->kind), kind, sizeof kind);
		jsonx_oneline(e->version, strlen(e->version), ver, sizeof ver);
		snprintf(err, errlen, "logged body: a %s %s entry, not hashedrekord 0.0.1", kind, ver);
		return CAIRN_ERR_VERIFY;
	}
	if (entry_parse_hashedrekord(e->body, e->body_len, &h) != CAIRN_OK) {
		snprintf(err, errlen, "logged body: not a valid hashedrekord entry");
		return CAIRN_ERR_VERIFY;
	}
	if (h->alg != alg || h->digest_len != dlen || CRYPTO_memcmp(h->digest, digest, dlen) != 0) {
		snprintf(err, errlen, "logged body: the logged digest (%s) is not this artifact's %s digest",
		         tlog_digest_name(h->alg), tlog_digest_name(alg));
		goto out;
	}
	if (h->sig_len != siglen || CRYPTO_memcmp(h->sig, sig, siglen) != 0) {
		snprintf(err, errlen, "logged body: the logged signature is not this signature");
		goto out;
	}
	if (keys_from_public_pem(h->pem, h->pem_len, &k) != CAIRN_OK || !same_key(k, signer)) {
		snprintf(err, errlen, "logged body: the logged public key is not the signer's key");
		goto out;
	}
	rc = CAIRN_OK;
out:
	keys_free(k);
	entry_hashedrekord_free(h);
	return rc;
}

int tlog_proposed_hashedrekord(keys_digest alg, const uint8_t *digest, size_t dlen, const uint8_t *sig,
                               size_t siglen, const keys_key *signer, char **out, size_t *len)
{
	char hex[129], *sigb64 = NULL, *pemb64 = NULL, *pem = NULL, *s = NULL;
	size_t pemlen;
	json_t *v = NULL;
	int rc;

	if (dlen != tlog_digest_len(alg))
		return CAIRN_ERR_INVALID;
	rc = keys_public_pem(signer, &pem, &pemlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_NOMEM;
	codec_hex_encode(digest, dlen, hex);
	sigb64 = codec_b64_encode_alloc(sig, siglen);
	pemb64 = codec_b64_encode_alloc((const uint8_t *)pem, pemlen);
	if (!sigb64 || !pemb64)
		goto out;
	v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
	              "hashedrekord", "spec", "data", "hash", "algorithm", tlog_digest_name(alg), "value",
	              hex, "signature", "content", sigb64, "publicKey", "content", pemb64);
	s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!s)
		goto out;
	*out = s;
	*len = strlen(s);
	rc = CAIRN_OK;
out:
	json_decref(v);
	free(sigb64);
	free(pemb64);
	free(pem);
	return rc;
}
