package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.json.Json;
import dev.tandem.core.cid.UnixFs;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cid", description = "Print a file's CID (raw, or what 'ipfs add' prints with --kubo).",
    mixinStandardHelpOptions = true)
final class CidCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the file to hash")
  Path file;

  @Option(names = "--kubo", description = "print the CID that Kubo's 'ipfs add' gives (UnixFS, 256 KiB chunks)")
  boolean kubo;

  @Option(names = "--cid-version", paramLabel = "N", defaultValue = "0",
      description = "with --kubo: 0 (Qm…, the default) or 1 (bafy…, exactly as 'ipfs add --cid-version 1')")
  int cidVersion;

  @Option(names = "--raw-leaves", arity = "0..1", paramLabel = "BOOL", fallbackValue = "true",
      description = "with --kubo: raw leaf blocks, as Kubo's --raw-leaves; like Kubo, on by default with "
          + "--cid-version 1 (--raw-leaves=false keeps dag-pb leaves)")
  Boolean rawLeaves;

  @Option(names = "--json", description = "print one JSON object: the file, its CID and which kind (raw or kubo)")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (Files.isDirectory(file)) {
      throw new Errors.UserException("FILE " + file + " is a directory; cid hashes one file");
    }
    if (!Files.isRegularFile(file)) {
      throw new Errors.UserException("no such file: " + file);
    }
    if (cidVersion != 0 && cidVersion != 1) {
      throw new Errors.UserException("--cid-version must be 0 or 1, got " + cidVersion);
    }
    if (!kubo && (cidVersion != 0 || rawLeaves != null)) {
      throw new Errors.UserException("--cid-version and --raw-leaves apply to --kubo; a raw CID is always version 1");
    }
    Cid cid;
    if (kubo) {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
        // Kubo's rule: raw leaves unless said otherwise when the CID version is 1.
        cid = UnixFs.kuboCid(in, cidVersion, rawLeaves != null ? rawLeaves : cidVersion == 1);
      }
    } else {
      cid = Cid.rawSha256(Files.readAllBytes(file));
    }
    if (json) {
      ObjectNode o = Json.object();
      o.put("file", file.toString());
      o.put("cid", cid.toString());
      o.put("kind", kubo ? "kubo" : "raw");
      System.out.println(o.toPrettyString());
    } else {
      System.out.println(cid);
    }
    return 0;
  }
}
