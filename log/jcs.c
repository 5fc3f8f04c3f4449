#define _POSIX_C_SOURCE 200809L

#include "jcs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Integers up to this magnitude are exact doubles, so ECMAScript prints them
 * as their own decimal digits; past it JCS sees only the nearest double. */
#define JCS_MAX_SAFE_INT ((json_int_t)1 << 53)

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

struct member {
	const unsigned char *key;
	size_t keylen;
	const json_t *val;
};

static int put_value(struct buf *b, const json_t *v, int depth);

/* Appends n bytes, always keeping one spare byte so the final NUL fits. */
static int buf_put(struct buf *b, const char *p, size_t n)
{
	if (n >= SIZE_MAX - b->len)
		return CAIRN_ERR_NOMEM;
	if (b->len + n + 1 > b->cap) {
		size_t need = b->len + n + 1;
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return CAIRN_ERR_NOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return CAIRN_OK;
}

static int buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

/* Decodes the code point at s[*i] and advances *i past it. Returns -1 for
 * anything RFC 3629 forbids (overlong forms, surrogates, values past
 * U+10FFFF, missing continuation bytes), because a second spelling of the
 * same character would give a second canonical form. */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	uint32_t v, min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		*i += 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i - 1 < n)
		return -1;
	for (size_t k = 1; k <= n; k++) {
		unsigned char cc = s[*i + k];
		if ((cc & 0xc0) != 0x80)
			return -1;
		v = v << 6 | (cc & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i += n + 1;
	return 0;
}

static int utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len)
		if (utf8_next(s, len, &i, &cp))
			return 0;
	return 1;
}

/* A number ordered like the UTF-16 code units of cp: supplementary
 * characters begin with a surrogate (0xD800..0xDBFF), so they sort after
 * U+D7FF but before U+E000..U+FFFF, unlike in code point or UTF-8 order. */
static uint32_t utf16_rank(uint32_t cp)
{
	if (cp >= 0xe000 && cp <= 0xffff)
		return cp + 0x200000;
	return cp;
}

/* qsort order of RFC 8785 §3.2.3; keys were validated before sorting. */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t i = 0, j = 0;

	while (i < x->keylen && j < y->keylen) {
		uint32_t cx = 0, cy = 0;
		(void)utf8_next(x->key, x->keylen, &i, &cx);
		(void)utf8_next(y->key, y->keylen, &j, &cy);
		if (cx != cy)
			return utf16_rank(cx) < utf16_rank(cy) ? -1 : 1;
	}
	if (i < x->keylen)
		return 1;
	if (j < y->keylen)
		return -1;
	return 0;
}

/* Writes s as a JSON string with the minimal escapes of ECMAScript's
 * JSON.stringify; everything else, '/' and non-ASCII included, goes out raw. */
static int put_string(struct buf *b, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;
	int rc;

	rc = buf_put(b, "\"", 1);
	while (rc == CAIRN_OK && i < len) {
		unsigned char c = s[i];
		char esc[7];
		size_t esclen = 2;

		if (c >= 0x80) {
			uint32_t cp;
			if (utf8_next(s, len, &i, &cp))
				rc = CAIRN_ERR_INVALID;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esclen = 6;
			break;
		}
		rc = buf_put(b, (const char *)s + run, i - run);
		if (rc == CAIRN_OK)
			rc = buf_put(b, esc, esclen);
		run = ++i;
	}
	if (rc == CAIRN_OK)
		rc = buf_put(b, (const char *)s + run, len - run);
	if (rc == CAIRN_OK)
		rc = buf_put(b, "\"", 1);
	return rc;
}

/* Reads the "%.*e" output s as mant * 10^exp10 with an integer mantissa, so
 * neither the locale's radix character nor a carry needs special care. */
static int parse_e(const char *s, uint64_t *mant, int *exp10)
{
	uint64_t m = 0;
	int frac = 0, seen_radix = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s >= '0' && *s <= '9') {
			m = m * 10 + (uint64_t)(*s - '0');
			frac += seen_radix;
		} else {
			seen_radix = 1;
		}
	}
	if (*s != 'e')
		return CAIRN_ERR_INVALID;
	*mant = m;
	*exp10 = (int)strtol(s + 1, NULL, 10) - frac;
	return CAIRN_OK;
}

/* The digits of a = mant * 10^exp10 (a > 0) that ECMA-262 Number::toString
 * picks: the fewest that read back as a, and of those the nearest to a. */
static int shortest_digits(double a, uint64_t *mant, int *exp10)
{
	char tmp[48];
	uint64_t m = 0, alt;
	int e = 0, rc = CAIRN_OK;

	/* glibc's printf rounds exactly, ties to even, so at each precision it
	 * gives the nearest candidate; seventeen digits always read back. */
	for (int prec = 0; prec <= 16; prec++) {
		double c;

		snprintf(tmp, sizeof tmp, "%.*e", prec, a);
		rc = parse_e(tmp, &m, &e);
		if (rc)
			goto out;
		c = strtod(tmp, NULL);
		if (c == a)
			break;
		/* Below a power of two the doubles are twice as dense, so the
		 * rounding interval is lopsided: the nearest candidate can miss it
		 * while its neighbour on the other side of a still reads back. */
		alt = c < a ? m + 1 : m - 1;
		snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)alt, e);
		if (strtod(tmp, NULL) == a) {
			m = alt;
			break;
		}
	}
	while (m != 0 && m % 10 == 0) {
		m /= 10;
		e++;
	}
	*mant = m;
	*exp10 = e;
out:
	return rc;
}

