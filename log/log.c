#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "codec.h"
#include "note.h"
#include "store.h"
#include "tiles.h"

#define EDGE_LEVELS 8 /* 256^8 = 2^64 leaves */
#define HASH MERKLE_HASH_SIZE

/* A stored tile is its W hashes (exactly the C2SP tile, so serving one is a
 * prefix) followed by the tile's own inner nodes: W>>1 hashes one level up,
 * W>>2 the next, ... W>>7, so that any node a proof needs is one lookup
 * instead of folding up to 128 hashes. At most 511 hashes per tile. */
#define SUBLEVELS TILES_HEIGHT
#define TILE_MAX_HASHES (2 * TILES_WIDTH - 1)

/* Hashes stored for a tile of width w. */
static size_t stored_hashes(unsigned w)
{
	size_t n = 0;
	for (unsigned r = 0; r < SUBLEVELS; r++)
		n += w >> r;
	return n;
}

/* Offset (in hashes) of sub-level r in a stored tile of width w. */
static size_t stored_offset(unsigned w, unsigned r)
{
	size_t n = 0;
	for (unsigned k = 0; k < r; k++)
		n += w >> k;
	return n;
}

/* The width of a stored tile from its length; 0 if no width fits. */
static unsigned stored_width(size_t vlen)
{
	if (vlen % HASH)
		return 0;
	size_t n = vlen / HASH;
	unsigned lo = 1, hi = TILES_WIDTH;
	while (lo < hi) { /* stored_hashes is strictly increasing */
		unsigned mid = (lo + hi) / 2;
		if (stored_hashes(mid) < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return stored_hashes(lo) == n ? lo : 0;
}

/* The right edge of the tree at one tile level: the partial tile that the
 * next appends fill, with its inner nodes at fixed offsets (sub-level r at
 * full_offset[r]). Full tiles are written once and never kept here. */
static const unsigned full_offset[SUBLEVELS + 1] = {0, 256, 384, 448, 480, 496, 504, 508, 510};

typedef struct edge_tile {
	uint64_t index;
	unsigned width;
	int dirty;
	uint8_t hashes[TILE_MAX_HASHES][HASH];
} edge_tile;

typedef struct edge {
	uint64_t size;
	uint8_t root[HASH];
	edge_tile tile[EDGE_LEVELS];
} edge;

struct cairn_log {
	store *st;
	int64_t tree_id;
	char origin[256];
	uint8_t id[HASH];
	note_signer *log_signer;  /* Rekor v1: ECDSA log key */
	note_signer *note_signer; /* C2SP: Ed25519 note key, or NULL */
	/* Writer state: touched only by log_append (one thread). The work copy
	 * is what a transaction attempt edits; it replaces cur on commit. */
	edge cur, work;
	pthread_mutex_t latest_mu;
	log_checkpoint *latest;
};

struct log_reader {
	cairn_log *log;
	store_txn *txn;
	uint64_t size;
	uint8_t root[HASH];
	log_checkpoint cp; /* notes borrowed from the txn */
};

void log_checkpoint_free(log_checkpoint *c)
{
	if (!c)
		return;
	free(c->note_v1);
	free(c->note);
	free(c);
}

static void tile_key(uint8_t key[9], unsigned level, uint64_t index)
{
	key[0] = (uint8_t)level;
	store_put_u64(key + 1, index);
}

/* A node from stored tiles (and, for the writer, the in-memory right edge). */
typedef struct tile_source {
	store_txn *txn;
	const edge *edge; /* NULL for readers */
	/* Readers only: the last tile read at each level. A proof takes up to 8
	 * nodes from one tile, so this makes it one B-tree lookup per tile level
	 * instead of one per node. Read-only transactions keep values in place,
	 * so the pointers stay valid for the reader's life; a write transaction
	 * may move a value on its next put, so the writer does not memoize. */
	struct {
		uint64_t index;
		const void *val;
		size_t vlen;
	} memo[EDGE_LEVELS];
} tile_source;

/* Packs an edge tile of width w into the stored layout; returns hashes written. */
static size_t pack_tile(const edge_tile *t, uint8_t (*out)[HASH])
{
	size_t o = 0;
	for (unsigned r = 0; r < SUBLEVELS; r++) {
		unsigned n = t->width >> r;
		memcpy(out[o], t->hashes[full_offset[r]], (size_t)n * HASH);
		o += n;
	}
	return o;
}

/* Unpacks a stored tile of width w into an edge tile. */
static void unpack_tile(const uint8_t *val, unsigned w, edge_tile *t)
{
	const uint8_t (*in)[HASH] = (const uint8_t (*)[HASH])val;
	size_t o = 0;
	for (unsigned r = 0; r < SUBLEVELS; r++) {
		unsigned n = w >> r;
		memcpy(t->hashes[full_offset[r]], in[o], (size_t)n * HASH);
		o += n;
	}
	t->width = w;
}

static int source_node(void *ctx, unsigned height, uint64_t index, uint8_t out[HASH])
{
	tile_source *src = ctx;
	if (height >= 64)
		return CAIRN_ERR_RANGE;
	unsigned level = height / TILES_HEIGHT, r = height % TILES_HEIGHT;
	unsigned per_tile = TILES_WIDTH >> r; /* nodes of this height in one tile */
	uint64_t tile = index / per_tile;
	unsigned j = (unsigned)(index % per_tile);
	if (src->edge && level < EDGE_LEVELS && src->edge->tile[level].index == tile &&
	    src->edge->tile[level].width > 0) {
		const edge_tile *t = &src->edge->tile[level];
		if (j >= t->width >> r)
			return CAIRN_ERR_CORRUPT;
		memcpy(out, t->hashes[full_offset[r] + j], HASH);
		return CAIRN_OK;
	}
	uint8_t key[9];
	const void *val;
	size_t vlen;
	if (!src->edge && level < EDGE_LEVELS && src->memo[level].val && src->memo[level].index == tile) {
		val = src->memo[level].val;
		vlen = src->memo[level].vlen;
	} else {
		tile_key(key, level, tile);
		int rc = store_get(src->txn, STORE_TILES, key, sizeof key, &val, &vlen);
		if (rc)
			return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
		if (!src->edge && level < EDGE_LEVELS) {
			src->memo[level].index = tile;
			src->memo[level].val = val;
			src->memo[level].vlen = vlen;
		}
	}
	unsigned w = stored_width(vlen);
	if (w == 0 || j >= w >> r)
		return CAIRN_ERR_CORRUPT;
	memcpy(out, (const uint8_t *)val + (stored_offset(w, r) + j) * HASH, HASH);
	return CAIRN_OK;
}

/* Writes edge tile t (level, t->index) in the stored layout. */
static int put_tile(store_txn *txn, unsigned level, const edge_tile *t)
{
	uint8_t key[9];
	void *buf;
	size_t n = stored_hashes(t->width);
	tile_key(key, level, t->index);
	int rc = store_reserve(txn, STORE_TILES, key, sizeof key, n * HASH, 0, &buf);
	if (rc)
		return rc;
	pack_tile(t, buf);
	return CAIRN_OK;
}

/* Adds a subtree hash at tile level `level` of the work edge, writing and
 * carrying up any tile that this fills. */
static int edge_add(store_txn *txn, edge *e, unsigned level, const uint8_t hash[HASH])
{
	uint8_t carry[HASH];
	memcpy(carry, hash, HASH);
	for (; level < EDGE_LEVELS; level++) {
		edge_tile *t = &e->tile[level];
		unsigned pos = t->width;
		memcpy(t->hashes[pos], carry, HASH);
		/* Complete the inner nodes this hash finishes: one on average. */
		for (unsigned r = 0; r < SUBLEVELS && (pos & 1); r++) {
			const uint8_t *l = t->hashes[full_offset[r] + pos - 1], *rt = t->hashes[full_offset[r] + pos];
			pos >>= 1;
			if (r + 1 < SUBLEVELS)
				merkle_node_hash(l, rt, t->hashes[full_offset[r + 1] + pos]);
			else
				merkle_node_hash(l, rt, carry); /* the tile's root */
		}
		t->width++;
		t->dirty = 1;
		if (t->width < TILES_WIDTH)
			return CAIRN_OK;
		int rc = put_tile(txn, level, t);
		if (rc)
			return rc;
		t->index++;
		t->width = 0;
		t->dirty = 0;
	}
	return CAIRN_ERR_RANGE;
}

/* Artifact digest keys ("sha256:<hex>", "sha384:…", "sha512:…", lowercase)
 * are stored as one algorithm byte (1, 2, 3) and the raw digest: 33 bytes
 * instead of 71 for sha256, on every entry. Other keys are stored as given;
 * their first byte is printable, so the two forms never collide. */
#define HASH_KEY_MAX 65

static size_t compact_hash_key(const uint8_t *key, size_t len, uint8_t out[HASH_KEY_MAX])
{
	static const struct {
		const char *prefix;
		size_t digest;
	} algs[] = {{"sha256:", 32}, {"sha384:", 48}, {"sha512:", 64}};
	for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
		size_t pl = strlen(algs[a].prefix), d = algs[a].digest;
		if (len != pl + 2 * d || memcmp(key, algs[a].prefix, pl) != 0)
			continue;
		const uint8_t *hex = key + pl;
		int ok = 1;
		for (size_t i = 0; i < 2 * d && ok; i++)
			ok = (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
		if (!ok || codec_hex_decode((const char *)hex, 2 * d, out + 1, d) != CAIRN_OK)
			return 0;
		out[0] = (uint8_t)(a + 1);
		return 1 + d;
	}
	return 0;
}

static int write_meta(store_txn *txn, const char *name, const void *val, size_t len)
{
	return store_put(txn, STORE_META, name, strlen(name), val, len, 0, NULL, NULL);
}

/* Signs the checkpoint for (size, root): one note by the log key alone and
 * one by the note key and the log key. */
static int sign_checkpoint(cairn_log *l, uint64_t size, const uint8_t root[HASH], log_checkpoint **out)
{
	char *body = NULL;
	size_t blen = 0;
	log_checkpoint *cp = calloc(1, sizeof *cp);
	int rc = CAIRN_ERR_NOMEM;
	if (!cp)
		goto out;
	cp->size = size;
	memcpy(cp->root, root, HASH);
	rc = note_checkpoint_body(l->origin, size, root, &body, &blen);
	if (rc)
		goto out;
	note_signer *v1[1] = {l->log_signer};
	rc = note_sign(body, blen, v1, 1, &cp->note_v1, &cp->note_v1_len);
	if (rc)
		goto out;
	if (l->note_signer) {
		note_signer *both[2] = {l->note_signer, l->log_signer};
		rc = note_sign(body, blen, both, 2, &cp->note, &cp->note_len);
	} else {
		rc = note_sign(body, blen, v1, 1, &cp->note, &cp->note_len);
	}
	if (rc)
		goto out;
	*out = cp;
	cp = NULL;
out:
	free(body);
	log_checkpoint_free(cp);
	return rc;
}

static int store_checkpoint(store_txn *txn, const log_checkpoint *cp)
{
	uint8_t sz[8];
	store_put_u64(sz, cp->size);
	int rc = write_meta(txn, "size", sz, 8);
	if (!rc)
		rc = write_meta(txn, "root", cp->root, HASH);
	if (!rc)
		rc = write_meta(txn, "checkpoint_v1", cp->note_v1, cp->note_v1_len);
	if (!rc)
		rc = write_meta(txn, "checkpoint", cp->note, cp->note_len);
	return rc;
}

typedef struct append_job {
	cairn_log *log;
	const log_entry_in *in;
	size_t n;
	log_entry_out *out;
	log_checkpoint *cp; /* signed inside the txn; owned by the job */
} append_job;

static int append_txn(store_txn *txn, void *arg)
{
	append_job *job = arg;
	cairn_log *l = job->log;
	edge *w = &l->work;
	int rc = CAIRN_OK;
	memcpy(w, &l->cur, sizeof *w);
	log_checkpoint_free(job->cp);
	job->cp = NULL;
	int64_t now = (int64_t)time(NULL);
	uint64_t old_size = w->size;

	for (size_t i = 0; i < job->n; i++) {
		const log_entry_in *e = &job->in[i];
		log_entry_out *o = &job->out[i];
		uint8_t idx[8];
		const void *existing;
		size_t elen;
		if (e->len == 0 || e->len > LOG_MAX_ENTRY)
			return CAIRN_ERR_TOO_LARGE;
		store_put_u64(idx, w->size);
		rc = store_put(txn, STORE_LEAVES, e->leaf, HASH, idx, 8, STORE_NOOVERWRITE, &existing, &elen);
		if (rc == CAIRN_ERR_DUPLICATE) {
			if (elen != 8)
				return CAIRN_ERR_CORRUPT;
			o->status = CAIRN_ERR_DUPLICATE;
			o->index = store_get_u64(existing);
			o->integrated_time = 0;
			continue;
		}
		if (rc)
			return rc;
		void *buf;
		rc = store_reserve(txn, STORE_ENTRIES, idx, 8, 8 + e->len, STORE_APPEND, &buf);
		if (rc)
			return rc;
		store_put_u64(buf, (uint64_t)now);
		memcpy((uint8_t *)buf + 8, e->body, e->len);
		for (size_t k = 0; k < e->nkeys; k++) {
			const log_index_key *key = &e->keys[k];
			if (key->len == 0 || key->len > STORE_MAX_KEY)
				return CAIRN_ERR_INVALID;
			const uint8_t *kb = key->key;
			size_t klen = key->len;
			uint8_t compact[HASH_KEY_MAX];
			if (key->index == LOG_BY_HASH) {
				size_t n = compact_hash_key(kb, klen, compact);
				if (n) {
					kb = compact;
					klen = n;
				}
			}
			rc = store_put(txn, key->index == LOG_BY_HASH ? STORE_BY_HASH : STORE_BY_KEY, kb, klen, idx, 8, 0,
				       NULL, NULL);
			if (rc && rc != CAIRN_ERR_DUPLICATE)
				return rc;
		}
		rc = edge_add(txn, w, 0, e->leaf);
		if (rc)
			return rc;
		o->status = CAIRN_OK;
		o->index = w->size;
		o->integrated_time = now;
		w->size++;
	}
	if (w->size == old_size)
		return CAIRN_OK; /* only duplicates: no new checkpoint */

	for (unsigned level = 0; level < EDGE_LEVELS; level++) {
		edge_tile *t = &w->tile[level];
		if (!t->dirty || t->width == 0)
			continue;
		rc = put_tile(txn, level, t);
		if (rc)
			return rc;
		t->dirty = 0;
	}

	tile_source ts = {.txn = txn, .edge = w};
	merkle_source src = {source_node, &ts};
	rc = merkle_root(&src, w->size, w->root);
	if (rc)
		return rc;
	/* Never sign a checkpoint that does not extend the last one. */
	uint8_t proof[MERKLE_MAX_PROOF][HASH];
	size_t plen = 0;
	rc = merkle_consistency_proof(&src, old_size, w->size, proof, &plen);
	if (rc)
		return rc;
	if (merkle_verify_consistency(old_size, w->size, (const uint8_t (*)[HASH])proof, plen, l->cur.root,
				      w->root) != CAIRN_OK)
		return CAIRN_ERR_CORRUPT;
	rc = sign_checkpoint(l, w->size, w->root, &job->cp);
	if (rc)
		return rc;
	return store_checkpoint(txn, job->cp);
}

static void set_latest(cairn_log *l, log_checkpoint *cp)
{
	pthread_mutex_lock(&l->latest_mu);
	log_checkpoint *old = l->latest;
	l->latest = cp;
	pthread_mutex_unlock(&l->latest_mu);
	log_checkpoint_free(old);
}

static int copy_checkpoint(const log_checkpoint *src, log_checkpoint **out)
{
	log_checkpoint *c = calloc(1, sizeof *c);
	if (!c)
		return CAIRN_ERR_NOMEM;
	c->size = src->size;
	memcpy(c->root, src->root, HASH);
	c->note_v1 = malloc(src->note_v1_len + 1);
	c->note = malloc(src->note_len + 1);
	if (!c->note_v1 || !c->note) {
		log_checkpoint_free(c);
		return CAIRN_ERR_NOMEM;
	}
	memcpy(c->note_v1, src->note_v1, src->note_v1_len);
	c->note_v1[src->note_v1_len] = '\0';
	c->note_v1_len = src->note_v1_len;
	memcpy(c->note, src->note, src->note_len);
	c->note[src->note_len] = '\0';
	c->note_len = src->note_len;
	*out = c;
	return CAIRN_OK;
}

int log_latest(cairn_log *l, log_checkpoint **cp)
{
	pthread_mutex_lock(&l->latest_mu);
	int rc = copy_checkpoint(l->latest, cp);
	pthread_mutex_unlock(&l->latest_mu);
	return rc;
}

int log_append(cairn_log *l, const log_entry_in *in, size_t n, log_entry_out *out, log_checkpoint **cp)
{
	append_job job = {l, in, n, out, NULL};
	int rc = store_write(l->st, append_txn, &job);
	if (rc) {
		log_checkpoint_free(job.cp);
		return rc;
	}
	if (job.cp) {
		memcpy(&l->cur, &l->work, sizeof l->cur);
		set_latest(l, job.cp);
	}
	if (cp)
		return log_latest(l, cp);
	return CAIRN_OK;
}

/* Opening: read or create the tree's identity and right edge. */
typedef struct open_job {
	cairn_log *log;
	const char *name;
	int64_t want_tree_id;
	log_checkpoint *cp; /* latest checkpoint, owned */
} open_job;

static int read_meta(store_txn *txn, const char *name, const void **val, size_t *len)
{
	return store_get(txn, STORE_META, name, strlen(name), val, len);
}

static int load_checkpoint(store_txn *txn, log_checkpoint *cp)
{
	const void *v;
	size_t len;
	int rc = read_meta(txn, "size", &v, &len);
	if (rc)
		return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
	if (len != 8)
		return CAIRN_ERR_CORRUPT;
	cp->size = store_get_u64(v);
	rc = read_meta(txn, "root", &v, &len);
	if (rc || len != HASH)
		return rc && rc != CAIRN_ERR_NOT_FOUND ? rc : CAIRN_ERR_CORRUPT;
	memcpy(cp->root, v, HASH);
	rc = read_meta(txn, "checkpoint_v1", &v, &len);
	if (rc)
		return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
	cp->note_v1 = (char *)v;
	cp->note_v1_len = len;
	rc = read_meta(txn, "checkpoint", &v, &len);
	if (rc)
		return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
	cp->note = (char *)v;
	cp->note_len = len;
	return CAIRN_OK;
}

static int create_checkpoint(store_txn *txn, open_job *job);

static int open_txn(store_txn *txn, void *arg)
{
	open_job *job = arg;
	cairn_log *l = job->log;
	const void *v;
	size_t len;
	int rc = read_meta(txn, "tree_id", &v, &len);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		int64_t id = job->want_tree_id;
		while (id <= 0) {
			uint8_t rnd[8];
			if (RAND_bytes(rnd, sizeof rnd) != 1)
				return CAIRN_ERR_CRYPTO;
			id = (int64_t)(store_get_u64(rnd) >> 1); /* a positive int64 */
		}
		uint8_t buf[8];
		store_put_u64(buf, (uint64_t)id);
		rc = write_meta(txn, "tree_id", buf, 8);
		if (rc)
			return rc;
		l->tree_id = id;
		snprintf(l->origin, sizeof l->origin, "%s - %lld", job->name, (long long)id);
		/* A new log starts with a signed checkpoint of the empty tree. */
		return create_checkpoint(txn, job);
	}
	if (rc)
		return rc;
	if (len != 8)
		return CAIRN_ERR_CORRUPT;
	l->tree_id = (int64_t)store_get_u64(v);
	if (job->want_tree_id && job->want_tree_id != l->tree_id)
		return CAIRN_ERR_INVALID;
	snprintf(l->origin, sizeof l->origin, "%s - %lld", job->name, (long long)l->tree_id);
	return CAIRN_OK;
}

/* Loads size, root and the right-edge tiles of an existing log. */
static int load_edge(store_txn *txn, cairn_log *l, log_checkpoint *cp)
{
	int rc = load_checkpoint(txn, cp);
	if (rc)
		return rc;
	l->cur.size = cp->size;
	memcpy(l->cur.root, cp->root, HASH);
	for (unsigned level = 0; level < EDGE_LEVELS; level++) {
		edge_tile *t = &l->cur.tile[level];
		uint64_t at = level * TILES_HEIGHT < 64 ? cp->size >> (level * TILES_HEIGHT) : 0;
		t->index = at / TILES_WIDTH;
		t->width = (unsigned)(at % TILES_WIDTH);
		if (t->width == 0)
			continue;
		uint8_t key[9];
		const void *val;
		size_t vlen;
		tile_key(key, level, t->index);
		rc = store_get(txn, STORE_TILES, key, sizeof key, &val, &vlen);
		if (rc)
			return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
		if (stored_width(vlen) != t->width)
			return CAIRN_ERR_CORRUPT;
		unpack_tile(val, t->width, t);
	}
	/* The newest entries must be what the level-0 tile says (a cheap check of
	 * the tail a crash could have touched; cairnd --check reads everything). */
	uint64_t first = cp->size ? (cp->size - 1) / TILES_WIDTH * TILES_WIDTH : 0;
	for (uint64_t i = first; i < cp->size; i++) {
		uint8_t key[8], leaf[HASH], got[HASH];
		const void *v;
		size_t vlen;
		store_put_u64(key, i);
		rc = store_get(txn, STORE_ENTRIES, key, 8, &v, &vlen);
		if (rc || vlen <= 8)
			return rc && rc != CAIRN_ERR_NOT_FOUND ? rc : CAIRN_ERR_CORRUPT;
		merkle_leaf_hash((const uint8_t *)v + 8, vlen - 8, leaf);
		tile_source one = {.txn = txn, .edge = &l->cur};
		rc = source_node(&one, 0, i, got);
		if (rc)
			return rc;
		if (CRYPTO_memcmp(leaf, got, HASH) != 0)
			return CAIRN_ERR_CORRUPT;
	}
	/* The stored root must be what the stored tiles say. */
	tile_source ts = {.txn = txn, .edge = &l->cur};
	merkle_source src = {source_node, &ts};
	uint8_t root[HASH];
	rc = merkle_root(&src, cp->size, root);
	if (rc)
		return rc;
	if (CRYPTO_memcmp(root, cp->root, HASH) != 0)
		return CAIRN_ERR_CORRUPT;
	return CAIRN_OK;
}

static int create_checkpoint(store_txn *txn, open_job *job)
{
	uint8_t root[HASH];
	merkle_empty_root(root);
	log_checkpoint_free(job->cp);
	job->cp = NULL;
	int rc = sign_checkpoint(job->log, 0, root, &job->cp);
	if (rc)
		return rc;
	return store_checkpoint(txn, job->cp);
}

int log_open(const log_options *opts, cairn_log **out)
{
	cairn_log *l = calloc(1, sizeof *l);
	store_txn *txn = NULL;
	open_job job = {0};
	int rc = CAIRN_ERR_NOMEM;
	if (!l)
		return rc;
	pthread_mutex_init(&l->latest_mu, NULL);
	if (!opts->dir || !opts->name || !opts->log_key || !*opts->name || strlen(opts->name) > 200) {
		rc = CAIRN_ERR_INVALID;
		goto fail;
	}
	rc = keys_id(opts->log_key, l->id);
	if (rc)
		goto fail;
	rc = note_signer_new(opts->name, opts->log_key, &l->log_signer);
	if (rc)
		goto fail;
	if (opts->note_key) {
		rc = note_signer_new(opts->name, opts->note_key, &l->note_signer);
		if (rc)
			goto fail;
	}
	store_options so = {opts->map_size, opts->max_map_size};
	rc = store_open(opts->dir, &so, &l->st);
	if (rc)
		goto fail;
	job.log = l;
	job.name = opts->name;
	job.want_tree_id = opts->tree_id;
	rc = store_write(l->st, open_txn, &job);
	log_checkpoint_free(job.cp); /* reloaded from the store below */
	job.cp = NULL;
	if (rc)
		goto fail;
	rc = store_read_begin(l->st, &txn);
	if (rc)
		goto fail;
	log_checkpoint cp = {0};
	rc = load_edge(txn, l, &cp);
	if (!rc)
		rc = copy_checkpoint(&cp, &l->latest);
	store_txn_end(txn);
	txn = NULL;
	if (rc)
		goto fail;
	*out = l;
	return CAIRN_OK;
fail:
	log_checkpoint_free(job.cp);
	store_txn_end(txn);
	log_close(l);
	return rc;
}

void log_close(cairn_log *l)
{
	if (!l)
		return;
	store_close(l->st);
	note_signer_free(l->log_signer);
	note_signer_free(l->note_signer);
	log_checkpoint_free(l->latest);
	pthread_mutex_destroy(&l->latest_mu);
	free(l);
}

int64_t log_tree_id(const cairn_log *l)
{
	return l->tree_id;
}

const uint8_t *log_id(const cairn_log *l)
{
	return l->id;
}

const char *log_origin(const cairn_log *l)
{
	return l->origin;
}

/* Reads. */

int log_read_begin(cairn_log *l, log_reader **out)
{
	log_reader *r = calloc(1, sizeof *r);
	if (!r)
		return CAIRN_ERR_NOMEM;
	r->log = l;
	int rc = store_read_begin(l->st, &r->txn);
	if (!rc)
		rc = load_checkpoint(r->txn, &r->cp);
	if (rc) {
		log_read_end(r);
		return rc;
	}
	r->size = r->cp.size;
	memcpy(r->root, r->cp.root, HASH);
	*out = r;
	return CAIRN_OK;
}

void log_read_end(log_reader *r)
{
	if (!r)
		return;
	store_txn_end(r->txn);
	free(r);
}

uint64_t log_reader_size(const log_reader *r)
{
	return r->size;
}

int log_reader_checkpoint(log_reader *r, log_checkpoint *out)
{
	*out = r->cp;
	return CAIRN_OK;
}

int log_reader_entry(log_reader *r, uint64_t index, const uint8_t **body, size_t *len, int64_t *time_out)
{
	if (index >= r->size)
		return CAIRN_ERR_NOT_FOUND;
	uint8_t key[8];
	const void *v;
	size_t vlen;
	store_put_u64(key, index);
	int rc = store_get(r->txn, STORE_ENTRIES, key, 8, &v, &vlen);
	if (rc)
		return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
	if (vlen <= 8)
		return CAIRN_ERR_CORRUPT;
	if (time_out)
		*time_out = (int64_t)store_get_u64(v);
	*body = (const uint8_t *)v + 8;
	*len = vlen - 8;
	return CAIRN_OK;
}

int log_reader_find_leaf(log_reader *r, const uint8_t leaf[HASH], uint64_t *index)
{
	const void *v;
	size_t vlen;
	int rc = store_get(r->txn, STORE_LEAVES, leaf, HASH, &v, &vlen);
	if (rc)
		return rc;
	if (vlen != 8)
		return CAIRN_ERR_CORRUPT;
	uint64_t i = store_get_u64(v);
	if (i >= r->size)
		return CAIRN_ERR_NOT_FOUND;
	*index = i;
	return CAIRN_OK;
}

int log_reader_root(log_reader *r, uint64_t size, uint8_t root[HASH])
{
	if (size > r->size)
		return CAIRN_ERR_RANGE;
	if (size == r->size) {
		memcpy(root, r->root, HASH);
		return CAIRN_OK;
	}
	tile_source ts = {.txn = r->txn, .edge = NULL};
	merkle_source src = {source_node, &ts};
	return merkle_root(&src, size, root);
}

int log_reader_inclusion(log_reader *r, uint64_t index, uint64_t size, uint8_t proof[][HASH], size_t *len)
{
	if (size > r->size || index >= size)
		return CAIRN_ERR_RANGE;
	tile_source ts = {.txn = r->txn, .edge = NULL};
	merkle_source src = {source_node, &ts};
	return merkle_inclusion_proof(&src, index, size, proof, len);
}

int log_reader_consistency(log_reader *r, uint64_t m, uint64_t n, uint8_t proof[][HASH], size_t *len)
{
	if (n > r->size || m > n)
		return CAIRN_ERR_RANGE;
	tile_source ts = {.txn = r->txn, .edge = NULL};
	merkle_source src = {source_node, &ts};
	return merkle_consistency_proof(&src, m, n, proof, len);
}

int log_reader_tile(log_reader *r, unsigned level, uint64_t index, unsigned width, const uint8_t **data,
		    size_t *len)
{
	if (width == 0 || width > TILES_WIDTH || tiles_width(level, index, r->size) < width)
		return CAIRN_ERR_NOT_FOUND;
	uint8_t key[9];
	const void *v;
	size_t vlen;
	tile_key(key, level, index);
	int rc = store_get(r->txn, STORE_TILES, key, sizeof key, &v, &vlen);
	if (rc)
		return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_CORRUPT : rc;
	if (stored_width(vlen) < width)
		return CAIRN_ERR_CORRUPT;
	*data = v; /* the stored tile begins with exactly the C2SP tile */
	*len = (size_t)width * HASH;
	return CAIRN_OK;
}

int log_reader_entry_bundle(log_reader *r, uint64_t index, unsigned width, uint8_t **data, size_t *len)
{
	if (width == 0 || width > TILES_WIDTH || tiles_width(0, index, r->size) < width)
		return CAIRN_ERR_NOT_FOUND;
	size_t cap = 4096, used = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return CAIRN_ERR_NOMEM;
	for (unsigned i = 0; i < width; i++) {
		const uint8_t *body;
		size_t blen;
		int rc = log_reader_entry(r, index * TILES_WIDTH + i, &body, &blen, NULL);
		if (rc == CAIRN_OK && blen > LOG_MAX_ENTRY)
			rc = CAIRN_ERR_CORRUPT;
		if (rc) {
			free(buf);
			return rc;
		}
		if (used + 2 + blen > cap) {
			while (used + 2 + blen > cap)
				cap *= 2;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return CAIRN_ERR_NOMEM;
			}
			buf = nb;
		}
		buf[used] = (uint8_t)(blen >> 8);
		buf[used + 1] = (uint8_t)blen;
		memcpy(buf + used + 2, body, blen);
		used += 2 + blen;
	}
	*data = buf;
	*len = used;
	return CAIRN_OK;
}

