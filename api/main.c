/* cairnd: the cairn transparency log server. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "note.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cairnd [options]\n"
		"\n"
		"A transparency log for software signatures: the Rekor v1 REST API and the\n"
		"C2SP tlog-tiles read API over an append-only RFC 6962 Merkle tree in LMDB.\n"
		"\n"
		"  --listen ADDR:PORT     address to serve on (default 127.0.0.1:3000; port 0 picks one)\n"
		"  --data DIR             data directory, created on first start (default ./cairn-data)\n"
		"  --name NAME            log name: checkpoint signer and origin \"NAME - TREEID\" (default localhost)\n"
		"  --log-key FILE         ECDSA private key (PEM) for SETs and v1 checkpoints\n"
		"                         (default DIR/log.key, generated as P-256 on first start)\n"
		"  --note-key FILE        Ed25519 private key (PEM) co-signing /checkpoint\n"
		"                         (default DIR/note.key, generated on first start)\n"
		"  --tree-id N            tree ID for a new log (default: random); an existing log must match\n"
		"  --max-entry-bytes N    request body limit in bytes (default 131072)\n"
		"  --threads N            HTTP worker threads (default: number of CPUs, at least 2)\n"
		"  --queue N              entries waiting for the sequencer before 503 (default 8192)\n"
		"  --max-connections N    open connections (default 1000)\n"
		"  --max-per-ip N         open connections from one IP address (default 0: no limit)\n"
		"  --timeout SECONDS      idle connection timeout (default 30)\n"
		"  --max-map-bytes N      cap on the LMDB map (database size); appends past it\n"
		"                         get 507 while reads go on (default 1 TiB)\n"
		"  --check                verify the data directory offline (every entry, tile and\n"
		"                         the stored root) and exit: 0 consistent, 1 not\n"
		"  --help                 this text\n"
		"\n"
		"Key files must not be readable by group or others. SIGTERM or SIGINT stops\n"
		"accepting, commits and answers the entries in flight, and closes the log.\n");
}

static int parse_num(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || !*s || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "cairnd: %s wants an integer in %llu..%llu, got \"%s\"\n", flag,
			(unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Loads the key at path, or creates it (and its public half) when absent
 * and it is the default path. */
static int load_or_create(const char *path, int is_default, keys_type type, const char *pub_path,
			  keys_key **out)
{
	int rc = keys_load_private_file(path, out);
	if (rc == CAIRN_ERR_NOT_FOUND && is_default) {
		rc = keys_generate(type, out);
		if (!rc)
			rc = keys_write_private_file(*out, path);
		if (rc) {
			fprintf(stderr, "cairnd: cannot create %s: %s\n", path, cairn_strerror(rc));
			keys_free(*out);
			*out = NULL;
			return rc;
		}
		fprintf(stderr, "cairnd: created %s\n", path);
	} else if (rc == CAIRN_ERR_PERM) {
		fprintf(stderr, "cairnd: refusing %s: it is readable or writable by group or others (chmod 600 it)\n",
			path);
		return rc;
	} else if (rc) {
		fprintf(stderr, "cairnd: cannot load key %s: %s\n", path, cairn_strerror(rc));
		return rc;
	}
	if (pub_path && access(pub_path, F_OK) != 0) {
		rc = keys_write_public_file(*out, pub_path);
		if (rc) {
			fprintf(stderr, "cairnd: cannot write %s: %s\n", pub_path, cairn_strerror(rc));
			return rc;
		}
	}
	return CAIRN_OK;
}

static int write_text_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return CAIRN_ERR_IO;
	int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
	ok = fclose(f) == 0 && ok;
	return ok ? CAIRN_OK : CAIRN_ERR_IO;
}

static void print_problem(const char *line, void *arg)
{
	(void)arg;
	printf("cairnd: check: %s\n", line);
}

/* --check: the whole data dir, offline. */
static int run_check(const char *dir)
{
	uint64_t size = 0;
	uint8_t root[32];
	char hex[65];
	int rc = log_check(dir, print_problem, NULL, &size, root);
	if (rc == CAIRN_ERR_NOT_FOUND) {
		fprintf(stderr, "cairnd: %s holds no log\n", dir);
		return 2;
	}
	if (rc && rc != CAIRN_ERR_CORRUPT) {
		fprintf(stderr, "cairnd: cannot check %s: %s\n", dir, cairn_strerror(rc));
		return 2;
	}
	codec_hex_encode(root, 32, hex);
	if (rc == CAIRN_ERR_CORRUPT) {
		printf("cairnd: check: %s is INCONSISTENT (stored size %llu, root %s)\n", dir, (unsigned long long)size,
		       hex);
		return 1;
	}
	printf("cairnd: check: %s is consistent: %llu entries, root %s\n", dir, (unsigned long long)size, hex);
	return 0;
}

