/* Tests for log/jcs.c: RFC 8785 known answers, and inputs it must refuse. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "jcs.h"

/* Failure must leave the out-parameters alone; these are what they hold. */
static char untouched[] = "untouched";
#define UNTOUCHED_LEN ((size_t)12345)

static json_t *load(const char *text, size_t flags)
{
	json_error_t err;
	json_t *v = json_loads(text, flags, &err);

	if (!v)
		fail_msg("json_loads: %s at line %d col %d", err.text, err.line, err.column);
	return v;
}

/* Serializes v, which must succeed, and checks the reported length. */
static char *canon(const json_t *v)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(jcs_serialize(v, &out, &len), CAIRN_OK);
	assert_non_null(out);
	assert_int_equal(out[len], '\0');
	return out;
}

static void assert_canon(const json_t *v, const char *expected, size_t explen)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(jcs_serialize(v, &out, &len), CAIRN_OK);
	if (len != explen || memcmp(out, expected, len) != 0)
		fail_msg("got %.*s\nwant %.*s", (int)len, out, (int)explen, expected);
	assert_int_equal(out[len], '\0');
	free(out);
}

/* For expectations without an embedded NUL. */
#define ASSERT_CANON(v, s) assert_canon((v), (s), strlen(s))

static void assert_rejected(const json_t *v, int want)
{
	char *out = untouched;
	size_t len = UNTOUCHED_LEN;

	assert_int_equal(jcs_serialize(v, &out, &len), want);
	assert_ptr_equal(out, untouched);
	assert_int_equal(len, UNTOUCHED_LEN);
}

static double from_bits(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof d);
	return d;
}

/* RFC 8785 §3.2.2 input; §3.2.3 gives its canonical form and §3.2.4 the bytes. */
static const char rfc_example_in[] =
	"{\n"
	"  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
	"              2e-3, 0.000000000000000000000000001],\n"
	"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
	"  \"literals\": [null, true, false]\n"
	"}";

static void test_rfc_example(void **state)
{
	static const char want[] =
		"{\"literals\":[null,true,false],"
		"\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
		"\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
	/* §3.2.4, the UTF-8 of the canonical form in hex. */
	static const uint8_t want_bytes[] = {
		0x7b, 0x22, 0x6c, 0x69, 0x74, 0x65, 0x72, 0x61, 0x6c, 0x73, 0x22, 0x3a, 0x5b, 0x6e,
		0x75, 0x6c, 0x6c, 0x2c, 0x74, 0x72, 0x75, 0x65, 0x2c, 0x66, 0x61, 0x6c, 0x73, 0x65,
		0x5d, 0x2c, 0x22, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x73, 0x22, 0x3a, 0x5b, 0x33,
		0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x2e, 0x33, 0x33, 0x33, 0x33, 0x33,
		0x33, 0x33, 0x2c, 0x31, 0x65, 0x2b, 0x33, 0x30, 0x2c, 0x34, 0x2e, 0x35, 0x2c, 0x30,
		0x2e, 0x30, 0x30, 0x32, 0x2c, 0x31, 0x65, 0x2d, 0x32, 0x37, 0x5d, 0x2c, 0x22, 0x73,
		0x74, 0x72, 0x69, 0x6e, 0x67, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0xac, 0x24, 0x5c, 0x75,
		0x30, 0x30, 0x30, 0x66, 0x5c, 0x6e, 0x41, 0x27, 0x42, 0x5c, 0x22, 0x5c, 0x5c, 0x5c,
		0x5c, 0x5c, 0x22, 0x2f, 0x22, 0x7d};
	json_t *v = load(rfc_example_in, 0);
	char *out = NULL;
	size_t len = 0;

	(void)state;
	ASSERT_CANON(v, want);
	assert_int_equal(jcs_serialize(v, &out, &len), CAIRN_OK);
	assert_int_equal(len, sizeof want_bytes);
	assert_memory_equal(out, want_bytes, sizeof want_bytes);
	free(out);
	json_decref(v);
}

static const char rfc_sorting_in[] =
	"{\n"
	"  \"\\u20ac\": \"Euro Sign\",\n"
	"  \"\\r\": \"Carriage Return\",\n"
	"  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
	"  \"1\": \"One\",\n"
	"  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
	"  \"\\u0080\": \"Control\",\n"
	"  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
	"}";

