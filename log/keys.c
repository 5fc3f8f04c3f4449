#define _POSIX_C_SOURCE 200809L

#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "codec.h"

struct keys_key {
	EVP_PKEY *pkey;
	keys_type type;
	int priv;
	uint8_t *spki; /* DER SubjectPublicKeyInfo, cached so keys_id is cheap */
	size_t spki_len;
	uint8_t id[32];
};

#define LABEL_MAX 32

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";

/* An empty message still needs a non-NULL pointer for OpenSSL. */
static const uint8_t empty_msg[1];

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int starts_with(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* Decodes the single PEM block that makes up text. Only whitespace may
 * surround it; inside, whitespace between base64 characters is skipped and
 * the rest must be strict base64 (so RFC 1421 headers are refused). The DER
 * is wiped and freed by the caller (it may be a private key). */
static int pem_decode(const char *text, size_t len, char label[LABEL_MAX], uint8_t **der, size_t *derlen)
{
	const char *p = text, *end = text + len;
	const char *lab, *body, *close, *q;
	char *b64 = NULL;
	size_t n = 0, lablen, cap = 0;
	int rc = CAIRN_ERR_INVALID;

	if (len > KEYS_MAX_PEM)
		return CAIRN_ERR_TOO_LARGE;
	while (p < end && is_space(*p))
		p++;
	if (!starts_with(p, end, pem_begin))
		goto out;
	lab = p + strlen(pem_begin);
	for (q = lab; q < end && *q != '-' && *q != '\n'; q++) {
		if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == ' '))
			goto out;
	}
	lablen = (size_t)(q - lab);
	if (lablen == 0 || lablen >= LABEL_MAX || !starts_with(q, end, pem_dashes))
		goto out;
	p = q + strlen(pem_dashes);
	if (p < end && *p == '\r')
		p++;
	if (p >= end || *p != '\n')
		goto out;
	body = ++p;

	/* The body runs to the first "-----", which must open the END line. */
	for (close = body; close < end && !starts_with(close, end, pem_dashes); close++)
		;
	if (close == end || close == body || close[-1] != '\n' || !starts_with(close, end, pem_end))
		goto out;
	q = close + strlen(pem_end);
	if ((size_t)(end - q) < lablen + strlen(pem_dashes) || memcmp(q, lab, lablen) != 0 ||
	    !starts_with(q + lablen, end, pem_dashes))
		goto out;
	for (q += lablen + strlen(pem_dashes); q < end; q++) {
		if (!is_space(*q))
			goto out;
	}

	cap = (size_t)(close - body) + 1;
	b64 = malloc(cap);
	if (!b64) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	for (q = body; q < close; q++) {
		if (!is_space(*q))
			b64[n++] = *q;
	}
	if (n == 0)
		goto out;
	rc = codec_b64_decode_alloc(b64, n, KEYS_MAX_PEM, der, derlen);
	if (rc)
		goto out;
	memcpy(label, lab, lablen);
	label[lablen] = '\0';
out:
	if (b64) {
		OPENSSL_cleanse(b64, cap);
		free(b64);
	}
	return rc;
}

/* Wraps der in "-----BEGIN label-----\n", 64-column base64, END line. */
static int pem_encode(const char *label, const uint8_t *der, size_t len, char **out, size_t *outlen)
{
	size_t lines = (len + 47) / 48;
	size_t cap = 2 * (strlen(pem_begin) + strlen(label) + strlen(pem_dashes) + 1) +
	             codec_b64_encoded_len(len) + lines + 1;
	char *buf = malloc(cap);
	size_t o = 0;

	if (!buf)
		return CAIRN_ERR_NOMEM;
	o += (size_t)sprintf(buf + o, "%s%s%s\n", pem_begin, label, pem_dashes);
	for (size_t i = 0; i < len; i += 48) {
		size_t chunk = len - i < 48 ? len - i : 48;
		o += codec_b64_encode(der + i, chunk, buf + o);
		buf[o++] = '\n';
	}
	o += (size_t)sprintf(buf + o, "%s%s%s\n", pem_end, label, pem_dashes);
	*out = buf;
	*outlen = o;
	return CAIRN_OK;
}

