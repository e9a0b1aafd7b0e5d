// libFuzzer target: S3 POST Object forms -> ParsePostForm, then CheckPostPolicy with the form's
// own "policy" field as the policy document. Must never crash, hang or trip a sanitizer.
//
// Input format: up to the first newline, the Content-Type header (its boundary); the rest is the
// body.
// Oracle: a form that parses has its file, at most 100 fields of at most 20 KiB each, and field
// names in lower case; the policy check answers OK or one of S3's policy errors.
// Seed corpus: fuzz/corpus/services_s3_post/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/s3/post_form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart::services::s3;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view content_type = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto form = ParsePostForm(content_type, body);
  if (!form.ok()) return 0;
  if (!form->has_file || form->fields.size() > 100) abort();
  for (const auto& [name, value] : form->fields) {
    if (value.size() > 20 * 1024) abort();
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') abort();
    }
  }
  auto policy = form->fields.find("policy");
  std::string_view doc = policy == form->fields.end() ? std::string_view("{}") : policy->second;
  rampart::Status st = CheckPostPolicy(doc, *form, "bucket", 1'800'000'000);
  if (!st.ok()) {
    const auto& code = st.error().code;
    if (code != "AccessDenied" && code != "InvalidPolicyDocument" && code != "EntityTooLarge" &&
        code != "EntityTooSmall") {
      abort();
    }
  }
  return 0;
}
