// hello-wasi: the hello service as a WASI command. The request comes on stdin, the response goes to stdout,
// and the exit code must be 0. stderr is kept in the node's logs, never in the response.
//   {"method":"hello","params":P}  ->  {"result":{"hello":P}}
// Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -s -o hello-wasi.wasm hello-wasi.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t cap = 4096, len = 0, got;
  char *req = malloc(cap);
  while ((got = fread(req + len, 1, cap - len, stdin)) > 0) {
    len += got;
    if (len == cap) req = realloc(req, cap *= 2);
  }
  // The request is canonical JSON (RFC 8785), so a call of "hello" always starts with exactly this prefix.
  const char *prefix = "{\"method\":\"hello\",\"params\":";
  size_t n = strlen(prefix);
  if (len <= n || memcmp(req, prefix, n) != 0) {
    fputs("{\"error\":{\"code\":-32601,\"message\":\"method not found\"}}", stdout);
    return 0;
  }
  printf("{\"result\":{\"hello\":%.*s}}", (int)(len - n - 1), req + n);
  fprintf(stderr, "said hello to %d bytes of params\n", (int)(len - n - 1));
  return 0;
}
