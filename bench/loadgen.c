/* cairn benchmarks: the HTTP load generator.
 *
 * One thread, epoll, plain sockets, HTTP/1.1 keep-alive: the lightest client
 * we can write, because on a small machine the client shares the cores with
 * the server. Each connection has one request in flight; the latency of a
 * request runs from the first byte written to the last byte of the answer.
 *
 *   bench-load gen N FILE                  N distinct signed hashedrekord proposals, one per line
 *   bench-load post ADDR:PORT CONNS SECS FILE PREFIX
 *                                          POST /api/v1/log/entries, each proposal once; 201 with
 *                                          an inclusion proof is a success, anything else an error
 *   bench-load get ADDR:PORT CONNS SECS MODE ARG PREFIX
 *                                          MODE inclusion  ARG tree size: GET /api/v1/log/entries?logIndex=R
 *                                          MODE consistency ARG tree size: GET /api/v1/log/proof?firstSize=R&lastSize=ARG
 *                                          MODE paths ARG file of paths: GET a random one; 200 is a success
 *   bench-load mirror ADDR:PORT LISTFILE DIR   GET each path once and store the body under DIR/path
 *   bench-load freeport                    prints a free loopback TCP port
 *
 * Results are "PREFIX.key value" lines on stdout (see bench.h). */
#define _GNU_SOURCE
#include "bench.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "keys.h"

/* --- target address -------------------------------------------------------- */

static struct sockaddr_in target;
static char host_hdr[64];

static void parse_addr(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		bench_die("address must be ADDR:PORT");
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(&target, 0, sizeof target);
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &target.sin_addr) != 1)
		bench_die("address must be an IPv4 address");
	snprintf(host_hdr, sizeof host_hdr, "%s", s);
}

static int dial(int nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&target, sizeof target) != 0) {
		close(fd);
		return -1;
	}
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* --- HTTP responses ------------------------------------------------------- */

typedef struct response {
	int status;
	size_t header_len; /* through the blank line */
	size_t body_len;
	int close;         /* Connection: close */
} response;

