package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The least-privilege policy in packaging/iam grants exactly the calls the agent's code makes: every AWS SDK operation
 * called in agent/src/main is allowed, and nothing else is (KMS, used by S3 on the agent's behalf, aside).
 */
class IamPolicyTest {
    private static final Path POLICY = Path.of("..", "packaging", "iam", "steward-policy.json");
    private static final Path AGENT_SOURCES = Path.of("..", "agent", "src", "main", "java");
    /** S3 operations whose IAM action has another name. */
    private static final Map<String, String> S3_ACTIONS = Map.of(
            "ListObjectsV2",
            "s3:ListBucket",
            "HeadObject",
            "s3:GetObject",
            "DeleteObjects",
            "s3:DeleteObject",
            "CreateMultipartUpload",
            "s3:PutObject",
            "UploadPart",
            "s3:PutObject",
            "CompleteMultipartUpload",
            "s3:PutObject");

    @Test
    void everyStatementIsWellFormedAndNamesItsActions() throws IOException {
        JsonNode policy = new ObjectMapper().readTree(POLICY.toFile());
        assertThat(policy.path("Version").asText()).isEqualTo("2012-10-17");
        assertThat(policy.path("Statement")).isNotEmpty().allSatisfy(statement -> {
            assertThat(statement.path("Sid").asText()).matches("[A-Za-z0-9]+");
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            assertThat(statement.path("Resource").isMissingNode()).isFalse();
            assertThat(statement.path("Action"))
                    .isNotEmpty()
                    .allSatisfy(action -> assertThat(action.asText()).matches("[a-z0-9]+:[A-Za-z0-9]+"));
        });
    }

    @Test
    void thePolicyAllowsExactlyTheOperationsTheAgentCalls() throws IOException {
        Set<String> called = new TreeSet<>();
        called.addAll(operationsCalled("software.amazon.awssdk.services.ec2", Ec2Client.class, "ec2:"));
        called.addAll(operationsCalled("software.amazon.awssdk.services.route53", Route53Client.class, "route53:"));
        called.addAll(
                operationsCalled("software.amazon.awssdk.services.cloudwatch", CloudWatchClient.class, "cloudwatch:"));
        operationsCalled("software.amazon.awssdk.services.s3", S3Client.class, "s3:")
                .forEach(action -> called.add(S3_ACTIONS.getOrDefault(action.substring(3), action)));

        Set<String> allowed = new TreeSet<>();
        new ObjectMapper()
                .readTree(POLICY.toFile())
                .path("Statement")
                .forEach(statement -> statement.path("Action").forEach(action -> allowed.add(action.asText())));
        allowed.removeIf(action -> action.startsWith("kms:"));

        assertThat(called).as("operations in agent/src/main").isNotEmpty();
        assertThat(allowed).containsExactlyInAnyOrderElementsOf(called);
    }

    /** IAM actions for the client's operations that sources importing {@code servicePackage} call, e.g. ec2:CreateSnapshot. */
    private static Set<String> operationsCalled(String servicePackage, Class<?> client, String prefix)
            throws IOException {
        Set<String> operations = new TreeSet<>();
        Arrays.stream(client.getMethods())
                .map(Method::getName)
                .filter(name -> !Set.of(
                                "close",
                                "serviceName",
                                "serviceClientConfiguration",
                                "utilities",
                                "waiter",
                                "builder",
                                "create")
                        .contains(name))
                .forEach(operations::add);
        Pattern call = Pattern.compile("\\.([a-z][A-Za-z0-9]*)\\(");
        Set<String> actions = new TreeSet<>();
        try (Stream<Path> files = Files.walk(AGENT_SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                if (!source.contains("import " + servicePackage + ".")) {
                    continue;
                }
                Matcher matcher = call.matcher(source);
                while (matcher.find()) {
                    String method = matcher.group(1).replaceFirst("(Paginator|AsBytes)$", "");
                    if (operations.contains(method)) {
                        actions.add(prefix + Character.toUpperCase(method.charAt(0)) + method.substring(1));
                    }
                }
            }
        }
        return actions;
    }
}
