/* Fuzz target: the verifier's log evidence checks against mutated input
 * (bundle_parse, tlog_entry_from_rekor, tlog_verify_set,
 * tlog_verify_inclusion, tlog_check_hashedrekord).
 *
 * Each run builds genuine evidence with a fixed log key: a hashedrekord
 * entry at some index of a small tree, its SET, a signed checkpoint and an
 * inclusion proof, serialized as a Sigstore bundle, a cosign bundle
 * annotation or a Rekor LogEntry. The fuzzer's edits (bits flipped, bytes
 * replaced, inserted, deleted) are applied to that text, and the result is
 * parsed and verified like `cairn verify` does. Invariants:
 *  - unedited evidence verifies (SET, inclusion proof, the body's digest,
 *    signature and key);
 *  - verification never accepts a mutated input: whenever the SET or the
 *    inclusion proof verifies, the body, index, time and log ID are the
 *    genuine ones, and when the body check also passes, the digest and
 *    signature taken from the bundle are the genuine ones.
 * A SET or checkpoint signature cannot be forged by fuzzing, so any
 * violation is a parser or verifier that checks one thing and uses another. */
#include "fuzz.h"

/* fuzz-extra: verifier/jsonx.c verifier/tlog.c verifier/bundle.c */
#include <jansson.h>
#include <openssl/evp.h>

#include "../../verifier/bundle.h"
#include "../../verifier/jsonx.h"
#include "../../verifier/tlog.h"
#include "codec.h"
#include "entry.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"

#define H 32
#define NAME "fuzz.example/log"
#define MAXN 40

static const char log_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHRFNDky+jKYVf3r/\n"
                              "LJzKaLikRwHxGjVlrXWKarx75wKhRANCAAQpl+MG5BxbK9lVTNxYNy7deJvSpXj8\n"
                              "an2W/gaAhCQwgFUby7xyujsh7pMlCzWbnBsNHzmGvAQjSsLKBwfhHFRn\n"
                              "-----END PRIVATE KEY-----\n";

static keys_key *log_key, *signer;
static note_signer *cp_signer;
static uint8_t digest[32], *sig, log_id[H];
static size_t siglen;
static uint8_t *body;
static size_t body_len;
static uint8_t body_leaf[H];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char artifact[] = "cairn fuzz artifact";
	char *proposed = NULL;
	size_t plen;
	entry *e = NULL;
	char err[256];
	if (keys_from_private_pem(log_pem, strlen(log_pem), &log_key) || keys_id(log_key, log_id) ||
	    note_signer_new(NAME, log_key, &cp_signer) || keys_generate(KEYS_ECDSA_P256, &signer) ||
	    keys_sign(signer, (const uint8_t *)artifact, strlen(artifact), &sig, &siglen) ||
	    tlog_digest(KEYS_SHA256, (const uint8_t *)artifact, strlen(artifact), digest) ||
	    tlog_proposed_hashedrekord(KEYS_SHA256, digest, 32, sig, siglen, signer, &proposed, &plen) ||
	    entry_from_proposed(proposed, plen, &e, err, sizeof err)) {
		fprintf(stderr, "fuzz_tlog: setup failed\n");
		abort();
	}
	body = malloc(e->canonical_len);
	memcpy(body, e->canonical, e->canonical_len);
	body_len = e->canonical_len;
	memcpy(body_leaf, e->leaf, H);
	entry_free(e);
	free(proposed);
	return 0;
}

/* The tree: leaf idx is the body, the others are fillers. */
static uint8_t leaves[MAXN][H];
static uint64_t nleaves;

static int node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	(void)ctx;
	uint64_t begin = index << level, size = UINT64_C(1) << level;
	if (level >= 64 || begin >= nleaves || size > nleaves - begin)
		return CAIRN_ERR_RANGE;
	if (level == 0) {
		memcpy(out, leaves[begin], H);
		return CAIRN_OK;
	}
	uint8_t l[H], r[H];
	node(ctx, level - 1, 2 * index, l);
	node(ctx, level - 1, 2 * index + 1, r);
	merkle_node_hash(l, r, out);
	return CAIRN_OK;
}

