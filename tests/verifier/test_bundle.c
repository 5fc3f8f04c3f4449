/* Tests for verifier/bundle.c: Sigstore bundle v0.3 and cosign bundle
 * annotations round trip through their writers and bundle_parse with every
 * field intact, protobuf-JSON defaults are read as sigstore-js writes them,
 * and hostile bundles are refused with the right code. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../verifier/jsonx.c"
#include "../../verifier/tlog.c"
#include "../../verifier/bundle.c"
#include "../../verifier/client.c"
#include "../../verifier/verify.c"

#include "fixture.h"

static fixture F;

static int setup(void **state)
{
	(void)state;
	fx_make(&F, 9, 23);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(&F);
	return 0;
}

static char *sigstore_json(void)
{
	char hint[45], *out = NULL;
	size_t len;
	assert_int_equal(bundle_key_hint(F.signer, hint), CAIRN_OK);
	assert_int_equal(
	    bundle_sigstore_json(F.e, hint, KEYS_SHA256, F.digest, 32, F.sig, F.siglen, &out, &len),
	    CAIRN_OK);
	assert_int_equal(strlen(out), len);
	assert_int_equal(out[len - 1], '\n');
	return out;
}

static void assert_same_entry(const tlog_entry *a, const tlog_entry *b, int with_proof)
{
	assert_int_equal(a->log_index, b->log_index);
	assert_int_equal(a->integrated_time, b->integrated_time);
	assert_memory_equal(a->log_id, b->log_id, 32);
	assert_int_equal(a->body_len, b->body_len);
	assert_memory_equal(a->body, b->body, a->body_len);
	assert_memory_equal(a->leaf, b->leaf, 32);
	assert_string_equal(a->kind, b->kind);
	assert_string_equal(a->version, b->version);
	assert_int_equal(a->set_len, b->set_len);
	assert_memory_equal(a->set, b->set, a->set_len);
	assert_int_equal(a->has_proof, with_proof);
	if (with_proof) {
		assert_int_equal(a->proof_index, b->proof_index);
		assert_int_equal(a->tree_size, b->tree_size);
		assert_memory_equal(a->root, b->root, 32);
		assert_int_equal(a->nhashes, b->nhashes);
		assert_memory_equal(a->hashes, b->hashes, 32 * a->nhashes);
		assert_string_equal(a->checkpoint, b->checkpoint);
	}
}

static void test_sigstore_roundtrip(void **state)
{
	char *text = sigstore_json(), hint[45], err[256];
	bundle *b = NULL;
	verify_report rep = {0};
	(void)state;

	assert_int_equal(bundle_parse(text, strlen(text), &b, err, sizeof err), CAIRN_OK);
	assert_int_equal(b->format, BUNDLE_SIGSTORE);
	assert_int_equal(bundle_key_hint(F.signer, hint), CAIRN_OK);
	assert_string_equal(b->hint, hint);
	assert_int_equal(strlen(hint), 44);
	assert_int_equal(b->has_digest, 1);
	assert_int_equal(b->alg, KEYS_SHA256);
	assert_int_equal(b->digest_len, 32);
	assert_memory_equal(b->digest, F.digest, 32);
	assert_int_equal(b->sig_len, F.siglen);
	assert_memory_equal(b->sig, F.sig, F.siglen);
	assert_same_entry(b->tlog, F.e, 1);
	verify_input in = {F.signer, F.log_key,  b->alg,  b->digest, b->digest_len,
	                   b->sig,   b->sig_len, b->tlog, NULL};
	assert_int_equal(verify_logged_signature(&in, &rep, err, sizeof err), CAIRN_OK);
	/* Fields as protobuf JSON writes them: int64 as strings, bytes as base64. */
	json_t *v = json_loads(text, 0, NULL);
	json_t *te =
	    json_array_get(json_object_get(json_object_get(v, "verificationMaterial"), "tlogEntries"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "mediaType")), BUNDLE_MEDIA_TYPE);
	assert_true(json_is_string(json_object_get(te, "logIndex")));
	assert_true(json_is_string(json_object_get(te, "integratedTime")));
	assert_true(json_is_string(json_object_get(json_object_get(te, "inclusionProof"), "treeSize")));
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(v, "messageSignature"), "messageDigest"), "algorithm")),
	    "SHA2_256");
	json_decref(v);
	bundle_free(b);
	free(text);
}

