/* cairn benchmarks: helpers shared by the bench tools.
 *
 * Every tool prints its results as "key value" lines on stdout, one figure a
 * line, for bench/run.sh to collect; bench-report turns the collection into
 * JSON, a Markdown table and SVG plots. Diagnostics go to stderr. */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints "prefix.key value" (prefix may be empty). */
static inline void bench_kv(const char *prefix, const char *key, double v)
{
	if (prefix && *prefix)
		printf("%s.%s %.6g\n", prefix, key, v);
	else
		printf("%s %.6g\n", key, v);
	fflush(stdout);
}

static inline void bench_kvs(const char *prefix, const char *key, const char *v)
{
	if (prefix && *prefix)
		printf("%s.%s %s\n", prefix, key, v);
	else
		printf("%s %s\n", key, v);
	fflush(stdout);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static inline double bench_quantile(const double *sorted, size_t n, double q)
{
	if (n == 0)
		return 0;
	size_t i = (size_t)(q * (double)n);
	if (i >= n)
		i = n - 1;
	return sorted[i];
}

/* xorshift64*: a fast reproducible generator for indexes and filler bytes. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}

static inline void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

#endif
