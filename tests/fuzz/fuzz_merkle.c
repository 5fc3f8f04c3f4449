/* Fuzz target: RFC 6962 / RFC 9162 proofs (log/merkle.c).
 *
 * A tree of up to MAXN leaves is built in memory from the input. Then:
 *  - merkle_root, merkle_inclusion_proof and merkle_consistency_proof agree
 *    with a direct transcription of RFC 6962's MTH, PATH and PROOF;
 *  - the true proofs verify;
 *  - soundness: a proof that the fuzzer mutated (bits flipped, hashes
 *    dropped, duplicated, swapped or inserted, another index or size, another
 *    leaf or old root) is accepted only if, against the true root of the
 *    claimed tree, it is exactly the true proof for a true leaf or old root.
 *    Anything else accepted would mean the verifier can be fooled.
 * A last mode feeds arbitrary 64-bit indexes, sizes and proofs to the
 * verifiers: no crash, no undefined behaviour. */
#include "fuzz.h"

#include <openssl/sha.h>

#include "err.h"
#include "merkle.h"

#define H MERKLE_HASH_SIZE
#define MAXN 300

static uint8_t leaves[MAXN][H];
static uint64_t nleaves;

/* merkle_source over leaves[]. */
static int node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	(void)ctx;
	if (level >= 64)
		return CAIRN_ERR_RANGE;
	uint64_t begin = index << level, size = UINT64_C(1) << level;
	if (begin >= nleaves || size > nleaves - begin)
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

/* RFC 6962 2.1: MTH(D[a:b]). */
static void mth(uint64_t a, uint64_t b, uint8_t out[H])
{
	if (b - a == 0) {
		merkle_empty_root(out);
		return;
	}
	if (b - a == 1) {
		memcpy(out, leaves[a], H);
		return;
	}
	uint64_t k = 1;
	while (k * 2 < b - a)
		k *= 2;
	uint8_t l[H], r[H];
	mth(a, a + k, l);
	mth(a + k, b, r);
	merkle_node_hash(l, r, out);
}

/* RFC 6962 2.1.1: PATH(m, D[a:b]), leaf to root. */
static size_t path(uint64_t m, uint64_t a, uint64_t b, uint8_t out[][H])
{
	if (b - a <= 1)
		return 0;
	uint64_t k = 1;
	while (k * 2 < b - a)
		k *= 2;
	size_t n;
	if (m < k) {
		n = path(m, a, a + k, out);
		mth(a + k, b, out[n]);
	} else {
		n = path(m - k, a + k, b, out);
		mth(a, a + k, out[n]);
	}
	return n + 1;
}

/* RFC 6962 2.1.2: SUBPROOF(m, D[a:b], flag). */
static size_t subproof(uint64_t m, uint64_t a, uint64_t b, int flag, uint8_t out[][H])
{
	uint64_t n = b - a;
	if (m == n) {
		if (flag)
			return 0;
		mth(a, b, out[0]);
		return 1;
	}
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	size_t c;
	if (m <= k) {
		c = subproof(m, a, a + k, flag, out);
		mth(a + k, b, out[c]);
	} else {
		c = subproof(m - k, a + k, b, 0, out);
		mth(a, a + k, out[c]);
	}
	return c + 1;
}

static size_t cproof(uint64_t m, uint64_t n, uint8_t out[][H])
{
	if (m == 0 || m == n)
		return 0;
	return subproof(m, 0, n, 1, out);
}

static void build(fuzz_in *in)
{
	nleaves = 1 + fuzz_u16(in) % MAXN;
	uint8_t seed = fuzz_u8(in);
	for (uint64_t i = 0; i < nleaves; i++) {
		uint8_t d[9] = {seed};
		for (int j = 0; j < 8; j++)
			d[1 + j] = (uint8_t)(i >> (8 * j));
		merkle_leaf_hash(d, sizeof d, leaves[i]);
	}
}