static int ec_type(EVP_PKEY *pkey, keys_type *type)
{
	char name[64], enc[32];
	size_t n = 0;
	int nid;

	/* Explicit curve parameters are refused: only named curves. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc), &n) == 1 &&
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return CAIRN_ERR_UNSUPPORTED;
	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1)
		return CAIRN_ERR_UNSUPPORTED;
	nid = OBJ_sn2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	switch (nid) {
	case NID_X9_62_prime256v1:
		*type = KEYS_ECDSA_P256;
		return CAIRN_OK;
	case NID_secp384r1:
		*type = KEYS_ECDSA_P384;
		return CAIRN_OK;
	case NID_secp521r1:
		*type = KEYS_ECDSA_P521;
		return CAIRN_OK;
	}
	return CAIRN_ERR_UNSUPPORTED;
}

static int classify(EVP_PKEY *pkey, keys_type *type)
{
	if (EVP_PKEY_is_a(pkey, "EC"))
		return ec_type(pkey, type);
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*type = KEYS_ED25519;
		return CAIRN_OK;
	}
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < 2048 || bits > 4096)
			return CAIRN_ERR_UNSUPPORTED;
		*type = KEYS_RSA;
		return CAIRN_OK;
	}
	return CAIRN_ERR_UNSUPPORTED;
}

/* Runs OpenSSL's consistency checks: the public point is on the curve, the
 * RSA modulus and exponent are sane, a private key matches its public half. */
static int check_key(EVP_PKEY *pkey, int priv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int r;

	if (!ctx)
		return CAIRN_ERR_NOMEM;
	/* The quick public check tests the point is on the curve; for these
	 * prime-order curves that is all, and it costs far less than a verify. */
	r = priv ? EVP_PKEY_check(ctx) : EVP_PKEY_public_check_quick(ctx);
	EVP_PKEY_CTX_free(ctx);
	/* -2: the check is not implemented for this key type. */
	return r == 1 || r == -2 ? CAIRN_OK : CAIRN_ERR_INVALID;
}

/* Builds a keys_key around pkey, taking ownership of pkey (freed on failure).
 * priv says whether pkey holds a private key. */
static int wrap_spki(EVP_PKEY *pkey, int priv, const uint8_t *spki, size_t spki_len, keys_key **out);

static int wrap(EVP_PKEY *pkey, int priv, keys_key **out)
{
	return wrap_spki(pkey, priv, NULL, 0, out);
}

/* As wrap, with the key's DER SubjectPublicKeyInfo already known (it was
 * just parsed): re-encoding it through OpenSSL 3.0's encoders costs far
 * more than the rest of loading a key. */
static int wrap_spki(EVP_PKEY *pkey, int priv, const uint8_t *spki, size_t spki_len, keys_key **out)
{
	keys_key *k = NULL;
	uint8_t *p;
	keys_type type = KEYS_OTHER;
	int rc, n;

	rc = classify(pkey, &type);
	if (rc)
		goto out;
	if (priv && type == KEYS_RSA) {
		/* RSA is for checking others' signatures, never for the log. */
		rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	/* A public RSA key gets no modulus check: OpenSSL's runs Miller-Rabin
	 * with random bases, so one key could pass or fail from one upload to
	 * the next; Go and Rekor do not check it either. */
	if (priv || type != KEYS_RSA) {
		rc = check_key(pkey, priv);
		if (rc)
			goto out;
	}
	/* Serialise the public point uncompressed, as every SPKI we accept is. */
	if (priv && type != KEYS_ED25519 &&
	    EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	                                   OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1) {
		rc = CAIRN_ERR_CRYPTO;
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	if (spki) {
		k->spki = malloc(spki_len);
		if (!k->spki) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		memcpy(k->spki, spki, spki_len);
		k->spki_len = spki_len;
	} else {
		n = i2d_PUBKEY(pkey, NULL);
		if (n <= 0) {
			rc = CAIRN_ERR_CRYPTO;
			goto out;
		}
		k->spki = malloc((size_t)n);
		if (!k->spki) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		p = k->spki;
		if (i2d_PUBKEY(pkey, &p) != n) {
			rc = CAIRN_ERR_CRYPTO;
			goto out;
		}
		k->spki_len = (size_t)n;
	}
	if (EVP_Digest(k->spki, k->spki_len, k->id, NULL, EVP_sha256(), NULL) != 1) {
		rc = CAIRN_ERR_CRYPTO;
		goto out;
	}
	k->pkey = pkey;
	k->type = type;
	k->priv = priv;
	pkey = NULL;
	*out = k;
	k = NULL;
out:
	if (k) {
		free(k->spki);
		free(k);
	}
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}

int keys_generate(keys_type type, keys_key **out)
{
	EVP_PKEY *pkey = NULL;

	if (!out)
		return CAIRN_ERR_INVALID;
	switch (type) {
	case KEYS_ECDSA_P256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEYS_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return CAIRN_ERR_UNSUPPORTED;
	}
	if (!pkey) {
		ERR_clear_error();
		return CAIRN_ERR_CRYPTO;
	}
	return wrap(pkey, 1, out);
}

/* A strict DER reader, just enough for SubjectPublicKeyInfo and
 * RSAPublicKey: definite, minimally encoded lengths only. */
typedef struct der_reader {
	const uint8_t *p, *end;
} der_reader;

/* Reads one element with the given tag; body and blen get its contents. */
static int der_take(der_reader *d, uint8_t tag, const uint8_t **body, size_t *blen)
{
	if (d->end - d->p < 2 || d->p[0] != tag)
		return -1;
	const uint8_t *p = d->p + 1;
	size_t len = *p++;
	if (len & 0x80) {
		size_t n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(d->end - p) < n || p[0] == 0)
			return -1;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | *p++;
		if (len < 0x80)
			return -1; /* must have used the short form */
	}
	if ((size_t)(d->end - p) < len)
		return -1;
	*body = p;
	*blen = len;
	d->p = p + len;
	return 0;
}

static int der_equal(const uint8_t *p, size_t n, const uint8_t *want, size_t wn)
{
	return n == wn && memcmp(p, want, n) == 0;
}

/* A positive INTEGER, minimally encoded, returned without a leading zero. */
static int der_uint(der_reader *d, const uint8_t **p, size_t *n)
{
	if (der_take(d, 0x02, p, n) || *n == 0 || ((*p)[0] & 0x80))
		return -1;
	if ((*p)[0] == 0) {
		if (*n == 1 || !((*p)[1] & 0x80))
			return -1;
		(*p)++;
		(*n)--;
	}
	return 0;
}

static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};

static EVP_PKEY *from_params(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* Building an EC key from scratch builds its curve group, Montgomery
 * constants and all (~0.1 ms in OpenSSL 3.0). Duplicating a public key on
 * the same curve copies them, so each curve's first key becomes a template
 * and later keys are that template with their own point set (and checked
 * to be on the curve by OpenSSL as it is set). */
static pthread_mutex_t ec_templates_mu = PTHREAD_MUTEX_INITIALIZER;
static EVP_PKEY *ec_templates[3];

static void ec_templates_free(void)
{
	for (size_t i = 0; i < 3; i++)
		EVP_PKEY_free(ec_templates[i]);
}

static EVP_PKEY *ec_public(const char *group, const uint8_t *point, size_t len)
{
	size_t slot = strcmp(group, "P-256") == 0 ? 0 : strcmp(group, "P-384") == 0 ? 1 : 2;
	EVP_PKEY *pkey = NULL;
	pthread_mutex_lock(&ec_templates_mu);
	if (ec_templates[slot])
		pkey = EVP_PKEY_dup(ec_templates[slot]);
	pthread_mutex_unlock(&ec_templates_mu);
	if (pkey) {
		if (EVP_PKEY_set_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, (unsigned char *)point,
						    len) != 1) {
			EVP_PKEY_free(pkey);
			return NULL;
		}
		return pkey;
	}
	OSSL_PARAM ps[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
		OSSL_PARAM_END,
	};
	pkey = from_params("EC", ps);
	if (!pkey)
		return NULL;
	pthread_mutex_lock(&ec_templates_mu);
	if (!ec_templates[slot] && EVP_PKEY_up_ref(pkey) == 1) {
		int first = !ec_templates[0] && !ec_templates[1] && !ec_templates[2];
		ec_templates[slot] = pkey;
		if (first)
			atexit(ec_templates_free);
	}
	pthread_mutex_unlock(&ec_templates_mu);
	return pkey;
}

/* Parses a SubjectPublicKeyInfo strictly, with our own DER reader and
 * EVP_PKEY_fromdata rather than OpenSSL 3.0's decoders (which cost ~0.5 ms a
 * key, more than the signature check). Refuses what Go's x509 refuses:
 * explicit curve parameters, compressed or hybrid points, missing RSA NULL
 * parameters, non-minimal DER and trailing data. */
static int spki_parse(const uint8_t *buf, size_t len, keys_key **out)
{
	der_reader top = {buf, buf + len}, spki, alg;
	const uint8_t *p, *oid, *key;
	size_t n, oidlen, keylen;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	int rc = CAIRN_ERR_INVALID;

	if (len > KEYS_MAX_PEM)
		return CAIRN_ERR_TOO_LARGE;
	if (der_take(&top, 0x30, &p, &n) || top.p != top.end)
		goto out;
	spki = (der_reader){p, p + n};
	if (der_take(&spki, 0x30, &p, &n))
		goto out;
	alg = (der_reader){p, p + n};
	if (der_take(&spki, 0x03, &key, &keylen) || spki.p != spki.end || keylen < 1 || key[0] != 0)
		goto out;
	key++; /* no unused bits */
	keylen--;
	if (der_take(&alg, 0x06, &oid, &oidlen))
		goto out;
	if (der_equal(oid, oidlen, oid_ec, sizeof oid_ec)) {
		const uint8_t *curve;
		size_t clen, field;
		const char *group;
		if (der_take(&alg, 0x06, &curve, &clen) || alg.p != alg.end)
			goto out;
		if (der_equal(curve, clen, oid_p256, sizeof oid_p256)) {
			group = "P-256";
			field = 32;
		} else if (der_equal(curve, clen, oid_p384, sizeof oid_p384)) {
			group = "P-384";
			field = 48;
		} else if (der_equal(curve, clen, oid_p521, sizeof oid_p521)) {
			group = "P-521";
			field = 66;
		} else {
			rc = CAIRN_ERR_UNSUPPORTED;
			goto out;
		}
		if (keylen != 1 + 2 * field || key[0] != 0x04)
			goto out;
		pkey = ec_public(group, key, keylen);
	} else if (der_equal(oid, oidlen, oid_rsa, sizeof oid_rsa)) {
		const uint8_t *nul, *mod, *exp;
		size_t nlen, modlen, explen;
		if (der_take(&alg, 0x05, &nul, &nlen) || nlen != 0 || alg.p != alg.end)
			goto out;
		der_reader rk = {key, key + keylen}, seq;
		if (der_take(&rk, 0x30, &p, &n) || rk.p != rk.end)
			goto out;
		seq = (der_reader){p, p + n};
		if (der_uint(&seq, &mod, &modlen) || der_uint(&seq, &exp, &explen) || seq.p != seq.end)
			goto out;
		if (modlen < 256 || modlen > 512) {
			rc = CAIRN_ERR_UNSUPPORTED;
			goto out;
		}
		bn_n = BN_bin2bn(mod, (int)modlen, NULL);
		bn_e = BN_bin2bn(exp, (int)explen, NULL);
		bld = OSSL_PARAM_BLD_new();
		if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		params = OSSL_PARAM_BLD_to_param(bld);
		if (!params) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		pkey = from_params("RSA", params);
	} else if (der_equal(oid, oidlen, oid_ed25519, sizeof oid_ed25519)) {
		if (alg.p != alg.end || keylen != 32)
			goto out;
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, key, keylen);
	} else {
		rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	if (!pkey)
		goto out;
	rc = wrap_spki(pkey, 0, buf, len, out);
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	ERR_clear_error();
	return rc;
}

static int cert_parse(const uint8_t *der, size_t len, keys_key **out)
{
	const uint8_t *p = der;
	uint8_t *spki = NULL;
	X509 *x = NULL;
	int rc = CAIRN_ERR_INVALID, n;

	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len)
		goto out;
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0)
		goto out;
	rc = spki_parse(spki, (size_t)n, out);
