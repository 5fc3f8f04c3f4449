/* Integration tests for cairnd: the real binary, a temp LMDB data dir, real
 * HTTP on 127.0.0.1. Every Rekor v1 endpoint, the C2SP endpoints, errors,
 * restart, key permissions and 64 concurrent uploaders. */
#include "cairnd_harness.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/sha.h>
#include <openssl/evp.h>

#include "codec.h"
#include "jcs.h"
#include "keys.h"
#include "merkle.h"
#include "note.h"
#include "tiles.h"

#define H MERKLE_HASH_SIZE

typedef struct fx {
	daemon_proc d;
	CURL *curl;
	keys_key *signer;
	char *signer_pem_b64;
	keys_key *log_key;
	char vkey[512];
} fx;

static fx *F;

static void sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 32;
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

/* A proposed hashedrekord entry for artifact, signed by k. Caller frees. */
static char *hashedrekord(keys_key *k, const char *pem_b64, const char *artifact, size_t alen, int corrupt)
{
	uint8_t digest[32], *sig;
	size_t siglen;
	char hex[65];
	sha256(artifact, alen, digest);
	codec_hex_encode(digest, 32, hex);
	assert_int_equal(keys_sign(k, (const uint8_t *)artifact, alen, &sig, &siglen), CAIRN_OK);
	if (corrupt)
		sig[siglen / 2] ^= 1;
	char *sigb64 = codec_b64_encode_alloc(sig, siglen);
	free(sig);
	json_t *v = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}", "apiVersion", "0.0.1", "kind",
			      "hashedrekord", "spec", "data", "hash", "algorithm", "sha256", "value", hex, "signature",
			      "content", sigb64, "publicKey", "content", pem_b64);
	free(sigb64);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s;
}

static char *url(const char *path)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s%s", F->d.url, path);
	return buf[i];
}

static json_t *get_json(const char *path, long want)
{
	http_resp r;
	assert_int_equal(http_do(F->curl, "GET", url(path), NULL, 0, &r), 0);
	if (r.status != want)
		fail_msg("GET %s: status %ld, want %ld: %s", path, r.status, want, r.body);
	json_error_t e;
	json_t *v = json_loads(r.body, 0, &e);
	if (!v)
		fail_msg("GET %s: not JSON: %s", path, r.body);
	http_resp_free(&r);
	return v;
}

static void assert_json_error(const http_resp *r, long status)
{
	if (r->status != status)
		fail_msg("status %ld, want %ld: %s", r->status, status, r->body);
	char ct[128];
	assert_int_equal(http_header(r, "Content-Type", ct, sizeof ct), 0);
	assert_string_equal(ct, "application/json");
	json_error_t e;
	json_t *v = json_loads(r->body, 0, &e);
	assert_non_null(v);
	assert_true(json_is_integer(json_object_get(v, "code")));
	assert_int_equal(json_integer_value(json_object_get(v, "code")), status);
	assert_true(json_is_string(json_object_get(v, "message")));
	assert_true(json_string_length(json_object_get(v, "message")) > 0);
	json_decref(v);
}

static int setup_group(void **state)
{
	(void)state;
	F = calloc(1, sizeof *F);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	F->curl = curl_easy_init();
	assert_int_equal(daemon_start(&F->d, NULL, NULL), 0);
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &F->signer), CAIRN_OK);
	char *pem;
	size_t plen;
	assert_int_equal(keys_public_pem(F->signer, &pem, &plen), CAIRN_OK);
	F->signer_pem_b64 = codec_b64_encode_alloc((const uint8_t *)pem, plen);
	free(pem);
	char path[256];
	snprintf(path, sizeof path, "%s/log.pub", F->d.dir);
	assert_int_equal(keys_load_public_file(path, &F->log_key), CAIRN_OK);
	snprintf(path, sizeof path, "%s/note.vkey", F->d.dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(F->vkey, sizeof F->vkey, f));
	fclose(f);
	F->vkey[strcspn(F->vkey, "\n")] = '\0';
	*state = F;
	return 0;
}

static int teardown_group(void **state)
{
	(void)state;
	daemon_kill(&F->d);
	harness_rm_rf(F->d.dir);
	unlink(F->d.out_path);
	keys_free(F->signer);
	keys_free(F->log_key);
	free(F->signer_pem_b64);
	curl_easy_cleanup(F->curl);
	curl_global_cleanup();
	free(F);
	return 0;
}

/* Checks a LogEntry: one key = entryID, SET verifies, the proof verifies
 * against rootHash, and the checkpoint is signed and names that root. */
