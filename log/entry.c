/* cairn: hashedrekord and dsse entries, canonicalized as Rekor v1 does.
 *
 * Sources of the rules (github.com/sigstore/rekor unless noted):
 *  - pkg/types/entries.go CanonicalizeEntry: the logged body is the RFC 8785
 *    form of what the type's Canonicalize() marshals.
 *  - pkg/types/hashedrekord/v0.0.1/entry.go validate/Canonicalize/IndexKeys.
 *  - pkg/types/dsse/v0.0.1/entry.go Unmarshal/verifyEnvelope/Canonicalize/
 *    IndexKeys, with go-securesystemslib dsse/verify.go (each verifier
 *    accepts at most one signature, and must accept one).
 *  - pkg/pki/x509/x509.go CanonicalValue: a key is re-marshalled as a
 *    "PUBLIC KEY" PEM, a certificate as a "CERTIFICATE" PEM of its raw DER;
 *    Subjects() is sigstore cryptoutils GetSubjectAlternateNames.
 *  - pkg/indexstorage/redis/redis.go: index keys are lowercased on write.
 *  - sigstore/sigstore pkg/signature/verifier.go LoadVerifier: DSSE ECDSA
 *    signatures are over SHA-256 whatever the curve. */
#define _POSIX_C_SOURCE 200809L

#include "entry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "jcs.h"
#include "merkle.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define API_VERSION "0.0.1"
#define INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
/* Fulcio's username SAN (sigstore cryptoutils OIDOtherName). */
#define FULCIO_OTHERNAME_OID "1.3.6.1.4.1.57264.1.7"

/* Per-call state: where the error message goes, and whether a dsse spec may
 * come in its canonical form (lookups only). */
typedef struct ctx {
	char *err;
	size_t errlen;
	int lookup;
} ctx;

/* A verifier of a signature: the key, its canonical PEM, and the certificate
 * it came from (NULL for a bare key). */
typedef struct signer {
	keys_key *key;
	char *pem;
	size_t pem_len;
	X509 *cert;
	char hash[65]; /* lowercase hex SHA-256 of pem: the key's index value */
} signer;

static int fail(const ctx *c, int rc, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Writes the reason for rc to c->err and returns rc. */
static int fail(const ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!c->err || c->errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	/* Parser messages may quote client bytes; the reason goes into a JSON
	 * error body and a log line, so it is kept to printable ASCII. */
	for (char *p = c->err; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	}
	return rc;
}

/* A client's string fit to quote in a message: at most 32 bytes, anything
 * but printable ASCII (and quotes and backslashes) shown as '?'. */
static const char *quotable(const char *s, size_t n, char out[40])
{
	size_t i, m = n > 32 ? 32 : n;

	for (i = 0; i < m; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[i] = ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' ? '?' : (char)ch;
	}
	if (n > m) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	default:
		return "of another type";
	}
}

/* Fetches obj[name], which must exist and be of type want; path names it. */
static int member(const ctx *c, const json_t *obj, const char *name, json_type want, const char *path,
                  json_t **out)
{
	json_t *v = json_object_get(obj, name);

	if (!v)
		return fail(c, CAIRN_ERR_SCHEMA, "missing %s", path);
	if (json_typeof(v) != want)
		return fail(c, CAIRN_ERR_SCHEMA, "%s must be %s", path, type_name(want));
	*out = v;
	return CAIRN_OK;
}

/* Does the JSON text nest at most ENTRY_MAX_DEPTH containers? Checked before
 * parsing so that jansson never recurses deeper than our cap. Malformed text
 * is left for the parser to reject. */
int entry_json_depth_ok(const char *s, size_t n)
{
	size_t depth = 0;
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"') {
			in_str = 1;
		} else if (ch == '{' || ch == '[') {
			if (++depth > ENTRY_MAX_DEPTH)
				return 0;
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return 1;
}

/* As entry_json_depth_ok for a parsed value; v sits at nesting level depth. The
 * recursion stops one level past the cap. */
static int value_depth_ok(const json_t *v, size_t depth)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		if (depth > ENTRY_MAX_DEPTH)
			return 0;
		/* json_object_foreach needs a non-const object; it only reads. */
		json_object_foreach((json_t *)v, k, m)
		{
			if (!value_depth_ok(m, depth + 1))
				return 0;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		if (depth > ENTRY_MAX_DEPTH)
			return 0;
		json_array_foreach(v, i, m)
		{
			if (!value_depth_ok(m, depth + 1))
				return 0;
		}
	}
	return 1;
}

/* Parses JSON text strictly: depth cap, no duplicate keys, valid UTF-8, no
 * trailing data, no \u0000. what names the text in messages. */
static int load_json(const ctx *c, const char *text, size_t len, const char *what, json_t **out)
{
	json_error_t jerr;
	json_t *v;

	if (!entry_json_depth_ok(text, len))
		return fail(c, CAIRN_ERR_INVALID, "%s is too deeply nested (more than %d levels)", what,
		            ENTRY_MAX_DEPTH);
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return fail(c, CAIRN_ERR_NOMEM, "out of memory");
		return fail(c, CAIRN_ERR_INVALID, "%s is not valid JSON: %s (line %d, column %d)", what,
		            jerr.text, jerr.line, jerr.column);
	}
	*out = v;
	return CAIRN_OK;
}

/* Decodes a base64 string member into a new buffer of at most max bytes;
 * caller frees *out with free(). */