out:
	OPENSSL_free(spki);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int keys_from_public_pem(const char *pem, size_t len, keys_key **out)
{
	char label[LABEL_MAX];
	uint8_t *der = NULL;
	size_t derlen = 0;
	int rc;

	if (!pem || !out)
		return CAIRN_ERR_INVALID;
	rc = pem_decode(pem, len, label, &der, &derlen);
	if (rc)
		goto out;
	if (strcmp(label, "PUBLIC KEY") == 0)
		rc = spki_parse(der, derlen, out);
	else if (strcmp(label, "CERTIFICATE") == 0)
		rc = cert_parse(der, derlen, out);
	else if (strcmp(label, "RSA PUBLIC KEY") == 0)
		rc = CAIRN_ERR_UNSUPPORTED;
	else
		rc = CAIRN_ERR_INVALID;
out:
	free(der);
	return rc;
}

int keys_from_private_pem(const char *pem, size_t len, keys_key **out)
{
	char label[LABEL_MAX];
	uint8_t *der = NULL;
	const uint8_t *p;
	size_t derlen = 0;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	if (!pem || !out)
		return CAIRN_ERR_INVALID;
	rc = pem_decode(pem, len, label, &der, &derlen);
	if (rc)
		goto out;
	p = der;
	rc = CAIRN_ERR_INVALID;
	if (strcmp(label, "PRIVATE KEY") == 0) {
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)derlen);
		if (!p8 || p != der + derlen)
			goto out;
		pkey = EVP_PKCS82PKEY(p8);
	} else if (strcmp(label, "EC PRIVATE KEY") == 0) {
		pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)derlen);
		if (pkey && p != der + derlen)
			goto out;
	} else {
		size_t ll = strlen(label), pl = strlen("PRIVATE KEY");
		if (ll >= pl && strcmp(label + ll - pl, "PRIVATE KEY") == 0)
			rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	if (!pkey)
		goto out;
	rc = wrap(pkey, 1, out);
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (der) {
		OPENSSL_cleanse(der, derlen);
		free(der);
	}
	ERR_clear_error();
	return rc;
}

