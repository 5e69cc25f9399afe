package dev.tandem.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JcsTest {

  private static String canon(String json) throws Exception {
    return new String(Jcs.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void rfc8785MainExample() throws Exception {
    String input = """
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
          "literals": [null, true, false]
        }""";
    assertThat(canon(input)).isEqualTo(
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  }

  @Test
  void rfc8785SortsByUtf16CodeUnits() throws Exception {
    String input = """
        {"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",
         "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}""";
    assertThat(canon(input)).isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
        + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\","
        + "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
  }

  /** RFC 8785 Appendix B, plus ECMAScript layout boundaries. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0000000000000000, 0",
      "8000000000000000, 0",
      "0000000000000001, 5e-324",
      "8000000000000001, -5e-324",
      "7fefffffffffffff, 1.7976931348623157e+308",
      "ffefffffffffffff, -1.7976931348623157e+308",
      "4340000000000000, 9007199254740992",
      "c340000000000000, -9007199254740992",
      "4430000000000000, 295147905179352830000",
      "44b52d02c7e14af5, 9.999999999999997e+22",
      "44b52d02c7e14af6, 1e+23",
      "44b52d02c7e14af7, 1.0000000000000001e+23",
      "444b1ae4d6e2ef4e, 999999999999999700000",
      "444b1ae4d6e2ef4f, 999999999999999900000",
      "444b1ae4d6e2ef50, 1e+21",
      "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
      "3eb0c6f7a0b5ed8d, 0.000001",
      "41b3de4355555553, 333333333.3333332",
      "41b3de4355555554, 333333333.33333325",
      "41b3de4355555555, 333333333.3333333",
      "41b3de4355555556, 333333333.3333334",
      "41b3de4355555557, 333333333.33333343",
      "becbf647612f3696, -0.0000033333333333333333",
      "43143ff3c1cb0959, 1424953923781206.2",
  })
  void rfc8785NumberTable(String bits, String expected) throws Exception {
    double value = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
    assertThat(Jcs.formatNumber(value)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "1e21, 1e+21",
      "1e20, 100000000000000000000",
      "1e-7, 1e-7",
      "1e-6, 0.000001",
      "-0, 0",
      "-0.0, 0",
      "4.50, 4.5",
      "333333333.33333329, 333333333.3333333",
      "9007199254740993, 9007199254740992",
      "9007199254740991, 9007199254740991",
      "123456789012345678901234567890, 1.2345678901234568e+29",
      "0.1, 0.1",
      "100, 100",
      "1E2, 100",
      "-1.5e-9, -1.5e-9",
  })
  void numberTextFormatsLikeEcmascript(String text, String expected) throws Exception {
    assertThat(canon("[" + text + "]")).isEqualTo("[" + expected + "]");
  }

  @Test
  void rejectsNonFiniteNumbers() {
    assertThatThrownBy(() -> Jcs.formatNumber(Double.NaN)).isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> Jcs.formatNumber(Double.POSITIVE_INFINITY)).isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> canon("[NaN]")).isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> canon("[1e400]")).isInstanceOf(JsonFormatException.class);
  }

  @Test
  void rejectsDuplicateKeysTrailingGarbageAndDeepNesting() {
    assertThatThrownBy(() -> canon("{\"a\":1,\"a\":2}")).hasMessageContaining("Duplicate");
    assertThatThrownBy(() -> canon("{} {}")).isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> canon("[".repeat(1000) + "]".repeat(1000))).isInstanceOf(JsonFormatException.class);
    assertThatThrownBy(() -> Jcs.canonicalize(new byte[] {'"', (byte) 0xC3, '"'}))
        .isInstanceOf(JsonFormatException.class);
  }

  @Test
  void escapesOnlyWhatRfc8785Escapes() throws Exception {
    assertThat(canon("[\"\\u2028\\u001f\\u007f/\"]")).isEqualTo("[\"\u2028\\u001f\u007f/\"]");
  }
}
