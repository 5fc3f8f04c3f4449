/* Fuzz target: OCI signature manifests and simple-signing payloads
 * (image_sigs_parse, image_payload_check, image_parse_ref).
 *
 * Invariants:
 *  - failure codes are the documented ones and *out stays NULL;
 *  - a parsed manifest has 1..IMAGE_MAX_LAYERS simple-signing layers, and
 *    writing it back (sig_manifest) and parsing again gives the same
 *    descriptors and annotations;
 *  - a payload accepted for a digest contains that digest's spelling;
 *  - a parsed reference has a non-empty directory and a valid tag.
 * Self-contained, as fuzz_bundle.c. */
#include "../fuzz/fuzz.h"

#include "../../verifier/jsonx.c"
#include "../../verifier/files.c"
#include "../../verifier/image.c"

static void check_manifest(const uint8_t *data, size_t size)
{
	image_sigs *s = NULL, *s2 = NULL;
	char err[512], *text = NULL;
	size_t len;
	int rc = image_sigs_parse(data, size, &s, err, sizeof err);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_TOO_LARGE || rc == CAIRN_ERR_NOMEM,
		           "rc %d", rc);
		FUZZ_CHECK(s == NULL, "*out set on failure");
		return;
	}
	FUZZ_CHECK(s->n >= 1 && s->n <= IMAGE_MAX_LAYERS, "%zu layers", s->n);
	for (size_t i = 0; i < s->n; i++)
		FUZZ_CHECK(strcmp(s->sigs[i].layer.media_type, IMAGE_MT_SIMPLESIGNING) == 0,
		           "layer %zu media type", i);
	rc = sig_manifest(s, &s->config, &text, &len);
	FUZZ_CHECK(rc == CAIRN_OK, "cannot write a parsed manifest back");
	rc = image_sigs_parse((const uint8_t *)text, len, &s2, err, sizeof err);
	FUZZ_CHECK(rc == CAIRN_OK, "a written manifest does not parse: %s", err);
	FUZZ_CHECK(s2->n == s->n && memcmp(&s2->config, &s->config, sizeof s->config) == 0,
	           "config or count");
	for (size_t i = 0; i < s->n; i++) {
		const image_sig *a = &s->sigs[i], *b = &s2->sigs[i];
		FUZZ_CHECK(memcmp(&a->layer, &b->layer, sizeof a->layer) == 0, "layer %zu", i);
		FUZZ_CHECK((!a->signature && !b->signature) ||
		               (a->signature && b->signature && !strcmp(a->signature, b->signature)),
		           "signature %zu", i);
		FUZZ_CHECK((!a->bundle && !b->bundle) ||
		               (a->bundle && b->bundle && !strcmp(a->bundle, b->bundle)),
		           "bundle %zu", i);
	}
	free(text);
	image_sigs_free(s);
	image_sigs_free(s2);
}

static void check_payload(const uint8_t *data, size_t size)
{
	uint8_t d[32];
	char err[512], want[72];
	if (size < 32)
		return;
	memcpy(d, data, 32);
	int rc = image_payload_check(data + 32, size - 32, d, err, sizeof err);
	FUZZ_CHECK(rc == CAIRN_OK || rc == CAIRN_ERR_VERIFY, "rc %d", rc);
	if (rc == CAIRN_OK) {
		memcpy(want, "sha256:", 7);
		codec_hex_encode(d, 32, want + 7);
		int found = 0;
		for (size_t i = 32; !found && i + 71 <= size; i++)
			found = memcmp(data + i, want, 71) == 0;
		FUZZ_CHECK(found, "accepted a payload without the digest");
	}
}

static void check_ref(const uint8_t *data, size_t size)
{
	char ref[600], *dir = NULL, err[256];
	const char *tag;
	size_t n = size < sizeof ref - 1 ? size : sizeof ref - 1;
	memcpy(ref, data, n);
	ref[n] = '\0';
	if (image_parse_ref(ref, &dir, &tag, err, sizeof err) != CAIRN_OK) {
		FUZZ_CHECK(dir == NULL, "*dir set on failure");
		return;
	}
	FUZZ_CHECK(dir[0] != '\0' && image_tag_ok(tag), "bad split of %s", ref);
	free(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_manifest(data + 1, size - 1);
		break;
	case 1:
		check_payload(data + 1, size - 1);
		break;
	case 2:
		check_ref(data + 1, size - 1);
		break;
	}
	return 0;
}
