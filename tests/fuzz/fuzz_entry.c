/* Fuzz target: proposed entries (entry_from_proposed, entry_lookup_from_json,
 * entry_parse_hashedrekord), seeded with validly signed hashedrekord and dsse
 * entries for every supported key type.
 *
 * Invariants, for every input:
 *  - the result is one of the documented codes, and the error message is
 *    NUL-terminated printable ASCII;
 *  - an accepted entry is verified, at most ENTRY_MAX_CANONICAL bytes, its
 *    leaf hash is merkle_leaf_hash(canonical), its canonical body is a JCS
 *    fixed point (canonicalize is idempotent), and its index keys are
 *    lowercase printable ASCII of the stated length;
 *  - canonicalization is idempotent on entries: a hashedrekord body proposed
 *    again gives the same bytes, a dsse body looked up gives the same bytes
 *    (and is not "verified"); entry_parse_hashedrekord reads the body back;
 *  - verification never accepts a mutated input: the accepted entry with
 *    its digest, its signature or its DSSE payload changed is refused. */
#include "fuzz.h"

#include <jansson.h>

#include "codec.h"
#include "entry.h"
#include "jcs.h"
#include "merkle.h"

static int documented(int rc)
{
	return rc == CAIRN_ERR_TOO_LARGE || rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_SCHEMA ||
	       rc == CAIRN_ERR_UNSUPPORTED || rc == CAIRN_ERR_VERIFY;
}

static void check_err(int rc, const char *err)
{
	FUZZ_CHECK(documented(rc), "undocumented error %d (%s)", rc, err);
	size_t n = strnlen(err, 256);
	FUZZ_CHECK(n < 256 && n > 0, "error message not terminated or empty");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f, "unprintable error message byte");
}

static void check_entry(const entry *e)
{
	FUZZ_CHECK(e->canonical && e->canonical_len > 0 && e->canonical_len <= ENTRY_MAX_CANONICAL,
	           "canonical size");
	FUZZ_CHECK(e->canonical[e->canonical_len] == '\0', "canonical not NUL-terminated");
	uint8_t leaf[32];
	merkle_leaf_hash((const uint8_t *)e->canonical, e->canonical_len, leaf);
	FUZZ_CHECK(memcmp(leaf, e->leaf, 32) == 0, "leaf hash is not the canonical body's");
	FUZZ_CHECK(e->nkeys <= ENTRY_MAX_KEYS, "nkeys %zu", e->nkeys);
	for (size_t i = 0; i < e->nkeys; i++) {
		const entry_index_key *k = &e->keys[i];
		FUZZ_CHECK(k->len > 0 && k->len <= ENTRY_MAX_KEY_LEN && strlen(k->value) == k->len,
		           "key length");
		for (size_t j = 0; j < k->len; j++)
			FUZZ_CHECK(k->value[j] >= 0x20 && k->value[j] < 0x7f &&
			               !(k->value[j] >= 'A' && k->value[j] <= 'Z'),
			           "key byte");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(e->keys[j].value, k->value) != 0, "duplicate index key %s",
			           k->value);
	}
	/* The canonical body is a JCS fixed point. */
	json_error_t jerr;
	json_t *v = json_loadb(e->canonical, e->canonical_len, JSON_REJECT_DUPLICATES, &jerr);
	FUZZ_CHECK(v != NULL, "canonical body is not JSON: %s", fuzz_show(e->canonical, e->canonical_len));
	char *c2 = NULL;
	size_t c2len = 0;
	FUZZ_CHECK(jcs_serialize(v, &c2, &c2len) == CAIRN_OK && c2len == e->canonical_len &&
	               memcmp(c2, e->canonical, c2len) == 0,
	           "canonical body is not canonical JSON");
	free(c2);
	json_decref(v);
}

/* Re-submits text; must be refused (a mutated entry). */
static void expect_refused(const char *what, json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	entry *e = NULL;
	char err[256] = "";
	int rc = entry_from_proposed(text, strlen(text), &e, err, sizeof err);
	FUZZ_CHECK(rc != CAIRN_OK, "%s was accepted: %s", what, fuzz_show(text, strlen(text)));
	check_err(rc, err);
	free(text);
}

