/* cairn CLI: Sigstore bundles and cosign's bundle annotation.
 *
 * Three serialized forms carry a logged signature:
 *   - the Sigstore bundle (v0.1-v0.3 JSON, key-based, messageSignature):
 *     what `cairn sign-blob` writes and sigstore-js reads and writes;
 *   - cosign's "rekor bundle", the dev.sigstore.cosign/bundle annotation
 *     {SignedEntryTimestamp, Payload: {body, integratedTime, logIndex, logID}};
 *   - cosign's blob bundle {base64Signature, cert, rekorBundle}.
 * bundle_parse reads any of them strictly into one shape; the writers emit
 * the first two. Pure: no I/O. */
#ifndef CAIRN_BUNDLE_H
#define CAIRN_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "tlog.h"

/* Cap on a bundle file or annotation. */
#define BUNDLE_MAX (1024 * 1024)
#define BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"

typedef enum bundle_format {
	BUNDLE_SIGSTORE,     /* a Sigstore bundle */
	BUNDLE_COSIGN_REKOR, /* the dev.sigstore.cosign/bundle annotation */
	BUNDLE_COSIGN_BLOB   /* cosign sign-blob --bundle */
} bundle_format;

typedef struct bundle {
	bundle_format format;
	char *hint;     /* verificationMaterial.publicKey.hint; NULL if none */
	int has_digest; /* a messageSignature.messageDigest */
	keys_digest alg;
	uint8_t digest[64];
	size_t digest_len;
	uint8_t *sig; /* the artifact signature; NULL if the form has none */
	size_t sig_len;
	tlog_entry *tlog; /* the one transparency log entry; never NULL */
} bundle;

/* Parses a bundle in any of the three forms (len bytes of JSON, at most
 * BUNDLE_MAX). CAIRN_ERR_INVALID for malformed input, CAIRN_ERR_UNSUPPORTED
 * for certificate or DSSE bundles and other than one tlog entry,
 * CAIRN_ERR_VERIFY when the bundle contradicts itself (kindVersion is not
 * the body's). A one-line reason goes to err. Caller frees *out with
 * bundle_free(). */
int bundle_parse(const char *text, size_t len, bundle **out, char *err, size_t errlen);

/* Frees b; bundle_free(NULL) is a no-op. */
void bundle_free(bundle *b);

/* A Sigstore bundle v0.3 (key-based, messageSignature) for entry e and a
 * signature over a digest. hint may be NULL. *out is NUL-terminated JSON
 * ending in a newline; caller frees it with free(). */
int bundle_sigstore_json(const tlog_entry *e, const char *hint, keys_digest alg, const uint8_t *digest,
                         size_t dlen, const uint8_t *sig, size_t siglen, char **out, size_t *len);

/* The dev.sigstore.cosign/bundle annotation value for e (which must have a
 * SET). Caller frees *out with free(). */
int bundle_cosign_json(const tlog_entry *e, char **out, size_t *len);

/* The key hint cairn writes: base64 of SHA-256 of the DER SPKI (44 chars
 * and a NUL). */
int bundle_key_hint(const keys_key *k, char out[45]);

#endif
