/* Fuzz target: bundles (bundle_parse: Sigstore v0.x JSON, cosign annotation
 * and cosign blob bundles) and what the verifier does with a parsed one.
 *
 * Invariants:
 *  - failure codes are the documented ones and *out stays NULL;
 *  - a parsed bundle is internally consistent: the leaf is the body's hash,
 *    a proof has a checkpoint, at most MERKLE_MAX_PROOF hashes, a Sigstore
 *    bundle has a digest of its algorithm's length and a signature;
 *  - writing it back (bundle_sigstore_json / bundle_cosign_json) and parsing
 *    again gives the same fields;
 *  - no input verifies against a key generated here (no forgery by fuzzing).
 * Self-contained (includes the verifier's sources), so it builds with the
 * log/ objects alone: tests/fuzz/run.sh can take it as is. */
#include "../fuzz/fuzz.h"

#include "../../verifier/jsonx.c"
#include "../../verifier/tlog.c"
#include "../../verifier/bundle.c"

static keys_key *key;

static void same(const bundle *a, const bundle *b)
{
	const tlog_entry *x = a->tlog, *y = b->tlog;
	FUZZ_CHECK(x->log_index == y->log_index && x->integrated_time == y->integrated_time, "index/time");
	FUZZ_CHECK(memcmp(x->log_id, y->log_id, 32) == 0, "log id");
	FUZZ_CHECK(x->body_len == y->body_len && memcmp(x->body, y->body, x->body_len) == 0, "body");
	FUZZ_CHECK(x->set_len == y->set_len && (!x->set || memcmp(x->set, y->set, x->set_len) == 0), "set");
	FUZZ_CHECK(!!x->set == !!y->set, "set presence");
	if (a->format == BUNDLE_SIGSTORE) {
		FUZZ_CHECK(x->has_proof == y->has_proof, "proof presence");
		if (x->has_proof) {
			FUZZ_CHECK(x->proof_index == y->proof_index && x->tree_size == y->tree_size,
			           "proof index/size");
			FUZZ_CHECK(memcmp(x->root, y->root, 32) == 0, "root");
			FUZZ_CHECK(x->nhashes == y->nhashes &&
			               memcmp(x->hashes, y->hashes, 32 * x->nhashes) == 0,
			           "hashes");
			FUZZ_CHECK(strcmp(x->checkpoint, y->checkpoint) == 0, "checkpoint");
		}
		FUZZ_CHECK(a->alg == b->alg && a->digest_len == b->digest_len &&
		               memcmp(a->digest, b->digest, a->digest_len) == 0,
		           "digest");
		FUZZ_CHECK(a->sig_len == b->sig_len && memcmp(a->sig, b->sig, a->sig_len) == 0, "signature");
		FUZZ_CHECK((!a->hint && !b->hint) || (a->hint && b->hint && strcmp(a->hint, b->hint) == 0),
		           "hint");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bundle *b = NULL, *b2 = NULL;
	char err[512], *text = NULL;
	size_t len;
	int rc;

	if (!key && keys_generate(KEYS_ECDSA_P256, &key) != CAIRN_OK)
		abort();
	rc = bundle_parse((const char *)data, size, &b, err, sizeof err);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_UNSUPPORTED ||
		               rc == CAIRN_ERR_TOO_LARGE || rc == CAIRN_ERR_VERIFY || rc == CAIRN_ERR_NOMEM,
		           "rc %d", rc);
		FUZZ_CHECK(b == NULL, "*out set on failure");
		FUZZ_CHECK(memchr(err, '\n', strnlen(err, sizeof err)) == NULL, "multi-line error: %s", err);
		return 0;
	}
	const tlog_entry *e = b->tlog;
	uint8_t leaf[32];
	FUZZ_CHECK(e != NULL, "no tlog entry");
	merkle_leaf_hash(e->body, e->body_len, leaf);
	FUZZ_CHECK(memcmp(leaf, e->leaf, 32) == 0, "leaf is not the body's hash");
	FUZZ_CHECK(e->body_len <= ENTRY_MAX_CANONICAL && e->nhashes <= MERKLE_MAX_PROOF, "bounds");
	FUZZ_CHECK(!e->has_proof || (e->checkpoint && strlen(e->checkpoint) == e->checkpoint_len),
	           "checkpoint");
	FUZZ_CHECK(e->log_index <= INT64_MAX && e->integrated_time <= INT64_MAX, "int64");
	if (b->format == BUNDLE_SIGSTORE) {
		FUZZ_CHECK(b->has_digest && b->digest_len == tlog_digest_len(b->alg) && b->sig &&
		               b->sig_len > 0,
		           "message signature");
		rc = bundle_sigstore_json(e, b->hint, b->alg, b->digest, b->digest_len, b->sig, b->sig_len,
		                          &text, &len);
	} else {
		rc = bundle_cosign_json(e, &text, &len);
	}
	FUZZ_CHECK(rc == CAIRN_OK, "cannot write a parsed bundle back: %d", rc);
	rc = bundle_parse(text, len, &b2, err, sizeof err);
	FUZZ_CHECK(rc == CAIRN_OK, "a written bundle does not parse: %s", err);
	same(b, b2);
	/* Nothing random verifies. */
	FUZZ_CHECK(tlog_verify_set(e, key, err, sizeof err) != CAIRN_OK, "SET verified");
	if (e->has_proof) {
		note_checkpoint cp;
		FUZZ_CHECK(tlog_verify_inclusion(e, key, &cp, err, sizeof err) != CAIRN_OK, "proof verified");
	}
	bundle_free(b);
	bundle_free(b2);
	free(text);
	return 0;
}
