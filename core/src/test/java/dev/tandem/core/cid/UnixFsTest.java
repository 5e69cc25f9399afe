package dev.tandem.core.cid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Checks {@link UnixFs} against the CIDs in {@code cid/kubo-vectors.json}, made by {@code vectors/generate.mjs}. */
class UnixFsTest {
    /** Files up to this size are also hashed from a byte array; larger ones only stream. */
    private static final int IN_MEMORY_LIMIT = 8 << 20;

    /** How each column of the vectors file is computed; see the {@link UnixFs} Javadoc. */
    private record Mode(String column, int cidVersion, boolean rawLeaves) {}

    private static final List<Mode> MODES = List.of(
            new Mode("v0", 0, false),
            new Mode("v1", 1, false),
            new Mode("v1RawLeaves", 1, true),
            new Mode("v0RawLeaves", 0, true));

    @Test
    void designVectors() {
        assertThat(UnixFs.kuboCid(CidTest.WASM_HEADER, 0)).hasToString(CidTest.WASM_KUBO_V0);
        assertThat(UnixFs.kuboCid(CidTest.WASM_HEADER, 1)).hasToString(CidTest.WASM_KUBO_V1);
        // plain `ipfs add --cid-version 1` uses raw leaves: one chunk is then one raw block
        assertThat(UnixFs.kuboCid(CidTest.WASM_HEADER, 1, true)).hasToString(CidTest.WASM_RAW);
        assertThat(UnixFs.kuboCid(CidTest.WASM_HEADER, 1)).isEqualTo(UnixFs.kuboCid(CidTest.WASM_HEADER, 0).toV1());
    }

    @Test
    void emptyFileIsTheWellKnownEmptyUnixFsFile() throws IOException {
        assertThat(UnixFs.kuboCid(new byte[0], 0)).hasToString("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
        assertThat(UnixFs.kuboCid(InputStream.nullInputStream(), 1, true)).isEqualTo(Cid.rawSha256(new byte[0]));
    }

    @TestFactory
    Stream<DynamicTest> kuboVectors() throws IOException {
        JsonNode vectors = loadVectors().get("vectors");
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(7);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors) {
            tests.add(DynamicTest.dynamicTest(v.get("name").asText() + " (" + v.get("size").asLong() + " bytes)", () -> {
                for (Mode mode : MODES) {
                    Cid cid = UnixFs.kuboCid(content(v), mode.cidVersion(), mode.rawLeaves());
                    assertThat(cid).as(mode.column()).hasToString(v.get(mode.column()).asText());
                }
                UnixFs.KuboCids all = UnixFs.kuboCids(content(v));
                assertThat(Map.of("raw", all.raw(), "v0", all.v0(), "v1", all.v1(), "v1RawLeaves", all.v1RawLeaves()))
                        .allSatisfy((column, cid) -> assertThat(cid).as(column).hasToString(v.get(column).asText()));
                assertThat(all.contains(Cid.parse(v.get("v1").asText()))).isTrue();
                assertThat(all.contains(Cid.parse(v.get("v0RawLeaves").asText())))
                        .isEqualTo(v.get("v0RawLeaves").asText().equals(v.get("raw").asText()));

                if (v.get("size").asLong() <= IN_MEMORY_LIMIT) {
                    byte[] bytes = content(v).readAllBytes();
                    assertThat(bytes).hasSize(v.get("size").asInt());
                    assertThat(Cid.rawSha256(bytes)).hasToString(v.get("raw").asText());
                    assertThat(UnixFs.kuboCid(bytes, 0)).hasToString(v.get("v0").asText());
                    assertThat(UnixFs.kuboCid(bytes, 1)).hasToString(v.get("v1").asText());
                    assertThat(UnixFs.kuboCid(bytes, 1, true)).hasToString(v.get("v1RawLeaves").asText());
                }
            }));
        }
        return tests.stream();
    }

    /**
     * The same files through a second, independent encoder ({@code @ipld/unixfs}, what ipfs-car uses, made by
     * {@code vectors/generate-ipld-unixfs.mjs}): Kubo's defaults, and ipfs-car's own (1 MiB chunks, 1024 links).
     */
    @TestFactory
    Stream<DynamicTest> ipldUnixFsVectors() throws IOException {
        JsonNode vectors = loadVectors("/cid/ipld-unixfs-vectors.json").get("vectors");
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(9);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : vectors) {
            tests.add(DynamicTest.dynamicTest(v.get("name").asText() + " (" + v.get("size").asLong() + " bytes)", () -> {
                for (Mode mode : MODES.subList(0, 3)) {
                    Cid cid = UnixFs.kuboCid(content(v), mode.cidVersion(), mode.rawLeaves());
                    assertThat(cid).as(mode.column()).hasToString(v.get(mode.column()).asText());
                }
                assertThat(UnixFs.kuboCid(content(v), 1, true, 1 << 20, 1024)).as("ipfsCarPack")
                        .hasToString(v.get("ipfsCarPack").asText());
            }));
        }
        return tests.stream();
    }

    /** Deep trees, cheaply: the same importer with 1 KiB chunks and 3 links per node. */
    @TestFactory
    Stream<DynamicTest> layoutVectors() throws IOException {
        JsonNode layout = loadVectors().get("layout");
        int chunkSize = layout.get("chunkSize").asInt();
        int maxLinks = layout.get("maxLinks").asInt();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : layout.get("vectors")) {
            tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> {
                for (Mode mode : MODES) {
                    Cid cid = UnixFs.kuboCid(content(v), mode.cidVersion(), mode.rawLeaves(), chunkSize, maxLinks);
                    assertThat(cid).as(mode.column()).hasToString(v.get(mode.column()).asText());
                }
            }));
        }
        return tests.stream();
    }

    @Property(tries = 50)
    void chunkingDoesNotDependOnHowTheStreamSplitsItsReads(
            @ForAll @IntRange(min = 0, max = 3 * 4096 + 7) int size, @ForAll @IntRange(min = 1, max = 5000) int readSize)
            throws IOException {
        byte[] data = Xorshift32.bytes(0x5eed, size);
        InputStream trickle = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, readSize));
            }
        };
        Cid streamed = UnixFs.kuboCid(trickle, 0, false, 1024, 3);
        assertThat(streamed).isEqualTo(UnixFs.kuboCid(new ByteArrayInputStream(data), 0, false, 1024, 3));
    }

    @Test
    void rejectsUnknownCidVersions() {
        assertThatThrownBy(() -> UnixFs.kuboCid(new byte[1], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CID version must be 0 or 1, not 2");
    }

    @Test
    void readErrorsPropagate() {
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk on fire");
            }
        };
        assertThatThrownBy(() -> UnixFs.kuboCid(failing, 0)).isInstanceOf(IOException.class).hasMessage("disk on fire");
    }

    private static JsonNode loadVectors() throws IOException {
        return loadVectors("/cid/kubo-vectors.json");
    }

    private static JsonNode loadVectors(String resource) throws IOException {
        try (InputStream in = UnixFsTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the test classpath").isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    /** A fresh stream of a vector's file: literal hex, or xorshift32 from a seed. */
    private static InputStream content(JsonNode v) {
        if (v.has("hex")) {
            return new ByteArrayInputStream(HexFormat.of().parseHex(v.get("hex").asText()));
        }
        return new Xorshift32((int) (long) Long.decode(v.get("seed").asText()), v.get("size").asLong());
    }
}
