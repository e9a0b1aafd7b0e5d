#pragma once
// `rampart health`: one plain GET of a running server's /_rampart/health from the same machine
// (a container HEALTHCHECK, a readiness script), with no curl needed. TLS is spoken without
// verifying the certificate: the probe only asks a local server whether it is healthy.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace rampart::http {

struct ProbeResult {
  int status = 0;
  std::string body;
};

Result<ProbeResult> Probe(const std::string& host, uint16_t port, const std::string& path,
                          bool tls, std::chrono::milliseconds timeout);

}  // namespace rampart::http
