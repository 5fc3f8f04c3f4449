/* Tests for log/log.c and log/store.c against a real LMDB in a temp dir:
 * proofs from the store equal a naive RFC 6962 reference, batching does not
 * change the tree, data survives reopening, failed batches leave no trace,
 * tiles hold what they claim, and the map grows or fails cleanly. */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "keys.h"
#include "log.h"
#include "merkle.h"
#include "note.h"
#include "store.h"
#include "tiles.h"

#define H MERKLE_HASH_SIZE

/* ---- the reference: RFC 6962 recursion, memoising perfect aligned subtrees ---- */

typedef struct ref_tree {
	uint64_t n;
	uint8_t (*level[18])[H]; /* level[l][i] = MTH of leaves [i<<l, (i+1)<<l) */
	uint8_t *known[18];
} ref_tree;

static void ref_init(ref_tree *t, uint64_t n)
{
	memset(t, 0, sizeof *t);
	t->n = n;
	for (unsigned l = 0; l < 18; l++) {
		uint64_t count = (n >> l) + 1;
		t->level[l] = calloc(count, H);
		t->known[l] = calloc(count, 1);
	}
}

static void ref_free(ref_tree *t)
{
	for (unsigned l = 0; l < 18; l++) {
		free(t->level[l]);
		free(t->known[l]);
	}
}

static void body_of(uint64_t i, char *buf, size_t cap)
{
	snprintf(buf, cap, "{\"entry\":%llu,\"pad\":\"%0*d\"}", (unsigned long long)i, (int)(i % 40), 0);
}

static void ref_leaf(ref_tree *t, uint64_t i)
{
	char body[128];
	body_of(i, body, sizeof body);
	merkle_leaf_hash((const uint8_t *)body, strlen(body), t->level[0][i]);
	t->known[0][i] = 1;
}

static void ref_mth(ref_tree *t, uint64_t begin, uint64_t n, uint8_t out[H])
{
	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	if ((n & (n - 1)) == 0 && begin % n == 0) {
		unsigned l = 0;
		while ((UINT64_C(1) << l) < n)
			l++;
		uint64_t i = begin >> l;
		if (!t->known[l][i]) {
			if (l == 0) {
				ref_leaf(t, i);
			} else {
				uint8_t a[H], b[H];
				ref_mth(t, begin, n / 2, a);
				ref_mth(t, begin + n / 2, n / 2, b);
				merkle_node_hash(a, b, t->level[l][i]);
				t->known[l][i] = 1;
			}
		}
		memcpy(out, t->level[l][i], H);
		return;
	}
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	uint8_t a[H], b[H];
	ref_mth(t, begin, k, a);
	ref_mth(t, begin + k, n - k, b);
	merkle_node_hash(a, b, out);
}

static void ref_path(ref_tree *t, uint64_t begin, uint64_t m, uint64_t n, uint8_t (*out)[H], size_t *len)
{
	if (n <= 1) {
		*len = 0;
		return;
	}
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	if (m < k) {
		ref_path(t, begin, m, k, out, len);
		ref_mth(t, begin + k, n - k, out[*len]);
	} else {
		ref_path(t, begin + k, m - k, n - k, out, len);
		ref_mth(t, begin, k, out[*len]);
	}
	(*len)++;
}

static void ref_subproof(ref_tree *t, uint64_t begin, uint64_t m, uint64_t n, int b, uint8_t (*out)[H],
			 size_t *len)
{
	if (m == n) {
		*len = 0;
		if (!b) {
			ref_mth(t, begin, n, out[0]);
			*len = 1;
		}
		return;
	}
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	if (m <= k) {
		ref_subproof(t, begin, m, k, b, out, len);
		ref_mth(t, begin + k, n - k, out[*len]);
	} else {
		ref_subproof(t, begin + k, m - k, n - k, 0, out, len);
		ref_mth(t, begin, k, out[*len]);
	}
	(*len)++;
}

/* ---- fixtures ---- */

static void count_report(const char *line, void *arg)
{
	(void)line;
	(*(unsigned *)arg)++;
}