static void test_cosign_roundtrip(void **state)
{
	char *text = NULL, err[256], *blob = NULL, *sigb64;
	size_t len;
	bundle *b = NULL;
	(void)state;

	assert_int_equal(bundle_cosign_json(F.e, &text, &len), CAIRN_OK);
	assert_int_equal(bundle_parse(text, len, &b, err, sizeof err), CAIRN_OK);
	assert_int_equal(b->format, BUNDLE_COSIGN_REKOR);
	assert_null(b->sig);
	assert_int_equal(b->has_digest, 0);
	assert_same_entry(b->tlog, F.e, 0);
	assert_int_equal(tlog_verify_set(b->tlog, F.log_key, err, sizeof err), CAIRN_OK);
	/* logID in hex, integers as JSON numbers, the key order cosign writes. */
	assert_non_null(strstr(text, "{\"SignedEntryTimestamp\":\""));
	assert_non_null(strstr(text, "\"integratedTime\":1700000000,\"logIndex\":9,\"logID\":\""));
	bundle_free(b);
	b = NULL;

	/* cosign sign-blob --bundle: the same inside rekorBundle, with the signature. */
	sigb64 = codec_b64_encode_alloc(F.sig, F.siglen);
	len = strlen(text) + strlen(sigb64) + 100;
	blob = malloc(len);
	snprintf(blob, len, "{\"base64Signature\":\"%s\",\"cert\":\"\",\"rekorBundle\":%s}", sigb64, text);
	assert_int_equal(bundle_parse(blob, strlen(blob), &b, err, sizeof err), CAIRN_OK);
	assert_int_equal(b->format, BUNDLE_COSIGN_BLOB);
	assert_int_equal(b->sig_len, F.siglen);
	assert_memory_equal(b->sig, F.sig, F.siglen);
	bundle_free(b);
	snprintf(blob, len, "{\"base64Signature\":\"%s\",\"cert\":\"LS0t\",\"rekorBundle\":%s}", sigb64,
	         text);
	assert_int_equal(bundle_parse(blob, strlen(blob), &b, err, sizeof err), CAIRN_ERR_UNSUPPORTED);
	free(sigb64);
	free(blob);
	free(text);
}

/* Parses the v0.3 bundle after mutate() and returns bundle_parse's code. */
typedef void (*mutator)(json_t *root, json_t *tlog);

static int parse_mutated(mutator m, bundle **out)
{
	char *text = sigstore_json(), err[256], *again;
	json_t *v = json_loads(text, 0, NULL);
	json_t *te =
	    json_array_get(json_object_get(json_object_get(v, "verificationMaterial"), "tlogEntries"), 0);
	bundle *b = NULL;
	int rc;
	m(v, te);
	again = json_dumps(v, JSON_COMPACT);
	rc = bundle_parse(again, strlen(again), &b, err, sizeof err);
	if (out)
		*out = b;
	else
		bundle_free(b);
	free(again);
	free(text);
	json_decref(v);
	return rc;
}

#define OBJ(o, k) json_object_get((o), (k))

/* sigstore-js leaves out protobuf defaults: logIndex 0 and empty hashes. */
static void m_defaults(json_t *v, json_t *te)
{
	(void)v;
	json_object_del(te, "logIndex");
	json_object_del(OBJ(te, "inclusionProof"), "logIndex");
	json_object_del(OBJ(te, "inclusionProof"), "hashes");
}
static void m_number_index(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_integer(9));
}
static void test_protobuf_forms(void **state)
{
	bundle *b = NULL;
	(void)state;
	assert_int_equal(parse_mutated(m_defaults, &b), CAIRN_OK);
	assert_int_equal(b->tlog->log_index, 0);
	assert_int_equal(b->tlog->proof_index, 0);
	assert_int_equal(b->tlog->nhashes, 0);
	bundle_free(b);
	assert_int_equal(parse_mutated(m_number_index, &b), CAIRN_OK);
	assert_int_equal(b->tlog->log_index, 9);
	bundle_free(b);
}

