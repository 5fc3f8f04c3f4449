/* cairn CLI: verifying a logged signature, step by step.
 *
 * The checks every verify command runs on one signature and its log entry,
 * in order, each named so a failure says which one broke:
 *   signature     the signature verifies over the digest with the signer key
 *   log key       the entry was logged by the log whose key we trust
 *   logged body   the canonical body records this signature, key and digest
 *   SET           the signed entry timestamp verifies with the log key
 *   inclusion proof  (when bundled) the proof and its signed checkpoint
 * and, with a client (--log URL), online:
 *   the log serves the entry, with a current inclusion proof to a checkpoint
 *   signed by the log key, and that checkpoint is consistent with the
 *   bundled one (a consistency proof fetched from the log).
 * A bundle must carry a SET or an inclusion proof; whichever it carries
 * must verify. */
#ifndef CAIRN_VERIFY_H
#define CAIRN_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "err.h"
#include "keys.h"
#include "tlog.h"

#define VERIFY_MAX_LINES 16

/* The checks that passed, one human line each. */
typedef struct verify_report {
	char lines[VERIFY_MAX_LINES][320];
	size_t n;
} verify_report;

typedef struct verify_input {
	const keys_key *signer;  /* the signer's public key */
	const keys_key *log_key; /* the log's public key */
	keys_digest alg;         /* the digest the signature is over */
	const uint8_t *digest;
	size_t dlen;
	const uint8_t *sig;
	size_t siglen;
	const tlog_entry *tlog; /* the entry the bundle claims */
	client *online;         /* NULL: offline */
} verify_input;

/* Runs the checks above, appending a line to rep for each that passes.
 * Returns CAIRN_OK; CAIRN_ERR_VERIFY with the failed check's one-line reason
 * in err; CAIRN_ERR_CORRUPT when the log contradicts its own signed
 * promises (a checkpoint that does not extend the bundled one, a promised
 * entry it does not serve); other codes for I/O errors (online). */
int verify_logged_signature(const verify_input *in, verify_report *rep, char *err, size_t errlen);

/* Appends a formatted line to rep (dropped past VERIFY_MAX_LINES). */
void verify_note(verify_report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "2025-01-02T03:04:05Z" for a Unix time. */
void verify_time(uint64_t t, char out[32]);

#endif
