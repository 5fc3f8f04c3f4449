/* Client-side checks of a running cairnd, shared by the crash test and the
 * hostile-HTTP suite: fetch and verify signed checkpoints, download every
 * entry through the C2SP entry bundles, recompute the RFC 6962 tree from the
 * bodies and compare it with the signed root, verify consistency proofs.
 * Nothing here trusts the server: every root is recomputed locally.
 *
 * Functions return 0 on success or -1 with a reason in lc_err (a static
 * buffer: call them from one thread). */
#ifndef CAIRN_TEST_LOGCHECK_H
#define CAIRN_TEST_LOGCHECK_H

#include "../api/cairnd_harness.h"

#include <stdarg.h>
#include <stdint.h>

#include "codec.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"
#include "tiles.h"

#define LC_H MERKLE_HASH_SIZE

static char lc_err[1024];

__attribute__((format(printf, 1, 2))) static int lc_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lc_err, sizeof lc_err, fmt, ap);
	va_end(ap);
	return -1;
}

/* The log's verification keys and signer name, read from its data dir. */
typedef struct lc_keys {
	keys_key *log_key;
	note_verifier *v1;   /* the log key as a note verifier */
	note_verifier *note; /* the Ed25519 note key (note.vkey) */
} lc_keys;

static inline int lc_keys_load(lc_keys *k, const char *dir, const char *name)
{
	char path[512], vkey[1024];
	memset(k, 0, sizeof *k);
	snprintf(path, sizeof path, "%s/log.pub", dir);
	if (keys_load_public_file(path, &k->log_key) != CAIRN_OK)
		return lc_fail("cannot load %s", path);
	if (note_verifier_new(name, k->log_key, &k->v1) != CAIRN_OK)
		return lc_fail("cannot make the log key verifier");
	snprintf(path, sizeof path, "%s/note.vkey", dir);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(vkey, sizeof vkey, f)) {
		if (f)
			fclose(f);
		return lc_fail("cannot read %s", path);
	}
	fclose(f);
	vkey[strcspn(vkey, "\n")] = '\0';
	if (note_verifier_from_vkey(vkey, &k->note) != CAIRN_OK)
		return lc_fail("bad verifier key in %s", path);
	return 0;
}

static inline void lc_keys_free(lc_keys *k)
{
	note_verifier_free(k->v1);
	note_verifier_free(k->note);
	keys_free(k->log_key);
	memset(k, 0, sizeof *k);
}

/* Verifies a v1 checkpoint note (log key) or, with c2sp set, a /checkpoint
 * note (note key and log key), and parses it. */
static inline int lc_checkpoint(const lc_keys *k, const char *note, size_t len, int c2sp, note_checkpoint *cp)
{
	size_t bodylen;
	note_verifier *v1[1] = {k->v1}, *nv[1] = {k->note};
	if (note_open(note, len, v1, 1, &bodylen) != CAIRN_OK)
		return lc_fail("checkpoint not signed by the log key: %.200s", note);
	if (c2sp && note_open(note, len, nv, 1, &bodylen) != CAIRN_OK)
		return lc_fail("checkpoint not signed by the note key: %.200s", note);
	if (note_checkpoint_parse(note, bodylen, cp) != CAIRN_OK)
		return lc_fail("malformed checkpoint: %.200s", note);
	return 0;
}

/* GET base+path into r (status checked by the caller). */
static inline int lc_get(CURL *c, const char *base, const char *path, http_resp *r)
{
	char url[1024];
	snprintf(url, sizeof url, "%s%s", base, path);
	if (http_do(c, "GET", url, NULL, 0, r) != 0) {
		http_resp_free(r);
		return lc_fail("GET %s: transport error", path);
	}
	return 0;
}

/* GET /api/v1/log: the signed tree head, verified, with treeSize and
 * rootHash checked against it. */
