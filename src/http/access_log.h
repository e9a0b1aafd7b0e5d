#pragma once
// The JSON-lines access log: one line per API request (time, request id, caller, service,
// operation, status, error code, latency in milliseconds as a plain decimal).
//
// Thread-safety: Write and Reopen may be called from any thread.

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::http {

struct AccessLine {
  std::string_view request_id, remote, method, service, operation, principal, error;
  int status = 0;
  double seconds = 0;
};

class AccessLog {
 public:
  // `where`: "-" for stdout, "off" or "" for none, else a file opened for appending (created
  // 0600).
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& where);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Write(const AccessLine& line);
  // Closes and opens the file again by name (SIGHUP, after logrotate moved it). A failure
  // keeps the old file open and is returned.
  Status Reopen();

  // One line, without the newline (exposed for tests).
  static std::string Format(const AccessLine& line, double epoch_seconds);

 private:
  AccessLog() = default;
  std::mutex mu_;
  std::string path_;          // "" for stdout
  std::FILE* file_ = nullptr;  // GUARDED_BY(mu_)
};

}  // namespace rampart::http