typedef struct fixture {
	char dir[64];
	keys_key *log_key, *note_key;
	cairn_log *log;
} fixture;

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int open_log(fixture *f, uint64_t map, uint64_t max_map)
{
	log_options o = {.dir = f->dir, .name = "cairn.test", .log_key = f->log_key, .note_key = f->note_key,
			 .map_size = map, .max_map_size = max_map};
	return log_open(&o, &f->log);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/cairn-test-log-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &f->log_key), CAIRN_OK);
	assert_int_equal(keys_generate(KEYS_ED25519, &f->note_key), CAIRN_OK);
	assert_int_equal(open_log(f, 0, 0), CAIRN_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	log_close(f->log);
	keys_free(f->log_key);
	keys_free(f->note_key);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* Appends entries [from, to) in one batch. */
static int append_range(cairn_log *l, uint64_t from, uint64_t to)
{
	size_t n = (size_t)(to - from);
	log_entry_in *in = calloc(n, sizeof *in);
	log_entry_out *out = calloc(n, sizeof *out);
	char (*bodies)[128] = calloc(n, 128);
	for (size_t i = 0; i < n; i++) {
		body_of(from + i, bodies[i], 128);
		in[i].body = (const uint8_t *)bodies[i];
		in[i].len = strlen(bodies[i]);
		merkle_leaf_hash(in[i].body, in[i].len, in[i].leaf);
	}
	int rc = log_append(l, in, n, out, NULL);
	for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
		assert_int_equal(out[i].status, CAIRN_OK);
		assert_int_equal(out[i].index, from + i);
	}
	free(in);
	free(out);
	free(bodies);
	return rc;
}

static void check_proofs(cairn_log *l, ref_tree *ref, uint64_t n, uint64_t istep, uint64_t mstep)
{
	log_reader *r;
	uint8_t got[MERKLE_MAX_PROOF][H], want[MERKLE_MAX_PROOF][H], root[H], root_m[H];
	assert_int_equal(log_read_begin(l, &r), CAIRN_OK);
	assert_true(log_reader_size(r) >= n);
	ref_mth(ref, 0, n, root);
	assert_int_equal(log_reader_root(r, n, root_m), CAIRN_OK);
	assert_memory_equal(root, root_m, H);
	for (uint64_t i = 0; i < n; i += istep) {
		size_t glen, wlen;
		assert_int_equal(log_reader_inclusion(r, i, n, got, &glen), CAIRN_OK);
		ref_path(ref, 0, i, n, want, &wlen);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, glen * H);
		assert_int_equal(merkle_verify_inclusion(ref->level[0][i], i, n, (const uint8_t (*)[H])got, glen, root),
				 CAIRN_OK);
	}
	for (uint64_t m = 0; m <= n; m += mstep) {
		size_t glen, wlen = 0;
		assert_int_equal(log_reader_consistency(r, m, n, got, &glen), CAIRN_OK);
		if (m > 0)
			ref_subproof(ref, 0, m, n, 1, want, &wlen);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, glen * H);
		ref_mth(ref, 0, m, root_m);
		assert_int_equal(merkle_verify_consistency(m, n, (const uint8_t (*)[H])got, glen, root_m, root),
				 CAIRN_OK);
	}
	log_read_end(r);
}

/* Every size 1..300, every inclusion and consistency proof. */
static void test_every_proof_small(void **state)
{
	fixture *f = *state;
	ref_tree ref;
	ref_init(&ref, 300);
	for (uint64_t n = 1; n <= 300; n++) {
		assert_int_equal(append_range(f->log, n - 1, n), CAIRN_OK);
		check_proofs(f->log, &ref, n, 1, 1);
	}
	ref_free(&ref);
}

