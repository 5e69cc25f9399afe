package dev.tandem.sandbox;

import static dev.tandem.sandbox.TestSupport.read;
import static dev.tandem.sandbox.TestSupport.repoFile;
import static dev.tandem.sandbox.TestSupport.request;
import static dev.tandem.sandbox.TestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The example services of services/ answer their documented examples through the sandbox, in both modes. */
class ServicesTest {

  @ParameterizedTest(name = "{1} {2}")
  @CsvSource(delimiter = '|', textBlock = """
      echo/echo.wasm           | tandem-v1    | echo     | {"a":[1,2,"x"]}                       | {"result":{"a":[1,2,"x"]}}
      echo/echo.wasm           | tandem-v1    | nope     | null                                  | {"error":{"code":-32601,"message":"method not found"}}
      matrix/matrix.wasm       | tandem-v1    | power    | {"a":[[1,1],[1,0]],"k":10}             | {"result":[[89,55],[55,34]]}
      whisper/whisper.wasm     | tandem-v1    | digest   | {"data":"abc"}                        | {"result":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
      search/search.wasm       | tandem-v1    | stats    | null                                  | {"result":{"docs":4000,"postings":57965,"terms":9565,"tokens":118110}}
      wordcount/wordcount.wasm | wasi-command | count    | {"text":"to be or not to be\\n"}      | {"result":{"bytes":19,"chars":19,"lines":1,"top":[{"count":2,"word":"be"},{"count":2,"word":"to"},{"count":1,"word":"not"},{"count":1,"word":"or"}],"unique":4,"words":6}}
      """)
  void documentedExamples(String path, String abi, String method, String params, String response) throws Exception {
    var file = repoFile("services/" + path);
    assumeTrue(file.isPresent(), "services/" + path + " is not built (services/build.sh)");
    byte[] wasm = read(file.get());
    try (Sandbox compiled = Sandbox.builder().threads(1).build();
         Sandbox interpreted = Sandbox.builder().threads(1).compiled(false).build()) {
      Outcome c = compiled.call(compiled.load(path, wasm, Abi.parse(abi)), request(method, params), Limits.defaults());
      Outcome i = interpreted.call(interpreted.load(path, wasm, Abi.parse(abi)), request(method, params),
          Limits.defaults());
      assertThat(c).isInstanceOf(Outcome.Deterministic.class);
      assertThat(text(((Outcome.Deterministic) c).responseJson())).isEqualTo(response.replace("\\\\n", "\\n"));
      assertThat(TrapsTest.fingerprint(i)).isEqualTo(TrapsTest.fingerprint(c));
    }
  }
}
