package dev.openhands.runtime.orchestrator.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Attributes one write sets and removes, besides what the write itself manages (status, generation). */
public final class Changes {

  private final Map<String, AttributeValue> set = new LinkedHashMap<>();
  private final List<String> remove = new ArrayList<>();

  public static Changes none() {
    return new Changes();
  }

  public Changes set(String name, String value) {
    if (value == null) {
      return remove(name);
    }
    set.put(name, AttributeValue.fromS(value));
    return this;
  }

  public Changes set(String name, long value) {
    set.put(name, AttributeValue.fromN(Long.toString(value)));
    return this;
  }

  public Changes set(String name, boolean value) {
    set.put(name, AttributeValue.fromBool(value));
    return this;
  }

  public Changes remove(String name) {
    set.remove(name);
    if (!remove.contains(name)) {
      remove.add(name);
    }
    return this;
  }

  Map<String, AttributeValue> sets() {
    return set;
  }

  List<String> removes() {
    return remove;
  }
}
