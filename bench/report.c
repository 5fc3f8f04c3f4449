/* cairn benchmarks: turns the "key value" lines of a run into
 * OUT/latest.json (every figure, nested by the dots in its key, plus the
 * derived ratios and the goals), OUT/latest.md (the goal table and the
 * detail tables) and two SVG plots: OUT/ingest-latency.svg and
 * OUT/proof-time.svg.
 *
 *   bench-report RESULTS.kv OUTDIR */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdarg.h>

#include <jansson.h>

/* --- the raw figures --------------------------------------------------------- */

typedef struct kvp {
	char *key, *val;
} kvp;

static kvp *kvs;
static size_t nkv;

static const char *sval(const char *key)
{
	for (size_t i = nkv; i-- > 0;) /* the last value wins */
		if (strcmp(kvs[i].key, key) == 0)
			return kvs[i].val;
	return NULL;
}

static double num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double num(const char *fmt, ...)
{
	char key[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	const char *v = sval(key);
	return v ? strtod(v, NULL) : NAN;
}

static int is_number(const char *s, double *out)
{
	char *end;
	if (!*s)
		return 0;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		bench_die("cannot read the results");
	char line[4096];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (!sp || sp == line)
			continue;
		*sp = '\0';
		if (nkv == cap)
			kvs = realloc(kvs, (cap = cap ? 2 * cap : 256) * sizeof *kvs);
		kvs[nkv].key = strdup(line);
		kvs[nkv].val = strdup(sp + 1);
		nkv++;
	}
	fclose(f);
}

/* Sets a dotted key in a nested object. */
static void set_path(json_t *root, const char *key, json_t *v)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", key);
	json_t *o = root;
	char *part = buf, *dot;
	while ((dot = strchr(part, '.'))) {
		*dot = '\0';
		json_t *next = json_object_get(o, part);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(o, part, next);
		}
		o = next;
		part = dot + 1;
	}
	json_object_set_new(o, part, v);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* --- figures derived from the raw ones ------------------------------------------ */

typedef struct derived {
	double verify, verify_median, hashes;
	int conns[16], nconns;
	double core_leaves, core_ceiling, core_fraction;
	double tiles_cairnd, tiles_nginx, tile_ratio;
	uint64_t core_n, big_n;
	double proof_ratio, consistency_ratio, proof_mean_ratio;
	double disk_entry, disk_body, disk_goal;
	uint64_t sizes[8];
	int nsizes;
} derived;

static void derive(derived *d)
{
	d->verify = num("ecdsa.p256_verify_per_s");
	d->verify_median = num("ecdsa.p256_verify_per_s_median");
	d->hashes = num("sha256.node_hashes_per_s");
	/* Connection counts, in the order they ran. */
	for (size_t i = 0; i < nkv && d->nconns < 16; i++) {
		int c;
		char rest[64];
		if (sscanf(kvs[i].key, "ingest.c%d.%63s", &c, rest) == 2 && strcmp(rest, "conns") == 0)
			d->conns[d->nconns++] = c;
	}
	/* Core append: every batch-of-1,000 stage together. */
	double entries = 0, secs = 0;
	for (size_t i = 0; i < nkv; i++) {
		unsigned long long n;
		char rest[64];
		if (sscanf(kvs[i].key, "core.build.n%llu.%63s", &n, rest) == 2) {
			if (strcmp(rest, "entries") == 0)
				entries += strtod(kvs[i].val, NULL);
			else if (strcmp(rest, "append_seconds") == 0)
				secs += strtod(kvs[i].val, NULL);
			else if (strcmp(rest, "tree_size") == 0 && d->nsizes < 7)
				d->sizes[d->nsizes++] = n;
		}
	}
	d->core_leaves = secs > 0 ? entries / secs : NAN;
	d->core_ceiling = d->hashes / 2;
	d->core_fraction = d->core_leaves / d->core_ceiling;
	/* Tiles: each server's better round. */
	d->tiles_cairnd = d->tiles_nginx = NAN;
	for (int r = 1; r <= 8; r++) {
		double c = num("tiles.cairnd.r%d.per_s", r), n = num("tiles.nginx.r%d.per_s", r);
		if (isfinite(c) && !(c <= d->tiles_cairnd))
			d->tiles_cairnd = c;
		if (isfinite(n) && !(n <= d->tiles_nginx))
			d->tiles_nginx = n;
	}
	d->tile_ratio = d->tiles_cairnd / d->tiles_nginx;
	d->core_n = (uint64_t)num("core.tree_size");
	d->big_n = (uint64_t)num("proofs.big_size");
	if (isfinite(num("proofs.n%llu.inclusion_us", (unsigned long long)d->big_n)) && d->nsizes < 8)
		d->sizes[d->nsizes++] = d->big_n;
	/* Medians of the CPU time per proof: on a shared machine a preempted
	 * sample weighs on a wall-clock mean far more than the proof itself;
	 * wall-clock figures are in the tables too. */
	d->proof_ratio = num("proofs.n%llu.inclusion_cpu_p50_us", (unsigned long long)d->big_n) /
			 num("proofs.n%llu.inclusion_cpu_p50_us", (unsigned long long)d->core_n);
	d->proof_mean_ratio = num("proofs.n%llu.inclusion_us", (unsigned long long)d->big_n) /
			      num("proofs.n%llu.inclusion_us", (unsigned long long)d->core_n);
	d->consistency_ratio = num("proofs.n%llu.consistency_cpu_p50_us", (unsigned long long)d->big_n) /
			       num("proofs.n%llu.consistency_cpu_p50_us", (unsigned long long)d->core_n);
	d->disk_entry = num("disk.bytes_per_entry");
	d->disk_body = num("disk.body_bytes_mean");
	d->disk_goal = 1.3 * d->disk_body + 100;
}