static inline int lc_log_info(CURL *c, const char *base, const lc_keys *k, note_checkpoint *cp)
{
	http_resp r;
	if (lc_get(c, base, "/api/v1/log", &r))
		return -1;
	int rc = -1;
	json_error_t je;
	json_t *v = r.status == 200 ? json_loads(r.body, 0, &je) : NULL;
	if (!v) {
		lc_fail("GET /api/v1/log: status %ld: %.200s", r.status, r.body);
		goto out;
	}
	const char *sth = json_string_value(json_object_get(v, "signedTreeHead"));
	const char *rh = json_string_value(json_object_get(v, "rootHash"));
	json_t *ts = json_object_get(v, "treeSize");
	uint8_t root[LC_H];
	if (!sth || !rh || !json_is_integer(ts) || codec_hex_decode(rh, strlen(rh), root, LC_H)) {
		lc_fail("GET /api/v1/log: bad fields: %.300s", r.body);
		goto out;
	}
	if (lc_checkpoint(k, sth, strlen(sth), 0, cp))
		goto out;
	if (cp->size != (uint64_t)json_integer_value(ts) || memcmp(cp->root, root, LC_H) != 0) {
		lc_fail("GET /api/v1/log: treeSize/rootHash disagree with the signed tree head");
		goto out;
	}
	rc = 0;
out:
	json_decref(v);
	http_resp_free(&r);
	return rc;
}

/* Every entry of a tree of a given size, downloaded and hashed. */
typedef struct lc_tree {
	uint64_t size;
	uint8_t (*leaf)[LC_H];
	uint8_t **body;
	size_t *blen;
	/* levels[l][i]: root of the perfect subtree of height l at index i. */
	uint8_t (*levels[65])[LC_H];
	uint64_t nlevels;
} lc_tree;

static inline void lc_tree_free(lc_tree *t)
{
	for (uint64_t i = 0; t->body && i < t->size; i++)
		free(t->body[i]);
	free(t->body);
	free(t->blen);
	for (uint64_t l = 1; l < t->nlevels; l++)
		free(t->levels[l]);
	free(t->leaf);
	memset(t, 0, sizeof *t);
}

static int lc_node(void *ctx, unsigned level, uint64_t index, uint8_t out[LC_H])
{
	lc_tree *t = ctx;
	if (level >= t->nlevels || index >= (t->size >> level))
		return CAIRN_ERR_RANGE;
	memcpy(out, t->levels[level][index], LC_H);
	return CAIRN_OK;
}

static inline void lc_tree_index(lc_tree *t)
{
	t->levels[0] = t->leaf;
	t->nlevels = 1;
	for (unsigned l = 1; l < 64 && (t->size >> l) > 0; l++) {
		uint64_t n = t->size >> l;
		t->levels[l] = malloc(n * LC_H);
		for (uint64_t i = 0; i < n; i++)
			merkle_node_hash(t->levels[l - 1][2 * i], t->levels[l - 1][2 * i + 1],
			                 t->levels[l][i]);
		t->nlevels = l + 1;
	}
}

/* MTH of the first m entries, from the downloaded bodies. */
static inline int lc_tree_root(lc_tree *t, uint64_t m, uint8_t out[LC_H])
{
	if (m > t->size)
		return lc_fail("root of %llu entries asked of a tree of %llu", (unsigned long long)m,
		               (unsigned long long)t->size);
	merkle_source src = {lc_node, t};
	if (merkle_root(&src, m, out) != CAIRN_OK)
		return lc_fail("cannot compute the root of %llu entries", (unsigned long long)m);
	return 0;
}

/* Downloads entries [0, size) through /tile/entries and checks that each
 * full tile and each partial tile hashes as the level-0 hash tile says. */
