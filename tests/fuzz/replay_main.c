/*
 * replay_main.c - a deterministic stand-in for libFuzzer's main().
 *
 *   fuzz_NAME [-n N] [-d DICT] PATH...
 *
 * Every file named, and every file directly inside a directory named, is a
 * seed. Each seed goes to LLVMFuzzerTestOneInput as it is, then N mutants of
 * it (default 2000): bit flips, byte inserts and deletes, dictionary tokens
 * spliced in, chunks copied around or taken from another seed, truncation.
 * The mutants come from an xorshift generator seeded from the seed's bytes
 * and the mutant's index, so a run is the same on every machine and in
 * every order.
 *
 * This is not a fuzzer: without coverage feedback it reaches only what lies
 * a few mutations from a seed. It is here so that every build (gcc, and
 * ASan+UBSan under `make test`) runs each harness on its corpus and a cloud
 * of near misses in seconds: the harnesses keep compiling, the seeds keep
 * passing, and shallow bugs next to them show up in CI instead of waiting
 * for someone to run libFuzzer.
 *
 * An input that crashes (an invariant's abort, or a sanitizer report) is
 * written to ./crash-replay-<hash> before the process dies, so it can be
 * replayed alone (`fuzz_NAME -n 0 crash-replay-<hash>`) or copied into the
 * corpus as a regression seed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_DEFAULT_RUNS 2000
#define REPLAY_GROWTH 256    /* a mutant is at most this much longer than its seed */
#define REPLAY_TOKEN_MAX 64  /* libFuzzer's limit on a dictionary entry */
#define REPLAY_CHUNK_MAX 64  /* longest chunk copied within or between inputs */

/* Both are optional in a harness; weak so that a harness may leave them out
 * and so that the sanitizer hook is simply absent in a plain build. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
const char *__ubsan_default_options(void);

/* gcc links UBSan as a runtime of its own, whose death callbacks are not
 * ASan's: have it abort instead, which the SIGABRT handler sees. (Options
 * in UBSAN_OPTIONS still win.) */
const char *__ubsan_default_options(void)
{
	return "abort_on_error=1:print_stacktrace=1";
}

struct blob {
	char *name;
	uint8_t *data;
	size_t len;
};

struct blobs {
	struct blob *v;
	size_t n, cap;
};

/* The input in flight, for the crash paths (read from a signal handler). */
static const uint8_t *volatile cur_data;
static volatile size_t cur_len;
static const char *volatile cur_seed;
static volatile long cur_mutant;
static volatile sig_atomic_t cur_saved;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	return p;
}

static void blobs_push(struct blobs *b, char *name, uint8_t *data, size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		if (!b->v) {
			fprintf(stderr, "replay: out of memory\n");
			exit(2);
		}
	}
	b->v[b->n++] = (struct blob){ name, data, len };
}

static void blobs_free(struct blobs *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].name);
		free(b->v[i].data);
	}
	free(b->v);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* --------------------------------------------------------------- crashes -- */

/* Only async-signal-safe calls from here on: this runs from a signal
 * handler or from a sanitizer's death callback. */
