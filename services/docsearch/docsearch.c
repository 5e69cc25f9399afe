/*
 * docsearch: BM25 full-text search over a corpus given by CID, so one service searches any dApp's documents and
 * a new corpus needs no new module.
 *
 *   query {"corpus":{"/":"<cid>"},"q":"...","limit":n} -> {"docs":N,"hits":[{"id","name","score"}...],"total":M}
 *   stats {"corpus":{"/":"<cid>"}}                     -> {"docs":N,"tokens":S}
 *
 * The corpus is the call's input 0 (its only link): one document per line, "name<TAB>summary<TAB>description",
 * the format of search/corpus.txt. The node fetches it by CID and checks it before the call; the module reads it
 * with tandem_input. Tokens and field weights are search's (gen-index.py): runs of ASCII letters and digits,
 * lowercased; a token counts 3 times in the name, 2 in the summary, once in the description. Ranking is search's
 * integer BM25 (k1 = 1.2, b = 0.75), so every node ranks identically; ties go to the lower line number.
 */
#include "../lib/tandem.h"

#define MAX_TERMS 32
#define MAX_TERM_BYTES 64
#define MAX_LIMIT 100

static int tok_char(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char tok_lower(unsigned char c) {
    return (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
}

/* log2(x) in Q16 fixed point for x >= 1, integer-only (as in search.c). */
static int64_t log2_q16(uint64_t x) {
    int ip = 63 - __builtin_clzll(x);
    uint64_t y = ip >= 30 ? x >> (ip - 30) : x << (30 - ip);
    int64_t r = (int64_t)ip << 16;
    for (int bit = 15; bit >= 0; bit--) {
        y = (y * y) >> 30;
        if (y >= (2ull << 30)) { y >>= 1; r |= (int64_t)1 << bit; }
    }
    return r;
}

typedef struct { const char *t; size_t n; } term;

typedef struct {
    const char *data;
    size_t len;
    uint32_t docs;
    uint64_t tokens;        /* weighted, the S of BM25 */
    uint32_t *off;          /* line start of each document */
    uint32_t *name_len;
    uint32_t *dl;           /* weighted token count */
    uint16_t *tf;           /* docs x nterms */
} corpus;

/* Counts the query terms in one field of one document, and its weighted length. */
static void scan_field(const char *s, size_t n, int weight, const term *terms, int nterms, uint16_t *tf,
                       uint32_t *dl) {
    for (size_t i = 0; i < n;) {
        if (!tok_char((unsigned char)s[i])) { i++; continue; }
        size_t j = i;
        while (j < n && tok_char((unsigned char)s[j])) j++;
        *dl += (uint32_t)weight;
        for (int k = 0; k < nterms; k++) {
            if (terms[k].n != j - i) continue;
            size_t m = 0;
            while (m < terms[k].n && tok_lower((unsigned char)s[i + m]) == terms[k].t[m]) m++;
            if (m == terms[k].n && tf[k] <= 65535 - weight) tf[k] = (uint16_t)(tf[k] + weight);
        }
        i = j;
    }
}

/* Reads the corpus input and counts the terms in every document. Returns 0, or fails the call. */
static int load(const jnode *params, const term *terms, int nterms, corpus *c) {
    const jnode *link = json_get(params, "corpus");
    const jnode *cid = link && link->type == J_OBJECT ? json_get(link, "/") : 0;
    if (!cid || cid->type != J_STRING || link->count != 1)
        return tandem_fail(TANDEM_INVALID_PARAMS, "corpus must be a link to the corpus: {\"/\": \"<cid>\"}");
    c->data = tandem_input(0, &c->len);
    if (!c->data) return tandem_fail(TANDEM_INVALID_PARAMS, "the corpus was not given as an input");
    if (c->len && c->data[c->len - 1] != '\n')
        return tandem_fail(TANDEM_INVALID_PARAMS, "the corpus must end with a newline");
    uint32_t lines = 0;
    for (size_t i = 0; i < c->len; i++) lines += c->data[i] == '\n';
    c->docs = lines;
    c->off = t_alloc(sizeof(uint32_t) * (lines + 1));
    c->name_len = t_alloc(sizeof(uint32_t) * (lines + 1));
    c->dl = t_alloc(sizeof(uint32_t) * (lines + 1));
    c->tf = t_alloc(sizeof(uint16_t) * ((size_t)lines * (size_t)(nterms ? nterms : 1) + 1));
    c->tokens = 0;
    size_t start = 0;
    for (uint32_t d = 0; d < lines; d++) {
        size_t end = start;
        while (c->data[end] != '\n') end++;
        size_t tab1 = start, tab2;
        while (tab1 < end && c->data[tab1] != '\t') tab1++;
        tab2 = tab1 < end ? tab1 + 1 : end;
        while (tab2 < end && c->data[tab2] != '\t') tab2++;
        if (tab1 == end || tab2 == end)
            return tandem_fail(TANDEM_INVALID_PARAMS, "every corpus line must be name<TAB>summary<TAB>description");
        c->off[d] = (uint32_t)start;
        c->name_len[d] = (uint32_t)(tab1 - start);
        uint16_t *tf = c->tf + (size_t)d * (size_t)nterms;
        scan_field(c->data + start, tab1 - start, 3, terms, nterms, tf, &c->dl[d]);
        scan_field(c->data + tab1 + 1, tab2 - tab1 - 1, 2, terms, nterms, tf, &c->dl[d]);
        scan_field(c->data + tab2 + 1, end - tab2 - 1, 1, terms, nterms, tf, &c->dl[d]);
        c->tokens += c->dl[d];
        start = end + 1;
    }
    if (c->tokens >= (1ull << 22) || c->docs >= (1u << 16))
        return tandem_fail(TANDEM_INVALID_PARAMS, "corpus too large for the integer BM25 bounds");
    return 0;
}

typedef struct { int64_t score; uint32_t doc; } hit;

static int before(const hit *a, const hit *b) {
    return a->score != b->score ? a->score > b->score : a->doc < b->doc;
}

static int do_query(const jnode *params, tbuf *out) {
    const jnode *q = json_get(params, "q");
    const jnode *lim = json_get(params, "limit");
    int64_t limit = 10;
    if (!q || q->type != J_STRING) return tandem_fail(TANDEM_INVALID_PARAMS, "q must be a string");
    if (lim && (!json_int(lim, &limit) || limit < 0 || limit > MAX_LIMIT))
        return tandem_fail(TANDEM_INVALID_PARAMS, "limit must be an integer from 0 to 100");
    term terms[MAX_TERMS];
    int nterms = 0;
    for (size_t i = 0; i < q->str_len;) {
        if (!tok_char((unsigned char)q->str[i])) { i++; continue; }
        size_t j = i;
        while (j < q->str_len && tok_char((unsigned char)q->str[j])) j++;
        if (nterms == MAX_TERMS) return tandem_fail(TANDEM_INVALID_PARAMS, "at most 32 query terms");
        if (j - i <= MAX_TERM_BYTES) {
            char *t = t_alloc(j - i);
            for (size_t m = 0; m < j - i; m++) t[m] = tok_lower((unsigned char)q->str[i + m]);
            int dup = 0;
            for (int k = 0; k < nterms; k++)
                dup |= terms[k].n == j - i && memcmp(terms[k].t, t, j - i) == 0;
            if (!dup) { terms[nterms].t = t; terms[nterms].n = j - i; nterms++; }
        }
        i = j;
    }
    corpus c;
    int failed = load(params, terms, nterms, &c);
    if (failed) return failed;

    const uint64_t S = c.tokens ? c.tokens : 1, N = c.docs;
    int64_t idf[MAX_TERMS];
    for (int k = 0; k < nterms; k++) {
        uint32_t df = 0;
        for (uint32_t d = 0; d < c.docs; d++) df += c.tf[(size_t)d * nterms + k] != 0;
        idf[k] = log2_q16(2ull * N + 2) - log2_q16(2ull * df + 1);
    }
    hit top[MAX_LIMIT];
    int ntop = 0, total = 0;
    for (uint32_t d = 0; d < c.docs; d++) {
        int64_t score = 0;
        int any = 0;
        for (int k = 0; k < nterms; k++) {
            uint32_t tf = c.tf[(size_t)d * nterms + k];
            if (!tf) continue;
            any = 1;
            uint64_t num = 22u * S * tf;
            uint64_t den = 10u * S * tf + 3u * S + 9u * (uint64_t)c.dl[d] * N;
            score += (int64_t)(((uint64_t)idf[k] * num) / den);
        }
        if (!any) continue;
        total++;
        hit h = { score, d };
        if (limit == 0 || (ntop == limit && !before(&h, &top[ntop - 1]))) continue;
        int pos = ntop < limit ? ntop++ : ntop - 1;
        while (pos > 0 && before(&h, &top[pos - 1])) { top[pos] = top[pos - 1]; pos--; }
        top[pos] = h;
    }
    tb_puts(out, "{\"docs\":");
    tb_int(out, c.docs);
    tb_puts(out, ",\"hits\":[");
    for (int i = 0; i < ntop; i++) {
        uint32_t d = top[i].doc;
        if (i) tb_putc(out, ',');
        tb_puts(out, "{\"id\":");
        tb_int(out, d);
        tb_puts(out, ",\"name\":");
        tb_str(out, c.data + c.off[d], c.name_len[d]);
        tb_puts(out, ",\"score\":");
        tb_int(out, (top[i].score * 1000) >> 16);
        tb_putc(out, '}');
    }
    tb_puts(out, "],\"total\":");
    tb_int(out, total);
    tb_putc(out, '}');
    return 0;
}

static int do_stats(const jnode *params, tbuf *out) {
    corpus c;
    int failed = load(params, 0, 0, &c);
    if (failed) return failed;
    tb_puts(out, "{\"docs\":");
    tb_int(out, c.docs);
    tb_puts(out, ",\"tokens\":");
    tb_int(out, (int64_t)c.tokens);
    tb_putc(out, '}');
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
    if (json_str_eq(method, "query")) return do_query(params, out);
    if (json_str_eq(method, "stats")) return do_stats(params, out);
    return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
