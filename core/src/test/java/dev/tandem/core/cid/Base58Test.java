package dev.tandem.core.cid;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base58Test {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(value = {
            "'', ''",
            "00, 1",
            "0000, 11",
            "61, 2g",
            "626262, a3gV",
            "636363, aPEr",
            "48656c6c6f20576f726c6421, 2NEpo7TZRRrLZSi2U",
            "00000000287fb4cd, 1111233QC4",
            "ffffffff, 7YXq9G"})
    void knownVectors(String hex, String encoded) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        assertThat(Base58.encode(bytes)).isEqualTo(encoded);
        assertThat(Base58.decode(encoded)).isEqualTo(bytes);
    }

    @Test
    void helloWorld() {
        assertThat(Base58.encode("Hello World!".getBytes(US_ASCII))).isEqualTo("2NEpo7TZRRrLZSi2U");
    }

    @Test
    void rejectsCharactersOutsideTheBitcoinAlphabet() {
        assertThatThrownBy(() -> Base58.decode("2NEp0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid base58 character '0' at 4");
        assertThatThrownBy(() -> Base58.decode("O")).hasMessage("invalid base58 character 'O' at 0");
        assertThatThrownBy(() -> Base58.decode("1I")).hasMessage("invalid base58 character 'I' at 1");
        assertThatThrownBy(() -> Base58.decode("11l")).hasMessage("invalid base58 character 'l' at 2");
        assertThatThrownBy(() -> Base58.decode("2+")).hasMessage("invalid base58 character '+' at 1");
        assertThatThrownBy(() -> Base58.decode("2\n")).hasMessage("invalid base58 character U+000A at 1");
    }

    @Property
    void roundTrips(@ForAll @Size(max = 80) byte[] data, @ForAll @IntRange(max = 4) int leadingZeros) {
        byte[] withZeros = new byte[leadingZeros + data.length];
        System.arraycopy(data, 0, withZeros, leadingZeros, data.length);
        String text = Base58.encode(withZeros);
        assertThat(text).doesNotContain("0", "O", "I", "l");
        assertThat(Base58.decode(text)).isEqualTo(withZeros);
    }

    @Property
    void decodingIsCanonical(@ForAll @Size(max = 40) byte[] data) {
        // every base58 text names one byte string and back, so equal CIDs never have two base58 spellings
        String text = Base58.encode(data);
        assertThat(Base58.encode(Base58.decode(text))).isEqualTo(text);
    }
}
