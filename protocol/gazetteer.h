// The shipped gazetteer: the only place codes an alert may carry.
//
// Why codes and not coordinates: a code names a region (ISO 3166-2) or a
// known detention facility, which is what an organisation needs to act and
// what the anonymiser can generalise safely. The exact place of an arrest
// (a street, a safe house) goes in the free-text detail, which is restricted.
//
// Facility codes are "<region>-F<nn>". The facility list shipped here is a
// sample for demos and tests; a deployment replaces it (docs/OPERATOR.md).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cw {

enum class PlaceKind { region, facility };

struct GazetteerEntry {
  std::string_view code;
  PlaceKind kind;
  std::string_view region;  // the region a facility lies in; itself for a region
  std::string_view name;
};

std::optional<GazetteerEntry> find_place(std::string_view code);
std::span<const GazetteerEntry> gazetteer();

}  // namespace cw