/* Value of header name (lowercase, with the colon) in hdr, or NULL. */
static const char *find_header(const char *hdr, size_t len, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + 2 + nl <= len; i++) {
		if (hdr[i] != '\n')
			continue;
		size_t k = 0;
		while (k < nl && tolower((unsigned char)hdr[i + 1 + k]) == name[k])
			k++;
		if (k == nl) {
			const char *v = hdr + i + 1 + nl;
			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

/* 1: a whole response is in buf; 0: need more; -1: malformed. */
static int parse_response(const char *buf, size_t len, response *r)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > 65536 ? -1 : 0;
	r->header_len = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		return -1;
	const char *cl = find_header(buf, r->header_len, "content-length:");
	if (!cl)
		return -1; /* cairnd and nginx both send lengths for these answers */
	r->body_len = strtoull(cl, NULL, 10);
	const char *conn = find_header(buf, r->header_len, "connection:");
	r->close = conn && strncasecmp(conn, "close", 5) == 0;
	return len >= r->header_len + r->body_len ? 1 : 0;
}

/* --- the load loop -------------------------------------------------------- */

typedef struct conn {
	int fd;
	int busy, want_out;
	const char *req;
	size_t reqlen, sent;
	char reqbuf[512];
	char *rbuf;
	size_t rlen, rcap;
	double t0;
} conn;

/* Fills the next request for c (c->req, c->reqlen); 0 when there is none. */
typedef int (*next_fn)(void *ctx, conn *c);

typedef struct load {
	int epfd;
	conn *conns;
	int nconns;
	double start, deadline, last_done;
	next_fn next;
	void *ctx;
	int want_status;
	const char *want_body; /* substring every success must hold, or NULL */
	size_t inflight;
	uint64_t ok, errors, reconnects;
	uint64_t bytes;
	double *lat;
	size_t nlat, caplat;
	int status_seen[8];
	int nstatus_seen;
} load;

static void set_events(load *L, conn *c, int out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
	epoll_ctl(L->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

static int conn_open(load *L, conn *c)
{
	c->fd = dial(1);
	if (c->fd < 0)
		return -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	c->want_out = 0;
	c->rlen = 0;
	return epoll_ctl(L->epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_reopen(load *L, conn *c)
{
	epoll_ctl(L->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	L->reconnects++;
	if (conn_open(L, c) != 0)
		bench_die("cannot reconnect to the server");
}

static void flush_send(load *L, conn *c)
{
	while (c->sent < c->reqlen) {
		ssize_t n = send(c->fd, c->req + c->sent, c->reqlen - c->sent, MSG_NOSIGNAL);
		if (n > 0) {
			c->sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out)
				set_events(L, c, 1);
			return;
		}
		return; /* the read side sees the failure */
	}
	if (c->want_out)
		set_events(L, c, 0);
}

static void issue(load *L, conn *c)
{
	double now = bench_now();
	if (now >= L->deadline || !L->next(L->ctx, c)) {
		c->busy = 0;
		return;
	}
	c->busy = 1;
	c->sent = 0;
	c->t0 = now;
	L->inflight++;
	flush_send(L, c);
}

static void record(load *L, conn *c, const response *r, double now)
{
	const char *body = c->rbuf + r->header_len;
	int good = r->status == L->want_status &&
		   (!L->want_body || memmem(body, r->body_len, L->want_body, strlen(L->want_body)));
	if (good) {
		L->ok++;
		if (L->nlat == L->caplat) {
			L->caplat = L->caplat ? 2 * L->caplat : 65536;
			L->lat = realloc(L->lat, L->caplat * sizeof *L->lat);
			if (!L->lat)
				bench_die("out of memory");
		}
		L->lat[L->nlat++] = now - c->t0;
		L->bytes += r->body_len;
	} else {
		L->errors++;
		int seen = 0;
		for (int i = 0; i < L->nstatus_seen; i++)
			seen |= L->status_seen[i] == r->status;
		if (!seen && L->nstatus_seen < 8) {
			L->status_seen[L->nstatus_seen++] = r->status;
			fprintf(stderr, "bench-load: unexpected answer %d: %.*s\n", r->status,
				(int)(r->body_len < 300 ? r->body_len : 300), body);
		}
	}
	L->last_done = now;
}

static void on_readable(load *L, conn *c)
{
	for (;;) {
		if (c->rcap - c->rlen < 16384) {
			c->rcap = c->rcap ? 2 * c->rcap : 65536;
			c->rbuf = realloc(c->rbuf, c->rcap);
			if (!c->rbuf)
				bench_die("out of memory");
		}
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* Closed or failed: the request in flight is lost. */
		if (c->busy) {
			L->errors++;
			L->inflight--;
			c->busy = 0;
		}
		conn_reopen(L, c);
		issue(L, c);
		return;
	}
	while (c->busy) {
		response r = {0};
		int p = parse_response(c->rbuf, c->rlen, &r);
		if (p == 0)
			return;
		if (p < 0)
			bench_die("malformed HTTP response");
		double now = bench_now();
		record(L, c, &r, now);
		size_t used = r.header_len + r.body_len;
		memmove(c->rbuf, c->rbuf + used, c->rlen - used);
		c->rlen -= used;
		c->busy = 0;
		L->inflight--;
		if (r.close)
			conn_reopen(L, c);
		issue(L, c);
	}
}

static void run_load(load *L, int nconns, double seconds)
{
	L->epfd = epoll_create1(0);
	L->nconns = nconns;
	L->conns = calloc((size_t)nconns, sizeof *L->conns);
	if (L->epfd < 0 || !L->conns)
		bench_die("cannot set up epoll");
	for (int i = 0; i < nconns; i++)
		if (conn_open(L, &L->conns[i]) != 0)
			bench_die("cannot connect to the server");
	L->start = bench_now();
	L->deadline = L->start + seconds;
	L->last_done = L->start;
	for (int i = 0; i < nconns; i++)
		issue(L, &L->conns[i]);
	struct epoll_event evs[512];
	while (L->inflight > 0) {
		int n = epoll_wait(L->epfd, evs, 512, 1000);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait failed");
		if (n <= 0 && bench_now() > L->deadline + 60)
			bench_die("the server stopped answering");
		for (int i = 0; i < n; i++) {
			conn *c = evs[i].data.ptr;
			if (evs[i].events & EPOLLOUT)
				flush_send(L, c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(L, c);
		}
	}
	for (int i = 0; i < nconns; i++) {
		close(L->conns[i].fd);
		free(L->conns[i].rbuf);
	}
	free(L->conns);
	close(L->epfd);
}

static void report(load *L, const char *prefix, int nconns)
{
	double elapsed = L->last_done - L->start;
	if (elapsed <= 0)
		elapsed = 1e-9;
	qsort(L->lat, L->nlat, sizeof *L->lat, bench_cmp_double);
	double sum = 0;
	for (size_t i = 0; i < L->nlat; i++)
		sum += L->lat[i];
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec / 1e6;
	bench_kv(prefix, "conns", nconns);
	bench_kv(prefix, "seconds", elapsed);
	bench_kv(prefix, "ok", (double)L->ok);
	bench_kv(prefix, "errors", (double)L->errors);
	bench_kv(prefix, "reconnects", (double)L->reconnects);
	bench_kv(prefix, "per_s", (double)L->ok / elapsed);
	bench_kv(prefix, "mean_ms", L->nlat ? 1e3 * sum / (double)L->nlat : 0);
	bench_kv(prefix, "p50_ms", 1e3 * bench_quantile(L->lat, L->nlat, 0.50));
	bench_kv(prefix, "p99_ms", 1e3 * bench_quantile(L->lat, L->nlat, 0.99));
	bench_kv(prefix, "p999_ms", 1e3 * bench_quantile(L->lat, L->nlat, 0.999));
	bench_kv(prefix, "max_ms", L->nlat ? 1e3 * L->lat[L->nlat - 1] : 0);
	bench_kv(prefix, "body_bytes_mean", L->ok ? (double)L->bytes / (double)L->ok : 0);
	bench_kv(prefix, "client_cpu_s", cpu);
}

/* --- gen: signed hashedrekord proposals ----------------------------------- */

#define SIGNERS 32

typedef struct gen_job {
	keys_key **keys;
	char **pem_b64;
	size_t from, to;
	char *out;
	size_t len, cap;
	int failed;
} gen_job;

static void *gen_thread(void *arg)
{
	gen_job *j = arg;
	for (size_t i = j->from; i < j->to; i++) {
		/* A distinct artifact per entry: its index and 24 random bytes. */
		uint8_t artifact[32], digest[32], *sig = NULL;
		size_t siglen;
		char hex[65];
		for (int b = 0; b < 8; b++)
			artifact[b] = (uint8_t)(i >> (56 - 8 * b));
		if (RAND_bytes(artifact + 8, 24) != 1) {
			j->failed = 1;
			return NULL;
		}
		unsigned dl = 32;
		EVP_Digest(artifact, sizeof artifact, digest, &dl, EVP_sha256(), NULL);
		codec_hex_encode(digest, 32, hex);
		size_t k = i % SIGNERS;
		if (keys_sign(j->keys[k], artifact, sizeof artifact, &sig, &siglen) != CAIRN_OK) {
			j->failed = 1;
			return NULL;
		}
		char sig64[256];
		codec_b64_encode(sig, siglen, sig64);
		free(sig);
		size_t need = 512 + strlen(j->pem_b64[k]);
		if (j->len + need > j->cap) {
			j->cap = j->cap ? 2 * j->cap : (j->to - j->from) * need;
			j->out = realloc(j->out, j->cap);
			if (!j->out) {
				j->failed = 1;
				return NULL;
			}
		}
		j->len += (size_t)sprintf(j->out + j->len,
					  "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":{\"hash\":"
					  "{\"algorithm\":\"sha256\",\"value\":\"%s\"}},\"signature\":{\"content\":\"%s\","
					  "\"publicKey\":{\"content\":\"%s\"}}}}\n",
					  hex, sig64, j->pem_b64[k]);
	}
	return NULL;
}

static int cmd_gen(size_t n, const char *path)
{
	keys_key *keys[SIGNERS];
	char *pem_b64[SIGNERS];
	for (int k = 0; k < SIGNERS; k++) {
		char *pem;
		size_t plen;
		if (keys_generate(KEYS_ECDSA_P256, &keys[k]) || keys_public_pem(keys[k], &pem, &plen))
			bench_die("cannot make a signer key");
		pem_b64[k] = codec_b64_encode_alloc((const uint8_t *)pem, plen);
		free(pem);
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nt = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (int)ncpu;
	gen_job jobs[16];
	pthread_t th[16];
	for (int t = 0; t < nt; t++) {
		jobs[t] = (gen_job){keys, pem_b64, n * (size_t)t / (size_t)nt, n * (size_t)(t + 1) / (size_t)nt, NULL, 0, 0, 0};
		pthread_create(&th[t], NULL, gen_thread, &jobs[t]);
	}
	FILE *f = fopen(path, "w");
	if (!f)
		bench_die("cannot write the entry file");
	for (int t = 0; t < nt; t++) {
		pthread_join(th[t], NULL);
		if (jobs[t].failed)
			bench_die("entry generation failed");
		fwrite(jobs[t].out, 1, jobs[t].len, f);
		free(jobs[t].out);
	}
	if (fclose(f) != 0)
		bench_die("cannot write the entry file");
	for (int k = 0; k < SIGNERS; k++) {
		keys_free(keys[k]);
		free(pem_b64[k]);
	}
	return 0;
}

/* --- post ----------------------------------------------------------------- */

typedef struct post_ctx {
	char *reqs;      /* every request, back to back */
	size_t *off;     /* n + 1 offsets */
	size_t n, next;
} post_ctx;

static int post_next(void *ctx, conn *c)
{
	post_ctx *p = ctx;
	if (p->next >= p->n)
		return 0;
	c->req = p->reqs + p->off[p->next];
	c->reqlen = p->off[p->next + 1] - p->off[p->next];
	p->next++;
	return 1;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		bench_die("cannot open input file");
	struct stat st;
	fstat(fileno(f), &st);
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		bench_die("cannot read input file");
	fclose(f);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

static int cmd_post(int nconns, double secs, const char *file, const char *prefix)
{
	size_t len;
	char *text = read_file(file, &len);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	post_ctx p = {0};
	p.off = malloc((lines + 1) * sizeof *p.off);
	p.reqs = malloc(len + lines * (200 + strlen(host_hdr)));
	if (!p.off || !p.reqs)
		bench_die("out of memory");
	size_t o = 0, bodies = 0;
	for (char *line = text, *nl; (nl = memchr(line, '\n', (size_t)(text + len - line))); line = nl + 1) {
		size_t bl = (size_t)(nl - line);
		p.off[p.n++] = o;
		o += (size_t)sprintf(p.reqs + o,
				     "POST /api/v1/log/entries HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
				     "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
				     host_hdr, bl);
		memcpy(p.reqs + o, line, bl);
		o += bl;
		bodies += bl;
	}
	p.off[p.n] = o;
	free(text);
	load L = {.next = post_next, .ctx = &p, .want_status = 201, .want_body = "\"inclusionProof\""};
	run_load(&L, nconns, secs);
	report(&L, prefix, nconns);
	bench_kv(prefix, "proposal_bytes_mean", p.n ? (double)bodies / (double)p.n : 0);
	bench_kv(prefix, "exhausted", p.next >= p.n);
	if (L.ok && p.next >= p.n && L.last_done - L.start < 0.8 * secs)
		fprintf(stderr, "bench-load: ran out of entries after %.1f s; generate more\n", L.last_done - L.start);
	return 0;
}

/* --- get ------------------------------------------------------------------ */

typedef struct get_ctx {
	int mode; /* 0 inclusion, 1 consistency, 2 paths */
	uint64_t size;
	char **paths;
	size_t npaths;
	uint64_t rng;
} get_ctx;

static int get_next(void *ctx, conn *c)
{
	get_ctx *g = ctx;
	uint64_t r = bench_rand(&g->rng);
	int n;
	if (g->mode == 0)
		n = snprintf(c->reqbuf, sizeof c->reqbuf,
			     "GET /api/v1/log/entries?logIndex=%llu HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n\r\n",
			     (unsigned long long)(r % g->size), host_hdr);
	else if (g->mode == 1)
		n = snprintf(c->reqbuf, sizeof c->reqbuf,
			     "GET /api/v1/log/proof?firstSize=%llu&lastSize=%llu HTTP/1.1\r\nHost: %s\r\n"
			     "Accept: application/json\r\n\r\n",
			     (unsigned long long)(1 + r % (g->size - 1)), (unsigned long long)g->size, host_hdr);
	else
		n = snprintf(c->reqbuf, sizeof c->reqbuf, "GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n",
			     g->paths[r % g->npaths], host_hdr);
	c->req = c->reqbuf;
	c->reqlen = (size_t)n;
	return 1;
}

static char **read_lines(const char *path, size_t *n)
{
	size_t len;
	char *text = read_file(path, &len);
	size_t cap = 1024;
	char **v = malloc(cap * sizeof *v);
	*n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (*n == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[(*n)++] = line;
	}
	if (*n == 0)
		bench_die("empty path list");
	return v;
}

static int cmd_get(int nconns, double secs, const char *mode, const char *arg, const char *prefix)
{
	get_ctx g = {.rng = 0x9e3779b97f4a7c15ull};
	if (strcmp(mode, "inclusion") == 0 || strcmp(mode, "consistency") == 0) {
		g.mode = mode[0] == 'i' ? 0 : 1;
		g.size = strtoull(arg, NULL, 10);
		if (g.size < 2)
			bench_die("tree size must be at least 2");
	} else if (strcmp(mode, "paths") == 0) {
		g.mode = 2;
		g.paths = read_lines(arg, &g.npaths);
	} else {
		bench_die("mode must be inclusion, consistency or paths");
	}
	load L = {.next = get_next, .ctx = &g, .want_status = 200};
	run_load(&L, nconns, secs);
	report(&L, prefix, nconns);
	return 0;
}

/* --- mirror --------------------------------------------------------------- */

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
}

static int cmd_mirror(const char *list, const char *dir)
{
	size_t n;
	char **paths = read_lines(list, &n);
	int fd = dial(0);
	if (fd < 0)
		bench_die("cannot connect to the server");
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	for (size_t i = 0; i < n; i++) {
		char req[512];
		int rl = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n", paths[i], host_hdr);
		if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl)
			bench_die("send failed");
		response r = {0};
		int p;
		while ((p = parse_response(buf, len, &r)) == 0) {
			if (len == cap)
				buf = realloc(buf, cap *= 2);
			ssize_t got = recv(fd, buf + len, cap - len, 0);
			if (got <= 0)
				bench_die("the server closed the connection");
			len += (size_t)got;
		}
		if (p < 0 || r.status != 200) {
			fprintf(stderr, "bench-load: GET /%s: status %d\n", paths[i], r.status);
			return 1;
		}
		char out[4096];
		snprintf(out, sizeof out, "%s/%s", dir, paths[i]);
		mkdirs(out);
		FILE *f = fopen(out, "w");
		if (!f || fwrite(buf + r.header_len, 1, r.body_len, f) != r.body_len || fclose(f) != 0)
			bench_die("cannot write a mirrored file");
		size_t used = r.header_len + r.body_len;
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	close(fd);
	free(buf);
	return 0;
}

static int cmd_freeport(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		bench_die("cannot find a free port");
	printf("%u\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(strtoull(argv[2], NULL, 10), argv[3]);
	if (argc == 7 && strcmp(argv[1], "post") == 0) {
		parse_addr(argv[2]);
		return cmd_post(atoi(argv[3]), atof(argv[4]), argv[5], argv[6]);
	}
	if (argc == 8 && strcmp(argv[1], "get") == 0) {
		parse_addr(argv[2]);
		return cmd_get(atoi(argv[3]), atof(argv[4]), argv[5], argv[6], argv[7]);
	}
	if (argc == 5 && strcmp(argv[1], "mirror") == 0) {
		parse_addr(argv[2]);
		return cmd_mirror(argv[3], argv[4]);
	}
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	fprintf(stderr, "usage: bench-load gen N FILE | post ADDR:PORT CONNS SECS FILE PREFIX |\n"
			"       get ADDR:PORT CONNS SECS inclusion|consistency|paths ARG PREFIX |\n"
			"       mirror ADDR:PORT LISTFILE DIR | freeport\n");
	return 2;
}
