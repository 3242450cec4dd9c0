// The Java client (kafka-clients, the broker's own version) behind the conformance suite's JSON-lines protocol:
// one command a line on stdin, one answer a line on stdout. See src/conformance/types.ts for the commands.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class Driver {
  static final ObjectMapper json = new ObjectMapper();
  static String bootstrap;

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    PrintStream answers = System.out;
    System.setOut(System.err); // whatever a library prints is not an answer
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      JsonNode c = json.readTree(line);
      ObjectNode a;
      try {
        a = switch (c.get("op").asText()) {
          case "produce" -> produce(c);
          case "fetch" -> fetch(c);
          case "metadata" -> metadata(c);
          case "offsets" -> offsets(c);
          case "join" -> join(c);
          case "transaction" -> transaction(c);
          default -> error("unknown op");
        };
      } catch (Exception e) {
        a = error(e);
      }
      answers.println(json.writeValueAsString(a));
      answers.flush();
    }
  }

  static ObjectNode error(String name) {
    ObjectNode a = json.createObjectNode();
    a.put("error", name);
    return a;
  }

  /** The exception's class name: what a Java application would catch (ExecutionException unwrapped). */
  static ObjectNode error(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof KafkaException && e.getCause() != null && !(e instanceof org.apache.kafka.common.errors.ApiException)) && e.getCause() != null) e = e.getCause();
    return error(e.getClass().getSimpleName());
  }

  static Properties base() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "conformance-java");
    return p;
  }

  static ObjectNode produce(JsonNode c) {
    Properties p = base();
    int timeout = c.get("timeoutMs").asInt();
    int acks = c.get("acks").asInt();
    p.put("acks", acks == -1 ? "all" : String.valueOf(acks));
    p.put("compression.type", c.path("compression").asText("none"));
    // no retries: the scenario observes what the broker answered
    p.put("retries", "0");
    p.put("enable.idempotence", "false");
    p.put("linger.ms", "0");
    p.put("request.timeout.ms", String.valueOf(timeout));
    p.put("delivery.timeout.ms", String.valueOf(timeout + 5000));
    p.put("max.block.ms", "30000");
    ObjectNode a = json.createObjectNode();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      Long ts = c.has("timestamp") ? c.get("timestamp").asLong() : null;
      for (JsonNode v : c.get("values")) sent.add(producer.send(new ProducerRecord<>(c.get("topic").asText(), c.get("partition").asInt(), ts, null, v.asText())));
      ArrayNode offsets = a.putArray("offsets");
      for (var f : sent) {
        try {
          offsets.add(f.get().offset());
        } catch (Exception e) {
          return error(e);
        }
      }
      if (acks == 0) a.remove("offsets");
      return a;
    }
  }

  /** One transaction: initTransactions, the values sent to one partition, then commit or abort. */
  static ObjectNode transaction(JsonNode c) {
    Properties p = base();
    p.put("transactional.id", c.get("transactionalId").asText());
    p.put("max.block.ms", "30000");
    ObjectNode a = json.createObjectNode();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      for (JsonNode v : c.get("values")) sent.add(producer.send(new ProducerRecord<>(c.get("topic").asText(), c.get("partition").asInt(), null, v.asText())));
      ArrayNode offsets = a.putArray("offsets");
      for (var f : sent) offsets.add(f.get().offset());
      if (c.get("commit").asBoolean()) producer.commitTransaction();
      else producer.abortTransaction();
      return a;
    } catch (Exception e) {
      return error(e);
    }
  }

  static KafkaConsumer<String, String> consumer(Properties p) {
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  static ObjectNode fetch(JsonNode c) {
    TopicPartition tp = new TopicPartition(c.get("topic").asText(), c.get("partition").asInt());
    int max = c.get("max").asInt();
    ObjectNode a = json.createObjectNode();
    ArrayNode records = a.putArray("records");
    Properties props = base();
    if (c.path("readCommitted").asBoolean(false)) props.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, String> consumer = consumer(props)) {
      consumer.assign(List.of(tp));
      consumer.seek(tp, c.get("offset").asLong());
      long deadline = System.currentTimeMillis() + c.get("waitMs").asLong();
      while (records.size() < max && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (records.size() >= max) break;
          ObjectNode o = records.addObject();
          o.put("offset", r.offset());
          o.put("value", r.value());
          r.leaderEpoch().ifPresent(e -> o.put("leaderEpoch", e));
        }
      }
    }
    return a;
  }

  static ObjectNode metadata(JsonNode c) throws Exception {
    try (Admin admin = Admin.create(base())) {
      ObjectNode a = json.createObjectNode();
      DescribeClusterResult cluster = admin.describeCluster();
      ArrayNode brokers = a.putArray("brokers");
      cluster.nodes().get().stream().map(Node::id).sorted().forEach(brokers::add);
      a.put("controller", cluster.controller().get().id());
      String topic = c.get("topic").asText();
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      ArrayNode partitions = a.putArray("partitions");
      for (TopicPartitionInfo p : d.partitions()) {
        ObjectNode o = partitions.addObject();
        o.put("partition", p.partition());
        o.put("leader", p.leader() == null ? -1 : p.leader().id());
        ArrayNode replicas = o.putArray("replicas");
        p.replicas().stream().map(Node::id).sorted().forEach(replicas::add);
        ArrayNode isr = o.putArray("isr");
        p.isr().stream().map(Node::id).sorted().forEach(isr::add);
      }
      return a;
    }
  }

  static ObjectNode offsets(JsonNode c) throws Exception {
    TopicPartition tp = new TopicPartition(c.get("topic").asText(), c.get("partition").asInt());
    try (Admin admin = Admin.create(base())) {
      ObjectNode a = json.createObjectNode();
      var earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get();
      var latest = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get();
      a.put("earliest", earliest.offset());
      a.put("latest", latest.offset());
      latest.leaderEpoch().ifPresent(e -> a.put("leaderEpoch", e));
      return a;
    }
  }

  static ObjectNode join(JsonNode c) {
    Properties p = base();
    p.put("group.id", c.get("group").asText());
    if (c.has("instanceId")) p.put("group.instance.id", c.get("instanceId").asText());
    p.put("group.protocol", c.path("protocol").asText("classic"));
    if (!c.path("protocol").asText("classic").equals("consumer")) p.put("session.timeout.ms", "30000");
    ObjectNode a = json.createObjectNode();
    try (KafkaConsumer<String, String> consumer = consumer(p)) {
      consumer.subscribe(List.of(c.get("topic").asText()));
      long deadline = System.currentTimeMillis() + c.get("waitMs").asLong();
      while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(100));
      if (consumer.assignment().isEmpty()) return error("NOT_JOINED");
      ConsumerGroupMetadata g = consumer.groupMetadata();
      a.put("memberId", g.memberId());
      a.put("generation", g.generationId());
      ArrayNode assignment = a.putArray("assignment");
      consumer.assignment().stream().map(TopicPartition::partition).sorted().forEach(assignment::add);
      return a;
    }
  }
}
