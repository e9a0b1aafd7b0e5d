// Trail delivery, digests, validation and Insights against an in-memory event store.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "common/crypto.h"
#include "spine/insights.h"
#include "spine/trail_delivery.h"
#include "spine/trail_keys.h"
#include "spine/trail_model.h"
#include "spine/trail_sink.h"
#include "spine/trail_validate.h"
#include "store/store.h"

namespace rampart::spine {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr char kAccount[] = "123456789012";
constexpr int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z

class FakeEventStore : public store::EventStore {
 public:
  Status Append(std::vector<store::EventRecord>& batch) override {
    std::lock_guard lock(mu_);
    for (auto& r : batch) {
      r.seq = static_cast<int64_t>(records_.size()) + 1;
      records_.push_back(r);
    }
    return {};
  }
  Result<std::vector<store::EventRecord>> Lookup(const store::EventQuery&) override {
    return std::vector<store::EventRecord>{};
  }
  Result<std::vector<store::EventRecord>> ReadAfter(int64_t after, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<store::EventRecord> out;
    for (size_t i = static_cast<size_t>(std::max<int64_t>(after, 0));
         i < records_.size() && out.size() < limit; ++i) {
      out.push_back(records_[i]);
    }
    return out;
  }
  Result<int64_t> LastSeq() override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(records_.size());
  }
  Result<int64_t> Expire(int64_t) override { return int64_t{0}; }
  Status WipeAll() override {
    records_.clear();
    return {};
  }
  std::vector<store::EventRecord> Insights() {
    std::vector<store::EventRecord> out;
    for (const auto& r : records_)
      if (r.category == "Insight") out.push_back(r);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<store::EventRecord> records_;
};

store::EventRecord Rec(int64_t t, std::string name, bool read_only,
                       std::string region = "us-east-1", std::string source = "iam.amazonaws.com",
                       std::string error = "") {
  store::EventRecord r;
  r.event_id = crypto::HexEncode(crypto::RandomBytes(8));
  r.account_id = kAccount;
  r.event_time_ms = t;
  r.event_name = name;
  r.event_source = source;
  r.read_only = read_only;
  r.region = region;
  json::object o{
      {"eventVersion", "1.08"},
      {"eventTime", FormatTrailTime(t)},
      {"eventSource", source},
      {"eventName", name},
      {"awsRegion", region},
      {"userIdentity", json::object{{"type", "Root"}, {"arn", "arn:aws:iam::123456789012:root"}}},
      {"userAgent", "test-agent"},
      {"eventID", r.event_id},
      {"readOnly", read_only},
      {"eventCategory", "Management"}};
  if (!error.empty()) o["errorCode"] = error;
  r.error_code = error;
  r.user_agent = "test-agent";
  r.principal_arn = "arn:aws:iam::123456789012:root";
  r.json = json::serialize(o);
  return r;
}

class TrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart-trail-test-" + crypto::HexEncode(crypto::RandomBytes(6)));
    fs::create_directories(dir_);
    auto st = store::OpenSqliteStore({":memory:", crypto::RandomBytes(32)});
    ASSERT_TRUE(st.ok());
    store_ = std::move(*st);
    ASSERT_TRUE(store_->accounts().CreateAccount({kAccount, "test", "t@example.com", 1}).ok());
    sink_ = std::make_unique<DirectorySink>((dir_ / "trails").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void PutTrail(json::object extra = {}) {
    json::object doc{{"Name", "t1"},
                     {"S3BucketName", "bkt"},
                     {"S3KeyPrefix", "pre"},
                     {"HomeRegion", "us-east-1"},
                     {"TrailARN", "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1"},
                     {"IsMultiRegionTrail", false},
                     {"IncludeGlobalServiceEvents", true},
                     {"LogFileValidationEnabled", true},
                     {"_Id", "id1"},
                     {"_IsLogging", true},
                     {"_StartLoggingMs", kT0},
                     {"_StartSeq", 0}};
    for (const auto& [k, v] : extra) doc[k] = v;
    ASSERT_TRUE(store_->entities()
                    .Transact([&](store::EntityTx& tx) {
                      return tx.Put(kAccount, kTrailKind, "t1", json::serialize(doc));
                    })
                    .ok());
  }

  TrailDelivery MakeDelivery(DeliveryOptions o = {}) {
    o.delivery_interval_ms = 1000;
    o.digest_interval_ms = 5000;
    return TrailDelivery(*store_, events_, *sink_, o);
  }

  ValidateTarget Target() {
    ValidateTarget t{kAccount, "t1", "us-east-1", "bkt", "pre", 0, INT64_MAX, {}, {}, {}};
    auto keys = ListPublicKeys(*store_, kAccount, "us-east-1", 0, INT64_MAX);
    EXPECT_TRUE(keys.ok());
    for (const auto& k : *keys) t.public_keys[k.fingerprint] = k.der;
    EXPECT_TRUE(store_->entities()
                    .Transact([&](store::EntityTx& tx) -> Status {
                      auto doc = tx.Get(kAccount, kDeliveryKind, "t1");
                      if (doc.ok() && *doc) ApplyDeliveryState(**doc, t);
                      return {};
                    })
                    .ok());
    return t;
  }

  std::vector<std::string> Keys(std::string_view prefix) {
    auto k = sink_->List("bkt", prefix);
    EXPECT_TRUE(k.ok());
    return *k;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  FakeEventStore events_;
  std::unique_ptr<DirectorySink> sink_;
};

TEST(TrailModel, KeyLayoutIsAws) {
  EXPECT_EQ(LogFileKey("p", kAccount, "eu-west-1", kT0, "ABCDEFGHIJKLMNOP", false),
            "p/AWSLogs/123456789012/CloudTrail/eu-west-1/2023/11/14/"
            "123456789012_CloudTrail_eu-west-1_20231114T2213Z_ABCDEFGHIJKLMNOP.json.gz");
  EXPECT_EQ(LogFileKey("", kAccount, "eu-west-1", kT0, "X", true),
            "AWSLogs/123456789012/CloudTrail-Insight/eu-west-1/2023/11/14/"
            "123456789012_CloudTrail-Insight_eu-west-1_20231114T2213Z_X.json.gz");
  EXPECT_EQ(DigestKey("", kAccount, "us-east-1", "t1", "us-east-1", kT0),
            "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2023/11/14/"
            "123456789012_CloudTrail-Digest_us-east-1_t1_us-east-1_20231114T221320Z.json.gz");
  EXPECT_EQ(FormatTrailTime(kT0), "2023-11-14T22:13:20Z");
  EXPECT_EQ(RandomAlnum(16).size(), 16u);
}

TEST(TrailModel, SelectorsFilter) {
  TrailConfig t;
  t.account_id = kAccount;
  t.home_region = "us-east-1";
  t.is_logging = true;
  auto write = Rec(kT0, "CreateUser", false);
  auto read = Rec(kT0, "ListUsers", true);
  write.seq = read.seq = 5;
  EXPECT_TRUE(TrailWantsRecord(t, write));
  EXPECT_TRUE(TrailWantsRecord(t, read));
  auto other_region = Rec(kT0, "CreateKey", false, "eu-west-1", "kms.amazonaws.com");
  other_region.seq = 6;
  EXPECT_FALSE(TrailWantsRecord(t, other_region));
  t.multi_region = true;
  EXPECT_TRUE(TrailWantsRecord(t, other_region));
  t.event_selectors =
      json::array{json::object{{"ReadWriteType", "WriteOnly"}, {"IncludeManagementEvents", true}}};
  EXPECT_TRUE(TrailWantsRecord(t, write));
  EXPECT_FALSE(TrailWantsRecord(t, read));
  t.event_selectors =
      json::array{json::object{{"ReadWriteType", "ReadOnly"}, {"IncludeManagementEvents", true}}};
  EXPECT_FALSE(TrailWantsRecord(t, write));
  EXPECT_TRUE(TrailWantsRecord(t, read));
  t.event_selectors =
      json::array{json::object{{"ReadWriteType", "All"}, {"IncludeManagementEvents", false}}};
  EXPECT_FALSE(TrailWantsRecord(t, write));
  t.event_selectors = json::array{
      json::object{{"ReadWriteType", "All"},
                   {"IncludeManagementEvents", true},
                   {"ExcludeManagementEventSources", json::array{"iam.amazonaws.com"}}}};
  EXPECT_FALSE(TrailWantsRecord(t, write));
  EXPECT_TRUE(TrailWantsRecord(t, other_region));
  // Data events by resource ARN prefix.
  auto data = Rec(kT0, "GetObject", true, "us-east-1", "s3.amazonaws.com");
  data.category = "Data";
  data.seq = 7;
  data.resources = {{"AWS::S3::Object", "arn:aws:s3:::bkt/secret/a.txt"}};
  t.event_selectors = json::array{json::object{
      {"ReadWriteType", "All"},
      {"IncludeManagementEvents", false},
      {"DataResources",
       json::array{json::object{{"Type", "AWS::S3::Object"},
                                {"Values", json::array{"arn:aws:s3:::bkt/secret/"}}}}}}};
  EXPECT_TRUE(TrailWantsRecord(t, data));
  data.resources[0].name = "arn:aws:s3:::other/x";
  EXPECT_FALSE(TrailWantsRecord(t, data));
  // Advanced selectors.
  t.event_selectors = {};
  t.advanced_selectors = json::array{json::object{
      {"FieldSelectors",
       json::array{
           json::object{{"Field", "eventCategory"}, {"Equals", json::array{"Management"}}},
           json::object{{"Field", "readOnly"}, {"Equals", json::array{"false"}}},
           json::object{{"Field", "eventName"}, {"NotStartsWith", json::array{"Delete"}}}}}}};
  EXPECT_TRUE(TrailWantsRecord(t, write));
  EXPECT_FALSE(TrailWantsRecord(t, read));
  auto del = Rec(kT0, "DeleteUser", false);
  del.seq = 8;
  EXPECT_FALSE(TrailWantsRecord(t, del));
  // Logging window.
  t.advanced_selectors = {};
  t.start_seq = 10;
  EXPECT_FALSE(TrailWantsRecord(t, write));
}

TEST(TrailSinkTest, GzipRoundTrip) {
  std::string data(100000, 'x');
  auto gz = Gzip(data);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), data.size() / 10);
  auto back = Gunzip(*gz);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  EXPECT_FALSE(Gunzip("not gzip").ok());
  EXPECT_FALSE(Gunzip(gz->substr(0, gz->size() / 2)).ok());
}

