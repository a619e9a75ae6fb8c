package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.packaging.Distribution.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: the .deb installed into a throwaway root, as dpkg installs it on a node: files, owners, modes, the
 * conffile, the system account, the unit (installed, valid, not enabled), and removal.
 *
 * <p>{@code dpkg --root} runs the maintainer scripts with {@code --force-script-chrootless}: outside the root (which
 * has no shell of its own) with {@code DPKG_ROOT} set, which they honour, so the account is created in the root's
 * /etc/passwd and never in this machine's. {@code --force-depends}: the root's package database is empty, so the Java
 * runtime, socat and the other dependencies cannot be found there. The installed launcher runs with this machine's
 * Java and the jars installed in the root, found through /usr/bin/steward, the link the package installs.
 */
class DebianPackageTest {
    private static final Duration DPKG_TIMEOUT = Duration.ofMinutes(2);
    private static final String UNIT = "/usr/lib/systemd/system/steward.service";

    @TempDir
    Path root;

    /** What a minimal Debian system has before the package: root's account and an empty package database. */
    @BeforeEach
    void emptyDebianRoot() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createDirectories(root.resolve("var/log"));
        Files.createFile(root.resolve("var/lib/dpkg/status"));
    }

    @Test
    void installsTheFilesTheAccountAndTheConffileWithoutEnablingTheUnit() throws Exception {
        byte[] hostPasswd = Files.readAllBytes(Path.of("/etc/passwd"));
        byte[] hostGroup = Files.readAllBytes(Path.of("/etc/group"));

        install();

        Account account = account("steward")
                .orElseThrow(() -> new AssertionError("no steward account in the root's /etc/passwd"));
        assertThat(account.uid()).as("a system account").isBetween(100, 999);
        assertThat(account.home()).isEqualTo("/var/lib/steward");
        assertThat(account.shell()).isEqualTo("/usr/sbin/nologin");
        assertThat(groupId("steward")).as("its own group").contains(account.gid());
        assertThat(Files.readAllBytes(Path.of("/etc/passwd")))
                .as("this machine's accounts are untouched")
                .isEqualTo(hostPasswd);
        assertThat(Files.readAllBytes(Path.of("/etc/group"))).isEqualTo(hostGroup);

        // a relative link, so that the launcher finds /usr/share/steward/lib beside itself in any root
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/steward")))
                .isEqualTo(Path.of("../share/steward/bin/steward"));
        assertFile("/usr/share/steward/bin/steward", 0, 0, 0755);
        assertThat(root.resolve("usr/share/steward/bin/steward"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("bin/steward"));
        List<String> jars = names("usr/share/steward/lib");
        for (String module :
                List.of("agent", "plugins-postgres", "plugins-redis", "plugins-elasticsearch", "plugins-mongodb")) {
            assertThat(jars).anyMatch(jar -> jar.startsWith("steward-" + module + "-") && jar.endsWith(".jar"));
        }
        assertThat(jars)
                .anyMatch(jar -> jar.startsWith("picocli-"))
                .anyMatch(jar -> jar.startsWith("curator-recipes-"));
        for (String jar : jars) {
            assertFile("/usr/share/steward/lib/" + jar, 0, 0, 0644);
        }
        String agentJar = jars.stream()
                .filter(jar -> jar.startsWith("steward-agent-"))
                .findFirst()
                .orElseThrow();
        Result version = Distribution.run(
                DPKG_TIMEOUT,
                "env",
                "--unset=STEWARD_HOME",
                "STEWARD_JAVA=" + Path.of(System.getProperty("java.home"), "bin", "java"),
                root.resolve("usr/bin/steward").toString(),
                "--version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output().strip())
                .as("the installed command, with the installed jars")
                .isEqualTo("steward "
                        + agentJar.substring("steward-agent-".length(), agentJar.length() - ".jar".length()));
        assertFile(UNIT, 0, 0, 0644);
        // where bash-completion looks for a command's completion the first time it is completed
        assertFile("/usr/share/bash-completion/completions/steward", 0, 0, 0644);
        assertThat(root.resolve("usr/share/bash-completion/completions/steward"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("completion/steward.bash"));
        assertThat(root.resolve(UNIT.substring(1)))
                .hasSameBinaryContentAs(Distribution.SYSTEMD.resolve("steward.service"));
        assertThat(names("usr/share/steward/systemd"))
                .containsExactlyInAnyOrder(
                        "elasticsearch.conf", "data-paths.conf", "host-mounts.conf", "keep-server.conf");
        assertThat(root.resolve("usr/share/doc/steward/iam/steward-policy.json"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("iam/steward-policy.json"));
        assertThat(names("usr/share/doc/steward/docs"))
                .contains("install.md", "postgresql.md", "redis.md", "elasticsearch.md", "mongodb.md");

        // the configuration holds secrets: root and the group steward only
        assertFile("/etc/steward", 0, account.gid(), 0750);
        assertFile("/etc/steward/steward.yml", 0, account.gid(), 0640);
        assertThat(root.resolve("etc/steward/steward.yml"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("conf/steward.yml"));
        Result status = dpkg("--status", "steward");
        assertThat(status.output())
                .contains("Status: install ok installed")
                .containsPattern("Conffiles:\\n /etc/steward/steward.yml [0-9a-f]{32}\\n");

        // not started until configured: nothing enables the unit
        assertThat(Files.exists(
                        root.resolve("etc/systemd/system/multi-user.target.wants/steward.service"),
                        LinkOption.NOFOLLOW_LINKS))
                .as("an enablement link")
                .isFalse();
    }

    @Test
    void removalKeepsTheEditedConfigurationAndPurgeTakesItAway() throws Exception {
        install();
        Path configuration = root.resolve("etc/steward/steward.yml");
        Files.writeString(configuration, "engine: redis\n");

        Result removal = dpkg("--remove", "steward");

        assertThat(removal.exitCode()).as(removal.output()).isZero();
        assertThat(root.resolve("usr/bin/steward")).doesNotExist();
        assertThat(root.resolve(UNIT.substring(1))).doesNotExist();
        assertThat(root.resolve("usr/share/steward")).doesNotExist();
        assertThat(configuration).hasContent("engine: redis");
        assertThat(dpkg("--status", "steward").output()).contains("Status: deinstall ok config-files");

        Result purge = dpkg("--purge", "steward");

        assertThat(purge.exitCode()).as(purge.output()).isZero();
        assertThat(root.resolve("etc/steward")).doesNotExist();
        assertThat(account("steward"))
                .as("Debian keeps system accounts: files elsewhere may still be theirs")
                .isPresent();
    }

    @Test
    void theInstalledUnitVerifiesAloneAndWithEveryShippedDropIn() throws Exception {
        install();

        assertVerifies("the unit");
        Path dropIns = Files.createDirectories(root.resolve("etc/systemd/system/steward.service.d"));
        for (String dropIn : names("usr/share/steward/systemd")) {
            Files.copy(root.resolve("usr/share/steward/systemd").resolve(dropIn), dropIns.resolve(dropIn));
            assertVerifies("the unit with " + dropIn);
            Files.delete(dropIns.resolve(dropIn));
        }

        // the check has teeth: without the program the unit runs, verification fails and names it
        Files.delete(root.resolve("usr/bin/steward"));
        Result broken = verify();
        assertThat(broken.exitCode()).isNotZero();
        assertThat(broken.output()).contains("/usr/bin/steward");
    }

    private void install() throws Exception {
        Result install = dpkg(
                "--force-depends", "--install", Distribution.debianPackage().toString());
        assertThat(install.exitCode()).as(install.output()).isZero();
    }

    private Result dpkg(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless"));
        command.addAll(List.of(arguments));
        return Distribution.run(DPKG_TIMEOUT, command);
    }

    /** systemd-analyze resolves the unit, its drop-ins and its programs inside the root; its dependencies are systemd's. */
    private Result verify() throws Exception {
        return Distribution.run(
                Duration.ofMinutes(1), "systemd-analyze", "verify", "--recursive-errors=no", "--root=" + root, UNIT);
    }

    private void assertVerifies(String what) throws Exception {
        Result result = verify();
        assertThat(result.exitCode()).as(what + ": " + result.output()).isZero();
        assertThat(result.output()).as(what + ": no warnings").isBlank();
    }

    private void assertFile(String absolute, int uid, int gid, int mode) throws IOException {
        Path path = root.resolve(absolute.substring(1));
        assertThat(path).exists();
        assertThat(Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .as(absolute + " owner")
                .isEqualTo(uid);
        assertThat(Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS))
                .as(absolute + " group")
                .isEqualTo(gid);
        int actualMode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        assertThat(Integer.toOctalString(actualMode)).as(absolute + " mode").isEqualTo(Integer.toOctalString(mode));
    }

    private List<String> names(String relativeFolder) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(relativeFolder))) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private record Account(int uid, int gid, String home, String shell) {}

    private Optional<Account> account(String name) throws IOException {
        return entry("etc/passwd", name)
                .map(fields ->
                        new Account(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), fields[5], fields[6]));
    }

    private Optional<Integer> groupId(String name) throws IOException {
        return entry("etc/group", name).map(fields -> Integer.parseInt(fields[2]));
    }

    /** The colon-separated fields of the root's entry for {@code name} in an /etc/passwd-like file. */
    private Optional<String[]> entry(String file, String name) throws IOException {
        return Files.readAllLines(root.resolve(file)).stream()
                .map(line -> line.split(":", -1))
                .filter(fields -> fields[0].equals(name))
                .findFirst();
    }
}
