/*
 * redis_server.c - a real redis-server per test (see redis_server.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "redis_server.h"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int redis_server_available(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

/* A port nobody listens on right now (the kernel's pick). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int answers_ping(const struct redis_server *s)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
	redisReply *r;
	int ok = 0;

	if (!c || c->err)
		goto out;
	r = s->password ? redisCommand(c, "AUTH %s", s->password) : NULL;
	freeReplyObject(r);
	r = redisCommand(c, "PING");
	ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
	freeReplyObject(r);
out:
	if (c)
		redisFree(c);
	return ok;
}

void redis_server_start(struct redis_server *s)
{
	char port[16], log[96];
	pid_t pid;

	if (!s->dir[0]) {
		strcpy(s->dir, "/tmp/scaled-redis.XXXXXX");
		assert_non_null(mkdtemp(s->dir));
		s->port = free_port();
	}
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(log, sizeof(log), "%s/redis.log", s->dir);
	pid_t parent = getpid();

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[24] = { "redis-server", "--port", port, "--bind", "127.0.0.1",
					 "--save", "", "--appendonly", "no", "--dir", s->dir,
					 "--logfile", log, "--daemonize", "no",
					 "--enable-debug-command", "local" };
		int argc = 17;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) /* the test died before prctl took */
			_exit(1);
		if (s->password) {
			argv[argc++] = "--requirepass";
			argv[argc++] = s->password;
		}
		argv[argc] = NULL;
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	for (int t = 0; t < 10000; t += 20) {
		if (answers_ping(s))
			return;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			s->pid = 0;
			fail_msg("redis-server exited at start; see %s", log);
		}
		nap_ms(20);
	}
	fail_msg("redis-server on port %d did not answer PING in 10 s", s->port);
}

void redis_server_stop(struct redis_server *s, int keep_dir)
{
	char cmd[128];
	int st;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int t = 0; waitpid(s->pid, &st, WNOHANG) == 0; t += 10) {
			if (t >= 5000) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &st, 0);
				break;
			}
			nap_ms(10);
		}
		s->pid = 0;
	}
	if (!keep_dir && s->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", s->dir);
		s->dir[0] = '\0';
	}
}

redisContext *redis_server_client(const struct redis_server *s)
{
	struct timeval tv = { 5, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);

	assert_non_null(c);
	assert_int_equal(c->err, 0);
	if (s->password)
		freeReplyObject(redis_cmd(c, "AUTH %s", s->password));
	return c;
}

redisReply *redis_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("redis: %s: %s", fmt, r->str);
	return r;
}

long long redis_int(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long v;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	if (r->type != REDIS_REPLY_INTEGER)
		fail_msg("redis: %s: not an integer reply (type %d)", fmt, r->type);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

int redis_base64(const void *data, size_t len, char *out, size_t cap)
{
	if ((len + 2) / 3 * 4 + 1 > cap || len > INT32_MAX)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return 0;
}
