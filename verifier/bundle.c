#define _POSIX_C_SOURCE 200809L
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "codec.h"
#include "jsonx.h"

#define H MERKLE_HASH_SIZE

static const char *const media_types[] = {
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
};

void bundle_free(bundle *b)
{
	if (!b)
		return;
	free(b->hint);
	free(b->sig);
	tlog_entry_free(b->tlog);
	free(b);
}

static int digest_alg(const char *s, keys_digest *alg)
{
	if (strcmp(s, "SHA2_256") == 0)
		*alg = KEYS_SHA256;
	else if (strcmp(s, "SHA2_384") == 0)
		*alg = KEYS_SHA384;
	else if (strcmp(s, "SHA2_512") == 0)
		*alg = KEYS_SHA512;
	else
		return CAIRN_ERR_UNSUPPORTED;
	return CAIRN_OK;
}

static const char *digest_alg_name(keys_digest alg)
{
	return alg == KEYS_SHA512 ? "SHA2_512" : alg == KEYS_SHA384 ? "SHA2_384" : "SHA2_256";
}

/* inclusionProof of a Sigstore bundle: base64 hashes, the checkpoint as
 * {envelope}, int64s that protobuf JSON omits when zero. */
static int sigstore_proof(const json_t *p, tlog_entry *e, char *err, size_t errlen)
{
	json_t *hashes = json_object_get(p, "hashes"), *h, *cp = jsonx_obj(p, "checkpoint");
	const char *env;
	size_t envlen, i;

	if (jsonx_u64(p, "logIndex", 1, 0, &e->proof_index) ||
	    jsonx_u64(p, "treeSize", 1, 0, &e->tree_size) || jsonx_b64_fixed(p, "rootHash", e->root, H) ||
	    (hashes && !json_is_array(hashes))) {
		snprintf(err, errlen, "bundle: malformed inclusionProof");
		return CAIRN_ERR_INVALID;
	}
	if (json_array_size(hashes) > MERKLE_MAX_PROOF) {
		snprintf(err, errlen, "bundle: inclusionProof has too many hashes");
		return CAIRN_ERR_INVALID;
	}
	json_array_foreach(hashes, i, h)
	{
		uint8_t buf[H + 3];
		size_t n;
		if (!json_is_string(h) || json_string_length(h) != 44 ||
		    codec_b64_decode(json_string_value(h), 44, buf, &n) || n != H) {
			snprintf(err, errlen,
			         "bundle: inclusionProof.hashes[%zu] is not a base64 SHA-256 hash", i);
			return CAIRN_ERR_INVALID;
		}
		memcpy(e->hashes[i], buf, H);
	}
	e->nhashes = json_array_size(hashes);
	env = cp ? jsonx_str(cp, "envelope", &envlen) : NULL;
	if (!env || envlen == 0 || envlen > NOTE_MAX_SIZE || memchr(env, 0, envlen)) {
		snprintf(err, errlen, "bundle: inclusionProof has no valid checkpoint.envelope");
		return CAIRN_ERR_INVALID;
	}
	e->checkpoint = malloc(envlen + 1);
	if (!e->checkpoint)
		return CAIRN_ERR_NOMEM;
	memcpy(e->checkpoint, env, envlen + 1);
	e->checkpoint_len = envlen;
	e->has_proof = 1;
	return CAIRN_OK;
}

