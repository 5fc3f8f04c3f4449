/* Fuzz target: PEM key and certificate parsing (keys_from_public_pem,
 * keys_from_private_pem, entry_key_index).
 *
 * Invariants: a public key that parses re-encodes to a PEM that parses to
 * the same key (same ID and type) and whose own re-encoding is identical;
 * its index key is 64 lowercase hex digits; a private key that parses signs
 * a message that its public half verifies, and not a changed message.
 * Parsing is deterministic: the same text always gives the same answer (a
 * log and its verifiers must agree on which keys are valid). */
#include "fuzz.h"

#include "entry.h"
#include "err.h"
#include "keys.h"

static void check_public(const keys_key *k)
{
	char *pem = NULL, *pem2 = NULL;
	size_t len = 0, len2 = 0;
	keys_key *k2 = NULL;
	uint8_t id[32], id2[32];
	FUZZ_CHECK(keys_public_pem(k, &pem, &len) == CAIRN_OK, "no PEM");
	FUZZ_CHECK(keys_from_public_pem(pem, len, &k2) == CAIRN_OK, "own PEM does not parse: %s",
	           fuzz_show(pem, len));
	FUZZ_CHECK(keys_type_of(k2) == keys_type_of(k), "type changed");
	FUZZ_CHECK(keys_id(k, id) == CAIRN_OK && keys_id(k2, id2) == CAIRN_OK && memcmp(id, id2, 32) == 0,
	           "ID changed");
	FUZZ_CHECK(keys_public_pem(k2, &pem2, &len2) == CAIRN_OK && len2 == len &&
	               memcmp(pem, pem2, len) == 0,
	           "PEM not stable");
	free(pem);
	free(pem2);
	keys_free(k2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	keys_key *k = NULL;
	int rc = keys_from_public_pem(s, size, &k);
	char idx[65];
	memset(idx, 0, sizeof idx);
	int irc = entry_key_index(s, size, idx);
	/* Determinism: RSA checks are the ones that could involve randomness. */
	if (rc == CAIRN_OK ? keys_type_of(k) == KEYS_RSA : size > 300) {
		for (int i = 0; i < 32; i++) {
			keys_key *again = NULL;
			int rc2 = keys_from_public_pem(s, size, &again);
			FUZZ_CHECK(rc2 == rc, "the same PEM parsed with %d, then with %d (try %d)", rc, rc2,
			           i);
			keys_free(again);
		}
	}
	if (rc == CAIRN_OK) {
		FUZZ_CHECK(!keys_has_private(k), "a public PEM gave a private key");
		keys_type t = keys_type_of(k);
		FUZZ_CHECK(t != KEYS_OTHER, "type");
		check_public(k);
		FUZZ_CHECK(irc == CAIRN_OK, "a key that parses has no index key: %d", irc);
		for (int i = 0; i < 64; i++)
			FUZZ_CHECK((idx[i] >= '0' && idx[i] <= '9') || (idx[i] >= 'a' && idx[i] <= 'f'),
			           "index key");
		FUZZ_CHECK(idx[64] == '\0', "index key length");
		keys_free(k);
	} else {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_UNSUPPORTED ||
		               rc == CAIRN_ERR_TOO_LARGE,
		           "rc %d", rc);
		FUZZ_CHECK(irc != CAIRN_OK, "index key for a PEM that does not parse");
	}
	k = NULL;
	rc = keys_from_private_pem(s, size, &k);
	if (rc == CAIRN_OK) {
		FUZZ_CHECK(keys_has_private(k), "a private PEM without the private key");
		check_public(k);
		static const uint8_t msg[] = "cairn fuzz message";
		uint8_t *sig = NULL;
		size_t siglen = 0;
		FUZZ_CHECK(keys_sign(k, msg, sizeof msg, &sig, &siglen) == CAIRN_OK, "cannot sign");
		FUZZ_CHECK(keys_verify(k, msg, sizeof msg, sig, siglen) == CAIRN_OK, "own signature refused");
		FUZZ_CHECK(keys_verify(k, msg, sizeof msg - 1, sig, siglen) == CAIRN_ERR_VERIFY,
		           "changed message verified");
		free(sig);
		keys_free(k);
	} else {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_UNSUPPORTED ||
		               rc == CAIRN_ERR_TOO_LARGE,
		           "rc %d", rc);
	}
	return 0;
}