/* 100,000 leaves in uneven batches: sampled sizes across three tile levels. */
static void test_sampled_proofs_large(void **state)
{
	fixture *f = *state;
	const uint64_t total = 100000;
	ref_tree ref;
	ref_init(&ref, total);
	uint64_t at = 0, batch = 1;
	while (at < total) {
		uint64_t end = at + batch > total ? total : at + batch;
		assert_int_equal(append_range(f->log, at, end), CAIRN_OK);
		at = end;
		batch = batch * 7 % 4093 + 1;
	}
	static const uint64_t sizes[] = {1, 255, 256, 257, 511, 65535, 65536, 65537, 65792, 70001, 99999, 100000};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		check_proofs(f->log, &ref, sizes[s], sizes[s] / 97 + 1, sizes[s] / 89 + 1);
	srand(7);
	for (int s = 0; s < 40; s++) {
		uint64_t n = (uint64_t)rand() % total + 1;
		check_proofs(f->log, &ref, n, n / 23 + 1, n / 19 + 1);
	}
	/* Tiles hold exactly the subtree hashes they claim. */
	log_reader *r;
	assert_int_equal(log_read_begin(f->log, &r), CAIRN_OK);
	for (unsigned level = 0; level < 3; level++) {
		for (uint64_t idx = 0;; idx++) {
			unsigned w = tiles_width(level, idx, total);
			if (w == 0)
				break;
			const uint8_t *data;
			size_t len;
			assert_int_equal(log_reader_tile(r, level, idx, w, &data, &len), CAIRN_OK);
			assert_int_equal(len, (size_t)w * H);
			for (unsigned i = 0; i < w; i++) {
				uint8_t want[H];
				uint64_t size = UINT64_C(1) << (8 * level);
				ref_mth(&ref, (idx * 256 + i) * size, size, want);
				assert_memory_equal(data + (size_t)i * H, want, H);
			}
			assert_int_equal(log_reader_tile(r, level, idx, w + 1, &data, &len),
					 CAIRN_ERR_NOT_FOUND);
		}
	}
	log_read_end(r);
	/* The offline check recomputes the same tree from the entries. */
	uint64_t size;
	uint8_t root[H], want[H];
	unsigned reported = 0;
	assert_int_equal(log_check(f->dir, count_report, &reported, &size, root), CAIRN_OK);
	assert_int_equal(reported, 0);
	assert_int_equal(size, total);
	ref_mth(&ref, 0, total, want);
	assert_memory_equal(root, want, H);
	ref_free(&ref);
}

/* The same leaves one by one or in batches of any size give the same tree. */
static void test_batching_invariant(void **state)
{
	fixture *f = *state;
	fixture g = {0};
	strcpy(g.dir, "/tmp/cairn-test-log-XXXXXX");
	assert_non_null(mkdtemp(g.dir));
	g.log_key = f->log_key;
	g.note_key = f->note_key;
	assert_int_equal(open_log(&g, 0, 0), CAIRN_OK);
	const uint64_t total = 2000;
	for (uint64_t i = 0; i < 600; i++)
		assert_int_equal(append_range(f->log, i, i + 1), CAIRN_OK);
	assert_int_equal(append_range(f->log, 600, total), CAIRN_OK);
	uint64_t at = 0, b = 3;
	while (at < total) {
		uint64_t end = at + b > total ? total : at + b;
		assert_int_equal(append_range(g.log, at, end), CAIRN_OK);
		at = end;
		b = b * 5 % 511 + 1;
	}
	log_reader *r1, *r2;
	assert_int_equal(log_read_begin(f->log, &r1), CAIRN_OK);
	assert_int_equal(log_read_begin(g.log, &r2), CAIRN_OK);
	log_checkpoint c1, c2;
	log_reader_checkpoint(r1, &c1);
	log_reader_checkpoint(r2, &c2);
	assert_int_equal(c1.size, total);
	assert_int_equal(c2.size, total);
	assert_memory_equal(c1.root, c2.root, H);
	for (uint64_t idx = 0; idx < 8; idx++) {
		const uint8_t *d1, *d2;
		size_t l1, l2;
		unsigned w = tiles_width(0, idx, total);
		assert_int_equal(log_reader_tile(r1, 0, idx, w, &d1, &l1), CAIRN_OK);
		assert_int_equal(log_reader_tile(r2, 0, idx, w, &d2, &l2), CAIRN_OK);
		assert_int_equal(l1, l2);
		assert_memory_equal(d1, d2, l1);
	}
	log_read_end(r1);
	log_read_end(r2);
	log_close(g.log);
	rm_rf(g.dir);
}

