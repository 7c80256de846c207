#include "client/guided_send.h"

#include <algorithm>
#include <ctime>
#include <istream>
#include <ostream>
#include <string>

#include "protocol/timefmt.h"
#include "protocol/wiping_json.h"

namespace cw::client {
namespace {

// Thrown by ask() at end of input: the dialogue unwinds to ask_for_alert,
// which turns it into "nothing sent". Never leaves this file.
struct Stopped {};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string ask(GuidedInput& io, const std::string& question) {
  io.out << question << " " << std::flush;
  std::string line;
  if (!std::getline(io.in, line)) throw Stopped{};
  return trim(line);
}

// A number in [lo, hi]; Enter gives `dflt` when it is set.
std::uint32_t ask_number(GuidedInput& io, const std::string& question, std::uint32_t lo,
                         std::uint32_t hi, std::optional<std::uint32_t> dflt = std::nullopt) {
  for (;;) {
    const std::string a = ask(io, question);
    if (a.empty() && dflt) return *dflt;
    if (!a.empty() && a.size() <= 6 && std::all_of(a.begin(), a.end(), ::isdigit)) {
      const auto n = static_cast<std::uint32_t>(std::stoul(a));
      if (n >= lo && n <= hi) return n;
    }
    io.out << "  Please type a number from " << lo << " to " << hi << ".\n";
  }
}

// One of `choices` (1-based).
std::size_t ask_choice(GuidedInput& io, const std::string& question,
                       const std::vector<std::string>& choices) {
  io.out << question << "\n";
  for (std::size_t i = 0; i < choices.size(); ++i)
    io.out << "  " << i + 1 << ") " << choices[i] << "\n";
  return ask_number(io, "Your choice:", 1, static_cast<std::uint32_t>(choices.size())) - 1;
}

std::string place_line(const GazetteerEntry& e) {
  std::string s = e.names.en;
  if (!e.names.ko.empty()) s += " / " + e.names.ko;
  if (!e.names.zh.empty()) s += " / " + e.names.zh;
  return s + "  (" + e.code + (e.kind == PlaceKind::facility ? ", detention facility" : "") + ")";
}

// A place found by typing (part of) its name in any language.
std::optional<Place> ask_place(GuidedInput& io, const std::string& question, bool optional) {
  for (;;) {
    const std::string typed = ask(io, question);
    if (typed.empty()) {
      if (optional) return std::nullopt;
      io.out << "  Please type a place name, for example Tumen, 图们 or 투먼.\n";
      continue;
    }
    auto found = io.places.search(typed);
    if (found.empty()) {
      io.out << "  No place matches \"" << typed
             << "\". Try another spelling, or the nearest city or province.\n";
      continue;
    }
    if (found.size() > 9) found.resize(9);
    std::vector<std::string> choices;
    for (const auto* e : found) choices.push_back(place_line(*e));
    choices.push_back("none of these: type again");
    const auto pick = ask_choice(io, "Which one?", choices);
    if (pick < found.size()) return Place{found[pick]->code, ""};
  }
}

// Local time "YYYY-MM-DD HH:MM" (the contact's clock), or Enter for `dflt`.
std::optional<std::int64_t> ask_time(GuidedInput& io, const std::string& question,
                                     std::optional<std::int64_t> dflt) {
  for (;;) {
    const std::string a = ask(io, question);
    if (a.empty()) return dflt;
    std::tm tm{};
    if (a.size() == 16 && a[4] == '-' && a[7] == '-' && a[10] == ' ' && a[13] == ':') {
      try {
        tm.tm_year = std::stoi(a.substr(0, 4)) - 1900;
        tm.tm_mon = std::stoi(a.substr(5, 2)) - 1;
        tm.tm_mday = std::stoi(a.substr(8, 2));
        tm.tm_hour = std::stoi(a.substr(11, 2));
        tm.tm_min = std::stoi(a.substr(14, 2));
        tm.tm_isdst = -1;
        const std::time_t t = std::mktime(&tm);  // local time -> UTC
        if (t != -1) return static_cast<std::int64_t>(t);
      } catch (...) {  // not numbers: asked again below
      }
    }
    io.out << "  Please write the local time like 2026-11-28 21:40, or press Enter.\n";
  }
}

std::string when(std::int64_t t) {
  char buf[32];
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return std::string(buf) + " local (" + format_rfc3339(t) + ")";
}

void new_case(GuidedInput& io, Alert& a) {
  a.kind = AlertKind::new_case;
  People p;
  p.count = ask_number(io, "How many people were arrested?", 1, 500);
  p.children = ask_number(io, "How many of them are children? (Enter: 0)", 0, p.count, 0);
  p.elderly = ask_number(io, "How many are elderly? (Enter: 0)", 0, p.count, 0);
  p.sick = ask_number(io, "How many are sick or injured? (Enter: 0)", 0, p.count, 0);
  a.people = p;
  a.arrest_place = ask_place(io, "Where were they arrested? Type a place name:", false);
  a.held_place =
      ask_place(io, "Where are they held now? Type a place name, or press Enter if unknown:", true);
  a.arrested_at = ask_time(io, "When were they arrested? Local time, or Enter for now:", io.now);
  a.expected_transfer = ask_time(
      io,
      "When are they expected to be transferred? Local time, or Enter if unknown:", std::nullopt);
  const auto u =
      ask_choice(io, "How urgent is it?",
                 {"immediate - a transfer or return within about 72 hours, or a life at risk now",
                  "high - people are held and a transfer is likely within days",
                  "normal - it matters, but nothing is expected soon"});
  a.urgency = u == 0 ? Urgency::immediate : u == 1 ? Urgency::high : Urgency::normal;
  const auto c =
      ask_choice(io, "What did the family or the people themselves agree to?",
                 {"private - no publicity: only organisations the operator cleared see the case",
                  "advocacy - organisations may use the anonymised facts publicly"});
  a.consent = c == 0 ? Consent::private_only : Consent::advocacy;
}

void update(GuidedInput& io, Alert& a) {
  std::vector<std::string> cases;
  for (const auto& r : io.own_cases)
    cases.push_back("reported " + when(r.receipt.received_at) + ", case " +
                    to_hex(r.case_ref).substr(0, 8));
  const auto which = ask_choice(io, "Which of your cases?", cases);
  a.case_ref = io.own_cases[which].case_ref;
  const auto what =
      ask_choice(io, "What happened?",
                 {"they were transferred", "they were released",
                  "they were returned across the border", "they are still held: new details",
                  "the case is over (resolved)", "my report was wrong: withdraw it"});
  switch (what) {
    case 0:
      a.kind = AlertKind::update;
      a.status = CaseStatus::transferred;
      a.held_place = ask_place(io, "Where are they held now? Type a place name, or Enter:", true);
      break;
    case 1:
      a.kind = AlertKind::resolved;
      a.status = CaseStatus::released;
      break;
    case 2:
      a.kind = AlertKind::update;
      a.status = CaseStatus::returned;
      break;
    case 3:
      a.kind = AlertKind::update;
      a.status = CaseStatus::detained;
      a.held_place = ask_place(io, "Where are they held now? Type a place name, or Enter:", true);
      a.expected_transfer =
          ask_time(io, "Expected transfer? Local time, or Enter if unknown:", std::nullopt);
      break;
    case 4:
      a.kind = AlertKind::resolved;
      break;
    default:
      a.kind = AlertKind::retraction;
      break;
  }
}

void sealed_details(GuidedInput& io, Alert& a) {
  io.out << "\nNames and notes are sealed for the daemon only. They never reach any "
            "organisation.\n";
  for (;;) {
    std::string name = ask(io, "A name (or press Enter when done):");
    if (name.empty()) break;
    a.names.push_back(std::move(name));
  }
  a.notes = ask(io, "Anything else the operator should know (or Enter):");
}

void summary(GuidedInput& io, const Alert& a) {
  io.out << "\nYou are about to send:\n  " << to_string(a.kind);
  if (a.case_ref) io.out << " of your case " << to_hex(*a.case_ref).substr(0, 8);
  io.out << "\n";
  if (a.status) io.out << "  status: " << to_string(*a.status) << "\n";
  if (a.people)
    io.out << "  people: " << a.people->count << " (children " << a.people->children << ", elderly "
           << a.people->elderly << ", sick " << a.people->sick << ")\n";
  auto place = [&](const char* label, const std::optional<Place>& p) {
    if (!p) return;
    const auto* e = io.places.find(p->code);
    io.out << "  " << label << ": " << (e ? place_line(*e) : p->code) << "\n";
  };
  place("arrested in", a.arrest_place);
  place("held at", a.held_place);
  if (a.arrested_at) io.out << "  arrested: " << when(*a.arrested_at) << "\n";
  if (a.expected_transfer) io.out << "  transfer expected: " << when(*a.expected_transfer) << "\n";
  if (a.urgency) io.out << "  urgency: " << to_string(*a.urgency) << "\n";
  if (a.consent) io.out << "  consent: " << to_string(*a.consent) << "\n";
  if (!a.names.empty()) io.out << "  names: " << a.names.size() << " (sealed)\n";
  if (!a.notes.empty()) io.out << "  notes: yes (sealed)\n";
}

}  // namespace

std::optional<Alert> ask_for_alert(GuidedInput& io) {
  Alert a;
  try {
    std::vector<std::string> first = {"a new arrest"};
    if (!io.own_cases.empty()) first.push_back("news about one of the cases I reported");
    const auto what = ask_choice(io, "What do you want to report?", first);
    if (what == 0)
      new_case(io, a);
    else
      update(io, a);
    sealed_details(io, a);
    if (auto st = validate_alert(a, io.now); !st.ok()) {
      io.out << "\nThis report cannot be sent as it is: " << st.error().message << "\n";
      wipe_alert(a);
      return std::nullopt;
    }
    summary(io, a);
    const std::string yes = ask(io, "Send it now? Type yes to send:");
    if (yes != "yes" && yes != "y") {
      io.out << "Nothing was sent, and nothing was kept.\n";
      wipe_alert(a);
      return std::nullopt;
    }
    return a;
  } catch (const Stopped&) {
    io.out << "\nStopped: nothing was sent, and nothing was kept.\n";
    wipe_alert(a);
    return std::nullopt;
  }
}

}  // namespace cw::client
