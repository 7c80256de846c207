#include "client/guided_send.h"

#include <algorithm>
#include <ctime>
#include <istream>
#include <ostream>
#include <string>

#include "client/messages.h"
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
    // Not ::isdigit: a contact typing Korean or Chinese here gives bytes
    // above 0x7f, which are negative chars and undefined for isdigit.
    const auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
    if (!a.empty() && a.size() <= 6 && std::all_of(a.begin(), a.end(), digit)) {
      const auto n = static_cast<std::uint32_t>(std::stoul(a));
      if (n >= lo && n <= hi) return n;
    }
    io.out << "  "
           << trf("Please type a number from {1} to {2}.", {std::to_string(lo), std::to_string(hi)})
           << "\n";
  }
}

// One of `choices` (1-based).
std::size_t ask_choice(GuidedInput& io, const std::string& question,
                       const std::vector<std::string>& choices) {
  io.out << question << "\n";
  for (std::size_t i = 0; i < choices.size(); ++i)
    io.out << "  " << i + 1 << ") " << choices[i] << "\n";
  return ask_number(io, tr("Your choice:"), 1, static_cast<std::uint32_t>(choices.size())) - 1;
}

std::string place_line(const GazetteerEntry& e) {
  std::string s = e.names.en;
  if (!e.names.ko.empty()) s += " / " + e.names.ko;
  if (!e.names.zh.empty()) s += " / " + e.names.zh;
  return s + "  (" + e.code +
         (e.kind == PlaceKind::facility ? ", " + tr("detention facility") : "") + ")";
}

// A place found by typing (part of) its name in any language.
std::optional<Place> ask_place(GuidedInput& io, const std::string& question, bool optional) {
  for (;;) {
    const std::string typed = ask(io, question);
    if (typed.empty()) {
      if (optional) return std::nullopt;
      io.out << "  " << tr("Please type a place name, in any language - for example Tumen.")
             << "\n";
      continue;
    }
    auto found = io.places.search(typed);
    if (found.empty()) {
      io.out
          << "  "
          << trf("No place matches \"{1}\". Try another spelling, or the nearest city or province.",
                 {typed})
          << "\n";
      continue;
    }
    if (found.size() > 9) found.resize(9);
    std::vector<std::string> choices;
    for (const auto* e : found) choices.push_back(place_line(*e));
    choices.push_back(tr("none of these: type again"));
    const auto pick = ask_choice(io, tr("Which one?"), choices);
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
    io.out << "  " << tr("Please write the local time like 2026-11-28 21:40, or press Enter.")
           << "\n";
  }
}

std::string when(std::int64_t t) {
  char buf[32];
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return trf("{1} local time ({2})", {std::string(buf), format_rfc3339(t)});
}

void new_case(GuidedInput& io, Alert& a) {
  a.kind = AlertKind::new_case;
  People p;
  p.count = ask_number(io, tr("How many people were arrested?"), 1, 500);
  p.children = ask_number(io, tr("How many of them are children? (Enter: 0)"), 0, p.count, 0);
  p.elderly = ask_number(io, tr("How many are elderly? (Enter: 0)"), 0, p.count, 0);
  p.sick = ask_number(io, tr("How many are sick or injured? (Enter: 0)"), 0, p.count, 0);
  a.people = p;
  a.arrest_place = ask_place(io, tr("Where were they arrested? Type a place name:"), false);
  a.held_place = ask_place(
      io, tr("Where are they held now? Type a place name, or press Enter if unknown:"), true);
  a.arrested_at =
      ask_time(io, tr("When were they arrested? Local time, or Enter for now:"), io.now);
  a.expected_transfer =
      ask_time(io, tr("When are they expected to be transferred? Local time, or Enter if unknown:"),
               std::nullopt);
  const auto u = ask_choice(
      io, tr("How urgent is it?"),
      {tr("immediate - a transfer or return within about 72 hours, or a life at risk now"),
       tr("high - people are held and a transfer is likely within days"),
       tr("normal - it matters, but nothing is expected soon")});
  a.urgency = u == 0 ? Urgency::immediate : u == 1 ? Urgency::high : Urgency::normal;
  const auto c = ask_choice(
      io, tr("What did the family or the people themselves agree to?"),
      {tr("private - no publicity: only organisations the operator cleared see the case"),
       tr("advocacy - organisations may use the anonymised facts publicly")});
  a.consent = c == 0 ? Consent::private_only : Consent::advocacy;
}