TEST(TrailKeys, SignVerifyFingerprint) {
  auto k = GenerateSigningKey();
  ASSERT_TRUE(k.ok());
  // The MD5 of the key as ListPublicKeys hands it out: PKCS#1 RSAPublicKey DER.
  auto pkcs1 = RsaPkcs1Der(k->pub.der);
  ASSERT_TRUE(pkcs1.ok());
  EXPECT_NE(*pkcs1, k->pub.der);
  EXPECT_EQ(k->pub.fingerprint, Md5Hex(*pkcs1));
  EXPECT_TRUE(VerifySha256Rsa(*pkcs1, "hello", *SignSha256Rsa(k->private_der, "hello")));
  EXPECT_EQ(k->pub.fingerprint.size(), 32u);
  auto sig = SignSha256Rsa(k->private_der, "hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(VerifySha256Rsa(k->pub.der, "hello", *sig));
  EXPECT_FALSE(VerifySha256Rsa(k->pub.der, "hellO", *sig));
}

TEST_F(TrailTest, SigningKeyIsPersistedSealedAndReused) {
  auto a = CurrentSigningKey(*store_, kAccount, "us-east-1", kT0);
  ASSERT_TRUE(a.ok());
  auto b = CurrentSigningKey(*store_, kAccount, "us-east-1", kT0 + 1000);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->pub.fingerprint, b->pub.fingerprint);
  EXPECT_EQ(a->private_der, b->private_der);
  auto later = CurrentSigningKey(*store_, kAccount, "us-east-1", kT0 + kKeyValidityMs + 1);
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->pub.fingerprint, a->pub.fingerprint);
  auto keys = ListPublicKeys(*store_, kAccount, "us-east-1", 0, INT64_MAX);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 2u);
  // The private key is not stored in the clear.
  std::string doc;
  ASSERT_TRUE(store_->entities()
                  .Transact([&](store::EntityTx& tx) -> Status {
                    auto rows = tx.List(kAccount, kSigningKeyKind, "", "", 10);
                    doc = rows->front().doc;
                    return {};
                  })
                  .ok());
  EXPECT_EQ(doc.find(crypto::Base64Encode(a->private_der)), std::string::npos);
}

