/* cairn: C2SP tlog-tiles coordinates and paths.
 *
 * A tile at tile level L, index N, holds up to 256 hashes: entry i is the root
 * of the perfect subtree of height 8L with index N*256+i. Level 0 holds leaf
 * hashes. A tile is "full" at width 256 and "partial" at widths 1..255. */
#ifndef CAIRN_TILES_H
#define CAIRN_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TILES_HEIGHT 8
#define TILES_WIDTH 256
#define TILES_MAX_LEVEL 63
/* Longest path tiles_path_format writes, with its NUL. */
#define TILES_PATH_MAX 64

typedef struct tiles_path {
	int entries;      /* 1 for tile/entries/..., 0 for a hash tile */
	unsigned level;   /* hash tiles only: 0..63 */
	uint64_t index;   /* N */
	unsigned width;   /* 1..256; 256 is a full tile (no .p/ suffix) */
} tiles_path;

/* Where the tree node at (height, index) lives: the tile level and tile
 * index that hold it, and the first slot and count of tile entries whose
 * subtree hashes combine to it (count = 2^(height % 8)). */
typedef struct tiles_coord {
	unsigned level;
	uint64_t index;
	unsigned slot;
	unsigned count;
} tiles_coord;

void tiles_node_coord(unsigned height, uint64_t index, tiles_coord *out);

/* Number of hashes tile (level, index) holds in a tree of size n: 0..256. */
unsigned tiles_width(unsigned level, uint64_t index, uint64_t n);

/* Writes the path ("tile/0/x001/x234/067.p/5", "tile/entries/000") and a NUL
 * to buf (TILES_PATH_MAX bytes). CAIRN_ERR_INVALID for width 0 or > 256 or a
 * level over 63. */
int tiles_path_format(const tiles_path *p, char *buf, size_t cap);

/* Strict inverse of tiles_path_format over the path after the leading "/":
 * any non-canonical spelling (leading zeros, "x000/" prefixes, W outside
 * 1..255, level > 63, empty elements, trailing bytes) is CAIRN_ERR_INVALID.
 * *out untouched on failure. */
int tiles_path_parse(const char *path, size_t len, tiles_path *out);

#endif
