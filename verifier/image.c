#define _POSIX_C_SOURCE 200809L
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "codec.h"
#include "files.h"
#include "jsonx.h"

#define PATH_CAP 4096
#define MAX_CONFIG (1024 * 1024)
#define MAX_SIGNATURE_ANN 8192

struct image_layout {
	char *dir;
	json_t *index;
};

static void sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
	unsigned int n = 32;
	EVP_Digest(p, len, out, &n, EVP_sha256(), NULL);
}

int image_tag_ok(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > IMAGE_MAX_TAG)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = tag[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '_' || (i > 0 && (c == '.' || c == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

int image_parse_ref(const char *ref, char **dir, const char **tag, char *err, size_t errlen)
{
	const char *rest, *slash, *colon;
	size_t dlen;
	char *d;

	if (strncmp(ref, "oci:", 4) != 0 || ref[4] == '\0') {
		snprintf(err, errlen, "an image is oci:DIR[:TAG] or sha256:<hex>");
		return CAIRN_ERR_INVALID;
	}
	rest = ref + 4;
	slash = strrchr(rest, '/');
	colon = strchr(slash ? slash : rest, ':');
	dlen = colon ? (size_t)(colon - rest) : strlen(rest);
	*tag = colon ? colon + 1 : "latest";
	if (dlen == 0 || dlen >= PATH_CAP - 200 || !image_tag_ok(*tag)) {
		snprintf(err, errlen,
		         "an image is oci:DIR[:TAG] with a tag of [A-Za-z0-9_.-], at most %d characters",
		         IMAGE_MAX_TAG);
		return CAIRN_ERR_INVALID;
	}
	d = malloc(dlen + 1);
	if (!d)
		return CAIRN_ERR_NOMEM;
	memcpy(d, rest, dlen);
	d[dlen] = '\0';
	*dir = d;
	return CAIRN_OK;
}

void image_layout_free(image_layout *l)
{
	if (!l)
		return;
	free(l->dir);
	json_decref(l->index);
	free(l);
}

/* A descriptor: mediaType, "sha256:<64 lowercase hex>", integer size. */
static int desc_parse(const json_t *v, image_desc *d)
{
	const char *mt, *dg;
	size_t mtlen = 0, dglen = 0;
	json_t *size = json_object_get(v, "size"), *ann = json_object_get(v, "annotations");

	mt = jsonx_str(v, "mediaType", &mtlen);
	dg = jsonx_str(v, "digest", &dglen);
	if (!json_is_object(v) || !mt || mtlen == 0 || mtlen >= sizeof d->media_type ||
	    memchr(mt, 0, mtlen) || !dg || dglen != 71 || strncmp(dg, "sha256:", 7) != 0 ||
	    !json_is_integer(size) || json_integer_value(size) < 0)
		return CAIRN_ERR_INVALID;
	for (size_t i = 7; i < 71; i++) {
		if (!((dg[i] >= '0' && dg[i] <= '9') || (dg[i] >= 'a' && dg[i] <= 'f')))
			return CAIRN_ERR_INVALID;
	}
	if (ann && !json_is_object(ann))
		return CAIRN_ERR_INVALID;
	if (ann) {
		const char *k;
		json_t *a;
		json_object_foreach(ann, k, a)
		{
			if (!json_is_string(a))
				return CAIRN_ERR_INVALID;
		}
	}
	memcpy(d->media_type, mt, mtlen + 1);
	codec_hex_decode(dg + 7, 64, d->digest, 32);
	d->size = (uint64_t)json_integer_value(size);
	return CAIRN_OK;
}

static json_t *desc_json(const image_desc *d)
{
	char dg[72];
	memcpy(dg, "sha256:", 7);
	codec_hex_encode(d->digest, 32, dg + 7);
	return json_pack("{s:s,s:s,s:I}", "mediaType", d->media_type, "digest", dg, "size",
	                 (json_int_t)d->size);
}

int image_layout_open(const char *dir, image_layout **out, char *err, size_t errlen)
{
	char path[PATH_CAP];
	uint8_t *buf = NULL;
	size_t len;
	json_t *v = NULL, *ms;
	image_layout *l = NULL;
	const char *ver;
	int rc;

	if (strlen(dir) >= PATH_CAP - 200) {
		snprintf(err, errlen, "layout path too long");
		return CAIRN_ERR_INVALID;
	}
	snprintf(path, sizeof path, "%s/oci-layout", dir);
	rc = files_read(path, 64 * 1024, &buf, &len, err, errlen);
	if (rc) {
		if (rc == CAIRN_ERR_NOT_FOUND)
			snprintf(err, errlen, "%s is not an OCI image layout (no oci-layout file)", dir);
		return rc;
	}
	rc = jsonx_parse((char *)buf, len, 64 * 1024, "oci-layout", &v, err, errlen);
	free(buf);
	buf = NULL;
	if (rc)
		return rc;
	ver = jsonx_str(v, "imageLayoutVersion", NULL);
	if (!ver || strcmp(ver, "1.0.0") != 0) {
		snprintf(err, errlen, "%s/oci-layout: imageLayoutVersion is not 1.0.0", dir);
		rc = CAIRN_ERR_UNSUPPORTED;
		goto out;
	}
	json_decref(v);
	v = NULL;
	snprintf(path, sizeof path, "%s/index.json", dir);
	rc = files_read(path, IMAGE_MAX_INDEX, &buf, &len, err, errlen);
	if (rc)
		goto out;
	rc = jsonx_parse((char *)buf, len, IMAGE_MAX_INDEX, "index.json", &v, err, errlen);
	if (rc)
		goto out;
	rc = CAIRN_ERR_INVALID;
	ms = json_object_get(v, "manifests");
	if (!json_is_object(v) || !json_is_integer(json_object_get(v, "schemaVersion")) ||
	    json_integer_value(json_object_get(v, "schemaVersion")) != 2 || !json_is_array(ms)) {
		snprintf(err, errlen, "%s/index.json: not an OCI image index (schemaVersion 2, manifests)",
		         dir);
		goto out;
	}
	if (json_array_size(ms) > IMAGE_MAX_MANIFESTS) {
		snprintf(err, errlen, "%s/index.json: more than %d manifests", dir, IMAGE_MAX_MANIFESTS);
		rc = CAIRN_ERR_TOO_LARGE;
		goto out;
	}
	{
		size_t i;
		json_t *m;
		json_array_foreach(ms, i, m)
		{
			image_desc d;
			if (desc_parse(m, &d)) {
				snprintf(err, errlen,
				         "%s/index.json: manifests[%zu] is not a valid sha256 descriptor",
				         dir, i);
				goto out;
			}
		}
	}
	rc = CAIRN_ERR_NOMEM;
	l = calloc(1, sizeof *l);
	if (l)
		l->dir = strdup(dir);
	if (!l || !l->dir)
		goto out;
	l->index = v;
	v = NULL;
	*out = l;
	l = NULL;
	rc = CAIRN_OK;
out:
	image_layout_free(l);
	json_decref(v);
	free(buf);
	return rc;
}

static const char *ref_name(const json_t *m)
{
	json_t *ann = json_object_get(m, "annotations");
	return ann ? jsonx_str(ann, IMAGE_ANN_REF, NULL) : NULL;
}

int image_resolve_tag(const image_layout *l, const char *tag, image_desc *out, char *err, size_t errlen)
{
	json_t *ms = json_object_get(l->index, "manifests"), *m;
	image_desc found, d;
	int n = 0;
	size_t i;

	json_array_foreach(ms, i, m)
	{
		const char *name = ref_name(m);
		if (!name || strcmp(name, tag) != 0 || desc_parse(m, &d))
			continue;
		if (n && (CRYPTO_memcmp(found.digest, d.digest, 32) != 0 || found.size != d.size)) {
			snprintf(err, errlen, "%s/index.json: tag %s names two different manifests", l->dir,
			         tag);
			return CAIRN_ERR_INVALID;
		}
		found = d;
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "no tag %s in %s/index.json", tag, l->dir);
		return CAIRN_ERR_NOT_FOUND;
	}
	*out = found;
	return CAIRN_OK;
}

static void blob_path(const image_layout *l, const uint8_t digest[32], char out[PATH_CAP])
{
	char hex[65];
	codec_hex_encode(digest, 32, hex);
	snprintf(out, PATH_CAP, "%s/blobs/sha256/%s", l->dir, hex);
}

int image_read_blob(const image_layout *l, const image_desc *d, size_t cap, uint8_t **out, size_t *len,
                    char *err, size_t errlen)
{
	char path[PATH_CAP], hex[65];
	uint8_t *buf = NULL, got[32];
	size_t n;
	int rc;

	codec_hex_encode(d->digest, 32, hex);
	if (d->size > cap) {
		snprintf(err, errlen, "blob sha256:%.12s... is too large (%llu bytes; at most %zu)", hex,
		         (unsigned long long)d->size, cap);
		return CAIRN_ERR_TOO_LARGE;
	}
	blob_path(l, d->digest, path);
	rc = files_read(path, cap, &buf, &n, err, errlen);
	if (rc) {
		if (rc == CAIRN_ERR_NOT_FOUND)
			snprintf(err, errlen, "blob sha256:%.12s... is missing from the layout", hex);
		else if (rc == CAIRN_ERR_TOO_LARGE) {
			snprintf(err, errlen, "blob sha256:%.12s... does not match its size", hex);
			rc = CAIRN_ERR_VERIFY;
		}
		return rc;
	}
	sha256(buf, n, got);
	if (n != d->size || CRYPTO_memcmp(got, d->digest, 32) != 0) {
		snprintf(err, errlen, "blob sha256:%.12s... does not match its digest%s", hex,
		         n != d->size ? " and size" : "");
		free(buf);
		return CAIRN_ERR_VERIFY;
	}
	*out = buf;
	*len = n;
	return CAIRN_OK;
}

static int mkdir_if(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return CAIRN_ERR_IO;
	}
	return CAIRN_OK;
}

int image_write_blob(image_layout *l, const char *mt, const uint8_t *data, size_t len, image_desc *d,
                     char *err, size_t errlen)
{
	char path[PATH_CAP];
	image_desc nd = {0};
	uint8_t *old = NULL;
	size_t oldlen;
	char sub[256];
	int rc;

	if (strlen(mt) >= sizeof nd.media_type)
		return CAIRN_ERR_INVALID;
	strcpy(nd.media_type, mt);
	sha256(data, len, nd.digest);
	nd.size = len;
	/* An identical blob is already there: content addressing makes it ours. */
	rc = image_read_blob(l, &nd, len, &old, &oldlen, sub, sizeof sub);
	free(old);
	if (rc != CAIRN_OK) {
		snprintf(path, sizeof path, "%s/blobs", l->dir);
		rc = mkdir_if(path, err, errlen);
		if (rc)
			return rc;
		snprintf(path, sizeof path, "%s/blobs/sha256", l->dir);
		rc = mkdir_if(path, err, errlen);
		if (rc)
			return rc;
		blob_path(l, nd.digest, path);
		rc = files_write_atomic(path, data, len, 0644, err, errlen);
		if (rc)
			return rc;
	}
	*d = nd;
	return CAIRN_OK;
}

int image_set_tag(image_layout *l, const char *tag, const image_desc *d, char *err, size_t errlen)
{
	json_t *ms = json_object_get(l->index, "manifests"), *nms = NULL, *m, *nd = NULL, *idx = NULL;
	char path[PATH_CAP], *text = NULL;
	size_t i;
	int rc = CAIRN_ERR_NOMEM;

	if (!image_tag_ok(tag))
		return CAIRN_ERR_INVALID;
	nms = json_array();
	if (!nms)
		goto out;
	json_array_foreach(ms, i, m)
	{
		const char *name = ref_name(m);
		if (name && strcmp(name, tag) == 0)
			continue;
		if (json_array_append(nms, m))
			goto out;
	}
	nd = desc_json(d);
	if (!nd || json_object_set_new(nd, "annotations", json_pack("{s:s}", IMAGE_ANN_REF, tag)) ||
	    json_array_append(nms, nd))
		goto out;
	idx = json_deep_copy(l->index);
	if (!idx || json_object_set(idx, "manifests", nms))
		goto out;
	text = json_dumps(idx, JSON_COMPACT);
	if (!text)
		goto out;
	snprintf(path, sizeof path, "%s/index.json", l->dir);
	rc = files_write_atomic(path, text, strlen(text), 0644, err, errlen);
	if (rc)
		goto out;
	json_decref(l->index);
	l->index = idx;
	idx = NULL;
out:
	if (rc == CAIRN_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	free(text);
	json_decref(idx);
	json_decref(nd);
	json_decref(nms);
	return rc;
}

int image_payload(const uint8_t digest[32], const char *reference, char **out, size_t *len)
{
	char dg[72], *s;
	json_t *v;

	memcpy(dg, "sha256:", 7);
	codec_hex_encode(digest, 32, dg + 7);
	v = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:n}", "critical", "identity", "docker-reference", reference,
	              "image", "docker-manifest-digest", dg, "type", IMAGE_PAYLOAD_TYPE, "optional");
	if (!v)
		return CAIRN_ERR_NOMEM;
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!s)
		return CAIRN_ERR_NOMEM;
	*out = s;
	*len = strlen(s);
	return CAIRN_OK;
}

