/* Tests for verifier/image.c and verifier/files.c: OCI references, the
 * simple-signing payload, hostile signature manifests and index.json files,
 * and a real layout in a temp dir: blobs checked against their digests,
 * tags resolved and moved atomically, signatures added the cosign way. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../verifier/jsonx.c"
#include "../../verifier/files.c"
#include "../../verifier/image.c"

static char dir[64];

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d) {
		unlink(path);
		return;
	}
	for (e = readdir(d); e; e = readdir(d)) {
		char p[1024];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		rm_rf(p);
	}
	closedir(d);
	rmdir(path);
}

static void put(const char *name, const char *text)
{
	char p[256], err[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_int_equal(files_write_atomic(p, text, strlen(text), 0644, err, sizeof err), CAIRN_OK);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cairn-image-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	return 0;
}

static void hexdigest(const char *text, char out[65])
{
	uint8_t d[32];
	sha256((const uint8_t *)text, strlen(text), d);
	codec_hex_encode(d, 32, out);
}

static void test_parse_ref(void **state)
{
	char *d = NULL, err[256];
	const char *tag;
	(void)state;
	assert_int_equal(image_parse_ref("oci:img", &d, &tag, err, sizeof err), CAIRN_OK);
	assert_string_equal(d, "img");
	assert_string_equal(tag, "latest");
	free(d);
	assert_int_equal(image_parse_ref("oci:/tmp/a.b/img:v1.2_3-x", &d, &tag, err, sizeof err), CAIRN_OK);
	assert_string_equal(d, "/tmp/a.b/img");
	assert_string_equal(tag, "v1.2_3-x");
	free(d);
	/* A ':' before the last '/' is part of the directory. */
	assert_int_equal(image_parse_ref("oci:c:/img", &d, &tag, err, sizeof err), CAIRN_OK);
	assert_string_equal(d, "c:/img");
	assert_string_equal(tag, "latest");
	free(d);
	static const char *bad[] = {
	    "img",
	    "docker://img",
	    "oci:",
	    "oci::tag",
	    "oci:img:",
	    "oci:img:-x",
	    "oci:img:a b",
	    "oci:img:.x",
	    "oci:img:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d = NULL;
		if (image_parse_ref(bad[i], &d, &tag, err, sizeof err) == CAIRN_OK)
			fail_msg("accepted %s", bad[i]);
		assert_null(d);
	}
}