static void m_media(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(v, "mediaType", json_string("application/json"));
}
static void m_no_vm(json_t *v, json_t *te)
{
	(void)te;
	json_object_del(v, "verificationMaterial");
}
static void m_cert(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(v, "verificationMaterial"), "certificate",
	                    json_pack("{s:s}", "rawBytes", "AAAA"));
}
static void m_dsse(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(v, "dsseEnvelope", json_object());
}
static void m_no_tlog(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(v, "verificationMaterial"), "tlogEntries", json_array());
}
static void m_two_tlog(json_t *v, json_t *te)
{
	json_array_append(OBJ(OBJ(v, "verificationMaterial"), "tlogEntries"), te);
}
static void m_kind(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "kindVersion"), "version", json_string("0.0.2"));
}
static void m_kind2(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "kindVersion"), "kind", json_string("dsse"));
}
static void m_no_kind(json_t *v, json_t *te)
{
	(void)v;
	json_object_del(te, "kindVersion");
}
static void m_logid(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "logId"), "keyId", json_string("AAAA"));
}
static void m_logid_hex(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "logId"), "keyId",
	                    json_string("0000000000000000000000000000000000000000000000000000000000000000"));
}
static void m_index_str(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_string("09"));
}
static void m_index_neg(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_string("-9"));
}
static void m_index_big(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_string("9223372036854775808"));
}
static void m_index_float(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_real(9.0));
}
static void m_time(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "integratedTime", json_string("soon"));
}
static void m_set(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "inclusionPromise"), "signedEntryTimestamp", json_string("not base64!"));
}
static void m_set_empty(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "inclusionPromise"), "signedEntryTimestamp", json_string(""));
}
static void m_hash_len(json_t *v, json_t *te)
{
	(void)v;
	json_array_set_new(OBJ(OBJ(te, "inclusionProof"), "hashes"), 0, json_string("AAAA"));
}
static void m_hash_type(json_t *v, json_t *te)
{
	(void)v;
	json_array_set_new(OBJ(OBJ(te, "inclusionProof"), "hashes"), 0, json_integer(1));
}
static void m_hashes_many(json_t *v, json_t *te)
{
	json_t *h = OBJ(OBJ(te, "inclusionProof"), "hashes");
	(void)v;
	for (int i = 0; i < 70; i++)
		json_array_append_new(h, json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}
static void m_root(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "inclusionProof"), "rootHash", json_string("AA=="));
}
static void m_no_cp(json_t *v, json_t *te)
{
	(void)v;
	json_object_del(OBJ(te, "inclusionProof"), "checkpoint");
}
static void m_cp_type(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(OBJ(te, "inclusionProof"), "checkpoint", json_string("a note, not {envelope}"));
}
static void m_body(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "canonicalizedBody", json_string("bm90IGpzb24="));
}
static void m_no_body(json_t *v, json_t *te)
{
	(void)v;
	json_object_del(te, "canonicalizedBody");
}
static void m_alg(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(OBJ(v, "messageSignature"), "messageDigest"), "algorithm",
	                    json_string("MD5"));
}
static void m_digest_len(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(OBJ(v, "messageSignature"), "messageDigest"), "digest", json_string("AAAA"));
}
static void m_no_sig(json_t *v, json_t *te)
{
	(void)te;
	json_object_del(OBJ(v, "messageSignature"), "signature");
}
static void m_no_msg(json_t *v, json_t *te)
{
	(void)te;
	json_object_del(v, "messageSignature");
}
static void m_pk_type(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(v, "verificationMaterial"), "publicKey", json_string("hint"));
}

static void test_hostile_fields(void **state)
{
	static const struct {
		mutator m;
		int want;
		const char *what;
	} cases[] = {
	    {m_media, CAIRN_ERR_UNSUPPORTED, "unknown mediaType"},
	    {m_no_vm, CAIRN_ERR_INVALID, "no verificationMaterial"},
	    {m_cert, CAIRN_ERR_UNSUPPORTED, "certificate"},
	    {m_dsse, CAIRN_ERR_UNSUPPORTED, "dsseEnvelope"},
	    {m_no_tlog, CAIRN_ERR_UNSUPPORTED, "no tlog entry"},
	    {m_two_tlog, CAIRN_ERR_UNSUPPORTED, "two tlog entries"},
	    {m_kind, CAIRN_ERR_VERIFY, "kindVersion version is not the body's"},
	    {m_kind2, CAIRN_ERR_VERIFY, "kindVersion kind is not the body's"},
	    {m_no_kind, CAIRN_ERR_INVALID, "no kindVersion"},
	    {m_logid, CAIRN_ERR_INVALID, "short logId"},
	    {m_logid_hex, CAIRN_ERR_INVALID, "hex logId"},
	    {m_index_str, CAIRN_ERR_INVALID, "logIndex with a leading zero"},
	    {m_index_neg, CAIRN_ERR_INVALID, "negative logIndex"},
	    {m_index_big, CAIRN_ERR_INVALID, "logIndex over int64"},
	    {m_index_float, CAIRN_ERR_INVALID, "logIndex as a float"},
	    {m_time, CAIRN_ERR_INVALID, "integratedTime not a number"},
	    {m_set, CAIRN_ERR_INVALID, "SET not base64"},
	    {m_set_empty, CAIRN_ERR_INVALID, "empty SET"},
	    {m_hash_len, CAIRN_ERR_INVALID, "short proof hash"},
	    {m_hash_type, CAIRN_ERR_INVALID, "proof hash not a string"},
	    {m_hashes_many, CAIRN_ERR_INVALID, "too many proof hashes"},
	    {m_root, CAIRN_ERR_INVALID, "short root"},
	    {m_no_cp, CAIRN_ERR_INVALID, "proof without checkpoint"},
	    {m_cp_type, CAIRN_ERR_INVALID, "checkpoint not an object"},
	    {m_body, CAIRN_ERR_INVALID, "body not JSON"},
	    {m_no_body, CAIRN_ERR_INVALID, "no body"},
	    {m_alg, CAIRN_ERR_UNSUPPORTED, "MD5"},
	    {m_digest_len, CAIRN_ERR_INVALID, "short digest"},
	    {m_no_sig, CAIRN_ERR_INVALID, "no signature"},
	    {m_no_msg, CAIRN_ERR_INVALID, "no messageSignature"},
	    {m_pk_type, CAIRN_ERR_INVALID, "publicKey not an object"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = parse_mutated(cases[i].m, NULL);
		if (rc != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].what, rc, cases[i].want);
	}
}

