/* cairn CLI: strict access to untrusted JSON documents.
 *
 * Bundles, OCI manifests and log responses come from files and servers we do
 * not trust: every document has a size cap, duplicate keys are refused, and
 * each member is read with its exact type. Integers accept the two spellings
 * protobuf JSON allows for int64 (a JSON integer or a decimal string).
 * Pure: no I/O. */
#ifndef CAIRN_JSONX_H
#define CAIRN_JSONX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Deepest nesting accepted in any document the CLI reads. */
#define JSONX_MAX_DEPTH 32

/* Parses len bytes of JSON text (not necessarily NUL-terminated): at most
 * cap bytes (CAIRN_ERR_TOO_LARGE), no duplicate keys, no NUL in strings, at
 * most JSONX_MAX_DEPTH nested containers (CAIRN_ERR_INVALID otherwise).
 * what names the document in the message written to err. Caller frees *out
 * with json_decref(). */
int jsonx_parse(const char *text, size_t len, size_t cap, const char *what, json_t **out, char *err,
                size_t errlen);

/* The string member key of obj and its length; NULL when missing or not a
 * string. Borrowed: valid while obj lives. */
const char *jsonx_str(const json_t *obj, const char *key, size_t *len);

/* The object member key of obj; NULL when missing or not an object. */
json_t *jsonx_obj(const json_t *obj, const char *key);

/* A non-negative integer member: a JSON integer, or a string of decimal
 * digits without sign or leading zeros (protobuf int64). When the member is
 * missing, *out is dflt if optional, else CAIRN_ERR_INVALID. Values over
 * INT64_MAX are CAIRN_ERR_INVALID. */
int jsonx_u64(const json_t *obj, const char *key, int optional, uint64_t dflt, uint64_t *out);

/* A strict decimal u64 from s (len bytes): digits only, no leading zero
 * unless "0", at most INT64_MAX. 0 or CAIRN_ERR_INVALID. */
int jsonx_parse_u64(const char *s, size_t len, uint64_t *out);

/* A base64 string member decoded into a new buffer of at most max bytes;
 * caller frees *out with free(). CAIRN_ERR_INVALID when missing, not a
 * string or not strict padded base64, CAIRN_ERR_TOO_LARGE past max. */
int jsonx_b64(const json_t *obj, const char *key, size_t max, uint8_t **out, size_t *len);

/* A base64 string member that must decode to exactly n bytes into out. */
int jsonx_b64_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n);

/* A hex string member that must decode to exactly n bytes into out. */
int jsonx_hex_fixed(const json_t *obj, const char *key, uint8_t *out, size_t n);

/* Copies s to out as one printable line of at most cap-1 bytes: control
 * characters become '?', the rest is cut with "...". For echoing server
 * messages and file contents without letting them draw on the terminal. */
void jsonx_oneline(const char *s, size_t len, char *out, size_t cap);

#endif