/* Applies the fuzzer's edits to proof[0..*len) (capacity MERKLE_MAX_PROOF+8). */
static void mutate(fuzz_in *in, uint8_t proof[][H], size_t *len)
{
	unsigned nops = fuzz_u8(in) % 6;
	for (unsigned i = 0; i < nops; i++) {
		uint8_t op = fuzz_u8(in), a = fuzz_u8(in), b = fuzz_u8(in);
		size_t n = *len;
		switch (op % 7) {
		case 0: /* flip a bit */
			if (n)
				proof[a % n][b % H] ^= (uint8_t)(1u << (op >> 5));
			break;
		case 1: /* drop a hash */
			if (n) {
				memmove(proof[a % n], proof[a % n + 1], (n - a % n - 1) * H);
				(*len)--;
			}
			break;
		case 2: /* duplicate a hash */
			if (n && n < MERKLE_MAX_PROOF + 4) {
				memmove(proof[a % n + 1], proof[a % n], (n - a % n) * H);
				(*len)++;
			}
			break;
		case 3: /* swap two */
			if (n) {
				uint8_t t[H];
				memcpy(t, proof[a % n], H);
				memcpy(proof[a % n], proof[b % n], H);
				memcpy(proof[b % n], t, H);
			}
			break;
		case 4: /* insert a tree node (a plausible hash) */
			if (n < MERKLE_MAX_PROOF + 4) {
				uint64_t x = a % nleaves, y = x + 1 + b % (nleaves - x);
				memmove(proof[1], proof[0], n * H);
				mth(x, y, proof[0]);
				(*len)++;
			}
			break;
		case 5: /* truncate */
			*len = n ? a % n : 0;
			break;
		case 6: /* append a tree node */
			if (n < MERKLE_MAX_PROOF + 4) {
				uint64_t x = a % nleaves;
				mth(x, x + 1 + b % (nleaves - x), proof[n]);
				(*len)++;
			}
			break;
		}
	}
}

static void inclusion(fuzz_in *in)
{
	merkle_source src = {node, NULL};
	uint64_t n = 1 + fuzz_u16(in) % nleaves, idx = fuzz_u16(in) % n;
	uint8_t proof[MERKLE_MAX_PROOF + 8][H], want[MERKLE_MAX_PROOF + 8][H], root[H], root2[H];
	size_t len = 0;
	FUZZ_CHECK(merkle_inclusion_proof(&src, idx, n, proof, &len) == CAIRN_OK, "proof");
	size_t wlen = path(idx, 0, n, want);
	FUZZ_CHECK(len == wlen && memcmp(proof, want, len * H) == 0,
	           "inclusion proof (%llu, %llu) differs from PATH", (unsigned long long)idx,
	           (unsigned long long)n);
	mth(0, n, root);
	FUZZ_CHECK(merkle_root(&src, n, root2) == CAIRN_OK && memcmp(root, root2, H) == 0,
	           "root differs from MTH");
	FUZZ_CHECK(merkle_verify_inclusion(leaves[idx], idx, n, (const uint8_t(*)[H])proof, len, root) ==
	               CAIRN_OK,
	           "true inclusion proof refused");
	FUZZ_CHECK(merkle_inclusion_proof(&src, n, n, proof, &len) == CAIRN_ERR_RANGE, "index == n accepted");

	/* The claim to test: maybe another index, size or leaf. */
	uint8_t how = fuzz_u8(in);
	uint64_t cidx = idx, cn = n;
	uint8_t leaf[H];
	memcpy(leaf, leaves[idx], H);
	if (how & 1)
		cidx = fuzz_u16(in) % (nleaves + 2);
	if (how & 2)
		cn = fuzz_u16(in) % (nleaves + 1);
	if (how & 4)
		memcpy(leaf, leaves[fuzz_u16(in) % nleaves], H);
	if (how & 8)
		leaf[fuzz_u8(in) % H] ^= 1;
	mutate(in, proof, &len);
	if (cn == 0 || cn > nleaves)
		return;
	uint8_t croot[H];
	mth(0, cn, croot);
	if (merkle_verify_inclusion(leaf, cidx, cn, (const uint8_t(*)[H])proof, len, croot) != CAIRN_OK)
		return;
	FUZZ_CHECK(cidx < cn, "index past the size accepted");
	size_t tlen = path(cidx, 0, cn, want);
	FUZZ_CHECK(memcmp(leaf, leaves[cidx], H) == 0, "a wrong leaf verified at %llu in %llu",
	           (unsigned long long)cidx, (unsigned long long)cn);
	FUZZ_CHECK(tlen == len && memcmp(proof, want, len * H) == 0,
	           "a wrong proof verified for %llu in %llu", (unsigned long long)cidx,
	           (unsigned long long)cn);
}

