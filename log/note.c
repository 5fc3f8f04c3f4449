#include "note.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "codec.h"

#define HINT_SIZE 4
#define ALG_ED25519 0x01
/* A verifier key string is configuration, not a note; still, cap it. */
#define VKEY_MAX 4096

/* U+2014 EM DASH, then a space: the start of every signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(sig_prefix) - 1)

struct note_signer {
	char *name;
	size_t namelen;
	const keys_key *key; /* borrowed */
	uint8_t hint[HINT_SIZE];
};

struct note_verifier {
	char *name;
	size_t namelen;
	const keys_key *key; /* borrowed, or owned below */
	keys_key *owned;
	uint8_t hint[HINT_SIZE];
};

/* Decodes the UTF-8 sequence at p as Go's utf8.DecodeRune does, refusing
 * overlong forms, surrogates and code points past U+10FFFF. Returns its
 * length, or 0 when invalid. */
static size_t utf8_next(const uint8_t *p, const uint8_t *end, uint32_t *cp)
{
	size_t avail = (size_t)(end - p), n;
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (i > 1 && (p[i] < 0x80 || p[i] > 0xbf))
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* Valid UTF-8 with no control character other than "\n" (Go's note rule). */
static int text_ok(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n = utf8_next(p, end, &cp);
		if (n == 0 || (cp < 0x20 && cp != '\n'))
			return 0;
		p += n;
	}
	return 1;
}

/* Go's unicode.IsSpace. */
static int is_unicode_space(uint32_t cp)
{
	switch (cp) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return 1;
	}
	return cp >= 0x2000 && cp <= 0x200a;
}

/* Go's isValidName: non-empty UTF-8 without spaces or '+'; we also refuse
 * control characters, which no note may hold. */
static int name_ok(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;

	if (len == 0)
		return 0;
	while (p < end) {
		uint32_t cp;
		size_t n = utf8_next(p, end, &cp);
		if (n == 0 || cp < 0x20 || cp == '+' || is_unicode_space(cp))
			return 0;
		p += n;
	}
	return 1;
}

/* C2SP key hash: SHA-256(name || "\n" || key)[:4], key being 0x01 || pub. */
static int c2sp_hint(const char *name, size_t namelen, const uint8_t *key, size_t keylen,
                     uint8_t hint[HINT_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sum[EVP_MAX_MD_SIZE];
	int rc = CAIRN_ERR_CRYPTO;

	if (!ctx)
		return CAIRN_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(ctx, name, namelen) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 || EVP_DigestUpdate(ctx, key, keylen) != 1 ||
	    EVP_DigestFinal_ex(ctx, sum, NULL) != 1)
		goto out;
	memcpy(hint, sum, HINT_SIZE);
	rc = CAIRN_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int key_hint(const char *name, size_t namelen, const keys_key *key, uint8_t hint[HINT_SIZE])
{
	uint8_t buf[33];
	int rc;

	switch (keys_type_of(key)) {
	case KEYS_ECDSA_P256:
	case KEYS_ECDSA_P384:
	case KEYS_ECDSA_P521:
		/* Rekor v1: the hint is the start of the logID. */
		rc = keys_id(key, buf);
		if (rc == CAIRN_OK)
			memcpy(hint, buf, HINT_SIZE);
		return rc;
	case KEYS_ED25519:
		buf[0] = ALG_ED25519;
		rc = keys_ed25519_raw_public(key, buf + 1);
		if (rc)
			return rc;
		return c2sp_hint(name, namelen, buf, sizeof(buf), hint);
	default:
		return CAIRN_ERR_UNSUPPORTED;
	}
}

int note_checkpoint_body(const char *origin, uint64_t size, const uint8_t root[32], char **body, size_t *len)
{
	size_t olen, cap;
	char *buf;
	int n;

	if (!origin || !root || !body || !len)
		return CAIRN_ERR_INVALID;
	olen = strlen(origin);
	if (olen == 0 || olen >= sizeof(((note_checkpoint *)0)->origin) || !text_ok(origin, olen) ||
	    memchr(origin, '\n', olen))
		return CAIRN_ERR_INVALID;
	cap = olen + 1 + 20 + 1 + codec_b64_encoded_len(32) + 1 + 1;
	buf = malloc(cap);
	if (!buf)
		return CAIRN_ERR_NOMEM;
	n = snprintf(buf, cap, "%s\n%" PRIu64 "\n", origin, size);
	if (n < 0 || (size_t)n >= cap) {
		free(buf);
		return CAIRN_ERR_INVALID;
	}
	n += (int)codec_b64_encode(root, 32, buf + n);
	buf[n++] = '\n';
	buf[n] = '\0';
	*body = buf;
	*len = (size_t)n;
	return CAIRN_OK;
}

int note_checkpoint_parse(const char *body, size_t len, note_checkpoint *out)
{
	note_checkpoint cp;
	const char *p, *end, *nl;
	uint8_t root[33];
	size_t n, rootlen = 0;
	uint64_t size = 0;

	if (!body || !out)
		return CAIRN_ERR_INVALID;
	if (len > NOTE_MAX_SIZE)
		return CAIRN_ERR_TOO_LARGE;
	if (len == 0 || body[len - 1] != '\n' || !text_ok(body, len))
		return CAIRN_ERR_INVALID;
	p = body;
	end = body + len;
	memset(&cp, 0, sizeof(cp));

	/* Origin. */
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)(nl - p);
	if (n == 0 || n >= sizeof(cp.origin))
		return CAIRN_ERR_INVALID;
	memcpy(cp.origin, p, n);
	cp.origin[n] = '\0';
	p = nl + 1;

	/* Tree size: canonical decimal. */
	if (p == end)
		return CAIRN_ERR_INVALID;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)(nl - p);
	if (n == 0 || (n > 1 && p[0] == '0'))
		return CAIRN_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (p[i] < '0' || p[i] > '9')
			return CAIRN_ERR_INVALID;
		d = (unsigned)(p[i] - '0');
		if (size > (UINT64_MAX - d) / 10)
			return CAIRN_ERR_INVALID;
		size = size * 10 + d;
	}
	cp.size = size;
	p = nl + 1;

	/* Root hash. */
	if (p == end)
		return CAIRN_ERR_INVALID;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)(nl - p);
	if (n != codec_b64_encoded_len(32) || codec_b64_decode(p, n, root, &rootlen) != CAIRN_OK ||
	    rootlen != 32)
		return CAIRN_ERR_INVALID;
	memcpy(cp.root, root, 32);
	p = nl + 1;

	/* Extension lines: allowed, ignored, never empty. */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == p)
			return CAIRN_ERR_INVALID;
		p = nl + 1;
	}
	*out = cp;
	return CAIRN_OK;
}

