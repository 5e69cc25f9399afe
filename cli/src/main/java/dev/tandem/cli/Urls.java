package dev.tandem.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine;

/** Every URL on the command line (a node, a home server, a peer, a chain's RPC) is an absolute http(s) URL. */
final class Urls {
  private Urls() {}

  static URI parse(String text) {
    try {
      URI uri = new URI(text);
      if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // the same answer as below
    }
    throw new CommandLine.TypeConversionException("'" + text + "' is not an http:// or https:// URL");
  }
}
