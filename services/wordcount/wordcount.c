/*
 * wordcount: a wasi-command service. Reads the request JSON from stdin, writes the
 * response JSON to stdout, exits 0.
 *
 *   count {"text":"..."} -> {"bytes","chars","lines","top":[{"count","word"}...],"unique","words"}
 *
 *   bytes   UTF-8 bytes of text
 *   chars   Unicode code points
 *   lines   newline characters (as wc -l)
 *   words   runs of non-whitespace (as wc -w)
 *   unique  distinct tokens, where a token is a run of ASCII letters and digits, lowercased
 *   top     the 10 most frequent tokens: count descending, then token ascending (bytewise)
 *
 * It calls random_get once, to seed its hash table against crafted collisions. The
 * host seeds random_get from the request hash, and the output does not depend on the
 * seed anyway: the hash only decides where a token sits in the table, never the
 * order of the answer.
 */
#include "../lib/tandem.h"

#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#define TOP 10

typedef struct {
    const char *word;
    uint32_t len;
    uint32_t count;
} entry;

typedef struct {
    entry *slots;
    uint32_t cap, used;
    uint64_t seed;
} table;

static uint64_t hash(const table *t, const char *s, uint32_t n) {
    uint64_t h = 0xcbf29ce484222325ull ^ t->seed;   /* FNV-1a, keyed */
    for (uint32_t i = 0; i < n; i++) { h ^= (uint8_t)s[i]; h *= 0x100000001b3ull; }
    return h ^ (h >> 29);
}

static void insert(table *t, const char *w, uint32_t n, uint32_t count);

static void grow(table *t) {
    table old = *t;
    t->cap = old.cap ? old.cap * 2 : 1024;
    t->used = 0;
    t->slots = (entry *)t_alloc(sizeof(entry) * t->cap);
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.slots[i].word) insert(t, old.slots[i].word, old.slots[i].len, old.slots[i].count);
    free(old.slots);   /* hosted build: t_alloc is calloc */
}

static void insert(table *t, const char *w, uint32_t n, uint32_t count) {
    if ((t->used + 1) * 4 > t->cap * 3) grow(t);
    uint32_t i = (uint32_t)hash(t, w, n) & (t->cap - 1);
    for (;; i = (i + 1) & (t->cap - 1)) {
        entry *e = &t->slots[i];
        if (!e->word) { e->word = w; e->len = n; e->count = count; t->used++; return; }
        if (e->len == n && memcmp(e->word, w, n) == 0) { e->count += count; return; }
    }
}

/* a ranks before b: higher count, then smaller token bytewise. */
static int before(const entry *a, const entry *b) {
    if (a->count != b->count) return a->count > b->count;
    uint32_t k = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->word, b->word, k);
    return c ? c < 0 : a->len < b->len;
}

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_tok(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int do_count(const jnode *params, tbuf *out) {
    const jnode *text = json_get(params, "text");
    if (!text || text->type != J_STRING) return tandem_fail(TANDEM_INVALID_PARAMS, "text must be a string");
    const unsigned char *s = (const unsigned char *)text->str;
    size_t n = text->str_len;

    table t = { 0, 0, 0, 0 };
    uint8_t seed[8];
    if (__wasi_random_get(seed, sizeof seed) == 0)
        for (int i = 0; i < 8; i++) t.seed = t.seed << 8 | seed[i];
    grow(&t);

    /* Tokens are lowercased into one copy of the text, so table entries can point into it. */
    char *lower = (char *)t_alloc(n ? n : 1);
    uint64_t chars = 0, lines = 0, words = 0;
    int in_word = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        chars += (c & 0xC0) != 0x80;
        lines += c == '\n';
        if (is_space(c)) in_word = 0;
        else if (!in_word) { in_word = 1; words++; }
        lower[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    for (size_t i = 0; i < n;) {
        if (!is_tok(s[i])) { i++; continue; }
        size_t j = i;
        while (j < n && is_tok(s[j])) j++;
        insert(&t, lower + i, (uint32_t)(j - i), 1);
        i = j;
    }

    entry top[TOP];
    int ntop = 0;
    for (uint32_t i = 0; i < t.cap; i++) {
        const entry *e = &t.slots[i];
        if (!e->word) continue;
        if (ntop == TOP && !before(e, &top[TOP - 1])) continue;
        int pos = ntop < TOP ? ntop++ : TOP - 1;
        while (pos > 0 && before(e, &top[pos - 1])) { top[pos] = top[pos - 1]; pos--; }
        top[pos] = *e;
    }

    tb_puts(out, "{\"bytes\":");
    tb_uint(out, n);
    tb_puts(out, ",\"chars\":");
    tb_uint(out, chars);
    tb_puts(out, ",\"lines\":");
    tb_uint(out, lines);
    tb_puts(out, ",\"top\":[");
    for (int i = 0; i < ntop; i++) {
        if (i) tb_putc(out, ',');
        tb_puts(out, "{\"count\":");
        tb_uint(out, top[i].count);
        tb_puts(out, ",\"word\":");
        tb_str(out, top[i].word, top[i].len);
        tb_putc(out, '}');
    }
    tb_puts(out, "],\"unique\":");
    tb_uint(out, t.used);
    tb_puts(out, ",\"words\":");
    tb_uint(out, words);
    tb_putc(out, '}');
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (!json_str_eq(method, "count")) return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
    if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
    return do_count(params, out);
}

static int write_all(const char *p, size_t n) {
    while (n) {
        ssize_t w = write(1, p, n);
        if (w <= 0) return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

int main(void) {
    size_t cap = 1 << 16, len = 0;
    char *in = (char *)malloc(cap);
    for (;;) {
        if (len == cap) in = (char *)realloc(in, cap *= 2);
        if (!in) return 1;
        ssize_t r = read(0, in + len, cap - len);
        if (r < 0) return 1;
        if (r == 0) break;
        len += (size_t)r;
    }
    tbuf out;
    tandem_serve_into(in, len, handle, &out);
    return write_all(out.p, out.len) ? 0 : 1;
}
