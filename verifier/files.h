/* cairn CLI: bounded file reads and crash-safe file writes.
 *
 * Every file the CLI reads is untrusted and capped; every file it writes
 * is written to a temporary name in the same directory, fsync'd, renamed
 * over the target and the directory fsync'd, so a reader (or a crash) sees
 * either the old file or the new one, never half of either. */
#ifndef CAIRN_FILES_H
#define CAIRN_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "keys.h"

/* Reads the regular file at path, at most cap bytes. *out gets one extra
 * NUL byte past *len so text can be used as a C string; caller frees it with
 * free(). CAIRN_ERR_NOT_FOUND when path does not exist, CAIRN_ERR_TOO_LARGE
 * past cap, CAIRN_ERR_IO for anything else (a directory, a read error); a
 * one-line reason naming path is written to err. */
int files_read(const char *path, size_t cap, uint8_t **out, size_t *len, char *err, size_t errlen);

/* Replaces path with len bytes of data, mode applied to the new file, via
 * temp file + fsync + rename + directory fsync. CAIRN_ERR_IO on failure (the
 * old file, if any, is untouched and the temp file removed). */
int files_write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err, size_t errlen);

/* Hashes the regular file at path with alg, streaming (artifacts may be
 * larger than memory): out receives the digest (32, 48 or 64 bytes). */
int files_hash(const char *path, keys_digest alg, uint8_t out[64], char *err, size_t errlen);

/* Maps the regular file at path read-only (an empty file maps to an empty
 * buffer). Undo with files_unmap(*data, *len). */
int files_map(const char *path, const uint8_t **data, size_t *len, char *err, size_t errlen);
void files_unmap(const uint8_t *data, size_t len);

/* Does path exist (as anything)? */
int files_exists(const char *path);

#endif
