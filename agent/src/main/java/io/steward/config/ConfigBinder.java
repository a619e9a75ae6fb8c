package io.steward.config;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.config.NodeIdentityResolver.NodeIdentity;
import io.steward.engine.BackupSection;
import io.steward.engine.DumpSelector;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import io.steward.store.BackupStoreConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Binds the merged configuration tree to the records, checking every key. */
final class ConfigBinder {
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
    private static final Pattern AVAILABILITY_ZONE = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+[a-z]");
    private static final Pattern HOSTED_ZONE_ID = Pattern.compile("Z[A-Z0-9]{1,32}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern VOLUME_ID = Pattern.compile("vol-[0-9a-f]{8,17}");
    private static final Pattern DEVICE = Pattern.compile("/dev/[A-Za-z0-9][A-Za-z0-9/_-]*");
    private static final Pattern TABLESPACE = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final Pattern KMS_KEY = Pattern.compile("[A-Za-z0-9:/_.-]{1,2048}");
    /** The keys of {@code backup.store}. */
    private static final List<String> STORE_KEYS = List.of(
            "bucket",
            "prefix",
            "compression",
            "sse",
            "kms_key_id",
            "endpoint",
            "path_style",
            "region",
            "max_attempts",
            "attempt_timeout");

    static final String HOST_ALLOWED = "a host name or IP address";
    private static final TablespaceConfig DEFAULT_TABLESPACE = new TablespaceConfig("/dev/sdf", "main", 2);

    private ConfigBinder() {}

    static AwsConfig aws(Settings aws) {
        AwsConfig.ImdsMode mode = aws.choice("imds", AwsConfig.ImdsMode.class, AwsConfig.ImdsMode.AUTO);
        URI endpoint = aws.optionalString("imds_endpoint")
                .flatMap(text -> httpUri(aws, "imds_endpoint", text, "http://169.254.169.254"))
                .orElse(AwsConfig.DEFAULT_IMDS_ENDPOINT);
        Duration timeout =
                aws.duration("imds_timeout", Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30));
        Optional<String> region = matching(aws, "region", REGION, "an AWS region name such as eu-west-1");
        Route53Config route53 = route53(aws.section("route53"));
        Settings ec2 = aws.section("ec2");
        Optional<URI> ec2Endpoint = ec2.optionalString("endpoint")
                .flatMap(text -> httpUri(ec2, "endpoint", text, "https://ec2.eu-west-1.amazonaws.com"));
        ec2.rejectUnknownKeys();
        CloudWatchConfig cloudWatch = cloudWatch(aws.section("cloudwatch"));
        aws.rejectUnknownKeys();
        return new AwsConfig(mode, endpoint, timeout, region, route53, ec2Endpoint, cloudWatch);
    }

    private static CloudWatchConfig cloudWatch(Settings cloudWatch) {
        CloudWatchConfig.Monitoring monitoring =
                cloudWatch.choice("monitoring", CloudWatchConfig.Monitoring.class, CloudWatchConfig.Monitoring.OFF);
        String namespace = cloudWatch.string("namespace", CloudWatchConfig.DEFAULT_NAMESPACE);
        // CloudWatch's rule for namespaces; "AWS/" is reserved for AWS's own services
        if (!namespace.matches("[A-Za-z0-9.\\-_/#:]{1,255}") || namespace.startsWith("AWS/")) {
            cloudWatch
                    .problems()
                    .add(
                            cloudWatch.keyPath("namespace"),
                            namespace,
                            "1 to 255 letters, digits or . - _ / # :, " + "not starting with AWS/");
        }
        Duration interval = cloudWatch.duration(
                "interval", CloudWatchConfig.DEFAULT_INTERVAL, Duration.ofSeconds(1), Duration.ofHours(1));
        Optional<URI> endpoint = cloudWatch
                .optionalString("endpoint")
                .flatMap(text -> httpUri(cloudWatch, "endpoint", text, "https://monitoring.eu-west-1.amazonaws.com"));
        cloudWatch.rejectUnknownKeys();
        return new CloudWatchConfig(monitoring, namespace, interval, endpoint);
    }

