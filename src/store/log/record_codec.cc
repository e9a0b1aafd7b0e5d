// The event log's record format, version 2: see record_codec.h.
#include "store/log/record_codec.h"

#include <cstring>
#include <initializer_list>

#include "common/crypto.h"
#include "store/event_json.h"

namespace rampart::store::logfmt {

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

bool GetVarint(std::string_view& in, uint64_t* v) {
  uint64_t out = 0;
  for (size_t i = 0; i < in.size() && i < 10; ++i) {
    uint8_t b = static_cast<uint8_t>(in[i]);
    out |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      in.remove_prefix(i + 1);
      *v = out;
      return true;
    }
  }
  return false;
}

namespace {

uint64_t Zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t Unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

void FormatUuid(const uint8_t b[16], std::string& out) {
  out.resize(36);
  crypto::FormatUuid(b, out.data());
}

// Field walkers: Size counts the bytes exactly, Bound cheaply from above (a varint as its
// longest), and Writer writes into space made for them.
class Bound {
 public:
  void U8(uint8_t) { ++n; }
  void Var(uint64_t) { n += 10; }
  void Str(std::string_view s) { n += 10 + s.size(); }
  void Bytes16(const uint8_t*) { n += 16; }
  size_t n = 0;
};

class Size {
 public:
  void U8(uint8_t) { ++n; }
  void Var(uint64_t v) { n += VarintSize(v); }
  void Str(std::string_view s) { n += VarintSize(s.size()) + s.size(); }
  void Bytes16(const uint8_t*) { n += 16; }
  size_t n = 0;
};

class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  void U8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void Var(uint64_t v) { p_ = PutVarint(p_, v); }
  void Str(std::string_view s) {
    if (s.size() < 0x80) {
      *p_++ = static_cast<char>(s.size());
    } else {
      p_ = PutVarint(p_, s.size());
    }
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Bytes16(const uint8_t* b) {
    std::memcpy(p_, b, 16);
    p_ += 16;
  }
  char* end() const { return p_; }

 private:
  char* p_;
};

template <typename IO>
void ContextFields(IO& io, const EventView& r) {
  for (std::string_view s : {r.account_id, r.event_name, r.event_source, r.username,
                             r.access_key_id, r.category, r.region, r.principal_arn,
                             r.user_agent}) {
    io.Str(s);
  }
  const EventFacts* c = r.call;
  io.U8(c ? 1 : 0);
  if (!c) return;
  io.U8(static_cast<uint8_t>(c->kind));
  for (std::string_view s :
       {c->principal_id, c->arn, c->principal_account, c->access_key_id, c->user_name}) {
    io.Str(s);
  }
  io.U8(c->session ? 1 : 0);
  if (c->session) {
    io.Str(c->issuer_id);
    io.Str(c->issuer_arn);
    io.Str(c->issuer_name);
    io.Var(Zigzag(c->session_created));
    io.U8(c->mfa ? 1 : 0);
    io.Str(c->source_identity);
  }
  io.Str(c->source_ip);
  io.U8(c->tls ? 1 : 0);
  io.Str(c->tls_version);
  io.Str(c->tls_cipher);
  io.Str(c->host);
}

// What a record's encoding decides once: its flags and its ids as bytes.
struct Plan {
  uint8_t flags = 0;
  uint8_t event_id[16], request_id[16];
};

Plan MakePlan(const EventView& r, uint32_t context) {
  Plan plan;
  uint8_t f = r.read_only ? kFlagReadOnly : 0;
  if (r.event_uuid) {
    std::memcpy(plan.event_id, r.event_uuid, 16);
    f |= kFlagBinaryEventId;
  } else if (crypto::ParseUuid(r.event_id, plan.event_id)) {
    f |= kFlagBinaryEventId;
  }
  if (context == kInlineContext) f |= kFlagInlineContext;
  if (r.call) {
    f |= kFlagCall;
    if (r.call->request_uuid) {
      std::memcpy(plan.request_id, r.call->request_uuid, 16);
      f |= kFlagBinaryRequestId;
    } else if (crypto::ParseUuid(r.call->request_id, plan.request_id)) {
      f |= kFlagBinaryRequestId;
    }
  }
  if (r.resources && !r.resources->empty()) f |= kFlagResources;
  if (!r.json.empty()) f |= kFlagJson;
  if (!r.call && !r.facts.empty()) f |= kFlagFacts;
  plan.flags = f;
  return plan;
}

template <typename IO>
void RecordFields(IO& io, const EventView& r, const Plan& plan, uint32_t context,
                  std::string_view inline_context) {
  const uint8_t flags = plan.flags;
  io.U8(flags);
  if (flags & kFlagInlineContext) {
    io.Str(inline_context);
  } else {
    io.Var(context);
  }
  io.Var(Zigzag(r.event_time_ms));
  if (flags & kFlagBinaryEventId) {
    io.Bytes16(plan.event_id);
  } else {
    io.Str(r.event_id);
  }
  io.Str(r.error_code);
  if (flags & kFlagCall) {
    const EventFacts& c = *r.call;
    if (flags & kFlagBinaryRequestId) {
      io.Bytes16(plan.request_id);
    } else {
      io.Str(c.request_id);
    }
    io.Str(c.error_message);
    io.Str(c.request_params);
    io.Str(c.response_elements);
  }
  if (flags & kFlagResources) {
    io.Var(r.resources->size());
    for (const EventResource& res : *r.resources) {
      io.Str(res.type);
      io.Str(res.name);
    }
  }
  if (flags & kFlagJson) io.Str(r.json);
  if (flags & kFlagFacts) io.Str(r.facts);
  // Last, and only when there are any, so records written before these existed still read.
  if ((flags & kFlagCall) &&
      (!r.call->additional_json.empty() || !r.call->identity_json.empty())) {
    io.Str(r.call->additional_json);
    io.Str(r.call->identity_json);
  }
}

// Appends what `fields(walker)` writes to `out` in one writing pass: room for a bound of it,
// then cut to what was written. Returns the bytes written.
template <typename Fields>
size_t AppendFields(std::string& out, const Fields& fields) {
  Bound bound;
  fields(bound);
  size_t at = out.size();
  out.resize(at + bound.n);
  Writer w(out.data() + at);
  fields(w);
  size_t n = static_cast<size_t>(w.end() - (out.data() + at));
  out.resize(at + n);
  return n;
}

class In {
 public:
  explicit In(std::string_view d) : d_(d) {}
  bool ok() const { return ok_ && d_.empty(); }
  bool more() const { return ok_ && !d_.empty(); }
  uint8_t U8() {
    if (d_.empty()) return Fail(), 0;
    uint8_t v = static_cast<uint8_t>(d_[0]);
    d_.remove_prefix(1);
    return v;
  }
  uint64_t Var() {
    uint64_t v = 0;
    if (!GetVarint(d_, &v)) Fail();
    return v;
  }
  std::string_view Str() {
    uint64_t n = Var();
    if (n > d_.size()) return Fail(), std::string_view();
    std::string_view s = d_.substr(0, n);
    d_.remove_prefix(n);
    return s;
  }
  const uint8_t* Bytes16() {
    if (d_.size() < 16) return Fail(), nullptr;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(d_.data());
    d_.remove_prefix(16);
    return p;
  }

