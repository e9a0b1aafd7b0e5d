// Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
// DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices, and MFA
// device tags.
//
// Documents:
//   virtual-mfa [lowercased device path (without its leading /) and name] -> {SerialNumber, CreateDate, SealedSeed (base64 of the
//       seed sealed under the root key, AAD "<account>/mfa/<serial>"), Tags, and once assigned
//       UserKey, UserName, EnableDate, LastStep (the newest accepted TOTP step; codes at or before
//       it are refused), Drift (steps the device runs ahead of the server, set by a resync)}
//   mfa-device [user key/serial] -> {UserName, SerialNumber, EnableDate}
#include "services/iam/mfa.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <png.h>
#include <qrencode.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <variant>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr std::string_view kDevice = "virtual-mfa";
constexpr std::string_view kAssigned = "mfa-device";
constexpr int64_t kStepSeconds = 30;
constexpr int64_t kWindow = 1;         // steps of drift accepted either side when verifying
constexpr int64_t kResyncWindow = 20;  // steps searched either side by ResyncMFADevice (10 min)
constexpr size_t kDevicesPerUser = 8;  // AWS's limit of MFA devices per user

std::string DeviceMissing(std::string_view serial) {
  return "MFA Device with serial number " + std::string(serial) + " does not exist.";
}
std::string UserMissing(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}
Error InvalidAuthenticationCode(std::string m) {
  return {"InvalidAuthenticationCode", std::move(m), 403, true};
}

std::string SeedAad(std::string_view account, std::string_view serial) {
  return std::string(account) + "/mfa/" + std::string(serial);
}

// The device key of a virtual MFA serial "arn:aws:iam::<account>:mfa/<path><name>": its path
// and name, lowercased (names are unique per path + name, as in AWS), or "" if `serial` does not
// name a virtual device of `account`. `legacy`: the key of earlier versions (the name alone).
std::string DeviceKey(std::string_view account, std::string_view serial, bool legacy = false) {
  std::string prefix = "arn:aws:iam::" + std::string(account) + ":mfa/";
  if (!StartsWith(serial, prefix)) return {};
  std::string_view rest = serial.substr(prefix.size());
  size_t slash = rest.rfind('/');
  std::string_view name = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
  if (name.empty()) return {};
  return Key(legacy ? name : rest);
}

// The device `serial` names, if it exists. One stored by an earlier version under its name
// alone moves to its path + name key in this transaction.
Result<std::optional<json::object>> LoadDevice(store::EntityTx& tx, std::string_view account,
                                               std::string_view serial) {
  std::string key = DeviceKey(account, serial);
  if (key.empty()) return std::optional<json::object>();
  RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, account, kDevice, key));
  if (doc && Str(*doc, "SerialNumber") == serial) return doc;
  std::string old = DeviceKey(account, serial, true);
  if (old == key) return std::optional<json::object>();
  RAMPART_ASSIGN_OR_RETURN(auto legacy, Load(tx, account, kDevice, old));
  if (!legacy || Str(*legacy, "SerialNumber") != serial || doc) return std::optional<json::object>();
  RAMPART_RETURN_IF_ERROR(tx.Delete(std::string(account), std::string(kDevice), old));
  RAMPART_RETURN_IF_ERROR(Save(tx, account, kDevice, key, *legacy));
  return legacy;
}

Result<json::object> RequireDevice(store::EntityTx& tx, std::string_view account,
                                   std::string_view serial) {
  RAMPART_ASSIGN_OR_RETURN(auto doc, LoadDevice(tx, account, serial));
  if (!doc) return NoSuchEntity(DeviceMissing(serial));
  return std::move(*doc);
}

Result<std::string> OpenSeed(store::Store& store, std::string_view account,
                             const json::object& device) {
  auto sealed = crypto::Base64Decode(Str(device, "SealedSeed"));
  if (!sealed.ok()) return Error::Internal("corrupt virtual MFA device seed");
  return store.Open(SeedAad(account, Str(device, "SerialNumber")), *sealed, "virtual MFA seed");
}

