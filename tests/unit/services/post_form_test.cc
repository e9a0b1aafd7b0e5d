// S3 POST Object: the multipart/form-data parser and the policy check, on the cases S3's
// documentation describes (sigv4-HTTPPOSTConstructPolicy) and malformed forms.
#include "services/s3/post_form.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace rampart::services::s3 {
namespace {

std::string Form(const std::map<std::string, std::string>& fields, std::string_view file,
                 std::string_view boundary = "B0und") {
  std::string b;
  for (const auto& [k, v] : fields) {
    b += "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=\"" + k +
         "\"\r\n\r\n" + v + "\r\n";
  }
  b += "--" + std::string(boundary) +
       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pic.jpg\"\r\n"
       "Content-Type: image/jpeg\r\n\r\n" +
       std::string(file) + "\r\n--" + std::string(boundary) + "--\r\n";
  return b;
}

constexpr std::string_view kType = "multipart/form-data; boundary=B0und";
constexpr int64_t kNow = 1'700'000'000;  // 2023-11-14

TEST(PostForm, ParsesFieldsAndFile) {
  auto f = ParsePostForm(kType, Form({{"Key", "user/${filename}"}, {"acl", "private"}}, "\r\nbytes--"));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->fields.at("key"), "user/${filename}");  // names are case-insensitive
  EXPECT_EQ(f->fields.at("acl"), "private");
  EXPECT_EQ(f->file, "\r\nbytes--");
  EXPECT_EQ(f->file_name, "pic.jpg");
}

TEST(PostForm, RefusesMalformedForms) {
  EXPECT_EQ(ParsePostForm("text/plain", Form({}, "x")).error().code, "MalformedPOSTRequest");
  EXPECT_EQ(ParsePostForm("multipart/form-data", Form({}, "x")).error().code, "MalformedPOSTRequest");
  std::string cut = Form({{"key", "k"}}, "x");
  cut.resize(cut.size() - 12);
  EXPECT_EQ(ParsePostForm(kType, cut).error().code, "MalformedPOSTRequest");
  std::string no_file = "--B0und\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--B0und--\r\n";
  EXPECT_EQ(ParsePostForm(kType, no_file).error().code, "InvalidArgument");
  EXPECT_EQ(ParsePostForm(kType, Form({{"key", std::string(30000, 'k')}}, "x")).error().code,
            "MalformedPOSTRequest");
}

std::string Policy(std::string_view conditions, std::string_view expiration = "2030-01-01T00:00:00Z") {
  return R"({"expiration":")" + std::string(expiration) + R"(","conditions":)" +
         std::string(conditions) + "}";
}

Status Check(std::string_view conditions, const std::map<std::string, std::string>& fields,
             std::string_view file = "12345") {
  auto f = ParsePostForm(kType, Form(fields, file));
  EXPECT_TRUE(f.ok());
  return CheckPostPolicy(Policy(conditions), *f, "examplebucket", kNow);
}

TEST(PostPolicy, ConditionsAsS3DocumentsThem) {
  std::map<std::string, std::string> fields{{"key", "user/user1/pic.jpg"},
                                            {"acl", "public-read"},
                                            {"x-amz-meta-uuid", "14365123651274"}};
  std::string ok = R"([{"bucket":"examplebucket"},["starts-with","$key","user/user1/"],
      {"acl":"public-read"},{"x-amz-meta-uuid":"14365123651274"},["content-length-range",1,10]])";
  EXPECT_TRUE(Check(ok, fields).ok());
  auto denied = Check(R"([{"bucket":"other"},["starts-with","$key",""],{"acl":"public-read"},
      {"x-amz-meta-uuid":"14365123651274"}])", fields);
  EXPECT_EQ(denied.error().code, "AccessDenied");
  EXPECT_NE(denied.error().message.find("Policy Condition failed"), std::string::npos);
  auto extra = Check(R"([["starts-with","$key",""],{"acl":"public-read"}])", fields);
  EXPECT_EQ(extra.error().message, "Invalid according to Policy: Extra input fields: x-amz-meta-uuid");
  EXPECT_EQ(Check(R"([["starts-with","$key",""],["content-length-range",1,4]])", {{"key", "k"}})
                .error().code, "EntityTooLarge");
  EXPECT_EQ(Check(R"([["starts-with","$key",""],["content-length-range",6,9]])", {{"key", "k"}})
                .error().code, "EntityTooSmall");
  EXPECT_EQ(Check(R"([["starts-with","$key"]])", {{"key", "k"}}).error().code,
            "InvalidPolicyDocument");
  // policy, x-amz-signature and x-ignore-* need no condition.
  EXPECT_TRUE(Check(R"([["eq","$key","k"]])",
                    {{"key", "k"}, {"policy", "p"}, {"x-amz-signature", "s"}, {"x-ignore-me", "1"}})
                  .ok());
}

TEST(PostPolicy, ExpiredOrMalformed) {
  auto f = ParsePostForm(kType, Form({{"key", "k"}}, "x"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(CheckPostPolicy(Policy("[]", "2001-01-01T00:00:00Z"), *f, "b", kNow).error().message,
            "Invalid according to Policy: Policy expired.");
  EXPECT_EQ(CheckPostPolicy("not json", *f, "b", kNow).error().code, "InvalidPolicyDocument");
  EXPECT_EQ(CheckPostPolicy(R"({"conditions":[]})", *f, "b", kNow).error().code,
            "InvalidPolicyDocument");
}

}  // namespace
}  // namespace rampart::services::s3
