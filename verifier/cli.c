/* cairn: the command-line client of the cairn transparency log.
 *
 * Signs blobs and OCI images and logs the signatures, verifies them
 * (offline from bundles, or online against the log), talks to the Rekor v1
 * API and monitors a log for consistency. Exit codes, for every command:
 * 0 ok, 1 verification failed (one line naming the failed check), 2 usage or
 * I/O error, 3 the log is inconsistent. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "bundle.h"
#include "client.h"
#include "codec.h"
#include "entry.h"
#include "files.h"
#include "image.h"
#include "jsonx.h"
#include "keys.h"
#include "monitor.h"
#include "note.h"
#include "tlog.h"
#include "verify.h"

#define EXIT_VERIFY 1
#define EXIT_USAGE 2
#define EXIT_INCONSISTENT 3
#define ERRLEN 1024
#define SIG_FILE_MAX (64 * 1024)

static const char *g_cmd = "";

static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	va_list ap;
	fprintf(f, "cairn%s%s: ", g_cmd[0] ? " " : "", g_cmd);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static int exit_code(int rc)
{
	switch (rc) {
	case CAIRN_OK:
		return 0;
	case CAIRN_ERR_VERIFY:
		return EXIT_VERIFY;
	case CAIRN_ERR_CORRUPT:
		return EXIT_INCONSISTENT;
	default:
		return EXIT_USAGE;
	}
}

/* Prints err the way its code asks and returns the exit code. */
static int fail(int rc, const char *err)
{
	if (rc == CAIRN_ERR_VERIFY)
		say(stderr, "verification failed: %s", err);
	else if (rc == CAIRN_ERR_CORRUPT)
		say(stderr, "LOG INCONSISTENCY: %s", err);
	else
		say(stderr, "%s", err);
	return exit_code(rc);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say(stderr, "%s (see cairn %s --help)", msg, g_cmd);
	return EXIT_USAGE;
}

/* ---- flags ---------------------------------------------------------------- */

typedef struct flag {
	const char *name;
	const char **str;  /* takes a value */
	int *on;           /* a switch */
	const char **list; /* repeatable value */
	size_t *nlist;
	size_t max;
} flag;

#define MAX_FLAGS 16

/* Parses argv (argv[0] is the command) against flags; positional arguments
 * go to pos. Returns -1 to go on, or an exit code (0 after --help). */
static int parse(int argc, char **argv, const flag *flags, const char *usage, char **pos, size_t minpos,
                 size_t maxpos, size_t *npos)
{
	struct option lo[MAX_FLAGS + 2];
	size_t nf = 0, np = 0;
	int c;

	for (; flags[nf].name; nf++) {
		lo[nf].name = flags[nf].name;
		lo[nf].has_arg = flags[nf].on ? no_argument : required_argument;
		lo[nf].flag = NULL;
		lo[nf].val = 256 + (int)nf;
	}
	lo[nf] = (struct option){"help", no_argument, NULL, 'h'};
	lo[nf + 1] = (struct option){0, 0, 0, 0};
	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":h", lo, NULL);
		if (c == -1)
			break;
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == ':')
			return usage_error("%s needs a value", argv[optind - 1]);
		if (c == '?')
			return usage_error("unknown option %s", argv[optind - 1]);
		const flag *f = &flags[c - 256];
		if (f->on) {
			*f->on = 1;
		} else if (f->list) {
			if (*f->nlist >= f->max)
				return usage_error("--%s given more than %zu times", f->name, f->max);
			f->list[(*f->nlist)++] = optarg;
		} else {
			if (*f->str)
				return usage_error("--%s given twice", f->name);
			if (!optarg[0])
				return usage_error("--%s needs a non-empty value", f->name);
			*f->str = optarg;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (np == maxpos)
			return usage_error("unexpected argument \"%s\"", argv[i]);
		pos[np++] = argv[i];
	}
	if (np < minpos)
		return usage_error("missing argument");
	*npos = np;
	return -1;
}

static int need(const char *v, const char *name)
{
	if (v)
		return 0;
	usage_error("missing --%s", name);
	return 1;
}

/* ---- keys and files --------------------------------------------------------- */

static int load_key(const char *path, int private, keys_key **out)
{
	int rc = private ? keys_load_private_file(path, out) : keys_load_public_file(path, out);
	switch (rc) {
	case CAIRN_OK:
		return CAIRN_OK;
	case CAIRN_ERR_NOT_FOUND:
		say(stderr, "cannot read key %s: no such file", path);
		break;
	case CAIRN_ERR_PERM:
		say(stderr, "refusing %s: it is readable or writable by group or others (chmod 600 %s)", path,
		    path);
		break;
	case CAIRN_ERR_TOO_LARGE:
		say(stderr, "%s is too large to be a key", path);
		break;
	case CAIRN_ERR_UNSUPPORTED:
		say(stderr, "%s: unsupported key (ECDSA P-256/P-384/P-521, Ed25519%s; unencrypted)", path,
		    private ? "" : " or RSA 2048-4096");
		break;
	case CAIRN_ERR_INVALID:
		say(stderr, "%s is not a PEM %s", path,
		    private ? "private key (PKCS#8 or SEC1)" : "public key or certificate");
		break;
	default:
		say(stderr, "cannot read key %s: %s", path, cairn_strerror(rc));
		break;
	}
	return rc;
}

/* The key must sign hashedrekord entries the log can check. */
static int signing_digest(const keys_key *k, const char *path, keys_digest *alg)
{
	if (tlog_signing_digest(k, alg) == CAIRN_OK)
		return CAIRN_OK;
	say(stderr,
	    "%s: only ECDSA keys can sign hashedrekord entries (the log checks Ed25519 ones as Ed25519ph, "
	    "which it "
	    "does not support); make one with cairn keygen --type ecdsa-p256",
	    path);
	return CAIRN_ERR_UNSUPPORTED;
}

/* A signature file: base64 text (as cosign writes) or raw bytes. */
static int read_signature(const char *path, uint8_t **sig, size_t *len)
{
	char err[ERRLEN];
	uint8_t *buf = NULL, *dec = NULL;
	size_t n, t, dlen;
	int rc = files_read(path, SIG_FILE_MAX, &buf, &n, err, sizeof err);
	if (rc) {
		fail(rc, err);
		return rc;
	}
	t = n;
	while (t > 0 && (buf[t - 1] == '\n' || buf[t - 1] == '\r' || buf[t - 1] == ' '))
		t--;
	if (t > 0 &&
	    codec_b64_decode_alloc((const char *)buf, t, ENTRY_MAX_SIGNATURE, &dec, &dlen) == CAIRN_OK &&
	    dlen > 0) {
		free(buf);
		*sig = dec;
		*len = dlen;
		return CAIRN_OK;
	}
	free(dec);
	if (n == 0 || n > ENTRY_MAX_SIGNATURE) {
		free(buf);
		say(stderr, "%s is not a signature (empty, or over %d bytes)", path, ENTRY_MAX_SIGNATURE);
		return CAIRN_ERR_INVALID;
	}
	*sig = buf;
	*len = n;
	return CAIRN_OK;
}