int64_t IntField(const json::object& doc, std::string_view member, int64_t dflt) {
  return Int(doc, member).value_or(dflt);
}

// The first step s in [from, to] with Totp(s) == code1 and Totp(s + 1) == code2, if any.
std::optional<int64_t> FindConsecutive(std::string_view seed, int64_t from, int64_t to,
                                       std::string_view code1, std::string_view code2) {
  for (int64_t s = from; s <= to; ++s) {
    if (crypto::ConstantTimeEquals(Totp(seed, s), code1) &&
        crypto::ConstantTimeEquals(Totp(seed, s + 1), code2)) {
      return s;
    }
  }
  return std::nullopt;
}

// True when some step in [from, to] at or before `last` (already used) has code1 (and the
// next step code2, when given): the caller presented an old code.
bool UsedBefore(std::string_view seed, int64_t from, int64_t to, int64_t last,
                std::string_view code1, std::string_view code2 = {}) {
  for (int64_t s = from; s <= std::min(to, last); ++s) {
    if (crypto::ConstantTimeEquals(Totp(seed, s), code1) &&
        (code2.empty() || crypto::ConstantTimeEquals(Totp(seed, s + 1), code2))) {
      return true;
    }
  }
  return false;
}

// ---- Brute-force protection (MfaLimits) ----
// Device fields: FailedCodes and FailWindowStart (failures in the current window),
// LockedUntil (epoch seconds; codes are refused before it).

bool LockedOut(const json::object& device, int64_t now) {
  return IntField(device, "LockedUntil", 0) > now;
}

void NoteFailure(json::object& device, const MfaLimits& limits, int64_t now) {
  int64_t start = IntField(device, "FailWindowStart", 0);
  int64_t failures = IntField(device, "FailedCodes", 0);
  if (now - start >= limits.lockout_seconds) {
    start = now;
    failures = 0;
  }
  ++failures;
  if (failures >= limits.max_failures) {
    device["LockedUntil"] = now + limits.lockout_seconds;
    failures = 0;
    start = now;
  }
  device["FailWindowStart"] = start;
  device["FailedCodes"] = failures;
}

void NoteSuccess(json::object& device) {
  device.erase("FailedCodes");
  device.erase("FailWindowStart");
}

Error CodesRefused(MfaCheck check) {
  switch (check) {
    case MfaCheck::kReused:
      return InvalidAuthenticationCode(
          "Authentication code for device is not valid: these codes were already used. Wait for "
          "the device to show two new consecutive codes.");
    case MfaCheck::kLockedOut:
      return InvalidAuthenticationCode(
          "Authentication code for device is not valid: too many invalid codes were presented "
          "for this device; it accepts none until its lockout ends. Try again later.");
    default: return InvalidAuthenticationCode("Authentication code for device is not valid.");
  }
}

// Enable/Resync: checks two consecutive codes in [from, to] on `device`, counting a failure.
// Returns the step of code1, or the check that refused them.
std::variant<int64_t, MfaCheck> CheckConsecutive(std::string_view seed, json::object& device,
                                                 const MfaLimits& limits, int64_t now_epoch,
                                                 int64_t from, int64_t to, std::string_view code1,
                                                 std::string_view code2) {
  if (LockedOut(device, now_epoch)) return MfaCheck::kLockedOut;
  int64_t last = IntField(device, "LastStep", 0);
  if (auto step = FindConsecutive(seed, std::max(from, last + 1), to, code1, code2)) {
    NoteSuccess(device);
    return *step;
  }
  if (UsedBefore(seed, from, to, last, code1, code2)) return MfaCheck::kReused;
  NoteFailure(device, limits, now_epoch);
  return MfaCheck::kInvalid;
}

// ---- QR code as PNG ----

