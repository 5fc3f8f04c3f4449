/* Fuzz target: OCI image layout index.json (image_layout_open,
 * image_resolve_tag, image_set_tag), on a scratch layout in /dev/shm.
 *
 * Input: byte 0 picks the tag to set, bytes 1..36 the descriptor to point it
 * at (32-byte digest, 4-byte size), the rest is index.json. Invariants:
 *  - a refused index gives a documented code and no layout;
 *  - in an accepted index, each tag resolves to the descriptor index.json
 *    gives it, or is refused when two descriptors claim it;
 *  - setting a tag rewrites index.json so that, reopened from disk, the tag
 *    names the new descriptor, every other tag still resolves as before, and
 *    exactly the descriptors that carried the tag were replaced. */
#include "fuzz.h"

/* fuzz-extra: verifier/jsonx.c verifier/files.c verifier/image.c */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <jansson.h>

#include "../../verifier/image.h"
#include "codec.h"

static char dir[128];

static void cleanup(void)
{
	char p[256];
	snprintf(p, sizeof p, "%s/index.json", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/oci-layout", dir);
	unlink(p);
	rmdir(dir);
}

static void put(const char *name, const void *data, size_t len)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/dev/shm/cairn-fuzz-oci-XXXXXX");
	if (!mkdtemp(dir)) {
		strcpy(dir, "/tmp/cairn-fuzz-oci-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	atexit(cleanup);
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	return 0;
}

#define MAXTAGS 16

/* Descriptors compare by their fields (media_type is NUL-terminated). */
static int desc_eq(const image_desc *a, const image_desc *b)
{
	return strcmp(a->media_type, b->media_type) == 0 && memcmp(a->digest, b->digest, 32) == 0 &&
	       a->size == b->size;
}

typedef struct tagstate {
	char name[160];
	int rc;
	image_desc d;
} tagstate;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 37)
		return 0;
	char err[512];
	put("index.json", data + 37, size - 37);
	image_layout *l = NULL;
	int rc = image_layout_open(dir, &l, err, sizeof err);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_TOO_LARGE ||
		               rc == CAIRN_ERR_UNSUPPORTED,
		           "rc %d: %s", rc, err);
		FUZZ_CHECK(l == NULL, "layout set on failure");
		return 0;
	}
	/* What index.json says, read independently. */
	json_error_t je;
	json_t *v = json_loadb((const char *)data + 37, size - 37, 0, &je);
	FUZZ_CHECK(v != NULL, "accepted index.json does not parse");
	json_t *ms = json_object_get(v, "manifests"), *m;
	size_t i, before = json_array_size(ms);
	tagstate tags[MAXTAGS];
	size_t ntags = 0;
	json_array_foreach(ms, i, m)
	{
		const char *name = json_string_value(
		    json_object_get(json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));
		if (!name || strlen(name) >= sizeof tags[0].name || ntags == MAXTAGS)
			continue;
		int seen = 0;
		for (size_t k = 0; k < ntags; k++)
			seen |= strcmp(tags[k].name, name) == 0;
		if (seen)
			continue;
		strcpy(tags[ntags].name, name);
		tags[ntags].rc = image_resolve_tag(l, name, &tags[ntags].d, err, sizeof err);
		FUZZ_CHECK(tags[ntags].rc == CAIRN_OK || tags[ntags].rc == CAIRN_ERR_INVALID, "resolve rc %d",
		           tags[ntags].rc);
		if (tags[ntags].rc == CAIRN_OK) {
			/* Some descriptor with that tag has exactly this digest. */
			char want[72] = "sha256:";
			codec_hex_encode(tags[ntags].d.digest, 32, want + 7);
			int found = 0;
			size_t j;
			json_t *mm;
			json_array_foreach(ms, j, mm)
			{
				const char *nn = json_string_value(json_object_get(
				    json_object_get(mm, "annotations"), "org.opencontainers.image.ref.name"));
				const char *dg = json_string_value(json_object_get(mm, "digest"));
				found |= nn && dg && strcmp(nn, name) == 0 && strcmp(dg, want) == 0;
			}
			FUZZ_CHECK(found, "tag %s resolved to a digest index.json does not give it", name);
		}
		ntags++;
	}
	/* Set a tag. */
	const char *tag = "fuzz-tag";
	if (data[0] % 3 == 1)
		tag = "latest";
	else if (data[0] % 3 == 2 && ntags && image_tag_ok(tags[0].name))
		tag = tags[0].name;
	image_desc nd;
	memset(&nd, 0, sizeof nd);
	strcpy(nd.media_type, IMAGE_MT_MANIFEST);
	memcpy(nd.digest, data + 1, 32);
	nd.size = (uint64_t)data[33] << 24 | (uint64_t)data[34] << 16 | (uint64_t)data[35] << 8 | data[36];
	size_t carried = 0;
	json_array_foreach(ms, i, m)
	{
		const char *name = json_string_value(
		    json_object_get(json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));
		carried += name && strcmp(name, tag) == 0;
	}
	rc = image_set_tag(l, tag, &nd, err, sizeof err);
	FUZZ_CHECK(rc == CAIRN_OK, "set_tag %s: %s", tag, err);
	image_layout *l2 = NULL;
	rc = image_layout_open(dir, &l2, err, sizeof err);
	FUZZ_CHECK(rc == CAIRN_OK, "the rewritten index.json does not open: %s", err);
	image_desc got;
	FUZZ_CHECK(image_resolve_tag(l2, tag, &got, err, sizeof err) == CAIRN_OK && desc_eq(&got, &nd),
	           "tag %s does not name the descriptor just set", tag);
	for (size_t k = 0; k < ntags; k++) {
		if (strcmp(tags[k].name, tag) == 0)
			continue;
		rc = image_resolve_tag(l2, tags[k].name, &got, err, sizeof err);
		FUZZ_CHECK(rc == tags[k].rc, "tag %s changed from %d to %d", tags[k].name, tags[k].rc, rc);
		if (rc == CAIRN_OK)
			FUZZ_CHECK(desc_eq(&got, &tags[k].d), "tag %s moved", tags[k].name);
	}
	/* Exactly the descriptors carrying the tag were replaced by one. */
	char p[256];
	snprintf(p, sizeof p, "%s/index.json", dir);
	json_t *after = json_load_file(p, 0, &je);
	FUZZ_CHECK(after != NULL, "rewritten index.json unreadable");
	FUZZ_CHECK(json_array_size(json_object_get(after, "manifests")) == before - carried + 1,
	           "%zu manifests became %zu (tag carried by %zu)", before,
	           json_array_size(json_object_get(after, "manifests")), carried);
	json_decref(after);
	json_decref(v);
	image_layout_free(l);
	image_layout_free(l2);
	return 0;
}
