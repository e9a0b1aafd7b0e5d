// LookupEvents latency over a large event store (issue 5: p99 <= 20 ms over 1M events).
//
//   build/bench/store_bench [events=1000000] [dir=/tmp/rampart-bench-events]
//
// Fills the store once (reused on later runs), then times Lookup for each attribute with
// random values and prints p50/p99 per attribute. Google Benchmark's timers report means; this
// needs tails, so it times each lookup itself.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "store/events.h"

using rampart::store::EventQuery;
using rampart::store::EventRecord;

int main(int argc, char** argv) {
  const int64_t total = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const std::string path = argc > 2 ? argv[2] : "/tmp/rampart-bench-events";
  auto opened = rampart::store::OpenLogEventStore(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  const int users = 1000, names = 200, keys = 2000;
  const int64_t t0 = 1790000000000;  // ms
  auto last = store.LastSeq();
  if (last.ok() && *last < total) {
    std::mt19937_64 rng(42);
    auto start = std::chrono::steady_clock::now();
    for (int64_t done = *last; done < total;) {
      std::vector<EventRecord> batch;
      for (int i = 0; i < 10000 && done < total; ++i, ++done) {
        EventRecord r;
        r.event_id = "ev-" + std::to_string(done);
        r.account_id = "111122223333";
        r.event_time_ms = t0 + done * 100;  // 10 events/s over ~28 hours per 1M
        r.event_name = "Op" + std::to_string(rng() % names);
        r.event_source = (rng() % 2) ? "iam.amazonaws.com" : "kms.amazonaws.com";
        r.read_only = rng() % 3 != 0;
        r.username = "user" + std::to_string(rng() % users);
        r.access_key_id = "AKIA" + std::to_string(rng() % keys);
        r.region = "us-east-1";
        r.resources.push_back({"AWS::IAM::User", r.username});
        r.json = R"({"eventVersion":"1.08","eventName":")" + r.event_name + "\"}";
        batch.push_back(std::move(r));
      }
      if (auto st = store.Append(batch); !st.ok()) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
      }
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("filled %lld events in %.1f s\n", static_cast<long long>(total), s);
  }
  std::mt19937_64 rng(7);
  struct Attr {
    const char* key;
    std::string (*value)(std::mt19937_64&);
  };
  const Attr attrs[] = {
      {"", [](std::mt19937_64&) { return std::string(); }},
      {"EventName", [](std::mt19937_64& g) { return "Op" + std::to_string(g() % 200); }},
      {"Username", [](std::mt19937_64& g) { return "user" + std::to_string(g() % 1000); }},
      {"AccessKeyId", [](std::mt19937_64& g) { return "AKIA" + std::to_string(g() % 2000); }},
      {"EventSource", [](std::mt19937_64& g) {
         return std::string(g() % 2 ? "iam.amazonaws.com" : "kms.amazonaws.com");
       }},
      {"ReadOnly", [](std::mt19937_64& g) { return std::string(g() % 2 ? "true" : "false"); }},
      {"ResourceName", [](std::mt19937_64& g) { return "user" + std::to_string(g() % 1000); }},
      {"ResourceType", [](std::mt19937_64&) { return std::string("AWS::IAM::User"); }},
      {"EventId", [](std::mt19937_64& g) { return "ev-" + std::to_string(g() % 1000000); }},
  };
  std::printf("%-14s %10s %10s %10s\n", "attribute", "p50_ms", "p99_ms", "max_ms");
  for (const Attr& a : attrs) {
    std::vector<double> ms;
    for (int i = 0; i < 300; ++i) {
      EventQuery q;
      q.account_id = "111122223333";
      q.attribute_key = a.key;
      q.attribute_value = a.value(rng);
      // A random window of one to 24 hours inside the data, as a console user would ask.
      int64_t span = total * 100;
      q.end_ms = t0 + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
      q.start_ms = q.end_ms - 3600000LL * (1 + static_cast<int64_t>(rng() % 24));
      q.limit = 51;
      auto begin = std::chrono::steady_clock::now();
      auto rows = store.Lookup(q);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
      if (!rows.ok()) {
        std::fprintf(stderr, "%s\n", rows.error().message.c_str());
        return 1;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-14s %10.3f %10.3f %10.3f\n", a.key[0] ? a.key : "(none)", ms[ms.size() / 2],
                ms[ms.size() * 99 / 100], ms.back());
  }
  return 0;
}
