/* Crash test: concurrent uploads into the real cairnd, SIGKILL at random
 * moments, restart on the same data dir, and check after every restart that
 *  - every entry that received a 201 is in the log at the index it was given,
 *    with the same body (downloaded through the entry bundles and, for a
 *    sample, through GET /api/v1/log/entries?logIndex=) and integratedTime;
 *  - every checkpoint ever returned (in 201 responses, by GET /api/v1/log
 *    and GET /checkpoint) is signed, no larger than the tree that survived,
 *    has the root that the surviving entries give for its size, and a
 *    consistency proof from it to the current tree verifies; two checkpoints
 *    of one size never name two roots;
 *  - the tree recomputed from all stored entries has the signed root;
 *  - an entry whose upload was cut by the kill is either logged (and a second
 *    upload answers 409 with its ID) or not (and a second upload logs it);
 *    an entry refused with 503 is not logged.
 * A second test kills cairnd during its very first start (key generation,
 * LMDB creation) and checks that the next start succeeds.
 *
 * Env: CAIRN_CRASH_CYCLES (default 10; `make crash` runs 100), CAIRN_CRASH_SEED
 * (default: time), CAIRN_CRASH_WRITERS (default 8). The last line printed
 * before cmocka's summary reads
 * "crash: N cycles, A entries acknowledged, L lost, ...". */
#include "logcheck.h"

#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/evp.h>

#include "entry.h"

#define H LC_H
#define NAME "127.0.0.1"

enum { R_NEW, R_ACKED, R_UNKNOWN, R_REFUSED, R_PRESENT };

/* One proposed entry and what happened to it. */
typedef struct rec {
	int state;
	int resubmitted;   /* uploaded again after an unknown outcome */
	int cut;           /* some upload of it was cut by a kill */
	long resub_status; /* the answer to the upload after the cut one */
	int acked;         /* it received a 201 */
	uint64_t index;    /* R_ACKED */
	int64_t itime;     /* from the 201; 0 when it was acknowledged by a 409 */
	uint8_t leaf[H];   /* of the canonical body, computed locally */
	char *proposal;
	char *ack;       /* the 201 body, parsed on the main thread */
	long status;     /* the last HTTP status (0: transport error) */
	char where[160]; /* the last 409's Location */
} rec;

typedef struct writer {
	int id;
	keys_key *key;
	char *pem_b64;
	rec *recs;
	size_t n, cap, seq;
	pthread_t th;
} writer;

typedef struct cpt {
	uint64_t size;
	uint8_t root[H];
} cpt;

static struct {
	daemon_proc d;
	lc_keys keys;
	char tree_hex[17];
	int nwriters;
	writer *w;
	atomic_int stop;
	pthread_mutex_t mu;
	char **notes; /* checkpoint notes seen by the poller this cycle */
	int *notes_c2sp;
	size_t nnotes, capnotes;
	cpt *cps; /* every checkpoint ever seen, verified */
	size_t ncps, capcps;
	uint64_t last_size;
	uint8_t last_root[H];
	/* Tallies for the summary line. */
	unsigned cycles, early_kills, kill_points, restarts, checks;
	size_t acked, lost, cut_logged, cut_absent, cut_unknown, refused, resubmits;
	unsigned seed, seed0;
} S;

static unsigned rnd(void)
{
	return (unsigned)rand_r(&S.seed);
}

static void sha256(const void *d, size_t n, uint8_t out[32])
{
	unsigned len = 32;
	EVP_Digest(d, n, out, &len, EVP_sha256(), NULL);
}

/* A proposal for artifact signed by w, and its canonical leaf. */
static char *proposal(writer *w, const char *artifact, uint8_t leaf[H])
{
	uint8_t d[32], *sig = NULL;
	size_t siglen = 0;
	char hex[65];
	sha256(artifact, strlen(artifact), d);
	codec_hex_encode(d, 32, hex);
	if (keys_sign(w->key, (const uint8_t *)artifact, strlen(artifact), &sig, &siglen) != CAIRN_OK)
		return NULL;
	char *s64 = codec_b64_encode_alloc(sig, siglen);
	free(sig);
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
	                      "hashedrekord", "spec", "data", "hash", "algorithm", "sha256", "value", hex,
	                      "signature", "content", s64, "publicKey", "content", w->pem_b64);
	free(s64);
	char *text = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	entry *e = NULL;
	char err[256];
	if (entry_from_proposed(text, strlen(text), &e, err, sizeof err) != CAIRN_OK) {
		free(text);
		return NULL;
	}
	memcpy(leaf, e->leaf, H);
	entry_free(e);
	return text;
}

