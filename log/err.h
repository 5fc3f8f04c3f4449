/* cairn: the project's one error enum.
 *
 * Every fallible function in cairn returns an int: CAIRN_OK (0) on success or
 * one of the negative codes below. LMDB, OpenSSL and jansson errors are
 * translated at the module boundary, so callers never see their codes. */
#ifndef CAIRN_ERR_H
#define CAIRN_ERR_H

typedef enum cairn_err {
	CAIRN_OK = 0,
	CAIRN_ERR_NOMEM = -1,       /* allocation failed */
	CAIRN_ERR_INVALID = -2,     /* malformed input: bad syntax, wrong length, bad encoding */
	CAIRN_ERR_TOO_LARGE = -3,   /* input over a cap */
	CAIRN_ERR_NOT_FOUND = -4,   /* no such entry, key, tile */
	CAIRN_ERR_DUPLICATE = -5,   /* entry already in the log */
	CAIRN_ERR_VERIFY = -6,      /* a signature or proof did not verify */
	CAIRN_ERR_IO = -7,          /* file or storage I/O failed */
	CAIRN_ERR_FULL = -8,        /* disk or map full: nothing was written */
	CAIRN_ERR_CRYPTO = -9,      /* OpenSSL failed for a reason other than bad input */
	CAIRN_ERR_RANGE = -10,      /* an index or size out of range */
	CAIRN_ERR_CORRUPT = -11,    /* stored data disagrees with itself */
	CAIRN_ERR_UNSUPPORTED = -12,/* a valid but unsupported kind, algorithm or version */
	CAIRN_ERR_PERM = -13,       /* a key file with unsafe permissions */
	CAIRN_ERR_BUSY = -14,       /* a queue is full; try again later */
	CAIRN_ERR_CLOSED = -15,     /* the component is shutting down */
	CAIRN_ERR_SCHEMA = -16      /* well-formed JSON of the wrong shape (HTTP 422) */
} cairn_err;

/* A short constant English description of code; never NULL. */
const char *cairn_strerror(int code);

#if defined(__GNUC__)
#define CAIRN_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CAIRN_MUST_CHECK
#endif

#endif