Result<std::string> QrPng(const std::string& text) {
  QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!qr) return Error::Internal("QR encoding failed");
  constexpr int kScale = 4, kBorder = 4;  // 4 px per module, the 4-module quiet zone
  int size = (qr->width + 2 * kBorder) * kScale;
  std::vector<uint8_t> pixels(static_cast<size_t>(size) * size, 0xff);
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width; ++x) {
      if (!(qr->data[y * qr->width + x] & 1)) continue;
      for (int dy = 0; dy < kScale; ++dy) {
        for (int dx = 0; dx < kScale; ++dx) {
          int py = (y + kBorder) * kScale + dy, px = (x + kBorder) * kScale + dx;
          pixels[static_cast<size_t>(py) * size + px] = 0;
        }
      }
    }
  }
  QRcode_free(qr);
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(size);
  image.height = static_cast<png_uint_32>(size);
  image.format = PNG_FORMAT_GRAY;
  png_alloc_size_t len = 0;
  if (!png_image_write_to_memory(&image, nullptr, &len, 0, pixels.data(), 0, nullptr)) {
    return Error::Internal(std::string("PNG sizing failed: ") + image.message);
  }
  std::string png(len, '\0');
  if (!png_image_write_to_memory(&image, png.data(), &len, 0, pixels.data(), 0, nullptr)) {
    return Error::Internal(std::string("PNG encoding failed: ") + image.message);
  }
  png.resize(len);
  return png;
}

// ---- Operations ----

Result<json::value> CreateVirtualMFADevice(IamService& svc, const Call& call,
                                           const json::object& in) {
  std::string_view name = Str(in, "VirtualMFADeviceName");
  std::string_view path = PathOr(in);
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  const std::string& acct = call.principal.account_id;
  std::string serial = IamArn(acct, "mfa", path, name);
  std::string seed = crypto::RandomBytes(20);
  std::string base32 = Base32Encode(seed);
  RAMPART_ASSIGN_OR_RETURN(std::string sealed, svc.store().Seal(SeedAad(acct, serial), seed));
  json::object device{{"SerialNumber", serial},
                      {"CreateDate", Now(call)},
                      {"SealedSeed", crypto::Base64Encode(sealed)}};
  RAMPART_RETURN_IF_ERROR(MergeTags(device, in.if_contains("Tags")));
  std::string account_name = acct;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    // Authenticator apps label the entry with the account alias when there is one, as AWS does.
    RAMPART_ASSIGN_OR_RETURN(auto aliases, tx.List(acct, "account-alias", "", "", 1));
    if (!aliases.empty()) account_name = aliases.front().key;
    return Create(tx, acct, kDevice, DeviceKey(acct, serial), device,
                  "MFA device already exists.");
  });
  if (!st.ok()) return std::move(st).error();
  std::string label = std::string(name) + "@" + account_name;
  std::string uri =
      "otpauth://totp/Rampart:" + UrlEncode(label) + "?secret=" + base32 + "&issuer=Rampart";
  RAMPART_ASSIGN_OR_RETURN(std::string png, QrPng(uri));
  json::object out{
      {"SerialNumber", serial}, {"Base32StringSeed", base32}, {"QRCodePNG", std::move(png)}};
  if (device.contains("Tags")) out["Tags"] = device["Tags"];
  return json::value(json::object{{"VirtualMFADevice", std::move(out)}});
}

