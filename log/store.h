/* cairn: the LMDB schema behind the log.
 *
 * One environment, six named databases (DESIGN.md):
 *   entries  u64 BE index        -> u64 BE integratedTime || canonical body
 *   tiles    u8 level || u64 BE  -> up to 256 x 32-byte hashes
 *   leaves   32-byte leaf hash   -> u64 BE index
 *   by_hash  artifact digest key -> u64 BE index (sorted duplicates)
 *   by_key   signer key id       -> u64 BE index (sorted duplicates)
 *   meta     name                -> value
 * This module owns LMDB: it opens the environment, runs transactions, grows
 * the map when LMDB reports it full, and translates LMDB errors to cairn_err.
 * Nothing outside log/store.c includes lmdb.h. */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct store store;
typedef struct store_txn store_txn;

typedef enum store_db {
	STORE_ENTRIES,
	STORE_TILES,
	STORE_LEAVES,
	STORE_BY_HASH,
	STORE_BY_KEY,
	STORE_META,
	STORE_NDBS
} store_db;

#define STORE_FORMAT_VERSION 1
/* LMDB's default maximum key size. */
#define STORE_MAX_KEY 511

typedef struct store_options {
	uint64_t map_size;     /* initial map size; 0 = 1 GiB */
	uint64_t max_map_size; /* growth stops here (CAIRN_ERR_FULL); 0 = 1 TiB */
} store_options;

/* Opens (creating when absent) the environment in directory dir, mode 0600
 * files. Refuses a data dir of another format version with CAIRN_ERR_UNSUPPORTED.
 * Caller frees with store_close(). */
int store_open(const char *dir, const store_options *opts, store **out);
void store_close(store *s);

/* A read transaction: a consistent snapshot, usable from any one thread at a
 * time. Readers never block the writer; they only hold off a map resize, so
 * keep them short. Caller ends it with store_txn_end(). */
int store_read_begin(store *s, store_txn **out);

/* The single write transaction. fn runs inside it; if fn returns CAIRN_OK the
 * transaction commits (durably: LMDB syncs before returning), otherwise it
 * aborts and nothing is written. When the map fills, the transaction is
 * aborted, the map grown and fn run again from the start, so fn must not
 * mutate state outside the transaction until store_write returns. */
typedef int (*store_write_fn)(store_txn *txn, void *arg);
int store_write(store *s, store_write_fn fn, void *arg);

void store_txn_end(store_txn *t);

/* Borrowed: *val valid until the transaction ends. CAIRN_ERR_NOT_FOUND when absent. */
int store_get(store_txn *t, store_db db, const void *key, size_t klen, const void **val, size_t *vlen);

/* Puts in a write txn. flags: STORE_NOOVERWRITE returns CAIRN_ERR_DUPLICATE
 * and sets *existing and *existing_len (if non-NULL) to the existing value; STORE_APPEND for
 * keys known to sort last. */
#define STORE_NOOVERWRITE 1
#define STORE_APPEND 2
int store_put(store_txn *t, store_db db, const void *key, size_t klen, const void *val, size_t vlen,
	      int flags, const void **existing, size_t *existing_len);

/* Reserves vlen bytes for key and returns the buffer to fill (valid until the
 * next write in this txn). */
int store_reserve(store_txn *t, store_db db, const void *key, size_t klen, size_t vlen, int flags,
		  void **buf);

/* Sorted-duplicate databases (by_hash, by_key): the u64 values under key, in
 * ascending order, at most max of them; *count how many were written. */
int store_get_dups(store_txn *t, store_db db, const void *key, size_t klen, uint64_t *vals, size_t max,
		   size_t *count);

/* The current map size in bytes (grows over time). */
uint64_t store_map_size(store *s);

void store_put_u64(uint8_t out[8], uint64_t v);
uint64_t store_get_u64(const uint8_t in[8]);

#endif
