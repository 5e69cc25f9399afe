package dev.tandem.core.cid;

import java.util.Arrays;
import java.util.Objects;

/**
 * Base58 with the bitcoin alphabet (base58btc): the text of CIDv0 and the payload of multibase {@code 'z'}.
 *
 * <p>Each leading zero byte is written as a leading {@code '1'}, so leading zeros survive a round trip. The
 * quadratic algorithm is fine here: it only ever sees CIDs and keys, a few dozen bytes.
 */
public final class Base58 {
    private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = (byte) i;
        }
    }

    private Base58() {}

    /** Encodes {@code data} as base58btc. */
    public static String encode(byte[] data) {
        int zeros = 0;
        while (zeros < data.length && data[zeros] == 0) {
            zeros++;
        }
        // log(256) / log(58) < 1.37: enough base-58 digits for the non-zero part.
        byte[] digits = new byte[(data.length - zeros) * 137 / 100 + 1];
        int used = 0;
        for (int i = zeros; i < data.length; i++) {
            int carry = data[i] & 0xff;
            for (int j = 0; j < used; j++) {
                carry += (digits[j] & 0xff) << 8;
                digits[j] = (byte) (carry % 58);
                carry /= 58;
            }
            while (carry > 0) {
                digits[used++] = (byte) (carry % 58);
                carry /= 58;
            }
        }
        StringBuilder out = new StringBuilder(zeros + used);
        out.append("1".repeat(zeros));
        for (int j = used - 1; j >= 0; j--) {
            out.append(ALPHABET[digits[j]]);
        }
        return out.toString();
    }

    /**
     * Decodes base58btc.
     *
     * @throws IllegalArgumentException naming the offending character and its position
     */
    public static byte[] decode(String text) {
        return decode(text, 0);
    }

    /** Decodes {@code text} from {@code start} on; positions in messages are indexes into {@code text}. */
    static byte[] decode(String text, int start) {
        Objects.requireNonNull(text, "text");
        int zeros = 0;
        while (start + zeros < text.length() && text.charAt(start + zeros) == '1') {
            zeros++;
        }
        // log(58) / log(256) < 0.733: enough bytes for the rest.
        byte[] bytes = new byte[(text.length() - start - zeros) * 733 / 1000 + 1];
        int used = 0;
        for (int i = start + zeros; i < text.length(); i++) {
            char c = text.charAt(i);
            int carry = c < 128 ? VALUES[c] : -1;
            if (carry < 0) {
                throw new IllegalArgumentException("invalid base58 character " + Base32.describe(c) + " at " + i);
            }
            for (int j = 0; j < used; j++) {
                carry += (bytes[j] & 0xff) * 58;
                bytes[j] = (byte) carry;
                carry >>>= 8;
            }
            while (carry > 0) {
                bytes[used++] = (byte) carry;
                carry >>>= 8;
            }
        }
        byte[] out = new byte[zeros + used];
        for (int j = 0; j < used; j++) {
            out[out.length - 1 - j] = bytes[j];
        }
        return out;
    }
}
