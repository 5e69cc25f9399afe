/*
 * search: full-text search over an index given by CID, or over the Debian package descriptions compiled into the
 * module when the call names none.
 *
 *   query {"index"?:{"/":"<cid>"},"q":"...","limit":n} -> {"hits":[{"id","name","score","snippet"}...],"total":N}
 *   doc   {"index"?:{"/":"<cid>"},"id":n}              -> {"description","id","name","summary"}
 *   stats {"index"?:{"/":"<cid>"}}                     -> {"docs","postings","terms","tokens"}
 *
 * The inverted index is built ahead of time by gen-index.py from a corpus (one document per line,
 * name<TAB>summary<TAB>description), so a call only looks up the query terms: every call gets a fresh instance, and
 * rebuilding the index on each one would cost more than the query itself. `gen-index.py --index corpus.txt out.idx`
 * writes the index file a call names by CID (its format is below, at load_index); its bytes depend only on the
 * corpus, so anyone can rebuild it and check that an index CID matches its corpus. The compiled-in index is the
 * same one, built from search/corpus.txt into search_index.h.
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

/* ---- the index ---------------------------------------------------------- */

typedef struct {
    uint32_t docs, terms, postings;
    uint64_t total;                 /* weighted tokens, the S of BM25 */
    const char *corpus, *term_text;
    const uint32_t *doc_off, *doc_long_len, *term_off, *post_off;
    const uint16_t *doc_name_len, *doc_short_len, *doc_len, *post_doc, *post_tf;
} index_t;

_Static_assert(TOTAL_LENGTH < (1ull << 22), "corpus too large for the integer BM25 bounds");
_Static_assert(DOC_COUNT < (1 << 16), "document ids are 16-bit");

static index_t ix = {
    DOC_COUNT, TERM_COUNT, POSTING_COUNT, TOTAL_LENGTH, corpus, term_text,
    doc_off, doc_long_len, term_off, post_off, doc_name_len, doc_short_len, doc_len, post_doc, post_tf,
};

#define INDEX_MAGIC "TNDMIDX1"

/* Reads a little-endian u32 at p. */
static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Takes the next section of n bytes, padded to 4, from the index file; NULL when the file is too short. */
static const unsigned char *take(const unsigned char *data, size_t len, size_t *at, uint64_t n) {
    if (n > len - *at) return 0;
    const unsigned char *p = data + *at;
    *at += (size_t)((n + 3) & ~3ull);
    if (*at > len) *at = len;
    return p;
}

/*
 * The index file (input 0 when params name "index"): the 8 bytes "TNDMIDX1", then u32 docs, terms, postings,
 * total weighted tokens, corpus bytes, term text bytes (little-endian), then these sections, each padded with zeros
 * to a multiple of 4 bytes: u32 doc_off[docs], u16 doc_name_len[docs], u16 doc_short_len[docs], u32
 * doc_long_len[docs], u16 doc_len[docs], u32 term_off[terms + 1], u32 post_off[terms + 1], u16 post_doc[postings],
 * u16 post_tf[postings], the corpus, the term text. Every offset is checked, so a bad file is -32602, never a trap.
 */
static int load_index(const jnode *params) {
    const jnode *link = params && params->type == J_OBJECT ? json_get(params, "index") : 0;
    if (!link) return 0;
    if (link->type != J_OBJECT || !json_get(link, "/"))
        return tandem_fail(TANDEM_INVALID_PARAMS, "index must be a link to an index file: {\"/\": \"<cid>\"}");
    size_t len;
    const unsigned char *d = (const unsigned char *)tandem_input(0, &len);
    if (!d) return tandem_fail(TANDEM_INVALID_PARAMS, "the index was not given as an input");
    if (len < 32 || memcmp(d, INDEX_MAGIC, 8) != 0)
        return tandem_fail(TANDEM_INVALID_PARAMS, "the index is not a search index (gen-index.py --index)");
    index_t x;
    x.docs = le32(d + 8); x.terms = le32(d + 12); x.postings = le32(d + 16); x.total = le32(d + 20);
    uint32_t corpus_len = le32(d + 24), text_len = le32(d + 28);
    if (x.docs == 0 || x.docs >= (1u << 16) || x.total >= (1u << 22) || x.terms >= (1u << 24)
        || x.postings >= (1u << 26))
        return tandem_fail(TANDEM_INVALID_PARAMS, "the index is too large for the integer BM25 bounds");
    size_t at = 32;
    /* Sections are 4-aligned in the file and t_alloc is 8-aligned, so these casts are aligned. */
    x.doc_off = (const uint32_t *)take(d, len, &at, 4ull * x.docs);
    x.doc_name_len = (const uint16_t *)take(d, len, &at, 2ull * x.docs);
    x.doc_short_len = (const uint16_t *)take(d, len, &at, 2ull * x.docs);
    x.doc_long_len = (const uint32_t *)take(d, len, &at, 4ull * x.docs);
    x.doc_len = (const uint16_t *)take(d, len, &at, 2ull * x.docs);
    x.term_off = (const uint32_t *)take(d, len, &at, 4ull * (x.terms + 1));
    x.post_off = (const uint32_t *)take(d, len, &at, 4ull * (x.terms + 1));
    x.post_doc = (const uint16_t *)take(d, len, &at, 2ull * x.postings);
    x.post_tf = (const uint16_t *)take(d, len, &at, 2ull * x.postings);
    x.corpus = (const char *)take(d, len, &at, corpus_len);
    x.term_text = (const char *)take(d, len, &at, text_len);
    if (!x.doc_off || !x.doc_name_len || !x.doc_short_len || !x.doc_long_len || !x.doc_len || !x.term_off
        || !x.post_off || !x.post_doc || !x.post_tf || !x.corpus || !x.term_text || at != len)
        return tandem_fail(TANDEM_INVALID_PARAMS, "the index file's sections do not match its header");
    for (uint32_t i = 0; i < x.docs; i++) {
        uint64_t end = (uint64_t)x.doc_off[i] + x.doc_name_len[i] + x.doc_short_len[i] + x.doc_long_len[i] + 2;
        if (end > corpus_len) return tandem_fail(TANDEM_INVALID_PARAMS, "the index's documents overrun its corpus");
    }
    if (x.term_off[0] != 0 || x.post_off[0] != 0 || x.term_off[x.terms] != text_len
        || x.post_off[x.terms] != x.postings)
        return tandem_fail(TANDEM_INVALID_PARAMS, "the index's term table is inconsistent");
    for (uint32_t t = 0; t < x.terms; t++)
        if (x.term_off[t + 1] < x.term_off[t] || x.post_off[t + 1] < x.post_off[t])
            return tandem_fail(TANDEM_INVALID_PARAMS, "the index's term table is inconsistent");
    for (uint32_t p = 0; p < x.postings; p++)
        if (x.post_doc[p] >= x.docs) return tandem_fail(TANDEM_INVALID_PARAMS, "the index names a missing document");
    ix = x;
    return 0;
}

