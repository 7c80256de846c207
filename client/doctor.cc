#include "client/doctor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <ostream>

#include "client/context.h"
#include "client/messages.h"
#include "client/outbox.h"
#include "protocol/file_io.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"

namespace cw::client {
namespace {

struct Report {
  std::ostream& out;
  int problems = 0;
  // The English labels are padded to one column (tests and helpers grep
  // "PROBLEM  "); a translated label is followed by two spaces.
  void ok(const std::string& what) { out << label(tr("ok       ")) << what << "\n"; }
  void problem(const std::string& what, const std::string& todo) {
    ++problems;
    out << label(tr("PROBLEM  ")) << what << "\n         -> " << todo << "\n";
  }
  void note(const std::string& what) { out << label(tr("note     ")) << what << "\n"; }
  static std::string label(std::string l) {
    if (!l.empty() && l.back() != ' ') l += "  ";
    return l;
  }
};

// RFC 9110 IMF-fixdate, e.g. "Sun, 29 Nov 2026 09:00:00 GMT".
std::optional<std::int64_t> parse_http_date(const std::string& d) {
  std::tm tm{};
  const char* end = ::strptime(d.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

// A SOCKS5 proxy answers the greeting "no authentication" (05 01 00) with
// 05 00. Anything else at that address is not one.
std::string socks5_greeting(const Proxy& p) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(p.port);
  const std::string host = p.host == "localhost" ? "127.0.0.1" : p.host;
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return tr("not an IPv4 address");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return tr("no socket");
  std::string verdict;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    verdict = tr("nothing listens there");
  } else {
    const unsigned char hello[3] = {5, 1, 0};
    unsigned char answer[2] = {0, 0};
    pollfd pfd{fd, POLLIN, 0};
    if (::send(fd, hello, 3, MSG_NOSIGNAL) != 3 || ::poll(&pfd, 1, 5000) != 1 ||
        ::recv(fd, answer, 2, 0) != 2)
      verdict = tr("it does not answer like a SOCKS5 proxy");
    else if (answer[0] != 5 || answer[1] != 0)
      verdict = tr("it answers, but not as a SOCKS5 proxy without a password");
  }
  ::close(fd);
  return verdict;
}

}  // namespace

int cmd_doctor(const Globals& g, std::ostream& out, std::ostream& /*err*/) {
  Report r{out};
  auto ctx = load_context(g);
  if (!ctx) {
    r.problem(trf("this device is not set up: {1}", {ctx.error().message}),
              tr("ask the operator for an invite, then: casewire init --invite FILE --key FILE"));
    return 1;
  }
  r.ok(trf("set up in {1} for {2}", {ctx->home.dir(), ctx->invite.urls.front()}));

  // The key: present, private, protected.
  const std::string key = ctx->home.identity_path();
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) {
    r.note(tr("no key on this device: it can only deliver files others sealed"));
  } else if ((st.st_mode & 077) != 0) {
    r.problem(tr("your key file can be read by other users of this device"),
              trf("run: chmod 600 {1}", {key}));
  } else if (auto text = read_file(key, 64 << 10);
             text && identity_file_is_insecure(as_chars(*text))) {
    r.problem(
        tr("your key has no passphrase: anyone holding this device can send as you"),
        tr("make a new key with a passphrase (casewire new-key) and ask the operator to enrol it"));
  } else {
    r.ok(tr("your key is private and protected by a passphrase"));
  }

  // The outbox: what waits, and what was refused.
  if (auto list = Outbox(ctx->home.outbox_dir()).list()) {
    std::size_t waiting = 0, refused = 0;
    std::int64_t oldest = 0;
    for (const auto& e : *list) {
      if (!e.refused.empty()) {
        ++refused;
        continue;
      }
      ++waiting;
      if (!oldest || e.created_at < oldest) oldest = e.created_at;
    }
    if (waiting)
      r.problem(trf("{1} alert(s) not delivered yet, the oldest from {2}",
                    {std::to_string(waiting), format_rfc3339(oldest)}),
                tr("run: casewire outbox flush (if they still wait, the checks below say why)"));
    else
      r.ok(tr("no alert is waiting in the outbox"));
    if (refused)
      r.problem(trf("{1} alert(s) refused by the daemon", {std::to_string(refused)}),
                tr("see why with: casewire outbox list; tell the operator the code"));
  }

  // The proxy (Tor), when one is set.
  if (ctx->transport.proxy) {
    const auto& p = *ctx->transport.proxy;
    const std::string where = p.host + ":" + std::to_string(p.port);
    const std::string bad = socks5_greeting(p);
    if (bad.empty())
      r.ok(trf("the proxy at {1} is a SOCKS5 proxy", {where}));
    else
      r.problem(trf("the proxy at {1}: {2}", {where, bad}),
                tr("start Tor (or Tor Browser, which listens on 9150 while it is open); where Tor "
                   "is blocked, configure bridges first"));
  }

  // The daemon, with the pinned key; and the clock, against the daemon's.
  bool reached = false;
  for (const auto& url : ctx->invite.urls) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/";
    auto res = https_request(url, req, ctx->transport);
    if (!res) {
      if (res.code() == Errc::pin_mismatch)
        r.problem(trf("{1} answered with a key that is not the one in your invite", {url}),
                  tr("someone may be intercepting: do not send from this network; tell the "
                     "operator through another channel"));
      else
        r.problem(trf("{1} cannot be reached ({2})", {url, std::string(code_name(res.code()))}),
                  ctx->transport.proxy
                      ? tr("check that Tor is connected (bridges where it is blocked)")
                      : tr("check the network; where the daemon is blocked, use Tor (--proxy "
                           "socks5h://127.0.0.1:9050)"));
      continue;
    }
    reached = true;
    r.ok(trf("{1} answers with the key pinned in your invite", {url}));
    if (auto t = parse_http_date(res->date)) {
      const std::int64_t skew = unix_now() - *t;
      if (skew > 300 || skew < -300)
        r.problem(skew > 0 ? trf("this device's clock is {1} seconds ahead of the daemon's",
                                 {std::to_string(skew)})
                           : trf("this device's clock is {1} seconds behind the daemon's",
                                 {std::to_string(-skew)}),
                  tr("set the clock (automatic time); alerts from the future are held back and "
                     "signed requests are refused beyond 5 minutes"));
      else
        r.ok(tr("this device's clock agrees with the daemon's"));
    }
    break;
  }
  if (!reached && ctx->invite.urls.size() > 1)
    r.note(tr("none of the daemon's addresses answered"));
  out << "\n"
      << (r.problems ? trf("{1} problem(s) found.", {std::to_string(r.problems)})
                     : tr("Everything checked is in order."))
      << "\n";
  return r.problems ? 1 : 0;
}

}  // namespace cw::client
