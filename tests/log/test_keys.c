#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "codec.h"
#include "err.h"
#include "keys.h"

static const uint8_t msg[] = "cairn known answer\n";
#define MSGLEN (sizeof(msg) - 1)

/* Generated with `openssl ecparam -name prime256v1 -genkey`; the id is
 * `openssl pkey -pubin -outform DER | sha256sum`, the signature
 * `openssl dgst -sha256 -sign` over msg. */
static const char kat_p256_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                                   "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEp8g6X90xiBFQETuqlXT36l6MeHBp\n"
                                   "9cVqr17XIG6RSWQALuHN1OM4AmLfkA7hWKsS1dawZpi+Fv5FRpeNagqaTQ==\n"
                                   "-----END PUBLIC KEY-----\n";
static const char kat_p256_id[] = "4e397c938d778d370ab8f3260fda0dad39af89491616c1554363f8305b0db699";
static const char kat_p256_sig[] = "304402200549fae7b0c2ea09163c466254eacf36cc2d39fa24d0a60d95e31ba559320c63"
                                   "02204a9223f71fc915b741fb7dbcd5831271f31c0fd428b98325a82883fc7e94c99f";

/* `openssl genpkey -algorithm ed25519`, `openssl pkeyutl -sign -rawin`. */
static const char kat_ed_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                                 "MCowBQYDK2VwAyEAR90aPF4gWkaFL8UUPypR1oAKhgvFs1CfWAIWgqpZ+MU=\n"
                                 "-----END PUBLIC KEY-----\n";
static const char kat_ed_id[] = "77e8d7258925328d7b34389f284174716a1d9b9e484df745e565e1fc2eb9ec03";
static const char kat_ed_sig[] = "0c201c9216310c7ba64a7755bb1aa0b0180f956cb15b730fd3066cec4ed5f297"
                                 "dee85b5b4de7c34d58d811325d677665cfb67142c1b1c72b6d4dc7469475f709";

/* --- helpers ------------------------------------------------------------ */

static char *bio_string(BIO *b)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(b, &data);

	assert_true(n > 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

static char *pub_pem_of(EVP_PKEY *pkey)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, pkey), 1);
	return bio_string(b);
}

static char *pkcs8_pem_of(EVP_PKEY *pkey)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL), 1);
	return bio_string(b);
}

static char *cert_pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	return bio_string(b);
}

static keys_key *pub_of(EVP_PKEY *pkey)
{
	char *pem = pub_pem_of(pkey);
	keys_key *k = NULL;
	assert_int_equal(keys_from_public_pem(pem, strlen(pem), &k), CAIRN_OK);
	free(pem);
	return k;
}

static keys_key *priv_of(EVP_PKEY *pkey)
{
	char *pem = pkcs8_pem_of(pkey);
	keys_key *k = NULL;
	assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_OK);
	free(pem);
	return k;
}

static keys_key *public_copy(const keys_key *k)
{
	char *pem = NULL;
	size_t len = 0;
	keys_key *p = NULL;
	assert_int_equal(keys_public_pem(k, &pem, &len), CAIRN_OK);
	assert_int_equal(keys_from_public_pem(pem, len, &p), CAIRN_OK);
	free(pem);
	return p;
}

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(codec_hex_decode(hex, strlen(hex), out, len), CAIRN_OK);
}

static void sha(const EVP_MD *md, const uint8_t *in, size_t len, uint8_t *out)
{
	assert_int_equal(EVP_Digest(in, len, out, NULL, md, NULL), 1);
}

/* DER ECDSA signature -> raw r||s of 2*fl bytes. */
static void der_to_raw(const uint8_t *der, size_t len, size_t fl, uint8_t *raw)
{
	const uint8_t *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, raw, (int)fl), (int)fl);
	assert_int_equal(BN_bn2binpad(s, raw + fl, (int)fl), (int)fl);
	ECDSA_SIG_free(es);
}

static int rejects_public(const char *pem)
{
	keys_key *k = NULL;
	int rc = keys_from_public_pem(pem, strlen(pem), &k);
	assert_null(k);
	return rc;
}

/* --- sign / verify ------------------------------------------------------ */