Result<json::value> EnableMFADevice(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view serial = Str(in, "SerialNumber");
  std::string_view code1 = Str(in, "AuthenticationCode1");
  std::string_view code2 = Str(in, "AuthenticationCode2");
  const std::string& acct = call.principal.account_id;
  std::optional<Error> refused;  // committed with the failure count, then answered
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user,
                             Require(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireDevice(tx, acct, serial));
    if (device.contains("UserKey")) return EntityAlreadyExists("MFA Device is already in use.");
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, kAssigned, Key(name) + "/"));
    if (n >= static_cast<int64_t>(kDevicesPerUser)) {
      return LimitExceeded("Cannot exceed quota for MFADevicesPerUser: 8");
    }
    RAMPART_ASSIGN_OR_RETURN(std::string seed, OpenSeed(svc.store(), acct, device));
    int64_t now = call.now_epoch_seconds / kStepSeconds;
    // Code 2 may be from the previous, the current or the next step; steps accepted before a
    // deactivation stay used.
    auto checked = CheckConsecutive(seed, device, svc.mfa_limits(), call.now_epoch_seconds,
                                    now - 1 - kWindow, now - 1 + kWindow, code1, code2);
    if (auto* check = std::get_if<MfaCheck>(&checked)) {
      refused = CodesRefused(*check);
      return Save(tx, acct, kDevice, DeviceKey(acct, serial), device);
    }
    device["UserKey"] = Key(name);
    device["UserName"] = user.at("UserName");
    device["EnableDate"] = Now(call);
    device["LastStep"] = std::get<int64_t>(checked) + 1;
    device["Drift"] = 0;
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, kDevice, DeviceKey(acct, serial), device));
    return Save(tx, acct, kAssigned, Key(name) + "/" + std::string(serial),
                json::object{{"UserName", user.at("UserName")},
                             {"SerialNumber", serial},
                             {"EnableDate", Now(call)}});
  });
  if (!st.ok()) return std::move(st).error();
  if (refused) return *refused;
  return json::value(json::object{});
}

// Loads the device `serial` and checks it is assigned to user `name`.
Result<json::object> RequireAssigned(store::EntityTx& tx, std::string_view acct,
                                     std::string_view name, std::string_view serial) {
  RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
  RAMPART_ASSIGN_OR_RETURN(json::object device, RequireDevice(tx, acct, serial));
  if (Str(device, "UserKey") != Key(name)) {
    return NoSuchEntity("MFA device with serial number " + std::string(serial) +
                        " is not associated with user " + std::string(name) + ".");
  }
  return device;
}

Result<json::value> ResyncMFADevice(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view serial = Str(in, "SerialNumber");
  const std::string& acct = call.principal.account_id;
  std::optional<Error> refused;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireAssigned(tx, acct, name, serial));
    RAMPART_ASSIGN_OR_RETURN(std::string seed, OpenSeed(svc.store(), acct, device));
    int64_t now = call.now_epoch_seconds / kStepSeconds;
    auto checked = CheckConsecutive(seed, device, svc.mfa_limits(), call.now_epoch_seconds,
                                    now - kResyncWindow, now + kResyncWindow,
                                    Str(in, "AuthenticationCode1"), Str(in, "AuthenticationCode2"));
    if (auto* check = std::get_if<MfaCheck>(&checked)) {
      refused = CodesRefused(*check);
    } else {
      device["LastStep"] = std::get<int64_t>(checked) + 1;
      device["Drift"] = std::get<int64_t>(checked) + 1 - now;
    }
    return Save(tx, acct, kDevice, DeviceKey(acct, serial), device);
  });
  if (!st.ok()) return std::move(st).error();
  if (refused) return *refused;
  return json::value(json::object{});
}