int note_signer_new(const char *name, const keys_key *key, note_signer **out)
{
	note_signer *s = NULL;
	size_t namelen;
	int rc;

	if (!name || !key || !out)
		return CAIRN_ERR_INVALID;
	namelen = strlen(name);
	if (!name_ok(name, namelen) || namelen > NOTE_MAX_SIZE || !keys_has_private(key))
		return CAIRN_ERR_INVALID;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CAIRN_ERR_NOMEM;
	rc = key_hint(name, namelen, key, s->hint);
	if (rc)
		goto out;
	s->name = malloc(namelen + 1);
	if (!s->name) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	memcpy(s->name, name, namelen + 1);
	s->namelen = namelen;
	s->key = key;
	*out = s;
	s = NULL;
out:
	note_signer_free(s);
	return rc;
}

void note_signer_free(note_signer *s)
{
	if (!s)
		return;
	free(s->name);
	free(s);
}

/* Builds a verifier; takes ownership of owned (freed on failure) when set. */
static int verifier_make(const char *name, size_t namelen, const keys_key *key, keys_key *owned,
                         note_verifier **out)
{
	note_verifier *v = NULL;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	v->owned = owned;
	owned = NULL;
	rc = key_hint(name, namelen, key, v->hint);
	if (rc)
		goto out;
	v->name = malloc(namelen + 1);
	if (!v->name) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	memcpy(v->name, name, namelen);
	v->name[namelen] = '\0';
	v->namelen = namelen;
	v->key = key;
	*out = v;
	v = NULL;
out:
	keys_free(owned);
	note_verifier_free(v);
	return rc;
}

int note_verifier_new(const char *name, const keys_key *key, note_verifier **out)
{
	size_t namelen;

	if (!name || !key || !out)
		return CAIRN_ERR_INVALID;
	namelen = strlen(name);
	if (!name_ok(name, namelen) || namelen > NOTE_MAX_SIZE)
		return CAIRN_ERR_INVALID;
	return verifier_make(name, namelen, key, NULL, out);
}