/* RFC 8785 §3.2.3: the emoji (D83D DE00 in UTF-16) must precede U+FB33,
 * which code point or UTF-8 byte order would get wrong. */
static void test_rfc_sorting(void **state)
{
	static const char want[] =
		"{\"\\r\":\"Carriage Return\","
		"\"1\":\"One\","
		"\"\xc2\x80\":\"Control\","
		"\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
		"\"\xe2\x82\xac\":\"Euro Sign\","
		"\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
		"\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
	json_t *v = load(rfc_sorting_in, 0);

	(void)state;
	ASSERT_CANON(v, want);
	json_decref(v);
}

/* The UTF-16 edges around the surrogate block, prefixes, an empty key and
 * a key holding U+0000, inserted out of order. */
static void test_utf16_key_order(void **state)
{
	static const char want[] = "{\"\":0,\"a\":1,\"a\\u0000b\":2,\"ab\":3,"
				   "\"\xed\x9f\xbf\":4,"
				   "\"\xf0\x90\x80\x80\":5,"
				   "\"\xee\x80\x80\":6,"
				   "\"\xef\xbf\xbf\":7}";
	json_t *v = json_object();

	(void)state;
	assert_non_null(v);
	assert_int_equal(json_object_set_new(v, "\xef\xbf\xbf", json_integer(7)), 0);     /* U+FFFF */
	assert_int_equal(json_object_set_new(v, "\xf0\x90\x80\x80", json_integer(5)), 0); /* U+10000 */
	assert_int_equal(json_object_set_new(v, "ab", json_integer(3)), 0);
	assert_int_equal(json_object_set_new(v, "\xee\x80\x80", json_integer(6)), 0); /* U+E000 */
	assert_int_equal(json_object_setn_new(v, "a\0b", 3, json_integer(2)), 0);
	assert_int_equal(json_object_set_new(v, "\xed\x9f\xbf", json_integer(4)), 0); /* U+D7FF */
	assert_int_equal(json_object_set_new(v, "a", json_integer(1)), 0);
	assert_int_equal(json_object_set_new(v, "", json_integer(0)), 0);
	ASSERT_CANON(v, want);
	json_decref(v);
}

/* RFC 8785 Appendix B, all finite rows. */
static void test_rfc_numbers(void **state)
{
	static const struct {
		uint64_t bits;
		const char *want;
	} rows[] = {
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"}, /* round to even */
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *v = json_real(from_bits(rows[i].bits));
		assert_non_null(v);
		ASSERT_CANON(v, rows[i].want);
		json_decref(v);
	}
}

/* Further ECMAScript answers, taken from Node's Number.prototype.toString:
 * the edges of plain notation, and powers of two whose nearest short decimal
 * falls outside their lopsided rounding interval. */
