package dev.tandem.core.cid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A decoded dag-pb block (PBNode): its links in order and its data, here always UnixFS. Only decoding: the blocks
 * Tandem makes are written by {@link UnixFs}.
 *
 * @param links the PBLinks, in the order the block lists them
 * @param data the PBNode's Data field, empty when absent
 */
public record DagPb(List<Link> links, byte[] data) {
    /** UnixFS node types (unixfs.proto). */
    public static final int RAW = 0;
    public static final int DIRECTORY = 1;
    public static final int FILE = 2;

    public DagPb {
        links = List.copyOf(links);
    }

    /** A PBLink: the child's CID, its name (empty in a file) and its cumulative size. */
    public record Link(Cid cid, String name, long tsize) {}

    /** The UnixFS message of a node's Data: its type, the bytes it holds itself and the file size it covers. */
    public record UnixFsData(int type, byte[] data, long fileSize) {}

    /**
     * Decodes a dag-pb block.
     *
     * @throws CidFormatException when the bytes are not a PBNode
     */
    public static DagPb decode(byte[] block) {
        Protobuf in = new Protobuf(block, 0, block.length);
        List<Link> links = new ArrayList<>();
        byte[] data = new byte[0];
        while (in.more()) {
            long tag = in.varint("PBNode field");
            switch ((int) tag) {
                case (2 << 3) | 2 -> links.add(link(in.nested("PBLink")));
                case (1 << 3) | 2 -> data = in.bytes("PBNode.Data");
                default -> throw new CidFormatException("not dag-pb: unexpected PBNode field tag " + tag);
            }
        }
        return new DagPb(links, data);
    }

    private static Link link(Protobuf in) {
        Cid cid = null;
        String name = "";
        long tsize = 0;
        while (in.more()) {
            long tag = in.varint("PBLink field");
            switch ((int) tag) {
                case (1 << 3) | 2 -> cid = Cid.fromBytes(in.bytes("PBLink.Hash"));
                case (2 << 3) | 2 -> name = new String(in.bytes("PBLink.Name"), java.nio.charset.StandardCharsets.UTF_8);
                case (3 << 3) -> tsize = in.varint("PBLink.Tsize");
                default -> throw new CidFormatException("not dag-pb: unexpected PBLink field tag " + tag);
            }
        }
        if (cid == null) {
            throw new CidFormatException("not dag-pb: a link without a Hash");
        }
        return new Link(cid, name, tsize);
    }

    /** This node's Data read as UnixFS. */
    public UnixFsData unixFs() {
        Protobuf in = new Protobuf(data, 0, data.length);
        int type = -1;
        byte[] bytes = new byte[0];
        long fileSize = 0;
        while (in.more()) {
            long tag = in.varint("UnixFS field");
            switch ((int) tag) {
                case (1 << 3) -> type = (int) in.varint("UnixFS.Type");
                case (2 << 3) | 2 -> bytes = in.bytes("UnixFS.Data");
                case (3 << 3) -> fileSize = in.varint("UnixFS.filesize");
                case (4 << 3) -> in.varint("UnixFS.blocksizes");
                case (4 << 3) | 2, (6 << 3) | 2, (8 << 3) | 2 -> in.bytes("UnixFS field"); // packed sizes, hash, mtime
                case (5 << 3), (7 << 3) -> in.varint("UnixFS field"); // hashType, fanout, mode
                default -> throw new CidFormatException("not UnixFS: unexpected field tag " + tag);
            }
        }
        if (type < 0) {
            throw new CidFormatException("not UnixFS: no Type");
        }
        return new UnixFsData(type, bytes, fileSize);
    }

    /** Just enough protobuf reading for dag-pb and UnixFS. */
    private static final class Protobuf {
        private final byte[] bytes;
        private int pos;
        private final int end;

        Protobuf(byte[] bytes, int from, int end) {
            this.bytes = bytes;
            this.pos = from;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint(String what) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new CidFormatException("truncated varint for " + what);
                }
                int b = bytes[pos++] & 0xff;
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new CidFormatException("varint too long for " + what);
        }

        byte[] bytes(String what) {
            long length = varint(what + " length");
            if (length < 0 || length > end - pos) {
                throw new CidFormatException("truncated " + what + ": " + length + " bytes announced");
            }
            byte[] out = Arrays.copyOfRange(bytes, pos, pos + (int) length);
            pos += (int) length;
            return out;
        }

        Protobuf nested(String what) {
            long length = varint(what + " length");
            if (length < 0 || length > end - pos) {
                throw new CidFormatException("truncated " + what);
            }
            Protobuf inner = new Protobuf(bytes, pos, pos + (int) length);
            pos += (int) length;
            return inner;
        }
    }
}