static void sign_verify_roundtrip(keys_type type)
{
	keys_key *k = NULL, *other = NULL, *pub = NULL;
	uint8_t *sig = NULL, *sig2 = NULL;
	size_t siglen = 0, siglen2 = 0;
	uint8_t bad[MSGLEN];

	assert_int_equal(keys_generate(type, &k), CAIRN_OK);
	assert_int_equal(keys_type_of(k), type);
	assert_true(keys_has_private(k));
	assert_int_equal(keys_generate(type, &other), CAIRN_OK);

	assert_int_equal(keys_sign(k, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
	assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen), CAIRN_OK);

	/* The public half alone verifies but cannot sign. */
	pub = public_copy(k);
	assert_false(keys_has_private(pub));
	assert_int_equal(keys_verify(pub, msg, MSGLEN, sig, siglen), CAIRN_OK);
	assert_int_equal(keys_sign(pub, msg, MSGLEN, &sig2, &siglen2), CAIRN_ERR_INVALID);
	assert_null(sig2);

	/* Wrong key, altered message, every flipped signature bit. */
	assert_int_equal(keys_verify(other, msg, MSGLEN, sig, siglen), CAIRN_ERR_VERIFY);
	memcpy(bad, msg, MSGLEN);
	bad[3] ^= 1;
	assert_int_equal(keys_verify(k, bad, MSGLEN, sig, siglen), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify(k, msg, MSGLEN - 1, sig, siglen), CAIRN_ERR_VERIFY);
	for (size_t i = 0; i < siglen * 8; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen), CAIRN_ERR_VERIFY);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen - 1), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify(k, msg, MSGLEN, sig, 0), CAIRN_ERR_VERIFY);

	/* An empty message signs and verifies too. */
	assert_int_equal(keys_sign(k, NULL, 0, &sig2, &siglen2), CAIRN_OK);
	assert_int_equal(keys_verify(pub, NULL, 0, sig2, siglen2), CAIRN_OK);
	assert_int_equal(keys_verify(pub, msg, 1, sig2, siglen2), CAIRN_ERR_VERIFY);

	free(sig);
	free(sig2);
	keys_free(pub);
	keys_free(other);
	keys_free(k);
}

static void test_p256_sign_verify(void **state)
{
	(void)state;
	sign_verify_roundtrip(KEYS_ECDSA_P256);
}

static void test_ed25519_sign_verify(void **state)
{
	keys_key *k = NULL;
	uint8_t raw[32], dig[32], *sig = NULL, *sig2 = NULL;
	size_t siglen = 0, siglen2 = 0;
	EVP_PKEY *pk;

	(void)state;
	sign_verify_roundtrip(KEYS_ED25519);

	/* Pure Ed25519 is deterministic and interoperates with OpenSSL's raw
	 * key: rebuild the public key from its 32 bytes and verify. */
	assert_int_equal(keys_generate(KEYS_ED25519, &k), CAIRN_OK);
	assert_int_equal(keys_ed25519_raw_public(k, raw), CAIRN_OK);
	assert_int_equal(keys_sign(k, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
	assert_int_equal(keys_sign(k, msg, MSGLEN, &sig2, &siglen2), CAIRN_OK);
	assert_int_equal(siglen, 64);
	assert_memory_equal(sig, sig2, 64);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	assert_non_null(pk);
	{
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
		assert_int_equal(EVP_DigestVerify(ctx, sig, siglen, msg, MSGLEN), 1);
		EVP_MD_CTX_free(ctx);
	}
	/* No Ed25519ph in OpenSSL 3.0. */
	sha(EVP_sha256(), msg, MSGLEN, dig);
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, sig, siglen), CAIRN_ERR_UNSUPPORTED);
	EVP_PKEY_free(pk);
	free(sig);
	free(sig2);
	keys_free(k);
}

static void test_generate_unsupported(void **state)
{
	keys_key *k = NULL;
	uint8_t raw[32];

	(void)state;
	assert_int_equal(keys_generate(KEYS_RSA, &k), CAIRN_ERR_UNSUPPORTED);
	assert_int_equal(keys_generate(KEYS_ECDSA_P384, &k), CAIRN_ERR_UNSUPPORTED);
	assert_int_equal(keys_generate(KEYS_OTHER, &k), CAIRN_ERR_UNSUPPORTED);
	assert_null(k);
	assert_int_equal(keys_type_of(NULL), KEYS_OTHER);
	keys_free(NULL);

	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &k), CAIRN_OK);
	assert_int_equal(keys_ed25519_raw_public(k, raw), CAIRN_ERR_INVALID);
	keys_free(k);
}

