/*
 * search: full-text search over Debian package descriptions compiled into the module.
 *
 *   query {"q":"...","limit":n}  -> {"hits":[{"id","name","score","snippet"}...],"total":N}
 *   doc   {"id":n}               -> {"description","id","name","summary"}
 *   stats                        -> {"docs","postings","terms","tokens"}
 *
 * The inverted index is built at build time (gen-index.py -> search_index.h), so a
 * call only looks up the query terms: every call gets a fresh instance, and
 * rebuilding the index on each one would cost more than the query itself.
 *
 * Ranking is BM25 (k1 = 1.2, b = 0.75) computed in integers only, so every node
 * ranks identically: idf uses a fixed-point log2, and the tf part is an exact
 * integer division. Ties go to the lower document id.
 */
#include "../lib/tandem.h"
#include "search_index.h"

#define MAX_TERMS 32
#define MAX_LIMIT 100
#define SNIPPET_BYTES 120

/* ---- tokenizer: must match gen-index.py ---------------------------------- */

static int tok_char(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char tok_lower(unsigned char c) {
    return (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
}

/* ---- index lookups ------------------------------------------------------- */

/* Binary search over the sorted term list; bytewise order, like Python's sort of bytes. */
static int find_term(const char *t, size_t n) {
    int lo = 0, hi = TERM_COUNT - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *m = term_text + term_off[mid];
        size_t mn = term_off[mid + 1] - term_off[mid];
        size_t k = mn < n ? mn : n;
        int c = memcmp(m, t, k);
        if (c == 0) c = (mn > n) - (mn < n);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

/* log2(x) in Q16 fixed point for x >= 1: integer part from the leading bit, then
 * one fraction bit per squaring of the normalised mantissa. Integer-only. */
static int64_t log2_q16(uint64_t x) {
    int ip = 63 - __builtin_clzll(x);
    uint64_t y = ip >= 30 ? x >> (ip - 30) : x << (30 - ip);   /* y in [1,2) as Q30 */
    int64_t r = (int64_t)ip << 16;
    for (int bit = 15; bit >= 0; bit--) {
        y = (y * y) >> 30;
        if (y >= (2ull << 30)) { y >>= 1; r |= (int64_t)1 << bit; }
    }
    return r;
}

/* BM25's idf, ln(1 + (N - df + 0.5)/(df + 0.5)) = ln((N + 1)/(df + 0.5)), here in log2 units. */
static int64_t idf_q16(uint32_t df) {
    return log2_q16(2ull * DOC_COUNT + 2) - log2_q16(2ull * df + 1);
}

/*
 * BM25's tf part tf(k1+1) / (tf + k1(1 - b + b dl/avgdl)) with avgdl = S/N and
 * k1 = 6/5, b = 3/4 becomes 22 S tf / (10 S tf + 3 S + 9 dl N) exactly.
 * Magnitudes: idf < 2^20 and, with S < 2^22 and tf < 2^16, 22 S tf < 2^43: the
 * product stays below 2^63.
 */
_Static_assert(TOTAL_LENGTH < (1ull << 22), "corpus too large for the integer BM25 bounds");
_Static_assert(DOC_COUNT < (1 << 16), "document ids are 16-bit");
static int64_t term_score(int64_t idf, uint32_t tf, uint32_t dl) {
    const uint64_t S = TOTAL_LENGTH, N = DOC_COUNT;
    uint64_t num = 22u * S * tf;
    uint64_t den = 10u * S * tf + 3u * S + 9u * (uint64_t)dl * N;
    return (int64_t)(((uint64_t)idf * num) / den);
}

/* ---- documents ----------------------------------------------------------- */

static const char *doc_name(int d) { return corpus + doc_off[d]; }
static const char *doc_short(int d) { return corpus + doc_off[d] + doc_name_len[d] + 1; }
static const char *doc_long(int d) { return doc_short(d) + doc_short_len[d] + 1; }

/* Short and long description joined by one space. */
static void doc_description(int d, tbuf *b) {
    tb_init(b, doc_short_len[d] + doc_long_len[d] + 1);
    tb_put(b, doc_short(d), doc_short_len[d]);
    if (doc_long_len[d]) {
        tb_putc(b, ' ');
        tb_put(b, doc_long(d), doc_long_len[d]);
    }
}

/* The first SNIPPET_BYTES bytes of the description, cut at a UTF-8 character
 * boundary (and a word boundary when one is near), with "..." when cut. */
static void write_snippet(tbuf *out, int d) {
    tbuf desc;
    doc_description(d, &desc);
    if (desc.len <= SNIPPET_BYTES) { tb_str(out, desc.p, desc.len); return; }
    size_t cut = SNIPPET_BYTES;
    while (cut > 0 && ((unsigned char)desc.p[cut] & 0xC0) == 0x80) cut--;
    for (size_t i = cut; i > SNIPPET_BYTES * 2 / 3; i--)
        if (desc.p[i] == ' ') { cut = i; break; }
    while (cut > 0 && desc.p[cut - 1] == ' ') cut--;
    desc.len = cut;
    tb_put(&desc, "...", 3);
    tb_str(out, desc.p, desc.len);
}

/* ---- methods ------------------------------------------------------------- */

static int64_t scores[DOC_COUNT];
static uint8_t seen[DOC_COUNT];
static uint16_t matched[DOC_COUNT];

typedef struct { int64_t score; int doc; } hit;

/* a ranks before b: higher score first, then lower id. */
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

    /* Distinct query terms, in order of appearance; unknown ones contribute nothing. */
    int terms[MAX_TERMS];
    int nterms = 0, ntokens = 0;
    char tok[64];
    for (size_t i = 0; i < q->str_len;) {
        if (!tok_char((unsigned char)q->str[i])) { i++; continue; }
        size_t n = 0, j = i;
        while (j < q->str_len && tok_char((unsigned char)q->str[j])) {
            if (n < sizeof tok) tok[n] = tok_lower((unsigned char)q->str[j]);
            n++;
            j++;
        }
        i = j;
        if (++ntokens > MAX_TERMS) return tandem_fail(TANDEM_INVALID_PARAMS, "at most 32 query terms");
        if (n > sizeof tok) continue;   /* longer than any indexed term worth matching */
        int t = find_term(tok, n);
        if (t < 0) continue;
        int dup = 0;
        for (int k = 0; k < nterms; k++) dup |= terms[k] == t;
        if (!dup) terms[nterms++] = t;
    }

    int total = 0;
    for (int k = 0; k < nterms; k++) {
        int t = terms[k];
        uint32_t lo = post_off[t], hi = post_off[t + 1];
        int64_t idf = idf_q16(hi - lo);
        for (uint32_t p = lo; p < hi; p++) {
            int d = post_doc[p];
            if (!seen[d]) { seen[d] = 1; matched[total++] = (uint16_t)d; }
            scores[d] += term_score(idf, post_tf[p], doc_len[d]);
        }
    }

    /* Top `limit` by insertion into a sorted array: limit <= 100, so this is cheap. */
    hit top[MAX_LIMIT];
    int ntop = 0;
    for (int m = 0; m < total && limit > 0; m++) {
        hit h = { scores[matched[m]], matched[m] };
        if (ntop == limit && !before(&h, &top[ntop - 1])) continue;
        int pos = ntop < limit ? ntop++ : ntop - 1;
        while (pos > 0 && before(&h, &top[pos - 1])) { top[pos] = top[pos - 1]; pos--; }
        top[pos] = h;
    }

    tb_puts(out, "{\"hits\":[");
    for (int i = 0; i < ntop; i++) {
        int d = top[i].doc;
        if (i) tb_putc(out, ',');
        tb_puts(out, "{\"id\":");
        tb_int(out, d);
        tb_puts(out, ",\"name\":");
        tb_str(out, doc_name(d), doc_name_len[d]);
        /* Q16 bits -> thousandths of a bit: readable, still an integer. */
        tb_puts(out, ",\"score\":");
        tb_int(out, (top[i].score * 1000) >> 16);
        tb_puts(out, ",\"snippet\":");
        write_snippet(out, d);
        tb_putc(out, '}');
    }
    tb_puts(out, "],\"total\":");
    tb_int(out, total);
    tb_putc(out, '}');

    /* Hosts give every call a fresh instance; clearing anyway keeps a reused one correct. */
    for (int m = 0; m < total; m++) { scores[matched[m]] = 0; seen[matched[m]] = 0; }
    return 0;
}

static int do_doc(const jnode *params, tbuf *out) {
    int64_t id;
    if (!json_int(json_get(params, "id"), &id) || id < 0 || id >= DOC_COUNT)
        return tandem_fail(TANDEM_INVALID_PARAMS, "id must be a document id");
    int d = (int)id;
    tbuf desc;
    doc_description(d, &desc);
    tb_puts(out, "{\"description\":");
    tb_str(out, desc.p, desc.len);
    tb_puts(out, ",\"id\":");
    tb_int(out, d);
    tb_puts(out, ",\"name\":");
    tb_str(out, doc_name(d), doc_name_len[d]);
    tb_puts(out, ",\"summary\":");
    tb_str(out, doc_short(d), doc_short_len[d]);
    tb_putc(out, '}');
    return 0;
}

static int do_stats(tbuf *out) {
    tb_puts(out, "{\"docs\":");
    tb_int(out, DOC_COUNT);
    tb_puts(out, ",\"postings\":");
    tb_int(out, POSTING_COUNT);
    tb_puts(out, ",\"terms\":");
    tb_int(out, TERM_COUNT);
    tb_puts(out, ",\"tokens\":");
    tb_int(out, (int64_t)TOTAL_LENGTH);
    tb_putc(out, '}');
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (json_str_eq(method, "query")) {
        if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
        return do_query(params, out);
    }
    if (json_str_eq(method, "doc")) {
        if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
        return do_doc(params, out);
    }
    if (json_str_eq(method, "stats")) return do_stats(out);
    return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