Result<json::value> DeactivateMFADevice(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view serial = Str(in, "SerialNumber");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireAssigned(tx, acct, name, serial));
    for (const char* f : {"UserKey", "UserName", "EnableDate", "Drift"}) {
      device.erase(f);
    }
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, kDevice, DeviceKey(acct, serial), device));
    return tx.Delete(acct, kAssigned, Key(name) + "/" + std::string(serial));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteVirtualMFADevice(IamService& svc, const Call& call,
                                           const json::object& in) {
  std::string_view serial = Str(in, "SerialNumber");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireDevice(tx, acct, serial));
    if (device.contains("UserKey")) {
      return DeleteConflict("MFA Device is still in use by user " +
                            std::string(Str(device, "UserName")) + ".");
    }
    return tx.Delete(acct, kDevice, DeviceKey(acct, serial));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ListMFADevices(IamService& svc, const Call& call, const json::object& in) {
  const Principal& p = call.principal;
  std::string_view name = Str(in, "UserName");
  if (name.empty()) {
    if (p.type == Principal::Type::kRoot) {
      // The root's own MFA is not an IAM-managed device here.
      return json::value(json::object{{"MFADevices", json::array{}}, {"IsTruncated", false}});
    }
    if (p.type != Principal::Type::kIamUser) {
      return Error{"ValidationError",
                   "Must specify userName when calling with non-User credentials", 400, true};
    }
    name = p.user_name;
  }
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, p.account_id, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(page, ListPage(tx, p.account_id, kAssigned, Key(name) + "/", in));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array devices;
  for (const auto& row : page.rows) devices.push_back(json::parse(row.doc));
  json::object out{{"MFADevices", std::move(devices)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> ListVirtualMFADevices(IamService& svc, const Call& call,
                                          const json::object& in) {
  std::string_view status = Str(in, "AssignmentStatus");
  const std::string& acct = call.principal.account_id;
  Page page;
  std::vector<std::optional<json::object>> users;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(page, ListPage(tx, acct, kDevice, "", in, [&](const json::object& d) {
                               bool assigned = d.contains("UserKey");
                               if (status == "Assigned") return assigned;
                               if (status == "Unassigned") return !assigned;
                               return true;
                             }));
    for (const auto& row : page.rows) {
      json::object d = json::parse(row.doc).as_object();
      std::optional<json::object> user;
      if (d.contains("UserKey")) {
        RAMPART_ASSIGN_OR_RETURN(user, Load(tx, acct, "user", Str(d, "UserKey")));
      }
      users.push_back(std::move(user));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array devices;
  for (size_t i = 0; i < page.rows.size(); ++i) {
    json::object d = json::parse(page.rows[i].doc).as_object();
    json::object v{{"SerialNumber", d["SerialNumber"]}};
    if (users[i]) {
      json::object u = *users[i];
      u.erase("Tags");
      u.erase("PermissionsBoundary");
      v["User"] = std::move(u);
      v["EnableDate"] = d["EnableDate"];
    }
    if (d.contains("Tags")) v["Tags"] = d["Tags"];
    devices.push_back(std::move(v));
  }
  json::object out{{"VirtualMFADevices", std::move(devices)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> TagMFADevice(IamService& svc, const Call& call, const json::object& in) {
  std::string_view serial = Str(in, "SerialNumber");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireDevice(tx, acct, serial));
    RAMPART_RETURN_IF_ERROR(MergeTags(device, in.if_contains("Tags")));
    return Save(tx, acct, kDevice, DeviceKey(acct, serial), device);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> UntagMFADevice(IamService& svc, const Call& call, const json::object& in) {
  std::string_view serial = Str(in, "SerialNumber");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object device, RequireDevice(tx, acct, serial));
    RAMPART_RETURN_IF_ERROR(RemoveTags(device, in.if_contains("TagKeys")));
    return Save(tx, acct, kDevice, DeviceKey(acct, serial), device);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ListMFADeviceTags(IamService& svc, const Call& call, const json::object& in) {
  std::string_view serial = Str(in, "SerialNumber");
  json::object device;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(device, RequireDevice(tx, call.principal.account_id, serial));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(TagsPage(device, in));
}

}  // namespace

Status RenameMfaUser(store::EntityTx& tx, std::string_view account, std::string_view old_name,
                     std::string_view new_name) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kAssigned, Key(old_name) + "/", "", 100));
  for (const auto& r : rows) {
    std::string serial = r.key.substr(Key(old_name).size() + 1);
    RAMPART_ASSIGN_OR_RETURN(auto device, LoadDevice(tx, account, serial));
    if (!device) continue;  // not one of this account's virtual devices
    (*device)["UserKey"] = Key(new_name);
    (*device)["UserName"] = new_name;
    RAMPART_RETURN_IF_ERROR(Save(tx, account, kDevice, DeviceKey(account, serial), *device));
  }
  return {};
}


std::string Base32Encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  while (out.size() % 8 != 0) out.push_back('=');
  return out;
}

std::string Totp(std::string_view secret, int64_t step) {
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(step & 0xff);
    step >>= 8;
  }
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &mac_len);
  int offset = mac[mac_len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                 (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                 (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", bin % 1000000);
  return buf;
}

Result<MfaCheck> VerifyMfaCode(store::Store& store, const MfaLimits& limits,
                               std::string_view account, std::string_view user_name,
                               std::string_view serial, std::string_view code,
                               int64_t now_epoch_seconds) {
  MfaCheck result = MfaCheck::kInvalid;
  Status st = store.entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string key = DeviceKey(account, serial);
    RAMPART_ASSIGN_OR_RETURN(auto device, LoadDevice(tx, account, serial));
    if (!device || !device->contains("UserKey") ||
        (!user_name.empty() && Str(*device, "UserKey") != Key(user_name))) {
      result = MfaCheck::kNoSuchDevice;
      return {};
    }
    if (LockedOut(*device, now_epoch_seconds)) {
      result = MfaCheck::kLockedOut;
      return {};
    }
    RAMPART_ASSIGN_OR_RETURN(std::string seed, OpenSeed(store, account, *device));
    int64_t now = now_epoch_seconds / kStepSeconds + IntField(*device, "Drift", 0);
    int64_t last = IntField(*device, "LastStep", 0);
    for (int64_t s = std::max(now - kWindow, last + 1); s <= now + kWindow; ++s) {
      if (crypto::ConstantTimeEquals(Totp(seed, s), code)) {
        (*device)["LastStep"] = s;
        NoteSuccess(*device);
        result = MfaCheck::kValid;
        return Save(tx, account, kDevice, key, *device);
      }
    }
    if (UsedBefore(seed, now - kWindow, now + kWindow, last, code)) {
      result = MfaCheck::kReused;
      return {};
    }
    NoteFailure(*device, limits, now_epoch_seconds);
    return Save(tx, account, kDevice, key, *device);
  });
  if (!st.ok()) return std::move(st).error();
  return result;
}

std::string MfaDeniedMessage(MfaCheck check) {
  switch (check) {
    case MfaCheck::kValid: return {};
    case MfaCheck::kReused:
      return "MultiFactorAuthentication failed with invalid MFA one time pass code. This code was "
             "already used: wait for the device's next code.";
    case MfaCheck::kLockedOut:
      return "MultiFactorAuthentication failed: too many invalid MFA one time pass codes were "
             "presented for this device; it accepts none until its lockout ends. Try again later.";
    case MfaCheck::kNoSuchDevice:
      return "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your "
             "MFA serial number is valid and associated with this user.";
    case MfaCheck::kInvalid: break;
  }
  return "MultiFactorAuthentication failed with invalid MFA one time pass code.";
}

void AddMfaOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateVirtualMFADevice", CreateVirtualMFADevice},
                         {"EnableMFADevice", EnableMFADevice},
                         {"ResyncMFADevice", ResyncMFADevice},
                         {"DeactivateMFADevice", DeactivateMFADevice},
                         {"DeleteVirtualMFADevice", DeleteVirtualMFADevice},
                         {"ListMFADevices", ListMFADevices},
                         {"ListVirtualMFADevices", ListVirtualMFADevices},
                         {"TagMFADevice", TagMFADevice},
                         {"UntagMFADevice", UntagMFADevice},
                         {"ListMFADeviceTags", ListMFADeviceTags}});
}

}  // namespace rampart::services::iam
