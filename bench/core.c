/* cairn benchmarks: the log core without HTTP, and the machine's baselines.
 *
 *   bench-core hash SECS                 SHA-256 node hashes/s on one core (EVP, 65-byte inputs)
 *   bench-core ecdsa SECS                ECDSA P-256 verifies/s (and signs/s) on one core (EVP)
 *   bench-core build DIR NAME TARGET BATCH KIND PREFIX
 *                                        appends to the log in DIR (keys created there, 0600,
 *                                        as cairnd would) until it holds TARGET entries, in
 *                                        log_append batches of BATCH. KIND "hashedrekord":
 *                                        canonical hashedrekord bodies as cairnd logs them, with
 *                                        their two search keys; KIND "small": 26-byte bodies,
 *                                        no search keys (only to grow the tree fast)
 *   bench-core proofs DIR NAME SECS PREFIX [SIZE]
 *                                        inclusion and consistency proof generation time from
 *                                        log_reader_inclusion/consistency at the stored size
 *                                        (or against the earlier tree size SIZE)
 *   bench-core disk DIR PREFIX           bytes on disk, per LMDB database and per entry
 *   bench-core fsync DIR N               latency of N 4 KiB write + fdatasync pairs in DIR, and
 *                                        the sequential write bandwidth (64 MiB, then fdatasync)
 *
 * The timed part of "build" is log_append alone: bodies and leaf hashes are
 * made before each batch, as cairnd's HTTP workers make them before the
 * sequencer. Results are "PREFIX.key value" lines (bench.h). */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "codec.h"
#include "entry.h"
#include "keys.h"
#include "log.h"
#include "merkle.h"

/* --- baselines ------------------------------------------------------------- */

/* The machine is shared, so a baseline runs in slices of 0.2 s and reports
 * the best slice (the rate with the least interference: the strictest
 * denominator for a ratio) and the median slice. */
#define SLICE 0.2

typedef struct slices {
	double rate[256];
	int n;
} slices;

static void slices_add(slices *s, double ops, double dt)
{
	if (s->n < 256)
		s->rate[s->n++] = ops / dt;
}

static void slices_report(slices *s, const char *prefix, const char *key)
{
	char k[128];
	qsort(s->rate, (size_t)s->n, sizeof *s->rate, bench_cmp_double);
	bench_kv(prefix, key, s->rate[s->n - 1]);
	snprintf(k, sizeof k, "%s_median", key);
	bench_kv(prefix, k, s->rate[s->n / 2]);
}

static int cmd_hash(double secs)
{
	/* The pure rate: one EVP context reused, SHA-256 of 0x01 || 64 bytes, the
	 * input of every Merkle node hash. */
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t in[65] = {0x01}, out[32];
	unsigned int ol;
	slices s = {0};
	double end = bench_now() + secs;
	while (bench_now() < end) {
		uint64_t n = 0;
		double t0 = bench_now(), t;
		do {
			for (int i = 0; i < 5000; i++) {
				EVP_DigestInit_ex2(ctx, md, NULL);
				EVP_DigestUpdate(ctx, in, sizeof in);
				EVP_DigestFinal_ex(ctx, out, &ol);
				memcpy(in + 1, out, 32); /* a dependent chain: nothing is skipped */
			}
			n += 5000;
			t = bench_now();
		} while (t - t0 < SLICE);
		slices_add(&s, (double)n, t - t0);
	}
	slices_report(&s, "sha256", "node_hashes_per_s");
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);

	/* The log's own node hash function, for reference. */
	uint8_t a[32] = {1}, b[32] = {2};
	slices m = {0};
	end = bench_now() + secs / 2;
	while (bench_now() < end) {
		uint64_t n = 0;
		double t0 = bench_now(), t;
		do {
			for (int i = 0; i < 5000; i++)
				merkle_node_hash(a, b, a);
			n += 5000;
			t = bench_now();
		} while (t - t0 < SLICE);
		slices_add(&m, (double)n, t - t0);
	}
	slices_report(&m, "sha256", "merkle_node_hash_per_s");
	return 0;
}

