// Per-alert cryptography, the daemon's CPU cost per envelope: open (box open +
// Ed25519 verify + canonical parse) and the receipt signature, against the
// client's cost to seal. Google Benchmark; report medians of repetitions.
#include <benchmark/benchmark.h>

#include "protocol/envelope.h"
#include "protocol/receipt.h"
#include "tests/support/fixtures.h"

using namespace cw;

namespace {

struct Keys {
  SigningKey contact = SigningKey::from_seed(Bytes(32, 0x11));
  BoxKey daemon = BoxKey::from_secret(Bytes(32, 0x22));
  SigningKey daemon_sign = SigningKey::from_seed(Bytes(32, 0x66));
};

Keys& keys() {
  static Keys k;
  return k;
}

void BM_SealEnvelope(benchmark::State& state) {
  auto a = test::sample_alert(1795000000);
  for (auto _ : state) {
    auto w =
        seal_envelope(a, random_alert_id(), 1795000000, keys().contact, keys().daemon.public_key());
    benchmark::DoNotOptimize(w);
  }
}
BENCHMARK(BM_SealEnvelope);

void BM_OpenEnvelope(benchmark::State& state) {
  auto a = test::sample_alert(1795000000);
  auto wire =
      *seal_envelope(a, random_alert_id(), 1795000000, keys().contact, keys().daemon.public_key());
  const auto pk = keys().contact.public_key();
  for (auto _ : state) {
    auto o = open_envelope(
        wire, keys().daemon, [&](const KeyId&) -> Result<PublicKey> { return pk; },
        OpenOptions{1795000000, nullptr});
    benchmark::DoNotOptimize(o);
  }
}
BENCHMARK(BM_OpenEnvelope);

void BM_RejectJunkCheaply(benchmark::State& state) {
  Bytes junk(8253, 0x41);
  for (auto _ : state) benchmark::DoNotOptimize(check_envelope_header(junk, keys().daemon.id()));
}
BENCHMARK(BM_RejectJunkCheaply);

void BM_SignReceipt(benchmark::State& state) {
  std::array<std::uint8_t, 32> h{};
  AlertId id{};
  std::uint64_t seq = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(sign_receipt(keys().daemon_sign, id, h, 1795000000, ++seq));
}
BENCHMARK(BM_SignReceipt);

}  // namespace

int main(int argc, char** argv) {
  init_crypto();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