int log_reader_search(log_reader *r, log_index index, const uint8_t *key, size_t len, uint64_t *out,
		      size_t max, size_t *count)
{
	if (len == 0 || len > STORE_MAX_KEY)
		return CAIRN_ERR_INVALID;
	uint8_t compact[HASH_KEY_MAX];
	if (index == LOG_BY_HASH) {
		size_t n = compact_hash_key(key, len, compact);
		if (n) {
			key = compact;
			len = n;
		}
	}
	int rc = store_get_dups(r->txn, index == LOG_BY_HASH ? STORE_BY_HASH : STORE_BY_KEY, key, len, out, max,
				count);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		*count = 0;
		return CAIRN_OK;
	}
	return rc;
}

/* Offline check. */

typedef struct checker {
	log_report_fn report;
	void *arg;
	unsigned problems;
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(checker *c, const char *fmt, ...)
{
	c->problems++;
	if (!c->report || c->problems > 50)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->report(line, c->arg);
}

/* Compares the subtree root at (height, index), just completed from the
 * entries, with the stored node that claims it: a slot of a higher level's
 * tile, or an inner node of a tile. */
static void check_tile_hash(checker *c, store_txn *txn, unsigned height, uint64_t index, const uint8_t hash[HASH])
{
	tile_source ts = {.txn = txn, .edge = NULL};
	uint8_t got[HASH];
	int rc = source_node(&ts, height, index, got);
	if (rc) {
		problem(c, "the stored node at height %u index %llu is missing: %s", height, (unsigned long long)index,
			cairn_strerror(rc));
		return;
	}
	if (CRYPTO_memcmp(got, hash, HASH) != 0)
		problem(c, "the stored node at height %u index %llu (tile %u/%llu) disagrees with the entries", height,
			(unsigned long long)index, height / TILES_HEIGHT,
			(unsigned long long)(index / (TILES_WIDTH >> (height % TILES_HEIGHT))));
}

int log_check(const char *dir, log_report_fn report, void *arg, uint64_t *size_out, uint8_t root_out[HASH])
{
	char path[4096];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	FILE *f = fopen(path, "rb");
	if (!f)
		return CAIRN_ERR_NOT_FOUND;
	fclose(f);
	checker c = {report, arg, 0};
	store *st = NULL;
	store_txn *txn = NULL;
	int rc = store_open(dir, NULL, &st);
	if (rc)
		return rc;
	rc = store_read_begin(st, &txn);
	if (rc)
		goto out;
	log_checkpoint cp = {0};
	rc = load_checkpoint(txn, &cp);
	if (rc) {
		problem(&c, "the stored checkpoint is missing or malformed: %s", cairn_strerror(rc));
		rc = CAIRN_OK;
		goto out;
	}
	if (size_out)
		*size_out = cp.size;
	if (root_out)
		memcpy(root_out, cp.root, HASH);
	const char *notes[2] = {cp.note_v1, cp.note};
	size_t lens[2] = {cp.note_v1_len, cp.note_len};
	for (int i = 0; i < 2; i++) {
		const char *sep = NULL;
		for (size_t k = 0; k + 1 < lens[i]; k++)
			if (notes[i][k] == '\n' && notes[i][k + 1] == '\n')
				sep = notes[i] + k;
		note_checkpoint parsed;
		if (!sep || note_checkpoint_parse(notes[i], (size_t)(sep - notes[i]) + 1, &parsed) != CAIRN_OK) {
			problem(&c, "stored checkpoint note %d does not parse", i);
			continue;
		}
		if (parsed.size != cp.size || CRYPTO_memcmp(parsed.root, cp.root, HASH) != 0)
			problem(&c, "stored checkpoint note %d names size %llu, not the stored %llu and root", i,
				(unsigned long long)parsed.size, (unsigned long long)cp.size);
	}
	/* A compact range over the entries: at most 64 pending subtrees. */
	uint8_t stack[64][HASH];
	unsigned heights[64];
	int top = 0;
	const uint8_t *tile = NULL;
	size_t tile_len = 0;
	for (uint64_t i = 0; i < cp.size; i++) {
		uint8_t idx[8], leaf[HASH];
		const void *v;
		size_t vlen;
		store_put_u64(idx, i);
		if (store_get(txn, STORE_ENTRIES, idx, 8, &v, &vlen) != CAIRN_OK || vlen <= 8) {
			problem(&c, "entry %llu is missing", (unsigned long long)i);
			memset(leaf, 0, HASH);
		} else {
			merkle_leaf_hash((const uint8_t *)v + 8, vlen - 8, leaf);
			const void *iv;
			size_t ivlen;
			if (store_get(txn, STORE_LEAVES, leaf, HASH, &iv, &ivlen) != CAIRN_OK || ivlen != 8 ||
			    store_get_u64(iv) != i)
				problem(&c, "the leaves index does not map entry %llu's hash to %llu", (unsigned long long)i,
					(unsigned long long)i);
		}
		if (i % TILES_WIDTH == 0) {
			uint8_t key[9];
			tile_key(key, 0, i / TILES_WIDTH);
			const void *tv;
			tile = NULL;
			if (store_get(txn, STORE_TILES, key, sizeof key, &tv, &tile_len) == CAIRN_OK)
				tile = tv;
		}
		size_t slot = (size_t)(i % TILES_WIDTH);
		if (!tile || stored_width(tile_len) < slot + 1)
			problem(&c, "tile 0/%llu lacks slot %zu", (unsigned long long)(i / TILES_WIDTH), slot);
		else if (CRYPTO_memcmp(tile + slot * HASH, leaf, HASH) != 0)
			problem(&c, "tile 0/%llu slot %zu is not entry %llu's leaf hash",
				(unsigned long long)(i / TILES_WIDTH), slot, (unsigned long long)i);
		memcpy(stack[top], leaf, HASH);
		heights[top++] = 0;
		while (top >= 2 && heights[top - 1] == heights[top - 2]) {
			merkle_node_hash(stack[top - 2], stack[top - 1], stack[top - 2]);
			heights[top - 2]++;
			top--;
			unsigned h = heights[top - 1];
			check_tile_hash(&c, txn, h, ((i + 1) >> h) - 1, stack[top - 1]);
		}
	}
	uint8_t root[HASH];
	if (top == 0) {
		merkle_empty_root(root);
	} else {
		memcpy(root, stack[top - 1], HASH);
		for (int j = top - 2; j >= 0; j--)
			merkle_node_hash(stack[j], root, root);
	}
	if (CRYPTO_memcmp(root, cp.root, HASH) != 0)
		problem(&c, "the root recomputed from the %llu entries differs from the stored checkpoint's root",
			(unsigned long long)cp.size);
	uint8_t extra[8];
	const void *v;
	size_t vlen;
	store_put_u64(extra, cp.size);
	if (store_get(txn, STORE_ENTRIES, extra, 8, &v, &vlen) == CAIRN_OK)
		problem(&c, "an entry exists at index %llu, beyond the checkpoint's size", (unsigned long long)cp.size);
	rc = CAIRN_OK;
out:
	store_txn_end(txn);
	store_close(st);
	if (rc == CAIRN_OK && c.problems)
		rc = CAIRN_ERR_CORRUPT;
	if (c.problems > 50 && report) {
		char line[64];
		snprintf(line, sizeof line, "... and %u more problems", c.problems - 50);
		report(line, arg);
	}
	return rc;
}
