#pragma once
// Helpers shared by the event store and record format tests.

#include <gtest/gtest.h>

#include "store/events.h"

namespace rampart::store::testing {

// Every field of `got` equals `want`'s (seq aside).
inline void ExpectSameRecord(const EventRecord& got, const EventRecord& want) {
  EXPECT_EQ(got.event_time_ms, want.event_time_ms);
  EXPECT_EQ(got.read_only, want.read_only);
  EXPECT_EQ(got.event_id, want.event_id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.event_name, want.event_name);
  EXPECT_EQ(got.event_source, want.event_source);
  EXPECT_EQ(got.username, want.username);
  EXPECT_EQ(got.access_key_id, want.access_key_id);
  EXPECT_EQ(got.category, want.category);
  EXPECT_EQ(got.region, want.region);
  EXPECT_EQ(got.error_code, want.error_code);
  EXPECT_EQ(got.principal_arn, want.principal_arn);
  EXPECT_EQ(got.user_agent, want.user_agent);
  EXPECT_EQ(got.json, want.json);
  EXPECT_EQ(got.facts, want.facts);
  ASSERT_EQ(got.resources.size(), want.resources.size());
  for (size_t i = 0; i < want.resources.size(); ++i) {
    EXPECT_EQ(got.resources[i].type, want.resources[i].type);
    EXPECT_EQ(got.resources[i].name, want.resources[i].name);
  }
}

}  // namespace rampart::store::testing