/* --- Markdown ------------------------------------------------------------------- */

static const char *status(int met, double v)
{
	if (!isfinite(v))
		return "not measured";
	return met ? "**met**" : "**missed**";
}

static const char *human(double n, char *buf, size_t cap)
{
	if (!isfinite(n))
		snprintf(buf, cap, "n/a");
	else if (n >= 1e6 && fmod(n, 1e6) == 0)
		snprintf(buf, cap, "%gM", n / 1e6);
	else if (n >= 1e3 && fmod(n, 1e3) == 0)
		snprintf(buf, cap, "%gk", n / 1e3);
	else
		snprintf(buf, cap, "%.0f", n);
	return buf;
}

static void write_md(const derived *d, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		bench_die("cannot write latest.md");
	char a[32], b[32];
	double ing = num("ingest.c64.per_s"), p99 = num("ingest.c64.p99_ms");
	double ratio = ing / d->verify;
	fprintf(f, "# cairn benchmarks\n\n");
	fprintf(f, "`make bench` on %s (%s cores), commit %s%s, %s; %.0f s in all. Every ratio pairs two figures "
		   "measured in the same run on the same machine.\n\n",
		sval("machine.cpu_model") ? sval("machine.cpu_model") : "?", sval("machine.cores") ? sval("machine.cores") : "?",
		sval("run.git_commit") ? sval("run.git_commit") : "unknown", num("run.git_dirty") == 1 ? " (with local changes)" : "",
		sval("run.date") ? sval("run.date") : "?", num("run.total_seconds"));
	fprintf(f, "| figure | measured | goal | |\n|---|---|---|---|\n");
	fprintf(f, "| ingest ratio at 64 connections | %.2f (%.0f entries/s ÷ %.0f verifies/s) | ≥ 0.6 | %s |\n", ratio,
		ing, d->verify, status(ratio >= 0.6, ratio));
	fprintf(f, "| ingest p99 at 64 connections | %.1f ms | ≤ 50 ms | %s |\n", p99, status(p99 <= 50, p99));
	fprintf(f, "| tile ratio vs nginx | %.2f (%.0f ÷ %.0f tiles/s) | ≥ 0.8 | %s |\n", d->tile_ratio, d->tiles_cairnd,
		d->tiles_nginx, status(d->tile_ratio >= 0.8, d->tile_ratio));
	fprintf(f, "| core append | %.3f × ceiling (%.0f leaves/s; ceiling %.0f = %.0f hashes/s ÷ 2) | ≥ 0.5 | %s |\n",
		d->core_fraction, d->core_leaves, d->core_ceiling, d->hashes, status(d->core_fraction >= 0.5, d->core_fraction));
	fprintf(f, "| proof time %s ÷ %s | %.2f (inclusion, median CPU %.1f µs ÷ %.1f µs; wall-clock means %.2f; "
		   "consistency %.2f) | ≤ 1.3 | %s |\n",
		human((double)d->big_n, a, sizeof a), human((double)d->core_n, b, sizeof b), d->proof_ratio,
		num("proofs.n%llu.inclusion_cpu_p50_us", (unsigned long long)d->big_n),
		num("proofs.n%llu.inclusion_cpu_p50_us", (unsigned long long)d->core_n), d->proof_mean_ratio,
		d->consistency_ratio, status(d->proof_ratio <= 1.3, d->proof_ratio));
	fprintf(f, "| disk per entry at %s | %.0f B (body %.0f B) | ≤ %.0f B (1.3 × body + 100 B) | %s |\n\n",
		human((double)d->core_n, a, sizeof a), d->disk_entry, d->disk_body, d->disk_goal,
		status(d->disk_entry <= d->disk_goal, d->disk_entry));

	fprintf(f, "## Baselines (one core, OpenSSL EVP; best 0.2 s slice, median in brackets)\n\n");
	fprintf(f, "| ECDSA P-256 verifies/s | ECDSA P-256 signs/s | SHA-256 node hashes/s | merkle_node_hash/s |\n"
		   "|---|---|---|---|\n");
	fprintf(f, "| %.0f (%.0f) | %.0f (%.0f) | %.0f (%.0f) | %.0f (%.0f) |\n\n", d->verify, d->verify_median,
		num("ecdsa.p256_sign_per_s"), num("ecdsa.p256_sign_per_s_median"), d->hashes,
		num("sha256.node_hashes_per_s_median"), num("sha256.merkle_node_hash_per_s"),
		num("sha256.merkle_node_hash_per_s_median"));

	fprintf(f, "## Ingest over HTTP (fresh cairnd per row, %s s, distinct signed hashedrekord entries, "
		   "fsync on, default settings)\n\n", sval("run.seconds_per_phase") ? sval("run.seconds_per_phase") : "?");
	fprintf(f, "| connections | entries/s | ratio | p50 ms | p99 ms | p99.9 ms | max ms | errors | cairnd CPU µs/entry | "
		   "cairnd cores busy | mean batch | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < d->nconns; i++) {
		int c = d->conns[i];
		fprintf(f, "| %d | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.2f | %.1f | %.2f |\n", c,
			num("ingest.c%d.per_s", c), num("ingest.c%d.per_s", c) / d->verify, num("ingest.c%d.p50_ms", c),
			num("ingest.c%d.p99_ms", c), num("ingest.c%d.p999_ms", c), num("ingest.c%d.max_ms", c),
			num("ingest.c%d.errors", c), num("ingest.c%d.server_cpu_us_per_req", c),
			num("ingest.c%d.server_cpu_s", c) / num("ingest.c%d.seconds", c), num("ingest.c%d.batch_mean", c),
			num("load.ingest_c%d", c));
	}
	fprintf(f, "\nEach answer is a 201 with the entry's inclusion proof and SET. cairnd CPU is its user + system "
		   "time over the phase; cores busy is that time over the phase's length, out of %s cores shared with "
		   "the load generator and whatever else runs on the machine. Mean batch is entries per log_append "
		   "(one durable commit), from cairnd's /metrics.\n",
		sval("machine.cores") ? sval("machine.cores") : "?");
	fprintf(f, "\n## Reads at %s entries (%.0f connections)\n\n", human((double)d->core_n, a, sizeof a),
		num("reads.inclusion.conns"));
	fprintf(f, "| request | per s | p50 ms | p99 ms | errors | server CPU µs/request |\n|---|---|---|---|---|---|\n");
	fprintf(f, "| `GET /api/v1/log/entries?logIndex=` (inclusion proof + SET) | %.0f | %.2f | %.2f | %.0f | %.0f |\n",
		num("reads.inclusion.per_s"), num("reads.inclusion.p50_ms"), num("reads.inclusion.p99_ms"),
		num("reads.inclusion.errors"), num("reads.inclusion.server_cpu_us_per_req"));
	fprintf(f, "| `GET /api/v1/log/proof` (consistency proof) | %.0f | %.2f | %.2f | %.0f | %.0f |\n",
		num("reads.consistency.per_s"), num("reads.consistency.p50_ms"), num("reads.consistency.p99_ms"),
		num("reads.consistency.errors"), num("reads.consistency.server_cpu_us_per_req"));
	for (int r = 1; r <= 8; r++) {
		if (!isfinite(num("tiles.cairnd.r%d.per_s", r)))
			break;
		fprintf(f, "| tile, cairnd, round %d | %.0f | %.2f | %.2f | %.0f | %.0f |\n", r, num("tiles.cairnd.r%d.per_s", r),
			num("tiles.cairnd.r%d.p50_ms", r), num("tiles.cairnd.r%d.p99_ms", r),
			num("tiles.cairnd.r%d.errors", r), num("tiles.cairnd.r%d.server_cpu_us_per_req", r));
		if (isfinite(num("tiles.nginx.r%d.per_s", r)))
			fprintf(f, "| tile, nginx (static files), round %d | %.0f | %.2f | %.2f | %.0f | %.0f |\n", r,
				num("tiles.nginx.r%d.per_s", r), num("tiles.nginx.r%d.p50_ms", r),
				num("tiles.nginx.r%d.p99_ms", r), num("tiles.nginx.r%d.errors", r),
				num("tiles.nginx.r%d.server_cpu_us_per_req", r));
	}
	fprintf(f, "\nTiles: %.0f full hash tiles of levels 0 and 1, picked at random; the same bytes, the same client.\n\n",
		num("tiles.count"));

	fprintf(f, "## Log core, no HTTP (log_append, fsync on)\n\n");
	fprintf(f, "| stage | entries | batch | leaves/s | batch p50 ms | batch p99 ms | CPU s / wall s in log_append | "
		   "written B/entry | body B |\n|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i <= d->nsizes; i++) {
		char p[64], stage[128];
		const char *pre = p;
		if (i == d->nsizes) {
			pre = "core.nodisk";
			if (!isfinite(num("%s.entries", pre)))
				break;
			snprintf(stage, sizeof stage, "0 → %s on tmpfs (no disk; diagnostic)",
				 human(num("%s.tree_size", pre), a, sizeof a));
		} else {
			unsigned long long n = d->sizes[i];
			if (n == d->big_n)
				pre = "grow";
			else
				snprintf(p, sizeof p, "core.build.n%llu", n);
			snprintf(stage, sizeof stage, "%s → %s", human(num("%s.tree_size", pre) - num("%s.entries", pre), a, sizeof a),
				 human((double)n, b, sizeof b));
		}
		fprintf(f, "| %s | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f / %.1f | %.0f | %.0f |\n", stage,
			num("%s.entries", pre), num("%s.batch", pre), num("%s.leaves_per_s", pre), num("%s.batch_p50_ms", pre),
			num("%s.batch_p99_ms", pre), num("%s.append_cpu_seconds", pre), num("%s.append_seconds", pre),
			num("%s.disk_written_bytes_per_entry", pre), num("%s.body_bytes_mean", pre));
	}
	double wpe = num("core.build.n%llu.disk_written_bytes_per_entry", (unsigned long long)d->core_n);
	double bw = num("fsync.write_bytes_per_s");
	fprintf(f, "\nThe goal figure is every batch-of-1,000 stage on disk together. The stage to %s (small bodies, "
		   "no search keys, big batches) only grows the tree for the proof-time figure. The data disk: a 4 KiB "
		   "write + fdatasync takes %.2f ms (p50; p99 %.2f ms; an LMDB commit syncs twice), sequential writes "
		   "run at %.0f MB/s. Writing the %.0f bytes per entry of the last stage at that rate, with the two "
		   "syncs, takes %.1f ms per batch of 1,000: at most %.0f leaves/s from the disk, if the pages "
		   "were written sequentially (they are not: copy-on-write B-tree pages all over the file).\n\n",
		human((double)d->big_n, a, sizeof a), num("fsync.p50_ms"), num("fsync.p99_ms"), bw / 1e6, wpe,
		1e3 * 1000 * wpe / bw + 2 * num("fsync.p50_ms"), 1000 / (1000 * wpe / bw + 2e-3 * num("fsync.p50_ms")));
	fprintf(f, "| tree size | inclusion CPU µs: p50 (mean) | wall µs: p50, p99 | consistency CPU µs: p50 (mean) | "
		   "wall µs: p50, p99 | hashes per proof |\n|---|---|---|---|---|---|\n");
	for (int i = 0; i < d->nsizes; i++) {
		unsigned long long n = d->sizes[i];
		fprintf(f, "| %s | %.1f (%.1f) | %.1f, %.1f | %.1f (%.1f) | %.1f, %.1f | %.1f |\n", human((double)n, a, sizeof a),
			num("proofs.n%llu.inclusion_cpu_p50_us", n), num("proofs.n%llu.inclusion_cpu_us", n),
			num("proofs.n%llu.inclusion_p50_us", n), num("proofs.n%llu.inclusion_p99_us", n),
			num("proofs.n%llu.consistency_cpu_p50_us", n), num("proofs.n%llu.consistency_cpu_us", n),
			num("proofs.n%llu.consistency_p50_us", n), num("proofs.n%llu.consistency_p99_us", n),
			num("proofs.n%llu.inclusion_hashes", n));
	}
	fprintf(f, "\n## Storage\n\n| | entries | body B | bytes/entry | entries db | tiles | leaves | by_hash | by_key | free + meta pages |\n"
		   "|---|---|---|---|---|---|---|---|---|---|\n");
	for (int w = 0; w < 2; w++) {
		const char *p = w == 0 ? "disk" : "ingest.disk";
		double n = num("%s.entries", p);
		if (!isfinite(n) || n == 0)
			continue;
		char label[64];
		if (w == 0)
			snprintf(label, sizeof label, "log core, %s", human((double)d->core_n, a, sizeof a));
		else
			snprintf(label, sizeof label, "last HTTP ingest run");
		fprintf(f, "| %s | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", label, n,
			num("%s.body_bytes_mean", p), num("%s.bytes_per_entry", p), num("%s.entries_bytes", p) / n,
			num("%s.tiles_bytes", p) / n, num("%s.leaves_bytes", p) / n, num("%s.by_hash_bytes", p) / n,
			num("%s.by_key_bytes", p) / n, num("%s.free_and_meta_bytes", p) / n);
	}
	fprintf(f, "\nPer-database columns are bytes per entry of LMDB pages in use; bytes/entry is the data file's "
		   "allocated size over the entry count.\n\n");
	fprintf(f, "![ingest latency](ingest-latency.svg) ![proof time](proof-time.svg)\n\n");
	fprintf(f, "Load average at the start of each phase: ");
	int first = 1;
	for (size_t i = 0; i < nkv; i++) {
		if (strncmp(kvs[i].key, "load.", 5) == 0) {
			fprintf(f, "%s%s %s", first ? "" : ", ", kvs[i].key + 5, kvs[i].val);
			first = 0;
		}
	}
	fprintf(f, ". All figures: `latest.json`.\n");
	fclose(f);
}

