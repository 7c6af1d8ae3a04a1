/*
 * http_retry.c - the retry rules of core/http.c (see http_retry.h, and
 * http.h for what a user gets).
 */
#include "http_retry.h"

#include <stdlib.h>
#include <string.h>

bool http_retry_default(void *arg, long status, const char *body, size_t len)
{
	(void)arg, (void)body, (void)len;
	return status == 429 || (status >= 500 && status <= 599 && status != 501);
}

bool http_retry_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

int64_t http_retry_wait(int64_t base_ms, int64_t cap_ms, int attempts, uint64_t r,
			int64_t retry_after_ms)
{
	int shift = attempts - 1 < 0 ? 0 : attempts - 1 > 20 ? 20 : attempts - 1;
	int64_t ceiling = base_ms << shift, wait;

	if (ceiling > cap_ms)
		ceiling = cap_ms;
	wait = (int64_t)(r % (uint64_t)(ceiling + 1));
	return retry_after_ms > wait ? retry_after_ms : wait;
}

int64_t http_retry_after_ms(const char *value, size_t len, time_t now)
{
	char v[128], *p, *end;
	long long s;
	time_t when;

	if (len >= sizeof(v))
		return -1;
	memcpy(v, value, len);
	v[len] = '\0';
	v[strcspn(v, "\r\n")] = '\0';
	for (p = v; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
		*(end - 1) = '\0';
	if (!*p)
		return -1;
	if (strspn(p, "0123456789") == strlen(p)) {
		s = strtoll(p, NULL, 10);
		return s > 86400 ? 86400000 : s * 1000; /* a day at most */
	}
	when = curl_getdate(p, NULL);
	if (when <= 0)
		return -1;
	return when > now ? (int64_t)(when - now) * 1000 : 0;
}