static void test_payload(void **state)
{
	uint8_t d[32], other[32];
	char *p = NULL, err[256];
	size_t len;
	(void)state;
	memset(d, 0xab, 32);
	memset(other, 0xcd, 32);
	assert_int_equal(image_payload(d, "example/img", &p, &len), CAIRN_OK);
	assert_string_equal(
	    p, "{\"critical\":{\"identity\":{\"docker-reference\":\"example/img\"},\"image\":{\"docker-"
	       "manifest-digest\":\"sha256:abababababababababababababababababababababababababababababab"
	       "abab\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
	assert_int_equal(image_payload_check((uint8_t *)p, len, d, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_payload_check((uint8_t *)p, len, other, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "it names sha256:abab"));
	free(p);

	char digest_ab[72] = "sha256:";
	codec_hex_encode(d, 32, digest_ab + 7);
	char good_ci[400], dup[400], upper[400];
	/* Go's encoding/json matches keys case-insensitively; so do we, once. */
	snprintf(good_ci, sizeof good_ci,
	         "{\"Critical\":{\"Image\":{\"Docker-manifest-digest\":\"%s\"},\"TYPE\":\"cosign container "
	         "image signature\"},"
	         "\"optional\":{\"creator\":\"x\"}}",
	         digest_ab);
	assert_int_equal(image_payload_check((uint8_t *)good_ci, strlen(good_ci), d, err, sizeof err),
	                 CAIRN_OK);
	snprintf(
	    dup, sizeof dup,
	    "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"%s\",\"Docker-Manifest-Digest\":\"%s\"},"
	    "\"type\":\"cosign container image signature\"}}",
	    digest_ab, digest_ab);
	assert_int_equal(image_payload_check((uint8_t *)dup, strlen(dup), d, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	snprintf(upper, sizeof upper,
	         "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:"
	         "ABABABABABABABABABABABABABABABABABABABAB"
	         "ABABABABABABABABABABABAB\"},\"type\":\"cosign container image signature\"}}");
	assert_int_equal(image_payload_check((uint8_t *)upper, strlen(upper), d, err, sizeof err),
	                 CAIRN_ERR_VERIFY);
	static const char *bad[] = {
	    "",
	    "null",
	    "[]",
	    "{\"critical\":[]}",
	    "{\"critical\":{\"type\":\"cosign container image signature\"}}",
	    "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:"
	    "abababababababababababababababababababababa"
	    "bababababababababababab\"},\"type\":\"something else\"}}",
	    "{\"critical\":{\"image\":{\"docker-manifest-digest\":7},\"type\":\"cosign container image "
	    "signature\"}}",
	    "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"sha256:"
	    "abababababababababababababababababababababa"
	    "bababababababababababab\"},\"type\":\"cosign container image signature\"},\"critical\":{}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (image_payload_check((const uint8_t *)bad[i], strlen(bad[i]), d, err, sizeof err) !=
		    CAIRN_ERR_VERIFY)
			fail_msg("accepted payload %zu", i);
	}
}

#define DG "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_sigs_parse(void **state)
{
	image_sigs *s = NULL;
	char err[256], text[4096];
	(void)state;
	snprintf(text, sizeof text,
	         "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	         "\"config\":{\"mediaType\":\"application/"
	         "vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":10},"
	         "\"layers\":[{\"mediaType\":\"application/"
	         "vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"%s\","
	         "\"size\":5,\"annotations\":{\"dev.cosignproject.cosign/signature\":\"c2ln\","
	         "\"dev.sigstore.cosign/bundle\":\"{}\",\"other\":\"x\"}}]}",
	         DG, DG);
	assert_int_equal(image_sigs_parse((uint8_t *)text, strlen(text), &s, err, sizeof err), CAIRN_OK);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->config.size, 10);
	assert_int_equal(s->sigs[0].layer.size, 5);
	assert_string_equal(s->sigs[0].signature, "c2ln");
	assert_string_equal(s->sigs[0].bundle, "{}");
	image_sigs_free(s);

	static const char *bad_layers[] = {
	    "[]",
	    "{}",
	    "[{\"mediaType\":\"application/"
	    "vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"sha256:ABC\",\"size\":5}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "\",\"size\":-5}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "\",\"size\":\"5\"}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "\",\"size\":5.5}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"sha512:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":5}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "\",\"size\":5,"
	    "\"annotations\":{\"dev.cosignproject.cosign/signature\":1}}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "\",\"size\":5,"
	    "\"annotations\":[]}]",
	    "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DG "\",\"size\":5}]",
	    "[{\"digest\":\"" DG "\",\"size\":5}]",
	    "[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"" DG
	    "/../x\",\"size\":5}]",
	};
	for (size_t i = 0; i < sizeof bad_layers / sizeof *bad_layers; i++) {
		snprintf(text, sizeof text,
		         "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"%s\",\"size\":1},"
		         "\"layers\":%s}",
		         DG, bad_layers[i]);
		s = NULL;
		if (image_sigs_parse((uint8_t *)text, strlen(text), &s, err, sizeof err) == CAIRN_OK)
			fail_msg("accepted layers %s", bad_layers[i]);
		assert_null(s);
	}
	static const char *bad[] = {
	    "",
	    "[]",
	    "{\"schemaVersion\":1,\"config\":{\"mediaType\":\"c\",\"digest\":\"" DG
	    "\",\"size\":1},\"layers\":[]}",
	    "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/"
	    "vnd.dev.cosign.simplesigning.v1+json\","
	    "\"digest\":\"" DG "\",\"size\":5}]}",
	    "{\"schemaVersion\":2,\"mediaType\":\"text/"
	    "plain\",\"config\":{\"mediaType\":\"c\",\"digest\":\"" DG
	    "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\","
	    "\"digest\":\"" DG "\",\"size\":5}]}",
	    "{\"schemaVersion\":2,\"schemaVersion\":2}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		s = NULL;
		if (image_sigs_parse((const uint8_t *)bad[i], strlen(bad[i]), &s, err, sizeof err) ==
		    CAIRN_OK)
			fail_msg("accepted manifest %zu", i);
	}
	/* 65 layers: one more than a signature manifest may hold. */
	char *many = malloc(65 * 200 + 300), *p;
	p = many + sprintf(many,
	                   "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"%s\",\"size\":"
	                   "1},\"layers\":[",
	                   DG);
	for (int i = 0; i < 65; i++)
		p += sprintf(p, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1}", i ? "," : "",
		             IMAGE_MT_SIMPLESIGNING, DG);
	strcpy(p, "]}");
	assert_int_equal(image_sigs_parse((uint8_t *)many, strlen(many), &s, err, sizeof err),
	                 CAIRN_ERR_INVALID);
	free(many);
}

