#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "keys.h"
#include "note.h"

#define NAME "log.example.com"

/* --- Known answers from Go's golang.org/x/mod/sumdb/note ----------------
 *
 * Made with note.GenerateKey(bytes.NewReader(seed), name) where seed is
 * SHA-256("cairn note test seed") and SHA-256("cairn note test seed 2"),
 * then note.Sign(&note.Note{Text: go_body}, signer, signer2). */
static const char go_seed1[] = "87c8c5ad8cb00a92f0337ae8e6e2d507d719ffe6bb7527f1ce9e9f91bff4ac6f";
static const char go_seed2[] = "83f43d83f4d47aaff8a08d213a0c0b485445e1c696e1df4281a744eeb2ef1ed5";
static const char go_name1[] = "log.example.com/cairn";
static const char go_name2[] = "witness.example.org";
static const char go_vkey1[] = "log.example.com/cairn+92403377+AcQwZ5AtzFSePVYdHpAqhkn6wQg+sOia240urQicY9/l";
static const char go_vkey2[] = "witness.example.org+a166b85b+AV3RxSTmZfQ5u/0mtQnqkAQPFwB+yrt8gFv7mqClI0zd";
static const char go_body[] = "log.example.com/cairn - 1234\n"
                              "5\n"
                              "W8lWSPWfRL6pQ/dxnK5+NeAzHuclqNzCMtTQJp0NpUE=\n";
static const char go_note[] =
    "log.example.com/cairn - 1234\n"
    "5\n"
    "W8lWSPWfRL6pQ/dxnK5+NeAzHuclqNzCMtTQJp0NpUE=\n"
    "\n"
    "\xe2\x80\x94 log.example.com/cairn "
    "kkAzd1TQo+EaMys3SxIfs8WB1+6mOVfPxa+ufRemVIocRIokDh24Cpxy7CVz4nzqfs1JY3pQ0veeTrsE5vgBpv8UuAE=\n"
    "\xe2\x80\x94 witness.example.org "
    "oWa4W+iniA5ijqBme78qA0FvO3h1JKaXNHaKHHQTUqyoua2BQVat1LFbl6DghyQr9A+e5bwzR6qgXxz/EFfzVJqHRA8=\n";

/* The example in the Go package's documentation and tests. */
static const char peter_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char peter_text[] = "If you think cryptography is the answer to your problem,\n"
                                 "then you don't know what your problem is.\n";
static const char peter_sig[] =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] =
    "\xe2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* --- fixture ------------------------------------------------------------ */

struct fx {
	keys_key *ec, *ed, *ec2, *ed2;
	note_signer *ecs, *eds, *ec2s, *ed2s;
	note_verifier *ecv, *edv, *ed2v;
	uint8_t root[32];
	char *body;
	size_t bodylen;
	char *note; /* body signed by ecs then eds */
	size_t notelen;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	note_signer *both[2];