static void test_reopen(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 1000), CAIRN_OK);
	int64_t tree = log_tree_id(f->log);
	log_checkpoint *before;
	assert_int_equal(log_latest(f->log, &before), CAIRN_OK);
	log_close(f->log);
	f->log = NULL;
	assert_int_equal(open_log(f, 0, 0), CAIRN_OK);
	assert_int_equal(log_tree_id(f->log), tree);
	log_checkpoint *after;
	assert_int_equal(log_latest(f->log, &after), CAIRN_OK);
	assert_int_equal(after->size, 1000);
	assert_memory_equal(after->root, before->root, H);
	assert_int_equal(after->note_len, before->note_len);
	assert_memory_equal(after->note, before->note, before->note_len);
	log_checkpoint_free(before);
	log_checkpoint_free(after);
	/* Appends continue where they stopped and give the reference tree. */
	assert_int_equal(append_range(f->log, 1000, 1300), CAIRN_OK);
	ref_tree ref;
	ref_init(&ref, 1300);
	check_proofs(f->log, &ref, 1300, 7, 11);
	log_reader *r;
	assert_int_equal(log_read_begin(f->log, &r), CAIRN_OK);
	const uint8_t *body;
	size_t len;
	int64_t t;
	char want[128];
	body_of(999, want, sizeof want);
	assert_int_equal(log_reader_entry(r, 999, &body, &len, &t), CAIRN_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(body, want, len);
	assert_true(t > 1700000000);
	assert_int_equal(log_reader_entry(r, 1300, &body, &len, &t), CAIRN_ERR_NOT_FOUND);
	log_read_end(r);
	ref_free(&ref);
	/* A different tree ID for the same data dir is refused. */
	log_close(f->log);
	log_options o = {.dir = f->dir, .name = "cairn.test", .log_key = f->log_key, .tree_id = tree + 1};
	f->log = NULL;
	assert_int_equal(log_open(&o, &f->log), CAIRN_ERR_INVALID);
	assert_null(f->log);
	assert_int_equal(open_log(f, 0, 0), CAIRN_OK);
}

static void test_aborted_batch(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 10), CAIRN_OK);
	log_checkpoint *before;
	assert_int_equal(log_latest(f->log, &before), CAIRN_OK);
	log_entry_in in[3] = {0};
	log_entry_out out[3];
	static uint8_t big[LOG_MAX_ENTRY + 1];
	in[0].body = (const uint8_t *)"fresh-0";
	in[0].len = 7;
	merkle_leaf_hash(in[0].body, in[0].len, in[0].leaf);
	in[1].body = (const uint8_t *)"fresh-1";
	in[1].len = 7;
	merkle_leaf_hash(in[1].body, in[1].len, in[1].leaf);
	in[2].body = big;
	in[2].len = sizeof big;
	merkle_leaf_hash(in[2].body, in[2].len, in[2].leaf);
	assert_int_equal(log_append(f->log, in, 3, out, NULL), CAIRN_ERR_TOO_LARGE);
	log_checkpoint *after;
	assert_int_equal(log_latest(f->log, &after), CAIRN_OK);
	assert_int_equal(after->size, 10);
	assert_memory_equal(after->root, before->root, H);
	log_reader *r;
	uint64_t idx;
	assert_int_equal(log_read_begin(f->log, &r), CAIRN_OK);
	assert_int_equal(log_reader_size(r), 10);
	assert_int_equal(log_reader_find_leaf(r, in[0].leaf, &idx), CAIRN_ERR_NOT_FOUND);
	log_read_end(r);
	/* The good entries go in once the bad one is gone, at the next index. */
	assert_int_equal(log_append(f->log, in, 2, out, NULL), CAIRN_OK);
	assert_int_equal(out[0].index, 10);
	assert_int_equal(out[1].index, 11);
	log_checkpoint_free(before);
	log_checkpoint_free(after);
}

static void test_duplicates(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 5), CAIRN_OK);
	char b2[128], b9[128];
	body_of(2, b2, sizeof b2);
	body_of(9, b9, sizeof b9);
	log_entry_in in[3] = {0};
	log_entry_out out[3];
	in[0].body = (const uint8_t *)b9;
	in[0].len = strlen(b9);
	in[1].body = (const uint8_t *)b2;
	in[1].len = strlen(b2);
	in[2] = in[0];
	for (int i = 0; i < 3; i++)
		merkle_leaf_hash(in[i].body, in[i].len, in[i].leaf);
	log_checkpoint *cp;
	assert_int_equal(log_append(f->log, in, 3, out, &cp), CAIRN_OK);
	assert_int_equal(out[0].status, CAIRN_OK);
	assert_int_equal(out[0].index, 5);
	assert_int_equal(out[1].status, CAIRN_ERR_DUPLICATE);
	assert_int_equal(out[1].index, 2);
	assert_int_equal(out[2].status, CAIRN_ERR_DUPLICATE);
	assert_int_equal(out[2].index, 5);
	assert_int_equal(cp->size, 6);
	log_checkpoint_free(cp);
	/* A batch of only duplicates changes nothing. */
	assert_int_equal(log_append(f->log, in + 1, 1, out, &cp), CAIRN_OK);
	assert_int_equal(out[0].status, CAIRN_ERR_DUPLICATE);
	assert_int_equal(cp->size, 6);
	log_checkpoint_free(cp);
}

