/*
 * sort: quicksort of n pseudo-random u32 (xorshift32 from a fixed seed), then a
 * position-weighted checksum. Branchy, memory-bound, recursive: the opposite of hash.
 */
#define BENCH_NAME "sort"
#define BENCH_MAX_N (INT64_C(1) << 24)   /* 64 MiB of keys */
#include "bench.h"

static void insertion(uint32_t *a, int64_t n) {
    for (int64_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        int64_t j = i;
        while (j > 0 && a[j - 1] > v) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

/* Hoare partition around a median of three; recursing into the smaller side keeps
 * the depth under log2(n), so the stack stays small on every engine. */
static void quicksort(uint32_t *a, int64_t n) {
    while (n > 16) {
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int64_t i = -1, j = n;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j) break;
            uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
        }
        int64_t left = j + 1;
        if (left < n - left) { quicksort(a, left); a += left; n -= left; }
        else { quicksort(a + left, n - left); n = left; }
    }
    insertion(a, n);
}

static uint64_t kernel(int64_t n) {
    uint32_t *a = (uint32_t *)bench_alloc((size_t)n * sizeof(uint32_t));
    uint32_t s = 2463534242u;
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        a[i] = s;
    }
    quicksort(a, n);
    uint64_t sum = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) return 0;   /* not sorted: a checksum no correct run gives */
        sum += (uint64_t)a[i] * (uint64_t)(i + 1);
    }
    return sum;
}
