/*
 * Shared helpers for Tandem services written in C.
 *
 *  - a bump allocator (freestanding: over memory.grow; hosted/WASI: over malloc),
 *  - a small JSON reader that builds a tree of nodes,
 *  - a JSON writer that escapes strings the way RFC 8785 (JCS) does, so what we
 *    emit is already canonical as long as object keys are written in sorted order,
 *  - the tandem-v1 request/response envelope (tandem_serve).
 *
 * Every call runs in a fresh instance, so nothing here is ever freed.
 */
#ifndef TANDEM_H
#define TANDEM_H

#include <stddef.h>
#include <stdint.h>

#define TANDEM_EXPORT(name) __attribute__((export_name(name)))

/* JSON-RPC error codes used by every service. */
#define TANDEM_PARSE_ERROR      (-32700)
#define TANDEM_INVALID_REQUEST  (-32600)
#define TANDEM_METHOD_NOT_FOUND (-32601)
#define TANDEM_INVALID_PARAMS   (-32602)

/* ---- memory ------------------------------------------------------------ */

void *t_alloc(size_t n);                  /* 8-byte aligned, zeroed; traps if memory cannot grow */
void *t_grow(void *p, size_t old_n, size_t new_n); /* in place when p is the newest block */

/* Freestanding builds get these from freestanding.c; WASI builds from wasi-libc. */
#ifdef TANDEM_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

/* ---- JSON reader ------------------------------------------------------- */

typedef enum { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } jtype;

typedef struct jnode {
    jtype type;
    const char *raw;        /* the value's text in the input; canonical input gives canonical sub-text */
    size_t raw_len;
    const char *str;        /* J_STRING: decoded UTF-8 (not NUL-terminated) */
    size_t str_len;
    const char *key;        /* set when this node is an object member: decoded key */
    size_t key_len;
    int64_t num;            /* J_NUMBER: value when is_int */
    int is_int;             /* J_NUMBER: 1 if an integer that fits in int64 */
    struct jnode *child;    /* J_ARRAY / J_OBJECT: first element */
    struct jnode *next;     /* next sibling */
    size_t count;           /* J_ARRAY / J_OBJECT: number of elements */
} jnode;

/* Parses the whole text; returns NULL on a syntax error or nesting deeper than 64. */
jnode *json_parse(const char *text, size_t len);
/* Member lookup in an object; NULL if absent or obj is not an object. */
const jnode *json_get(const jnode *obj, const char *key);
/* 1 if n is an integer number, stored into *out. */
int json_int(const jnode *n, int64_t *out);
/* 1 if the node's decoded string equals s. */
int json_str_eq(const jnode *n, const char *s);

/* 1 if s is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
int utf8_valid(const char *s, size_t n);

/* ---- JSON writer ------------------------------------------------------- */

typedef struct { char *p; size_t len, cap; } tbuf;

void tb_init(tbuf *b, size_t cap);
void tb_put(tbuf *b, const char *s, size_t n);
void tb_putc(tbuf *b, char c);
void tb_puts(tbuf *b, const char *s);
void tb_int(tbuf *b, int64_t v);
void tb_uint(tbuf *b, uint64_t v);
void tb_str(tbuf *b, const char *s, size_t n);  /* quoted, JCS escaping */
void tb_hex(tbuf *b, const uint8_t *data, size_t n);   /* lowercase hex, no quotes */
void tb_hex64(tbuf *b, uint64_t v);                    /* 16 lowercase hex digits, no quotes */

/* ---- tandem-v1 envelope ------------------------------------------------ */

/*
 * A service's handler writes the JSON value of "result" into out and returns 0,
 * or returns tandem_fail(code, message).
 */
typedef int (*tandem_handler)(const jnode *method, const jnode *params, tbuf *out);
int tandem_fail(int code, const char *message);

/* Parses {"method":…,"params":…}, runs the handler, returns (ptr << 32) | len of the response. */
uint64_t tandem_serve(const char *in, size_t len, tandem_handler h);
/* The same, leaving the response in *out (for WASI commands that write it to stdout). */
void tandem_serve_into(const char *in, size_t len, tandem_handler h, tbuf *out);
/* Packs a finished buffer for returning to the host. */
uint64_t tandem_pack(const tbuf *b);
/* Builds {"error":{"code":…,"message":…}}. */
void tandem_write_error(tbuf *out, int code, const char *message);

/* ---- inputs given by CID ------------------------------------------------- */
/*
 * A call's params may name immutable inputs by CID, as IPLD links {"/": "bafy…"}; the node fetches them (checked
 * against their CIDs) before the call and the module reads them here. Input i is the i-th link of the params in
 * document order (the params are canonical JSON: keys sorted). Only declared, these add no import to a module
 * that does not call them.
 */
__attribute__((import_module("tandem"), import_name("input_size")))
int64_t tandem_input_size(int32_t index);            /* bytes, or -1 when there is no such input */
__attribute__((import_module("tandem"), import_name("input_read")))
int32_t tandem_input_read(int32_t index, int64_t offset, void *dst, int32_t len); /* bytes copied, or -1 */
/* The whole input in fresh memory (*len set), or NULL when there is none. */
static inline const char *tandem_input(int32_t index, size_t *len) {
    int64_t size = tandem_input_size(index);
    if (size < 0 || size > 0x7fffffff) return 0;
    char *p = (char *)t_alloc((size_t)size + 1);
    for (int64_t done = 0; done < size;) {
        int32_t n = tandem_input_read(index, done, p + done, (int32_t)(size - done));
        if (n <= 0) return 0;
        done += n;
    }
    *len = (size_t)size;
    return p;
}

#endif
