package dev.tandem.core.cid;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The CID that Kubo's {@code ipfs add} prints for a file, computed without storing any block: UnixFS
 * {@code File} nodes over dag-pb, fixed-size chunks of 262144 bytes, balanced layout with at most 174 links per
 * node, sha2-256.
 *
 * <p>Which Kubo command each call reproduces:
 * <table>
 *   <caption>Calls and the Kubo command they match</caption>
 *   <tr><th>call</th><th>Kubo</th><th>ipfs-only-hash options</th></tr>
 *   <tr><td>{@code kuboCid(in, 0)}</td><td>{@code ipfs add}</td><td>{@code {}}</td></tr>
 *   <tr><td>{@code kuboCid(in, 1)}</td><td>{@code ipfs add --cid-version 1 --raw-leaves=false}</td>
 *       <td>{@code {cidVersion: 1}}</td></tr>
 *   <tr><td>{@code kuboCid(in, 1, true)}</td><td>{@code ipfs add --cid-version 1}</td>
 *       <td>{@code {cidVersion: 1, rawLeaves: true}}</td></tr>
 *   <tr><td>{@code kuboCid(in, 0, true)}</td><td>{@code ipfs add --raw-leaves}</td>
 *       <td>{@code {rawLeaves: true}}</td></tr>
 * </table>
 * Kubo turns raw leaves on whenever the CID version is 1 and {@code --raw-leaves} is not given, so plain
 * {@code ipfs add --cid-version 1} is the {@code rawLeaves = true} form: a file of one chunk is then a single raw
 * block, whose CID is {@link Cid#rawSha256} of the file ({@code bafkrei…}). {@code kuboCid(in, 1)} keeps the dag-pb
 * leaves of CIDv0 and only switches the CIDs to version 1; for a file of one chunk that is {@code toV1()} of the
 * CIDv0 ({@code bafybei…}). {@link #kuboCids} gives all of them in one pass.
 *
 * <p>Blocks are laid out as Kubo (go-unixfs with go-merkledag) serialises them:
 * <ul>
 *   <li>a leaf holds one chunk: PBNode {Data = UnixFS {Type = File, Data = chunk, filesize = chunk length}}, the
 *       UnixFS Data field left out when the chunk is empty; with raw leaves the leaf is the chunk itself;</li>
 *   <li>an inner node: PBNode {Links, Data = UnixFS {Type = File, filesize = sum, blocksizes = each child's file
 *       bytes}}, each PBLink {Hash = child CID, Name = "" (written, though empty), Tsize = child's block size plus
 *       its children's Tsize}; Links are serialised before Data, as dag-pb requires;</li>
 *   <li>a file of one chunk is that leaf alone; an empty file is one empty leaf;</li>
 *   <li>chunks fill nodes of 174 links from the left; a full level gets a parent, and the last, partial groups get
 *       parents too, up to a single root.</li>
 * </ul>
 */
public final class UnixFs {
    /** Kubo's default chunk size ({@code --chunker=size-262144}). */
    public static final int CHUNK_SIZE = 262_144;
    /** Kubo's default maximum of links per node in the balanced layout. */
    public static final int MAX_LINKS = 174;

    private static final byte[] EMPTY = new byte[0];
    private static final int UNIXFS_FILE = 2;

    private UnixFs() {}

    /**
     * The CID Kubo prints for {@code ipfs add} ({@code cidVersion} 0) or
     * {@code ipfs add --cid-version 1 --raw-leaves=false} ({@code cidVersion} 1), reading {@code in} to its end.
     * Memory stays at one chunk plus at most 174 links per tree level, whatever the file's size.
     */
    public static Cid kuboCid(InputStream in, int cidVersion) throws IOException {
        return kuboCid(in, cidVersion, false);
    }

    /**
     * The CID Kubo prints for {@code ipfs add --cid-version <cidVersion> --raw-leaves=<rawLeaves>}; with
     * {@code cidVersion} 1 and {@code rawLeaves} true this is plain {@code ipfs add --cid-version 1}.
     */
    public static Cid kuboCid(InputStream in, int cidVersion, boolean rawLeaves) throws IOException {
        Tree tree = new Tree(cidVersion, rawLeaves, MAX_LINKS, null);
        chunk(in, CHUNK_SIZE, (chunk, length) -> tree.addChunk(chunk, length));
        return tree.root();
    }

    /** {@link #kuboCid(InputStream, int)} of bytes in memory. */
    public static Cid kuboCid(byte[] data, int cidVersion) {
        return kuboCid(data, cidVersion, false);
    }

    /** {@link #kuboCid(InputStream, int, boolean)} of bytes in memory. */
    public static Cid kuboCid(byte[] data, int cidVersion, boolean rawLeaves) {
        try {
            return kuboCid(new ByteArrayInputStream(data), cidVersion, rawLeaves);
        } catch (IOException e) {
            throw new AssertionError("a ByteArrayInputStream does not fail", e);
        }
    }

    /**
     * The CIDs a file is known by, from one read of {@code in}.
     *
     * @param raw CIDv1 raw sha2-256 of the whole file (Tandem's module CID)
     * @param v0 {@code ipfs add}
     * @param v1 {@code ipfs add --cid-version 1 --raw-leaves=false}
     * @param v1RawLeaves {@code ipfs add --cid-version 1}
     */
    public record KuboCids(Cid raw, Cid v0, Cid v1, Cid v1RawLeaves) {
        public KuboCids {
            Objects.requireNonNull(raw, "raw");
            Objects.requireNonNull(v0, "v0");
            Objects.requireNonNull(v1, "v1");
            Objects.requireNonNull(v1RawLeaves, "v1RawLeaves");
        }

        /** Whether {@code cid} is one of these. */
        public boolean contains(Cid cid) {
            return raw.equals(cid) || v0.equals(cid) || v1.equals(cid) || v1RawLeaves.equals(cid);
        }
    }

    /** All of {@link KuboCids} in a single pass over {@code in}. */
    public static KuboCids kuboCids(InputStream in) throws IOException {
        MessageDigest whole = Cid.sha256();
        Tree v0 = new Tree(0, false, MAX_LINKS, null);
        Tree v1 = new Tree(1, false, MAX_LINKS, null);
        Tree v1Raw = new Tree(1, true, MAX_LINKS, null);
        chunk(in, CHUNK_SIZE, (chunk, length) -> {
            whole.update(chunk, 0, length);
            v0.addChunk(chunk, length);
            v1.addChunk(chunk, length);
            v1Raw.addChunk(chunk, length);
        });
        return new KuboCids(Cid.of(1, Cid.RAW, whole.digest()), v0.root(), v1.root(), v1Raw.root());
    }

    /**
     * Builds the DAG {@link #kuboCid(InputStream, int, boolean)} names and hands every block to {@code sink}, leaves
     * before the node that links them, and returns the root. This is how a node stores a file so that its Kubo CIDs
     * resolve block by block.
     */
    public static Cid dag(InputStream in, int cidVersion, boolean rawLeaves, BlockSink sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        Tree tree = new Tree(cidVersion, rawLeaves, MAX_LINKS, sink);
        chunk(in, CHUNK_SIZE, (chunk, length) -> tree.addChunk(chunk, length));
        return tree.root();
    }

    /** Like {@link #kuboCid(InputStream, int, boolean)} with another chunk size and fan-out, for layout tests. */
    static Cid kuboCid(InputStream in, int cidVersion, boolean rawLeaves, int chunkSize, int maxLinks)
            throws IOException {
        Tree tree = new Tree(cidVersion, rawLeaves, maxLinks, null);
        chunk(in, chunkSize, (chunk, length) -> tree.addChunk(chunk, length));
        return tree.root();
    }

    @FunctionalInterface
    private interface ChunkSink {
        void accept(byte[] chunk, int length);
    }

    /**
     * Cuts {@code in} into chunks of exactly {@code size} bytes, however the stream splits its reads, the last one
     * shorter; an empty stream is one empty chunk, as Kubo makes an empty leaf for an empty file.
     */
    private static void chunk(InputStream in, int size, ChunkSink sink) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, not " + size);
        }
        byte[] buffer = new byte[size];
        boolean any = false;
        while (true) {
            int n = readFully(in, buffer);
            if (n == 0 && any) {
                return;
            }
            sink.accept(buffer, n);
            any = true;
            if (n < size) {
                return;
            }
        }
    }

    /**
     * Fills {@code buffer} unless the stream ends first, and returns how much it read. Not
     * {@code InputStream.readNBytes}: some streams override it to return after one short read, which would move
     * chunk boundaries and so change the CID.
     */
    private static int readFully(InputStream in, byte[] buffer) throws IOException {
        int n = 0;
        while (n < buffer.length) {
            int read = in.read(buffer, n, buffer.length - n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        return n;
    }

    /** A child as its parent needs it: CID, Tsize and the file bytes below it. */
    private record Link(Cid cid, long tsize, long fileSize) {}

    /**
     * Builds the balanced tree bottom-up while chunks stream in. {@code levels.get(0)} holds leaves not yet given a
     * parent, {@code levels.get(1)} their would-be siblings one level up, and so on: a level that is full gets a
     * parent as soon as another node arrives for it, which yields exactly Kubo's layout.
     */
    private static final class Tree {
        private final int cidVersion;
        private final boolean rawLeaves;
        private final int maxLinks;
        private final List<List<Link>> levels = new ArrayList<>();
        private final MessageDigest sha256 = Cid.sha256();
        /** Receives every block when the DAG is stored; null when only the root CID is wanted. */
        private final BlockSink sink;

        Tree(int cidVersion, boolean rawLeaves, int maxLinks, BlockSink sink) {
            if (cidVersion != 0 && cidVersion != 1) {
                throw new IllegalArgumentException("CID version must be 0 or 1, not " + cidVersion);
            }
            if (maxLinks < 2) {
                throw new IllegalArgumentException("a node needs room for at least 2 links, not " + maxLinks);
            }
            this.cidVersion = cidVersion;
            this.rawLeaves = rawLeaves;
            this.maxLinks = maxLinks;
            this.sink = sink;
        }

        void addChunk(byte[] chunk, int length) {
            add(0, rawLeaves ? rawLeaf(chunk, length) : leaf(chunk, length));
        }

        Cid root() {
            if (levels.isEmpty()) {
                addChunk(EMPTY, 0);
            }
            for (int level = 0; ; level++) {
                List<Link> links = levels.get(level);
                if (level == levels.size() - 1 && links.size() == 1) {
                    return links.get(0).cid();
                }
                // Not the top yet: even a lone node gets a parent, so all leaves sit at the same depth.
                Link parent = parent(links);
                links.clear();
                add(level + 1, parent);
            }
        }

        private void add(int level, Link link) {
            if (levels.size() == level) {
                levels.add(new ArrayList<>(maxLinks));
            }
            List<Link> links = levels.get(level);
            if (links.size() == maxLinks) {
                Link parent = parent(links);
                links.clear();
                add(level + 1, parent);
            }
            links.add(link);
        }

        /** A raw leaf is the chunk itself; raw blocks only exist in CIDv1, so even a CIDv0 tree links them as v1. */
        private Link rawLeaf(byte[] chunk, int length) {
            sha256.update(chunk, 0, length);
            Link link = new Link(Cid.of(1, Cid.RAW, sha256.digest()), length, length);
            if (sink != null) {
                sink.accept(link.cid(), Arrays.copyOf(chunk, length));
            }
            return link;
        }

        /** PBNode {Data = UnixFS {Type = File, Data = chunk, filesize}}, hashed without copying the chunk. */
        private Link leaf(byte[] chunk, int length) {
            Proto head = new Proto();
            Proto unixfsHead = new Proto();
            unixfsHead.varintField(1, UNIXFS_FILE);
            if (length > 0) {
                unixfsHead.tag(2, Proto.LENGTH_DELIMITED).varint(length);
            }
            Proto unixfsTail = new Proto().varintField(3, length);
            long unixfsLength = unixfsHead.size() + (long) length + unixfsTail.size();
            head.tag(1, Proto.LENGTH_DELIMITED).varint(unixfsLength);
            sha256.update(head.bytes(), 0, head.size());
            sha256.update(unixfsHead.bytes(), 0, unixfsHead.size());
            sha256.update(chunk, 0, length);
            sha256.update(unixfsTail.bytes(), 0, unixfsTail.size());
            long blockSize = head.size() + unixfsLength;
            Link link = new Link(Cid.of(cidVersion, Cid.DAG_PB, sha256.digest()), blockSize, length);
            if (sink != null) {
                byte[] block = new byte[(int) blockSize];
                int pos = 0;
                for (Proto part : List.of(head, unixfsHead)) {
                    System.arraycopy(part.bytes(), 0, block, pos, part.size());
                    pos += part.size();
                }
                System.arraycopy(chunk, 0, block, pos, length);
                System.arraycopy(unixfsTail.bytes(), 0, block, pos + length, unixfsTail.size());
                sink.accept(link.cid(), block);
            }
            return link;
        }

        /** PBNode {Links, Data = UnixFS {Type = File, filesize, blocksizes}} over {@code children}. */
        private Link parent(List<Link> children) {
            long fileSize = 0;
            long childrenTsize = 0;
            Proto unixfs = new Proto().varintField(1, UNIXFS_FILE);
            for (Link child : children) {
                fileSize += child.fileSize();
            }
            unixfs.varintField(3, fileSize);
            for (Link child : children) {
                unixfs.varintField(4, child.fileSize()); // repeated, not packed: proto2 as in unixfs.proto
            }
            Proto node = new Proto();
            for (Link child : children) {
                byte[] hash = child.cid().bytes();
                Proto link = new Proto();
                link.bytesField(1, hash, hash.length);
                link.bytesField(2, EMPTY, 0); // go-merkledag writes the empty Name; leaving it out changes the hash
                link.varintField(3, child.tsize());
                node.bytesField(2, link.bytes(), link.size());
                childrenTsize += child.tsize();
            }
            node.bytesField(1, unixfs.bytes(), unixfs.size());
            sha256.update(node.bytes(), 0, node.size());
            Cid cid = Cid.of(cidVersion, Cid.DAG_PB, sha256.digest());
            if (sink != null) {
                sink.accept(cid, Arrays.copyOf(node.bytes(), node.size()));
            }
            return new Link(cid, node.size() + childrenTsize, fileSize);
        }
    }

    /** Just enough protobuf writing for dag-pb and UnixFS: varint and length-delimited fields, in call order. */
    private static final class Proto {
        static final int VARINT = 0;
        static final int LENGTH_DELIMITED = 2;

        private byte[] buffer = new byte[64];
        private int size;

        Proto tag(int field, int wireType) {
            return varint((long) field << 3 | wireType);
        }

        Proto varint(long value) {
            ensure(Varint.MAX_BYTES + 1);
            size = Varint.write(value, buffer, size);
            return this;
        }

        Proto varintField(int field, long value) {
            return tag(field, VARINT).varint(value);
        }

        Proto bytesField(int field, byte[] bytes, int length) {
            tag(field, LENGTH_DELIMITED).varint(length);
            ensure(length);
            System.arraycopy(bytes, 0, buffer, size, length);
            size += length;
            return this;
        }

        byte[] bytes() {
            return buffer;
        }

        int size() {
            return size;
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }
    }
}
