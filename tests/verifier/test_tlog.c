/* Tests for verifier/tlog.c, verifier/verify.c (offline) and verifier/jsonx.c:
 * a real logged entry built in memory verifies, and every forgery of its SET,
 * inclusion proof, checkpoint, body or log key is refused with the name of
 * the check that failed. The unit tests include the .c files: the CLI's
 * modules are not in a library. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../verifier/jsonx.c"
#include "../../verifier/tlog.c"
#include "../../verifier/client.c"
#include "../../verifier/verify.c"

#include "fixture.h"

static int verify_offline(fixture *f, const keys_key *signer, const keys_key *log_key, char *err,
                          size_t errlen)
{
	verify_report rep = {0};
	verify_input in = {signer, log_key, KEYS_SHA256, f->digest, 32, f->sig, f->siglen, f->e, NULL};
	return verify_logged_signature(&in, &rep, err, errlen);
}

static void assert_fails(fixture *f, const char *prefix)
{
	char err[512] = "";
	int rc = verify_offline(f, f->signer, f->log_key, err, sizeof err);
	if (rc != CAIRN_ERR_VERIFY || strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("want CAIRN_ERR_VERIFY \"%s...\", got %d \"%s\"", prefix, rc, err);
}

static void test_fixture_verifies(void **state)
{
	(void)state;
	for (uint64_t n = 1; n <= 9; n++) {
		for (uint64_t i = 0; i < n; i++) {
			fixture f;
			char err[512] = "";
			verify_report rep = {0};
			fx_make(&f, i, n);
			verify_input in = {f.signer, f.log_key, KEYS_SHA256, f.digest, 32,
			                   f.sig,    f.siglen,  f.e,         NULL};
			if (verify_logged_signature(&in, &rep, err, sizeof err) != CAIRN_OK)
				fail_msg("index %llu of %llu: %s", (unsigned long long)i,
				         (unsigned long long)n, err);
			assert_int_equal(rep.n, 5);
			fx_free(&f);
		}
	}
}

static void test_set_forgeries(void **state)
{
	fixture f;
	(void)state;

	fx_make(&f, 3, 7);
	f.e->set[f.e->set_len / 2] ^= 1;
	assert_fails(&f, "SET:");
	fx_free(&f);

	fx_make(&f, 3, 7);
	f.e->integrated_time++;
	assert_fails(&f, "SET:");
	fx_free(&f);

	/* Another index fails the SET before the proof is even looked at. */
	fx_make(&f, 3, 7);
	f.e->log_index = 4;
	assert_fails(&f, "SET:");
	fx_free(&f);

	fx_make(&f, 3, 7);
	fx_sign_set(&f, f.other);
	assert_fails(&f, "SET:");
	fx_free(&f);

	/* The SET alone, or the proof alone, is enough; neither is not. */
	fx_make(&f, 3, 7);
	f.e->has_proof = 0;
	char err[256];
	assert_int_equal(verify_offline(&f, f.signer, f.log_key, err, sizeof err), CAIRN_OK);
	free(f.e->set);
	f.e->set = NULL;
	assert_fails(&f, "SET: the bundle has neither");
	f.e->has_proof = 1;
	assert_int_equal(verify_offline(&f, f.signer, f.log_key, err, sizeof err), CAIRN_OK);
	fx_free(&f);
}

