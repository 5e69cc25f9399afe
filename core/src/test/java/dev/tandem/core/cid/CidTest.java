package dev.tandem.core.cid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class CidTest {
    /**
     * The 8-byte file {@code \0asm\1\0\0\0}, the smallest valid WebAssembly module, and its CIDs: the vectors of
     * docs/protocol.md, "Identifiers".
     */
    static final byte[] WASM_HEADER = {0, 'a', 's', 'm', 1, 0, 0, 0};
    static final String WASM_RAW = "bafkreieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy";
    static final String WASM_KUBO_V0 = "QmbG6yVwujNGjWsvPEvmW6jJRBKxBEEm3tqKSSXUc6fvVJ";
    static final String WASM_KUBO_V1 = "bafybeif77w4xcbg3fbzeuovbwwbwvcj6zxbhqzl66nvj7chrs7poyfbvxu";

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rawSha256OfTheWasmHeader() {
        Cid cid = Cid.rawSha256(WASM_HEADER);
        assertThat(cid.toString()).isEqualTo(WASM_RAW);
        assertThat(cid.version()).isEqualTo(1);
        assertThat(cid.codec()).isEqualTo(Cid.RAW);
        assertThat(cid.isRaw()).isTrue();
        assertThat(HEX.formatHex(cid.digest()))
                .isEqualTo("93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476");
        assertThat(HEX.formatHex(cid.bytes()))
                .isEqualTo("01551220" + "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476");
        assertThat(Cid.parse(WASM_RAW)).isEqualTo(cid);
    }

    @Test
    void parsesCidV0() {
        Cid cid = Cid.parse(WASM_KUBO_V0);
        assertThat(cid.version()).isZero();
        assertThat(cid.codec()).isEqualTo(Cid.DAG_PB);
        assertThat(cid.isRaw()).isFalse();
        assertThat(cid.bytes()).hasSize(34).startsWith(0x12, 0x20);
        assertThat(cid.toString()).isEqualTo(WASM_KUBO_V0);
        assertThat(cid.toBase58()).isEqualTo(WASM_KUBO_V0);
        assertThat(cid.toV1().toString()).isEqualTo(WASM_KUBO_V1);
    }

    @Test
    void parsesCidV1InBase32AndBase58() {
        Cid cid = Cid.parse(WASM_KUBO_V1);
        assertThat(cid.version()).isEqualTo(1);
        assertThat(cid.codec()).isEqualTo(Cid.DAG_PB);
        assertThat(cid.toV1()).isSameAs(cid);
        assertThat(cid.toBase58()).startsWith("z");
        assertThat(Cid.parse(cid.toBase58())).isEqualTo(cid);
        assertThat(Cid.parse(WASM_RAW).toBase58()).startsWith("zb2rh");
        assertThat(Cid.fromBytes(cid.bytes())).isEqualTo(cid);
    }

    @Test
    void valueSemantics() {
        Cid a = Cid.parse(WASM_KUBO_V0);
        Cid b = Cid.parse(WASM_KUBO_V0);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).hasToString(WASM_KUBO_V0);
        // v0 and v1 name the same block but are different CIDs, as in go-cid and js-multiformats
        assertThat(a.toV1()).isNotEqualTo(a).isEqualTo(Cid.parse(WASM_KUBO_V1));
        // same digest, other codec
        assertThat(Cid.of(1, Cid.RAW, a.digest())).isNotEqualTo(a.toV1());

        byte[] digest = a.digest();
        digest[0] ^= 1;
        assertThat(a.digest()).isNotEqualTo(digest);
        byte[] input = Cid.parse(WASM_RAW).digest();
        Cid fromInput = Cid.of(1, Cid.RAW, input);
        input[0] ^= 1;
        assertThat(fromInput.toString()).isEqualTo(WASM_RAW);
    }

    @Test
    void ofChecksItsArguments() {
        byte[] digest = new byte[32];
        assertThatThrownBy(() -> Cid.of(0, Cid.RAW, digest)).hasMessageContaining("CIDv0 is always dag-pb");
        assertThatThrownBy(() -> Cid.of(2, Cid.RAW, digest)).hasMessage("unsupported CID version 2");
        assertThatThrownBy(() -> Cid.of(1, Cid.RAW, new byte[31]))
                .hasMessage("sha2-256 digest must be 32 bytes, got 31");
        assertThatThrownBy(() -> Cid.of(1, -1, digest)).hasMessageContaining("codec must be non-negative");
    }

    @Test
    void largeCodecsUseMultiByteVarints() {
        Cid dagJson = Cid.of(1, 0x0129, Cid.parse(WASM_RAW).digest());
        assertThat(HEX.formatHex(dagJson.bytes())).startsWith("01a9021220");
        assertThat(dagJson.toString()).startsWith("baguqeera");
        assertThat(Cid.parse(dagJson.toString())).isEqualTo(dagJson);
    }

    // ---- malformed input: every failure is a CidFormatException that says what is wrong

    @Test
    void emptyAndUnknownPrefixes() {
        assertParseFails("").hasMessage("not a CID: empty");
        assertParseFails("xafkrei").hasMessageStartingWith("unsupported multibase prefix 'x'");
        assertParseFails("B" + WASM_RAW.substring(1).toUpperCase()).hasMessageStartingWith("unsupported multibase prefix 'B'");
        assertParseFails("f01551220").hasMessageStartingWith("unsupported multibase prefix 'f'");
        assertParseFails(WASM_KUBO_V0.substring(0, 45)).hasMessageContaining("a CIDv0 is 46 characters");
        assertParseFails("b").hasMessage("not a CID: multibase prefix 'b' and nothing after it");
        assertParseFails(" " + WASM_RAW).hasMessageStartingWith("unsupported multibase prefix U+0020");
    }

    @Test
    void badCharactersArePointedAt() {
        assertParseFails("bafk1eieturf3xfwhkeqy4taa2r46jqkdlajcuoe2zsqwebnr4tinyx4uoy")
                .hasMessage("invalid base32 character '1' at 4");
        assertParseFails("bAFKREIETURF3XFWHKEQY4TAA2R46JQKDLAJCUOE2ZSQWEBNR4TINYX4UOY")
                .hasMessage("invalid base32 character 'A' at 1");
        assertParseFails(WASM_KUBO_V0.substring(0, 45) + "0").hasMessage("invalid base58 character '0' at 45");
        assertParseFails("zb2rhl").hasMessage("invalid base58 character 'l' at 5");
    }

    @Test
    void badMultihashes() {
        String digest = "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476";
        assertParseFails(base32("0155121f" + digest.substring(2)))
                .hasMessage("multihash length 31 does not match sha2-256 (32)");
        assertParseFails(base32("01551320" + digest))
                .hasMessage("unsupported multihash code 0x13 (only sha2-256, 0x12, is accepted)");
        assertParseFails(base32("0155b24020" + digest))
                .hasMessageStartingWith("unsupported multihash code 0x2032");
        assertParseFails(base32("01551220" + digest.substring(4)))
                .hasMessage("multihash digest truncated: 30 of 32 bytes");
        assertParseFails(base32("01551220" + digest + "0000"))
                .hasMessage("2 trailing byte(s) after the multihash");
        assertParseFails(base32("0155")).hasMessage("not a CID: no multihash after the codec");
    }

    @Test
    void badVersionsAndVarints() {
        String digest = "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476";
        assertParseFails(base32("02551220" + digest)).hasMessageStartingWith("unsupported CID version 2");
        assertParseFails(base32("00551220" + digest)).hasMessageStartingWith("unsupported CID version 0");
        assertParseFails(base32("01d5001220" + digest))
                .hasMessage("varint for codec at byte 1 is not minimally encoded");
        assertParseFails(base32("0180")).hasMessage("truncated varint for codec at byte 1");
        assertParseFails(base32("01ffffffffffffffffff01" + "1220" + digest))
                .hasMessage("varint for codec at byte 1 is longer than 9 bytes");
        // a CIDv0 wrapped in multibase is forbidden by the CID spec
        assertParseFails("z" + WASM_KUBO_V0).hasMessageStartingWith("a CIDv0 must not carry a multibase prefix");
        assertParseFails(base32("1220" + digest)).hasMessageStartingWith("a CIDv0 must not carry a multibase prefix");
    }

    @Test
    void base32TextMustBeCanonical() {
        // 36 bytes take 58 characters, the last one with 2 padding bits: 'y' (11000) ends in 00, 'z' (11001) in 01
        String valid = WASM_RAW;
        assertThat(valid).endsWith("y");
        assertParseFails(valid.substring(0, valid.length() - 1) + "z")
                .hasMessageContaining("non-zero padding bits in last character 'z'");
        assertParseFails(valid + "a").hasMessageStartingWith("invalid base32 length");
    }

    @Test
    void fromBytesRejectsGarbage() {
        assertThatThrownBy(() -> Cid.fromBytes(new byte[0]))
                .isInstanceOf(CidFormatException.class).hasMessage("not a CID: empty");
        assertThatThrownBy(() -> Cid.fromBytes(new byte[] {0x12, 0x20, 1}))
                .isInstanceOf(CidFormatException.class).hasMessage("multihash digest truncated: 1 of 32 bytes");
    }

    private static String base32(String hex) {
        return "b" + Base32.encode(HEX.parseHex(hex));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertParseFails(String text) {
        return assertThatThrownBy(() -> Cid.parse(text)).isInstanceOf(CidFormatException.class);
    }

    // ---- properties

    @Property
    void v0RoundTrips(@ForAll @Size(32) byte[] digest) {
        Cid cid = Cid.of(0, Cid.DAG_PB, digest);
        String text = cid.toString();
        assertThat(text).hasSize(46).startsWith("Qm");
        assertThat(Cid.parse(text)).isEqualTo(cid);
        assertThat(Cid.parse(text).digest()).isEqualTo(digest);
        assertThat(Cid.fromBytes(cid.bytes())).isEqualTo(cid);
        assertThat(Cid.parse(cid.toV1().toString())).isEqualTo(cid.toV1());
    }

    @Property
    void v1RoundTrips(@ForAll @Size(32) byte[] digest, @ForAll("codecs") long codec) {
        Cid cid = Cid.of(1, codec, digest);
        assertThat(cid.toString()).startsWith("b");
        assertThat(Cid.parse(cid.toString())).isEqualTo(cid);
        assertThat(Cid.parse(cid.toBase58())).isEqualTo(cid);
        assertThat(Cid.fromBytes(cid.bytes())).isEqualTo(cid);
        assertThat(Cid.parse(cid.toString()).codec()).isEqualTo(codec);
    }

    @Provide
    Arbitrary<Long> codecs() {
        return Arbitraries.oneOf(
                Arbitraries.of(Cid.RAW, Cid.DAG_PB, 0x0129L, 0x71L, 0L, Long.MAX_VALUE),
                Arbitraries.longs().between(0, Long.MAX_VALUE));
    }

    /** Changing one character of a CID either fails with CidFormatException or gives a CID with that very text. */
    @Property
    void editedTextIsRejectedOrCanonical(
            @ForAll @Size(32) byte[] digest,
            @ForAll boolean v0,
            @ForAll boolean base58,
            @ForAll @IntRange(max = 60) int index,
            @ForAll("cidCharacters") char replacement) {
        Cid cid = v0 ? Cid.of(0, Cid.DAG_PB, digest) : Cid.of(1, Cid.RAW, digest);
        String text = base58 ? cid.toBase58() : cid.toString();
        int at = index % text.length();
        String edited = text.substring(0, at) + replacement + text.substring(at + 1);
        Cid parsed;
        try {
            parsed = Cid.parse(edited);
        } catch (CidFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        String canonical = edited.startsWith("z") ? parsed.toBase58() : parsed.toString();
        assertThat(canonical).isEqualTo(edited);
        assertThat(parsed.equals(cid)).isEqualTo(edited.equals(text));
    }

    @Provide
    Arbitrary<Character> cidCharacters() {
        return Arbitraries.chars().with("abcdefghijklmnopqrstuvwxyz234567ABCDEFGHJKLMNPQRSTUVWXYZ1890OIl=- ".toCharArray());
    }

    @Property
    void arbitraryTextNeverFailsOtherwise(@ForAll @Size(max = 70) String text) {
        try {
            Cid cid = Cid.parse(text);
            assertThat(Arrays.asList(cid.toString(), cid.toBase58())).contains(text);
        } catch (CidFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property
    void fromBytesNeverFailsOtherwise(@ForAll @Size(max = 40) byte[] bytes, @ForAll @LongRange(max = 3) long v) {
        byte[] prefixed = bytes.clone();
        if (prefixed.length > 0) {
            prefixed[0] = (byte) (v == 3 ? 0x12 : v); // steer towards the interesting first bytes
        }
        try {
            assertThat(Cid.fromBytes(prefixed).bytes()).isEqualTo(prefixed);
        } catch (CidFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
