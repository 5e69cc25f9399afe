package dev.tandem.node.http;

import dev.tandem.node.api.Envelope;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.cid.Blocks;
import dev.tandem.core.cid.Car;
import dev.tandem.core.cid.Cid;
import dev.tandem.core.cid.CidFormatException;
import dev.tandem.core.cid.UnixFs;
import dev.tandem.core.json.Json;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.ipfs.BlockStore;
import dev.tandem.node.modules.ModuleStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /ipfs/{cid}} as an IPFS trustless gateway serves it, for every block of every DAG the node stores
 * (modules and added files, raw and dag-pb, CIDv0 and CIDv1): {@code ?format=raw} or
 * {@code Accept: application/vnd.ipld.raw} gives the one block; {@code ?format=car} or
 * {@code Accept: application/vnd.ipld.car} a CARv1 of the DAG in depth-first order without duplicates
 * ({@code dag-scope} {@code all}, {@code entity} or {@code block}); without either, the file's bytes. What is not
 * supported ({@code entity-bytes}, CARv2, other formats, paths inside a DAG) is a 400 that says so. Also
 * {@code POST /ipfs}, for the operator: store a file (module or data) and answer its CIDs.
 */
final class IpfsGateway {
  /** Largest file served whole (uploads have their own limit, {@code --max-upload-mb}). */
  static final int MAX_FILE_BYTES = 64 << 20;
  private static final String JSON = "application/json";
  private static final String RAW = "application/vnd.ipld.raw";
  private static final String IMMUTABLE = "public, max-age=29030400, immutable";

  private final BlockStore blocks;
  private final ModuleStore modules;
  private final AnswerBudget budget;

  /** @param answerBytes the bytes answers being sent may hold together ({@link AnswerBudget}) */
  IpfsGateway(ModuleStore modules, long answerBytes) {
    this.blocks = modules.blocks();
    this.modules = modules;
    this.budget = new AnswerBudget(answerBytes);
  }

  /** The blocks served: the block store, and modules stored before blocks were. */
  private Optional<byte[]> block(Cid cid) throws IOException {
    Optional<byte[]> block = blocks.get(cid);
    return block.isEmpty() && cid.isRaw() ? modules.get(cid) : block;
  }

  void get(Request request, Response response, Callback callback, String rest) throws IOException {
    int slash = rest.indexOf('/');
    String cidText = slash < 0 ? rest : rest.substring(0, slash);
    if (slash >= 0 && slash < rest.length() - 1) {
      error(response, callback, 400, RpcErrors.INVALID_PARAMS, "paths inside a DAG are not supported: ask for "
          + "/ipfs/{cid} of the file itself");
      return;
    }
    Cid cid;
    try {
      cid = Cid.parse(cidText);
    } catch (IllegalArgumentException e) {
      // Also what a path like ../../etc/passwd gets: only parsed CIDs ever name a file.
      error(response, callback, 400, RpcErrors.INVALID_PARAMS, e.getMessage());
      return;
    }
    Fields query = Request.extractQueryParameters(request);
    if (query.get("entity-bytes") != null) {
      error(response, callback, 400, RpcErrors.INVALID_PARAMS, "entity-bytes is not supported: ask for the whole "
          + "entity (dag-scope=entity) or single blocks (format=raw)");
      return;
    }
    String format;
    try {
      format = format(query.getValue("format"), request.getHeaders().get(HttpHeader.ACCEPT));
    } catch (IllegalArgumentException e) {
      error(response, callback, 400, RpcErrors.INVALID_PARAMS, e.getMessage());
      return;
    }
    response.getHeaders().put(HttpHeader.VARY, "Accept");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("X-Ipfs-Roots", cid.toString());
    if (!budget.tryBuild()) {
      busy(response, callback);
      return;
    }
    try {
      switch (format) {
        case "raw" -> {
          Optional<byte[]> block = block(cid);
          if (block.isEmpty()) {
            notHere(response, callback, cid);
            return;
          }
          immutable(response, cid, ".raw");
          response.getHeaders().put("Content-Disposition", "attachment; filename=\"" + cid + ".bin\"");
          answer(request, response, callback, RAW, block.get());
        }
        case "car" -> car(request, response, callback, cid, query.getValue("dag-scope"));
        default -> file(request, response, callback, cid);
      }
    } catch (Blocks.MissingBlockException e) {
      notHere(response, callback, e.cid());
    } catch (CidFormatException e) {
      error(response, callback, 501, RpcErrors.INVALID_PARAMS, e.getMessage());
    } finally {
      budget.built();
    }
  }

  /** A 200 answer, sent within the {@link AnswerBudget} or refused 503 when it has no room. */
  private void answer(Request request, Response response, Callback callback, String type, byte[] body) {
    if (!budget.send(request, response, callback, type, body)) {
      response.getHeaders().remove(HttpHeader.CACHE_CONTROL);
      response.getHeaders().remove(HttpHeader.ETAG);
      busy(response, callback);
    }
  }