static void test_checkpoint_notes(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 3), CAIRN_OK);
	log_checkpoint *cp;
	assert_int_equal(log_latest(f->log, &cp), CAIRN_OK);
	note_verifier *vl, *vn;
	assert_int_equal(note_verifier_new("cairn.test", f->log_key, &vl), CAIRN_OK);
	assert_int_equal(note_verifier_new("cairn.test", f->note_key, &vn), CAIRN_OK);
	size_t blen;
	assert_int_equal(note_open(cp->note_v1, cp->note_v1_len, &vl, 1, &blen), CAIRN_OK);
	/* The v1 note carries the log key's signature only. */
	assert_int_equal(note_open(cp->note_v1, cp->note_v1_len, &vn, 1, &blen), CAIRN_ERR_VERIFY);
	assert_int_equal(note_open(cp->note, cp->note_len, &vn, 1, &blen), CAIRN_OK);
	assert_int_equal(note_open(cp->note, cp->note_len, &vl, 1, &blen), CAIRN_OK);
	note_checkpoint parsed;
	assert_int_equal(note_checkpoint_parse(cp->note, blen, &parsed), CAIRN_OK);
	assert_int_equal(parsed.size, 3);
	assert_memory_equal(parsed.root, cp->root, H);
	char origin[256];
	snprintf(origin, sizeof origin, "cairn.test - %lld", (long long)log_tree_id(f->log));
	assert_string_equal(parsed.origin, origin);
	assert_string_equal(log_origin(f->log), origin);
	/* The log ID is the SHA-256 of the log key's SPKI. */
	uint8_t id[H];
	assert_int_equal(keys_id(f->log_key, id), CAIRN_OK);
	assert_memory_equal(log_id(f->log), id, H);
	note_verifier_free(vl);
	note_verifier_free(vn);
	log_checkpoint_free(cp);
}