/* A copy of the string member at path with one character changed. */
static void mutate_string(json_t *obj, const char *key, int b64)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s)
		return;
	size_t n = strlen(s);
	if (b64) {
		uint8_t *raw = NULL;
		size_t rl = 0;
		if (codec_b64_decode_alloc(s, n, 1 << 20, &raw, &rl) || rl == 0) {
			free(raw);
			return;
		}
		raw[rl / 2] ^= 0x01;
		char *enc = codec_b64_encode_alloc(raw, rl);
		json_object_set_new(obj, key, json_string(enc));
		free(enc);
		free(raw);
	} else {
		/* The first digit: ECDSA signs only the leftmost field-size bits of a
		 * longer digest (P-256 with sha512), as Go and Rekor do, so only
		 * those bits are bound by the signature. */
		char *m = strdup(s);
		if (n)
			m[0] = m[0] == '0' ? '1' : '0';
		json_object_set_new(obj, key, json_string(m));
		free(m);
	}
}

static void mutations(const char *data, size_t size, const entry *e)
{
	json_error_t jerr;
	json_t *v = json_loadb(data, size, JSON_DECODE_ANY, &jerr);
	FUZZ_CHECK(v != NULL, "accepted text does not parse");
	json_t *spec = json_object_get(v, "spec");
	if (strcmp(e->kind, "hashedrekord") == 0) {
		json_t *hash = json_object_get(json_object_get(spec, "data"), "hash");
		json_t *sig = json_object_get(spec, "signature");
		json_t *m = json_deep_copy(v);
		mutate_string(json_object_get(json_object_get(json_object_get(m, "spec"), "data"), "hash"),
		              "value", 0);
		expect_refused("a hashedrekord with another digest", m);
		json_decref(m);
		m = json_deep_copy(v);
		mutate_string(json_object_get(json_object_get(m, "spec"), "signature"), "content", 1);
		expect_refused("a hashedrekord with a flipped signature bit", m);
		json_decref(m);
		(void)hash;
		(void)sig;
	} else {
		json_t *pc = json_object_get(spec, "proposedContent");
		const char *envs = json_string_value(json_object_get(pc, "envelope"));
		json_t *env = envs ? json_loads(envs, JSON_DECODE_ANY, &jerr) : NULL;
		if (env && json_is_object(env)) {
			json_t *m = json_deep_copy(v), *env2 = json_deep_copy(env);
			const char *pay = json_string_value(json_object_get(env2, "payload"));
			if (pay && strlen(pay) > 0) {
				mutate_string(env2, "payload", 1);
			} else {
				/* An empty payload: give it one byte. */
				json_object_set_new(env2, "payload", json_string("AA=="));
			}
			char *es = json_dumps(env2, JSON_COMPACT);
			json_object_set_new(json_object_get(json_object_get(m, "spec"), "proposedContent"),
			                    "envelope", json_string(es));
			free(es);
			expect_refused("a dsse envelope with another payload", m);
			json_decref(m);
			json_decref(env2);
			m = json_deep_copy(v);
			env2 = json_deep_copy(env);
			json_t *ptype = json_object_get(env2, "payloadType");
			if (json_is_string(ptype)) {
				char *t = malloc(json_string_length(ptype) + 2);
				memcpy(t, json_string_value(ptype), json_string_length(ptype));
				t[json_string_length(ptype)] = 'x';
				t[json_string_length(ptype) + 1] = '\0';
				json_object_set_new(env2, "payloadType", json_string(t));
				free(t);
				es = json_dumps(env2, JSON_COMPACT);
				json_object_set_new(
				    json_object_get(json_object_get(m, "spec"), "proposedContent"),
				    "envelope", json_string(es));
				free(es);
				expect_refused("a dsse envelope with another payloadType", m);
			}
			json_decref(m);
			json_decref(env2);
		}
		json_decref(env);
	}
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	entry *e = NULL;
	char err[256];
	memset(err, 'X', sizeof err);
	int rc = entry_from_proposed(text, size, &e, err, sizeof err);
	if (rc != CAIRN_OK) {
		check_err(rc, err);
		FUZZ_CHECK(e == NULL, "*out set on failure");
	} else {
		FUZZ_CHECK(e->verified == 1, "entry_from_proposed gave an unverified entry");
		FUZZ_CHECK(strcmp(e->kind, "hashedrekord") == 0 || strcmp(e->kind, "dsse") == 0, "kind");
		FUZZ_CHECK(strcmp(e->version, "0.0.1") == 0, "version");
		check_entry(e);
		if (strcmp(e->kind, "hashedrekord") == 0) {
			/* Proposing the canonical body again is a no-op. */
			entry *e2 = NULL;
			int rc2 = entry_from_proposed(e->canonical, e->canonical_len, &e2, err, sizeof err);
			FUZZ_CHECK(rc2 == CAIRN_OK, "canonical hashedrekord refused: %s", err);
			FUZZ_CHECK(e2->canonical_len == e->canonical_len &&
			               memcmp(e2->canonical, e->canonical, e->canonical_len) == 0,
			           "canonicalize is not idempotent");
			FUZZ_CHECK(e2->nkeys == e->nkeys, "index keys differ");
			entry_free(e2);
			entry_hashedrekord *h = NULL;
			FUZZ_CHECK(entry_parse_hashedrekord((const uint8_t *)e->canonical, e->canonical_len,
			                                    &h) == CAIRN_OK,
			           "canonical body does not parse back");
			FUZZ_CHECK(h->digest_len == 32 || h->digest_len == 48 || h->digest_len == 64,
			           "digest length");
			FUZZ_CHECK(h->sig_len > 0 && h->pem_len > 0 && h->pem[h->pem_len] == '\0', "fields");
			entry_hashedrekord_free(h);
		} else {
			/* A dsse body is logged in its canonical form, which a lookup accepts. */
			json_error_t jerr;
			json_t *v = json_loadb(e->canonical, e->canonical_len, 0, &jerr);
			entry *e2 = NULL;
			int rc2 = entry_lookup_from_json(v, &e2, err, sizeof err);
			FUZZ_CHECK(rc2 == CAIRN_OK, "canonical dsse refused by lookup: %s", err);
			FUZZ_CHECK(e2->verified == 0, "a canonical dsse lookup claims to be verified");
			FUZZ_CHECK(e2->canonical_len == e->canonical_len &&
			               memcmp(e2->canonical, e->canonical, e->canonical_len) == 0,
			           "dsse canonicalize is not idempotent");
			entry_free(e2);
			/* ...but can never be appended as a proposal. */
			e2 = NULL;
			rc2 = entry_from_json(v, &e2, err, sizeof err);
			FUZZ_CHECK(rc2 != CAIRN_OK,
			           "a canonical dsse body was accepted as a verified proposal");
			json_decref(v);
		}
		mutations(text, size, e);
	}
	/* The lookup path over the same value. */
	json_error_t jerr;
	json_t *v = size <= ENTRY_MAX_INPUT
	                ? json_loadb(text, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr)
	                : NULL;
	if (v) {
		entry *l = NULL;
		int rl = entry_lookup_from_json(v, &l, err, sizeof err);
		if (rl == CAIRN_OK) {
			check_entry(l);
			if (l->verified) {
				FUZZ_CHECK(rc == CAIRN_OK && l->canonical_len == e->canonical_len &&
				               memcmp(l->canonical, e->canonical, l->canonical_len) == 0,
				           "lookup and proposal disagree");
			}
			entry_free(l);
		} else {
			check_err(rl, err);
		}
		json_decref(v);
	}
	entry_hashedrekord *h = NULL;
	if (entry_parse_hashedrekord(data, size, &h) == CAIRN_OK)
		entry_hashedrekord_free(h);
	entry_free(e);
	return 0;
}