static void say(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void replay_save_current(void)
{
	static const char hex[] = "0123456789abcdef";
	char path[32] = "crash-replay-", num[24];
	const uint8_t *p = cur_data;
	size_t left = cur_len, i;
	uint64_t h;
	long m = cur_mutant;
	int fd;

	if (cur_saved || !p)
		return;
	cur_saved = 1;
	h = fnv1a(p, left);
	for (i = 0; i < 16; i++)
		path[13 + i] = hex[(h >> (60 - 4 * i)) & 15];
	path[29] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (fd >= 0 && left > 0) {
		ssize_t w = write(fd, p, left);

		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	if (fd >= 0)
		close(fd);

	say("replay: the failing input (");
	say(cur_seed ? cur_seed : "?");
	if (m >= 0) {
		i = sizeof(num) - 1;
		num[i] = '\0';
		do {
			num[--i] = (char)('0' + m % 10);
			m /= 10;
		} while (m > 0 && i > 0);
		say(", mutant ");
		say(num + i);
	} else {
		say(", as it is");
	}
	say(fd >= 0 && left == 0 ? ") is saved as ./" : ") could not be saved as ./");
	say(path);
	say("\n");
}

static void replay_on_signal(int sig)
{
	replay_save_current();
	/* SA_RESETHAND put the default action back: die of the same signal. */
	raise(sig);
}

static void replay_install_crash_hooks(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = replay_on_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	/* abort() is how an invariant fails. */
	sigaction(SIGABRT, &sa, NULL);
	if (__sanitizer_set_death_callback) {
		/* The sanitizer reports faults itself (and better); taking its
		 * SIGSEGV would hide the report. It calls us before it exits. */
		__sanitizer_set_death_callback(replay_save_current);
		return;
	}
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}

/* ----------------------------------------------------------------- input -- */

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return -errno;
	do {
		if (n == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_seed_file(struct blobs *seeds, const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = read_file(path, &data, &len);

	if (rc < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
		exit(2);
	}
	blobs_push(seeds, strdup(path), data, len);
}

/* A directory's regular files, in name order so that runs are comparable;
 * dot files (editor leftovers, .gitignore) are not seeds. */
static void add_seed_dir(struct blobs *seeds, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	while ((de = readdir(d))) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			exit(2);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				exit(2);
		}
		names[n++] = path;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		add_seed_file(seeds, names[i]);
		free(names[i]);
	}
	free(names);
}

/* libFuzzer's dictionary format: one entry per line, `name="value"` or
 * `"value"`, escapes \\ \" and \xHH; '#' starts a comment line. */
static void load_dict(struct blobs *dict, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		uint8_t tok[REPLAY_TOKEN_MAX], *copy;
		size_t n = 0;
		char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		p = strchr(p, '"');
		if (!p)
			goto bad;
		for (p++; *p && *p != '"'; p++) {
			unsigned v;

			if (n == sizeof(tok))
				goto bad;
			if (*p != '\\') {
				tok[n++] = (uint8_t)*p;
				continue;
			}
			p++;
			if (*p == '\\' || *p == '"') {
				tok[n++] = (uint8_t)*p;
			} else if (*p == 'x' && sscanf(p + 1, "%2x", &v) == 1 &&
				   p[1] && p[2] && p[2] != '"') {
				tok[n++] = (uint8_t)v;
				p += 2;
			} else {
				goto bad;
			}
		}
		if (*p != '"' || n == 0)
			goto bad;
		copy = xmalloc(n);
		memcpy(copy, tok, n);
		blobs_push(dict, NULL, copy, n);
		continue;
bad:
		fprintf(stderr, "replay: %s:%d: not a dictionary entry\n", path, lineno);
		exit(2);
	}
	fclose(f);
}

/* ---------------------------------------------------------------- mutate -- */

struct mutant {
	uint8_t *buf;
	size_t len, cap;
	uint64_t rng;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Uniform enough in [0, n); 0 when n is 0. */
static size_t rng_below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rng_next(s) % n) : 0;
}

static void mut_insert(struct mutant *m, size_t at, const uint8_t *src, size_t n)
{
	if (n > m->cap - m->len)
		n = m->cap - m->len;
	memmove(m->buf + at + n, m->buf + at, m->len - at);
	memcpy(m->buf + at, src, n);
	m->len += n;
}

static void mut_delete(struct mutant *m, size_t at, size_t n)
{
	if (n > m->len - at)
		n = m->len - at;
	memmove(m->buf + at, m->buf + at + n, m->len - at - n);
	m->len -= n;
}

/* Bytes that sit on boundaries: sizes, signs, terminators, quotes. */
static const uint8_t interesting[] = {
	0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, '\n', '"', '\'', '\\', '{', '}', '0', '9', '.', '-',
};

