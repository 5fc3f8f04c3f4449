/* Shared helpers for the libFuzzer targets in tests/fuzz/.
 *
 * Each target asserts invariants, not only "no crash": a violated invariant
 * prints what broke and aborts, which libFuzzer reports as a crash and saves
 * the input under the artifact prefix. */
#ifndef CAIRN_FUZZ_H
#define CAIRN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                                                \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);     \
			fprintf(stderr, __VA_ARGS__);                                                        \
			fputc('\n', stderr);                                                                 \
			abort();                                                                             \
		}                                                                                            \
	} while (0)

/* A cursor over the fuzzer's bytes: reads past the end give zeros, so every
 * input decodes to some case. */
typedef struct fuzz_in {
	const uint8_t *p;
	size_t len;
} fuzz_in;

static inline uint8_t fuzz_u8(fuzz_in *in)
{
	if (in->len == 0)
		return 0;
	uint8_t v = in->p[0];
	in->p++;
	in->len--;
	return v;
}

static inline uint16_t fuzz_u16(fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);
	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint64_t fuzz_u64(fuzz_in *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | fuzz_u8(in);
	return v;
}

/* A printable dump of at most 200 bytes of s, for failure messages. */
static inline const char *fuzz_show(const void *s, size_t len)
{
	static char buf[4 * 200 + 8];
	const uint8_t *p = s;
	size_t o = 0;
	for (size_t i = 0; i < len && i < 200; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x", p[i]);
	}
	if (len > 200)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "...");
	buf[o] = '\0';
	return buf;
}

#endif