/* Known answers made by the openssl command line. */
static void test_known_answers(void **state)
{
	keys_key *k = NULL;
	uint8_t id[32], want[32], sig[72], esig[64];
	size_t siglen = strlen(kat_p256_sig) / 2;

	(void)state;
	assert_int_equal(keys_from_public_pem(kat_p256_pem, strlen(kat_p256_pem), &k), CAIRN_OK);
	assert_int_equal(keys_type_of(k), KEYS_ECDSA_P256);
	assert_int_equal(keys_id(k, id), CAIRN_OK);
	unhex(kat_p256_id, want, 32);
	assert_memory_equal(id, want, 32);
	unhex(kat_p256_sig, sig, siglen);
	assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen), CAIRN_OK);
	sig[siglen - 1] ^= 0x80;
	assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen), CAIRN_ERR_VERIFY);
	keys_free(k);

	k = NULL;
	assert_int_equal(keys_from_public_pem(kat_ed_pem, strlen(kat_ed_pem), &k), CAIRN_OK);
	assert_int_equal(keys_type_of(k), KEYS_ED25519);
	assert_int_equal(keys_id(k, id), CAIRN_OK);
	unhex(kat_ed_id, want, 32);
	assert_memory_equal(id, want, 32);
	unhex(kat_ed_sig, esig, 64);
	assert_int_equal(keys_verify(k, msg, MSGLEN, esig, 64), CAIRN_OK);
	esig[0] ^= 1;
	assert_int_equal(keys_verify(k, msg, MSGLEN, esig, 64), CAIRN_ERR_VERIFY);
	keys_free(k);
}

/* --- encodings ---------------------------------------------------------- */

static void test_id_is_sha256_of_der(void **state)
{
	keys_type types[] = {KEYS_ECDSA_P256, KEYS_ED25519};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		keys_key *k = NULL;
		uint8_t *der = NULL, *der2 = NULL, id[32], want[32];
		size_t len = 0;
		EVP_PKEY *pk;
		const uint8_t *p;
		int n;

		assert_int_equal(keys_generate(types[t], &k), CAIRN_OK);
		assert_int_equal(keys_public_der(k, &der, &len), CAIRN_OK);
		sha(EVP_sha256(), der, len, want);
		assert_int_equal(keys_id(k, id), CAIRN_OK);
		assert_memory_equal(id, want, 32);
		/* The DER is a SubjectPublicKeyInfo OpenSSL reads and writes back
		 * unchanged. */
		p = der;
		pk = d2i_PUBKEY(NULL, &p, (long)len);
		assert_non_null(pk);
		assert_ptr_equal(p, der + len);
		n = i2d_PUBKEY(pk, &der2);
		assert_int_equal(n, (int)len);
		assert_memory_equal(der, der2, len);
		OPENSSL_free(der2);
		EVP_PKEY_free(pk);
		free(der);
		keys_free(k);
	}
}

static void test_public_pem_roundtrip(void **state)
{
	keys_type types[] = {KEYS_ECDSA_P256, KEYS_ED25519};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		keys_key *k = NULL, *p = NULL;
		char *pem = NULL, *pem2 = NULL, *line, *next;
		size_t len = 0, len2 = 0;
		uint8_t id1[32], id2[32], *sig = NULL;
		size_t siglen = 0;

		assert_int_equal(keys_generate(types[t], &k), CAIRN_OK);
		assert_int_equal(keys_public_pem(k, &pem, &len), CAIRN_OK);
		assert_int_equal(strlen(pem), len);
		assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
		assert_true(len > 25 && strcmp(pem + len - 25, "-----END PUBLIC KEY-----\n") == 0);
		/* Body lines are at most 64 columns. */
		for (line = pem; *line; line = next + 1) {
			next = strchr(line, '\n');
			assert_non_null(next);
			assert_true(next - line <= 64);
		}
		/* Same as OpenSSL's own PEM writer. */
		{
			uint8_t *der = NULL;
			size_t dl = 0;
			const uint8_t *q;
			EVP_PKEY *pk;
			char *ossl;
			assert_int_equal(keys_public_der(k, &der, &dl), CAIRN_OK);
			q = der;
			pk = d2i_PUBKEY(NULL, &q, (long)dl);
			assert_non_null(pk);
			ossl = pub_pem_of(pk);
			assert_string_equal(ossl, pem);
			free(ossl);
			EVP_PKEY_free(pk);
			free(der);
		}
		assert_int_equal(keys_from_public_pem(pem, len, &p), CAIRN_OK);
		assert_int_equal(keys_type_of(p), types[t]);
		assert_int_equal(keys_id(k, id1), CAIRN_OK);
		assert_int_equal(keys_id(p, id2), CAIRN_OK);
		assert_memory_equal(id1, id2, 32);
		assert_int_equal(keys_public_pem(p, &pem2, &len2), CAIRN_OK);
		assert_string_equal(pem, pem2);
		assert_int_equal(keys_sign(k, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
		assert_int_equal(keys_verify(p, msg, MSGLEN, sig, siglen), CAIRN_OK);
		free(sig);
		free(pem);
		free(pem2);
		keys_free(p);
		keys_free(k);
	}
}

static void test_private_pem_forms(void **state)
{
	EVP_PKEY *pk;
	keys_key *k = NULL, *pub;
	char *pem;
	BIO *b;
	uint8_t *sig = NULL;
	size_t siglen = 0;

	(void)state;
	/* SEC1 "EC PRIVATE KEY", as `openssl ecparam -genkey` writes. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, pk, NULL, NULL, 0, NULL, NULL), 1);
	pem = bio_string(b);
	assert_non_null(strstr(pem, "BEGIN EC PRIVATE KEY"));
	assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_OK);
	assert_int_equal(keys_type_of(k), KEYS_ECDSA_P256);
	pub = pub_of(pk);
	assert_int_equal(keys_sign(k, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
	assert_int_equal(keys_verify(pub, msg, MSGLEN, sig, siglen), CAIRN_OK);
	/* A private PEM is not a public one and vice versa. */
	assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
	free(pem);
	pem = pub_pem_of(pk);
	keys_free(k);
	k = NULL;
	assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_ERR_INVALID);
	free(pem);

	/* Encrypted PKCS#8 is refused without prompting for a passphrase. */
	b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_aes_128_cbc(), "pw", 2, NULL, NULL), 1);
	pem = bio_string(b);
	assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_ERR_UNSUPPORTED);
	assert_null(k);
	free(pem);

	free(sig);
	keys_free(pub);
	EVP_PKEY_free(pk);
}

