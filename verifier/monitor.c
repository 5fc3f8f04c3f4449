#define _POSIX_C_SOURCE 200809L
#include "monitor.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "codec.h"
#include "entry.h"
#include "files.h"
#include "jsonx.h"
#include "tlog.h"
#include "verify.h"

#define H MERKLE_HASH_SIZE
#define BATCH 10

static void print_note(FILE *f, const char *note)
{
	const char *p = note;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "    %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void loud(const monitor_opts *o, client *c, const char *reason, const char *old_note,
                 const char *new_note)
{
	fprintf(o->log, "cairn monitor: LOG INCONSISTENCY: %s\n", reason);
	fprintf(o->log, "cairn monitor: the checkpoint verified earlier (state file %s):\n", o->state_path);
	print_note(o->log, old_note);
	fprintf(o->log, "cairn monitor: the checkpoint %s serves now:\n", client_url(c));
	print_note(o->log, new_note);
	fprintf(o->log, "cairn monitor: both are signed by the log key; keep them as evidence. "
	                "The state file is left unchanged.\n");
	fflush(o->log);
}

/* DER of a public key from a PEM; 0 when it equals one of the watched
 * keys' (its index in *which). */
static int watched(const monitor_opts *o, uint8_t *const *ders, const size_t *dlens, const char *pem,
                   size_t len, size_t *which)
{
	keys_key *k = NULL;
	uint8_t *der = NULL;
	size_t dlen;
	int hit = -1;
	if (keys_from_public_pem(pem, len, &k) != CAIRN_OK || keys_public_der(k, &der, &dlen) != CAIRN_OK)
		goto out;
	for (size_t i = 0; i < o->nwatch && hit; i++) {
		if (dlens[i] == dlen && CRYPTO_memcmp(ders[i], der, dlen) == 0) {
			*which = i;
			hit = 0;
		}
	}
out:
	free(der);
	keys_free(k);
	return hit;
}

/* Reports e if a watched key made it. */
static void match_entry(const monitor_opts *o, uint8_t *const *ders, const size_t *dlens, const tlog_entry *e)
{
	char uuid[65], when[32];
	size_t which;
	tlog_uuid(e, uuid);
	verify_time(e->integrated_time, when);
	if (strcmp(e->kind, "hashedrekord") == 0) {
		entry_hashedrekord *h = NULL;
		char hex[129];
		if (entry_parse_hashedrekord(e->body, e->body_len, &h) != CAIRN_OK)
			return;
		if (watched(o, ders, dlens, h->pem, h->pem_len, &which) == 0) {
			codec_hex_encode(h->digest, h->digest_len, hex);
			fprintf(o->out,
			        "cairn monitor: entry %llu (UUID %s, %s) was made with watched key %s: "
			        "hashedrekord over %s:%s\n",
			        (unsigned long long)e->log_index, uuid, when, o->watch_names[which],
			        tlog_digest_name(h->alg), hex);
		}
		entry_hashedrekord_free(h);
	} else if (strcmp(e->kind, "dsse") == 0) {
		json_t *v = json_loadb((const char *)e->body, e->body_len, JSON_REJECT_DUPLICATES, NULL);
		json_t *sigs = json_object_get(jsonx_obj(v, "spec"), "signatures"), *s;
		size_t i;
		json_array_foreach(sigs, i, s)
		{
			uint8_t *pem = NULL;
			size_t plen;
			if (jsonx_b64(s, "verifier", KEYS_MAX_PEM, &pem, &plen) == CAIRN_OK &&
			    watched(o, ders, dlens, (const char *)pem, plen, &which) == 0) {
				fprintf(o->out,
				        "cairn monitor: entry %llu (UUID %s, %s) was made with watched key "
				        "%s: dsse\n",
				        (unsigned long long)e->log_index, uuid, when, o->watch_names[which]);
				free(pem);
				break;
			}
			free(pem);
		}
		json_decref(v);
	}
}