static void on_batch(size_t appended, size_t batch, uint64_t tree_size, void *arg)
{
	metrics_observe_batch(arg, appended, batch, tree_size);
}

int main(int argc, char **argv)
{
	server srv = {0};
	server_config *cfg = &srv.cfg;
	cfg->listen = "127.0.0.1:3000";
	cfg->data = "./cairn-data";
	cfg->name = "localhost";
	cfg->max_body = 128 * 1024;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->threads = ncpu > 2 ? (unsigned)ncpu : 2;
	cfg->queue = 8192;
	cfg->max_connections = 1000;
	cfg->timeout = 30;

	enum { O_LISTEN = 256, O_DATA, O_NAME, O_LOGKEY, O_NOTEKEY, O_TREEID, O_MAXBODY, O_THREADS, O_QUEUE,
	       O_MAXCONN, O_TIMEOUT, O_MAXMAP, O_CHECK, O_PERIP, O_HELP };
	static const struct option opts[] = {
		{"listen", required_argument, 0, O_LISTEN},     {"data", required_argument, 0, O_DATA},
		{"name", required_argument, 0, O_NAME},         {"log-key", required_argument, 0, O_LOGKEY},
		{"note-key", required_argument, 0, O_NOTEKEY},  {"tree-id", required_argument, 0, O_TREEID},
		{"max-entry-bytes", required_argument, 0, O_MAXBODY}, {"threads", required_argument, 0, O_THREADS},
		{"queue", required_argument, 0, O_QUEUE},       {"max-connections", required_argument, 0, O_MAXCONN},
		{"timeout", required_argument, 0, O_TIMEOUT},   {"help", no_argument, 0, O_HELP},
		{"max-map-bytes", required_argument, 0, O_MAXMAP}, {"check", no_argument, 0, O_CHECK},
		{"max-per-ip", required_argument, 0, O_PERIP},
		{0, 0, 0, 0},
	};
	int c, check = 0;
	uint64_t n, max_map = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: cfg->listen = optarg; break;
		case O_DATA: cfg->data = optarg; break;
		case O_NAME: cfg->name = optarg; break;
		case O_LOGKEY: cfg->log_key_path = optarg; break;
		case O_NOTEKEY: cfg->note_key_path = optarg; break;
		case O_TREEID:
			if (parse_num("--tree-id", optarg, 1, INT64_MAX, &n))
				return 2;
			cfg->tree_id = (int64_t)n;
			break;
		case O_MAXBODY:
			if (parse_num("--max-entry-bytes", optarg, 1024, 64 << 20, &n))
				return 2;
			cfg->max_body = (size_t)n;
			break;
		case O_THREADS:
			if (parse_num("--threads", optarg, 1, 256, &n))
				return 2;
			cfg->threads = (unsigned)n;
			break;
		case O_QUEUE:
			if (parse_num("--queue", optarg, 1, 1 << 20, &n))
				return 2;
			cfg->queue = (size_t)n;
			break;
		case O_MAXCONN:
			if (parse_num("--max-connections", optarg, 1, 100000, &n))
				return 2;
			cfg->max_connections = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (parse_num("--timeout", optarg, 1, 3600, &n))
				return 2;
			cfg->timeout = (unsigned)n;
			break;
		case O_MAXMAP:
			if (parse_num("--max-map-bytes", optarg, 1 << 20, UINT64_C(1) << 44, &n))
				return 2;
			max_map = n;
			break;
		case O_CHECK: check = 1; break;
		case O_PERIP:
			if (parse_num("--max-per-ip", optarg, 0, 100000, &n))
				return 2;
			cfg->max_per_ip = (unsigned)n;
			break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cairnd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!cfg->name[0] || strlen(cfg->name) > 200 || strpbrk(cfg->name, " +\n\t")) {
		fprintf(stderr, "cairnd: --name must be 1..200 characters without spaces or '+'\n");
		return 2;
	}
	if (check)
		return run_check(cfg->data);
	if (mkdir(cfg->data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cairnd: cannot create data directory %s: %s\n", cfg->data, strerror(errno));
		return 1;
	}

	/* Signals go to the main thread only: block them before any thread starts. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	char path[PATH_MAX], pub[PATH_MAX], vkey_path[PATH_MAX];
	int rc, status = 1;
	snprintf(path, sizeof path, "%s/log.key", cfg->data);
	snprintf(pub, sizeof pub, "%s/log.pub", cfg->data);
	rc = load_or_create(cfg->log_key_path ? cfg->log_key_path : path, !cfg->log_key_path, KEYS_ECDSA_P256,
			    cfg->log_key_path ? NULL : pub, &srv.log_key);
	if (rc)
		goto out;
	keys_type lt = keys_type_of(srv.log_key);
	if (lt != KEYS_ECDSA_P256 && lt != KEYS_ECDSA_P384 && lt != KEYS_ECDSA_P521) {
		fprintf(stderr, "cairnd: the log key must be ECDSA (Sigstore clients accept only ECDSA SETs)\n");
		goto out;
	}
	snprintf(path, sizeof path, "%s/note.key", cfg->data);
	rc = load_or_create(cfg->note_key_path ? cfg->note_key_path : path, !cfg->note_key_path, KEYS_ED25519, NULL,
			    &srv.note_key);
	if (rc)
		goto out;
	if (keys_type_of(srv.note_key) != KEYS_ED25519) {
		fprintf(stderr, "cairnd: the note key must be Ed25519\n");
		goto out;
	}
	if (note_vkey(cfg->name, srv.note_key, &srv.vkey) != CAIRN_OK) {
		fprintf(stderr, "cairnd: cannot derive the note verifier key\n");
		goto out;
	}
	snprintf(vkey_path, sizeof vkey_path, "%s/note.vkey", cfg->data);
	if (write_text_file(vkey_path, srv.vkey) != CAIRN_OK)
		fprintf(stderr, "cairnd: warning: cannot write %s\n", vkey_path);
	if (keys_public_pem(srv.log_key, &srv.public_pem, &srv.public_pem_len) != CAIRN_OK)
		goto out;

	log_options lo = {.dir = cfg->data, .name = cfg->name, .log_key = srv.log_key, .note_key = srv.note_key,
			  .tree_id = cfg->tree_id, .max_map_size = max_map};
	rc = log_open(&lo, &srv.log);
	if (rc) {
		if (rc == CAIRN_ERR_INVALID && cfg->tree_id)
			fprintf(stderr, "cairnd: %s holds a log with another tree ID than --tree-id %lld\n", cfg->data,
				(long long)cfg->tree_id);
		else if (rc == CAIRN_ERR_CORRUPT)
			fprintf(stderr, "cairnd: refusing to start: the data in %s is inconsistent (stored root "
					"disagrees with the stored tree)\n",
				cfg->data);
		else
			fprintf(stderr, "cairnd: cannot open the log in %s: %s\n", cfg->data, cairn_strerror(rc));
		goto out;
	}
	srv.tree_id = log_tree_id(srv.log);
	snprintf(srv.tree_id_hex, sizeof srv.tree_id_hex, "%016llx", (unsigned long long)srv.tree_id);
	codec_hex_encode(log_id(srv.log), 32, srv.log_id_hex);
	srv.metrics = metrics_new();
	if (!srv.metrics)
		goto out;
	rc = sequencer_start(srv.log, cfg->queue, 4096, &srv.seq);
	if (rc)
		goto out;
	sequencer_set_observer(srv.seq, on_batch, srv.metrics);
	log_checkpoint *cp;
	if (log_latest(srv.log, &cp) == CAIRN_OK) {
		metrics_observe_batch(srv.metrics, 0, 0, cp->size);
		log_checkpoint_free(cp);
	}
	if (http_start(&srv))
		goto out;
	printf("cairnd: serving http://%.*s:%u\n", (int)(strrchr(cfg->listen, ':') - cfg->listen), cfg->listen,
	       srv.port);
	printf("cairnd: log ID %s\n", srv.log_id_hex);
	printf("cairnd: tree ID %lld\n", (long long)srv.tree_id);
	printf("cairnd: note verifier key %s\n", srv.vkey);
	fflush(stdout);

	int sig = 0;
	sigwait(&sigs, &sig);
	fprintf(stderr, "cairnd: %s: finishing entries in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_quiesce(&srv);
	sequencer_stop(srv.seq); /* commits and answers everything queued */
	/* Give resumed connections a moment to receive their answers. */
	for (int i = 0; i < 500 && http_inflight() > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	status = 0;
out:
	http_stop(&srv);
	sequencer_free(srv.seq);
	log_close(srv.log);
	metrics_free(srv.metrics);
	keys_free(srv.log_key);
	keys_free(srv.note_key);
	free(srv.public_pem);
	free(srv.vkey);
	return status;
}
