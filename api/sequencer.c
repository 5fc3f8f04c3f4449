#define _POSIX_C_SOURCE 200809L
#include "sequencer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct seq_batch_cp {
	atomic_int refs;
	log_checkpoint *cp;
};

struct sequencer {
	cairn_log *log;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	seq_item *head, *tail;
	size_t pending, queue_cap, batch_cap;
	int stopping, joined;
	sequencer_batch_fn observer;
	void *observer_arg;
	/* Scratch for one batch, owned by the thread. */
	log_entry_in *in;
	log_entry_out *out;
	seq_item **items;
};

static void cp_unref(seq_batch_cp *ref)
{
	if (ref && atomic_fetch_sub(&ref->refs, 1) == 1) {
		log_checkpoint_free(ref->cp);
		free(ref);
	}
}

void sequencer_release(seq_item *item)
{
	if (!item)
		return;
	cp_unref(item->cp_ref);
	item->cp_ref = NULL;
	item->cp = NULL;
}

static void run_batch(sequencer *s, seq_item *list)
{
	size_t n = 0;
	for (seq_item *it = list; it; it = it->next) {
		s->items[n] = it;
		s->in[n] = it->in;
		n++;
	}
	log_checkpoint *cp = NULL;
	int rc = log_append(s->log, s->in, n, s->out, &cp);
	seq_batch_cp *ref = NULL;
	if (rc == CAIRN_OK) {
		ref = malloc(sizeof *ref);
		if (!ref) {
			log_checkpoint_free(cp);
			cp = NULL;
			rc = CAIRN_ERR_NOMEM;
		} else {
			atomic_init(&ref->refs, (int)n + 1);
			ref->cp = cp;
		}
	}
	size_t appended = 0;
	for (size_t i = 0; i < n; i++) {
		seq_item *it = s->items[i];
		if (rc == CAIRN_OK) {
			it->status = s->out[i].status;
			it->index = s->out[i].index;
			it->integrated_time = s->out[i].integrated_time;
			it->cp = cp;
			it->cp_ref = ref;
			if (it->status == CAIRN_OK)
				appended++;
		} else {
			it->status = rc;
			it->cp = NULL;
			it->cp_ref = NULL;
		}
	}
	if (s->observer && rc == CAIRN_OK)
		s->observer(appended, n, cp->size, s->observer_arg);
	/* done() may free the item: read nothing from it afterwards. */
	for (size_t i = 0; i < n; i++)
		s->items[i]->done(s->items[i], s->items[i]->arg);
	cp_unref(ref);
}

static void *loop(void *arg)
{
	sequencer *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->head && s->stopping) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		/* Take up to batch_cap items: everything that queued while the
		 * last batch was committing. */
		seq_item *list = s->head, *last = s->head;
		size_t n = 1;
		while (last->next && n < s->batch_cap) {
			last = last->next;
			n++;
		}
		s->head = last->next;
		if (!s->head)
			s->tail = NULL;
		last->next = NULL;
		s->pending -= n;
		pthread_mutex_unlock(&s->mu);
		run_batch(s, list);
	}
}

int sequencer_start(cairn_log *log, size_t queue_cap, size_t batch_cap, sequencer **out)
{
	sequencer *s = calloc(1, sizeof *s);
	if (!s)
		return CAIRN_ERR_NOMEM;
	s->log = log;
	s->queue_cap = queue_cap ? queue_cap : 1;
	s->batch_cap = batch_cap ? batch_cap : 1;
	s->in = calloc(s->batch_cap, sizeof *s->in);
	s->out = calloc(s->batch_cap, sizeof *s->out);
	s->items = calloc(s->batch_cap, sizeof *s->items);
	if (!s->in || !s->out || !s->items)
		goto fail;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, loop, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		goto fail;
	}
	*out = s;
	return CAIRN_OK;
fail:
	free(s->in);
	free(s->out);
	free(s->items);
	free(s);
	return CAIRN_ERR_NOMEM;
}

int sequencer_submit(sequencer *s, seq_item *item)
{
	int rc = CAIRN_OK;
	item->next = NULL;
	item->cp = NULL;
	item->cp_ref = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		rc = CAIRN_ERR_CLOSED;
	} else if (s->pending >= s->queue_cap) {
		rc = CAIRN_ERR_BUSY;
	} else {
		if (s->tail)
			s->tail->next = item;
		else
			s->head = item;
		s->tail = item;
		s->pending++;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

size_t sequencer_pending(sequencer *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->pending;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void sequencer_set_observer(sequencer *s, sequencer_batch_fn fn, void *arg)
{
	pthread_mutex_lock(&s->mu);
	s->observer = fn;
	s->observer_arg = arg;
	pthread_mutex_unlock(&s->mu);
}

void sequencer_stop(sequencer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	int joined = s->joined;
	s->stopping = 1;
	s->joined = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (!joined)
		pthread_join(s->thread, NULL);
}

void sequencer_free(sequencer *s)
{
	if (!s)
		return;
	sequencer_stop(s);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->in);
	free(s->out);
	free(s->items);
	free(s);
}
