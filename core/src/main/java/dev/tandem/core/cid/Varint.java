package dev.tandem.core.cid;

/**
 * Unsigned LEB128 varints as used by multiformats (CID version, codec, multihash code and length) and by protobuf.
 */
final class Varint {
    /** multiformats unsigned-varint caps encodings at 9 bytes (63 bits) so values fit a signed long. */
    static final int MAX_BYTES = 9;

    private Varint() {}

    /** Number of bytes {@code value} takes; {@code value} is treated as unsigned. */
    static int size(long value) {
        int n = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code value} at {@code pos} and returns the position after it. */
    static int write(long value, byte[] out, int pos) {
        while ((value & ~0x7fL) != 0) {
            out[pos++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out[pos++] = (byte) value;
        return pos;
    }

    /** Reads varints from a byte array, failing with {@link CidFormatException} on malformed input. */
    static final class Reader {
        private final byte[] bytes;
        private int pos;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        int remaining() {
            return bytes.length - pos;
        }

        /** The next {@code n} bytes, copied. */
        byte[] take(int n) {
            byte[] out = java.util.Arrays.copyOfRange(bytes, pos, pos + n);
            pos += n;
            return out;
        }

        /** Reads one varint; {@code what} names it in error messages. */
        long read(String what) {
            int start = pos;
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos >= bytes.length) {
                    throw new CidFormatException("truncated varint for " + what + " at byte " + start);
                }
                if (pos - start == MAX_BYTES) {
                    throw new CidFormatException("varint for " + what + " at byte " + start + " is longer than 9 bytes");
                }
                int b = bytes[pos++] & 0xff;
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    // A trailing zero group means the same number had a shorter encoding; accepting it would give
                    // one CID several binary forms.
                    if (b == 0 && pos - start > 1) {
                        throw new CidFormatException("varint for " + what + " at byte " + start + " is not minimally encoded");
                    }
                    return value;
                }
            }
        }
    }
}
