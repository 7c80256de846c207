#include "client/messages.h"

#include <sys/stat.h>
#include <unistd.h>
#include <boost/locale/generator.hpp>
#include <boost/locale/message.hpp>
#include <cstdlib>
#include <locale>
#include <mutex>

namespace cw::client {
namespace {

std::mutex g_mu;
std::string g_lang = "en";
std::locale g_locale = std::locale::classic();

std::string from_environment() {
  for (const char* var : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    const std::string_view s(v);
    if (s.substr(0, 2) == "ko") return "ko";
    if (s.substr(0, 2) == "zh") return "zh";
    return "en";  // the first one set decides, as for gettext
  }
  return "en";
}

// $CASEWIRE_LOCALEDIR; else share/locale beside the program's bin/ (a
// package installs under /usr, whatever prefix the build was configured
// with); else the configured install directory; else the build tree's.
std::string catalogue_dir() {
  if (const char* d = std::getenv("CASEWIRE_LOCALEDIR"); d && *d) return d;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));  // .../bin
    const std::string beside = dir.substr(0, dir.rfind('/')) + "/share/locale";
    if (::access((beside + "/ko/LC_MESSAGES/casewire.mo").c_str(), R_OK) == 0) return beside;
  }
  if (::access(CASEWIRE_INSTALL_LOCALEDIR "/ko/LC_MESSAGES/casewire.mo", R_OK) == 0)
    return CASEWIRE_INSTALL_LOCALEDIR;
  return CASEWIRE_BUILD_LOCALEDIR;
}

}  // namespace

void set_language(std::string_view lang) {
  std::string l = lang.empty() ? from_environment() : std::string(lang);
  if (l != "ko" && l != "zh") l = "en";
  std::locale loc = std::locale::classic();
  if (l != "en") {
    boost::locale::generator gen;
    gen.add_messages_path(catalogue_dir());
    gen.add_messages_domain("casewire");
    // The catalogue is chosen by this name; the rest of the locale (number
    // formats) stays classic, so output parsers see the same digits.
    loc = gen(l == "ko" ? "ko_KR.UTF-8" : "zh_CN.UTF-8");
  }
  std::lock_guard lock(g_mu);
  g_lang = l;
  g_locale = loc;
}

std::string_view language() {
  std::lock_guard lock(g_mu);
  return g_lang;
}

std::string tr(const char* english) {
  std::lock_guard lock(g_mu);
  if (g_lang == "en") return english;
  return boost::locale::translate(english).str(g_locale);
}

std::string trf(const char* english, std::initializer_list<std::string> args) {
  std::string s = tr(english);
  std::size_t i = 1;
  for (const auto& a : args) {
    const std::string mark = "{" + std::to_string(i++) + "}";
    for (auto at = s.find(mark); at != std::string::npos; at = s.find(mark, at + a.size()))
      s.replace(at, mark.size(), a);
  }
  return s;
}

}  // namespace cw::client
