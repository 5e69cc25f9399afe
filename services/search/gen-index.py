#!/usr/bin/env python3
"""Compiles a corpus into its inverted index: a C header for the compiled-in index, or an index file for calls.

Usage: gen-index.py corpus.txt out.h            the C header search.c is built with
       gen-index.py --index corpus.txt out.idx  the index file a call names by CID ({"index": {"/": "<cid>"}})

A corpus has one document per line, name<TAB>summary<TAB>description, and ends with a newline. The index file's
format is described in search.c (load_index); `tandem add out.idx` stores it on a node and prints its CIDs, and
`tandem cid --kubo --cid-version 1 out.idx` prints the same CID on any machine for the same corpus.

The output depends only on the corpus bytes: everything is sorted, nothing
depends on hash order, the clock or the Python version. The tokenizer must stay
identical to the one in search.c: runs of ASCII letters and digits, lowercased;
every other byte (including all non-ASCII) separates tokens.

Field weights, BM25F-style by repetition: a token in the package name counts 3
times, in the short description 2 times, in the long description once.
"""
import struct
import sys

NAME_WEIGHT, SHORT_WEIGHT, LONG_WEIGHT = 3, 2, 1


def tokens(data: bytes):
    out, cur = [], bytearray()
    for b in data:
        if 48 <= b <= 57 or 97 <= b <= 122:
            cur.append(b)
        elif 65 <= b <= 90:
            cur.append(b + 32)
        elif cur:
            out.append(bytes(cur))
            cur = bytearray()
    if cur:
        out.append(bytes(cur))
    return out


def c_string(data: bytes) -> str:
    """A C string literal; octal escapes are fixed-width, so no digit can run on."""
    parts = []
    for b in data:
        if 32 <= b < 127 and b not in (34, 92, 63):  # not " \ ?
            parts.append(chr(b))
        else:
            parts.append("\\%03o" % b)
    return '"' + "".join(parts) + '"'


def c_array(ctype, name, values, per_line=16):
    lines = [f"static const {ctype} {name}[{len(values)}] = {{"]
    for i in range(0, len(values), per_line):
        lines.append("  " + ",".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def index_file(corpus, docs, term_text, term_off, post_off, post_doc, post_tf, total_len):
    """The binary index: header, then each section little-endian and zero-padded to a multiple of 4 bytes."""
    def section(fmt, values):
        data = struct.pack("<%d%s" % (len(values), fmt), *values)
        return data + b"\0" * (-len(data) % 4)

    def raw(data):
        return bytes(data) + b"\0" * (-len(data) % 4)

    if total_len >= 1 << 22:
        sys.exit("corpus too large for the integer BM25 bounds")
    out = b"TNDMIDX1" + struct.pack("<6I", len(docs), len(term_off) - 1, len(post_doc), total_len, len(corpus),
                                    len(term_text))
    out += section("I", [d[0] for d in docs]) + section("H", [d[1] for d in docs])
    out += section("H", [d[2] for d in docs]) + section("I", [d[3] for d in docs])
    out += section("H", [d[4] for d in docs]) + section("I", term_off) + section("I", post_off)
    out += section("H", post_doc) + section("H", post_tf) + raw(corpus) + raw(term_text)
    return out


def main():
    args = sys.argv[1:]
    binary = args[:1] == ["--index"]
    if binary:
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: gen-index.py [--index] corpus.txt out")
    corpus_path, out_path = args
    with open(corpus_path, "rb") as f:
        corpus = f.read()

    docs = []        # (offset, name_len, short_len, long_len, weighted token count)
    postings = {}    # term -> list of (doc, tf), doc ascending by construction
    off = 0
    if not corpus.endswith(b"\n"):
        sys.exit("corpus.txt must end with a newline")
    lines = corpus[:-1].split(b"\n")
    for doc_id, line in enumerate(lines):
        fields = line.split(b"\t")
        if len(fields) != 3:
            sys.exit("line %d: every line must be name<TAB>summary<TAB>description" % (doc_id + 1))
        name, short, long_ = fields
        tf = {}
        for field, weight in ((name, NAME_WEIGHT), (short, SHORT_WEIGHT), (long_, LONG_WEIGHT)):
            for t in tokens(field):
                tf[t] = tf.get(t, 0) + weight
        length = sum(tf.values())
        for t in tf:
            postings.setdefault(t, []).append((doc_id, min(tf[t], 65535)))
        docs.append((off, len(name), len(short), len(long_), min(length, 65535)))
        off += len(line) + 1

    n = len(docs)
    if n >= 65536:
        sys.exit("too many documents for 16-bit ids")
    terms = sorted(postings)
    term_text, term_off, post_off, post_doc, post_tf = bytearray(), [0], [0], [], []
    for t in terms:
        term_text += t
        term_off.append(len(term_text))
        for d, c in postings[t]:
            post_doc.append(d)
            post_tf.append(c)
        post_off.append(len(post_doc))
    total_len = sum(d[4] for d in docs)
    if binary:
        with open(out_path, "wb") as f:
            f.write(index_file(corpus, docs, term_text, term_off, post_off, post_doc, post_tf, total_len))
        return

    out = []
    out.append("/* Generated by gen-index.py from corpus.txt; do not edit. */")
    out.append(f"#define DOC_COUNT {n}")
    out.append(f"#define TERM_COUNT {len(terms)}")
    out.append(f"#define POSTING_COUNT {len(post_doc)}")
    out.append(f"#define TOTAL_LENGTH {total_len}ull")
    out.append("static const char corpus[] =")
    for line in lines:
        out.append("  " + c_string(line + b"\n"))
    out.append(";")
    out.append("/* per document: offset of the line, name/short/long lengths, weighted token count */")
    out.append(c_array("uint32_t", "doc_off", [d[0] for d in docs]))
    out.append(c_array("uint16_t", "doc_name_len", [d[1] for d in docs]))
    out.append(c_array("uint16_t", "doc_short_len", [d[2] for d in docs]))
    out.append(c_array("uint32_t", "doc_long_len", [d[3] for d in docs]))
    out.append(c_array("uint16_t", "doc_len", [d[4] for d in docs]))
    out.append("/* terms, sorted bytewise; term i is term_text[term_off[i] .. term_off[i+1]) */")
    out.append("static const char term_text[] =")
    for i in range(0, len(term_text), 96):
        out.append("  " + c_string(bytes(term_text[i:i + 96])))
    out.append(";")
    out.append(c_array("uint32_t", "term_off", term_off))
    out.append("/* postings of term i: post_off[i] .. post_off[i+1], document ids ascending */")
    out.append(c_array("uint32_t", "post_off", post_off))
    out.append(c_array("uint16_t", "post_doc", post_doc))
    out.append(c_array("uint16_t", "post_tf", post_tf))
    with open(out_path, "w", newline="\n") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