    private static Route53Config route53(Settings r53) {
        boolean enabled = r53.bool("enabled", false);
        Optional<String> zone = matching(
                r53, "hosted_zone_id", HOSTED_ZONE_ID, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        Optional<String> zoneName = dnsName(
                r53,
                "hosted_zone_name",
                "the hosted zone's domain name such as example.net, when its id is to be looked up");
        Optional<String> primary = dnsName(r53, "primary_record", "a DNS name such as db.example.net");
        Optional<String> reader = dnsName(r53, "reader_record", "a DNS name such as ro.db.example.net");
        Optional<String> suffix = dnsName(
                r53,
                "member_record_suffix",
                "a DNS suffix such as nodes.example.net; member db01 then gets db01.nodes.example.net");
        Optional<String> weighted = dnsName(
                r53,
                "weighted_record",
                "a DNS name such as search.example.net, in which every healthy member keeps a weighted entry");
        long weight = r53.integer("weight", (int) Route53Config.DEFAULT_WEIGHT, 0, 255);
        Route53Config.RecordType type =
                r53.choice("type", Route53Config.RecordType.class, Route53Config.RecordType.CNAME);
        Route53Config.ReaderRouting routing =
                r53.choice("reader_routing", Route53Config.ReaderRouting.class, Route53Config.ReaderRouting.WEIGHTED);
        // Route 53 takes whole seconds; a day keeps clients from holding on to a deposed primary for longer.
        Duration ttl = r53.duration("ttl", Route53Config.DEFAULT_TTL, Duration.ofSeconds(1), Duration.ofDays(1));
        if (ttl.toMillis() % 1000 != 0) {
            r53.problems().add(r53.keyPath("ttl"), Settings.format(ttl), "a whole number of seconds, e.g. 60s");
            ttl = Route53Config.DEFAULT_TTL;
        }
        Optional<URI> endpoint = r53.optionalString("endpoint")
                .flatMap(text -> httpUri(r53, "endpoint", text, "https://route53.amazonaws.com"));
        Duration insyncTimeout = r53.duration(
                "insync_timeout", Route53Config.DEFAULT_INSYNC_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(15));
        Duration pollInterval = r53.duration(
                "insync_poll_interval",
                Route53Config.DEFAULT_INSYNC_POLL_INTERVAL,
                Duration.ofMillis(10),
                Duration.ofMinutes(1));
        int maxAttempts = r53.integer("max_attempts", Route53Config.DEFAULT_MAX_ATTEMPTS, 1, 20);
        Duration retryBaseDelay = r53.duration(
                "retry_base_delay",
                Route53Config.DEFAULT_RETRY_BASE_DELAY,
                Duration.ofMillis(1),
                Duration.ofSeconds(10));
        if (enabled && !r53.has("hosted_zone_id") && !r53.has("hosted_zone_name")) {
            r53.problems()
                    .add(
                            r53.keyPath("hosted_zone_id"),
                            null,
                            "required when aws.route53.enabled is true: "
                                    + "the hosted zone that holds the records, e.g. Z0123456789ABCDEFGHIJ (or its domain name as "
                                    + "aws.route53.hosted_zone_name)");
        }
        if (zone.isPresent() && zoneName.isPresent()) {
            r53.problems()
                    .add(
                            r53.keyPath("hosted_zone_name"),
                            zoneName.get(),
                            "absent when aws.route53.hosted_zone_id is set: one names the zone, the other would only contradict it");
        }
        if (enabled
                && primary.isEmpty()
                && !r53.has("primary_record")
                && weighted.isEmpty()
                && !r53.has("weighted_record")) {
            r53.problems()
                    .add(
                            r53.keyPath("primary_record"),
                            null,
                            "required when aws.route53.enabled is true (unless weighted_record is set): the name that points at "
                                    + "the primary, e.g. db.example.net");
        }
        if (pollInterval.compareTo(insyncTimeout) >= 0) {
            r53.problems()
                    .add(
                            r53.keyPath("insync_poll_interval"),
                            Settings.format(pollInterval),
                            "less than aws.route53.insync_timeout (" + Settings.format(insyncTimeout) + ")");
        }
        if (routing == Route53Config.ReaderRouting.MULTIVALUE && type == Route53Config.RecordType.CNAME) {
            r53.problems()
                    .add(
                            r53.keyPath("reader_routing"),
                            "multivalue",
                            "weighted when type is cname: Route 53 gives multivalue answers only for A records");
        }
        r53.rejectUnknownKeys();
        if (!enabled) {
            return Route53Config.DISABLED;
        }
        return new Route53Config(
                true,
                zone.orElse(""),
                zoneName.filter(name -> zone.isEmpty()),
                primary.orElse(""),
                reader,
                suffix,
                type,
                routing,
                ttl,
                endpoint,
                insyncTimeout,
                pollInterval,
                maxAttempts,
                retryBaseDelay,
                weighted,
                weight);
    }

    /**
     * @param aws already bound (it was needed to fetch user data); only acknowledged here
     * @param engineSections names of top-level sections that belong to an engine
     * @param plugins the installed engine plugins
     */
    static StewardConfig bind(
            JsonNode tree,
            AwsConfig aws,
            NodeIdentity identity,
            Set<String> engineSections,
            List<EnginePlugin> plugins,
            ConfigProblems problems) {
        Settings root = new Settings("", tree, problems);
        String cluster =
                required(root, "cluster", CLUSTER, "1 to 100 letters, digits, '.', '_' or '-' (user data \"cluster\")");
        String engineName = root.requiredString(
                "engine",
                "the engine plugin to run: one of the installed ones, "
                        + plugins.stream().map(EnginePlugin::name).sorted().collect(Collectors.joining(", ")));
        Optional<EnginePlugin> plugin = plugins.stream()
                .filter(p -> p.name().equalsIgnoreCase(engineName))
                .findFirst();
        NodeConfig node = node(root.section("node"), aws, identity);
        if (aws.cloudWatch().monitoring() != CloudWatchConfig.Monitoring.OFF
                && node.region().isEmpty()) {
            problems.add(
                    "aws.cloudwatch.monitoring",
                    aws.cloudWatch().monitoring().name().toLowerCase(Locale.ROOT),
                    "off, unless the AWS region is known: set aws.region, or let IMDS tell it");
        }
        ZooKeeperConfig zookeeper = ZooKeeperSettings.bind(root.section("zookeeper"));
        HaConfig ha = ha(root.section("ha"));
        // Checked only when the values are the ones given, not defaults standing in for invalid ones.
        boolean timingValid = problems.list().stream()
                .noneMatch(p -> p.key().equals("ha.loop_wait")
                        || p.key().equals("zookeeper.session_timeout")
                        || p.key().equals("zookeeper.tick_time"));
        if (timingValid) {
            checkLeaseTiming(zookeeper, ha.loopWait(), problems);
        }
        AdminConfig admin = AdminSettings.bind(root.section("admin"));
        root.acknowledge("aws");
        BootstrapConfig bootstrap = bootstrap(root.section("bootstrap"));
        StorageConfig storage = storage(root.section("storage"));
        List<String> deprecations = new ArrayList<>();
        BackupConfig backup = backup(root.section("backup"), tree.path("backup"), node, plugins, plugin, deprecations);
        EngineSection engine = engine(root, tree, engineName, plugin, plugins, node, engineSections, backup, ha);
        root.rejectUnknownKeys();
        return new StewardConfig(
                cluster, node, zookeeper, ha, admin, engine, bootstrap, storage, aws, backup, deprecations);
    }

    private static NodeConfig node(Settings node, AwsConfig aws, NodeIdentity identity) {
        Optional<String> instanceId = matching(
                        node, "instance_id", INSTANCE_ID, "an EC2 instance id such as i-0123456789abcdef0")
                .or(identity::instanceId);
        String nameAllowed = NodeConfig.NAME_ALLOWED + " (user data \"name\"; default: the instance id)";
        // a node whose user data names only its cluster (its name meant something else to the engine) is named by
        // its instance
        String name = node.has("name") || instanceId.isEmpty()
                ? required(node, "name", NodeConfig.NAME, nameAllowed)
                : instanceId.get();
        Optional<String> host = node.optionalString("host");
        if (host.isPresent() && !isHost(host.get())) {
            node.problems().add(node.keyPath("host"), host.get(), HOST_ALLOWED);
        }
        host = host.or(identity::localIpv4);
        if (host.isEmpty() && !node.has("host")) {
            node.problems()
                    .add(
                            node.keyPath("host"),
                            null,
                            "the address other members use to reach this node; required when IMDS gives no local-ipv4");
        }
        int priority = node.integer("priority", 100, 0, 1000);
        boolean noFailover = node.bool("nofailover", false);
        boolean stopServerOnExit = node.bool("stop_server_on_exit", true);
        Path stateDir = node.path("state_dir", Path.of("/var/lib/steward"));
        if (!stateDir.isAbsolute()) {
            node.problems().add(node.keyPath("state_dir"), stateDir, "an absolute path");
        }
        Optional<String> zone = matching(
                        node, "availability_zone", AVAILABILITY_ZONE, "an availability zone such as eu-west-1a")
                .or(identity::availabilityZone);
        String dnsNameAllowed = "a DNS name such as ip-10-0-3-17.eu-west-1.compute.internal";
        Optional<String> dnsName = dnsName(node, "dns_name", dnsNameAllowed);
        if (dnsName.filter(ConfigBinder::isIpv4).isPresent()) {
            node.problems().add(node.keyPath("dns_name"), dnsName.get(), dnsNameAllowed + ", not an address");
            dnsName = Optional.empty();
        }
        dnsName = dnsName.or(identity::localHostname);
        if (aws.route53().enabled()
                && aws.route53().type() == Route53Config.RecordType.CNAME
                && dnsName.isEmpty()
                && !node.has("dns_name")) {
            node.problems()
                    .add(
                            node.keyPath("dns_name"),
                            null,
                            "required when aws.route53.type is CNAME and IMDS gives "
                                    + "no local-hostname: the name the records point at (or set aws.route53.type: A)");
        }
        if (aws.route53().enabled()
                && aws.route53().type() == Route53Config.RecordType.A
                && !host.map(ConfigBinder::isIpv4).orElse(true)) {
            node.problems()
                    .add(
                            node.keyPath("host"),
                            host.get(),
                            "an IPv4 address when aws.route53.type is A (A records hold addresses)");
        }
        Optional<String> region = aws.region().or(identity::region);
        if (zone.isPresent() && region.isPresent() && !zone.get().matches(Pattern.quote(region.get()) + "[a-z]")) {
            // volumes are created in the zone and snapshots looked up in the region: they must agree
            node.problems()
                    .add(
                            node.keyPath("availability_zone"),
                            zone.get(),
                            "an availability zone of the region " + region.get()
                                    + " (aws.region, else the node's from IMDS), such as " + region.get() + "a");
        }
        node.rejectUnknownKeys();
        return new NodeConfig(
                name,
                host.orElse(""),
                priority,
                noFailover,
                stopServerOnExit,
                stateDir,
                instanceId,
                zone,
                region,
                dnsName);
    }

    /**
     * The lease, proven by each tick's read, must outlast at least two ticks: else one late tick fences a healthy
     * primary. How long a proof lasts follows {@link io.steward.coordination.SessionLiveness}: the session timeout,
     * less the age of the earliest earlier proof that may anchor it (a tick of the servers, rounded up to the loop's
     * own ticks), less the time kept to stop writes ({@link HaConfig#FENCE_ALLOWANCE}).
     */
    private static void checkLeaseTiming(ZooKeeperConfig zookeeper, Duration loopWait, ConfigProblems problems) {
        long loop = loopWait.toNanos();
        long anchorAge = Math.min(
                (zookeeper.serverTick().toNanos() + loop - 1) / loop * loop,
                zookeeper
                        .serverTick()
                        .plus(zookeeper.sessionTimeout().dividedBy(3))
                        .toNanos());
        Duration proven = zookeeper.sessionTimeout().minusNanos(anchorAge).minus(HaConfig.FENCE_ALLOWANCE);
        if (proven.compareTo(loopWait.multipliedBy(2)) < 0) {
            problems.add(
                    "zookeeper.session_timeout",
                    Settings.format(zookeeper.sessionTimeout()),
                    "long enough that each "
                            + "tick proves the lease for two ticks of ha.loop_wait (" + Settings.format(loopWait)
                            + "): with "
                            + "zookeeper.tick_time " + Settings.format(zookeeper.serverTick()) + " a proof lasts "
                            + Settings.format(proven.isNegative() ? Duration.ZERO : proven)
                            + "; raise the session timeout or "
                            + "lower loop_wait or the ensemble's tickTime");
        }
    }

    private static HaConfig ha(Settings ha) {
        return HaConfig.read(ha, HaConfig.DEFAULTS);
    }

    private static BootstrapConfig bootstrap(Settings bootstrap) {
        BootstrapConfig.Mode mode = bootstrap.choice("mode", BootstrapConfig.Mode.class, BootstrapConfig.Mode.AUTO);
        Optional<String> source = matching(
                bootstrap,
                "source",
                Pattern.compile("[A-Za-z0-9._-]{1,253}"),
                "the member or cluster to copy from, e.g. db01.example.net");
        Optional<Instant> targetTime =
                bootstrap.optionalString("target_time").flatMap(text -> instant(bootstrap, text));
        if (mode != BootstrapConfig.Mode.AUTO && source.isEmpty() && !bootstrap.has("source")) {
            bootstrap
                    .problems()
                    .add(
                            bootstrap.keyPath("source"),
                            null,
                            "required when bootstrap.mode is " + mode.name().toLowerCase(Locale.ROOT)
                                    + ": the member or cluster to copy from");
        }
        if (mode == BootstrapConfig.Mode.AUTO && source.isPresent()) {
            bootstrap
                    .problems()
                    .add(bootstrap.keyPath("source"), source.get(), "only with bootstrap.mode replica or clone");
        }
        if (mode != BootstrapConfig.Mode.CLONE && bootstrap.has("target_time")) {
            bootstrap
                    .problems()
                    .add(
                            bootstrap.keyPath("target_time"),
                            bootstrap.string("target_time", ""),
                            "only for bootstrap.mode clone (user data \"clone\"): a clone stops replay there");
        }
        bootstrap.rejectUnknownKeys();
        return new BootstrapConfig(mode, source, targetTime);
    }

    private static StorageConfig storage(Settings storage) {
        Duration freezeTimeout = storage.duration(
                "freeze_timeout", StorageConfig.DEFAULT_FREEZE_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        Path deviceLinks = storage.path("device_links", StorageConfig.DEFAULT_DEVICE_LINKS);
        if (!deviceLinks.isAbsolute()) {
            storage.problems().add(storage.keyPath("device_links"), deviceLinks, "an absolute path");
        }
        Map<Path, String> volumes = storageVolumes(storage);
        Map<Path, Path> restoreMounts = restoreMounts(storage);
        if (!storage.has("tablespaces")) {
            storage.rejectUnknownKeys();
            return new StorageConfig(List.of(DEFAULT_TABLESPACE), freezeTimeout, deviceLinks, volumes, restoreMounts);
        }
        List<TablespaceConfig> tablespaces = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> devices = new HashSet<>();
        int before = storage.problems().list().size();
        List<Settings> items = storage.sections("tablespaces");
        boolean isList = storage.problems().list().size() == before;
        for (Settings item : items) {
            String device = required(item, "device", DEVICE, "a block device path such as /dev/sdf");
            String name = required(
                    item,
                    "name",
                    TABLESPACE,
                    "a tablespace name: a lower-case letter, then lower-case letters, digits or '_'");
            int size = item.integer("size", 0, 1, 16384);
            if (!item.has("size")) {
                item.problems().add(item.keyPath("size"), null, "the volume size in GB, from 1 to 16384");
            }
            if (!name.isEmpty() && !names.add(name)) {
                item.problems().add(item.keyPath("name"), name, "a name not used by another tablespace");
            }
            if (!device.isEmpty() && !devices.add(device)) {
                item.problems().add(item.keyPath("device"), device, "a device not used by another tablespace");
            }
            item.rejectUnknownKeys();
            tablespaces.add(new TablespaceConfig(device, name, size));
        }
        if (isList && !names.contains("main")) {
            storage.problems()
                    .add(
                            storage.keyPath("tablespaces"),
                            names.stream().sorted().collect(Collectors.joining(", ")),
                            "a list that includes the tablespace 'main', which holds the data directory");
        }
        storage.rejectUnknownKeys();
        return new StorageConfig(tablespaces, freezeTimeout, deviceLinks, volumes, restoreMounts);
    }

    /** {@code storage.restore_mounts}: a snapshot set's mount point → this node's. */
    private static Map<Path, Path> restoreMounts(Settings storage) {
        Map<Path, Path> mounts = new LinkedHashMap<>();
        storage.stringMap("restore_mounts").forEach((setMount, here) -> {
            String key = storage.keyPath("restore_mounts") + "." + setMount;
            if (!setMount.startsWith("/") || !here.startsWith("/")) {
                storage.problems().add(key, here, "absolute mount points on both sides, such as /data: /srv/data");
            } else if (Path.of(here).normalize().equals(Path.of("/"))) {
                storage.problems().add(key, here, "a mount point other than /");
            } else {
                mounts.put(Path.of(setMount).normalize(), Path.of(here).normalize());
            }
        });
        return mounts;
    }

    /** {@code storage.volumes}: mount point or block device → EBS volume id. */
    private static Map<Path, String> storageVolumes(Settings storage) {
        Map<Path, String> volumes = new LinkedHashMap<>();
        Set<String> ids = new HashSet<>();
        storage.stringMap("volumes").forEach((where, volumeId) -> {
            String key = storage.keyPath("volumes") + "." + where;
            if (!where.startsWith("/")) {
                storage.problems()
                        .add(
                                key,
                                where,
                                "a mount point or block device: an absolute path such as /data or /dev/nvme1n1");
            } else if (!VOLUME_ID.matcher(volumeId).matches()) {
                storage.problems().add(key, volumeId, "an EBS volume id such as vol-0123456789abcdef0");
            } else if (!ids.add(volumeId)) {
                storage.problems().add(key, volumeId, "a volume not named for another mount point or device");
            } else {
                volumes.put(Path.of(where).normalize(), volumeId);
            }
        });
        return volumes;
    }

    /**
     * @param given the {@code backup} section as given, from which the plugins' own sections are handed over
     * @param plugins the installed plugins: each may own sections of {@code backup}
     * @param selected the configured engine's plugin, which reads its own sections
     */
    private static BackupConfig backup(
            Settings backup,
            JsonNode given,
            NodeConfig node,
            List<EnginePlugin> plugins,
            Optional<EnginePlugin> selected,
            List<String> deprecations) {
        Map<BackupSection, EnginePlugin> owners = new LinkedHashMap<>();
        plugins.forEach(plugin -> plugin.backupSections().forEach(section -> owners.put(section, plugin)));
        // before backup.store, the store's keys were in a plugin's section: read there for one more release
        Map<BackupSection, List<String>> oldStoreKeys = new LinkedHashMap<>();
        for (BackupSection section : owners.keySet()) {
            List<String> keys = STORE_KEYS.stream()
                    .filter(key -> given.path(section.name()).has(key))
                    .toList();
            if (section.heldStoreKeys() && !keys.isEmpty()) {
                oldStoreKeys.put(section, keys);
            }
        }
        Optional<BackupStoreConfig> store = Optional.empty();
        if (backup.has("store")) {
            Settings section = backup.section("store");
            store = Optional.of(store(section, node, true));
            section.rejectUnknownKeys();
            oldStoreKeys.forEach((old, keys) -> refuseStoreKeys(backup.section(old.name()), keys));
        } else if (!oldStoreKeys.isEmpty()) {
            Map.Entry<BackupSection, List<String>> old =
                    oldStoreKeys.entrySet().iterator().next();
            Settings section = backup.section(old.getKey().name());
            boolean enabled = section.bool("enabled", true);
            store = Optional.of(store(section, node, enabled)).filter(read -> enabled);
            deprecations.add(deprecation(section, backup.keyPath("store"), old.getValue()));
        }
        Map<String, JsonNode> pluginSections = new LinkedHashMap<>();
        for (Map.Entry<BackupSection, EnginePlugin> owned : owners.entrySet()) {
            BackupSection section = owned.getKey();
            if (!backup.has(section.name())) {
                continue;
            }
            backup.acknowledge(section.name());
            JsonNode own = withoutStoreKeys(given.path(section.name()), section.heldStoreKeys());
            if (selected.filter(owned.getValue()::equals).isPresent()) {
                Settings settings = new Settings(backup.keyPath(section.name()), own, backup.problems());
                try {
                    section.check(settings, store);
                    settings.rejectUnknownKeys();
                } catch (RuntimeException e) {
                    backup.problems()
                            .add(
                                    backup.keyPath(section.name()),
                                    "{...}",
                                    "a section the " + owned.getValue().name() + " plugin can read, but it failed: "
                                            + e);
                }
                pluginSections.put(section.name(), own);
            } else if (!oldStoreKeys.containsKey(section)) {
                backup.problems()
                        .add(
                                backup.keyPath(section.name()),
                                "{...}",
                                "absent unless engine is " + owned.getValue().name()
                                        + ": the section is that plugin's");
            }
            // an old section of another engine: only its store keys meant something, and they were read above
        }
        SnapshotConfig snapshots = backup.has("snapshots")
                ? snapshots(backup.section("snapshots"), store, node)
                : SnapshotConfig.disabled();
        DumpConfig dumps = backup.has("dumps") ? dumps(backup.section("dumps"), store) : DumpConfig.disabled();
        backup.rejectUnknownKeys();
        return new BackupConfig(store, snapshots, dumps, pluginSections);
    }

    /** A plugin's section without the store's keys, which the store reads when the section once held them. */
    private static JsonNode withoutStoreKeys(JsonNode section, boolean heldStoreKeys) {
        JsonNode copy = section.deepCopy();
        if (heldStoreKeys && copy instanceof ObjectNode object) {
            object.remove(STORE_KEYS);
        }
        return copy;
    }

    /** One line for the log: which old keys were read, and where they go now. */
    private static String deprecation(Settings old, String storePath, List<String> keys) {
        return keys.stream().map(old::keyPath).collect(Collectors.joining(", ")) + ": deprecated, read as "
                + keys.stream().map(key -> storePath + "." + key).collect(Collectors.joining(", "))
                + " for this release only; move them to " + storePath;
    }

    /** With {@code backup.store} given, a store key left in the section it came from would only contradict it. */
    private static void refuseStoreKeys(Settings old, List<String> keys) {
        for (String key : keys) {
            old.problems()
                    .add(
                            old.keyPath(key),
                            old.optionalString(key).orElse("{...}"),
                            "absent when backup.store " + "is given: the store's keys moved there (backup.store." + key
                                    + ")");
        }
    }

    /** Only called when the section is there: writing one switches dumps on unless it says {@code enabled: false}. */
    private static DumpConfig dumps(Settings dumps, Optional<BackupStoreConfig> store) {
        boolean enabled = dumps.bool("enabled", true);
        Optional<RetentionClass> schedule = dumps.choice(
                        "schedule", SnapshotConfig.Schedule.class, SnapshotConfig.Schedule.HOURLY)
                .shortestClass();
        boolean onReplica = dumps.bool("on_replica", false);
        Map<RetentionClass, Duration> retention = retention(dumps);
        long partSize = dumps.size(
                "part_size", DumpConfig.DEFAULT_PART_SIZE, DumpConfig.MIN_PART_SIZE, DumpConfig.MAX_PART_SIZE);
        if (enabled && store.isEmpty()) {
            dumps.problems()
                    .add(
                            dumps.keyPath("enabled"),
                            true,
                            "dumps go to the backup store, with its prefix, "
                                    + "compression and encryption: configure backup.store, or set backup.dumps.enabled to false");
        }
        dumps.rejectUnknownKeys();
        return enabled ? new DumpConfig(true, schedule, onReplica, retention, partSize) : DumpConfig.disabled();
    }

    /** The {@code retention} subsection of snapshot sets and dumps: one duration per class, defaults for the rest. */
    private static Map<RetentionClass, Duration> retention(Settings section) {
        Map<RetentionClass, Duration> retention = new EnumMap<>(RetentionClass.class);
        if (section.has("retention")) {
            Settings classes = section.section("retention");
            for (RetentionClass retentionClass : RetentionClass.values()) {
                String key = retentionClass.name().toLowerCase(Locale.ROOT);
                retention.put(
                        retentionClass,
                        classes.duration(
                                key, retentionClass.defaultRetention(), Duration.ofHours(1), Duration.ofDays(3653)));
            }
            classes.rejectUnknownKeys();
        }
        return retention;
    }

    /** Only called when the section is there: writing one switches snapshot sets on unless it says {@code enabled: false}. */
    private static SnapshotConfig snapshots(Settings snapshots, Optional<BackupStoreConfig> store, NodeConfig node) {
        boolean enabled = snapshots.bool("enabled", true);
        Optional<RetentionClass> schedule = snapshots
                .choice("schedule", SnapshotConfig.Schedule.class, SnapshotConfig.Schedule.HOURLY)
                .shortestClass();
        boolean onReplica = snapshots.bool("on_replica", false);
        boolean seedReplicas = snapshots.bool("seed_replicas", false);
        Map<RetentionClass, Duration> retention = retention(snapshots);
        Duration completionTimeout = snapshots.duration(
                "completion_timeout",
                SnapshotConfig.DEFAULT_COMPLETION_TIMEOUT,
                Duration.ofSeconds(1),
                Duration.ofDays(1));
        if (enabled && store.isEmpty()) {
            snapshots
                    .problems()
                    .add(
                            snapshots.keyPath("enabled"),
                            true,
                            "snapshot sets keep their catalog and the backup "
                                    + "label in the backup store: configure backup.store, or set backup.snapshots.enabled to false");
        }
        if (enabled && (node.instanceId().isEmpty() || node.availabilityZone().isEmpty())) {
            snapshots
                    .problems()
                    .add(
                            snapshots.keyPath("enabled"),
                            true,
                            "snapshot sets need this node's EC2 instance id "
                                    + "and availability zone: from IMDS, or node.instance_id and node.availability_zone");
        }
        snapshots.rejectUnknownKeys();
        return enabled
                ? new SnapshotConfig(true, schedule, onReplica, retention, completionTimeout, seedReplicas)
                : SnapshotConfig.disabled();
    }

    /**
     * The backup store, from {@code backup.store} or, before that existed, from the plugin's section that held its
     * keys; other keys of the section are left to the caller.
     *
     * @param required whether the bucket and the region must be known (not for an archive given but disabled)
     */
    private static BackupStoreConfig store(Settings store, NodeConfig node, boolean required) {
        String bucket = store.optionalString("bucket").orElse("");
        String bucketAllowed = "an S3 bucket name: 3 to 63 lower-case letters, digits, '.' or '-', "
                + "starting and ending with a letter or digit";
        if (bucket.isEmpty() && required) {
            store.problems().add(store.keyPath("bucket"), null, bucketAllowed + "; required: every archive goes there");
        } else if (!bucket.isEmpty() && !BUCKET.matcher(bucket).matches()) {
            store.problems().add(store.keyPath("bucket"), bucket, bucketAllowed);
        }
        // an explicitly empty prefix puts the cluster's folder at the top of the bucket
        store.acknowledge("prefix");
        String prefix =
                store.has("prefix") ? store.optionalString("prefix").orElse("") : BackupStoreConfig.DEFAULT_PREFIX;
        if (!prefix.isEmpty() && !KEY_PREFIX.matcher(prefix).matches()) {
            store.problems()
                    .add(
                            store.keyPath("prefix"),
                            prefix,
                            "folder names of letters, digits, '.', '_' or '-' "
                                    + "separated by single '/', without a leading or trailing '/', e.g. steward or backups/prod (or \"\" for none)");
        }
        BackupStoreConfig.Compression compression =
                store.choice("compression", BackupStoreConfig.Compression.class, BackupStoreConfig.Compression.ZSTD);
        BackupStoreConfig.Encryption sse = store.optionalString("sse")
                .flatMap(text -> {
                    Optional<BackupStoreConfig.Encryption> known = BackupStoreConfig.Encryption.fromS3Name(text);
                    if (known.isEmpty()) {
                        store.problems()
                                .add(
                                        store.keyPath("sse"),
                                        text,
                                        "AES256 (keys managed by S3) or aws:kms (with kms_key_id)");
                    }
                    return known;
                })
                .orElse(BackupStoreConfig.Encryption.AES256);
        Optional<String> kmsKeyId = matching(store, "kms_key_id", KMS_KEY, "a KMS key id, key ARN, alias or alias ARN");
        if (sse == BackupStoreConfig.Encryption.AWS_KMS && kmsKeyId.isEmpty() && !store.has("kms_key_id")) {
            store.problems()
                    .add(
                            store.keyPath("kms_key_id"),
                            null,
                            "required with sse aws:kms: the KMS key id, key ARN "
                                    + "or alias that S3 encrypts the archives with");
        } else if (sse == BackupStoreConfig.Encryption.AES256 && kmsKeyId.isPresent()) {
            store.problems().add(store.keyPath("kms_key_id"), kmsKeyId.get(), "only with sse aws:kms (sse is AES256)");
        }
        Optional<URI> endpoint = store.optionalString("endpoint")
                .flatMap(text -> httpUri(store, "endpoint", text, "https://s3.eu-west-1.amazonaws.com"));
        boolean pathStyle = store.bool("path_style", false);
        Optional<String> region = matching(store, "region", REGION, "an AWS region name such as eu-west-1")
                .or(node::region);
        if (required && region.isEmpty() && !store.has("region")) {
            store.problems()
                    .add(
                            store.keyPath("region"),
                            null,
                            "the bucket's AWS region, e.g. eu-west-1; required when "
                                    + "neither aws.region is set nor IMDS tells the node's region");
        }
        int maxAttempts = store.integer("max_attempts", BackupStoreConfig.DEFAULT_MAX_ATTEMPTS, 1, 20);
        Duration attemptTimeout = store.duration(
                "attempt_timeout",
                BackupStoreConfig.DEFAULT_ATTEMPT_TIMEOUT,
                Duration.ofMillis(100),
                Duration.ofHours(1));
        return new BackupStoreConfig(
                bucket, prefix, compression, sse, kmsKeyId, endpoint, pathStyle, region, maxAttempts, attemptTimeout);
    }

    /**
     * Lets the plugin validate its own section, and checks the rest of the configuration against what the configured
     * engine can do. The plugin's {@code configure} reads the section through {@link Settings} and builds no engine,
     * so a validation run has no side effects.
     */
    private static EngineSection engine(
            Settings root,
            JsonNode tree,
            String engineName,
            Optional<EnginePlugin> plugin,
            List<EnginePlugin> plugins,
            NodeConfig node,
            Set<String> engineSections,
            BackupConfig backup,
            HaConfig ha) {
        if (plugin.isEmpty() && !engineName.isEmpty()) {
            List<String> available =
                    plugins.stream().map(EnginePlugin::name).sorted().toList();
            root.problems()
                    .add(
                            "engine",
                            engineName,
                            available.isEmpty()
                                    ? "the name of an installed engine plugin, but none is installed (add a plugin jar to the class path)"
                                    : "one of the installed engine plugins: " + String.join(", ", available));
        }
        String selected = plugin.map(EnginePlugin::name).orElse(engineName);
        for (String section : engineSections) {
            if (!section.equalsIgnoreCase(selected) && root.has(section)) {
                root.problems()
                        .add(
                                section,
                                "{...}",
                                "section " + section + " given but engine is "
                                        + (selected.isEmpty() ? "not set" : selected)
                                        + "; only the selected engine's section is allowed");
                root.acknowledge(section);
            }
        }
        if (plugin.isEmpty()) {
            return new EngineSection(selected, JsonNodeFactory.instance.objectNode());
        }
        Settings settings = root.section(selected);
        try {
            EngineCapabilities capabilities = plugin.get()
                    .configure(new EngineContext(
                            node.name(), node.host(), settings, node.stateDir(), new MetricRegistry()))
                    .capabilities();
            settings.rejectUnknownKeys();
            Optional<DumpSelector> dump = capabilities.bootstrapDump();
            if (backup.snapshots().seedReplicas() && !capabilities.has(SnapshotRecovery.class)) {
                root.problems()
                        .add(
                                "backup.snapshots.seed_replicas",
                                true,
                                "false for engine " + selected + ": it cannot "
                                        + "start a replica from a snapshot set's volumes, so new replicas copy from the primary");
            }
            if (ha.synchronousMode() && !capabilities.has(SynchronousStandbys.class)) {
                root.problems()
                        .add(
                                "ha.synchronous_mode",
                                true,
                                "false for engine " + selected + ": its primary cannot "
                                        + "be made to wait for a named replica before acknowledging a write, so no replica would ever be "
                                        + "known to hold every acknowledged write");
            }
            if (dump.isPresent() && backup.store().isEmpty()) {
                root.problems()
                        .add(
                                "backup.store",
                                null,
                                "configured: the " + selected + " section asks to start " + "from the archived dump '"
                                        + dump.get() + "', which is read from the backup store");
            }
        } catch (RuntimeException e) {
            // a plugin bug must not hide the other problems behind a stack trace
            root.problems()
                    .add(selected, "{...}", "a section the " + selected + " plugin can read, but it failed: " + e);
        }
        JsonNode section = tree.path(selected);
        return new EngineSection(
                selected, section.isObject() ? section.deepCopy() : JsonNodeFactory.instance.objectNode());
    }

    private static String required(Settings settings, String key, Pattern pattern, String allowed) {
        String value = settings.requiredString(key, allowed);
        if (!value.isEmpty() && !pattern.matcher(value).matches()) {
            settings.problems().add(settings.keyPath(key), value, allowed);
        }
        return value;
    }

    private static Optional<String> matching(Settings settings, String key, Pattern pattern, String allowed) {
        Optional<String> value = settings.optionalString(key);
        if (value.isPresent() && !pattern.matcher(value.get()).matches()) {
            settings.problems().add(settings.keyPath(key), value.get(), allowed);
            return Optional.empty();
        }
        return value;
    }

    /** A DNS name, given with or without the final dot (and, for a suffix, a leading one); kept without them. */
    private static Optional<String> dnsName(Settings settings, String key, String allowed) {
        Optional<String> value = settings.optionalString(key);
        if (value.isEmpty()) {
            return value;
        }
        String bare = value.get().replaceAll("^\\.|\\.$", "");
        if (!HOSTNAME.matcher(bare).matches()) {
            settings.problems().add(settings.keyPath(key), value.get(), allowed);
            return Optional.empty();
        }
        return Optional.of(bare);
    }

    private static Optional<URI> httpUri(Settings settings, String key, String text, String example) {
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        settings.problems().add(settings.keyPath(key), text, "an http:// or https:// URL such as " + example);
        return Optional.empty();
    }

    /** ISO-8601 with an offset: {@code 2013-06-01T12:00:00Z} or {@code 2013-06-01T14:00:00+02:00}. */
    private static Optional<Instant> instant(Settings settings, String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            settings.problems()
                    .add(
                            settings.keyPath("target_time"),
                            text,
                            "an ISO-8601 date and time with offset, e.g. 2013-06-01T12:00:00Z (user data \"timestamp\")");
            return Optional.empty();
        }
    }

    static boolean isHost(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        return HOSTNAME.matcher(bare).matches() || IPV6.matcher(bare).matches();
    }

    private static boolean isIpv4(String text) {
        return IPV4.matcher(text).matches();
    }

    static boolean isHostAndPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String host = text.substring(0, colon);
        if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
            return false;
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            return port >= 1 && port <= 65535 && isHost(host);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
