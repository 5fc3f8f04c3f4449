/* Fuzz target: RFC 8785 canonical JSON (log/jcs.c).
 *
 * Input: JSON text, parsed by jansson. Invariants:
 *  - canonicalization is idempotent: the output parses, and canonicalizing
 *    that gives the same bytes;
 *  - the output means the same value: every number reads back as the same
 *    double, strings and keys are unchanged, arrays keep their order;
 *  - object members come out sorted by UTF-16 code units, with no
 *    whitespace outside strings;
 *  - failures are only the documented ones (invalid UTF-8, too deep). */
#include "fuzz.h"

#include <math.h>

#include <jansson.h>

#include "err.h"
#include "jcs.h"

/* UTF-16 code units of a UTF-8 string, for the member order check. */
static size_t utf16(const char *s, size_t len, uint16_t *out)
{
	size_t o = 0;
	const uint8_t *p = (const uint8_t *)s;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		if (p[i] < 0x80) {
			cp = p[i];
			i += 1;
		} else if (p[i] < 0xe0) {
			cp = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
			i += 2;
		} else if (p[i] < 0xf0) {
			cp = (uint32_t)(p[i] & 0x0f) << 12 | (uint32_t)(p[i + 1] & 0x3f) << 6 |
			     (p[i + 2] & 0x3f);
			i += 3;
		} else {
			cp = (uint32_t)(p[i] & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3f) << 12 |
			     (uint32_t)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
			i += 4;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			out[o++] = (uint16_t)(0xd800 + (cp >> 10));
			out[o++] = (uint16_t)(0xdc00 + (cp & 0x3ff));
		} else {
			out[o++] = (uint16_t)cp;
		}
	}
	return o;
}

static int utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	uint16_t *x = malloc((alen + 1) * sizeof *x), *y = malloc((blen + 1) * sizeof *y);
	size_t nx = utf16(a, alen, x), ny = utf16(b, blen, y);
	int r = 0;
	for (size_t i = 0; i < nx && i < ny && r == 0; i++)
		r = x[i] < y[i] ? -1 : x[i] > y[i];
	if (r == 0)
		r = nx < ny ? -1 : nx > ny;
	free(x);
	free(y);
	return r;
}

static double num(const json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

/* Same value, numbers compared as the doubles JCS reads them as; in the
 * canonical value, members must be in canonical order. */
static int same(const json_t *a, const json_t *b, int b_canonical)
{
	if (json_is_number(a) && json_is_number(b)) {
		double x = num(a), y = num(b);
		return x == y || (x == 0 && y == 0);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i), b_canonical))
				return 0;
		return 1;
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		const char *k;
		size_t klen;
		json_t *v;
		json_object_keylen_foreach((json_t *)a, k, klen, v)
		{
			json_t *w = json_object_getn(b, k, klen);
			if (!w || !same(v, w, b_canonical))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/* Walks the canonical text's parse: members in order. jansson keeps
 * insertion order, which is the text's order. */
static void check_order(const json_t *v)
{
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			check_order(json_array_get(v, i));
	} else if (json_is_object(v)) {
		const char *prev = NULL, *k;
		size_t prevlen = 0, klen;
		json_t *m;
		json_object_keylen_foreach((json_t *)v, k, klen, m)
		{
			if (prev)
				FUZZ_CHECK(utf16_cmp(prev, prevlen, k, klen) < 0,
				           "members out of order: \"%s\"", fuzz_show(k, klen));
			prev = k;
			prevlen = klen;
			check_order(m);
		}
	}
}

static void check_numbers_readback(const json_t *v)
{
	if (json_is_real(v))
		FUZZ_CHECK(isfinite(json_real_value(v)), "non-finite");
	if (json_is_array(v))
		for (size_t i = 0; i < json_array_size(v); i++)
			check_numbers_readback(json_array_get(v, i));
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) check_numbers_readback(m);
	}
}

/* No whitespace outside strings; strings use only JCS's minimal escapes. */
static void check_text(const char *s, size_t len)
{
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (in_str) {
			FUZZ_CHECK(c >= 0x20, "raw control character in a string");
			if (c == '\\') {
				char e = s[++i];
				FUZZ_CHECK(strchr("\"\\bfnrtu", e) != NULL, "escape \\%c", e);
				if (e == 'u') {
					/* Only control characters other than \b\f\n\r\t use \u. */
					unsigned v = (unsigned)strtoul(
					    (char[5]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
					FUZZ_CHECK(v < 0x20 && v != 8 && v != 9 && v != 10 && v != 12 &&
					               v != 13,
					           "needless \\u%04x escape", v);
					FUZZ_CHECK(strchr("0123456789abcdef", s[i + 3]) &&
					               strchr("0123456789abcdef", s[i + 4]),
					           "uppercase hex in \\u escape");
					i += 4;
				}
			} else if (c == '"') {
				in_str = 0;
			}
		} else {
			FUZZ_CHECK(c != ' ' && c != '\t' && c != '\n' && c != '\r',
			           "whitespace outside strings at %zu", i);
			if (c == '"')
				in_str = 1;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	/* jansson recurses while parsing; refuse absurd depths up front as
	 * http.c does (its cap is 32; JCS's own cap, 64, must still be hit). */
	int depth = 0, maxdepth = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '[' || data[i] == '{')
			maxdepth = ++depth > maxdepth ? depth : maxdepth;
		else if (data[i] == ']' || data[i] == '}')
			depth--;
	}
	if (maxdepth > 200)
		return 0;
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v)
		return 0;
	char *out = NULL;
	size_t outlen = 12345;
	int rc = jcs_serialize(v, &out, &outlen);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_TOO_LARGE, "rc %d", rc);
		FUZZ_CHECK(out == NULL && outlen == 12345, "out-parameters touched on failure");
		json_decref(v);
		return 0;
	}
	FUZZ_CHECK(out[outlen] == '\0', "not NUL-terminated");
	check_text(out, outlen);
	/* Integers past int64 are printed as doubles, so read numbers back as reals. */
	json_t *w = json_loadb(out, outlen, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
	FUZZ_CHECK(w != NULL, "canonical output is not JSON (%s): %s", err.text, fuzz_show(out, outlen));
	FUZZ_CHECK(same(v, w, 1), "canonical output means another value: %s", fuzz_show(out, outlen));
	check_order(w);
	check_numbers_readback(w);
	char *out2 = NULL;
	size_t outlen2 = 0;
	rc = jcs_serialize(w, &out2, &outlen2);
	FUZZ_CHECK(rc == CAIRN_OK, "canonical output does not canonicalize: rc %d", rc);
	FUZZ_CHECK(outlen2 == outlen && memcmp(out, out2, outlen) == 0, "not idempotent:\n  %s\n  vs %s",
	           fuzz_show(out, outlen), fuzz_show(out2, outlen2));
	free(out2);
	/* Parsed with integers kept as integers, where it can be, the same bytes. */
	json_t *x = json_loadb(out, outlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (x) {
		rc = jcs_serialize(x, &out2, &outlen2);
		FUZZ_CHECK(rc == CAIRN_OK && outlen2 == outlen && memcmp(out, out2, outlen) == 0,
		           "integer/real parse differ: %s", fuzz_show(out, outlen));
		free(out2);
		json_decref(x);
	}
	free(out);
	json_decref(w);
	json_decref(v);
	return 0;
}
