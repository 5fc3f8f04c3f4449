#define _POSIX_C_SOURCE 200809L
#include "merkle.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* SHA-256 is the hot path of appends and proofs: fetch the algorithm once and
 * keep one digest context per thread instead of allocating one per hash. */
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha_key;
static EVP_MD *sha256;

static void free_ctx(void *p)
{
	EVP_MD_CTX_free(p);
}

static void sha_init(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	pthread_key_create(&sha_key, free_ctx);
}

static EVP_MD_CTX *thread_ctx(void)
{
	pthread_once(&sha_once, sha_init);
	EVP_MD_CTX *ctx = pthread_getspecific(sha_key);
	if (!ctx) {
		ctx = EVP_MD_CTX_new();
		if (!ctx || pthread_setspecific(sha_key, ctx) != 0)
			OPENSSL_die("cannot allocate a digest context", __FILE__, __LINE__);
	}
	return ctx;
}

/* Hashing a prefix byte and at most two buffers cannot fail short of memory
 * exhaustion inside OpenSSL, which we treat like any allocator failure. */
static void sha256_3(uint8_t prefix, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		     uint8_t out[MERKLE_HASH_SIZE])
{
	EVP_MD_CTX *ctx = thread_ctx();
	unsigned int len = 0;
	if (!sha256 || !EVP_DigestInit_ex2(ctx, sha256, NULL) || !EVP_DigestUpdate(ctx, &prefix, 1) ||
	    (alen && !EVP_DigestUpdate(ctx, a, alen)) || (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &len))
		OPENSSL_die("SHA-256 failed", __FILE__, __LINE__);
}

void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
	sha256_3(0x00, data, len, NULL, 0, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE], const uint8_t right[MERKLE_HASH_SIZE],
		      uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t buf[2 * MERKLE_HASH_SIZE];
	memcpy(buf, left, MERKLE_HASH_SIZE);
	memcpy(buf + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
	sha256_3(0x01, buf, sizeof buf, NULL, 0, out);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE])
{
	EVP_MD_CTX *ctx = thread_ctx();
	unsigned int len = 0;
	if (!EVP_DigestInit_ex2(ctx, sha256, NULL) || !EVP_DigestFinal_ex(ctx, out, &len))
		OPENSSL_die("SHA-256 failed", __FILE__, __LINE__);
}

uint64_t merkle_split(uint64_t n)
{
	uint64_t k = 1;
	/* Stop before k << 1 wraps: for n > 2^63 the answer is 2^63. */
	while (k < (UINT64_C(1) << 63) && k << 1 < n)
		k <<= 1;
	return k;
}

static unsigned log2_exact(uint64_t n)
{
	unsigned l = 0;
	while ((UINT64_C(1) << l) < n)
		l++;
	return l;
}

int merkle_range_root(const merkle_source *src, uint64_t begin, uint64_t end,
		      uint8_t out[MERKLE_HASH_SIZE])
{
	if (end < begin)
		return CAIRN_ERR_RANGE;
	if (end == begin) {
		if (begin != 0)
			return CAIRN_ERR_RANGE;
		merkle_empty_root(out);
		return CAIRN_OK;
	}
	/* Split the range into perfect subtrees of decreasing size, left to
	 * right, then fold them right to left: that is MTH's recursion unrolled. */
	uint8_t parts[64][MERKLE_HASH_SIZE];
	size_t nparts = 0;
	uint64_t at = begin;
	while (at < end) {
		uint64_t rest = end - at;
		uint64_t size = (rest & (rest - 1)) == 0 ? rest : merkle_split(rest);
		unsigned level = log2_exact(size);
		if (at & (size - 1))
			return CAIRN_ERR_RANGE;
		int rc = src->node(src->ctx, level, at >> level, parts[nparts]);
		if (rc)
			return rc;
		nparts++;
		at += size;
	}
	for (size_t i = nparts - 1; i > 0; i--)
		merkle_node_hash(parts[i - 1], parts[i], parts[i - 1]);
	memcpy(out, parts[0], MERKLE_HASH_SIZE);
	return CAIRN_OK;
}

int merkle_root(const merkle_source *src, uint64_t n, uint8_t out[MERKLE_HASH_SIZE])
{
	return merkle_range_root(src, 0, n, out);
}

static void reverse(uint8_t proof[][MERKLE_HASH_SIZE], size_t len)
{
	uint8_t tmp[MERKLE_HASH_SIZE];
	for (size_t i = 0; i < len / 2; i++) {
		memcpy(tmp, proof[i], MERKLE_HASH_SIZE);
		memcpy(proof[i], proof[len - 1 - i], MERKLE_HASH_SIZE);
		memcpy(proof[len - 1 - i], tmp, MERKLE_HASH_SIZE);
	}
}

