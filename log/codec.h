/* cairn: strict hex and base64 codecs shared by every module.
 *
 * Decoders are strict: they reject whitespace, wrong padding, non-canonical
 * trailing bits and characters outside the alphabet, because the same bytes
 * must always have exactly one accepted encoding. */
#ifndef CAIRN_CODEC_H
#define CAIRN_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL to out (2*len+1 bytes). */
void codec_hex_encode(const uint8_t *in, size_t len, char *out);

/* Decodes exactly outlen bytes from 2*outlen hex digits (either case).
 * Returns CAIRN_ERR_INVALID when inlen != 2*outlen or a digit is bad. */
int codec_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen);

/* Length of the padded base64 encoding of len bytes, without the NUL. */
size_t codec_b64_encoded_len(size_t len);

/* Writes the padded standard base64 of in and a NUL to out
 * (codec_b64_encoded_len(len)+1 bytes). Returns the length written. */
size_t codec_b64_encode(const uint8_t *in, size_t len, char *out);

/* As codec_b64_encode into a new buffer; caller frees with free().
 * Returns NULL when out of memory. */
char *codec_b64_encode_alloc(const uint8_t *in, size_t len);

/* Decodes padded standard base64. out must hold at least inlen/4*3 bytes;
 * *outlen receives the decoded length. Returns CAIRN_ERR_INVALID on any
 * malformation (length not a multiple of 4, bad char, bad padding). */
int codec_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t *outlen);

/* As codec_b64_decode into a new buffer of at most max decoded bytes
 * (CAIRN_ERR_TOO_LARGE past it); caller frees *out with free(). */
int codec_b64_decode_alloc(const char *in, size_t inlen, size_t max, uint8_t **out,
			   size_t *outlen);

#endif
