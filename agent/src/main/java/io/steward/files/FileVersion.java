package io.steward.files;

import java.time.Instant;

/**
 * One version of a file, as {@code stat} describes it: the same file (device and inode) with the same size and the
 * same change time. Every write moves the change time and no user can set it back, so a file whose version is still
 * the one the agent read holds the bytes it read (up to a change within the same tick of the kernel's clock, which
 * only the file's owner can make, to its own file).
 *
 * @param device the device number as {@code stat(2)} gives it ({@code st_dev}, what {@code stat -c %d} prints)
 * @param changed the change time ({@code st_ctim}), to the nanosecond
 */
public record FileVersion(long device, long inode, long size, Instant changed) {}