static uint64_t check_log_entry(json_t *le, const char *want_id)
{
	assert_true(json_is_object(le));
	assert_int_equal(json_object_size(le), 1);
	const char *id = json_object_iter_key(json_object_iter(le));
	assert_int_equal(strlen(id), 80);
	if (want_id)
		assert_string_equal(id, want_id);
	json_t *e = json_object_get(le, id);
	const char *body_b64 = json_string_value(json_object_get(e, "body"));
	assert_non_null(body_b64);
	uint8_t *body;
	size_t blen;
	assert_int_equal(codec_b64_decode_alloc(body_b64, strlen(body_b64), 1 << 20, &body, &blen), CAIRN_OK);
	uint8_t leaf[H];
	merkle_leaf_hash(body, blen, leaf);
	char leafhex[65];
	codec_hex_encode(leaf, H, leafhex);
	assert_string_equal(id + 16, leafhex);
	free(body);
	json_int_t index = json_integer_value(json_object_get(e, "logIndex"));
	json_int_t t = json_integer_value(json_object_get(e, "integratedTime"));
	const char *log_id = json_string_value(json_object_get(e, "logID"));
	uint8_t want_log_id[H];
	char want_log_hex[65];
	assert_int_equal(keys_id(F->log_key, want_log_id), CAIRN_OK);
	codec_hex_encode(want_log_id, H, want_log_hex);
	assert_string_equal(log_id, want_log_hex);
	assert_true(t > 1700000000 && t <= (json_int_t)time(NULL) + 1);
	/* SET over the JCS of body, integratedTime, logID, logIndex. */
	json_t *setv = json_pack("{s:s,s:I,s:s,s:I}", "body", body_b64, "integratedTime", t, "logID", log_id,
				 "logIndex", index);
	char *canon;
	size_t clen;
	assert_int_equal(jcs_serialize(setv, &canon, &clen), CAIRN_OK);
	json_decref(setv);
	json_t *ver = json_object_get(e, "verification");
	const char *set_b64 = json_string_value(json_object_get(ver, "signedEntryTimestamp"));
	uint8_t *set;
	size_t setlen;
	assert_int_equal(codec_b64_decode_alloc(set_b64, strlen(set_b64), 1024, &set, &setlen), CAIRN_OK);
	assert_int_equal(keys_verify(F->log_key, (const uint8_t *)canon, clen, set, setlen), CAIRN_OK);
	canon[1] ^= 1;
	assert_int_equal(keys_verify(F->log_key, (const uint8_t *)canon, clen, set, setlen), CAIRN_ERR_VERIFY);
	free(canon);
	free(set);
	/* Inclusion proof. */
	json_t *ip = json_object_get(ver, "inclusionProof");
	json_t *hashes = json_object_get(ip, "hashes");
	assert_true(json_is_array(hashes));
	uint8_t proof[MERKLE_MAX_PROOF][H], root[H];
	size_t plen = json_array_size(hashes);
	for (size_t i = 0; i < plen; i++) {
		const char *h = json_string_value(json_array_get(hashes, i));
		assert_int_equal(codec_hex_decode(h, strlen(h), proof[i], H), CAIRN_OK);
	}
	const char *rh = json_string_value(json_object_get(ip, "rootHash"));
	assert_int_equal(codec_hex_decode(rh, strlen(rh), root, H), CAIRN_OK);
	json_int_t size = json_integer_value(json_object_get(ip, "treeSize"));
	assert_int_equal(json_integer_value(json_object_get(ip, "logIndex")), index);
	assert_int_equal(merkle_verify_inclusion(leaf, (uint64_t)index, (uint64_t)size, (const uint8_t (*)[H])proof, plen,
						 root),
			 CAIRN_OK);
	/* The checkpoint is signed by the log key and names the same size and root. */
	const char *cp = json_string_value(json_object_get(ip, "checkpoint"));
	note_verifier *v;
	assert_int_equal(note_verifier_new("127.0.0.1", F->log_key, &v), CAIRN_OK);
	size_t bodylen;
	assert_int_equal(note_open(cp, strlen(cp), &v, 1, &bodylen), CAIRN_OK);
	note_verifier_free(v);
	note_checkpoint c;
	assert_int_equal(note_checkpoint_parse(cp, bodylen, &c), CAIRN_OK);
	assert_int_equal(c.size, (uint64_t)size);
	assert_memory_equal(c.root, root, H);
	return (uint64_t)index;
}

static void test_startup_files(void **state)
{
	(void)state;
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "%s/log.key", F->d.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof path, "%s/note.key", F->d.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *out = daemon_output(&F->d);
	assert_non_null(strstr(out, "cairnd: log ID "));
	assert_non_null(strstr(out, "cairnd: tree ID "));
	assert_non_null(strstr(out, F->vkey));
	free(out);
	note_verifier *v;
	assert_int_equal(note_verifier_from_vkey(F->vkey, &v), CAIRN_OK);
	note_verifier_free(v);
}