int keys_from_ed25519_raw_public(const uint8_t pub[32], keys_key **out)
{
	EVP_PKEY *pkey;

	if (!pub || !out)
		return CAIRN_ERR_INVALID;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	if (!pkey) {
		ERR_clear_error();
		return CAIRN_ERR_INVALID;
	}
	return wrap(pkey, 0, out);
}

/* Reads a whole key file of at most KEYS_MAX_PEM bytes. The caller wipes
 * and frees *buf, which is KEYS_MAX_PEM + 1 bytes long. */
static int read_key_file(const char *path, int priv, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	int fd, rc = CAIRN_OK;

	if (!path)
		return CAIRN_ERR_INVALID;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = CAIRN_ERR_IO;
		goto out;
	}
	/* Like ssh: a private key others could read or replace is not secret. */
	if (priv && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		rc = CAIRN_ERR_PERM;
		goto out;
	}
	if (st.st_size > KEYS_MAX_PEM) {
		rc = CAIRN_ERR_TOO_LARGE;
		goto out;
	}
	b = malloc(KEYS_MAX_PEM + 1);
	if (!b) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	/* Read one byte past the cap to notice a file that grew meanwhile. */
	while (n < KEYS_MAX_PEM + 1) {
		ssize_t r = read(fd, b + n, KEYS_MAX_PEM + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = CAIRN_ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > KEYS_MAX_PEM) {
		rc = CAIRN_ERR_TOO_LARGE;
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
out:
	if (b) {
		OPENSSL_cleanse(b, KEYS_MAX_PEM + 1);
		free(b);
	}
	close(fd);
	return rc;
}

int keys_load_private_file(const char *path, keys_key **out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!out)
		return CAIRN_ERR_INVALID;
	rc = read_key_file(path, 1, &buf, &len);
	if (rc)
		return rc;
	rc = keys_from_private_pem(buf, len, out);
	OPENSSL_cleanse(buf, KEYS_MAX_PEM + 1);
	free(buf);
	return rc;
}

