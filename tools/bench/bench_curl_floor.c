/*
 * bench_curl_floor.c - the least memory a client built on libcurl (the
 * project's HTTP library) holds: curl_global_init, one easy handle, twenty
 * small POSTs to URL, then its peak RSS (VmHWM) and how much of that is the
 * shared libraries' pages (RssFile) and its own (RssAnon), in KiB.
 *
 * tools/bench/aws_cycle.py runs it against the same moto to say what RSS
 * ratio any libcurl client could reach. A benchmark: prints, asserts
 * nothing.
 *
 *   build/tools/bench/bench_curl_floor URL
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, len) && line[len] == ':')
			sscanf(line + len + 1, "%ld", &v);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	CURL *c;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_curl_floor URL\n");
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c = curl_easy_init())) {
		fprintf(stderr, "bench_curl_floor: libcurl would not start\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "Action=ListQueues");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	for (i = 0; i < 20; i++)
		if (curl_easy_perform(c) != CURLE_OK) {
			fprintf(stderr, "bench_curl_floor: %s: request failed\n", argv[1]);
			return 1;
		}
	printf("%ld %ld %ld\n", status_kib("VmHWM"), status_kib("RssFile"), status_kib("RssAnon"));
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}