static int write_file(const char *path, const void *data, size_t len)
{
	char err[ERRLEN];
	int rc = files_write_atomic(path, data, len, 0644, err, sizeof err);
	if (rc)
		fail(rc, err);
	return rc;
}

static int open_client(const char *url, client **c)
{
	char err[ERRLEN];
	int rc = client_new(url, c, err, sizeof err);
	if (rc)
		usage_error("%s", err);
	return rc;
}

/* "sha256:<hex>" (or sha384/sha512) into alg and digest. */
static int parse_digest(const char *s, keys_digest *alg, uint8_t d[64], size_t *dlen)
{
	const char *hex = strchr(s, ':');
	if (!hex)
		return CAIRN_ERR_INVALID;
	if (strncmp(s, "sha256:", 7) == 0)
		*alg = KEYS_SHA256;
	else if (strncmp(s, "sha384:", 7) == 0)
		*alg = KEYS_SHA384;
	else if (strncmp(s, "sha512:", 7) == 0)
		*alg = KEYS_SHA512;
	else
		return CAIRN_ERR_INVALID;
	*dlen = tlog_digest_len(*alg);
	return codec_hex_decode(hex + 1, strlen(hex + 1), d, *dlen);
}

static void print_report(const verify_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		fprintf(stderr, "  - %s\n", rep->lines[i]);
}

/* Uploads a hashedrekord entry for (alg, digest, sig, signer): the proposed
 * entry is built and checked locally first, so the log's answer can be
 * held to the exact canonical body it must have logged. */
