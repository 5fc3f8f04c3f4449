/* cairn: checkpoints and signed notes (C2SP tlog-checkpoint, signed-note).
 *
 * A signed note is a text ending in "\n", a blank line, then one line per
 * signature: "— <name> <base64(4-byte key hint || signature)>\n" (U+2014).
 * Parsing follows Go's golang.org/x/mod/sumdb/note.Open, which is what other
 * verifiers run. Two kinds of key sign notes:
 *   ECDSA (Rekor v1): hint = first 4 bytes of SHA-256(DER SPKI), signature =
 *     ASN.1 DER ECDSA over the text with the curve's hash;
 *   Ed25519 (C2SP): hint = SHA-256(name || 0x0A || 0x01 || pubkey)[:4],
 *     signature = pure Ed25519 over the text.
 * Everything here is pure: no I/O. */
#ifndef CAIRN_NOTE_H
#define CAIRN_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

#define NOTE_MAX_SIZE (64 * 1024)
#define NOTE_MAX_SIGS 100

typedef struct note_checkpoint {
	char origin[256]; /* NUL-terminated */
	uint64_t size;
	uint8_t root[32];
} note_checkpoint;

/* "<origin>\n<size>\n<base64 root>\n". origin must be non-empty, under 256
 * bytes, UTF-8 without control characters (CAIRN_ERR_INVALID otherwise).
 * *body is NUL-terminated, *len excludes the NUL; caller frees *body with
 * free(). */
int note_checkpoint_body(const char *origin, uint64_t size, const uint8_t root[32], char **body, size_t *len);

/* Strictly parses a checkpoint body: origin non-empty and under 256 bytes;
 * size in decimal, no sign, no leading zero unless "0", fits in 64 bits;
 * root exactly 32 bytes of strict base64; then optional non-empty extension
 * lines (ignored); the whole ends in "\n", is UTF-8 and has no control
 * characters but "\n". CAIRN_ERR_INVALID on any deviation,
 * CAIRN_ERR_TOO_LARGE past NOTE_MAX_SIZE; *out untouched on failure. */
int note_checkpoint_parse(const char *body, size_t len, note_checkpoint *out);

typedef struct note_signer note_signer;
typedef struct note_verifier note_verifier;

/* A signer named name (non-empty UTF-8, no spaces, no '+') with an ECDSA or
 * Ed25519 private key. key is borrowed: valid until the signer is freed.
 * CAIRN_ERR_INVALID for a bad name or a public-only key,
 * CAIRN_ERR_UNSUPPORTED for another key type. Caller frees *out with
 * note_signer_free(). */
int note_signer_new(const char *name, const keys_key *key, note_signer **out);
void note_signer_free(note_signer *s);

/* A verifier for signatures by name with key (ECDSA or Ed25519). key is
 * borrowed: valid until the verifier is freed. Caller frees *out with
 * note_verifier_free(). */
int note_verifier_new(const char *name, const keys_key *key, note_verifier **out);

/* Parses a C2SP verifier key "<name>+<8 hex key id>+<base64(0x01 || 32-byte
 * Ed25519 key)>" and checks that the id matches name and key. The verifier
 * owns its key. CAIRN_ERR_INVALID for a malformed string or a wrong id,
 * CAIRN_ERR_UNSUPPORTED for an algorithm byte other than 0x01. Caller frees
 * *out with note_verifier_free(). */
int note_verifier_from_vkey(const char *vkey, note_verifier **out);
void note_verifier_free(note_verifier *v);

/* The verifier key string for name and an Ed25519 key (public part used).
 * Caller frees *vkey with free(). */
int note_vkey(const char *name, const keys_key *ed25519, char **vkey);

/* Signs body (which must end in "\n", be UTF-8 and hold no control
 * character but "\n") with each of the n (1..NOTE_MAX_SIGS) signers:
 * body, "\n", one signature line per signer in order. *note is
 * NUL-terminated, *notelen excludes the NUL; caller frees *note with free().
 * CAIRN_ERR_TOO_LARGE when the note would exceed NOTE_MAX_SIZE. */
int note_sign(const char *body, size_t len, note_signer *const *signers, size_t n, char **note,
              size_t *notelen);

/* Parses note as Go's note.Open does and checks signatures against the n
 * verifiers. Signatures whose (name, hint) match no verifier are ignored;
 * a repeated signature line from a key already seen is skipped. Returns
 * CAIRN_OK when at least one known signature verified and none failed, with
 * *bodylen the length of the signed text (through its final "\n");
 * CAIRN_ERR_VERIFY when a known signature fails or none is known;
 * CAIRN_ERR_INVALID for a malformed note (or two verifiers sharing a name
 * and hint that a signature names); CAIRN_ERR_TOO_LARGE over NOTE_MAX_SIZE
 * bytes or NOTE_MAX_SIGS signature lines. */
int note_open(const char *note, size_t len, note_verifier *const *verifiers, size_t n,
              size_t *bodylen) CAIRN_MUST_CHECK;

#endif
