/*
 * jobs_url.h - what a worker's --input names, parsed: a spool directory
 * (any path) or a Redis list (redis://...). See jobs.h for the queues.
 *
 *   redis://[[USER]:PASSWORD@]HOST[:PORT]/[DB/]KEY[?lease=S&timeout=S]
 *
 * HOST is a name, an IPv4 address or [an IPv6 address]; PORT defaults to
 * 6379, DB to 0. KEY is the rest of the path: "/jobs" is key "jobs" in
 * database 0, "/2/jobs" key "jobs" in database 2, "/a/b" key "a/b". The
 * password may also come from REDISCLI_AUTH (redis-cli's variable), so it
 * need not sit in a process list. `lease` (default 60 s) is how long a
 * worker's claims stay its own without a sign of life (see jobs.h);
 * `timeout` (default 10 s) how long one command may take before the
 * connection is given up (and made again at the next call).
 * rediss:// (TLS) and unix sockets are refused as not supported.
 */
#ifndef SCALED_JOBS_URL_H
#define SCALED_JOBS_URL_H

#define JOBS_REDIS_PORT 6379
#define JOBS_REDIS_LEASE_MS 60000
#define JOBS_REDIS_TIMEOUT_MS 10000

struct redis_url {
	char host[256];
	int port;
	int db;
	char user[128];      /* empty: none */
	char password[256];  /* empty: none (after REDISCLI_AUTH) */
	char key[512];
	long lease_ms;
	long timeout_ms;
	char shown[1024];    /* the URL for messages, password left out */
};

/* Is `s` a URL (has "scheme://") rather than a path? */
int jobs_is_url(const char *s);

/* Parse a redis:// URL. Errors name the URL (password left out) and the
 * part that is wrong. */
int jobs_redis_url_parse(const char *url, struct redis_url *u, char **errmsg);

#endif