static int b64_member(const ctx *c, const json_t *s, const char *path, size_t max, uint8_t **out,
                      size_t *outlen)
{
	int rc = codec_b64_decode_alloc(json_string_value(s), json_string_length(s), max, out, outlen);

	if (rc == CAIRN_ERR_NOMEM)
		return fail(c, rc, "out of memory");
	if (rc == CAIRN_ERR_TOO_LARGE)
		return fail(c, CAIRN_ERR_INVALID, "%s decodes to more than %zu bytes", path, max);
	if (rc)
		return fail(c, CAIRN_ERR_INVALID, "%s is not valid base64", path);
	return CAIRN_OK;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* "-----BEGIN label-----\n", the base64 of der in 64-column lines,
 * "-----END label-----\n": Go's pem.Encode, which Rekor's CanonicalValue
 * uses. Caller frees *out with free(). */
static int pem_encode(const char *label, const uint8_t *der, size_t len, char **out, size_t *outlen)
{
	size_t cap = 2 * (strlen(label) + 16) + codec_b64_encoded_len(len) + len / 48 + 2;
	char *buf = malloc(cap);
	size_t o;

	if (!buf)
		return CAIRN_ERR_NOMEM;
	o = (size_t)snprintf(buf, cap, "-----BEGIN %s-----\n", label);
	for (size_t i = 0; i < len; i += 48) {
		size_t chunk = len - i < 48 ? len - i : 48;
		o += codec_b64_encode(der + i, chunk, buf + o);
		buf[o++] = '\n';
	}
	o += (size_t)snprintf(buf + o, cap - o, "-----END %s-----\n", label);
	*out = buf;
	*outlen = o;
	return CAIRN_OK;
}

/* The DER inside a "CERTIFICATE" PEM that keys_from_public_pem has already
 * accepted (so its framing is known to be well formed). Caller frees *der. */
static int cert_der(const char *pem, size_t len, uint8_t **der, size_t *derlen)
{
	const char *p = pem, *end = pem + len, *body, *close;
	char *b64 = NULL;
	size_t n = 0;
	int rc;

	while (p < end && is_space(*p))
		p++;
	body = memchr(p, '\n', (size_t)(end - p));
	if (!body)
		return CAIRN_ERR_INVALID;
	body++;
	for (close = body; close + 5 <= end && memcmp(close, "-----", 5) != 0; close++)
		;
	if (close + 5 > end)
		return CAIRN_ERR_INVALID;
	b64 = malloc((size_t)(close - body) + 1);
	if (!b64)
		return CAIRN_ERR_NOMEM;
	for (const char *q = body; q < close; q++) {
		if (!is_space(*q))
			b64[n++] = *q;
	}
	rc = codec_b64_decode_alloc(b64, n, KEYS_MAX_PEM, der, derlen);
	free(b64);
	return rc;
}

static int starts_with_label(const char *pem, size_t len, const char *begin)
{
	size_t i = 0, n = strlen(begin);

	while (i < len && is_space(pem[i]))
		i++;
	return len - i >= n && memcmp(pem + i, begin, n) == 0;
}

/* The canonical PEM of a key or certificate PEM that parsed as k: the SPKI
 * re-encoded for a key, the certificate's DER re-wrapped for a certificate
 * (whose parsed form goes to *cert when cert is not NULL). */
static int canonical_pem(const keys_key *k, const char *pem, size_t len, char **out, size_t *outlen,
                         X509 **cert)
{
	uint8_t *der = NULL;
	const uint8_t *p;
	size_t derlen = 0;
	X509 *x = NULL;
	int rc;

	if (!starts_with_label(pem, len, "-----BEGIN CERTIFICATE-----"))
		return keys_public_pem(k, out, outlen);
	rc = cert_der(pem, len, &der, &derlen);
	if (rc)
		goto out;
	p = der;
	x = d2i_X509(NULL, &p, (long)derlen);
	if (!x || p != der + derlen) {
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	rc = pem_encode("CERTIFICATE", der, derlen, out, outlen);
	if (rc)
		goto out;
	if (cert) {
		*cert = x;
		x = NULL;
	}
out:
	X509_free(x);
	free(der);
	ERR_clear_error();
	return rc;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[32];

	/* SHA-256 over memory cannot fail short of a broken library. */
	if (EVP_Digest(data, len, d, NULL, EVP_sha256(), NULL) != 1)
		memset(d, 0, sizeof(d));
	codec_hex_encode(d, sizeof(d), out);
}

static void signer_clear(signer *s)
{
	keys_free(s->key);
	free(s->pem);
	X509_free(s->cert);
	memset(s, 0, sizeof(*s));
}

/* Loads the PEM text of a verifier (path names it in messages). */
static int signer_load(const ctx *c, const char *pem, size_t len, const char *path, signer *s)
{
	int rc = keys_from_public_pem(pem, len, &s->key);

	if (rc == CAIRN_ERR_NOMEM)
		return fail(c, rc, "out of memory");
	if (rc == CAIRN_ERR_UNSUPPORTED)
		return fail(c, rc,
		            "%s holds an unsupported key type (supported: ECDSA P-256/P-384/P-521, "
		            "RSA 2048-4096, Ed25519)",
		            path);
	if (rc)
		return fail(c, CAIRN_ERR_INVALID, "%s is not a valid PEM public key or certificate", path);
	rc = canonical_pem(s->key, pem, len, &s->pem, &s->pem_len, &s->cert);
	if (rc == CAIRN_ERR_NOMEM)
		return fail(c, rc, "out of memory");
	if (rc)
		return fail(c, rc, "%s could not be re-encoded", path);
	sha256_hex(s->pem, s->pem_len, s->hash);
	return CAIRN_OK;
}

/* Decodes a base64 PEM member and loads it. */
static int signer_load_b64(const ctx *c, const json_t *str, const char *path, signer *s)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	int rc = b64_member(c, str, path, KEYS_MAX_PEM, &pem, &len);

	if (rc)
		return rc;
	rc = signer_load(c, (const char *)pem, len, path, s);
	free(pem);
	return rc;
}

/* --- index keys ---------------------------------------------------------- */

/* Adds a || b, lowercased, unless already present. Keys too long, not
 * printable ASCII or past ENTRY_MAX_KEYS are dropped and flagged. */
static void add_key(entry *e, entry_index_kind kind, const char *a, size_t alen, const char *b, size_t blen)
{
	char v[ENTRY_MAX_KEY_LEN + 1];
	size_t n = alen + blen;

	if (n == 0 || n > ENTRY_MAX_KEY_LEN || alen > ENTRY_MAX_KEY_LEN) {
		e->keys_dropped = 1;
		return;
	}
	memcpy(v, a, alen);
	memcpy(v + alen, b, blen);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch > 0x7e) {
			e->keys_dropped = 1;
			return;
		}
		if (ch >= 'A' && ch <= 'Z')
			v[i] = (char)(ch - 'A' + 'a');
	}
	v[n] = '\0';
	for (size_t i = 0; i < e->nkeys; i++) {
		if (e->keys[i].len == n && memcmp(e->keys[i].value, v, n) == 0)
			return;
	}
	if (e->nkeys == ENTRY_MAX_KEYS) {
		e->keys_dropped = 1;
		return;
	}
	e->keys[e->nkeys].kind = kind;
	memcpy(e->keys[e->nkeys].value, v, n + 1);
	e->keys[e->nkeys].len = n;
	e->nkeys++;
}