static void test_log_info_and_key(void **state)
{
	(void)state;
	json_t *li = get_json("/api/v1/log", 200);
	assert_true(json_is_null(json_object_get(li, "inactiveShards")));
	assert_true(json_is_string(json_object_get(li, "treeID")));
	assert_true(json_is_integer(json_object_get(li, "treeSize")));
	const char *rh = json_string_value(json_object_get(li, "rootHash"));
	assert_int_equal(strlen(rh), 64);
	const char *sth = json_string_value(json_object_get(li, "signedTreeHead"));
	note_verifier *v;
	assert_int_equal(note_verifier_new("127.0.0.1", F->log_key, &v), CAIRN_OK);
	size_t blen;
	assert_int_equal(note_open(sth, strlen(sth), &v, 1, &blen), CAIRN_OK);
	note_verifier_free(v);
	note_checkpoint c;
	assert_int_equal(note_checkpoint_parse(sth, blen, &c), CAIRN_OK);
	char origin[64];
	snprintf(origin, sizeof origin, "127.0.0.1 - %s", json_string_value(json_object_get(li, "treeID")));
	assert_string_equal(c.origin, origin);
	assert_int_equal(c.size, json_integer_value(json_object_get(li, "treeSize")));
	json_decref(li);

	http_resp r;
	assert_int_equal(http_do(F->curl, "GET", url("/api/v1/log/publicKey"), NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	char ct[128];
	assert_int_equal(http_header(&r, "Content-Type", ct, sizeof ct), 0);
	assert_string_equal(ct, "application/x-pem-file");
	char path[256];
	snprintf(path, sizeof path, "%s/log.pub", F->d.dir);
	FILE *f = fopen(path, "r");
	char file[1024] = {0};
	size_t n = fread(file, 1, sizeof file - 1, f);
	fclose(f);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.body, file, n);
	http_resp_free(&r);
}

static json_t *post_entry(const char *body, long want, http_resp *keep)
{
	http_resp r;
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/log/entries"), body, strlen(body), &r), 0);
	if (r.status != want)
		fail_msg("POST: status %ld, want %ld: %s", r.status, want, r.body);
	json_error_t e;
	json_t *v = json_loads(r.body, 0, &e);
	if (keep)
		*keep = r;
	else
		http_resp_free(&r);
	return v;
}

static void test_create_get_duplicate(void **state)
{
	(void)state;
	char *pe = hashedrekord(F->signer, F->signer_pem_b64, "artifact-one", 12, 0);
	http_resp r;
	json_t *le = post_entry(pe, 201, &r);
	char etag[128], loc[256];
	assert_int_equal(http_header(&r, "ETag", etag, sizeof etag), 0);
	assert_int_equal(http_header(&r, "Location", loc, sizeof loc), 0);
	char want_loc[256];
	snprintf(want_loc, sizeof want_loc, "/api/v1/log/entries/%s", etag);
	assert_string_equal(loc, want_loc);
	uint64_t index = check_log_entry(le, etag);
	http_resp_free(&r);
	json_decref(le);

	/* By index, by entryID, by UUID. */
	char path[256];
	snprintf(path, sizeof path, "/api/v1/log/entries?logIndex=%llu", (unsigned long long)index);
	le = get_json(path, 200);
	check_log_entry(le, etag);
	json_decref(le);
	le = get_json(loc, 200);
	check_log_entry(le, etag);
	json_decref(le);
	snprintf(path, sizeof path, "/api/v1/log/entries/%s", etag + 16);
	le = get_json(path, 200);
	check_log_entry(le, etag);
	json_decref(le);

	/* Duplicate: 409, Location, the Rekor message. */
	json_t *err = post_entry(pe, 409, &r);
	assert_int_equal(http_header(&r, "Location", loc, sizeof loc), 0);
	assert_string_equal(loc, want_loc);
	assert_json_error(&r, 409);
	char msg[256];
	snprintf(msg, sizeof msg, "an equivalent entry already exists in the transparency log with UUID %s", etag);
	assert_string_equal(json_string_value(json_object_get(err, "message")), msg);
	json_decref(err);
	http_resp_free(&r);
	free(pe);
}

static void expect_post_error(const char *body, size_t len, long status)
{
	http_resp r;
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/log/entries"), body, len, &r), 0);
	assert_json_error(&r, status);
	http_resp_free(&r);
}

/* A literal body that must be refused with status. */
#define POST_ERROR(lit, status) expect_post_error(lit, sizeof lit - 1, status)

static void test_create_errors(void **state)
{
	(void)state;
	char *bad = hashedrekord(F->signer, F->signer_pem_b64, "artifact-bad", 12, 1);
	expect_post_error(bad, strlen(bad), 400);
	free(bad);
	POST_ERROR("{\"apiVersion\":", 400);
	POST_ERROR("[1,2]", 422);
	POST_ERROR("{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\"}", 422);
	POST_ERROR("{\"apiVersion\":\"0.0.1\",\"kind\":\"rekord\",\"spec\":{}}", 400);
	POST_ERROR("{\"apiVersion\":\"9.9.9\",\"kind\":\"hashedrekord\",\"spec\":{}}", 400);
	/* A body over the limit: refused as declared and as sent. */
	size_t big = 200 * 1024;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	expect_post_error(huge, big, 413);
	free(huge);
	/* A signature over another artifact's digest. */
	char *a = hashedrekord(F->signer, F->signer_pem_b64, "artifact-x", 10, 0);
	json_error_t e;
	json_t *v = json_loads(a, 0, &e);
	uint8_t d[32];
	char hex[65];
	sha256("artifact-y", 10, d);
	codec_hex_encode(d, 32, hex);
	json_object_set_new(json_object_get(json_object_get(json_object_get(v, "spec"), "data"), "hash"), "value",
			    json_string(hex));
	char *s = json_dumps(v, JSON_COMPACT);
	expect_post_error(s, strlen(s), 400);
	free(s);
	json_decref(v);
	free(a);
	/* Unknown paths and methods. */
	http_resp r;
	assert_int_equal(http_do(F->curl, "GET", url("/api/v1/nope"), NULL, 0, &r), 0);
	assert_json_error(&r, 404);
	http_resp_free(&r);
	assert_int_equal(http_do(F->curl, "DELETE", url("/api/v1/log"), NULL, 0, &r), 0);
	assert_json_error(&r, 405);
	http_resp_free(&r);
}

static void test_get_errors(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		long status;
	} cases[] = {
		{"/api/v1/log/entries?logIndex=999999", 404},
		{"/api/v1/log/entries?logIndex=-1", 400},
		{"/api/v1/log/entries?logIndex=abc", 400},
		{"/api/v1/log/entries?logIndex=99999999999999999999999", 400},
		{"/api/v1/log/entries", 400},
		{"/api/v1/log/entries/0000000000000000000000000000000000000000000000000000000000000000", 404},
		{"/api/v1/log/entries/zz", 400},
		{"/api/v1/log/entries/00000000000000000000000000000000000000000000000000000000000000000000000000000000",
		 404},
		{"/api/v1/log/proof?firstSize=5&lastSize=2", 400},
		{"/api/v1/log/proof?lastSize=100000", 400},
		{"/api/v1/log/proof", 400},
		{"/api/v1/log/proof?lastSize=-3", 400},
		{"/api/v1/log?treeID=1", 404},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		http_resp r;
		assert_int_equal(http_do(F->curl, "GET", url(cases[i].path), NULL, 0, &r), 0);
		if (r.status != cases[i].status)
			fail_msg("GET %s: %ld, want %ld", cases[i].path, r.status, cases[i].status);
		assert_json_error(&r, cases[i].status);
		http_resp_free(&r);
	}
}