 private:
  void Fail() {
    ok_ = false;
    d_ = {};
  }
  std::string_view d_;
  bool ok_ = true;
};

}  // namespace

void EncodeContext(const EventView& r, std::string& out) {
  out.clear();
  AppendFields(out, [&](auto& io) { ContextFields(io, r); });
}

size_t RecordSize(const EventView& r, uint32_t context, std::string_view inline_context) {
  Size size;
  RecordFields(size, r, MakePlan(r, context), context, inline_context);
  return size.n;
}

size_t EncodeRecord(std::string& out, const EventView& r, uint32_t context,
                    std::string_view inline_context) {
  Plan plan = MakePlan(r, context);
  return AppendFields(out, [&](auto& io) { RecordFields(io, r, plan, context, inline_context); });
}

bool PeekContextNumber(std::string_view payload, uint32_t* number) {
  In in(payload);
  uint8_t flags = in.U8();
  if (flags & kFlagInlineContext) {
    *number = kInlineContext;
    return !payload.empty();
  }
  uint64_t n = in.Var();
  if (payload.empty() || n >= kInlineContext) return false;
  *number = static_cast<uint32_t>(n);
  return true;
}

bool DecodeRecordWith(std::string_view payload, std::string_view context, EventRecord* r) {
  In in(payload);
  uint8_t flags = in.U8();
  if (flags & kFlagInlineContext) {
    context = in.Str();
  } else {
    in.Var();
  }
  r->read_only = (flags & kFlagReadOnly) != 0;
  r->event_time_ms = Unzigzag(in.Var());
  if (flags & kFlagBinaryEventId) {
    if (const uint8_t* b = in.Bytes16()) FormatUuid(b, r->event_id);
  } else {
    r->event_id = in.Str();
  }
  r->error_code = in.Str();
  EventFacts x;
  std::string request_id;
  if (flags & kFlagCall) {
    if (flags & kFlagBinaryRequestId) {
      if (const uint8_t* b = in.Bytes16()) FormatUuid(b, request_id);
      x.request_id = request_id;
    } else {
      x.request_id = in.Str();
    }
    x.error_message = in.Str();
    x.request_params = in.Str();
    x.response_elements = in.Str();
  }
  r->resources.clear();
  if (flags & kFlagResources) {
    uint64_t n = in.Var();
    if (n > 10000) return false;
    r->resources.resize(n);
    for (EventResource& res : r->resources) {
      res.type = in.Str();
      res.name = in.Str();
    }
  }
  r->json = (flags & kFlagJson) ? in.Str() : std::string_view();
  r->facts = (flags & kFlagFacts) ? in.Str() : std::string_view();
  if ((flags & kFlagCall) && in.more()) {
    x.additional_json = in.Str();
    x.identity_json = in.Str();
    // Written only when one of them is not empty: two empty strings are not a record this
    // encoder makes.
    if (x.additional_json.empty() && x.identity_json.empty()) return false;
  }
  if (!in.ok()) return false;

  In c(context);
  for (std::string* s : {&r->account_id, &r->event_name, &r->event_source, &r->username,
                         &r->access_key_id, &r->category, &r->region, &r->principal_arn,
                         &r->user_agent}) {
    *s = c.Str();
  }
  bool call = c.U8() != 0;
  if (call != ((flags & kFlagCall) != 0)) return false;
  if (call) {
    uint8_t kind = c.U8();
    if (kind > static_cast<uint8_t>(IdentityKind::kAnonymous)) return false;
    x.kind = static_cast<IdentityKind>(kind);
    x.principal_id = c.Str();
    x.arn = c.Str();
    x.principal_account = c.Str();
    x.access_key_id = c.Str();
    x.user_name = c.Str();
    x.session = c.U8() != 0;
    if (x.session) {
      x.issuer_id = c.Str();
      x.issuer_arn = c.Str();
      x.issuer_name = c.Str();
      x.session_created = Unzigzag(c.Var());
      x.mfa = c.U8() != 0;
      x.source_identity = c.Str();
    }
    x.source_ip = c.Str();
    x.tls = c.U8() != 0;
    x.tls_version = c.Str();
    x.tls_cipher = c.Str();
    x.host = c.Str();
  }
  if (!c.ok()) return false;
  if (call) AppendEventFacts(r->facts, x);
  return true;
}

}  // namespace rampart::store::logfmt
