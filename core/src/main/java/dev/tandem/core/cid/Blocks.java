package dev.tandem.core.cid;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Walking a DAG of raw and dag-pb blocks, every block checked against its CID before it is used: the blocks of a
 * DAG in depth-first order (what a CAR of {@code order=dfs} holds) and the bytes of a UnixFS file. Whatever hands
 * the blocks over, a node's store or a stranger's gateway, a wrong block is refused, never used.
 */
public final class Blocks {
    /** Deepest DAG followed: Kubo's balanced files of 1 TB are 4 levels deep, so this only stops hostile DAGs. */
    public static final int MAX_DEPTH = 64;

    private Blocks() {}

    /** Where blocks come from. */
    @FunctionalInterface
    public interface Source {
        /** The block's bytes, unchecked; empty when this source does not have it. */
        Optional<byte[]> get(Cid cid) throws IOException;
    }

    /** A block the walk needs is not there. */
    public static final class MissingBlockException extends IOException {
        private final transient Cid cid;

        public MissingBlockException(Cid cid) {
            super("block " + cid + " is not available");
            this.cid = cid;
        }

        public Cid cid() {
            return cid;
        }
    }

    /** Whether {@code block} hashes to {@code cid}'s digest. */
    public static boolean matches(Cid cid, byte[] block) {
        return MessageDigest.isEqual(Cid.sha256().digest(block), cid.digest());
    }

    /**
     * Checks {@code block} against {@code cid}.
     *
     * @throws CidFormatException when it does not hash to the CID
     */
    public static void verify(Cid cid, byte[] block) {
        if (!matches(cid, block)) {
            throw new CidFormatException("block does not hash to " + cid);
        }
    }

    /** A checked block from {@code source}, or {@link MissingBlockException}. */
    public static byte[] get(Source source, Cid cid) throws IOException {
        byte[] block = source.get(cid).orElseThrow(() -> new MissingBlockException(cid));
        verify(cid, block);
        return block;
    }

    /**
     * Hands each block of the DAG under {@code root} to {@code sink} in depth-first, pre-order, left to right
     * (a block appears once even when linked twice), checked against its CID. Only raw and dag-pb blocks have
     * links Tandem follows; a block of another codec is given without its children.
     *
     * @param rootOnly give the root block alone ({@code dag-scope=block})
     */
    public static void walk(Cid root, Source source, boolean rootOnly, BlockSink sink) throws IOException {
        java.util.Set<Cid> seen = new java.util.HashSet<>();
        Deque<Cid> stack = new ArrayDeque<>();
        Deque<Integer> depths = new ArrayDeque<>();
        stack.push(root);
        depths.push(0);
        while (!stack.isEmpty()) {
            Cid cid = stack.pop();
            int depth = depths.pop();
            if (!seen.add(cid.toV1())) {
                continue;
            }
            byte[] block = get(source, cid);
            sink.accept(cid, block);
            if (rootOnly || cid.codec() != Cid.DAG_PB) {
                continue;
            }
            if (depth >= MAX_DEPTH) {
                throw new CidFormatException("DAG under " + root + " is deeper than " + MAX_DEPTH + " levels");
            }
            var links = DagPb.decode(block).links();
            for (int i = links.size() - 1; i >= 0; i--) {
                stack.push(links.get(i).cid());
                depths.push(depth + 1);
            }
        }
    }

    /**
     * Writes the bytes of the UnixFS file (or raw block) {@code root} to {@code out}, checking every block.
     *
     * <p>A DAG may link one block many times, so the blocks visited are bounded by the bytes read: at most
     * {@code MAX_DEPTH + 1 + 2 × bytes so far}. A file every leaf of which holds a byte or more stays within it (each
     * inner node has a link, and there are no more inner nodes than leaves below the path to the first one), while a
     * crafted DAG that links the same empty block twice at each of 60 levels would otherwise take 2^60 visits.
     *
     * @param maxBytes the largest file accepted
     * @return the file's size
     * @throws CidFormatException when a block is not a file's, a directory is met, the file exceeds {@code maxBytes},
     *     or it visits more blocks than its bytes allow
     */
    public static long readFile(Cid root, Source source, OutputStream out, long maxBytes) throws IOException {
        long[] written = {0, 0}; // bytes written, blocks visited
        readFile(root, source, out, maxBytes, written, 0);
        return written[0];
    }

    private static void readFile(Cid cid, Source source, OutputStream out, long maxBytes, long[] written, int depth)
            throws IOException {
        if (depth > MAX_DEPTH) {
            throw new CidFormatException("file DAG is deeper than " + MAX_DEPTH + " levels");
        }
        if (++written[1] > MAX_DEPTH + 1 + 2 * written[0]) {
            throw new CidFormatException("file DAG visits " + written[1] + " blocks for " + written[0]
                    + " bytes: it links blocks that hold nothing over and over");
        }
        byte[] block = get(source, cid);
        if (cid.codec() == Cid.RAW) {
            emit(block, out, maxBytes, written);
            return;
        }
        if (cid.codec() != Cid.DAG_PB) {
            throw new CidFormatException(cid + " is neither raw nor dag-pb: not a file");
        }
        DagPb node = DagPb.decode(block);
        DagPb.UnixFsData unixFs = node.unixFs();
        if (unixFs.type() != DagPb.FILE && unixFs.type() != DagPb.RAW) {
            throw new CidFormatException(cid + " is a UnixFS " + (unixFs.type() == DagPb.DIRECTORY ? "directory"
                    : "node of type " + unixFs.type()) + ": only files are read");
        }
        emit(unixFs.data(), out, maxBytes, written);
        for (DagPb.Link link : node.links()) {
            readFile(link.cid(), source, out, maxBytes, written, depth + 1);
        }
    }

    private static void emit(byte[] bytes, OutputStream out, long maxBytes, long[] written) throws IOException {
        if (written[0] + bytes.length > maxBytes) {
            throw new CidFormatException("file is larger than the limit of " + maxBytes + " bytes");
        }
        out.write(bytes);
        written[0] += bytes.length;
    }
}