int keys_load_public_file(const char *path, keys_key **out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!out)
		return CAIRN_ERR_INVALID;
	rc = read_key_file(path, 0, &buf, &len);
	if (rc)
		return rc;
	rc = keys_from_public_pem(buf, len, out);
	free(buf);
	return rc;
}

/* fsyncs the directory holding path so the new name survives a crash. */
static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd = -1, rc = CAIRN_OK;

	if (!slash) {
		dir = strdup(".");
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		dir = strndup(path, n);
	}
	if (!dir)
		return CAIRN_ERR_NOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = CAIRN_ERR_IO;
		goto out;
	}
	/* Some file systems cannot sync a directory; nothing more to do there. */
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = CAIRN_ERR_IO;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/* Creates path (never replacing anything) with exactly mode and contents
 * data, atomically: the bytes go to a temporary file that is fsynced and
 * then linked to path, so a crash leaves either no file or the whole one,
 * never a truncated key. On failure nothing is left at path. */
static int write_new_file(const char *path, mode_t mode, const char *data, size_t len)
{
	static atomic_uint counter;
	char tmp[4096];
	size_t done = 0;
	int fd, rc = CAIRN_OK;

	if (access(path, F_OK) == 0)
		return CAIRN_ERR_DUPLICATE;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
			     atomic_fetch_add(&counter, 1)) >= sizeof tmp)
		return CAIRN_ERR_TOO_LARGE;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
	/* The umask may have cleared bits; the mode is part of the contract. */
	if (fchmod(fd, mode) != 0) {
		rc = CAIRN_ERR_IO;
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = CAIRN_ERR_IO;
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		rc = CAIRN_ERR_IO;
out:
	if (close(fd) != 0 && rc == CAIRN_OK)
		rc = CAIRN_ERR_IO;
	/* link() never replaces an existing name: the no-overwrite guarantee. */
	if (rc == CAIRN_OK && link(tmp, path) != 0)
		rc = errno == EEXIST ? CAIRN_ERR_DUPLICATE : CAIRN_ERR_IO;
	unlink(tmp);
	if (rc == CAIRN_OK)
		rc = sync_parent(path);
	return rc;
}

