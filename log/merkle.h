/* cairn: RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
 *
 * Proof generation reads the tree through a merkle_source, a callback that
 * returns the hash of one perfect subtree, so the same code serves the LMDB
 * store (which answers from tiles) and the tests (which answer from memory).
 * Verification is pure: no I/O, no allocation. */
#ifndef CAIRN_MERKLE_H
#define CAIRN_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MERKLE_HASH_SIZE 32
/* A proof for a tree of at most 2^64 leaves has at most 64 hashes. */
#define MERKLE_MAX_PROOF 64

/* SHA256(0x00 || data). */
void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE]);

/* SHA256(0x01 || left || right). out may alias left or right. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE], const uint8_t right[MERKLE_HASH_SIZE],
		      uint8_t out[MERKLE_HASH_SIZE]);

/* SHA256(""), the root of the empty tree. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE]);

/* Writes to out the hash of the perfect subtree of height `level` whose
 * leftmost leaf is index << level, i.e. MTH(D[index<<level : (index+1)<<level]).
 * Returns CAIRN_OK or an error that the caller passes on. */
typedef int (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
			      uint8_t out[MERKLE_HASH_SIZE]);

typedef struct merkle_source {
	merkle_node_fn node;
	void *ctx;
} merkle_source;

/* MTH(D[begin:end]) for a range reachable by RFC 6962's recursion (begin is a
 * multiple of the largest power of two <= end - begin); O(log n) node reads.
 * begin == end gives the empty root only when begin == 0. */
int merkle_range_root(const merkle_source *src, uint64_t begin, uint64_t end,
		      uint8_t out[MERKLE_HASH_SIZE]);

/* MTH(D[0:n]). */
int merkle_root(const merkle_source *src, uint64_t n, uint8_t out[MERKLE_HASH_SIZE]);

/* PATH(index, D[0:n]), hashes ordered leaf to root, *len of them (<= 64).
 * CAIRN_ERR_RANGE unless index < n. */
int merkle_inclusion_proof(const merkle_source *src, uint64_t index, uint64_t n,
			   uint8_t proof[][MERKLE_HASH_SIZE], size_t *len);

/* PROOF(m, D[0:n]). CAIRN_ERR_RANGE unless m <= n. An empty proof for m == 0
 * or m == n. */
int merkle_consistency_proof(const merkle_source *src, uint64_t m, uint64_t n,
			     uint8_t proof[][MERKLE_HASH_SIZE], size_t *len);

/* RFC 9162 §2.1.3.2: does leaf_hash sit at index in the tree of size n with
 * this root? CAIRN_OK, or CAIRN_ERR_VERIFY for any mismatch or malformed proof. */
int merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_SIZE], uint64_t index, uint64_t n,
			    const uint8_t proof[][MERKLE_HASH_SIZE], size_t len,
			    const uint8_t root[MERKLE_HASH_SIZE]) CAIRN_MUST_CHECK;

/* RFC 9162 §2.1.4.2: is the tree (n, root2) an extension of (m, root1)?
 * m == 0 is accepted with an empty proof (any tree extends the empty one);
 * m == n needs an empty proof and equal roots. CAIRN_OK or CAIRN_ERR_VERIFY. */
int merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t proof[][MERKLE_HASH_SIZE],
			      size_t len, const uint8_t root1[MERKLE_HASH_SIZE],
			      const uint8_t root2[MERKLE_HASH_SIZE]) CAIRN_MUST_CHECK;

/* Largest power of two strictly below n (n >= 2). */
uint64_t merkle_split(uint64_t n);

#endif
