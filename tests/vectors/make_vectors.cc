// Writes tests/vectors/envelope_v1.json: known-answer vectors for envelope v1
// and receipts, from fixed keys, a fixed ephemeral key and a fixed alert.
// Run only when the format changes ON PURPOSE (and bump the version):
//   build/tests/make_vectors > tests/vectors/envelope_v1.json
#include <boost/json.hpp>
#include <iostream>

#include "protocol/envelope.h"
#include "protocol/envelope_testing.h"
#include "protocol/receipt.h"

using namespace cw;
namespace json = boost::json;

int main() {
  init_crypto();
  const Bytes contact_seed(32, 0x11), daemon_box_sk(32, 0x22), daemon_sign_seed(32, 0x66),
      ephemeral_sk(32, 0x55);
  const std::int64_t created_at = 1795000000;
  const auto alert_id = *parse_alert_id("0123456789abcdef0123456789abcdef");
  const std::string alert_json =
      R"({"kind":"new_case","people":{"count":3,"children":1,"elderly":0,"sick":1},)"
      R"("arrest_place":{"code":"CN-JL","detail":"vector detail"},"held_place":{"code":"CN-JL-F01"},)"
      R"("arrested_at":"2026-11-18T08:00:00Z","urgency":"immediate","consent":"private",)"
      R"("names":["Vector Name"],"notes":"vector notes"})";
  auto alert = parse_canonical_alert(as_bytes(alert_json), created_at);
  if (!alert) {
    std::cerr << alert.error().message << "\n";
    return 1;
  }
  auto contact = SigningKey::from_seed(contact_seed);
  auto daemon_box = BoxKey::from_secret(daemon_box_sk);
  auto daemon_sign = SigningKey::from_seed(daemon_sign_seed);
  auto eph = BoxKey::from_secret(ephemeral_sk);
  auto wire = testing::seal_envelope_with_ephemeral(*alert, alert_id, created_at, contact,
                                                    daemon_box.public_key(), eph);
  auto hash = envelope_hash(*wire);
  auto receipt = sign_receipt(daemon_sign, alert_id, hash, created_at + 2, 7);

  json::object o;
  o["source"] = "casewire tests/vectors/make_vectors.cc (fixed keys; not secret)";
  o["contact_seed"] = to_hex(contact_seed);
  o["daemon_box_secret"] = to_hex(daemon_box_sk);
  o["daemon_sign_seed"] = to_hex(daemon_sign_seed);
  o["ephemeral_secret"] = to_hex(ephemeral_sk);
  o["alert_id"] = to_hex(alert_id);
  o["created_at"] = created_at;
  o["alert"] = alert_json;
  o["contact_key_id"] = key_id_hex(contact.id());
  o["daemon_box_key_id"] = key_id_hex(daemon_box.id());
  o["wire"] = to_hex(*wire);
  o["envelope_hash"] = to_hex(hash);
  o["receipt_received_at"] = receipt.received_at;
  o["receipt_sequence"] = receipt.sequence;
  o["receipt_signed_bytes"] = to_hex(receipt_signed_bytes(receipt));
  o["receipt_signature"] = to_hex(receipt.signature);
  o["receipt_json"] = receipt_to_json(receipt);
  std::cout << json::serialize(o) << "\n";
  return 0;
}