void update(GuidedInput& io, Alert& a) {
  std::vector<std::string> cases;
  for (const auto& r : io.own_cases)
    cases.push_back(trf("reported {1}, case {2}",
                        {when(r.receipt.received_at), to_hex(r.case_ref).substr(0, 8)}));
  const auto which = ask_choice(io, tr("Which of your cases?"), cases);
  a.case_ref = io.own_cases[which].case_ref;
  const auto what = ask_choice(
      io, tr("What happened?"),
      {tr("they were transferred"), tr("they were released"),
       tr("they were returned across the border"), tr("they are still held: new details"),
       tr("the case is over (resolved)"), tr("my report was wrong: withdraw it")});
  switch (what) {
    case 0:
      a.kind = AlertKind::update;
      a.status = CaseStatus::transferred;
      a.held_place =
          ask_place(io, tr("Where are they held now? Type a place name, or Enter:"), true);
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
      a.held_place =
          ask_place(io, tr("Where are they held now? Type a place name, or Enter:"), true);
      a.expected_transfer =
          ask_time(io, tr("Expected transfer? Local time, or Enter if unknown:"), std::nullopt);
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
  io.out << "\n"
         << tr("Names and notes are sealed for the daemon only. They never reach any organisation.")
         << "\n";
  for (;;) {
    std::string name = ask(io, tr("A name (or press Enter when done):"));
    if (name.empty()) break;
    a.names.push_back(std::move(name));
  }
  a.notes = ask(io, tr("Anything else the operator should know (or Enter):"));
}

void summary(GuidedInput& io, const Alert& a) {
  io.out << "\n" << tr("You are about to send:") << "\n  " << to_string(a.kind);
  if (a.case_ref) io.out << " " << trf("of your case {1}", {to_hex(*a.case_ref).substr(0, 8)});
  io.out << "\n";
  if (a.status) io.out << "  " << tr("status:") << " " << to_string(*a.status) << "\n";
  if (a.people)
    io.out << "  "
           << trf("people: {1} (children {2}, elderly {3}, sick {4})",
                  {std::to_string(a.people->count), std::to_string(a.people->children),
                   std::to_string(a.people->elderly), std::to_string(a.people->sick)})
           << "\n";
  auto place = [&](const std::string& label, const std::optional<Place>& p) {
    if (!p) return;
    const auto* e = io.places.find(p->code);
    io.out << "  " << label << " " << (e ? place_line(*e) : p->code) << "\n";
  };
  place(tr("arrested in:"), a.arrest_place);
  place(tr("held at:"), a.held_place);
  if (a.arrested_at) io.out << "  " << tr("arrested:") << " " << when(*a.arrested_at) << "\n";
  if (a.expected_transfer)
    io.out << "  " << tr("transfer expected:") << " " << when(*a.expected_transfer) << "\n";
  if (a.urgency) io.out << "  " << tr("urgency:") << " " << to_string(*a.urgency) << "\n";
  if (a.consent) io.out << "  " << tr("consent:") << " " << to_string(*a.consent) << "\n";
  if (!a.names.empty())
    io.out << "  " << trf("names: {1} (sealed)", {std::to_string(a.names.size())}) << "\n";
  if (!a.notes.empty()) io.out << "  " << tr("notes: yes (sealed)") << "\n";
}

}  // namespace

std::optional<Alert> ask_for_alert(GuidedInput& io) {
  Alert a;
  try {
    std::vector<std::string> first = {tr("a new arrest")};
    if (!io.own_cases.empty()) first.push_back(tr("news about one of the cases I reported"));
    const auto what = ask_choice(io, tr("What do you want to report?"), first);
    if (what == 0)
      new_case(io, a);
    else
      update(io, a);
    sealed_details(io, a);
    if (auto st = validate_alert(a, io.now); !st.ok()) {
      io.out << "\n"
             << tr("This report cannot be sent as it is:") << " " << st.error().message << "\n";
      wipe_alert(a);
      return std::nullopt;
    }
    summary(io, a);
    const std::string yes = ask(io, tr("Send it now? Type yes to send:"));
    // "yes" in English always, and the language's own word for it.
    if (yes != "yes" && yes != "y" && yes != tr("yes")) {
      io.out << tr("Nothing was sent, and nothing was kept.") << "\n";
      wipe_alert(a);
      return std::nullopt;
    }
    return a;
  } catch (const Stopped&) {
    io.out << "\n" << tr("Stopped: nothing was sent, and nothing was kept.") << "\n";
    wipe_alert(a);
    return std::nullopt;
  }
}

}  // namespace cw::client
