/* Fuzz target: signed notes (note_open), against two fixed test keys that
 * sign as "fuzz.example/log": an ECDSA P-256 key (Rekor v1 style) and an
 * Ed25519 key (C2SP style).
 *
 * Input, first byte even: a note to open. Invariants:
 *  - when note_open accepts, the signed text is a prefix of the note ending
 *    in "\n" followed by a blank line;
 *  - when it accepts with only the Ed25519 verifier, the note carries the
 *    very signature line we would make (Ed25519 signing is deterministic), so
 *    no other text or signature bytes can pass.
 * First byte odd: [nops] [nops x (op, pos16, val)] body. The body (made valid
 * note text) is signed with both keys, the ops mutate the signed note, and
 * note_open must never accept a note whose signed text differs from body. */
#include "fuzz.h"

#include "codec.h"
#include "err.h"
#include "keys.h"
#include "note.h"

#define NAME "fuzz.example/log"

static const char ec_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHRFNDky+jKYVf3r/\n"
                             "LJzKaLikRwHxGjVlrXWKarx75wKhRANCAAQpl+MG5BxbK9lVTNxYNy7deJvSpXj8\n"
                             "an2W/gaAhCQwgFUby7xyujsh7pMlCzWbnBsNHzmGvAQjSsLKBwfhHFRn\n"
                             "-----END PRIVATE KEY-----\n";
static const char ed_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MC4CAQAwBQYDK2VwBCIEIOZT3y857Er74jgHfVIioBDbsCPd9ZVT6Yi0XEjokS4u\n"
                             "-----END PRIVATE KEY-----\n";

static keys_key *ec, *ed;
static note_signer *sig_ec, *sig_ed;
static note_verifier *ver_ec, *ver_ed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (keys_from_private_pem(ec_pem, strlen(ec_pem), &ec) ||
	    keys_from_private_pem(ed_pem, strlen(ed_pem), &ed) || note_signer_new(NAME, ec, &sig_ec) ||
	    note_signer_new(NAME, ed, &sig_ed) || note_verifier_new(NAME, ec, &ver_ec) ||
	    note_verifier_new(NAME, ed, &ver_ed)) {
		fprintf(stderr, "fuzz_note: cannot set up keys\n");
		abort();
	}
	return 0;
}

/* Our own Ed25519 signature line for text. */
static char *ed_line(const char *text, size_t len)
{
	note_signer *one[1] = {sig_ed};
	char *note = NULL;
	size_t nlen = 0;
	if (note_sign(text, len, one, 1, &note, &nlen) != CAIRN_OK)
		return NULL;
	/* note = text "\n" line */
	char *line = strdup(note + len + 1);
	free(note);
	return line;
}

static void check_open(const uint8_t *data, size_t size)
{
	note_verifier *both[2] = {ver_ec, ver_ed}, *only_ed[1] = {ver_ed}, *only_ec[1] = {ver_ec};
	const char *s = (const char *)data;
	size_t bl = 777;
	int rc = note_open(s, size, both, 2, &bl);
	FUZZ_CHECK(rc == CAIRN_OK || rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_VERIFY ||
	               rc == CAIRN_ERR_TOO_LARGE,
	           "rc %d", rc);
	if (rc == CAIRN_OK) {
		FUZZ_CHECK(bl >= 1 && bl + 1 < size && s[bl - 1] == '\n' && s[bl] == '\n',
		           "bad body length %zu", bl);
	} else {
		FUZZ_CHECK(bl == 777, "*bodylen touched on failure");
	}
	rc = note_open(s, size, only_ed, 1, &bl);
	if (rc == CAIRN_OK) {
		char *line = ed_line(s, bl);
		FUZZ_CHECK(line != NULL, "accepted text cannot be signed");
		/* The line must be in the signature block. */
		size_t ll = strlen(line);
		int found = 0;
		for (const char *p = s + bl + 1; p + ll <= s + size; p++) {
			if ((p == s + bl + 1 || p[-1] == '\n') && memcmp(p, line, ll) == 0) {
				found = 1;
				break;
			}
		}
		FUZZ_CHECK(found, "Ed25519 verifier accepted a signature we did not make: %s",
		           fuzz_show(s, size));
		free(line);
	}
	(void)note_open(s, size, only_ec, 1, &bl);
	(void)note_open(s, size, NULL, 0, &bl);
}

static void check_mutated(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	unsigned nops = fuzz_u8(&in) % 8;
	uint8_t ops[8][4];
	for (unsigned i = 0; i < nops; i++)
		for (int j = 0; j < 4; j++)
			ops[i][j] = fuzz_u8(&in);
	/* The rest is the body: made into valid note text ending in "\n". */
	size_t blen = in.len;
	char *body = malloc(blen + 2);
	for (size_t i = 0; i < blen; i++) {
		uint8_t c = in.p[i];
		body[i] = (char)(c >= 0x20 && c < 0x7f ? c : c == 0 ? '\n' : 'a' + c % 26);
	}
	/* No blank lines inside the text: the last "\n\n" would split there. */
	for (size_t i = 1; i < blen; i++)
		if (body[i] == '\n' && body[i - 1] == '\n')
			body[i] = '.';
	if (blen == 0 || body[blen - 1] != '\n')
		body[blen++] = '\n';
	if (blen >= 2 && body[blen - 2] == '\n')
		body[blen - 2] = '.';
	if (blen == 1) {
		free(body);
		return;
	}
	note_signer *signers[2] = {sig_ed, sig_ec};
	char *note = NULL;
	size_t nlen = 0;
	if (note_sign(body, blen, signers, 2, &note, &nlen) != CAIRN_OK) {
		free(body);
		return;
	}
	note_verifier *both[2] = {ver_ec, ver_ed};
	size_t bl = 0;
	FUZZ_CHECK(note_open(note, nlen, both, 2, &bl) == CAIRN_OK && bl == blen,
	           "a fresh note does not open");
	/* Mutate. */
	size_t cap = nlen + 16;
	char *m = malloc(cap);
	memcpy(m, note, nlen);
	size_t mlen = nlen;
	for (unsigned i = 0; i < nops; i++) {
		size_t pos = mlen ? ((size_t)ops[i][1] << 8 | ops[i][2]) % mlen : 0;
		switch (ops[i][0] % 4) {
		case 0: /* flip one bit */
			if (mlen)
				m[pos] ^= (char)(1u << (ops[i][3] % 8));
			break;
		case 1: /* replace a byte */
			if (mlen)
				m[pos] = (char)ops[i][3];
			break;
		case 2: /* insert a byte */
			memmove(m + pos + 1, m + pos, mlen - pos);
			m[pos] = (char)ops[i][3];
			mlen++;
			break;
		case 3: /* delete a byte */
			if (mlen) {
				memmove(m + pos, m + pos + 1, mlen - pos - 1);
				mlen--;
			}
			break;
		}
	}
	int rc = note_open(m, mlen, both, 2, &bl);
	if (rc == CAIRN_OK)
		FUZZ_CHECK(bl == blen && memcmp(m, body, blen) == 0,
		           "a note with altered text verified:\n  %s", fuzz_show(m, mlen));
	free(m);
	free(note);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		check_mutated(data + 1, size - 1);
	else
		check_open(data + 1, size - 1);
	return 0;
}
