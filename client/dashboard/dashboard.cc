#include "client/dashboard/dashboard.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "client/context.h"
#include "client/dashboard/access.h"
#include "client/dashboard/case_board.h"
#include "client/dashboard/dashboard_server.h"
#include "client/feed_reader.h"
#include "client/messages.h"
#include "client/rotation.h"
#include "client/submit.h"

namespace cw::client {
namespace {

using namespace std::chrono_literals;

// The daemon's word on this organisation's part in every case it is on
// (GET /v1/org/cases, signed): acknowledgements and answers made from any of
// its clients. Best effort: the feed goes on if it fails; the next event or
// reconnect asks again.
void read_own_part(const ClientContext& ctx, const Identity& id, CaseBoard& board) {
  namespace json = boost::json;
  std::string after;
  for (int page = 0; page < 1000; ++page) {
    std::ostringstream quiet;
    int status = 0;
    auto payload =
        signed_call(ctx, id, "GET", "/v1/org/cases" + (after.empty() ? "" : "?after=" + after), "",
                    quiet, &status);
    if (!payload) return;
    std::error_code ec;
    auto v = json::parse(*payload, ec);
    const auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    const auto* cases = o ? o->if_contains("cases") : nullptr;
    if (!cases || !cases->is_array()) return;
    for (const auto& c : cases->as_array()) {
      const auto* e = c.is_object() ? &c.as_object() : nullptr;
      const auto* id_v = e ? e->if_contains("case") : nullptr;
      const auto* acks = e ? e->if_contains("acks") : nullptr;
      const auto* acting = e ? e->if_contains("acting") : nullptr;
      const auto* answer = e ? e->if_contains("answer") : nullptr;
      if (!id_v || !id_v->is_string() || !acks || !acks->is_number() || !acting ||
          !acting->is_bool())
        return;
      after = std::string(id_v->as_string());
      board.daemon_state(after, static_cast<std::uint32_t>(acks->to_number<std::uint64_t>()),
                         acting->as_bool(),
                         answer && answer->is_string() ? std::string(answer->as_string()) : "");
    }
    const auto* more = o->if_contains("more");
    if (!more || !more->is_bool() || !more->as_bool() || cases->as_array().empty()) return;
  }
}

// The feed, verified, into the board: first everything waiting (the
// history the list and chart start from), then the daemon's word on this
// organisation's own part, then live; reconnecting with backoff until
// stopped. Runs on its own thread (the transport blocks).
void follow(const Globals& g, ClientContext& ctx, const Identity& id, CaseBoard& board,
            const std::atomic<bool>& stop) {
  std::uint64_t cursor = 0;
  bool followed_keys = false;
  auto take = [&](const std::string& signed_json) {
    auto n = open_notification(signed_json, ctx.invite, id);
    if (!n && !followed_keys) {
      // Signed by the daemon's next key (a rotation): follow the chain once.
      followed_keys = true;
      std::ostringstream quiet;
      bool applied = false;
      if (apply_invite_update(g, ctx, id, quiet, quiet, &applied) == kExitOk && applied)
        n = open_notification(signed_json, ctx.invite, id);
    }
    // A notification that does not verify never reaches the board.
    if (n) {
      board.apply(*n);
      cursor = std::max(cursor, n->id);
      // Someone acted - perhaps this organisation, from another client.
      if (n->event == "acknowledged") read_own_part(ctx, id, board);
    }
    return !stop;
  };
  auto backoff = 1s;
  while (!stop) {
    bool caught_up = false;
    while (!stop && !caught_up) {
      auto page = pull_page(ctx, id, cursor);
      if (!page || page->status != 200) break;
      for (const auto& item : page->items) take(item);
      caught_up = page->items.empty();
    }
    if (caught_up) {
      read_own_part(ctx, id, board);
      board.set_feed_state("live");
      (void)stream_once(ctx, id, cursor, [&](const std::string& s) {
        backoff = 1s;
        return take(s);
      });
    }
    if (stop) break;
    board.set_feed_state("reconnecting");
    for (auto waited = 0ms; waited < backoff && !stop; waited += 100ms)
      std::this_thread::sleep_for(100ms);
    backoff = std::min<std::chrono::seconds>(backoff * 2, 30s);
  }
}

struct Listen {
  std::string host;
  std::uint16_t port = 0;
};

Result<Listen> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return make_error(Errc::bad_request, tr("--listen must be HOST:PORT, e.g. 127.0.0.1:8080"));
  Listen l;
  l.host = text.substr(0, colon);
  if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']')
    l.host = l.host.substr(1, l.host.size() - 2);
  if (l.host == "localhost") l.host = "127.0.0.1";
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    return make_error(Errc::bad_request, tr("--listen must be HOST:PORT, e.g. 127.0.0.1:8080"));
  l.port = static_cast<std::uint16_t>(std::stoul(port));
  return l;
}

