/* cairn: RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Entries are hashed and signed over their canonical bytes, so the same JSON
 * value must always serialize to exactly one byte string: object members
 * sorted by the UTF-16 code units of their names, no whitespace, minimal
 * string escapes and ECMAScript number formatting. Pure: no I/O. */
#ifndef CAIRN_JCS_H
#define CAIRN_JCS_H

#include <stddef.h>

#include <jansson.h>

/* Deepest nesting of arrays and objects jcs_serialize accepts; 64 nested
 * containers pass, the 65th is rejected. */
#define JCS_MAX_DEPTH 64

/* RFC 8785 canonical JSON of v. On success *out is a NUL-terminated buffer
 * (caller frees with free()) and *outlen its length without the NUL; strings
 * and keys may contain U+0000, which is escaped, so the NUL is the only one.
 * Integers beyond +-2^53 are written as the nearest double, as JCS requires.
 * Returns CAIRN_ERR_INVALID for NaN/Infinity, invalid UTF-8 in a string or key
 * or a NULL v, CAIRN_ERR_TOO_LARGE when nesting exceeds JCS_MAX_DEPTH (which
 * also stops a cyclic value), CAIRN_ERR_NOMEM. *out and *outlen are untouched
 * on failure. */
int jcs_serialize(const json_t *v, char **out, size_t *outlen);

#endif
