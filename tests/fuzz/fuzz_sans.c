/* Fuzz target: certificate subject alternative names as index keys
 * (entry_from_proposed on a hashedrekord signed with a certificate's key).
 *
 * Each run makes a certificate for a fixed P-256 key whose SAN extension
 * comes from the input, and proposes an entry signed by that key. Input byte
 * 0 even: the rest is a list of (type, length, bytes) names (DNS, email, URI,
 * IP, Fulcio and other otherNames) encoded with OpenSSL, and the index keys
 * must be exactly what sigstore's GetSubjectAlternateNames gives, in its
 * order (DNS, emails, IPs as Go prints them, URIs, then the Fulcio otherName
 * when it is the only otherName), lowercased, printable ASCII, at most 255
 * bytes, without duplicates. Odd: the rest is the raw extension DER; the
 * entry must be accepted or refused cleanly, with well-formed keys. */
#include "fuzz.h"

#include <arpa/inet.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "entry.h"
#include "keys.h"

static EVP_PKEY *pkey;
static char *sig_b64, hex[65];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char artifact[] = "cairn sans artifact";
	uint8_t d[32], sig[128];
	unsigned dl = 32;
	size_t siglen = sizeof sig;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_Digest(artifact, strlen(artifact), d, &dl, EVP_sha256(), NULL);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pkey, NULL);
	if (!pkey || !c || EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(c, sig, &siglen, d, 32) != 1)
		abort();
	EVP_PKEY_CTX_free(c);
	sig_b64 = codec_b64_encode_alloc(sig, siglen);
	codec_hex_encode(d, 32, hex);
	return 0;
}

/* A certificate PEM for pkey with the SAN extension value der. */
static char *cert_pem(const uint8_t *der, size_t len)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 60);
	X509_set_pubkey(x, pkey);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(os, der, (int)len);
	X509_EXTENSION *ext = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name, 0, os);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	char *s = NULL;
	if (X509_sign(x, pkey, EVP_sha256()) > 0) {
		BIO *b = BIO_new(BIO_s_mem());
		PEM_write_bio_X509(b, x);
		char *p;
		long n = BIO_get_mem_data(b, &p);
		s = strndup(p, (size_t)n);
		BIO_free(b);
	}
	X509_free(x);
	return s;
}

static int propose(const char *pem, entry **e, char err[256])
{
	char *pem64 = codec_b64_encode_alloc((const uint8_t *)pem, strlen(pem));
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
			      "hashedrekord", "spec", "data", "hash", "algorithm", "sha256", "value", hex, "signature",
			      "content", sig_b64, "publicKey", "content", pem64);
	char *text = json_dumps(v, JSON_COMPACT);
	int rc = entry_from_proposed(text, strlen(text), e, err, 256);
	free(text);
	json_decref(v);
	free(pem64);
	return rc;
}

static void check_keys(const entry *e)
{
	FUZZ_CHECK(e->nkeys <= ENTRY_MAX_KEYS, "nkeys");
	for (size_t i = 0; i < e->nkeys; i++) {
		const entry_index_key *k = &e->keys[i];
		FUZZ_CHECK(k->len > 0 && k->len <= ENTRY_MAX_KEY_LEN && strlen(k->value) == k->len, "key length");
		for (size_t j = 0; j < k->len; j++)
			FUZZ_CHECK(k->value[j] >= 0x20 && k->value[j] < 0x7f && !(k->value[j] >= 'A' && k->value[j] <= 'Z'),
				   "key byte 0x%02x", (unsigned char)k->value[j]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(e->keys[j].value, k->value) != 0, "duplicate key");
	}
}

/* Go's net.IP.String(): IPv4 and IPv4-mapped as dotted quads, other
 * 16-byte addresses by RFC 5952 (which inet_ntop follows, except that it
 * also prints ::a.b.c.d and ::ffff:0:a.b.c.d forms that Go does not). */
static int go_ip(const uint8_t *b, int n, char out[64])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (n == 16 && memcmp(b, mapped, 12) == 0) {
		b += 12;
		n = 4;
	}
	if (n == 4) {
		snprintf(out, 64, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return 0;
	}
	if (n != 16)
		return -1;
	/* Longest run of >= 2 zero groups, first on a tie. */
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8; i++) {
		int j = i;
		while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		if (j > i)
			i = j - 1;
	}
	size_t o = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, 64 - o, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && !(best >= 0 && i == best + bestlen))
			out[o++] = ':';
		o += (size_t)snprintf(out + o, 64 - o, "%x", (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
	}
	out[o] = '\0';
	return 0;
}

#define MAXN 24

typedef struct want {
	char v[300];
	size_t n;
} want;