/* Fetches entries [from, to), checks the log's evidence for each and reports
 * those made with watched keys. */
static int scan(client *c, const monitor_opts *o, const note_checkpoint *now, uint64_t from, uint64_t to,
                char *err, size_t errlen)
{
	uint8_t *ders[MONITOR_MAX_WATCH] = {0};
	size_t dlens[MONITOR_MAX_WATCH] = {0};
	char sub[400];
	int rc = CAIRN_OK;

	for (size_t i = 0; i < o->nwatch; i++) {
		rc = keys_public_der(o->watch[i], &ders[i], &dlens[i]);
		if (rc)
			goto out;
	}
	for (uint64_t base = from; base < to && !rc; base += BATCH) {
		uint64_t idx[BATCH];
		tlog_entry *got[BATCH] = {0};
		size_t n = 0;
		while (n < BATCH && base + n < to) {
			idx[n] = base + n;
			n++;
		}
		rc = client_entries_by_index(c, idx, n, got, sub, sizeof sub);
		if (rc) {
			snprintf(err, errlen, "new entries: %s", sub);
			break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			note_checkpoint cp;
			rc = tlog_verify_log_id(got[i], o->log_key, sub, sizeof sub);
			if (!rc && got[i]->set)
				rc = tlog_verify_set(got[i], o->log_key, sub, sizeof sub);
			if (!rc && got[i]->has_proof) {
				rc = tlog_verify_inclusion(got[i], o->log_key, &cp, sub, sizeof sub);
				/* Its checkpoint cannot be older than the one just verified. */
				if (!rc && cp.size <= now->size &&
				    tlog_verify_consistency(&cp, now, NULL, 0, sub, sizeof sub) != CAIRN_OK) {
					snprintf(err, errlen,
					         "entry %llu comes with a checkpoint of size %llu that "
					         "contradicts the log's checkpoint of size %llu",
					         (unsigned long long)idx[i], (unsigned long long)cp.size,
					         (unsigned long long)now->size);
					rc = CAIRN_ERR_CORRUPT;
					break;
				}
			}
			if (!rc && !got[i]->set && !got[i]->has_proof) {
				snprintf(sub, sizeof sub,
				         "the log gave neither a SET nor an inclusion proof");
				rc = CAIRN_ERR_VERIFY;
			}
			if (rc) {
				snprintf(err, errlen, "entry %llu: %s", (unsigned long long)idx[i], sub);
				break;
			}
			match_entry(o, ders, dlens, got[i]);
		}
		for (size_t i = 0; i < n; i++)
			tlog_entry_free(got[i]);
	}
out:
	for (size_t i = 0; i < o->nwatch; i++)
		free(ders[i]);
	return rc;
}

