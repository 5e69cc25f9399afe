/* Shared helpers for Tandem services: see tandem.h. */
#include "tandem.h"

#ifdef TANDEM_HOSTED
#include <stdlib.h>
#endif

/* ======================================================================= */
/* memory                                                                  */
/* ======================================================================= */

#ifdef TANDEM_HOSTED
/*
 * Under wasi-libc, malloc owns memory.grow; a second allocator growing memory
 * behind its back would break it, so the bump allocator sits on calloc.
 */
void *t_alloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) __builtin_trap();
    return p;
}

void *t_grow(void *p, size_t old_n, size_t new_n) {
    (void)old_n;
    void *q = realloc(p, new_n);
    if (!q) __builtin_trap();
    return q;
}
#else
extern unsigned char __heap_base;   /* provided by wasm-ld: first byte after data and stack */

static uint64_t heap_top;           /* next free byte */
static uint64_t heap_last;          /* start of the newest block, for growing it in place */

/* Makes sure [0, end) is inside linear memory; memory.grow is the only way to get more. */
static int heap_ensure(uint64_t end) {
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end <= have) return 1;
    if (end > 0x100000000ull) return 0;
    uint64_t pages = (end - have + 65535u) / 65536u;
    return __builtin_wasm_memory_grow(0, (size_t)pages) != (size_t)-1;
}

void *t_alloc(size_t n) {
    if (!heap_top) heap_top = (uint64_t)(uintptr_t)&__heap_base;
    uint64_t p = (heap_top + 7u) & ~(uint64_t)7u;
    /* Out of memory is a deterministic outcome under the host's page cap: trap. */
    if (!heap_ensure(p + n)) __builtin_trap();
    heap_top = p + n;
    heap_last = p;
    /* Memory from memory.grow is zeroed and never reused, so blocks are zero already. */
    return (void *)(uintptr_t)p;
}

void *t_grow(void *p, size_t old_n, size_t new_n) {
    if ((uint64_t)(uintptr_t)p == heap_last) {
        if (!heap_ensure(heap_last + new_n)) __builtin_trap();
        heap_top = heap_last + new_n;
        return p;
    }
    void *q = t_alloc(new_n);
    memcpy(q, p, old_n);
    return q;
}

/* The host writes the request into a block it asks us for. */
TANDEM_EXPORT("tandem_alloc")
uint8_t *tandem_alloc(int32_t len) {
    if (len < 0) __builtin_trap();
    return (uint8_t *)t_alloc((size_t)len);
}
#endif

/* ======================================================================= */
/* JSON reader                                                             */
/* ======================================================================= */

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t i, n;
    int depth;
} jparser;

static void skip_ws(jparser *p) {
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->i++;
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_u16(jparser *p, uint32_t *out) {
    if (p->n - p->i < 4) return 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[p->i + k]);
        if (h < 0) return 0;
        v = (v << 4) | (uint32_t)h;
    }
    p->i += 4;
    *out = v;
    return 1;
}