static uint64_t tree_size(uint8_t root[H])
{
	json_t *li = get_json("/api/v1/log", 200);
	uint64_t n = (uint64_t)json_integer_value(json_object_get(li, "treeSize"));
	const char *rh = json_string_value(json_object_get(li, "rootHash"));
	if (root)
		assert_int_equal(codec_hex_decode(rh, 64, root, H), CAIRN_OK);
	json_decref(li);
	return n;
}

static void add_entries(int n, const char *tag)
{
	for (int i = 0; i < n; i++) {
		char art[64];
		snprintf(art, sizeof art, "%s-%d", tag, i);
		char *pe = hashedrekord(F->signer, F->signer_pem_b64, art, strlen(art), 0);
		json_decref(post_entry(pe, 201, NULL));
		free(pe);
	}
}

static void test_consistency_proofs(void **state)
{
	(void)state;
	uint8_t r1[H], r2[H];
	add_entries(3, "cons-a");
	uint64_t m = tree_size(r1);
	add_entries(5, "cons-b");
	uint64_t n = tree_size(r2);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu", (unsigned long long)m,
		 (unsigned long long)n);
	json_t *p = get_json(path, 200);
	json_t *hashes = json_object_get(p, "hashes");
	uint8_t proof[MERKLE_MAX_PROOF][H], root[H];
	size_t len = json_array_size(hashes);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(codec_hex_decode(json_string_value(json_array_get(hashes, i)), 64, proof[i], H), CAIRN_OK);
	assert_int_equal(codec_hex_decode(json_string_value(json_object_get(p, "rootHash")), 64, root, H), CAIRN_OK);
	assert_memory_equal(root, r2, H);
	assert_int_equal(merkle_verify_consistency(m, n, (const uint8_t (*)[H])proof, len, r1, r2), CAIRN_OK);
	json_decref(p);
	/* Equal sizes: an empty list, never null. */
	snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu", (unsigned long long)n,
		 (unsigned long long)n);
	p = get_json(path, 200);
	assert_true(json_is_array(json_object_get(p, "hashes")));
	assert_int_equal(json_array_size(json_object_get(p, "hashes")), 0);
	json_decref(p);
}