/* ---- index lookups ------------------------------------------------------- */

/* Binary search over the sorted term list; bytewise order, like Python's sort of bytes. */
static int find_term(const char *t, size_t n) {
    int lo = 0, hi = (int)ix.terms - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *m = ix.term_text + ix.term_off[mid];
        size_t mn = ix.term_off[mid + 1] - ix.term_off[mid];
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
    return log2_q16(2ull * ix.docs + 2) - log2_q16(2ull * df + 1);
}

/*
 * BM25's tf part tf(k1+1) / (tf + k1(1 - b + b dl/avgdl)) with avgdl = S/N and
 * k1 = 6/5, b = 3/4 becomes 22 S tf / (10 S tf + 3 S + 9 dl N) exactly.
 * Magnitudes: idf < 2^20 and, with S < 2^22 and tf < 2^16, 22 S tf < 2^43: the
 * product stays below 2^63.
 */
static int64_t term_score(int64_t idf, uint32_t tf, uint32_t dl) {
    const uint64_t S = ix.total, N = ix.docs;
    uint64_t num = 22u * S * tf;
    uint64_t den = 10u * S * tf + 3u * S + 9u * (uint64_t)dl * N;
    return (int64_t)(((uint64_t)idf * num) / den);
}

/* ---- documents ----------------------------------------------------------- */

static const char *doc_name(int d) { return ix.corpus + ix.doc_off[d]; }
static const char *doc_short(int d) { return ix.corpus + ix.doc_off[d] + ix.doc_name_len[d] + 1; }
static const char *doc_long(int d) { return doc_short(d) + ix.doc_short_len[d] + 1; }

/* Short and long description joined by one space. */
static void doc_description(int d, tbuf *b) {
    tb_init(b, ix.doc_short_len[d] + ix.doc_long_len[d] + 1);
    tb_put(b, doc_short(d), ix.doc_short_len[d]);
    if (ix.doc_long_len[d]) {
        tb_putc(b, ' ');
        tb_put(b, doc_long(d), ix.doc_long_len[d]);
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

static int64_t *scores;
static uint8_t *seen;
static uint16_t *matched;

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

    scores = (int64_t *)t_alloc(sizeof *scores * ix.docs);
    seen = (uint8_t *)t_alloc(ix.docs);
    matched = (uint16_t *)t_alloc(sizeof *matched * ix.docs);
    int total = 0;
    for (int k = 0; k < nterms; k++) {
        int t = terms[k];
        uint32_t lo = ix.post_off[t], hi = ix.post_off[t + 1];
        int64_t idf = idf_q16(hi - lo);
        for (uint32_t p = lo; p < hi; p++) {
            int d = ix.post_doc[p];
            if (!seen[d]) { seen[d] = 1; matched[total++] = (uint16_t)d; }
            scores[d] += term_score(idf, ix.post_tf[p], ix.doc_len[d]);
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
        tb_str(out, doc_name(d), ix.doc_name_len[d]);
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

    return 0;
}

static int do_doc(const jnode *params, tbuf *out) {
    int64_t id;
    if (!json_int(json_get(params, "id"), &id) || id < 0 || id >= ix.docs)
        return tandem_fail(TANDEM_INVALID_PARAMS, "id must be a document id");
    int d = (int)id;
    tbuf desc;
    doc_description(d, &desc);
    tb_puts(out, "{\"description\":");
    tb_str(out, desc.p, desc.len);
    tb_puts(out, ",\"id\":");
    tb_int(out, d);
    tb_puts(out, ",\"name\":");
    tb_str(out, doc_name(d), ix.doc_name_len[d]);
    tb_puts(out, ",\"summary\":");
    tb_str(out, doc_short(d), ix.doc_short_len[d]);
    tb_putc(out, '}');
    return 0;
}

static int do_stats(tbuf *out) {
    tb_puts(out, "{\"docs\":");
    tb_int(out, ix.docs);
    tb_puts(out, ",\"postings\":");
    tb_int(out, ix.postings);
    tb_puts(out, ",\"terms\":");
    tb_int(out, ix.terms);
    tb_puts(out, ",\"tokens\":");
    tb_int(out, (int64_t)ix.total);
    tb_putc(out, '}');
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    int failed = load_index(params);
    if (failed) return failed;
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
