/* Test harness for the cairnd integration tests: start the real binary on an
 * ephemeral loopback port with a temp data dir, talk real HTTP with libcurl. */
#ifndef CAIRN_TEST_HARNESS_H
#define CAIRN_TEST_HARNESS_H

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

typedef struct daemon_proc {
	pid_t pid;
	char dir[64];
	char url[64];
	char out_path[128];
	int port;
} daemon_proc;

static inline void harness_rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%.500s/%.255s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			harness_rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static inline const char *harness_bin(void)
{
	static char path[4096];
	const char *b = getenv("CAIRN_BIN");
	snprintf(path, sizeof path, "%s/cairnd", b ? b : "bin");
	return path;
}

/* Starts cairnd on dir (created if empty string) with extra args; waits
 * until it prints its URL. Returns 0, or -1 if it exited (its exit status in
 * *status when non-NULL). */
static inline int daemon_start(daemon_proc *d, const char *const *extra, int *status)
{
	if (!d->dir[0]) {
		strcpy(d->dir, "/tmp/cairnd-test-XXXXXX");
		if (!mkdtemp(d->dir))
			return -1;
	}
	snprintf(d->out_path, sizeof d->out_path, "%s.out", d->dir);
	unlink(d->out_path);
	const char *argv[32];
	int n = 0;
	argv[n++] = harness_bin();
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--data";
	argv[n++] = d->dir;
	argv[n++] = "--name";
	argv[n++] = "127.0.0.1";
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(d->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	d->pid = pid;
	for (int i = 0; i < 1000; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			d->pid = 0;
			if (status)
				*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			return -1;
		}
		FILE *f = fopen(d->out_path, "r");
		if (f) {
			char line[512];
			while (fgets(line, sizeof line, f)) {
				int port;
				if (sscanf(line, "cairnd: serving http://127.0.0.1:%d", &port) == 1) {
					d->port = port;
					snprintf(d->url, sizeof d->url, "http://127.0.0.1:%d", port);
					fclose(f);
					return 0;
				}
			}
			fclose(f);
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* SIGTERM and wait; returns the exit status. */
static inline int daemon_stop(daemon_proc *d)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	int st = 0;
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline void daemon_kill(daemon_proc *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
}

/* The daemon's combined stdout/stderr so far (caller frees). */
static inline char *daemon_output(const daemon_proc *d)
{
	FILE *f = fopen(d->out_path, "r");
	if (!f)
		return strdup("");
	char *buf = calloc(1, 65537);
	size_t n = fread(buf, 1, 65536, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

typedef struct http_resp {
	long status;
	char *body;
	size_t len;
	char headers[4096];
	size_t hlen;
} http_resp;

static size_t harness_write(char *p, size_t s, size_t n, void *arg)
{
	http_resp *r = arg;
	char *nb = realloc(r->body, r->len + s * n + 1);
	if (!nb)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, s * n);
	r->len += s * n;
	r->body[r->len] = '\0';
	return s * n;
}

static size_t harness_header(char *p, size_t s, size_t n, void *arg)
{
	http_resp *r = arg;
	size_t len = s * n;
	if (r->hlen + len < sizeof r->headers) {
		memcpy(r->headers + r->hlen, p, len);
		r->hlen += len;
		r->headers[r->hlen] = '\0';
	}
	return len;
}

/* One request; body NULL for GET. Returns 0 on transport success. */
static inline int http_do(CURL *c, const char *method, const char *url, const char *body, size_t blen,
			  http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->body = calloc(1, 1);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	struct curl_slist *h = NULL;
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	return rc == CURLE_OK ? 0 : -1;
}

static inline void http_resp_free(http_resp *r)
{
	free(r->body);
	r->body = NULL;
}

/* Value of header name (case-insensitive) into out; 0 if found. */
static inline int http_header(const http_resp *r, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = ll - (size_t)(v - p);
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 0;
		}
		p = eol ? eol + 2 : NULL;
	}
	return -1;
}

#endif