TEST_F(TrailTest, DeliversFilesWithAwsLayoutAndRecords) {
  PutTrail({{"LogFileValidationEnabled", false}});
  std::vector<store::EventRecord> batch{
      Rec(kT0 + 100, "CreateUser", false), Rec(kT0 + 200, "ListUsers", true),
      Rec(kT0 + 300, "CreateKey", false, "eu-west-1", "kms.amazonaws.com")};
  ASSERT_TRUE(events_.Append(batch).ok());
  auto d = MakeDelivery();
  ASSERT_TRUE(d.RunOnce(kT0 + 1000).ok());
  auto keys = Keys("pre/AWSLogs/123456789012/CloudTrail/us-east-1/2023/11/14/");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0].find("123456789012_CloudTrail_us-east-1_20231114T2213Z_") !=
              std::string::npos);
  auto obj = sink_->Get("bkt", keys[0]);
  auto raw = Gunzip((*obj)->bytes);
  ASSERT_TRUE(raw.ok());
  json::value v = json::parse(*raw);
  const auto& recs = v.at("Records").as_array();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].at("eventName").as_string(), "CreateUser");
  EXPECT_EQ(recs[1].at("eventName").as_string(), "ListUsers");
  EXPECT_TRUE(Keys("pre/AWSLogs/123456789012/CloudTrail/eu-west-1/").empty());
  // Nothing new: no new file; the cursor moved.
  ASSERT_TRUE(d.RunOnce(kT0 + 2500).ok());
  EXPECT_EQ(Keys("pre/AWSLogs/123456789012/CloudTrail/").size(), 1u);
  std::vector<store::EventRecord> more{Rec(kT0 + 2600, "DeleteUser", false)};
  ASSERT_TRUE(events_.Append(more).ok());
  ASSERT_TRUE(d.RunOnce(kT0 + 4000).ok());
  EXPECT_EQ(Keys("pre/AWSLogs/123456789012/CloudTrail/").size(), 2u);
}

