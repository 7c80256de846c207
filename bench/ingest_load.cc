// Load generator for the whole ingest path over real TLS: a real casewired on
// its SQLite store, N concurrent keep-alive clients posting sealed alerts for
// D seconds. Prints throughput and latency percentiles. Run it twice with
// max_batch = 1 and the default to see what group commit buys:
//
//   build/bench/ingest_load [clients=32] [seconds=10] [max_batch=256]
//
// Numbers from shared machines are noisy: compare ratios from the same run,
// and repeat. Results go to docs/VERIFICATION.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"

using namespace cw;
using namespace cw::test;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  init_crypto();
  const int clients = argc > 1 ? std::atoi(argv[1]) : 32;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  const int max_batch = argc > 3 ? std::atoi(argv[3]) : 256;
  Instance inst("per_ip_per_minute = 0\nmax_connections = 1024\n",
                "[server]\nmax_batch = " + std::to_string(max_batch) + "\n");
  auto alice = inst.add_contact("load", 100000000);
  inst.add_org("ngo", OrgOptions{});
  inst.start();

  // Each client seals its next alert between requests, as a real one would;
  // latency is measured from send to receipt only.
  const int per_client = 200000;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<std::uint64_t> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10));
      std::vector<double> mine;
      Alert a = sample_alert();
      while (!stop) {
        std::string env(as_chars(inst.seal(alice, a)));
        auto t0 = Clock::now();
        if (!conn->send(http_request("POST", "/v1/alerts", env))) break;
        auto r = conn->read_reply();
        if (!r) break;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        (r->status == 201 ? ok : failed)++;
        if (mine.size() > static_cast<std::size_t>(per_client)) break;
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[static_cast<std::size_t>(p * (latencies_ms.size() - 1))];
  };
  const auto batches = inst.metrics();
  inst.stop();
  std::cout << "clients=" << clients << " seconds=" << seconds << " max_batch=" << max_batch << "\n"
            << "accepted=" << ok << " failed=" << failed
            << " alerts_per_s=" << static_cast<int>(ok / elapsed) << "\n"
            << "latency_ms p50=" << pct(0.5) << " p90=" << pct(0.9) << " p99=" << pct(0.99) << "\n";
  auto pos = batches.find("casewire_store_batch_size_sum ");
  auto cpos = batches.find("casewire_store_batch_size_count ");
  if (pos != std::string::npos && cpos != std::string::npos) {
    double sum = std::stod(batches.substr(pos + 30)), count = std::stod(batches.substr(cpos + 32));
    std::cout << "commits=" << static_cast<long>(count)
              << " mean_batch=" << (count > 0 ? sum / count : 0) << "\n";
  }
  return failed == 0 ? 0 : 1;
}