static void test_more_numbers(void **state)
{
	static const struct {
		uint64_t bits;
		const char *want;
	} rows[] = {
		{0x3ff0000000000000, "1"},
		{0xbff0000000000000, "-1"},
		{0x4059000000000000, "100"},
		{0x3fb999999999999a, "0.1"},
		{0x3fd3333333333333, "0.3"},
		{0x4011666666666666, "4.35"},
		{0x4415af1d78b58c40, "100000000000000000000"}, /* 1e20 */
		{0x3e7ad7f29abcaf48, "1e-7"},
		{0x3e8421f5f40d8376, "1.5e-7"},
		{0x3eb4b3fd5942cd96, "0.000001234"},
		{0x0010000000000000, "2.2250738585072014e-308"},
		{0x7fe0000000000000, "8.98846567431158e+307"},
		{0x0060000000000000, "7.120236347223045e-307"},
		{0x2d70000000000000, "7.854549544476363e-90"},
		{0x3730000000000000, "7.174648137343064e-43"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *v = json_real(from_bits(rows[i].bits));
		assert_non_null(v);
		ASSERT_CANON(v, rows[i].want);
		json_decref(v);
	}
}

/* jansson's own integers: exact up to 2^53, the nearest double beyond. */
static void test_integers(void **state)
{
	static const struct {
		json_int_t i;
		const char *want;
	} rows[] = {
		{0, "0"},
		{-1, "-1"},
		{42, "42"},
		{9007199254740992LL, "9007199254740992"},
		{-9007199254740992LL, "-9007199254740992"},
		{9007199254740993LL, "9007199254740992"},
		{-9007199254740995LL, "-9007199254740996"},
		{LLONG_MAX, "9223372036854776000"},
		{LLONG_MIN, "-9223372036854776000"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *v = json_integer(rows[i].i);
		assert_non_null(v);
		ASSERT_CANON(v, rows[i].want);
		json_decref(v);
	}
}

/* jansson's private json_real_t in 2.14: { json_t json; double value; }. */
struct real_mirror {
	json_t json;
	double value;
};

/* json_real() and jansson's parser refuse NaN and Infinity, so the only way
 * to show jcs_serialize refusing them is to write one into a real's storage. */
static json_t *forged_real(double d)
{
	json_t *v = json_real(0.5);
	double probe = 2.5;

	assert_non_null(v);
	assert_null(json_real(d));
	/* If jansson's layout ever moves, fail here rather than test nothing. */
	memcpy((char *)v + offsetof(struct real_mirror, value), &probe, sizeof probe);
	assert_true(json_real_value(v) == 2.5);
	memcpy((char *)v + offsetof(struct real_mirror, value), &d, sizeof d);
	return v;
}

static void test_nonfinite_rejected(void **state)
{
	static const uint64_t bad[] = {
		0x7fffffffffffffff, /* NaN, Appendix B */
		0x7ff0000000000000, /* Infinity, Appendix B */
		0xfff0000000000000, /* -Infinity */
		0xfff8000000000000, /* another NaN */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = forged_real(from_bits(bad[i]));
		json_t *doc = json_pack("{s:[i,O]}", "x", 1, r);

		assert_non_null(doc);
		assert_rejected(r, CAIRN_ERR_INVALID);
		assert_rejected(doc, CAIRN_ERR_INVALID);
		json_decref(doc);
		json_decref(r);
	}
}

/* Every control character, and the characters JSON.stringify leaves alone. */
static void test_string_escapes(void **state)
{
	static const char *const want[32] = {
		"\"\\u0000\"", "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"", "\"\\u0004\"",
		"\"\\u0005\"", "\"\\u0006\"", "\"\\u0007\"", "\"\\b\"",     "\"\\t\"",
		"\"\\n\"",     "\"\\u000b\"", "\"\\f\"",     "\"\\r\"",     "\"\\u000e\"",
		"\"\\u000f\"", "\"\\u0010\"", "\"\\u0011\"", "\"\\u0012\"", "\"\\u0013\"",
		"\"\\u0014\"", "\"\\u0015\"", "\"\\u0016\"", "\"\\u0017\"", "\"\\u0018\"",
		"\"\\u0019\"", "\"\\u001a\"", "\"\\u001b\"", "\"\\u001c\"", "\"\\u001d\"",
		"\"\\u001e\"", "\"\\u001f\"",
	};
	json_t *v;

	(void)state;
	for (int c = 0; c < 32; c++) {
		char s[1] = {(char)c};
		v = json_stringn(s, 1);
		assert_non_null(v);
		ASSERT_CANON(v, want[c]);
		json_decref(v);
	}
	v = json_string("a\"b\\c/d\x7f \xc3\xa9\xf4\x8f\xbf\xbf");
	assert_non_null(v);
	ASSERT_CANON(v, "\"a\\\"b\\\\c/d\x7f \xc3\xa9\xf4\x8f\xbf\xbf\"");
	json_decref(v);
	v = json_string("");
	assert_non_null(v);
	ASSERT_CANON(v, "\"\"");
	json_decref(v);
}

/* Strings are counted, not NUL-terminated: text after a U+0000 survives. */
static void test_embedded_nul(void **state)
{
	static const char want[] = "[\"a\\u0000b\",{\"k\\u0000\":\"\\u0000\"}]";
	json_t *v = json_array(), *o = json_object();

	(void)state;
	assert_non_null(v);
	assert_non_null(o);
	assert_int_equal(json_array_append_new(v, json_stringn("a\0b", 3)), 0);
	assert_int_equal(json_object_setn_new(o, "k\0", 2, json_stringn("\0", 1)), 0);
	assert_int_equal(json_array_append_new(v, o), 0);
	ASSERT_CANON(v, want);
	json_decref(v);
}

/* jansson's _nocheck constructors skip UTF-8 validation, so these reach
 * jcs_serialize; a second spelling of a character must not get through. */
static void test_invalid_utf8_rejected(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{"\xff", 1},                 /* never valid */
		{"\x80", 1},                 /* lone continuation */
		{"\xc0\x80", 2},             /* overlong U+0000 */
		{"\xc1\xbf", 2},             /* overlong U+007F */
		{"\xe0\x80\xaf", 3},         /* overlong '/' */
		{"\xf0\x8f\xbf\xbf", 4},     /* overlong U+FFFF */
		{"\xed\xa0\x80", 3},         /* surrogate U+D800 */
		{"\xed\xbf\xbf", 3},         /* surrogate U+DFFF */
		{"\xf4\x90\x80\x80", 4},     /* U+110000 */
		{"\xf8\x88\x80\x80\x80", 5}, /* five-byte form */
		{"\xe2\x82", 2},             /* truncated */
		{"a\xc3", 2},                /* truncated at the end */
		{"\xe2\x28\xa1", 3},         /* bad continuation */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *s = json_stringn_nocheck(bad[i].s, bad[i].len);
		json_t *inner = json_object(), *doc = json_object();

		assert_non_null(s);
		assert_non_null(inner);
		assert_non_null(doc);
		assert_rejected(s, CAIRN_ERR_INVALID);

		/* As a key, nested a level down beside valid members. */
		assert_int_equal(json_object_set_new(inner, "ok", json_true()), 0);
		assert_int_equal(json_object_setn_new_nocheck(inner, bad[i].s, bad[i].len,
							      json_null()),
				 0);
		assert_int_equal(json_object_set_new(doc, "a", json_pack("[O]", inner)), 0);
		assert_rejected(doc, CAIRN_ERR_INVALID);

		json_decref(doc);
		json_decref(inner);
		json_decref(s);
	}
}

static json_t *nested(int levels, int objects)
{
	json_t *v = json_integer(0);

	for (int i = 0; i < levels && v; i++)
		v = objects ? json_pack("{s:o}", "a", v) : json_pack("[o]", v);
	assert_non_null(v);
	return v;
}

static void test_depth_limit(void **state)
{
	(void)state;
	for (int objects = 0; objects <= 1; objects++) {
		json_t *ok = nested(JCS_MAX_DEPTH, objects);
		json_t *deep = nested(JCS_MAX_DEPTH + 1, objects);
		char *out = canon(ok);

		assert_int_equal(strlen(out), objects ? 6 * JCS_MAX_DEPTH + 1 : 2 * JCS_MAX_DEPTH + 1);
		free(out);
		assert_rejected(deep, CAIRN_ERR_TOO_LARGE);
		json_decref(ok);
		json_decref(deep);
	}
}

/* jansson only refuses a container holding itself directly; the depth cap
 * must stop a longer cycle. */
static void test_cycle_rejected(void **state)
{
	json_t *a = json_array(), *b = json_array();

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(json_array_append(a, b), 0);
	assert_int_equal(json_array_append(b, a), 0);
	assert_rejected(a, CAIRN_ERR_TOO_LARGE);
	assert_int_equal(json_array_clear(b), 0);
	json_decref(a);
	json_decref(b);
}

static void test_scalars_and_empty(void **state)
{
	json_t *v;

	(void)state;
	v = json_null();
	ASSERT_CANON(v, "null");
	json_decref(v);
	v = json_true();
	ASSERT_CANON(v, "true");
	json_decref(v);
	v = json_false();
	ASSERT_CANON(v, "false");
	json_decref(v);
	v = load(" [ [ ] , { } , { \"a\" : [ ] } ] ", 0);
	ASSERT_CANON(v, "[[],{},{\"a\":[]}]");
	json_decref(v);
	assert_rejected(NULL, CAIRN_ERR_INVALID);
}

/* Canonical output read back must give the same value and the same bytes.
 * JSON_DECODE_INT_AS_REAL because JCS may print a big double as a long digit
 * string that jansson's integer parser would refuse as too big. */
static void test_idempotent(void **state)
{
	static const char *const docs[] = {
		rfc_example_in,
		rfc_sorting_in,
		"{\"z\":[1,2.5,-0.0,1e300,5e-324,2.9514790517935283e20,1e21,1e-7,0.000001],"
		" \"b\":{\"c\":null,\"d\":true,\"e\":false,\"\":\"\"},"
		" \"s\":\"x\\u0000y\\u001f\\ud83d\\ude00\\t/\\\"\","
		" \"k\\u0001\":\"\\u00e9\"}",
		"[9007199254740993, -9007199254740993, 123456789012345678]",
	};
	const size_t flags = JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL;

	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_t *v1 = load(docs[i], JSON_ALLOW_NUL);
		json_t *v1r = load(docs[i], flags);
		char *out1 = canon(v1);
		json_t *v2 = load(out1, flags);
		char *out2 = canon(v2);

		assert_string_equal(out1, out2);
		/* Reals survive exactly, so the read-back value equals the input
		 * (read with the same flags) and not merely itself. */
		assert_true(json_equal(v1r, v2));
		free(out2);
		json_decref(v2);
		free(out1);
		json_decref(v1r);
		json_decref(v1);
	}
}

