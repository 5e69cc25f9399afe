package dev.tandem.core.cid;

import java.util.Arrays;
import java.util.Objects;

/**
 * RFC 4648 base32 with the lowercase alphabet and no padding: the payload of multibase {@code 'b'}, the default
 * text form of CIDv1.
 *
 * <p>Decoding is strict so that every byte string has exactly one text form: uppercase letters, padding, a length
 * that no byte string encodes to, and non-zero bits left over in the last character are all rejected.
 */
public final class Base32 {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = (byte) i;
        }
    }

    private Base32() {}

    /** Encodes {@code data} as lowercase unpadded base32. */
    public static String encode(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out.append(ALPHABET[(buffer >>> bits) & 31]);
            }
        }
        if (bits > 0) {
            out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    /**
     * Decodes lowercase unpadded base32.
     *
     * @throws IllegalArgumentException naming the offending character and its position
     */
    public static byte[] decode(String text) {
        return decode(text, 0);
    }

    /** Decodes {@code text} from {@code start} on; positions in messages are indexes into {@code text}. */
    static byte[] decode(String text, int start) {
        Objects.requireNonNull(text, "text");
        int chars = text.length() - start;
        byte[] out = new byte[chars * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int o = 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            int v = c < 128 ? VALUES[c] : -1;
            if (v < 0) {
                throw new IllegalArgumentException("invalid base32 character " + describe(c) + " at " + i);
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (buffer >>> bits);
            }
        }
        int tail = chars % 8;
        // 8 characters carry 5 bytes; a final group of 1, 3 or 6 characters cannot come from whole bytes.
        if (tail == 1 || tail == 3 || tail == 6) {
            throw new IllegalArgumentException(
                    "invalid base32 length " + chars + ": a final group of " + tail + " character(s) encodes no whole byte");
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            int last = text.length() - 1;
            throw new IllegalArgumentException(
                    "invalid base32: non-zero padding bits in last character " + describe(text.charAt(last)) + " at " + last);
        }
        return out;
    }

    /** Quotes a character for an error message, spelling out the ones that would not show. */
    static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
