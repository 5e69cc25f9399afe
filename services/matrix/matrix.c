/*
 * matrix: exact integer matrix arithmetic.
 *
 *   multiply    {"a":[[..]],"b":[[..]]}  -> product (r x k times k x c), int64, wrapping
 *   power       {"a":[[..]],"k":n}       -> a^k for square a, k >= 0, int64, wrapping
 *   determinant {"a":[[..]]}             -> exact determinant (Bareiss), or error 1001 on int64 overflow
 *
 * Sizes are limited to 64 x 64. Wrapping is done in uint64_t, where C defines it,
 * so the result is the same two's-complement value on every engine.
 */
#include "../lib/tandem.h"

#define MAX_DIM 64
#define ERR_OVERFLOW 1001

typedef struct {
    int rows, cols;
    uint64_t *v;   /* row-major; signed values stored as their two's-complement bits */
} matrix;

static uint64_t *at(const matrix *m, int r, int c) { return &m->v[(size_t)r * (size_t)m->cols + (size_t)c]; }

static matrix new_matrix(int rows, int cols) {
    matrix m = { rows, cols, (uint64_t *)t_alloc((size_t)rows * (size_t)cols * sizeof(uint64_t)) };
    return m;
}

/* A non-empty rectangular array of integer arrays, at most 64 x 64. */
static int read_matrix(const jnode *n, matrix *m) {
    if (!n || n->type != J_ARRAY || n->count == 0 || n->count > MAX_DIM) return 0;
    const jnode *row = n->child;
    if (row->type != J_ARRAY || row->count == 0 || row->count > MAX_DIM) return 0;
    *m = new_matrix((int)n->count, (int)row->count);
    int r = 0;
    for (; row; row = row->next, r++) {
        if (row->type != J_ARRAY || row->count != (size_t)m->cols) return 0;
        int c = 0;
        for (const jnode *x = row->child; x; x = x->next, c++) {
            int64_t v;
            if (!json_int(x, &v)) return 0;
            *at(m, r, c) = (uint64_t)v;
        }
    }
    return 1;
}

static void write_matrix(tbuf *out, const matrix *m) {
    tb_putc(out, '[');
    for (int r = 0; r < m->rows; r++) {
        if (r) tb_putc(out, ',');
        tb_putc(out, '[');
        for (int c = 0; c < m->cols; c++) {
            if (c) tb_putc(out, ',');
            tb_int(out, (int64_t)*at(m, r, c));
        }
        tb_putc(out, ']');
    }
    tb_putc(out, ']');
}

static matrix multiply(const matrix *a, const matrix *b) {
    matrix p = new_matrix(a->rows, b->cols);
    for (int i = 0; i < a->rows; i++)
        for (int k = 0; k < a->cols; k++) {
            uint64_t x = *at(a, i, k);
            for (int j = 0; j < b->cols; j++) *at(&p, i, j) += x * *at(b, k, j);
        }
    return p;
}

static int do_multiply(const jnode *params, tbuf *out) {
    matrix a, b;
    if (!read_matrix(json_get(params, "a"), &a) || !read_matrix(json_get(params, "b"), &b))
        return tandem_fail(TANDEM_INVALID_PARAMS, "a and b must be integer matrices of at most 64 x 64");
    if (a.cols != b.rows) return tandem_fail(TANDEM_INVALID_PARAMS, "columns of a must equal rows of b");
    matrix p = multiply(&a, &b);
    write_matrix(out, &p);
    return 0;
}

static int do_power(const jnode *params, tbuf *out) {
    matrix a;
    int64_t k;
    if (!read_matrix(json_get(params, "a"), &a) || a.rows != a.cols)
        return tandem_fail(TANDEM_INVALID_PARAMS, "a must be a square integer matrix of at most 64 x 64");
    if (!json_int(json_get(params, "k"), &k) || k < 0)
        return tandem_fail(TANDEM_INVALID_PARAMS, "k must be a non-negative integer");
    matrix r = new_matrix(a.rows, a.cols);
    for (int i = 0; i < a.rows; i++) *at(&r, i, i) = 1;
    /* Square-and-multiply: at most 2 * 63 products for any k. */
    for (uint64_t e = (uint64_t)k; e; e >>= 1) {
        if (e & 1) r = multiply(&r, &a);
        if (e > 1) a = multiply(&a, &a);
    }
    write_matrix(out, &r);
    return 0;
}

/*
 * Bareiss elimination: every intermediate entry is a minor of the input, so it is
 * an exact integer; the products before each exact division are done in 128 bits.
 * If a minor itself does not fit in int64 the answer is error 1001, the same on
 * every node.
 */
static int do_determinant(const jnode *params, tbuf *out) {
    matrix a;
    if (!read_matrix(json_get(params, "a"), &a) || a.rows != a.cols)
        return tandem_fail(TANDEM_INVALID_PARAMS, "a must be a square integer matrix of at most 64 x 64");
    int n = a.rows, sign = 1;
    __int128 prev = 1;
    for (int k = 0; k < n - 1; k++) {
        if (*at(&a, k, k) == 0) {
            int swap = -1;
            for (int i = k + 1; i < n && swap < 0; i++)
                if (*at(&a, i, k) != 0) swap = i;
            if (swap < 0) { tb_putc(out, '0'); return 0; }
            for (int j = 0; j < n; j++) {
                uint64_t t = *at(&a, k, j);
                *at(&a, k, j) = *at(&a, swap, j);
                *at(&a, swap, j) = t;
            }
            sign = -sign;
        }
        __int128 pivot = (int64_t)*at(&a, k, k);
        for (int i = k + 1; i < n; i++)
            for (int j = k + 1; j < n; j++) {
                __int128 x = pivot * (int64_t)*at(&a, i, j) - (__int128)(int64_t)*at(&a, i, k) * (int64_t)*at(&a, k, j);
                x /= prev;
                if (x > INT64_MAX || x < INT64_MIN) return tandem_fail(ERR_OVERFLOW, "determinant overflows int64");
                *at(&a, i, j) = (uint64_t)(int64_t)x;
            }
        prev = pivot;
    }
    int64_t det = (int64_t)*at(&a, n - 1, n - 1);
    if (sign < 0) {
        if (det == INT64_MIN) return tandem_fail(ERR_OVERFLOW, "determinant overflows int64");
        det = -det;
    }
    tb_int(out, det);
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    int (*fn)(const jnode *, tbuf *) = 0;
    if (json_str_eq(method, "multiply")) fn = do_multiply;
    else if (json_str_eq(method, "power")) fn = do_power;
    else if (json_str_eq(method, "determinant")) fn = do_determinant;
    else return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
    if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
    return fn(params, out);
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
