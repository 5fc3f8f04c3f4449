/* Fuzz target: C2SP tile paths (tiles_path_parse / tiles_path_format) and
 * tile arithmetic (tiles_width, tiles_node_coord).
 *
 * Invariants:
 *  - a path that parses is in range (level <= 63, width 1..256, entries at
 *    level 0) and formats back to exactly the same bytes: the parser accepts
 *    only canonical spellings;
 *  - any in-range tiles_path formats, and the text parses back to the same
 *    struct unless it addresses leaves past 2^64;
 *  - tiles_width matches a direct computation and node coordinates stay
 *    inside their tile. */
#include "fuzz.h"

#include "tiles.h"

static void check_parse(const uint8_t *data, size_t size)
{
	tiles_path p, keep;
	memset(&p, 0xa5, sizeof p);
	keep = p;
	int rc = tiles_path_parse((const char *)data, size, &p);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "rc %d", rc);
		FUZZ_CHECK(memcmp(&p, &keep, sizeof p) == 0, "*out touched on failure");
		return;
	}
	FUZZ_CHECK(p.entries == 0 || p.entries == 1, "entries %d", p.entries);
	FUZZ_CHECK(p.width >= 1 && p.width <= TILES_WIDTH, "width %u", p.width);
	FUZZ_CHECK(p.entries ? p.level == 0 : p.level <= TILES_MAX_LEVEL, "level %u", p.level);
	char buf[TILES_PATH_MAX];
	rc = tiles_path_format(&p, buf, sizeof buf);
	FUZZ_CHECK(rc == CAIRN_OK, "a parsed path does not format: rc %d", rc);
	FUZZ_CHECK(strlen(buf) == size && memcmp(buf, data, size) == 0,
	           "parse/format do not round-trip: in \"%s\"", fuzz_show(data, size));
}

static void check_format(fuzz_in *in)
{
	tiles_path p = {0};
	uint8_t b = fuzz_u8(in);
	p.entries = b & 1;
	p.level = p.entries ? 0 : (unsigned)(fuzz_u8(in) % 70);
	p.index = fuzz_u64(in);
	/* Mostly small indexes, which have short paths, sometimes huge ones. */
	if (b & 2)
		p.index >>= fuzz_u8(in) % 64;
	p.width = fuzz_u16(in) % 300;
	char buf[TILES_PATH_MAX];
	int rc = tiles_path_format(&p, buf, sizeof buf);
	int in_range = p.width >= 1 && p.width <= TILES_WIDTH && p.level <= TILES_MAX_LEVEL;
	if (!in_range) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "out-of-range path formatted: rc %d", rc);
		return;
	}
	FUZZ_CHECK(rc == CAIRN_OK, "in-range path refused: rc %d (level %u index %llu width %u)", rc, p.level,
	           (unsigned long long)p.index, p.width);
	FUZZ_CHECK(strlen(buf) < TILES_PATH_MAX, "too long");
	tiles_path q;
	rc = tiles_path_parse(buf, strlen(buf), &q);
	unsigned shift = p.entries ? TILES_HEIGHT : (p.level + 1) * TILES_HEIGHT;
	int fits = shift >= 64 ? p.index == 0 : p.index <= (UINT64_MAX >> shift);
	if (!fits) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "a tile past 2^64 leaves parsed: %s", buf);
		return;
	}
	FUZZ_CHECK(rc == CAIRN_OK, "formatted path does not parse: %s", buf);
	FUZZ_CHECK(q.entries == p.entries && q.level == p.level && q.index == p.index && q.width == p.width,
	           "format/parse do not round-trip: %s", buf);

	/* Tile widths against a direct computation. */
	uint64_t n = fuzz_u64(in) >> (fuzz_u8(in) % 64);
	unsigned lvl = p.level;
	unsigned w = tiles_width(lvl, p.index, n);
	uint64_t want;
	if (lvl * TILES_HEIGHT >= 64) {
		want = 0;
	} else {
		uint64_t subtrees = n >> (lvl * TILES_HEIGHT);
		uint64_t first = p.index; /* tile index */
		if (first > subtrees / TILES_WIDTH)
			want = 0;
		else
			want = subtrees - first * TILES_WIDTH;
		if (want > TILES_WIDTH)
			want = TILES_WIDTH;
	}
	FUZZ_CHECK(w == want, "tiles_width(%u, %llu, %llu) = %u, want %llu", lvl, (unsigned long long)p.index,
	           (unsigned long long)n, w, (unsigned long long)want);

	/* A node's coordinates: inside one tile, count a power of two. */
	unsigned height = fuzz_u8(in) % 64;
	uint64_t idx = fuzz_u64(in);
	if (height)
		idx &= (UINT64_MAX >> height); /* the node must exist in a 2^64-leaf tree */
	tiles_coord c;
	tiles_node_coord(height, idx, &c);
	FUZZ_CHECK(c.level == height / TILES_HEIGHT, "level");
	FUZZ_CHECK(c.count == 1u << (height % TILES_HEIGHT), "count");
	FUZZ_CHECK(c.slot + c.count <= TILES_WIDTH, "slot %u + count %u past the tile", c.slot, c.count);
	FUZZ_CHECK(c.slot % c.count == 0, "slot not aligned");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	fuzz_in in = {data, size};
	check_format(&in);
	return 0;
}
