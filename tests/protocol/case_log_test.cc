// The case log's wire format (protocol/case_log.h): leaves, signed tree
// heads and proofs round-trip through JSON; a head signed by another key, or
// changed in any field, is refused; a v2 receipt binds the leaf and index.
#include "protocol/case_log.h"

#include <gtest/gtest.h>

#include "protocol/receipt.h"

namespace cw {
namespace {

merkle::Hash h(std::uint8_t b) {
  merkle::Hash x{};
  x.fill(b);
  return x;
}

TEST(CaseLog, ALeafIsVersionKindHourAndTagOnly) {
  std::array<std::uint8_t, 32> tag{};
  tag.fill(0xab);
  const Bytes leaf = encode_leaf(LeafKind::acknowledgement, 1795003599, tag);
  ASSERT_EQ(leaf.size(), kLeafBytes);
  EXPECT_EQ(leaf[0], 1);
  EXPECT_EQ(leaf[1], 3);
  // The time is kept to the hour, big-endian.
  ByteWriter w;
  w.u64(1795003599 - 1795003599 % 3600);
  const Bytes hour = w.take();
  EXPECT_TRUE(std::equal(hour.begin(), hour.end(), leaf.begin() + 2));
  EXPECT_TRUE(std::equal(tag.begin(), tag.end(), leaf.begin() + 10));
  EXPECT_EQ(encode_leaf(LeafKind::acknowledgement, 1795003200, tag), leaf);
}

TEST(CaseLog, TreeHeadsRoundTripAndEveryChangeBreaksTheSignature) {
  const auto daemon = SigningKey::generate();
  const auto other = SigningKey::generate();
  const TreeHead head = sign_tree_head(daemon, 7, h(0x42), 1795000000);
  ASSERT_TRUE(verify_tree_head(head, daemon.public_key()).ok());
  auto back = tree_head_from_json(tree_head_to_json(head));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(tree_head_to_json(*back), tree_head_to_json(head));
  EXPECT_TRUE(verify_tree_head(*back, daemon.public_key()).ok());

  EXPECT_EQ(verify_tree_head(head, other.public_key()).code(), Errc::bad_tree_head);
  auto bigger = head;
  bigger.size = 8;
  EXPECT_EQ(verify_tree_head(bigger, daemon.public_key()).code(), Errc::bad_tree_head);
  auto rerooted = head;
  rerooted.root[0] ^= 1;
  EXPECT_EQ(verify_tree_head(rerooted, daemon.public_key()).code(), Errc::bad_tree_head);
  auto later = head;
  later.timestamp += 1;
  EXPECT_EQ(verify_tree_head(later, daemon.public_key()).code(), Errc::bad_tree_head);
  // Forged by another key but naming ours: the key id is signed too.
  auto forged = sign_tree_head(other, 7, h(0x42), 1795000000);
  forged.daemon_key_id = daemon.id();
  EXPECT_EQ(verify_tree_head(forged, daemon.public_key()).code(), Errc::bad_tree_head);

  for (const char* bad : {"", "[]", R"({"size":-1})", R"({"size":1,"root":"00"})", "{\"size\":1}"})
    EXPECT_EQ(tree_head_from_json(bad).code(), Errc::bad_tree_head) << bad;
}

TEST(CaseLog, EvidenceAndProofsRoundTripAndOverlongProofsAreRefused) {
  const auto daemon = SigningKey::generate();
  LogEvidence e{sign_tree_head(daemon, 3, h(1), 1795000000), {h(2), h(3)}};
  auto back = log_evidence_from_json(log_evidence_to_json(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->inclusion, e.inclusion);
  EXPECT_EQ(back->head.root, e.head.root);
  std::vector<merkle::Hash> longer(kMaxProofHashes + 1, h(9));
  EXPECT_EQ(proof_from_json(proof_to_json(longer)).code(), Errc::bad_tree_head);
  EXPECT_EQ(proof_from_json(R"(["zz"])").code(), Errc::bad_tree_head);
}

TEST(CaseLog, AReceiptWithALogEntrySignsTheIndexAndTheLeaf) {
  const auto daemon = SigningKey::generate();
  AlertId id{};
  id.fill(5);
  const std::array<std::uint8_t, 32> env = h(6);
  const auto r = sign_receipt(daemon, id, env, 1795000000, 99, ReceiptLogEntry{12, h(7)});
  // With the log's evidence beside it, as the daemon answers.
  std::string json = receipt_to_json(r);
  json.pop_back();
  json += R"(,"log":)" +
          log_evidence_to_json({sign_tree_head(daemon, 13, h(8), 1795000000), {h(1)}}) + "}";
  auto back = receipt_from_json(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->log);
  EXPECT_EQ(back->log->index, 12u);
  EXPECT_EQ(back->log->leaf, h(7));
  EXPECT_TRUE(verify_receipt(*back, daemon.public_key()).ok());
  auto moved = *back;
  moved.log->index = 11;
  EXPECT_EQ(verify_receipt(moved, daemon.public_key()).code(), Errc::bad_receipt);
  auto stripped = *back;
  stripped.log.reset();  // a v2 signature does not pass for a v1 receipt
  EXPECT_EQ(verify_receipt(stripped, daemon.public_key()).code(), Errc::bad_receipt);
  EXPECT_NE(receipt_signed_bytes(*back), receipt_signed_bytes(stripped));
}

}  // namespace
}  // namespace cw