int merkle_inclusion_proof(const merkle_source *src, uint64_t index, uint64_t n,
			   uint8_t proof[][MERKLE_HASH_SIZE], size_t *len)
{
	if (index >= n)
		return CAIRN_ERR_RANGE;
	uint8_t tmp[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t count = 0;
	uint64_t a = 0, b = n;
	/* Walk from the root down; siblings come out root first. */
	while (b - a > 1) {
		uint64_t k = merkle_split(b - a);
		int rc;
		if (index - a < k) {
			rc = merkle_range_root(src, a + k, b, tmp[count]);
			b = a + k;
		} else {
			rc = merkle_range_root(src, a, a + k, tmp[count]);
			a = a + k;
		}
		if (rc)
			return rc;
		count++;
	}
	reverse(tmp, count);
	memcpy(proof, tmp, count * MERKLE_HASH_SIZE);
	*len = count;
	return CAIRN_OK;
}

int merkle_consistency_proof(const merkle_source *src, uint64_t m, uint64_t n,
			     uint8_t proof[][MERKLE_HASH_SIZE], size_t *len)
{
	if (m > n)
		return CAIRN_ERR_RANGE;
	if (m == 0 || m == n) {
		*len = 0;
		return CAIRN_OK;
	}
	uint8_t tmp[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t count = 0;
	uint64_t a = 0, b = n;
	int complete = 1; /* RFC 9162's b: is D[a:b] still a prefix of the old tree's path? */
	int rc;
	while (m - a != b - a) {
		uint64_t k = merkle_split(b - a);
		if (m - a <= k) {
			rc = merkle_range_root(src, a + k, b, tmp[count]);
			b = a + k;
		} else {
			rc = merkle_range_root(src, a, a + k, tmp[count]);
			a = a + k;
			complete = 0;
		}
		if (rc)
			return rc;
		count++;
	}
	if (!complete) {
		rc = merkle_range_root(src, a, b, tmp[count]);
		if (rc)
			return rc;
		count++;
		/* The subtree root belongs first (deepest); rotate it to the front. */
		uint8_t last[MERKLE_HASH_SIZE];
		memcpy(last, tmp[count - 1], MERKLE_HASH_SIZE);
		memmove(tmp[1], tmp[0], (count - 1) * MERKLE_HASH_SIZE);
		memcpy(tmp[0], last, MERKLE_HASH_SIZE);
		reverse(tmp + 1, count - 1);
	} else {
		reverse(tmp, count);
	}
	memcpy(proof, tmp, count * MERKLE_HASH_SIZE);
	*len = count;
	return CAIRN_OK;
}

static int hash_eq(const uint8_t a[MERKLE_HASH_SIZE], const uint8_t b[MERKLE_HASH_SIZE])
{
	return CRYPTO_memcmp(a, b, MERKLE_HASH_SIZE) == 0;
}

int merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_SIZE], uint64_t index, uint64_t n,
			    const uint8_t proof[][MERKLE_HASH_SIZE], size_t len,
			    const uint8_t root[MERKLE_HASH_SIZE])
{
	if (index >= n || len > MERKLE_MAX_PROOF)
		return CAIRN_ERR_VERIFY;
	uint64_t fn = index, sn = n - 1;
	uint8_t r[MERKLE_HASH_SIZE];
	memcpy(r, leaf_hash, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return CAIRN_ERR_VERIFY;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_eq(r, root))
		return CAIRN_ERR_VERIFY;
	return CAIRN_OK;
}

int merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t proof[][MERKLE_HASH_SIZE],
			      size_t len, const uint8_t root1[MERKLE_HASH_SIZE],
			      const uint8_t root2[MERKLE_HASH_SIZE])
{
	if (m > n || len > MERKLE_MAX_PROOF)
		return CAIRN_ERR_VERIFY;
	if (m == 0) {
		/* Every tree extends the empty one; its root is fixed. */
		uint8_t empty[MERKLE_HASH_SIZE];
		merkle_empty_root(empty);
		if (len != 0 || !hash_eq(root1, empty) || (n == 0 && !hash_eq(root2, empty)))
			return CAIRN_ERR_VERIFY;
		return CAIRN_OK;
	}
	if (m == n) {
		if (len != 0 || !hash_eq(root1, root2))
			return CAIRN_ERR_VERIFY;
		return CAIRN_OK;
	}
	if (len == 0)
		return CAIRN_ERR_VERIFY;
	/* When m is a power of two the old root is itself the first node. */
	const uint8_t *first = proof[0];
	size_t start = 1;
	if ((m & (m - 1)) == 0) {
		first = root1;
		start = 0;
	}
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
	memcpy(fr, first, MERKLE_HASH_SIZE);
	memcpy(sr, first, MERKLE_HASH_SIZE);
	for (size_t i = start; i < len; i++) {
		if (sn == 0)
			return CAIRN_ERR_VERIFY;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_eq(fr, root1) || !hash_eq(sr, root2))
		return CAIRN_ERR_VERIFY;
	return CAIRN_OK;
}
