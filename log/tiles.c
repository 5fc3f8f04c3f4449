#include "tiles.h"

#include <stdio.h>
#include <string.h>

void tiles_node_coord(unsigned height, uint64_t index, tiles_coord *out)
{
	unsigned level = height / TILES_HEIGHT, rem = height % TILES_HEIGHT;
	uint64_t first = index << rem; /* first entry at height 8*level */
	out->level = level;
	out->index = first / TILES_WIDTH;
	out->slot = (unsigned)(first % TILES_WIDTH);
	out->count = 1u << rem;
}

unsigned tiles_width(unsigned level, uint64_t index, uint64_t n)
{
	if (level > TILES_MAX_LEVEL || (uint64_t)level * TILES_HEIGHT >= 64)
		return 0;
	uint64_t entries = n >> (level * TILES_HEIGHT); /* complete subtrees at this level */
	if (index > entries / TILES_WIDTH)
		return 0;
	uint64_t w = entries - index * TILES_WIDTH;
	return w > TILES_WIDTH ? TILES_WIDTH : (unsigned)w;
}

/* 1234067 -> "x001/x234/067": the caller's buffer has room for 7 groups. */
static size_t format_index(uint64_t n, char *out)
{
	unsigned groups[7];
	int count = 0;
	do {
		groups[count++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n);
	size_t o = 0;
	for (int i = count - 1; i >= 0; i--)
		o += (size_t)sprintf(out + o, i ? "x%03u/" : "%03u", groups[i]);
	return o;
}

int tiles_path_format(const tiles_path *p, char *buf, size_t cap)
{
	char tmp[TILES_PATH_MAX + 16];
	size_t o;
	if (p->width == 0 || p->width > TILES_WIDTH || (!p->entries && p->level > TILES_MAX_LEVEL))
		return CAIRN_ERR_INVALID;
	if (p->entries)
		o = (size_t)sprintf(tmp, "tile/entries/");
	else
		o = (size_t)sprintf(tmp, "tile/%u/", p->level);
	o += format_index(p->index, tmp + o);
	if (p->width < TILES_WIDTH)
		o += (size_t)sprintf(tmp + o, ".p/%u", p->width);
	if (o + 1 > cap)
		return CAIRN_ERR_TOO_LARGE;
	memcpy(buf, tmp, o + 1);
	return CAIRN_OK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal of 1..maxdigits digits without leading zeros, ending at the
 * first non-digit. Returns the number of digits consumed, 0 if malformed. */
static size_t parse_small(const char *s, size_t len, size_t maxdigits, unsigned *out)
{
	size_t i = 0;
	unsigned v = 0;
	while (i < len && is_digit(s[i])) {
		if (i == maxdigits)
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
		i++;
	}
	if (i == 0 || (i > 1 && s[0] == '0'))
		return 0;
	*out = v;
	return i;
}

int tiles_path_parse(const char *path, size_t len, tiles_path *out)
{
	tiles_path p = {0};
	size_t i;
	if (len > TILES_PATH_MAX || len < 5 || memcmp(path, "tile/", 5) != 0)
		return CAIRN_ERR_INVALID;
	i = 5;
	if (len - i >= 8 && memcmp(path + i, "entries/", 8) == 0) {
		p.entries = 1;
		i += 8;
	} else {
		size_t n = parse_small(path + i, len - i, 2, &p.level);
		if (!n || p.level > TILES_MAX_LEVEL)
			return CAIRN_ERR_INVALID;
		i += n;
		if (i >= len || path[i] != '/')
			return CAIRN_ERR_INVALID;
		i++;
	}
	/* Index: ("x" DDD "/")* DDD, first group non-zero when there are several. */
	uint64_t index = 0;
	int groups = 0;
	for (;;) {
		int more = i < len && path[i] == 'x';
		if (more)
			i++;
		if (len - i < 3 || !is_digit(path[i]) || !is_digit(path[i + 1]) || !is_digit(path[i + 2]))
			return CAIRN_ERR_INVALID;
		unsigned g = (unsigned)((path[i] - '0') * 100 + (path[i + 1] - '0') * 10 + (path[i + 2] - '0'));
		if (more && groups == 0 && g == 0)
			return CAIRN_ERR_INVALID;
		if (index > (UINT64_MAX - g) / 1000)
			return CAIRN_ERR_INVALID;
		index = index * 1000 + g;
		groups++;
		i += 3;
		if (!more)
			break;
		if (i >= len || path[i] != '/')
			return CAIRN_ERR_INVALID;
		i++;
	}
	p.index = index;
	p.width = TILES_WIDTH;
	if (i < len) {
		if (len - i < 4 || memcmp(path + i, ".p/", 3) != 0)
			return CAIRN_ERR_INVALID;
		i += 3;
		size_t n = parse_small(path + i, len - i, 3, &p.width);
		if (!n || p.width == 0 || p.width >= TILES_WIDTH)
			return CAIRN_ERR_INVALID;
		i += n;
	}
	if (i != len)
		return CAIRN_ERR_INVALID;
	/* The tile must address leaves that fit a 64-bit tree size. */
	unsigned shift = p.entries ? TILES_HEIGHT : (p.level + 1) * TILES_HEIGHT;
	if (shift < 64 && index > (UINT64_MAX >> shift))
		return CAIRN_ERR_INVALID;
	if (shift >= 64 && index != 0)
		return CAIRN_ERR_INVALID;
	*out = p;
	return CAIRN_OK;
}