static void add_str(entry *e, entry_index_kind kind, const char *s)
{
	add_key(e, kind, "", 0, s, strlen(s));
}

static void add_asn1(entry *e, const ASN1_STRING *s)
{
	add_key(e, ENTRY_INDEX_KEY, "", 0, (const char *)ASN1_STRING_get0_data(s),
	        (size_t)ASN1_STRING_length(s));
}

/* Go's net.IP.String(): dotted quad for IPv4 (also IPv4-mapped IPv6), else
 * lowercase hex groups with the longest run of two or more zero groups
 * (the first such run on a tie) written "::". */
static void add_ip(entry *e, const ASN1_OCTET_STRING *ip)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *b = ASN1_STRING_get0_data(ip);
	int n = ASN1_STRING_length(ip);
	char out[64];
	size_t o = 0;

	if (n == 16 && memcmp(b, v4mapped, 12) == 0) {
		b += 12;
		n = 4;
	}
	if (n == 4) {
		snprintf(out, sizeof(out), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		add_str(e, ENTRY_INDEX_KEY, out);
		return;
	}
	if (n != 16) {
		e->keys_dropped = 1;
		return;
	}
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			out[o++] = ':';
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%x",
		                      (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
	}
	out[o] = '\0';
	add_str(e, ENTRY_INDEX_KEY, out);
}

/* The certificate's subject alternative names in the order of sigstore's
 * GetSubjectAlternateNames: DNS names, emails, IPs, URIs, then the Fulcio
 * OtherName (only when it is the one and only OtherName, as there). */
static void add_sans(entry *e, const X509 *x)
{
	static const int order[] = {GEN_DNS, GEN_EMAIL, GEN_IPADD, GEN_URI};
	GENERAL_NAMES *gens;
	const ASN1_UTF8STRING *other = NULL;
	int crit = 0, nother = 0, bad_other = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (!gens) {
		/* -1: no SAN extension; anything else is a malformed one. */
		if (crit != -1)
			e->keys_dropped = 1;
		ERR_clear_error();
		return;
	}
	for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++) {
		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
			if (g->type != order[t])
				continue;
			if (g->type == GEN_IPADD)
				add_ip(e, g->d.iPAddress);
			else
				add_asn1(e, g->d.ia5);
		}
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char oid[64];
		if (g->type != GEN_OTHERNAME)
			continue;
		nother++;
		if (OBJ_obj2txt(oid, sizeof(oid), g->d.otherName->type_id, 1) <= 0 ||
		    strcmp(oid, FULCIO_OTHERNAME_OID) != 0 || !g->d.otherName->value ||
		    g->d.otherName->value->type != V_ASN1_UTF8STRING)
			bad_other = 1;
		else
			other = g->d.otherName->value->value.utf8string;
	}
	if (nother == 1 && !bad_other)
		add_asn1(e, other);
	GENERAL_NAMES_free(gens);
}

/* --- canonical body ------------------------------------------------------ */

/* Serializes body (consumed) as the entry's canonical form and leaf hash. */
static int finish(const ctx *c, entry *e, json_t *body)
{
	char *out = NULL;
	size_t len = 0;
	int rc;

	if (!body)
		return fail(c, CAIRN_ERR_NOMEM, "out of memory");
	rc = jcs_serialize(body, &out, &len);
	json_decref(body);
	if (rc == CAIRN_ERR_NOMEM)
		return fail(c, rc, "out of memory");
	if (rc)
		return fail(c, CAIRN_ERR_INVALID, "the entry could not be canonicalized");
	if (len > ENTRY_MAX_CANONICAL) {
		free(out);
		return fail(c, CAIRN_ERR_TOO_LARGE,
		            "the canonical entry is %zu bytes, over the %d-byte limit", len,
		            ENTRY_MAX_CANONICAL);
	}
	e->canonical = out;
	e->canonical_len = len;
	merkle_leaf_hash((const uint8_t *)out, len, e->leaf);
	return CAIRN_OK;
}

/* Validates a "<algorithm>:hex" digest pair; *alg and *dlen say what it is.
 * hex_out receives the lowercased digits. */
static int check_digest(const ctx *c, const json_t *alg, const json_t *val, const char *path, keys_digest *kd,
                        uint8_t digest[64], size_t *dlen, char hex_out[129])
{
	const char *a = json_string_value(alg), *v = json_string_value(val);
	size_t vlen = json_string_length(val);
	char q[40];

	if (strcmp(a, "sha256") == 0 && json_string_length(alg) == 6) {
		*kd = KEYS_SHA256;
		*dlen = 32;
	} else if (strcmp(a, "sha384") == 0 && json_string_length(alg) == 6) {
		*kd = KEYS_SHA384;
		*dlen = 48;
	} else if (strcmp(a, "sha512") == 0 && json_string_length(alg) == 6) {
		*kd = KEYS_SHA512;
		*dlen = 64;
	} else {
		return fail(c, CAIRN_ERR_UNSUPPORTED, "unsupported hash algorithm \"%s\" in %s",
		            quotable(a, json_string_length(alg), q), path);
	}
	if (vlen != 2 * *dlen || codec_hex_decode(v, vlen, digest, *dlen) != CAIRN_OK)
		return fail(c, CAIRN_ERR_INVALID, "hash value must be %zu hex digits for %s", 2 * *dlen, a);
	codec_hex_encode(digest, *dlen, hex_out);
	return CAIRN_OK;
}

