package dev.tandem.core.cid;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CARv1, the content-addressed archive of the IPFS trustless gateway: a dag-cbor header {@code {roots, version: 1}}
 * then blocks, each {@code varint(length) CID bytes}. Reading checks every block against its CID.
 */
public final class Car {
    /** The media type of a CARv1 answer. */
    public static final String MEDIA_TYPE = "application/vnd.ipld.car";

    private Car() {}

    /** Writes the header naming {@code root}. */
    public static void writeHeader(OutputStream out, Cid root) throws IOException {
        byte[] cid = root.bytes();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(0xa2); // map of 2; dag-cbor orders keys by length, then bytes: "roots" before "version"
        cborText(header, "roots");
        header.write(0x81); // array of 1
        header.write(new byte[] {(byte) 0xd8, 42}); // tag 42: a CID
        cborHead(header, 2, cid.length + 1);
        header.write(0); // the multibase identity prefix dag-cbor puts before a binary CID
        header.write(cid);
        cborText(header, "version");
        header.write(0x01);
        writeVarint(out, header.size());
        header.writeTo(out);
    }

    /** Writes one block section. */
    public static void writeBlock(OutputStream out, Cid cid, byte[] block) throws IOException {
        byte[] id = cid.bytes();
        writeVarint(out, (long) id.length + block.length);
        out.write(id);
        out.write(block);
    }

    /** The blocks of a CAR as they are read, each checked against its CID. */
    public static final class Reader {
        private final InputStream in;
        private final List<Cid> roots;
        private long budget;

        /**
         * Reads the header.
         *
         * @param maxBytes the most this reader takes from {@code in}, header and blocks together
         * @throws CidFormatException when the header is not a CARv1 header
         */
        public Reader(InputStream in, long maxBytes) throws IOException {
            this.in = in;
            this.budget = maxBytes;
            int length = (int) section("header");
            byte[] header = take(length);
            this.roots = Cbor.roots(header);
        }

        /** The header's roots. */
        public List<Cid> roots() {
            return roots;
        }

        /**
         * Hands the next block to {@code sink}.
         *
         * @return false at the end of the CAR
         * @throws CidFormatException for a block that does not hash to its CID or a section that is cut short
         */
        public boolean next(BlockSink sink) throws IOException {
            long length = section("block");
            if (length < 0) {
                return false;
            }
            byte[] section = take((int) length);
            int cidLength = cidLength(section);
            byte[] id = java.util.Arrays.copyOfRange(section, 0, cidLength);
            Cid cid = Cid.fromBytes(id);
            byte[] block = java.util.Arrays.copyOfRange(section, cidLength, section.length);
            Blocks.verify(cid, block);
            sink.accept(cid, block);
            return true;
        }

        /** A section's length, or -1 at a clean end of the stream. */
        private long section(String what) throws IOException {
            long value = 0;
            for (int shift = 0, i = 0; ; shift += 7, i++) {
                int b = in.read();
                if (b < 0) {
                    if (i == 0 && !"header".equals(what)) {
                        return -1;
                    }
                    throw new CidFormatException("CAR cut short in a " + what + " length");
                }
                budget--;
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                if (i == 8) {
                    throw new CidFormatException("CAR " + what + " length is not a varint");
                }
            }
            if (value <= 0 || value > budget) {
                throw new CidFormatException("CAR " + what + " of " + value + " bytes exceeds the limit");
            }
            return value;
        }