/* --- files -------------------------------------------------------------- */

static void test_private_file(void **state)
{
	char dir[] = "/tmp/cairn-test-keys-XXXXXX", path[128], big[128];
	keys_key *k = NULL, *l = NULL, *pub = NULL;
	uint8_t id1[32], id2[32], *sig = NULL;
	size_t siglen = 0;
	struct stat st;
	mode_t old;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log.key", dir);
	snprintf(big, sizeof(big), "%s/big.key", dir);

	for (int t = 0; t < 2; t++) {
		keys_type type = t ? KEYS_ED25519 : KEYS_ECDSA_P256;

		assert_int_equal(keys_generate(type, &k), CAIRN_OK);
		/* A permissive umask must not leak into the mode. */
		old = umask(0);
		assert_int_equal(keys_write_private_file(k, path), CAIRN_OK);
		umask(old);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		/* Never overwrites. */
		assert_int_equal(keys_write_private_file(k, path), CAIRN_ERR_DUPLICATE);

		assert_int_equal(keys_load_private_file(path, &l), CAIRN_OK);
		assert_int_equal(keys_type_of(l), type);
		assert_true(keys_has_private(l));
		assert_int_equal(keys_id(k, id1), CAIRN_OK);
		assert_int_equal(keys_id(l, id2), CAIRN_OK);
		assert_memory_equal(id1, id2, 32);
		/* The reloaded key signs for the original. */
		assert_int_equal(keys_sign(l, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
		assert_int_equal(keys_verify(k, msg, MSGLEN, sig, siglen), CAIRN_OK);
		free(sig);
		sig = NULL;
		keys_free(l);
		l = NULL;

		/* Group or other bits: refused. */
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(keys_load_private_file(path, &l), CAIRN_ERR_PERM);
		assert_int_equal(chmod(path, 0640), 0);
		assert_int_equal(keys_load_private_file(path, &l), CAIRN_ERR_PERM);
		assert_int_equal(chmod(path, 0602), 0);
		assert_int_equal(keys_load_private_file(path, &l), CAIRN_ERR_PERM);
		assert_null(l);
		/* The public loader does not mind. */
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(keys_load_public_file(path, &l), CAIRN_ERR_INVALID);
		assert_int_equal(chmod(path, 0400), 0);
		assert_int_equal(keys_load_private_file(path, &l), CAIRN_OK);
		keys_free(l);
		l = NULL;
		assert_int_equal(unlink(path), 0);
		keys_free(k);
		k = NULL;
	}

	/* Public file: 0644, reloads to the same id. */
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &k), CAIRN_OK);
	old = umask(077);
	assert_int_equal(keys_write_public_file(k, path), CAIRN_OK);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(keys_write_public_file(k, path), CAIRN_ERR_DUPLICATE);
	assert_int_equal(keys_load_public_file(path, &pub), CAIRN_OK);
	assert_false(keys_has_private(pub));
	assert_int_equal(keys_id(k, id1), CAIRN_OK);
	assert_int_equal(keys_id(pub, id2), CAIRN_OK);
	assert_memory_equal(id1, id2, 32);
	/* A public key cannot be written as a private one. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(keys_write_private_file(pub, path), CAIRN_ERR_INVALID);
	assert_int_equal(access(path, F_OK), -1);

	/* Missing files, directories, and files over the cap. */
	assert_int_equal(keys_load_private_file(path, &l), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(keys_load_public_file(path, &l), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(keys_load_public_file(dir, &l), CAIRN_ERR_IO);
	f = fopen(big, "w");
	assert_non_null(f);
	for (int i = 0; i < KEYS_MAX_PEM + 1; i++)
		fputc(' ', f);
	fclose(f);
	assert_int_equal(chmod(big, 0600), 0);
	assert_int_equal(keys_load_private_file(big, &l), CAIRN_ERR_TOO_LARGE);
	assert_int_equal(keys_load_public_file(big, &l), CAIRN_ERR_TOO_LARGE);
	assert_null(l);
	assert_int_equal(unlink(big), 0);
	{
		char missing[160];
		snprintf(missing, sizeof(missing), "%s/no/such/dir/key", dir);
		assert_int_equal(keys_write_private_file(k, missing), CAIRN_ERR_NOT_FOUND);
	}

	keys_free(pub);
	keys_free(k);
	assert_int_equal(rmdir(dir), 0);
}

/* --- prehashed (hashedrekord) verification ------------------------------ */

static void check_ecdsa_digest(keys_key *k, keys_key *other, keys_digest alg, const EVP_MD *md, size_t fl)
{
	uint8_t dig[64], wrong[64], raw[2 * 66], *sig = NULL;
	size_t dl = (size_t)EVP_MD_get_size(md), siglen = 0;

	assert_int_equal(keys_sign(k, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
	sha(md, msg, MSGLEN, dig);
	sha(md, msg, MSGLEN - 1, wrong);
	/* DER form. */
	assert_int_equal(keys_verify_digest(k, alg, dig, dl, sig, siglen), CAIRN_OK);
	assert_int_equal(keys_verify_digest(k, alg, wrong, dl, sig, siglen), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(other, alg, dig, dl, sig, siglen), CAIRN_ERR_VERIFY);
	/* Raw r||s form. */
	der_to_raw(sig, siglen, fl, raw);
	assert_int_equal(keys_verify_digest(k, alg, dig, dl, raw, 2 * fl), CAIRN_OK);
	assert_int_equal(keys_verify_digest(k, alg, wrong, dl, raw, 2 * fl), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(other, alg, dig, dl, raw, 2 * fl), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(k, alg, dig, dl, raw, 2 * fl - 1), CAIRN_ERR_VERIFY);
	raw[fl + 3] ^= 4;
	assert_int_equal(keys_verify_digest(k, alg, dig, dl, raw, 2 * fl), CAIRN_ERR_VERIFY);
	/* The message form takes DER only. */
	raw[fl + 3] ^= 4;
	assert_int_equal(keys_verify(k, msg, MSGLEN, raw, 2 * fl), CAIRN_ERR_VERIFY);
	/* Flipped DER bit, and a digest length that does not match alg. */
	sig[siglen - 2] ^= 0x10;
	assert_int_equal(keys_verify_digest(k, alg, dig, dl, sig, siglen), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(k, alg, dig, dl - 1, sig, siglen), CAIRN_ERR_INVALID);
	assert_int_equal(keys_verify_digest(k, (keys_digest)7, dig, dl, sig, siglen), CAIRN_ERR_INVALID);
	free(sig);
}

static void test_verify_digest_ecdsa(void **state)
{
	static const struct {
		const char *curve;
		keys_type type;
		keys_digest alg;
		size_t fl;
	} curves[] = {
	    {"P-256", KEYS_ECDSA_P256, KEYS_SHA256, 32},
	    {"P-384", KEYS_ECDSA_P384, KEYS_SHA384, 48},
	    {"P-521", KEYS_ECDSA_P521, KEYS_SHA512, 66},
	};

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[c].curve);
		EVP_PKEY *pk2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[c].curve);
		const EVP_MD *md = curves[c].alg == KEYS_SHA256   ? EVP_sha256()
		                   : curves[c].alg == KEYS_SHA384 ? EVP_sha384()
		                                                  : EVP_sha512();
		keys_key *k, *other;

		assert_non_null(pk);
		assert_non_null(pk2);
		k = priv_of(pk);
		other = pub_of(pk2);
		assert_int_equal(keys_type_of(k), curves[c].type);
		check_ecdsa_digest(k, other, curves[c].alg, md, curves[c].fl);
		keys_free(other);
		keys_free(k);
		EVP_PKEY_free(pk2);
		EVP_PKEY_free(pk);
	}
}

static void test_verify_digest_rsa(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY_CTX *ctx;
	EVP_MD_CTX *mctx;
	keys_key *k, *p256 = NULL;
	uint8_t dig[32], dig512[64], sig[256], sig512[256], msig[256], *esig = NULL;
	size_t siglen = sizeof(sig), siglen512 = sizeof(sig512), msiglen = sizeof(msig), esiglen = 0;

	(void)state;
	assert_non_null(pk);
	sha(EVP_sha256(), msg, MSGLEN, dig);
	sha(EVP_sha512(), msg, MSGLEN, dig512);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &siglen, dig, 32), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha512()), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig512, &siglen512, dig512, 64), 1);
	EVP_PKEY_CTX_free(ctx);
	mctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(mctx, msig, &msiglen, msg, MSGLEN), 1);
	EVP_MD_CTX_free(mctx);

	k = pub_of(pk);
	assert_int_equal(keys_type_of(k), KEYS_RSA);
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, sig, siglen), CAIRN_OK);
	assert_int_equal(keys_verify_digest(k, KEYS_SHA512, dig512, 64, sig512, siglen512), CAIRN_OK);
	/* Wrong digest algorithm for the signature, wrong digest, flipped bit. */
	assert_int_equal(keys_verify_digest(k, KEYS_SHA512, dig512, 64, sig, siglen), CAIRN_ERR_VERIFY);
	dig[0] ^= 1;
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, sig, siglen), CAIRN_ERR_VERIFY);
	dig[0] ^= 1;
	sig[100] ^= 1;
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, sig, siglen), CAIRN_ERR_VERIFY);
	sig[100] ^= 1;
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, sig, siglen - 1), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(k, KEYS_SHA384, dig, 32, sig, siglen), CAIRN_ERR_INVALID);
	/* Message form: PKCS#1 v1.5 with SHA-256. */
	assert_int_equal(keys_verify(k, msg, MSGLEN, msig, msiglen), CAIRN_OK);
	assert_int_equal(keys_verify(k, msg, MSGLEN - 1, msig, msiglen), CAIRN_ERR_VERIFY);
	/* An ECDSA signature is no RSA one; RSA keys do not sign. */
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &p256), CAIRN_OK);
	assert_int_equal(keys_sign(p256, msg, MSGLEN, &esig, &esiglen), CAIRN_OK);
	assert_int_equal(keys_verify_digest(k, KEYS_SHA256, dig, 32, esig, esiglen), CAIRN_ERR_VERIFY);
	assert_int_equal(keys_verify_digest(p256, KEYS_SHA256, dig, 32, sig, siglen), CAIRN_ERR_VERIFY);
	free(esig);
	esig = NULL;
	assert_int_equal(keys_sign(k, msg, MSGLEN, &esig, &esiglen), CAIRN_ERR_INVALID);
	assert_null(esig);

	/* An RSA private key is not accepted as a log key. */
	{
		char *pem = pkcs8_pem_of(pk);
		keys_key *rk = NULL;
		assert_int_equal(keys_from_private_pem(pem, strlen(pem), &rk), CAIRN_ERR_UNSUPPORTED);
		assert_null(rk);
		free(pem);
	}
	keys_free(p256);
	keys_free(k);
	EVP_PKEY_free(pk);
}