int monitor_round(client *c, const monitor_opts *o, int *fatal, char *err, size_t errlen)
{
	client_loginfo li = {0};
	note_checkpoint now, old;
	uint8_t *state = NULL, proof[MERKLE_MAX_PROOF][H], root[H];
	size_t slen = 0, n = 0;
	char sub[400], hex[65];
	int rc, have_old = 0;

	*fatal = 0;
	rc = client_log_info(c, &li, err, errlen);
	if (rc)
		return rc;
	rc = tlog_checkpoint_verify(li.checkpoint, li.checkpoint_len, o->log_key, &now, sub, sizeof sub);
	if (rc) {
		snprintf(err, errlen, "latest %s", sub);
		goto out;
	}
	if (li.tree_size != now.size || CRYPTO_memcmp(li.root, now.root, H) != 0) {
		snprintf(err, errlen,
		         "latest checkpoint: the log's treeSize/rootHash are not the ones it signed");
		rc = CAIRN_ERR_VERIFY;
		goto out;
	}
	rc = files_read(o->state_path, NOTE_MAX_SIZE, &state, &slen, sub, sizeof sub);
	if (rc && rc != CAIRN_ERR_NOT_FOUND) {
		snprintf(err, errlen, "state file: %s", sub);
		*fatal = 1;
		goto out;
	}
	if (rc == CAIRN_OK) {
		rc = tlog_checkpoint_verify((const char *)state, slen, o->log_key, &old, sub, sizeof sub);
		if (rc) {
			snprintf(err, errlen,
			         "state file %s does not hold a checkpoint signed by the log key (%s); "
			         "refusing to replace it",
			         o->state_path, sub);
			rc = CAIRN_ERR_INVALID;
			*fatal = 1;
			goto out;
		}
		have_old = 1;
	}
	if (have_old) {
		if (now.size > old.size && old.size > 0 && strcmp(now.origin, old.origin) == 0) {
			rc = client_consistency(c, old.size, now.size, proof, &n, root, sub, sizeof sub);
			if (rc) {
				snprintf(err, errlen, "consistency proof from size %llu: %s",
				         (unsigned long long)old.size, sub);
				goto out;
			}
			if (CRYPTO_memcmp(root, now.root, H) != 0) {
				snprintf(sub, sizeof sub,
				         "the log's root for size %llu is not the one its checkpoint signs",
				         (unsigned long long)now.size);
				loud(o, c, sub, (const char *)state, li.checkpoint);
				snprintf(err, errlen, "log inconsistency: %s", sub);
				rc = CAIRN_ERR_CORRUPT;
				goto out;
			}
		}
		rc = tlog_verify_consistency(&old, &now, (const uint8_t(*)[32])proof, n, sub, sizeof sub);
		if (rc) {
			loud(o, c, sub, (const char *)state, li.checkpoint);
			snprintf(err, errlen, "log inconsistency: %s", sub);
			rc = CAIRN_ERR_CORRUPT;
			goto out;
		}
		if (o->nwatch && now.size > old.size) {
			rc = scan(c, o, &now, old.size, now.size, err, errlen);
			if (rc)
				goto out;
		}
	}
	/* Only a checkpoint proven to extend the stored one replaces it. */
	if (!have_old || now.size != old.size) {
		rc = files_write_atomic(o->state_path, li.checkpoint, li.checkpoint_len, 0644, sub,
		                        sizeof sub);
		if (rc) {
			snprintf(err, errlen, "state file: %s", sub);
			*fatal = 1;
			goto out;
		}
	}
	codec_hex_encode(now.root, H, hex);
	if (!have_old)
		fprintf(o->out,
		        "cairn monitor: first run: verified the checkpoint of size %llu (root %.16s...) and "
		        "stored it in %s\n",
		        (unsigned long long)now.size, hex, o->state_path);
	else
		fprintf(
		    o->out,
		    "cairn monitor: verified the checkpoint of size %llu (root %.16s...): consistent with "
		    "size %llu; %llu new entries\n",
		    (unsigned long long)now.size, hex, (unsigned long long)old.size,
		    (unsigned long long)(now.size - old.size));
	fflush(o->out);
	rc = CAIRN_OK;
out:
	free(state);
	free(li.checkpoint);
	return rc;
}

int monitor_run(client *c, const monitor_opts *o, char *err, size_t errlen)
{
	for (;;) {
		int fatal = 0;
		int rc = monitor_round(c, o, &fatal, err, errlen);
		if (o->once || fatal || rc == CAIRN_ERR_CORRUPT)
			return rc;
		if (rc) {
			fprintf(o->log, "cairn monitor: %s (retrying in %u s)\n", err, o->interval);
			fflush(o->log);
		}
		for (unsigned s = 0; s < o->interval; s++) {
			struct timespec ts = {1, 0};
			if (o->stop && *o->stop)
				return CAIRN_OK;
			nanosleep(&ts, NULL);
		}
		if (o->stop && *o->stop)
			return CAIRN_OK;
	}
}
