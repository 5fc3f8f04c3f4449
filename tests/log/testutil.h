/* Small helpers shared by the cmocka tests. */
#ifndef CAIRN_TESTUTIL_H
#define CAIRN_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

/* Path of a file under the source tree: tests run from the repository root,
 * or from anywhere with CAIRN_SRC set to it. Returns a static buffer. */
static inline const char *test_src_path(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("CAIRN_SRC");
	if (!root)
		root = ".";
	strcpy(buf, root);
	strcat(buf, "/");
	strcat(buf, rel);
	return buf;
}

#endif