/* Genuine evidence for the body at idx in a tree of n leaves. */
static tlog_entry *evidence(uint64_t n, uint64_t idx, uint64_t time)
{
	char err[256];
	tlog_entry *e = NULL;
	if (tlog_entry_new(body, body_len, &e, err, sizeof err))
		abort();
	nleaves = n;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t d[8] = {(uint8_t)i, 'f', 'i', 'l', 'l'};
		merkle_leaf_hash(d, sizeof d, leaves[i]);
	}
	memcpy(leaves[idx], body_leaf, H);
	e->log_index = idx;
	e->integrated_time = time;
	memcpy(e->log_id, log_id, H);
	char *payload = NULL;
	size_t len;
	if (tlog_set_payload(e, &payload, &len) ||
	    keys_sign(log_key, (uint8_t *)payload, len, &e->set, &e->set_len))
		abort();
	free(payload);
	merkle_source src = {node, NULL};
	if (merkle_root(&src, n, e->root) || merkle_inclusion_proof(&src, idx, n, e->hashes, &e->nhashes))
		abort();
	char *cbody = NULL, *note = NULL;
	size_t cblen, nlen;
	if (note_checkpoint_body(NAME " - 1", n, e->root, &cbody, &cblen) ||
	    note_sign(cbody, cblen, &cp_signer, 1, &note, &nlen))
		abort();
	free(cbody);
	e->has_proof = 1;
	e->proof_index = idx;
	e->tree_size = n;
	e->checkpoint = note;
	e->checkpoint_len = nlen;
	return e;
}

/* A Rekor v1 LogEntry for e, as cairnd and Rekor answer it. */
static char *rekor_json(const tlog_entry *e)
{
	char id[81], logid[65], root[65];
	snprintf(id, 17, "%016x", 1);
	codec_hex_encode(e->leaf, H, id + 16);
	codec_hex_encode(e->log_id, H, logid);
	codec_hex_encode(e->root, H, root);
	json_t *hashes = json_array();
	for (size_t i = 0; i < e->nhashes; i++) {
		char h[65];
		codec_hex_encode(e->hashes[i], H, h);
		json_array_append_new(hashes, json_string(h));
	}
	char *b64 = codec_b64_encode_alloc(e->body, e->body_len),
	     *set = codec_b64_encode_alloc(e->set, e->set_len);
	json_t *v =
	    json_pack("{s:{s:s,s:I,s:s,s:I,s:{s:{s:s,s:o,s:I,s:s,s:I},s:s}}}", id, "body", b64,
	              "integratedTime", (json_int_t)e->integrated_time, "logID", logid, "logIndex",
	              (json_int_t)e->log_index, "verification", "inclusionProof", "checkpoint", e->checkpoint,
	              "hashes", hashes, "logIndex", (json_int_t)e->proof_index, "rootHash", root, "treeSize",
	              (json_int_t)e->tree_size, "signedEntryTimestamp", set);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	free(b64);
	free(set);
	return s;
}

static const char *const tokens[] = {"0",
                                     "1",
                                     "9",
                                     "\"",
                                     ",",
                                     ":",
                                     "{}",
                                     "[]",
                                     "null",
                                     "A",
                                     "=",
                                     "-",
                                     "9223372036854775807",
                                     "18446744073709551616",
                                     "\\u0000",
                                     " "};

static size_t mutate(fuzz_in *in, char **text, size_t len)
{
	unsigned nops = fuzz_u8(in) % 8;
	char *m = *text;
	for (unsigned i = 0; i < nops; i++) {
		uint8_t op = fuzz_u8(in), v = fuzz_u8(in);
		size_t pos = len ? (size_t)fuzz_u16(in) % len : 0;
		switch (op % 5) {
		case 0:
			if (len)
				m[pos] ^= (char)(1u << (v % 8));
			break;
		case 1:
			if (len)
				m[pos] = (char)v;
			break;
		case 2:
			m = realloc(m, len + 2);
			memmove(m + pos + 1, m + pos, len - pos + 1);
			m[pos] = (char)v;
			len++;
			break;
		case 3:
			if (len) {
				memmove(m + pos, m + pos + 1, len - pos);
				len--;
			}
			break;
		case 4: {
			const char *t = tokens[v % (sizeof tokens / sizeof tokens[0])];
			size_t tl = strlen(t);
			m = realloc(m, len + tl + 1);
			memmove(m + pos + tl, m + pos, len - pos + 1);
			memcpy(m + pos, t, tl);
			len += tl;
			break;
		}
		}
	}
	*text = m;
	return len;
}