static void test_layout_open(void **state)
{
	image_layout *l = NULL;
	char err[256];
	(void)state;
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	put("oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_ERR_UNSUPPORTED);
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	static const char *bad[] = {
	    "",
	    "[]",
	    "{\"schemaVersion\":2}",
	    "{\"schemaVersion\":1,\"manifests\":[]}",
	    "{\"schemaVersion\":2,\"manifests\":{}}",
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha256:00\",\"size\":1}]}",
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" DG "\"}]}",
	    "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		put("index.json", bad[i]);
		l = NULL;
		if (image_layout_open(dir, &l, err, sizeof err) == CAIRN_OK)
			fail_msg("accepted index.json %s", bad[i]);
		assert_null(l);
	}
	/* Too large. */
	char p[256];
	snprintf(p, sizeof p, "%s/index.json", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"schemaVersion\":2,\"manifests\":[]", f);
	for (int i = 0; i < IMAGE_MAX_INDEX / 1000 + 1; i++)
		fprintf(f, "%1000s", " ");
	fputs("}", f);
	fclose(f);
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_ERR_TOO_LARGE);
}

static void test_layout_blobs_and_tags(void **state)
{
	image_layout *l = NULL;
	image_desc d, got;
	char err[512], hex[65], p[256], text[1024];
	uint8_t *buf = NULL;
	size_t len;
	(void)state;

	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	put("index.json", "{\"schemaVersion\":2,\"manifests\":[],\"extra\":{\"kept\":true}}");
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_OK);
	assert_int_equal(
	    image_write_blob(l, IMAGE_MT_MANIFEST, (const uint8_t *)"{\"m\":1}", 7, &d, err, sizeof err),
	    CAIRN_OK);
	hexdigest("{\"m\":1}", hex);
	snprintf(p, sizeof p, "%s/blobs/sha256/%s", dir, hex);
	assert_true(files_exists(p));
	assert_int_equal(d.size, 7);
	assert_int_equal(image_read_blob(l, &d, 100, &buf, &len, err, sizeof err), CAIRN_OK);
	assert_int_equal(len, 7);
	free(buf);
	assert_int_equal(image_read_blob(l, &d, 6, &buf, &len, err, sizeof err), CAIRN_ERR_TOO_LARGE);
	/* The same bytes again: nothing to do. */
	assert_int_equal(
	    image_write_blob(l, IMAGE_MT_MANIFEST, (const uint8_t *)"{\"m\":1}", 7, &d, err, sizeof err),
	    CAIRN_OK);

	assert_int_equal(image_resolve_tag(l, "v1", &got, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(image_set_tag(l, "v1", &d, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_set_tag(l, "bad tag", &d, err, sizeof err), CAIRN_ERR_INVALID);
	image_layout_free(l);
	l = NULL;
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_resolve_tag(l, "v1", &got, err, sizeof err), CAIRN_OK);
	assert_memory_equal(got.digest, d.digest, 32);
	assert_string_equal(got.media_type, IMAGE_MT_MANIFEST);
	snprintf(p, sizeof p, "%s/index.json", dir);
	assert_int_equal(files_read(p, 1 << 20, &buf, &len, err, sizeof err), CAIRN_OK);
	assert_non_null(strstr((char *)buf, "\"extra\":{\"kept\":true}"));
	free(buf);

	/* A blob altered on disk, a missing one, one longer than its descriptor. */
	snprintf(p, sizeof p, "%s/blobs/sha256/%s", dir, hex);
	assert_int_equal(files_write_atomic(p, "{\"m\":2}", 7, 0644, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_read_blob(l, &d, 100, &buf, &len, err, sizeof err), CAIRN_ERR_VERIFY);
	assert_non_null(strstr(err, "does not match its digest"));
	assert_int_equal(files_write_atomic(p, "{\"m\":1} ", 8, 0644, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_read_blob(l, &d, 100, &buf, &len, err, sizeof err), CAIRN_ERR_VERIFY);
	unlink(p);
	assert_int_equal(image_read_blob(l, &d, 100, &buf, &len, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	/* image_write_blob repairs it. */
	assert_int_equal(
	    image_write_blob(l, IMAGE_MT_MANIFEST, (const uint8_t *)"{\"m\":1}", 7, &d, err, sizeof err),
	    CAIRN_OK);
	assert_int_equal(image_read_blob(l, &d, 100, &buf, &len, err, sizeof err), CAIRN_OK);
	free(buf);
	image_layout_free(l);

	/* Two descriptors under one tag: ambiguous unless they agree. */
	snprintf(
	    text, sizeof text,
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha256:%s\",\"size\":7,"
	    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}},{\"mediaType\":\"m\",\"digest\":"
	    "\"%s\","
	    "\"size\":7,\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}]}",
	    hex, DG);
	put("index.json", text);
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_resolve_tag(l, "t", &got, err, sizeof err), CAIRN_ERR_INVALID);
	image_layout_free(l);
}

static void test_add_signature(void **state)
{
	image_layout *l = NULL;
	image_sigs *s = NULL;
	uint8_t img[32];
	char err[512], tag[80];
	static const char payload1[] = "{\"payload\":1}", payload2[] = "{\"payload\":2}";
	image_desc d;
	(void)state;

	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	put("index.json", "{\"schemaVersion\":2,\"manifests\":[]}");
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_OK);
	memset(img, 0x42, 32);
	image_sig_tag(img, tag);
	assert_string_equal(tag,
	                    "sha256-4242424242424242424242424242424242424242424242424242424242424242.sig");
	assert_int_equal(image_signatures(l, img, &s, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(image_add_signature(l, img, (const uint8_t *)payload1, strlen(payload1),
	                                     "c2lnMQ==", "{\"b\":1}", err, sizeof err),
	                 CAIRN_OK);
	assert_int_equal(image_signatures(l, img, &s, err, sizeof err), CAIRN_OK);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->sigs[0].payload_len, strlen(payload1));
	assert_memory_equal(s->sigs[0].payload, payload1, strlen(payload1));
	assert_string_equal(s->sigs[0].signature, "c2lnMQ==");
	assert_string_equal(s->sigs[0].bundle, "{\"b\":1}");
	image_sigs_free(s);
	/* A second signature is appended; the same one again only refreshes its bundle. */
	assert_int_equal(image_add_signature(l, img, (const uint8_t *)payload2, strlen(payload2),
	                                     "c2lnMg==", "{\"b\":2}", err, sizeof err),
	                 CAIRN_OK);
	assert_int_equal(image_add_signature(l, img, (const uint8_t *)payload1, strlen(payload1),
	                                     "c2lnMQ==", "{\"b\":3}", err, sizeof err),
	                 CAIRN_OK);
	image_layout_free(l);
	assert_int_equal(image_layout_open(dir, &l, err, sizeof err), CAIRN_OK);
	assert_int_equal(image_signatures(l, img, &s, err, sizeof err), CAIRN_OK);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->sigs[0].bundle, "{\"b\":3}");
	assert_string_equal(s->sigs[1].signature, "c2lnMg==");
	assert_memory_equal(s->sigs[1].payload, payload2, strlen(payload2));
	/* The signature manifest's config names both payloads, as cosign's does. */
	{
		uint8_t *cfg = NULL;
		size_t clen;
		char h1[65], h2[65];
		assert_int_equal(image_read_blob(l, &s->config, 1 << 20, &cfg, &clen, err, sizeof err),
		                 CAIRN_OK);
		hexdigest(payload1, h1);
		hexdigest(payload2, h2);
		assert_non_null(strstr((char *)cfg, h1));
		assert_non_null(strstr((char *)cfg, h2));
		assert_non_null(strstr((char *)cfg, "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["));
		free(cfg);
	}
	/* Only one descriptor carries the tag. */
	json_t *ms = json_object_get(l->index, "manifests");
	assert_int_equal(json_array_size(ms), 1);
	image_sigs_free(s);

	/* A signature manifest whose payload was altered on disk is not extended. */
	{
		char p[256], hex[65];
		hexdigest(payload2, hex);
		snprintf(p, sizeof p, "%s/blobs/sha256/%s", dir, hex);
		assert_int_equal(files_write_atomic(p, "{\"payload\":3}", 13, 0644, err, sizeof err),
		                 CAIRN_OK);
		assert_int_equal(image_signatures(l, img, &s, err, sizeof err), CAIRN_ERR_VERIFY);
		assert_non_null(strstr(err, "payload of layer 1"));
		assert_int_equal(image_resolve_tag(l, tag, &d, err, sizeof err), CAIRN_OK);
		assert_int_equal(
		    image_add_signature(l, img, (const uint8_t *)"{}", 2, "c2ln", NULL, err, sizeof err),
		    CAIRN_ERR_VERIFY);
		image_desc after;
		assert_int_equal(image_resolve_tag(l, tag, &after, err, sizeof err), CAIRN_OK);
		assert_memory_equal(after.digest, d.digest, 32);
	}
	image_layout_free(l);
}

static void test_files(void **state)
{
	char p[256], err[256];
	uint8_t *buf = NULL, out[64];
	size_t len;
	const uint8_t *m;
	struct stat st;
	(void)state;
	snprintf(p, sizeof p, "%s/f", dir);
	assert_int_equal(files_write_atomic(p, "abc", 3, 0600, err, sizeof err), CAIRN_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(files_read(p, 3, &buf, &len, err, sizeof err), CAIRN_OK);
	assert_int_equal(len, 3);
	assert_int_equal(buf[3], 0);
	free(buf);
	assert_int_equal(files_read(p, 2, &buf, &len, err, sizeof err), CAIRN_ERR_TOO_LARGE);
	assert_int_equal(files_read(dir, 100, &buf, &len, err, sizeof err), CAIRN_ERR_IO);
	snprintf(p, sizeof p, "%s/nope", dir);
	assert_int_equal(files_read(p, 100, &buf, &len, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	assert_int_equal(files_hash(p, KEYS_SHA256, out, err, sizeof err), CAIRN_ERR_NOT_FOUND);
	snprintf(p, sizeof p, "%s/nodir/f", dir);
	assert_int_equal(files_write_atomic(p, "abc", 3, 0600, err, sizeof err), CAIRN_ERR_IO);
	snprintf(p, sizeof p, "%s/f", dir);
	assert_int_equal(files_hash(p, KEYS_SHA256, out, err, sizeof err), CAIRN_OK);
	char hex[65];
	codec_hex_encode(out, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(files_map(p, &m, &len, err, sizeof err), CAIRN_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(m, "abc", 3);
	files_unmap(m, len);
	snprintf(p, sizeof p, "%s/empty", dir);
	assert_int_equal(files_write_atomic(p, "", 0, 0644, err, sizeof err), CAIRN_OK);
	assert_int_equal(files_map(p, &m, &len, err, sizeof err), CAIRN_OK);
	assert_int_equal(len, 0);
	files_unmap(m, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ref),
	    cmocka_unit_test(test_payload),
	    cmocka_unit_test(test_sigs_parse),
	    cmocka_unit_test_setup_teardown(test_layout_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_layout_blobs_and_tags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_add_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
