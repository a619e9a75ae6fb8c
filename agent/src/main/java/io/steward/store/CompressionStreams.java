package io.steward.store;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.steward.store.BackupStoreConfig.Compression;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Compressing and decompressing streams in the standard frame formats, so that an operator can restore an archived
 * object by hand with the {@code zstd} or {@code lz4} command.
 */
public final class CompressionStreams {
    /**
     * On a database's change log level 1 compresses twice as fast as zstd's default level 3 to within 1 % of its size
     * (16 MiB files: 20 against 42 ms, 4.71 against 4.67 MiB), and archiving such a log is on the database's critical
     * path.
     */
    private static final int ZSTD_LEVEL = 1;

    private CompressionStreams() {}

    /** Closing the returned stream finishes the frame and closes {@code out}. */
    public static OutputStream compressing(Compression compression, OutputStream out) throws IOException {
        return switch (compression) {
            // the frame checksum lets a damaged object fail in decompression already, before the SHA-256 check
            case ZSTD -> new ZstdOutputStream(out, ZSTD_LEVEL).setChecksum(true);
            case LZ4 ->
                new LZ4FrameOutputStream(
                        out,
                        LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB,
                        LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                        LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
            case NONE ->
                new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] bytes, int offset, int length) throws IOException {
                        out.write(bytes, offset, length);
                    }
                };
        };
    }

    /** Closing the returned stream closes {@code in}. */
    public static InputStream decompressing(Compression compression, InputStream in) throws IOException {
        return switch (compression) {
            case ZSTD -> new ZstdInputStream(in);
            // the bounds-checked Java decoder: the archive's content is input from outside the process
            case LZ4 ->
                new LZ4FrameInputStream(
                        in,
                        LZ4Factory.safeInstance().safeDecompressor(),
                        XXHashFactory.safeInstance().hash32());
            case NONE -> in;
        };
    }
}