static void mutate_once(struct mutant *m, const struct blobs *dict, const struct blobs *seeds)
{
	uint64_t *r = &m->rng;
	size_t at = rng_below(r, m->len + 1), n;
	uint8_t tmp[REPLAY_CHUNK_MAX], b;
	const struct blob *src;

	switch (rng_below(r, 9)) {
	case 0: /* flip one bit */
		if (m->len)
			m->buf[rng_below(r, m->len)] ^= (uint8_t)(1u << rng_below(r, 8));
		break;
	case 1: /* overwrite a byte with a boundary value */
		if (m->len)
			m->buf[rng_below(r, m->len)] = interesting[rng_below(r, sizeof(interesting))];
		break;
	case 2: /* insert a byte, random or interesting */
		b = rng_below(r, 2) ? (uint8_t)rng_next(r)
				    : interesting[rng_below(r, sizeof(interesting))];
		mut_insert(m, at, &b, 1);
		break;
	case 3: /* delete a few bytes */
		mut_delete(m, at, 1 + rng_below(r, 8));
		break;
	case 4: /* insert a dictionary token */
	case 5: /* or write one over what is there */
		if (!dict->n)
			break;
		src = &dict->v[rng_below(r, dict->n)];
		if ((rng_next(r) & 1) && at < m->len)
			mut_delete(m, at, src->len);
		mut_insert(m, at, src->data, src->len);
		break;
	case 6: /* copy a chunk of the input somewhere else in it */
		if (!m->len)
			break;
		n = 1 + rng_below(r, m->len < REPLAY_CHUNK_MAX ? m->len : REPLAY_CHUNK_MAX);
		memcpy(tmp, m->buf + rng_below(r, m->len - n + 1), n);
		mut_insert(m, at, tmp, n);
		break;
	case 7: /* splice in a chunk of another seed */
		src = &seeds->v[rng_below(r, seeds->n)];
		if (!src->len)
			break;
		n = 1 + rng_below(r, src->len < REPLAY_CHUNK_MAX ? src->len : REPLAY_CHUNK_MAX);
		mut_insert(m, at, src->data + rng_below(r, src->len - n + 1), n);
		break;
	case 8: /* cut it short */
		m->len = at;
		break;
	}
}

/* ------------------------------------------------------------------- run -- */

/* Each input in a buffer of exactly its size, as libFuzzer does, so that
 * ASan catches a harness or parser reading one byte too far. */
static void run_one(const char *seed, long mutant, const uint8_t *data, size_t len)
{
	uint8_t *copy = xmalloc(len);

	memcpy(copy, data, len);
	cur_seed = seed;
	cur_mutant = mutant;
	cur_len = len;
	cur_data = copy;
	LLVMFuzzerTestOneInput(copy, len);
	cur_data = NULL;
	free(copy);
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s [-n N] [-d DICT] FILE|DIR...\n"
		   "  run each seed, then N deterministic mutants of it (default %d)\n",
		argv0, REPLAY_DEFAULT_RUNS);
}

int main(int argc, char **argv)
{
	struct blobs seeds = { 0 }, dict = { 0 };
	struct timespec t0, t1;
	long runs = REPLAY_DEFAULT_RUNS, total = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:d:h")) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			errno = 0;
			runs = strtol(optarg, &end, 10);
			if (errno || *end || runs < 0) {
				fprintf(stderr, "%s: -n wants a count, got '%s'\n", argv[0], optarg);
				return 2;
			}
			break;
		case 'd':
			load_dict(&dict, optarg);
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		if (S_ISDIR(st.st_mode))
			add_seed_dir(&seeds, argv[i]);
		else
			add_seed_file(&seeds, argv[i]);
	}
	/* An empty corpus would make this test pass on nothing. */
	if (!seeds.n) {
		fprintf(stderr, "replay: no seeds found\n");
		return 2;
	}

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	replay_install_crash_hooks();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t s = 0; s < seeds.n; s++) {
		const struct blob *seed = &seeds.v[s];
		struct mutant m;

		run_one(seed->name, -1, seed->data, seed->len);
		total++;
		m.cap = seed->len + REPLAY_GROWTH;
		m.buf = xmalloc(m.cap);
		for (long i = 0; i < runs; i++) {
			unsigned steps;

			/* Mutant i depends on nothing but the seed's bytes and i. */
			m.rng = fnv1a(seed->data, seed->len) ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
			if (!m.rng)
				m.rng = 1;
			memcpy(m.buf, seed->data, seed->len);
			m.len = seed->len;
			/* Mostly one or two edits: near misses of a valid input
			 * get further into a parser than noise does. */
			steps = 1 + (unsigned)rng_below(&m.rng, 3);
			if (rng_below(&m.rng, 8) == 0)
				steps += 4;
			while (steps--)
				mutate_once(&m, &dict, &seeds);
			run_one(seed->name, i, m.buf, m.len);
			total++;
		}
		free(m.buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %zu seeds, %ld inputs in %.2f s\n", argv[0], seeds.n, total,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	blobs_free(&seeds);
	blobs_free(&dict);
	return 0;
}
