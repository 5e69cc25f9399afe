package dev.tandem.core.cid;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base32Test {
    @ParameterizedTest(name = "\"{0}\" -> \"{1}\"")
    @CsvSource(value = {
            "'', ''", "f, my", "fo, mzxq", "foo, mzxw6", "foob, mzxw6yq", "fooba, mzxw6ytb", "foobar, mzxw6ytboi"})
    void rfc4648Vectors(String plain, String encoded) {
        // RFC 4648 section 10, lowercased and without padding
        assertThat(Base32.encode(plain.getBytes(US_ASCII))).isEqualTo(encoded);
        assertThat(Base32.decode(encoded)).isEqualTo(plain.getBytes(US_ASCII));
    }

    @Test
    void leadingAndTrailingZeros() {
        assertThat(Base32.encode(new byte[] {0, 0, 1})).isEqualTo("aaaac");
        assertThat(Base32.decode("aaaac")).containsExactly(0, 0, 1);
    }

    @Test
    void rejectsCharactersOutsideTheLowercaseAlphabet() {
        assertThatThrownBy(() -> Base32.decode("mzxw61")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid base32 character '1' at 5");
        assertThatThrownBy(() -> Base32.decode("MZXW6")).hasMessage("invalid base32 character 'M' at 0");
        assertThatThrownBy(() -> Base32.decode("mzxw6===")).hasMessage("invalid base32 character '=' at 5");
        assertThatThrownBy(() -> Base32.decode("mz w6")).hasMessage("invalid base32 character U+0020 at 2");
        assertThatThrownBy(() -> Base32.decode("mzé6q")).hasMessage("invalid base32 character U+00E9 at 2");
    }

    @Test
    void rejectsLengthsNoByteStringHas() {
        assertThatThrownBy(() -> Base32.decode("m")).hasMessageContaining("invalid base32 length 1");
        assertThatThrownBy(() -> Base32.decode("mzx")).hasMessageContaining("invalid base32 length 3");
        assertThatThrownBy(() -> Base32.decode("mzxw6y")).hasMessageContaining("invalid base32 length 6");
        assertThatThrownBy(() -> Base32.decode("mzxw6ytbo")).hasMessageContaining("invalid base32 length 9");
    }

    @Test
    void rejectsNonZeroPaddingBitsSoEachValueHasOneText() {
        // "my" is "f"; "mz" carries the same byte with a stray low bit
        assertThatThrownBy(() -> Base32.decode("mz"))
                .hasMessage("invalid base32: non-zero padding bits in last character 'z' at 1");
    }

    @Property
    void roundTrips(@ForAll @Size(max = 80) byte[] data, @ForAll @IntRange(max = 4) int leadingZeros) {
        byte[] withZeros = new byte[leadingZeros + data.length];
        System.arraycopy(data, 0, withZeros, leadingZeros, data.length);
        String text = Base32.encode(withZeros);
        assertThat(text).matches("[a-z2-7]*");
        assertThat(Base32.decode(text)).isEqualTo(withZeros);
    }
}
