#include "err.h"

const char *cairn_strerror(int code)
{
	switch (code) {
	case CAIRN_OK: return "success";
	case CAIRN_ERR_NOMEM: return "out of memory";
	case CAIRN_ERR_INVALID: return "invalid input";
	case CAIRN_ERR_TOO_LARGE: return "input too large";
	case CAIRN_ERR_NOT_FOUND: return "not found";
	case CAIRN_ERR_DUPLICATE: return "duplicate entry";
	case CAIRN_ERR_VERIFY: return "verification failed";
	case CAIRN_ERR_IO: return "I/O error";
	case CAIRN_ERR_FULL: return "storage full";
	case CAIRN_ERR_CRYPTO: return "cryptographic library error";
	case CAIRN_ERR_RANGE: return "out of range";
	case CAIRN_ERR_CORRUPT: return "stored data is corrupt";
	case CAIRN_ERR_UNSUPPORTED: return "unsupported";
	case CAIRN_ERR_PERM: return "unsafe file permissions";
	case CAIRN_ERR_BUSY: return "busy";
	case CAIRN_ERR_CLOSED: return "closed";
	case CAIRN_ERR_SCHEMA: return "schema violation";
	}
	return "unknown error";
}
