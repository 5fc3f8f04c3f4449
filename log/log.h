/* cairn: the append-only log: batches in, proofs and checkpoints out.
 *
 * One writer (log_append, called by one sequencer thread) and any number of
 * readers (log_reader, one read snapshot each). Appends cost O(1) amortised
 * hashes per entry; proofs read O(log n) tile hashes. */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "merkle.h"

typedef struct cairn_log cairn_log;
typedef struct log_reader log_reader;

typedef struct log_options {
	const char *dir;        /* data directory (created if absent) */
	const char *name;       /* log name: checkpoint signer name; origin is "<name> - <treeID>" */
	const keys_key *log_key;  /* ECDSA: signs Rekor v1 checkpoints (borrowed, must outlive the log) */
	const keys_key *note_key; /* Ed25519: co-signs /checkpoint; may be NULL (borrowed) */
	int64_t tree_id;        /* used when creating a new log; 0 = random. An existing log
				 * with a different non-zero tree_id is refused (CAIRN_ERR_INVALID). */
	uint64_t map_size;      /* initial LMDB map size, 0 = default */
	uint64_t max_map_size;  /* growth cap, 0 = default */
} log_options;

/* Search indexes an entry is filed under. */
typedef enum log_index { LOG_BY_HASH, LOG_BY_KEY } log_index;

typedef struct log_index_key {
	log_index index;
	const uint8_t *key; /* 1..STORE_MAX_KEY bytes */
	size_t len;
} log_index_key;

typedef struct log_entry_in {
	const uint8_t *body; /* canonical body, 1..LOG_MAX_ENTRY bytes */
	size_t len;
	uint8_t leaf[MERKLE_HASH_SIZE]; /* merkle_leaf_hash(body), computed by the caller off the sequencer */
	const log_index_key *keys;
	size_t nkeys;
} log_entry_in;

/* Canonical bodies are capped so that every entry fits an entry bundle,
 * whose lengths are 2 bytes: larger entries are refused at append. */
#define LOG_MAX_ENTRY 65535

typedef struct log_entry_out {
	int status;         /* CAIRN_OK: appended; CAIRN_ERR_DUPLICATE: already logged */
	uint64_t index;     /* the entry's index (the existing one for a duplicate) */
	int64_t integrated_time;
} log_entry_out;

/* A signed checkpoint. Caller frees with log_checkpoint_free(). */
typedef struct log_checkpoint {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char *note_v1;   /* signed by the log key only (Rekor v1 signedTreeHead) */
	size_t note_v1_len;
	char *note;      /* signed by the note key and the log key (/checkpoint) */
	size_t note_len;
} log_checkpoint;

void log_checkpoint_free(log_checkpoint *c);

/* Opens or creates the log in opts->dir. On creation signs a checkpoint for
 * the empty tree. Caller frees with log_close(). */
int log_open(const log_options *opts, cairn_log **out);
void log_close(cairn_log *l);

int64_t log_tree_id(const cairn_log *l);
/* The Rekor log ID: SHA-256 of the log key's DER SubjectPublicKeyInfo. */
const uint8_t *log_id(const cairn_log *l);
const char *log_origin(const cairn_log *l);

/* Appends a batch in one durable LMDB transaction: entries whose leaf hash is
 * already logged (or earlier in the batch) are not appended and get
 * CAIRN_ERR_DUPLICATE with the existing index; the rest get consecutive
 * indexes in batch order. Signs and stores one checkpoint, after checking it
 * is consistent with the previous one. All or nothing: on error no entry is
 * written and size and root are unchanged. out has n slots. On success and if
 * cp is non-NULL, *cp receives the new checkpoint (caller frees). */
int log_append(cairn_log *l, const log_entry_in *in, size_t n, log_entry_out *out, log_checkpoint **cp);

/* The latest checkpoint as the writer knows it (caller frees). */
int log_latest(cairn_log *l, log_checkpoint **cp);

/* A read snapshot. Everything it returns is borrowed: valid until
 * log_read_end(). Caller ends it with log_read_end(). */
int log_read_begin(cairn_log *l, log_reader **out);
void log_read_end(log_reader *r);

uint64_t log_reader_size(const log_reader *r);
/* The snapshot's checkpoint: size, root and both notes (borrowed). */
int log_reader_checkpoint(log_reader *r, log_checkpoint *out);
int log_reader_entry(log_reader *r, uint64_t index, const uint8_t **body, size_t *len, int64_t *time);
int log_reader_find_leaf(log_reader *r, const uint8_t leaf[MERKLE_HASH_SIZE], uint64_t *index);
int log_reader_root(log_reader *r, uint64_t size, uint8_t root[MERKLE_HASH_SIZE]);
int log_reader_inclusion(log_reader *r, uint64_t index, uint64_t size,
			 uint8_t proof[][MERKLE_HASH_SIZE], size_t *len);
int log_reader_consistency(log_reader *r, uint64_t m, uint64_t n,
			   uint8_t proof[][MERKLE_HASH_SIZE], size_t *len);
/* Hash tile bytes for (level, index, width): the first width hashes of the
 * stored tile. CAIRN_ERR_NOT_FOUND unless the tree holds that many. */
int log_reader_tile(log_reader *r, unsigned level, uint64_t index, unsigned width, const uint8_t **data,
		    size_t *len);
/* Entry bundle for entries [index*256, index*256+width): each body as a
 * 2-byte big-endian length and the bytes. Caller frees *data with free().
 * CAIRN_ERR_NOT_FOUND unless the tree holds them. */
int log_reader_entry_bundle(log_reader *r, uint64_t index, unsigned width, uint8_t **data, size_t *len);
/* Indexes filed under key in index, ascending, at most max. */
int log_reader_search(log_reader *r, log_index index, const uint8_t *key, size_t len, uint64_t *out,
		      size_t max, size_t *count);

#endif

/* Offline check of the log in dir, opened for reading only (no keys needed):
 * every entry's leaf hash matches its level-0 tile slot and the leaves index,
 * every full subtree recomputed from the entries matches the tile hash that
 * claims it, and the root recomputed from all entries equals the stored
 * checkpoint's root, whose notes must parse and name that size and root.
 * Calls report (if non-NULL) with one line per problem, at most 50 times.
 * On return *size and *root (if non-NULL) hold the stored size and root.
 * CAIRN_OK when consistent, CAIRN_ERR_CORRUPT when a problem was found,
 * CAIRN_ERR_NOT_FOUND when dir holds no log, other codes for I/O errors. */
typedef void (*log_report_fn)(const char *line, void *arg);
int log_check(const char *dir, log_report_fn report, void *arg, uint64_t *size,
	      uint8_t root[MERKLE_HASH_SIZE]);
