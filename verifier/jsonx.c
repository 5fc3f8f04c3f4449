#include "jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static size_t depth_of(const char *text, size_t len)
{
	/* Brackets inside strings do not count; a cheap scan before jansson,
	 * whose own limit (2048) is far above what any of our formats need. */
	size_t d = 0, max = 0;
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++d > max)
				max = d;
		} else if ((c == '}' || c == ']') && d > 0)
			d--;
	}
	return max;
}

int jsonx_parse(const char *text, size_t len, size_t cap, const char *what, json_t **out, char *err,
                size_t errlen)
{
	json_error_t je;
	json_t *v;

	if (len > cap) {
		snprintf(err, errlen, "%s is too large (%zu bytes; at most %zu)", what, len, cap);
		return CAIRN_ERR_TOO_LARGE;
	}
	if (depth_of(text, len) > JSONX_MAX_DEPTH) {
		snprintf(err, errlen, "%s is nested too deeply", what);
		return CAIRN_ERR_INVALID;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		char line[120];
		jsonx_oneline(je.text, strlen(je.text), line, sizeof line);
		snprintf(err, errlen, "%s is not valid JSON: %s (line %d)", what, line, je.line);
		return CAIRN_ERR_INVALID;
	}
	*out = v;
	return CAIRN_OK;
}

const char *jsonx_str(const json_t *obj, const char *key, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}

json_t *jsonx_obj(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_object(v) ? v : NULL;
}

int jsonx_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return CAIRN_ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CAIRN_ERR_INVALID;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return CAIRN_ERR_INVALID;
	*out = v;
	return CAIRN_OK;
}

int jsonx_u64(const json_t *obj, const char *key, int optional, uint64_t dflt, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (!optional)
			return CAIRN_ERR_INVALID;
		*out = dflt;
		return CAIRN_OK;
	}
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0)
			return CAIRN_ERR_INVALID;
		*out = (uint64_t)i;
		return CAIRN_OK;
	}
	if (json_is_string(v))
		return jsonx_parse_u64(json_string_value(v), json_string_length(v), out);
	return CAIRN_ERR_INVALID;
}

int jsonx_b64(const json_t *obj, const char *key, size_t max, uint8_t **out, size_t *len)
{
	size_t n;
	const char *s = jsonx_str(obj, key, &n);
	if (!s)
		return CAIRN_ERR_INVALID;
	return codec_b64_decode_alloc(s, n, max, out, len);
}

int jsonx_b64_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jsonx_b64(obj, key, n, &buf, &len);
	if (rc == CAIRN_OK && len != n)
		rc = CAIRN_ERR_INVALID;
	if (rc == CAIRN_ERR_TOO_LARGE)
		rc = CAIRN_ERR_INVALID;
	if (rc == CAIRN_OK)
		memcpy(out, buf, n);
	free(buf);
	return rc;
}

int jsonx_hex_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
	size_t len;
	const char *s = jsonx_str(obj, key, &len);
	if (!s)
		return CAIRN_ERR_INVALID;
	return codec_hex_decode(s, len, out, n);
}

void jsonx_oneline(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return;
	for (; o < len && o + 1 < cap; o++) {
		unsigned char c = (unsigned char)s[o];
		out[o] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (o < len && o >= 3)
		memcpy(out + o - 3, "...", 3);
	out[o] = '\0';
}