int keys_write_private_file(const keys_key *k, const char *path)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	uint8_t *der = NULL;
	char *pem = NULL;
	size_t pemlen = 0;
	int rc, n = 0;

	if (!k || !path || !k->priv)
		return CAIRN_ERR_INVALID;
	p8 = EVP_PKEY2PKCS8(k->pkey);
	if (!p8) {
		rc = CAIRN_ERR_CRYPTO;
		goto out;
	}
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	if (n <= 0) {
		rc = CAIRN_ERR_CRYPTO;
		goto out;
	}
	rc = pem_encode("PRIVATE KEY", der, (size_t)n, &pem, &pemlen);
	if (rc)
		goto out;
	rc = write_new_file(path, 0600, pem, pemlen);
out:
	if (pem) {
		OPENSSL_cleanse(pem, pemlen);
		free(pem);
	}
	if (der)
		OPENSSL_clear_free(der, (size_t)n);
	PKCS8_PRIV_KEY_INFO_free(p8);
	ERR_clear_error();
	return rc;
}

int keys_write_public_file(const keys_key *k, const char *path)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if (!k || !path)
		return CAIRN_ERR_INVALID;
	rc = keys_public_pem(k, &pem, &len);
	if (rc)
		return rc;
	rc = write_new_file(path, 0644, pem, len);
	free(pem);
	return rc;
}