bool is_loopback(const std::string& host) {
  return host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

int cmd_dashboard(const Globals& g, const DashboardOptions& o, std::ostream& out,
                  std::ostream& err) {
  auto listen = parse_listen(o.listen);
  if (!listen) return fail(err, listen.error());
  if (!is_loopback(listen->host) && !o.allow_remote)
    return fail(err, make_error(Errc::bad_request,
                                tr("the dashboard listens on loopback only; to listen on another "
                                   "address add --allow-remote and --public-origin, and only "
                                   "behind your own TLS proxy")));
  if (o.allow_remote && o.public_origin.rfind("https://", 0) != 0)
    return fail(err, make_error(Errc::bad_request,
                                tr("--allow-remote needs --public-origin https://NAME, the address "
                                   "of your TLS proxy")));
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, o.key);
  if (!id) return fail(err, id.error());

  boost::asio::io_context ioc;
  CaseBoard board;
  DashboardAccess access;
  // One thread per acknowledgement (the transport blocks); finished ones
  // are joined before the next starts, so a long day of clicks does not
  // pile up threads.
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
  };
  std::mutex workers_mu;
  std::vector<Worker> workers;
  // Acknowledge: the newest notification of the case, signed by the
  // organisation key this process holds; the daemon's signed answer gives
  // the number of organisations now acting.
  auto ack = [&](const std::string& case_id, std::function<void(unsigned, std::string)> done) {
    std::lock_guard lock(workers_mu);
    std::erase_if(workers, [](Worker& w) {
      if (!*w.finished) return false;
      w.thread.join();
      return true;
    });
    Worker& w = workers.emplace_back();
    w.thread = std::thread([&, case_id, finished = w.finished, done = std::move(done)] {
      struct Mark {
        std::shared_ptr<std::atomic<bool>> f;
        ~Mark() { *f = true; }
      } mark{finished};
      namespace json = boost::json;
      const auto nid = board.latest_notification(case_id);
      if (!nid) return done(404, json::serialize(json::object{{"error", "unknown_case"}}));
      std::ostringstream quiet;
      int status = 0;
      // The home's invite as it is now: the feed thread follows key
      // rotations on its own copy of the context and writes them there.
      auto now = load_context(g);
      auto payload =
          signed_call(now ? *now : *ctx, *id, "POST",
                      "/v1/notifications/" + std::to_string(*nid) + "/ack", "", quiet, &status);
      if (!payload)
        return done(502, json::serialize(json::object{{"error", code_name(payload.code())}}));
      std::error_code ec;
      auto v = json::parse(*payload, ec);
      const auto* acks = !ec && v.is_object() ? v.as_object().if_contains("acks") : nullptr;
      if (!acks || !acks->is_number())
        return done(502, json::serialize(json::object{{"error", "bad_response"}}));
      const auto n = static_cast<std::uint32_t>(acks->to_number<std::uint64_t>());
      board.acknowledged(case_id, n);
      done(200, json::serialize(json::object{{"acks", n}}));
    });
  };
  DashboardServer server(ioc, access, board, ack);
  std::string why;
  if (!server.listen(listen->host, listen->port, why))
    return fail(err, make_error(Errc::io_error, "cannot listen on " + o.listen + ": " + why));
  const std::string port = std::to_string(server.port());
  std::vector<std::string> origins;
  if (o.allow_remote) {
    origins.push_back(o.public_origin);
  } else {
    origins.push_back(listen->host == "::1" ? "http://[::1]:" + port
                                            : "http://" + listen->host + ":" + port);
    origins.push_back("http://localhost:" + port);
  }
  access.set_origins(origins);
  board.set_identity(key_id_hex(id->sign.id()), key_id_hex(ctx->invite.daemon_sign.id()));
  board.on_change([&server] { server.board_changed(); });

  std::atomic<bool> stop{false}, followed{false};
  std::thread feed([&, feed_ctx = *ctx]() mutable {
    follow(g, feed_ctx, *id, board, stop);
    followed = true;
  });

  // The token in the fragment: a browser never sends it to a server (nor to
  // the TLS proxy in front of a remote dashboard). client/dashboard/access.h.
  const std::string url = origins.front() + "/#token=" + access.token();
  if (g.json)
    out << boost::json::serialize(boost::json::object{{"url", url}}) << std::endl;
  else
    out << trf("open this in your browser (keep it to yourself: it lets anyone act as your "
               "organisation until you stop this program): {1}",
               {url})
        << std::endl;

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  ioc.run();

  stop = true;
  {
    std::lock_guard lock(workers_mu);
    for (auto& w : workers) w.thread.join();
  }
  // The feed thread may sit in a read until the daemon's next heartbeat;
  // wait a little, then leave without it rather than hang on Ctrl-C.
  for (int i = 0; i < 30 && !followed; ++i) std::this_thread::sleep_for(100ms);
  if (!followed) {
    out.flush();
    std::_Exit(kExitOk);
  }
  feed.join();
  return kExitOk;
}

}  // namespace cw::client