        private byte[] take(int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new CidFormatException("CAR cut short: " + bytes.length + " of " + n + " bytes");
            }
            budget -= n;
            return bytes;
        }
    }

    /** Length of the binary CID at the start of a section: a bare multihash (v0) or version, codec, multihash. */
    private static int cidLength(byte[] section) {
        if (section.length >= 34 && section[0] == Cid.SHA2_256 && section[1] == 32) {
            return 34;
        }
        Varint.Reader r = new Varint.Reader(section);
        r.read("CID version");
        r.read("codec");
        r.read("multihash code");
        long digest = r.read("multihash length");
        int length = section.length - r.remaining() + (int) digest;
        if (digest < 0 || length > section.length) {
            throw new CidFormatException("CAR block section shorter than its CID");
        }
        return length;
    }

    private static void writeVarint(OutputStream out, long value) throws IOException {
        byte[] buffer = new byte[Varint.MAX_BYTES + 1];
        out.write(buffer, 0, Varint.write(value, buffer, 0));
    }

    private static void cborText(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        cborHead(out, 3, bytes.length);
        out.writeBytes(bytes);
    }

    private static void cborHead(ByteArrayOutputStream out, int major, long value) {
        if (value < 24) {
            out.write(major << 5 | (int) value);
        } else if (value < 256) {
            out.write(major << 5 | 24);
            out.write((int) value);
        } else {
            out.write(major << 5 | 25);
            out.write((int) (value >> 8));
            out.write((int) value);
        }
    }

    /** Just enough CBOR to read a CAR header: the {@code roots} and the {@code version}. */
    private static final class Cbor {
        private final byte[] bytes;
        private int pos;

        private Cbor(byte[] bytes) {
            this.bytes = bytes;
        }

        static List<Cid> roots(byte[] header) {
            Cbor in = new Cbor(header);
            long entries = in.head(5, "CAR header map");
            List<Cid> roots = null;
            long version = -1;
            for (long i = 0; i < entries; i++) {
                String key = new String(in.payload(3, "CAR header key"), StandardCharsets.UTF_8);
                switch (key) {
                    case "version" -> version = in.head(0, "CAR version");
                    case "roots" -> {
                        long n = in.head(4, "CAR roots");
                        roots = new ArrayList<>();
                        for (long r = 0; r < n; r++) {
                            if (in.head(6, "CID tag") != 42) {
                                throw new CidFormatException("CAR root is not a CID (tag 42)");
                            }
                            byte[] cid = in.payload(2, "CID bytes");
                            if (cid.length < 2 || cid[0] != 0) {
                                throw new CidFormatException("CAR root CID lacks its 0x00 prefix");
                            }
                            roots.add(Cid.fromBytes(java.util.Arrays.copyOfRange(cid, 1, cid.length)));
                        }
                    }
                    default -> throw new CidFormatException("unexpected CAR header key \"" + key + "\"");
                }
            }
            if (version != 1) {
                throw new CidFormatException("CAR version " + version + " is not supported (only 1)");
            }
            if (roots == null) {
                throw new CidFormatException("CAR header has no roots");
            }
            return List.copyOf(roots);
        }

        private long head(int major, String what) {
            if (pos >= bytes.length) {
                throw new CidFormatException("CAR header cut short at " + what);
            }
            int initial = bytes[pos++] & 0xff;
            if (initial >> 5 != major) {
                throw new CidFormatException("CAR header: " + what + " has CBOR major type " + (initial >> 5));
            }
            int info = initial & 0x1f;
            if (info < 24) {
                return info;
            }
            int size = switch (info) {
                case 24 -> 1;
                case 25 -> 2;
                case 26 -> 4;
                case 27 -> 8;
                default -> throw new CidFormatException("CAR header: indefinite or reserved CBOR length in " + what);
            };
            if (pos + size > bytes.length) {
                throw new CidFormatException("CAR header cut short at " + what);
            }
            long value = 0;
            for (int i = 0; i < size; i++) {
                value = value << 8 | (bytes[pos++] & 0xff);
            }
            return value;
        }

        private byte[] payload(int major, String what) {
            long length = head(major, what);
            if (length < 0 || length > bytes.length - pos) {
                throw new CidFormatException("CAR header cut short in " + what);
            }
            byte[] out = java.util.Arrays.copyOfRange(bytes, pos, pos + (int) length);
            pos += (int) length;
            return out;
        }
    }
}
