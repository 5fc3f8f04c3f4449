/* cairnd: state shared by the HTTP layer and the handlers. */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "entry.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "sequencer.h"

struct MHD_Connection;
struct MHD_Daemon;

typedef struct server_config {
	const char *listen;        /* "ADDR:PORT"; port 0 picks one */
	const char *data;          /* data directory */
	const char *name;          /* log name (checkpoint signer, origin prefix) */
	const char *log_key_path;  /* NULL: <data>/log.key, created on first start */
	const char *note_key_path; /* NULL: <data>/note.key, created on first start */
	int64_t tree_id;           /* 0: random on creation */
	size_t max_body;           /* request body cap in bytes */
	unsigned threads;          /* HTTP worker threads */
	size_t queue;              /* sequencer queue cap */
	unsigned max_connections;
	unsigned max_per_ip;       /* 0: no limit */
	unsigned timeout;          /* per-connection idle timeout, seconds */
} server_config;

typedef struct server {
	server_config cfg;
	cairn_log *log;
	keys_key *log_key, *note_key;
	int64_t tree_id;
	char tree_id_hex[17];       /* 16 hex digits: the entryID prefix */
	char log_id_hex[65];
	char *public_pem;           /* log key, PEM */
	size_t public_pem_len;
	char *vkey;                 /* C2SP verifier key of the note key */
	sequencer *seq;
	metrics *metrics;
	struct MHD_Daemon *daemon;
	uint16_t port;
} server;

/* One HTTP request, from first byte to completion. */
typedef enum req_state { REQ_READING, REQ_QUEUED, REQ_COMMITTED } req_state;

typedef struct request {
	server *srv;
	struct MHD_Connection *conn;
	const char *method, *url;  /* borrowed from MHD for the request's life */
	metrics_route route;
	struct timespec start;
	unsigned status;           /* the status of the queued response */
	int responded;
	char *body;
	size_t len, cap;
	int too_large;
	req_state state;
	entry *entry;              /* POST /api/v1/log/entries */
	log_index_key keys[ENTRY_MAX_KEYS];
	seq_item item;
} request;

/* Responses: each queues the response on r's connection. */
void http_send(request *r, unsigned status, const char *ctype, const void *data, size_t len,
	       const char *cache, const char *const *headers);
void http_json(request *r, unsigned status, json_t *v, const char *const *headers); /* steals v */
void http_error(request *r, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *http_query(request *r, const char *key);

/* Strict decimal u64 (no sign, no leading zeros, no overflow). 0 or -1. */
int http_parse_u64(const char *s, uint64_t *out);
/* Parses a JSON request body with a nesting cap; on failure answers 400 and returns NULL. */
json_t *http_parse_body(request *r);

/* Handlers (v1.c, c2sp.c). */
void v1_log_info(request *r);
void v1_public_key(request *r);
void v1_proof(request *r);
void v1_entry_create(request *r);   /* validate, verify, queue */
void v1_entry_committed(request *r); /* after the sequencer answered */
void v1_entry_by_index(request *r);
void v1_entry_by_uuid(request *r, const char *uuid);
void v1_entries_retrieve(request *r);
void v1_index_retrieve(request *r);
void c2sp_checkpoint(request *r);
void c2sp_tile(request *r, const char *path);

/* Starts/stops the HTTP daemon on srv->cfg.listen; sets srv->port. */
int http_start(server *srv);
/* Stops accepting connections, keeping the ones open. */
void http_quiesce(server *srv);
void http_stop(server *srv);
/* Requests still being answered (for a clean shutdown). */
unsigned http_inflight(void);

#endif