/* ECMA-262 Number::toString(d) for finite d (RFC 8785 §3.2.2.3). */
static int put_double(struct buf *b, double d)
{
	char digits[24], res[48];
	uint64_t m;
	size_t o = 0;
	int e, k, n, rc;

	if (!isfinite(d))
		return CAIRN_ERR_INVALID;
	/* Covers -0 too, which ECMAScript prints as "0". */
	if (d == 0)
		return buf_put(b, "0", 1);
	rc = shortest_digits(fabs(d), &m, &e);
	if (rc)
		return rc;
	k = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
	n = k + e;
	if (d < 0)
		res[o++] = '-';

	/* d = 0.DIGITS * 10^n with k digits; ECMA-262 7.1.12.1 steps 6 to 10. */
	if (k <= n && n <= 21) {
		memcpy(res + o, digits, (size_t)k);
		o += (size_t)k;
		memset(res + o, '0', (size_t)(n - k));
		o += (size_t)(n - k);
	} else if (0 < n && n <= 21) {
		memcpy(res + o, digits, (size_t)n);
		o += (size_t)n;
		res[o++] = '.';
		memcpy(res + o, digits + n, (size_t)(k - n));
		o += (size_t)(k - n);
	} else if (-6 < n && n <= 0) {
		res[o++] = '0';
		res[o++] = '.';
		memset(res + o, '0', (size_t)-n);
		o += (size_t)-n;
		memcpy(res + o, digits, (size_t)k);
		o += (size_t)k;
	} else {
		int x = n - 1;
		res[o++] = digits[0];
		if (k > 1) {
			res[o++] = '.';
			memcpy(res + o, digits + 1, (size_t)(k - 1));
			o += (size_t)(k - 1);
		}
		o += (size_t)snprintf(res + o, sizeof res - o, "e%c%d", x < 0 ? '-' : '+',
				      x < 0 ? -x : x);
	}
	return buf_put(b, res, o);
}

static int put_integer(struct buf *b, json_int_t i)
{
	char tmp[32];
	int n;

	if (i < -JCS_MAX_SAFE_INT || i > JCS_MAX_SAFE_INT)
		return put_double(b, (double)i);
	n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, i);
	return buf_put(b, tmp, (size_t)n);
}

static int put_array(struct buf *b, const json_t *arr, int depth)
{
	size_t n = json_array_size(arr);
	int rc;

	rc = buf_put(b, "[", 1);
	for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
		if (i)
			rc = buf_put(b, ",", 1);
		if (rc == CAIRN_OK)
			rc = put_value(b, json_array_get(arr, i), depth + 1);
	}
	if (rc == CAIRN_OK)
		rc = buf_put(b, "]", 1);
	return rc;
}

static int put_object(struct buf *b, const json_t *obj, int depth)
{
	struct member *m = NULL;
	size_t n = json_object_size(obj), i = 0;
	void *it;
	int rc = CAIRN_OK;

	if (n == 0)
		return buf_put(b, "{}", 2);
	m = calloc(n, sizeof *m);
	if (!m) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	/* jansson's iterator takes a non-const object but only reads it. */
	it = json_object_iter((json_t *)obj);
	for (; it && i < n; it = json_object_iter_next((json_t *)obj, it), i++) {
		m[i].key = (const unsigned char *)json_object_iter_key(it);
		m[i].keylen = json_object_iter_key_len(it);
		m[i].val = json_object_iter_value(it);
		/* The comparator assumes valid UTF-8, so check before sorting. */
		if (!utf8_valid(m[i].key, m[i].keylen)) {
			rc = CAIRN_ERR_INVALID;
			goto out;
		}
	}
	n = i;
	qsort(m, n, sizeof *m, member_cmp);

	rc = buf_put(b, "{", 1);
	for (i = 0; rc == CAIRN_OK && i < n; i++) {
		if (i)
			rc = buf_put(b, ",", 1);
		if (rc == CAIRN_OK)
			rc = put_string(b, m[i].key, m[i].keylen);
		if (rc == CAIRN_OK)
			rc = buf_put(b, ":", 1);
		if (rc == CAIRN_OK)
			rc = put_value(b, m[i].val, depth + 1);
	}
	if (rc == CAIRN_OK)
		rc = buf_put(b, "}", 1);
out:
	free(m);
	return rc;
}

/* depth counts the containers enclosing v; recursion is bounded by
 * JCS_MAX_DEPTH, which also ends a value that contains itself. */
static int put_value(struct buf *b, const json_t *v, int depth)
{
	if (!v)
		return CAIRN_ERR_INVALID;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth >= JCS_MAX_DEPTH)
			return CAIRN_ERR_TOO_LARGE;
		return put_object(b, v, depth);
	case JSON_ARRAY:
		if (depth >= JCS_MAX_DEPTH)
			return CAIRN_ERR_TOO_LARGE;
		return put_array(b, v, depth);
	case JSON_STRING:
		return put_string(b, (const unsigned char *)json_string_value(v),
				  json_string_length(v));
	case JSON_INTEGER:
		return put_integer(b, json_integer_value(v));
	case JSON_REAL:
		return put_double(b, json_real_value(v));
	case JSON_TRUE:
		return buf_puts(b, "true");
	case JSON_FALSE:
		return buf_puts(b, "false");
	case JSON_NULL:
		return buf_puts(b, "null");
	}
	return CAIRN_ERR_INVALID;
}

int jcs_serialize(const json_t *v, char **out, size_t *outlen)
{
	struct buf b = {NULL, 0, 0};
	int rc;

	rc = put_value(&b, v, 0);
	if (rc)
		goto out;
	/* buf_put always leaves room for this NUL. */
	b.p[b.len] = '\0';
	*out = b.p;
	*outlen = b.len;
	b.p = NULL;
out:
	free(b.p);
	return rc;
}