static int sigstore_tlog(const json_t *t, tlog_entry **out, char *err, size_t errlen)
{
	json_t *logid = jsonx_obj(t, "logId"), *kv = jsonx_obj(t, "kindVersion"),
	       *promise = jsonx_obj(t, "inclusionPromise"), *proof = jsonx_obj(t, "inclusionProof");
	uint8_t *body = NULL;
	size_t blen;
	const char *kind, *ver;
	tlog_entry *e = NULL;
	int rc;

	if (!json_is_object(t)) {
		snprintf(err, errlen, "bundle: tlogEntries[0] is not an object");
		return CAIRN_ERR_INVALID;
	}
	rc = jsonx_b64(t, "canonicalizedBody", ENTRY_MAX_CANONICAL, &body, &blen);
	if (rc) {
		snprintf(err, errlen, "bundle: canonicalizedBody is missing, not base64 or too large");
		return CAIRN_ERR_INVALID;
	}
	rc = tlog_entry_new(body, blen, &e, err, errlen);
	free(body);
	if (rc)
		return rc == CAIRN_ERR_NOMEM ? rc : CAIRN_ERR_INVALID;
	rc = CAIRN_ERR_INVALID;
	if (jsonx_u64(t, "logIndex", 1, 0, &e->log_index) ||
	    jsonx_u64(t, "integratedTime", 1, 0, &e->integrated_time) || !logid ||
	    jsonx_b64_fixed(logid, "keyId", e->log_id, H)) {
		snprintf(err, errlen, "bundle: malformed logIndex, integratedTime or logId.keyId");
		goto out;
	}
	kind = kv ? jsonx_str(kv, "kind", NULL) : NULL;
	ver = kv ? jsonx_str(kv, "version", NULL) : NULL;
	if (!kind || !ver) {
		snprintf(err, errlen, "bundle: kindVersion is missing");
		goto out;
	}
	if (strcmp(kind, e->kind) != 0 || strcmp(ver, e->version) != 0) {
		/* Both come from untrusted files: print them as one safe line each. */
		char k1[20], v1[20], k2[20], v2[20];
		jsonx_oneline(kind, strlen(kind), k1, sizeof k1);
		jsonx_oneline(ver, strlen(ver), v1, sizeof v1);
		jsonx_oneline(e->kind, strlen(e->kind), k2, sizeof k2);
		jsonx_oneline(e->version, strlen(e->version), v2, sizeof v2);
		snprintf(err, errlen, "bundle: kindVersion (%s %s) is not the logged body's (%s %s)", k1, v1, k2,
		         v2);
		rc = CAIRN_ERR_VERIFY;
		goto out;
	}
	if (promise) {
		if (jsonx_b64(promise, "signedEntryTimestamp", TLOG_MAX_SET, &e->set, &e->set_len) ||
		    e->set_len == 0) {
			snprintf(err, errlen, "bundle: malformed inclusionPromise.signedEntryTimestamp");
			goto out;
		}
	}
	if (proof) {
		rc = sigstore_proof(proof, e, err, errlen);
		if (rc)
			goto out;
	}
	*out = e;
	e = NULL;
	rc = CAIRN_OK;
out:
	tlog_entry_free(e);
	return rc;
}

