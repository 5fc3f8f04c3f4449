#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_NDBS];
	uint64_t max_map_size;
	/* Readers and the writer hold this shared; growing the map holds it
	 * exclusively, since LMDB forbids resizing with transactions open. */
	pthread_rwlock_t resize;
};

struct store_txn {
	store *s;
	MDB_txn *txn;
	int map_full;
};

static const char *const db_names[STORE_NDBS] = {"entries", "tiles", "leaves", "by_hash", "by_key", "meta"};

static int translate(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return CAIRN_OK;
	case MDB_NOTFOUND: return CAIRN_ERR_NOT_FOUND;
	case MDB_KEYEXIST: return CAIRN_ERR_DUPLICATE;
	case MDB_MAP_FULL: return CAIRN_ERR_FULL;
	case ENOSPC: return CAIRN_ERR_FULL;
	case EDQUOT: return CAIRN_ERR_FULL;
	case ENOMEM: return CAIRN_ERR_NOMEM;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH: return CAIRN_ERR_CORRUPT;
	case MDB_BAD_VALSIZE: return CAIRN_ERR_TOO_LARGE;
	case MDB_READERS_FULL: return CAIRN_ERR_BUSY;
	case EACCES:
	case EPERM: return CAIRN_ERR_PERM;
	case ENOENT: return CAIRN_ERR_NOT_FOUND;
	}
	return CAIRN_ERR_IO;
}

void store_put_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t store_get_u64(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

static int check_format(store_txn *t, void *arg)
{
	(void)arg;
	const void *val;
	size_t vlen;
	uint8_t want[8];
	store_put_u64(want, STORE_FORMAT_VERSION);
	int rc = store_get(t, STORE_META, "format", 6, &val, &vlen);
	if (rc == CAIRN_ERR_NOT_FOUND)
		return store_put(t, STORE_META, "format", 6, want, 8, 0, NULL, NULL);
	if (rc)
		return rc;
	if (vlen != 8 || memcmp(val, want, 8) != 0)
		return CAIRN_ERR_UNSUPPORTED;
	return CAIRN_OK;
}

int store_open(const char *dir, const store_options *opts, store **out)
{
	store *s = calloc(1, sizeof *s);
	MDB_txn *txn = NULL;
	int rc;
	if (!s)
		return CAIRN_ERR_NOMEM;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->resize, &attr);
	pthread_rwlockattr_destroy(&attr);

	uint64_t map = opts && opts->map_size ? opts->map_size : (UINT64_C(1) << 30);
	s->max_map_size = opts && opts->max_map_size ? opts->max_map_size : (UINT64_C(1) << 40);
	if (map > s->max_map_size)
		map = s->max_map_size;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = translate(errno);
		goto fail;
	}
	rc = translate(mdb_env_create(&s->env));
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(s->env, STORE_NDBS);
	mdb_env_set_maxreaders(s->env, 1024);
	rc = translate(mdb_env_set_mapsize(s->env, (size_t)map));
	if (rc)
		goto fail;
	/* MDB_NOTLS: a read txn belongs to the request, not the thread. Syncs stay
	 * on: a commit returns only once the data is on disk. */
	rc = translate(mdb_env_open(s->env, dir, MDB_NOTLS, 0600));
	if (rc)
		goto fail;
	rc = translate(mdb_txn_begin(s->env, NULL, 0, &txn));
	if (rc)
		goto fail;
	for (int i = 0; i < STORE_NDBS; i++) {
		unsigned flags = MDB_CREATE;
		if (i == STORE_BY_HASH || i == STORE_BY_KEY)
			flags |= MDB_DUPSORT | MDB_DUPFIXED;
		rc = translate(mdb_dbi_open(txn, db_names[i], flags, &s->dbi[i]));
		if (rc)
			goto fail;
	}
	rc = translate(mdb_txn_commit(txn));
	txn = NULL;
	if (rc)
		goto fail;
	rc = store_write(s, check_format, NULL);
	if (rc)
		goto fail;
	*out = s;
	return CAIRN_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	store_close(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->resize);
	free(s);
}

uint64_t store_map_size(store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	return (uint64_t)info.me_mapsize;
}

