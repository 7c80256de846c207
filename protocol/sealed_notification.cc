#include "protocol/sealed_notification.h"

#include <boost/json.hpp>

#include <cstring>

#include "protocol/sealed_line.h"
#include "protocol/secret.h"

namespace cw {
namespace {

constexpr std::string_view kPrefix = "cwnote1";
constexpr std::string_view kDomain{"casewire-sealed-notification-v1\0", 32};
constexpr std::size_t kMaxSigned = std::size_t{8} * 1024;  // a signed notification is ~1.5 KB

}  // namespace

std::string seal_notification(std::string_view signed_json, const PublicKey& org_box) {
  Bytes plain(kDomain.size() + signed_json.size());
  std::memcpy(plain.data(), kDomain.data(), kDomain.size());
  std::memcpy(plain.data() + kDomain.size(), signed_json.data(), signed_json.size());
  std::string line = seal_line(kPrefix, plain, org_box);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  // Only base64, hex, spaces and the prefix: nothing to escape.
  return R"({"sealed":")" + line + R"("})";
}

bool is_sealed_notification(std::string_view json) {
  return json.substr(0, 11) == R"({"sealed":")";
}

Result<std::string> open_sealed_notification(std::string_view sealed_json, const Identity& org) {
  std::error_code ec;
  auto v = boost::json::parse(sealed_json, ec);
  const auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  const auto* s = o ? o->if_contains("sealed") : nullptr;
  if (!s || !s->is_string()) return make_error(Errc::bad_notification, "not a sealed notification");
  auto plain = open_line(std::string_view(s->as_string()), kPrefix, "sealed notification", org,
                         kDomain.size() + 2, kDomain.size() + kMaxSigned);
  if (!plain) return make_error(Errc::bad_notification, plain.error().message);
  if (std::memcmp(plain->data(), kDomain.data(), kDomain.size()) != 0)
    return make_error(Errc::bad_notification, "not a sealed notification");
  return std::string(reinterpret_cast<const char*>(plain->data()) + kDomain.size(),
                     plain->size() - kDomain.size());
}

}  // namespace cw