static int parse_sigstore(const json_t *v, bundle *b, char *err, size_t errlen)
{
	const char *mt = jsonx_str(v, "mediaType", NULL), *hint, *alg;
	json_t *vm = jsonx_obj(v, "verificationMaterial"), *pk, *tl, *ms, *md;
	size_t i, hlen;
	int known = 0, rc;

	for (i = 0; mt && i < sizeof media_types / sizeof *media_types; i++)
		known |= strcmp(mt, media_types[i]) == 0;
	if (!known) {
		snprintf(err, errlen, "bundle: unknown mediaType");
		return CAIRN_ERR_UNSUPPORTED;
	}
	if (!vm) {
		snprintf(err, errlen, "bundle: no verificationMaterial");
		return CAIRN_ERR_INVALID;
	}
	if (json_object_get(vm, "certificate") || json_object_get(vm, "x509CertificateChain")) {
		snprintf(err, errlen,
		         "bundle: certificate-based bundles are not supported (cairn verifies keys)");
		return CAIRN_ERR_UNSUPPORTED;
	}
	if (json_object_get(v, "dsseEnvelope")) {
		snprintf(err, errlen,
		         "bundle: DSSE bundles are not supported (cairn verifies message signatures)");
		return CAIRN_ERR_UNSUPPORTED;
	}
	pk = json_object_get(vm, "publicKey");
	if (pk) {
		if (!json_is_object(pk)) {
			snprintf(err, errlen, "bundle: verificationMaterial.publicKey is not an object");
			return CAIRN_ERR_INVALID;
		}
		hint = jsonx_str(pk, "hint", &hlen);
		if (hint && hlen > 0 && hlen < 1024 && !memchr(hint, 0, hlen)) {
			b->hint = strdup(hint);
			if (!b->hint)
				return CAIRN_ERR_NOMEM;
		}
	}
	tl = json_object_get(vm, "tlogEntries");
	if (!json_is_array(tl) || json_array_size(tl) != 1) {
		snprintf(err, errlen, "bundle: expected exactly one tlogEntries item, found %zu",
		         json_array_size(tl));
		return json_is_array(tl) ? CAIRN_ERR_UNSUPPORTED : CAIRN_ERR_INVALID;
	}
	rc = sigstore_tlog(json_array_get(tl, 0), &b->tlog, err, errlen);
	if (rc)
		return rc;
	ms = jsonx_obj(v, "messageSignature");
	md = ms ? jsonx_obj(ms, "messageDigest") : NULL;
	alg = md ? jsonx_str(md, "algorithm", NULL) : NULL;
	if (!md || !alg) {
		snprintf(err, errlen, "bundle: no messageSignature.messageDigest");
		return CAIRN_ERR_INVALID;
	}
	if (digest_alg(alg, &b->alg)) {
		snprintf(err, errlen, "bundle: unsupported messageDigest algorithm");
		return CAIRN_ERR_UNSUPPORTED;
	}
	{
		uint8_t *d = NULL;
		size_t dlen = 0;
		rc = jsonx_b64(md, "digest", 64, &d, &dlen);
		if (rc || dlen != tlog_digest_len(b->alg)) {
			free(d);
			snprintf(err, errlen, "bundle: messageDigest.digest is not a %s digest in base64",
			         alg);
			return CAIRN_ERR_INVALID;
		}
		memcpy(b->digest, d, dlen);
		b->digest_len = dlen;
		b->has_digest = 1;
		free(d);
	}
	if (jsonx_b64(ms, "signature", ENTRY_MAX_SIGNATURE, &b->sig, &b->sig_len) || b->sig_len == 0) {
		snprintf(err, errlen, "bundle: messageSignature.signature is missing or not base64");
		return CAIRN_ERR_INVALID;
	}
	return CAIRN_OK;
}

/* {"SignedEntryTimestamp": b64, "Payload": {body, integratedTime, logIndex, logID}} */
static int parse_rekor_bundle(const json_t *v, tlog_entry **out, char *err, size_t errlen)
{
	json_t *p = jsonx_obj(v, "Payload");
	uint8_t *body = NULL;
	size_t blen;
	tlog_entry *e = NULL;
	int rc;

	if (!p || jsonx_b64(p, "body", ENTRY_MAX_CANONICAL, &body, &blen)) {
		snprintf(err, errlen, "bundle: Payload.body is missing, not base64 or too large");
		return CAIRN_ERR_INVALID;
	}
	rc = tlog_entry_new(body, blen, &e, err, errlen);
	free(body);
	if (rc)
		return rc == CAIRN_ERR_NOMEM ? rc : CAIRN_ERR_INVALID;
	rc = CAIRN_ERR_INVALID;
	if (jsonx_u64(p, "logIndex", 0, 0, &e->log_index) ||
	    jsonx_u64(p, "integratedTime", 0, 0, &e->integrated_time) ||
	    jsonx_hex_fixed(p, "logID", e->log_id, H)) {
		snprintf(err, errlen, "bundle: malformed Payload logIndex, integratedTime or logID");
		goto out;
	}
	if (jsonx_b64(v, "SignedEntryTimestamp", TLOG_MAX_SET, &e->set, &e->set_len) || e->set_len == 0) {
		snprintf(err, errlen, "bundle: SignedEntryTimestamp is missing or not base64");
		goto out;
	}
	*out = e;
	e = NULL;
	rc = CAIRN_OK;
out:
	tlog_entry_free(e);
	return rc;
}

