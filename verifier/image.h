/* cairn CLI: OCI image layouts and cosign's signature storage in them.
 *
 * An OCI image layout (image-spec) is a directory with "oci-layout",
 * "index.json" (descriptors, tagged with org.opencontainers.image.ref.name)
 * and content-addressed "blobs/sha256/<hex>". cosign keeps an image's
 * signatures in an image manifest tagged "sha256-<hex>.sig": each layer is a
 * simple-signing payload naming the image's manifest digest, annotated with
 * the base64 signature (dev.cosignproject.cosign/signature) and the log's
 * promise (dev.sigstore.cosign/bundle). This module reads and writes exactly
 * that, treating every file in the layout as untrusted: sizes are capped,
 * JSON is parsed strictly, every blob read is checked against its digest
 * and size, and index.json is replaced atomically. No HTTP, no crypto but
 * SHA-256. */
#ifndef CAIRN_IMAGE_H
#define CAIRN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IMAGE_MAX_INDEX (4 * 1024 * 1024)
#define IMAGE_MAX_MANIFEST (4 * 1024 * 1024)
#define IMAGE_MAX_PAYLOAD (1024 * 1024)
#define IMAGE_MAX_MANIFESTS 10000 /* descriptors in index.json */
#define IMAGE_MAX_LAYERS 64       /* signatures in one signature manifest */
#define IMAGE_MAX_TAG 128

#define IMAGE_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define IMAGE_ANN_REF "org.opencontainers.image.ref.name"
#define IMAGE_ANN_SIGNATURE "dev.cosignproject.cosign/signature"
#define IMAGE_ANN_BUNDLE "dev.sigstore.cosign/bundle"
#define IMAGE_PAYLOAD_TYPE "cosign container image signature"

typedef struct image_layout image_layout;

/* A content descriptor: sha256 digests only. */
typedef struct image_desc {
	char media_type[128];
	uint8_t digest[32];
	uint64_t size;
} image_desc;

/* One signature: a layer of a signature manifest, its payload (read and
 * checked against the layer's digest) and its annotations. */
typedef struct image_sig {
	image_desc layer;
	uint8_t *payload;
	size_t payload_len;
	char *signature; /* base64, as annotated; NULL if missing */
	char *bundle;    /* the bundle annotation's JSON; NULL if missing */
} image_sig;

typedef struct image_sigs {
	image_desc manifest; /* the signature manifest itself */
	image_desc config;
	image_sig sigs[IMAGE_MAX_LAYERS];
	size_t n;
} image_sigs;

/* Splits "oci:DIR[:TAG]" into dir and tag (default "latest"); a ':' only
 * counts after the last '/'. CAIRN_ERR_INVALID for another form or a bad
 * tag. Caller frees *dir with free(); *tag points into ref or is "latest". */
int image_parse_ref(const char *ref, char **dir, const char **tag, char *err, size_t errlen);

/* Is tag a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})? */
int image_tag_ok(const char *tag);

/* Opens the layout at dir: checks oci-layout and reads index.json (at most
 * IMAGE_MAX_INDEX). Caller frees *out with image_layout_free(). */
int image_layout_open(const char *dir, image_layout **out, char *err, size_t errlen);
void image_layout_free(image_layout *l);

/* The descriptor tagged tag in index.json. CAIRN_ERR_NOT_FOUND when no
 * descriptor has the tag, CAIRN_ERR_INVALID when several name different
 * digests. */
int image_resolve_tag(const image_layout *l, const char *tag, image_desc *out, char *err, size_t errlen);

/* Reads blob d (at most cap bytes) and checks its size and SHA-256:
 * CAIRN_ERR_VERIFY on a mismatch, CAIRN_ERR_NOT_FOUND when missing. *out
 * is NUL-terminated past *len; caller frees it with free(). */
int image_read_blob(const image_layout *l, const image_desc *d, size_t cap, uint8_t **out, size_t *len,
                    char *err, size_t errlen);

/* Stores data as a blob (skipped when an identical blob is there) and
 * fills d (media_type from mt). */
int image_write_blob(image_layout *l, const char *mt, const uint8_t *data, size_t len, image_desc *d,
                     char *err, size_t errlen);

/* Points tag at d in index.json (dropping other descriptors with that tag)
 * and replaces index.json atomically. */
int image_set_tag(image_layout *l, const char *tag, const image_desc *d, char *err, size_t errlen);

/* cosign's simple-signing payload for the image with manifest digest
 * (compact JSON, the key order cosign writes). Caller frees *out. */
int image_payload(const uint8_t digest[32], const char *reference, char **out, size_t *len);

/* Checks a payload (untrusted, at most IMAGE_MAX_PAYLOAD) is a cosign
 * container image signature naming digest: CAIRN_ERR_VERIFY otherwise,
 * with the reason in err. Keys match case-insensitively, as Go's
 * encoding/json does; two spellings of one key are refused. */
int image_payload_check(const uint8_t *payload, size_t len, const uint8_t digest[32], char *err,
                        size_t errlen);

/* "sha256-<hex>.sig" for an image digest (76 chars and a NUL). */
void image_sig_tag(const uint8_t digest[32], char out[80]);

/* Parses a signature manifest (untrusted) into its config and layer
 * descriptors with their annotations; payloads are not read. Caller frees
 * *out with image_sigs_free(). */
int image_sigs_parse(const uint8_t *manifest, size_t len, image_sigs **out, char *err, size_t errlen);
void image_sigs_free(image_sigs *s);

/* Loads the signatures of the image with manifest digest: the manifest
 * tagged image_sig_tag(digest), its config and every payload, each checked
 * against its digest (CAIRN_ERR_VERIFY on a mismatch). CAIRN_ERR_NOT_FOUND
 * when the image has no signature tag. */
int image_signatures(const image_layout *l, const uint8_t digest[32], image_sigs **out, char *err,
                     size_t errlen);

/* Adds a signature to the image with manifest digest the way cosign does in
 * a registry: payload blob, the signature manifest (the existing one with
 * one more layer, or a new one) and its config, then the tag, last, so a
 * reader sees the old signatures or the new ones. The existing manifest
 * must verify (CAIRN_ERR_VERIFY otherwise: nothing is replaced). */
int image_add_signature(image_layout *l, const uint8_t digest[32], const uint8_t *payload, size_t plen,
                        const char *signature_b64, const char *bundle_json, char *err, size_t errlen);

#endif
