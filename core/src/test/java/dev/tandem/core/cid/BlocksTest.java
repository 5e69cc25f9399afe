package dev.tandem.core.cid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A file's DAG, stored block by block, read back, walked and carried in a CAR. */
class BlocksTest {
    private static final byte[] FILE = Xorshift32.bytes(0x5eed, 1_000_003);

    private static Map<Cid, byte[]> dag(byte[] data, int version, boolean rawLeaves, Cid[] root) throws IOException {
        Map<Cid, byte[]> blocks = new HashMap<>();
        root[0] = UnixFs.dag(new ByteArrayInputStream(data), version, rawLeaves, blocks::put);
        return blocks;
    }

    @Test
    void theStoredDagHasTheKuboRootAndReadsBackAsTheFile() throws IOException {
        for (int version = 0; version <= 1; version++) {
            for (boolean rawLeaves : new boolean[] {false, true}) {
                Cid[] root = new Cid[1];
                Map<Cid, byte[]> blocks = dag(FILE, version, rawLeaves, root);
                assertThat(root[0]).isEqualTo(UnixFs.kuboCid(FILE, version, rawLeaves));
                assertThat(blocks).hasSize(5); // 4 leaves of 256 KiB and their parent
                blocks.forEach((cid, block) -> assertThat(Blocks.matches(cid, block)).isTrue());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThat(Blocks.readFile(root[0], c -> Optional.ofNullable(blocks.get(c)), out, FILE.length))
                        .isEqualTo(FILE.length);
                assertThat(out.toByteArray()).isEqualTo(FILE);
            }
        }
    }

    @Test
    void aCarOfTheDagCarriesEveryBlockRootFirstAndIsCheckedWhenRead() throws IOException {
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = dag(FILE, 1, true, root);
        ByteArrayOutputStream car = new ByteArrayOutputStream();
        Car.writeHeader(car, root[0]);
        List<Cid> order = new ArrayList<>();
        Blocks.walk(root[0], c -> Optional.ofNullable(blocks.get(c)), false, (cid, block) -> {
            order.add(cid);
            try {
                Car.writeBlock(car, cid, block);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(order).hasSize(5).first().isEqualTo(root[0]);

        Car.Reader reader = new Car.Reader(new ByteArrayInputStream(car.toByteArray()), 2 << 20);
        assertThat(reader.roots()).containsExactly(root[0]);
        Map<Cid, byte[]> read = new HashMap<>();
        while (reader.next(read::put)) {
            // all of it
        }
        assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(blocks.keySet());

        byte[] tampered = car.toByteArray();
        tampered[tampered.length - 1] ^= 1;
        Car.Reader bad = new Car.Reader(new ByteArrayInputStream(tampered), 2 << 20);
        assertThatThrownBy(() -> {
            while (bad.next((c, b) -> { })) {
                // until the tampered block
            }
        }).isInstanceOf(CidFormatException.class).hasMessageContaining("does not hash to");
    }

    @Test
    void aMissingOrForgedBlockIsRefused() throws IOException {
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = dag(FILE, 0, false, root);
        Cid leaf = DagPb.decode(blocks.get(root[0])).links().get(2).cid();
        Map<Cid, byte[]> missing = new HashMap<>(blocks);
        missing.remove(leaf);
        assertThatThrownBy(() -> Blocks.readFile(root[0], c -> Optional.ofNullable(missing.get(c)),
                new ByteArrayOutputStream(), FILE.length)).isInstanceOf(Blocks.MissingBlockException.class);
        Map<Cid, byte[]> forged = new HashMap<>(blocks);
        forged.put(leaf, new byte[10]);
        assertThatThrownBy(() -> Blocks.readFile(root[0], c -> Optional.ofNullable(forged.get(c)),
                new ByteArrayOutputStream(), FILE.length)).isInstanceOf(CidFormatException.class);
        assertThatThrownBy(() -> Blocks.readFile(root[0], c -> Optional.ofNullable(blocks.get(c)),
                new ByteArrayOutputStream(), 1000)).hasMessageContaining("larger than the limit");
    }

    /**
     * A crafted DAG whose every level links the one block below twice, down to an empty leaf: 2^60 visits if
     * followed, and never a byte over the limit. It is refused after a handful of visits, while real files (above,
     * and Kubo's any-size files) stay within the bound of visits per byte read.
     */
    @Test
    void aDagThatLinksAnEmptyBlockOverAndOverIsRefusedAtOnce() throws Exception {
        Map<Cid, byte[]> blocks = new HashMap<>();
        Cid below = Cid.rawSha256(new byte[0]);
        blocks.put(below, new byte[0]);
        for (int level = 0; level < 60; level++) {
            byte[] node = fileNode(below, below);
            below = Cid.of(1, Cid.DAG_PB, java.security.MessageDigest.getInstance("SHA-256").digest(node));
            blocks.put(below, node);
        }
        Cid root = below;
        long start = System.nanoTime();
        assertThatThrownBy(() -> Blocks.readFile(root, c -> Optional.ofNullable(blocks.get(c)),
                new ByteArrayOutputStream(), 1 << 20)).isInstanceOf(CidFormatException.class)
                .hasMessageContaining("links blocks that hold nothing over and over");
        assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
    }

    /** A dag-pb UnixFS file node with no data of its own and {@code links}: links first, then Data (Type=file). */
    private static byte[] fileNode(Cid... links) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Cid link : links) {
            byte[] hash = link.bytes();
            byte[] pbLink = new byte[2 + hash.length];
            pbLink[0] = 0x0a; // PBLink.Hash
            pbLink[1] = (byte) hash.length;
            System.arraycopy(hash, 0, pbLink, 2, hash.length);
            out.write(0x12); // PBNode.Links
            out.write(pbLink.length);
            out.writeBytes(pbLink);
        }
        out.writeBytes(new byte[] {0x0a, 0x02, 0x08, 0x02}); // PBNode.Data = UnixFS {Type: File}
        return out.toByteArray();
    }
}
