package io.steward.it.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * A local EC2 endpoint speaking the Query API (form-encoded {@code Action=...}, XML answers with {@code <item>} lists)
 * to the real SDK {@link Ec2Client}, with real state behind it: every volume is an image file, attached as a loop
 * device with the by-id link a Nitro instance would show ({@code nvme-Amazon_Elastic_Block_Store_vol...}) in a folder
 * the test chooses; a snapshot copies its volume's image when it is created and goes pending, then completed; a
 * volume created from a snapshot is a new copy of that image.
 *
 * <p>Tests can fail the next calls of an action with a given error, make the next call of an action hang until
 * released, and count calls. {@link #close()} detaches every loop device and deletes every image.
 */
public final class Ec2TestServer implements AutoCloseable {
    static final String NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static final String OWNER = "123456789012";

    /** Every instance boots from the volume attached as this device (the usual name for Amazon Linux AMIs). */
    static final String ROOT_DEVICE = "/dev/xvda";

    private record Instance(String id, String availabilityZone, String privateIp) {
        String privateDnsName() {
            String region = availabilityZone.substring(0, availabilityZone.length() - 1);
            return "ip-" + privateIp.replace('.', '-') + "." + region + ".compute.internal";
        }
    }

    private static final class VolumeState {
        final String id;
        final Path image;
        final int sizeGib;
        final String availabilityZone;
        final Optional<String> snapshotId;
        final Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        final Map<String, String> tags = new TreeMap<>();
        Instant availableAt;
        String instanceId;
        String device;
        String loopDevice;

        VolumeState(String id, Path image, int sizeGib, String availabilityZone, Optional<String> snapshotId) {
            this.id = id;
            this.image = image;
            this.sizeGib = sizeGib;
            this.availabilityZone = availabilityZone;
            this.snapshotId = snapshotId;
            this.availableAt = createdAt;
        }

        String state() {
            if (instanceId != null) {
                return "in-use";
            }
            return Instant.now().isBefore(availableAt) ? "creating" : "available";
        }
    }

    private record SnapshotState(
            String id,
            String volumeId,
            Path image,
            int sizeGib,
            String description,
            Instant startedAt,
            Instant completedAt,
            Map<String, String> tags) {
        String state() {
            return Instant.now().isBefore(completedAt) ? "pending" : "completed";
        }

        /** Grows with the time spent pending, as EC2's does; 100% only once completed. */
        String progress() {
            Duration total = Duration.between(startedAt, completedAt);
            Duration spent = Duration.between(startedAt, Instant.now());
            if (spent.compareTo(total) >= 0) {
                return "100%";
            }
            return Math.min(99, spent.toMillis() * 100 / Math.max(1, total.toMillis())) + "%";
        }
    }

    private record PlannedFault(String action, String code, int status, AtomicInteger remaining) {}

    private final Path workDir;
    private final Path deviceLinks;
    private final HttpServer http;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, VolumeState> volumes = new LinkedHashMap<>();
    private final Map<String, SnapshotState> snapshots = new LinkedHashMap<>();
    private final List<PlannedFault> faults = new ArrayList<>();
    private final Map<String, CountDownLatch> hangs = new HashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger(0x1000);
    private volatile Duration snapshotDelay = Duration.ofMillis(300);
    /** The region this endpoint serves: requests signed for another one are refused, as EC2 does. */
    public static final String REGION = "eu-west-1";

    private static final Pattern CREDENTIAL_SCOPE = Pattern.compile("Credential=[^/]+/\\d{8}/([^/]+)/ec2/aws4_request");

    private Ec2TestServer(Path workDir, Path deviceLinks) throws IOException {
        this.workDir = Files.createDirectories(workDir);
        this.deviceLinks = Files.createDirectories(deviceLinks);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", this::handle);
        // several calls at once: a hung call must not block the others
        http.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "ec2-test-server");
            thread.setDaemon(true);
            return thread;
        }));
        http.start();
    }

    /**
     * @param workDir where volume and snapshot images live
     * @param deviceLinks the folder standing in for {@code /dev/disk/by-id}
     */
    public static Ec2TestServer start(Path workDir, Path deviceLinks) {
        try {
            return new Ec2TestServer(workDir, deviceLinks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    public Path deviceLinks() {
        return deviceLinks;
    }

    /** A real SDK client for this server, with fake credentials and the SDK's standard retries. */
    public Ec2Client client() {
        return Ec2Client.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
                .build();
    }

    public synchronized void addInstance(String instanceId, String availabilityZone, String privateIp) {
        instances.put(instanceId, new Instance(instanceId, availabilityZone, privateIp));
    }

    /** How long a snapshot stays pending. */
    public void snapshotDelay(Duration delay) {
        snapshotDelay = delay;
    }

    /**
     * A new, empty volume of {@code sizeMib} (sparse) attached to {@code instanceId} as {@code device}, set up as a loop
     * device with its by-id link; the test formats and mounts {@link #loopDevice}.
     *
     * @return the volume id
     */
    public synchronized String attachNewVolume(String instanceId, String device, long sizeMib) {
        return newVolume(instanceId, Optional.of(device), sizeMib);
    }

    private String newVolume(String instanceId, Optional<String> device, long sizeMib) {
        Instance instance = instance(instanceId);
        String id = newId("vol-");
        Path image = workDir.resolve(id + ".img");
        run("truncate", "-s", sizeMib + "M", image.toString());
        VolumeState volume = new VolumeState(
                id, image, (int) Math.max(1, sizeMib / 1024), instance.availabilityZone(), Optional.empty());
        volumes.put(id, volume);
        attach(volume, instanceId, device);
        return id;
    }

    /**
     * Adopts an existing image file (for example one the test formatted beforehand) as a new volume attached to
     * {@code instanceId} as {@code device}; {@link #close()} deletes it like any other.
     *
     * @return the volume id
     */
    public synchronized String adoptImage(Path existingImage, String instanceId, String device) {
        Instance instance = instance(instanceId);
        String id = newId("vol-");
        Path image = workDir.resolve(id + ".img");
        try {
            Files.move(existingImage, image);
            long sizeGib = Math.max(1, Files.size(image) >> 30);
            VolumeState volume =
                    new VolumeState(id, image, (int) sizeGib, instance.availabilityZone(), Optional.empty());
            volumes.put(id, volume);
            attach(volume, instanceId, Optional.of(device));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return id;
    }

    /**
     * A new, empty volume attached the way a Xen instance shows it: no by-id link, and the attachment named after the
     * kernel's device (here the loop device it is set up as), so only {@code DescribeVolumes} tells which volume it is.
     *
     * @return the volume id
     */
    public synchronized String attachNewVolumeWithoutLink(String instanceId, long sizeMib) {
        return newVolume(instanceId, Optional.empty(), sizeMib);
    }

    /** The loop device an attached volume is set up as. */
    public synchronized String loopDevice(String volumeId) {
        VolumeState volume = volumes.get(volumeId);
        if (volume == null || volume.loopDevice == null) {
            throw new IllegalArgumentException(volumeId + " is not attached");
        }
        return volume.loopDevice;
    }

    /** The next {@code count} calls of {@code action} answer with the given error. */
    public synchronized void failNext(String action, int count, String code, int status) {
        faults.add(new PlannedFault(action, code, status, new AtomicInteger(count)));
    }

    /**
     * From now on, calls of {@code action} wait, before doing anything (even before an injected failure), until
     * {@link #release} or the server closes: an EC2 that stopped answering, SDK retries included.
     */
    public synchronized void hangNext(String action) {
        hangs.put(action, new CountDownLatch(1));
    }

    public void release(String action) {
        CountDownLatch latch;
        synchronized (this) {
            latch = hangs.remove(action);
        }
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Calls of an action so far, including failed and hung ones. */
    public int calls(String action) {
        return calls.getOrDefault(action, new AtomicInteger()).get();
    }

    public synchronized List<String> snapshotIds() {
        return List.copyOf(snapshots.keySet());
    }

    public synchronized List<String> volumeIds() {
        return List.copyOf(volumes.keySet());
    }

    @Override
    public void close() {
        http.stop(0);
        synchronized (this) {
            hangs.values().forEach(CountDownLatch::countDown);
            for (VolumeState volume : volumes.values()) {
                if (volume.loopDevice != null) {
                    quietly("umount", "--all-targets", volume.loopDevice);
                    quietly("losetup", "-d", volume.loopDevice);
                    quietly("rm", "-f", link(volume).toString());
                }
                quietly("rm", "-f", volume.image.toString());
            }
            snapshots
                    .values()
                    .forEach(snapshot -> quietly("rm", "-f", snapshot.image().toString()));
        }
    }

    // ------------------------------------------------------------------ protocol

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        try (InputStream in = exchange.getRequestBody()) {
            Map<String, String> form = form(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            String action = form.getOrDefault("Action", "");
            calls.computeIfAbsent(action, key -> new AtomicInteger()).incrementAndGet();
            String answer;
            int status = 200;
            try {
                requireScopedToThisRegion(exchange.getRequestHeaders().getFirst("Authorization"));
                awaitRelease(action);
                answer = dispatch(action, form, requestId);
            } catch (Ec2Error e) {
                status = e.status;
                answer = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
                        + Xml.escape(e.code)
                        + "</Code><Message>" + Xml.escape(e.getMessage()) + "</Message></Error></Errors><RequestID>"
                        + requestId + "</RequestID></Response>";
            } catch (RuntimeException e) {
                status = 500;
                answer =
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InternalError</Code><Message>"
                                + Xml.escape(e.toString()) + "</Message></Error></Errors><RequestID>" + requestId
                                + "</RequestID></Response>";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } finally {
            exchange.close();
        }
    }

    private static void requireScopedToThisRegion(String authorization) {
        Matcher scope = CREDENTIAL_SCOPE.matcher(authorization == null ? "" : authorization);
        if (!scope.find()) {
            throw new Ec2Error(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
        }
        if (!scope.group(1).equals(REGION)) {
            throw new Ec2Error(
                    401, "AuthFailure", "Credential should be scoped to a valid region, not '" + scope.group(1) + "'.");
        }
    }

    private void awaitRelease(String action) {
        CountDownLatch latch;
        synchronized (this) {
            latch = hangs.get(action);
        }
        if (latch != null) {
            try {
                latch.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized String dispatch(String action, Map<String, String> form, String requestId) {
        for (PlannedFault fault : faults) {
            if (fault.action().equals(action) && fault.remaining().getAndDecrement() > 0) {
                throw new Ec2Error(fault.status(), fault.code(), "injected by the test");
            }
        }
        if (!"2016-11-15".equals(form.get("Version"))) {
            throw new Ec2Error(400, "InvalidParameterValue", "Version 2016-11-15 expected, got " + form.get("Version"));
        }
        StringBuilder body = new StringBuilder();
        switch (action) {
            case "DescribeInstances" -> describeInstances(form, body);
            case "DescribeVolumes" -> describeVolumes(form, body);
            case "CreateSnapshot" -> createSnapshot(form, body);
            case "CreateSnapshots" -> createSnapshots(form, body);
            case "DescribeSnapshots" -> describeSnapshots(form, body);
            case "DeleteSnapshot" -> deleteSnapshot(form, body);
            case "CreateTags" -> createTags(form, body);
            case "DeleteTags" -> deleteTags(form, body);
            case "CreateVolume" -> createVolume(form, body);
            case "AttachVolume" -> attachVolume(form, body);
            case "DetachVolume" -> detachVolume(form, body);
            case "DeleteVolume" -> deleteVolume(form, body);
            default ->
                throw new Ec2Error(
                        400, "InvalidAction", "The action " + action + " is not valid for this web service.");
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" + NAMESPACE
                + "\"><requestId>" + requestId + "</requestId>" + body + "</" + action + "Response>";
    }

    private void describeInstances(Map<String, String> form, StringBuilder xml) {
        List<String> wanted = list(form, "InstanceId");
        xml.append("<reservationSet>");
        for (Instance instance : instances.values()) {
            if (!wanted.isEmpty() && !wanted.contains(instance.id())) {
                continue;
            }
            xml.append("<item><reservationId>r-")
                    .append(instance.id().substring(2))
                    .append("</reservationId><ownerId>")
                    .append(OWNER)
                    .append("</ownerId><instancesSet><item>");
            element(xml, "instanceId", instance.id());
            xml.append("<instanceState><code>16</code><name>running</name></instanceState>");
            xml.append("<placement>");
            element(xml, "availabilityZone", instance.availabilityZone());
            xml.append("</placement>");
            element(xml, "privateIpAddress", instance.privateIp());
            element(xml, "privateDnsName", instance.privateDnsName());
            element(xml, "rootDeviceType", "ebs");
            element(xml, "rootDeviceName", ROOT_DEVICE);
            xml.append("<blockDeviceMapping>");
            for (VolumeState volume : volumes.values()) {
                if (instance.id().equals(volume.instanceId)) {
                    xml.append("<item>");
                    element(xml, "deviceName", volume.device);
                    xml.append("<ebs>");
                    element(xml, "volumeId", volume.id);
                    element(xml, "status", "attached");
                    xml.append("</ebs></item>");
                }
            }
            xml.append("</blockDeviceMapping></item></instancesSet></item>");
        }
        for (String id : wanted) {
            if (!instances.containsKey(id)) {
                throw new Ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
            }
        }
        xml.append("</reservationSet>");
    }

    private void describeVolumes(Map<String, String> form, StringBuilder xml) {
        List<String> wanted = list(form, "VolumeId");
        for (String id : wanted) {
            volume(id);
        }
        Predicate<VolumeState> filter = filters(form, (volume, name) -> switch (name) {
            case "volume-id" -> List.of(volume.id);
            case "attachment.instance-id" -> volume.instanceId == null ? List.of() : List.of(volume.instanceId);
            case "attachment.device" -> volume.device == null ? List.of() : List.of(volume.device);
            case "attachment.status" -> volume.instanceId == null ? List.of() : List.of("attached");
            case "availability-zone" -> List.of(volume.availabilityZone);
            case "status" -> List.of(volume.state());
            default -> tagFilter(volume.tags, name);
        });
        List<VolumeState> matching = volumes.values().stream()
                .filter(volume -> wanted.isEmpty() || wanted.contains(volume.id))
                .filter(filter)
                .toList();
        page(form, matching, xml, "volumeSet", volume -> {
            element(xml, "volumeId", volume.id);
            element(xml, "size", volume.sizeGib);
            element(xml, "snapshotId", volume.snapshotId.orElse(""));
            element(xml, "availabilityZone", volume.availabilityZone);
            element(xml, "status", volume.state());
            element(xml, "createTime", volume.createdAt);
            xml.append("<attachmentSet>");
            if (volume.instanceId != null) {
                xml.append("<item>");
                element(xml, "volumeId", volume.id);
                element(xml, "instanceId", volume.instanceId);
                element(xml, "device", volume.device);
                element(xml, "status", "attached");
                element(xml, "deleteOnTermination", false);
                xml.append("</item>");
            }
            xml.append("</attachmentSet>");
            tagSet(xml, volume.tags);
            element(xml, "volumeType", "gp3");
            element(xml, "encrypted", false);
        });
    }

    private void createSnapshot(Map<String, String> form, StringBuilder xml) {
        VolumeState volume = volume(required(form, "VolumeId"));
        SnapshotState snapshot =
                snapshot(volume, form.getOrDefault("Description", ""), tagSpecification(form, "snapshot"));
        snapshotFields(xml, snapshot);
    }

    private void createSnapshots(Map<String, String> form, StringBuilder xml) {
        String instanceId = required(form, "InstanceSpecification.InstanceId");
        instance(instanceId);
        List<String> excluded = list(form, "InstanceSpecification.ExcludeDataVolumeId");
        boolean excludeBoot =
                Boolean.parseBoolean(form.getOrDefault("InstanceSpecification.ExcludeBootVolume", "false"));
        boolean copyVolumeTags = "volume".equals(form.get("CopyTagsFromSource"));
        Map<String, String> tags = tagSpecification(form, "snapshot");
        xml.append("<snapshotSet>");
        for (VolumeState volume : List.copyOf(volumes.values())) {
            boolean boot = ROOT_DEVICE.equals(volume.device);
            if (instanceId.equals(volume.instanceId) && !excluded.contains(volume.id) && !(boot && excludeBoot)) {
                Map<String, String> snapshotTags = new TreeMap<>(copyVolumeTags ? volume.tags : Map.of());
                snapshotTags.putAll(tags);
                SnapshotState snapshot = snapshot(volume, form.getOrDefault("Description", ""), snapshotTags);
                xml.append("<item>");
                element(xml, "snapshotId", snapshot.id());
                element(xml, "volumeId", volume.id);
                element(xml, "state", snapshot.state());
                element(xml, "startTime", snapshot.startedAt());
                element(xml, "progress", snapshot.progress());
                element(xml, "ownerId", OWNER);
                element(xml, "volumeSize", snapshot.sizeGib());
                element(xml, "description", snapshot.description());
                tagSet(xml, snapshot.tags());
                xml.append("</item>");
            }
        }
        xml.append("</snapshotSet>");
    }

    /** Copies the volume's image now: the snapshot holds what the volume held at this instant. */
    private SnapshotState snapshot(VolumeState volume, String description, Map<String, String> tags) {
        String id = newId("snap-");
        Path image = workDir.resolve(id + ".img");
        run("cp", "--sparse=always", volume.image.toString(), image.toString());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        SnapshotState snapshot = new SnapshotState(
                id, volume.id, image, volume.sizeGib, description, now, now.plus(snapshotDelay), new TreeMap<>(tags));
        snapshots.put(id, snapshot);
        return snapshot;
    }

    private void snapshotFields(StringBuilder xml, SnapshotState snapshot) {
        element(xml, "snapshotId", snapshot.id());
        element(xml, "volumeId", snapshot.volumeId());
        element(xml, "status", snapshot.state());
        element(xml, "startTime", snapshot.startedAt());
        element(xml, "progress", snapshot.progress());
        element(xml, "ownerId", OWNER);
        element(xml, "volumeSize", snapshot.sizeGib());
        element(xml, "description", snapshot.description());
        tagSet(xml, snapshot.tags());
    }

    private void describeSnapshots(Map<String, String> form, StringBuilder xml) {
        List<String> wanted = list(form, "SnapshotId");
        for (String id : wanted) {
            snapshot(id);
        }
        List<String> owners = list(form, "Owner");
        if (!owners.isEmpty() && !owners.contains("self") && !owners.contains(OWNER)) {
            xml.append("<snapshotSet/>");
            return;
        }
        Predicate<SnapshotState> filter = filters(form, (snapshot, name) -> switch (name) {
            case "snapshot-id" -> List.of(snapshot.id());
            case "volume-id" -> List.of(snapshot.volumeId());
            case "status" -> List.of(snapshot.state());
            default -> tagFilter(snapshot.tags(), name);
        });
        List<SnapshotState> matching = snapshots.values().stream()
                .filter(snapshot -> wanted.isEmpty() || wanted.contains(snapshot.id()))
                .filter(filter)
                .toList();
        page(form, matching, xml, "snapshotSet", snapshot -> snapshotFields(xml, snapshot));
    }

    private void deleteSnapshot(Map<String, String> form, StringBuilder xml) {
        SnapshotState snapshot = snapshot(required(form, "SnapshotId"));
        snapshots.remove(snapshot.id());
        quietly("rm", "-f", snapshot.image().toString());
        element(xml, "return", true);
    }

    private void createTags(Map<String, String> form, StringBuilder xml) {
        List<String> resources = list(form, "ResourceId");
        if (resources.isEmpty()) {
            throw new Ec2Error(400, "MissingParameter", "The request must contain the parameter resourceIdSet");
        }
        Map<String, String> tags = tags(form, "Tag");
        List<Map<String, String>> targets = resources.stream().map(this::tagsOf).toList();
        targets.forEach(target -> target.putAll(tags));
        element(xml, "return", true);
    }

    private void deleteTags(Map<String, String> form, StringBuilder xml) {
        List<String> resources = list(form, "ResourceId");
        Map<String, String> tags = tags(form, "Tag");
        resources.stream().map(this::tagsOf).forEach(target -> tags.keySet().forEach(target::remove));
        element(xml, "return", true);
    }

    private Map<String, String> tagsOf(String resourceId) {
        if (resourceId.startsWith("snap-")) {
            return snapshot(resourceId).tags();
        }
        if (resourceId.startsWith("vol-")) {
            return volume(resourceId).tags;
        }
        throw new Ec2Error(400, "InvalidID", "The ID '" + resourceId + "' is not valid");
    }

    private void createVolume(Map<String, String> form, StringBuilder xml) {
        String zone = required(form, "AvailabilityZone");
        Optional<String> snapshotId = Optional.ofNullable(form.get("SnapshotId"));
        String id = newId("vol-");
        Path image = workDir.resolve(id + ".img");
        int size;
        if (snapshotId.isPresent()) {
            SnapshotState snapshot = snapshot(snapshotId.get());
            if (!snapshot.state().equals("completed")) {
                throw new Ec2Error(400, "IncorrectState", "Snapshot '" + snapshot.id() + "' is not 'completed'");
            }
            run("cp", "--sparse=always", snapshot.image().toString(), image.toString());
            size = Integer.parseInt(form.getOrDefault("Size", Integer.toString(snapshot.sizeGib())));
            if (size < snapshot.sizeGib()) {
                throw new Ec2Error(
                        400,
                        "InvalidParameterValue",
                        "Volume of " + size + "GiB is too small; minimum is " + snapshot.sizeGib() + "GiB");
            }
        } else {
            size = Integer.parseInt(required(form, "Size"));
            run("truncate", "-s", size + "G", image.toString());
        }
        VolumeState volume = new VolumeState(id, image, size, zone, snapshotId);
        volume.availableAt = volume.createdAt.plus(snapshotDelay);
        volume.tags.putAll(tagSpecification(form, "volume"));
        volumes.put(id, volume);
        element(xml, "volumeId", id);
        element(xml, "size", size);
        element(xml, "snapshotId", snapshotId.orElse(""));
        element(xml, "availabilityZone", zone);
        element(xml, "status", "creating");
        element(xml, "createTime", volume.createdAt);
        element(xml, "volumeType", form.getOrDefault("VolumeType", "gp3"));
        tagSet(xml, volume.tags);
    }

    private void attachVolume(Map<String, String> form, StringBuilder xml) {
        VolumeState volume = volume(required(form, "VolumeId"));
        String instanceId = required(form, "InstanceId");
        Instance instance = instance(instanceId);
        String device = required(form, "Device");
        if (!volume.state().equals("available")) {
            throw new Ec2Error(400, "IncorrectState", "vol '" + volume.id + "' is not 'available'.");
        }
        if (!volume.availabilityZone.equals(instance.availabilityZone())) {
            throw new Ec2Error(
                    400,
                    "InvalidVolume.ZoneMismatch",
                    "The volume '" + volume.id + "' is not in the same " + "availability zone as instance '"
                            + instanceId + "'");
        }
        if (volumes.values().stream().anyMatch(v -> instanceId.equals(v.instanceId) && device.equals(v.device))) {
            throw new Ec2Error(
                    400,
                    "InvalidParameterValue",
                    "Invalid value '" + device + "' for unixDevice. " + "Attachment point " + device
                            + " is already in use");
        }
        attach(volume, instanceId, Optional.of(device));
        attachmentFields(xml, volume, "attached");
    }

    /** Without a device name: attached as Xen shows it, under the kernel's name and without a by-id link. */
    private void attach(VolumeState volume, String instanceId, Optional<String> device) {
        volume.loopDevice =
                run("losetup", "--find", "--show", volume.image.toString()).strip();
        volume.instanceId = instanceId;
        volume.device = device.orElse(volume.loopDevice);
        if (device.isEmpty()) {
            return;
        }
        try {
            Files.createSymbolicLink(link(volume), Path.of(volume.loopDevice));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void detachVolume(Map<String, String> form, StringBuilder xml) {
        VolumeState volume = volume(required(form, "VolumeId"));
        if (volume.instanceId == null) {
            throw new Ec2Error(400, "IncorrectState", "Volume '" + volume.id + "' is in the 'available' state.");
        }
        if (mounted(volume.loopDevice)) {
            throw new Ec2Error(
                    400,
                    "IncorrectState",
                    "Volume '" + volume.id + "' is busy: " + volume.loopDevice
                            + " is mounted (this server refuses what would leave the instance with a dead filesystem)");
        }
        attachmentFields(xml, volume, "detaching");
        run("losetup", "-d", volume.loopDevice);
        quietly("rm", "-f", link(volume).toString());
        volume.instanceId = null;
        volume.device = null;
        volume.loopDevice = null;
    }

    private void deleteVolume(Map<String, String> form, StringBuilder xml) {
        VolumeState volume = volume(required(form, "VolumeId"));
        if (volume.instanceId != null) {
            throw new Ec2Error(
                    400, "VolumeInUse", "Volume " + volume.id + " is currently attached to " + volume.instanceId);
        }
        volumes.remove(volume.id);
        quietly("rm", "-f", volume.image.toString());
        element(xml, "return", true);
    }

    private static void attachmentFields(StringBuilder xml, VolumeState volume, String status) {
        element(xml, "volumeId", volume.id);
        element(xml, "instanceId", volume.instanceId);
        element(xml, "device", volume.device);
        element(xml, "status", status);
        element(xml, "attachTime", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private Path link(VolumeState volume) {
        return deviceLinks.resolve("nvme-Amazon_Elastic_Block_Store_" + volume.id.replace("-", ""));
    }

    private static boolean mounted(String device) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .anyMatch(line -> line.startsWith(device + " "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private Instance instance(String id) {
        Instance instance = instances.get(id);
        if (instance == null) {
            throw new Ec2Error(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
        }
        return instance;
    }

    private VolumeState volume(String id) {
        if (!id.matches("vol-[0-9a-f]{8,17}")) {
            throw new Ec2Error(400, "InvalidVolumeID.Malformed", "Invalid id: \"" + id + "\"");
        }
        VolumeState volume = volumes.get(id);
        if (volume == null) {
            throw new Ec2Error(400, "InvalidVolume.NotFound", "The volume '" + id + "' does not exist.");
        }
        return volume;
    }

    private SnapshotState snapshot(String id) {
        if (!id.matches("snap-[0-9a-f]{8,17}")) {
            throw new Ec2Error(400, "InvalidSnapshotID.Malformed", "Invalid id: \"" + id + "\"");
        }
        SnapshotState snapshot = snapshots.get(id);
        if (snapshot == null) {
            throw new Ec2Error(400, "InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist.");
        }
        return snapshot;
    }

    private String newId(String prefix) {
        return prefix + String.format("%017x", ids.incrementAndGet() * 7919L);
    }

    private static String required(Map<String, String> form, String name) {
        String value = form.get(name);
        if (value == null || value.isEmpty()) {
            throw new Ec2Error(400, "MissingParameter", "The request must contain the parameter " + name);
        }
        return value;
    }

    /** {@code Name.1}, {@code Name.2}, ... in order. */
    private static List<String> list(Map<String, String> form, String name) {
        List<String> values = new ArrayList<>();
        for (int i = 1; form.containsKey(name + "." + i); i++) {
            values.add(form.get(name + "." + i));
        }
        return values;
    }

    private static Map<String, String> tags(Map<String, String> form, String prefix) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; form.containsKey(prefix + "." + i + ".Key"); i++) {
            String key = form.get(prefix + "." + i + ".Key");
            if (key.length() > 128 || key.startsWith("aws:")) {
                throw new Ec2Error(400, "InvalidParameterValue", "Tag key '" + key + "' is not valid");
            }
            String value = form.getOrDefault(prefix + "." + i + ".Value", "");
            if (value.length() > 256) {
                throw new Ec2Error(
                        400, "InvalidParameterValue", "Tag value for key '" + key + "' exceeds 256 characters");
            }
            tags.put(key, value);
        }
        return tags;
    }

    private static Map<String, String> tagSpecification(Map<String, String> form, String resourceType) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; form.containsKey("TagSpecification." + i + ".ResourceType"); i++) {
            String type = form.get("TagSpecification." + i + ".ResourceType");
            if (!type.equals(resourceType)) {
                throw new Ec2Error(
                        400,
                        "InvalidParameterValue",
                        "'" + type + "' is not a valid taggable resource type " + "for this operation.");
            }
            tags.putAll(tags(form, "TagSpecification." + i + ".Tag"));
        }
        return tags;
    }

    private interface FilterValues<T> {
        List<String> of(T item, String filterName);
    }

    private static <T> Predicate<T> filters(Map<String, String> form, FilterValues<T> values) {
        Predicate<T> all = item -> true;
        for (int i = 1; form.containsKey("Filter." + i + ".Name"); i++) {
            String name = form.get("Filter." + i + ".Name");
            List<String> accepted = list(form, "Filter." + i + ".Value");
            all = all.and(item -> values.of(item, name).stream().anyMatch(accepted::contains));
        }
        return all;
    }

    private static List<String> tagFilter(Map<String, String> tags, String name) {
        if (name.startsWith("tag:")) {
            String value = tags.get(name.substring(4));
            return value == null ? List.of() : List.of(value);
        }
        if (name.equals("tag-key")) {
            return List.copyOf(tags.keySet());
        }
        throw new Ec2Error(400, "InvalidParameterValue", "The filter '" + name + "' is invalid");
    }

    /** Writes one page of {@code items} as {@code setName}, with a nextToken when more follow. */
    private static <T> void page(
            Map<String, String> form, List<T> items, StringBuilder xml, String setName, Consumer<T> fields) {
        int start = Integer.parseInt(form.getOrDefault("NextToken", "0"));
        int max = Integer.parseInt(form.getOrDefault("MaxResults", "1000"));
        if (form.containsKey("MaxResults") && (max < 5 || max > 1000)) {
            throw new Ec2Error(
                    400,
                    "InvalidParameterValue",
                    "Value ( " + max + " ) for parameter maxResults is invalid. "
                            + "Expecting a value between 5 and 1000.");
        }
        List<T> page = items.subList(Math.min(start, items.size()), Math.min(items.size(), start + max));
        xml.append('<').append(setName).append('>');
        for (T item : page) {
            xml.append("<item>");
            fields.accept(item);
            xml.append("</item>");
        }
        xml.append("</").append(setName).append('>');
        if (start + max < items.size()) {
            element(xml, "nextToken", start + max);
        }
    }

    private static void tagSet(StringBuilder xml, Map<String, String> tags) {
        xml.append("<tagSet>");
        tags.forEach((key, value) -> {
            xml.append("<item>");
            element(xml, "key", key);
            element(xml, "value", value);
            xml.append("</item>");
        });
        xml.append("</tagSet>");
    }

    private static void element(StringBuilder xml, String name, Object value) {
        xml.append('<')
                .append(name)
                .append('>')
                .append(Xml.escape(String.valueOf(value)))
                .append("</")
                .append(name)
                .append('>');
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            form.put(
                    URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    private static String run(String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            process.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            // cleanup goes on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An EC2 error answer. */
    private static final class Ec2Error extends RuntimeException {
        final int status;
        final String code;

        Ec2Error(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}