static void consistency(fuzz_in *in)
{
	merkle_source src = {node, NULL};
	uint64_t n = 1 + fuzz_u16(in) % nleaves, m = fuzz_u16(in) % (n + 1);
	uint8_t proof[MERKLE_MAX_PROOF + 8][H], want[MERKLE_MAX_PROOF + 8][H], r1[H], r2[H];
	size_t len = 0;
	FUZZ_CHECK(merkle_consistency_proof(&src, m, n, proof, &len) == CAIRN_OK, "proof");
	size_t wlen = cproof(m, n, want);
	FUZZ_CHECK(len == wlen && memcmp(proof, want, len * H) == 0,
	           "consistency proof (%llu, %llu) differs from PROOF", (unsigned long long)m,
	           (unsigned long long)n);
	mth(0, m, r1);
	mth(0, n, r2);
	FUZZ_CHECK(merkle_verify_consistency(m, n, (const uint8_t(*)[H])proof, len, r1, r2) == CAIRN_OK,
	           "true consistency proof (%llu, %llu) refused", (unsigned long long)m,
	           (unsigned long long)n);
	FUZZ_CHECK(merkle_consistency_proof(&src, n + 1, n, proof, &len) == CAIRN_ERR_RANGE,
	           "m > n accepted");

	uint8_t how = fuzz_u8(in);
	uint64_t cm = m, cn = n;
	if (how & 1)
		cm = fuzz_u16(in) % (nleaves + 2);
	if (how & 2)
		cn = fuzz_u16(in) % (nleaves + 1);
	uint8_t old[H];
	if (cm <= nleaves)
		mth(0, cm, old);
	else
		memcpy(old, r1, H);
	if (how & 4)
		mth(0, fuzz_u16(in) % (nleaves + 1), old);
	if (how & 8)
		old[fuzz_u8(in) % H] ^= 1;
	mutate(in, proof, &len);
	if (cn > nleaves)
		return;
	uint8_t croot[H];
	mth(0, cn, croot);
	if (merkle_verify_consistency(cm, cn, (const uint8_t(*)[H])proof, len, old, croot) != CAIRN_OK)
		return;
	FUZZ_CHECK(cm <= cn, "m > n accepted");
	uint8_t true_old[H];
	mth(0, cm, true_old);
	FUZZ_CHECK(memcmp(old, true_old, H) == 0, "a wrong old root verified as consistent (%llu -> %llu)",
	           (unsigned long long)cm, (unsigned long long)cn);
	size_t tlen = cproof(cm, cn, want);
	FUZZ_CHECK(tlen == len && memcmp(proof, want, len * H) == 0,
	           "a wrong consistency proof verified (%llu -> %llu)", (unsigned long long)cm,
	           (unsigned long long)cn);
}

/* Arbitrary inputs to the verifiers: only "no crash" can be asked. */
static void arbitrary(fuzz_in *in)
{
	uint64_t a = fuzz_u64(in) >> (fuzz_u8(in) % 64), b = fuzz_u64(in) >> (fuzz_u8(in) % 64);
	size_t len = fuzz_u8(in) % (MERKLE_MAX_PROOF + 4);
	uint8_t proof[MERKLE_MAX_PROOF + 4][H], r1[H], r2[H];
	for (size_t i = 0; i < len; i++)
		for (size_t j = 0; j < H; j++)
			proof[i][j] = fuzz_u8(in);
	for (size_t j = 0; j < H; j++) {
		r1[j] = fuzz_u8(in);
		r2[j] = fuzz_u8(in);
	}
	int rc = merkle_verify_inclusion(r1, a, b, (const uint8_t(*)[H])proof, len, r2);
	FUZZ_CHECK(rc == CAIRN_OK || rc == CAIRN_ERR_VERIFY, "rc %d", rc);
	rc = merkle_verify_consistency(a, b, (const uint8_t(*)[H])proof, len, r1, r2);
	FUZZ_CHECK(rc == CAIRN_OK || rc == CAIRN_ERR_VERIFY, "rc %d", rc);
	/* Equal roots of equal sizes with an empty proof are consistent. */
	FUZZ_CHECK(merkle_verify_consistency(a, a, NULL, 0, r1, r1) == CAIRN_OK || a == 0, "m == n");
	if (b >= 2) {
		uint64_t k = merkle_split(b);
		FUZZ_CHECK(k < b && k >= b - k && (k & (k - 1)) == 0, "merkle_split(%llu) = %llu",
		           (unsigned long long)b, (unsigned long long)k);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	uint8_t mode = fuzz_u8(&in);
	if (mode % 3 == 2) {
		arbitrary(&in);
		return 0;
	}
	build(&in);
	if (mode % 3 == 0)
		inclusion(&in);
	else
		consistency(&in);
	return 0;
}