/* The shape cairn logs: a Rekor-style hashedrekord entry, written loosely
 * and out of order, and built in code in yet another order. */
static void test_hashedrekord(void **state)
{
	static const char in[] =
		"{\n"
		"  \"spec\": {\n"
		"    \"signature\": {\n"
		"      \"publicKey\": { \"content\": \"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K\" },\n"
		"      \"content\": \"MEUCIQDx+/9a==\"\n"
		"    },\n"
		"    \"data\": { \"hash\": {\n"
		"      \"value\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\n"
		"      \"algorithm\": \"sha256\" } }\n"
		"  },\n"
		"  \"kind\": \"hashedrekord\",\n"
		"  \"apiVersion\": \"0.0.1\"\n"
		"}\n";
	static const char want[] =
		"{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{"
		"\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":"
		"\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}},"
		"\"signature\":{\"content\":\"MEUCIQDx+/9a==\","
		"\"publicKey\":{\"content\":\"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K\"}}}}";
	json_t *parsed = load(in, 0);
	json_t *built = json_pack(
		"{s:s, s:{s:{s:{s:s, s:s}}, s:{s:{s:s}, s:s}}, s:s}", "kind", "hashedrekord",
		"spec", "data", "hash", "value",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "algorithm",
		"sha256", "signature", "publicKey", "content",
		"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K", "content", "MEUCIQDx+/9a==",
		"apiVersion", "0.0.1");
	json_t *back;
	char *out;

	(void)state;
	assert_non_null(built);
	ASSERT_CANON(parsed, want);
	ASSERT_CANON(built, want);
	out = canon(parsed);
	back = load(out, 0);
	assert_true(json_equal(back, parsed));
	ASSERT_CANON(back, want);
	json_decref(back);
	free(out);
	json_decref(built);
	json_decref(parsed);
}

