/* Writes the seed corpora of the fuzz targets that need valid signatures:
 * fuzz_entry (hashedrekord and dsse entries signed with every supported key
 * type, with and without certificates), fuzz_note (notes signed by the keys
 * fuzz_note.c embeds) and fuzz_keys (public keys and certificates). The
 * committed seeds were made with it; rerun it to refresh them:
 *   cc -std=c11 -Ilog tests/fuzz/mkseeds.c log/codec.c log/err.c log/jcs.c \
 *      log/keys.c log/note.c log/merkle.c -ljansson -lcrypto -o /tmp/mkseeds
 *   /tmp/mkseeds tests/fuzz/corpus */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "keys.h"
#include "note.h"

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "mkseeds: %s\n", what);
	exit(1);
}

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		die(path);
}

static EVP_PKEY *gen(const char *alg, const char *curve_or_bits)
{
	EVP_PKEY *k;
	if (strcmp(alg, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_or_bits);
	else if (strcmp(alg, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(curve_or_bits));
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, alg);
	if (!k)
		die("keygen");
	return k;
}

static char *pub_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, k);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = strndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static char *cert_pem(EVP_PKEY *k, const char *san)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	if (san) {
		X509V3_CTX ctx;
		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		if (!e)
			die("san");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	int is_ed = EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
	if (!X509_sign(x, k, is_ed ? NULL : EVP_sha256()))
		die("x509 sign");
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *s = strndup(p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	return s;
}

/* Signs a prehashed digest (ECDSA DER / RSA PKCS#1 v1.5). */
static uint8_t *sign_digest(EVP_PKEY *k, const EVP_MD *md, const uint8_t *d, size_t dlen, size_t *siglen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	if (!c || EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_signature_md(c, md) != 1)
		die("sign init");
	if (EVP_PKEY_get_id(k) == EVP_PKEY_RSA)
		EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
	EVP_PKEY_sign(c, NULL, siglen, d, dlen);
	uint8_t *sig = malloc(*siglen);
	if (EVP_PKEY_sign(c, sig, siglen, d, dlen) != 1)
		die("sign");
	EVP_PKEY_CTX_free(c);
	return sig;
}

/* Signs a message: Ed25519 pure, ECDSA over SHA-256. */
static uint8_t *sign_msg(EVP_PKEY *k, const uint8_t *m, size_t mlen, size_t *siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int is_ed = EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
	if (EVP_DigestSignInit(c, NULL, is_ed ? NULL : EVP_sha256(), NULL, k) != 1)
		die("dsinit");
	EVP_DigestSign(c, NULL, siglen, m, mlen);
	uint8_t *sig = malloc(*siglen);
	if (EVP_DigestSign(c, sig, siglen, m, mlen) != 1)
		die("dsign");
	EVP_MD_CTX_free(c);
	return sig;
}

static char *b64(const void *p, size_t n)
{
	return codec_b64_encode_alloc(p, n);
}

static void hashedrekord(const char *name, EVP_PKEY *k, const char *pem, const char *alg, const EVP_MD *md,
                         int raw_rs, int extra)
{
	const char *artifact = name;
	uint8_t d[64];
	unsigned dl = 0;
	EVP_Digest(artifact, strlen(artifact), d, &dl, md, NULL);
	size_t siglen;
	uint8_t *sig = sign_digest(k, md, d, dl, &siglen);
	if (raw_rs) {
		const uint8_t *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
		size_t fl = ((size_t)EVP_PKEY_get_bits(k) + 7) / 8;
		uint8_t *rs = calloc(1, 2 * fl);
		BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, (int)fl);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + fl, (int)fl);
		ECDSA_SIG_free(es);
		free(sig);
		sig = rs;
		siglen = 2 * fl;
	}
	char hex[129];
	codec_hex_encode(d, dl, hex);
	char *s64 = b64(sig, siglen), *p64 = b64(pem, strlen(pem));
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
	                      "hashedrekord", "spec", "data", "hash", "algorithm", alg, "value", hex,
	                      "signature", "content", s64, "publicKey", "content", p64);
	if (extra)
		json_object_set_new(v, "unknownMember", json_pack("{s:[i,s]}", "x", 1, "y"));
	char *text = json_dumps(v, extra ? JSON_INDENT(2) : JSON_COMPACT);
	put("fuzz_entry", name, text, strlen(text));
	free(text);
	json_decref(v);
	free(s64);
	free(p64);
	free(sig);
}

