package dev.tandem.sandbox;

import java.util.Map;

/**
 * Limits of the browsers' WebAssembly engine (V8) that the other checks do not imply, applied to the module as
 * metered, which is what a browser client compiles when it re-runs a request as referee. A module that nodes run and
 * browsers cannot compile would leave a browser to settle that service's conflicts by asking more servers, and a
 * conviction rests on a re-run. Read from the section headers alone, before the metered module is parsed.
 */
final class EngineLimits {
  static final int MAX_FUNCTIONS = 1_000_000;
  static final int MAX_FUNCTION_BYTES = 7_654_321;
  static final int MAX_PARAMS = 1_000;
  static final int MAX_RESULTS = 1_000;
  /** What a section holds, and how many of them at most. */
  private record Entries(String name, int max) {}

  /** By section id. */
  private static final Map<Integer, Entries> MAX_ENTRIES = Map.of(1, new Entries("types", 1_000_000),
      2, new Entries("imports", 100_000), 6, new Entries("globals", 1_000_000), 7, new Entries("exports", 100_000),
      11, new Entries("data segments", 100_000));

  private EngineLimits() {}

  /** What in {@code metered} a browser would refuse, in a sentence; null when nothing (or it cannot be read). */
  static String problem(byte[] metered) {
    int[] at = {8};
    while (at[0] < metered.length) {
      int id = metered[at[0]++] & 0xFF;
      long size = ModuleShape.leb(metered, at);
      if (size < 0 || size > metered.length - at[0]) {
        return null; // the parser says what is wrong
      }
      int end = at[0] + (int) size;
      String problem = entries(id, metered, at[0]);
      if (problem == null) {
        problem = id == 1 ? types(metered, at[0], end) : id == 10 ? code(metered, at[0], end) : null;
      }
      if (problem != null) {
        return problem;
      }
      at[0] = end;
    }
    return null;
  }

  private static String entries(int id, byte[] b, int from) {
    Entries limit = MAX_ENTRIES.get(id);
    if (limit == null) {
      return null;
    }
    long count = ModuleShape.leb(b, new int[] {from});
    return count > limit.max() ? "the module has " + count + " " + limit.name() + ", more than a browser compiles ("
        + limit.max() + "): browser clients could not re-run it" : null;
  }

  private static String types(byte[] b, int from, int end) {
    int[] at = {from};
    long count = ModuleShape.leb(b, at);
    for (long i = 0; i < count && at[0] < end; i++) {
      if ((b[at[0]++] & 0xFF) != 0x60) {
        return null; // not a plain function type: refused as GC types elsewhere
      }
      long params = ModuleShape.leb(b, at);
      at[0] += (int) Math.max(0, params);
      long results = at[0] < end ? ModuleShape.leb(b, at) : -1;
      at[0] += (int) Math.max(0, results);
      if (params > MAX_PARAMS || results > MAX_RESULTS) {
        return "type " + i + " has " + params + " parameters and " + results + " results, more than a browser "
            + "compiles (" + MAX_PARAMS + " and " + MAX_RESULTS + "): browser clients could not re-run it";
      }
    }
    return null;
  }

  private static String code(byte[] b, int from, int end) {
    int[] at = {from};
    long count = ModuleShape.leb(b, at);
    if (count > MAX_FUNCTIONS) {
      return "the module defines " + count + " functions, more than a browser compiles (" + MAX_FUNCTIONS
          + "): browser clients could not re-run it";
    }
    for (long i = 0; i < count && at[0] < end; i++) {
      long size = ModuleShape.leb(b, at);
      if (size > MAX_FUNCTION_BYTES) {
        return "a function is " + size + " bytes once metered, more than a browser compiles (" + MAX_FUNCTION_BYTES
            + "): browser clients could not re-run it";
      }
      at[0] += (int) Math.max(0, size);
    }
    return null;
  }
}
