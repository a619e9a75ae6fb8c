package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.engine.ClientConnections;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConnectionStringsTest {
    /** Writes down what it was given. */
    private static final ClientConnections ENGINE = (servers, target) ->
            target + ":" + servers.stream().map(Endpoint::toString).collect(Collectors.joining(","));

    private static MemberInfo member(String name, Role role, boolean healthy, long position) {
        return new MemberInfo(
                name,
                role,
                healthy,
                new Endpoint("h" + name, 1),
                "http://h" + name,
                position,
                1,
                Optional.empty(),
                false,
                false,
                100,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    private static ClusterView view(Optional<String> leaseHolder, MemberInfo... members) {
        return new ClusterView(
                java.util.Arrays.stream(members).collect(Collectors.toMap(MemberInfo::name, m -> m)),
                leaseHolder.map(holder -> new Lease(holder, 3, 1)),
                3,
                Optional.of("a"),
                false,
                Optional.empty(),
                Optional.empty());
    }

    @Test
    void eachTargetListsItsServersFirstThenTheOtherHealthyMembers() {
        ClusterView view = view(
                Optional.of("a"),
                member("a", Role.PRIMARY, true, 100),
                member("b", Role.REPLICA, true, 90),
                member("c", Role.REPLICA, true, 95),
                member("d", Role.STOPPED, false, -1));

        AdminJson.Connections connections = new ConnectionStrings(ENGINE, view).all();

        assertThat(connections.primary()).isEqualTo("PRIMARY:ha:1,hc:1,hb:1");
        // the most advanced replica first
        assertThat(connections.replica()).isEqualTo("REPLICA:hc:1,hb:1,ha:1");
        assertThat(connections.any()).isEqualTo("ANY:ha:1,hc:1,hb:1");
        assertThat(new ConnectionStrings(ENGINE, view).member(view.members().get("d")))
                .isEqualTo("ANY:hd:1");
    }

    @Test
    void noHealthyPrimaryMeansNoPrimaryString() {
        ClusterView view =
                view(Optional.empty(), member("a", Role.PRIMARY, false, 100), member("b", Role.REPLICA, true, 90));

        AdminJson.Connections connections = new ConnectionStrings(ENGINE, view).all();

        assertThat(connections.primary()).isNull();
        assertThat(connections.replica()).isEqualTo("REPLICA:hb:1");
    }

    @Test
    void whileTwoClaimThePrimarysRoleTheLeaseHolderComesFirst() {
        ClusterView view =
                view(Optional.of("b"), member("a", Role.PRIMARY, true, 100), member("b", Role.PRIMARY, true, 100));

        assertThat(new ConnectionStrings(ENGINE, view).all().primary()).isEqualTo("PRIMARY:hb:1,ha:1");
    }

    @Test
    void clusterJsonCarriesThemOnlyWhenTheEngineSaysHowClientsConnect() {
        ClusterView view = view(Optional.of("a"), member("a", Role.PRIMARY, true, 100));

        assertThat(AdminJson.Cluster.of(view, Optional.of(ENGINE))
                        .members()
                        .get(0)
                        .dsn())
                .isEqualTo("ANY:ha:1");
        assertThat(AdminJson.Cluster.of(view, Optional.empty()).connections()).isNull();
        assertThat(AdminJson.Cluster.of(view, Optional.empty()).members().get(0).dsn())
                .isNull();
    }
}