	if (!f)
		return -1;
	for (int i = 0; i < 32; i++)
		f->root[i] = (uint8_t)(i * 7 + 1);
	if (keys_generate(KEYS_ECDSA_P256, &f->ec) || keys_generate(KEYS_ED25519, &f->ed) ||
	    keys_generate(KEYS_ECDSA_P256, &f->ec2) || keys_generate(KEYS_ED25519, &f->ed2))
		return -1;
	/* Both kinds of key sign under the same name: the hint tells them apart. */
	if (note_signer_new(NAME, f->ec, &f->ecs) || note_signer_new(NAME, f->ed, &f->eds) ||
	    note_signer_new(NAME, f->ec2, &f->ec2s) || note_signer_new(NAME, f->ed2, &f->ed2s) ||
	    note_verifier_new(NAME, f->ec, &f->ecv) || note_verifier_new(NAME, f->ed, &f->edv) ||
	    note_verifier_new(NAME, f->ed2, &f->ed2v))
		return -1;
	if (note_checkpoint_body(NAME " - 2605736670972794746", 7, f->root, &f->body, &f->bodylen))
		return -1;
	both[0] = f->ecs;
	both[1] = f->eds;
	if (note_sign(f->body, f->bodylen, both, 2, &f->note, &f->notelen))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	note_signer_free(f->ecs);
	note_signer_free(f->eds);
	note_signer_free(f->ec2s);
	note_signer_free(f->ed2s);
	note_verifier_free(f->ecv);
	note_verifier_free(f->edv);
	note_verifier_free(f->ed2v);
	keys_free(f->ec);
	keys_free(f->ed);
	keys_free(f->ec2);
	keys_free(f->ed2);
	free(f->body);
	free(f->note);
	free(f);
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static int open1(const char *note, note_verifier *v)
{
	size_t bl = 0;
	note_verifier *vs[1] = {v};
	return note_open(note, strlen(note), vs, 1, &bl);
}

static int open2(const char *note, note_verifier *a, note_verifier *b)
{
	size_t bl = 0;
	note_verifier *vs[2] = {a, b};
	return note_open(note, strlen(note), vs, 2, &bl);
}

/* s with the first occurrence of from (which must occur) replaced by to. */
static char *edit(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t pre, out_len;
	char *out;

	assert_non_null(at);
	pre = (size_t)(at - s);
	out_len = strlen(s) - strlen(from) + strlen(to);
	out = malloc(out_len + 1);
	assert_non_null(out);
	memcpy(out, s, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

/* s with every c replaced by the string to. */
static char *replace_all(const char *s, char c, const char *to)
{
	char *out = malloc(strlen(s) * strlen(to) + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (*s == c) {
			strcpy(o, to);
			o += strlen(to);
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* Start of the idx-th signature line (0-based) of a well-formed note. */
static const char *sig_line(const char *note, size_t idx)
{
	const char *p = NULL, *q = strstr(note, "\n\n");

	while (q) {
		p = q;
		q = strstr(q + 1, "\n\n");
	}
	assert_non_null(p);
	p += 2;
	for (size_t i = 0; i < idx; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	return p;
}

/* Decodes the base64 of signature line idx into raw (hint || signature). */
static size_t sig_raw(const char *note, size_t idx, uint8_t raw[200])
{
	const char *line = sig_line(note, idx), *b64 = strchr(line + 4, ' ') + 1;
	const char *nl = strchr(b64, '\n');
	size_t n = 0;

	assert_true(nl - b64 < 260);
	assert_int_equal(codec_b64_decode(b64, (size_t)(nl - b64), raw, &n), CAIRN_OK);
	return n;
}

/* The note with signature line idx replaced by "— name b64(raw)". */
static char *with_sig(const char *note, size_t idx, const char *name, const uint8_t *raw, size_t len)
{
	const char *line = sig_line(note, idx), *nl = strchr(line, '\n');
	char *b64 = codec_b64_encode_alloc(raw, len), *out;
	size_t cap = strlen(note) + strlen(name) + strlen(b64) + 8;

	out = malloc(cap);
	assert_non_null(out);
	snprintf(out, cap, "%.*s\xe2\x80\x94 %s %s%s", (int)(line - note), note, name, b64, nl);
	free(b64);
	return out;
}

static keys_key *ed25519_from_seed(const char *seedhex)
{
	/* PKCS#8 for Ed25519 is a fixed prefix and the 32-byte seed. */
	static const uint8_t prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	                                   0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
	uint8_t der[48];
	char pem[200], *b64;
	keys_key *k = NULL;

	memcpy(der, prefix, 16);
	assert_int_equal(codec_hex_decode(seedhex, 64, der + 16, 32), CAIRN_OK);
	b64 = codec_b64_encode_alloc(der, sizeof(der));
	snprintf(pem, sizeof(pem), "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
	free(b64);
	assert_int_equal(keys_from_private_pem(pem, strlen(pem), &k), CAIRN_OK);
	return k;
}

/* --- signing and opening ------------------------------------------------ */

static void test_sign_and_open(void **state)
{
	struct fx *f = *state;
	note_verifier *vs[2] = {f->ecv, f->edv};
	note_checkpoint cp;
	size_t bl = 0;

	/* Layout: body, blank line, one line per signer in order. */
	assert_int_equal(strlen(f->note), f->notelen);
	assert_memory_equal(f->note, f->body, f->bodylen);
	assert_int_equal(f->note[f->bodylen], '\n');
	assert_true(strncmp(sig_line(f->note, 0), "\xe2\x80\x94 " NAME " ", 20) == 0);
	assert_true(strncmp(sig_line(f->note, 1), "\xe2\x80\x94 " NAME " ", 20) == 0);
	assert_int_equal(f->note[f->notelen - 1], '\n');

	assert_int_equal(note_open(f->note, f->notelen, vs, 1, &bl), CAIRN_OK);
	assert_int_equal(bl, f->bodylen);
	bl = 0;
	assert_int_equal(note_open(f->note, f->notelen, vs + 1, 1, &bl), CAIRN_OK);
	assert_int_equal(bl, f->bodylen);
	bl = 0;
	assert_int_equal(note_open(f->note, f->notelen, vs, 2, &bl), CAIRN_OK);
	assert_int_equal(bl, f->bodylen);
	/* No verifiers at all: nothing known, nothing verified. */
	assert_int_equal(note_open(f->note, f->notelen, NULL, 0, &bl), CAIRN_ERR_VERIFY);

	/* The opened body is the checkpoint. */
	assert_int_equal(note_checkpoint_parse(f->note, bl, &cp), CAIRN_OK);
	assert_string_equal(cp.origin, NAME " - 2605736670972794746");
	assert_true(cp.size == 7);
	assert_memory_equal(cp.root, f->root, 32);

	/* Hints: ECDSA is the logID prefix, Ed25519 the C2SP key id. */
	{
		uint8_t raw[200], id[32];
		assert_int_equal(sig_raw(f->note, 0, raw) > 4, 1);
		assert_int_equal(keys_id(f->ec, id), CAIRN_OK);
		assert_memory_equal(raw, id, 4);
		assert_int_equal(sig_raw(f->note, 1, raw), 4 + 64);
	}
}

static void test_single_signer_notes(void **state)
{
	struct fx *f = *state;
	note_signer *s[1] = {f->eds};
	char *note = NULL;
	size_t len = 0;

	assert_int_equal(note_sign(f->body, f->bodylen, s, 1, &note, &len), CAIRN_OK);
	assert_int_equal(open1(note, f->edv), CAIRN_OK);
	/* The ECDSA verifier knows no signature here. */
	assert_int_equal(open1(note, f->ecv), CAIRN_ERR_VERIFY);
	/* Pure Ed25519 is deterministic. */
	{
		char *again = NULL;
		size_t alen = 0;
		assert_int_equal(note_sign(f->body, f->bodylen, s, 1, &again, &alen), CAIRN_OK);
		assert_string_equal(note, again);
		free(again);
	}
	free(note);
}

static void test_altered_body(void **state)
{
	struct fx *f = *state;
	char *bad;

	/* Tree size, root hash, origin: each change breaks both signatures. */
	bad = edit(f->note, "\n7\n", "\n8\n");
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_VERIFY);
	assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_VERIFY);
	free(bad);

	bad = malloc(f->notelen + 1);
	memcpy(bad, f->note, f->notelen + 1);
	{
		char *rootline = strchr(strchr(bad, '\n') + 1, '\n') + 1;
		rootline[5] = rootline[5] == 'A' ? 'B' : 'A';
	}
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_VERIFY);
	free(bad);

	bad = edit(f->note, "2605736670972794746", "2605736670972794747");
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_VERIFY);
	free(bad);

	bad = edit(f->note, "log.example", "Log.example");
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_VERIFY);
	free(bad);
}

static void test_wrong_key(void **state)
{
	struct fx *f = *state;
	note_signer *s[2] = {f->ec2s, f->ed2s};
	uint8_t raw[200], good[200], id[32];
	char *note = NULL, *forged;
	size_t len = 0, n;

	/* Signed by other keys under the same name: their hints are unknown. */
	assert_int_equal(note_sign(f->body, f->bodylen, s, 2, &note, &len), CAIRN_OK);
	assert_int_equal(open1(note, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(note, f->edv), CAIRN_ERR_VERIFY);
	assert_int_equal(open2(note, f->ecv, f->edv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(note, f->ed2v), CAIRN_OK);

	/* Another key's signature wearing our key's hint: a known key whose
	 * signature fails. */
	n = sig_raw(note, 0, raw);
	assert_int_equal(keys_id(f->ec, id), CAIRN_OK);
	memcpy(raw, id, 4);
	forged = with_sig(note, 0, NAME, raw, n);
	assert_int_equal(open1(forged, f->ecv), CAIRN_ERR_VERIFY);
	/* ... even next to a valid signature from another verifier. */
	assert_int_equal(open2(forged, f->ecv, f->ed2v), CAIRN_ERR_VERIFY);
	free(forged);

	n = sig_raw(note, 1, raw);
	sig_raw(f->note, 1, good);
	memcpy(raw, good, 4);
	forged = with_sig(note, 1, NAME, raw, n);
	assert_int_equal(open1(forged, f->edv), CAIRN_ERR_VERIFY);
	free(forged);
	free(note);
}

static void test_wrong_name(void **state)
{
	struct fx *f = *state;
	note_verifier *other = NULL;
	uint8_t raw[200];
	char *forged;
	size_t n;

	/* Renaming the signer hides both signatures from our verifiers. */
	n = sig_raw(f->note, 0, raw);
	forged = with_sig(f->note, 0, "evil.example.com", raw, n);
	assert_int_equal(open1(forged, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open1(forged, f->edv), CAIRN_OK);
	free(forged);
	n = sig_raw(f->note, 1, raw);
	forged = with_sig(f->note, 1, "evil.example.com", raw, n);
	assert_int_equal(open1(forged, f->edv), CAIRN_ERR_VERIFY);
	free(forged);

	/* A verifier with the right ECDSA key but another name knows nothing:
	 * the name is part of what a signature claims. */
	assert_int_equal(note_verifier_new("other.example.com", f->ec, &other), CAIRN_OK);
	assert_int_equal(open1(f->note, other), CAIRN_ERR_VERIFY);
	note_verifier_free(other);
	other = NULL;
	/* For Ed25519 the name is even in the hint. */
	assert_int_equal(note_verifier_new("other.example.com", f->ed, &other), CAIRN_OK);
	assert_int_equal(open1(f->note, other), CAIRN_ERR_VERIFY);
	note_verifier_free(other);
}

static void test_truncated_signature(void **state)
{
	struct fx *f = *state;
	uint8_t raw[200];
	char *forged;
	size_t n;

	/* Shorter signature bytes under a known hint: fails verification. */
	for (int line = 0; line < 2; line++) {
		note_verifier *v = line ? f->edv : f->ecv;
		n = sig_raw(f->note, (size_t)line, raw);
		forged = with_sig(f->note, (size_t)line, NAME, raw, n - 3);
		assert_int_equal(open1(forged, v), CAIRN_ERR_VERIFY);
		free(forged);
		/* Only the hint and one byte. */
		forged = with_sig(f->note, (size_t)line, NAME, raw, 5);
		assert_int_equal(open1(forged, v), CAIRN_ERR_VERIFY);
		free(forged);
		/* Only the hint, or less: malformed, as in Go. */
		forged = with_sig(f->note, (size_t)line, NAME, raw, 4);
		assert_int_equal(open1(forged, v), CAIRN_ERR_INVALID);
		free(forged);
		forged = with_sig(f->note, (size_t)line, NAME, raw, 3);
		assert_int_equal(open1(forged, v), CAIRN_ERR_INVALID);
		free(forged);
	}
	/* Base64 cut mid-quantum. */
	forged = malloc(f->notelen + 1);
	memcpy(forged, f->note, f->notelen - 2);
	strcpy(forged + f->notelen - 2, "\n");
	assert_int_equal(open1(forged, f->ecv), CAIRN_ERR_INVALID);
	free(forged);
}

static void test_hint_mismatch_ignored(void **state)
{
	struct fx *f = *state;
	uint8_t raw[200];
	char *forged;
	size_t n;

	/* A valid ECDSA signature under a wrong hint is someone else's: ignored,
	 * so no known signature remains. */
	n = sig_raw(f->note, 0, raw);
	raw[2] ^= 0x40;
	forged = with_sig(f->note, 0, NAME, raw, n);
	assert_int_equal(open1(forged, f->ecv), CAIRN_ERR_VERIFY);
	assert_int_equal(open2(forged, f->ecv, f->edv), CAIRN_OK);
	free(forged);
	n = sig_raw(f->note, 1, raw);
	raw[0] ^= 1;
	forged = with_sig(f->note, 1, NAME, raw, n);
	assert_int_equal(open1(forged, f->edv), CAIRN_ERR_VERIFY);
	assert_int_equal(open2(forged, f->ecv, f->edv), CAIRN_OK);
	free(forged);
}

static void test_malformed_notes(void **state)
{
	struct fx *f = *state;
	char *bad, *line0 = (char *)sig_line(f->note, 0);
	size_t bl = 0, split = (size_t)(line0 - f->note);

	/* Missing blank line. */
	bad = malloc(f->notelen + 1);
	memcpy(bad, f->note, split - 1);
	strcpy(bad + split - 1, line0);
	assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
	free(bad);
	/* Two blank lines: the signed text would gain a "\n". */
	bad = malloc(f->notelen + 2);
	memcpy(bad, f->note, split);
	bad[split] = '\n';
	strcpy(bad + split + 1, line0);
	assert_int_not_equal(open2(bad, f->ecv, f->edv), CAIRN_OK);
	assert_int_not_equal(open1(bad, f->edv), CAIRN_OK);
	free(bad);
	/* CRLF. */
	bad = replace_all(f->note, '\n', "\r\n");
	assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
	free(bad);
	/* No final newline. */
	assert_int_equal(note_open(f->note, f->notelen - 1, &f->ecv, 1, &bl), CAIRN_ERR_INVALID);
	/* ASCII hyphen for the em dash, in either line. */
	bad = edit(f->note, "\xe2\x80\x94 ", "- ");
	assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
	free(bad);
	{
		const char *line1 = sig_line(f->note, 1);
		size_t cap = f->notelen + 4;
		bad = malloc(cap);
		snprintf(bad, cap, "%.*s-- %s", (int)(line1 - f->note), f->note, line1 + 4);
		assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
		assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_INVALID);
		free(bad);
	}
	/* Missing space after the dash, double space, no signature, a name
	 * with '+', a line that is no signature, an empty signature block. */
	bad = edit(f->note, "\xe2\x80\x94 ", "\xe2\x80\x94");
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_INVALID);
	free(bad);
	bad = edit(f->note, "\xe2\x80\x94 ", "\xe2\x80\x94  ");
	assert_int_equal(open1(bad, f->ecv), CAIRN_ERR_INVALID);
	free(bad);
	bad = edit(f->note, "\xe2\x80\x94 " NAME " ", "\xe2\x80\x94 " NAME "+x ");
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_INVALID);
	free(bad);
	bad = edit(f->note, "\xe2\x80\x94 " NAME " ", "\xe2\x80\x94 " NAME "\xc2\xa0");
	assert_int_equal(open1(bad, f->edv), CAIRN_ERR_INVALID);
	free(bad);
	{
		size_t cap = f->notelen + 32;
		bad = malloc(cap);
		snprintf(bad, cap, "%sUnexpected line.\n", f->note);
		assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
		snprintf(bad, cap, "%.*s\xe2\x80\x94 " NAME "\n", (int)split, f->note);
		assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
		snprintf(bad, cap, "%.*s\xe2\x80\x94 " NAME " \n", (int)split, f->note);
		assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
		free(bad);
	}
	assert_int_equal(note_open(f->note, split, &f->ecv, 1, &bl), CAIRN_ERR_INVALID);
	/* Control characters, invalid UTF-8 (bad byte, overlong, surrogate). */
	{
		static const char *bads[] = {
		    "\x01", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\t", "\xf4\x90\x80\x80", "\xe2\x80"};
		for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
			char tweak[16];
			snprintf(tweak, sizeof(tweak), "%s\n7\n", bads[i]);
			bad = edit(f->note, "\n7\n", tweak);
			assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_INVALID);
			free(bad);
		}
		/* A NUL inside. */
		bad = malloc(f->notelen + 1);
		memcpy(bad, f->note, f->notelen + 1);
		bad[3] = '\0';
		assert_int_equal(note_open(bad, f->notelen, &f->ecv, 1, &bl), CAIRN_ERR_INVALID);
		free(bad);
	}
	/* Good UTF-8 passes parsing (and then fails the signature). */
	bad = edit(f->note, "\n7\n", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8c\xb2\n7\n");
	assert_int_equal(open2(bad, f->ecv, f->edv), CAIRN_ERR_VERIFY);
	free(bad);
}

static void test_unknown_only(void **state)
{
	struct fx *f = *state;
	char *more;
	size_t cap = f->notelen + 256;

	/* Only signatures by keys nobody asked about. */
	assert_int_equal(open1(f->note, f->ed2v), CAIRN_ERR_VERIFY);
	/* Unknown signatures next to a good one are ignored; so are Go's. */
	more = malloc(cap);
	snprintf(more, cap, "%s%s%s", f->note, peter_sig, enoch_sig);
	assert_int_equal(open1(more, f->edv), CAIRN_OK);
	assert_int_equal(open1(more, f->ed2v), CAIRN_ERR_VERIFY);
	free(more);
}

static void test_duplicates_and_limits(void **state)
{
	struct fx *f = *state;
	const char *l0 = sig_line(f->note, 0), *l1 = sig_line(f->note, 1);
	size_t l0len = (size_t)(l1 - l0);
	uint8_t raw[200];
	char *bad, *dup, *big;
	size_t n, o, bl = 0;

	/* Like Go, only a key's first line counts: good then bad passes... */
	n = sig_raw(f->note, 0, raw);
	raw[n - 1] ^= 1;
	bad = with_sig(f->note, 1, NAME, raw, n); /* line 1 := corrupted line 0 */
	dup = malloc(strlen(bad) + f->notelen + 1);
	assert_int_equal(open1(bad, f->ecv), CAIRN_OK);
	/* ... bad then good fails. */
	{
		const char *b1 = sig_line(bad, 1);
		size_t pre = (size_t)(l0 - f->note);
		memcpy(dup, f->note, pre);
		strcpy(dup + pre, b1);
		strcat(dup, l0);
	}
	/* dup = body, blank, corrupted ECDSA line, good ECDSA line + ed line */
	assert_int_equal(open1(dup, f->ecv), CAIRN_ERR_VERIFY);
	free(dup);
	free(bad);

	/* 100 signature lines are fine, 101 are too many. */
	big = malloc(f->notelen + 101 * l0len + 1);
	memcpy(big, f->note, (size_t)(l0 - f->note));
	o = (size_t)(l0 - f->note);
	for (int i = 0; i < 100; i++) {
		memcpy(big + o, l0, l0len);
		o += l0len;
	}
	big[o] = '\0';
	assert_int_equal(note_open(big, o, &f->ecv, 1, &bl), CAIRN_OK);
	memcpy(big + o, l0, l0len);
	o += l0len;
	big[o] = '\0';
	assert_int_equal(note_open(big, o, &f->ecv, 1, &bl), CAIRN_ERR_TOO_LARGE);
	assert_int_equal(note_open(big, o, NULL, 0, &bl), CAIRN_ERR_TOO_LARGE);
	free(big);

	/* A note over NOTE_MAX_SIZE. */
	big = malloc(NOTE_MAX_SIZE + 2);
	memset(big, 'a', NOTE_MAX_SIZE + 1);
	big[NOTE_MAX_SIZE + 1] = '\0';
	assert_int_equal(note_open(big, NOTE_MAX_SIZE + 1, &f->ecv, 1, &bl), CAIRN_ERR_TOO_LARGE);
	free(big);

	/* Two verifiers claiming the same name and hint: ambiguous, as in Go. */
	{
		note_verifier *again = NULL;
		assert_int_equal(note_verifier_new(NAME, f->ed, &again), CAIRN_OK);
		assert_int_equal(open2(f->note, f->edv, again), CAIRN_ERR_INVALID);
		/* Unused ambiguity does not matter. */
		assert_int_equal(note_sign(f->body, f->bodylen, &f->ecs, 1, &bad, &n), CAIRN_OK);
		assert_int_equal(open2(bad, f->ecv, again), CAIRN_OK);
		assert_int_equal(open2(bad, f->edv, again), CAIRN_ERR_VERIFY);
		free(bad);
		note_verifier_free(again);
	}
}

/* --- Go known answers ---------------------------------------------------- */

static void test_go_known_answer(void **state)
{
	note_verifier *v1 = NULL, *v2 = NULL;
	size_t len = strlen(go_note), body = strlen(go_body), bl = 0, sigend;
	char *mut;

	(void)state;
	assert_int_equal(note_verifier_from_vkey(go_vkey1, &v1), CAIRN_OK);
	assert_int_equal(note_verifier_from_vkey(go_vkey2, &v2), CAIRN_OK);
	assert_int_equal(note_open(go_note, len, &v1, 1, &bl), CAIRN_OK);
	assert_int_equal(bl, body);
	assert_memory_equal(go_note, go_body, body);
	bl = 0;
	assert_int_equal(note_open(go_note, len, &v2, 1, &bl), CAIRN_OK);
	assert_int_equal(bl, body);
	assert_int_equal(open2(go_note, v1, v2), CAIRN_OK);
	{
		note_checkpoint cp;
		assert_int_equal(note_checkpoint_parse(go_note, bl, &cp), CAIRN_OK);
		assert_string_equal(cp.origin, "log.example.com/cairn - 1234");
		assert_true(cp.size == 5);
	}

	/* Any one-byte change through the end of the first signature line
	 * breaks the note for the first key alone. */
	sigend = (size_t)(strchr(sig_line(go_note, 0), '\n') - go_note) + 1;
	mut = malloc(len + 1);
	for (size_t i = 0; i < sigend; i++) {
		for (int delta = 1; delta <= 2; delta++) {
			memcpy(mut, go_note, len + 1);
			mut[i] = (char)(mut[i] + delta);
			assert_int_not_equal(note_open(mut, len, &v1, 1, &bl), CAIRN_OK);
		}
	}
	/* Any change to the second line breaks it for the second key. */
	for (size_t i = sigend; i < len; i++) {
		memcpy(mut, go_note, len + 1);
		mut[i] = (char)(mut[i] + 1);
		assert_int_not_equal(note_open(mut, len, &v2, 1, &bl), CAIRN_OK);
	}
	free(mut);
	note_verifier_free(v1);
	note_verifier_free(v2);
}

/* cairn, given Go's seeds, signs the same bytes Go does. */
static void test_go_byte_identical(void **state)
{
	keys_key *k1 = ed25519_from_seed(go_seed1), *k2 = ed25519_from_seed(go_seed2);
	note_signer *s[2] = {NULL, NULL};
	char *vkey = NULL, *note = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(note_vkey(go_name1, k1, &vkey), CAIRN_OK);
	assert_string_equal(vkey, go_vkey1);
	free(vkey);
	assert_int_equal(note_vkey(go_name2, k2, &vkey), CAIRN_OK);
	assert_string_equal(vkey, go_vkey2);
	free(vkey);
	assert_int_equal(note_signer_new(go_name1, k1, &s[0]), CAIRN_OK);
	assert_int_equal(note_signer_new(go_name2, k2, &s[1]), CAIRN_OK);
	assert_int_equal(note_sign(go_body, strlen(go_body), s, 2, &note, &len), CAIRN_OK);
	assert_string_equal(note, go_note);
	assert_int_equal(len, strlen(go_note));
	free(note);
	note_signer_free(s[0]);
	note_signer_free(s[1]);
	keys_free(k1);
	keys_free(k2);
}

static void test_go_doc_example(void **state)
{
	note_verifier *peter = NULL, *enoch = NULL;
	char msg[512];

	(void)state;
	assert_int_equal(note_verifier_from_vkey(peter_vkey, &peter), CAIRN_OK);
	assert_int_equal(note_verifier_from_vkey(enoch_vkey, &enoch), CAIRN_OK);
	snprintf(msg, sizeof(msg), "%s\n%s%s", peter_text, peter_sig, enoch_sig);
	assert_int_equal(open1(msg, peter), CAIRN_OK);
	assert_int_equal(open1(msg, enoch), CAIRN_OK);
	assert_int_equal(open2(msg, peter, enoch), CAIRN_OK);
	/* Go's "invalid signature" case: four letters spliced into the base64. */
	snprintf(msg, sizeof(msg), "%s\n%.60sABCD%s", peter_text, peter_sig, peter_sig + 60);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_VERIFY);
	/* Go's malformed cases. */
	snprintf(msg, sizeof(msg), "%s", peter_text);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	snprintf(msg, sizeof(msg), "%s\n", peter_text);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	snprintf(msg, sizeof(msg), "%s\n%.*s", peter_text, (int)strlen(peter_sig) - 1, peter_sig);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	snprintf(msg, sizeof(msg), "\x01%s\n%s", peter_text, peter_sig);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	snprintf(msg, sizeof(msg), "\xff%s\n%s", peter_text, peter_sig);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	snprintf(msg, sizeof(msg), "%s\n\xe2\x80\x94 Bad Name %s", peter_text, peter_sig + 17);
	assert_int_equal(open1(msg, peter), CAIRN_ERR_INVALID);
	note_verifier_free(peter);
	note_verifier_free(enoch);
}

/* --- verifier keys ------------------------------------------------------ */

static void test_vkey_roundtrip(void **state)
{
	struct fx *f = *state;
	note_verifier *v = NULL;
	char *vkey = NULL, *bad;

	assert_int_equal(note_vkey(NAME, f->ed, &vkey), CAIRN_OK);
	assert_true(strncmp(vkey, NAME "+", strlen(NAME) + 1) == 0);
	assert_int_equal(note_verifier_from_vkey(vkey, &v), CAIRN_OK);
	assert_int_equal(open1(f->note, v), CAIRN_OK);
	note_verifier_free(v);
	v = NULL;

	/* A wrong id (one hex digit changed). */
	bad = malloc(strlen(vkey) + 1);
	strcpy(bad, vkey);
	{
		char *id = strchr(bad, '+') + 1;
		id[7] = id[7] == '0' ? '1' : '0';
	}
	assert_int_equal(note_verifier_from_vkey(bad, &v), CAIRN_ERR_INVALID);
	assert_null(v);
	free(bad);
	/* The id is tied to the name as well. */
	bad = edit(vkey, "log.", "gol.");
	assert_int_equal(note_verifier_from_vkey(bad, &v), CAIRN_ERR_INVALID);
	free(bad);
	free(vkey);

	/* ECDSA keys have no C2SP verifier key. */
	assert_int_equal(note_vkey(NAME, f->ec, &vkey), CAIRN_ERR_INVALID);
	assert_int_equal(note_vkey("bad name", f->ed, &vkey), CAIRN_ERR_INVALID);
}

static void test_vkey_manglings(void **state)
{
	const char *vk = peter_vkey;
	size_t len = strlen(vk);
	note_verifier *v = NULL;
	char buf[128];

	(void)state;
	/* Go's TestNewVerifier: every proper substring and every byte bumped. */
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			snprintf(buf, sizeof(buf), "%.*s", (int)(j - i), vk + i);
			assert_int_not_equal(note_verifier_from_vkey(buf, &v), CAIRN_OK);
		}
	}
	for (size_t i = 0; i < len; i++) {
		strcpy(buf, vk);
		buf[i]++;
		assert_int_not_equal(note_verifier_from_vkey(buf, &v), CAIRN_OK);
	}
	assert_null(v);
	/* Wrong key length and unknown algorithm, with adjusted key hashes. */
	assert_int_equal(note_verifier_from_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkm"
	                                         "qq/LDE4izWy10TWBADKEY==",
	                                         &v),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(note_verifier_from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkm"
	                                         "qq/LDE4izWy10TW",
	                                         &v),
	                 CAIRN_ERR_UNSUPPORTED);
	/* Uppercase hex is accepted (Go's ParseUint takes it). */
	assert_int_equal(note_verifier_from_vkey("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkm"
	                                         "qq/LDE4izWy10TW",
	                                         &v),
	                 CAIRN_OK);
	note_verifier_free(v);
	note_verifier_free(NULL);
	note_signer_free(NULL);
}