int keys_public_pem(const keys_key *k, char **pem, size_t *len)
{
	if (!k || !pem || !len)
		return CAIRN_ERR_INVALID;
	return pem_encode("PUBLIC KEY", k->spki, k->spki_len, pem, len);
}

int keys_public_der(const keys_key *k, uint8_t **der, size_t *len)
{
	uint8_t *buf;

	if (!k || !der || !len)
		return CAIRN_ERR_INVALID;
	buf = malloc(k->spki_len);
	if (!buf)
		return CAIRN_ERR_NOMEM;
	memcpy(buf, k->spki, k->spki_len);
	*der = buf;
	*len = k->spki_len;
	return CAIRN_OK;
}

int keys_id(const keys_key *k, uint8_t out[32])
{
	if (!k || !out)
		return CAIRN_ERR_INVALID;
	memcpy(out, k->id, 32);
	return CAIRN_OK;
}

keys_type keys_type_of(const keys_key *k)
{
	return k ? k->type : KEYS_OTHER;
}

int keys_has_private(const keys_key *k)
{
	return k ? k->priv : 0;
}

int keys_ed25519_raw_public(const keys_key *k, uint8_t out[32])
{
	size_t n = 32;

	if (!k || !out || k->type != KEYS_ED25519)
		return CAIRN_ERR_INVALID;
	if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) != 1 || n != 32) {
		ERR_clear_error();
		return CAIRN_ERR_CRYPTO;
	}
	return CAIRN_OK;
}

/* The digest a message signature uses: by curve for ECDSA, SHA-256 for RSA,
 * none (NULL) for pure Ed25519. */
static const char *msg_digest(keys_type t)
{
	switch (t) {
	case KEYS_ECDSA_P384:
		return "SHA384";
	case KEYS_ECDSA_P521:
		return "SHA512";
	case KEYS_ED25519:
		return NULL;
	default:
		return "SHA256";
	}
}

int keys_sign(const keys_key *k, const uint8_t *msg, size_t len, uint8_t **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t *buf = NULL;
	size_t n;
	int rc = CAIRN_ERR_CRYPTO, max;

	if (!k || (!msg && len) || !sig || !siglen || !k->priv)
		return CAIRN_ERR_INVALID;
	if (k->type == KEYS_RSA)
		return CAIRN_ERR_UNSUPPORTED;
	if (!msg)
		msg = empty_msg;
	max = EVP_PKEY_get_size(k->pkey);
	if (max <= 0)
		goto out;
	n = (size_t)max;
	buf = malloc(n);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit_ex(ctx, NULL, msg_digest(k->type), NULL, NULL, k->pkey, NULL) != 1)
		goto out;
	if (EVP_DigestSign(ctx, buf, &n, msg, len) != 1)
		goto out;
	*sig = buf;
	*siglen = n;
	buf = NULL;
	rc = CAIRN_OK;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int keys_verify(const keys_key *k, const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = CAIRN_ERR_VERIFY;

	if (!k || (!msg && len) || (!sig && siglen))
		return CAIRN_ERR_INVALID;
	if (!msg)
		msg = empty_msg;
	if (!sig || siglen == 0)
		return CAIRN_ERR_VERIFY;
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, msg_digest(k->type), NULL, NULL, k->pkey, NULL) != 1)
		goto out;
	if (k->type == KEYS_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1)
		rc = CAIRN_OK;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* Turns an ECDSA signature into DER: kept as is when it already is strict
 * DER of its whole length, else read as raw r||s of 2*fieldlen bytes. The
 * caller frees *der with OPENSSL_free(). */
