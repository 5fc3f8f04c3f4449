/* cairnd: the C2SP tlog-tiles read API (SPECS §7). */
#define _POSIX_C_SOURCE 200809L
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "tiles.h"

#define IMMUTABLE "public, max-age=31536000, immutable"

void c2sp_checkpoint(request *r)
{
	log_reader *rd;
	int rc = log_read_begin(r->srv->log, &rd);
	if (rc) {
		http_error(r, 500, "cannot read the log: %s", cairn_strerror(rc));
		return;
	}
	log_checkpoint cp;
	log_reader_checkpoint(rd, &cp);
	http_send(r, 200, "text/plain; charset=utf-8", cp.note, cp.note_len, "no-cache", NULL);
	log_read_end(rd);
}

void c2sp_tile(request *r, const char *path)
{
	tiles_path p;
	if (tiles_path_parse(path, strlen(path), &p) != CAIRN_OK) {
		http_error(r, 400, "malformed tile path");
		return;
	}
	log_reader *rd;
	int rc = log_read_begin(r->srv->log, &rd);
	if (rc) {
		http_error(r, 500, "cannot read the log: %s", cairn_strerror(rc));
		return;
	}
	if (p.entries) {
		uint8_t *data;
		size_t len;
		rc = log_reader_entry_bundle(rd, p.index, p.width, &data, &len);
		if (rc == CAIRN_OK) {
			http_send(r, 200, "application/octet-stream", data, len, IMMUTABLE, NULL);
			free(data);
		}
	} else {
		const uint8_t *data;
		size_t len;
		rc = log_reader_tile(rd, p.level, p.index, p.width, &data, &len);
		if (rc == CAIRN_OK)
			http_send(r, 200, "application/octet-stream", data, len, IMMUTABLE, NULL);
	}
	log_read_end(rd);
	if (rc == CAIRN_ERR_NOT_FOUND)
		http_error(r, 404, "the tree does not hold that tile yet");
	else if (rc)
		http_error(r, 500, "cannot read the tile: %s", cairn_strerror(rc));
}