static size_t put_utf8(char *d, uint32_t cp) {
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) { d[0] = (char)(0xC0 | (cp >> 6)); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Reads a string starting at the opening quote. Strings without escapes point
 * into the input; others are decoded into a new block, which is never longer
 * than the escaped text. Lone surrogates decode to U+FFFD so the output stays
 * valid UTF-8.
 */
static int parse_string(jparser *p, const char **out, size_t *out_len) {
    size_t start = ++p->i;   /* after the quote */
    int escaped = 0;
    for (;;) {
        if (p->i >= p->n) return 0;
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') break;
        if (c < 0x20) return 0;
        if (c == '\\') { escaped = 1; p->i += 2; continue; }
        p->i++;
    }
    size_t end = p->i;
    p->i++;  /* closing quote */
    if (!escaped) { *out = p->s + start; *out_len = end - start; return 1; }

    char *d = (char *)t_alloc(end - start);
    size_t o = 0;
    jparser q = { p->s, start, end, 0 };
    while (q.i < end) {
        char c = q.s[q.i++];
        if (c != '\\') { d[o++] = c; continue; }
        char e = q.s[q.i++];
        switch (e) {
        case '"': d[o++] = '"'; break;
        case '\\': d[o++] = '\\'; break;
        case '/': d[o++] = '/'; break;
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!read_u16(&q, &cp)) return 0;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                size_t save = q.i;
                if (q.i + 6 <= end && q.s[q.i] == '\\' && q.s[q.i + 1] == 'u') {
                    q.i += 2;
                    if (read_u16(&q, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        q.i = save;
                        cp = 0xFFFD;
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            o += put_utf8(d + o, cp);
            break;
        }
        default:
            return 0;
        }
    }
    *out = d;
    *out_len = o;
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int parse_number(jparser *p, jnode *n) {
    size_t i = p->i;
    int neg = 0, is_int = 1, overflow = 0;
    uint64_t mag = 0;
    if (i < p->n && p->s[i] == '-') { neg = 1; i++; }
    if (i >= p->n || !is_digit(p->s[i])) return 0;
    if (p->s[i] == '0') {
        i++;
    } else {
        while (i < p->n && is_digit(p->s[i])) {
            uint64_t d = (uint64_t)(p->s[i] - '0');
            if (mag > (UINT64_MAX - d) / 10) overflow = 1; else mag = mag * 10 + d;
            i++;
        }
    }
    if (i < p->n && p->s[i] == '.') {
        is_int = 0;
        i++;
        if (i >= p->n || !is_digit(p->s[i])) return 0;
        while (i < p->n && is_digit(p->s[i])) i++;
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        is_int = 0;
        i++;
        if (i < p->n && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->n || !is_digit(p->s[i])) return 0;
        while (i < p->n && is_digit(p->s[i])) i++;
    }
    n->type = J_NUMBER;
    if (is_int && !overflow) {
        if (!neg && mag <= (uint64_t)INT64_MAX) { n->is_int = 1; n->num = (int64_t)mag; }
        else if (neg && mag <= (uint64_t)INT64_MAX + 1u) { n->is_int = 1; n->num = (int64_t)(0 - mag); }
    }
    p->i = i;
    return 1;
}

static int match_lit(jparser *p, const char *lit) {
    size_t k = strlen(lit);
    if (p->n - p->i < k || memcmp(p->s + p->i, lit, k) != 0) return 0;
    p->i += k;
    return 1;
}

static jnode *parse_value(jparser *p);

static jnode *parse_container(jparser *p, jnode *n, int is_object) {
    if (++p->depth > JSON_MAX_DEPTH) return 0;
    char close = is_object ? '}' : ']';
    n->type = is_object ? J_OBJECT : J_ARRAY;
    p->i++;  /* opening bracket */
    skip_ws(p);
    jnode **tail = &n->child;
    if (p->i < p->n && p->s[p->i] == close) { p->i++; p->depth--; return n; }
    for (;;) {
        const char *key = 0;
        size_t key_len = 0;
        if (is_object) {
            if (p->i >= p->n || p->s[p->i] != '"') return 0;
            if (!parse_string(p, &key, &key_len)) return 0;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') return 0;
            p->i++;
        }
        jnode *child = parse_value(p);
        if (!child) return 0;
        child->key = key;
        child->key_len = key_len;
        *tail = child;
        tail = &child->next;
        n->count++;
        skip_ws(p);
        if (p->i >= p->n) return 0;
        if (p->s[p->i] == ',') { p->i++; skip_ws(p); continue; }
        if (p->s[p->i] == close) { p->i++; break; }
        return 0;
    }
    p->depth--;
    return n;
}

static jnode *parse_value(jparser *p) {
    skip_ws(p);
    if (p->i >= p->n) return 0;
    jnode *n = (jnode *)t_alloc(sizeof(jnode));
    size_t start = p->i;
    char c = p->s[p->i];
    int ok;
    if (c == '{' || c == '[') ok = parse_container(p, n, c == '{') != 0;
    else if (c == '"') { n->type = J_STRING; ok = parse_string(p, &n->str, &n->str_len); }
    else if (c == 't') { n->type = J_TRUE; ok = match_lit(p, "true"); }
    else if (c == 'f') { n->type = J_FALSE; ok = match_lit(p, "false"); }
    else if (c == 'n') { n->type = J_NULL; ok = match_lit(p, "null"); }
    else ok = parse_number(p, n);
    if (!ok) return 0;
    n->raw = p->s + start;
    n->raw_len = p->i - start;
    return n;
}

jnode *json_parse(const char *text, size_t len) {
    jparser p = { text, 0, len, 0 };
    jnode *n = parse_value(&p);
    if (!n) return 0;
    skip_ws(&p);
    return p.i == p.n ? n : 0;
}

const jnode *json_get(const jnode *obj, const char *key) {
    if (!obj || obj->type != J_OBJECT) return 0;
    size_t k = strlen(key);
    for (const jnode *c = obj->child; c; c = c->next)
        if (c->key_len == k && memcmp(c->key, key, k) == 0) return c;
    return 0;
}

int json_int(const jnode *n, int64_t *out) {
    if (!n || n->type != J_NUMBER || !n->is_int) return 0;
    *out = n->num;
    return 1;
}

int json_str_eq(const jnode *n, const char *s) {
    if (!n || n->type != J_STRING) return 0;
    size_t k = strlen(s);
    return n->str_len == k && memcmp(n->str, s, k) == 0;
}

int utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

/* ======================================================================= */
/* JSON writer                                                             */
/* ======================================================================= */

void tb_init(tbuf *b, size_t cap) {
    if (cap < 16) cap = 16;
    b->p = (char *)t_alloc(cap);
    b->len = 0;
    b->cap = cap;
}

static void tb_reserve(tbuf *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap * 2;
    if (cap < b->len + extra) cap = b->len + extra;
    b->p = (char *)t_grow(b->p, b->len, cap);
    b->cap = cap;
}

void tb_put(tbuf *b, const char *s, size_t n) {
    tb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void tb_putc(tbuf *b, char c) {
    tb_reserve(b, 1);
    b->p[b->len++] = c;
}

void tb_puts(tbuf *b, const char *s) { tb_put(b, s, strlen(s)); }

void tb_uint(tbuf *b, uint64_t v) {
    char tmp[20];
    int k = 0;
    do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    tb_reserve(b, (size_t)k);
    while (k) b->p[b->len++] = tmp[--k];
}

void tb_int(tbuf *b, int64_t v) {
    if (v < 0) { tb_putc(b, '-'); tb_uint(b, 0 - (uint64_t)v); }
    else tb_uint(b, (uint64_t)v);
}

static const char HEX[] = "0123456789abcdef";

/* RFC 8785 escaping: the two-character forms where JSON has them, \u00xx for other controls. */
void tb_str(tbuf *b, const char *s, size_t n) {
    tb_reserve(b, n + 2);
    tb_putc(b, '"');
    size_t run = 0;   /* start of a stretch that needs no escaping */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        tb_put(b, s + run, i - run);
        run = i + 1;
        char esc = 0;
        switch (c) {
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        case '\b': esc = 'b'; break;
        case '\f': esc = 'f'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        case '\t': esc = 't'; break;
        }
        if (esc) {
            char e[2] = { '\\', esc };
            tb_put(b, e, 2);
        } else {
            char e[6] = { '\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15] };
            tb_put(b, e, 6);
        }
    }
    tb_put(b, s + run, n - run);
    tb_putc(b, '"');
}

void tb_hex(tbuf *b, const uint8_t *data, size_t n) {
    tb_reserve(b, n * 2);
    for (size_t i = 0; i < n; i++) {
        b->p[b->len++] = HEX[data[i] >> 4];
        b->p[b->len++] = HEX[data[i] & 15];
    }
}

void tb_hex64(tbuf *b, uint64_t v) {
    tb_reserve(b, 16);
    for (int s = 60; s >= 0; s -= 4) b->p[b->len++] = HEX[(v >> s) & 15];
}

/* ======================================================================= */
/* tandem-v1 envelope                                                      */
/* ======================================================================= */

static int fail_code;
static const char *fail_message;

int tandem_fail(int code, const char *message) {
    fail_code = code;
    fail_message = message;
    return -1;
}

/* Keys in sorted order ("code" < "message") so the text is JCS-canonical. */
void tandem_write_error(tbuf *out, int code, const char *message) {
    tb_puts(out, "{\"error\":{\"code\":");
    tb_int(out, code);
    tb_puts(out, ",\"message\":");
    tb_str(out, message, strlen(message));
    tb_puts(out, "}}");
}

uint64_t tandem_pack(const tbuf *b) {
    return ((uint64_t)(uintptr_t)b->p << 32) | (uint64_t)b->len;
}

uint64_t tandem_serve(const char *in, size_t len, tandem_handler h) {
    tbuf out;
    tandem_serve_into(in, len, h, &out);
    return tandem_pack(&out);
}

void tandem_serve_into(const char *in, size_t len, tandem_handler h, tbuf *outp) {
    tbuf out;
    jnode *req = json_parse(in, len);
    const jnode *method = json_get(req, "method");
    if (!req) {
        tb_init(&out, 64);
        tandem_write_error(&out, TANDEM_PARSE_ERROR, "parse error");
    } else if (req->type != J_OBJECT || !method || method->type != J_STRING) {
        tb_init(&out, 64);
        tandem_write_error(&out, TANDEM_INVALID_REQUEST, "request must be an object with a string method");
    } else {
        tb_init(&out, 256);
        tb_puts(&out, "{\"result\":");
        if (h(method, json_get(req, "params"), &out) == 0) {
            tb_putc(&out, '}');
        } else {
            /* Whatever the handler wrote so far is dropped. */
            tb_init(&out, 64);
            tandem_write_error(&out, fail_code, fail_message);
        }
    }
    *outp = out;
}