  private static void busy(Response response, Callback callback) {
    error(response, callback, 503, RpcErrors.OVERLOADED, "overloaded: this node's gateway is sending as much as it "
        + "allows (--gateway-mb); try another source");
  }

  private void car(Request request, Response response, Callback callback, Cid cid, String scope)
      throws IOException {
    String dagScope = scope == null ? "all" : scope;
    if (!dagScope.equals("all") && !dagScope.equals("entity") && !dagScope.equals("block")) {
      error(response, callback, 400, RpcErrors.INVALID_PARAMS, "dag-scope must be all, entity or block, not "
          + dagScope);
      return;
    }
    ByteArrayOutputStream car = new ByteArrayOutputStream();
    Car.writeHeader(car, cid);
    try {
      // For a file, the entity is its whole DAG; a block scope is the root block alone.
      Blocks.walk(cid, this::block, dagScope.equals("block"), (c, block) -> {
        if (car.size() > MAX_FILE_BYTES + (1 << 20)) { // a file's CAR is its bytes and some CIDs: this is no file
          throw new CidFormatException("the DAG under " + cid + " is larger than a CAR served here ("
              + MAX_FILE_BYTES + " bytes)");
        }
        try {
          Car.writeBlock(car, c, block);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    immutable(response, cid, ".car." + dagScope);
    response.getHeaders().put("Content-Disposition", "attachment; filename=\"" + cid + ".car\"");
    answer(request, response, callback, Car.MEDIA_TYPE + "; version=1; order=dfs; dups=n", car.toByteArray());
  }

  private void file(Request request, Response response, Callback callback, Cid cid) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Blocks.readFile(cid, this::block, out, MAX_FILE_BYTES);
    byte[] bytes = out.toByteArray();
    immutable(response, cid, "");
    boolean wasm = bytes.length >= 4 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' && bytes[3] == 'm';
    answer(request, response, callback, wasm ? "application/wasm" : "application/octet-stream", bytes);
  }

  /**
   * {@code raw}, {@code car} or {@code file}: the {@code format} parameter wins over {@code Accept}, as the
   * specification says.
   */
  static String format(String param, String accept) {
    if (param != null) {
      return switch (param) {
        case "raw", "car" -> param;
        default -> throw new IllegalArgumentException("format=" + param + " is not supported: use raw or car");
      };
    }
    if (accept == null) {
      return "file";
    }
    boolean askedForCar = false;
    for (String entry : accept.split(",")) {
      String[] parts = entry.trim().split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      if (type.equals(RAW)) {
        return "raw";
      }
      if (type.equals(Car.MEDIA_TYPE)) {
        askedForCar = true;
        if (carParamsSupported(parts)) {
          return "car";
        }
      }
    }
    if (askedForCar) {
      throw new IllegalArgumentException("only CARv1 with order=dfs (or unk) is served: "
          + "application/vnd.ipld.car; version=1; order=dfs; dups=n");
    }
    return "file";
  }

  private static boolean carParamsSupported(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].trim().split("=", 2);
      String key = kv[0].trim().toLowerCase(Locale.ROOT);
      String value = kv.length > 1 ? kv[1].trim().toLowerCase(Locale.ROOT) : "";
      boolean ok = switch (key) {
        case "version" -> value.equals("1");
        case "order" -> value.equals("dfs") || value.equals("unk");
        case "dups" -> value.equals("n") || value.equals("y"); // y allows duplicates; none is also valid
        case "q" -> true;
        default -> true;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code POST /ipfs}: stores the body as a file and answers its CIDs. The HTTP layer has checked the admin token
   * and read the body within its size limit and deadline.
   */
  void add(byte[] bytes, Response response, Callback callback) {
    UnixFs.KuboCids cids;
    try {
      cids = blocks.putFile(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("storing an added file", e); // the HTTP layer answers 500 and logs it
    }
    ObjectNode json = Json.object();
    json.put("size", bytes.length);
    json.put("raw", cids.raw().toString());
    json.put("v0", cids.v0().toString());
    json.put("v1", cids.v1RawLeaves().toString());
    json.put("v1DagPbLeaves", cids.v1().toString());
    send(response, callback, 200, JSON, json.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void immutable(Response response, Cid cid, String variant) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, IMMUTABLE);
    response.getHeaders().put(HttpHeader.ETAG, "\"" + cid + variant + "\"");
  }

  private static void notHere(Response response, Callback callback, Cid cid) {
    error(response, callback, 404, RpcErrors.MODULE_UNAVAILABLE, "block " + cid + " is not stored here");
  }

  private static void error(Response response, Callback callback, int status, int code, String message) {
    send(response, callback, status, JSON, Envelope.error(null, code, message));
  }

  private static void send(Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