static void test_retrieve_and_search(void **state)
{
	(void)state;
	keys_key *other;
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &other), CAIRN_OK);
	char *pem;
	size_t plen;
	assert_int_equal(keys_public_pem(other, &pem, &plen), CAIRN_OK);
	char *other_b64 = codec_b64_encode_alloc((const uint8_t *)pem, plen);
	free(pem);
	char *e1 = hashedrekord(other, other_b64, "search-me", 9, 0);
	char *e2 = hashedrekord(F->signer, F->signer_pem_b64, "search-me", 9, 0);
	json_t *l1 = post_entry(e1, 201, NULL), *l2 = post_entry(e2, 201, NULL);
	const char *id1 = json_object_iter_key(json_object_iter(l1));
	const char *id2 = json_object_iter_key(json_object_iter(l2));
	uint8_t d[32];
	char hash[80] = "sha256:";
	sha256("search-me", 9, d);
	codec_hex_encode(d, 32, hash + 7);

	/* By hash: both. By key: one. and: one; or: both and more. */
	char body[4096];
	http_resp r;
	snprintf(body, sizeof body, "{\"hash\":\"%s\"}", hash);
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/index/retrieve"), body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	json_error_t je;
	json_t *ids = json_loads(r.body, 0, &je);
	assert_int_equal(json_array_size(ids), 2);
	json_decref(ids);
	http_resp_free(&r);
	snprintf(body, sizeof body, "{\"hash\":\"%s\",\"publicKey\":{\"format\":\"x509\",\"content\":\"%s\"},\"operator\":\"and\"}",
		 hash, other_b64);
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/index/retrieve"), body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	ids = json_loads(r.body, 0, &je);
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), id1);
	json_decref(ids);
	http_resp_free(&r);
	snprintf(body, sizeof body, "{\"publicKey\":{\"format\":\"x509\",\"content\":\"%s\"},\"operator\":\"or\",\"hash\":\"%s\"}",
		 F->signer_pem_b64, hash);
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/index/retrieve"), body, strlen(body), &r), 0);
	ids = json_loads(r.body, 0, &je);
	assert_true(json_array_size(ids) > 2);
	json_decref(ids);
	http_resp_free(&r);
	/* Bad search inputs. */
	const char *bad[] = {"{}", "{\"hash\":\"sha256:xyz\"}", "{\"hash\":\"md5:00\"}",
			     "{\"publicKey\":{\"format\":\"pgp\",\"content\":\"AAAA\"}}", "not json"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(http_do(F->curl, "POST", url("/api/v1/index/retrieve"), bad[i], strlen(bad[i]), &r), 0);
		assert_json_error(&r, 400);
		http_resp_free(&r);
	}

	/* entries/retrieve by UUID, index and proposed entry. */
	snprintf(body, sizeof body, "{\"entryUUIDs\":[\"%s\"],\"logIndexes\":[0,999999],\"entries\":[%s]}", id1, e2);
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/log/entries/retrieve"), body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	json_t *arr = json_loads(r.body, 0, &je);
	assert_int_equal(json_array_size(arr), 3);
	check_log_entry(json_array_get(arr, 0), id1);
	check_log_entry(json_array_get(arr, 2), id2);
	json_decref(arr);
	http_resp_free(&r);
	const char *over = "{\"logIndexes\":[0,1,2,3,4,5,6,7,8,9,10]}";
	assert_int_equal(http_do(F->curl, "POST", url("/api/v1/log/entries/retrieve"), over, strlen(over), &r), 0);
	assert_json_error(&r, 422);
	http_resp_free(&r);
	json_decref(l1);
	json_decref(l2);
	free(e1);
	free(e2);
	free(other_b64);
	keys_free(other);
}