int note_verifier_from_vkey(const char *vkey, note_verifier **out)
{
	const char *plus1, *plus2, *key64;
	uint8_t hash[HINT_SIZE], want[HINT_SIZE];
	uint8_t *key = NULL;
	size_t len, keylen = 0, namelen;
	keys_key *k = NULL;
	int rc = CAIRN_ERR_INVALID;

	if (!vkey || !out)
		return CAIRN_ERR_INVALID;
	len = strlen(vkey);
	if (len > VKEY_MAX)
		return CAIRN_ERR_TOO_LARGE;
	/* "<name>+<hash>+<key>": split at the first two '+', as Go's chop does
	 * (base64 may hold '+', names may not). */
	plus1 = strchr(vkey, '+');
	if (!plus1)
		goto out;
	plus2 = strchr(plus1 + 1, '+');
	if (!plus2)
		goto out;
	namelen = (size_t)(plus1 - vkey);
	key64 = plus2 + 1;
	if (!name_ok(vkey, namelen))
		goto out;
	if (codec_hex_decode(plus1 + 1, (size_t)(plus2 - plus1 - 1), hash, sizeof(hash)) != CAIRN_OK)
		goto out;
	if (codec_b64_decode_alloc(key64, strlen(key64), VKEY_MAX, &key, &keylen) != CAIRN_OK || keylen == 0)
		goto out;
	rc = c2sp_hint(vkey, namelen, key, keylen, want);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(hash, want, HINT_SIZE) != 0) {
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	if (key[0] != ALG_ED25519) {
		rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	if (keylen != 33) {
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	rc = keys_from_ed25519_raw_public(key + 1, &k);
	if (rc)
		goto out;
	rc = verifier_make(vkey, namelen, k, k, out);
	k = NULL;
out:
	free(key);
	return rc;
}

void note_verifier_free(note_verifier *v)
{
	if (!v)
		return;
	keys_free(v->owned);
	free(v->name);
	free(v);
}

int note_vkey(const char *name, const keys_key *ed25519, char **vkey)
{
	uint8_t key[33], hint[HINT_SIZE];
	char hex[2 * HINT_SIZE + 1], b64[64];
	size_t namelen, cap;
	char *buf;
	int rc;

	if (!name || !ed25519 || !vkey)
		return CAIRN_ERR_INVALID;
	namelen = strlen(name);
	if (!name_ok(name, namelen) || namelen > VKEY_MAX)
		return CAIRN_ERR_INVALID;
	key[0] = ALG_ED25519;
	rc = keys_ed25519_raw_public(ed25519, key + 1);
	if (rc)
		return rc;
	rc = c2sp_hint(name, namelen, key, sizeof(key), hint);
	if (rc)
		return rc;
	codec_hex_encode(hint, sizeof(hint), hex);
	codec_b64_encode(key, sizeof(key), b64);
	cap = namelen + 1 + sizeof(hex) + 1 + strlen(b64) + 1;
	buf = malloc(cap);
	if (!buf)
		return CAIRN_ERR_NOMEM;
	snprintf(buf, cap, "%s+%s+%s", name, hex, b64);
	*vkey = buf;
	return CAIRN_OK;
}

int note_sign(const char *body, size_t len, note_signer *const *signers, size_t n, char **note,
              size_t *notelen)
{
	char **b64 = NULL;
	uint8_t *sig = NULL, *raw = NULL;
	size_t siglen = 0, total, o;
	char *buf = NULL;
	int rc = CAIRN_OK;

	if (!body || !signers || !note || !notelen || n == 0)
		return CAIRN_ERR_INVALID;
	if (n > NOTE_MAX_SIGS || len >= NOTE_MAX_SIZE)
		return CAIRN_ERR_TOO_LARGE;
	/* Never sign what note_open would refuse to open. */
	if (len == 0 || body[len - 1] != '\n' || !text_ok(body, len))
		return CAIRN_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (!signers[i])
			return CAIRN_ERR_INVALID;
	}
	b64 = calloc(n, sizeof(*b64));
	if (!b64)
		return CAIRN_ERR_NOMEM;
	total = len + 1;
	for (size_t i = 0; i < n; i++) {
		rc = keys_sign(signers[i]->key, (const uint8_t *)body, len, &sig, &siglen);
		if (rc)
			goto out;
		raw = malloc(HINT_SIZE + siglen);
		if (!raw) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		memcpy(raw, signers[i]->hint, HINT_SIZE);
		memcpy(raw + HINT_SIZE, sig, siglen);
		b64[i] = codec_b64_encode_alloc(raw, HINT_SIZE + siglen);
		free(raw);
		raw = NULL;
		free(sig);
		sig = NULL;
		if (!b64[i]) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
		total += SIG_PREFIX_LEN + signers[i]->namelen + 1 + strlen(b64[i]) + 1;
	}
	if (total > NOTE_MAX_SIZE) {
		rc = CAIRN_ERR_TOO_LARGE;
		goto out;
	}
	buf = malloc(total + 1);
	if (!buf) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, body, len);
	o = len;
	buf[o++] = '\n';
	for (size_t i = 0; i < n; i++) {
		size_t bl = strlen(b64[i]);
		memcpy(buf + o, sig_prefix, SIG_PREFIX_LEN);
		o += SIG_PREFIX_LEN;
		memcpy(buf + o, signers[i]->name, signers[i]->namelen);
		o += signers[i]->namelen;
		buf[o++] = ' ';
		memcpy(buf + o, b64[i], bl);
		o += bl;
		buf[o++] = '\n';
	}
	buf[o] = '\0';
	*note = buf;
	*notelen = o;
	buf = NULL;
out:
	free(buf);
	free(raw);
	free(sig);
	for (size_t i = 0; i < n; i++)
		free(b64[i]);
	free(b64);
	return rc;
}

