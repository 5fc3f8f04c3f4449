/* cairn CLI: the Rekor v1 API over libcurl.
 *
 * One client holds one curl easy handle, reused (and so its connection) for
 * every request to one log. Requests never follow redirects, speak only
 * http and https, time out, and cap the response size; a response past its
 * cap is an error, never truncated. Every answer is parsed strictly; an
 * HTTP error from the log ({"code", "message"}) becomes one line in err.
 *
 * Errors: CAIRN_ERR_IO (unreachable, timeout, unexpected HTTP status),
 * CAIRN_ERR_NOT_FOUND (404), CAIRN_ERR_INVALID (400/422, or a malformed
 * answer), CAIRN_ERR_TOO_LARGE (413, or an answer over its cap),
 * CAIRN_ERR_NOMEM. Out-parameters are untouched on failure. */
#ifndef CAIRN_CLIENT_H
#define CAIRN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "merkle.h"
#include "tlog.h"

typedef struct client client;

/* A client for the log at url ("http://host:port" or "https://...", an
 * optional path prefix, no query). CAIRN_ERR_INVALID for another URL. Call
 * curl_global_init() first. Caller frees *out with client_free(). */
int client_new(const char *url, client **out, char *err, size_t errlen);
void client_free(client *c);

/* The log's base URL, without a trailing slash. Borrowed. */
const char *client_url(const client *c);

typedef struct client_loginfo {
	uint64_t tree_size;
	uint8_t root[32];
	char tree_id[24]; /* decimal */
	char *checkpoint; /* signedTreeHead, NUL-terminated; owned */
	size_t checkpoint_len;
} client_loginfo;

/* GET /api/v1/log. Caller frees out->checkpoint with free(). */
int client_log_info(client *c, client_loginfo *out, char *err, size_t errlen);

/* GET /api/v1/log/proof?firstSize=first&lastSize=last: at most
 * MERKLE_MAX_PROOF hashes into proof (*n of them) and the root at last. */
int client_consistency(client *c, uint64_t first, uint64_t last, uint8_t proof[][32], size_t *n,
                       uint8_t root[32], char *err, size_t errlen);

/* POST /api/v1/log/entries with a proposed entry whose canonical body has
 * leaf hash leaf. On 201 the new entry; on 409 the existing one (fetched by
 * UUID) with *existed = 1. Either way the returned entry's body must hash to
 * leaf. Caller frees *out with tlog_entry_free(). */
int client_upload(client *c, const char *proposed, size_t len, const uint8_t leaf[32], tlog_entry **out,
                  int *existed, char *err, size_t errlen);

/* GET /api/v1/log/entries/{uuid} (64 or 80 hex digits). The returned entry
 * must hash to the UUID's leaf. */
int client_entry_by_uuid(client *c, const char *uuid, tlog_entry **out, char *err, size_t errlen);

/* GET /api/v1/log/entries?logIndex=N. The returned entry must say index. */
int client_entry_by_index(client *c, uint64_t index, tlog_entry **out, char *err, size_t errlen);

/* POST /api/v1/log/entries/retrieve for n (<= 10) indexes; out[i] receives
 * the entry at index idx[i] (each checked), all or nothing. Caller frees
 * each with tlog_entry_free(). */
int client_entries_by_index(client *c, const uint64_t *idx, size_t n, tlog_entry **out, char *err,
                            size_t errlen);

/* POST /api/v1/index/retrieve with a hash ("sha256:<hex>", may be NULL)
 * and/or a PEM public key (may be NULL), operator "and". *ids receives *n
 * entry IDs (NUL-terminated hex); caller frees each and the array. */
int client_search(client *c, const char *hash, const char *pem, size_t pemlen, char ***ids, size_t *n,
                  char *err, size_t errlen);

#endif
