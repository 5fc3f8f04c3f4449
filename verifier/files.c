#define _POSIX_C_SOURCE 200809L
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

int files_read(const char *path, size_t cap, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t n = 0;
	int fd, rc = CAIRN_ERR_IO;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > cap) {
		snprintf(err, errlen, "%s is too large (%lld bytes; at most %zu)", path,
		         (long long)st.st_size, cap);
		rc = CAIRN_ERR_TOO_LARGE;
		goto out;
	}
	/* The size may change under us: read up to cap+1 and check again. */
	buf = malloc(cap + 2);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, cap + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			snprintf(err, errlen, "%s is too large (at most %zu bytes)", path, cap);
			rc = CAIRN_ERR_TOO_LARGE;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = CAIRN_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int files_write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err, size_t errlen)
{
	char *tmp = NULL, *dcopy = NULL;
	int fd = -1, dfd = -1, rc = CAIRN_ERR_IO;
	size_t plen = strlen(path);

	tmp = malloc(plen + 16);
	dcopy = strdup(path);
	if (!tmp || !dcopy) {
		snprintf(err, errlen, "out of memory writing %s", path);
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", 12);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file next to %s: %s", path, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* The rename is durable once the directory is. */
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, errlen, "cannot sync the directory of %s: %s", path, strerror(errno));
		goto out;
	}
	rc = CAIRN_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(dcopy);
	return rc;
}

int files_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int open_regular(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		errno = e; /* the caller tells ENOENT apart */
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int files_hash(const char *path, keys_digest alg, uint8_t out[64], char *err, size_t errlen)
{
	const EVP_MD *md = alg == KEYS_SHA512   ? EVP_sha512()
	                   : alg == KEYS_SHA384 ? EVP_sha384()
	                                        : EVP_sha256();
	EVP_MD_CTX *ctx = NULL;
	struct stat st;
	uint8_t *buf = NULL;
	unsigned int n = 0;
	int fd, rc = CAIRN_ERR_IO;

	fd = open_regular(path, &st, err, errlen);
	if (fd < 0)
		return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
	ctx = EVP_MD_CTX_new();
	buf = malloc(1 << 16);
	if (!ctx || !buf || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		snprintf(err, errlen, "cannot hash %s: out of memory", path);
		rc = CAIRN_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf, 1 << 16);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)r) != 1) {
			rc = CAIRN_ERR_CRYPTO;
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1) {
		rc = CAIRN_ERR_CRYPTO;
		goto out;
	}
	rc = CAIRN_OK;
out:
	if (rc == CAIRN_ERR_CRYPTO)
		snprintf(err, errlen, "cannot hash %s", path);
	free(buf);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

int files_map(const char *path, const uint8_t **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	void *p;
	int fd = open_regular(path, &st, err, errlen);
	if (fd < 0)
		return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
	if (st.st_size == 0) {
		close(fd);
		*data = (const uint8_t *)"";
		*len = 0;
		return CAIRN_OK;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
		return CAIRN_ERR_IO;
	}
	*data = p;
	*len = (size_t)st.st_size;
	return CAIRN_OK;
}

void files_unmap(const uint8_t *data, size_t len)
{
	if (data && len > 0)
		munmap((void *)data, len);
}