static void add_want(want *w, size_t *nw, const char *s, size_t len)
{
	if (len == 0 || len > ENTRY_MAX_KEY_LEN)
		return;
	char v[300];
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e)
			return;
		v[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	for (size_t i = 0; i < *nw; i++)
		if (w[i].n == len && memcmp(w[i].v, v, len) == 0)
			return;
	memcpy(w[*nw].v, v, len);
	w[*nw].v[len] = '\0';
	w[*nw].n = len;
	(*nw)++;
}

static void structured(fuzz_in *in)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int types[MAXN];
	char vals[MAXN][80];
	size_t lens[MAXN], n = 0;
	while (in->len > 0 && n < MAXN) {
		uint8_t t = fuzz_u8(in) % 6;
		size_t len = fuzz_u8(in) % 80;
		if (t == 3)
			len = (len % 3 == 0) ? 4 : (len % 3 == 1) ? 16 : len % 20;
		for (size_t i = 0; i < len; i++)
			vals[n][i] = (char)fuzz_u8(in);
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		ASN1_STRING_set(s, vals[n], (int)len);
		switch (t) {
		case 0: GENERAL_NAME_set0_value(g, GEN_DNS, s); break;
		case 1: GENERAL_NAME_set0_value(g, GEN_EMAIL, s); break;
		case 2: GENERAL_NAME_set0_value(g, GEN_URI, s); break;
		case 3: {
			ASN1_OCTET_STRING *ip = ASN1_OCTET_STRING_new();
			ASN1_OCTET_STRING_set(ip, (const unsigned char *)vals[n], (int)len);
			GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
			ASN1_IA5STRING_free(s);
			break;
		}
		default: {
			ASN1_TYPE *val = ASN1_TYPE_new();
			ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
			ASN1_STRING_set(u, vals[n], (int)len);
			ASN1_TYPE_set(val, V_ASN1_UTF8STRING, u);
			GENERAL_NAME_set0_othername(g, OBJ_txt2obj(t == 4 ? "1.3.6.1.4.1.57264.1.7" : "1.2.3.4", 1), val);
			ASN1_IA5STRING_free(s);
			break;
		}
		}
		sk_GENERAL_NAME_push(gens, g);
		types[n] = t;
		lens[n] = len;
		n++;
	}
	uint8_t *der = NULL;
	int dlen = i2d_GENERAL_NAMES(gens, &der);
	GENERAL_NAMES_free(gens);
	if (dlen <= 0 || n == 0) {
		OPENSSL_free(der);
		return;
	}
	char *pem = cert_pem(der, (size_t)dlen);
	OPENSSL_free(der);
	if (!pem)
		return;
	entry *e = NULL;
	char err[256];
	int rc = propose(pem, &e, err);
	/* The expected keys, in sigstore's order. */
	want w[MAXN + 2];
	size_t nw = 0;
	static const int order[] = {0, 1, 3, 2};
	for (size_t o = 0; o < 4; o++) {
		for (size_t i = 0; i < n; i++) {
			if (types[i] != order[o])
				continue;
			if (types[i] == 3) {
				char ip[64];
				if (go_ip((const uint8_t *)vals[i], (int)lens[i], ip) == 0)
					add_want(w, &nw, ip, strlen(ip));
			} else {
				add_want(w, &nw, vals[i], lens[i]);
			}
		}
	}
	size_t nother = 0, fulcio = 0;
	for (size_t i = 0; i < n; i++) {
		nother += types[i] >= 4;
		fulcio = types[i] == 4 ? i + 1 : fulcio;
	}
	if (nother == 1 && fulcio)
		add_want(w, &nw, vals[fulcio - 1], lens[fulcio - 1]);
	if (rc != CAIRN_OK) {
		/* An IA5String with bytes past 0x7f is not valid DER for OpenSSL's
		 * parser in some versions; anything else must be accepted. */
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "a certificate with %zu SANs refused: %d %s", n, rc, err);
		free(pem);
		return;
	}
	check_keys(e);
	/* keys[0] is the key hash; SANs follow; the digest key is last. */
	FUZZ_CHECK(e->nkeys >= 2, "keys");
	size_t got = e->nkeys - 2;
	FUZZ_CHECK(got == nw, "%zu SAN keys, want %zu", got, nw);
	for (size_t i = 0; i < nw; i++)
		FUZZ_CHECK(strcmp(e->keys[1 + i].value, w[i].v) == 0, "SAN key %zu is \"%s\", want \"%s\"", i,
			   e->keys[1 + i].value, w[i].v);
	entry_free(e);
	free(pem);
}

static void raw(const uint8_t *data, size_t size)
{
	char *pem = cert_pem(data, size);
	if (!pem)
		return;
	entry *e = NULL;
	char err[256];
	int rc = propose(pem, &e, err);
	if (rc == CAIRN_OK) {
		check_keys(e);
		entry_free(e);
	} else {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_UNSUPPORTED, "rc %d: %s", rc, err);
	}
	free(pem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		raw(data + 1, size - 1);
	} else {
		fuzz_in in = {data + 1, size - 1};
		structured(&in);
	}
	return 0;
}
