// BuildRecord writes JSON by hand; every string it quotes must come back unchanged through a
// real JSON parser, whatever bytes a client put in it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "spine/record.h"

namespace rampart::spine {
namespace {

std::string UserAgentRoundTrip(const std::string& ua) {
  CallFacts f;
  f.request_id = "r";
  f.event_id = "e";
  f.region = "us-east-1";
  f.source_ip = "127.0.0.1";
  f.account_id = "000000000000";
  f.user_agent = ua;
  store::EventRecord r = BuildRecord(f);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.json, ec);
  EXPECT_FALSE(ec) << r.json;
  if (ec) return "<unparsable>";
  return std::string(v.at("userAgent").as_string());
}

TEST(RecordTest, QuotedStringsRoundTripEveryByteClass) {
  const std::string cases[] = {
      "",
      "aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 botocore/2.4.5",  // long plain runs
      "a\"b\\c",
      std::string("ctl\x01\x1f\t\n\r end", 14),
      "12345678\"",          // the escape right after an 8-byte block
      "\\1234567",           // at the start of a block
      "1234567\\",           // at its end
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 with more text after it",
      std::string(1000, 'x') + "\"" + std::string(7, '\x7f') + "\\",
  };
  for (const std::string& ua : cases) EXPECT_EQ(UserAgentRoundTrip(ua), ua);
  // Every single byte below 0x80 at every offset in a 17-byte string.
  for (int c = 0; c < 0x80; ++c) {
    for (int at = 0; at < 17; ++at) {
      std::string ua(17, 'q');
      ua[at] = static_cast<char>(c);
      ASSERT_EQ(UserAgentRoundTrip(ua), ua) << "byte " << c << " at " << at;
    }
  }
}

}  // namespace
}  // namespace rampart::spine
