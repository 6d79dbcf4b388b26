package io.kpipe.topics;

import io.kpipe.config.Role;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs of a pipeline's principals ({@link Role}) on a cluster that allows nothing without one
 * ({@code allow.everyone.if.no.acl.found=false}). Least privilege: each role gets what its work
 * needs and nothing else; the admin is a super user and needs none. READ and WRITE imply DESCRIBE;
 * WRITE on a topic also allows an idempotent producer (no IDEMPOTENT_WRITE on the cluster needed).
 *
 * <pre>
 * principal        operation  resource                              why
 * User:source      WRITE      topic points                          generator, POST /ingest, kpipe produce
 * User:processor   READ       topic points, topic devices           input and the device registry
 *                  WRITE      topic points-agg-1m, alerts, points-dlq   outputs
 *                  READ       group APP_ID                          its consumer group
 *                  WRITE      transactional-id prefixed APP_ID      exactly-once transactions
 *                  ALL        topics prefixed APP_ID                changelog and repartition topics
 * User:sink        READ       topic points-agg-1m, topic alerts     outputs
 *                  READ       each sink group                       its consumer group
 * </pre>
 *
 * Topic names carry the pipeline's prefix; APP_ID is the processor's application id.
 */
public final class PipelineAcls {
    private PipelineAcls() {}

    /** Every binding of the pipeline on the topics with {@code topicPrefix}. */
    public static List<AclBinding> of(String topicPrefix, String applicationId, List<String> sinkGroups) {
        Topics t = Topics.withPrefix(topicPrefix);
        List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(Role.SOURCE, ResourceType.TOPIC, t.points().name(), PatternType.LITERAL, AclOperation.WRITE));

        acls.add(allow(Role.PROCESSOR, ResourceType.TOPIC, t.points().name(), PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(Role.PROCESSOR, ResourceType.TOPIC, t.devices().name(), PatternType.LITERAL, AclOperation.READ));
        for (String out : List.of(t.aggregates().name(), t.alerts().name(), t.deadLetters().name())) {
            acls.add(allow(Role.PROCESSOR, ResourceType.TOPIC, out, PatternType.LITERAL, AclOperation.WRITE));
        }
        acls.add(allow(Role.PROCESSOR, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(Role.PROCESSOR, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED,
                AclOperation.WRITE));
        acls.add(allow(Role.PROCESSOR, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL));

        for (String out : List.of(t.aggregates().name(), t.alerts().name())) {
            acls.add(allow(Role.SINK, ResourceType.TOPIC, out, PatternType.LITERAL, AclOperation.READ));
        }
        for (String group : sinkGroups) {
            acls.add(allow(Role.SINK, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
        }
        return List.copyOf(acls);
    }

    /** {@code User:<role's user>}. */
    public static String principal(Role role) {
        return "User:" + role.user();
    }

    private static AclBinding allow(Role role, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal(role), "*", op, AclPermissionType.ALLOW));
    }
}
