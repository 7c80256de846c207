#include "protocol/gazetteer.h"

#include <array>

namespace cw {
namespace {

using K = PlaceKind;

// Regions along the routes people take out of North Korea, and onward.
// Facility names are deliberately generic placeholders.
constexpr std::array kEntries = {
    GazetteerEntry{"CN-JL", K::region, "CN-JL", "Jilin, China"},
    GazetteerEntry{"CN-LN", K::region, "CN-LN", "Liaoning, China"},
    GazetteerEntry{"CN-HL", K::region, "CN-HL", "Heilongjiang, China"},
    GazetteerEntry{"CN-NM", K::region, "CN-NM", "Inner Mongolia, China"},
    GazetteerEntry{"CN-SD", K::region, "CN-SD", "Shandong, China"},
    GazetteerEntry{"CN-BJ", K::region, "CN-BJ", "Beijing, China"},
    GazetteerEntry{"CN-SH", K::region, "CN-SH", "Shanghai, China"},
    GazetteerEntry{"CN-YN", K::region, "CN-YN", "Yunnan, China"},
    GazetteerEntry{"CN-GX", K::region, "CN-GX", "Guangxi, China"},
    GazetteerEntry{"LA-VT", K::region, "LA-VT", "Vientiane Prefecture, Laos"},
    GazetteerEntry{"LA-BK", K::region, "LA-BK", "Bokeo, Laos"},
    GazetteerEntry{"VN-HN", K::region, "VN-HN", "Ha Noi, Viet Nam"},
    GazetteerEntry{"TH-57", K::region, "TH-57", "Chiang Rai, Thailand"},
    GazetteerEntry{"MN-1", K::region, "MN-1", "Ulaanbaatar, Mongolia"},
    GazetteerEntry{"CN-JL-F01", K::facility, "CN-JL", "Jilin border detention facility 1"},
    GazetteerEntry{"CN-JL-F02", K::facility, "CN-JL", "Jilin border detention facility 2"},
    GazetteerEntry{"CN-LN-F01", K::facility, "CN-LN", "Liaoning detention facility 1"},
    GazetteerEntry{"CN-HL-F01", K::facility, "CN-HL", "Heilongjiang detention facility 1"},
    GazetteerEntry{"CN-YN-F01", K::facility, "CN-YN", "Yunnan border detention facility 1"},
    GazetteerEntry{"CN-GX-F01", K::facility, "CN-GX", "Guangxi border detention facility 1"},
    GazetteerEntry{"LA-VT-F01", K::facility, "LA-VT", "Vientiane immigration detention 1"},
    GazetteerEntry{"TH-57-F01", K::facility, "TH-57", "Chiang Rai immigration detention 1"},
};

}  // namespace

std::optional<GazetteerEntry> find_place(std::string_view code) {
  for (const auto& e : kEntries)
    if (e.code == code) return e;
  return std::nullopt;
}

std::span<const GazetteerEntry> gazetteer() {
  return kEntries;
}

}  // namespace cw
