/* cairn CLI: watching a log for forks, rollbacks and uses of keys.
 *
 * Each round verifies the log's latest checkpoint with the log key, then,
 * if the state file holds a checkpoint verified in an earlier round, proves
 * the new one extends it (equal sizes need equal roots; a smaller size is a
 * rollback; a larger one needs a consistency proof from the log). Only then
 * is the state file replaced, atomically. With watched keys, the entries
 * added since the previous round are fetched, their SETs and inclusion
 * proofs verified, and those made with a watched key reported. */
#ifndef CAIRN_MONITOR_H
#define CAIRN_MONITOR_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "err.h"
#include "keys.h"

#define MONITOR_MAX_WATCH 32

typedef struct monitor_opts {
	const char *state_path;
	const keys_key *log_key;
	const keys_key *watch[MONITOR_MAX_WATCH]; /* borrowed */
	const char *watch_names[MONITOR_MAX_WATCH];
	size_t nwatch;
	unsigned interval;           /* seconds between rounds */
	int once;                    /* one round, then return */
	volatile sig_atomic_t *stop; /* set by a signal handler: end the loop */
	FILE *out;                   /* reports */
	FILE *log;                   /* errors and the loud inconsistency report */
} monitor_opts;

/* One round. Returns CAIRN_OK; CAIRN_ERR_VERIFY when the log's checkpoint
 * or an entry's evidence does not verify; CAIRN_ERR_CORRUPT when the log is
 * inconsistent with the stored checkpoint (both printed to o->log); other
 * codes for network or state-file errors. *fatal is set when the state file
 * is unusable (corrupt, unreadable), which a retry cannot fix. A one-line
 * reason goes to err. */
int monitor_round(client *c, const monitor_opts *o, int *fatal, char *err, size_t errlen);

/* Rounds every o->interval seconds until o->stop is set (returns CAIRN_OK),
 * the log is inconsistent (CAIRN_ERR_CORRUPT) or the state file is unusable;
 * other errors are reported to o->log and retried next round. With o->once,
 * one round and its result. */
int monitor_run(client *c, const monitor_opts *o, char *err, size_t errlen);

#endif