int bundle_parse(const char *text, size_t len, bundle **out, char *err, size_t errlen)
{
	json_t *v = NULL, *rb;
	bundle *b = NULL;
	int rc;

	rc = jsonx_parse(text, len, BUNDLE_MAX, "bundle", &v, err, errlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_NOMEM;
	b = calloc(1, sizeof *b);
	if (!b)
		goto out;
	rc = CAIRN_ERR_INVALID;
	if (!json_is_object(v)) {
		snprintf(err, errlen, "bundle: not a JSON object");
		goto out;
	}
	if (json_object_get(v, "mediaType")) {
		b->format = BUNDLE_SIGSTORE;
		rc = parse_sigstore(v, b, err, errlen);
	} else if (json_object_get(v, "SignedEntryTimestamp")) {
		b->format = BUNDLE_COSIGN_REKOR;
		rc = parse_rekor_bundle(v, &b->tlog, err, errlen);
	} else if (jsonx_obj(v, "rekorBundle")) {
		rb = jsonx_obj(v, "rekorBundle");
		b->format = BUNDLE_COSIGN_BLOB;
		if (json_object_get(v, "cert") && !json_is_null(json_object_get(v, "cert")) &&
		    json_string_length(json_object_get(v, "cert")) > 0) {
			snprintf(err, errlen,
			         "bundle: certificate-based bundles are not supported (cairn verifies keys)");
			rc = CAIRN_ERR_UNSUPPORTED;
			goto out;
		}
		rc = parse_rekor_bundle(rb, &b->tlog, err, errlen);
		if (!rc && (jsonx_b64(v, "base64Signature", ENTRY_MAX_SIGNATURE, &b->sig, &b->sig_len) ||
		            b->sig_len == 0)) {
			snprintf(err, errlen, "bundle: base64Signature is missing or not base64");
			rc = CAIRN_ERR_INVALID;
		}
	} else {
		snprintf(err, errlen, "bundle: neither a Sigstore bundle nor a cosign bundle");
	}
	if (rc)
		goto out;
	*out = b;
	b = NULL;
out:
	if (rc == CAIRN_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	bundle_free(b);
	json_decref(v);
	return rc;
}

int bundle_key_hint(const keys_key *k, char out[45])
{
	uint8_t *der = NULL, d[32];
	size_t len;
	unsigned int n = 0;
	int rc = keys_public_der(k, &der, &len);
	if (rc)
		return rc;
	if (EVP_Digest(der, len, d, &n, EVP_sha256(), NULL) != 1)
		rc = CAIRN_ERR_CRYPTO;
	else
		codec_b64_encode(d, 32, out);
	free(der);
	return rc;
}

/* Decimal string of v, as protobuf JSON writes int64. */
static json_t *int64_str(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return json_string(buf);
}

static json_t *b64_str(const uint8_t *p, size_t len)
{
	char *s = codec_b64_encode_alloc(p, len);
	json_t *v = s ? json_string(s) : NULL;
	free(s);
	return v;
}

/* Steals v into obj[key]; a NULL v (failed allocation) fails the whole. */
static int put(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v);
}

static json_t *sigstore_tlog_json(const tlog_entry *e)
{
	json_t *t = json_object(), *p = NULL, *hs = NULL;
	int bad = !t;

	bad = bad || put(t, "logIndex", int64_str(e->log_index));
	bad = bad || put(t, "logId", json_pack("{s:o}", "keyId", b64_str(e->log_id, H)));
	bad = bad || put(t, "kindVersion", json_pack("{s:s,s:s}", "kind", e->kind, "version", e->version));
	bad = bad || put(t, "integratedTime", int64_str(e->integrated_time));
	if (e->set)
		bad = bad || put(t, "inclusionPromise",
		                 json_pack("{s:o}", "signedEntryTimestamp", b64_str(e->set, e->set_len)));
	if (e->has_proof) {
		hs = json_array();
		for (size_t i = 0; hs && !bad && i < e->nhashes; i++)
			bad = json_array_append_new(hs, b64_str(e->hashes[i], H)) != 0;
		p = json_object();
		bad = bad || !p || !hs;
		bad = bad || put(p, "logIndex", int64_str(e->proof_index));
		bad = bad || put(p, "rootHash", b64_str(e->root, H));
		bad = bad || put(p, "treeSize", int64_str(e->tree_size));
		if (!bad) {
			bad = put(p, "hashes", hs);
			hs = NULL;
		}
		bad = bad ||
		      put(p, "checkpoint", json_pack("{s:s%}", "envelope", e->checkpoint, e->checkpoint_len));
		if (!bad) {
			bad = put(t, "inclusionProof", p);
			p = NULL;
		}
	}
	bad = bad || put(t, "canonicalizedBody", b64_str(e->body, e->body_len));
	json_decref(hs);
	json_decref(p);
	if (bad) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* json_dumps into *out; pretty output ends in a newline, as a file should. */
static int dump(json_t *v, int pretty, char **out, size_t *len)
{
	size_t flags = pretty ? JSON_INDENT(2) : JSON_COMPACT;
	char *s = json_dumps(v, flags);
	size_t n;
	if (!s)
		return CAIRN_ERR_NOMEM;
	n = strlen(s);
	if (pretty) {
		char *t = realloc(s, n + 2);
		if (!t) {
			free(s);
			return CAIRN_ERR_NOMEM;
		}
		s = t;
		s[n++] = '\n';
		s[n] = '\0';
	}
	*out = s;
	*len = n;
	return CAIRN_OK;
}

int bundle_sigstore_json(const tlog_entry *e, const char *hint, keys_digest alg, const uint8_t *digest,
                         size_t dlen, const uint8_t *sig, size_t siglen, char **out, size_t *len)
{
	json_t *v = NULL, *vm = NULL, *t = NULL;
	int rc = CAIRN_ERR_NOMEM;

	if (dlen != tlog_digest_len(alg))
		return CAIRN_ERR_INVALID;
	t = sigstore_tlog_json(e);
	if (!t)
		goto out;
	vm = json_object();
	if (!vm || (hint && put(vm, "publicKey", json_pack("{s:s}", "hint", hint))) ||
	    put(vm, "tlogEntries", json_pack("[O]", t)) ||
	    put(vm, "timestampVerificationData", json_object()))
		goto out;
	v = json_pack("{s:s,s:O,s:{s:{s:s,s:o},s:o}}", "mediaType", BUNDLE_MEDIA_TYPE, "verificationMaterial",
	              vm, "messageSignature", "messageDigest", "algorithm", digest_alg_name(alg), "digest",
	              b64_str(digest, dlen), "signature", b64_str(sig, siglen));
	if (!v)
		goto out;
	rc = dump(v, 1, out, len);
out:
	json_decref(t);
	json_decref(vm);
	json_decref(v);
	return rc;
}

int bundle_cosign_json(const tlog_entry *e, char **out, size_t *len)
{
	char logid[2 * H + 1];
	json_t *v;
	int rc;

	if (!e->set || e->integrated_time > INT64_MAX || e->log_index > INT64_MAX)
		return CAIRN_ERR_INVALID;
	codec_hex_encode(e->log_id, H, logid);
	v = json_pack("{s:o,s:{s:o,s:I,s:I,s:s}}", "SignedEntryTimestamp", b64_str(e->set, e->set_len),
	              "Payload", "body", b64_str(e->body, e->body_len), "integratedTime",
	              (json_int_t)e->integrated_time, "logIndex", (json_int_t)e->log_index, "logID", logid);
	if (!v)
		return CAIRN_ERR_NOMEM;
	rc = dump(v, 0, out, len);
	json_decref(v);
	return rc;
}
