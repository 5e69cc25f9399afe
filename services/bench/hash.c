/*
 * hash: n rounds of xorshift64 folded into an FNV-1a style hash. Pure integer
 * ALU work in one loop: measures the engine's basic code quality and the cost of
 * fuel checks at a loop header.
 */
#define BENCH_NAME "hash"
#define BENCH_MAX_N (INT64_C(1) << 40)
#include "bench.h"

static uint64_t kernel(int64_t n) {
    uint64_t x = 0x9E3779B97F4A7C15ull, h = 0xcbf29ce484222325ull;
    for (int64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        h = (h ^ x) * 0x100000001b3ull;
    }
    return h;
}
