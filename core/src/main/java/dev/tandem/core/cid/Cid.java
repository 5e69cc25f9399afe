package dev.tandem.core.cid;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A content identifier whose multihash is sha2-256: an immutable value, equal to another when version, codec and
 * digest are.
 *
 * <p>Two versions exist. CIDv0 is a bare multihash ({@code 0x12 0x20} + digest) that always means dag-pb and is
 * written in base58btc ({@code Qm…}). CIDv1 is {@code varint(1) varint(codec) multihash} and is written with a
 * multibase prefix; {@link #toString()} uses base32 lower ({@code b…}), {@link #toBase58()} base58btc
 * ({@code z…}). A CIDv0 and the CIDv1 it converts to with {@link #toV1()} name the same block but are different
 * values, as in the reference implementations.
 *
 * <p>Only sha2-256 is accepted: it is what Tandem computes and what Kubo uses by default, and refusing the rest
 * keeps every accepted CID checkable here.
 */
public final class Cid {
    /** Multicodec of raw bytes. */
    public static final long RAW = 0x55;
    /** Multicodec of a dag-pb (merkledag protobuf) node, the codec of every CIDv0. */
    public static final long DAG_PB = 0x70;
    /** Multihash code of sha2-256. */
    public static final int SHA2_256 = 0x12;

    private static final int DIGEST_LENGTH = 32;
    private static final int V0_LENGTH = 46; // base58btc of the 34-byte multihash: always "Qm" + 44 characters

    private final int version;
    private final long codec;
    private final byte[] digest;

    private Cid(int version, long codec, byte[] digest) {
        this.version = version;
        this.codec = codec;
        this.digest = digest;
    }

    /**
     * The CID of a sha2-256 digest.
     *
     * @param version 0 or 1; version 0 allows only {@link #DAG_PB}
     * @param codec the multicodec of the hashed block, non-negative
     * @param sha256Digest 32 bytes, copied
     */
    public static Cid of(int version, long codec, byte[] sha256Digest) {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("unsupported CID version " + version);
        }
        if (version == 0 && codec != DAG_PB) {
            throw new IllegalArgumentException("CIDv0 is always dag-pb, not codec 0x" + Long.toHexString(codec));
        }
        if (codec < 0) {
            throw new IllegalArgumentException("codec must be non-negative: " + codec);
        }
        if (sha256Digest.length != DIGEST_LENGTH) {
            throw new IllegalArgumentException("sha2-256 digest must be 32 bytes, got " + sha256Digest.length);
        }
        return new Cid(version, codec, sha256Digest.clone());
    }

    /** The CIDv1 raw sha2-256 of {@code data}: the identifier of a module. */
    public static Cid rawSha256(byte[] data) {
        return new Cid(1, RAW, sha256().digest(data));
    }

    /**
     * Parses a CID: CIDv0 ({@code Qm…}, 46 characters of base58btc), or CIDv1 in multibase {@code 'b'} (base32
     * lower) or {@code 'z'} (base58btc).
     *
     * @throws CidFormatException saying what is wrong, e.g. {@code unsupported multibase prefix 'x'}
     */
    public static Cid parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new CidFormatException("not a CID: empty");
        }
        if (text.length() == V0_LENGTH && text.startsWith("Qm")) {
            byte[] multihash = decodeText(text, 0, false);
            if (multihash[0] != SHA2_256) {
                throw new CidFormatException("not a CIDv0: \"Qm…\" text that decodes to no sha2-256 multihash");
            }
            return fromBytes(multihash);
        }
        char prefix = text.charAt(0);
        if (prefix != 'b' && prefix != 'z') {
            String hint = prefix == 'Q' ? " (a CIDv0 is 46 characters starting with \"Qm\")" : "";
            throw new CidFormatException(
                    "unsupported multibase prefix " + Base32.describe(prefix) + " (expected 'b' or 'z')" + hint);
        }
        if (text.length() == 1) {
            throw new CidFormatException("not a CID: multibase prefix " + Base32.describe(prefix) + " and nothing after it");
        }
        Cid cid = fromBytes(decodeText(text, 1, prefix == 'b'));
        if (cid.version == 0) {
            // The CID spec forbids a multibase prefix on CIDv0, so that each CID has one canonical text per base.
            throw new CidFormatException("a CIDv0 must not carry a multibase prefix: write it as bare base58btc (Qm…)");
        }
        return cid;
    }

    private static byte[] decodeText(String text, int start, boolean base32) {
        try {
            return base32 ? Base32.decode(text, start) : Base58.decode(text, start);
        } catch (IllegalArgumentException e) {
            throw new CidFormatException(e.getMessage(), e);
        }
    }

    /**
     * Decodes a binary CID: a 34-byte sha2-256 multihash (CIDv0) or {@code varint(1) varint(codec) multihash}.
     *
     * @throws CidFormatException saying what is wrong
     */
    public static Cid fromBytes(byte[] binary) {
        if (binary.length == 0) {
            throw new CidFormatException("not a CID: empty");
        }
        // A CIDv0 is a bare multihash, recognisable by its first byte: 0x12 is reserved and never a CID version.
        if (binary[0] == SHA2_256) {
            return new Cid(0, DAG_PB, readMultihash(new Varint.Reader(binary)));
        }
        Varint.Reader in = new Varint.Reader(binary);
        long version = in.read("CID version");
        if (version != 1) {
            throw new CidFormatException("unsupported CID version " + version + " (expected 1, or a bare CIDv0 multihash)");
        }
        long codec = in.read("codec");
        return new Cid(1, codec, readMultihash(in));
    }

    private static byte[] readMultihash(Varint.Reader in) {
        if (in.remaining() == 0) {
            throw new CidFormatException("not a CID: no multihash after the codec");
        }
        long code = in.read("multihash code");
        if (code != SHA2_256) {
            throw new CidFormatException(
                    "unsupported multihash code 0x" + Long.toHexString(code) + " (only sha2-256, 0x12, is accepted)");
        }
        long length = in.read("multihash length");
        if (length != DIGEST_LENGTH) {
            throw new CidFormatException("multihash length " + length + " does not match sha2-256 (32)");
        }
        if (in.remaining() < DIGEST_LENGTH) {
            throw new CidFormatException("multihash digest truncated: " + in.remaining() + " of 32 bytes");
        }
        if (in.remaining() > DIGEST_LENGTH) {
            throw new CidFormatException((in.remaining() - DIGEST_LENGTH) + " trailing byte(s) after the multihash");
        }
        return in.take(DIGEST_LENGTH);
    }

    /** 0 or 1. */
    public int version() {
        return version;
    }

    /** The multicodec of the block this CID names, e.g. {@link #RAW} or {@link #DAG_PB}. */
    public long codec() {
        return codec;
    }

    /** The 32-byte sha2-256 digest of the block (a copy). */
    public byte[] digest() {
        return digest.clone();
    }

    /** Whether this names raw bytes (codec {@link #RAW}), as a module's CID does. */
    public boolean isRaw() {
        return codec == RAW;
    }

    /** The binary CID: the bare multihash for CIDv0, {@code varint(1) varint(codec) multihash} for CIDv1. */
    public byte[] bytes() {
        int header = version == 0 ? 0 : Varint.size(version) + Varint.size(codec);
        byte[] out = new byte[header + 2 + DIGEST_LENGTH];
        int pos = 0;
        if (version == 1) {
            pos = Varint.write(version, out, pos);
            pos = Varint.write(codec, out, pos);
        }
        out[pos++] = SHA2_256;
        out[pos++] = DIGEST_LENGTH;
        System.arraycopy(digest, 0, out, pos, DIGEST_LENGTH);
        return out;
    }

    /** This CID as version 1 (same codec and digest); a CIDv1 returns itself. */
    public Cid toV1() {
        return version == 1 ? this : new Cid(1, codec, digest);
    }

    /** Base58btc text: multibase {@code 'z'} for CIDv1; for CIDv0, which is base58btc already, {@link #toString()}. */
    public String toBase58() {
        return version == 0 ? Base58.encode(bytes()) : "z" + Base58.encode(bytes());
    }

    /** The canonical text: {@code Qm…} (base58btc) for CIDv0, {@code b…} (multibase base32 lower) for CIDv1. */
    @Override
    public String toString() {
        return version == 0 ? Base58.encode(bytes()) : "b" + Base32.encode(bytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid other
                && version == other.version
                && codec == other.codec
                && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * version + Long.hashCode(codec)) + Arrays.hashCode(digest);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
