/* Fuzz target: checkpoint bodies (note_checkpoint_parse, note_checkpoint_body).
 *
 * Invariants:
 *  - a body that parses is exactly note_checkpoint_body(origin, size, root)
 *    followed by zero or more non-empty extension lines: the parser accepts
 *    one spelling of each size and root;
 *  - *out is untouched on failure;
 *  - any origin/size/root the writer accepts parses back to the same fields. */
#include "fuzz.h"

#include "err.h"
#include "note.h"

static void check_parse(const uint8_t *data, size_t size)
{
	note_checkpoint cp, keep;
	memset(&cp, 0x5a, sizeof cp);
	keep = cp;
	int rc = note_checkpoint_parse((const char *)data, size, &cp);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID || rc == CAIRN_ERR_TOO_LARGE, "rc %d", rc);
		FUZZ_CHECK(memcmp(&cp, &keep, sizeof cp) == 0, "*out touched on failure");
		return;
	}
	size_t olen = strnlen(cp.origin, sizeof cp.origin);
	FUZZ_CHECK(olen > 0 && olen < sizeof cp.origin, "origin length %zu", olen);
	FUZZ_CHECK(memchr(cp.origin, '\n', olen) == NULL, "newline in origin");
	char *body = NULL;
	size_t blen = 0;
	rc = note_checkpoint_body(cp.origin, cp.size, cp.root, &body, &blen);
	FUZZ_CHECK(rc == CAIRN_OK, "a parsed checkpoint cannot be written back: rc %d", rc);
	FUZZ_CHECK(blen <= size && memcmp(body, data, blen) == 0, "parse/body do not round-trip:\n  in  %s",
	           fuzz_show(data, size));
	/* The rest: non-empty lines. */
	const uint8_t *p = data + blen, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl != NULL && nl > p, "bad extension line");
		p = nl + 1;
	}
	free(body);
}

static void check_write(const uint8_t *data, size_t size)
{
	if (size < 41)
		return;
	fuzz_in in = {data, size};
	uint64_t n = fuzz_u64(&in);
	uint8_t root[32];
	for (int i = 0; i < 32; i++)
		root[i] = fuzz_u8(&in);
	char origin[300];
	size_t olen = in.len < sizeof origin - 1 ? in.len : sizeof origin - 1;
	memcpy(origin, in.p, olen);
	origin[olen] = '\0';
	char *body = NULL;
	size_t blen = 0;
	int rc = note_checkpoint_body(origin, n, root, &body, &blen);
	if (rc != CAIRN_OK) {
		FUZZ_CHECK(rc == CAIRN_ERR_INVALID, "rc %d", rc);
		return;
	}
	FUZZ_CHECK(strlen(origin) > 0 && strlen(origin) < 256 && !strchr(origin, '\n'),
	           "bad origin accepted");
	note_checkpoint cp;
	rc = note_checkpoint_parse(body, blen, &cp);
	FUZZ_CHECK(rc == CAIRN_OK, "written checkpoint does not parse: %s", fuzz_show(body, blen));
	FUZZ_CHECK(strcmp(cp.origin, origin) == 0 && cp.size == n && memcmp(cp.root, root, 32) == 0,
	           "body/parse do not round-trip");
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_write(data, size);
	return 0;
}
