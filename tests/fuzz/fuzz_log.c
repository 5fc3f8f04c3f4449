/* Fuzz target: the LMDB-backed log (log_append, the readers, reopening,
 * log_check) against an in-memory model of the tree, on /dev/shm.
 *
 * The input is a program: batches of new and duplicate entries (duplicates
 * of logged entries and of earlier entries in the same batch), bulk appends
 * that cross tile boundaries (256 and 65536 leaves), reads, and
 * close/check/reopen cycles; the LMDB map starts small so that it grows
 * under the appends. Invariants:
 *  - each append gives new entries consecutive indexes and duplicates the
 *    index of their first copy; the returned checkpoint is signed, and names
 *    the model's size and root;
 *  - readers agree with the model: entries, leaf lookups, roots of every
 *    size, inclusion and consistency proofs (which verify), hash tiles of
 *    levels 0-2 at any width the tree holds, entry bundles; and refuse what
 *    the tree does not hold;
 *  - log_check finds the closed log consistent, and reopening keeps size and
 *    root. */
#include "fuzz.h"

/* fuzz-extra: log/store.c log/log.c */
/* fuzz-libs: -llmdb */
#include <unistd.h>

#include "log.h"
#include "merkle.h"
#include "note.h"
#include "tiles.h"

#define H MERKLE_HASH_SIZE
#define NAME "fuzz.example/log"
#define MAXN 70000

static const char ec_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHRFNDky+jKYVf3r/\n"
                             "LJzKaLikRwHxGjVlrXWKarx75wKhRANCAAQpl+MG5BxbK9lVTNxYNy7deJvSpXj8\n"
                             "an2W/gaAhCQwgFUby7xyujsh7pMlCzWbnBsNHzmGvAQjSsLKBwfhHFRn\n"
                             "-----END PRIVATE KEY-----\n";
static const char ed_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MC4CAQAwBQYDK2VwBCIEIOZT3y857Er74jgHfVIioBDbsCPd9ZVT6Yi0XEjokS4u\n"
                             "-----END PRIVATE KEY-----\n";

static keys_key *log_key, *note_key;
static note_verifier *v1;
static char dir[128];

static void rmdata(void)
{
	char p[256];
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
}