static void test_rsa_sizes(void **state)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	char *pem;

	(void)state;
	assert_non_null(small);
	pem = pub_pem_of(small);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_UNSUPPORTED);
	free(pem);
	EVP_PKEY_free(small);
}

/* --- certificates and rejected input ------------------------------------ */

static X509 *self_signed(EVP_PKEY *pk)
{
	X509 *x = X509_new();
	X509_NAME *nm;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 42), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	nm = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)"cairn test", -1, -1, 0),
	                 1);
	assert_int_equal(X509_set_issuer_name(x, nm), 1);
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	return x;
}

static void test_certificate_pem(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys_key *signer, *fromcert = NULL, *k2 = NULL;
	uint8_t id1[32], id2[32], *sig = NULL;
	size_t siglen = 0;
	X509 *x;
	char *pem, *two;

	(void)state;
	assert_non_null(pk);
	signer = priv_of(pk);
	x = self_signed(pk);
	pem = cert_pem_of(x);
	assert_int_equal(keys_from_public_pem(pem, strlen(pem), &fromcert), CAIRN_OK);
	assert_int_equal(keys_type_of(fromcert), KEYS_ECDSA_P256);
	assert_false(keys_has_private(fromcert));
	assert_int_equal(keys_id(signer, id1), CAIRN_OK);
	assert_int_equal(keys_id(fromcert, id2), CAIRN_OK);
	assert_memory_equal(id1, id2, 32);
	assert_int_equal(keys_sign(signer, msg, MSGLEN, &sig, &siglen), CAIRN_OK);
	assert_int_equal(keys_verify(fromcert, msg, MSGLEN, sig, siglen), CAIRN_OK);

	/* A chain of two certificates is two blocks: refused. */
	two = malloc(2 * strlen(pem) + 1);
	assert_non_null(two);
	strcpy(two, pem);
	strcat(two, pem);
	assert_int_equal(keys_from_public_pem(two, strlen(two), &k2), CAIRN_ERR_INVALID);
	assert_null(k2);
	free(two);

	free(sig);
	free(pem);
	keys_free(fromcert);
	keys_free(signer);
	X509_free(x);
	EVP_PKEY_free(pk);
}