/* The one verifier for (name, hint): *idx, or CAIRN_ERR_NOT_FOUND when
 * none, CAIRN_ERR_INVALID when several (Go's ambiguous key). */
static int find_verifier(note_verifier *const *vs, size_t n, const char *name, size_t namelen,
                         const uint8_t hint[HINT_SIZE], size_t *idx)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		if (vs[i]->namelen != namelen || memcmp(vs[i]->name, name, namelen) != 0 ||
		    CRYPTO_memcmp(vs[i]->hint, hint, HINT_SIZE) != 0)
			continue;
		if (found++)
			return CAIRN_ERR_INVALID;
		*idx = i;
	}
	return found ? CAIRN_OK : CAIRN_ERR_NOT_FOUND;
}

int note_open(const char *note, size_t len, note_verifier *const *verifiers, size_t n, size_t *bodylen)
{
	const char *sigs, *end;
	size_t textlen, split = 0, nsig = 0, verified = 0, rawlen = 0;
	uint8_t *raw = NULL;
	char *seen = NULL;
	int found = 0, rc = CAIRN_ERR_INVALID;

	if (!note || !bodylen || (n && !verifiers))
		return CAIRN_ERR_INVALID;
	if (len > NOTE_MAX_SIZE)
		return CAIRN_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		if (!verifiers[i])
			return CAIRN_ERR_INVALID;
	}
	if (!text_ok(note, len))
		return CAIRN_ERR_INVALID;
	end = note + len;
	/* The signature block follows the last blank line. */
	for (size_t i = len; i >= 2; i--) {
		if (note[i - 2] == '\n' && note[i - 1] == '\n') {
			split = i - 2;
			found = 1;
			break;
		}
	}
	if (!found)
		return CAIRN_ERR_INVALID;
	textlen = split + 1;
	sigs = note + split + 2;
	if (sigs == end || end[-1] != '\n')
		return CAIRN_ERR_INVALID;

	/* Decoded signatures are never longer than 3/4 of the block. */
	raw = malloc((size_t)(end - sigs) / 4 * 3 + 3);
	seen = calloc(n ? n : 1, 1);
	if (!raw || !seen) {
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	while (sigs < end) {
		const char *nl = memchr(sigs, '\n', (size_t)(end - sigs));
		const char *line = sigs, *name, *sp, *b64;
		size_t linelen = (size_t)(nl - sigs), namelen, b64len, idx = 0;
		int r;

		sigs = nl + 1;
		if (linelen < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
			goto out;
		name = line + SIG_PREFIX_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp)
			goto out;
		namelen = (size_t)(sp - name);
		b64 = sp + 1;
		b64len = (size_t)(nl - b64);
		/* 4 bytes of hint and at least one of signature, as in Go. */
		if (b64len == 0 || codec_b64_decode(b64, b64len, raw, &rawlen) != CAIRN_OK ||
		    !name_ok(name, namelen) || rawlen < HINT_SIZE + 1)
			goto out;
		if (++nsig > NOTE_MAX_SIGS) {
			rc = CAIRN_ERR_TOO_LARGE;
			goto out;
		}
		r = find_verifier(verifiers, n, name, namelen, raw, &idx);
		if (r == CAIRN_ERR_NOT_FOUND)
			continue;
		if (r)
			goto out;
		/* Like Go, only a key's first signature line counts. */
		if (seen[idx])
			continue;
		seen[idx] = 1;
		r = keys_verify(verifiers[idx]->key, (const uint8_t *)note, textlen, raw + HINT_SIZE,
		                rawlen - HINT_SIZE);
		if (r) {
			rc = r == CAIRN_ERR_NOMEM ? r : CAIRN_ERR_VERIFY;
			goto out;
		}
		verified++;
	}
	if (verified == 0) {
		rc = CAIRN_ERR_VERIFY;
		goto out;
	}
	*bodylen = textlen;
	rc = CAIRN_OK;
out:
	free(seen);
	free(raw);
	return rc;
}
