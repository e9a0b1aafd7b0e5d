#include "http/request_rules.h"

#include <gtest/gtest.h>

namespace rampart::http {
namespace {

TEST(RequestRules, Methods) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    EXPECT_FALSE(CheckMethod(m)) << m;
  }
  EXPECT_EQ(CheckMethod("TRACE")->status, 405);
  EXPECT_TRUE(CheckMethod("TRACE")->allow_header);
  EXPECT_EQ(CheckMethod("CONNECT")->status, 405);
  EXPECT_EQ(CheckMethod("get")->status, 501);
  EXPECT_EQ(CheckMethod("BREW")->status, 501);
  EXPECT_EQ(CheckMethod("")->status, 501);
}

TEST(RequestRules, Host) {
  for (const char* ok : {"", "example.com", "example.com:443", "127.0.0.1:4566", "[::1]",
                         "[::1]:8080", "sts.us-east-1.amazonaws.com", "a%20b"}) {
    EXPECT_TRUE(ValidHostValue(ok)) << ok;
  }
  for (const char* bad : {"a b", "a@b", "a/b", "[::1", "[zz]", "host:http", "host:123456",
                          "[::1]x"}) {
    EXPECT_FALSE(ValidHostValue(bad)) << bad;
  }
  EXPECT_EQ(CheckFields(11, {})->status, 400);
  EXPECT_FALSE(CheckFields(10, {}));
  EXPECT_FALSE(CheckFields(11, {{"Host", "x"}}));
  EXPECT_EQ(CheckFields(11, {{"Host", "x"}, {"host", "y"}})->status, 400);
}

TEST(RequestRules, ExpectAndTransferEncoding) {
  EXPECT_FALSE(CheckFields(11, {{"Host", "x"}, {"Expect", "100-Continue"}}));
  EXPECT_EQ(CheckFields(11, {{"Host", "x"}, {"Expect", "teapot"}})->status, 417);
  EXPECT_FALSE(CheckFields(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}));
  EXPECT_EQ(CheckFields(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}})->status, 501);
  EXPECT_EQ(CheckFields(11, {{"Host", "x"}, {"Content-Length", "5"},
                             {"Transfer-Encoding", "chunked"}})->status,
            400);
}

TEST(RequestRules, ObsFold) {
  EXPECT_FALSE(HasObsFold("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nA: b\r\n\tc\r\n"));
}

}  // namespace
}  // namespace rampart::http
