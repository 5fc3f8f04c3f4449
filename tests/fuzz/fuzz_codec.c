/* Fuzz target: the strict hex and base64 codecs (log/codec.c).
 *
 * Invariants: a decoder accepts exactly one spelling of a byte string, so
 * whatever decodes re-encodes to the same text (base64) or to its lowercase
 * (hex); encoding any bytes decodes back to them; the allocating decoder
 * agrees with the plain one and honours its cap. */
#include "fuzz.h"

#include "codec.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	/* Hex. */
	if (size % 2 == 0) {
		uint8_t *out = malloc(size / 2 + 1);
		char *back = malloc(size + 1);
		if (codec_hex_decode(s, size, out, size / 2) == CAIRN_OK) {
			codec_hex_encode(out, size / 2, back);
			for (size_t i = 0; i < size; i++) {
				char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
				FUZZ_CHECK(back[i] == c, "hex does not round-trip: %s",
				           fuzz_show(data, size));
			}
		}
		free(out);
		free(back);
	}
	FUZZ_CHECK(size == 0 || codec_hex_decode(s, size, (uint8_t[1]){0}, 0) == CAIRN_ERR_INVALID,
	           "hex length check");

	/* Base64 decode -> encode is the identity on accepted text. */
	uint8_t *out = malloc(size / 4 * 3 + 3);
	size_t n = 0;
	int rc = codec_b64_decode(s, size, out, &n);
	if (rc == CAIRN_OK) {
		FUZZ_CHECK(n <= size / 4 * 3, "decoded %zu bytes from %zu", n, size);
		FUZZ_CHECK(codec_b64_encoded_len(n) == size, "length: %zu -> %zu", n,
		           codec_b64_encoded_len(n));
		char *enc = codec_b64_encode_alloc(out, n);
		FUZZ_CHECK(enc && strlen(enc) == size && memcmp(enc, s, size) == 0,
		           "base64 does not round-trip: %s", fuzz_show(data, size));
		free(enc);
	} else {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "rc %d", rc);
	}
	/* The allocating decoder: the same answer, within its cap. */
	size_t max = size ? data[0] : 0;
	uint8_t *a = NULL;
	size_t alen = 0;
	int arc = codec_b64_decode_alloc(s, size, max, &a, &alen);
	if (rc != CAIRN_OK)
		FUZZ_CHECK(arc != CAIRN_OK, "alloc decoder accepts what the plain one refuses");
	else if (n > max)
		FUZZ_CHECK(arc == CAIRN_ERR_TOO_LARGE, "cap %zu not honoured: %zu bytes, rc %d", max, n, arc);
	else
		FUZZ_CHECK(arc == CAIRN_OK && alen == n && memcmp(a, out, n) == 0, "alloc decoder disagrees");
	if (arc == CAIRN_OK)
		free(a);
	free(out);

	/* Encode any bytes -> decode gives them back. */
	char *enc = codec_b64_encode_alloc(data, size);
	FUZZ_CHECK(enc != NULL, "oom");
	size_t elen = strlen(enc);
	FUZZ_CHECK(elen == codec_b64_encoded_len(size), "encoded length");
	uint8_t *dec = malloc(elen / 4 * 3 + 1);
	FUZZ_CHECK(codec_b64_decode(enc, elen, dec, &n) == CAIRN_OK && n == size &&
	               memcmp(dec, data, size) == 0,
	           "encode/decode do not round-trip");
	free(dec);
	free(enc);
	char *hex = malloc(2 * size + 1);
	codec_hex_encode(data, size, hex);
	uint8_t *hd = malloc(size + 1);
	FUZZ_CHECK(codec_hex_decode(hex, 2 * size, hd, size) == CAIRN_OK && memcmp(hd, data, size) == 0,
	           "hex");
	free(hd);
	free(hex);
	return 0;
}
