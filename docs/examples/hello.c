// hello: a tandem-v1 service in freestanding C (no libc, no imports).
//   {"method":"hello","params":P}  ->  {"result":{"hello":P}}
//   any other method               ->  {"error":{"code":-32601,"message":"method not found"}}
// Build: clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all -o hello.wasm hello.c
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;  // first byte after static data and the stack, set by the linker
static uintptr_t heap_top;

// A bump allocator: every call runs in a fresh instance, so nothing ever needs to be freed.
static char *alloc(uint32_t n) {
  if (heap_top == 0) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 7) & ~(uintptr_t)7;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (p + n > have && __builtin_wasm_memory_grow(0, (p + n - have + 65535) / 65536) == (uintptr_t)-1)
    __builtin_trap();  // over the memory limit: reported as "trap: memory limit exceeded"
  heap_top = p + n;
  return (char *)p;
}

static void copy(char *dst, const char *src, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
}

static uint64_t respond(const char *p, uint32_t n) { return ((uint64_t)(uintptr_t)p << 32) | n; }

// The host writes the request (len bytes) at the pointer this returns.
EXPORT("tandem_alloc") char *tandem_alloc(int32_t len) { return alloc((uint32_t)len); }

// The request is canonical JSON (RFC 8785), so a call of "hello" always starts with exactly this prefix.
static const char PREFIX[] = "{\"method\":\"hello\",\"params\":";
static const char HEAD[] = "{\"result\":{\"hello\":";
static const char NOT_FOUND[] = "{\"error\":{\"code\":-32601,\"message\":\"method not found\"}}";

EXPORT("tandem_call") uint64_t tandem_call(const char *req, int32_t len) {
  uint32_t n = sizeof PREFIX - 1, h = sizeof HEAD - 1;
  for (uint32_t i = 0; i < n; i++)
    if ((uint32_t)len <= n || req[i] != PREFIX[i]) return respond(NOT_FOUND, sizeof NOT_FOUND - 1);
  uint32_t params = (uint32_t)len - n - 1;  // what is between the prefix and the final '}'
  char *out = alloc(h + params + 2);
  copy(out, HEAD, h);
  copy(out + h, req + n, params);
  copy(out + h + params, "}}", 2);
  return respond(out, h + params + 2);
}
