/* cairn: public and private keys, signing and verification.
 *
 * A keys_key wraps one OpenSSL EVP_PKEY of a supported kind: ECDSA on P-256,
 * P-384 or P-521 (named curves only), Ed25519, or RSA of 2048..4096 bits
 * (verification only). Keys are immutable once built, and every operation
 * makes its own OpenSSL context, so one key may sign and verify from several
 * threads at once. PEM parsing is strict: exactly one PEM block with nothing
 * but whitespace around it, strict base64, DER that is consumed exactly. */
#ifndef CAIRN_KEYS_H
#define CAIRN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct keys_key keys_key;

typedef enum keys_type {
	KEYS_ECDSA_P256,
	KEYS_ECDSA_P384,
	KEYS_ECDSA_P521,
	KEYS_ED25519,
	KEYS_RSA,
	KEYS_OTHER
} keys_type;

typedef enum keys_digest { KEYS_SHA256, KEYS_SHA384, KEYS_SHA512 } keys_digest;

/* Cap on a PEM text or key file; past it CAIRN_ERR_TOO_LARGE. */
#define KEYS_MAX_PEM (64 * 1024)

/* A fresh private key of type KEYS_ECDSA_P256 or KEYS_ED25519; any other type
 * gives CAIRN_ERR_UNSUPPORTED. Caller frees *out with keys_free(). */
int keys_generate(keys_type type, keys_key **out);

/* Parses a private key PEM: "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY"
 * (SEC1), unencrypted, ECDSA (P-256/384/521) or Ed25519; other algorithms and
 * encrypted keys give CAIRN_ERR_UNSUPPORTED, bad syntax CAIRN_ERR_INVALID.
 * pem need not be NUL-terminated. Caller frees *out with keys_free(). */
int keys_from_private_pem(const char *pem, size_t len, keys_key **out);

/* Parses a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM, or a "CERTIFICATE" PEM
 * whose subject key is used (the certificate itself is not validated).
 * RSA must be 2048..4096 bits and other curves or algorithms give
 * CAIRN_ERR_UNSUPPORTED; bad syntax or an invalid point CAIRN_ERR_INVALID.
 * Caller frees *out with keys_free(). */
int keys_from_public_pem(const char *pem, size_t len, keys_key **out);

/* A public-only Ed25519 key from its 32 raw bytes (as in a C2SP verifier
 * key). Caller frees *out with keys_free(). */
int keys_from_ed25519_raw_public(const uint8_t pub[32], keys_key **out);

/* Reads a private key PEM file. Refuses a file with any group or other
 * permission bit set (CAIRN_ERR_PERM), a non-regular file (CAIRN_ERR_IO), a
 * file over KEYS_MAX_PEM (CAIRN_ERR_TOO_LARGE); CAIRN_ERR_NOT_FOUND when the
 * path does not exist, CAIRN_ERR_IO on other I/O failures. The buffer holding
 * the file is wiped. Caller frees *out with keys_free(). */
int keys_load_private_file(const char *path, keys_key **out);

/* Reads a public key or certificate PEM file (as keys_from_public_pem), with
 * the same size cap and errors but no permission check. */
int keys_load_public_file(const char *path, keys_key **out);

/* Writes k's private key as a PKCS#8 PEM to a new file of mode 0600, fsync'd
 * along with its directory. Never overwrites: CAIRN_ERR_DUPLICATE when path
 * exists, CAIRN_ERR_INVALID when k holds no private key, CAIRN_ERR_IO on I/O
 * failure (a partly written file is removed). */
int keys_write_private_file(const keys_key *k, const char *path);

/* As keys_write_private_file for the SPKI public key PEM, mode 0644. */
int keys_write_public_file(const keys_key *k, const char *path);

/* The SPKI PEM: "-----BEGIN PUBLIC KEY-----\n", 64-character base64 lines,
 * "-----END PUBLIC KEY-----\n". *pem is NUL-terminated, *len excludes the NUL;
 * caller frees *pem with free(). */
int keys_public_pem(const keys_key *k, char **pem, size_t *len);

/* The DER SubjectPublicKeyInfo; caller frees *der with free(). */
int keys_public_der(const keys_key *k, uint8_t **der, size_t *len);

/* SHA-256 of the DER SubjectPublicKeyInfo (Rekor's logID). */
int keys_id(const keys_key *k, uint8_t out[32]);

/* The key's type; KEYS_OTHER for NULL. */
keys_type keys_type_of(const keys_key *k);

/* Does k hold a private key? */
int keys_has_private(const keys_key *k);

/* The 32-byte raw Ed25519 public key; CAIRN_ERR_INVALID for other types. */
int keys_ed25519_raw_public(const keys_key *k, uint8_t out[32]);

/* Signs msg: ECDSA with the curve's hash (P-256 SHA-256, P-384 SHA-384,
 * P-521 SHA-512), ASN.1 DER signature; Ed25519 pure over msg. RSA gives
 * CAIRN_ERR_UNSUPPORTED, a public-only key CAIRN_ERR_INVALID. Caller frees
 * *sig with free(). */
int keys_sign(const keys_key *k, const uint8_t *msg, size_t len, uint8_t **sig, size_t *siglen);

/* Verifies sig over msg: ECDSA (DER signature) with the curve's hash, RSA
 * PKCS#1 v1.5 with SHA-256, Ed25519 pure. CAIRN_OK, CAIRN_ERR_VERIFY for any
 * bad or malformed signature, CAIRN_ERR_INVALID for NULL arguments. */
int keys_verify(const keys_key *k, const uint8_t *msg, size_t len, const uint8_t *sig,
                size_t siglen) CAIRN_MUST_CHECK;

/* Verifies sig over a digest computed by the caller (Rekor hashedrekord).
 * dlen must match alg (CAIRN_ERR_INVALID otherwise). ECDSA accepts an ASN.1
 * DER signature or raw r||s of twice the field size, with any of the three
 * digests; RSA is PKCS#1 v1.5 with alg. Ed25519 gives CAIRN_ERR_UNSUPPORTED
 * (OpenSSL 3.0 has no Ed25519ph). CAIRN_OK or CAIRN_ERR_VERIFY. */
int keys_verify_digest(const keys_key *k, keys_digest alg, const uint8_t *digest, size_t dlen,
                       const uint8_t *sig, size_t siglen) CAIRN_MUST_CHECK;

/* Frees k and wipes its private key; keys_free(NULL) is a no-op. */
void keys_free(keys_key *k);

#endif
