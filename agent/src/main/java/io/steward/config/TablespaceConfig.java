package io.steward.config;

/**
 * One EBS volume holding one tablespace; {@code main} holds the data directory.
 *
 * @param device the block device the volume is attached as, e.g. {@code /dev/sdf}
 * @param name the tablespace's name
 * @param sizeGb the volume's size in GiB; a larger size than the volume has grows it
 */
public record TablespaceConfig(String device, String name, int sizeGb) {}