static inline int lc_fetch_tree(CURL *c, const char *base, uint64_t size, lc_tree *t)
{
	memset(t, 0, sizeof *t);
	t->size = size;
	t->leaf = malloc((size ? size : 1) * LC_H);
	t->body = calloc(size ? size : 1, sizeof *t->body);
	t->blen = calloc(size ? size : 1, sizeof *t->blen);
	for (uint64_t tile = 0; tile * 256 < size; tile++) {
		unsigned w = size - tile * 256 >= 256 ? 256 : (unsigned)(size - tile * 256);
		tiles_path p = {1, 0, tile, w};
		char path[TILES_PATH_MAX + 1] = "/";
		tiles_path_format(&p, path + 1, sizeof path - 1);
		http_resp r;
		if (lc_get(c, base, path, &r))
			return -1;
		if (r.status != 200) {
			lc_fail("GET %s: status %ld: %.200s", path, r.status, r.body);
			http_resp_free(&r);
			return -1;
		}
		size_t at = 0;
		for (unsigned i = 0; i < w; i++) {
			if (at + 2 > r.len) {
				http_resp_free(&r);
				return lc_fail("GET %s: bundle ends after %u of %u entries", path, i, w);
			}
			size_t n = (size_t)(uint8_t)r.body[at] << 8 | (uint8_t)r.body[at + 1];
			if (at + 2 + n > r.len || n == 0) {
				http_resp_free(&r);
				return lc_fail("GET %s: entry %u truncated or empty", path, i);
			}
			uint64_t idx = tile * 256 + i;
			t->body[idx] = malloc(n + 1);
			memcpy(t->body[idx], r.body + at + 2, n);
			t->body[idx][n] = '\0';
			t->blen[idx] = n;
			merkle_leaf_hash((const uint8_t *)r.body + at + 2, n, t->leaf[idx]);
			at += 2 + n;
		}
		if (at != r.len) {
			http_resp_free(&r);
			return lc_fail("GET %s: %zu bytes after the last entry", path, r.len - at);
		}
		http_resp_free(&r);
		/* The level-0 hash tile must hold exactly these leaf hashes. */
		tiles_path hp = {0, 0, tile, w};
		hp.entries = 0;
		tiles_path_format(&hp, path + 1, sizeof path - 1);
		if (lc_get(c, base, path, &r))
			return -1;
		if (r.status != 200 || r.len != (size_t)w * LC_H ||
		    memcmp(r.body, t->leaf[tile * 256], (size_t)w * LC_H) != 0) {
			lc_fail("GET %s: status %ld, %zu bytes: not the bundle's leaf hashes", path, r.status,
			        r.len);
			http_resp_free(&r);
			return -1;
		}
		http_resp_free(&r);
	}
	lc_tree_index(t);
	return 0;
}

/* GET /api/v1/log/proof?firstSize=m&lastSize=n and verify it between
 * (m, root1) and (n, root2). */
static inline int lc_consistency(CURL *c, const char *base, uint64_t m, const uint8_t root1[LC_H], uint64_t n,
                                 const uint8_t root2[LC_H])
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu", (unsigned long long)m,
	         (unsigned long long)n);
	http_resp r;
	if (lc_get(c, base, path, &r))
		return -1;
	int rc = -1;
	json_error_t je;
	json_t *v = r.status == 200 ? json_loads(r.body, 0, &je) : NULL;
	json_t *hashes = json_object_get(v, "hashes");
	const char *rh = json_string_value(json_object_get(v, "rootHash"));
	uint8_t proof[MERKLE_MAX_PROOF][LC_H], root[LC_H];
	size_t len = json_array_size(hashes);
	if (!v || !json_is_array(hashes) || !rh || len > MERKLE_MAX_PROOF ||
	    codec_hex_decode(rh, strlen(rh), root, LC_H)) {
		lc_fail("GET %s: status %ld: %.200s", path, r.status, r.body);
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		const char *h = json_string_value(json_array_get(hashes, i));
		if (!h || codec_hex_decode(h, strlen(h), proof[i], LC_H)) {
			lc_fail("GET %s: bad hash %zu", path, i);
			goto out;
		}
	}
	if (memcmp(root, root2, LC_H) != 0) {
		lc_fail("GET %s: rootHash is not the root of the tree of size %llu", path,
		        (unsigned long long)n);
		goto out;
	}
	if (merkle_verify_consistency(m, n, (const uint8_t(*)[LC_H])proof, len, root1, root2) != CAIRN_OK) {
		lc_fail("consistency proof %llu -> %llu does not verify", (unsigned long long)m,
		        (unsigned long long)n);
		goto out;
	}
	rc = 0;
out:
	json_decref(v);
	http_resp_free(&r);
	return rc;
}

/* The root of the tree of size m computed from hash tiles alone, as a
 * C2SP tlog-tiles client at a checkpoint of size m computes it: every tile
 * is fetched at the width it has in that tree (partial tiles for old sizes
 * must still be served) and must hold exactly width hashes. */
typedef struct lc_tiles {
	CURL *c;
	const char *base;
	uint64_t size;
	struct {
		unsigned level, width;
		uint64_t index;
		uint8_t *data;
	} t[128];
	int n;
} lc_tiles;

