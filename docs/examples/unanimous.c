// unanimous: a verifier that accepts only when every response is identical, and wants 2 of them.
//   input  {"requests":[...],"responses":[{"response":R,"server":"..."},...]}   (canonical)
//   output {"accepted":0,"faulty":[],"verdict":"accept"} when all R are equal, else "conflict";
//          "insufficient" with fewer than 2 responses
// Build: clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all -o unanimous.wasm unanimous.c
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;
static uintptr_t heap_top;

static char *alloc(uint32_t n) {
  if (heap_top == 0) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 7) & ~(uintptr_t)7;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (p + n > have && __builtin_wasm_memory_grow(0, (p + n - have + 65535) / 65536) == (uintptr_t)-1)
    __builtin_trap();
  heap_top = p + n;
  return (char *)p;
}

EXPORT("tandem_alloc") char *tandem_alloc(int32_t len) { return alloc((uint32_t)len); }

EXPORT("minRequests") int32_t min_requests(void) { return 2; }

// Skips one JSON value (the input is well-formed: the host parsed and canonicalized it).
static const char *skip(const char *p, const char *end) {
  int depth = 0;
  do {
    if (p >= end) return end;
    char c = *p++;
    if (c == '"') {
      while (p < end && *p != '"') p += (*p == '\\') ? 2 : 1;
      p++;
    } else if (c == '[' || c == '{') {
      depth++;
    } else if (c == ']' || c == '}') {
      depth--;
    } else if (depth == 0) {
      while (p < end && *p != ',' && *p != ']' && *p != '}') p++;
    }
  } while (depth > 0);
  return p;
}

// If p starts with the literal s, returns the position after it, else 0.
static const char *expect(const char *p, const char *end, const char *s) {
  for (; *s; s++, p++)
    if (p >= end || *p != *s) return 0;
  return p;
}

static int same(const char *a, const char *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static uint64_t answer(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return ((uint64_t)(uintptr_t)s << 32) | n;
}

EXPORT("verify") uint64_t verify(const char *in, int32_t len) {
  const char *end = in + len, *p = in + 1, *q;
  if ((q = expect(p, end, "\"requests\":"))) p = skip(q, end) + 1;  // canonical order: requests first
  if (!(p = expect(p, end, "\"responses\":[")))
    return answer("{\"error\":{\"code\":-32602,\"message\":\"no responses array\"}}");
  const char *first = 0;
  uint32_t first_len = 0, count = 0;
  int agree = 1;
  while (*p == '{') {
    if (!(p = expect(p, end, "{\"response\":")))
      return answer("{\"error\":{\"code\":-32602,\"message\":\"each entry needs a response\"}}");
    const char *r = p;
    p = skip(p, end);
    uint32_t n = (uint32_t)(p - r);
    if (count++ == 0) {
      first = r;
      first_len = n;
    } else if (n != first_len || !same(r, first, n)) {
      agree = 0;
    }
    while (p < end && *p != '}') p = skip(p + 1, end);  // the other members of the entry
    p += (p + 1 < end && p[1] == ',') ? 2 : 1;
  }
  if (count < 2) return answer("{\"accepted\":null,\"faulty\":[],\"verdict\":\"insufficient\"}");
  if (!agree) return answer("{\"accepted\":null,\"faulty\":[],\"verdict\":\"conflict\"}");
  return answer("{\"accepted\":0,\"faulty\":[],\"verdict\":\"accept\"}");
}