static void dsse(const char *name, EVP_PKEY **ks, const char **pems, int n, const char *ptype,
                 const char *payload)
{
	char pae[4096];
	int pl =
	    snprintf(pae, sizeof pae, "DSSEv1 %zu %s %zu %s", strlen(ptype), ptype, strlen(payload), payload);
	json_t *sigs = json_array(), *vers = json_array();
	for (int i = 0; i < n; i++) {
		size_t siglen;
		uint8_t *sig = sign_msg(ks[i], (const uint8_t *)pae, (size_t)pl, &siglen);
		char *s64 = b64(sig, siglen), *p64 = b64(pems[i], strlen(pems[i]));
		json_array_append_new(sigs, json_pack("{s:s,s:s}", "keyid", "", "sig", s64));
		json_array_append_new(vers, json_string(p64));
		free(sig);
		free(s64);
		free(p64);
	}
	char *pay64 = b64(payload, strlen(payload));
	json_t *env = json_pack("{s:s,s:s,s:o}", "payloadType", ptype, "payload", pay64, "signatures", sigs);
	char *envs = json_dumps(env, JSON_COMPACT);
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:s,s:o}}}", "apiVersion", "0.0.1", "kind", "dsse", "spec",
	                      "proposedContent", "envelope", envs, "verifiers", vers);
	char *text = json_dumps(v, JSON_COMPACT);
	put("fuzz_entry", name, text, strlen(text));
	free(text);
	free(envs);
	free(pay64);
	json_decref(env);
	json_decref(v);
}

static const char fuzz_ec_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHRFNDky+jKYVf3r/\n"
                                  "LJzKaLikRwHxGjVlrXWKarx75wKhRANCAAQpl+MG5BxbK9lVTNxYNy7deJvSpXj8\n"
                                  "an2W/gaAhCQwgFUby7xyujsh7pMlCzWbnBsNHzmGvAQjSsLKBwfhHFRn\n"
                                  "-----END PRIVATE KEY-----\n";
static const char fuzz_ed_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "MC4CAQAwBQYDK2VwBCIEIOZT3y857Er74jgHfVIioBDbsCPd9ZVT6Yi0XEjokS4u\n"
                                  "-----END PRIVATE KEY-----\n";

