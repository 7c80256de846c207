#include "daemon/delivery/cap.h"

#include "protocol/gazetteer.h"

namespace cw::daemon {
namespace {

// CAP forbids "Z": times are written with an explicit +00:00 offset.
std::string cap_time(const std::string& rfc3339) {
  if (rfc3339.size() != 20 || rfc3339.back() != 'Z') return "";
  return rfc3339.substr(0, 19) + "+00:00";
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string element(const char* name, std::string_view value) {
  return std::string("<") + name + ">" + xml_escape(value) + "</" + name + ">";
}

std::string parameter(const char* name, std::string_view value) {
  if (value.empty()) return "";
  return "<parameter>" + element("valueName", name) + element("value", value) + "</parameter>";
}

}  // namespace

std::string to_cap_xml(const Notification& n, const std::string& daemon_key_id) {
  const char* msg_type = n.event == "new_case" || n.event == "escalation" ? "Alert"
                         : n.event == "retraction"                        ? "Cancel"
                                                                          : "Update";
  const char* urgency = n.facts.urgency == "immediate" ? "Immediate"
                        : n.facts.urgency == "high"    ? "Expected"
                                                       : "Future";
  std::string x = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  x += R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">)";
  x += element("identifier", "casewire-" + n.case_id + "-" + std::to_string(n.id));
  x += element("sender", "casewire:" + daemon_key_id);
  x += element("sent", cap_time(n.issued_at));
  x += element("status", "Actual");
  x += element("msgType", msg_type);
  x += element("scope", "Restricted");
  x += element("restriction", n.facts.consent == "private"
                                  ? "Private case: cleared organisations only; no publicity."
                                  : "Advocacy: the family consents to public use.");
  x += element("code", "casewire-v1");
  x += "<info>";
  x += element("category", "Safety");
  x += element("event", "Detention with risk of forced return");
  x += element("urgency", urgency);
  x += element("severity", "Severe");
  x += element("certainty", "Observed");
  x += element("headline", "casewire case " + n.case_id.substr(0, 8) + ": " + n.event);
  x += parameter("casewire:case", n.case_id);
  x += parameter("casewire:event", n.event);
  x += parameter("casewire:status", n.facts.status);
  x += parameter("casewire:people", n.facts.people);
  x += parameter("casewire:children", n.facts.children);
  x += parameter("casewire:elderly", n.facts.elderly);
  x += parameter("casewire:sick", n.facts.sick);
  x += parameter("casewire:held_at", n.facts.held_at);
  x += parameter("casewire:arrested_at", n.facts.arrested_at);
  x += parameter("casewire:expected_transfer", n.facts.expected_transfer);
  x += parameter("casewire:consent", n.facts.consent);
  x += parameter("casewire:acks", std::to_string(n.acks));
  if (!n.facts.region.empty()) {
    auto place = find_place(n.facts.region);
    x += "<area>";
    x += element("areaDesc", place ? place->name() : n.facts.region);
    x += "<geocode>" + element("valueName", "ISO 3166-2") + element("value", n.facts.region) +
         "</geocode>";
    x += "</area>";
  }
  x += "</info></alert>";
  // Pad with a comment after the root element (allowed by XML) so every CAP
  // body has the same length.
  const std::string open = "<!--", close = "-->";
  if (x.size() + open.size() + close.size() < kCapBodySize)
    x += open + std::string(kCapBodySize - x.size() - open.size() - close.size(), ' ') + close;
  return x;
}

}  // namespace cw::daemon