TEST_F(TrailTest, StoppedTrailDeliversUpToStopThenNothing) {
  PutTrail({{"_IsLogging", false},
            {"_StopSeq", 1},
            {"_StopLoggingMs", kT0 + 150},
            {"LogFileValidationEnabled", false}});
  std::vector<store::EventRecord> batch{Rec(kT0 + 100, "CreateUser", false),
                                        Rec(kT0 + 200, "CreateGroup", false)};
  ASSERT_TRUE(events_.Append(batch).ok());
  auto d = MakeDelivery();
  ASSERT_TRUE(d.RunOnce(kT0 + 1000).ok());
  auto keys = Keys("pre/AWSLogs/");
  ASSERT_EQ(keys.size(), 1u);
  json::value v = json::parse(*Gunzip((*sink_->Get("bkt", keys[0]))->bytes));
  EXPECT_EQ(v.at("Records").as_array().size(), 1u);
}

TEST_F(TrailTest, DigestChainValidatesAndTamperingIsDetected) {
  PutTrail();
  auto d = MakeDelivery();
  int64_t t = kT0;
  for (int i = 0; i < 4; ++i) {
    std::vector<store::EventRecord> batch{Rec(t + 10, "CreateUser", false),
                                          Rec(t + 20, "ListUsers", true)};
    ASSERT_TRUE(events_.Append(batch).ok());
    t += 3000;
    ASSERT_TRUE(d.RunOnce(t).ok());
  }
  t += 6000;
  ASSERT_TRUE(d.RunOnce(t).ok());  // a digest with no new log files
  auto digests = Keys("pre/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/");
  auto logs = Keys("pre/AWSLogs/123456789012/CloudTrail/us-east-1/");
  ASSERT_GE(digests.size(), 3u);
  ASSERT_EQ(logs.size(), 4u);
  // Digest format.
  auto first = sink_->Get("bkt", digests.front());
  json::object d0 = json::parse(*Gunzip((*first)->bytes)).as_object();
  EXPECT_TRUE(d0.at("previousDigestSignature").is_null());
  EXPECT_EQ(d0.at("digestSignatureAlgorithm").as_string(), "SHA256withRSA");
  EXPECT_EQ((*first)->metadata.at("signature-algorithm"), "SHA256withRSA");
  auto last = sink_->Get("bkt", digests.back());
  json::object dn = json::parse(*Gunzip((*last)->bytes)).as_object();
  EXPECT_EQ(dn.at("logFiles").as_array().size(), 0u);
  EXPECT_EQ(dn.at("previousDigestS3Object").as_string(), digests[digests.size() - 2]);

  auto report = ValidateTrailFiles(*sink_, Target());
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.valid_digests, static_cast<int>(digests.size()));
  EXPECT_EQ(report.valid_logs, 4);

  // Altered log file.
  std::string path = sink_->root() + "/bkt/" + logs[1];
  std::string forged = *Gzip("{\"Records\":[]}");
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << forged; }
  report = ValidateTrailFiles(*sink_, Target());
  EXPECT_EQ(report.invalid_logs, 1);
  bool saw = false;
  for (const auto& l : report.lines) saw |= l.find("hash value doesn't match") != std::string::npos;
  EXPECT_TRUE(saw);
  // Deleted log file.
  fs::remove(sink_->root() + "/bkt/" + logs[2]);
  report = ValidateTrailFiles(*sink_, Target());
  EXPECT_EQ(report.invalid_logs, 2);
  // Inserted log file.
  std::string extra = logs[0].substr(0, logs[0].size() - 24) + "ZZZZZZZZZZZZZZZZ.json.gz";
  ASSERT_TRUE(sink_->Put("bkt", extra, forged, {}).ok());
  report = ValidateTrailFiles(*sink_, Target());
  EXPECT_EQ(report.invalid_logs, 3) << report.Summary();
  // Altered digest (re-gzipped content change keeps the old signature).
  auto mid = sink_->Get("bkt", digests[1]);
  std::string body = *Gunzip((*mid)->bytes);
  body.replace(body.find("awsAccountId"), 12, "awsAccountID");
  ASSERT_TRUE(sink_->Put("bkt", digests[1], *Gzip(body), (*mid)->metadata).ok());
  report = ValidateTrailFiles(*sink_, Target());
  EXPECT_GE(report.invalid_digests, 1);
  // Deleted digest.
  fs::remove(sink_->root() + "/bkt/" + digests[2]);
  report = ValidateTrailFiles(*sink_, Target());
  EXPECT_GE(report.invalid_digests, 2);
  bool not_found = false;
  for (const auto& l : report.lines) not_found |= l.find("INVALID: not found") != std::string::npos;
  EXPECT_TRUE(not_found);
}