static void test_hostile_text(void **state)
{
	char err[256], *big;
	bundle *b = NULL;
	static const char *bad[] = {
	    "",
	    "[]",
	    "null",
	    "{}",
	    "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"mediaType\":\"x\"}",
	    "{\"SignedEntryTimestamp\":\"AAAA\"}",
	    "{\"SignedEntryTimestamp\":\"AAAA\",\"Payload\":{\"body\":\"e30=\"}}",
	    "{\"rekorBundle\":{}}",
	    "{\"mediaType\":1}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = bundle_parse(bad[i], strlen(bad[i]), &b, err, sizeof err);
		if (rc == CAIRN_OK)
			fail_msg("accepted %s", bad[i]);
		assert_null(b);
	}
	big = malloc(BUNDLE_MAX + 2);
	memset(big, ' ', BUNDLE_MAX + 1);
	big[0] = '{';
	big[BUNDLE_MAX] = '}';
	assert_int_equal(bundle_parse(big, BUNDLE_MAX + 1, &b, err, sizeof err), CAIRN_ERR_TOO_LARGE);
	memset(big, '[', 100);
	memset(big + 100, ']', 100);
	assert_int_equal(bundle_parse(big, 200, &b, err, sizeof err), CAIRN_ERR_INVALID);
	free(big);
	/* Text after the value, and a NUL inside the text. */
	char *text = sigstore_json();
	size_t len = strlen(text);
	text[len - 1] = 'x';
	assert_int_equal(bundle_parse(text, len, &b, err, sizeof err), CAIRN_ERR_INVALID);
	text[len - 1] = '\n';
	text[30] = '\0';
	assert_int_equal(bundle_parse(text, len, &b, err, sizeof err), CAIRN_ERR_INVALID);
	free(text);
}

/* A bundle that parses but lies: verification names what is wrong. */
static void m_tamper_index(json_t *v, json_t *te)
{
	(void)v;
	json_object_set_new(te, "logIndex", json_string("10"));
}
static void m_tamper_digest(json_t *v, json_t *te)
{
	(void)te;
	json_object_set_new(OBJ(OBJ(v, "messageSignature"), "messageDigest"), "digest",
	                    json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}
static void test_verify_parsed_forgeries(void **state)
{
	bundle *b = NULL;
	char err[256];
	verify_report rep = {0};
	(void)state;
	assert_int_equal(parse_mutated(m_tamper_index, &b), CAIRN_OK);
	verify_input in = {F.signer, F.log_key, KEYS_SHA256, F.digest, 32, b->sig, b->sig_len, b->tlog, NULL};
	assert_int_equal(verify_logged_signature(&in, &rep, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_memory_equal(err, "SET:", 4);
	bundle_free(b);
	assert_int_equal(parse_mutated(m_tamper_digest, &b), CAIRN_OK);
	assert_memory_not_equal(b->digest, F.digest, 32);
	bundle_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigstore_roundtrip), cmocka_unit_test(test_cosign_roundtrip),
	    cmocka_unit_test(test_protobuf_forms),     cmocka_unit_test(test_hostile_fields),
	    cmocka_unit_test(test_hostile_text),       cmocka_unit_test(test_verify_parsed_forgeries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
