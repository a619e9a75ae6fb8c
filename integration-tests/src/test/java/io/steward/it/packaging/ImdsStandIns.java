package io.steward.it.packaging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What IMDS tells a node on EC2 (instance id, zone, region, private address and host name), for checks off EC2,
 * where IMDS is off. The keys are dotted, as {@code --set} takes them.
 */
final class ImdsStandIns {
    static final Map<String, String> VALUES = values();

    private ImdsStandIns() {}

    private static Map<String, String> values() {
        Map<String, String> standIns = new LinkedHashMap<>();
        standIns.put("aws.imds", "off");
        standIns.put("node.instance_id", "i-0123456789abcdef0");
        standIns.put("node.availability_zone", "eu-west-1a");
        standIns.put("aws.region", "eu-west-1");
        standIns.put("node.host", "10.0.0.5");
        standIns.put("node.dns_name", "ip-10-0-0-5.eu-west-1.compute.internal");
        return Collections.unmodifiableMap(standIns);
    }

    /** As {@code --set key=value} arguments. */
    static List<String> arguments() {
        List<String> arguments = new ArrayList<>();
        VALUES.forEach((key, value) -> arguments.addAll(List.of("--set", key + "=" + value)));
        return arguments;
    }
}