TEST_F(TrailTest, InsertedDigestIsDetected) {
  PutTrail();
  auto d = MakeDelivery();
  int64_t t = kT0;
  for (int i = 0; i < 3; ++i) {
    std::vector<store::EventRecord> batch{Rec(t + 10, "CreateUser", false)};
    ASSERT_TRUE(events_.Append(batch).ok());
    t += 6000;
    ASSERT_TRUE(d.RunOnce(t).ok());
  }
  auto digests = Keys("pre/AWSLogs/123456789012/CloudTrail-Digest/");
  ASSERT_GE(digests.size(), 2u);
  EXPECT_TRUE(ValidateTrailFiles(*sink_, Target()).ok());
  // A copy of a real digest under another (older) name: signed for another key, so it is both
  // moved and outside the chain.
  auto obj = sink_->Get("bkt", digests[0]);
  std::string fake = digests[0].substr(0, digests[0].size() - 24) + "20231114T221000Z.json.gz";
  ASSERT_TRUE(sink_->Put("bkt", fake, (*obj)->bytes, (*obj)->metadata).ok());
  auto report = ValidateTrailFiles(*sink_, Target());
  EXPECT_FALSE(report.ok()) << report.Summary();
}

TEST(Insights, BurstStartsAndEnds) {
  InsightsOptions o;
  o.bucket_ms = 1000;
  o.baseline_buckets = 5;
  o.grace_ms = 0;
  InsightsDetector det(o);
  det.Begin(kT0 - 1);  // first full bucket starts at kT0
  auto all = [](std::string_view, std::string_view) { return true; };
  auto call = [&](int64_t t, std::string name = "CreateUser") {
    ObservedCall c;
    c.account_id = kAccount;
    c.region = "us-east-1";
    c.event_source = "iam.amazonaws.com";
    c.event_name = name;
    c.time_ms = t;
    c.write_management = true;
    c.user_arn = "arn:aws:iam::123456789012:user/burst";
    c.user_agent = "boto3";
    det.Observe(c);
  };
  // Baseline: one call per second for 6 s.
  for (int i = 0; i < 6; ++i) call(kT0 + i * 1000 + 10);
  EXPECT_TRUE(det.Advance(kT0 + 6000, all).empty());
  // Burst: 40 calls in one bucket.
  for (int i = 0; i < 40; ++i) call(kT0 + 6000 + i * 10);
  auto ev = det.Advance(kT0 + 7000, all);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, "Start");
  json::object j = json::parse(ev[0].json).as_object();
  EXPECT_EQ(j.at("eventCategory").as_string(), "Insight");
  EXPECT_EQ(j.at("eventType").as_string(), "AwsCloudTrailInsight");
  const auto& details = j.at("insightDetails").as_object();
  EXPECT_EQ(details.at("state").as_string(), "Start");
  EXPECT_EQ(details.at("insightType").as_string(), "ApiCallRateInsight");
  EXPECT_EQ(details.at("eventName").as_string(), "CreateUser");
  const auto& stats = details.at("insightContext").at("statistics").as_object();
  EXPECT_DOUBLE_EQ(stats.at("insight").at("average").to_number<double>(), 40.0 * 60);
  // Quiet again: the insight ends, sharing the Start's sharedEventID.
  call(kT0 + 7010);
  auto end = det.Advance(kT0 + 8000, all);
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].state, "End");
  json::object je = json::parse(end[0].json).as_object();
  EXPECT_EQ(je.at("sharedEventID"), j.at("sharedEventID"));
  const auto& attrs = je.at("insightDetails").at("insightContext").at("attributions").as_array();
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].at("attribute").as_string(), "userIdentityArn");
  EXPECT_EQ(attrs[0].at("insight").as_array()[0].at("value").as_string(),
            "arn:aws:iam::123456789012:user/burst");
  EXPECT_EQ(je.at("insightDetails")
                .at("insightContext")
                .at("statistics")
                .at("insightDuration")
                .as_int64(),
            1);
}