static void test_bundles_and_search(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 300), CAIRN_OK);
	log_entry_in in = {0};
	log_entry_out out;
	const char *body = "searchable";
	log_index_key keys[2] = {{LOG_BY_HASH, (const uint8_t *)"sha256:abc", 10},
				 {LOG_BY_KEY, (const uint8_t *)"keyid-1", 7}};
	in.body = (const uint8_t *)body;
	in.len = strlen(body);
	merkle_leaf_hash(in.body, in.len, in.leaf);
	in.keys = keys;
	in.nkeys = 2;
	assert_int_equal(log_append(f->log, &in, 1, &out, NULL), CAIRN_OK);
	const char *body2 = "searchable-2";
	in.body = (const uint8_t *)body2;
	in.len = strlen(body2);
	merkle_leaf_hash(in.body, in.len, in.leaf);
	in.nkeys = 1;
	assert_int_equal(log_append(f->log, &in, 1, &out, NULL), CAIRN_OK);

	log_reader *r;
	assert_int_equal(log_read_begin(f->log, &r), CAIRN_OK);
	uint64_t hits[8];
	size_t count;
	assert_int_equal(log_reader_search(r, LOG_BY_HASH, (const uint8_t *)"sha256:abc", 10, hits, 8, &count),
			 CAIRN_OK);
	assert_int_equal(count, 2);
	assert_int_equal(hits[0], 300);
	assert_int_equal(hits[1], 301);
	assert_int_equal(log_reader_search(r, LOG_BY_KEY, (const uint8_t *)"keyid-1", 7, hits, 8, &count), CAIRN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(log_reader_search(r, LOG_BY_KEY, (const uint8_t *)"sha256:abc", 10, hits, 8, &count),
			 CAIRN_OK);
	assert_int_equal(count, 0);
	/* A well-formed digest key is stored compactly and found the same way. */
	log_read_end(r);
	const char *digest = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	log_index_key dk = {LOG_BY_HASH, (const uint8_t *)digest, strlen(digest)};
	in.body = (const uint8_t *)"digest-keyed";
	in.len = 12;
	merkle_leaf_hash(in.body, in.len, in.leaf);
	in.keys = &dk;
	in.nkeys = 1;
	assert_int_equal(log_append(f->log, &in, 1, &out, NULL), CAIRN_OK);
	assert_int_equal(log_read_begin(f->log, &r), CAIRN_OK);
	assert_int_equal(log_reader_search(r, LOG_BY_HASH, (const uint8_t *)digest, strlen(digest), hits, 8, &count),
			 CAIRN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(hits[0], out.index);

	uint8_t *data;
	size_t len;
	assert_int_equal(log_reader_entry_bundle(r, 0, 256, &data, &len), CAIRN_OK);
	size_t at = 0;
	for (uint64_t i = 0; i < 256; i++) {
		char want[128];
		body_of(i, want, sizeof want);
		assert_true(at + 2 <= len);
		size_t n = (size_t)data[at] << 8 | data[at + 1];
		assert_int_equal(n, strlen(want));
		assert_memory_equal(data + at + 2, want, n);
		at += 2 + n;
	}
	assert_int_equal(at, len);
	free(data);
	assert_int_equal(log_reader_entry_bundle(r, 1, 47, &data, &len), CAIRN_OK);
	free(data);
	assert_int_equal(log_reader_entry_bundle(r, 1, 48, &data, &len), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(log_reader_entry_bundle(r, 2, 1, &data, &len), CAIRN_ERR_NOT_FOUND);
	log_read_end(r);
}

/* The map grows when LMDB fills it; past the cap appends fail cleanly, reads
 * keep working, and appends resume when the cap is raised. */
static void test_map_growth_and_full(void **state)
{
	fixture *f = *state;
	log_close(f->log);
	f->log = NULL;
	rm_rf(f->dir);
	assert_non_null(mkdtemp(strcpy(f->dir, "/tmp/cairn-test-log-XXXXXX")));
	assert_int_equal(open_log(f, 256 * 1024, 64 << 20), CAIRN_OK);
	uint64_t at = 0;
	while (at < 20000) {
		assert_int_equal(append_range(f->log, at, at + 500), CAIRN_OK);
		at += 500;
	}
	log_close(f->log);
	f->log = NULL;
	/* Now a cap too small for the next batch. */
	assert_int_equal(open_log(f, 256 * 1024, 4 << 20), CAIRN_OK);
	log_checkpoint *before;
	assert_int_equal(log_latest(f->log, &before), CAIRN_OK);
	int rc = CAIRN_OK;
	while (rc == CAIRN_OK && at < 200000) {
		rc = append_range(f->log, at, at + 2000);
		if (rc == CAIRN_OK) {
			at += 2000;
			log_checkpoint_free(before);
			assert_int_equal(log_latest(f->log, &before), CAIRN_OK);
		}
	}
	assert_int_equal(rc, CAIRN_ERR_FULL);
	log_checkpoint *after;
	assert_int_equal(log_latest(f->log, &after), CAIRN_OK);
	assert_int_equal(after->size, at);
	assert_memory_equal(after->root, before->root, H);
	ref_tree ref;
	ref_init(&ref, at + 2000);
	check_proofs(f->log, &ref, at, at / 50 + 1, at / 50 + 1);
	log_close(f->log);
	f->log = NULL;
	assert_int_equal(open_log(f, 0, 0), CAIRN_OK);
	assert_int_equal(append_range(f->log, at, at + 2000), CAIRN_OK);
	check_proofs(f->log, &ref, at + 2000, at / 50 + 1, at / 50 + 1);
	ref_free(&ref);
	log_checkpoint_free(before);
	log_checkpoint_free(after);
}

static int flip_fn(store_txn *txn, void *arg)
{
	size_t at = arg ? *(size_t *)arg : 40;
	uint8_t key[9] = {0};
	const void *v;
	size_t len;
	int rc = store_get(txn, STORE_TILES, key, sizeof key, &v, &len);
	if (rc)
		return rc;
	uint8_t copy[511 * 32];
	if (len > sizeof copy || at >= len)
		return CAIRN_ERR_RANGE;
	memcpy(copy, v, len);
	copy[at] ^= 1;
	return store_put(txn, STORE_TILES, key, sizeof key, copy, len, 0, NULL, NULL);
}

/* A stored root that disagrees with the tiles is refused at open. */
static void test_corrupt_root_refused(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 100), CAIRN_OK);
	log_close(f->log);
	f->log = NULL;
	/* Flip a leaf hash in tile 0 through the store API. */
	store *s;
	assert_int_equal(store_open(f->dir, NULL, &s), CAIRN_OK);
	assert_int_equal(store_write(s, flip_fn, NULL), CAIRN_OK);
	store_close(s);
	assert_int_equal(open_log(f, 0, 0), CAIRN_ERR_CORRUPT);
	assert_null(f->log);
	unsigned reported = 0;
	assert_int_equal(log_check(f->dir, count_report, &reported, NULL, NULL), CAIRN_ERR_CORRUPT);
	assert_true(reported >= 1);
}

