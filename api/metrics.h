/* cairnd: Prometheus counters and histograms, lock-free (atomics). */
#ifndef CAIRN_METRICS_H
#define CAIRN_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef enum metrics_route {
	ROUTE_OTHER,
	ROUTE_LOG_INFO,
	ROUTE_PUBLIC_KEY,
	ROUTE_PROOF,
	ROUTE_ENTRY_CREATE,
	ROUTE_ENTRY_GET,
	ROUTE_ENTRIES_RETRIEVE,
	ROUTE_INDEX_RETRIEVE,
	ROUTE_CHECKPOINT,
	ROUTE_TILE,
	ROUTE_ENTRY_BUNDLE,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_COUNT
} metrics_route;

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);

/* A request on route finished with status after seconds. */
void metrics_observe_request(metrics *m, metrics_route route, unsigned status, double seconds);
/* A batch committed: appended new entries of batch submitted; tree is now tree_size. */
void metrics_observe_batch(metrics *m, size_t appended, size_t batch, uint64_t tree_size);

/* Prometheus text exposition; caller frees with free(). NULL if out of memory. */
char *metrics_render(metrics *m, size_t pending, size_t *len);

#endif