static void notes(void)
{
	keys_key *ec, *ed;
	note_signer *sec, *sed;
	if (keys_from_private_pem(fuzz_ec_pem, strlen(fuzz_ec_pem), &ec) ||
	    keys_from_private_pem(fuzz_ed_pem, strlen(fuzz_ed_pem), &ed) ||
	    note_signer_new("fuzz.example/log", ec, &sec) || note_signer_new("fuzz.example/log", ed, &sed))
		die("note keys");
	const char *bodies[] = {
	    "fuzz.example/log - 42\n7\nq1Q0Trq3TcVm4Y8KsXpVpjUsRtdB6M5Yt1VZeRk8G8c=\n",
	    "fuzz.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension\n"};
	for (int i = 0; i < 2; i++) {
		note_signer *both[2] = {sed, sec};
		char *note;
		size_t len;
		if (note_sign(bodies[i], strlen(bodies[i]), both, 2, &note, &len))
			die("note_sign");
		char *buf = malloc(len + 200);
		buf[0] = 0; /* mode: open */
		memcpy(buf + 1, note, len);
		char name[32];
		snprintf(name, sizeof name, "open%d", i);
		put("fuzz_note", name, buf, len + 1);
		/* Plus an unknown signer's line. */
		const char *other = "\xe2\x80\x94 other.example/log AAAAAQID\n";
		memcpy(buf + 1 + len, other, strlen(other));
		snprintf(name, sizeof name, "open%d-other", i);
		put("fuzz_note", name, buf, len + 1 + strlen(other));
		/* Mutation mode: 2 ops, then the body. */
		size_t o = 0;
		buf[o++] = 1;
		buf[o++] = 2;
		memcpy(buf + o, "\x00\x00\x05\x03", 4);
		o += 4;
		memcpy(buf + o, "\x02\x00\x40\x41", 4);
		o += 4;
		memcpy(buf + o, bodies[i], strlen(bodies[i]));
		o += strlen(bodies[i]);
		snprintf(name, sizeof name, "mutate%d", i);
		put("fuzz_note", name, buf, o);
		free(buf);
		free(note);
	}
	note_signer_free(sec);
	note_signer_free(sed);
	keys_free(ec);
	keys_free(ed);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: mkseeds CORPUSDIR");
	outdir = argv[1];
	EVP_PKEY *p256 = gen("EC", "P-256"), *p384 = gen("EC", "P-384"), *p521 = gen("EC", "P-521"),
	         *rsa = gen("RSA", "2048"), *ed = gen("ED25519", NULL);
	char *pp256 = pub_pem(p256), *pp384 = pub_pem(p384), *pp521 = pub_pem(p521), *prsa = pub_pem(rsa),
	     *ped = pub_pem(ed);
	char *cert = cert_pem(p256, "email:Signer@Example.com,URI:https://github.com/x/y/.github/workflows/"
	                            "r.yml@refs/heads/main,DNS:example.com,IP:10.1.2.3,IP:2001:db8::1,"
	                            "otherName:1.3.6.1.4.1.57264.1.7;UTF8:fuzz-user");
	char *cert_plain = cert_pem(p384, NULL);

	hashedrekord("hr-p256", p256, pp256, "sha256", EVP_sha256(), 0, 0);
	hashedrekord("hr-p256-rs", p256, pp256, "sha256", EVP_sha256(), 1, 0);
	hashedrekord("hr-p256-sha512-extra", p256, pp256, "sha512", EVP_sha512(), 0, 1);
	hashedrekord("hr-p384", p384, pp384, "sha384", EVP_sha384(), 0, 0);
	hashedrekord("hr-p521", p521, pp521, "sha512", EVP_sha512(), 0, 0);
	hashedrekord("hr-rsa", rsa, prsa, "sha256", EVP_sha256(), 0, 0);
	hashedrekord("hr-cert-sans", p256, cert, "sha256", EVP_sha256(), 0, 0);
	hashedrekord("hr-cert-plain", p384, cert_plain, "sha384", EVP_sha384(), 0, 0);

	const char *intoto =
	    "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":"
	    "\"https://slsa.dev/provenance/v0.2\",\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":"
	    "\"ab5b9a6e0d3ed2e6c3a4ff7e1ab4d9b3f3a09cb0a3b5d2e8c6f5b1c7d9e0f1a2\"}}],\"predicate\":"
	    "{\"materials\":[{\"uri\":\"git+https://x\",\"digest\":{\"sha1\":\"0123456789abcdef0123"
	    "456789abcdef01234567\"}}]}}";
	EVP_PKEY *k1[1] = {p256};
	const char *pm1[1] = {pp256};
	dsse("dsse-p256-intoto", k1, pm1, 1, "application/vnd.in-toto+json", intoto);
	EVP_PKEY *k2[1] = {ed};
	const char *pm2[1] = {ped};
	dsse("dsse-ed25519", k2, pm2, 1, "text/plain", "hello");
	EVP_PKEY *k3[2] = {p384, ed};
	const char *pm3[2] = {cert, ped};
	/* The cert holds the P-256 key: sign with it. */
	k3[0] = p256;
	dsse("dsse-two", k3, pm3, 2, "application/vnd.in-toto+json", intoto);
	EVP_PKEY *k4[1] = {rsa};
	const char *pm4[1] = {prsa};
	dsse("dsse-rsa-empty", k4, pm4, 1, "x", "");

	/* Invalid ones, for coverage of the error paths. */
	const char *bad[] = {
	    "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{}}",
	    "{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{}}",
	    "{\"apiVersion\":\"0.0.1\",\"kind\":\"rekord\",\"spec\":{}}",
	    "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"envelopeHash\":{\"algorithm\":"
	    "\"sha256\","
	    "\"value\":\"00\"}}}",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	    "{\"a\":1,\"a\":2}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "bad%zu", i);
		put("fuzz_entry", name, bad[i], strlen(bad[i]));
	}

	put("fuzz_keys", "p256", pp256, strlen(pp256));
	put("fuzz_keys", "p384", pp384, strlen(pp384));
	put("fuzz_keys", "p521", pp521, strlen(pp521));
	put("fuzz_keys", "rsa", prsa, strlen(prsa));
	put("fuzz_keys", "ed25519", ped, strlen(ped));
	put("fuzz_keys", "cert-sans", cert, strlen(cert));
	put("fuzz_keys", "cert-plain", cert_plain, strlen(cert_plain));
	put("fuzz_keys", "priv-ec", fuzz_ec_pem, strlen(fuzz_ec_pem));
	put("fuzz_keys", "priv-ed", fuzz_ed_pem, strlen(fuzz_ed_pem));
	notes();
	return 0;
}