static void test_key_forgeries(void **state)
{
	fixture f;
	char err[512];
	(void)state;

	fx_make(&f, 0, 2);
	assert_int_equal(verify_offline(&f, f.other, f.log_key, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_memory_equal(err, "signature:", 10);
	assert_int_equal(verify_offline(&f, f.signer, f.other, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_memory_equal(err, "log key:", 8);
	/* A log ID that names the other key, SET and checkpoint still by the real one. */
	assert_int_equal(keys_id(f.other, f.e->log_id), CAIRN_OK);
	assert_fails(&f, "log key:");
	fx_free(&f);
}

static void test_body_forgeries(void **state)
{
	fixture f;
	char err[512];
	uint8_t digest[32], *sig2 = NULL;
	size_t sig2len;
	tlog_entry *dsse = NULL;
	(void)state;

	fx_make(&f, 1, 3);
	memcpy(digest, f.digest, 32);
	digest[0] ^= 1;
	assert_int_equal(
	    tlog_check_hashedrekord(f.e, KEYS_SHA256, digest, 32, f.sig, f.siglen, f.signer, err, sizeof err),
	    CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "logged digest"));
	assert_int_equal(
	    tlog_check_hashedrekord(f.e, KEYS_SHA384, digest, 32, f.sig, f.siglen, f.signer, err, sizeof err),
	    CAIRN_ERR_VERIFY);
	/* Another valid signature by the same key over the same artifact. */
	assert_int_equal(
	    keys_sign(f.signer, (const uint8_t *)f.artifact, strlen(f.artifact), &sig2, &sig2len), CAIRN_OK);
	assert_int_equal(
	    tlog_check_hashedrekord(f.e, KEYS_SHA256, f.digest, 32, sig2, sig2len, f.signer, err, sizeof err),
	    CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "logged signature"));
	assert_int_equal(tlog_check_hashedrekord(f.e, KEYS_SHA256, f.digest, 32, f.sig, f.siglen, f.other,
	                                         err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "logged public key"));
	assert_int_equal(tlog_check_hashedrekord(f.e, KEYS_SHA256, f.digest, 32, f.sig, f.siglen, f.signer,
	                                         err, sizeof err),
	                 CAIRN_OK);
	/* A signature that verifies, over a digest the log never saw. */
	{
		verify_report rep = {0};
		verify_input in = {f.signer, f.log_key, KEYS_SHA256, f.digest, 32, sig2, sig2len, f.e, NULL};
		assert_int_equal(verify_logged_signature(&in, &rep, err, sizeof err), CAIRN_ERR_VERIFY);
		assert_memory_equal(err, "logged body:", 12);
	}
	static const char body[] = "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{}}";
	assert_int_equal(tlog_entry_new((const uint8_t *)body, strlen(body), &dsse, err, sizeof err),
	                 CAIRN_OK);
	assert_string_equal(dsse->kind, "dsse");
	assert_int_equal(tlog_check_hashedrekord(dsse, KEYS_SHA256, f.digest, 32, f.sig, f.siglen, f.signer,
	                                         err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	tlog_entry_free(dsse);
	free(sig2);
	fx_free(&f);
}

static void test_inclusion_forgeries(void **state)
{
	fixture f;
	char *note;
	(void)state;

	/* A valid SET does not excuse a bad proof next to it. */
	fx_make(&f, 5, 13);
	f.e->hashes[0][3] ^= 1;
	assert_fails(&f, "inclusion proof:");
	fx_free(&f);

	for (int kind = 0; kind < 8; kind++) {
		fx_make(&f, 5, 13);
		free(f.e->set);
		f.e->set = NULL;
		switch (kind) {
		case 0:
			f.e->hashes[f.e->nhashes - 1][31] ^= 1;
			break;
		case 1:
			f.e->nhashes--;
			break;
		case 2:
			memset(f.e->hashes[f.e->nhashes++], 7, 32);
			break;
		case 3:
			f.e->proof_index = 4;
			break;
		case 4:
			f.e->root[0] ^= 1;
			break;
		case 5:
			f.e->tree_size = 12;
			break;
		case 6:
			f.e->log_index = 6;
			f.e->proof_index = 6;
			break;
		case 7:
			f.e->body[f.e->body_len - 2] = ' ';
			merkle_leaf_hash(f.e->body, f.e->body_len, f.e->leaf);
			break;
		}
		if (kind == 4 || kind == 5)
			assert_fails(&f, "inclusion proof: the checkpoint");
		else if (kind == 7)
			assert_fails(&f, "logged body:");
		else
			assert_fails(&f, "inclusion proof:");
		fx_free(&f);
	}

	/* A checkpoint signed by another key, or altered after signing. */
	fx_make(&f, 5, 13);
	free(f.e->set);
	f.e->set = NULL;
	note = fx_checkpoint(&f, 13, f.other);
	free(f.e->checkpoint);
	f.e->checkpoint = note;
	f.e->checkpoint_len = strlen(note);
	assert_fails(&f, "checkpoint: no signature line by the log key");
	fx_free(&f);

	fx_make(&f, 5, 13);
	free(f.e->set);
	f.e->set = NULL;
	f.e->checkpoint[strlen(FX_ORIGIN) + 2] = '4'; /* "13" -> "14" */
	assert_fails(&f, "checkpoint: the signature does not verify");
	fx_free(&f);

	fx_make(&f, 5, 13);
	free(f.e->set);
	f.e->set = NULL;
	f.e->checkpoint_len -= 3;
	assert_fails(&f, "checkpoint:");
	fx_free(&f);
}

static void test_checkpoint_signers(void **state)
{
	fixture f;
	note_checkpoint cp;
	char err[256], body[128], *note = NULL;
	size_t nlen;
	note_signer *s[2] = {0};
	(void)state;

	fx_make(&f, 0, 4);
	/* Another signer's line next to the log's: ignored, whatever its name. */
	char *hdr = strstr(f.e->checkpoint, "\n\n");
	size_t blen = (size_t)(hdr - f.e->checkpoint) + 1;
	memcpy(body, f.e->checkpoint, blen);
	assert_int_equal(note_signer_new("witness.example", f.other, &s[0]), CAIRN_OK);
	assert_int_equal(note_signer_new("some-other-name", f.log_key, &s[1]), CAIRN_OK);
	assert_int_equal(note_sign(body, blen, s, 2, &note, &nlen), CAIRN_OK);
	assert_int_equal(tlog_checkpoint_verify(note, nlen, f.log_key, &cp, err, sizeof err), CAIRN_OK);
	assert_int_equal(cp.size, 4);
	assert_string_equal(cp.origin, FX_ORIGIN);
	assert_int_equal(tlog_checkpoint_verify(note, nlen, f.signer, &cp, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	assert_int_equal(tlog_checkpoint_verify("garbage", 7, f.log_key, &cp, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	assert_int_equal(tlog_checkpoint_verify(body, blen, f.log_key, &cp, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	free(note);
	note_signer_free(s[0]);
	note_signer_free(s[1]);
	fx_free(&f);
}

static void test_consistency(void **state)
{
	fixture f;
	merkle_source src;
	note_checkpoint a, b, c;
	uint8_t proof[MERKLE_MAX_PROOF][32];
	size_t n;
	char err[256];
	(void)state;

	fx_make(&f, 2, 20);
	src = (merkle_source){fx_node, &f.tree};
	strcpy(a.origin, FX_ORIGIN);
	b = a;
	a.size = 7;
	b.size = 20;
	assert_int_equal(merkle_root(&src, 7, a.root), CAIRN_OK);
	assert_int_equal(merkle_root(&src, 20, b.root), CAIRN_OK);
	assert_int_equal(merkle_consistency_proof(&src, 7, 20, proof, &n), CAIRN_OK);
	assert_int_equal(tlog_verify_consistency(&a, &b, (const uint8_t(*)[32])proof, n, err, sizeof err),
	                 CAIRN_OK);
	assert_int_equal(tlog_verify_consistency(&a, &a, NULL, 0, err, sizeof err), CAIRN_OK);
	proof[1][0] ^= 1;
	assert_int_equal(tlog_verify_consistency(&a, &b, (const uint8_t(*)[32])proof, n, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "not an extension"));
	assert_int_equal(tlog_verify_consistency(&b, &a, NULL, 0, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "rollback"));
	c = a;
	c.root[5] ^= 1;
	assert_int_equal(tlog_verify_consistency(&a, &c, NULL, 0, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "two different roots"));
	c = b;
	strcpy(c.origin, "test.log - 43");
	assert_int_equal(tlog_verify_consistency(&a, &c, NULL, 0, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "origin changed"));
	/* Anything extends the empty tree. */
	c = b;
	c.size = 0;
	assert_int_equal(tlog_verify_consistency(&c, &b, NULL, 0, err, sizeof err), CAIRN_ERR_VERIFY);
	merkle_empty_root(c.root);
	assert_int_equal(tlog_verify_consistency(&c, &b, NULL, 0, err, sizeof err), CAIRN_OK);
	fx_free(&f);
}

/* The fixture's entry as the Rekor API serves it. */
static json_t *rekor_json(const tlog_entry *e)
{
	char id[81], logid[65], root[65], *b64 = codec_b64_encode_alloc(e->body, e->body_len);
	char *set = codec_b64_encode_alloc(e->set, e->set_len);
	json_t *hashes = json_array(), *v;
	memcpy(id, "0123456789abcdef", 16);
	codec_hex_encode(e->leaf, 32, id + 16);
	codec_hex_encode(e->log_id, 32, logid);
	codec_hex_encode(e->root, 32, root);
	for (size_t i = 0; i < e->nhashes; i++) {
		char h[65];
		codec_hex_encode(e->hashes[i], 32, h);
		json_array_append_new(hashes, json_string(h));
	}
	v = json_pack("{s:{s:s,s:I,s:s,s:I,s:{s:{s:s,s:o,s:I,s:s,s:I},s:s}}}", id, "body", b64,
	              "integratedTime", (json_int_t)e->integrated_time, "logID", logid, "logIndex",
	              (json_int_t)e->log_index, "verification", "inclusionProof", "checkpoint", e->checkpoint,
	              "hashes", hashes, "logIndex", (json_int_t)e->proof_index, "rootHash", root, "treeSize",
	              (json_int_t)e->tree_size, "signedEntryTimestamp", set);
	free(b64);
	free(set);
	assert_non_null(v);
	return v;
}

static json_t *inner(json_t *v)
{
	return json_object_iter_value(json_object_iter(v));
}

static void test_rekor_entry(void **state)
{
	fixture f;
	tlog_entry *e = NULL;
	json_t *v;
	char err[256];
	(void)state;

	fx_make(&f, 6, 11);
	v = rekor_json(f.e);
	assert_int_equal(tlog_entry_from_rekor(v, &e, err, sizeof err), CAIRN_OK);
	assert_int_equal(e->log_index, 6);
	assert_int_equal(e->integrated_time, FX_TIME);
	assert_int_equal(e->body_len, f.e->body_len);
	assert_memory_equal(e->body, f.e->body, e->body_len);
	assert_memory_equal(e->log_id, f.e->log_id, 32);
	assert_int_equal(e->set_len, f.e->set_len);
	assert_int_equal(e->nhashes, f.e->nhashes);
	assert_memory_equal(e->hashes, f.e->hashes, 32 * e->nhashes);
	assert_string_equal(e->checkpoint, f.e->checkpoint);
	assert_string_equal(e->kind, "hashedrekord");
	assert_string_equal(e->version, "0.0.1");
	assert_int_equal(tlog_verify_inclusion(e, f.log_key, NULL, err, sizeof err), CAIRN_OK);
	assert_int_equal(tlog_verify_set(e, f.log_key, err, sizeof err), CAIRN_OK);
	tlog_entry_free(e);
	json_decref(v);

	/* Each of these answers is refused. */
	for (int kind = 0; kind < 11; kind++) {
		json_t *le;
		v = rekor_json(f.e);
		le = inner(v);
		switch (kind) {
		case 0:
			json_object_set_new(v, "second", json_object());
			break;
		case 1:
			json_object_set_new(le, "body", json_string("e30="));
			break; /* {} : not this ID */
		case 2:
			json_object_set_new(le, "body", json_string("not base64"));
			break;
		case 3:
			json_object_set_new(le, "logIndex", json_integer(-1));
			break;
		case 4:
			json_object_set_new(le, "logID", json_string("abcd"));
			break;
		case 5:
			json_object_del(le, "integratedTime");
			break;
		case 6: {
			json_t *h = json_object_get(
			    json_object_get(json_object_get(le, "verification"), "inclusionProof"), "hashes");
			json_array_set_new(h, 0, json_string("zz"));
			break;
		}
		case 7: {
			json_t *h = json_object_get(
			    json_object_get(json_object_get(le, "verification"), "inclusionProof"), "hashes");
			for (int i = 0; i < 70; i++)
				json_array_append_new(
				    h,
				    json_string(
				        "0000000000000000000000000000000000000000000000000000000000000000"));
			break;
		}
		case 8:
			json_object_del(
			    json_object_get(json_object_get(le, "verification"), "inclusionProof"),
			    "checkpoint");
			break;
		case 9:
			json_object_set_new(json_object_get(le, "verification"), "signedEntryTimestamp",
			                    json_string("!!"));
			break;
		case 10: {
			json_t *copy = json_deep_copy(le);
			json_decref(v);
			v = json_pack("{s:o}", "not-hex-at-all", copy);
			break;
		}
		}
		e = NULL;
		if (tlog_entry_from_rekor(v, &e, err, sizeof err) != CAIRN_ERR_INVALID)
			fail_msg("mutation %d was accepted", kind);
		assert_null(e);
		json_decref(v);
	}

	/* Without verification: an entry with neither SET nor proof. */
	v = rekor_json(f.e);
	json_object_del(inner(v), "verification");
	assert_int_equal(tlog_entry_from_rekor(v, &e, err, sizeof err), CAIRN_OK);
	assert_null(e->set);
	assert_int_equal(e->has_proof, 0);
	tlog_entry_free(e);
	json_decref(v);
	fx_free(&f);
}

static void test_entry_new(void **state)
{
	tlog_entry *e = NULL;
	char err[256];
	static const char *bad[] = {"",
	                            "[]",
	                            "{}",
	                            "{\"kind\":\"x\"}",
	                            "{\"kind\":1,\"apiVersion\":\"0.0.1\"}",
	                            "{\"kind\":\"aaaaaaaaaaaaaaaaaaaaa\",\"apiVersion\":\"0.0.1\"}",
	                            "{\"kind\":\"x\",\"kind\":\"y\",\"apiVersion\":\"0.0.1\"}",
	                            "not json"};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (tlog_entry_new((const uint8_t *)bad[i], strlen(bad[i]), &e, err, sizeof err) == CAIRN_OK)
			fail_msg("accepted %s", bad[i]);
	}
	char *big = calloc(1, ENTRY_MAX_CANONICAL + 2);
	memset(big, ' ', ENTRY_MAX_CANONICAL + 1);
	assert_int_equal(tlog_entry_new((const uint8_t *)big, ENTRY_MAX_CANONICAL + 1, &e, err, sizeof err),
	                 CAIRN_ERR_TOO_LARGE);
	free(big);
	uint8_t d[32] = {0}, sig[8] = {1};
	char *out;
	size_t len;
	keys_key *k;
	assert_int_equal(keys_generate(KEYS_ECDSA_P256, &k), CAIRN_OK);
	assert_int_equal(tlog_proposed_hashedrekord(KEYS_SHA384, d, 32, sig, 8, k, &out, &len),
	                 CAIRN_ERR_INVALID);
	keys_digest alg;
	assert_int_equal(tlog_signing_digest(k, &alg), CAIRN_OK);
	assert_int_equal(alg, KEYS_SHA256);
	keys_free(k);
	assert_int_equal(keys_generate(KEYS_ED25519, &k), CAIRN_OK);
	assert_int_equal(tlog_signing_digest(k, &alg), CAIRN_ERR_UNSUPPORTED);
	keys_free(k);
}

static void test_jsonx(void **state)
{
	uint64_t v;
	json_t *j = NULL;
	char err[256], line[16];
	(void)state;
	assert_int_equal(jsonx_parse_u64("0", 1, &v), CAIRN_OK);
	assert_int_equal(v, 0);
	assert_int_equal(jsonx_parse_u64("9223372036854775807", 19, &v), CAIRN_OK);
	assert_int_equal(v, INT64_MAX);
	static const char *bad[] = {
	    "", "01", "-1", "+1", "1 ", "9223372036854775808", "18446744073709551616", "1e3", "0x1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(jsonx_parse_u64(bad[i], strlen(bad[i]), &v), CAIRN_ERR_INVALID);

	assert_int_equal(jsonx_parse("{\"a\":1,\"a\":2}", 13, 100, "x", &j, err, sizeof err),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(jsonx_parse("{\"a\":\"\\u0000\"}", 14, 100, "x", &j, err, sizeof err),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(jsonx_parse("{}", 2, 1, "x", &j, err, sizeof err), CAIRN_ERR_TOO_LARGE);
	char deep[200];
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	assert_int_equal(jsonx_parse(deep, 66, 1000, "x", &j, err, sizeof err), CAIRN_ERR_INVALID);
	assert_int_equal(jsonx_parse(deep + 1, 64, 1000, "x", &j, err, sizeof err), CAIRN_OK);
	json_decref(j);
	/* Brackets in strings do not count as nesting. */
	assert_int_equal(jsonx_parse("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[\"]", 47, 1000, "x", &j,
	                             err, sizeof err),
	                 CAIRN_OK);
	json_decref(j);

	jsonx_oneline("a\nb\x1b[31mc", 9, line, sizeof line);
	assert_string_equal(line, "a?b?[31mc");
	jsonx_oneline("0123456789abcdefghij", 20, line, sizeof line);
	assert_string_equal(line, "0123456789ab...");
	assert_int_equal(strlen(line), sizeof line - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_verifies),    cmocka_unit_test(test_set_forgeries),
	    cmocka_unit_test(test_key_forgeries),       cmocka_unit_test(test_body_forgeries),
	    cmocka_unit_test(test_inclusion_forgeries), cmocka_unit_test(test_checkpoint_signers),
	    cmocka_unit_test(test_consistency),         cmocka_unit_test(test_rekor_entry),
	    cmocka_unit_test(test_entry_new),           cmocka_unit_test(test_jsonx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
