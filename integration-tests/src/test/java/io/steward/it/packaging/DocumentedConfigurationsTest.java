package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.it.acceptance.InstalledSteward;
import io.steward.it.packaging.DocumentedConfigurations.Block;
import io.steward.it.packaging.DocumentedConfigurations.Check;
import io.steward.it.packaging.DocumentedConfigurations.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 18, documentation that is executed: every YAML and JSON block of README.md and docs/*.md passes
 * {@code steward validate-config} of the shipped tarball's launcher, as {@link DocumentedConfigurations} says each is
 * checked, unless it is marked as no configuration, with a reason.
 */
class DocumentedConfigurationsTest {
    @TempDir
    static Path dir;

    private static InstalledSteward launcher;
    private static DocumentedConfigurations documented;

    @BeforeAll
    static void unpackTheTarballAndMakeTheNodesFiles() throws Exception {
        launcher = InstalledSteward.shared();
        documented = new DocumentedConfigurations(
                new NodeFileStandIns(Files.createDirectory(dir.resolve("node-files"))),
                Files.createDirectory(dir.resolve("checked")));
    }

    static List<Block> blocks() throws IOException {
        return DocumentedConfigurations.blocks();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void aDocumentedBlockIsAValidConfigurationOrSaysWhyItIsNone(Block block) throws Exception {
        if (block.kind() == Kind.NOT_CONFIG) {
            assertThat(block.notConfig().orElseThrow())
                    .as("%s: <!-- not-config: REASON --> needs its reason", block)
                    .isNotBlank();
            return;
        }
        Check check = documented.prepare(block);

        InstalledSteward.CliRun run = launcher.validateConfig(check.config(), check.userData(), List.of());

        assertThat(run.exitCode())
                .as("%s (%s, checked as %s): %s", block, block.kind(), Files.readString(check.config()), run.err())
                .isZero();
        assertThat(run.out()).contains("configuration OK", "engine " + check.engine());
    }

    @Test
    void everyPageWithConfigurationIsRead() throws IOException {
        assertThat(blocks())
                .extracting(block -> block.where().replaceFirst(":\\d+$", ""))
                .contains(
                        "README.md",
                        "docs/install.md",
                        "docs/postgresql.md",
                        "docs/redis.md",
                        "docs/elasticsearch.md",
                        "docs/mongodb.md");
    }

    /** Issue 17: the backup store is documented in its own section, never as the WAL archive's bucket. */
    @Test
    void theDocumentationShowsTheBackupStoreNotTheOldWalBucket() throws IOException {
        List<Block> backupBlocks = blocks().stream()
                .filter(block -> block.language().equals("yaml"))
                .filter(block -> readYaml(block).has("backup"))
                .toList();
        assertThat(backupBlocks)
                .anySatisfy(block ->
                        assertThat(readYaml(block).path("backup").has("store")).isTrue())
                .noneSatisfy(block -> assertThat(
                                readYaml(block).path("backup").path("wal").has("bucket"))
                        .isTrue());
    }

    private static ObjectNode readYaml(Block block) {
        try {
            return block.yaml();
        } catch (IOException e) {
            throw new AssertionError(block + " is no YAML", e);
        }
    }
}
