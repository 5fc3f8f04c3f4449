/* A crash injector for the crash test, loaded into cairnd with LD_PRELOAD:
 * the process SIGKILLs itself just before its Nth write to a file whose path
 * contains CAIRN_KILL_PATH (N = CAIRN_KILL_AT, default 1), so that a crash
 * lands exactly between two writes: a key file created but still empty, an
 * LMDB commit with its data pages written but not its meta page, and so on.
 * Without CAIRN_KILL_PATH it does nothing. Built as BUILD/crash/killpoint.so
 * (not under BUILD/tests, where every file is run as a test). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long hits;

static void maybe_die(int fd)
{
	const char *want = getenv("CAIRN_KILL_PATH");
	if (!want || !*want)
		return;
	char link[64], path[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return;
	path[n] = '\0';
	if (!strstr(path, want))
		return;
	const char *at = getenv("CAIRN_KILL_AT");
	long target = at && *at ? strtol(at, NULL, 10) : 1;
	if (atomic_fetch_add(&hits, 1) + 1 >= target)
		raise(SIGKILL);
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
	maybe_die(fd);
	return REAL(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	maybe_die(fd);
	return REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	maybe_die(fd);
	return REAL(pwrite64)(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	maybe_die(fd);
	return REAL(writev)(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	maybe_die(fd);
	return REAL(pwritev)(fd, iov, cnt, off);
}