/* --- hashedrekord 0.0.1 -------------------------------------------------- */

static int hashedrekord(const ctx *c, const json_t *spec, entry *e)
{
	json_t *sig, *sigc, *pk, *pkc, *data, *hash, *alg, *val;
	uint8_t *sigb = NULL, digest[64];
	size_t siglen = 0, dlen = 0;
	char hex[129], *sig64 = NULL, *pem64 = NULL;
	keys_digest kd;
	signer s = {0};
	int rc;

	/* Shape first, so a missing member is reported before bad content. */
	rc = member(c, spec, "signature", JSON_OBJECT, "spec.signature", &sig);
	if (!rc)
		rc = member(c, sig, "content", JSON_STRING, "spec.signature.content", &sigc);
	if (!rc)
		rc = member(c, sig, "publicKey", JSON_OBJECT, "spec.signature.publicKey", &pk);
	if (!rc)
		rc = member(c, pk, "content", JSON_STRING, "spec.signature.publicKey.content", &pkc);
	if (!rc)
		rc = member(c, spec, "data", JSON_OBJECT, "spec.data", &data);
	if (!rc)
		rc = member(c, data, "hash", JSON_OBJECT, "spec.data.hash", &hash);
	if (!rc)
		rc = member(c, hash, "algorithm", JSON_STRING, "spec.data.hash.algorithm", &alg);
	if (!rc)
		rc = member(c, hash, "value", JSON_STRING, "spec.data.hash.value", &val);
	if (rc)
		goto out;

	rc = check_digest(c, alg, val, "spec.data.hash.algorithm", &kd, digest, &dlen, hex);
	if (rc)
		goto out;
	if (json_string_length(sigc) == 0) {
		rc = fail(c, CAIRN_ERR_INVALID, "spec.signature.content is empty");
		goto out;
	}
	rc = b64_member(c, sigc, "spec.signature.content", ENTRY_MAX_SIGNATURE, &sigb, &siglen);
	if (rc)
		goto out;
	rc = signer_load_b64(c, pkc, "spec.signature.publicKey.content", &s);
	if (rc)
		goto out;
	if (keys_type_of(s.key) == KEYS_ED25519) {
		rc = fail(c, CAIRN_ERR_UNSUPPORTED,
		          "Ed25519 keys are not supported for hashedrekord: Rekor verifies them "
		          "as Ed25519ph, which this build cannot check");
		goto out;
	}
	rc = keys_verify_digest(s.key, kd, digest, dlen, sigb, siglen);
	if (rc == CAIRN_ERR_VERIFY)
		rc = fail(c, rc, "signature verification failed");
	else if (rc)
		rc = fail(c, rc, "signature check failed: %s", cairn_strerror(rc));
	if (rc)
		goto out;

	sig64 = codec_b64_encode_alloc(sigb, siglen);
	pem64 = codec_b64_encode_alloc((const uint8_t *)s.pem, s.pem_len);
	if (!sig64 || !pem64) {
		rc = fail(c, CAIRN_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = finish(c, e,
	            json_pack("{s:s, s:s, s:{s:{s:{s:s, s:s}}, s:{s:s, s:{s:s}}}}", "apiVersion", API_VERSION,
	                      "kind", "hashedrekord", "spec", "data", "hash", "algorithm",
	                      json_string_value(alg), "value", hex, "signature", "content", sig64,
	                      "publicKey", "content", pem64));
	if (rc)
		goto out;

	/* IndexKeys: the canonical key's hash, its SANs, the artifact digest. */
	add_str(e, ENTRY_INDEX_KEY, s.hash);
	if (s.cert)
		add_sans(e, s.cert);
	{
		char pre[8]; /* "sha256:", "sha384:" or "sha512:" */
		int n = snprintf(pre, sizeof(pre), "%s:", json_string_value(alg));
		add_key(e, ENTRY_INDEX_HASH, pre, (size_t)n, hex, 2 * dlen);
	}
	e->verified = 1;
out:
	free(sig64);
	free(pem64);
	free(sigb);
	signer_clear(&s);
	return rc;
}

/* --- dsse 0.0.1 ---------------------------------------------------------- */

/* One envelope signature, or one signature of a canonical dsse spec. */
typedef struct dsig {
	const char *b64; /* as given: it is logged verbatim */
	uint8_t *raw;
	size_t rawlen;
	size_t rep; /* index of the first signature with the same text */
	int owner;  /* index of the signer that accepted it, or -1 */
} dsig;

/* Inserts signatures order[0..n) sorted by their text (Go's string order),
 * stably, so that identical texts keep their order. */
static void sort_sigs(const dsig *sigs, size_t *order, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], j = i;
		while (j > 0 && strcmp(sigs[order[j - 1]].b64, sigs[v].b64) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

/* "<algorithm>:<digest>" keys of an in-toto statement's subjects and of a
 * SLSA v0.2 predicate's materials, as Rekor's dsse IndexKeys adds them. A
 * payload that does not parse gives no such keys (and sets keys_dropped). */
static void add_intoto_keys(entry *e, const uint8_t *payload, size_t len)
{
	static const char *const lists[2][2] = {{"subject", NULL}, {"predicate", "materials"}};
	json_t *st = NULL;
	json_error_t jerr;

	if (!entry_json_depth_ok((const char *)payload, len)) {
		e->keys_dropped = 1;
		return;
	}
	st = json_loadb((const char *)payload, len, 0, &jerr);
	if (!st || !json_is_object(st)) {
		e->keys_dropped = 1;
		goto out;
	}
	for (size_t l = 0; l < 2; l++) {
		json_t *arr = json_object_get(st, lists[l][0]), *item;
		size_t i;
		if (lists[l][1])
			arr = json_object_get(arr, lists[l][1]);
		json_array_foreach(arr, i, item)
		{
			json_t *dig = json_object_get(item, "digest"), *dv;
			const char *alg;
			json_object_foreach(dig, alg, dv)
			{
				if (!json_is_string(dv)) {
					e->keys_dropped = 1;
					continue;
				}
				char pre[ENTRY_MAX_KEY_LEN + 2];
				size_t alen = strlen(alg);
				if (alen > ENTRY_MAX_KEY_LEN) {
					e->keys_dropped = 1;
					continue;
				}
				memcpy(pre, alg, alen);
				pre[alen] = ':';
				add_key(e, ENTRY_INDEX_HASH, pre, alen + 1, json_string_value(dv),
				        json_string_length(dv));
			}
		}
	}
out:
	json_decref(st);
}

/* Builds the canonical dsse body from verified (or, for a lookup, given)
 * parts and adds the index keys every dsse entry has. */
static int dsse_finish(const ctx *c, entry *e, const char *envhex, const char *payhex, const dsig *sigs,
                       const size_t *order, size_t n, const signer *signers)
{
	json_t *arr = json_array(), *body = NULL;
	char *pem64 = NULL;
	int rc = CAIRN_OK;

	if (!arr)
		return fail(c, CAIRN_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		const dsig *d = &sigs[order[i]];
		const signer *s = &signers[d->owner];
		pem64 = codec_b64_encode_alloc((const uint8_t *)s->pem, s->pem_len);
		if (!pem64 || json_array_append_new(
		                  arr, json_pack("{s:s, s:s}", "signature", d->b64, "verifier", pem64)) != 0)
			rc = fail(c, CAIRN_ERR_NOMEM, "out of memory");
		free(pem64);
	}
	if (rc)
		goto out;
	body = json_pack("{s:s, s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}, s:O}}", "apiVersion", API_VERSION, "kind",
	                 "dsse", "spec", "envelopeHash", "algorithm", "sha256", "value", envhex,
	                 "payloadHash", "algorithm", "sha256", "value", payhex, "signatures", arr);
	rc = finish(c, e, body);
	if (rc)
		goto out;
	/* IndexKeys: per signature (in logged order) "sha256:<key hash>" as Rekor
	 * files it (only a hash query can reach it there, so it is a hash key
	 * here), the bare hash that Rekor's public-key search looks up (which
	 * Rekor itself never files for dsse), the certificate's SANs; then the
	 * payload and envelope digests. */
	for (size_t i = 0; i < n; i++) {
		const signer *s = &signers[sigs[order[i]].owner];
		add_key(e, ENTRY_INDEX_HASH, "sha256:", 7, s->hash, 64);
		add_str(e, ENTRY_INDEX_KEY, s->hash);
		if (s->cert)
			add_sans(e, s->cert);
	}
	add_key(e, ENTRY_INDEX_HASH, "sha256:", 7, payhex, 64);
	add_key(e, ENTRY_INDEX_HASH, "sha256:", 7, envhex, 64);
out:
	json_decref(arr);
	return rc;
}

/* One DSSE signature check, as Rekor's LoadVerifier(key, crypto.SHA256):
 * pure Ed25519 over the PAE; ECDSA (DER or r||s) and RSA PKCS#1 v1.5 over
 * SHA-256(PAE) whatever the curve or modulus. */
static int dsse_verify_one(const keys_key *k, const uint8_t *pae, size_t paelen, const uint8_t digest[32],
                           const uint8_t *sig, size_t siglen)
{
	if (keys_type_of(k) == KEYS_ED25519)
		return keys_verify(k, pae, paelen, sig, siglen);
	return keys_verify_digest(k, KEYS_SHA256, digest, 32, sig, siglen);
}

/* A dsse spec in its canonical form (lookups only): nothing to verify, the
 * parts are checked and re-canonicalized. */
static int dsse_canonical(const ctx *c, const json_t *spec, entry *e)
{
	json_t *eh, *ph, *arr, *a, *v, *item;
	dsig sigs[ENTRY_MAX_DSSE_SIGNATURES];
	signer signers[ENTRY_MAX_DSSE_SIGNATURES];
	size_t order[ENTRY_MAX_DSSE_SIGNATURES], n = 0, i, dlen;
	char envhex[129], payhex[129], path[96];
	uint8_t digest[64];
	keys_digest kd;
	int rc;

	memset(sigs, 0, sizeof(sigs));
	memset(signers, 0, sizeof(signers));
	rc = member(c, spec, "envelopeHash", JSON_OBJECT, "spec.envelopeHash", &eh);
	if (!rc)
		rc = member(c, eh, "algorithm", JSON_STRING, "spec.envelopeHash.algorithm", &a);
	if (!rc)
		rc = member(c, eh, "value", JSON_STRING, "spec.envelopeHash.value", &v);
	if (!rc)
		rc = check_digest(c, a, v, "spec.envelopeHash", &kd, digest, &dlen, envhex);
	if (!rc && kd != KEYS_SHA256)
		rc = fail(c, CAIRN_ERR_UNSUPPORTED, "spec.envelopeHash.algorithm must be sha256");
	if (!rc)
		rc = member(c, spec, "payloadHash", JSON_OBJECT, "spec.payloadHash", &ph);
	if (!rc)
		rc = member(c, ph, "algorithm", JSON_STRING, "spec.payloadHash.algorithm", &a);
	if (!rc)
		rc = member(c, ph, "value", JSON_STRING, "spec.payloadHash.value", &v);
	if (!rc)
		rc = check_digest(c, a, v, "spec.payloadHash", &kd, digest, &dlen, payhex);
	if (!rc && kd != KEYS_SHA256)
		rc = fail(c, CAIRN_ERR_UNSUPPORTED, "spec.payloadHash.algorithm must be sha256");
	if (!rc)
		rc = member(c, spec, "signatures", JSON_ARRAY, "spec.signatures", &arr);
	if (rc)
		goto out;
	if (json_array_size(arr) == 0) {
		rc = fail(c, CAIRN_ERR_SCHEMA, "spec.signatures must not be empty");
		goto out;
	}
	if (json_array_size(arr) > ENTRY_MAX_DSSE_SIGNATURES) {
		rc = fail(c, CAIRN_ERR_INVALID, "more than %d signatures", ENTRY_MAX_DSSE_SIGNATURES);
		goto out;
	}
	json_array_foreach(arr, i, item)
	{
		json_t *sv, *vv;
		snprintf(path, sizeof(path), "spec.signatures[%zu]", i);
		if (!json_is_object(item)) {
			rc = fail(c, CAIRN_ERR_SCHEMA, "%s must be an object", path);
			goto out;
		}
		snprintf(path, sizeof(path), "spec.signatures[%zu].signature", i);
		rc = member(c, item, "signature", JSON_STRING, path, &sv);
		if (!rc)
			rc = b64_member(c, sv, path, ENTRY_MAX_SIGNATURE, &sigs[i].raw, &sigs[i].rawlen);
		if (rc)
			goto out;
		snprintf(path, sizeof(path), "spec.signatures[%zu].verifier", i);
		rc = member(c, item, "verifier", JSON_STRING, path, &vv);
		if (!rc)
			rc = signer_load_b64(c, vv, path, &signers[i]);
		if (rc)
			goto out;
		sigs[i].b64 = json_string_value(sv);
		sigs[i].owner = (int)i;
		order[i] = i;
		n++;
	}
	sort_sigs(sigs, order, n);
	rc = dsse_finish(c, e, envhex, payhex, sigs, order, n, signers);
out:
	for (i = 0; i < ENTRY_MAX_DSSE_SIGNATURES; i++) {
		free(sigs[i].raw);
		signer_clear(&signers[i]);
	}
	return rc;
}

/* The envelope's members, checked for shape. */
static int envelope_shape(const ctx *c, const json_t *env, json_t **ptype, json_t **payload, json_t **arr)
{
	json_t *item;
	size_t i;
	char path[64];
	int rc;

	if (!json_is_object(env))
		return fail(c, CAIRN_ERR_SCHEMA, "the DSSE envelope must be a JSON object");
	rc = member(c, env, "payloadType", JSON_STRING, "envelope.payloadType", ptype);
	if (!rc)
		rc = member(c, env, "payload", JSON_STRING, "envelope.payload", payload);
	if (!rc)
		rc = member(c, env, "signatures", JSON_ARRAY, "envelope.signatures", arr);
	if (rc)
		return rc;
	if (json_array_size(*arr) == 0)
		return fail(c, CAIRN_ERR_SCHEMA, "envelope.signatures must not be empty");
	if (json_array_size(*arr) > ENTRY_MAX_DSSE_SIGNATURES)
		return fail(c, CAIRN_ERR_INVALID, "the DSSE envelope has more than %d signatures",
		            ENTRY_MAX_DSSE_SIGNATURES);
	json_array_foreach(*arr, i, item)
	{
		json_t *s, *kid;
		snprintf(path, sizeof(path), "envelope.signatures[%zu]", i);
		if (!json_is_object(item))
			return fail(c, CAIRN_ERR_SCHEMA, "%s must be an object", path);
		snprintf(path, sizeof(path), "envelope.signatures[%zu].sig", i);
		rc = member(c, item, "sig", JSON_STRING, path, &s);
		if (rc)
			return rc;
		/* keyid is optional and, as in Rekor, not used to pick a key. */
		kid = json_object_get(item, "keyid");
		if (kid && !json_is_string(kid) && !json_is_null(kid))
			return fail(c, CAIRN_ERR_SCHEMA, "envelope.signatures[%zu].keyid must be a string",
			            i);
	}
	return CAIRN_OK;
}

static int dsse(const ctx *c, const json_t *spec, entry *e)
{
	json_t *pc, *envs, *vers, *env = NULL, *ptype, *payload, *earr, *item;
	dsig sigs[ENTRY_MAX_DSSE_SIGNATURES];
	signer signers[ENTRY_MAX_DSSE_VERIFIERS];
	size_t order[ENTRY_MAX_DSSE_SIGNATURES], nsig = 0, nver, i, j, remaining = 0;
	size_t paylen = 0, paelen, tlen, nord = 0;
	uint8_t *pay = NULL, *pae = NULL, digest[32];
	char envhex[65], payhex[65], path[96];
	int rc, has_canon;

	memset(sigs, 0, sizeof(sigs));
	memset(signers, 0, sizeof(signers));
	pc = json_object_get(spec, "proposedContent");
	has_canon = json_object_get(spec, "envelopeHash") || json_object_get(spec, "payloadHash") ||
	            json_object_get(spec, "signatures");
	if (pc && has_canon) {
		rc = fail(c, CAIRN_ERR_SCHEMA,
		          "spec.proposedContent cannot be combined with envelopeHash, payloadHash "
		          "or signatures");
		goto out;
	}
	if (!pc && has_canon && c->lookup) {
		rc = dsse_canonical(c, spec, e);
		goto out;
	}
	rc = member(c, spec, "proposedContent", JSON_OBJECT, "spec.proposedContent", &pc);
	if (!rc)
		rc = member(c, pc, "envelope", JSON_STRING, "spec.proposedContent.envelope", &envs);
	if (!rc)
		rc = member(c, pc, "verifiers", JSON_ARRAY, "spec.proposedContent.verifiers", &vers);
	if (rc)
		goto out;
	nver = json_array_size(vers);
	if (nver == 0) {
		rc = fail(c, CAIRN_ERR_SCHEMA, "spec.proposedContent.verifiers must not be empty");
		goto out;
	}
	if (nver > ENTRY_MAX_DSSE_VERIFIERS) {
		rc = fail(c, CAIRN_ERR_INVALID, "more than %d verifiers", ENTRY_MAX_DSSE_VERIFIERS);
		goto out;
	}
	json_array_foreach(vers, i, item)
	{
		if (!json_is_string(item)) {
			rc = fail(c, CAIRN_ERR_SCHEMA, "spec.proposedContent.verifiers[%zu] must be a string",
			          i);
			goto out;
		}
	}
	rc = load_json(c, json_string_value(envs), json_string_length(envs), "the DSSE envelope", &env);
	if (!rc)
		rc = envelope_shape(c, env, &ptype, &payload, &earr);
	if (rc)
		goto out;

	rc = b64_member(c, payload, "envelope.payload", ENTRY_MAX_INPUT, &pay, &paylen);
	if (rc)
		goto out;
	json_array_foreach(earr, i, item)
	{
		json_t *s = json_object_get(item, "sig");
		snprintf(path, sizeof(path), "envelope.signatures[%zu].sig", i);
		rc = b64_member(c, s, path, ENTRY_MAX_SIGNATURE, &sigs[i].raw, &sigs[i].rawlen);
		if (rc)
			goto out;
		sigs[i].b64 = json_string_value(s);
		sigs[i].owner = -1;
		sigs[i].rep = i;
		for (j = 0; j < i; j++) {
			if (strcmp(sigs[j].b64, sigs[i].b64) == 0) {
				sigs[i].rep = j;
				break;
			}
		}
		if (sigs[i].rep == i)
			remaining++;
		nsig++;
	}
	json_array_foreach(vers, i, item)
	{
		snprintf(path, sizeof(path), "spec.proposedContent.verifiers[%zu]", i);
		rc = signer_load_b64(c, item, path, &signers[i]);
		if (rc)
			goto out;
	}

	/* PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
	tlen = json_string_length(ptype);
	paelen = 6 + 1 + 20 + 1 + tlen + 1 + 20 + 1 + paylen;
	pae = malloc(paelen);
	if (!pae) {
		rc = fail(c, CAIRN_ERR_NOMEM, "out of memory");
		goto out;
	}
	{
		int h = snprintf((char *)pae, paelen, "DSSEv1 %zu ", tlen);
		size_t o = (size_t)h;
		memcpy(pae + o, json_string_value(ptype), tlen);
		o += tlen;
		h = snprintf((char *)pae + o, paelen - o, " %zu ", paylen);
		o += (size_t)h;
		if (paylen)
			memcpy(pae + o, pay, paylen);
		paelen = o + paylen;
	}
	if (EVP_Digest(pae, paelen, digest, NULL, EVP_sha256(), NULL) != 1) {
		rc = fail(c, CAIRN_ERR_CRYPTO, "SHA-256 failed");
		goto out;
	}

	/* Rekor's verifyEnvelope: verifiers are tried in order while some
	 * signature is unverified; each accepts the first signature (in envelope
	 * order) it verifies, and must accept one. */
	for (i = 0; i < nver && remaining > 0; i++) {
		int found = 0;
		for (j = 0; j < nsig && !found; j++) {
			rc =
			    dsse_verify_one(signers[i].key, pae, paelen, digest, sigs[j].raw, sigs[j].rawlen);
			if (rc == CAIRN_ERR_VERIFY)
				continue;
			if (rc) {
				rc = fail(c, rc, "signature check failed: %s", cairn_strerror(rc));
				goto out;
			}
			if (sigs[sigs[j].rep].owner < 0)
				remaining--;
			sigs[sigs[j].rep].owner = (int)i;
			found = 1;
		}
		if (!found) {
			rc = fail(c, CAIRN_ERR_VERIFY,
			          "signature verification failed: "
			          "spec.proposedContent.verifiers[%zu] verifies no envelope signature",
			          i);
			goto out;
		}
	}
	rc = CAIRN_OK;
	for (j = 0; j < nsig; j++) {
		if (sigs[j].rep != j)
			continue;
		if (sigs[j].owner < 0) {
			rc = fail(c, CAIRN_ERR_VERIFY,
			          "signature verification failed: envelope.signatures[%zu] is not "
			          "verified by any verifier",
			          j);
			goto out;
		}
		order[nord++] = j;
	}
	sort_sigs(sigs, order, nord);

	sha256_hex(pay, paylen, payhex);
	sha256_hex(json_string_value(envs), json_string_length(envs), envhex);
	rc = dsse_finish(c, e, envhex, payhex, sigs, order, nord, signers);
	if (rc)
		goto out;
	if (tlen == strlen(INTOTO_PAYLOAD_TYPE) &&
	    memcmp(json_string_value(ptype), INTOTO_PAYLOAD_TYPE, tlen) == 0 && paylen > 0)
		add_intoto_keys(e, pay, paylen);
	e->verified = 1;
out:
	for (i = 0; i < ENTRY_MAX_DSSE_SIGNATURES; i++)
		free(sigs[i].raw);
	for (i = 0; i < ENTRY_MAX_DSSE_VERIFIERS; i++)
		signer_clear(&signers[i]);
	free(pae);
	free(pay);
	json_decref(env);
	return rc;
}

/* --- entry points -------------------------------------------------------- */

static int from_value(const ctx *c, const json_t *v, entry **out)
{
	json_t *kind, *ver, *spec;
	entry *e = NULL;
	char q[40];
	int rc, is_dsse;

	if (!json_is_object(v))
		return fail(c, CAIRN_ERR_SCHEMA, "a proposed entry must be a JSON object");
	if (!value_depth_ok(v, 1))
		return fail(c, CAIRN_ERR_INVALID, "the entry is too deeply nested (more than %d levels)",
		            ENTRY_MAX_DEPTH);
	rc = member(c, v, "kind", JSON_STRING, "kind", &kind);
	if (rc)
		return rc;
	if (strcmp(json_string_value(kind), "hashedrekord") == 0 && json_string_length(kind) == 12) {
		is_dsse = 0;
	} else if (strcmp(json_string_value(kind), "dsse") == 0 && json_string_length(kind) == 4) {
		is_dsse = 1;
	} else {
		return fail(c, CAIRN_ERR_UNSUPPORTED,
		            "unsupported entry kind \"%s\" (supported: hashedrekord, dsse)",
		            quotable(json_string_value(kind), json_string_length(kind), q));
	}
	rc = member(c, v, "apiVersion", JSON_STRING, "apiVersion", &ver);
	if (rc)
		return rc;
	if (strcmp(json_string_value(ver), API_VERSION) != 0 ||
	    json_string_length(ver) != strlen(API_VERSION))
		return fail(
		    c, CAIRN_ERR_UNSUPPORTED, "unsupported %s apiVersion \"%s\" (supported: " API_VERSION ")",
		    json_string_value(kind), quotable(json_string_value(ver), json_string_length(ver), q));
	rc = member(c, v, "spec", JSON_OBJECT, "spec", &spec);
	if (rc)
		return rc;

	e = calloc(1, sizeof(*e));
	if (!e)
		return fail(c, CAIRN_ERR_NOMEM, "out of memory");
	strcpy(e->kind, json_string_value(kind));
	strcpy(e->version, API_VERSION);
	rc = is_dsse ? dsse(c, spec, e) : hashedrekord(c, spec, e);
	if (rc) {
		entry_free(e);
		return rc;
	}
	*out = e;
	return CAIRN_OK;
}

int entry_from_proposed(const char *json, size_t len, entry **out, char *err, size_t errlen)
{
	ctx c = {err, errlen, 0};
	json_t *v = NULL;
	int rc;

	if ((!json && len) || !out)
		return fail(&c, CAIRN_ERR_INVALID, "no entry given");
	if (len > ENTRY_MAX_INPUT)
		return fail(&c, CAIRN_ERR_TOO_LARGE,
		            "the proposed entry is %zu bytes, over the %d-byte limit", len, ENTRY_MAX_INPUT);
	rc = load_json(&c, json ? json : "", len, "the proposed entry", &v);
	if (rc)
		return rc;
	rc = from_value(&c, v, out);
	json_decref(v);
	return rc;
}

int entry_from_json(const json_t *v, entry **out, char *err, size_t errlen)
{
	ctx c = {err, errlen, 0};

	if (!v || !out)
		return fail(&c, CAIRN_ERR_INVALID, "no entry given");
	return from_value(&c, v, out);
}

int entry_lookup_from_json(const json_t *v, entry **out, char *err, size_t errlen)
{
	ctx c = {err, errlen, 1};

	if (!v || !out)
		return fail(&c, CAIRN_ERR_INVALID, "no entry given");
	return from_value(&c, v, out);
}

void entry_free(entry *e)
{
	if (!e)
		return;
	free(e->canonical);
	free(e);
}

int entry_key_index(const char *pem, size_t len, char out[65])
{
	keys_key *k = NULL;
	char *cpem = NULL;
	size_t clen = 0;
	int rc;

	if (!pem || !out)
		return CAIRN_ERR_INVALID;
	rc = keys_from_public_pem(pem, len, &k);
	if (rc)
		goto out;
	rc = canonical_pem(k, pem, len, &cpem, &clen, NULL);
	if (rc)
		goto out;
	sha256_hex(cpem, clen, out);
out:
	free(cpem);
	keys_free(k);
	return rc;
}

int entry_parse_hashedrekord(const uint8_t *body, size_t len, entry_hashedrekord **out)
{
	ctx c = {NULL, 0, 0};
	json_t *v = NULL, *kind, *ver, *spec, *sig, *sigc, *pk, *pkc, *data, *hash, *alg, *val;
	entry_hashedrekord *h = NULL;
	uint8_t *pem = NULL;
	size_t pemlen = 0;
	keys_key *k = NULL;
	char hex[129];
	int rc;

	if ((!body && len) || !out)
		return CAIRN_ERR_INVALID;
	if (len > ENTRY_MAX_INPUT)
		return CAIRN_ERR_TOO_LARGE;
	rc = load_json(&c, body ? (const char *)body : "", len, "body", &v);
	if (rc)
		goto out;
	if (!json_is_object(v)) {
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	rc = member(&c, v, "kind", JSON_STRING, "kind", &kind);
	if (!rc)
		rc = member(&c, v, "apiVersion", JSON_STRING, "apiVersion", &ver);
	if (rc)
		goto out;
	if (strcmp(json_string_value(kind), "hashedrekord") != 0 ||
	    strcmp(json_string_value(ver), API_VERSION) != 0) {
		rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	rc = member(&c, v, "spec", JSON_OBJECT, "spec", &spec);
	if (!rc)
		rc = member(&c, spec, "signature", JSON_OBJECT, "", &sig);
	if (!rc)
		rc = member(&c, sig, "content", JSON_STRING, "", &sigc);
	if (!rc)
		rc = member(&c, sig, "publicKey", JSON_OBJECT, "", &pk);
	if (!rc)
		rc = member(&c, pk, "content", JSON_STRING, "", &pkc);
	if (!rc)
		rc = member(&c, spec, "data", JSON_OBJECT, "", &data);
	if (!rc)
		rc = member(&c, data, "hash", JSON_OBJECT, "", &hash);
	if (!rc)
		rc = member(&c, hash, "algorithm", JSON_STRING, "", &alg);
	if (!rc)
		rc = member(&c, hash, "value", JSON_STRING, "", &val);
	if (rc)
		goto out;
	h = calloc(1, sizeof(*h));
	if (!h) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	rc = check_digest(&c, alg, val, "", &h->alg, h->digest, &h->digest_len, hex);
	if (rc)
		goto out;
	rc = b64_member(&c, sigc, "", ENTRY_MAX_SIGNATURE, &h->sig, &h->sig_len);
	if (!rc)
		rc = b64_member(&c, pkc, "", KEYS_MAX_PEM, &pem, &pemlen);
	if (rc)
		goto out;
	rc = keys_from_public_pem((const char *)pem, pemlen, &k);
	if (rc)
		goto out;
	h->pem = malloc(pemlen + 1);
	if (!h->pem) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	memcpy(h->pem, pem, pemlen);
	h->pem[pemlen] = '\0';
	h->pem_len = pemlen;
	*out = h;
	h = NULL;
out:
	keys_free(k);
	free(pem);
	entry_hashedrekord_free(h);
	json_decref(v);
	/* Here a body is data, not a request: a wrong shape is malformed. */
	return rc == CAIRN_ERR_SCHEMA ? CAIRN_ERR_INVALID : rc;
}

void entry_hashedrekord_free(entry_hashedrekord *h)
{
	if (!h)
		return;
	free(h->sig);
	free(h->pem);
	free(h);
}