/* Re-wraps der as a PUBLIC KEY PEM. */
static char *pem_wrap(const uint8_t *der, size_t len)
{
	char *b64 = codec_b64_encode_alloc(der, len), *out;
	size_t n = strlen(b64) + 64;

	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
	free(b64);
	return out;
}

static void test_rejects_bad_pem(void **state)
{
	const char *P = kat_p256_pem;
	char buf[1024];
	keys_key *k = NULL;
	uint8_t der[200];
	size_t dl = 0;
	char *pem;

	(void)state;
	/* Whitespace around the block is fine. */
	snprintf(buf, sizeof(buf), "\n  \t%s\n\n", P);
	assert_int_equal(keys_from_public_pem(buf, strlen(buf), &k), CAIRN_OK);
	keys_free(k);
	k = NULL;
	/* CRLF line ends too. */
	{
		size_t o = 0;
		for (const char *c = P; *c; c++) {
			if (*c == '\n')
				buf[o++] = '\r';
			buf[o++] = *c;
		}
		buf[o] = '\0';
		assert_int_equal(keys_from_public_pem(buf, o, &k), CAIRN_OK);
		keys_free(k);
		k = NULL;
	}

	assert_int_equal(rejects_public(""), CAIRN_ERR_INVALID);
	assert_int_equal(rejects_public("garbage"), CAIRN_ERR_INVALID);
	assert_int_equal(rejects_public("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(rejects_public("-----BEGIN PUBLIC KEY-----\nZ2FyYmFnZQ==\n"
	                                "-----END PUBLIC KEY-----\n"),
	                 CAIRN_ERR_INVALID);
	/* Two blocks, text before or after, a NUL after. */
	snprintf(buf, sizeof(buf), "%s%s", P, P);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%s%s", P, kat_ed_pem);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	snprintf(buf, sizeof(buf), "key:\n%s", P);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%sx\n", P);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	assert_int_equal(keys_from_public_pem(P, strlen(P) + 1, &k), CAIRN_ERR_INVALID);
	/* Truncated, END label mismatch, a header line, a bad base64 char. */
	assert_int_equal(keys_from_public_pem(P, strlen(P) - 26, &k), CAIRN_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%.*s-----END CERTIFICATE-----\n", (int)(strlen(P) - 25), P);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	snprintf(buf, sizeof(buf), "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n%s", P + 27);
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	strcpy(buf, P);
	buf[40] = '*';
	assert_int_equal(rejects_public(buf), CAIRN_ERR_INVALID);
	/* Unknown label, PKCS#1 RSA label. */
	assert_int_equal(rejects_public("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(rejects_public("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"
	                                "-----END RSA PUBLIC KEY-----\n"),
	                 CAIRN_ERR_UNSUPPORTED);
	/* Over the cap. */
	{
		char *huge = malloc(KEYS_MAX_PEM + 2);
		assert_non_null(huge);
		memset(huge, ' ', KEYS_MAX_PEM + 1);
		huge[KEYS_MAX_PEM + 1] = '\0';
		assert_int_equal(rejects_public(huge), CAIRN_ERR_TOO_LARGE);
		assert_int_equal(keys_from_private_pem(huge, KEYS_MAX_PEM + 1, &k), CAIRN_ERR_TOO_LARGE);
		free(huge);
	}

	/* DER with a trailing byte, and with a byte cut off. */
	assert_int_equal(codec_b64_decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEp8g6X90xiBFQETuqlXT36"
	                                  "l6MeHBp9cVqr17XIG6RSWQALuHN1OM4AmLfkA7hWKsS1dawZpi+Fv5"
	                                  "FRpeNagqaTQ==",
	                                  124, der, &dl),
	                 CAIRN_OK);
	assert_int_equal(dl, 91);
	der[dl] = 0;
	pem = pem_wrap(der, dl + 1);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
	free(pem);
	pem = pem_wrap(der, dl - 1);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
	free(pem);
	/* BER, not DER: the outer length in non-minimal long form. */
	{
		uint8_t ber[200];
		ber[0] = 0x30;
		ber[1] = 0x81;
		memcpy(ber + 2, der + 1, dl - 1);
		pem = pem_wrap(ber, dl + 1);
		assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
		free(pem);
	}
	/* A point off the curve. */
	der[dl - 1] ^= 1;
	pem = pem_wrap(der, dl);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
	free(pem);
	assert_null(k);
}