/* The soundness invariants on whatever was parsed. */
static void judge(const tlog_entry *e, const tlog_entry *orig, const bundle *b, int edited, const char *text)
{
	char err[512];
	note_checkpoint cp;
	int set_ok = tlog_verify_set(e, log_key, err, sizeof err) == CAIRN_OK;
	int incl_ok = e->has_proof && tlog_verify_inclusion(e, log_key, &cp, err, sizeof err) == CAIRN_OK;
	int id_ok = tlog_verify_log_id(e, log_key, err, sizeof err) == CAIRN_OK;
	int body_ok = 0;
	if (b && b->sig && b->has_digest)
		body_ok = tlog_check_hashedrekord(e, b->alg, b->digest, b->digest_len, b->sig, b->sig_len,
		                                  signer, err, sizeof err) == CAIRN_OK;
	if (!edited) {
		FUZZ_CHECK(set_ok && id_ok && (incl_ok || !orig->has_proof || !e->has_proof),
		           "genuine evidence refused");
		if (b && b->sig)
			FUZZ_CHECK(body_ok, "genuine body refused: %s", err);
	}
	int same_body = e->body_len == orig->body_len && memcmp(e->body, orig->body, e->body_len) == 0;
	if (set_ok)
		FUZZ_CHECK(same_body && e->log_index == orig->log_index &&
		               e->integrated_time == orig->integrated_time &&
		               memcmp(e->log_id, orig->log_id, H) == 0,
		           "a SET verified for other data:\n  %s", fuzz_show(text, strlen(text)));
	if (incl_ok)
		FUZZ_CHECK(same_body && e->log_index == orig->log_index,
		           "an inclusion proof verified for another body or index:\n  %s",
		           fuzz_show(text, strlen(text)));
	if ((set_ok || incl_ok) && body_ok)
		FUZZ_CHECK(b->digest_len == 32 && memcmp(b->digest, digest, 32) == 0 &&
		               b->sig_len == siglen && memcmp(b->sig, sig, siglen) == 0,
		           "a logged body matched another digest or signature:\n  %s",
		           fuzz_show(text, strlen(text)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t mode = fuzz_u8(&in);
	uint64_t n = 1 + fuzz_u8(&in) % MAXN;
	uint64_t idx = fuzz_u8(&in) % n;
	uint64_t time = 1700000000 + fuzz_u16(&in);
	tlog_entry *orig = evidence(n, idx, time);
	char *text = NULL, err[512];
	size_t len = 0;
	char hint[45];
	bundle_key_hint(signer, hint);
	switch (mode % 3) {
	case 0:
		if (bundle_sigstore_json(orig, hint, KEYS_SHA256, digest, 32, sig, siglen, &text, &len))
			abort();
		break;
	case 1:
		if (bundle_cosign_json(orig, &text, &len))
			abort();
		break;
	case 2:
		text = rekor_json(orig);
		len = strlen(text);
		break;
	}
	char *before = strndup(text, len);
	len = mutate(&in, &text, len);
	int edited = len != strlen(before) || memcmp(text, before, len) != 0;
	free(before);
	if (mode % 3 == 2) {
		json_t *v = NULL;
		tlog_entry *e = NULL;
		if (jsonx_parse(text, len, TLOG_MAX_JSON, "log entry", &v, err, sizeof err) == CAIRN_OK &&
		    tlog_entry_from_rekor(v, &e, err, sizeof err) == CAIRN_OK) {
			judge(e, orig, NULL, edited, text);
			tlog_entry_free(e);
		} else {
			FUZZ_CHECK(edited, "genuine LogEntry refused: %s", err);
		}
		json_decref(v);
	} else {
		bundle *b = NULL;
		if (bundle_parse(text, len, &b, err, sizeof err) == CAIRN_OK) {
			judge(b->tlog, orig, mode % 3 == 0 ? b : NULL, edited, text);
			bundle_free(b);
		} else {
			FUZZ_CHECK(edited, "genuine bundle refused: %s", err);
		}
	}
	free(text);
	tlog_entry_free(orig);
	return 0;
}