/* obj's member key matched case-insensitively (Go's encoding/json): *out is
 * NULL when absent; -1 when two members match. */
static int ci_get(const json_t *obj, const char *key, json_t **out)
{
	const char *k;
	json_t *v;
	int n = 0;
	*out = NULL;
	json_object_foreach((json_t *)obj, k, v)
	{
		if (strcasecmp(k, key) == 0) {
			*out = v;
			n++;
		}
	}
	return n > 1 ? -1 : 0;
}

int image_payload_check(const uint8_t *payload, size_t len, const uint8_t digest[32], char *err,
                        size_t errlen)
{
	char sub[200], want[72];
	json_t *v = NULL, *crit, *type, *img, *dg;
	int rc = CAIRN_ERR_VERIFY;

	if (jsonx_parse((const char *)payload, len, IMAGE_MAX_PAYLOAD, "payload", &v, sub, sizeof sub)) {
		snprintf(err, errlen, "payload: %s", sub);
		return CAIRN_ERR_VERIFY;
	}
	if (!json_is_object(v) || ci_get(v, "critical", &crit) || !json_is_object(crit)) {
		snprintf(err, errlen, "payload: not a simple-signing payload (no critical object)");
		goto out;
	}
	if (ci_get(crit, "type", &type) || !json_is_string(type) ||
	    strcmp(json_string_value(type), IMAGE_PAYLOAD_TYPE)) {
		snprintf(err, errlen, "payload: critical.type is not \"%s\"", IMAGE_PAYLOAD_TYPE);
		goto out;
	}
	if (ci_get(crit, "image", &img) || !json_is_object(img) ||
	    ci_get(img, "docker-manifest-digest", &dg) || !json_is_string(dg)) {
		snprintf(err, errlen, "payload: no critical.image.docker-manifest-digest");
		goto out;
	}
	memcpy(want, "sha256:", 7);
	codec_hex_encode(digest, 32, want + 7);
	if (json_string_length(dg) != 71 || CRYPTO_memcmp(json_string_value(dg), want, 71) != 0) {
		char got[80];
		jsonx_oneline(json_string_value(dg), json_string_length(dg), got, sizeof got);
		snprintf(err, errlen, "payload: it names %s, not the image's %s", got, want);
		goto out;
	}
	rc = CAIRN_OK;
out:
	json_decref(v);
	return rc;
}