static int log_signature(client *c, keys_digest alg, const uint8_t *digest, size_t dlen, const uint8_t *sig,
                         size_t siglen, const keys_key *signer, const keys_key *log_key, tlog_entry **out,
                         int *existed)
{
	char err[ERRLEN], *proposed = NULL;
	size_t plen;
	entry *local = NULL;
	int rc;

	rc = tlog_proposed_hashedrekord(alg, digest, dlen, sig, siglen, signer, &proposed, &plen);
	if (rc) {
		say(stderr, "cannot build the entry: %s", cairn_strerror(rc));
		goto out;
	}
	rc = entry_from_proposed(proposed, plen, &local, err, sizeof err);
	if (rc) {
		rc = rc == CAIRN_ERR_VERIFY ? rc : CAIRN_ERR_INVALID;
		fail(rc, err);
		goto out;
	}
	rc = client_upload(c, proposed, plen, local->leaf, out, existed, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	if (log_key) {
		verify_report rep = {0};
		verify_input in = {signer, log_key, alg, digest, dlen, sig, siglen, *out, NULL};
		rc = verify_logged_signature(&in, &rep, err, sizeof err);
		if (rc) {
			fail(rc, err);
			tlog_entry_free(*out);
			*out = NULL;
			goto out;
		}
	}
out:
	entry_free(local);
	free(proposed);
	return rc;
}

static void print_logged(const client *c, const tlog_entry *e, int existed, int checked)
{
	char uuid[65];
	tlog_uuid(e, uuid);
	fprintf(stderr, "tlog entry %s with index: %llu\n", existed ? "already existed" : "created",
	        (unsigned long long)e->log_index);
	fprintf(stderr, "  UUID %s, %s/api/v1/log/entries/%s\n", uuid, client_url(c), uuid);
	if (!checked)
		fprintf(stderr,
		        "  (the log's SET and inclusion proof were not checked: pass --log-key for that)\n");
}

/* ---- keygen --------------------------------------------------------------- */

static const char usage_keygen[] =
    "usage: cairn keygen [--type ecdsa-p256|ed25519] PREFIX\n"
    "\n"
    "Generates a key pair: PREFIX.key (unencrypted PKCS#8 PEM, mode 0600) and\n"
    "PREFIX.pub (SubjectPublicKeyInfo PEM). Never overwrites either file.\n"
    "The default type is ecdsa-p256, the one that signs hashedrekord entries.\n";

static int cmd_keygen(int argc, char **argv)
{
	const char *type = NULL;
	char *pos[1], keypath[PATH_MAX], pubpath[PATH_MAX];
	size_t np;
	keys_key *k = NULL;
	keys_type t;
	int rc;
	flag flags[] = {{"type", &type, 0, 0, 0, 0}, {0}};

	rc = parse(argc, argv, flags, usage_keygen, pos, 1, 1, &np);
	if (rc >= 0)
		return rc;
	if (!type || strcmp(type, "ecdsa-p256") == 0)
		t = KEYS_ECDSA_P256;
	else if (strcmp(type, "ed25519") == 0)
		t = KEYS_ED25519;
	else
		return usage_error("--type is ecdsa-p256 or ed25519");
	if ((size_t)snprintf(keypath, sizeof keypath, "%s.key", pos[0]) >= sizeof keypath ||
	    (size_t)snprintf(pubpath, sizeof pubpath, "%s.pub", pos[0]) >= sizeof pubpath)
		return usage_error("PREFIX is too long");
	if (files_exists(keypath) || files_exists(pubpath)) {
		say(stderr, "%s exists; not overwriting it", files_exists(keypath) ? keypath : pubpath);
		return EXIT_USAGE;
	}
	rc = keys_generate(t, &k);
	if (rc) {
		say(stderr, "cannot generate a key: %s", cairn_strerror(rc));
		return EXIT_USAGE;
	}
	rc = keys_write_private_file(k, keypath);
	if (rc) {
		say(stderr, "cannot write %s: %s", keypath, cairn_strerror(rc));
		goto out;
	}
	rc = keys_write_public_file(k, pubpath);
	if (rc) {
		say(stderr, "cannot write %s: %s", pubpath, cairn_strerror(rc));
		unlink(keypath);
		goto out;
	}
	printf("Private key written to %s\nPublic key written to %s\n", keypath, pubpath);
out:
	keys_free(k);
	return exit_code(rc ? CAIRN_ERR_IO : CAIRN_OK);
}

/* ---- sign-blob / verify-blob ------------------------------------------------ */

static const char usage_sign_blob[] =
    "usage: cairn sign-blob --key KEY --log URL [--bundle OUT] [--log-key LOG.pub] FILE\n"
    "\n"
    "Signs FILE with the private key KEY (ECDSA), logs a hashedrekord entry in the\n"
    "log at URL and writes a Sigstore bundle v0.3 (signature, SET, inclusion proof,\n"
    "checkpoint) to OUT, by default FILE.sigstore.json. With --log-key the log's\n"
    "answer is verified before the bundle is written.\n";

static int cmd_sign_blob(int argc, char **argv)
{
	const char *key = NULL, *url = NULL, *out = NULL, *logkey = NULL;
	char *pos[1], err[ERRLEN], bpath[PATH_MAX], hint[45], *json = NULL;
	size_t np, len = 0, siglen = 0, jlen;
	const uint8_t *data = NULL;
	uint8_t digest[64], *sig = NULL;
	keys_key *k = NULL, *lk = NULL;
	keys_digest alg;
	client *c = NULL;
	tlog_entry *e = NULL;
	int rc, existed = 0, mapped = 0;
	flag flags[] = {{"key", &key, 0, 0, 0, 0},
	                {"log", &url, 0, 0, 0, 0},
	                {"bundle", &out, 0, 0, 0, 0},
	                {"log-key", &logkey, 0, 0, 0, 0},
	                {0}};

	rc = parse(argc, argv, flags, usage_sign_blob, pos, 1, 1, &np);
	if (rc >= 0)
		return rc;
	if (need(key, "key") || need(url, "log"))
		return EXIT_USAGE;
	if (!out) {
		if ((size_t)snprintf(bpath, sizeof bpath, "%s.sigstore.json", pos[0]) >= sizeof bpath)
			return usage_error("FILE is too long");
		out = bpath;
	}
	rc = open_client(url, &c);
	if (!rc)
		rc = load_key(key, 1, &k);
	if (!rc)
		rc = signing_digest(k, key, &alg);
	if (!rc && logkey)
		rc = load_key(logkey, 0, &lk);
	if (rc)
		goto out;
	rc = files_map(pos[0], &data, &len, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	mapped = 1;
	rc = tlog_digest(alg, data, len, digest);
	if (!rc)
		rc = keys_sign(k, data, len, &sig, &siglen);
	if (rc) {
		say(stderr, "cannot sign %s: %s", pos[0], cairn_strerror(rc));
		goto out;
	}
	rc = log_signature(c, alg, digest, tlog_digest_len(alg), sig, siglen, k, lk, &e, &existed);
	if (rc)
		goto out;
	rc = bundle_key_hint(k, hint);
	if (!rc)
		rc = bundle_sigstore_json(e, hint, alg, digest, tlog_digest_len(alg), sig, siglen, &json,
		                          &jlen);
	if (rc) {
		say(stderr, "cannot build the bundle: %s", cairn_strerror(rc));
		goto out;
	}
	rc = write_file(out, json, jlen);
	if (rc)
		goto out;
	print_logged(c, e, existed, lk != NULL);
	fprintf(stderr, "Wrote bundle to %s\n", out);
out:
	if (mapped)
		files_unmap(data, len);
	free(json);
	free(sig);
	tlog_entry_free(e);
	keys_free(k);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

static const char usage_verify_blob[] =
    "usage: cairn verify-blob --key KEY.pub --log-key LOG.pub [--bundle B] [--signature SIG]\n"
    "                         [--log URL] FILE\n"
    "\n"
    "Verifies FILE against a bundle (default FILE.sigstore.json): a Sigstore bundle\n"
    "(v0.1-v0.3, as cairn sign-blob or sigstore-js write) or a cosign bundle. Offline:\n"
    "  the bundle's digest is FILE's; the signature verifies with KEY.pub; the entry\n"
    "  was logged by LOG.pub's log; the logged body is this signature, key and\n"
    "  digest; the SET verifies with LOG.pub; an inclusion proof and its\n"
    "  checkpoint, when present, verify too.\n"
    "With --log URL, also online: the log serves the entry with a current inclusion\n"
    "proof, and its checkpoint is consistent with the bundled one.\n"
    "--signature (base64 or raw) is needed only for a bundle without the signature.\n"
    "Exit status: 0 verified, 1 verification failed, 2 usage or I/O error,\n"
    "3 the log is inconsistent.\n";

static int cmd_verify_blob(int argc, char **argv)
{
	const char *key = NULL, *logkey = NULL, *bpath = NULL, *sigpath = NULL, *url = NULL;
	char *pos[1], err[ERRLEN], dflt[PATH_MAX];
	size_t np, blen, xsiglen = 0;
	uint8_t *btext = NULL, digest[64], *xsig = NULL;
	keys_key *k = NULL, *lk = NULL;
	bundle *b = NULL;
	client *c = NULL;
	keys_digest alg;
	int rc;
	verify_report rep = {0};
	flag flags[] = {{"key", &key, 0, 0, 0, 0},      {"log-key", &logkey, 0, 0, 0, 0},
	                {"bundle", &bpath, 0, 0, 0, 0}, {"signature", &sigpath, 0, 0, 0, 0},
	                {"log", &url, 0, 0, 0, 0},      {0}};

	rc = parse(argc, argv, flags, usage_verify_blob, pos, 1, 1, &np);
	if (rc >= 0)
		return rc;
	if (need(key, "key") || need(logkey, "log-key"))
		return EXIT_USAGE;
	if (!bpath) {
		if ((size_t)snprintf(dflt, sizeof dflt, "%s.sigstore.json", pos[0]) >= sizeof dflt)
			return usage_error("FILE is too long");
		bpath = dflt;
	}
	rc = url ? open_client(url, &c) : CAIRN_OK;
	if (!rc)
		rc = load_key(key, 0, &k);
	if (!rc)
		rc = load_key(logkey, 0, &lk);
	if (rc)
		goto out;
	rc = files_read(bpath, BUNDLE_MAX, &btext, &blen, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	rc = bundle_parse((const char *)btext, blen, &b, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	rc = sigpath ? read_signature(sigpath, &xsig, &xsiglen) : CAIRN_OK;
	if (rc)
		goto out;
	if (!b->sig && !xsig) {
		rc = usage_error("the bundle holds no signature: give --signature");
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	if (b->sig && xsig && (xsiglen != b->sig_len || CRYPTO_memcmp(xsig, b->sig, xsiglen) != 0)) {
		rc = CAIRN_ERR_VERIFY;
		fail(rc, "signature: --signature is not the bundle's signature");
		goto out;
	}
	if (b->has_digest)
		alg = b->alg;
	else if (tlog_signing_digest(k, &alg) != CAIRN_OK)
		alg = KEYS_SHA256;
	rc = files_hash(pos[0], alg, digest, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	if (b->has_digest && CRYPTO_memcmp(b->digest, digest, b->digest_len) != 0) {
		snprintf(err, sizeof err, "artifact: the bundle's message digest is not the %s digest of %s",
		         tlog_digest_name(alg), pos[0]);
		rc = CAIRN_ERR_VERIFY;
		fail(rc, err);
		goto out;
	}
	verify_note(&rep, "the bundle's message digest is the %s digest of %s", tlog_digest_name(alg),
	            pos[0]);
	{
		verify_input in = {k,
		                   lk,
		                   alg,
		                   digest,
		                   tlog_digest_len(alg),
		                   b->sig ? b->sig : xsig,
		                   b->sig ? b->sig_len : xsiglen,
		                   b->tlog,
		                   c};
		rc = verify_logged_signature(&in, &rep, err, sizeof err);
	}
	if (rc) {
		fail(rc, err);
		goto out;
	}
	fprintf(stderr, "Verification for %s --\nThe following checks were performed:\n", pos[0]);
	print_report(&rep);
	printf("Verified OK\n");
out:
	free(btext);
	free(xsig);
	bundle_free(b);
	keys_free(k);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

/* ---- images ----------------------------------------------------------------- */

/* IMAGE is oci:DIR[:TAG] or sha256:<hex>. For a layout, resolves the tag
 * and checks the image manifest against its digest. */
typedef struct image_target {
	char *dir;
	const char *tag;
	image_layout *layout;
	uint8_t digest[32];
	char digest_str[72];
} image_target;

static void target_free(image_target *t)
{
	free(t->dir);
	image_layout_free(t->layout);
}

static int open_target(const char *ref, image_target *t, verify_report *rep)
{
	char err[ERRLEN], sub[ERRLEN / 2];
	image_desc d;
	uint8_t *m = NULL;
	size_t mlen;
	int rc;

	memset(t, 0, sizeof *t);
	if (strncmp(ref, "sha256:", 7) == 0) {
		if (strlen(ref) != 71 || codec_hex_decode(ref + 7, 64, t->digest, 32)) {
			usage_error("sha256:<hex> wants 64 hex digits");
			return CAIRN_ERR_INVALID;
		}
		memcpy(t->digest_str, "sha256:", 7);
		codec_hex_encode(t->digest, 32, t->digest_str + 7);
		return CAIRN_OK;
	}
	rc = image_parse_ref(ref, &t->dir, &t->tag, err, sizeof err);
	if (rc) {
		usage_error("%s", err);
		return rc;
	}
	rc = image_layout_open(t->dir, &t->layout, err, sizeof err);
	if (rc) {
		fail(rc, err);
		return rc;
	}
	rc = image_resolve_tag(t->layout, t->tag, &d, err, sizeof err);
	if (rc) {
		fail(rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_IO : rc, err);
		return rc;
	}
	if (strcmp(d.media_type, IMAGE_MT_MANIFEST) != 0 && strcmp(d.media_type, IMAGE_MT_INDEX) != 0 &&
	    strcmp(d.media_type, "application/vnd.docker.distribution.manifest.v2+json") != 0 &&
	    strcmp(d.media_type, "application/vnd.docker.distribution.manifest.list.v2+json") != 0) {
		snprintf(err, sizeof err, "tag %s names a %s, not an image manifest or index", t->tag,
		         d.media_type);
		fail(CAIRN_ERR_INVALID, err);
		return CAIRN_ERR_INVALID;
	}
	memcpy(t->digest, d.digest, 32);
	memcpy(t->digest_str, "sha256:", 7);
	codec_hex_encode(t->digest, 32, t->digest_str + 7);
	rc = image_read_blob(t->layout, &d, IMAGE_MAX_MANIFEST, &m, &mlen, sub, sizeof sub);
	free(m);
	if (rc) {
		snprintf(err, sizeof err, "image manifest: %s", sub);
		fail(rc, err);
		return rc;
	}
	if (rep)
		verify_note(rep, "the image manifest tagged %s matches its digest %s", t->tag, t->digest_str);
	return CAIRN_OK;
}

static const char usage_sign_image[] =
    "usage: cairn sign-image --key KEY --log URL [--bundle OUT] [--log-key LOG.pub]\n"
    "                        [--reference NAME] oci:DIR[:TAG]\n"
    "       cairn sign-image --key KEY --log URL --payload OUT --bundle OUT\n"
    "                        [--signature OUT] [--reference NAME] sha256:<hex>\n"
    "\n"
    "Signs an image the way cosign does: writes the simple-signing payload naming\n"
    "the image's manifest digest, signs it with KEY (ECDSA), logs a hashedrekord\n"
    "entry over the payload's digest in the log at URL, and stores the signature:\n"
    "  oci:DIR[:TAG]  an OCI image layout (TAG defaults to latest): the payload, a\n"
    "                 signature manifest tagged sha256-<hex>.sig whose layer carries\n"
    "                 the dev.cosignproject.cosign/signature and\n"
    "                 dev.sigstore.cosign/bundle annotations, then index.json,\n"
    "                 replaced atomically. An existing signature manifest keeps its\n"
    "                 signatures and gains one. --bundle also writes a Sigstore bundle.\n"
    "  sha256:<hex>   an image known by digest: the payload, the Sigstore bundle and\n"
    "                 (with --signature) the base64 signature go to files.\n"
    "--reference sets the payload's docker-reference (default: the layout's\n"
    "directory name). --log-key verifies the log's answer first.\n";

static int cmd_sign_image(int argc, char **argv)
{
	const char *key = NULL, *url = NULL, *bout = NULL, *logkey = NULL, *ref = NULL, *pout = NULL,
	           *sout = NULL;
	char *pos[1], err[ERRLEN], *payload = NULL, *sigb64 = NULL, *ann = NULL, *json = NULL, hint[45],
	                           tag[80];
	char *dcopy = NULL;
	size_t np, plen, siglen = 0, annlen, jlen;
	uint8_t digest[64], *sig = NULL;
	keys_key *k = NULL, *lk = NULL;
	keys_digest alg;
	client *c = NULL;
	tlog_entry *e = NULL;
	image_target t = {0};
	int rc, existed = 0;
	flag flags[] = {{"key", &key, 0, 0, 0, 0},        {"log", &url, 0, 0, 0, 0},
	                {"bundle", &bout, 0, 0, 0, 0},    {"log-key", &logkey, 0, 0, 0, 0},
	                {"reference", &ref, 0, 0, 0, 0},  {"payload", &pout, 0, 0, 0, 0},
	                {"signature", &sout, 0, 0, 0, 0}, {0}};

	rc = parse(argc, argv, flags, usage_sign_image, pos, 1, 1, &np);
	if (rc >= 0)
		return rc;
	if (need(key, "key") || need(url, "log"))
		return EXIT_USAGE;
	if (strncmp(pos[0], "sha256:", 7) == 0) {
		if (!pout || !bout)
			return usage_error("signing sha256:<hex> needs --payload OUT and --bundle OUT");
	} else if (pout || sout) {
		return usage_error("--payload and --signature are for sha256:<hex> images");
	}
	rc = open_client(url, &c);
	if (!rc)
		rc = load_key(key, 1, &k);
	if (!rc)
		rc = signing_digest(k, key, &alg);
	if (!rc && logkey)
		rc = load_key(logkey, 0, &lk);
	if (!rc)
		rc = open_target(pos[0], &t, NULL);
	if (rc)
		goto out;
	if (!ref && t.dir) {
		dcopy = strdup(t.dir);
		ref = dcopy ? basename(dcopy) : NULL;
	}
	if (!ref)
		ref = "";
	rc = image_payload(t.digest, ref, &payload, &plen);
	if (!rc)
		rc = tlog_digest(alg, (const uint8_t *)payload, plen, digest);
	if (!rc)
		rc = keys_sign(k, (const uint8_t *)payload, plen, &sig, &siglen);
	if (!rc) {
		sigb64 = codec_b64_encode_alloc(sig, siglen);
		rc = sigb64 ? CAIRN_OK : CAIRN_ERR_NOMEM;
	}
	if (rc) {
		say(stderr, "cannot sign the payload: %s", cairn_strerror(rc));
		goto out;
	}
	rc = log_signature(c, alg, digest, tlog_digest_len(alg), sig, siglen, k, lk, &e, &existed);
	if (rc)
		goto out;
	if (bout) {
		rc = bundle_key_hint(k, hint);
		if (!rc)
			rc = bundle_sigstore_json(e, hint, alg, digest, tlog_digest_len(alg), sig, siglen,
			                          &json, &jlen);
		if (rc) {
			say(stderr, "cannot build the bundle: %s", cairn_strerror(rc));
			goto out;
		}
	}
	if (t.layout) {
		rc = bundle_cosign_json(e, &ann, &annlen);
		if (rc) {
			say(stderr, "cannot build the bundle annotation: %s", cairn_strerror(rc));
			goto out;
		}
		rc = image_add_signature(t.layout, t.digest, (const uint8_t *)payload, plen, sigb64, ann, err,
		                         sizeof err);
		if (rc) {
			/* A signature manifest that does not verify is the layout's
			 * problem here, not a verification result. */
			rc = rc == CAIRN_ERR_VERIFY ? CAIRN_ERR_IO : rc;
			fail(rc, err);
			goto out;
		}
		image_sig_tag(t.digest, tag);
		fprintf(stderr, "Pushing signature to: oci:%s:%s\n", t.dir, tag);
	} else {
		size_t sl = strlen(sigb64);
		rc = write_file(pout, payload, plen);
		if (rc)
			goto out;
		fprintf(stderr, "Wrote payload to %s\n", pout);
		if (sout) {
			sigb64[sl] = '\n'; /* the NUL, briefly: a text file ends in a newline */
			rc = write_file(sout, sigb64, sl + 1);
			sigb64[sl] = '\0';
			if (rc)
				goto out;
			fprintf(stderr, "Wrote signature to %s\n", sout);
		}
	}
	if (json) {
		rc = write_file(bout, json, jlen);
		if (rc)
			goto out;
		fprintf(stderr, "Wrote bundle to %s\n", bout);
	}
	print_logged(c, e, existed, lk != NULL);
	printf("%s\n", t.digest_str);
out:
	free(dcopy);
	free(payload);
	free(sig);
	free(sigb64);
	free(ann);
	free(json);
	tlog_entry_free(e);
	target_free(&t);
	keys_free(k);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

static const char usage_verify_image[] =
    "usage: cairn verify-image --key KEY.pub --log-key LOG.pub [--log URL] oci:DIR[:TAG]\n"
    "       cairn verify-image --key KEY.pub --log-key LOG.pub [--log URL]\n"
    "                          --payload P --bundle B [--signature S] sha256:<hex>\n"
    "\n"
    "Verifies an image signature as cosign does, offline unless --log is given:\n"
    "  the image manifest matches its digest (layouts); the signature manifest\n"
    "  sha256-<hex>.sig and every blob it names match their digests; the payload is\n"
    "  a cosign container image signature naming the image's manifest digest; the\n"
    "  signature verifies over the payload with KEY.pub; the entry was logged by\n"
    "  LOG.pub's log; the logged body is this signature, key and payload digest; the\n"
    "  SET verifies with LOG.pub; a bundled inclusion proof and checkpoint verify.\n"
    "With --log URL also online: the log serves the entry with a current inclusion\n"
    "proof, consistent with the bundled checkpoint if there is one.\n"
    "Prints the checks to stderr and the verified payloads (a JSON array) to stdout.\n"
    "A layout passes when at least one of its signatures verifies.\n"
    "Exit status: 0 verified, 1 verification failed, 2 usage or I/O error,\n"
    "3 the log is inconsistent.\n";

/* One signature of an image: payload, signature, bundle. */
static int verify_one(const keys_key *k, const keys_key *lk, client *c, const uint8_t image_digest[32],
                      const uint8_t *payload, size_t plen, const uint8_t *sig, size_t siglen, const bundle *b,
                      verify_report *rep, char *err, size_t errlen)
{
	uint8_t digest[64];
	keys_digest alg;
	int rc;

	rc = image_payload_check(payload, plen, image_digest, err, errlen);
	if (rc)
		return rc;
	verify_note(rep, "the payload is a cosign container image signature naming the image's digest");
	if (tlog_signing_digest(k, &alg) != CAIRN_OK)
		alg = KEYS_SHA256;
	if (b->has_digest)
		alg = b->alg;
	rc = tlog_digest(alg, payload, plen, digest);
	if (rc)
		return rc;
	if (b->has_digest && CRYPTO_memcmp(b->digest, digest, b->digest_len) != 0) {
		snprintf(err, errlen, "bundle: its message digest is not the payload's %s digest",
		         tlog_digest_name(alg));
		return CAIRN_ERR_VERIFY;
	}
	verify_input in = {k, lk, alg, digest, tlog_digest_len(alg), sig, siglen, b->tlog, c};
	return verify_logged_signature(&in, rep, err, errlen);
}

/* Worse results win: an inconsistent log, then errors, then failures. */
static int worse(int a, int b)
{
	int ra = a == CAIRN_ERR_CORRUPT ? 3 : a == CAIRN_OK ? 0 : a == CAIRN_ERR_VERIFY ? 1 : 2;
	int rb = b == CAIRN_ERR_CORRUPT ? 3 : b == CAIRN_OK ? 0 : b == CAIRN_ERR_VERIFY ? 1 : 2;
	return rb > ra ? b : a;
}

static int verify_layout(const image_target *t, const keys_key *k, const keys_key *lk, client *c,
                         verify_report *head)
{
	char err[ERRLEN / 2], sub[ERRLEN], reasons[2 * ERRLEN] = "";
	image_sigs *s = NULL;
	verify_report *reps = calloc(IMAGE_MAX_LAYERS, sizeof *reps);
	int ok[IMAGE_MAX_LAYERS] = {0}, rc, worst = CAIRN_OK, nok = 0;

	if (!reps) {
		say(stderr, "out of memory");
		return CAIRN_ERR_NOMEM;
	}
	rc = image_signatures(t->layout, t->digest, &s, err, sizeof err);
	if (rc) {
		free(reps);
		/* No signature, or blobs that do not match: the image does not verify. */
		rc = rc == CAIRN_ERR_NOT_FOUND ? CAIRN_ERR_VERIFY : rc;
		fail(rc, err);
		return rc;
	}
	{
		char tag[80];
		image_sig_tag(t->digest, tag);
		verify_note(head,
		            "the signature manifest %s, its config and its %zu payload%s match their digests",
		            tag, s->n, s->n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < s->n; i++) {
		image_sig *g = &s->sigs[i];
		bundle *b = NULL;
		uint8_t *sig = NULL;
		size_t siglen = 0;
		if (!g->signature ||
		    codec_b64_decode_alloc(g->signature, strlen(g->signature), ENTRY_MAX_SIGNATURE, &sig,
		                           &siglen) ||
		    siglen == 0) {
			snprintf(sub, sizeof sub, "signature annotation: missing or not base64");
			rc = CAIRN_ERR_VERIFY;
		} else if (!g->bundle) {
			snprintf(sub, sizeof sub,
			         "bundle annotation: missing (the signature was not logged)");
			rc = CAIRN_ERR_VERIFY;
		} else {
			rc = bundle_parse(g->bundle, strlen(g->bundle), &b, err, sizeof err);
			if (rc) {
				/* A bundle annotation that does not parse is part of an
				 * image that does not verify. */
				snprintf(sub, sizeof sub, "bundle annotation: %s", err);
				rc = rc == CAIRN_ERR_NOMEM ? rc : CAIRN_ERR_VERIFY;
			} else if (b->sig &&
			           (b->sig_len != siglen || CRYPTO_memcmp(b->sig, sig, siglen) != 0)) {
				snprintf(sub, sizeof sub,
				         "bundle annotation: its signature is not the signature annotation");
				rc = CAIRN_ERR_VERIFY;
			} else {
				rc = verify_one(k, lk, c, t->digest, g->payload, g->payload_len, sig, siglen,
				                b, &reps[i], sub, sizeof sub);
			}
		}
		free(sig);
		bundle_free(b);
		if (rc == CAIRN_OK) {
			ok[i] = 1;
			nok++;
			continue;
		}
		worst = worse(worst, rc);
		if (s->n == 1)
			snprintf(reasons, sizeof reasons, "%s", sub);
		else {
			size_t used = strlen(reasons);
			snprintf(reasons + used, sizeof reasons - used, "%s[signature %zu] %s",
			         used ? "; " : "", i, sub);
		}
	}
	if (!nok) {
		free(reps);
		image_sigs_free(s);
		if (worst == CAIRN_OK)
			worst = CAIRN_ERR_VERIFY;
		fail(worst, reasons);
		return worst;
	}
	fprintf(stderr,
	        "\nVerification for %s:%s (%s) --\nThe following checks were performed on each of these "
	        "signatures:\n",
	        t->dir, t->tag, t->digest_str);
	print_report(head);
	for (size_t i = 0; i < s->n; i++) {
		if (!ok[i])
			continue;
		if (nok > 1 || s->n > 1)
			fprintf(stderr, "  signature %zu:\n", i);
		print_report(&reps[i]);
	}
	if (nok < (int)s->n)
		fprintf(stderr, "  (%zu of the %zu signatures did not verify: %s)\n", s->n - (size_t)nok,
		        s->n, reasons);
	fputc('[', stdout);
	for (size_t i = 0, first = 1; i < s->n; i++) {
		if (!ok[i])
			continue;
		if (!first)
			fputc(',', stdout);
		first = 0;
		fwrite(s->sigs[i].payload, 1, s->sigs[i].payload_len, stdout);
	}
	fputs("]\n", stdout);
	free(reps);
	image_sigs_free(s);
	return CAIRN_OK;
}

static int cmd_verify_image(int argc, char **argv)
{
	const char *key = NULL, *logkey = NULL, *url = NULL, *ppath = NULL, *spath = NULL, *bpath = NULL;
	char *pos[1], err[ERRLEN];
	size_t np, plen, blen, siglen = 0;
	uint8_t *payload = NULL, *btext = NULL, *sig = NULL;
	keys_key *k = NULL, *lk = NULL;
	client *c = NULL;
	bundle *b = NULL;
	image_target t = {0};
	verify_report head = {0};
	int rc;
	flag flags[] = {{"key", &key, 0, 0, 0, 0},
	                {"log-key", &logkey, 0, 0, 0, 0},
	                {"log", &url, 0, 0, 0, 0},
	                {"payload", &ppath, 0, 0, 0, 0},
	                {"signature", &spath, 0, 0, 0, 0},
	                {"bundle", &bpath, 0, 0, 0, 0},
	                {0}};

	rc = parse(argc, argv, flags, usage_verify_image, pos, 1, 1, &np);
	if (rc >= 0)
		return rc;
	if (need(key, "key") || need(logkey, "log-key"))
		return EXIT_USAGE;
	if (strncmp(pos[0], "sha256:", 7) == 0) {
		if (!ppath || !bpath)
			return usage_error("verifying sha256:<hex> needs --payload and --bundle");
	} else if (ppath || spath || bpath) {
		return usage_error("--payload, --signature and --bundle are for sha256:<hex> images");
	}
	rc = url ? open_client(url, &c) : CAIRN_OK;
	if (!rc)
		rc = load_key(key, 0, &k);
	if (!rc)
		rc = load_key(logkey, 0, &lk);
	if (!rc)
		rc = open_target(pos[0], &t, &head);
	if (rc)
		goto out;
	if (t.layout) {
		rc = verify_layout(&t, k, lk, c, &head);
		goto out;
	}
	rc = files_read(ppath, IMAGE_MAX_PAYLOAD, &payload, &plen, err, sizeof err);
	if (!rc)
		rc = files_read(bpath, BUNDLE_MAX, &btext, &blen, err, sizeof err);
	if (!rc)
		rc = bundle_parse((const char *)btext, blen, &b, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	rc = spath ? read_signature(spath, &sig, &siglen) : CAIRN_OK;
	if (rc)
		goto out;
	if (!b->sig && !sig) {
		usage_error("the bundle holds no signature: give --signature");
		rc = CAIRN_ERR_INVALID;
		goto out;
	}
	if (b->sig && sig && (siglen != b->sig_len || CRYPTO_memcmp(sig, b->sig, siglen) != 0)) {
		rc = CAIRN_ERR_VERIFY;
		fail(rc, "signature: --signature is not the bundle's signature");
		goto out;
	}
	rc = verify_one(k, lk, c, t.digest, payload, plen, b->sig ? b->sig : sig,
	                b->sig ? b->sig_len : siglen, b, &head, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	fprintf(
	    stderr,
	    "\nVerification for %s --\nThe following checks were performed on each of these signatures:\n",
	    t.digest_str);
	print_report(&head);
	fputc('[', stdout);
	fwrite(payload, 1, plen, stdout);
	fputs("]\n", stdout);
out:
	free(payload);
	free(btext);
	free(sig);
	bundle_free(b);
	target_free(&t);
	keys_free(k);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

/* ---- upload, get, search, loginfo ------------------------------------------- */

static const char usage_upload[] =
    "usage: cairn upload --log URL (--artifact FILE | --digest sha256:<hex>)\n"
    "                    --signature SIG --public-key KEY.pub [--log-key LOG.pub]\n"
    "\n"
    "Logs a hashedrekord entry: the signature SIG (base64 or raw) by KEY.pub over\n"
    "FILE's sha256 digest (or the given sha256/sha384/sha512 digest). The entry is\n"
    "checked locally first; an entry already in the log is fetched instead.\n"
    "--log-key verifies the log's SET and inclusion proof for it.\n";

static int cmd_upload(int argc, char **argv)
{
	const char *url = NULL, *art = NULL, *dg = NULL, *sigpath = NULL, *pub = NULL, *logkey = NULL;
	char *pos[1], err[ERRLEN];
	size_t np, siglen = 0, dlen = 32;
	uint8_t digest[64], *sig = NULL;
	keys_key *k = NULL, *lk = NULL;
	keys_digest alg = KEYS_SHA256;
	client *c = NULL;
	tlog_entry *e = NULL;
	int rc, existed = 0;
	flag flags[] = {{"log", &url, 0, 0, 0, 0},
	                {"artifact", &art, 0, 0, 0, 0},
	                {"digest", &dg, 0, 0, 0, 0},
	                {"signature", &sigpath, 0, 0, 0, 0},
	                {"public-key", &pub, 0, 0, 0, 0},
	                {"log-key", &logkey, 0, 0, 0, 0},
	                {0}};

	rc = parse(argc, argv, flags, usage_upload, pos, 0, 0, &np);
	if (rc >= 0)
		return rc;
	if (need(url, "log") || need(sigpath, "signature") || need(pub, "public-key"))
		return EXIT_USAGE;
	if (!!art == !!dg)
		return usage_error("give one of --artifact or --digest");
	if (dg && parse_digest(dg, &alg, digest, &dlen))
		return usage_error("--digest is sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>");
	rc = open_client(url, &c);
	if (!rc)
		rc = load_key(pub, 0, &k);
	if (!rc && logkey)
		rc = load_key(logkey, 0, &lk);
	if (!rc)
		rc = read_signature(sigpath, &sig, &siglen);
	if (rc)
		goto out;
	if (art) {
		rc = files_hash(art, alg, digest, err, sizeof err);
		if (rc) {
			fail(rc, err);
			goto out;
		}
	}
	rc = log_signature(c, alg, digest, dlen, sig, siglen, k, lk, &e, &existed);
	if (rc)
		goto out;
	{
		char uuid[65];
		tlog_uuid(e, uuid);
		if (existed)
			printf("Entry already exists; available at: %s/api/v1/log/entries/%s\n",
			       client_url(c), uuid);
		else
			printf("Created entry at index %llu, available at: %s/api/v1/log/entries/%s\n",
			       (unsigned long long)e->log_index, client_url(c), uuid);
		if (lk)
			printf("The log's SET and inclusion proof verified with %s\n", logkey);
	}
out:
	free(sig);
	tlog_entry_free(e);
	keys_free(k);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

static const char usage_get[] =
    "usage: cairn get --log URL (--uuid UUID | --log-index N) [--log-key LOG.pub]\n"
    "\n"
    "Fetches one entry and prints its index, time, UUID and body. With --log-key,\n"
    "verifies its SET and inclusion proof (to a checkpoint signed by the log key).\n";

static int cmd_get(int argc, char **argv)
{
	const char *url = NULL, *uuid = NULL, *idx = NULL, *logkey = NULL;
	char *pos[1], err[ERRLEN], id[65], when[32], logid[65];
	size_t np;
	uint64_t index;
	keys_key *lk = NULL;
	client *c = NULL;
	tlog_entry *e = NULL;
	int rc;
	flag flags[] = {{"log", &url, 0, 0, 0, 0},
	                {"uuid", &uuid, 0, 0, 0, 0},
	                {"log-index", &idx, 0, 0, 0, 0},
	                {"log-key", &logkey, 0, 0, 0, 0},
	                {0}};

	rc = parse(argc, argv, flags, usage_get, pos, 0, 0, &np);
	if (rc >= 0)
		return rc;
	if (need(url, "log"))
		return EXIT_USAGE;
	if (!!uuid == !!idx)
		return usage_error("give one of --uuid or --log-index");
	if (idx && jsonx_parse_u64(idx, strlen(idx), &index))
		return usage_error("--log-index wants a non-negative decimal integer");
	rc = open_client(url, &c);
	if (!rc && logkey)
		rc = load_key(logkey, 0, &lk);
	if (rc)
		goto out;
	rc = uuid ? client_entry_by_uuid(c, uuid, &e, err, sizeof err)
	          : client_entry_by_index(c, index, &e, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	tlog_uuid(e, id);
	verify_time(e->integrated_time, when);
	codec_hex_encode(e->log_id, 32, logid);
	printf("LogID: %s\nIndex: %llu\nIntegratedTime: %s\nUUID: %s\nBody: %s\n", logid,
	       (unsigned long long)e->log_index, when, id, (const char *)e->body);
	if (lk) {
		note_checkpoint cp;
		rc = tlog_verify_log_id(e, lk, err, sizeof err);
		if (!rc)
			rc = tlog_verify_set(e, lk, err, sizeof err);
		if (!rc)
			rc = tlog_verify_inclusion(e, lk, &cp, err, sizeof err);
		if (rc) {
			fail(rc, err);
			goto out;
		}
		printf("Verified: the SET and the inclusion proof to the checkpoint of size %llu, with %s\n",
		       (unsigned long long)cp.size, logkey);
	}
out:
	tlog_entry_free(e);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

static const char usage_search[] =
    "usage: cairn search --log URL [--artifact FILE | --sha sha256:<hex>] [--public-key KEY.pub]\n"
    "\n"
    "Prints the IDs of the entries over an artifact's digest and/or made with a key\n"
    "(both: entries matching both), one per line.\n";

static int cmd_search(int argc, char **argv)
{
	const char *url = NULL, *art = NULL, *sha = NULL, *pub = NULL;
	char *pos[1], err[ERRLEN], hash[140], **ids = NULL;
	size_t np, n = 0, pemlen = 0;
	uint8_t digest[64], *pem = NULL;
	client *c = NULL;
	int rc;
	flag flags[] = {{"log", &url, 0, 0, 0, 0},
	                {"artifact", &art, 0, 0, 0, 0},
	                {"sha", &sha, 0, 0, 0, 0},
	                {"public-key", &pub, 0, 0, 0, 0},
	                {0}};

	rc = parse(argc, argv, flags, usage_search, pos, 0, 0, &np);
	if (rc >= 0)
		return rc;
	if (need(url, "log"))
		return EXIT_USAGE;
	if (art && sha)
		return usage_error("give --artifact or --sha, not both");
	if (!art && !sha && !pub)
		return usage_error("give --artifact, --sha or --public-key");
	if (sha) {
		keys_digest alg;
		size_t dlen;
		if (parse_digest(sha, &alg, digest, &dlen))
			return usage_error("--sha is sha256:<64 hex> (or sha384/sha512)");
		snprintf(hash, sizeof hash, "%s:", tlog_digest_name(alg));
		codec_hex_encode(digest, dlen, hash + 7);
	}
	rc = open_client(url, &c);
	if (rc)
		goto out;
	if (art) {
		rc = files_hash(art, KEYS_SHA256, digest, err, sizeof err);
		if (rc) {
			fail(rc, err);
			goto out;
		}
		memcpy(hash, "sha256:", 7);
		codec_hex_encode(digest, 32, hash + 7);
	}
	if (pub) {
		keys_key *k = NULL;
		rc = load_key(pub, 0, &k);
		keys_free(k);
		if (rc)
			goto out;
		rc = files_read(pub, KEYS_MAX_PEM, &pem, &pemlen, err, sizeof err);
		if (rc) {
			fail(rc, err);
			goto out;
		}
	}
	rc = client_search(c, (art || sha) ? hash : NULL, (const char *)pem, pemlen, &ids, &n, err,
	                   sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	if (n == 0)
		say(stderr, "no matching entries");
out:
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(pem);
	client_free(c);
	return exit_code(rc);
}

static const char usage_loginfo[] =
    "usage: cairn loginfo --log URL [--log-key LOG.pub]\n"
    "\n"
    "Prints the log's size, root hash, tree ID and checkpoint. With --log-key the\n"
    "checkpoint's signature is verified and must name the reported size and root.\n";

static int cmd_loginfo(int argc, char **argv)
{
	const char *url = NULL, *logkey = NULL;
	char *pos[1], err[ERRLEN], root[65];
	size_t np;
	keys_key *lk = NULL;
	client *c = NULL;
	client_loginfo li = {0};
	note_checkpoint cp;
	int rc;
	flag flags[] = {{"log", &url, 0, 0, 0, 0}, {"log-key", &logkey, 0, 0, 0, 0}, {0}};

	rc = parse(argc, argv, flags, usage_loginfo, pos, 0, 0, &np);
	if (rc >= 0)
		return rc;
	if (need(url, "log"))
		return EXIT_USAGE;
	rc = open_client(url, &c);
	if (!rc && logkey)
		rc = load_key(logkey, 0, &lk);
	if (rc)
		goto out;
	rc = client_log_info(c, &li, err, sizeof err);
	if (rc) {
		fail(rc, err);
		goto out;
	}
	codec_hex_encode(li.root, 32, root);
	printf("Tree Size: %llu\nRoot Hash: %s\nTree ID: %s\n", (unsigned long long)li.tree_size, root,
	       li.tree_id);
	if (lk) {
		rc = tlog_checkpoint_verify(li.checkpoint, li.checkpoint_len, lk, &cp, err, sizeof err);
		if (!rc && (cp.size != li.tree_size || CRYPTO_memcmp(cp.root, li.root, 32) != 0)) {
			snprintf(err, sizeof err,
			         "checkpoint: it signs size %llu and another root than the log reports",
			         (unsigned long long)cp.size);
			rc = CAIRN_ERR_VERIFY;
		}
		if (rc) {
			fail(rc, err);
			goto out;
		}
		printf("Origin: %s\nCheckpoint: verified with %s\n", cp.origin, logkey);
	} else {
		printf("Checkpoint: not verified (pass --log-key)\n");
	}
	printf("\n%s", li.checkpoint);
out:
	free(li.checkpoint);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

/* ---- monitor ---------------------------------------------------------------- */

static const char usage_monitor[] =
    "usage: cairn monitor --log URL --log-key LOG.pub --state FILE [--interval SECONDS]\n"
    "                     [--once] [--watch-key KEY.pub]...\n"
    "\n"
    "Watches the log. Each round verifies the latest checkpoint with LOG.pub; if\n"
    "FILE holds a checkpoint from an earlier round, proves the new one extends it\n"
    "(equal sizes need equal roots, a smaller size is a rollback, a larger one\n"
    "needs the log's consistency proof); only then replaces FILE atomically.\n"
    "Entries added since the previous round that were made with a --watch-key are\n"
    "reported (their SETs and inclusion proofs are checked). Rounds repeat every\n"
    "--interval seconds (default 300) until SIGINT or SIGTERM; --once runs one.\n"
    "A state file that is not a checkpoint signed by LOG.pub is an error: it is\n"
    "never replaced. Exit status: 0 ok, 1 a checkpoint or entry failed to verify,\n"
    "2 usage or I/O error, 3 the log is inconsistent (both checkpoints printed).\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int cmd_monitor(int argc, char **argv)
{
	const char *url = NULL, *logkey = NULL, *state = NULL, *interval = NULL, *watch[MONITOR_MAX_WATCH];
	char *pos[1], err[ERRLEN];
	size_t np, nwatch = 0;
	int once = 0, rc;
	uint64_t iv = 300;
	keys_key *lk = NULL, *wk[MONITOR_MAX_WATCH] = {0};
	client *c = NULL;
	monitor_opts o = {0};
	flag flags[] = {{"log", &url, 0, 0, 0, 0},
	                {"log-key", &logkey, 0, 0, 0, 0},
	                {"state", &state, 0, 0, 0, 0},
	                {"interval", &interval, 0, 0, 0, 0},
	                {"once", 0, &once, 0, 0, 0},
	                {"watch-key", 0, 0, watch, &nwatch, MONITOR_MAX_WATCH},
	                {0}};

	rc = parse(argc, argv, flags, usage_monitor, pos, 0, 0, &np);
	if (rc >= 0)
		return rc;
	if (need(url, "log") || need(logkey, "log-key") || need(state, "state"))
		return EXIT_USAGE;
	if (interval && (jsonx_parse_u64(interval, strlen(interval), &iv) || iv == 0 || iv > 86400 * 7))
		return usage_error("--interval wants 1 to 604800 seconds");
	rc = open_client(url, &c);
	if (!rc)
		rc = load_key(logkey, 0, &lk);
	if (rc)
		goto out;
	for (size_t i = 0; i < nwatch; i++) {
		rc = load_key(watch[i], 0, &wk[i]);
		if (rc)
			goto out;
		o.watch[i] = wk[i];
		o.watch_names[i] = watch[i];
	}
	o.nwatch = nwatch;
	o.state_path = state;
	o.log_key = lk;
	o.interval = (unsigned)iv;
	o.once = once;
	o.stop = &g_stop;
	o.out = stdout;
	o.log = stderr;
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	rc = monitor_run(c, &o, err, sizeof err);
	if (rc && rc != CAIRN_ERR_CORRUPT)
		fail(rc, err);
	else if (rc)
		say(stderr, "%s", err);
out:
	for (size_t i = 0; i < nwatch; i++)
		keys_free(wk[i]);
	keys_free(lk);
	client_free(c);
	return exit_code(rc);
}

/* ---- main --------------------------------------------------------------------- */

typedef struct command {
	const char *name;
	int (*run)(int, char **);
	const char *summary;
} command;

static const command commands[] = {
    {"keygen", cmd_keygen, "generate a key pair (PREFIX.key, PREFIX.pub)"},
    {"sign-blob", cmd_sign_blob, "sign a file, log it, write a Sigstore bundle"},
    {"verify-blob", cmd_verify_blob, "verify a file against its bundle (offline, or online with --log)"},
    {"sign-image", cmd_sign_image, "sign an OCI layout image (or sha256:<hex>) the cosign way, log it"},
    {"verify-image", cmd_verify_image, "verify an image's signatures as cosign does"},
    {"upload", cmd_upload, "log a hashedrekord entry for an existing signature"},
    {"get", cmd_get, "fetch an entry by UUID or index"},
    {"search", cmd_search, "find entries by artifact digest or public key"},
    {"loginfo", cmd_loginfo, "show (and verify) the log's current checkpoint"},
    {"monitor", cmd_monitor, "watch the log for inconsistencies and uses of keys"},
};

static void usage_main(FILE *f)
{
	fprintf(f, "usage: cairn <command> [options]\n\n"
	           "cairn signs and verifies software with the cairn transparency log\n"
	           "(Rekor v1 API; Sigstore bundles; cosign image signatures).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'cairn <command> --help' for a command's options.\n"
	           "Exit status: 0 ok/verified, 1 verification failed, 2 usage or I/O error,\n"
	           "3 the log is inconsistent.\n");
}

int main(int argc, char **argv)
{
	int rc;
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		if (argc > 2) {
			char *h[] = {argv[2], "--help", NULL};
			for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
				if (strcmp(argv[2], commands[i].name) == 0) {
					g_cmd = commands[i].name;
					return commands[i].run(2, h);
				}
			}
		}
		usage_main(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			g_cmd = commands[i].name;
			if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
				say(stderr, "cannot initialize libcurl");
				return EXIT_USAGE;
			}
			rc = commands[i].run(argc - 1, argv + 1);
			curl_global_cleanup();
			if (fflush(stdout) != 0 && rc == 0) {
				say(stderr, "cannot write the output: %s", strerror(errno));
				rc = EXIT_USAGE;
			}
			return rc;
		}
	}
	say(stderr, "unknown command \"%s\" (see cairn --help)", argv[1]);
	return EXIT_USAGE;
}
