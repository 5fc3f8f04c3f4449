/* Tests for log/tiles.c: coordinates, widths and strict path parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tiles.h"

static void test_format(void **state)
{
	(void)state;
	char buf[TILES_PATH_MAX];
	tiles_path p = {0, 0, 1234067, 256};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_OK);
	assert_string_equal(buf, "tile/0/x001/x234/067");
	p = (tiles_path){0, 3, 5, 17};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_OK);
	assert_string_equal(buf, "tile/3/005.p/17");
	p = (tiles_path){1, 0, 1000, 255};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_OK);
	assert_string_equal(buf, "tile/entries/x001/000.p/255");
	p = (tiles_path){0, 0, UINT64_MAX >> 8, 256};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_OK);
	assert_string_equal(buf, "tile/0/x072/x057/x594/x037/x927/935");
	p = (tiles_path){0, 0, 0, 0};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_ERR_INVALID);
	p = (tiles_path){0, 64, 0, 256};
	assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_ERR_INVALID);
}

static void test_parse_roundtrip(void **state)
{
	(void)state;
	static const uint64_t idx[] = {0, 1, 999, 1000, 1001, 123456, 1234067, 1000000000, UINT64_MAX >> 8};
	for (int entries = 0; entries < 2; entries++)
		for (unsigned level = 0; level < (entries ? 1u : 3u); level++)
			for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
				for (unsigned w = 1; w <= 256; w += 51) {
					tiles_path p = {entries, level, idx[i] >> (8 * level), w == 256 ? 256 : w}, q;
					char buf[TILES_PATH_MAX];
					assert_int_equal(tiles_path_format(&p, buf, sizeof buf), CAIRN_OK);
					if (tiles_path_parse(buf, strlen(buf), &q) != CAIRN_OK)
						fail_msg("rejected %s", buf);
					assert_int_equal(q.entries, p.entries);
					assert_int_equal(q.level, p.level);
					assert_int_equal(q.index, p.index);
					assert_int_equal(q.width, p.width);
				}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/00/000", "tile/01/000", "tile/64/000", "tile/100/000",
		"tile/-1/000", "tile/0/0", "tile/0/00", "tile/0/0000", "tile/0/x000/001", "tile/0/x001", "tile/0/x001/",
		"tile/0/001/002", "tile/0/x1/002", "tile/0/x0001/002", "tile/0/000.p/0", "tile/0/000.p/256",
		"tile/0/000.p/00", "tile/0/000.p/01", "tile/0/000.p/", "tile/0/000.p", "tile/0/000.", "tile/0/000/",
		"tile/0/000.p/5/", "tile/0/000x", "tile/0/../000", "tile/0/./000", "tile/entries/", "tile/entries/0",
		"tile/entries/000.p/256", "tile/entry/000", "tile/a/000", "tile/0/abc", "tile//000", "/tile/0/000",
		"tile/0/%30%30%30", "tile/0/000.p/1000", "tile/0/x018/x446/x744/x073/x709/x551/x616",
		"tile/0/x072/x057/x594/x037/x927/936", "tile/7/001", "tile/63/001", "tile/0/000 ", "tile/0/000\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tiles_path q = {9, 9, 9, 9};
		if (tiles_path_parse(bad[i], strlen(bad[i]), &q) != CAIRN_ERR_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(q.level, 9); /* untouched on failure */
	}
	/* Embedded NUL. */
	tiles_path q;
	assert_int_equal(tiles_path_parse("tile/0/000\0", 11, &q), CAIRN_ERR_INVALID);
	/* Level 63 with index 0 is a well-formed (empty) address. */
	assert_int_equal(tiles_path_parse("tile/63/000", 11, &q), CAIRN_OK);
	assert_int_equal(q.level, 63);
}

static void test_coord(void **state)
{
	(void)state;
	tiles_coord c;
	tiles_node_coord(0, 1234, &c);
	assert_int_equal(c.level, 0);
	assert_int_equal(c.index, 4);
	assert_int_equal(c.slot, 210);
	assert_int_equal(c.count, 1);
	tiles_node_coord(3, 70, &c); /* leaves 560..567: level-0 tile 2, slots 48..55 */
	assert_int_equal(c.level, 0);
	assert_int_equal(c.index, 2);
	assert_int_equal(c.slot, 48);
	assert_int_equal(c.count, 8);
	tiles_node_coord(8, 300, &c);
	assert_int_equal(c.level, 1);
	assert_int_equal(c.index, 1);
	assert_int_equal(c.slot, 44);
	assert_int_equal(c.count, 1);
	tiles_node_coord(15, 1, &c); /* height 15 = level 1 + 7: 128 level-1 hashes from 128 */
	assert_int_equal(c.level, 1);
	assert_int_equal(c.index, 0);
	assert_int_equal(c.slot, 128);
	assert_int_equal(c.count, 128);
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(tiles_width(0, 0, 0), 0);
	assert_int_equal(tiles_width(0, 0, 1), 1);
	assert_int_equal(tiles_width(0, 0, 256), 256);
	assert_int_equal(tiles_width(0, 1, 256), 0);
	assert_int_equal(tiles_width(0, 1, 300), 44);
	assert_int_equal(tiles_width(1, 0, 255), 0);
	assert_int_equal(tiles_width(1, 0, 256), 1);
	assert_int_equal(tiles_width(1, 0, 65535), 255);
	assert_int_equal(tiles_width(1, 0, 70000), 256);
	assert_int_equal(tiles_width(1, 0, 65536), 256);
	assert_int_equal(tiles_width(1, 1, 65536 + 512), 2);
	assert_int_equal(tiles_width(2, 0, 65536), 1);
	assert_int_equal(tiles_width(8, 0, UINT64_MAX), 0);
	assert_int_equal(tiles_width(0, UINT64_MAX, UINT64_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_coord),
		cmocka_unit_test(test_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
