#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const route_names[ROUTE_COUNT] = {
	"other", "log_info", "public_key", "proof", "entry_create", "entry_get", "entries_retrieve",
	"index_retrieve", "checkpoint", "tile", "entry_bundle", "healthz", "metrics",
};

#define LAT_BUCKETS 12
static const double lat_bounds[LAT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					       0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define BATCH_BUCKETS 12
static const unsigned batch_bounds[BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

struct metrics {
	atomic_ullong lat_count[ROUTE_COUNT][LAT_BUCKETS + 1];
	atomic_ullong lat_sum_us[ROUTE_COUNT];
	atomic_ullong status[600];
	atomic_ullong batch_count[BATCH_BUCKETS + 1];
	atomic_ullong batch_sum;
	atomic_ullong appended;
	atomic_ullong tree_size;
};

metrics *metrics_new(void)
{
	metrics *m = calloc(1, sizeof *m); /* all-zero is a valid atomic state on this platform */
	return m;
}

void metrics_free(metrics *m)
{
	free(m);
}

void metrics_observe_request(metrics *m, metrics_route route, unsigned status, double seconds)
{
	if (route >= ROUTE_COUNT)
		route = ROUTE_OTHER;
	int b = 0;
	while (b < LAT_BUCKETS && seconds > lat_bounds[b])
		b++;
	atomic_fetch_add(&m->lat_count[route][b], 1);
	atomic_fetch_add(&m->lat_sum_us[route], (unsigned long long)(seconds * 1e6));
	if (status < 600)
		atomic_fetch_add(&m->status[status], 1);
}

void metrics_observe_batch(metrics *m, size_t appended, size_t batch, uint64_t tree_size)
{
	int b = 0;
	while (b < BATCH_BUCKETS && batch > batch_bounds[b])
		b++;
	atomic_fetch_add(&m->batch_count[b], 1);
	atomic_fetch_add(&m->batch_sum, batch);
	atomic_fetch_add(&m->appended, appended);
	atomic_store(&m->tree_size, tree_size);
}

typedef struct out {
	char *buf;
	size_t len, cap;
	int oom;
} out;

static void put(out *o, const char *fmt, ...)
{
	if (o->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *nb = realloc(o->buf, o->cap * 2 + (size_t)n);
		if (!nb) {
			o->oom = 1;
			return;
		}
		o->buf = nb;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

char *metrics_render(metrics *m, size_t pending, size_t *len)
{
	out o = {malloc(16384), 0, 16384, 0};
	if (!o.buf)
		return NULL;
	put(&o, "# HELP cairn_entries_appended_total Entries appended to the log by this process.\n");
	put(&o, "# TYPE cairn_entries_appended_total counter\n");
	put(&o, "cairn_entries_appended_total %llu\n", (unsigned long long)atomic_load(&m->appended));
	put(&o, "# HELP cairn_tree_size Entries in the log after the last committed batch.\n");
	put(&o, "# TYPE cairn_tree_size gauge\n");
	put(&o, "cairn_tree_size %llu\n", (unsigned long long)atomic_load(&m->tree_size));
	put(&o, "# HELP cairn_sequencer_pending Entries waiting for the sequencer.\n");
	put(&o, "# TYPE cairn_sequencer_pending gauge\n");
	put(&o, "cairn_sequencer_pending %zu\n", pending);
	put(&o, "# HELP cairn_batch_size Entries per committed batch.\n");
	put(&o, "# TYPE cairn_batch_size histogram\n");
	unsigned long long cum = 0;
	for (int b = 0; b <= BATCH_BUCKETS; b++) {
		cum += atomic_load(&m->batch_count[b]);
		if (b < BATCH_BUCKETS)
			put(&o, "cairn_batch_size_bucket{le=\"%u\"} %llu\n", batch_bounds[b], cum);
		else
			put(&o, "cairn_batch_size_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	put(&o, "cairn_batch_size_sum %llu\ncairn_batch_size_count %llu\n",
	    (unsigned long long)atomic_load(&m->batch_sum), cum);
	put(&o, "# HELP cairn_http_request_duration_seconds Request latency by route.\n");
	put(&o, "# TYPE cairn_http_request_duration_seconds histogram\n");
	for (int r = 0; r < ROUTE_COUNT; r++) {
		cum = 0;
		for (int b = 0; b <= LAT_BUCKETS; b++) {
			cum += atomic_load(&m->lat_count[r][b]);
			if (b < LAT_BUCKETS)
				put(&o, "cairn_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    route_names[r], lat_bounds[b], cum);
			else
				put(&o, "cairn_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				    route_names[r], cum);
		}
		put(&o, "cairn_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
		    (double)atomic_load(&m->lat_sum_us[r]) / 1e6);
		put(&o, "cairn_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route_names[r], cum);
	}
	put(&o, "# HELP cairn_http_responses_total Responses by status code.\n");
	put(&o, "# TYPE cairn_http_responses_total counter\n");
	for (int s = 100; s < 600; s++) {
		unsigned long long n = atomic_load(&m->status[s]);
		if (n)
			put(&o, "cairn_http_responses_total{code=\"%d\"} %llu\n", s, n);
	}
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