void image_sig_tag(const uint8_t digest[32], char out[80])
{
	memcpy(out, "sha256-", 7);
	codec_hex_encode(digest, 32, out + 7);
	memcpy(out + 71, ".sig", 5);
}

void image_sigs_free(image_sigs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->sigs[i].payload);
		free(s->sigs[i].signature);
		free(s->sigs[i].bundle);
	}
	free(s);
}

static int dup_ann(const json_t *ann, const char *key, size_t max, char **out)
{
	size_t len;
	const char *s = ann ? jsonx_str(ann, key, &len) : NULL;
	if (!s)
		return CAIRN_OK;
	if (len > max || memchr(s, 0, len))
		return CAIRN_ERR_INVALID;
	*out = strdup(s);
	return *out ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

int image_sigs_parse(const uint8_t *manifest, size_t len, image_sigs **out, char *err, size_t errlen)
{
	json_t *v = NULL, *layers, *layer, *sv;
	const char *mt;
	image_sigs *s = NULL;
	size_t i;
	int rc;

	rc = jsonx_parse((const char *)manifest, len, IMAGE_MAX_MANIFEST, "signature manifest", &v, err,
	                 errlen);
	if (rc)
		return rc;
	rc = CAIRN_ERR_INVALID;
	sv = json_object_get(v, "schemaVersion");
	mt = jsonx_str(v, "mediaType", NULL);
	layers = json_object_get(v, "layers");
	if (!json_is_object(v) || !json_is_integer(sv) || json_integer_value(sv) != 2 ||
	    (json_object_get(v, "mediaType") &&
	     (!mt || (strcmp(mt, IMAGE_MT_MANIFEST) != 0 &&
	              strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") != 0)))) {
		snprintf(err, errlen, "signature manifest: not an image manifest (schemaVersion 2)");
		goto out;
	}
	if (!json_is_array(layers) || json_array_size(layers) == 0 ||
	    json_array_size(layers) > IMAGE_MAX_LAYERS) {
		snprintf(err, errlen, "signature manifest: needs 1 to %d layers", IMAGE_MAX_LAYERS);
		goto out;
	}
	rc = CAIRN_ERR_NOMEM;
	s = calloc(1, sizeof *s);
	if (!s)
		goto out;
	rc = CAIRN_ERR_INVALID;
	if (desc_parse(json_object_get(v, "config"), &s->config)) {
		snprintf(err, errlen, "signature manifest: config is not a valid sha256 descriptor");
		goto out;
	}
	json_array_foreach(layers, i, layer)
	{
		image_sig *g = &s->sigs[i];
		json_t *ann;
		if (desc_parse(layer, &g->layer)) {
			snprintf(err, errlen,
			         "signature manifest: layers[%zu] is not a valid sha256 descriptor", i);
			goto out;
		}
		s->n = i + 1;
		if (strcmp(g->layer.media_type, IMAGE_MT_SIMPLESIGNING) != 0) {
			snprintf(err, errlen,
			         "signature manifest: layers[%zu] is not a simple-signing payload", i);
			goto out;
		}
		ann = json_object_get(layer, "annotations");
		rc = dup_ann(ann, IMAGE_ANN_SIGNATURE, MAX_SIGNATURE_ANN, &g->signature);
		if (!rc)
			rc = dup_ann(ann, IMAGE_ANN_BUNDLE, 1024 * 1024, &g->bundle);
		if (rc) {
			snprintf(err, errlen, "signature manifest: layers[%zu] has an oversized annotation",
			         i);
			goto out;
		}
		rc = CAIRN_ERR_INVALID;
	}
	*out = s;
	s = NULL;
	rc = CAIRN_OK;
out:
	image_sigs_free(s);
	json_decref(v);
	return rc;
}

int image_signatures(const image_layout *l, const uint8_t digest[32], image_sigs **out, char *err,
                     size_t errlen)
{
	char tag[80], sub[300];
	image_desc md;
	uint8_t *buf = NULL;
	size_t len;
	image_sigs *s = NULL;
	int rc;

	image_sig_tag(digest, tag);
	rc = image_resolve_tag(l, tag, &md, sub, sizeof sub);
	if (rc) {
		if (rc == CAIRN_ERR_NOT_FOUND)
			snprintf(err, errlen, "signatures: no signature manifest tagged %s in %s", tag,
			         l->dir);
		else
			snprintf(err, errlen, "signatures: %s", sub);
		return rc;
	}
	rc = image_read_blob(l, &md, IMAGE_MAX_MANIFEST, &buf, &len, sub, sizeof sub);
	if (rc) {
		snprintf(err, errlen, "signature manifest: %s", sub);
		return rc;
	}
	rc = image_sigs_parse(buf, len, &s, err, errlen);
	free(buf);
	buf = NULL;
	if (rc)
		return rc;
	s->manifest = md;
	rc = image_read_blob(l, &s->config, MAX_CONFIG, &buf, &len, sub, sizeof sub);
	free(buf);
	if (rc) {
		snprintf(err, errlen, "signature manifest: config %s", sub);
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		image_sig *g = &s->sigs[i];
		rc = image_read_blob(l, &g->layer, IMAGE_MAX_PAYLOAD, &g->payload, &g->payload_len, sub,
		                     sizeof sub);
		if (rc) {
			snprintf(err, errlen, "signature manifest: payload of layer %zu: %s", i, sub);
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	image_sigs_free(s);
	return rc;
}

/* cosign's config for a signature image: empty but for the layers' digests. */
static int sig_config(const image_sigs *s, char **out, size_t *len)
{
	json_t *ids = json_array(), *v = NULL;
	char dg[72];
	int rc = CAIRN_ERR_NOMEM;

	for (size_t i = 0; ids && i < s->n; i++) {
		memcpy(dg, "sha256:", 7);
		codec_hex_encode(s->sigs[i].layer.digest, 32, dg + 7);
		if (json_array_append_new(ids, json_string(dg)))
			goto out;
	}
	v = json_pack("{s:s,s:s,s:[{s:s}],s:s,s:{s:s,s:O},s:{}}", "architecture", "", "created",
	              "0001-01-01T00:00:00Z", "history", "created", "0001-01-01T00:00:00Z", "os", "",
	              "rootfs", "type", "layers", "diff_ids", ids, "config");
	*out = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!*out)
		goto out;
	*len = strlen(*out);
	rc = CAIRN_OK;
out:
	json_decref(ids);
	json_decref(v);
	return rc;
}

static int sig_manifest(const image_sigs *s, const image_desc *config, char **out, size_t *len)
{
	json_t *layers = json_array(), *v = NULL;
	int rc = CAIRN_ERR_NOMEM;

	for (size_t i = 0; layers && i < s->n; i++) {
		const image_sig *g = &s->sigs[i];
		json_t *ann = json_object(), *d;
		/* json_object_set_new and json_array_append_new take the value
		 * even when they fail. */
		if (!ann)
			goto out;
		if ((g->signature &&
		     json_object_set_new(ann, IMAGE_ANN_SIGNATURE, json_string(g->signature))) ||
		    (g->bundle && json_object_set_new(ann, IMAGE_ANN_BUNDLE, json_string(g->bundle)))) {
			json_decref(ann);
			goto out;
		}
		d = desc_json(&g->layer);
		if (!d) {
			json_decref(ann);
			goto out;
		}
		if (json_object_set_new(d, "annotations", ann)) {
			json_decref(d);
			goto out;
		}
		if (json_array_append_new(layers, d))
			goto out;
	}
	if (!layers)
		goto out;
	v = json_pack("{s:i,s:s,s:o,s:O}", "schemaVersion", 2, "mediaType", IMAGE_MT_MANIFEST, "config",
	              desc_json(config), "layers", layers);
	*out = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!*out)
		goto out;
	*len = strlen(*out);
	rc = CAIRN_OK;
out:
	json_decref(layers);
	json_decref(v);
	return rc;
}

int image_add_signature(image_layout *l, const uint8_t digest[32], const uint8_t *payload, size_t plen,
                        const char *signature_b64, const char *bundle_json, char *err, size_t errlen)
{
	image_sigs *s = NULL;
	image_desc pd, cd, md;
	image_sig *g = NULL;
	char tag[80], *config = NULL, *manifest = NULL, sub[400];
	size_t clen, mlen;
	int rc;

	image_sig_tag(digest, tag);
	rc = image_signatures(l, digest, &s, sub, sizeof sub);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		s = calloc(1, sizeof *s);
		if (!s)
			return CAIRN_ERR_NOMEM;
	} else if (rc) {
		snprintf(err, errlen, "the existing %s does not verify, not replacing it: %s", tag, sub);
		return rc;
	}
	rc = image_write_blob(l, IMAGE_MT_SIMPLESIGNING, payload, plen, &pd, err, errlen);
	if (rc)
		goto out;
	/* The same signature again (a retried run) replaces its bundle. */
	for (size_t i = 0; i < s->n && !g; i++) {
		if (memcmp(s->sigs[i].layer.digest, pd.digest, 32) == 0 && s->sigs[i].signature &&
		    strcmp(s->sigs[i].signature, signature_b64) == 0)
			g = &s->sigs[i];
	}
	if (!g) {
		if (s->n == IMAGE_MAX_LAYERS) {
			snprintf(err, errlen, "%s already holds %d signatures", tag, IMAGE_MAX_LAYERS);
			rc = CAIRN_ERR_TOO_LARGE;
			goto out;
		}
		g = &s->sigs[s->n++];
		g->layer = pd;
		g->signature = strdup(signature_b64);
		if (!g->signature) {
			rc = CAIRN_ERR_NOMEM;
			goto out;
		}
	}
	free(g->bundle);
	g->bundle = bundle_json ? strdup(bundle_json) : NULL;
	rc = CAIRN_ERR_NOMEM;
	if (bundle_json && !g->bundle)
		goto out;
	if (sig_config(s, &config, &clen))
		goto out;
	rc = image_write_blob(l, IMAGE_MT_CONFIG, (const uint8_t *)config, clen, &cd, err, errlen);
	if (rc)
		goto out;
	rc = CAIRN_ERR_NOMEM;
	if (sig_manifest(s, &cd, &manifest, &mlen))
		goto out;
	rc = image_write_blob(l, IMAGE_MT_MANIFEST, (const uint8_t *)manifest, mlen, &md, err, errlen);
	if (rc)
		goto out;
	rc = image_set_tag(l, tag, &md, err, errlen);
out:
	if (rc == CAIRN_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	free(config);
	free(manifest);
	image_sigs_free(s);
	return rc;
}
