package dev.openhands.runtime.common.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxStatusTest {

  @Test
  void storedValues_parseWhateverTheirCase() {
    assertEquals(Optional.of(SandboxStatus.RUNNING), SandboxStatus.parse("running"));
    assertEquals(Optional.of(SandboxStatus.PAUSED), SandboxStatus.parse(" Paused "));
    assertEquals(Optional.empty(), SandboxStatus.parse("WARM"));
    assertEquals(Optional.empty(), SandboxStatus.parse(null));
  }

  @Test
  void conversationIds_are32LowercaseHex() {
    assertTrue(RegistrySchema.isConversationId("0123456789abcdef0123456789abcdef"));
    assertFalse(RegistrySchema.isConversationId("0123456789ABCDEF0123456789abcdef"));
    assertFalse(RegistrySchema.isConversationId("0123456789abcdef0123456789abcde"));
    assertFalse(RegistrySchema.isConversationId("01234567-89ab-cdef-0123-456789abcdef"));
    assertFalse(RegistrySchema.isConversationId(null));
  }

  @Test
  void anonymousOrEmptyOwner_isUnowned() {
    assertTrue(RegistrySchema.isUnowned(null));
    assertTrue(RegistrySchema.isUnowned(""));
    assertTrue(RegistrySchema.isUnowned("ANONYMOUS"));
    assertFalse(RegistrySchema.isUnowned("5f1c-sub"));
  }
}
