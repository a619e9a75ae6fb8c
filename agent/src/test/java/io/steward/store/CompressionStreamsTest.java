package io.steward.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.store.BackupStoreConfig.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressionStreamsTest {

    /** WAL-like: runs of repeated records with random parts, so it compresses but not to nothing. */
    static byte[] walLike(int size, long seed) {
        Random random = new Random(seed);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i += 64) {
            byte[] record = new byte[Math.min(64, size - i)];
            if (random.nextInt(4) == 0) {
                random.nextBytes(record);
            } else {
                Arrays.fill(record, (byte) random.nextInt(8));
            }
            System.arraycopy(record, 0, data, i, record.length);
        }
        return data;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripGivesBackTheSameBytes(Compression compression) throws IOException {
        for (int size : new int[] {0, 1, 65_537, 5 << 20}) {
            byte[] original = walLike(size, size);

            byte[] compressed = compress(compression, original);

            assertThat(decompress(compression, compressed)).isEqualTo(original);
            if (compression != Compression.NONE && size > 1_000) {
                assertThat(compressed.length)
                        .as("%s of %d bytes", compression, size)
                        .isLessThan(size / 2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"ZSTD", "LZ4"})
    void damagedContentFailsToDecompress(Compression compression) throws IOException {
        byte[] compressed = compress(compression, walLike(1 << 20, 7));
        compressed[compressed.length / 2] ^= 0x55;
        compressed[compressed.length / 2 + 1] ^= 0x55;

        assertThatThrownBy(() -> decompress(compression, compressed))
                .isInstanceOfAny(IOException.class, RuntimeException.class);
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"ZSTD", "LZ4"})
    void contentThatIsNotCompressedSaysSoInWords(Compression compression) {
        byte[] text = "not written by Steward".getBytes(StandardCharsets.UTF_8);
        String format = compression.name().toLowerCase(Locale.ROOT);

        assertThatThrownBy(() -> decompress(compression, text))
                .isInstanceOf(VerifiedTransfer.DamagedObjectException.class)
                .hasMessageStartingWith("the object is not a valid " + format + " stream (")
                .hasMessageEndingWith("): damaged, or not written by Steward");
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"ZSTD", "LZ4"})
    void aFailureToReadTheObjectIsPassedOnAsItIs(Compression compression) throws IOException {
        byte[] compressed = compress(compression, walLike(1 << 20, 9));
        IOException cut = new IOException("connection reset");
        InputStream network = new FilterInputStream(new ByteArrayInputStream(compressed, 0, compressed.length / 2)) {
            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int read = super.read(buffer, offset, length);
                if (read == -1) {
                    throw cut;
                }
                return read;
            }
        };

        assertThatThrownBy(() -> {
                    try (InputStream in = CompressionStreams.decompressing(compression, network)) {
                        in.readAllBytes();
                    }
                })
                .isSameAs(cut);
    }

    private static byte[] compress(Compression compression, byte[] data) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (OutputStream out = CompressionStreams.compressing(compression, buffer)) {
            out.write(data);
        }
        return buffer.toByteArray();
    }

    private static byte[] decompress(Compression compression, byte[] data) throws IOException {
        try (InputStream in = CompressionStreams.decompressing(compression, new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }
}
