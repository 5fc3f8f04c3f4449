/* cairn CLI: transparency log entries as a verifier sees them.
 *
 * A tlog_entry is one logged entry with the evidence the log gave for it:
 * the canonical body, its index and time, the signed entry timestamp (SET)
 * and an inclusion proof to a signed checkpoint. It is filled from a Rekor
 * LogEntry (tlog_entry_from_rekor) or from a bundle (bundle.h), and checked
 * here against the log's public key and against the signature it claims to
 * log. Everything here is pure: no I/O.
 *
 * Verification functions return CAIRN_OK or CAIRN_ERR_VERIFY (or an
 * allocation error) and write a one-line reason to err, starting with the
 * name of the check that failed ("SET: ...", "inclusion proof: ..."). */
#ifndef CAIRN_TLOG_H
#define CAIRN_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "entry.h"
#include "err.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"

/* Cap on a Rekor LogEntry response or a bundle's tlog entry. */
#define TLOG_MAX_JSON (1024 * 1024)
/* Cap on a decoded SET (a DER ECDSA signature is at most 139 bytes). */
#define TLOG_MAX_SET 512

typedef struct tlog_entry {
	uint64_t log_index;
	uint64_t integrated_time; /* Unix seconds, <= INT64_MAX */
	uint8_t log_id[32];       /* SHA-256 of the log key's DER SPKI */
	uint8_t *body;            /* the canonical body, NUL-terminated */
	size_t body_len;          /* <= ENTRY_MAX_CANONICAL */
	uint8_t leaf[32];         /* merkle_leaf_hash(body): the UUID */
	char kind[16];            /* the body's "kind" */
	char version[16];         /* the body's "apiVersion" */
	uint8_t *set;             /* NULL when the entry has no SET */
	size_t set_len;
	int has_proof; /* an inclusion proof and its checkpoint */
	uint64_t proof_index, tree_size;
	uint8_t root[32];
	uint8_t hashes[MERKLE_MAX_PROOF][32];
	size_t nhashes;
	char *checkpoint; /* the signed note; set iff has_proof */
	size_t checkpoint_len;
} tlog_entry;

/* A new entry for a canonical body (len bytes, copied): computes the leaf
 * hash and reads kind and apiVersion from the body. CAIRN_ERR_TOO_LARGE past
 * ENTRY_MAX_CANONICAL, CAIRN_ERR_INVALID when the body is not a JSON object
 * with string kind and apiVersion. Caller frees *out with tlog_entry_free(). */
int tlog_entry_new(const uint8_t *body, size_t len, tlog_entry **out, char *err, size_t errlen);

/* Frees e and what it owns; tlog_entry_free(NULL) is a no-op. */
void tlog_entry_free(tlog_entry *e);

/* Parses a Rekor v1 LogEntry ({"<entryID>": {body, integratedTime, logID,
 * logIndex, verification: {inclusionProof, signedEntryTimestamp}}}). The
 * entryID must end in the hex leaf hash of the body. v is borrowed. Caller
 * frees *out with tlog_entry_free(). CAIRN_ERR_INVALID on any deviation. */
int tlog_entry_from_rekor(const json_t *v, tlog_entry **out, char *err, size_t errlen);

/* Writes the entry's UUID (hex leaf hash) and a NUL to out. */
void tlog_uuid(const tlog_entry *e, char out[65]);

/* The JCS bytes the SET signs: {body, integratedTime, logID, logIndex}.
 * Caller frees *out with free(). */
int tlog_set_payload(const tlog_entry *e, char **out, size_t *len);

/* Is the entry's log ID the ID of log_key? */
int tlog_verify_log_id(const tlog_entry *e, const keys_key *log_key, char *err,
                       size_t errlen) CAIRN_MUST_CHECK;

/* Verifies the entry's SET with log_key (CAIRN_ERR_VERIFY when absent). */
int tlog_verify_set(const tlog_entry *e, const keys_key *log_key, char *err, size_t errlen) CAIRN_MUST_CHECK;

/* Verifies a checkpoint note signed by log_key in the Rekor v1 way (ECDSA,
 * key hint = log ID[0:4], signer name taken from the matching signature
 * line) and parses its body into *out. */
int tlog_checkpoint_verify(const char *note, size_t len, const keys_key *log_key, note_checkpoint *out,
                           char *err, size_t errlen) CAIRN_MUST_CHECK;

/* Verifies the entry's inclusion proof: the checkpoint is signed by
 * log_key, names the proof's tree size and root, and the body's leaf hash
 * sits at the entry's index under that root. The checkpoint goes to *cp
 * (may be NULL). CAIRN_ERR_VERIFY when the entry has no proof. */
int tlog_verify_inclusion(const tlog_entry *e, const keys_key *log_key, note_checkpoint *cp, char *err,
                          size_t errlen) CAIRN_MUST_CHECK;

/* Is checkpoint b an extension of checkpoint a, given the consistency
 * proof from a's size to b's? Same origin, b not smaller, equal sizes need
 * equal roots, and the proof must verify. */
int tlog_verify_consistency(const note_checkpoint *a, const note_checkpoint *b, const uint8_t proof[][32],
                            size_t n, char *err, size_t errlen) CAIRN_MUST_CHECK;

/* Does the logged body say exactly this: a hashedrekord 0.0.1 entry over
 * this digest (alg), with this signature, by this signer's key? All compared
 * in constant time. */
int tlog_check_hashedrekord(const tlog_entry *e, keys_digest alg, const uint8_t *digest, size_t dlen,
                            const uint8_t *sig, size_t siglen, const keys_key *signer, char *err,
                            size_t errlen) CAIRN_MUST_CHECK;

/* The proposed hashedrekord 0.0.1 entry (the POST /api/v1/log/entries
 * body) for a digest, signature and signer key. Caller frees *out. */
int tlog_proposed_hashedrekord(keys_digest alg, const uint8_t *digest, size_t dlen, const uint8_t *sig,
                               size_t siglen, const keys_key *signer, char **out, size_t *len);

/* "sha256", "sha384", "sha512"; and their digest lengths. */
const char *tlog_digest_name(keys_digest alg);
size_t tlog_digest_len(keys_digest alg);

/* Hashes data with alg into out (tlog_digest_len(alg) bytes). */
int tlog_digest(keys_digest alg, const uint8_t *data, size_t len, uint8_t out[64]);

/* The digest algorithm an ECDSA key signs with (P-256 SHA-256, P-384
 * SHA-384, P-521 SHA-512). CAIRN_ERR_UNSUPPORTED for other key types: the
 * log checks Ed25519 hashedrekord entries as Ed25519ph, which it cannot do. */
int tlog_signing_digest(const keys_key *k, keys_digest *alg);

#endif