TEST(Insights, NeedsAFullBaselineAndAFloor) {
  InsightsOptions o;
  o.bucket_ms = 1000;
  o.baseline_buckets = 5;
  o.grace_ms = 0;
  InsightsDetector det(o);
  det.Begin(kT0 - 1);
  auto all = [](std::string_view, std::string_view) { return true; };
  ObservedCall c;
  c.account_id = kAccount;
  c.region = "us-east-1";
  c.event_source = "iam.amazonaws.com";
  c.event_name = "CreateUser";
  c.write_management = true;
  // A burst before the baseline is complete raises nothing.
  for (int i = 0; i < 50; ++i) {
    c.time_ms = kT0 + 1000 + i;
    det.Observe(c);
  }
  EXPECT_TRUE(det.Advance(kT0 + 3000, all).empty());
  // After a quiet baseline, 4 calls stay under the 5-call floor.
  for (int i = 0; i < 4; ++i) {
    c.time_ms = kT0 + 10000 + i;
    det.Observe(c);
  }
  EXPECT_TRUE(det.Advance(kT0 + 11000, all).empty());
  // Disabled accounts learn but emit nothing.
  for (int i = 0; i < 50; ++i) {
    c.time_ms = kT0 + 20000 + i;
    det.Observe(c);
  }
  EXPECT_TRUE(
      det.Advance(kT0 + 21000, [](std::string_view, std::string_view) { return false; }).empty());
}