static void test_rejects_odd_keys(void **state)
{
	EVP_PKEY *pk;
	char *pem;

	(void)state;
	/* secp256k1 and Ed448: valid keys, not ours. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	assert_non_null(pk);
	pem = pub_pem_of(pk);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_UNSUPPORTED);
	free(pem);
	pem = pkcs8_pem_of(pk);
	{
		keys_key *k = NULL;
		assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_ERR_UNSUPPORTED);
	}
	free(pem);
	EVP_PKEY_free(pk);

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	assert_non_null(pk);
	pem = pub_pem_of(pk);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_UNSUPPORTED);
	free(pem);
	EVP_PKEY_free(pk);

	/* A P-256 key with a compressed point (Go's x509 refuses it too). */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	assert_int_equal(
	    EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
	pem = pub_pem_of(pk);
	assert_int_equal(rejects_public(pem), CAIRN_ERR_INVALID);
	free(pem);
	/* The same key with explicit curve parameters. */
	assert_int_equal(
	    EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed"),
	    1);
	assert_int_equal(
	    EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT),
	    1);
	pem = pub_pem_of(pk);
	assert_int_not_equal(rejects_public(pem), CAIRN_OK);
	free(pem);
	EVP_PKEY_free(pk);
}

/* --- threads ------------------------------------------------------------ */

