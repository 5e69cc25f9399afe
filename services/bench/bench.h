/*
 * Harness for the benchmark kernels. A kernel file defines
 *     BENCH_NAME, BENCH_MAX_N and  static uint64_t kernel(int64_t n)
 * and includes this header last. The same source then builds two ways:
 *
 *  - Wasm (tandem-v1): method "run" with {"n":int} -> {"checksum":"16 hex digits","n":n}.
 *    The checksum is a string because a u64 does not fit a JSON number exactly.
 *  - native (gcc -O2 -DNATIVE): `./kernel n` prints the checksum and the elapsed ns,
 *    for comparing engines against the same code run directly on the CPU.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

static uint64_t kernel(int64_t n);

#ifdef NATIVE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static __attribute__((unused)) void *bench_alloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) { perror("calloc"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s n\n", argv[0]); return 2; }
    int64_t n = atoll(argv[1]);
    if (n < 0 || n > BENCH_MAX_N) { fprintf(stderr, "n must be 0..%lld\n", (long long)BENCH_MAX_N); return 2; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t r = kernel(n);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("%s n=%lld checksum=%016llx ns=%lld\n", BENCH_NAME, (long long)n, (unsigned long long)r, ns);
    return 0;
}

#else
#include "../lib/tandem.h"

static __attribute__((unused)) void *bench_alloc(size_t n) { return t_alloc(n); }

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    int64_t n;
    if (!json_str_eq(method, "run")) return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
    if (!json_int(json_get(params, "n"), &n) || n < 0 || n > BENCH_MAX_N)
        return tandem_fail(TANDEM_INVALID_PARAMS, "n must be an integer in range");
    uint64_t r = kernel(n);
    tb_puts(out, "{\"checksum\":\"");
    tb_hex64(out, r);
    tb_puts(out, "\",\"n\":");
    tb_int(out, n);
    tb_putc(out, '}');
    return 0;
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
#endif

#endif
