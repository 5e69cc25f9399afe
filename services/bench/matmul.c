/*
 * matmul: n x n double matrix product (i-k-j order). The inputs are small multiples
 * of 1/8 and 1/4, so every sum is exact in a double and the result does not depend
 * on the order of additions: the checksum, the wrapping sum of the result's bit
 * patterns, is the same natively and on every engine.
 */
#define BENCH_NAME "matmul"
#define BENCH_MAX_N 1024
#include "bench.h"

static uint64_t kernel(int64_t n) {
    size_t nn = (size_t)n * (size_t)n;
    double *a = (double *)bench_alloc(nn * sizeof(double));
    double *b = (double *)bench_alloc(nn * sizeof(double));
    double *c = (double *)bench_alloc(nn * sizeof(double));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 31 + j * 17) % 101) / 8.0;
            b[i * n + j] = (double)((i * 13 + j * 7) % 97) / 4.0;
        }
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < n; k++) {
            double x = a[i * n + k];
            for (int64_t j = 0; j < n; j++) c[i * n + j] += x * b[k * n + j];
        }
    uint64_t sum = 0;
    for (size_t i = 0; i < nn; i++) {
        union { double d; uint64_t u; } v = { c[i] };
        sum += v.u;
    }
    return sum;
}