int store_read_begin(store *s, store_txn **out)
{
	store_txn *t = calloc(1, sizeof *t);
	if (!t)
		return CAIRN_ERR_NOMEM;
	t->s = s;
	pthread_rwlock_rdlock(&s->resize);
	int rc = translate(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn));
	if (rc) {
		pthread_rwlock_unlock(&s->resize);
		free(t);
		return rc;
	}
	*out = t;
	return CAIRN_OK;
}

void store_txn_end(store_txn *t)
{
	if (!t)
		return;
	if (t->txn)
		mdb_txn_abort(t->txn);
	pthread_rwlock_unlock(&t->s->resize);
	free(t);
}

static int grow(store *s)
{
	int rc = CAIRN_OK;
	pthread_rwlock_wrlock(&s->resize);
	uint64_t cur = store_map_size(s);
	if (cur >= s->max_map_size) {
		rc = CAIRN_ERR_FULL;
	} else {
		uint64_t next = cur * 2 < s->max_map_size ? cur * 2 : s->max_map_size;
		rc = translate(mdb_env_set_mapsize(s->env, (size_t)next));
	}
	pthread_rwlock_unlock(&s->resize);
	return rc;
}

int store_write(store *s, store_write_fn fn, void *arg)
{
	for (;;) {
		store_txn t = {.s = s};
		pthread_rwlock_rdlock(&s->resize);
		int rc = translate(mdb_txn_begin(s->env, NULL, 0, &t.txn));
		if (rc) {
			pthread_rwlock_unlock(&s->resize);
			return rc;
		}
		rc = fn(&t, arg);
		if (rc == CAIRN_OK) {
			int mrc = mdb_txn_commit(t.txn);
			if (mrc == MDB_MAP_FULL)
				t.map_full = 1;
			rc = translate(mrc);
		} else {
			mdb_txn_abort(t.txn);
		}
		pthread_rwlock_unlock(&s->resize);
		if (!t.map_full)
			return rc;
		rc = grow(s);
		if (rc)
			return rc;
	}
}

int store_get(store_txn *t, store_db db, const void *key, size_t klen, const void **val, size_t *vlen)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc = translate(mdb_get(t->txn, t->s->dbi[db], &k, &v));
	if (rc)
		return rc;
	*val = v.mv_data;
	*vlen = v.mv_size;
	return CAIRN_OK;
}

static unsigned put_flags(int flags)
{
	unsigned f = 0;
	if (flags & STORE_NOOVERWRITE)
		f |= MDB_NOOVERWRITE;
	if (flags & STORE_APPEND)
		f |= MDB_APPEND;
	return f;
}

int store_put(store_txn *t, store_db db, const void *key, size_t klen, const void *val, size_t vlen,
	      int flags, const void **existing, size_t *existing_len)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int mrc = mdb_put(t->txn, t->s->dbi[db], &k, &v, put_flags(flags));
	if (mrc == MDB_MAP_FULL)
		t->map_full = 1;
	if (mrc == MDB_KEYEXIST && existing) {
		*existing = v.mv_data;
		*existing_len = v.mv_size;
	}
	return translate(mrc);
}

int store_reserve(store_txn *t, store_db db, const void *key, size_t klen, size_t vlen, int flags,
		  void **buf)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, NULL};
	int mrc = mdb_put(t->txn, t->s->dbi[db], &k, &v, put_flags(flags) | MDB_RESERVE);
	if (mrc == MDB_MAP_FULL)
		t->map_full = 1;
	if (mrc)
		return translate(mrc);
	*buf = v.mv_data;
	return CAIRN_OK;
}

int store_get_dups(store_txn *t, store_db db, const void *key, size_t klen, uint64_t *vals, size_t max,
		   size_t *count)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {klen, (void *)key}, v;
	size_t n = 0;
	int rc = translate(mdb_cursor_open(t->txn, t->s->dbi[db], &cur));
	if (rc)
		return rc;
	int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (mrc == MDB_SUCCESS && n < max) {
		if (v.mv_size != 8) {
			mdb_cursor_close(cur);
			return CAIRN_ERR_CORRUPT;
		}
		vals[n++] = store_get_u64(v.mv_data);
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (mrc != MDB_SUCCESS && mrc != MDB_NOTFOUND)
		return translate(mrc);
	*count = n;
	return CAIRN_OK;
}
