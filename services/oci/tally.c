/*
 * tally: an example Tandem OCI service. A static HTTP/1.1 server (no libc features beyond sockets) that answers
 * POST <path> with a tandem-v1 response for the canonical request {"method":…,"params":…} it receives:
 *
 *   sum   {"numbers":[int,…]}  -> {"result":{"count":N,"sum":S}}
 *   echo  any                  -> {"result":<params>}
 *   other                      -> {"error":{"code":-1,"message":"unknown method"}}
 *
 * Built with -DTALLY_LIE it is the lying variant used by tests: every sum is off by one.
 * Each connection is served by its own process (keep-alive); the container's pids limit bounds them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)
#define MAX_RESPONSE (MAX_REQUEST + 256)

static char in[MAX_REQUEST + 8192];
static char out[MAX_RESPONSE];

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int reply(int fd, int status, const char *body, size_t len) {
  char head[160];
  int h = snprintf(head, sizeof head,
      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
      status, status == 200 ? "OK" : "Bad Request", len);
  if (write_all(fd, head, (size_t)h) < 0) return -1;
  return write_all(fd, body, len);
}

/* The value of "params" in a canonical request: keys are sorted, so it is the last member. */
static const char *params_of(const char *body, size_t len, size_t *plen) {
  const char *p = strstr(body, "\"params\":");
  if (p == NULL || len < 2 || body[len - 1] != '}') return NULL;
  p += 9;
  *plen = (size_t)(body + len - 1 - p);
  return p;
}

static size_t answer(const char *body, size_t len) {
  size_t plen;
  const char *params = params_of(body, len, &plen);
  if (params == NULL) {
    return (size_t)snprintf(out, sizeof out, "{\"error\":{\"code\":-2,\"message\":\"bad request\"}}");
  }
  if (strncmp(body, "{\"method\":\"echo\",", 17) == 0) {
    memcpy(out, "{\"result\":", 10);
    memcpy(out + 10, params, plen);
    out[10 + plen] = '}';
    return 11 + plen;
  }
  if (strncmp(body, "{\"method\":\"sum\",", 16) == 0) {
    const char *n = strstr(params, "\"numbers\":[");
    if (n == NULL) {
      return (size_t)snprintf(out, sizeof out,
          "{\"error\":{\"code\":-3,\"message\":\"params.numbers must be an array of integers\"}}");
    }
    n += 11;
    long long sum = 0, count = 0;
    while (*n != ']' && n < params + plen) {
      char *end;
      long long v = strtoll(n, &end, 10);
      if (end == n) {
        return (size_t)snprintf(out, sizeof out,
            "{\"error\":{\"code\":-3,\"message\":\"params.numbers must be an array of integers\"}}");
      }
      sum += v;
      count++;
      n = end;
      if (*n == ',') n++;
    }
#ifdef TALLY_LIE
    sum += 1;
#endif
    return (size_t)snprintf(out, sizeof out, "{\"result\":{\"count\":%lld,\"sum\":%lld}}", count, sum);
  }
  return (size_t)snprintf(out, sizeof out, "{\"error\":{\"code\":-1,\"message\":\"unknown method\"}}");
}

/* Serves one connection until the peer closes it. */
static void serve(int fd) {
  size_t have = 0;
  for (;;) {
    char *end = NULL;
    while ((end = memmem(in, have, "\r\n\r\n", 4)) == NULL) {
      if (have >= sizeof in) return;
      ssize_t r = read(fd, in + have, sizeof in - have);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return;
      have += (size_t)r;
    }
    size_t head_len = (size_t)(end + 4 - in);
    size_t body_len = 0;
    for (char *line = in; line < end; line++) {
      if ((line == in || line[-1] == '\n') && strncasecmp(line, "Content-Length:", 15) == 0) {
        body_len = strtoul(line + 15, NULL, 10);
      }
    }
    if (body_len > MAX_REQUEST) {
      reply(fd, 400, "{}", 2);
      return;
    }
    while (have < head_len + body_len) {
      ssize_t r = read(fd, in + have, head_len + body_len - have);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return;
      have += (size_t)r;
    }
    char saved = in[head_len + body_len];
    in[head_len + body_len] = '\0';
    size_t n = strncmp(in, "POST ", 5) == 0 ? answer(in + head_len, body_len) : 0;
    in[head_len + body_len] = saved;
    if (n == 0) {
      n = (size_t)snprintf(out, sizeof out, "{\"ready\":true}");
    }
    if (reply(fd, 200, out, n) < 0) return;
    memmove(in, in + head_len + body_len, have - head_len - body_len);
    have -= head_len + body_len;
  }
}

static void on_term(int sig) {
  (void)sig;
  _exit(0); /* as PID 1 in a container there is no default action: stop at once when asked */
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 8080;
  signal(SIGTERM, on_term);
  signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
  signal(SIGPIPE, SIG_IGN);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 64) < 0) {
    perror("tally: listen");
    return 1;
  }
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pid_t pid = fork();
    if (pid == 0) {
      close(s);
      serve(c);
      _exit(0);
    }
    close(c);
  }
}
