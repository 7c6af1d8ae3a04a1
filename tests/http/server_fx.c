/*
 * server_fx.c - start and stop tests/http/server.py (server_fx.h).
 */
#include "server_fx.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int server_fx_start(struct server_fx *s)
{
	char portfile[128], buf[16];
	int in[2], i;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/scaled-http-XXXXXX");
	if (!mkdtemp(s->dir) || pipe(in) < 0)
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		execlp("python3", "python3", SCALED_HTTP_SERVER, portfile, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	s->in = in[1];
	for (i = 0; i < 200 && !s->port; i++) { /* 10 s at most */
		int fd = open(portfile, O_RDONLY);

		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			s->port = atoi(buf);
		}
		if (!s->port)
			usleep(50000);
	}
	return s->port > 0 ? 0 : -1;
}

void server_fx_stop(struct server_fx *s)
{
	char path[128];
	int status;

	if (s->in > 0)
		close(s->in);
	if (s->pid > 0)
		waitpid(s->pid, &status, 0);
	snprintf(path, sizeof(path), "%s/port", s->dir);
	unlink(path);
	rmdir(s->dir);
}