static void upload(writer *w, CURL *c, rec *r)
{
	char url[128];
	http_resp resp;
	snprintf(url, sizeof url, "%s/api/v1/log/entries", S.d.url);
	if (http_do(c, "POST", url, r->proposal, strlen(r->proposal), &resp) != 0) {
		r->state = R_UNKNOWN;
		r->cut = 1;
		r->status = 0;
		http_resp_free(&resp);
		return;
	}
	(void)w;
	r->status = resp.status;
	if (resp.status == 201) {
		r->state = R_ACKED;
		r->acked = 1;
		free(r->ack);
		r->ack = resp.body;
		resp.body = NULL;
	} else if (resp.status == 409) {
		/* Only a resubmission may be a duplicate; checked on the main thread. */
		r->state = R_PRESENT;
		http_header(&resp, "Location", r->where, sizeof r->where);
	} else if (resp.status == 503) {
		r->state = R_REFUSED;
	} else {
		r->state = R_NEW; /* anything else is a failure, reported below */
	}
	http_resp_free(&resp);
}

static void *writer_main(void *arg)
{
	writer *w = arg;
	CURL *c = curl_easy_init();
	/* First the uploads whose outcome the last kill hid. */
	size_t before = w->n;
	for (size_t i = 0; i < before && !atomic_load(&S.stop); i++) {
		rec *r = &w->recs[i];
		if (r->state != R_UNKNOWN || r->resubmitted)
			continue;
		r->resubmitted = 1;
		upload(w, c, r);
		r->resub_status = r->status;
	}
	while (!atomic_load(&S.stop)) {
		if (w->n == w->cap) {
			size_t cap = w->cap ? 2 * w->cap : 256;
			rec *nr = realloc(w->recs, cap * sizeof *nr);
			if (!nr)
				break;
			w->recs = nr;
			w->cap = cap;
		}
		rec *r = &w->recs[w->n];
		memset(r, 0, sizeof *r);
		char artifact[96];
		snprintf(artifact, sizeof artifact, "crash-%u-%d-%zu", S.seed, w->id, w->seq++);
		r->proposal = proposal(w, artifact, r->leaf);
		if (!r->proposal)
			break;
		w->n++;
		upload(w, c, r);
		if (r->status == 0)
			break; /* the daemon is gone */
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void add_note(const char *note, size_t len, int c2sp)
{
	pthread_mutex_lock(&S.mu);
	if (S.nnotes == S.capnotes) {
		S.capnotes = S.capnotes ? 2 * S.capnotes : 64;
		S.notes = realloc(S.notes, S.capnotes * sizeof *S.notes);
		S.notes_c2sp = realloc(S.notes_c2sp, S.capnotes * sizeof *S.notes_c2sp);
	}
	S.notes[S.nnotes] = strndup(note, len);
	S.notes_c2sp[S.nnotes] = c2sp;
	S.nnotes++;
	pthread_mutex_unlock(&S.mu);
}

/* Reads the checkpoints a monitor would see while the log runs. */
static void *poller_main(void *arg)
{
	(void)arg;
	CURL *c = curl_easy_init();
	while (!atomic_load(&S.stop)) {
		http_resp r;
		char url[128];
		snprintf(url, sizeof url, "%s/api/v1/log", S.d.url);
		if (http_do(c, "GET", url, NULL, 0, &r) == 0 && r.status == 200) {
			json_error_t je;
			json_t *v = json_loads(r.body, 0, &je);
			const char *sth = json_string_value(json_object_get(v, "signedTreeHead"));
			if (sth)
				add_note(sth, strlen(sth), 0);
			json_decref(v);
		}
		http_resp_free(&r);
		snprintf(url, sizeof url, "%s/checkpoint", S.d.url);
		if (http_do(c, "GET", url, NULL, 0, &r) == 0 && r.status == 200)
			add_note(r.body, r.len, 1);
		http_resp_free(&r);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* Records a verified checkpoint; two roots for one size is a split view. */
static void remember(uint64_t size, const uint8_t root[H])
{
	for (size_t i = 0; i < S.ncps; i++) {
		if (S.cps[i].size == size) {
			if (memcmp(S.cps[i].root, root, H) != 0)
				fail_msg("two signed checkpoints of size %llu name different roots",
				         (unsigned long long)size);
			return;
		}
	}
	if (S.ncps == S.capcps) {
		S.capcps = S.capcps ? 2 * S.capcps : 256;
		S.cps = realloc(S.cps, S.capcps * sizeof *S.cps);
	}
	S.cps[S.ncps].size = size;
	memcpy(S.cps[S.ncps].root, root, H);
	S.ncps++;
}

/* A 201 body: the LogEntry for r, its inclusion proof against its signed
 * checkpoint. Sets r->index and r->itime. */
static void check_ack(rec *r)
{
	json_error_t je;
	json_t *le = json_loads(r->ack, 0, &je);
	if (!le || json_object_size(le) != 1)
		fail_msg("201 body is not a LogEntry: %.200s", r->ack);
	const char *id = json_object_iter_key(json_object_iter(le));
	char want[81], leafhex[65];
	codec_hex_encode(r->leaf, H, leafhex);
	snprintf(want, sizeof want, "%s%s", S.tree_hex, leafhex);
	if (strcmp(id, want) != 0)
		fail_msg("201 entryID %s, want %s", id, want);
	json_t *e = json_object_get(le, id);
	const char *b64 = json_string_value(json_object_get(e, "body"));
	uint8_t *body = NULL, leaf[H];
	size_t blen = 0;
	assert_non_null(b64);
	assert_int_equal(codec_b64_decode_alloc(b64, strlen(b64), 1 << 20, &body, &blen), CAIRN_OK);
	merkle_leaf_hash(body, blen, leaf);
	free(body);
	assert_memory_equal(leaf, r->leaf, H);
	r->index = (uint64_t)json_integer_value(json_object_get(e, "logIndex"));
	r->itime = json_integer_value(json_object_get(e, "integratedTime"));
	json_t *ip = json_object_get(json_object_get(e, "verification"), "inclusionProof");
	json_t *hashes = json_object_get(ip, "hashes");
	const char *cpn = json_string_value(json_object_get(ip, "checkpoint"));
	assert_non_null(cpn);
	note_checkpoint cp;
	if (lc_checkpoint(&S.keys, cpn, strlen(cpn), 0, &cp))
		fail_msg("201 checkpoint: %s", lc_err);
	assert_int_equal(cp.size, (uint64_t)json_integer_value(json_object_get(ip, "treeSize")));
	uint8_t proof[MERKLE_MAX_PROOF][H];
	size_t len = json_array_size(hashes);
	assert_true(len <= MERKLE_MAX_PROOF);
	for (size_t i = 0; i < len; i++) {
		const char *h = json_string_value(json_array_get(hashes, i));
		assert_non_null(h);
		assert_int_equal(codec_hex_decode(h, strlen(h), proof[i], H), CAIRN_OK);
	}
	if (merkle_verify_inclusion(r->leaf, r->index, cp.size, (const uint8_t(*)[H])proof, len, cp.root) !=
	    CAIRN_OK)
		fail_msg("201 inclusion proof for index %llu does not verify", (unsigned long long)r->index);
	remember(cp.size, cp.root);
	json_decref(le);
}

static void summary(void)
{
	printf("crash: %u cycles (%u of them during a restart, %u at a write to data.mdb), %zu entries "
	       "acknowledged, "
	       "%zu lost; "
	       "of the uploads cut by a kill %zu had been committed, %zu had not and were logged when "
	       "uploaded again, "
	       "%zu unresolved (%zu uploads repeated); "
	       "%zu refused with 503; %zu checkpoints of distinct sizes verified; %u offline checks passed; "
	       "final tree size %llu (seed %u)\n",
	       S.cycles, S.early_kills, S.kill_points, S.acked, S.lost, S.cut_logged, S.cut_absent,
	       S.cut_unknown, S.resubmits, S.refused, S.ncps, S.checks, (unsigned long long)S.last_size,
	       S.seed0);
	fflush(stdout);
}

typedef struct leafidx {
	uint8_t leaf[H];
	uint64_t index;
} leafidx;

static int cmp_leaf(const void *a, const void *b)
{
	return memcmp(a, b, H);
}

/* The state after a restart: everything in the header comment. */
static void verify_after_restart(CURL *c, int final)
{
	lc_tree t;
	if (lc_verify_log(c, S.d.url, &S.keys, &t))
		fail_msg("after restart %u: %s", S.restarts, lc_err);
	uint64_t n = t.size;
	uint8_t root[H];
	assert_int_equal(lc_tree_root(&t, n, root), 0);
	/* The tree only grows, and it grows consistently. */
	if (n < S.last_size)
		fail_msg("the tree shrank from %llu to %llu entries", (unsigned long long)S.last_size,
		         (unsigned long long)n);
	uint8_t prev[H];
	assert_int_equal(lc_tree_root(&t, S.last_size, prev), 0);
	if (S.last_size && memcmp(prev, S.last_root, H) != 0)
		fail_msg("the first %llu entries changed across a restart", (unsigned long long)S.last_size);
	if (S.last_size && lc_consistency(c, S.d.url, S.last_size, S.last_root, n, root))
		fail_msg("%s", lc_err);

	/* Leaf -> index, for entries whose upload outcome is unknown. */
	leafidx *byleaf = malloc((n ? n : 1) * sizeof *byleaf);
	for (uint64_t i = 0; i < n; i++) {
		memcpy(byleaf[i].leaf, t.leaf[i], H);
		byleaf[i].index = i;
	}
	qsort(byleaf, n, sizeof *byleaf, cmp_leaf);

	/* Checkpoints the poller saw. */
	for (size_t i = 0; i < S.nnotes; i++) {
		note_checkpoint cp;
		if (lc_checkpoint(&S.keys, S.notes[i], strlen(S.notes[i]), S.notes_c2sp[i], &cp))
			fail_msg("polled checkpoint: %s", lc_err);
		remember(cp.size, cp.root);
		free(S.notes[i]);
	}
	S.nnotes = 0;

	/* Every upload. */
	size_t sample = 0, lost = 0, cut_logged = 0, cut_absent = 0, cut_unknown = 0, refused = 0,
	       resubmits = 0;
	for (int wi = 0; wi < S.nwriters; wi++) {
		writer *w = &S.w[wi];
		for (size_t i = 0; i < w->n; i++) {
			rec *r = &w->recs[i];
			if (r->ack) {
				check_ack(r);
				free(r->ack);
				r->ack = NULL;
				S.acked++;
			}
			leafidx *hit = bsearch(r->leaf, byleaf, n, sizeof *byleaf, cmp_leaf);
			resubmits += (size_t)r->resubmitted;
			/* An upload cut by a kill was committed anyway if it is in the log
			 * and was not uploaded again, or its second upload got a 409; it
			 * was not if its second upload got a 201. */
			if (r->cut) {
				if (r->resub_status == 201)
					cut_absent++;
				else if (hit)
					cut_logged++;
				else
					cut_unknown++;
			}
			switch (r->state) {
			case R_PRESENT:
				/* A 409 is only right for a resubmission of an entry that is
				 * logged, and it must name its ID. */
				if (!r->resubmitted)
					fail_msg("409 for an entry uploaded for the first time");
				if (!hit)
					fail_msg("409 for an entry that is not in the log");
				{
					char want[128], leafhex[65];
					codec_hex_encode(r->leaf, H, leafhex);
					snprintf(want, sizeof want, "/api/v1/log/entries/%s%s", S.tree_hex,
					         leafhex);
					if (strcmp(r->where, want) != 0)
						fail_msg("409 Location %s, want %s", r->where, want);
				}
				r->index = hit->index;
				r->itime = 0;
				r->state = R_ACKED; /* from now on it must stay */
				                    /* fall through */
			case R_ACKED:
				if (r->index >= n || memcmp(t.leaf[r->index], r->leaf, H) != 0) {
					lost++;
					fprintf(
					    stderr,
					    "LOST: entry acknowledged at index %llu is %s after restart %u\n",
					    (unsigned long long)r->index, r->index >= n ? "gone" : "replaced",
					    S.restarts);
					break;
				}
				/* The same body and time through the v1 API, for a sample. */
				if (final || (rnd() % 64 == 0 && sample < 32)) {
					sample++;
					char path[96];
					snprintf(path, sizeof path, "/api/v1/log/entries?logIndex=%llu",
					         (unsigned long long)r->index);
					http_resp resp;
					if (lc_get(c, S.d.url, path, &resp))
						fail_msg("%s", lc_err);
					json_error_t je;
					json_t *le = json_loads(resp.body, 0, &je);
					json_t *e = json_object_iter_value(json_object_iter(le));
					const char *b64 = json_string_value(json_object_get(e, "body"));
					char *want =
					    codec_b64_encode_alloc(t.body[r->index], t.blen[r->index]);
					if (resp.status != 200 || !b64 || strcmp(b64, want) != 0 ||
					    (uint64_t)json_integer_value(json_object_get(e, "logIndex")) !=
					        r->index ||
					    (r->itime && json_integer_value(json_object_get(
					                     e, "integratedTime")) != r->itime))
						fail_msg(
						    "GET %s does not give the acknowledged entry: %.200s",
						    path, resp.body);
					free(want);
					json_decref(le);
					http_resp_free(&resp);
				}
				break;
			case R_REFUSED:
				if (hit)
					fail_msg("an entry refused with 503 is in the log at %llu",
					         (unsigned long long)hit->index);
				refused++;
				break;
			case R_NEW:
				if (r->status != 0)
					fail_msg("upload answered %ld", r->status);
				break;
			}
		}
	}
	S.lost = lost;
	S.cut_logged = cut_logged;
	S.cut_absent = cut_absent;
	S.cut_unknown = cut_unknown;
	S.refused = refused;
	S.resubmits = resubmits;
	if (lost) {
		summary();
		fail_msg("%zu acknowledged entries lost", lost);
	}
	free(byleaf);

	/* Every checkpoint ever seen: no larger than the tree, with the root its
	 * size has in the surviving tree, provably consistent with the tree. */
	for (size_t i = 0; i < S.ncps; i++) {
		cpt *cp = &S.cps[i];
		if (cp->size > n)
			fail_msg("a checkpoint of size %llu was returned, but only %llu entries survived",
			         (unsigned long long)cp->size, (unsigned long long)n);
		uint8_t want[H];
		assert_int_equal(lc_tree_root(&t, cp->size, want), 0);
		if (memcmp(want, cp->root, H) != 0)
			fail_msg("checkpoint of size %llu names a root the stored entries do not give",
			         (unsigned long long)cp->size);
		/* The server's proof too: all of them at the end, the new ones now. */
		if ((final || cp->size > S.last_size || S.restarts % 10 == 0) && cp->size > 0) {
			if (lc_consistency(c, S.d.url, cp->size, cp->root, n, root))
				fail_msg("%s", lc_err);
			uint8_t tr[H];
			if (lc_tiles_root(c, S.d.url, cp->size, tr))
				fail_msg("%s", lc_err);
			if (memcmp(tr, cp->root, H) != 0)
				fail_msg("the hash tiles at size %llu give another root than its checkpoint",
				         (unsigned long long)cp->size);
		}
	}
	S.last_size = n;
	memcpy(S.last_root, root, H);
	lc_tree_free(&t);
}

static void start_daemon(void)
{
	int status = 0;
	if (daemon_start(&S.d, NULL, &status) != 0) {
		char *out = daemon_output(&S.d);
		fail_msg("cairnd did not restart (status %d) after %u cycles:\n%s", status, S.cycles, out);
	}
	S.restarts++;
}

/* `cairnd --check` on the data dir of the killed daemon: the offline check
 * must find it consistent before it is started again. */
static void check_offline(void)
{
	char out[256];
	snprintf(out, sizeof out, "%s.check", S.d.dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(harness_bin(), harness_bin(), "--check", "--data", S.d.dir, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	FILE *f = fopen(out, "r");
	char text[4096] = "";
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	unlink(out);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !strstr(text, "is consistent"))
		fail_msg("cairnd --check after kill %u (status %d):\n%s", S.cycles, st, text);
	S.checks++;
}

/* The crash injector (tests/crash/killpoint.c), when it was built. */
static const char *killpoint_so(void)
{
	static char path[4096];
	const char *b = getenv("CAIRN_BUILD");
	snprintf(path, sizeof path, "%s/crash/killpoint.so", b ? b : "build");
	return access(path, R_OK) == 0 ? path : NULL;
}

/* Makes the next cairnd started SIGKILL itself just before its at-th write
 * to a file whose path holds what (NULL: no injection). Only children see
 * it; no other thread of ours runs while it is set. */
static void kill_at_write(const char *what, long at)
{
	static char *saved_asan;
	if (!what) {
		unsetenv("LD_PRELOAD");
		unsetenv("CAIRN_KILL_PATH");
		unsetenv("CAIRN_KILL_AT");
		if (saved_asan)
			setenv("ASAN_OPTIONS", saved_asan, 1);
		else
			unsetenv("ASAN_OPTIONS");
		free(saved_asan);
		saved_asan = NULL;
		return;
	}
	char n[32], asan[1024];
	const char *old = getenv("ASAN_OPTIONS");
	free(saved_asan);
	saved_asan = old ? strdup(old) : NULL;
	/* A sanitized cairnd wants its runtime first; the injector only wraps
	 * write(), so the order does not matter here. */
	snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", old ? old : "", old ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	snprintf(n, sizeof n, "%ld", at);
	setenv("LD_PRELOAD", killpoint_so(), 1);
	setenv("CAIRN_KILL_PATH", what, 1);
	setenv("CAIRN_KILL_AT", n, 1);
}

/* Starts cairnd without waiting for it, for kills during startup. */
static pid_t spawn_raw(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(harness_bin(), harness_bin(), "--listen", "127.0.0.1:0", "--data", dir, "--name", NAME,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static unsigned env_uint(const char *name, unsigned dflt)
{
	const char *s = getenv(name);
	return s && *s ? (unsigned)strtoul(s, NULL, 10) : dflt;
}

static void test_kill_during_uploads(void **state)
{
	(void)state;
	unsigned cycles = env_uint("CAIRN_CRASH_CYCLES", 10);
	S.nwriters = (int)env_uint("CAIRN_CRASH_WRITERS", 8);
	S.w = calloc((size_t)S.nwriters, sizeof *S.w);
	pthread_mutex_init(&S.mu, NULL);
	for (int i = 0; i < S.nwriters; i++) {
		writer *w = &S.w[i];
		w->id = i;
		assert_int_equal(keys_generate(KEYS_ECDSA_P256, &w->key), CAIRN_OK);
		char *pem;
		size_t plen;
		assert_int_equal(keys_public_pem(w->key, &pem, &plen), CAIRN_OK);
		w->pem_b64 = codec_b64_encode_alloc((const uint8_t *)pem, plen);
		free(pem);
	}
	CURL *c = curl_easy_init();
	start_daemon();
	if (lc_keys_load(&S.keys, S.d.dir, NAME))
		fail_msg("%s", lc_err);
	json_t *li = NULL;
	{
		http_resp r;
		assert_int_equal(lc_get(c, S.d.url, "/api/v1/log", &r), 0);
		json_error_t je;
		li = json_loads(r.body, 0, &je);
		http_resp_free(&r);
	}
	snprintf(S.tree_hex, sizeof S.tree_hex, "%016llx",
	         strtoull(json_string_value(json_object_get(li, "treeID")), NULL, 10));
	json_decref(li);

	for (unsigned cycle = 0; cycle < cycles; cycle++) {
		if (!S.d.pid) {
			check_offline();
			start_daemon();
		}
		verify_after_restart(c, 0);
		if (rnd() % 6 == 0) {
			/* Kill while it restarts: opening LMDB, recomputing the root. */
			daemon_kill(&S.d);
			pid_t pid = spawn_raw(S.d.dir);
			sleep_ms(rnd() % 30);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			S.early_kills++;
			S.cycles++;
			continue;
		}
		int injected = killpoint_so() && rnd() % 4 == 0;
		if (injected) {
			/* Restart with the injector: it dies just before its Nth write to
			 * data.mdb, in the middle of a commit or of the open. */
			daemon_kill(&S.d);
			kill_at_write("data.mdb", 1 + (long)(rnd() % 400));
			int status = 0;
			int rc = daemon_start(&S.d, NULL, &status);
			kill_at_write(NULL, 0);
			S.kill_points++;
			if (rc != 0) {
				if (status != 128 + SIGKILL) {
					char *out = daemon_output(&S.d);
					fail_msg("cairnd with a kill point exited with %d:\n%s", status, out);
				}
				S.cycles++;
				continue; /* it died while opening the log */
			}
			S.restarts++;
		}
		atomic_store(&S.stop, 0);
		pthread_t poller;
		for (int i = 0; i < S.nwriters; i++)
			assert_int_equal(pthread_create(&S.w[i].th, NULL, writer_main, &S.w[i]), 0);
		assert_int_equal(pthread_create(&poller, NULL, poller_main, NULL), 0);
		if (injected) {
			/* Until it kills itself, or 1.5 s. */
			for (int i = 0; i < 150; i++) {
				siginfo_t si;
				si.si_pid = 0;
				if (waitid(P_PID, (id_t)S.d.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
				    si.si_pid)
					break; /* dead; daemon_kill reaps it */
				sleep_ms(10);
			}
			daemon_kill(&S.d); /* reaps it, or kills it if the point was not reached */
		} else {
			sleep_ms(50 + rnd() % 1000);
			daemon_kill(&S.d);
		}
		atomic_store(&S.stop, 1);
		for (int i = 0; i < S.nwriters; i++)
			pthread_join(S.w[i].th, NULL);
		pthread_join(poller, NULL);
		S.cycles++;
	}
	check_offline();
	start_daemon();
	verify_after_restart(c, 1);
	/* A clean stop still works after all that. */
	assert_int_equal(daemon_stop(&S.d), 0);
	start_daemon();
	verify_after_restart(c, 1);
	daemon_kill(&S.d);

	summary();
	assert_int_equal(S.lost, 0);
	curl_easy_cleanup(c);
	lc_keys_free(&S.keys);
	for (int i = 0; i < S.nwriters; i++) {
		for (size_t j = 0; j < S.w[i].n; j++) {
			free(S.w[i].recs[j].proposal);
			free(S.w[i].recs[j].ack);
		}
		free(S.w[i].recs);
		free(S.w[i].pem_b64);
		keys_free(S.w[i].key);
	}
	free(S.w);
	free(S.notes);
	free(S.notes_c2sp);
	free(S.cps);
	harness_rm_rf(S.d.dir);
	unlink(S.d.out_path);
}

/* Kills cairnd at random moments of its very first start, when it creates
 * its keys and its LMDB environment; the next start must succeed. */
static void test_kill_during_first_start(void **state)
{
	(void)state;
	unsigned n = env_uint("CAIRN_CRASH_CYCLES", 10) / 2;
	if (n < 5)
		n = 5;
	CURL *c = curl_easy_init();
	for (unsigned i = 0; i < n; i++) {
		daemon_proc d = {0};
		strcpy(d.dir, "/tmp/cairnd-crash-XXXXXX");
		assert_non_null(mkdtemp(d.dir));
		pid_t pid = spawn_raw(d.dir);
		sleep_ms(rnd() % 25);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		int status = 0;
		if (daemon_start(&d, NULL, &status) != 0) {
			char *out = daemon_output(&d);
			fail_msg(
			    "after a kill during the first start, cairnd does not start (status %d):\n%s",
			    status, out);
		}
		lc_keys k;
		if (lc_keys_load(&k, d.dir, NAME))
			fail_msg("%s", lc_err);
		lc_tree t;
		if (lc_verify_log(c, d.url, &k, &t))
			fail_msg("%s", lc_err);
		lc_tree_free(&t);
		lc_keys_free(&k);
		daemon_kill(&d);
		unlink(d.out_path);
		harness_rm_rf(d.dir);
	}
	curl_easy_cleanup(c);
}

/* Waits up to ms for pid to exit; its wait status, or -1 if it still runs. */
static int wait_exit(pid_t pid, unsigned ms)
{
	for (unsigned i = 0; i <= ms / 10; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ms(10);
	}
	return -1;
}

/* Crashes at each write of the very first start, exactly: a key file
 * created but still empty, the LMDB file before and between its first
 * writes. Whatever the crash left, the next start must succeed, serve a
 * verifiable log, and leave log.pub holding the log's public key. */
static void test_kill_at_first_start_writes(void **state)
{
	(void)state;
	if (!killpoint_so()) {
		print_message("BUILD/crash/killpoint.so not built: skipped\n");
		skip();
	}
	static const struct {
		const char *path;
		long at;
	} points[] = {
	    {"log.key", 1},  {"log.pub", 1},  {"note.key", 1}, {"data.mdb", 1},
	    {"data.mdb", 2}, {"data.mdb", 3}, {"data.mdb", 4},
	};
	CURL *c = curl_easy_init();
	char failures[4096] = "";
	size_t fl = 0;
	for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
		daemon_proc d = {0};
		strcpy(d.dir, "/tmp/cairnd-crash-XXXXXX");
		assert_non_null(mkdtemp(d.dir));
		kill_at_write(points[i].path, points[i].at);
		pid_t pid = spawn_raw(d.dir);
		kill_at_write(NULL, 0);
		int st = wait_exit(pid, 10000);
		if (st == -1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("the kill point at write %ld to %s was never reached", points[i].at,
			         points[i].path);
		}
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			fail_msg("cairnd with a kill point at %s exited with status %d", points[i].path, st);
		int status = 0;
		if (daemon_start(&d, NULL, &status) != 0) {
			char *out = daemon_output(&d);
			out[strcspn(out, "\n")] = '\0';
			fl += (size_t)snprintf(
			    failures + fl, sizeof failures - fl,
			    "\n  crash just before write %ld to %s: the next start fails (status %d): %s",
			    points[i].at, points[i].path, status, out);
			free(out);
			unlink(d.out_path);
			harness_rm_rf(d.dir);
			continue;
		}
		/* log.pub is what operators hand out: it must be the key the log uses. */
		char path[256];
		snprintf(path, sizeof path, "%s/log.pub", d.dir);
		FILE *f = fopen(path, "r");
		char file[1024] = "";
		size_t n = f ? fread(file, 1, sizeof file - 1, f) : 0;
		if (f)
			fclose(f);
		http_resp r;
		assert_int_equal(lc_get(c, d.url, "/api/v1/log/publicKey", &r), 0);
		if (r.status != 200 || r.len != n || memcmp(r.body, file, n) != 0) {
			fl += (size_t)snprintf(
			    failures + fl, sizeof failures - fl,
			    "\n  crash just before write %ld to %s: log.pub (%zu bytes) is not the log's "
			    "public key after the next start",
			    points[i].at, points[i].path, n);
		} else {
			lc_keys k;
			lc_tree t;
			if (lc_keys_load(&k, d.dir, NAME) || lc_verify_log(c, d.url, &k, &t))
				fl += (size_t)snprintf(failures + fl, sizeof failures - fl,
				                       "\n  crash just before write %ld to %s: %s",
				                       points[i].at, points[i].path, lc_err);
			else
				lc_tree_free(&t);
			lc_keys_free(&k);
		}
		http_resp_free(&r);
		daemon_kill(&d);
		unlink(d.out_path);
		harness_rm_rf(d.dir);
	}
	curl_easy_cleanup(c);
	if (fl)
		fail_msg("a crash during the first start leaves a data dir that does not work:%s", failures);
}

/* A failed test leaves its daemon running: stop it here. */
static int teardown_group(void **state)
{
	(void)state;
	if (S.d.pid) {
		daemon_kill(&S.d);
		harness_rm_rf(S.d.dir);
		unlink(S.d.out_path);
	}
	return 0;
}

int main(void)
{
	S.seed = S.seed0 = env_uint("CAIRN_CRASH_SEED", (unsigned)time(NULL) ^ (unsigned)getpid());
	printf("crash: seed %u (CAIRN_CRASH_SEED to repeat the kill times)\n", S.seed);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill_during_uploads),
	    cmocka_unit_test(test_kill_during_first_start),
	    cmocka_unit_test(test_kill_at_first_start_writes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, teardown_group);
	curl_global_cleanup();
	return rc;
}
