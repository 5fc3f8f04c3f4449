#include "codec.h"

#include <stdlib.h>

#include "err.h"

static const char hexdigits[] = "0123456789abcdef";
static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void codec_hex_encode(const uint8_t *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int codec_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	if (inlen != 2 * outlen)
		return CAIRN_ERR_INVALID;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return CAIRN_ERR_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return CAIRN_OK;
}

size_t codec_b64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

size_t codec_b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

char *codec_b64_encode_alloc(const uint8_t *in, size_t len)
{
	char *out = malloc(codec_b64_encoded_len(len) + 1);
	if (out)
		codec_b64_encode(in, len, out);
	return out;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int codec_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t *outlen)
{
	if (inlen % 4)
		return CAIRN_ERR_INVALID;
	size_t o = 0;
	for (size_t i = 0; i < inlen; i += 4) {
		int last = i + 4 == inlen;
		int pad = 0;
		if (last && in[i + 3] == '=') {
			pad = 1;
			if (in[i + 2] == '=')
				pad = 2;
		}
		int v[4];
		for (int j = 0; j < 4 - pad; j++) {
			v[j] = b64val(in[i + j]);
			if (v[j] < 0)
				return CAIRN_ERR_INVALID;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
		if (pad < 2)
			w |= (uint32_t)v[2] << 6;
		if (pad < 1)
			w |= (uint32_t)v[3];
		/* Canonical encodings leave the bits under the padding zero. */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return CAIRN_ERR_INVALID;
		out[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)w;
	}
	*outlen = o;
	return CAIRN_OK;
}

int codec_b64_decode_alloc(const char *in, size_t inlen, size_t max, uint8_t **out,
			   size_t *outlen)
{
	if (inlen / 4 * 3 > max + 2)
		return CAIRN_ERR_TOO_LARGE;
	uint8_t *buf = malloc(inlen / 4 * 3 + 1);
	if (!buf)
		return CAIRN_ERR_NOMEM;
	size_t n = 0;
	int rc = codec_b64_decode(in, inlen, buf, &n);
	if (rc == CAIRN_OK && n > max)
		rc = CAIRN_ERR_TOO_LARGE;
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = n;
	return CAIRN_OK;
}
