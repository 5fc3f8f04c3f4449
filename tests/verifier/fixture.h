/* Shared by the verifier's unit tests: a real logged hashedrekord entry built
 * in memory (no server): a signer's signature over an artifact, the canonical
 * body the log would store, an RFC 6962 tree of a few leaves around it, an
 * inclusion proof, a checkpoint signed by a log key the Rekor v1 way and the
 * SET. Tests take it apart to forge each piece. */
#ifndef CAIRN_TEST_VERIFIER_FIXTURE_H
#define CAIRN_TEST_VERIFIER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "codec.h"
#include "entry.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"

#define FX_NAME "test.log"
#define FX_ORIGIN "test.log - 42"
#define FX_TIME 1700000000
#define FX_MAX_LEAVES 64

typedef struct fx_tree {
	uint8_t leaves[FX_MAX_LEAVES][32];
	uint64_t n;
} fx_tree;

static int fx_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	fx_tree *t = ctx;
	uint8_t l[32], r[32];
	if (level == 0) {
		if (index >= t->n)
			return CAIRN_ERR_RANGE;
		memcpy(out, t->leaves[index], 32);
		return CAIRN_OK;
	}
	if (fx_node(ctx, level - 1, 2 * index, l) || fx_node(ctx, level - 1, 2 * index + 1, r))
		return CAIRN_ERR_RANGE;
	merkle_node_hash(l, r, out);
	return CAIRN_OK;
}

typedef struct fixture {
	keys_key *log_key, *signer, *other;
	const char *artifact;
	uint8_t digest[32];
	uint8_t *sig;
	size_t siglen;
	fx_tree tree;
	tlog_entry *e;
} fixture;

/* A signed checkpoint note for the tree's first n leaves, by key. */
static char *fx_checkpoint(fixture *f, uint64_t n, const keys_key *key)
{
	merkle_source src = {fx_node, &f->tree};
	uint8_t root[32];
	note_signer *s = NULL;
	char *body = NULL, *note = NULL;
	size_t blen, nlen;
	assert_int_equal(merkle_root(&src, n, root), CAIRN_OK);
	assert_int_equal(note_checkpoint_body(FX_ORIGIN, n, root, &body, &blen), CAIRN_OK);
	assert_int_equal(note_signer_new(FX_NAME, key, &s), CAIRN_OK);
	assert_int_equal(note_sign(body, blen, &s, 1, &note, &nlen), CAIRN_OK);
	note_signer_free(s);
	free(body);
	return note;
}

/* Signs the SET of f->e with key. */
static void fx_sign_set(fixture *f, const keys_key *key)
{
	char *payload = NULL;
	size_t plen;
	free(f->e->set);
	f->e->set = NULL;
	assert_int_equal(tlog_set_payload(f->e, &payload, &plen), CAIRN_OK);
	assert_int_equal(keys_sign(key, (const uint8_t *)payload, plen, &f->e->set, &f->e->set_len),
	                 CAIRN_OK);
	free(payload);
}

/* An entry at index in a tree of size n (index < n <= FX_MAX_LEAVES). */
static void fx_make(fixture *f, uint64_t index, uint64_t n)
{
	char *proposed = NULL, err[256];
	size_t plen, proof_len;
	entry *local = NULL;
	merkle_source src = {fx_node, &f->tree};
	unsigned int dn = 32;

	memset(f, 0, sizeof *f);
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &f->log_key), CAIRN_OK);
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &f->signer), CAIRN_OK);
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &f->other), CAIRN_OK);
	f->artifact = "cairn verifier test artifact\n";
	EVP_Digest(f->artifact, strlen(f->artifact), f->digest, &dn, EVP_sha256(), NULL);
	assert_int_equal(
	    keys_sign(f->signer, (const uint8_t *)f->artifact, strlen(f->artifact), &f->sig, &f->siglen),
	    CAIRN_OK);
	assert_int_equal(tlog_proposed_hashedrekord(KEYS_SHA256, f->digest, 32, f->sig, f->siglen, f->signer,
	                                            &proposed, &plen),
	                 CAIRN_OK);
	assert_int_equal(entry_from_proposed(proposed, plen, &local, err, sizeof err), CAIRN_OK);
	f->tree.n = n;
	for (uint64_t i = 0; i < n; i++) {
		char filler[32];
		int len = snprintf(filler, sizeof filler, "filler %llu", (unsigned long long)i);
		merkle_leaf_hash((const uint8_t *)filler, (size_t)len, f->tree.leaves[i]);
	}
	memcpy(f->tree.leaves[index], local->leaf, 32);
	assert_int_equal(
	    tlog_entry_new((const uint8_t *)local->canonical, local->canonical_len, &f->e, err, sizeof err),
	    CAIRN_OK);
	f->e->log_index = index;
	f->e->integrated_time = FX_TIME;
	assert_int_equal(keys_id(f->log_key, f->e->log_id), CAIRN_OK);
	assert_int_equal(merkle_inclusion_proof(&src, index, n, f->e->hashes, &proof_len), CAIRN_OK);
	f->e->nhashes = proof_len;
	f->e->has_proof = 1;
	f->e->proof_index = index;
	f->e->tree_size = n;
	assert_int_equal(merkle_root(&src, n, f->e->root), CAIRN_OK);
	f->e->checkpoint = fx_checkpoint(f, n, f->log_key);
	f->e->checkpoint_len = strlen(f->e->checkpoint);
	fx_sign_set(f, f->log_key);
	entry_free(local);
	free(proposed);
}

static void fx_free(fixture *f)
{
	keys_free(f->log_key);
	keys_free(f->signer);
	keys_free(f->other);
	free(f->sig);
	tlog_entry_free(f->e);
}

#endif
