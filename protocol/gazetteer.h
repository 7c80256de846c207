// The gazetteer: the only place codes an alert may carry, and their names in
// the users' languages (English, Chinese, Korean).
//
// Why codes and not coordinates: a code names a region (ISO 3166-2), an
// administrative division inside it (China's GB/T 2260 codes: prefectures,
// county-level cities and counties along the Yalu and Tumen), or a known
// detention facility - what an organisation needs to act on and what the
// anonymiser can generalise safely (divisions become their region in every
// notification). The exact place of an arrest goes in the sealed detail.
//
// The gazetteer is data. The daemon loads DIR/gazetteer.json (written by
// `casewire-keys init` from protocol/gazetteer_default.json, edited by the
// operator: facilities are added there, without recompiling), signs it, and
// hands it to clients with the invite and on request (GET /v1/gazetteer), so
// contacts, organisations and the daemon show the same names for the same
// codes. Format and rules: docs/PROTOCOL.md, "Gazetteer".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

enum class PlaceKind { region, division, facility };
std::string_view to_string(PlaceKind k);

struct PlaceNames {
  std::string en, zh, ko;  // en always; zh and ko where known
  // The name in `lang` ("en", "zh", "ko"), falling back to English.
  const std::string& in(std::string_view lang) const;
};

struct GazetteerEntry {
  std::string code;
  PlaceKind kind = PlaceKind::region;
  std::string region;  // the ISO 3166-2 region it lies in; itself for a region
  std::string parent;  // divisions and facilities: the region or division it lies in
  PlaceNames names;
  const std::string& name() const { return names.en; }
};

inline constexpr std::string_view kGazetteerDomain = "casewire-gazetteer-v1";

class Gazetteer {
 public:
  // Parses and checks (bad_config, naming the place at fault): code formats,
  // unique codes, parents defined before their children and in the same
  // region, names present, at most 5,000 places.
  static Result<Gazetteer> from_json(std::string_view json);
  static const Gazetteer& builtin();       // protocol/gazetteer_default.json
  static std::string_view default_text();  // that file, as written (for the operator to edit)

  // Canonical JSON: the form that is signed and shipped.
  std::string to_json() const;
  std::uint32_t version() const { return version_; }
  std::span<const GazetteerEntry> entries() const { return entries_; }
  const GazetteerEntry* find(std::string_view code) const;
  // Places whose name in any language, or whose code, contains `text`
  // (case-insensitive for ASCII), regions first.
  std::vector<const GazetteerEntry*> search(std::string_view text) const;

  // The daemon-signed form (protocol/signed_payload.h, domain above).
  std::string sign(const SigningKey& daemon) const;
  static Result<Gazetteer> open_signed(std::string_view signed_json, const PublicKey& daemon);

 private:
  std::uint32_t version_ = 0;
  std::vector<GazetteerEntry> entries_;
};

// The gazetteer this process checks codes against: the built-in one until a
// program installs the one it loaded (the daemon its instance's, a client
// the one it received). Thread-safe; readers keep the snapshot they got.
std::shared_ptr<const Gazetteer> active_gazetteer();
void set_active_gazetteer(std::shared_ptr<const Gazetteer> g);

// A copy of the entry for `code` in the active gazetteer.
std::optional<GazetteerEntry> find_place(std::string_view code);

}  // namespace cw