struct shared {
	keys_key *k;
	int failures;
};

static void *worker(void *arg)
{
	struct shared *sh = arg;
	int bad = 0;

	for (int i = 0; i < 25; i++) {
		uint8_t *sig = NULL;
		size_t siglen = 0;
		uint8_t id[32];
		if (keys_sign(sh->k, msg, MSGLEN, &sig, &siglen) != CAIRN_OK ||
		    keys_verify(sh->k, msg, MSGLEN, sig, siglen) != CAIRN_OK ||
		    keys_verify(sh->k, msg, MSGLEN - 1, sig, siglen) != CAIRN_ERR_VERIFY ||
		    keys_id(sh->k, id) != CAIRN_OK)
			bad = 1;
		free(sig);
	}
	return bad ? arg : NULL;
}

static void test_concurrent_use(void **state)
{
	keys_type types[] = {KEYS_ECDSA_P256, KEYS_ED25519};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		struct shared sh = {NULL, 0};
		pthread_t th[4];

		assert_int_equal(keys_generate(types[t], &sh.k), CAIRN_OK);
		for (int i = 0; i < 4; i++)
			assert_int_equal(pthread_create(&th[i], NULL, worker, &sh), 0);
		for (int i = 0; i < 4; i++) {
			void *ret = &sh;
			assert_int_equal(pthread_join(th[i], &ret), 0);
			assert_null(ret);
		}
		keys_free(sh.k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_p256_sign_verify),
	    cmocka_unit_test(test_ed25519_sign_verify),
	    cmocka_unit_test(test_generate_unsupported),
	    cmocka_unit_test(test_known_answers),
	    cmocka_unit_test(test_id_is_sha256_of_der),
	    cmocka_unit_test(test_public_pem_roundtrip),
	    cmocka_unit_test(test_private_pem_forms),
	    cmocka_unit_test(test_private_file),
	    cmocka_unit_test(test_verify_digest_ecdsa),
	    cmocka_unit_test(test_verify_digest_rsa),
	    cmocka_unit_test(test_rsa_sizes),
	    cmocka_unit_test(test_certificate_pem),
	    cmocka_unit_test(test_rejects_bad_pem),
	    cmocka_unit_test(test_rejects_odd_keys),
	    cmocka_unit_test(test_concurrent_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