/* Outputs of every length around the buffer's growth steps, so the final
 * NUL lands exactly at a capacity boundary at least once, then one long
 * enough to make the buffer grow many times. */
static void test_buffer_growth(void **state)
{
	char s[1100], want[1100];
	json_t *v;
	char *out;
	size_t len = 0;

	(void)state;
	for (size_t total = 2; total < sizeof s; total++) {
		memset(s, 'x', total - 2);
		v = json_stringn(s, total - 2);
		assert_non_null(v);
		want[0] = '"';
		memcpy(want + 1, s, total - 2);
		want[total - 1] = '"';
		assert_canon(v, want, total);
		json_decref(v);
	}

	v = json_array();
	assert_non_null(v);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(json_array_append_new(v, json_string("0123456789\n")), 0);
	assert_int_equal(jcs_serialize(v, &out, &len), CAIRN_OK);
	/* Each element is "0123456789\n" plus a comma; the last has a bracket. */
	assert_int_equal(len, 10000 * 15 + 1);
	assert_int_equal(strlen(out), len);
	assert_memory_equal(out + len - 16, ",\"0123456789\\n\"]", 16);
	free(out);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example),
		cmocka_unit_test(test_rfc_sorting),
		cmocka_unit_test(test_utf16_key_order),
		cmocka_unit_test(test_rfc_numbers),
		cmocka_unit_test(test_more_numbers),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_nonfinite_rejected),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_invalid_utf8_rejected),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_cycle_rejected),
		cmocka_unit_test(test_scalars_and_empty),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_hashedrekord),
		cmocka_unit_test(test_buffer_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