/* --- SVG -------------------------------------------------------------------------- */

typedef struct plot {
	FILE *f;
	double x0, x1, y0, y1; /* data range (log10 already applied where logarithmic) */
	double L, R, T, B;     /* plot area in pixels */
} plot;

static double px(const plot *p, double x)
{
	return p->L + (x - p->x0) / (p->x1 - p->x0) * (p->R - p->L);
}

static double py(const plot *p, double y)
{
	return p->B - (y - p->y0) / (p->y1 - p->y0) * (p->B - p->T);
}

static void svg_begin(plot *p, const char *path, const char *title, const char *xlabel, const char *ylabel)
{
	p->f = fopen(path, "w");
	if (!p->f)
		bench_die("cannot write a plot");
	p->L = 70;
	p->R = 600;
	p->T = 40;
	p->B = 330;
	fprintf(p->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"380\" "
		      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"640\" height=\"380\" fill=\"white\"/>\n");
	fprintf(p->f, "<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">%s</text>\n", title);
	fprintf(p->f, "<text x=\"%.0f\" y=\"370\" text-anchor=\"middle\">%s</text>\n", (p->L + p->R) / 2, xlabel);
	fprintf(p->f, "<text x=\"16\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.0f)\">%s</text>\n",
		(p->T + p->B) / 2, (p->T + p->B) / 2, ylabel);
	fprintf(p->f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n", p->L,
		p->T, p->R - p->L, p->B - p->T);
}

static void svg_xtick(plot *p, double x, const char *label)
{
	fprintf(p->f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n", px(p, x), p->T, px(p, x), p->B);
	fprintf(p->f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", px(p, x), p->B + 16, label);
}

static void svg_ytick(plot *p, double y, const char *label)
{
	fprintf(p->f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", p->L, py(p, y), p->R, py(p, y));
	fprintf(p->f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", p->L - 6, py(p, y) + 4, label);
}

static void svg_series(plot *p, const double *x, const double *y, int n, const char *color, const char *name, int slot)
{
	fprintf(p->f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
	for (int i = 0; i < n; i++)
		if (isfinite(y[i]))
			fprintf(p->f, "%.1f,%.1f ", px(p, x[i]), py(p, y[i]));
	fprintf(p->f, "\"/>\n");
	for (int i = 0; i < n; i++)
		if (isfinite(y[i]))
			fprintf(p->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", px(p, x[i]), py(p, y[i]), color);
	double ly = p->T + 16 + 16 * slot;
	fprintf(p->f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\"/>\n", p->L + 10, ly - 4,
		p->L + 30, ly - 4, color);
	fprintf(p->f, "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n", p->L + 36, ly, name);
}

static void svg_end(plot *p)
{
	fprintf(p->f, "</svg>\n");
	fclose(p->f);
}

static void plot_ingest(const derived *d, const char *path)
{
	if (d->nconns == 0)
		return;
	double x[16], y[3][16], lo = INFINITY, hi = -INFINITY;
	static const char *const q[3] = {"p50_ms", "p99_ms", "p999_ms"};
	for (int i = 0; i < d->nconns; i++) {
		x[i] = log2(d->conns[i]);
		for (int s = 0; s < 3; s++) {
			double v = num("ingest.c%d.%s", d->conns[i], q[s]);
			y[s][i] = v > 0 ? log10(v) : NAN;
			if (isfinite(y[s][i])) {
				lo = fmin(lo, y[s][i]);
				hi = fmax(hi, y[s][i]);
			}
		}
	}
	if (!isfinite(lo))
		return;
	plot p;
	svg_begin(&p, path, "cairnd ingest latency (entries/s at each point)", "connections", "latency, ms (log scale)");
	p.x0 = x[0] - 0.5;
	p.x1 = x[d->nconns - 1] + 0.5;
	p.y0 = floor(fmin(lo, log10(50)));
	p.y1 = ceil(fmax(hi, log10(50)) + 0.3);
	for (int i = 0; i < d->nconns; i++) {
		char l[16];
		snprintf(l, sizeof l, "%d", d->conns[i]);
		svg_xtick(&p, x[i], l);
	}
	for (double e = p.y0; e <= p.y1 + 1e-9; e += 1) {
		char l[16];
		snprintf(l, sizeof l, "%g", pow(10, e));
		svg_ytick(&p, e, l);
	}
	fprintf(p.f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>\n", p.L,
		py(&p, log10(50)), p.R, py(&p, log10(50)));
	fprintf(p.f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#c00\">p99 goal at 64: 50 ms</text>\n", p.R - 4,
		py(&p, log10(50)) - 4);
	svg_series(&p, x, y[0], d->nconns, "#2a7", "p50", 0);
	svg_series(&p, x, y[1], d->nconns, "#e80", "p99", 1);
	svg_series(&p, x, y[2], d->nconns, "#a3c", "p99.9", 2);
	for (int i = 0; i < d->nconns; i++)
		if (isfinite(y[2][i]))
			fprintf(p.f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#333\">%.0f/s</text>\n", px(&p, x[i]),
				py(&p, y[2][i]) - 10, num("ingest.c%d.per_s", d->conns[i]));
	svg_end(&p);
}

static void plot_proofs(const derived *d, const char *path)
{
	if (d->nsizes == 0)
		return;
	double x[8], y[2][8], hi = 0;
	for (int i = 0; i < d->nsizes; i++) {
		x[i] = log10((double)d->sizes[i]);
		y[0][i] = num("proofs.n%llu.inclusion_cpu_p50_us", (unsigned long long)d->sizes[i]);
		y[1][i] = num("proofs.n%llu.consistency_cpu_p50_us", (unsigned long long)d->sizes[i]);
		for (int s = 0; s < 2; s++)
			if (isfinite(y[s][i]))
				hi = fmax(hi, y[s][i]);
	}
	plot p;
	svg_begin(&p, path, "proof generation time (log core, no HTTP)", "tree size (log scale)", "CPU µs per proof (median)");
	p.x0 = floor(x[0]) - 0.3;
	p.x1 = ceil(x[d->nsizes - 1]) + 0.3;
	double step = pow(10, floor(log10(hi > 0 ? hi : 1)));
	if (hi / step < 3)
		step /= 2;
	p.y0 = 0;
	p.y1 = step * ceil(hi * 1.15 / step);
	for (double e = ceil(p.x0); e <= p.x1; e += 1) {
		char l[16];
		human(pow(10, e), l, sizeof l);
		svg_xtick(&p, e, l);
	}
	for (double v = 0; v <= p.y1 + 1e-9; v += step) {
		char l[16];
		snprintf(l, sizeof l, "%g", v);
		svg_ytick(&p, v, l);
	}
	svg_series(&p, x, y[0], d->nsizes, "#27c", "inclusion", 0);
	svg_series(&p, x, y[1], d->nsizes, "#e80", "consistency", 1);
	svg_end(&p);
}

/* --- JSON ------------------------------------------------------------------------- */

static void write_json(const derived *d, const char *path)
{
	json_t *root = json_object();
	for (size_t i = 0; i < nkv; i++) {
		double v;
		json_t *j;
		if (!is_number(kvs[i].val, &v))
			j = json_string(kvs[i].val);
		else if (v == floor(v) && fabs(v) < 9e15)
			j = json_integer((json_int_t)v);
		else
			j = json_real(v);
		set_path(root, kvs[i].key, j);
	}
	double ing = num("ingest.c64.per_s"), p99 = num("ingest.c64.p99_ms");
	json_t *h = json_object();
	json_object_set_new(h, "ingest_ratio_c64", jnum(ing / d->verify));
	json_object_set_new(h, "ingest_p99_ms_c64", jnum(p99));
	json_object_set_new(h, "tile_ratio", jnum(d->tile_ratio));
	json_object_set_new(h, "tiles_cairnd_per_s", jnum(d->tiles_cairnd));
	json_object_set_new(h, "tiles_nginx_per_s", jnum(d->tiles_nginx));
	json_object_set_new(h, "core_append_leaves_per_s", jnum(d->core_leaves));
	json_object_set_new(h, "core_append_ceiling", jnum(d->core_ceiling));
	json_object_set_new(h, "core_append_fraction", jnum(d->core_fraction));
	json_object_set_new(h, "proof_time_ratio", jnum(d->proof_ratio));
	json_object_set_new(h, "proof_time_mean_ratio", jnum(d->proof_mean_ratio));
	json_object_set_new(h, "consistency_time_ratio", jnum(d->consistency_ratio));
	json_object_set_new(h, "disk_bytes_per_entry", jnum(d->disk_entry));
	json_object_set_new(h, "disk_goal_bytes", jnum(d->disk_goal));
	json_t *ratios = json_object();
	for (int i = 0; i < d->nconns; i++) {
		char k[16];
		snprintf(k, sizeof k, "c%d", d->conns[i]);
		json_object_set_new(ratios, k, jnum(num("ingest.c%d.per_s", d->conns[i]) / d->verify));
	}
	json_object_set_new(h, "ingest_ratio", ratios);
	json_object_set_new(root, "headline", h);
	json_t *g = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ingest_ratio_c64", ">= 0.6", "ingest_p99_ms_c64", "<= 50",
			      "tile_ratio", ">= 0.8", "core_append_fraction", ">= 0.5", "proof_time_ratio", "<= 1.3 (medians)",
			      "disk_bytes_per_entry", "<= 1.3 * body + 100");
	json_object_set_new(root, "goals", g);
	json_t *met = json_object();
	json_object_set_new(met, "ingest_ratio_c64", json_boolean(ing / d->verify >= 0.6));
	json_object_set_new(met, "ingest_p99_ms_c64", json_boolean(p99 <= 50));
	json_object_set_new(met, "tile_ratio", json_boolean(d->tile_ratio >= 0.8));
	json_object_set_new(met, "core_append_fraction", json_boolean(d->core_fraction >= 0.5));
	json_object_set_new(met, "proof_time_ratio", json_boolean(d->proof_ratio <= 1.3));
	json_object_set_new(met, "disk_bytes_per_entry", json_boolean(d->disk_entry <= d->disk_goal));
	json_object_set_new(root, "met", met);
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0)
		bench_die("cannot write latest.json");
	json_decref(root);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-report RESULTS.kv OUTDIR\n");
		return 2;
	}
	load(argv[1]);
	derived d = {0};
	derive(&d);
	char path[4096];
	snprintf(path, sizeof path, "%s/latest.json", argv[2]);
	write_json(&d, path);
	snprintf(path, sizeof path, "%s/latest.md", argv[2]);
	write_md(&d, path);
	snprintf(path, sizeof path, "%s/ingest-latency.svg", argv[2]);
	plot_ingest(&d, path);
	snprintf(path, sizeof path, "%s/proof-time.svg", argv[2]);
	plot_proofs(&d, path);
	return 0;
}
