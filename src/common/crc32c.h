#pragma once
// CRC-32C (Castagnoli, as in iSCSI, RFC 3720): the checksum of the CloudTrail event log's
// frames. Uses the SSE4.2 crc32 instruction when the CPU has it (8 bytes per instruction) and a
// table otherwise. Written here because Debian 12 packages no CRC-32C library for C++, and
// zlib's CRC-32 cost ~3 instructions a byte on every API call's record (bench/server/
// instr_per_request.sh); this costs ~0.2.

#include <cstdint>
#include <string_view>

namespace rampart {

uint32_t Crc32c(std::string_view data);

}  // namespace rampart