TEST_F(TrailTest, InsightsAreAppendedAndDeliveredUnderCloudTrailInsight) {
  PutTrail({{"_InsightSelectors", json::array{json::object{{"InsightType", "ApiCallRateInsight"}}}},
            {"LogFileValidationEnabled", false}});
  DeliveryOptions o;
  o.insights.bucket_ms = 1000;
  o.insights.baseline_buckets = 3;
  o.insights.grace_ms = 0;
  auto d = MakeDelivery(o);
  ASSERT_TRUE(d.RunOnce(kT0 - 1).ok());  // positions the detector
  for (int64_t s = 0; s < 5; ++s) ASSERT_TRUE(d.RunOnce(kT0 + s * 1000).ok());
  std::vector<store::EventRecord> burst;
  for (int i = 0; i < 30; ++i) burst.push_back(Rec(kT0 + 5000 + i, "CreateUser", false));
  ASSERT_TRUE(events_.Append(burst).ok());
  ASSERT_TRUE(d.RunOnce(kT0 + 6000).ok());
  ASSERT_TRUE(d.RunOnce(kT0 + 7000).ok());
  ASSERT_TRUE(d.RunOnce(kT0 + 8500).ok());
  auto insights = events_.Insights();
  ASSERT_EQ(insights.size(), 2u);
  EXPECT_EQ(insights[0].category, "Insight");
  auto files = Keys("pre/AWSLogs/123456789012/CloudTrail-Insight/us-east-1/");
  ASSERT_GE(files.size(), 1u);
  size_t n = 0;
  for (const auto& f : files) {
    json::value v = json::parse(*Gunzip((*sink_->Get("bkt", f))->bytes));
    for (const auto& r : v.at("Records").as_array()) {
      EXPECT_EQ(r.at("eventCategory").as_string(), "Insight");
      ++n;
    }
  }
  EXPECT_EQ(n, 2u);
  // Insight events never land in the management log files.
  for (const auto& f : Keys("pre/AWSLogs/123456789012/CloudTrail/")) {
    EXPECT_EQ(Gunzip((*sink_->Get("bkt", f))->bytes)->find("AwsCloudTrailInsight"),
              std::string::npos);
  }
}

// Not a benchmark with a peer, but the numbers quoted in docs/CLOUDTRAIL.md come from here.
TEST_F(TrailTest, DeliveryThroughputIsReported) {
  PutTrail();
  std::vector<store::EventRecord> batch;
  for (int i = 0; i < 20000; ++i) batch.push_back(Rec(kT0 + 10 + i / 100, "CreateUser", false));
  ASSERT_TRUE(events_.Append(batch).ok());
  DeliveryOptions o;
  o.max_records_per_pass = 20000;
  auto d = MakeDelivery(o);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(d.RunOnce(kT0 + 3000).ok());
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(d.RunOnce(kT0 + 6000).ok());  // the digest (key generation included)
  auto t2 = std::chrono::steady_clock::now();
  auto report = ValidateTrailFiles(*sink_, Target());
  auto t3 = std::chrono::steady_clock::now();
  EXPECT_TRUE(report.ok()) << report.Summary();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  auto logs = Keys("pre/AWSLogs/123456789012/CloudTrail/");
  ASSERT_EQ(logs.size(), 1u);
  size_t gz = (*sink_->Get("bkt", logs[0]))->bytes.size();
  std::printf(
      "[ measure  ] 20000 records (%zu bytes each): delivery %.1f ms, gzip file %zu bytes; "
      "first digest %.1f ms; validate %.1f ms\n",
      batch[0].json.size(), ms(t0, t1), gz, ms(t1, t2), ms(t2, t3));
}

}  // namespace
}  // namespace rampart::spine