static int alter_entry(store_txn *txn, void *arg)
{
	uint8_t key[8];
	store_put_u64(key, *(uint64_t *)arg);
	const void *v;
	size_t len;
	int rc = store_get(txn, STORE_ENTRIES, key, 8, &v, &len);
	if (rc)
		return rc;
	uint8_t copy[256];
	memcpy(copy, v, len);
	copy[len - 2] ^= 1;
	return store_put(txn, STORE_ENTRIES, key, 8, copy, len, 0, NULL, NULL);
}

/* An altered entry body is found by the offline check, though the tiles and
 * root still agree with each other. */
static void test_check_finds_altered_entry(void **state)
{
	fixture *f = *state;
	assert_int_equal(append_range(f->log, 0, 600), CAIRN_OK);
	log_close(f->log);
	f->log = NULL;
	unsigned reported = 0;
	assert_int_equal(log_check(f->dir, count_report, &reported, NULL, NULL), CAIRN_OK);
	assert_int_equal(reported, 0);
	store *s;
	uint64_t victim = 300;
	assert_int_equal(store_open(f->dir, NULL, &s), CAIRN_OK);
	assert_int_equal(store_write(s, alter_entry, &victim), CAIRN_OK);
	store_close(s);
	assert_int_equal(log_check(f->dir, count_report, &reported, NULL, NULL), CAIRN_ERR_CORRUPT);
	assert_true(reported >= 3); /* leaves index, tile slot, subtree hashes, root */
	assert_int_equal(log_check("/nonexistent/cairn", NULL, NULL, NULL, NULL), CAIRN_ERR_NOT_FOUND);
	/* An altered inner node of a full tile (past its 256 leaf hashes): the
	 * check recomputes inner nodes from the entries too. */
	size_t inner = 300 * 32 + 5;
	unsigned before = 0;
	assert_int_equal(log_check(f->dir, count_report, &before, NULL, NULL), CAIRN_ERR_CORRUPT);
	reported = 0;
	assert_int_equal(store_open(f->dir, NULL, &s), CAIRN_OK);
	assert_int_equal(store_write(s, flip_fn, &inner), CAIRN_OK);
	store_close(s);
	assert_int_equal(log_check(f->dir, count_report, &reported, NULL, NULL), CAIRN_ERR_CORRUPT);
	assert_int_equal(reported, before + 1);
	assert_int_equal(store_open(f->dir, NULL, &s), CAIRN_OK);
	assert_int_equal(store_write(s, flip_fn, &inner), CAIRN_OK); /* flip it back */
	store_close(s);
	/* Opening checks only the newest tile's entries: an old entry passes... */
	assert_int_equal(open_log(f, 0, 0), CAIRN_OK);
	log_close(f->log);
	f->log = NULL;
	/* ...but an altered newest entry refuses to start. */
	victim = 599;
	assert_int_equal(store_open(f->dir, NULL, &s), CAIRN_OK);
	assert_int_equal(store_write(s, alter_entry, &victim), CAIRN_OK);
	store_close(s);
	assert_int_equal(open_log(f, 0, 0), CAIRN_ERR_CORRUPT);
	assert_null(f->log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_proof_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampled_proofs_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batching_invariant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aborted_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundles_and_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_growth_and_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_root_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_altered_entry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
