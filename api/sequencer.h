/* cairnd: the sequencer, the log's one writer.
 *
 * HTTP workers validate and verify entries in parallel, then submit them
 * here. One thread drains everything pending (up to a cap) into a single
 * log_append: one LMDB transaction, one durable commit, one signed
 * checkpoint per batch. There is no timer: while a batch commits, the next
 * one fills. Each item's done() runs after its batch is durable (or failed). */
#ifndef CAIRN_SEQUENCER_H
#define CAIRN_SEQUENCER_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

typedef struct sequencer sequencer;
typedef struct seq_batch_cp seq_batch_cp;

typedef struct seq_item {
	/* In: set by the submitter, borrowed until done() runs. */
	log_entry_in in;
	void (*done)(struct seq_item *item, void *arg);
	void *arg;
	/* Out: valid in and after done(). */
	int status;               /* CAIRN_OK, CAIRN_ERR_DUPLICATE, or the batch's error */
	uint64_t index;
	int64_t integrated_time;
	const log_checkpoint *cp; /* the batch's checkpoint (NULL on error); release with sequencer_release() */
	seq_batch_cp *cp_ref;
	struct seq_item *next;    /* private */
} seq_item;

/* Starts the sequencer thread. queue_cap bounds the items waiting (submit
 * answers CAIRN_ERR_BUSY past it); batch_cap bounds one batch. The log is
 * borrowed. Caller frees it with sequencer_free(). */
int sequencer_start(cairn_log *log, size_t queue_cap, size_t batch_cap, sequencer **out);

/* Queues item. CAIRN_ERR_BUSY when the queue is full, CAIRN_ERR_CLOSED when
 * stopping; on those errors done() is not called. */
int sequencer_submit(sequencer *s, seq_item *item);

/* Drops the item's hold on its batch checkpoint. Safe on items without one. */
void sequencer_release(seq_item *item);

/* Stops taking items (submit answers CAIRN_ERR_CLOSED from now on), commits
 * everything already queued, answers it and joins the thread. s stays valid
 * for submit until sequencer_free(). NULL is a no-op. */
void sequencer_stop(sequencer *s);
/* Stops (if not yet) and frees s. NULL is a no-op. */
void sequencer_free(sequencer *s);

/* Observer for metrics: called on the sequencer thread after each batch.
 * Set it before the first submit. */
typedef void (*sequencer_batch_fn)(size_t appended, size_t batch, uint64_t tree_size, void *arg);
void sequencer_set_observer(sequencer *s, sequencer_batch_fn fn, void *arg);

/* Items waiting, for /metrics and tests. */
size_t sequencer_pending(sequencer *s);

#endif
