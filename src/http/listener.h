#pragma once
// The HTTP/1.1 listener: Boost.Beast over Asio, one io_context and thread per worker, keep-alive,
// optional TLS, limits. Boost.Beast is confined to src/http/.
//
// Thread-safety: Start/Stop from one controlling thread. The handler runs on io threads
// concurrently and must be thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/types.h"

namespace rampart::http {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;            // 0 picks a free port
  int threads = 0;                 // 0 = one per core
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 16 * 1024 * 1024;
  int request_timeout_seconds = 30;   // whole request must arrive within this
  int idle_timeout_seconds = 60;      // keep-alive connection with no request
  size_t max_connections = 10000;
  std::string tls_cert_file;          // both set => TLS only
  std::string tls_key_file;
};

struct ListenerStats {
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> accepted_total{0};
  std::atomic<int64_t> rejected_total{0};
};

class Listener {
 public:
  Listener(ListenerOptions opts, Handler handler);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Loads the TLS certificate and binds the listening socket (connections queue in the backlog
  // until Start). Returns the bound port. Done first at start-up, so a port clash fails before
  // anything is written to disk.
  Result<uint16_t> Bind();
  // Binds (unless Bind was called) and starts accepting on the io threads. Returns the port.
  Result<uint16_t> Start();
  // Stops accepting, lets in-flight requests finish (up to `drain_seconds`), then joins.
  void Stop(int drain_seconds = 10);
  const ListenerStats& stats() const;

  struct Impl;  // defined in listener.cc; public so sessions there can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::http