static int ecdsa_to_der(const uint8_t *sig, size_t siglen, size_t fieldlen, uint8_t **der, size_t *derlen)
{
	const uint8_t *p = sig;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *out = NULL;
	int rc = CAIRN_ERR_VERIFY, n = 0;

	es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	if (es && p == sig + siglen) {
		n = i2d_ECDSA_SIG(es, &out);
		if (n > 0 && (size_t)n == siglen && memcmp(out, sig, siglen) == 0) {
			rc = CAIRN_OK;
			goto done;
		}
	}
	OPENSSL_free(out);
	out = NULL;
	ECDSA_SIG_free(es);
	es = NULL;
	if (siglen != 2 * fieldlen)
		goto done;
	r = BN_bin2bn(sig, (int)fieldlen, NULL);
	s = BN_bin2bn(sig + fieldlen, (int)fieldlen, NULL);
	es = ECDSA_SIG_new();
	if (!r || !s || !es) {
		rc = CAIRN_ERR_NOMEM;
		goto done;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto done;
	r = s = NULL;
	n = i2d_ECDSA_SIG(es, &out);
	if (n <= 0)
		goto done;
	rc = CAIRN_OK;
done:
	if (rc == CAIRN_OK) {
		*der = out;
		*derlen = (size_t)n;
		out = NULL;
	}
	OPENSSL_free(out);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	return rc;
}

int keys_verify_digest(const keys_key *k, keys_digest alg, const uint8_t *digest, size_t dlen,
                       const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md;
	uint8_t *der = NULL;
	size_t want, derlen = 0;
	int rc;

	if (!k || !digest || (!sig && siglen))
		return CAIRN_ERR_INVALID;
	switch (alg) {
	case KEYS_SHA256:
		md = EVP_sha256();
		want = 32;
		break;
	case KEYS_SHA384:
		md = EVP_sha384();
		want = 48;
		break;
	case KEYS_SHA512:
		md = EVP_sha512();
		want = 64;
		break;
	default:
		return CAIRN_ERR_INVALID;
	}
	if (dlen != want)
		return CAIRN_ERR_INVALID;
	if (k->type == KEYS_ED25519)
		return CAIRN_ERR_UNSUPPORTED;
	if (!sig || siglen == 0)
		return CAIRN_ERR_VERIFY;
	if (k->type != KEYS_RSA) {
		size_t fieldlen = ((size_t)EVP_PKEY_get_bits(k->pkey) + 7) / 8;
		rc = ecdsa_to_der(sig, siglen, fieldlen, &der, &derlen);
		if (rc)
			goto out;
		sig = der;
		siglen = derlen;
	}
	rc = CAIRN_ERR_VERIFY;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	if (!pctx) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_verify_init(pctx) != 1)
		goto out;
	if (k->type == KEYS_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_PKEY_CTX_set_signature_md(pctx, md) != 1)
		goto out;
	if (EVP_PKEY_verify(pctx, sig, siglen, digest, dlen) == 1)
		rc = CAIRN_OK;
out:
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

void keys_free(keys_key *k)
{
	if (!k)
		return;
	/* EVP_PKEY_free wipes the private key material itself. */
	EVP_PKEY_free(k->pkey);
	free(k->spki);
	free(k);
}
