package io.steward.config;

import java.util.List;

/**
 * The data volumes of this node (user data {@code tablespaces}).
 *
 * @param tablespaces one entry per volume, always including {@code main}
 */
public record StorageConfig(List<TablespaceConfig> tablespaces) {
    public StorageConfig {
        tablespaces = List.copyOf(tablespaces);
    }
}
