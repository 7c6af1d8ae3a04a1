/*
 * bench_http_floor.c - the least client CPU any HTTP client can spend on
 * one request to a server that closes every connection (moto's werkzeug
 * server does): a fresh TCP connection, one small request written in one
 * call, the answer read to the end, the socket closed. No signing, no
 * parsing, no event loop: what is left is the kernel's work on loopback
 * (the handshake, the server's packets processed in our context, the
 * close) and the wakeups while the server answers.
 *
 * tools/bench/aws_cycle.py runs it against the same moto to say what ratio
 * any client could reach. A benchmark: prints a figure, asserts nothing.
 *
 *   build/tools/bench/bench_http_floor PORT [REQUESTS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static const char request[] = "POST / HTTP/1.1\r\n"
			      "Host: 127.0.0.1\r\n"
			      "Content-Type: application/x-www-form-urlencoded\r\n"
			      "Content-Length: 17\r\n"
			      "\r\n"
			      "Action=ListQueues";

static double cpu_us(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

static int one_request(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[16384];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 0, n = argc > 2 ? atoi(argv[2]) : 300, i;
	double t0;

	if (port <= 0 || port > 65535 || n <= 0) {
		fprintf(stderr, "usage: bench_http_floor PORT [REQUESTS]\n");
		return 2;
	}
	for (i = 0; i < 10; i++) /* warm up */
		if (one_request(port) < 0) {
			perror("bench_http_floor: 127.0.0.1");
			return 1;
		}
	t0 = cpu_us();
	for (i = 0; i < n; i++)
		if (one_request(port) < 0) {
			perror("bench_http_floor: 127.0.0.1");
			return 1;
		}
	printf("%.1f\n", (cpu_us() - t0) / n);
	return 0;
}
