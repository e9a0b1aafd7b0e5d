#include "http/access_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/strings.h"

namespace rampart::http {

namespace {

Result<std::FILE*> OpenAppend(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::Internal("cannot open access log " + path + ": " + std::strerror(errno));
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) {
    ::close(fd);
    return Error::Internal("cannot open access log " + path + ": " + std::strerror(errno));
  }
  return f;
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& where) {
  if (where.empty() || where == "off") return std::unique_ptr<AccessLog>();
  auto log = std::unique_ptr<AccessLog>(new AccessLog());
  if (where == "-") {
    log->file_ = stdout;
    return log;
  }
  log->path_ = where;
  RAMPART_ASSIGN_OR_RETURN(log->file_, OpenAppend(where));
  return log;
}

AccessLog::~AccessLog() {
  if (file_ != nullptr && file_ != stdout) std::fclose(file_);
}

Status AccessLog::Reopen() {
  if (path_.empty()) return {};
  RAMPART_ASSIGN_OR_RETURN(std::FILE * fresh, OpenAppend(path_));
  std::lock_guard lock(mu_);
  std::fclose(file_);
  file_ = fresh;
  return {};
}

std::string AccessLog::Format(const AccessLine& l, double epoch_seconds) {
  namespace json = boost::json;
  json::object line;
  line["time"] = FormatIso8601(epoch_seconds);
  line["request_id"] = l.request_id;
  line["remote"] = l.remote;
  line["method"] = l.method;
  line["service"] = l.service;
  line["operation"] = l.operation;
  line["principal"] = l.principal;
  line["status"] = l.status;
  if (!l.error.empty()) line["error"] = l.error;
  std::string text = json::serialize(line);
  // Boost.JSON writes doubles in exponent form (4.96E-1); log readers expect 0.496.
  text.pop_back();
  text += fmt::format(",\"latency_ms\":{:.3f}}}", l.seconds * 1000.0);
  return text;
}

void AccessLog::Write(const AccessLine& l) {
  std::string text = Format(l, static_cast<double>(std::time(nullptr)));
  text.push_back('\n');
  std::lock_guard lock(mu_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace rampart::http
