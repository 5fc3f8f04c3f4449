/* cairn: Rekor v1 entry kinds: validation, signature checks, canonical bodies.
 *
 * A proposed entry (the JSON body of POST /api/v1/log/entries) is parsed
 * strictly, its signatures are verified, and it is turned into the canonical
 * body that the log stores and hashes: the RFC 8785 (JCS) form of exactly the
 * fields Rekor's Canonicalize() keeps, so that a body cairn logs is byte for
 * byte the body Rekor would have logged and sigstore clients accept it.
 * Supported: hashedrekord 0.0.1 and dsse 0.0.1. Unknown members of the
 * proposed entry are ignored, as Rekor ignores them; they never reach the
 * canonical body. Pure: no I/O, no LMDB, no HTTP, so the server and the
 * verifier share it.
 *
 * Error codes (the server maps them to HTTP statuses):
 *   CAIRN_ERR_TOO_LARGE    input over ENTRY_MAX_INPUT, canonical body over
 *                          ENTRY_MAX_CANONICAL (413)
 *   CAIRN_ERR_INVALID      malformed or too deeply nested JSON, duplicate keys,
 *                          invalid UTF-8, bad base64 or hex, a wrong digest
 *                          length, a bad key or certificate (400)
 *   CAIRN_ERR_SCHEMA       well-formed JSON of the wrong shape: a member
 *                          missing or of the wrong JSON type (422)
 *   CAIRN_ERR_UNSUPPORTED  another kind, apiVersion, hash algorithm or key
 *                          type (400)
 *   CAIRN_ERR_VERIFY       a signature that does not verify (400)
 *   CAIRN_ERR_NOMEM, CAIRN_ERR_CRYPTO
 * With every error a one-line human reason, fit for the HTTP error message, is
 * written to err (truncated to errlen bytes, always NUL-terminated when
 * errlen > 0; err may be NULL). Out-parameters are untouched on failure. */
#ifndef CAIRN_ENTRY_H
#define CAIRN_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keys.h"

/* Cap on the proposed-entry JSON text. */
#define ENTRY_MAX_INPUT (128 * 1024)
/* Deepest nesting of arrays and objects accepted: 32 nested containers pass,
 * the 33rd is "too deeply nested" (CAIRN_ERR_INVALID). Applies to the proposed
 * entry, a DSSE envelope inside it and an in-toto payload inside that. */
#define ENTRY_MAX_DEPTH 32
/* Cap on a canonical body: tlog-tiles entry bundles carry 2-byte lengths. */
#define ENTRY_MAX_CANONICAL 65535
/* Index keys kept per entry; more are dropped and keys_dropped is set. */
#define ENTRY_MAX_KEYS 64
/* Longest index key (bytes, without the NUL); longer ones are dropped. */
#define ENTRY_MAX_KEY_LEN 255
/* DSSE bounds: signatures in an envelope and verifiers in a proposal. Every
 * pair may be tried, so this also bounds the work an entry can cause. */
#define ENTRY_MAX_DSSE_SIGNATURES 8
#define ENTRY_MAX_DSSE_VERIFIERS 8
/* Cap on one decoded signature. */
#define ENTRY_MAX_SIGNATURE 1024

typedef enum entry_index_kind {
	ENTRY_INDEX_HASH, /* "<algorithm>:<hex>", for the search "hash" query: artifact,
	                     payload and envelope digests, in-toto subjects, and (dsse,
	                     as Rekor files it) "sha256:<signer key hash>" */
	ENTRY_INDEX_KEY   /* for the "publicKey" and "email" queries: the bare hex key
	                     hash (see entry_key_index) and certificate SANs */
} entry_index_kind;

/* One search-index key, lowercased as Rekor's index storage lowercases every
 * key it writes and every key it looks up. */
typedef struct entry_index_key {
	entry_index_kind kind;
	char value[ENTRY_MAX_KEY_LEN + 1]; /* NUL-terminated */
	size_t len;
} entry_index_key;