static int cmd_ecdsa(double secs)
{
	/* The key as cairnd holds a signer's key: parsed from a DER SPKI. */
	EVP_PKEY *priv = EVP_EC_gen("P-256");
	uint8_t digest[32], sig[128], *der = NULL;
	size_t siglen = sizeof sig;
	RAND_bytes(digest, sizeof digest);
	int derlen = priv ? i2d_PUBKEY(priv, &der) : 0;
	const uint8_t *p = der;
	EVP_PKEY *pub = derlen > 0 ? d2i_PUBKEY(NULL, &p, derlen) : NULL;
	EVP_PKEY_CTX *sctx = priv ? EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL) : NULL;
	if (!pub || !sctx || EVP_PKEY_sign_init(sctx) != 1 ||
	    EVP_PKEY_sign(sctx, sig, &siglen, digest, sizeof digest) != 1)
		bench_die("ECDSA sign failed");
	/* Verify: one context set up once, EVP_PKEY_verify over a SHA-256
	 * digest, as a hashedrekord check is: the pure EVP verify. */
	EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!vctx || EVP_PKEY_verify_init(vctx) != 1 || EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) != 1)
		bench_die("ECDSA verify setup failed");
	slices v = {0}, s = {0};
	double end = bench_now() + secs;
	while (bench_now() < end) {
		uint64_t n = 0;
		double t0 = bench_now(), t;
		do {
			for (int i = 0; i < 50; i++)
				if (EVP_PKEY_verify(vctx, sig, siglen, digest, sizeof digest) != 1)
					bench_die("ECDSA verify failed");
			n += 50;
			t = bench_now();
		} while (t - t0 < SLICE);
		slices_add(&v, (double)n, t - t0);
	}
	slices_report(&v, "ecdsa", "p256_verify_per_s");
	end = bench_now() + secs / 2;
	while (bench_now() < end) {
		uint64_t n = 0;
		double t0 = bench_now(), t;
		do {
			for (int i = 0; i < 50; i++) {
				siglen = sizeof sig;
				if (EVP_PKEY_sign(sctx, sig, &siglen, digest, sizeof digest) != 1)
					bench_die("ECDSA sign failed");
			}
			n += 50;
			t = bench_now();
		} while (t - t0 < SLICE);
		slices_add(&s, (double)n, t - t0);
	}
	slices_report(&s, "ecdsa", "p256_sign_per_s");
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(vctx);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	return 0;
}

/* --- opening the log as cairnd does ---------------------------------------- */

static keys_key *load_or_make(const char *dir, const char *file, keys_type type)
{
	char path[4096];
	keys_key *k = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int rc = keys_load_private_file(path, &k);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		if (keys_generate(type, &k) || keys_write_private_file(k, path))
			bench_die("cannot create a key file");
		if (type == KEYS_ECDSA_P256) {
			snprintf(path, sizeof path, "%s/log.pub", dir);
			keys_write_public_file(k, path);
		}
	} else if (rc) {
		bench_die("cannot load a key file");
	}
	return k;
}

typedef struct opened {
	keys_key *log_key, *note_key;
	cairn_log *log;
} opened;

static void open_log(const char *dir, const char *name, opened *o)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		bench_die("cannot create the data directory");
	o->log_key = load_or_make(dir, "log.key", KEYS_ECDSA_P256);
	o->note_key = load_or_make(dir, "note.key", KEYS_ED25519);
	log_options lo = {.dir = dir, .name = name, .log_key = o->log_key, .note_key = o->note_key};
	int rc = log_open(&lo, &o->log);
	if (rc) {
		fprintf(stderr, "bench-core: log_open %s: %s\n", dir, cairn_strerror(rc));
		exit(1);
	}
}

