#define _POSIX_C_SOURCE 200809L
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "codec.h"

#define H MERKLE_HASH_SIZE

void verify_note(verify_report *rep, const char *fmt, ...)
{
	va_list ap;
	if (rep->n >= VERIFY_MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->lines[rep->n++], sizeof rep->lines[0], fmt, ap);
	va_end(ap);
}

void verify_time(uint64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > (uint64_t)253402300799ULL || !gmtime_r(&tt, &tm) ||
	    !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%llu", (unsigned long long)t);
}

/* The log's current view of the entry, and its consistency with the
 * bundled checkpoint. */
static int online(const verify_input *in, const note_checkpoint *bundled, verify_report *rep, char *err,
                  size_t errlen)
{
	const tlog_entry *e = in->tlog;
	tlog_entry *cur = NULL;
	note_checkpoint now;
	uint8_t proof[MERKLE_MAX_PROOF][H], root[H];
	size_t n = 0;
	char uuid[65], sub[400];
	int rc;

	tlog_uuid(e, uuid);
	rc = client_entry_by_uuid(in->online, uuid, &cur, sub, sizeof sub);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		snprintf(err, errlen,
		         "online: the log promised entry %llu (UUID %s) but does not serve it: %s",
		         (unsigned long long)e->log_index, uuid, sub);
		return CAIRN_ERR_CORRUPT;
	}
	if (rc) {
		snprintf(err, errlen, "online: %s", sub);
		return rc;
	}
	if (cur->log_index != e->log_index || cur->integrated_time != e->integrated_time ||
	    CRYPTO_memcmp(cur->log_id, e->log_id, H) != 0) {
		snprintf(err, errlen,
		         "online: the log serves UUID %s at index %llu (time %llu), but it promised index "
		         "%llu (time %llu)",
		         uuid, (unsigned long long)cur->log_index, (unsigned long long)cur->integrated_time,
		         (unsigned long long)e->log_index, (unsigned long long)e->integrated_time);
		rc = CAIRN_ERR_CORRUPT;
		goto out;
	}
	rc = tlog_verify_inclusion(cur, in->log_key, &now, sub, sizeof sub);
	if (rc) {
		snprintf(err, errlen, "online %s", sub);
		goto out;
	}
	verify_note(rep,
	            "online: the log serves the entry with an inclusion proof to its current checkpoint "
	            "(size %llu), signed by the log key",
	            (unsigned long long)now.size);
	if (!bundled) {
		verify_note(
		    rep,
		    "online: the bundle holds no checkpoint, so there was none to prove consistency from");
		rc = CAIRN_OK;
		goto out;
	}
	if (now.size > bundled->size) {
		rc =
		    client_consistency(in->online, bundled->size, now.size, proof, &n, root, sub, sizeof sub);
		if (rc) {
			snprintf(err, errlen, "online consistency: %s", sub);
			goto out;
		}
		if (CRYPTO_memcmp(root, now.root, H) != 0) {
			snprintf(err, errlen,
			         "online consistency: the log's root for size %llu is not the one its "
			         "checkpoint signs",
			         (unsigned long long)now.size);
			rc = CAIRN_ERR_CORRUPT;
			goto out;
		}
	}
	rc = tlog_verify_consistency(bundled, &now, (const uint8_t(*)[32])proof, n, sub, sizeof sub);
	if (rc) {
		snprintf(err, errlen, "online %s", sub);
		rc = CAIRN_ERR_CORRUPT;
		goto out;
	}
	verify_note(rep,
	            "online: the log's checkpoint (size %llu) is consistent with the bundled one (size %llu)",
	            (unsigned long long)now.size, (unsigned long long)bundled->size);
out:
	tlog_entry_free(cur);
	return rc;
}

int verify_logged_signature(const verify_input *in, verify_report *rep, char *err, size_t errlen)
{
	const tlog_entry *e = in->tlog;
	note_checkpoint cp;
	char uuid[65], when[32], logid[65];
	int rc;

	if (keys_verify_digest(in->signer, in->alg, in->digest, in->dlen, in->sig, in->siglen) != CAIRN_OK) {
		snprintf(err, errlen,
		         "signature: it does not verify over the %s digest with the given public key",
		         tlog_digest_name(in->alg));
		return CAIRN_ERR_VERIFY;
	}
	verify_note(rep, "the signature was verified against the specified public key");
	rc = tlog_verify_log_id(e, in->log_key, err, errlen);
	if (rc)
		return rc;
	codec_hex_encode(e->log_id, H, logid);
	verify_note(rep, "the entry was logged by the log with the given key (log ID %.16s...)", logid);
	rc = tlog_check_hashedrekord(e, in->alg, in->digest, in->dlen, in->sig, in->siglen, in->signer, err,
	                             errlen);
	if (rc)
		return rc;
	tlog_uuid(e, uuid);
	verify_note(
	    rep,
	    "the logged body (hashedrekord, index %llu, UUID %s) records this signature, key and %s digest",
	    (unsigned long long)e->log_index, uuid, tlog_digest_name(in->alg));
	if (!e->set && !e->has_proof) {
		snprintf(err, errlen,
		         "SET: the bundle has neither a signed entry timestamp nor an inclusion proof");
		return CAIRN_ERR_VERIFY;
	}
	if (e->set) {
		rc = tlog_verify_set(e, in->log_key, err, errlen);
		if (rc)
			return rc;
		verify_time(e->integrated_time, when);
		verify_note(rep,
		            "the signed entry timestamp (SET) was verified with the log key: logged at index "
		            "%llu, %s",
		            (unsigned long long)e->log_index, when);
	}
	if (e->has_proof) {
		rc = tlog_verify_inclusion(e, in->log_key, &cp, err, errlen);
		if (rc)
			return rc;
		verify_note(rep,
		            "the inclusion proof was verified against a checkpoint of size %llu signed by "
		            "the log key",
		            (unsigned long long)cp.size);
	}
	if (in->online)
		return online(in, e->has_proof ? &cp : NULL, rep, err, errlen);
	return CAIRN_OK;
}