static void cleanup(void)
{
	rmdata();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (keys_from_private_pem(ec_pem, strlen(ec_pem), &log_key) ||
	    keys_from_private_pem(ed_pem, strlen(ed_pem), &note_key) || note_verifier_new(NAME, log_key, &v1))
		abort();
	strcpy(dir, "/dev/shm/cairn-fuzz-log-XXXXXX");
	if (!mkdtemp(dir)) {
		strcpy(dir, "/tmp/cairn-fuzz-log-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	atexit(cleanup);
	return 0;
}

/* The model: leaves, bodies (by entry id) and every perfect subtree hash. */
static struct {
	uint64_t n;
	uint32_t *id;             /* body id of each leaf */
	uint8_t (*levels[18])[H]; /* levels[l][i]: subtree of height l */
	uint64_t count[18];
	uint64_t *index_of; /* body id -> index + 1 (0: not logged) */
} M;

static void body_of(uint32_t id, char out[32], size_t *len)
{
	/* Lengths vary so that bundles are not uniform. */
	*len = (size_t)snprintf(out, 32, "{\"fuzz\":%u%.*s}", id, (int)(id % 7), "       ");
}

static void leaf_of(uint32_t id, uint8_t out[H])
{
	char b[32];
	size_t len;
	body_of(id, b, &len);
	merkle_leaf_hash((const uint8_t *)b, len, out);
}

static void model_add(uint32_t id)
{
	uint8_t h[H];
	leaf_of(id, h);
	M.id[M.n] = id;
	M.index_of[id] = M.n + 1;
	memcpy(M.levels[0][M.count[0]++], h, H);
	for (unsigned l = 0; l + 1 < 18 && M.count[l] % 2 == 0; l++) {
		uint64_t c = M.count[l];
		merkle_node_hash(M.levels[l][c - 2], M.levels[l][c - 1], M.levels[l + 1][M.count[l + 1]++]);
	}
	M.n++;
}

static int model_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	(void)ctx;
	if (level >= 18 || index >= M.count[level])
		return CAIRN_ERR_RANGE;
	memcpy(out, M.levels[level][index], H);
	return CAIRN_OK;
}

static void model_root(uint64_t m, uint8_t out[H])
{
	merkle_source src = {model_node, NULL};
	FUZZ_CHECK(merkle_root(&src, m, out) == CAIRN_OK, "model root");
}

static void check_cp(const log_checkpoint *cp)
{
	uint8_t root[H];
	model_root(M.n, root);
	FUZZ_CHECK(cp->size == M.n && memcmp(cp->root, root, H) == 0,
	           "checkpoint (%llu) is not the model's (%llu)", (unsigned long long)cp->size,
	           (unsigned long long)M.n);
	size_t bl;
	note_checkpoint c;
	FUZZ_CHECK(note_open(cp->note_v1, cp->note_v1_len, &v1, 1, &bl) == CAIRN_OK,
	           "v1 note does not verify");
	FUZZ_CHECK(note_checkpoint_parse(cp->note_v1, bl, &c) == CAIRN_OK && c.size == M.n &&
	               memcmp(c.root, root, H) == 0,
	           "v1 note names another tree");
	FUZZ_CHECK(note_open(cp->note, cp->note_len, &v1, 1, &bl) == CAIRN_OK,
	           "c2sp note lacks the log signature");
}

static uint32_t next_id;
static cairn_log *fuzz_log;

static void append(fuzz_in *in, size_t k, int dups)
{
	log_entry_in *ein = calloc(k, sizeof *ein);
	log_entry_out *out = calloc(k, sizeof *out);
	char(*bodies)[32] = calloc(k, 32);
	uint32_t *ids = calloc(k, sizeof *ids);
	for (size_t i = 0; i < k; i++) {
		uint8_t r = dups ? fuzz_u8(in) : 0;
		if (r % 4 == 1 && M.n)
			ids[i] = M.id[fuzz_u16(in) % M.n]; /* already logged */
		else if (r % 4 == 2 && i)
			ids[i] = ids[fuzz_u8(in) % i]; /* earlier in this batch */
		else
			ids[i] = next_id++;
		size_t len;
		body_of(ids[i], bodies[i], &len);
		ein[i].body = (const uint8_t *)bodies[i];
		ein[i].len = len;
		merkle_leaf_hash(ein[i].body, len, ein[i].leaf);
	}
	log_checkpoint *cp = NULL;
	int rc = log_append(fuzz_log, ein, k, out, &cp);
	FUZZ_CHECK(rc == CAIRN_OK, "append of %zu: %s", k, cairn_strerror(rc));
	for (size_t i = 0; i < k; i++) {
		if (M.index_of[ids[i]]) {
			FUZZ_CHECK(
			    out[i].status == CAIRN_ERR_DUPLICATE && out[i].index == M.index_of[ids[i]] - 1,
			    "duplicate %zu: status %d index %llu, want index %llu", i, out[i].status,
			    (unsigned long long)out[i].index, (unsigned long long)M.index_of[ids[i]] - 1);
		} else {
			FUZZ_CHECK(out[i].status == CAIRN_OK && out[i].index == M.n,
			           "entry %zu: status %d index %llu, want %llu", i, out[i].status,
			           (unsigned long long)out[i].index, (unsigned long long)M.n);
			model_add(ids[i]);
		}
	}
	check_cp(cp);
	log_checkpoint_free(cp);
	free(ein);
	free(out);
	free(bodies);
	free(ids);
}

static void open_log(void)
{
	log_options o = {.dir = dir,
	                 .name = NAME,
	                 .log_key = log_key,
	                 .note_key = note_key,
	                 .tree_id = 1,
	                 .map_size = 64 * 1024,
	                 .max_map_size = UINT64_C(1) << 30};
	int rc = log_open(&o, &fuzz_log);
	FUZZ_CHECK(rc == CAIRN_OK, "log_open: %s", cairn_strerror(rc));
	log_checkpoint *cp = NULL;
	FUZZ_CHECK(log_latest(fuzz_log, &cp) == CAIRN_OK, "log_latest");
	check_cp(cp);
	log_checkpoint_free(cp);
}

static void reads(fuzz_in *in)
{
	log_reader *r = NULL;
	FUZZ_CHECK(log_read_begin(fuzz_log, &r) == CAIRN_OK, "read_begin");
	uint64_t n = M.n;
	FUZZ_CHECK(log_reader_size(r) == n, "reader size");
	uint8_t root[H], want[H], proof[MERKLE_MAX_PROOF][H];
	size_t len;
	for (int q = 0; q < 4; q++) {
		uint64_t a = n ? fuzz_u64(in) % (n + 1) : 0, b = n ? fuzz_u64(in) % (n + 1) : 0;
		uint64_t m1 = a < b ? a : b, m2 = a < b ? b : a;
		/* Roots and consistency. */
		FUZZ_CHECK(log_reader_root(r, m2, root) == CAIRN_OK, "root of %llu", (unsigned long long)m2);
		model_root(m2, want);
		FUZZ_CHECK(memcmp(root, want, H) == 0, "root of %llu differs", (unsigned long long)m2);
		FUZZ_CHECK(log_reader_consistency(r, m1, m2, proof, &len) == CAIRN_OK, "consistency");
		uint8_t r1[H];
		model_root(m1, r1);
		FUZZ_CHECK(merkle_verify_consistency(m1, m2, (const uint8_t(*)[H])proof, len, r1, want) ==
		               CAIRN_OK,
		           "consistency %llu -> %llu does not verify", (unsigned long long)m1,
		           (unsigned long long)m2);
		FUZZ_CHECK(log_reader_consistency(r, m2 + 1, m2, proof, &len) != CAIRN_OK, "m > n");
		FUZZ_CHECK(log_reader_root(r, n + 1, root) != CAIRN_OK, "root past the tree");
		/* Inclusion and entries. */
		if (m2) {
			uint64_t idx = fuzz_u64(in) % m2;
			FUZZ_CHECK(log_reader_inclusion(r, idx, m2, proof, &len) == CAIRN_OK, "inclusion");
			FUZZ_CHECK(merkle_verify_inclusion(M.levels[0][idx], idx, m2,
			                                   (const uint8_t(*)[H])proof, len, want) == CAIRN_OK,
			           "inclusion of %llu in %llu does not verify", (unsigned long long)idx,
			           (unsigned long long)m2);
			const uint8_t *body;
			size_t blen;
			int64_t t;
			FUZZ_CHECK(log_reader_entry(r, idx, &body, &blen, &t) == CAIRN_OK, "entry");
			char b[32];
			size_t bl;
			body_of(M.id[idx], b, &bl);
			FUZZ_CHECK(blen == bl && memcmp(body, b, bl) == 0, "entry %llu body",
			           (unsigned long long)idx);
			uint64_t found;
			FUZZ_CHECK(log_reader_find_leaf(r, M.levels[0][idx], &found) == CAIRN_OK &&
			               found == idx,
			           "find_leaf");
		}
		FUZZ_CHECK(log_reader_entry(r, n, &(const uint8_t *){0}, &len, NULL) != CAIRN_OK,
		           "entry past the tree");
		uint8_t absent[H];
		leaf_of(next_id + 1000, absent);
		uint64_t found;
		FUZZ_CHECK(log_reader_find_leaf(r, absent, &found) == CAIRN_ERR_NOT_FOUND,
		           "absent leaf found");
		/* Hash tiles at levels 0..2 and entry bundles. */
		unsigned level = fuzz_u8(in) % 3;
		uint64_t subtrees = M.count[8 * level];
		uint64_t tile = subtrees ? fuzz_u64(in) % (subtrees / 256 + 1) : 0;
		unsigned width = 1 + fuzz_u8(in) % 256;
		uint64_t have = subtrees > tile * 256 ? subtrees - tile * 256 : 0;
		const uint8_t *data;
		size_t dlen;
		int rc = log_reader_tile(r, level, tile, width, &data, &dlen);
		if (width <= have) {
			FUZZ_CHECK(rc == CAIRN_OK && dlen == (size_t)width * H, "tile %u/%llu.p/%u: %d",
			           level, (unsigned long long)tile, width, rc);
			FUZZ_CHECK(memcmp(data, M.levels[8 * level][tile * 256], dlen) == 0,
			           "tile %u/%llu.p/%u differs", level, (unsigned long long)tile, width);
		} else {
			FUZZ_CHECK(rc == CAIRN_ERR_NOT_FOUND, "tile %u/%llu.p/%u past the tree: %d", level,
			           (unsigned long long)tile, width, rc);
		}
		if (level == 0) {
			uint8_t *bundle = NULL;
			rc = log_reader_entry_bundle(r, tile, width, &bundle, &dlen);
			if (width <= have) {
				FUZZ_CHECK(rc == CAIRN_OK, "bundle %llu.p/%u: %d", (unsigned long long)tile,
				           width, rc);
				size_t at = 0;
				for (unsigned i = 0; i < width; i++) {
					char b[32];
					size_t bl;
					body_of(M.id[tile * 256 + i], b, &bl);
					FUZZ_CHECK(at + 2 + bl <= dlen &&
					               (size_t)(bundle[at] << 8 | bundle[at + 1]) == bl &&
					               memcmp(bundle + at + 2, b, bl) == 0,
					           "bundle %llu entry %u", (unsigned long long)tile, i);
					at += 2 + bl;
				}
				FUZZ_CHECK(at == dlen, "bundle length");
				free(bundle);
			} else {
				FUZZ_CHECK(rc == CAIRN_ERR_NOT_FOUND, "bundle past the tree: %d", rc);
			}
		}
	}
	log_read_end(r);
}

static void close_check_reopen(void)
{
	log_close(fuzz_log);
	fuzz_log = NULL;
	uint64_t size = 0;
	uint8_t root[H], want[H];
	int rc = log_check(dir, NULL, NULL, &size, root);
	model_root(M.n, want);
	FUZZ_CHECK(rc == CAIRN_OK && size == M.n && memcmp(root, want, H) == 0, "log_check: %s (size %llu)",
	           cairn_strerror(rc), (unsigned long long)size);
	open_log();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	if (!M.id) {
		M.id = malloc(MAXN * sizeof *M.id);
		M.index_of = malloc((MAXN + 70000) * sizeof *M.index_of);
		for (unsigned l = 0; l < 18; l++)
			M.levels[l] = malloc(((MAXN >> l) + 1) * H);
	}
	M.n = 0;
	memset(M.count, 0, sizeof M.count);
	memset(M.index_of, 0, (MAXN + 70000) * sizeof *M.index_of);
	next_id = 0;
	rmdata();
	open_log();
	for (int ops = 0; in.len > 0 && ops < 64; ops++) {
		uint8_t op = fuzz_u8(&in);
		switch (op % 5) {
		case 0:
		case 1:
			if (M.n + 256 < MAXN)
				append(&in, 1 + fuzz_u8(&in) % 64, 1);
			break;
		case 2: {
			/* Bulk: up to 300 new entries, or (rarely) multiples of 256 up
			 * to 14336, which cross the 65536-leaf boundary in a few ops. */
			uint8_t b = fuzz_u8(&in);
			size_t k = b < 200 ? 1u + b * 3u / 2u : 256u * (size_t)(b - 199);
			if (M.n + k < MAXN)
				append(&in, k, 0);
			break;
		}
		case 3:
			reads(&in);
			break;
		case 4:
			close_check_reopen();
			break;
		}
	}
	reads(&in);
	close_check_reopen();
	log_close(fuzz_log);
	fuzz_log = NULL;
	return 0;
}