/* --- checkpoints -------------------------------------------------------- */

static int parse(const char *body)
{
	note_checkpoint cp;
	return note_checkpoint_parse(body, strlen(body), &cp);
}

#define ROOT32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void test_checkpoint_parse(void **state)
{
	note_checkpoint cp;
	char origin[300], body[400];
	char *made = NULL;
	size_t len = 0;
	uint8_t root[32];

	(void)state;
	for (int i = 0; i < 32; i++)
		root[i] = (uint8_t)i;
	assert_int_equal(note_checkpoint_body("o - 1", 42, root, &made, &len), CAIRN_OK);
	assert_string_equal(made, "o - 1\n42\n" ROOT32 "\n");
	assert_int_equal(len, strlen(made));
	memset(&cp, 0xaa, sizeof(cp));
	assert_int_equal(note_checkpoint_parse(made, len, &cp), CAIRN_OK);
	assert_string_equal(cp.origin, "o - 1");
	assert_true(cp.size == 42);
	assert_memory_equal(cp.root, root, 32);
	free(made);

	assert_int_equal(parse("o\n0\n" ROOT32 "\n"), CAIRN_OK);
	assert_int_equal(parse("o\n18446744073709551615\n" ROOT32 "\n"), CAIRN_OK);
	assert_int_equal(note_checkpoint_parse("o\n18446744073709551615\n" ROOT32 "\n", 68, &cp), CAIRN_OK);
	assert_true(cp.size == UINT64_MAX);
	/* Extension lines are allowed and ignored. */
	assert_int_equal(parse("o\n5\n" ROOT32 "\next one\n\xe2\x80\x94 two\n"), CAIRN_OK);

	/* Size: leading zeros, signs, overflow, empty, not decimal. */
	assert_int_equal(parse("o\n05\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n00\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n+5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n-5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n 5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n18446744073709551616\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n99999999999999999999\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n0x5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	/* Origin: empty, 256 bytes; 255 is fine. */
	assert_int_equal(parse("\n5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	memset(origin, 'o', 256);
	origin[256] = '\0';
	snprintf(body, sizeof(body), "%s\n5\n" ROOT32 "\n", origin);
	assert_int_equal(parse(body), CAIRN_ERR_INVALID);
	assert_int_equal(note_checkpoint_body(origin, 5, root, &made, &len), CAIRN_ERR_INVALID);
	origin[255] = '\0';
	snprintf(body, sizeof(body), "%s\n5\n" ROOT32 "\n", origin);
	assert_int_equal(parse(body), CAIRN_OK);
	assert_int_equal(note_checkpoint_body(origin, 5, root, &made, &len), CAIRN_OK);
	assert_string_equal(made, body);
	free(made);
	assert_int_equal(note_checkpoint_body("", 5, root, &made, &len), CAIRN_ERR_INVALID);
	assert_int_equal(note_checkpoint_body("a\nb", 5, root, &made, &len), CAIRN_ERR_INVALID);
	/* Root: 31 and 33 bytes, non-canonical, unpadded, hex. */
	assert_int_equal(parse("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\n000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"),
	                 CAIRN_ERR_INVALID);
	/* Missing final newline, missing lines, empty extension line, CRLF. */
	assert_int_equal(parse("o\n5\n" ROOT32), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse(""), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\n" ROOT32 "\n\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\n5\n" ROOT32 "\next\n\n"), CAIRN_ERR_INVALID);
	assert_int_equal(parse("o\r\n5\n" ROOT32 "\n"), CAIRN_ERR_INVALID);
	/* Failure leaves *out alone. */
	memset(&cp, 0x55, sizeof(cp));
	assert_int_equal(parse("o\n5\n" ROOT32), CAIRN_ERR_INVALID);
	assert_int_equal(note_checkpoint_parse("o\n5\n", 4, &cp), CAIRN_ERR_INVALID);
	assert_int_equal((uint8_t)cp.origin[0], 0x55);
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;
	note_signer *s = NULL;
	note_verifier *v = NULL;
	keys_key *pub = NULL;
	char *note = NULL, *pem = NULL;
	size_t len = 0;

	/* Names: empty, with a space, with '+', with a Unicode space. */
	assert_int_equal(note_signer_new("", f->ec, &s), CAIRN_ERR_INVALID);
	assert_int_equal(note_signer_new("a b", f->ec, &s), CAIRN_ERR_INVALID);
	assert_int_equal(note_signer_new("a+b", f->ed, &s), CAIRN_ERR_INVALID);
	assert_int_equal(note_signer_new("a\xe3\x80\x80"
	                                 "b",
	                                 f->ed, &s),
	                 CAIRN_ERR_INVALID);
	assert_int_equal(note_verifier_new("a\nb", f->ed, &v), CAIRN_ERR_INVALID);
	/* A public key cannot sign. */
	assert_int_equal(keys_public_pem(f->ec, &pem, &len), CAIRN_OK);
	assert_int_equal(keys_from_public_pem(pem, len, &pub), CAIRN_OK);
	assert_int_equal(note_signer_new(NAME, pub, &s), CAIRN_ERR_INVALID);
	assert_null(s);
	assert_null(v);
	/* ... but verifies. */
	assert_int_equal(note_verifier_new(NAME, pub, &v), CAIRN_OK);
	assert_int_equal(open1(f->note, v), CAIRN_OK);
	note_verifier_free(v);
	keys_free(pub);
	free(pem);

	/* Bodies note_open would refuse are not signed. */
	assert_int_equal(note_sign("a", 1, &f->ecs, 1, &note, &len), CAIRN_ERR_INVALID);
	assert_int_equal(note_sign("", 0, &f->ecs, 1, &note, &len), CAIRN_ERR_INVALID);
	assert_int_equal(note_sign("a\r\n", 3, &f->ecs, 1, &note, &len), CAIRN_ERR_INVALID);
	assert_int_equal(note_sign("\xff\n", 2, &f->ecs, 1, &note, &len), CAIRN_ERR_INVALID);
	assert_int_equal(note_sign("a\n", 2, &f->ecs, 0, &note, &len), CAIRN_ERR_INVALID);
	assert_null(note);
	/* A body ending in a blank line still round-trips. */
	assert_int_equal(note_sign("a\n\n", 3, &f->eds, 1, &note, &len), CAIRN_OK);
	{
		size_t bl = 0;
		assert_int_equal(note_open(note, len, &f->edv, 1, &bl), CAIRN_OK);
		assert_int_equal(bl, 3);
	}
	free(note);
	note = NULL;
	/* Too big to sign. */
	{
		char *big = malloc(NOTE_MAX_SIZE);
		memset(big, 'a', NOTE_MAX_SIZE - 10);
		big[NOTE_MAX_SIZE - 11] = '\n';
		assert_int_equal(note_sign(big, NOTE_MAX_SIZE - 10, &f->ecs, 1, &note, &len),
		                 CAIRN_ERR_TOO_LARGE);
		assert_null(note);
		free(big);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_and_open),
	    cmocka_unit_test(test_single_signer_notes),
	    cmocka_unit_test(test_altered_body),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_wrong_name),
	    cmocka_unit_test(test_truncated_signature),
	    cmocka_unit_test(test_hint_mismatch_ignored),
	    cmocka_unit_test(test_malformed_notes),
	    cmocka_unit_test(test_unknown_only),
	    cmocka_unit_test(test_duplicates_and_limits),
	    cmocka_unit_test(test_go_known_answer),
	    cmocka_unit_test(test_go_byte_identical),
	    cmocka_unit_test(test_go_doc_example),
	    cmocka_unit_test(test_vkey_roundtrip),
	    cmocka_unit_test(test_vkey_manglings),
	    cmocka_unit_test(test_checkpoint_parse),
	    cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