static void test_c2sp(void **state)
{
	(void)state;
	add_entries(2, "tiles");
	http_resp r;
	assert_int_equal(http_do(F->curl, "GET", url("/checkpoint"), NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	char hv[256];
	assert_int_equal(http_header(&r, "Content-Type", hv, sizeof hv), 0);
	assert_string_equal(hv, "text/plain; charset=utf-8");
	assert_int_equal(http_header(&r, "Cache-Control", hv, sizeof hv), 0);
	assert_string_equal(hv, "no-cache");
	note_verifier *vn, *vl;
	assert_int_equal(note_verifier_from_vkey(F->vkey, &vn), CAIRN_OK);
	assert_int_equal(note_verifier_new("127.0.0.1", F->log_key, &vl), CAIRN_OK);
	size_t blen;
	assert_int_equal(note_open(r.body, r.len, &vn, 1, &blen), CAIRN_OK);
	assert_int_equal(note_open(r.body, r.len, &vl, 1, &blen), CAIRN_OK);
	note_verifier_free(vn);
	note_verifier_free(vl);
	note_checkpoint c;
	assert_int_equal(note_checkpoint_parse(r.body, blen, &c), CAIRN_OK);
	http_resp_free(&r);
	assert_true(c.size > 0 && c.size < 256);

	/* The level-0 partial tile holds each entry's leaf hash, in order, and the
	 * entry bundle holds the bodies. */
	char path[128];
	snprintf(path, sizeof path, "/tile/0/000.p/%llu", (unsigned long long)c.size);
	http_resp t, b;
	assert_int_equal(http_do(F->curl, "GET", url(path), NULL, 0, &t), 0);
	assert_int_equal(t.status, 200);
	assert_int_equal(t.len, c.size * H);
	assert_int_equal(http_header(&t, "Cache-Control", hv, sizeof hv), 0);
	assert_string_equal(hv, "public, max-age=31536000, immutable");
	snprintf(path, sizeof path, "/tile/entries/000.p/%llu", (unsigned long long)c.size);
	assert_int_equal(http_do(F->curl, "GET", url(path), NULL, 0, &b), 0);
	assert_int_equal(b.status, 200);
	size_t at = 0;
	for (uint64_t i = 0; i < c.size; i++) {
		size_t n = (size_t)(uint8_t)b.body[at] << 8 | (uint8_t)b.body[at + 1];
		uint8_t leaf[H];
		merkle_leaf_hash((const uint8_t *)b.body + at + 2, n, leaf);
		assert_memory_equal(leaf, t.body + i * H, H);
		at += 2 + n;
	}
	assert_int_equal(at, b.len);
	http_resp_free(&t);
	http_resp_free(&b);
	static const struct {
		const char *path;
		long status;
	} cases[] = {
		{"/tile/0/000", 404},          {"/tile/0/001", 404},          {"/tile/0/000.p/255", 404},
		{"/tile/1/000.p/1", 404},      {"/tile/0/000.p/0", 400},      {"/tile/0/000.p/256", 400},
		{"/tile/0/00", 400},           {"/tile/64/000", 400},         {"/tile/0/x000/000", 400},
		{"/tile/0/../000", 400},       {"/tile/0/%30%30%30", 400},    {"/tile/entries/000.p/255", 404},
		{"/tile/entries/0", 400},      {"/tile/0/000.p/01", 400},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(http_do(F->curl, "GET", url(cases[i].path), NULL, 0, &r), 0);
		if (r.status != cases[i].status)
			fail_msg("GET %s: %ld, want %ld", cases[i].path, r.status, cases[i].status);
		http_resp_free(&r);
	}
}

static void test_health_and_metrics(void **state)
{
	(void)state;
	http_resp r;
	assert_int_equal(http_do(F->curl, "GET", url("/healthz"), NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	http_resp_free(&r);
	uint64_t size = tree_size(NULL);
	assert_int_equal(http_do(F->curl, "GET", url("/metrics"), NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	char want[128];
	snprintf(want, sizeof want, "\ncairn_tree_size %llu\n", (unsigned long long)size);
	assert_non_null(strstr(r.body, want));
	snprintf(want, sizeof want, "\ncairn_entries_appended_total %llu\n", (unsigned long long)size);
	assert_non_null(strstr(r.body, want));
	assert_non_null(strstr(r.body, "cairn_batch_size_bucket{le=\"+Inf\"}"));
	assert_non_null(strstr(r.body, "cairn_http_request_duration_seconds_count{route=\"entry_create\"}"));
	assert_non_null(strstr(r.body, "cairn_http_responses_total{code=\"409\"}"));
	http_resp_free(&r);
}

/* 64 uploaders at once: every 201's proof verifies against its own checkpoint
 * and every checkpoint seen is consistent with the final tree. */
typedef struct upl {
	int id;
	int n;
	char *responses[8]; /* checked on the main thread: cmocka is not thread-safe */
	int ok;
} upl;

static void *uploader(void *arg)
{
	upl *u = arg;
	CURL *c = curl_easy_init();
	for (int i = 0; i < u->n; i++) {
		char art[64];
		snprintf(art, sizeof art, "concurrent-%d-%d", u->id, i);
		char *pe = hashedrekord(F->signer, F->signer_pem_b64, art, strlen(art), 0);
		http_resp r;
		char full[256];
		snprintf(full, sizeof full, "%s/api/v1/log/entries", F->d.url);
		if (http_do(c, "POST", full, pe, strlen(pe), &r) || r.status != 201) {
			free(pe);
			http_resp_free(&r);
			break;
		}
		u->responses[i] = r.body;
		free(pe);
		u->ok++;
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void test_concurrent_uploaders(void **state)
{
	(void)state;
	enum { N = 64, PER = 4 };
	pthread_t th[N];
	upl u[N];
	for (int i = 0; i < N; i++) {
		u[i] = (upl){.id = i, .n = PER};
		assert_int_equal(pthread_create(&th[i], NULL, uploader, &u[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N; i++)
		assert_int_equal(u[i].ok, PER);
	uint8_t final_root[H];
	uint64_t final = tree_size(final_root);
	uint64_t indexes[N * PER];
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < PER; j++) {
			json_error_t e;
			json_t *le = json_loads(u[i].responses[j], 0, &e);
			assert_non_null(le);
			indexes[i * PER + j] = check_log_entry(le, NULL);
			json_t *ip = json_object_get(
				json_object_get(json_object_iter_value(json_object_iter(le)), "verification"), "inclusionProof");
			uint64_t size = (uint64_t)json_integer_value(json_object_get(ip, "treeSize"));
			uint8_t root[H];
			assert_int_equal(
				codec_hex_decode(json_string_value(json_object_get(ip, "rootHash")), 64, root, H), CAIRN_OK);
			json_decref(le);
			free(u[i].responses[j]);
			char path[128];
			snprintf(path, sizeof path, "/api/v1/log/proof?firstSize=%llu&lastSize=%llu",
				 (unsigned long long)size, (unsigned long long)final);
			json_t *p = get_json(path, 200);
			json_t *hashes = json_object_get(p, "hashes");
			uint8_t proof[MERKLE_MAX_PROOF][H];
			size_t len = json_array_size(hashes);
			for (size_t k = 0; k < len; k++)
				codec_hex_decode(json_string_value(json_array_get(hashes, k)), 64, proof[k], H);
			assert_int_equal(merkle_verify_consistency(size, final, (const uint8_t (*)[H])proof, len, root,
								   final_root),
					 CAIRN_OK);
			json_decref(p);
		}
	}
	/* Every acknowledged entry got its own index. */
	for (int i = 0; i < N * PER; i++)
		for (int j = i + 1; j < N * PER; j++)
			assert_true(indexes[i] != indexes[j]);
}

static void test_restart(void **state)
{
	(void)state;
	uint8_t root[H], root2[H];
	uint64_t size = tree_size(root);
	json_t *li = get_json("/api/v1/log", 200);
	char tid[32];
	strcpy(tid, json_string_value(json_object_get(li, "treeID")));
	json_decref(li);
	assert_int_equal(daemon_stop(&F->d), 0);
	assert_int_equal(daemon_start(&F->d, NULL, NULL), 0);
	assert_int_equal(tree_size(root2), size);
	assert_memory_equal(root, root2, H);
	li = get_json("/api/v1/log", 200);
	assert_string_equal(json_string_value(json_object_get(li, "treeID")), tid);
	json_decref(li);
	add_entries(2, "after-restart");
	assert_int_equal(tree_size(NULL), size + 2);
}

static void test_key_permissions(void **state)
{
	(void)state;
	daemon_proc d = {0};
	strcpy(d.dir, "/tmp/cairnd-test-XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	assert_int_equal(daemon_start(&d, NULL, NULL), 0);
	assert_int_equal(daemon_stop(&d), 0);
	char path[256];
	snprintf(path, sizeof path, "%s/log.key", d.dir);
	assert_int_equal(chmod(path, 0644), 0);
	int status = 0;
	assert_int_equal(daemon_start(&d, NULL, &status), -1);
	assert_int_not_equal(status, 0);
	char *out = daemon_output(&d);
	assert_non_null(strstr(out, "group or others"));
	free(out);
	unlink(d.out_path);
	harness_rm_rf(d.dir);
}

/* A full queue answers 503 with Retry-After and a JSON error, never hangs,
 * and the entries it did take are logged. */
typedef struct burst {
	const char *url;
	int id, round;
	long status;
	char retry[16];
	char *body;
} burst;

static void *burst_post(void *arg)
{
	burst *b = arg;
	CURL *c = curl_easy_init();
	char art[64], full[256];
	snprintf(art, sizeof art, "burst-%d-%d", b->round, b->id);
	char *pe = hashedrekord(F->signer, F->signer_pem_b64, art, strlen(art), 0);
	snprintf(full, sizeof full, "%s/api/v1/log/entries", b->url);
	http_resp r;
	if (http_do(c, "POST", full, pe, strlen(pe), &r) == 0) {
		b->status = r.status;
		if (http_header(&r, "Retry-After", b->retry, sizeof b->retry))
			b->retry[0] = '\0';
		b->body = r.body;
	}
	free(pe);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_queue_full(void **state)
{
	(void)state;
	daemon_proc d = {0};
	const char *tiny[] = {"--queue", "1", NULL};
	assert_int_equal(daemon_start(&d, tiny, NULL), 0);
	int busy = 0, created = 0;
	for (int round = 0; round < 5 && !busy; round++) {
		enum { N = 64 };
		pthread_t th[N];
		burst b[N];
		for (int i = 0; i < N; i++) {
			b[i] = (burst){.url = d.url, .id = i, .round = round};
			assert_int_equal(pthread_create(&th[i], NULL, burst_post, &b[i]), 0);
		}
		for (int i = 0; i < N; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < N; i++) {
			if (b[i].status == 503) {
				busy++;
				assert_string_equal(b[i].retry, "1");
				json_error_t e;
				json_t *v = json_loads(b[i].body, 0, &e);
				assert_non_null(v);
				assert_int_equal(json_integer_value(json_object_get(v, "code")), 503);
				json_decref(v);
			} else if (b[i].status == 201) {
				created++;
			} else {
				fail_msg("a burst upload got %ld", b[i].status);
			}
			free(b[i].body);
		}
	}
	assert_true(busy > 0);
	assert_true(created > 0);
	daemon_proc saved = F->d;
	F->d = d;
	assert_int_equal(tree_size(NULL), (uint64_t)created);
	F->d = saved;
	daemon_kill(&d);
	unlink(d.out_path);
	harness_rm_rf(d.dir);
}

/* --max-per-ip: connections past the limit from one address are closed
 * unanswered while the ones within it are served. */
static void test_per_ip_limit(void **state)
{
	(void)state;
	daemon_proc d = {0};
	const char *lim[] = {"--max-per-ip", "2", NULL};
	assert_int_equal(daemon_start(&d, lim, NULL), 0);
	int fds[3], answered = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d.port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 3; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sa, sizeof sa), 0);
	}
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
	for (int i = 0; i < 3; i++) {
		static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
		struct timeval tv = {2, 0};
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		char buf[64] = {0};
		if (send(fds[i], req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1) &&
		    recv(fds[i], buf, sizeof buf - 1, 0) > 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0)
			answered++;
		close(fds[i]);
	}
	assert_int_equal(answered, 2);
	daemon_kill(&d);
	unlink(d.out_path);
	harness_rm_rf(d.dir);
}

/* A full map: 507 with a JSON error, reads go on, nothing is corrupted, and
 * appends resume once there is room again. */
static void test_full_disk(void **state)
{
	(void)state;
	daemon_proc d = {0};
	const char *small[] = {"--max-map-bytes", "1048576", NULL};
	assert_int_equal(daemon_start(&d, small, NULL), 0);
	daemon_proc saved = F->d;
	F->d = d;
	int full = 0, acked = 0;
	http_resp r;
	for (int i = 0; i < 5000 && !full; i++) {
		char art[64];
		snprintf(art, sizeof art, "fill-%d", i);
		char *pe = hashedrekord(F->signer, F->signer_pem_b64, art, strlen(art), 0);
		assert_int_equal(http_do(F->curl, "POST", url("/api/v1/log/entries"), pe, strlen(pe), &r), 0);
		free(pe);
		if (r.status == 507) {
			assert_json_error(&r, 507);
			full = 1;
		} else {
			assert_int_equal(r.status, 201);
			acked++;
		}
		http_resp_free(&r);
	}
	assert_true(full);
	assert_true(acked > 100);
	/* Reads keep working and the tree holds every acknowledged entry. */
	uint8_t root[H];
	assert_int_equal(tree_size(root), (uint64_t)acked);
	json_decref(get_json("/api/v1/log/entries?logIndex=0", 200));
	assert_int_equal(daemon_stop(&d), 0);
	/* The data dir checks out, and with room again appends resume. */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s --check --data %s >/dev/null", harness_bin(), d.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(daemon_start(&d, NULL, NULL), 0);
	F->d = d;
	add_entries(3, "after-full");
	assert_int_equal(tree_size(NULL), (uint64_t)acked + 3);
	daemon_kill(&d);
	unlink(d.out_path);
	harness_rm_rf(d.dir);
	F->d = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_files),
		cmocka_unit_test(test_log_info_and_key),
		cmocka_unit_test(test_create_get_duplicate),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_get_errors),
		cmocka_unit_test(test_consistency_proofs),
		cmocka_unit_test(test_retrieve_and_search),
		cmocka_unit_test(test_c2sp),
		cmocka_unit_test(test_health_and_metrics),
		cmocka_unit_test(test_concurrent_uploaders),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_key_permissions),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_per_ip_limit),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