static int lc_tile_node(void *ctx, unsigned height, uint64_t index, uint8_t out[LC_H])
{
	lc_tiles *tc = ctx;
	tiles_coord co;
	tiles_node_coord(height, index, &co);
	unsigned w = tiles_width(co.level, co.index, tc->size);
	if (w < co.slot + co.count) {
		lc_fail("tile %u/%llu of a tree of %llu has %u hashes, node needs %u", co.level,
		        (unsigned long long)co.index, (unsigned long long)tc->size, w, co.slot + co.count);
		return CAIRN_ERR_RANGE;
	}
	uint8_t *data = NULL;
	for (int i = 0; i < tc->n; i++)
		if (tc->t[i].level == co.level && tc->t[i].index == co.index && tc->t[i].width == w)
			data = tc->t[i].data;
	if (!data) {
		tiles_path p = {0, co.level, co.index, w};
		char path[TILES_PATH_MAX + 1] = "/";
		tiles_path_format(&p, path + 1, sizeof path - 1);
		http_resp r;
		if (lc_get(tc->c, tc->base, path, &r))
			return CAIRN_ERR_IO;
		if (r.status != 200 || r.len != (size_t)w * LC_H || tc->n == 128) {
			lc_fail("GET %s (tree size %llu): status %ld, %zu bytes", path, (unsigned long long)tc->size,
			        r.status, r.len);
			http_resp_free(&r);
			return CAIRN_ERR_IO;
		}
		data = (uint8_t *)r.body; /* owned by the cache now */
		tc->t[tc->n].level = co.level;
		tc->t[tc->n].index = co.index;
		tc->t[tc->n].width = w;
		tc->t[tc->n].data = data;
		tc->n++;
	}
	/* Fold count = 2^k hashes from slot into the subtree root. */
	uint8_t buf[256][LC_H];
	memcpy(buf, data + (size_t)co.slot * LC_H, (size_t)co.count * LC_H);
	for (unsigned n = co.count; n > 1; n /= 2)
		for (unsigned i = 0; i < n / 2; i++)
			merkle_node_hash(buf[2 * i], buf[2 * i + 1], buf[i]);
	memcpy(out, buf[0], LC_H);
	return CAIRN_OK;
}

static inline int lc_tiles_root(CURL *c, const char *base, uint64_t m, uint8_t out[LC_H])
{
	lc_tiles tc = {c, base, m, {{0}}, 0};
	merkle_source src = {lc_tile_node, &tc};
	int rc = merkle_root(&src, m, out);
	for (int i = 0; i < tc.n; i++)
		free(tc.t[i].data);
	if (rc && rc != CAIRN_ERR_IO && rc != CAIRN_ERR_RANGE)
		lc_fail("cannot compute the root of %llu from tiles", (unsigned long long)m);
	return rc ? -1 : 0;
}

/* Everything at once: the signed tree head verifies, the tree recomputed
 * from the downloaded entries has its root, /checkpoint names the same tree
 * (or a later one) and is signed by both keys. On success *t holds the tree
 * (caller frees with lc_tree_free). */
static inline int lc_verify_log(CURL *c, const char *base, const lc_keys *k, lc_tree *t)
{
	note_checkpoint cp;
	if (lc_log_info(c, base, k, &cp))
		return -1;
	if (lc_fetch_tree(c, base, cp.size, t))
		return -1;
	uint8_t root[LC_H];
	if (lc_tree_root(t, cp.size, root))
		return -1;
	if (memcmp(root, cp.root, LC_H) != 0)
		return lc_fail("the root recomputed from the %llu stored entries is not the signed root",
		               (unsigned long long)cp.size);
	if (lc_tiles_root(c, base, cp.size, root))
		return -1;
	if (memcmp(root, cp.root, LC_H) != 0)
		return lc_fail("the root computed from the hash tiles of %llu entries is not the signed root",
		               (unsigned long long)cp.size);
	http_resp r;
	if (lc_get(c, base, "/checkpoint", &r))
		return -1;
	note_checkpoint c2;
	int rc =
	    r.status == 200 ? lc_checkpoint(k, r.body, r.len, 1, &c2) : lc_fail("/checkpoint: %ld", r.status);
	http_resp_free(&r);
	if (rc)
		return -1;
	if (c2.size < cp.size)
		return lc_fail("/checkpoint (size %llu) is older than /api/v1/log (size %llu)",
		               (unsigned long long)c2.size, (unsigned long long)cp.size);
	if (c2.size == cp.size && memcmp(c2.root, cp.root, LC_H) != 0)
		return lc_fail("/checkpoint and /api/v1/log disagree on the root of size %llu",
		               (unsigned long long)cp.size);
	return 0;
}

#endif