typedef struct entry {
	char kind[16];        /* "hashedrekord" or "dsse" */
	char version[8];      /* "0.0.1" */
	char *canonical;      /* the canonical body: the logged bytes, NUL-terminated */
	size_t canonical_len; /* without the NUL; <= ENTRY_MAX_CANONICAL */
	uint8_t leaf[32];     /* merkle_leaf_hash(canonical): the entry's UUID */
	int verified;         /* 1: every signature checked, the entry may be
	                         appended; 0: a lookup-only entry (see
	                         entry_lookup_from_json) that must never be */
	entry_index_key keys[ENTRY_MAX_KEYS];
	size_t nkeys;
	int keys_dropped; /* 1 when some index key was left out (too many,
	                     too long, or not printable ASCII) */
} entry;

/* Parses a proposed entry (len bytes of JSON text, not necessarily
 * NUL-terminated), validates it, verifies its signature(s) and builds the
 * canonical body and index keys. On success *out is a verified entry; caller
 * frees it with entry_free(). See the top of this file for the errors. */
int entry_from_proposed(const char *json, size_t len, entry **out, char *err, size_t errlen) CAIRN_MUST_CHECK;

/* As entry_from_proposed from an already parsed value (the "entries" of
 * POST /api/v1/log/entries/retrieve). v is borrowed: only read during the
 * call. Nesting deeper than ENTRY_MAX_DEPTH is refused here too. */
int entry_from_json(const json_t *v, entry **out, char *err, size_t errlen) CAIRN_MUST_CHECK;

/* As entry_from_json, but a dsse spec may also be given in its canonical,
 * logged form ({envelopeHash, payloadHash, signatures}) as Rekor's search
 * accepts it. Such an entry carries no envelope, so nothing can be verified:
 * it comes back with verified == 0 and is only good for computing the leaf
 * hash to look up an entry already in the log. Everything else is as
 * entry_from_json (and verified). */
int entry_lookup_from_json(const json_t *v, entry **out, char *err, size_t errlen) CAIRN_MUST_CHECK;

/* 1 when JSON text nests arrays and objects at most ENTRY_MAX_DEPTH deep,
 * scanning outside strings without parsing: a cheap guard to run before
 * jansson, which recurses. Any JSON request body can use it. */
int entry_json_depth_ok(const char *s, size_t n);

/* Frees e; entry_free(NULL) is a no-op. */
void entry_free(entry *e);

/* The search key of a public key or certificate given as PEM (len bytes):
 * lowercase hex SHA-256 of its canonical PEM (the SPKI re-encoded as
 * "PUBLIC KEY", or the certificate's DER as "CERTIFICATE", 64-column lines),
 * as Rekor's /api/v1/index/retrieve computes it. Entries signed with that key
 * or certificate carry this value as an ENTRY_INDEX_KEY. out receives 64 hex
 * digits and a NUL. CAIRN_ERR_INVALID for a bad PEM, CAIRN_ERR_UNSUPPORTED
 * for an unsupported key type, CAIRN_ERR_TOO_LARGE past KEYS_MAX_PEM. */
int entry_key_index(const char *pem, size_t len, char out[65]) CAIRN_MUST_CHECK;

/* The fields of a hashedrekord 0.0.1 body, for the verifier. */
typedef struct entry_hashedrekord {
	keys_digest alg;    /* the body's spec.data.hash.algorithm */
	uint8_t digest[64]; /* the artifact digest */
	size_t digest_len;  /* 32, 48 or 64 */
	uint8_t *sig;       /* the raw signature bytes */
	size_t sig_len;
	char *pem;      /* the public key or certificate PEM, NUL-terminated */
	size_t pem_len; /* without the NUL */
} entry_hashedrekord;

/* Parses a canonical hashedrekord body (as logged, len bytes) back into its
 * fields. The PEM is checked to parse as a supported key or certificate; the
 * signature is not verified (the verifier compares it with its own artifact).
 * CAIRN_ERR_UNSUPPORTED for another kind or apiVersion, CAIRN_ERR_INVALID for
 * anything malformed or missing, CAIRN_ERR_TOO_LARGE past ENTRY_MAX_INPUT.
 * Caller frees *out with entry_hashedrekord_free(). */
int entry_parse_hashedrekord(const uint8_t *body, size_t len, entry_hashedrekord **out) CAIRN_MUST_CHECK;

/* Frees h; entry_hashedrekord_free(NULL) is a no-op. */
void entry_hashedrekord_free(entry_hashedrekord *h);

#endif