static void close_log(opened *o)
{
	log_close(o->log);
	keys_free(o->log_key);
	keys_free(o->note_key);
}

static uint64_t log_size(cairn_log *l)
{
	log_checkpoint *cp;
	if (log_latest(l, &cp))
		bench_die("log_latest failed");
	uint64_t n = cp->size;
	log_checkpoint_free(cp);
	return n;
}

/* --- build ------------------------------------------------------------------ */

#define TEMPLATES 32

/* A canonical hashedrekord body as cairnd stores it, with the spans that
 * differ between entries: the artifact digest and the signature. */
typedef struct tmpl {
	char *body;
	size_t len;
	size_t hex_at, sig_at, sig_len;
	char key_hash[ENTRY_MAX_KEY_LEN + 1];
	size_t key_hash_len;
} tmpl;

static void make_templates(tmpl *t)
{
	for (int k = 0; k < TEMPLATES; k++) {
		keys_key *key;
		char *pem;
		size_t plen, siglen;
		uint8_t art[32], digest[32], *sig;
		char hex[65], sig64[256];
		if (keys_generate(KEYS_ECDSA_P256, &key) || keys_public_pem(key, &pem, &plen))
			bench_die("cannot make a key");
		RAND_bytes(art, sizeof art);
		unsigned dl = 32;
		EVP_Digest(art, sizeof art, digest, &dl, EVP_sha256(), NULL);
		codec_hex_encode(digest, 32, hex);
		if (keys_sign(key, art, sizeof art, &sig, &siglen))
			bench_die("cannot sign");
		codec_b64_encode(sig, siglen, sig64);
		free(sig);
		char *pem64 = codec_b64_encode_alloc((const uint8_t *)pem, plen);
		char prop[2048];
		int pl = snprintf(prop, sizeof prop,
				  "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":{\"hash\":"
				  "{\"algorithm\":\"sha256\",\"value\":\"%s\"}},\"signature\":{\"content\":\"%s\","
				  "\"publicKey\":{\"content\":\"%s\"}}}}",
				  hex, sig64, pem64);
		entry *e;
		char err[256];
		if (entry_from_proposed(prop, (size_t)pl, &e, err, sizeof err) != CAIRN_OK) {
			fprintf(stderr, "bench-core: template: %s\n", err);
			exit(1);
		}
		t[k].body = strdup(e->canonical);
		t[k].len = e->canonical_len;
		char *h = strstr(t[k].body, hex), *s = strstr(t[k].body, sig64);
		if (!h || !s)
			bench_die("unexpected canonical body");
		t[k].hex_at = (size_t)(h - t[k].body);
		t[k].sig_at = (size_t)(s - t[k].body);
		t[k].sig_len = strlen(sig64);
		while (t[k].sig_len && t[k].body[t[k].sig_at + t[k].sig_len - 1] == '=')
			t[k].sig_len--;
		t[k].sig_len--; /* keep the last data character: its low bits are padding */
		for (size_t i = 0; i < e->nkeys; i++) {
			if (e->keys[i].kind == ENTRY_INDEX_KEY) {
				memcpy(t[k].key_hash, e->keys[i].value, e->keys[i].len + 1);
				t[k].key_hash_len = e->keys[i].len;
			}
		}
		entry_free(e);
		free(pem64);
		free(pem);
		keys_free(key);
	}
}

typedef struct slot {
	char hash_key[7 + 64 + 1]; /* "sha256:" + hex */
	log_index_key keys[2];
} slot;

/* Bytes this process has handed to write(2) and friends (/proc/self/io
 * wchar): for log_append, the LMDB pages each commit writes, i.e. the
 * write amplification. (write_bytes would count a page each time it is
 * dirtied again after writeback, and diskstats count the whole machine.) */
static double io_written(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	double v = NAN;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "wchar: ", 7) == 0)
			v = strtod(line + 7, NULL);
	if (f)
		fclose(f);
	return v;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmd_build(const char *dir, const char *name, uint64_t target, size_t batch, const char *kind,
		     const char *prefix)
{
	int realistic = strcmp(kind, "hashedrekord") == 0;
	if (!realistic && strcmp(kind, "small") != 0)
		bench_die("KIND must be hashedrekord or small");
	tmpl t[TEMPLATES];
	if (realistic)
		make_templates(t);
	opened o;
	open_log(dir, name, &o);
	uint64_t start = log_size(o.log), have = start;
	size_t maxbody = 64;
	for (int k = 0; realistic && k < TEMPLATES; k++)
		maxbody = t[k].len > maxbody ? t[k].len : maxbody;
	char *arena = malloc(batch * maxbody);
	log_entry_in *in = calloc(batch, sizeof *in);
	log_entry_out *out = calloc(batch, sizeof *out);
	slot *slots = calloc(batch, sizeof *slots);
	size_t nbatches = (size_t)((target - start + batch - 1) / batch);
	double *lat = calloc(nbatches + 1, sizeof *lat);
	if (!arena || !in || !out || !slots || !lat)
		bench_die("out of memory");
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t rng = 0x243f6a8885a308d3ull ^ start;
	uint8_t seed[16];
	RAND_bytes(seed, sizeof seed); /* distinct leaves across runs into the same dir */
	double timed = 0, t_wall = bench_now(), body_bytes = 0, cpu = 0, io0 = io_written();
	size_t nb = 0;
	uint64_t next_report = start + (target - start) / 10;
	while (have < target) {
		size_t n = target - have < batch ? (size_t)(target - have) : batch;
		for (size_t i = 0; i < n; i++) {
			uint64_t idx = have + i;
			char *body = arena + i * maxbody;
			size_t len;
			if (realistic) {
				const tmpl *tp = &t[idx % TEMPLATES];
				memcpy(body, tp->body, tp->len);
				len = tp->len;
				uint8_t d[32];
				for (int w = 0; w < 4; w++) {
					uint64_t r = bench_rand(&rng) ^ (w == 0 ? idx : 0);
					memcpy(d + 8 * w, &r, 8);
				}
				memcpy(d + 16, seed, 8);
				codec_hex_encode(d, 32, body + tp->hex_at);
				for (size_t c = 0; c < tp->sig_len; c++) {
					if (c % 8 == 0)
						rng = bench_rand(&rng) | 1;
					body[tp->sig_at + c] = b64[(rng >> (6 * (c % 8))) & 63];
				}
				slot *s = &slots[i];
				memcpy(s->hash_key, "sha256:", 7);
				memcpy(s->hash_key + 7, body + tp->hex_at, 64);
				s->keys[0] = (log_index_key){LOG_BY_KEY, (const uint8_t *)tp->key_hash, tp->key_hash_len};
				s->keys[1] = (log_index_key){LOG_BY_HASH, (const uint8_t *)s->hash_key, 71};
				in[i].keys = s->keys;
				in[i].nkeys = 2;
			} else {
				len = (size_t)sprintf(body, "{\"bench\":\"%02x%02x%014llu\"}", seed[0], seed[1],
						      (unsigned long long)idx);
				in[i].keys = NULL;
				in[i].nkeys = 0;
			}
			in[i].body = (const uint8_t *)body;
			in[i].len = len;
			merkle_leaf_hash(in[i].body, len, in[i].leaf);
			body_bytes += (double)len;
		}
		double c0 = cpu_seconds(), t0 = bench_now();
		int rc = log_append(o.log, in, n, out, NULL);
		double dt = bench_now() - t0;
		cpu += cpu_seconds() - c0;
		if (rc) {
			fprintf(stderr, "bench-core: log_append: %s\n", cairn_strerror(rc));
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (out[i].status != CAIRN_OK)
				bench_die("a generated entry was a duplicate");
		timed += dt;
		lat[nb++] = dt;
		have += n;
		if (have >= next_report) {
			fprintf(stderr, "bench-core: %s: %llu entries, %.0f leaves/s\n", prefix, (unsigned long long)have,
				(double)(have - start) / timed);
			next_report += (target - start) / 10;
		}
	}
	double wall = bench_now() - t_wall;
	qsort(lat, nb, sizeof *lat, bench_cmp_double);
	bench_kv(prefix, "entries", (double)(have - start));
	bench_kv(prefix, "tree_size", (double)have);
	bench_kv(prefix, "batch", (double)batch);
	bench_kv(prefix, "batches", (double)nb);
	bench_kv(prefix, "append_seconds", timed);
	bench_kv(prefix, "wall_seconds", wall);
	bench_kv(prefix, "leaves_per_s", timed > 0 ? (double)(have - start) / timed : 0);
	bench_kv(prefix, "batch_p50_ms", 1e3 * bench_quantile(lat, nb, 0.5));
	bench_kv(prefix, "batch_p99_ms", 1e3 * bench_quantile(lat, nb, 0.99));
	bench_kv(prefix, "body_bytes_mean", have > start ? body_bytes / (double)(have - start) : 0);
	/* CPU time inside log_append (user + system) against its wall time: the
	 * rest is waiting for the disk. */
	bench_kv(prefix, "append_cpu_seconds", cpu);
	close_log(&o);
	double io = io_written() - io0; /* after the close: everything is flushed */
	if (isfinite(io))
		bench_kv(prefix, "disk_written_bytes_per_entry", have > start ? io / (double)(have - start) : 0);
	free(arena);
	free(in);
	free(out);
	free(slots);
	free(lat);
	for (int k = 0; realistic && k < TEMPLATES; k++)
		free(t[k].body);
	return 0;
}

/* --- proofs ----------------------------------------------------------------- */

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Times proofs for random indexes: wall time, and this thread's CPU time,
 * which leaves out the time the thread sat preempted by other work on the
 * machine (the figure the ratio uses). */
static void time_proofs(log_reader *r, uint64_t size, int consistency, double secs, const char *prefix)
{
	uint64_t rng = 0x13198a2e03707344ull;
	size_t cap = 1 << 20, n = 0;
	double *lat = malloc(cap * sizeof *lat), *cpu = malloc(cap * sizeof *cpu);
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t plen = 0, hashes = 0;
	double start = bench_now();
	if (!lat || !cpu)
		bench_die("out of memory");
	while (n < cap) {
		uint64_t x = bench_rand(&rng);
		double c0 = thread_cpu(), t0 = bench_now();
		int rc = consistency ? log_reader_consistency(r, 1 + x % (size - 1), size, proof, &plen)
				     : log_reader_inclusion(r, x % size, size, proof, &plen);
		double t1 = bench_now(), c1 = thread_cpu();
		if (rc)
			bench_die("proof generation failed");
		lat[n] = t1 - t0;
		cpu[n] = c1 - c0;
		n++;
		hashes += plen;
		if (t1 - start >= secs && n >= 1000)
			break;
	}
	const char *k = consistency ? "consistency" : "inclusion";
	char key[64];
	for (int which = 0; which < 2; which++) {
		double *v = which ? cpu : lat, sum = 0;
		qsort(v, n, sizeof *v, bench_cmp_double);
		for (size_t i = 0; i < n; i++)
			sum += v[i];
		const char *w = which ? "_cpu" : "";
		snprintf(key, sizeof key, "%s%s_us", k, w);
		bench_kv(prefix, key, 1e6 * sum / (double)n);
		snprintf(key, sizeof key, "%s%s_p50_us", k, w);
		bench_kv(prefix, key, 1e6 * bench_quantile(v, n, 0.5));
		snprintf(key, sizeof key, "%s%s_p99_us", k, w);
		bench_kv(prefix, key, 1e6 * bench_quantile(v, n, 0.99));
	}
	snprintf(key, sizeof key, "%s_hashes", k);
	bench_kv(prefix, key, (double)hashes / (double)n);
	snprintf(key, sizeof key, "%s_samples", k);
	bench_kv(prefix, key, (double)n);
	free(lat);
	free(cpu);
}

/* size 0: the stored tree; otherwise proofs against that earlier size. */
static int cmd_proofs(const char *dir, const char *name, double secs, const char *prefix, uint64_t size)
{
	opened o;
	open_log(dir, name, &o);
	log_reader *r;
	if (log_read_begin(o.log, &r))
		bench_die("log_read_begin failed");
	if (size == 0 || size > log_reader_size(r))
		size = log_reader_size(r);
	if (size < 2)
		bench_die("the tree is too small");
	/* Check one proof end to end before timing any. */
	uint8_t root[MERKLE_HASH_SIZE];
	const uint8_t *body;
	size_t blen, plen;
	uint8_t leaf[MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	uint64_t idx = size / 3;
	if (log_reader_root(r, size, root) || log_reader_entry(r, idx, &body, &blen, NULL) ||
	    log_reader_inclusion(r, idx, size, proof, &plen))
		bench_die("cannot read an entry");
	merkle_leaf_hash(body, blen, leaf);
	if (merkle_verify_inclusion(leaf, idx, size, (const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen, root) !=
	    CAIRN_OK)
		bench_die("an inclusion proof does not verify");
	bench_kv(prefix, "tree_size", (double)size);
	/* Warm up, untimed: a proof for the first and the last leaf of every
	 * level-0 tile maps each tile's pages into this process once, as a
	 * long-running cairnd has them mapped; otherwise a short run at 10M would
	 * time first-touch page faults rather than proofs. Then random proofs. */
	for (uint64_t t = 0; t * 256 < size; t++) {
		uint64_t last = t * 256 + 255 < size ? t * 256 + 255 : size - 1;
		if (log_reader_inclusion(r, t * 256, size, proof, &plen) ||
		    log_reader_inclusion(r, last, size, proof, &plen))
			bench_die("proof generation failed");
	}
	double warm = bench_now() + 0.3;
	uint64_t wr = 1;
	while (bench_now() < warm)
		if (log_reader_inclusion(r, bench_rand(&wr) % size, size, proof, &plen) ||
		    log_reader_consistency(r, 1 + bench_rand(&wr) % (size - 1), size, proof, &plen))
			bench_die("proof generation failed");
	time_proofs(r, size, 0, secs, prefix);
	time_proofs(r, size, 1, secs, prefix);
	log_read_end(r);
	close_log(&o);
	return 0;
}

/* --- fsync ------------------------------------------------------------------ */

/* The latency of a 4 KiB write and fdatasync in dir: the floor under every
 * durable commit (LMDB syncs twice per commit: the data, then the meta page). */
static int cmd_fsync(const char *dir, int n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/fsync.probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bench_die("cannot create the fsync probe");
	char page[4096];
	memset(page, 0xa5, sizeof page);
	double *lat = calloc((size_t)n, sizeof *lat);
	for (int i = 0; i < n; i++) {
		double t0 = bench_now();
		if (pwrite(fd, page, sizeof page, (off_t)(i % 64) * 4096) != (ssize_t)sizeof page || fdatasync(fd) != 0)
			bench_die("fsync probe failed");
		lat[i] = bench_now() - t0;
	}
	/* Sequential write bandwidth: 64 MiB in 1 MiB writes, then one sync. */
	size_t chunk = 1 << 20;
	char *big = malloc(chunk);
	if (!big)
		bench_die("out of memory");
	memset(big, 0x5a, chunk);
	double t0 = bench_now();
	for (int i = 0; i < 64; i++)
		if (pwrite(fd, big, chunk, (off_t)i * (off_t)chunk) != (ssize_t)chunk)
			bench_die("bandwidth probe failed");
	if (fdatasync(fd) != 0)
		bench_die("bandwidth probe failed");
	double bw = 64.0 * (double)chunk / (bench_now() - t0);
	free(big);
	close(fd);
	unlink(path);
	qsort(lat, (size_t)n, sizeof *lat, bench_cmp_double);
	bench_kv("fsync", "p50_ms", 1e3 * bench_quantile(lat, (size_t)n, 0.5));
	bench_kv("fsync", "p99_ms", 1e3 * bench_quantile(lat, (size_t)n, 0.99));
	bench_kv("fsync", "write_bytes_per_s", bw);
	free(lat);
	return 0;
}

/* --- disk --------------------------------------------------------------------- */

static double allocated(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_blocks * 512.0 : 0;
}

static int cmd_disk(const char *dir, const char *prefix)
{
	static const char *const dbs[] = {"entries", "tiles", "leaves", "by_hash", "by_key", "meta"};
	MDB_env *env;
	MDB_txn *txn;
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
	    mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600) || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
		bench_die("cannot open the LMDB environment");
	MDB_envinfo info;
	MDB_stat est;
	mdb_env_info(env, &info);
	mdb_env_stat(env, &est);
	double psize = est.ms_psize, used = 0, bodies = 0;
	uint64_t entries = 0;
	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
		MDB_dbi dbi;
		MDB_stat st;
		if (mdb_dbi_open(txn, dbs[i], 0, &dbi) || mdb_stat(txn, dbi, &st))
			bench_die("cannot open a database");
		double pages = (double)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
		char key[64];
		snprintf(key, sizeof key, "%s_bytes", dbs[i]);
		bench_kv(prefix, key, pages * psize);
		used += pages * psize;
		if (strcmp(dbs[i], "entries") == 0) {
			MDB_cursor *c;
			MDB_val k, v;
			mdb_cursor_open(txn, dbi, &c);
			for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
			     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
				bodies += (double)(v.mv_size - 8);
				entries++;
			}
			mdb_cursor_close(c);
		}
	}
	double file_pages = (double)(info.me_last_pgno + 1);
	char path[4096];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	double data = allocated(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	double lock = allocated(path);
	bench_kv(prefix, "entries", (double)entries);
	bench_kv(prefix, "page_size", psize);
	bench_kv(prefix, "db_pages_bytes", used);
	bench_kv(prefix, "file_pages_bytes", file_pages * psize);
	bench_kv(prefix, "free_and_meta_bytes", file_pages * psize - used);
	bench_kv(prefix, "data_mdb_allocated_bytes", data);
	bench_kv(prefix, "lock_mdb_allocated_bytes", lock);
	bench_kv(prefix, "body_bytes_mean", entries ? bodies / (double)entries : 0);
	bench_kv(prefix, "bytes_per_entry", entries ? data / (double)entries : 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hash") == 0)
		return cmd_hash(atof(argv[2]));
	if (argc == 3 && strcmp(argv[1], "ecdsa") == 0)
		return cmd_ecdsa(atof(argv[2]));
	if (argc == 8 && strcmp(argv[1], "build") == 0)
		return cmd_build(argv[2], argv[3], strtoull(argv[4], NULL, 10), (size_t)strtoull(argv[5], NULL, 10),
				 argv[6], argv[7]);
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "proofs") == 0)
		return cmd_proofs(argv[2], argv[3], atof(argv[4]), argv[5], argc == 7 ? strtoull(argv[6], NULL, 10) : 0);
	if (argc == 4 && strcmp(argv[1], "disk") == 0)
		return cmd_disk(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "fsync") == 0)
		return cmd_fsync(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: bench-core hash SECS | ecdsa SECS | build DIR NAME TARGET BATCH KIND PREFIX |\n"
			"       proofs DIR NAME SECS PREFIX [SIZE] | disk DIR PREFIX | fsync DIR N\n");
	return 2;
}
